// Test support: the Grafana dashboard file and the metric names its PromQL reads.
import { readFile } from 'node:fs/promises';

export interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}

export async function loadDashboard(): Promise<{ panels: Panel[]; templating: { list: Array<{ name: string }> } }> {
  return JSON.parse(await readFile(new URL('../../dashboards/loadhouse.json', import.meta.url), 'utf8'));
}

const PROMQL_WORDS = new Set(
  (
    'sum min max avg count stddev stdvar topk bottomk quantile count_values group by without on ignoring group_left group_right ' +
    'and or unless bool offset rate irate increase delta idelta deriv histogram_quantile label_values label_replace ' +
    'abs ceil floor round clamp clamp_min clamp_max time vector scalar absent max_over_time min_over_time avg_over_time sum_over_time'
  ).split(' '),
);

/** Metric names an expression reads: identifiers left once label matchers, ranges, strings and groupings are removed. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  const names = stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n) && !/^\d/.test(n)))];
}
