// The capacity search end to end: against an agent that serves at most 3000 records/s it finds that rate, and
// against an agent that only acks (--sink) on this machine the generator gives out first and nothing is claimed.
import { spawnAgent } from '@loadhouse/agent';
import { describe, expect, it } from 'vitest';
import { args, runCli } from './test-io.js';
import { onlyResult, tempDirs } from './test-files.js';

const tempDir = tempDirs('lh-capacity-');

describe('loadhouse capacity', () => {
  it('finds the embedded agent\'s --agent-capacity 3000 within 10% in a bounded number of steps, exit 0', async () => {
    const dir = tempDir();
    const t0 = Date.now();
    const { code, io } = await runCli(
      args`capacity --agent-capacity 3000 --min-rate 2000 --max-rate 12000 --step-seconds 1 --step-warmup 0.5 --resolution 10% --min-achieved 80 --partitions 2 --message-size 200 --slo producer.latency.p99<150 --results-dir ${dir} --quiet`,
    );
    const r = onlyResult(dir);
    const c = r.capacity!;
    console.log(Date.now() - t0, io.out);
    expect(code, io.err + io.out).toBe(0);
    expect(c.bound).toBe('target');
    expect(c.maxSustainableRate).toBeGreaterThanOrEqual(2700);
    expect(c.maxSustainableRate).toBeLessThanOrEqual(3300);
  }, 60_000);

  it('against --sink with a --max-rate this machine cannot reach, answers bound "generator" and claims nothing, exit 1', async () => {
    const agent = await spawnAgent({ grpcPort: 0, httpPort: 0, sink: true });
    try {
      const dir = tempDir();
      const t0 = Date.now();
      const { code, io } = await runCli(
        args`capacity --target ${agent.grpcAddress} --min-rate 10k --max-rate 100M --step-seconds 1 --step-warmup 0.5 --partitions 2 --message-size 200 --slo producer.latency.p99<1000 --results-dir ${dir} --quiet`,
      );
      const c = onlyResult(dir).capacity!;
      console.log(Date.now() - t0, io.out);
      expect(code, io.err + io.out).toBe(1);
      expect(c.bound).toBe('generator');
      expect(c.maxSustainableRate).toBeNull();
    } finally {
      await agent.stop();
    }
  }, 60_000);
});
