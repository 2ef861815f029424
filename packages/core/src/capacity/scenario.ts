// The capacity search as a scenario: one producer group (one connection set for the whole search) whose rate
// is set step by step; each step a warm-up outside any phase, then its measured window as its own phase,
// judged on that phase alone. The answer goes in the result's `capacity` section.
import { evaluateCriteria } from '../criteria.js';
import { LoadhouseError } from '../errors.js';
import { MAX_PRODUCE_RATE, validateCriteria } from '../options.js';
import { closedPhases, resultSections } from '../run/controller.js';
import type {
  CapacityReport,
  CapacityStep,
  Controller,
  Criterion,
  LatencySummary,
  LoadTestOptions,
  PhaseResult,
  ProduceOptions,
  RunResult,
  Scenario,
} from '../types.js';
import { createLoadTest } from '../load-test.js';
import { IN_FLIGHT_BOUND_PREFIX } from '../metrics/generator-monitor.js';
import { CapacitySearch, capacityMessage, findKnee, type NextStep, summarize } from './search.js';

/** The first step's warm-up at least: the first seconds of any run are slow (docs/measuring.md). */
const FIRST_WARMUP_SECONDS = 3;

/** How to search: the SLO, the rate range, the steps and the load's shape. */
export interface CapacityOptions {
  /** The criteria each step's measured window must meet (at least one). */
  slo: readonly Criterion[];
  /** Lowest and highest offered rate, records/s. The climb starts at `minRate`. */
  minRate: number;
  maxRate: number;
  /** Measured seconds of each step (default 10). */
  stepSeconds?: number;
  /** Seconds each step runs at its rate before its measured window, not measured (default: half a step, at most 5). */
  stepWarmupSeconds?: number;
  /** Bisection stops when (high - low) / low is at most this many percent (default 5). */
  resolutionPercent?: number;
  /** A step fails when the target acknowledged less than this percent of the offered rate (default 90). */
  minAchievedPercent?: number;
  /** No more steps than this (default 30). */
  maxSteps?: number;
  /** A void step is run again up to this many times before the generator is said to bound the search (default 2). */
  voidRetries?: number;
  /** The load's shape: producers, partitions, message size, batching. Its rate is the search's. */
  produce?: Omit<ProduceOptions, 'rate' | 'messagesPerProducer'>;
  /** Scenario name in the result (default `capacity`). */
  name?: string;
}

/** Options resolved, with defaults. */
type Resolved = Required<Omit<CapacityOptions, 'produce' | 'name' | 'slo'>> &
  Pick<CapacityOptions, 'produce'> & { slo: Criterion[]; name: string };

function invalid(option: string, expected: string, got: unknown): LoadhouseError {
  return new LoadhouseError('LH_INVALID_OPTION', `capacity.${option} must be ${expected}, got ${JSON.stringify(got)}`, {
    details: { option: `capacity.${option}`, value: got },
  });
}

function positive(option: string, v: unknown, fallback?: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) throw invalid(option, `a number > 0 and <= ${max}`, v);
  return v;
}

/** Validates capacity options; every mistake is reported before any load is sent. */
export function resolveCapacityOptions(o: CapacityOptions): Resolved {
  if (typeof o !== 'object' || o === null) throw invalid('', 'an object', o);
  const slo = validateCriteria('capacity.slo', o.slo);
  if (slo.length === 0) throw invalid('slo', 'at least one criterion (e.g. producer.latency.p99 < 100)', []);
  const minRate = positive('minRate', o.minRate, undefined, MAX_PRODUCE_RATE);
  const maxRate = positive('maxRate', o.maxRate, undefined, MAX_PRODUCE_RATE);
  if (maxRate < minRate) throw invalid('maxRate', `at least minRate (${minRate})`, maxRate);
  const stepSeconds = positive('stepSeconds', o.stepSeconds, 10, 86_400);
  const stepWarmupSeconds =
    o.stepWarmupSeconds === 0 ? 0 : positive('stepWarmupSeconds', o.stepWarmupSeconds, Math.min(5, stepSeconds / 2), 86_400);
  const resolutionPercent = positive('resolutionPercent', o.resolutionPercent, 5, 100);
  const minAchievedPercent = positive('minAchievedPercent', o.minAchievedPercent, 90, 100);
  const maxSteps = positive('maxSteps', o.maxSteps, 30, 1000);
  if (!Number.isInteger(maxSteps)) throw invalid('maxSteps', 'an integer', maxSteps);
  const voidRetries = o.voidRetries ?? 2;
  if (!Number.isInteger(voidRetries) || voidRetries < 0 || voidRetries > 10)
    throw invalid('voidRetries', 'an integer from 0 to 10', voidRetries);
  if (o.produce !== undefined && (typeof o.produce !== 'object' || o.produce === null)) throw invalid('produce', 'an object', o.produce);
  const name = o.name ?? 'capacity';
  return {
    slo,
    minRate,
    maxRate,
    stepSeconds,
    stepWarmupSeconds,
    resolutionPercent,
    minAchievedPercent,
    maxSteps,
    voidRetries,
    produce: o.produce,
    name,
  };
}

