// A load worker's pre-warm, between connecting and telling the main thread it is ready (so before the
// schedule's start): the per-record code (record header, histograms) runs a few thousand times on scratch
// buffers, and the framed produce path sends a few throwaway requests of the run's real batch shape, each to a
// partition no topic has (PREWARM_PARTITION). The target refuses them, so nothing is stored, no counter of
// the run sees them and no consumer can read them; what they warm is the request path itself: the HTTP/2
// sessions and their flow-control windows, the framing, the target's own request decoding, and the JIT of
// all of it. Only drivers with the framed path (the built-in gRPC one) send these: another protocol's driver
// may map an unknown partition onto a real one, and a record sent there would be a record of the run.
import type { Driver } from '../driver/types.js';
import { ProduceFrame } from '../proto/produce-frame.js';
import { writeRecordHeader } from '../record-header.js';
import { epochNow, orTimeout } from '../util.js';
import { ProducerMetrics } from './producer-metrics.js';
import type { WarmupSpec } from './protocol.js';

/** The largest int32: beyond any topic's partitions (the agent allows 10,000; Kafka's ids are int32). */
export const PREWARM_PARTITION = 2_147_483_647;
/** Rounds of throwaway calls, one per connection each, one round after the other. */
const ROUNDS = 3;
/** The most a pre-warm may hold up the start: a slow or silent target is the run's to measure, not this. */
const BUDGET_MS = 2000;
/** Scratch header writes and histogram records: enough for V8 to optimize them before the first real batch. */
const JIT_RECORDS = 5000;

export interface PrewarmOutcome {
  /** Throwaway calls made and how they ended. */
  calls: number;
  refused: number;
  /** Calls the target accepted: it stored records in a partition that should not exist (reported as a warning). */
  accepted: number;
  ms: number;
}

export async function prewarm(driver: Driver, spec: WarmupSpec, connections: number, now: () => number): Promise<PrewarmOutcome> {
  const start = now();
  const frame = new ProduceFrame({ topic: spec.topic, ackMode: spec.ackMode, batchSize: spec.batchSize, messageSize: spec.messageSize });
  for (let j = 0; j < spec.batchSize; j++) frame.bytes.fill(0, frame.valueOffset(j), frame.valueOffset(j) + spec.messageSize);
  warmRecordCode(frame, spec);
  const outcome: PrewarmOutcome = { calls: 0, refused: 0, accepted: 0, ms: 0 };
  const produceFramed = driver.produceFramed?.bind(driver);
  if (produceFramed) {
    // Intended time 0 in the headers: were a record ever stored, a consumer would take it for another run's.
    const bytes = frame.frame(PREWARM_PARTITION, spec.batchSize);
    const rounds = (async () => {
      for (let r = 0; r < ROUNDS; r++) {
        const calls: Array<Promise<void>> = [];
        for (let c = 0; c < Math.max(1, connections); c++) {
          outcome.calls++;
          calls.push(
            new Promise<void>((resolve) => {
              produceFramed(bytes, noop, (failure) => {
                if (failure) outcome.refused++;
                else outcome.accepted++;
                resolve();
              });
            }),
          );
        }
        await Promise.all(calls);
      }
    })();
    await orTimeout(rounds, BUDGET_MS, undefined);
  }
  outcome.ms = now() - start;
  return outcome;
}

const noop = (): void => {};

function warmRecordCode(frame: ProduceFrame, spec: WarmupSpec): void {
  const metrics = new ProducerMetrics(true);
  try {
    for (let i = 0; i < JIT_RECORDS; i++) {
      const j = i % spec.batchSize;
      writeRecordHeader(frame.bytes, frame.valueOffset(j), 0, i, 0, 0, spec.messageSize, frame.payloadCrcs[j]);
      metrics.scheduleLag(false, i % 7);
      metrics.response(false, i % 13);
      if (j === 0) metrics.service(false, i % 11, spec.batchSize);
    }
  } finally {
    metrics.destroy();
  }
}

/** Pre-warms and tells the main thread how it went (debug), warning if the target stored what it should refuse. */
export async function prewarmAndLog(
  driver: Driver,
  spec: WarmupSpec,
  connections: number,
  log: (level: 'debug' | 'warn', message: string) => void,
): Promise<void> {
  try {
    const o = await prewarm(driver, spec, connections, epochNow);
    const unanswered = o.calls - o.refused - o.accepted;
    log(
      'debug',
      `pre-warm: ${o.calls} throwaway calls (${o.refused} refused as meant, ${unanswered} unanswered) in ${Math.round(o.ms)} ms`,
    );
    if (o.accepted > 0) {
      log(
        'warn',
        `the target accepted ${o.accepted} pre-warm batches to partition ${PREWARM_PARTITION} of "${spec.topic}", which should not exist; ` +
          'their records carry intended time 0, so consumers count them as foreign',
      );
    }
  } catch (err) {
    log('debug', `pre-warm skipped: ${(err as Error).message}`);
  }
}
