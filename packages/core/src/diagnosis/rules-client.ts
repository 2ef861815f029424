// Causes seen from the client side: the generator itself, connection-level errors, and lost records.
import { CONNECTION_ERROR_CODES } from '../criteria.js';
import type { DiagnosisEvidence } from '../types.js';
import { SATURATION_LOOP_DELAY_MS } from '../metrics/generator-monitor.js';
import { round } from './facts.js';
import type { DiagnosisRule } from './rule.js';

/**
 * Share of windows in which the generator was the bottleneck. A few saturated windows happen on any busy machine
 * (a collection, a neighbour); from a tenth of the run the tool's own limits shape the figures; from a quarter
 * they are most of what was measured. One window is a moment, whatever share of a short run it is: medium needs
 * two saturated windows, high three.
 */
export const GENERATOR_SATURATED = { low: 5, medium: 10, high: 25, mediumWindows: 2, highWindows: 3 } as const;

export const generatorSaturated: DiagnosisRule = {
  cause: 'generator-saturated',
  symptoms: ['latency', 'throughput', 'lag'],
  advice:
    'The load generator, not the target, was the bottleneck in these windows: its figures describe the tool. Run with more ' +
    'workers (--workers), on a machine with more free cores, or split the load over shards (--shard i/n) and merge them.',
  detect(f) {
    const g = f.result.generator;
    if (!g || !(g.totalWindows > 0) || !(g.saturatedWindows > 0)) return undefined;
    const percent = (100 * g.saturatedWindows) / g.totalWindows;
    if (percent < GENERATOR_SATURATED.low) return undefined;
    const n = g.saturatedWindows;
    const confidence =
      percent >= GENERATOR_SATURATED.high && n >= GENERATOR_SATURATED.highWindows
        ? 'high'
        : percent >= GENERATOR_SATURATED.medium && n >= GENERATOR_SATURATED.mediumWindows
          ? 'medium'
          : 'low';
    const evidence: DiagnosisEvidence[] = [
      {
        metric: 'generator.saturatedWindowsPercent',
        value: round(percent),
        threshold: GENERATOR_SATURATED.medium,
        note: `${g.saturatedWindows} of ${g.totalWindows} windows`,
      },
    ];
    if (g.maxEventLoopDelayMs)
      evidence.push({ metric: 'generator.maxEventLoopDelayMs.main', value: g.maxEventLoopDelayMs.main, threshold: null });
    return { confidence, evidence };
  },
};

/**
 * Share of measured windows in which producers' own in-flight windows were full with a batch ready and records
 * were late (schedule lag p99 beyond linger + 50 ms): from a tenth of the run the target's answers, times the
 * windows, held the rate down (medium); high from a quarter when the in-flight bound (Little's law) is below the
 * rate asked, which alone makes the producers fall behind.
 */
// Late as the saturation rule counts it: beyond linger plus the loop-delay bound (generator-monitor.ts).
export const IN_FLIGHT_LIMIT = { medium: 10, high: 25, lateMs: SATURATION_LOOP_DELAY_MS } as const;

export const inFlightLimit: DiagnosisRule = {
  cause: 'in-flight-limit',
  symptoms: ['throughput', 'latency', 'lag'],
  advice:
    "Every producer had all its batches in flight (--max-in-flight) waiting on the target's answers, and records queued " +
    'behind them: at the service time measured, producers x max in flight x batch size / service time bounds the rate, ' +
    'as it would for a real client with these settings. The generator was not the limit. To load the target harder raise ' +
    '--max-in-flight, --producers or --batch-size; to judge the target, its service time is the figure to bring down.',
  detect(f) {
    const r = f.result;
    const groups = r.config?.producerGroups ?? [];
    const linger = Math.max(0, ...groups.map((g) => g.lingerMs ?? 0));
    const windows = f.measured.filter(
      (s) => (s.generator?.windowFullWaits ?? 0) > 0 && (s.producer?.latency?.scheduleLag?.p99 ?? 0) > linger + IN_FLIGHT_LIMIT.lateMs,
    ).length;
    if (!f.measured.length || windows === 0) return undefined;
    const percent = (100 * windows) / f.measured.length;
    if (percent < IN_FLIGHT_LIMIT.medium) return undefined;
    const evidence: DiagnosisEvidence[] = [
      {
        metric: 'series.windowsWithFullInFlightWindows',
        value: windows,
        threshold: null,
        note: `of ${f.measured.length} measured windows, records late behind full in-flight windows`,
      },
    ];
    const serviceMs = r.producer?.latency?.service?.mean ?? 0;
    const asked = groups.reduce((a, g) => a + (g.rate ?? 0), 0);
    let bound: number | undefined;
    if (serviceMs > 0 && groups.length) {
      bound = groups.reduce((a, g) => a + g.producers * g.maxInFlight * g.batchSize, 0) / (serviceMs / 1000);
      evidence.push({
        metric: 'producer.inFlightBoundMsgsPerSec',
        value: Math.round(bound),
        threshold: asked > 0 ? asked : null,
        note: `producers x max in flight x batch size / service mean (${round(serviceMs)} ms)`,
      });
    }
    const confidence = percent >= IN_FLIGHT_LIMIT.high && bound !== undefined && bound < asked ? 'high' : 'medium';
    return { confidence, evidence };
  },
};

