// `run --faults` against the embedded agent: the fault proxy between loadhouse and the agent, a 3 s blackhole
// reported as an outage of 3 s (± 250 ms) with its recovery; and a bad timeline refused before any load.
import { describe, expect, it } from 'vitest';
import { args, runCli } from './test-io.js';
import { onlyResult, tempDirs } from './test-files.js';

const tempDir = tempDirs('lh-faults-');

describe('run --faults', () => {
  it('a 3 s blackhole is an outage of 3 s ± 250 ms, with its recovery measured', async () => {
    const dir = tempDir();
    const { code, io } = await runCli(
      args`run high-throughput --duration 6 --target-rate 2000 --partitions 1 --warmup 0 --faults ${'blackhole@1.5s+3s'}
        --results-dir ${dir}`,
    );
    const result = onlyResult(dir);
    expect(result.state, io.err).toBe('completed');
    const [fault, ...others] = result.faults ?? [];
    expect(others).toEqual([]);
    // Times count from the load's start, later than the run's (the topic is set up first).
    expect(fault!.kind).toBe('blackhole');
    expect(fault!.toSeconds - fault!.fromSeconds).toBeCloseTo(3, 3);
    expect(fault!.fromSeconds).toBeGreaterThanOrEqual(1.5);
    // Outage windows of 200 ms (a run with faults samples every 200 ms) time the 3 s stall.
    expect(result.config.intervalMs).toBe(200);
    expect(fault!.outageSeconds, JSON.stringify(fault)).toBeGreaterThanOrEqual(2.75);
    expect(fault!.outageSeconds).toBeLessThanOrEqual(3.25);
    // The run's outage detector saw it too (it may count a little less: it skips slivers of cut windows).
    expect(result.outages!.seconds).toBeGreaterThan(2);
    // Held, not lost: the producers' records are all acknowledged once the bytes flow again.
    expect(fault!.firstAckAfterEndMs).not.toBeNull();
    expect(fault!.firstAckAfterEndMs!).toBeLessThan(2000);
    expect(fault!.backlogBuilt).toBeGreaterThan(1000);
    expect(result.producer.failed).toBe(0);
    // The scenario's rate criteria fail on the outage windows: exit 1, not a pass.
    expect(code).toBe(1);
    expect(io.out).toContain('Faults injected');
    expect(io.out).toMatch(/blackhole \d+\.\d-\d+\.\d s: outage \d\.\d\d s, first ack/);
  });

  it.each([
    ['latency@1s+2s', 'latency@1s+2s" needs a delay'],
    ['s3-throttle@1s+2s=0.5', 'stores its segments in a local folder, so it sends none. Give it a bucket with --agent-s3-endpoint'],
  ])('exit 2 before any load: --faults %j', async (faults, text) => {
    const { code, io } = await runCli(args`run high-throughput --faults ${faults} --results-dir ${tempDir()}`);
    expect(io.err).toContain('LH_INVALID_OPTION');
    expect(io.err).toContain(text);
    expect(io.err).not.toContain('starting the embedded reference agent');
    expect(code).toBe(2);
  });
});
