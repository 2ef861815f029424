// `--topics N` and `--topic-pattern` through the CLI: a short run spreads a scenario over three topics (the
// summary's table, the result's config and per-topic totals); bad values are refused before any load.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadTestResult, TopicTotals } from '@loadhouse/core';
import { agentForTests } from '../../core/src/test-support.js';
import { topicLines } from './summary-topics.js';
import { args, captureIo, runCli } from './test-io.js';
import { onlyResult, tempDirs } from './test-files.js';

const tempDir = tempDirs('lh-topics-');
const agent = agentForTests();

describe('--topics', () => {
  it('spreads a scenario over the topics; the summary has a per-topic table and the result per-topic totals', async () => {
    const dir = tempDir();
    const { code, io } = await runCli(
      args`run high-throughput --target ${agent.grpcAddress} --duration 2 --target-rate 300 --partitions 2 --consumers 1
        --topic cli-many --topics 3 --warmup 0 --p99-ms 5000 --results-dir ${dir}`,
    );
    // The verdict is not this test's subject (a busy machine may miss the rate; target memory needs a PID).
    expect([0, 1], io.out + io.err).toContain(code);
    expect(io.out).toMatch(/Topics: 3, 2 partitions each/);
    for (const t of ['cli-many-0', 'cli-many-1', 'cli-many-2']) expect(io.out).toContain(t);
    const result = onlyResult(dir);
    expect(result.state).toBe('completed');
    expect(result.config.topics).toEqual(['cli-many-0', 'cli-many-1', 'cli-many-2']);
    // Two producers (one per partition) and one consumer for three topics: raised to one per topic.
    expect(result.config.producerGroups[0]!.producers).toBe(3);
    expect(result.config.consumerGroups[0]!.consumers).toBe(3);
    const topics = result.topics!;
    expect(topics.reduce((a, t) => a + t.producer.acked, 0)).toBe(result.producer.acked);
    for (const t of topics) {
      // Every topic was written and read to its end (records of a failed batch may be stored unacknowledged).
      expect(t.producer.acked, t.topic).toBeGreaterThan(0);
      expect(t.consumer!.consumed, t.topic).toBeGreaterThanOrEqual(t.producer.acked);
      expect(t.consumer!.consumed, t.topic).toBeLessThanOrEqual(t.producer.acked + t.producer.failed);
    }
    expect(result.integrity.checked).toBe(true);
    expect(result.integrity.dataLoss).toBe(false);
  });

  it.each([
    ['a pattern without {i}', ['--topics', '3', '--topic-pattern', 'fixed'], /--topic-pattern must be a pattern containing \{i\}/],
    ['an unknown placeholder', ['--topics', '2', '--topic-pattern', '{name}-{i}'], /--topic-pattern must be a name with the placeholders/],
    ['no topics', ['--topics', '0'], /--topics must be/],
  ])('refuses %s before any load (exit 2, no result file)', async (_, extra, message) => {
    const dir = join(tempDir(), 'results');
    const { code, io } = await runCli(
      [...args`run high-throughput --duration 2 --target-rate 100`, ...extra, '--results-dir', dir],
      captureIo(),
    );
    expect(io.err).toMatch(message);
    expect(code).toBe(2);
    expect(io.err).not.toContain('starting the embedded reference agent');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});

describe('the per-topic table', () => {
  const topic = (i: number): TopicTotals => ({
    topic: `t-${i}`,
    partitions: 4,
    producer: { scheduled: 100 + i, acked: 100 + i, failed: 0, dropped: 0, bytes: 0, msgsPerSec: 10 + i, errorsByCode: {} },
  });

  it('shows ten topics at most, counts the rest, and gives the lowest and highest rate', () => {
    const lines = topicLines({ topics: Array.from({ length: 12 }, (_, i) => topic(i)) } as LoadTestResult);
    expect(lines[1]).toBe("Topics: 12, 4 partitions each (per-topic totals; they add up to the run's)");
    expect(lines.filter((l) => /^ {2}t-\d+ /.test(l))).toHaveLength(10);
    expect(lines).toContain("  ... 2 more (all in the result's topics section)");
    expect(lines.at(-1)).toBe('  msgs/s per topic: lowest 10, highest 21');
    expect(lines.join('\n')).not.toContain('consumed');
    expect(topicLines({ topics: [topic(0)] } as LoadTestResult)).toEqual([]);
  });
});
