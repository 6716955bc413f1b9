/** `/`: every model version with the latest run of each check kind. */
import { CHECK_KINDS, type CheckKind, type RunView } from '../../core/run.js';
import { formatTime, runPath, STATUS_WORDS, versionPath } from './format.js';
import { html, type SafeHtml } from './html.js';
import { page, statusBadge, type RenderContext } from './layout.js';

export interface IndexVersion {
  model: string;
  version: string;
  task: string;
  /** The latest run of each kind (results not needed). */
  latest: Partial<Record<CheckKind, RunView>>;
}

const ALARMS = new Set(['drift', 'degraded', 'error']);

function latestCell(context: RenderContext, run: RunView | undefined): SafeHtml {
  if (!run) return html`<td><span class="muted">no run</span></td>`;
  return html`<td>
    ${statusBadge(run.status, STATUS_WORDS[run.status])}
    <a href="${context.linkBase}${runPath(run.id)}">run ${run.id}</a><br /><span class="muted"
      >${formatTime(run.finished_at)}</span
    >
  </td>`;
}

export function renderIndexPage(context: RenderContext, versions: IndexVersion[]): string {
  const models = new Map<string, IndexVersion[]>();
  for (const version of versions) {
    const list = models.get(version.model) ?? [];
    list.push(version);
    models.set(version.model, list);
  }
  const kinds = CHECK_KINDS;
  const sections = [...models].map(
    ([model, list], i) =>
      html`<section aria-labelledby="model-${i}">
        <h2 id="model-${i}">${model}</h2>
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">
              Versions of ${model} and their latest runs
            </caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Task</th>
                ${kinds.map((kind) => html`<th scope="col">Latest ${kind}</th>`)}
              </tr>
            </thead>
            <tbody>
              ${list.map((version) => {
                const alarmed = kinds.some((kind) =>
                  ALARMS.has(version.latest[kind]?.status ?? ''),
                );
                return html`<tr${alarmed ? html` class="drifted"` : ''}><th scope="row"><a href="${context.linkBase}${versionPath(version.model, version.version)}">version ${version.version}</a>${alarmed ? html`<br /><span class="error-text">needs attention</span>` : ''}</th><td>${version.task}</td>${kinds.map((kind) => latestCell(context, version.latest[kind]))}</tr>`;
              })}
            </tbody>
          </table>
        </div>
      </section>`,
  );
  const body =
    versions.length === 0
      ? html`<h1>Models</h1>
          <p class="note">
            No model is registered yet. Register a version with
            <code>PUT /v1/models/{model}/versions/{version}</code> or a manifest under the models
            folder (docs/models.md), or run <code>npm run demo</code>.
          </p>`
      : html`<h1>Models</h1>
          <p class="lead">
            ${models.size} ${models.size === 1 ? 'model' : 'models'}, ${versions.length}
            ${versions.length === 1 ? 'version' : 'versions'}: the latest run of each check, newest
            data first on each version's page.
          </p>
          ${sections}`;
  return page(context, 'Models', body);
}
