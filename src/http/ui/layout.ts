/*
 * The <style> element is built as a plain string: its text must be exactly
 * STYLESHEET for the CSP hash to match, whatever the formatter does to the
 * templates around it.
 */

/** The page shell: head, top bar, main; with the stylesheet linked (served) or inlined (standalone file). */
import { html, raw, type SafeHtml } from './html.js';
import { STYLESHEET, stylesheetHash } from './style.js';

/** How a page is rendered: served by driftwatch, or written to a standalone file. */
export interface RenderContext {
  /** Prefix of links to other pages: '' when served, the service's URL in a standalone file. */
  linkBase: string;
  standalone: boolean;
  /** Show the sign-out button (a browser session is open). */
  signedIn: boolean;
}

export const SERVED: RenderContext = { linkBase: '', standalone: false, signedIn: false };

export function page(context: RenderContext, title: string, body: SafeHtml): string {
  const head = context.standalone
    ? html`<meta
          http-equiv="Content-Security-Policy"
          content="default-src 'none'; style-src ${raw(stylesheetHash())}; img-src data:; base-uri 'none'; form-action 'none'"
        />
        ${raw(`<style>${STYLESHEET}</style>`)}`
    : html`<link rel="stylesheet" href="/ui/style.css" />`;
  const signOut = context.signedIn
    ? html`<form method="post" action="/logout"><button type="submit">Sign out</button></form>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <link rel="icon" href="data:," />
        <title>${title} · driftwatch</title>
        ${head}
      </head>
      <body>
        <header class="top">
          <a href="${context.linkBase}/">driftwatch</a>
          <nav aria-label="Site"><a href="${context.linkBase}/">Models</a>${signOut}</nav>
        </header>
        <main>${body}</main>
      </body>
    </html> `.text;
}

/** A status as a badge: the colour and the word. */
export function statusBadge(status: string | null, words?: string): SafeHtml {
  const cls = status ?? 'none';
  return html`<span class="badge status-${cls.replace(/[^a-z_]/g, '')}"
    >${words ?? (status ?? 'no run').replace('_', ' ')}</span
  >`;
}
