/**
 * The Node versions package.json declares and the ones its dependencies
 * declare agree, so that `npm ci` on a declared version prints no EBADENGINE
 * warning: every package npm installs (optional ones are skipped when they do
 * not fit, silently) accepts every version of the declared range. The check
 * is npm's own (`semver.satisfies` on each package's `engines.node`), on the
 * lockfile's packages.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// semver is npm's own range logic; it is in node_modules through the dev tools.
const semver = createRequire(import.meta.url)('semver') as {
  subset(sub: string, dom: string): boolean;
  satisfies(version: string, range: string): boolean;
};

interface LockedPackage {
  engines?: { node?: string };
  optional?: boolean;
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, LockedPackage>;
};
const declared = manifest.engines.node;

function installedRanges(): { name: string; range: string }[] {
  return Object.entries(lock.packages)
    .filter(([name, entry]) => name !== '' && !entry.optional && entry.engines?.node)
    .map(([name, entry]) => ({
      name: name.replace(/^.*node_modules\//, ''),
      range: entry.engines!.node!,
    }));
}

describe('engines', () => {
  it('declares a range every installed dependency accepts', () => {
    const refused = installedRanges()
      .filter(({ range }) => !semver.subset(declared, range))
      .map(({ name, range }) => `${name} ${range}`);
    expect(refused).toEqual([]);
  });

  it('includes the OpenTelemetry 3.x floor and excludes what they refuse', () => {
    // The lower bound the tracing packages set; Node 20 is below it.
    expect(semver.satisfies('22.15.0', declared)).toBe(true);
    expect(semver.satisfies('24.0.0', declared)).toBe(true);
    expect(semver.satisfies('22.14.0', declared)).toBe(false);
    expect(semver.satisfies('20.20.2', declared)).toBe(false);
    const otel = installedRanges().filter(({ name }) => name.startsWith('@opentelemetry/core'));
    expect(otel.length).toBeGreaterThan(0);
    for (const { range } of otel) expect(semver.satisfies('20.20.2', range)).toBe(false);
  });
});
