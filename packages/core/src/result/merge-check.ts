// Whether shard results make one whole run (`loadhouse merge` checks before it adds anything): distinct shards
// of one run with one configuration, every shard present, all running together, each run to its end.
import { checkResult } from './validate.js';
import { LoadhouseError } from '../errors.js';
import type { LoadTestResult, MergeCheck } from '../types.js';

/** Config keys that legitimately differ between shards of one run. */
// Labels may name the pod or node a shard ran on (--label pod=$HOSTNAME); the merged result keeps the first shard's.
const PER_SHARD_CONFIG = new Set([
  'shard',
  'startAt',
  'resultsDir',
  'workers',
  'maxWorkers',
  'target',
  'producerGroups',
  'plugins',
  'labels',
  // Each shard draws its own seed unless given one: its producers are its own, so the seeds never meet.
  'seed',
]);

function mismatch(message: string, details: Record<string, unknown>): LoadhouseError {
  return new LoadhouseError('LH_MERGE_MISMATCH', message, { details });
}

/** JSON with object keys sorted: equal for equal values whatever their key order. */
export function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A shard's configuration less what legitimately differs per shard: the keys above, when each consumer group
 * started (a timing, not a setting), and the transactions' abort seed (drawn per shard unless given, like
 * `seed`: the shards' producers are disjoint).
 */
function runConfig(r: LoadTestResult): Record<string, unknown> {
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(r.config).filter(([k]) => !PER_SHARD_CONFIG.has(k)));
  const groups = out.consumerGroups;
  if (Array.isArray(groups)) out.consumerGroups = groups.map((g) => ({ ...(g as object), startedAtSeconds: undefined }));
  const delivery = out.delivery as { transactions?: object | null } | undefined;
  if (delivery?.transactions) out.delivery = { ...delivery, transactions: { ...delivery.transactions, seed: undefined } };
  return out;
}

/** How a result's run id reads in a message: a result with none is usually a whole run, not a shard. */
function runIdText(r: LoadTestResult): string {
  const shard = r.shard ? '' : ' (not a shard: it was run without --shard or --shards)';
  return r.runId === undefined ? `no run id${shard}` : `run id ${JSON.stringify(r.runId)}${shard}`;
}

/** Throws LH_MERGE_MISMATCH unless the results are distinct shards of one run with one configuration. */
export function checkMergeable(results: readonly LoadTestResult[], names: readonly string[] = []): void {
  const name = (i: number) => names[i] ?? `result ${i + 1}`;
  if (results.length === 0) throw mismatch('Nothing to merge: give at least one result file.', {});
  // What merge reads of each shard is declared by the result schema: check it there, not field by field here.
  results.forEach((r, i) => {
    checkResult(r, name(i));
  });
  const first = results[0]!;
  const seen = new Map<number, number>();
  results.forEach((r, i) => {
    if (r.scenario !== first.scenario) {
      throw mismatch(`${name(i)} ran scenario ${r.scenario}, ${name(0)} ran ${first.scenario}: these are different runs.`, {
        file: name(i),
      });
    }
    if ((r.runId ?? null) !== (first.runId ?? null)) {
      throw mismatch(`${name(i)} has ${runIdText(r)}, ${name(0)} has ${runIdText(first)}: shards of one run share --run-id.`, {
        file: name(i),
      });
    }
    if (stable(runConfig(r)) !== stable(runConfig(first))) {
      const diff = Object.keys({ ...runConfig(r), ...runConfig(first) }).filter(
        (k) => stable(runConfig(r)[k]) !== stable(runConfig(first)[k]),
      );
      throw mismatch(`${name(i)} and ${name(0)} were run with different configurations (${diff.join(', ')}).`, {
        file: name(i),
        keys: diff,
      });
    }
    const count = r.shard?.count ?? 1;
    if (count !== (first.shard?.count ?? 1)) {
      throw mismatch(`${name(i)} is a shard of ${count}, ${name(0)} of ${first.shard?.count ?? 1}.`, { file: name(i) });
    }
    const index = r.shard?.index ?? 0;
    if (seen.has(index)) {
      const other = name(seen.get(index)!);
      throw mismatch(
        r.shard === null
          ? `${name(i)} and ${other} are two whole runs, not shards of one (run them with --shard i/n or --shards n to merge).`
          : `${name(i)} and ${other} are both shard ${index}.`,
        { file: name(i) },
      );
    }
    seen.set(index, i);
  });
}

/**
 * Shards of one run must run side by side: their rates are added as if they had. What makes them one run is a
 * common start: a shard that started later than the first one by more than this share of the merged window
 * (first start to last end)...
 */
export const MAX_START_SKEW_PERCENT = 10;
/**
 * ...and by more than this (process start-up jitter), or that ended before the last shard started, was out of
 * step. Ends are not compared: shards that start together may end seconds apart (consumers reading to the end,
 * a catch-up that clears sooner on one shard) and still be one run.
 */
