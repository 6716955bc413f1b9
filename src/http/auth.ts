/**
 * Bearer-token authentication with two scopes: `ingest` (predictions, labels)
 * and `admin` (models, references). Tokens are compared through their SHA-256
 * digests with timingSafeEqual, so the comparison time depends neither on how
 * much of a guess is right nor on its length.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Config } from '../config/schema.js';
import { AppError } from '../core/errors.js';

export type Scope = 'ingest' | 'admin';

interface KnownToken {
  name: string;
  digest: Buffer;
  scopes: Set<Scope>;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export class Authenticator {
  private readonly tokens: KnownToken[];
  readonly open: boolean;

  constructor(config: Config) {
    if (config.auth === 'none') {
      this.tokens = [];
      this.open = true;
    } else {
      this.tokens = config.auth.tokens.map((token) => ({
        name: token.name,
        digest: digest(token.token ?? ''),
        scopes: new Set(token.scopes),
      }));
      // With no token configured the service is only reachable on loopback
      // (the config loader refuses anything else), and it runs open there.
      this.open = this.tokens.length === 0;
    }
  }

  /** Scopes granted by an Authorization header value, or null for no valid token. */
  scopesOf(header: string | undefined): Set<Scope> | null {
    if (!header) return null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return null;
    return this.find(match[1]!)?.scopes ?? null;
  }

  private find(value: string): KnownToken | null {
    const presented = digest(value);
    let found: KnownToken | null = null;
    // Check every token, not stopping at a match, to keep timing flat.
    for (const token of this.tokens) {
      if (timingSafeEqual(token.digest, presented)) found = token;
    }
    return found;
  }

  /**
   * The configured token a browser presents (the login form), by name with
   * its SHA-256 digest: the browser session is signed with the digest, so a
   * session ends when its token is removed. Null for no valid token.
   */
  identify(value: string): { name: string; digest: Buffer } | null {
    const found = this.find(value.trim());
    return found && { name: found.name, digest: found.digest };
  }

  /** The digests of the tokens named `name` (names need not be unique). */
  digestsNamed(name: string): Buffer[] {
    return this.tokens.filter((token) => token.name === name).map((token) => token.digest);
  }

  /**
   * Middleware: the request needs a token with `scope` (or any valid token
   * when scope is 'any'). `queryToken`: the token may also come as the
   * `access_token` query parameter (RFC 6750 §2.3), for senders that are
   * configured with a URL only and cannot add a header (KServe's payload
   * logger); the header wins when both are sent.
   */
  require(scope: Scope | 'any', options: { queryToken?: boolean } = {}): RequestHandler {
    return (req, _res, next) => {
      if (this.open) {
        next();
        return;
      }
      let header = req.headers.authorization;
      if (header === undefined && options.queryToken) {
        const token = new URLSearchParams(req.originalUrl.split('?')[1] ?? '').get('access_token');
        if (token) header = `Bearer ${token}`;
      }
      const scopes = this.scopesOf(header);
      if (!scopes) {
        next(new AppError('unauthenticated', 'a valid bearer token is required'));
        return;
      }
      if (scope !== 'any' && !scopes.has(scope)) {
        next(new AppError('forbidden', `this token lacks the "${scope}" scope`));
        return;
      }
      next();
    };
  }
}
