// What the ending judges from the run's parts besides the counts: the integrity input and its warnings, and
// the start-up figures (first ack, first measured second).
import { integrityReport, integrityWarning, type Ending } from '../result/build.js';
import type { ResolvedOptions } from '../options.js';
import type { Criterion, Logger, ProducerStartup } from '../types.js';
import { round3 } from '../util.js';
import { verifyFindings } from '../verify/warnings.js';
import { expectedAbsent } from '../worker/delivery-tally.js';
import type { RunLog } from './log.js';
import type { Parts } from './parts.js';

/** What judging integrity needs of the options: transactions change what is checked against what. */
export type IntegrityOptions = Pick<ResolvedOptions, 'delivery' | 'instrument'>;

/**
 * A criterion this run's delivery mode cannot judge, marked so (it prints N/A and cannot fail the run): with
 * transactions, records at their acknowledged offsets, since transactional acks carry no log offsets.
 */
export function withApplicability(c: Criterion, opts: IntegrityOptions): Criterion {
  if (c.notApplicable !== undefined || !opts.delivery?.transactions || c.metric !== 'integrity.offsetMismatches') return c;
  return {
    ...c,
    notApplicable: 'transactional acks carry no log offsets; the reads are checked against the confirmed commits instead',
  };
}

/** The integrity check's input: consumer sums, failed records, whether consumers read to the end, the ack check. */
export function integrityInput(parts: Parts, ending: Ending | undefined, opts: IntegrityOptions) {
  const { aggregator, sampler, pools } = parts;
  const transactions = Boolean(opts.delivery?.transactions);
  // Every gap below the highest sequence is final only when consumers read to the end.
  const readToEnd = ending !== undefined && sampler.lag.final === 0 && !pools.stoppedWhileProducing;
  return {
    sums: aggregator.hasConsumers ? aggregator.integritySums() : undefined,
    failed: aggregator.all.failed + expectedAbsent(pools.deliveryTallies()),
    readToEnd,
    unread: aggregator.hasConsumers ? sampler.lag.final : 0,
    // A transactional batch is acked with its place in the transaction, and an aborted one is never stored:
    // its acks say nothing about log offsets, so the offsets are not checked. What the groups read is checked
    // against what the target confirmed committed instead, both ways (needs the record headers: instrumented
    // runs): every record read must be of a committed transaction (or one whose outcome is unknown), and every
    // committed record must have been read (`committed`).
    verify: !aggregator.hasConsumers
      ? undefined
      : !transactions
        ? aggregator.verifier.reconcile(readToEnd)
        : opts.instrument
          ? aggregator.verifier.reconcileTransactional()
          : undefined,
    committed: !transactions
      ? undefined
      : opts.instrument
        ? aggregator.verifier.reconcileCommitted(readToEnd)
        : { lost: undefined, unmeasured: 'records carry no headers (instrument off)', examples: [] },
  };
}

/** At the end of the run: data loss is a warning and a result error; unexplained gaps with lag left are a warning. */
export function judgeIntegrity(parts: Parts, ending: Ending | undefined, opts: IntegrityOptions, logger: Logger, log: RunLog): void {
  const report = integrityReport(integrityInput(parts, ending, opts));
  const warning = integrityWarning(report, {
    stoppedWhileProducing: parts.pools.stoppedWhileProducing,
    finalLag: parts.sampler.lag.final,
  });
  if (warning) logger.warn(warning.message);
  if (warning?.dataLoss) log.record({ code: 'LH_DATA_LOSS', message: warning.message });
  for (const f of verifyFindings(report, warning?.dataLoss === true, Boolean(opts.delivery?.transactions))) {
    logger.warn(f.message);
    log.record(f);
  }
  // Without any consumer nothing was checked, and the result already says so.
  if (report.checked && report.lostCommittedUnmeasured && !report.lostCommitted)
    logger.warn(`Committed transactions not fully checked against what consumers read: ${report.lostCommittedUnmeasured}`);
}

/**
 * The first ack, counted from the schedule's start (warm-up start), and the first measured second's rate: the
 * records intended after warm-up that were acknowledged within a second of its end. Undefined before any load.
 */
export function startupReport(parts: Parts, warmupSeconds: number, now: number): ProducerStartup | undefined {
  const { aggregator, sampler, rates } = parts;
  const warmupEnd = sampler.warmupEnd;
  if (warmupEnd === undefined || !parts.pools.started) return undefined;
  const out: ProducerStartup = {};
  const loadStart = warmupEnd - warmupSeconds * 1000;
  if (Number.isFinite(aggregator.firstAckEpochMs)) out.firstAckSeconds = round3(Math.max(0, aggregator.firstAckEpochMs - loadStart) / 1000);
  // The first measured second starts when the schedule does, if that is after warm-up (a group started later).
  const from = Math.max(warmupEnd, rates.firstActiveAt() ?? warmupEnd);
  if (now >= from + 1000) {
    const asked = rates.integral(from, from + 1000);
    if (asked > 0) {
      out.firstSecondMsgsPerSec = aggregator.firstSecondAcked;
      out.firstSecondTargetRate = round3(asked);
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
