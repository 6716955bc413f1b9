/**
 * The files a `logs.files` pattern names: `*` (any run of characters) and `?`
 * (one character) in the file name only, as a shell would — neither matches a
 * leading `.` — and only regular files. Node 20's `fs.glob` is not stable.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** The regular expression of a file-name pattern, anchored at both ends. */
export function fileNamePattern(name: string): RegExp {
  let source = '';
  for (const char of name) {
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // Like a shell, a wildcard at the start does not match hidden files.
  const hidden = /^[*?]/.test(name) ? '(?!\\.)' : '';
  return new RegExp(`^${hidden}${source}$`);
}

/** Absolute paths of the regular files matching any pattern, each once, sorted. */
export async function expandFilePatterns(patterns: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const absolute = path.resolve(pattern);
    const dir = path.dirname(absolute);
    const name = path.basename(absolute);
    const matcher = fileNamePattern(name);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      // A folder not there yet (the volume is mounted later) matches nothing.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    for (const entry of entries) {
      if (entry.isFile() && matcher.test(entry.name)) found.add(path.join(dir, entry.name));
    }
  }
  return [...found].sort();
}
