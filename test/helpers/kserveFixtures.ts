/** The KServe logger fixtures of test/fixtures/kserve (see its README), and posting them. */
import { readFileSync } from 'node:fs';
import { call, type CallResult } from './service.js';

export interface KServeFixture {
  note: string;
  /** Binary mode: the event's headers. */
  headers?: Record<string, string>;
  /** Structured mode: the content type. */
  contentType?: string;
  /** The body's exact text. */
  body: string;
}

export function kserveFixture(name: string): KServeFixture {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/kserve/${name}.json`, import.meta.url), 'utf8'),
  ) as KServeFixture;
}

/** What /v1/intake/kserve answers. */
export interface IntakeBody {
  events: number;
  pending: number;
  joined: number;
  accepted: number;
  duplicates: number;
  rejected: { index: number; code: string; message: string }[];
  rejected_count: number;
  error?: { code: string; message: string };
}

/** Posts a fixture as KServe would: its headers (or content type) and its body, byte for byte. */
export function postFixture(
  baseUrl: string,
  fixture: KServeFixture,
  override: { headers?: Record<string, string>; body?: string } = {},
): Promise<CallResult<IntakeBody>> {
  const headers = { ...fixture.headers, ...override.headers };
  const contentType =
    fixture.contentType ??
    Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ??
    'application/json';
  return call<IntakeBody>(baseUrl, '/v1/intake/kserve', {
    raw: override.body ?? fixture.body,
    contentType,
    headers: Object.fromEntries(
      Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type'),
    ),
  });
}

/** A fixture's event with another id (and the same everything else). */
export function withId(fixture: KServeFixture, id: string): KServeFixture {
  return { ...fixture, headers: { ...fixture.headers, 'Ce-Id': id } };
}
