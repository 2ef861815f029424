// The derived figures of samples, totals and merged results, one function each: a run's aggregator, the
// criteria on samples and `merge` all call these, so a figure means the same wherever it is read (a merge of
// one shard must give that shard's figures and verdicts back). Definitions: docs/measuring.md#rates.

const MiB = 1024 * 1024;

/** Events per second over `seconds`; 0 over no time. */
export function perSecond(count: number, seconds: number): number {
  return seconds > 0 ? count / seconds : 0;
}

/** MiB per second over `seconds`; 0 over no time. */
export function mbPerSecond(bytes: number, seconds: number): number {
  return seconds > 0 ? bytes / MiB / seconds : 0;
}

/**
 * The time acked records took: the time producers were asked to send, or longer when the drain after a stop
 * was still acking (a slow target's backlog lengthens the time instead of inflating the achieved rate).
 */
export function achievedSeconds(activeSeconds: number, busySeconds: number): number {
  return Math.max(activeSeconds, busySeconds);
}

/** The mean requested rate over the time producers were asked to send. */
export function targetRate(requested: number, activeSeconds: number): number {
  return perSecond(requested, activeSeconds);
}

/** |msgsPerSec / targetRate - 1| x 100; 0 when nothing was asked for. */
export function rateErrorPercent(msgsPerSec: number, target: number): number {
  return target > 0 ? Math.abs(msgsPerSec / target - 1) * 100 : 0;
}

/** Failed records per scheduled record, in percent; 0 when nothing was scheduled. */
export function errorRatePercent(failed: number, scheduled: number): number {
  return scheduled > 0 ? (failed / scheduled) * 100 : 0;
}

/** Records per ProduceBatch call. */
export function meanBatchSize(sent: number, batches: number): number {
  return batches > 0 ? sent / batches : 0;
}

/** Shards of one run ran side by side: their rates add (a single shard's stays its own, exactly). */
export function sideBySide(rates: readonly number[]): number {
  return rates.reduce((a, b) => a + b, 0);
}
