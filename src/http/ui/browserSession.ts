/**
 * Browser sessions of the web UI when tokens are configured: a token entered
 * once on the login form becomes a signed cookie, so the raw token is never
 * stored in the browser.
 *
 * Cookie value: `base64url(token name).expirySeconds.base64url(HMAC-SHA256)`,
 * keyed with the SHA-256 digest of that token. No server state: replicas
 * accept each other's sessions, and removing a token ends its sessions.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'driftwatch_session';
export const SESSION_SECONDS = 12 * 3_600;

/** What the sessions need from the authenticator. */
export interface SessionTokens {
  identify(value: string): { name: string; digest: Buffer } | null;
  digestsNamed(name: string): Buffer[];
}

function sign(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload, 'utf8').digest();
}

export class BrowserSessions {
  constructor(
    private readonly tokens: SessionTokens,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** The cookie value for a presented token, or null when the token is not valid. */
  issue(token: string): string | null {
    const known = this.tokens.identify(token);
    if (!known) return null;
    const expiry = Math.floor(this.nowMs() / 1000) + SESSION_SECONDS;
    const payload = `${Buffer.from(known.name, 'utf8').toString('base64url')}.${expiry}`;
    return `${payload}.${sign(known.digest, payload).toString('base64url')}`;
  }

  /** Whether a cookie value is a live session of a configured token. */
  verify(value: string | undefined): boolean {
    if (!value) return false;
    const match = /^([A-Za-z0-9_-]+)\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!match) return false;
    const [, name64, expiry, mac64] = match;
    if (Number(expiry) * 1000 <= this.nowMs()) return false;
    const payload = `${name64}.${expiry}`;
    const presented = Buffer.from(mac64!, 'base64url');
    let valid = false;
    for (const digest of this.tokens.digestsNamed(
      Buffer.from(name64!, 'base64url').toString('utf8'),
    )) {
      const expected = sign(digest, payload);
      if (expected.length === presented.length && timingSafeEqual(expected, presented))
        valid = true;
    }
    return valid;
  }
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie header of a session; `Secure` when the page came over https. */
export function sessionCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** A post-login target: a path of this site only (no scheme, no `//host`). */
export function safeNextPath(next: unknown): string {
  if (
    typeof next !== 'string' ||
    !next.startsWith('/') ||
    next.startsWith('//') ||
    next.includes('\\')
  )
    return '/';
  return next.length > 2_000 ? '/' : next;
}
