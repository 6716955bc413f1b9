/**
 * Webhook signatures: `X-Driftwatch-Signature: v1=<hex>` where hex is
 * HMAC-SHA256(secret, `${timestamp}.${body}`) and timestamp is the Unix time
 * in seconds sent as `X-Driftwatch-Timestamp`. Signing the timestamp with the
 * body lets a receiver refuse replays of an old delivery (docs/webhooks.md).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Driftwatch-Signature';
export const TIMESTAMP_HEADER = 'X-Driftwatch-Timestamp';
export const SIGNATURE_VERSION = 'v1';

/** `v1=<hex>` for this body at this Unix time (seconds). */
export function signPayload(secret: string, timestampSeconds: number, body: string): string {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError(`timestamp must be whole non-negative seconds, got ${timestampSeconds}`);
  }
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `${SIGNATURE_VERSION}=${digest}`;
}

/** True when `signature` is the signature of body at timestamp (constant-time comparison). */
export function signatureMatches(
  secret: string,
  timestampSeconds: number,
  body: string,
  signature: string,
): boolean {
  const expected = Buffer.from(signPayload(secret, timestampSeconds, body));
  const presented = Buffer.from(signature);
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}
