/**
 * Renders the dashboard sources to the JSON committed under dashboards/.
 * The output is deterministic (sorted keys, fixed uids, panel ids in layout
 * order, no timestamps) and already in Prettier's JSON format, so a rebuild
 * without a source change is byte-identical and `prettier --check` passes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { modelDrilldownDashboard } from './modelDrilldown.js';
import { overviewDashboard } from './overview.js';

export interface DashboardFile {
  /** File name under the dashboards folder. */
  file: string;
  json: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Prettier's default line width for JSON in this repository (.prettierrc.json). */
const PRINT_WIDTH = 100;

/**
 * Grafana assigns panel ids on import when they are missing, differently on
 * each import; fixed ids keep links to `viewPanel=<id>` stable.
 */
function withPanelIds(dashboard: Dashboard): Dashboard {
  const panels = (dashboard.panels ?? []).map((panel, index) => ({ ...panel, id: index + 1 }));
  return { ...dashboard, panels };
}

/** Plain JSON (no undefined, no functions) with keys sorted at every level. */
function canonical(value: unknown): Json {
  const plain = JSON.parse(JSON.stringify(value)) as Json;
  const sortKeys = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(sortKeys);
    if (node === null || typeof node !== 'object') return node;
    const sorted: { [key: string]: Json } = {};
    for (const key of Object.keys(node).sort()) sorted[key] = sortKeys(node[key] as Json);
    return sorted;
  };
  return sortKeys(plain);
}

/**
 * JSON as Prettier prints it: objects always one member per line (Prettier
 * keeps an object expanded when its source is), arrays of scalars on one
 * line when they fit in PRINT_WIDTH, other arrays one element per line.
 * `lineStart` is the width already used on the current line, `suffix` what
 * follows the value on it (a comma).
 */
function formatJson(value: Json, indent: string, lineStart: number, suffix: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const scalars = value.every((item) => item === null || typeof item !== 'object');
    if (scalars) {
      const flat = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
      if (lineStart + flat.length + suffix.length <= PRINT_WIDTH) return flat;
    }
    const items = value.map((item, index) => {
      const comma = index < value.length - 1 ? ',' : '';
      return `${inner}${formatJson(item, inner, inner.length, comma)}${comma}`;
    });
    return `[\n${items.join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const members = entries.map(([key, member], index) => {
    const comma = index < entries.length - 1 ? ',' : '';
    const prefix = `${inner}${JSON.stringify(key)}: `;
    return `${prefix}${formatJson(member, inner, prefix.length, comma)}${comma}`;
  });
  return `{\n${members.join('\n')}\n${indent}}`;
}

export function serialiseDashboard(dashboard: Dashboard): string {
  return `${formatJson(canonical(withPanelIds(dashboard)), '', 0, '')}\n`;
}

/** Every dashboard, rendered; the order is the order of the files. */
export function buildDashboards(): DashboardFile[] {
  return [
    { file: 'overview.json', json: serialiseDashboard(overviewDashboard()) },
    { file: 'model.json', json: serialiseDashboard(modelDrilldownDashboard()) },
  ];
}

/** Writes dashboards/*.json (relative to the working directory); returns the paths written. */
export async function writeDashboards(dir = 'dashboards'): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const { file, json } of buildDashboards()) {
    const path = join(dir, file);
    await writeFile(path, json, 'utf8');
    written.push(path);
  }
  return written;
}
