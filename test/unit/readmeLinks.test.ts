/**
 * The README is the way into the docs: every document in docs/ is linked
 * from it, every relative link in it points to a file that exists, and
 * package.json's `files` names only what exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const readme = readFileSync('README.md', 'utf8');

/** Targets of the Markdown links, without anchors; external ones left out. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'))
    .map((target) => target.split('#')[0]!);
}

describe('README links', () => {
  it('links every document of docs/', () => {
    const linked = new Set(relativeLinks(readme).map((target) => path.normalize(target)));
    const docs = readdirSync('docs', { withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.(md|json)$/.test(entry.name))
      .map((entry) => path.join('docs', entry.name));
    expect(docs.length).toBeGreaterThan(10);
    expect(docs.filter((doc) => !linked.has(doc))).toEqual([]);
  });

  it('points every relative link at a file or folder that exists', () => {
    const links = relativeLinks(readme);
    expect(links.length).toBeGreaterThan(10);
    expect(links.filter((target) => !existsSync(target))).toEqual([]);
  });

  it('links to headings that exist', () => {
    const anchors = new Set(
      [...readme.matchAll(/^#+ (.+)$/gm)].map((match) =>
        match[1]!
          .toLowerCase()
          .replace(/[^\w\s-]/g, '')
          .replace(/\s/g, '-'),
      ),
    );
    const used = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1]!);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((anchor) => !anchors.has(anchor))).toEqual([]);
  });
});

describe('package.json files', () => {
  it('names only files and folders that exist', () => {
    const { files } = JSON.parse(readFileSync('package.json', 'utf8')) as { files: string[] };
    // dist/ is built, not committed: the build writes it (prepare, npm ci).
    expect(files.filter((entry) => entry !== 'dist' && !existsSync(entry))).toEqual([]);
    expect(files).toContain('dist');
    expect(existsSync('tsconfig.build.json')).toBe(true);
  });
});
