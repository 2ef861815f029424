// Lines for the CLI's summary section, from the `s3.*` values of a result's `metrics` (pure).
import { formatBytes } from '@loadhouse/core';

const OPS = [
  ['put', 'PUT'],
  ['get', 'GET'],
  ['head', 'HEAD'],
  ['delete', 'DELETE'],
  ['list', 'LIST'],
] as const;

const KINDS = ['throttle', 'server', 'client', 'timeout', 'network', 'corrupt'] as const;

function ms(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '-';
  return v >= 100 ? `${v.toFixed(0)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`;
}

function num(v: number, digits = 2): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

/**
 * Formats the probe's run-level metrics (`result.metrics`, or `summarize()`'s values) as summary lines.
 * Returns no lines when the metrics hold nothing from the probe.
 */
export function formatS3Summary(metrics: Readonly<Record<string, number>>): string[] {
  const get = (k: string): number | undefined => {
    const v = metrics[k];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  const hasProbe = get('s3.probe.ops') !== undefined;
  const hasInventory = get('s3.segments') !== undefined;
  if (!hasProbe && !hasInventory) return [];

  const lines: string[] = [];
  const cycles = get('s3.probe.cycles');
  lines.push(cycles !== undefined ? `S3 probe (${cycles} cycle${cycles === 1 ? '' : 's'})` : 'S3 probe');

  for (const [key, label] of OPS) {
    const p99 = get(`s3.${key}.p99`);
    if (p99 === undefined) continue;
    const n = get(`s3.${key}.count`);
    lines.push(
      `  ${label.padEnd(7)}p50 ${ms(get(`s3.${key}.p50`)).padEnd(10)} p99 ${ms(p99).padEnd(10)} max ${ms(get(`s3.${key}.max`))}` +
        (n !== undefined ? `  (${n} requests)` : ''),
    );
  }

  if (hasProbe) {
    const ops = get('s3.probe.ops') ?? 0;
    const rate = get('s3.errorRate') ?? 0;
    const failed = Math.round((rate / 100) * ops);
    const byKind = KINDS.map((k) => [k, get(`s3.errors.${k}`) ?? 0] as const).filter(([, n]) => n > 0);
    const kinds = byKind.length ? `: ${byKind.map(([k, n]) => `${k} ${n}`).join(', ')}` : '';
    lines.push(`  Errors ${failed} of ${ops} probe operations (${rate.toFixed(2)} %)${kinds}`);
    const throttles = get('s3.throttles') ?? 0;
    if (throttles > 0)
      lines.push(`  Throttled ${throttles} request${throttles === 1 ? '' : 's'} (503 SlowDown / 429): S3 is rate-limiting`);
  }

  if (hasInventory) {
    const segments = get('s3.segments') ?? 0;
    const partitions = get('s3.partitions');
    let line = `  Segments ${segments} (${formatBytes(get('s3.segmentBytes') ?? 0)})`;
    if (partitions !== undefined) line += ` in ${partitions} partition${partitions === 1 ? '' : 's'}`;
    const added = get('s3.segmentsAdded');
    const perSec = get('s3.segmentsPerSecond');
    if (added !== undefined) line += `, ${added >= 0 ? '+' : ''}${added} during the run`;
    if (perSec !== undefined) line += ` (${num(perSec)} segments/s, ${num(get('s3.segmentMBPerSecond') ?? 0)} MiB/s)`;
    lines.push(line);
    if (get('s3.listingCapped') === 1) {
      lines.push('  Listing stopped at maxKeysPerListing: segment counts are lower bounds');
    }
  }
  return lines;
}
