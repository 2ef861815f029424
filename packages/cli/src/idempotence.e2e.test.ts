// The exactly-once claim under load: an agent that stores batches but loses their acks makes a plain retry
// duplicate records, and an idempotent retry not; transactions aborted are never read, committed ones all are,
// and a committed tail the agent discards fails the run.
// One agent for the file; each run uses its own topic. Counts are exact, never speeds.
import { describe, expect, it } from 'vitest';
import { agentForTests } from '../../core/src/test-support.js';
import { onlyResult, tempDirs } from './test-files.js';
import { args, runCli } from './test-io.js';

const tempDir = tempDirs('lh-idem-');
// Every 5th stored ProduceBatch answers UNAVAILABLE: at 1000 msgs/s in batches of 100, about 4 lost acks in 2 s.
const agent = agentForTests({ grpcPort: 0, httpPort: 0, loseAckEvery: 5 });

async function run(topic: string, extra: string[]) {
  const dir = tempDir();
  const { code, io } = await runCli([
    ...args`run high-throughput --target ${agent.grpcAddress} --topic ${topic} --duration 2 --target-rate 1000 --partitions 1 --consumers 1 --batch-size 100 --warmup 0 --results-dir ${dir}`,
    ...extra,
  ]);
  return { result: onlyResult(dir), io, code };
}

describe('retries and the idempotent producer against lost acks', () => {
  it('a plain retry of a batch whose ack was lost duplicates exactly its records', async () => {
    const { result, io } = await run('idem-plain', args`--retries 3`);
    const idem = result.producer.idempotence!;
    expect(idem, io.err).toBeDefined();
    expect(idem.enabled).toBe(false);
    expect(idem.retriedBatches).toBeGreaterThan(0);
    expect(idem.duplicateBatches).toBe(0);
    expect(result.integrity.checked).toBe(true);
    expect(result.integrity.duplicates).toBe(idem.retriedRecords);
    expect(result.integrity.missing).toBe(0);
    expect(result.criteria.find((c) => c.metric === 'integrity.duplicates')?.passed).toBe(false);
  });

  it('an idempotent retry is filtered by the agent: zero duplicates, nothing missing, every record acked', async () => {
    const { result, io } = await run('idem-on', args`--idempotent`);
    const idem = result.producer.idempotence!;
    expect(idem.enabled, io.err).toBe(true);
    expect(idem.initProducerCalls).toBe(1);
    expect(idem.initProducerLatency.count).toBe(1);
    expect(idem.retriedBatches).toBeGreaterThan(0);
    expect(idem.duplicateBatches).toBe(idem.retriedBatches);
    expect(idem.duplicateRecords).toBe(idem.retriedRecords);
    expect(idem.fenced).toBe(0);
    expect(result.producer.failed).toBe(0);
    expect(result.integrity.duplicates).toBe(0);
    expect(result.integrity.missing).toBe(0);
    expect(result.criteria.find((c) => c.metric === 'integrity.duplicates')?.passed).toBe(true);
    expect(result.config.delivery).toEqual({ idempotent: true, retries: 5, transactions: null });
    expect(io.out).toMatch(/Idempotence/);
  });
});

