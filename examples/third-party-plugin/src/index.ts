// loadhouse-plugin-slo-budget: judges every sample window against a latency-and-failure objective and tracks
// how much of the run's error budget the missed windows spent, as metric-source values, a criterion and an event.
import { LoadhouseError, registerErrorCodes, type LoadhouseEvents, type LoadhousePlugin, type Sample } from '@loadhouse/core';

export interface SloBudgetOptions {
  /** Objective of a window: its producer response-latency P99 (ack - intended send) is at most this, in milliseconds. */
  p99Ms: number;
  /** Share of measured windows allowed to miss the objective, in percent (0 < x <= 100). */
  errorBudgetPercent: number;
  /** Row label of the criterion in the summary (default: derived from the options). */
  label?: string;
}

/** Names of the values the plugin adds to `sample.metrics` and `result.metrics`. */
export const SLO_METRICS = {
  /** Missed windows / allowed missed windows x 100, over the windows measured so far; above 100 the budget is spent. */
  budgetBurnPercent: 'slo.budgetBurnPercent',
  /** Windows that missed the objective. */
  badWindows: 'slo.badWindows',
  /** Windows judged (after warm-up, with any producer activity). */
  windows: 'slo.windows',
} as const;

/** Payload of `slo:burn`, emitted once for every window that misses the objective. */
export interface SloBurnEvent {
  /** End of the window, seconds since the start of the run. */
  elapsedSeconds: number;
  phase: string;
  /** Why the window missed the objective, e.g. `response P99 123.4 ms > 100 ms`, `3 records failed`. */
  reasons: string[];
  /** Response-latency P99 of the window in milliseconds, null when nothing was acked in it. */
  p99Ms: number | null;
  badWindows: number;
  windows: number;
  budgetBurnPercent: number;
  /** True on the window that took the burn past 100 % for the first time. */
  exhausted: boolean;
}

/** The plugin's own error codes: its errors keep them on their way to `run()`'s rejection, `result.errors` and the CLI. */
export const SLO_BUDGET_ERROR_CODES = {
  LH_SLO_BUDGET_TOO_SMALL: 'The run plans too few sample windows for its error budget to allow even one missed window.',
} as const;

declare module '@loadhouse/core' {
  interface LoadhouseEvents {
    'slo:burn': (event: SloBurnEvent) => void;
  }
  interface ErrorCodes extends Record<keyof typeof SLO_BUDGET_ERROR_CODES, true> {}
}

registerErrorCodes('loadhouse-plugin-slo-budget', SLO_BUDGET_ERROR_CODES);

export const PLUGIN_NAME = 'slo-budget';

type Emit = <K extends keyof LoadhouseEvents>(event: K, ...args: Parameters<LoadhouseEvents[K]>) => void;

function checkOptions(options: SloBudgetOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `sloBudget(options): options must be an object { p99Ms, errorBudgetPercent }, got ${String(options)}`,
    );
  }
  const { p99Ms, errorBudgetPercent } = options;
  if (typeof p99Ms !== 'number' || !Number.isFinite(p99Ms) || p99Ms <= 0) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `sloBudget: options.p99Ms must be a positive number of milliseconds, got ${String(p99Ms)}`,
    );
  }
  if (typeof errorBudgetPercent !== 'number' || !(errorBudgetPercent > 0 && errorBudgetPercent <= 100)) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `sloBudget: options.errorBudgetPercent must be a number above 0 and at most 100, got ${String(errorBudgetPercent)}`,
    );
  }
}

