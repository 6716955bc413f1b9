/**
 * One HTTP request of a client command to a running driftwatch. Failing to
 * reach it, and any answer that is not a success, are CliErrors (exit 2)
 * naming the URL or the status and the service's own message.
 */
import { CliError } from './exitCodes.js';
import type { ServiceOptions } from './options.js';

/** The error body of the API (docs/api.md), as far as the commands show it. */
export interface ApiErrorBody {
  error?: { code?: string; message?: string };
  problems?: string[];
  rejected?: { index: number; code: string; message: string }[];
}

/** Rejections listed under an error, at most this many. */
const LISTED_PROBLEMS = 20;

function causeText(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const own = error instanceof Error ? error.message : String(error);
  return cause instanceof Error ? `${own}: ${cause.message}` : own;
}

export async function requestService<T>(
  options: ServiceOptions,
  what: string,
  pathAndQuery: string,
  init: RequestInit & { duplex?: 'half' },
): Promise<T> {
  let target: URL;
  try {
    target = new URL(pathAndQuery, options.url);
  } catch {
    throw new CliError(`--url: "${options.url}" is not a URL`);
  }
  const headers = new Headers(init.headers);
  if (options.token) headers.set('authorization', `Bearer ${options.token}`);
  let response: Response;
  try {
    response = await fetch(target, { ...init, headers });
  } catch (error) {
    throw new CliError(
      `could not reach driftwatch at ${options.url} (${causeText(error)}); is "driftwatch serve" running there?`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as T & ApiErrorBody;
  if (!response.ok) {
    const details = [
      ...(body.problems ?? []),
      ...(body.rejected ?? []).map((r) => `row ${r.index}: ${r.code}: ${r.message}`),
    ];
    throw new CliError(
      `${what} failed (HTTP ${response.status}): ${body.error?.message ?? response.statusText}`,
      details.slice(0, LISTED_PROBLEMS),
    );
  }
  return body;
}
