// The capacity search end to end: against an agent that serves at most 3000 records/s it finds that rate, and
// against an agent that only acks (--sink) on this machine the generator gives out first and nothing is claimed.
import { readFileSync } from 'node:fs';
import { spawnAgent } from '@loadhouse/agent';
import { describe, expect, it } from 'vitest';
import { args, captureIo, runCli } from './test-io.js';
import { onlyResult, tempDirs } from './test-files.js';

const tempDir = tempDirs('lh-capacity-');

describe('loadhouse capacity', () => {
  it('refuses bad input with a coded error, exit 2, before any target starts', async () => {
    const dir = tempDir();
    for (const [line, expected] of [
      [args`capacity --slo producer.latency.p99 --results-dir ${dir}`, '--slo "producer.latency.p99" is not a criterion'],
      [args`capacity --min-rate 5000 --max-rate 1000 --results-dir ${dir}`, '--max-rate (1000) must be at least --min-rate (5000)'],
      [args`capacity --resolution 0% --results-dir ${dir}`, '--resolution must be a percentage'],
      [args`capacity many-producers --results-dir ${dir}`, 'many-producers does not run one steady producer group'],
    ] as const) {
      const { code, io } = await runCli([...line]);
      expect(code, io.err).toBe(2);
      expect(io.err).toContain(expected);
      expect(io.err).not.toContain('starting the embedded reference agent');
    }
  });

  it("finds the embedded agent's --agent-capacity 3000 within 10% in a bounded number of steps, exit 0", async () => {
    const dir = tempDir();
    const { code, io } = await runCli(
      args`capacity --agent-capacity 3000 --min-rate 2400 --max-rate 9600 --step-seconds 1.5 --step-warmup 0.5 --resolution 20% --min-achieved 85 --partitions 2 --message-size 200 --slo producer.latency.p99<250 --results-dir ${dir} --html --quiet`,
    );
    const r = onlyResult(dir);
    const c = r.capacity!;
    expect(code, io.err + io.out).toBe(0);
    expect(c.bound).toBe('target');
    expect(c.maxSustainableRate).toBeGreaterThanOrEqual(2700);
    expect(c.maxSustainableRate).toBeLessThanOrEqual(3300);
    expect(c.interval!.high).toBeGreaterThan(c.maxSustainableRate!);
    // A climb, a few bisections and two repeats (void steps retried at most twice each).
    expect(c.steps.length).toBeLessThanOrEqual(12);
    // One phase per step, named in the step; the warm-ups between them are in none.
    expect(r.phases.map((p) => p.name)).toEqual(c.steps.map((s) => s.phase));
    for (const p of r.phases) expect(p.durationSeconds).toBeLessThan(1.5 + 1);
    expect(r.criteria).toMatchObject([{ metric: 'capacity.maxSustainableRate', passed: true }]);
    expect(io.out).toContain('Capacity (bound: target)');
    // The result validates against the schema (the report reads it) and the report has the capacity section.
    const html = readFileSync(r.resultPath!.replace(/\.json$/, '.html'), 'utf8');
    expect(html).toContain('<section id="capacity">');
  }, 90_000);

  it('against --sink with a --max-rate this machine cannot reach, answers bound "generator" and claims nothing, exit 1', async () => {
    const agent = await spawnAgent({ grpcPort: 0, httpPort: 0, sink: true });
    try {
      const dir = tempDir();
      // The Prometheus endpoint lingers after the run: the answer is read from it meanwhile.
      const io = captureIo();
      const running = runCli(
        args`capacity --target ${agent.grpcAddress} --min-rate 10k --max-rate 100M --step-seconds 1 --step-warmup 0.5 --partitions 2 --message-size 200 --slo producer.latency.p99<1000 --prometheus-port 0 --prometheus-linger 2 --results-dir ${dir} --quiet`,
        io,
      );
      let url: string | undefined;
      while (!url && !(await Promise.race([running.then(() => true), new Promise((r) => setTimeout(() => r(false), 100))]))) {
        url = /Prometheus metrics stay at (\S+) for/.exec(io.err)?.[1];
      }
      const exported = url ? await (await fetch(url)).text() : '';
      const { code } = await running;
      const c = onlyResult(dir).capacity!;
      expect(code, io.err + io.out).toBe(1);
      expect(c.bound).toBe('generator');
      expect(c.maxSustainableRate).toBeNull();
      expect(c.steps.at(-1)).toMatchObject({ void: true, passed: false });
      expect(io.out).toContain('No capacity is claimed');
      expect(exported).toMatch(/^loadhouse_capacity_found\{[^}]*bound="generator"[^}]*\} 0$/m);
      expect(exported).not.toMatch(/^loadhouse_capacity_max_sustainable_rate\{/m);
    } finally {
      await agent.stop();
    }
  }, 90_000);
});
