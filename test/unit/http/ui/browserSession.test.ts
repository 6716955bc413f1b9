import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BrowserSessions,
  cookieValue,
  safeNextPath,
  SESSION_SECONDS,
  sessionCookie,
  type SessionTokens,
} from '../../../../src/http/ui/browserSession.js';

function tokens(list: { name: string; token: string }[]): SessionTokens {
  const known = list.map((t) => ({
    name: t.name,
    digest: createHash('sha256').update(t.token).digest(),
  }));
  return {
    identify: (value) =>
      known.find((t) => t.digest.equals(createHash('sha256').update(value).digest())) ?? null,
    digestsNamed: (name) => known.filter((t) => t.name === name).map((t) => t.digest),
  };
}

const TOKEN = 'a-token-of-sixteen-chars';

describe('BrowserSessions', () => {
  it('issues a session for a valid token only, without the token in it', () => {
    const sessions = new BrowserSessions(tokens([{ name: 'ops', token: TOKEN }]), () => 0);
    expect(sessions.issue('wrong-token-value')).toBeNull();
    const value = sessions.issue(TOKEN)!;
    expect(value).not.toContain(TOKEN);
    expect(sessions.verify(value)).toBe(true);
  });

  it('refuses an expired, altered or revoked session', () => {
    let now = 1_000_000;
    const sessions = new BrowserSessions(tokens([{ name: 'ops', token: TOKEN }]), () => now);
    const value = sessions.issue(TOKEN)!;
    const [name, expiry, mac] = value.split('.');
    expect(sessions.verify(`${name}.${Number(expiry) + 1}.${mac}`)).toBe(false);
    expect(sessions.verify(`${Buffer.from('admin').toString('base64url')}.${expiry}.${mac}`)).toBe(
      false,
    );
    expect(sessions.verify(undefined)).toBe(false);
    expect(sessions.verify('garbage')).toBe(false);
    now += SESSION_SECONDS * 1000;
    expect(sessions.verify(value)).toBe(false);
    // The token removed from the configuration: its sessions end.
    const revoked = new BrowserSessions(tokens([{ name: 'ops', token: 'another-token-value' }]));
    expect(
      revoked.verify(new BrowserSessions(tokens([{ name: 'ops', token: TOKEN }])).issue(TOKEN)!),
    ).toBe(false);
  });
});

describe('cookies and redirects', () => {
  it('sets an HttpOnly SameSite=Strict cookie, Secure over https', () => {
    expect(sessionCookie('v', false)).toBe(
      `driftwatch_session=v; Path=/; Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Strict`,
    );
    expect(sessionCookie('v', true)).toMatch(/; Secure$/);
    expect(cookieValue('a=1; driftwatch_session=xyz; b=2', 'driftwatch_session')).toBe('xyz');
    expect(cookieValue('a=1', 'driftwatch_session')).toBeUndefined();
  });

  it('redirects after login to paths of this site only', () => {
    expect(safeNextPath('/runs/3?x=1')).toBe('/runs/3?x=1');
    expect(safeNextPath('//evil.example/')).toBe('/');
    expect(safeNextPath('https://evil.example/')).toBe('/');
    expect(safeNextPath('/\\evil.example')).toBe('/');
    expect(safeNextPath(undefined)).toBe('/');
  });
});