/** Why a window misses the objective (empty: it meets it), or null when the window is not judged. */
export function judgeWindow(sample: Sample, p99Ms: number): string[] | null {
  const p = sample.producer;
  if (sample.warmup || p.scheduled + p.acked + p.failed + p.dropped === 0) return null;
  const reasons: string[] = [];
  const response = p.latency.response;
  if (response.count > 0 && response.p99 > p99Ms) reasons.push(`response P99 ${response.p99.toFixed(1)} ms > ${p99Ms} ms`);
  if (response.count === 0 && p.scheduled > 0) reasons.push(`${p.scheduled} records were due and none was acked`);
  if (p.failed > 0) reasons.push(`${p.failed} records failed`);
  if (p.dropped > 0) reasons.push(`${p.dropped} records dropped`);
  return reasons;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Refuses a run whose planned windows (after warm-up) let the budget absorb less than one missed window: its
 * verdict would hang on a single window. Runs of unknown length (a scenario without `plannedSeconds`) pass.
 */
export function checkBudgetFits(config: Readonly<Record<string, unknown>>, errorBudgetPercent: number): void {
  const { plannedSeconds, intervalMs, warmupSeconds } = config;
  if (typeof plannedSeconds !== 'number' || typeof intervalMs !== 'number' || intervalMs <= 0) return;
  const warmup = typeof warmupSeconds === 'number' ? warmupSeconds : 0;
  const judgedSeconds = plannedSeconds - warmup;
  const windows = Math.max(0, Math.floor((judgedSeconds * 1000) / intervalMs));
  const allowed = round3((windows * errorBudgetPercent) / 100);
  if (allowed >= 1) return;
  throw new LoadhouseError(
    'LH_SLO_BUDGET_TOO_SMALL',
    `sloBudget: the run plans ${windows} judged windows of ${intervalMs} ms${warmup > 0 ? ` (${plannedSeconds} s less ${warmup} s of warm-up)` : ''}, ` +
      `so an error budget of ${errorBudgetPercent}% allows ` +
      `${allowed} missed windows and one miss fails it. Run at least ${Math.ceil(100 / errorBudgetPercent)} windows ` +
      '(a longer duration or a shorter intervalMs) or raise errorBudgetPercent.',
    { details: { windows, intervalMs, errorBudgetPercent, allowedMissedWindows: allowed } },
  );
}

/**
 * An error-budget SLO for a load test. A window (one sample) meets the objective when its response P99 is at
 * most `p99Ms` and no record failed or was dropped in it; `errorBudgetPercent` of the windows may miss it.
 */
export function sloBudget(options: SloBudgetOptions): LoadhousePlugin {
  checkOptions(options);
  const { p99Ms, errorBudgetPercent } = options;
  return {
    name: PLUGIN_NAME,
    apiVersion: 1,
    setup(ctx) {
      let windows = 0;
      let badWindows = 0;
      let exhausted = false;
      const burn = () => round3((badWindows / windows / (errorBudgetPercent / 100)) * 100);
      const values = (): Record<string, number> =>
        windows === 0
          ? {}
          : { [SLO_METRICS.budgetBurnPercent]: burn(), [SLO_METRICS.badWindows]: badWindows, [SLO_METRICS.windows]: windows };

      // Plugins emit on the core's bus when the core offers it; the metric and the criterion work either way.
      const events = ctx.events as typeof ctx.events & { emit?: Emit };
      if (typeof events.emit !== 'function') {
        ctx.logger.warn('this @loadhouse/core gives plugins no events.emit: slo:burn events are not emitted (metrics and criterion work)');
      }

      ctx.hooks.hook('test:before', (info) => checkBudgetFits(info.config, errorBudgetPercent));

      const off = ctx.events.on('sample', (sample) => {
        const reasons = judgeWindow(sample, p99Ms);
        if (reasons === null) return;
        windows++;
        if (reasons.length === 0) return;
        badWindows++;
        const budgetBurnPercent = burn();
        const first = !exhausted && budgetBurnPercent > 100;
        if (first) exhausted = true;
        const response = sample.producer.latency.response;
        events.emit?.('slo:burn', {
          elapsedSeconds: sample.elapsedSeconds,
          phase: sample.phase,
          reasons,
          p99Ms: response.count > 0 ? response.p99 : null,
          badWindows,
          windows,
          budgetBurnPercent,
          exhausted: first,
        });
      });

      ctx.addMetricSource({ name: PLUGIN_NAME, collect: values, summarize: values });
      ctx.addCriterion({
        metric: SLO_METRICS.budgetBurnPercent,
        op: '<=',
        value: 100,
        unit: '%',
        // Early windows swing the burn widely: judge the whole run, not each sample.
        live: false,
        label: options.label ?? `Error budget kept (P99 <= ${p99Ms} ms, no failures; ${errorBudgetPercent}% of windows may miss)`,
      });
      return off;
    },
  };
}
