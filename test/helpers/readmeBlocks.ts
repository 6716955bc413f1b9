/**
 * The shell blocks of README.md, in order. A block preceded by a comment
 * `<!-- readme-test: skip: <reason> -->` is not run (it installs packages,
 * starts a service of its own, needs Docker); every other block is run by
 * test/integration/readme.test.ts, so a new example is tested by default.
 */
import { readFileSync } from 'node:fs';

export interface ShellBlock {
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** Why the block is not run; null when it is. */
  skip: string | null;
}

const SKIP = /^<!-- readme-test: skip: (.+) -->$/;

export function readmeShellBlocks(file = 'README.md'): ShellBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i] !== '```sh') continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`README.md:${i + 1}: a shell block is never closed`);
    let previous = i - 1;
    while (previous >= 0 && lines[previous]!.trim() === '') previous -= 1;
    const skip = SKIP.exec(lines[previous] ?? '')?.[1] ?? null;
    blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n'), skip });
    i = end;
  }
  return blocks;
}
