// Consumer groups that commit and restart, through the CLI against the in-process agent: a clean run of the
// restart scenario passes with exact counts, and an agent that acknowledges commits without storing them makes
// restarts read again beyond the bound (a failed criterion, exit 1). One agent for the file; counts, never speeds.
import { afterEach, describe, expect, it } from 'vitest';
import { agentForTests } from '../../core/src/test-support.js';
import { onlyResult, tempDirs } from './test-files.js';
import { args, runCli } from './test-io.js';

const tempDir = tempDirs('lh-groups-');
const agent = agentForTests({ grpcPort: 0, httpPort: 0 });

async function run(topic: string, restarts: number, topics = 1) {
  const dir = tempDir();
  const { code, io } = await runCli(
    args`run consumer-group-restart --target ${agent.grpcAddress} --topic ${topic} --topics ${topics} --duration 2 --target-rate 1000 --partitions 2 --consumers 2 --commit-every 0.3 --restarts ${restarts} --down-seconds 0.2 --warmup 0 --results-dir ${dir}`,
  );
  return { code, result: onlyResult(dir), io };
}

const criterion = (r: Awaited<ReturnType<typeof run>>['result'], metric: string) => r.criteria.find((c) => c.metric === metric);

describe('consumer-group-restart', () => {
  afterEach(() => agent.setFaults({ commitDropEvery: 0 }));

  it('crashes and restarts the group twice: nothing lost, records read again within the bound, commits timed', async () => {
    const { code, result, io } = await run('groups-clean', 2);
    const restarts = result.consumer.restarts!;
    expect(restarts, io.err).toBeDefined();
    expect(restarts.restarts).toBe(2);
    expect(restarts.afterCrash).toBe(2);
    expect(restarts.pending).toBe(0);
    expect(restarts.skipped).toBe(0);
    expect(restarts.beyondBound).toBe(0);
    // At most the bound: a restart killed before it caught up reads less of it again.
    expect(restarts.redelivered).toBeLessThanOrEqual(restarts.redeliveryBound);
    for (const resume of restarts.resumes) {
      // The agent keeps every commit: each partition resumes exactly at its last acknowledged commit.
      for (const p of resume.partitions) expect(p.resumedFrom).toBe(p.committedBefore);
    }
    // A restart may read nothing before the next kill on a busy machine; some restart read something.
    expect(restarts.maxFirstRecordSeconds).not.toBeNull();
    // Every acknowledged record was read, by one instance or another.
    expect(result.integrity.lostAcked).toBe(0);
    expect(result.integrity.duplicates).toBe(0);
    const commit = result.consumer.commit!;
    expect(commit.commits).toBeGreaterThan(0);
    expect(commit.failed).toBe(0);
    expect(commit.latency.count).toBe(commit.commits);
    expect(commit.latency.p99).toBeGreaterThan(0);
    expect(criterion(result, 'consumer.restarts.beyondBound')?.passed).toBe(true);
    expect(code, io.err).toBe(0);
    expect(io.out).toMatch(/Restarts/);
  });

  it('restarts a group over two topics from the committed offsets of each, judged per topic and partition', async () => {
    // Consumer k reads topic k mod 2: one consumer per topic, both topics with partitions 0 and 1.
    const { code, result, io } = await run('groups-topics', 1, 2);
    const restarts = result.consumer.restarts!;
    expect(restarts, io.err).toBeDefined();
    expect(restarts).toMatchObject({ restarts: 1, afterCrash: 1, pending: 0, skipped: 0, beyondBound: 0 });
    const [resume] = restarts.resumes;
    const topics = result.config.topics!;
    expect(topics).toHaveLength(2);
    expect(resume!.topic).toBe(topics.join(','));
    // Both topics were read before the crash (a partition that got nothing yet has nothing to resume), each
    // partition entry once, and each resumed at its own last good commit.
    const entries = resume!.partitions.map((p) => `${p.topic}/${p.partition}`);
    expect(new Set(resume!.partitions.map((p) => p.topic))).toEqual(new Set(topics));
    expect(new Set(entries).size).toBe(entries.length);
    for (const p of resume!.partitions) {
      expect(p.resumedFrom).toBe(p.committedBefore);
      expect(p.redelivered).not.toBeNull();
      expect(p.redelivered!).toBeLessThanOrEqual(p.bound);
    }
    expect(result.integrity.lostAcked).toBe(0);
    expect(result.integrity.duplicates).toBe(0);
    expect(code, io.err).toBe(0);
  });

  it('an agent that acknowledges commits without keeping them fails the bound: exit 1', async () => {
    agent.setFaults({ commitDropEvery: 1 });
    // One restart, read to the end: it resumes at the group's first offsets and reads everything again, while
    // the bound allows only what was read since the last acknowledged commit.
    const { code, result, io } = await run('groups-dropped', 1);
    const restarts = result.consumer.restarts!;
    expect(restarts, io.err).toBeDefined();
    const [resume] = restarts.resumes;
    for (const p of resume!.partitions) expect(p.resumedFrom).toBe(0);
    expect(restarts.beyondBound).toBeGreaterThan(0);
    expect(restarts.beyondBound).toBe(restarts.redelivered - restarts.redeliveryBound);
    // Reading everything again loses nothing.
    expect(result.integrity.lostAcked).toBe(0);
    expect(criterion(result, 'consumer.restarts.beyondBound')?.passed).toBe(false);
    expect(criterion(result, 'integrity.lostAcked')?.passed).toBe(true);
    expect(code).toBe(1);
  });
});