function latencyOf(s: LatencySummary): CapacityStep['latency'] {
  if (s.count === 0) return { p50: null, p99: null, p999: null, max: null };
  return { p50: s.p50, p99: s.p99, p999: s.p999, max: s.max };
}

/** A step judged on its own phase: void when the generator was saturated, else the SLO and the sustained rate. */
export function judgeStep(
  o: Pick<Resolved, 'slo' | 'minAchievedPercent'>,
  next: NextStep,
  phase: PhaseResult,
  saturation: readonly string[],
): CapacityStep {
  const seconds = phase.durationSeconds > 0 ? phase.durationSeconds : 1;
  const achieved = Math.round(phase.producer.acked / seconds);
  const slo = evaluateCriteria(phase as unknown as Record<string, unknown>, o.slo);
  const reasons: string[] = [];
  const isVoid = saturation.length > 0;
  if (isVoid) {
    const first = saturation[0]!;
    reasons.push(first.startsWith(IN_FLIGHT_BOUND_PREFIX) ? first : `the generator was saturated: ${first}`);
  } else {
    for (const c of slo.filter((c) => !c.passed))
      reasons.push(`${c.label ?? `${c.metric} ${c.op} ${c.value}`}: measured ${c.measured ?? 'nothing'}`);
    if (achieved < (next.rate * o.minAchievedPercent) / 100) {
      reasons.push(`the target acknowledged ${achieved} msgs/s, under ${o.minAchievedPercent}% of the ${next.rate} offered`);
    }
  }
  return {
    phase: phase.name,
    role: next.role,
    rate: next.rate,
    achieved,
    passed: !isVoid && reasons.length === 0,
    void: isVoid,
    reason: reasons.join('; '),
    latency: latencyOf(phase.producer.latency.response),
    slo,
  };
}

/** The report the steps so far give; bound `unfinished` until the search ended by itself. */
export function capacityReport(o: Resolved, search: CapacitySearch, steps: CapacityStep[]): CapacityReport {
  const { low, high } = summarize(steps);
  let bound = search.bound();
  if ((bound === 'target' || bound === 'max-rate') && low === null) bound = 'min-rate';
  const claims = bound === 'target' || bound === 'max-rate';
  const held = steps.filter((s) => s.passed).map((s) => s.rate);
  const report: CapacityReport = {
    maxSustainableRate: claims ? low : null,
    interval: low === null ? null : { low, high },
    bound,
    message: '',
    slo: o.slo.map((c) => ({ ...c })),
    minAchievedPercent: o.minAchievedPercent,
    minRate: o.minRate,
    maxRate: o.maxRate,
    resolutionPercent: o.resolutionPercent,
    stepSeconds: o.stepSeconds,
    stepWarmupSeconds: o.stepWarmupSeconds,
    knee: findKnee(steps),
    steps: [...steps],
  };
  if (bound === 'generator' && held.length) report.generatorLimit = Math.max(...held);
  report.message = capacityMessage(report);
  return report;
}

/**
 * The criterion that carries the answer into the run's verdict: met only when a capacity was found (bound
 * `target` or `max-rate`); a search stopped by the generator, failing at `minRate` or unfinished fails it.
 */
export const CAPACITY_FOUND: Criterion = {
  metric: 'capacity.maxSustainableRate',
  op: '>',
  value: 0,
  unit: 'msgs/s',
  label: 'A capacity was found under the SLO',
  live: false,
};

