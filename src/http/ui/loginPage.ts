/** `/login`: one token, entered once, for a browser session. */
import { html } from './html.js';
import { page, type RenderContext } from './layout.js';

export function renderLoginPage(
  context: RenderContext,
  next: string,
  error: string | null,
): string {
  const body = html`<form class="login" method="post" action="/login">
    <h1>Sign in</h1>
    <p class="muted">
      This driftwatch requires a token. Enter one of the configured API tokens; the browser keeps a
      signed session cookie for 12 hours, never the token itself.
    </p>
    ${error ? html`<p class="error-text" role="alert" id="login-error">${error}</p>` : ''}
    <label for="token">Access token</label>
    <input
      id="token"
      name="token"
      type="password"
      autocomplete="current-password"
      required${error ? html` aria-describedby="login-error" aria-invalid="true"` : ''}
    />
    <input type="hidden" name="next" value="${next}" />
    <button type="submit">Sign in</button>
  </form>`;
  return page(context, 'Sign in', body);
}

/** A page for a missing model version or run. */
export function renderNotFoundPage(context: RenderContext, message: string): string {
  return page(
    context,
    'Not found',
    html`<h1>Not found</h1>
      <p>${message}</p>
      <p><a href="${context.linkBase}/">All models</a></p>`,
  );
}

/** A form posted from another site (sign-in or sign-out forced on the user). */
export function renderForbiddenPage(context: RenderContext): string {
  return page(
    context,
    'Refused',
    html`<h1>Refused</h1>
      <p>This form was sent from another site, so driftwatch did not act on it.</p>
      <p><a href="${context.linkBase}/">All models</a></p>`,
  );
}
