/**
 * The web UI's two forms (sign in, sign out) act only when a browser says
 * they come from driftwatch's own pages: SameSite cookies do not protect
 * forms that need no cookie.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/service.js';

const TOKEN = 'ui-forms-admin-token-0123456789';

describe('web UI forms from another site', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({ env: { DRIFTWATCH_ADMIN_TOKENS: TOKEN } });
  });

  afterAll(async () => {
    await t.close();
  });

  async function post(path: string, headers: Record<string, string>): Promise<Response> {
    return fetch(`${t.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ token: TOKEN, next: '/' }).toString(),
    });
  }

  it('refuses sign-in and sign-out posted from another site', async () => {
    for (const path of ['/login', '/logout']) {
      const crossSite: Record<string, string>[] = [
        { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' },
        { 'sec-fetch-site': 'same-site', origin: 'http://other.localhost' },
        { origin: 'http://evil.example' },
        { origin: 'null' },
      ];
      for (const headers of crossSite) {
        const response = await post(path, headers);
        expect(response.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(response.headers.get('set-cookie')).toBeNull();
        expect(await response.text()).toContain('sent from another site');
      }
    }
  });

  it('acts on the same forms from its own pages and from non-browser clients', async () => {
    const own = new URL(t.url).origin;
    const sameSite: Record<string, string>[] = [
      { 'sec-fetch-site': 'same-origin', origin: own },
      // What Chromium sends for our own form under Referrer-Policy: no-referrer.
      { 'sec-fetch-site': 'same-origin', origin: 'null' },
      { origin: own },
      {},
    ];
    for (const headers of sameSite) {
      const login = await post('/login', headers);
      expect(login.status, JSON.stringify(headers)).toBe(303);
      expect(login.headers.get('set-cookie')).toMatch(/HttpOnly/i);
      const logout = await post('/logout', headers);
      expect(logout.status).toBe(303);
      expect(logout.headers.get('location')).toBe('/login');
    }
  });
});