export const OUT_OF_STEP_SLACK_SECONDS = 2;

const epoch = (iso: string) => Date.parse(iso);
const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Whether the shards make the whole run: every index 0..n-1 present, all running together, each run to its
 * end. Missing and out-of-step shards throw (LH_MERGE_INCOMPLETE, LH_MERGE_NOT_CONCURRENT) unless
 * `allowPartial`; then, like partial or aborted shards, they are listed in `partialBecause`.
 */
export function checkCoverage(results: readonly LoadTestResult[], names: readonly string[] = [], allowPartial = false): MergeCheck {
  const name = (i: number) => names[i] ?? `result ${i + 1}`;
  const shardCount = results[0]?.shard?.count ?? 1;
  const present = new Set(results.map((r) => r.shard?.index ?? 0));
  const missing = Array.from({ length: shardCount }, (_, i) => i).filter((i) => !present.has(i));
  const start = Math.min(...results.map((r) => epoch(r.startedAt)));
  const end = Math.max(...results.map((r) => epoch(r.endedAt)));
  const windowSeconds = Math.max(0, (end - start) / 1000);
  const byIndex = [...results].sort((a, b) => (a.shard?.index ?? 0) - (b.shard?.index ?? 0));
  const lastStart = Math.max(...results.map((r) => epoch(r.startedAt)));
  const maxSkewSeconds = Math.max(OUT_OF_STEP_SLACK_SECONDS, (windowSeconds * MAX_START_SKEW_PERCENT) / 100);
  const overlapPercent = byIndex.map((r) => {
    const seconds = Math.max(0, (epoch(r.endedAt) - epoch(r.startedAt)) / 1000);
    const startSkewSeconds = (epoch(r.startedAt) - start) / 1000;
    return {
      index: r.shard?.index ?? 0,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      overlapPercent: windowSeconds > 0 ? round1(Math.min(100, (seconds / windowSeconds) * 100)) : 100,
      startSkewSeconds: round1(startSkewSeconds),
      out: startSkewSeconds > maxSkewSeconds || epoch(r.endedAt) < lastStart,
    };
  });
  const outOfStep = overlapPercent.filter((o) => o.out);
  const partialBecause: string[] = [];
  if (missing.length > 0) {
    const what = `shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${shardCount} ${missing.length > 1 ? 'are' : 'is'} missing`;
    if (!allowPartial) {
      throw new LoadhouseError(
        'LH_MERGE_INCOMPLETE',
        `Cannot merge a whole run: ${what} (given: ${[...present].sort((a, b) => a - b).join(', ')}). Add the missing result files, ` +
          'or pass --allow-partial (mergeResults: allowPartial) to merge these alone into a result marked partial.',
        { details: { missing, shardCount } },
      );
    }
    partialBecause.push(what);
  }
  if (outOfStep.length > 0) {
    const list = overlapPercent.map((o) => `shard ${o.index} ${o.startedAt} to ${o.endedAt}, ${o.overlapPercent}%`).join('; ');
    const what =
      `the shards did not run together: ${outOfStep.map((o) => `shard ${o.index}`).join(', ')} started more than ` +
      `${round1(maxSkewSeconds)} s (${MAX_START_SKEW_PERCENT}% of the merged ${round1(windowSeconds)} s window, at least ` +
      `${OUT_OF_STEP_SLACK_SECONDS} s) after the first, or ended before the last one started (${list})`;
    if (!allowPartial) {
      throw new LoadhouseError(
        'LH_MERGE_NOT_CONCURRENT',
        `Cannot merge a whole run: ${what}, so their rates cannot be added. Start the shards together (--start-at <ISO time>), ` +
          'or pass --allow-partial (mergeResults: allowPartial) to merge them into a result marked partial.',
        { details: { overlapPercent: overlapPercent.map(({ out: _o, ...o }) => o) } },
      );
    }
    partialBecause.push(what);
  }
  results.forEach((r, i) => {
    if (r.partial || r.state !== 'completed') {
      const what = `${name(i)} (shard ${r.shard?.index ?? 0}) is ${r.partial ? 'partial' : r.state}`;
      partialBecause.push(`${what}: ${r.state}, ${r.endReason}: ${r.endMessage}`);
    }
  });
  return {
    shardCount,
    missing,
    windowSeconds: round1(windowSeconds),
    overlapPercent: overlapPercent.map(({ out: _o, ...o }) => o),
    outOfStep: outOfStep.map((o) => o.index),
    maxStartSkewPercent: MAX_START_SKEW_PERCENT,
    outOfStepSlackSeconds: OUT_OF_STEP_SLACK_SECONDS,
    partialBecause,
  };
}
