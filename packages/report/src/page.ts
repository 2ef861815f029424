// The shell every page of the report package shares: the inlined uPlot and styles, the chart data as JSON, and the
// script that draws it, so that each page is one file that opens anywhere without a network.
import type { ChartSpec, PhaseBand } from './charts.js';
import { escapeHtml, inlineScript, inlineStyle, jsonForScript } from './html.js';
import { REPORT_CSS, REPORT_SCRIPT, uplotAssets } from './page-assets.js';

/** One self-contained HTML page: `body` is trusted markup, `footer` too; the charts are drawn from `charts`. */
export function htmlPage(title: string, body: string, charts: { phases: PhaseBand[]; charts: ChartSpec[] }, footer: string): string {
  const uplot = uplotAssets();
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${inlineStyle(uplot.css)}</style>`,
    `<style>${inlineStyle(REPORT_CSS)}</style>`,
    '</head><body><main>',
    '<noscript><p>Charts need JavaScript; every table below is complete without it.</p></noscript>',
    body,
    `<footer>${footer}</footer>`,
    '</main>',
    `<script type="application/json" id="loadhouse-data">${jsonForScript(charts)}</script>`,
    `<script>${inlineScript(uplot.js)}</script>`,
    `<script>${inlineScript(REPORT_SCRIPT)}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