/**
 * A scenario that searches for the highest rate the target sustains under the SLO. Its result has a
 * `capacity` section (see CapacityReport) and one phase per step; its one criterion passes only when a
 * capacity was found. Options are validated here.
 */
export function capacityScenario(options: CapacityOptions): Scenario {
  const o = resolveCapacityOptions(options);
  return {
    name: o.name,
    options: { ...o, slo: o.slo.map((c) => ({ ...c })) },
    criteria: [{ ...CAPACITY_FOUND }],
    run: (c) => search(c, o),
  };
}

async function search(c: Controller, o: Resolved): Promise<void> {
  const sections = resultSections(c);
  const searcher = new CapacitySearch({
    minRate: o.minRate,
    maxRate: o.maxRate,
    resolution: o.resolutionPercent / 100,
    factor: 2,
    maxSteps: o.maxSteps,
    voidRetries: o.voidRetries,
  });
  const steps: CapacityStep[] = [];
  const publish = () => (sections.capacity = capacityReport(o, searcher, steps));
  publish();
  // Saturated windows by phase: one subscription for the whole run (it ends with the run).
  const saturated = new Map<string, string[]>();
  void c.waitFor((s) => {
    // A window whose producers could not offer the load (full in-flight windows) says as little about the target.
    const why = s.generator.saturated ? s.generator.reasons : s.generator.inFlightBound ? [s.generator.inFlightBound] : [];
    if (why.length) saturated.set(s.phase, [...(saturated.get(s.phase) ?? []), ...why]);
    return false;
  });
  const group = await c.produce({ ...o.produce, rate: o.minRate, peakRate: o.maxRate });
  let previous = 0;
  for (let next = searcher.next(); next && !c.signal.aborted; next = searcher.next()) {
    const step = next;
    if (step.rate < previous) await settle(c, group, o);
    previous = step.rate;
    group.setRate(step.rate);
    // The first seconds of a run are slow whatever the rate (JIT, connections, the topic's first segments):
    // the first step warms up longer, then until the producers caught up with what fell due meanwhile.
    const first = steps.length === 0;
    const warmup = first ? Math.max(o.stepWarmupSeconds, FIRST_WARMUP_SECONDS) : o.stepWarmupSeconds;
    if (warmup > 0 && !(await c.waitFor(warmup)) && c.signal.aborted) break;
    if (first) await c.waitFor((s) => s.producer.backlog === 0, { timeoutSeconds: 2 * o.stepSeconds });
    const name = `step-${steps.length + 1}@${step.rate}`;
    await c.phase(name, () => c.waitFor(o.stepSeconds));
    if (c.signal.aborted) break;
    const phase = closedPhases(c).findLast((p) => p.name === name);
    if (!phase) break;
    const judged = judgeStep(o, step, phase, saturated.get(name) ?? []);
    steps.push(judged);
    searcher.record(judged);
    publish();
    c.logger.info(
      `capacity step ${steps.length}: ${step.rate} msgs/s offered, ${judged.achieved} acknowledged: ` +
        (judged.void ? 'void' : judged.passed ? 'passed' : 'failed') +
        (judged.reason ? ` (${judged.reason})` : ''),
    );
  }
  await group.stop();
  publish();
}

/**
 * After a step that failed, the target (and the producers) may hold a backlog that would count against the
 * next, lower step: the rate drops to a trickle until the producers have nothing due and nothing in flight
 * (or two steps' time has passed).
 */
async function settle(c: Controller, group: { setRate(rate: number): void }, o: Resolved): Promise<void> {
  group.setRate(Math.max(1, Math.min(o.minRate, 10)));
  await c.waitFor((s) => s.producer.backlog === 0 && s.producer.inFlightBatches === 0, { timeoutSeconds: 2 * o.stepSeconds });
}

/**
 * Searches for the highest rate the target sustains under an SLO: an exponential climb from `minRate` until a
 * step fails, bisection to `resolutionPercent`, then the two boundary steps once more. Resolves to the run's
 * result, whose `capacity` section holds the answer. Steps whose generator was saturated are void; when the
 * generator stops the search, no capacity is claimed (`bound: "generator"`).
 */
export function findCapacity(options: LoadTestOptions, capacity: CapacityOptions): Promise<RunResult> {
  return createLoadTest({ ...options, warmupSeconds: 0 }).run(capacityScenario(capacity));
}
