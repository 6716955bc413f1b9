/** Number, date and link formatting shared by the pages. */
import { SCORE_FEATURE } from '../../drift/index.js';

export function featureLabel(feature: string): string {
  return feature === SCORE_FEATURE ? 'model score' : feature;
}

/** A statistic with 4 significant digits; p-values below 1e-4 in exponent form. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-4 || magnitude >= 1e6) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(1)} %`;
}

/** `2026-01-02 10:35:00 UTC` from an ISO string. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function versionPath(model: string, version: string): string {
  return `/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}`;
}

export function runPath(id: number): string {
  return `/runs/${id}`;
}

/** Human words for a run status (colour is never the only signal). */
export const STATUS_WORDS: Record<string, string> = {
  ok: 'ok',
  drift: 'drift',
  degraded: 'degraded',
  insufficient_data: 'insufficient data',
  error: 'error',
};
