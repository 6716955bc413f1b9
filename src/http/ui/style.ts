/**
 * The one stylesheet of the web UI, served at /ui/style.css and inlined into
 * standalone reports. System fonts, text contrast of at least 4.5:1 on its
 * background, and a single column under 720 px.
 */
import { createHash } from 'node:crypto';

export const STYLESHEET = `
:root { --fg: #1d2329; --muted: #56606b; --bg: #ffffff; --panel: #f4f6f8; --line: #d4d9de;
  --link: #1c5bbf; --ref: #3b6fd8; --cur: #c2410c; --ok: #1e6b35; --ok-bg: #e3f4e8;
  --bad: #a61b1b; --bad-bg: #fde5e5; --warn: #8a4b00; --warn-bg: #fff0d6; --na: #4b5560; --na-bg: #eceff2; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); background: var(--bg); }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid #f59f00; outline-offset: 2px; }
header.top { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.5rem; background: #1d2733; color: #fff; flex-wrap: wrap; }
header.top a { color: #fff; text-decoration: none; font-weight: 600; }
header.top nav { margin-left: auto; display: flex; gap: 1rem; align-items: center; }
header.top form { margin: 0; }
header.top button { background: transparent; color: #fff; border: 1px solid #9aa7b4; border-radius: 4px; padding: .15rem .6rem; font: inherit; cursor: pointer; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin: .6rem 0 .2rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 1.8rem 0 .6rem; }
h3 { font-size: 1rem; margin: 0 0 .3rem; overflow-wrap: anywhere; }
p.lead { color: var(--muted); margin: 0 0 1rem; }
.crumbs { font-size: .9rem; color: var(--muted); margin: 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--panel); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; }
tr.drifted { background: var(--bad-bg); }
tr.drifted th { box-shadow: inset 4px 0 0 var(--bad); }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600; white-space: nowrap; border: 1px solid currentColor; }
.status-ok { color: var(--ok); background: var(--ok-bg); }
.status-drift, .status-error { color: var(--bad); background: var(--bad-bg); }
.status-degraded { color: var(--warn); background: var(--warn-bg); }
.status-insufficient_data, .status-none { color: var(--na); background: var(--na-bg); }
figure { margin: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(460px, 100%), 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; background: var(--bg); }
.card.drifted { border-color: var(--bad); box-shadow: inset 4px 0 0 var(--bad); }
.card p { margin: .2rem 0 .4rem; color: var(--muted); font-size: .9rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.chart { width: 100%; height: auto; display: block; }
.chart .ref { fill: var(--ref); fill-opacity: .45; }
.chart .cur { fill: var(--cur); fill-opacity: .12; stroke: var(--cur); stroke-width: 2.2; stroke-linejoin: round; }
.chart .cur-out, .chart .cur-bar { fill: var(--cur); fill-opacity: .75; }
.chart .axis { stroke: #6b7480; stroke-width: 1; }
.chart .grid { stroke: var(--line); stroke-dasharray: 3 3; }
.chart .limit { stroke: var(--bad); stroke-dasharray: 6 4; stroke-width: 1.5; }
.chart .series { fill: none; stroke: var(--ref); stroke-width: 2; }
.chart .point { fill: var(--ref); }
.chart .point.marked { fill: var(--bad); }
.chart .tick, .chart .cat-label { font-size: 12px; fill: var(--muted); }
.chart .cat-label { fill: var(--fg); }
.chart .tick-cur { fill: var(--cur); }
.legend { display: flex; gap: 1rem; font-size: .85rem; color: var(--muted); margin: .2rem 0 0; padding: 0; list-style: none; flex-wrap: wrap; }
.swatch { display: inline-block; width: .9rem; height: .9rem; vertical-align: -2px; margin-right: .3rem; border-radius: 2px; }
.swatch.ref { background: var(--ref); opacity: .6; }
.swatch.cur { border: 2px solid var(--cur); background: rgba(194, 65, 12, .15); }
.swatch.limit { border-top: 2px dashed var(--bad); height: 0; vertical-align: middle; }
.swatch.marked { background: var(--bad); }
.note { background: var(--panel); border-left: 4px solid var(--muted); padding: .6rem .9rem; margin: 1rem 0; }
.note.alarm { border-left-color: var(--bad); background: var(--bad-bg); }
details { margin: 1rem 0; }
summary { cursor: pointer; font-weight: 600; }
form.login { max-width: 420px; margin: 3rem auto; padding: 1.5rem; border: 1px solid var(--line); border-radius: 8px; }
form.login label { display: block; font-weight: 600; margin-bottom: .3rem; }
form.login input { width: 100%; padding: .5rem; font: inherit; border: 1px solid #7b8590; border-radius: 4px; }
form.login button { margin-top: 1rem; padding: .5rem 1.2rem; font: inherit; font-weight: 600; color: #fff; background: var(--link); border: 0; border-radius: 4px; cursor: pointer; }
.error-text { color: var(--bad); font-weight: 600; }
.muted { color: var(--muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
@media (max-width: 720px) {
  main { padding: .6rem .8rem 2rem; }
  header.top { padding: .5rem .8rem; }
  .cards { grid-template-columns: 1fr; }
  th, td { padding: .35rem .3rem; }
  table { font-size: .85rem; }
  tbody th { overflow-wrap: anywhere; }
  .hide-narrow { display: none; }
}
`;

/** The stylesheet's CSP source expression, for a report that inlines it. */
export function stylesheetHash(): string {
  return `'sha256-${createHash('sha256').update(STYLESHEET, 'utf8').digest('base64')}'`;
}