describe('transactions', () => {
  it('consumers never read an aborted record and read every committed one', async () => {
    // Seed 19: the one producer's first transaction aborts and its second commits (draws 0.03 and 0.54 against
    // 0.3), so both outcomes happen however few transactions a slow machine completes in 2 s.
    const { result, io } = await run('idem-txn', args`--transactions 250 --abort-ratio 0.3 --seed 19`);
    const tx = result.producer.transactions!;
    expect(tx, io.err).toBeDefined();
    expect(tx.committed).toBeGreaterThan(0);
    expect(tx.aborted).toBeGreaterThan(0);
    expect(tx.failed).toBe(0);
    expect(tx.commitLatency.count).toBe(tx.committed);
    // Aborts are timed too, and the calls' histograms are kept for an exact merge of shards.
    expect(tx.abortLatency?.count).toBe(tx.aborted);
    expect(Object.keys(result.histograms)).toEqual(expect.arrayContaining(['delivery.initProducer', 'delivery.commit', 'delivery.abort']));
    expect(io.out).toMatch(/Abort: p50 [\d.]+ ms/);
    expect(tx.committedRecords + tx.abortedRecords).toBe(result.producer.acked);
    // Consumers read exactly the committed records: one aborted record read, or one committed record not
    // read, changes the count (no duplicates, below).
    expect(result.integrity.consumedChecked).toBe(tx.committedRecords);
    // Aborted records are expected-absent, not lost. "Missing" counts the gaps below a stream's highest
    // sequence read, so the aborted records after a stream's last committed one (a last transaction aborted
    // at the stop) are absent without being counted: missing is at most the aborted records.
    expect(result.integrity.missing).toBeLessThanOrEqual(tx.abortedRecords);
    expect(result.integrity.expectedMissing).toBe(tx.abortedRecords);
    expect(result.integrity.duplicates).toBe(0);
    expect(result.integrity.dataLoss).toBe(false);
    // Every committed record was checked against the reads (the group read from offset 0, to the end).
    expect(result.integrity.lostCommitted).toBe(0);
    expect(result.integrity.lostCommittedUnmeasured).toBeUndefined();
    expect(result.criteria.find((c) => c.metric === 'integrity.lost')?.passed).toBe(true);
    // The reads are checked against the confirmed commits the other way too: nothing read outside them. The
    // offsets, which transactional acks do not carry, are not applicable: N/A, never a failure.
    expect(result.integrity.unackedSeen).toBe(0);
    expect(result.integrity.offsetMismatches).toBeUndefined();
    expect(result.criteria.find((c) => c.metric === 'integrity.unackedSeen')).toMatchObject({ passed: true, measured: 0 });
    expect(result.criteria.find((c) => c.metric === 'integrity.offsetMismatches')?.notApplicable).toMatch(/no log offsets/);
    expect(io.out).toMatch(/read but never committed 0/);
    expect(io.out).toMatch(/Transactions/);
  });

  it('records of aborted transactions made visible fail the run, each one counted', async () => {
    // The agent answers every AbortTransaction OK but appends the transaction's records: a target that breaks
    // read-committed isolation. Seed 19: the first transaction (sequences 0..249) aborts.
    agent.setFaults({ exposeAbortsFrom: 1 });
    try {
      const { result, io, code } = await run('idem-txn-exposed', args`--transactions 250 --abort-ratio 0.3 --seed 19`);
      const tx = result.producer.transactions!;
      expect(tx, io.err).toBeDefined();
      expect(tx.aborted).toBeGreaterThan(0);
      expect(tx.failed).toBe(0);
      // The consumer read every aborted record (nothing is missing) and each is counted; no committed one is.
      expect(result.integrity.missing).toBe(0);
      expect(result.integrity.unackedSeen).toBe(tx.abortedRecords);
      expect(result.integrity.unackedAfterFailure).toBe(0);
      expect(result.integrity.lostCommitted).toBe(0);
      expect(result.integrity.examples).toContainEqual(
        expect.objectContaining({ kind: 'unackedSeen', producer: 0, partition: 0, sequence: 0 }),
      );
      expect(result.criteria.find((c) => c.metric === 'integrity.unackedSeen')).toMatchObject({
        passed: false,
        measured: tx.abortedRecords,
      });
      expect(result.errors.map((e) => e.code)).toContain('LH_ACK_MISMATCH');
      expect(io.out).toMatch(/read but never committed [\d,]+/);
      expect(`${io.out}${io.err}`).toMatch(/aborted transactions \(or never written\) were visible/);
      expect(code).toBe(1);
    } finally {
      agent.setFaults({ exposeAbortsFrom: 0 });
    }
  });

  it('a committed tail the target lost fails the run, though it leaves no gap for the sequence check', async () => {
    // From each producer's 2nd commit on, the agent answers CommitTransaction OK and discards the records: the
    // first transaction (250 records) is all consumers can read, and nothing after it leaves a gap.
    agent.setFaults({ loseCommitsFrom: 2 });
    try {
      const { result, io, code } = await run('idem-txn-tail', args`--transactions 250`);
      const tx = result.producer.transactions!;
      expect(tx, io.err).toBeDefined();
      expect(tx.committed).toBeGreaterThanOrEqual(2);
      expect(tx.aborted + tx.failed).toBe(0);
      expect(result.integrity.consumedChecked).toBe(250);
      expect(result.integrity.missing).toBe(0);
      expect(result.integrity.dataLoss).toBe(false);
      expect(result.integrity.lostCommitted).toBe(tx.committedRecords - 250);
      expect(result.integrity.examples).toContainEqual({ kind: 'lostCommitted', producer: 0, partition: 0, sequence: 250 });
      const lost = result.criteria.find((c) => c.metric === 'integrity.lost');
      expect(lost).toMatchObject({ passed: false, measured: tx.committedRecords - 250 });
      expect(result.errors.map((e) => e.code)).toContain('LH_DATA_LOSS');
      expect(result.diagnosis?.find((d) => d.cause === 'data-loss')?.evidence).toContainEqual(
        expect.objectContaining({ metric: 'integrity.lostCommitted', value: tx.committedRecords - 250 }),
      );
      expect(io.out).toMatch(/against commits: lost committed [\d,]+/);
      expect(code).toBe(1);
    } finally {
      agent.setFaults({ loseCommitsFrom: 0 });
    }
  });
});