/**
 * Records failing with UNAVAILABLE, RESOURCE_EXHAUSTED or DEADLINE_EXCEEDED, in percent of records scheduled:
 * from 1% the errors alone fail an error criterion and cut throughput; from 0.1% they are a pattern, not noise.
 */
export const CONNECTION_ERRORS = { medium: 0.1, high: 1 } as const;

function connectionErrorCount(codes: Record<string, number> | undefined): number {
  if (!codes) return 0;
  return CONNECTION_ERROR_CODES.reduce((a, c) => a + (codes[c] ?? 0), 0);
}

export const connectionErrors: DiagnosisRule = {
  cause: 'connection-errors',
  symptoms: ['errors', 'throughput', 'latency'],
  advice:
    'Calls failed with UNAVAILABLE, RESOURCE_EXHAUSTED or DEADLINE_EXCEEDED: the target refused or dropped connections, ran out ' +
    "of a pool, or answered after the deadline. Check the target's connection pool and request limits, its logs for overload, " +
    'and the network between; fewer connections (--connections) or a longer deadline (--deadline-ms) tell a limit from an outage.',
  detect(f) {
    const r = f.result;
    const produced = connectionErrorCount(r.producer?.errorsByCode);
    const consumed = connectionErrorCount(r.consumer?.errorsByCode);
    const count = produced + consumed;
    if (count === 0) return undefined;
    const scheduled = Math.max(r.producer?.scheduled ?? 0, 1);
    const percent = (100 * produced) / scheduled;
    // Bursts: the windows they came in. Errors spread over the run point to a limit, a few windows to an event.
    const windows = f.measured.filter(
      (s) => connectionErrorCount(s.producer?.errorsByCode) + connectionErrorCount(s.consumer?.errorsByCode) > 0,
    ).length;
    const confidence = percent >= CONNECTION_ERRORS.high ? 'high' : percent >= CONNECTION_ERRORS.medium || consumed > 0 ? 'medium' : 'low';
    const evidence: DiagnosisEvidence[] = [
      { metric: 'producer.connectionErrors', value: produced, threshold: null },
      { metric: 'producer.connectionErrorPercent', value: round(percent), threshold: CONNECTION_ERRORS.medium },
    ];
    if (consumed > 0) evidence.push({ metric: 'consumer.connectionErrors', value: consumed, threshold: null });
    if (f.measured.length)
      evidence.push({
        metric: 'series.windowsWithConnectionErrors',
        value: windows,
        threshold: null,
        note: `of ${f.measured.length} measured windows`,
      });
    return { confidence, evidence };
  },
};

/**
 * Integrity figures that mean records were lost or damaged. `lost` is derived (missing beyond failed batches,
 * judged only when consumers read to the end); other numeric fields named here count when present, so the
 * integrity report can grow (acknowledged-and-lost, committed-and-lost, corrupted, offset mismatches) without a new rule.
 */
export const LOSS_FIELDS = ['lostAcked', 'lostCommitted', 'corrupted', 'offsetMismatches'] as const;

export const dataLoss: DiagnosisRule = {
  cause: 'data-loss',
  symptoms: ['integrity'],
  advice:
    'The target acknowledged records that consumers never read (or read twice): it lost or replayed data. See ' +
    "result.integrity.examples for the producer, partition and sequence of each, and check the target's logs around them " +
    '(failed segment uploads, restarts, leader changes); a loss at every Nth record points to a storage or ack bug, not an outage.',
  detect(f) {
    const i = f.result.integrity;
    if (!i?.checked) return undefined;
    const evidence: DiagnosisEvidence[] = [];
    const unexplained = Math.max(0, i.missing - (i.expectedMissing ?? 0));
    let confidence: 'high' | 'medium' | 'low' | undefined;
    if (unexplained > 0) {
      evidence.push({
        metric: 'integrity.lost',
        value: unexplained,
        threshold: 0,
        ...(i.dataLoss ? {} : { note: 'consumers did not read to the end: later reads may have filled the gaps' }),
      });
      confidence = i.dataLoss ? 'high' : 'low';
    }
    const extra = i as unknown as Record<string, unknown>;
    for (const field of LOSS_FIELDS) {
      const v = extra[field];
      if (typeof v === 'number' && v > 0) {
        evidence.push({ metric: `integrity.${field}`, value: v, threshold: 0 });
        confidence = 'high';
      }
    }
    if (i.duplicates > 0) {
      evidence.push({ metric: 'integrity.duplicates', value: i.duplicates, threshold: 0 });
      confidence ??= 'medium';
    }
    return confidence ? { confidence, evidence } : undefined;
  },
};
