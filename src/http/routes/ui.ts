/**
 * The read-only web UI: `/` (models), `/models/:model/versions/:version`
 * (history), `/runs/:id` (one run), `/login`, `/logout` and the stylesheet.
 * Pages are rendered on the server by src/http/ui/ and sent under a strict
 * Content-Security-Policy: no script at all, styles only from /ui/style.css.
 *
 * Access follows the API's: open when no token is configured (loopback only,
 * see auth.ts); otherwise a bearer token, or the signed session cookie that
 * the login form sets.
 */
import express, { Router, type RequestHandler, type Response } from 'express';
import type { CheckKind, RunView } from '../../core/run.js';
import type { Authenticator } from '../auth.js';
import { runView } from '../runView.js';
import type { HttpServices } from '../services.js';
import {
  BrowserSessions,
  clearedSessionCookie,
  cookieValue,
  safeNextPath,
  SESSION_COOKIE,
  sessionCookie,
} from '../ui/browserSession.js';
import { renderIndexPage, type IndexVersion } from '../ui/indexPage.js';
import { SERVED, type RenderContext } from '../ui/layout.js';
import { renderForbiddenPage, renderLoginPage, renderNotFoundPage } from '../ui/loginPage.js';
import { renderRunPage } from '../ui/runPage.js';
import { STYLESHEET } from '../ui/style.js';
import { renderVersionPage } from '../ui/versionPage.js';

export const UI_CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Runs of a version shown on its page (charts and table). */
const HISTORY_RUNS = 200;

function param(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** The host[:port] of an Origin header, or null when it is not a URL. */
function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function sendPage(res: Response, status: number, body: string): void {
  res
    .status(status)
    .set({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': UI_CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    })
    .send(body);
}

export function uiRoutes(services: HttpServices, auth: Authenticator): Router {
  const router = Router();
  const sessions = new BrowserSessions(auth);
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  /** The page's render context, or a redirect to the login form. */
  const requireViewer: RequestHandler = (req, res, next) => {
    if (auth.open || auth.scopesOf(req.headers.authorization)) {
      res.locals.context = SERVED;
      next();
      return;
    }
    if (sessions.verify(cookieValue(req.headers.cookie, SESSION_COOKIE))) {
      res.locals.context = { ...SERVED, signedIn: true } satisfies RenderContext;
      next();
      return;
    }
    res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  };
  const contextOf = (res: Response): RenderContext => res.locals.context as RenderContext;

  router.get('/ui/style.css', (_req, res) => {
    res
      .set({
        'content-type': 'text/css; charset=utf-8',
        'cache-control': 'public, max-age=3600',
        'x-content-type-options': 'nosniff',
      })
      .send(STYLESHEET);
  });

  router.get('/login', (req, res) => {
    if (auth.open) {
      res.redirect(303, safeNextPath(req.query.next));
      return;
    }
    sendPage(res, 200, renderLoginPage(SERVED, safeNextPath(req.query.next), null));
  });

  // SameSite=Strict keeps the cookie off other sites' requests, but signing
  // in and out need no cookie: a page elsewhere could post either form (log
  // the user out, or into a session of the attacker's token). Browsers say
  // where a form came from (Sec-Fetch-Site, Origin); requests that say
  // neither are not a browser's cross-site form and pass.
  const sameSiteForm: RequestHandler = (req, res, next) => {
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    // Sec-Fetch-Site, which no page can set, decides when present; Origin
    // only without it. (Our pages send no referrer, so a browser's own form
    // post carries `Origin: null` beside `Sec-Fetch-Site: same-origin`.)
    const crossSite =
      site !== undefined
        ? site !== 'same-origin' && site !== 'none'
        : origin !== undefined && (origin === 'null' || hostOf(origin) !== req.headers.host);
    if (crossSite) {
      sendPage(res, 403, renderForbiddenPage(SERVED));
      return;
    }
    next();
  };

  router.post('/login', sameSiteForm, form, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNextPath(body.next);
    const token = typeof body.token === 'string' ? body.token : '';
    const value = auth.open ? null : sessions.issue(token);
    if (auth.open) {
      res.redirect(303, next);
      return;
    }
    if (!value) {
      sendPage(res, 401, renderLoginPage(SERVED, next, 'That token is not valid.'));
      return;
    }
    res.set('set-cookie', sessionCookie(value, req.secure)).redirect(303, next);
  });

  router.post('/logout', sameSiteForm, (req, res) => {
    res.set('set-cookie', clearedSessionCookie(req.secure)).redirect(303, '/login');
  });

  router.get('/', requireViewer, async (_req, res) => {
    const [versions, latest] = await Promise.all([
      services.registry.list(),
      services.runStore.latestRuns(),
    ]);
    const byVersion = new Map<string, Partial<Record<CheckKind, RunView>>>();
    for (const run of latest) {
      const key = JSON.stringify([run.model, run.version]);
      const entry = byVersion.get(key) ?? {};
      entry[run.kind] = runView(run, false);
      byVersion.set(key, entry);
    }
    const rows: IndexVersion[] = versions.map((version) => ({
      model: version.model,
      version: version.version,
      task: version.task,
      latest: byVersion.get(JSON.stringify([version.model, version.version])) ?? {},
    }));
    sendPage(res, 200, renderIndexPage(contextOf(res), rows));
  });

  router.get('/models/:model/versions/:version', requireViewer, async (req, res) => {
    const model = param(req.params.model);
    const versionName = param(req.params.version);
    const version = await services.registry.get(model, versionName);
    if (!version) {
      sendPage(
        res,
        404,
        renderNotFoundPage(
          contextOf(res),
          `Model ${model} version ${versionName} is not registered.`,
        ),
      );
      return;
    }
    const [reference, runs] = await Promise.all([
      services.referenceStore.summary(model, versionName),
      services.runStore.list({ model, version: versionName, limit: HISTORY_RUNS }),
    ]);
    sendPage(
      res,
      200,
      renderVersionPage(contextOf(res), {
        model,
        version: versionName,
        task: version.task,
        features: version.features.length,
        createdAt: version.createdAt.toISOString(),
        referenceRows: reference?.rows ?? null,
        runs: runs.map((run) => runView(run, false)),
      }),
    );
  });

  router.get('/runs/:id', requireViewer, async (req, res) => {
    const text = param(req.params.id);
    const id = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
    const run = Number.isSafeInteger(id) && id > 0 ? await services.runStore.get(id) : null;
    if (!run) {
      sendPage(res, 404, renderNotFoundPage(contextOf(res), `Run ${text} does not exist.`));
      return;
    }
    sendPage(res, 200, renderRunPage(contextOf(res), runView(run, true)));
  });

  return router;
}
