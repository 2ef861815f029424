// Renders a result as the plan's summary: producer figures, latency percentiles, consumer figures, criteria table.
import { capacityLines } from './capacity-summary.js';
import { faultLines } from './fault-summary.js';
import { formatBytes, formatMetric, type CriterionOutcome, type LatencySummary, type LoadTestResult } from '@loadhouse/core';
import pc from 'picocolors';
import { formatS3Summary } from '@loadhouse/plugin-s3-probe';
import { diagnosisLines } from './diagnosis-lines.js';
import { deliveryLines, partitionLines } from './summary-delivery.js';
import { topicLines } from './summary-topics.js';
import { groupLines } from './group-summary.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const pad = (s: string, w: number) => s.padStart(w);

export interface SummaryOptions {
  color?: boolean;
  /** The warm-up is the CLI's default, not one the user chose: say so, and how to count every record. */
  defaultWarmup?: boolean;
}

function latencyRows(cols: Array<[string, LatencySummary]>): string[] {
  const keys: Array<[string, keyof LatencySummary]> = [
    ['P50', 'p50'],
    ['P95', 'p95'],
    ['P99', 'p99'],
    ['P999', 'p999'],
    ['Max', 'max'],
  ];
  const lines = [`    ${''.padEnd(6)}${cols.map(([name]) => pad(name, 12)).join('')}`];
  for (const [label, key] of keys) {
    lines.push(`    ${(`${label}:`).padEnd(6)}${cols.map(([, s]) => pad(s.count ? `${ms(s[key])} ms` : '-', 12)).join('')}`);
  }
  return lines;
}

export function formatMeasured(c: CriterionOutcome): string {
  if (c.measured === null) return 'not measured';
  const v = c.measured;
  switch (c.unit) {
    case 'ms':
      return `${ms(v)} ms`;
    case 'bytes':
      return formatBytes(v);
    case '%':
      return `${v.toFixed(v < 1 ? 3 : 2)}%`;
    case 'msgs/s':
      return `${int(v)} msgs/s`;
    case 's':
      return `${v.toFixed(1)} s`;
    default:
      return Number.isInteger(v) ? int(v) : v.toFixed(3);
  }
}

export function criteriaTable(criteria: CriterionOutcome[], color = false): string[] {
  const c = pc.createColors(color);
  const ok = c.green('✅');
  const bad = c.red('❌');
  // Not applicable: neither a pass nor a fail, and says why (the note starts with "N/A:").
  const na = 'N/A';
  const width = Math.max(10, ...criteria.map((c) => (c.label ?? c.metric).length));
  return criteria.map((o) => {
    const mark = o.notApplicable !== undefined ? na : o.passed ? ok : bad;
    const label = (o.label ?? `${o.metric} ${o.op} ${o.value}`).padEnd(width);
    return `  ${mark} ${label}  measured: ${formatMeasured(o)}${o.note ? `  (${o.note})` : ''}`;
  });
}

/** Reordering is no loss, but a bare count reads like one: say what it counts. */
function reorderedNote(reordered: number): string {
  if (!(reordered > 0)) return '';
  return (
    ' (reordered: arrived after a later sequence of the same producer and partition, so not lost;' +
    ' batches in flight on several connections can be appended out of order)'
  );
}

/** The resource monitor's warnings: the plan's red flags, and a slow start; per shard in a merged result. */
function redFlags(result: LoadTestResult): string[] {
  // A result built by hand in a script may leave the stability analysis out: no warnings, then.
  if (result.merge) {
    return (result.resources.byShard ?? []).flatMap((s, i) => (s.warnings ?? []).map((w) => `shard ${s.shard?.index ?? i}: ${w}`));
  }
  return result.resources?.warnings ?? [];
}

/** Target outages: windows with records due and none acknowledged, which whole-run averages smooth over. */
function outageLines(result: LoadTestResult): string[] {
  const o = result.outages;
  if (!o || o.windows === 0) return [];
  const spans = o.spans.map((s) => `${s.fromSeconds.toFixed(1)}-${s.toSeconds.toFixed(1)} s`).join(', ');
  return [
    '',
    `Target outage: no record acknowledged while records were due for ${o.seconds.toFixed(1)} s ` +
      `(${o.windows} window${o.windows === 1 ? '' : 's'}: ${spans}${o.spans.length < o.windows && o.spans.length >= 100 ? ', ...' : ''}).`,
    '  Rate and error criteria are judged on those windows; the late records of the catch-up after them',
    "  are the target's doing, not the generator's.",
  ];
}

export function formatSummary(result: LoadTestResult, options: SummaryOptions = {}): string {
  const p = result.producer;
  const lines: string[] = [];
  const stateText = result.partial ? `${result.state}, partial: ${result.endMessage}` : result.state;
  const why = options.defaultWarmup ? ' (the default, for the cold start; --warmup 0 counts every record)' : '';
  const warmup = result.warmupSeconds > 0 ? `, the first ${result.warmupSeconds} s warm-up not counted${why}` : '';
  const seed = result.config?.seed === undefined ? '' : `; seed ${result.config.seed}`;
  lines.push(`Scenario: ${result.scenario}  (${stateText}; ran ${result.durationSeconds.toFixed(1)} s${warmup}${seed})`);
  lines.push('');
  lines.push('Producer:');
  lines.push(`  Messages sent: ${int(p.acked)}  (scheduled ${int(p.scheduled)}, failed ${int(p.failed)}, dropped ${int(p.dropped)})`);
  lines.push(`  Throughput: ${int(p.msgsPerSec)} msgs/sec  (target ${int(p.targetRate)}, off by ${p.rateErrorPercent.toFixed(2)}%)`);
  lines.push(`  Throughput: ${p.mbPerSec.toFixed(2)} MiB/sec`);
  const su = p.startup;
  if (su && (su.firstAckSeconds !== undefined || su.firstSecondMsgsPerSec !== undefined)) {
    const ack = su.firstAckSeconds !== undefined ? `first ack ${su.firstAckSeconds.toFixed(2)} s after the start` : 'nothing acked';
    const first =
      su.firstSecondMsgsPerSec !== undefined
        ? `; first measured second ${int(su.firstSecondMsgsPerSec)} msgs/sec (target ${int(su.firstSecondTargetRate ?? 0)})`
        : '';
    lines.push(`  Start-up: ${ack}${first}`);
  }
  const codes = Object.entries(p.errorsByCode)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  lines.push(`  Errors: ${int(p.errors)}${codes ? `  (${codes})` : ''}`);
  lines.push('');
  lines.push('  Latency (every record; response = ack - intended send, service = ack - actual send):');
  lines.push(
    ...latencyRows([
      ['response', p.latency.response],
      ['service', p.latency.service],
      ['sched. lag', p.latency.scheduleLag],
    ]),
  );
  lines.push(...deliveryLines(p));
  lines.push(...partitionLines(result));
  const c = result.consumer;
  if (c && (c.consumed > 0 || c.polls > 0)) {
    lines.push('');
    lines.push('Consumer:');
    lines.push(`  Messages consumed: ${int(c.consumed)}`);
    lines.push(`  Throughput: ${int(c.msgsPerSec)} msgs/sec  (${c.mbPerSec.toFixed(2)} MiB/sec)`);
    lines.push(`  Lag: max ${int(c.lag.max)}, final ${int(c.lag.final)}`);
    lines.push(
      ...latencyRows([
        ['poll', c.latency.poll],
        ['end-to-end', c.latency.endToEnd],
      ]),
    );
    lines.push(...groupLines(c));
  }
  if (result.integrity?.checked) {
    const i = result.integrity;
    lines.push('');
    const counts = `missing ${int(i.missing)}, duplicates ${int(i.duplicates)}, reordered ${int(i.reordered)}`;
    const corrupted = i.corrupted ? `, corrupted ${int(i.corrupted)}` : '';
    lines.push(`Integrity: ${counts}${corrupted}${reorderedNote(i.reordered)}`);
    if (i.offsetMismatches !== undefined) {
      const lost = i.lostAcked !== undefined ? int(i.lostAcked) : 'unknown (not read to the end)';
      lines.push(
        `  against acks: offset mismatches ${int(i.offsetMismatches)}, lost acked ${lost}, unacked seen ${int(i.unackedSeen ?? 0)}` +
          (i.unackedAfterFailure ? ` (+${int(i.unackedAfterFailure)} of failed batches)` : ''),
      );
    } else if (i.verifyOverflow) lines.push('  against acks: not checked (the ack maps reached their bound)');
    if (i.lostCommitted !== undefined || i.lostCommittedUnmeasured !== undefined) {
      const lost = i.lostCommitted !== undefined ? `lost committed ${int(i.lostCommitted)}` : 'lost committed unknown';
      // With transactions the reads are checked against the confirmed commits (no offsets to place): given when
      // that check ran.
      const read =
        i.unackedSeen !== undefined
          ? `, read but never committed ${int(i.unackedSeen)}` +
            (i.unackedAfterFailure ? ` (+${int(i.unackedAfterFailure)} of transactions of unknown outcome)` : '')
          : '';
      lines.push(`  against commits: ${lost}${read}${i.lostCommittedUnmeasured ? ` (${i.lostCommittedUnmeasured})` : ''}`);
    }
    for (const e of i.examples.slice(0, 5)) {
      lines.push(
        `  ${e.kind}: producer ${e.producer} partition ${e.partition} sequence ${e.sequence}${e.offset !== undefined ? ` offset ${e.offset}` : ''}`,
      );
    }
  }
  lines.push(...topicLines(result));
  const sr = Object.entries(result.scenarioResults ?? {}).filter(([, v]) => typeof v === 'number' || typeof v === 'string');
  if (sr.length) {
    lines.push('');
    lines.push('Scenario figures:');
    for (const [k, v] of sr) lines.push(`  ${k}: ${typeof v === 'number' ? (Number.isInteger(v) ? int(v) : v.toFixed(2)) : v}`);
  }
  const s3 = formatS3Summary(result.metrics ?? {});
  if (s3.length) {
    lines.push('');
    lines.push('S3:');
    lines.push(...s3.map((l) => `  ${l}`));
  }
  const metrics = Object.entries(result.metrics ?? {}).filter(([k]) => !k.startsWith('s3.'));
  if (metrics.length) {
    lines.push('');
    lines.push('Target and plugin metrics:');
    const notes = result.metricNotes ?? {};
    for (const [k, v] of metrics) lines.push(`  ${k}: ${formatMetric(k, v)}${notes[k] ? `  (${notes[k]})` : ''}`);
  }
  lines.push(...outageLines(result));
  lines.push(...faultLines(result));
  if (result.generator.workerChoice) {
    lines.push('');
    lines.push(`Workers: ${result.generator.workerChoice.reason}`);
  }
  if (result.generator.saturatedWindows > 0 || result.generator.warnings.length) {
    lines.push('');
    lines.push(`Generator: saturated in ${result.generator.saturatedWindows} of ${result.generator.totalWindows} windows`);
    for (const w of result.generator.warnings) lines.push(`  ! ${w}`);
  }
  const flags = redFlags(result);
  if (flags.length) {
    lines.push('');
    lines.push('Red flags:');
    for (const w of flags) lines.push(`  ! ${w}`);
  }
  lines.push(...capacityLines(result));
  if (result.criteria.length) {
    lines.push('');
    lines.push('Success criteria:');
    lines.push(...criteriaTable(result.criteria, options.color));
  }
  lines.push(...diagnosisLines(result, options.color));
  return lines.join('\n');
}
