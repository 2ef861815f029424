import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoadTest, isLoadhouseError, type LoadhouseError, type LogEntry, type Sample, type Scenario } from '@loadhouse/core';
import { makeSample, PluginHarness } from '@loadhouse/core/testing';
import { startAgent, type Agent } from '@loadhouse/agent';
import { checkBudgetFits, sloBudget, SLO_METRICS, type SloBurnEvent } from './index.js';

/** A sample window with `count` acked records at the given response P99 (and optional failures). */
function window(elapsedSeconds: number, p99: number, extra: { failed?: number; warmup?: boolean; idle?: boolean } = {}): Sample {
  return makeSample({
    elapsedSeconds,
    phase: 'produce',
    warmup: extra.warmup ?? false,
    acked: extra.idle ? 0 : 1000,
    p50Ms: p99 / 2,
    p99Ms: p99,
    errorsByCode: extra.failed ? { UNAVAILABLE: extra.failed } : {},
  });
}

/** The narrow context the core gives a plugin (with the `emit` of a core that carries plugin events), and what the plugin did. */
function fakeContext() {
  const harness = new PluginHarness();
  return {
    ctx: harness.ctx,
    push: (s: Sample) => harness.emitSample(s),
    listeners: harness.listenersOf('sample'),
    sources: harness.sources,
    criteria: harness.criteria,
    burns: harness.emitted('slo:burn'),
    get warnings() {
      return harness.logs.filter((l) => l.level === 'warn').map((l) => l.message);
    },
  };
}

describe('sloBudget options', () => {
  it('refuses options it cannot use, naming the option', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ p99Ms: -5, errorBudgetPercent: 1 }, /options\.p99Ms must be a positive number of milliseconds, got -5/],
      [{ p99Ms: 100, errorBudgetPercent: 0 }, /options\.errorBudgetPercent must be a number above 0 and at most 100, got 0/],
      [{ p99Ms: 100, errorBudgetPercent: 150 }, /got 150/],
      [undefined, /options must be an object/],
    ];
    for (const [options, message] of bad) {
      let error: unknown;
      try {
        sloBudget(options as Parameters<typeof sloBudget>[0]);
      } catch (err) {
        error = err;
      }
      expect(isLoadhouseError(error, 'LH_INVALID_OPTION'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('sloBudget budget check', () => {
  it.each([
    ['30 windows at 1% (0.3 allowed)', { plannedSeconds: 30, intervalMs: 1000, warmupSeconds: 0 }, 1, 30, 0.3],
    ['19 windows after warm-up at 5% (0.95 allowed)', { plannedSeconds: 29, intervalMs: 1000, warmupSeconds: 10 }, 5, 19, 0.95],
    ['4 half-second windows at 10%', { plannedSeconds: 2, intervalMs: 500, warmupSeconds: 0 }, 10, 4, 0.4],
  ])('refuses %s with its own code', (_, config, budget, windows, allowed) => {
    let error: unknown;
    try {
      checkBudgetFits(config, budget);
    } catch (err) {
      error = err;
    }
    expect(isLoadhouseError(error, 'LH_SLO_BUDGET_TOO_SMALL'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`plans ${windows} judged windows .* allows ${allowed} missed windows`));
    expect((error as LoadhouseError).details).toMatchObject({ windows, allowedMissedWindows: allowed });
  });

  it.each([
    ['a budget of exactly one window', { plannedSeconds: 20, intervalMs: 1000, warmupSeconds: 10 }, 10],
    ['a long run', { plannedSeconds: 600, intervalMs: 1000, warmupSeconds: 5 }, 1],
    ['a run of unknown length', { plannedSeconds: null, intervalMs: 1000, warmupSeconds: 0 }, 1],
  ])('lets %s run', (_, config, budget) => {
    expect(() => checkBudgetFits(config, budget)).not.toThrow();
  });
});

describe('sloBudget windows', () => {
  it('judges each window and reports the burn as a metric source, a criterion and slo:burn events', async () => {
    const f = fakeContext();
    const teardown = await sloBudget({ p99Ms: 50, errorBudgetPercent: 25 }).setup(f.ctx);
    expect(f.sources).toHaveLength(1);
    expect(f.criteria).toEqual([expect.objectContaining({ metric: SLO_METRICS.budgetBurnPercent, op: '<=', value: 100, live: false })]);
    expect(f.warnings).toEqual([]);
    const source = f.sources[0]!;
    expect(await source.collect()).toEqual({}); // nothing judged yet: no value rather than a made-up 0

    f.push(window(1, 30, { warmup: true })); // warm-up: not judged
    f.push(window(2, 30, { idle: true })); // nothing due, nothing acked: not judged
    f.push(window(3, 30));
    f.push(window(4, 49.9));
    expect(await source.collect()).toEqual({ [SLO_METRICS.budgetBurnPercent]: 0, [SLO_METRICS.badWindows]: 0, [SLO_METRICS.windows]: 2 });
    expect(f.burns).toEqual([]);

    f.push(window(5, 80)); // 1 bad of 3, budget 25%: 1/3 / 0.25 = 133.333 %
    expect(f.burns).toEqual([
      {
        elapsedSeconds: 5,
        phase: 'produce',
        reasons: ['response P99 80.0 ms > 50 ms'],
        p99Ms: 80,
        badWindows: 1,
        windows: 3,
        budgetBurnPercent: 133.333,
        exhausted: true,
      },
    ]);
    f.push(window(6, 10, { failed: 3 })); // fast, but records failed
    expect(f.burns[1]).toMatchObject({
      reasons: ['3 records failed'],
      badWindows: 2,
      windows: 4,
      budgetBurnPercent: 200,
      exhausted: false,
    });
    f.push(window(7, 10));
    expect(await source.summarize!()).toEqual({
      [SLO_METRICS.budgetBurnPercent]: 160,
      [SLO_METRICS.badWindows]: 2,
      [SLO_METRICS.windows]: 5,
    });

    expect(typeof teardown).toBe('function');
    (teardown as () => void)();
    expect(f.listeners).toHaveLength(0);
  });

  it('keeps working, and says so, on a core that gives plugins no emit', async () => {
    const f = fakeContext();
    delete (f.ctx.events as { emit?: unknown }).emit;
    await sloBudget({ p99Ms: 50, errorBudgetPercent: 10 }).setup(f.ctx);
    expect(f.warnings).toEqual([expect.stringMatching(/slo:burn events are not emitted/)]);
    f.push(window(1, 80));
    expect(await f.sources[0]!.collect()).toEqual({
      [SLO_METRICS.budgetBurnPercent]: 1000,
      [SLO_METRICS.badWindows]: 1,
      [SLO_METRICS.windows]: 1,
    });
  });
});

describe('sloBudget in a real load test', () => {
  let agent: Agent;
  beforeAll(async () => {
    agent = await startAgent({ grpcPort: 0, httpPort: 0 });
  });
  afterAll(() => agent?.stop());

  const steady: Scenario = {
    name: 'slo-budget-steady',
    criteria: [],
    async run(c) {
      const producers = await c.produce({ rate: 1000, partitions: 2, producers: 2 });
      await c.waitFor(3);
      await producers.stop();
    },
  };

  it('refuses a run too short for its budget before any load, with its own code', async () => {
    const test = createLoadTest({
      target: agent.grpcAddress,
      resultsDir: false,
      plugins: [sloBudget({ p99Ms: 100, errorBudgetPercent: 10 })],
    });
    let ran = false;
    const short: Scenario = {
      name: 'slo-budget-short',
      plannedSeconds: 3,
      criteria: [],
      async run() {
        ran = true;
      },
    };
    const error = await test.run(short).then(
      () => null,
      (err: unknown) => err,
    );
    expect(isLoadhouseError(error, 'LH_SLO_BUDGET_TOO_SMALL'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^Plugin "slo-budget" refused the run in hook 'test:before', before any load: sloBudget: the run plans 3 judged/,
    );
    expect((error as LoadhouseError).details).toMatchObject({ plugin: 'slo-budget', windows: 3 });
    expect(ran).toBe(false);
  });

  it('adds its metric to samples and the result, its criterion with a measured value, and slo:burn events', async () => {
    // An objective of 1 µs no real window meets: every judged window is bad, so the burn is exactly 1/0.1 = 1000 %.
    const test = createLoadTest({
      target: agent.grpcAddress,
      resultsDir: false,
      workers: 1,
      plugins: [sloBudget({ p99Ms: 0.001, errorBudgetPercent: 10 })],
    });
    const samples: Sample[] = [];
    const burns: SloBurnEvent[] = [];
    const logs: LogEntry[] = [];
    test.on('sample', (s) => samples.push(s));
    test.on('slo:burn', (e) => burns.push(e)); // typed through the declaration merge
    test.on('log', (e) => logs.push(e));
    const result = await test.run(steady);

    expect(result.state).toBe('completed');
    expect(result.config.plugins).toEqual([{ name: 'slo-budget', apiVersion: 1 }]);
    const withBurn = samples.filter((s) => SLO_METRICS.budgetBurnPercent in s.metrics);
    expect(withBurn.length).toBeGreaterThan(0);
    expect(withBurn.every((s) => s.metrics[SLO_METRICS.budgetBurnPercent] === 1000)).toBe(true);

    const windows = result.metrics[SLO_METRICS.windows]!;
    expect(windows).toBeGreaterThanOrEqual(2);
    expect(result.metrics[SLO_METRICS.badWindows]).toBe(windows);
    expect(result.metrics[SLO_METRICS.budgetBurnPercent]).toBe(1000);

    const criterion = result.criteria.find((c) => c.metric === SLO_METRICS.budgetBurnPercent);
    expect(criterion).toMatchObject({ op: '<=', value: 100, unit: '%', measured: 1000, passed: false });

    const canEmit = !logs.some((l) => l.plugin === 'slo-budget' && /slo:burn events are not emitted/.test(l.message));
    if (canEmit) {
      expect(burns).toHaveLength(windows);
      expect(burns[0]).toMatchObject({ badWindows: 1, windows: 1, budgetBurnPercent: 1000, exhausted: true });
      // A window is bad for its P99 or, on a machine busy enough that the first acks land in the next
      // window, because records were due and none was acked yet; every window that saw acks names its P99.
      const reason = /^(response P99 [\d.]+ ms > 0.001 ms|\d+ records were due and none was acked)$/;
      expect(burns.every((b) => b.reasons.length > 0 && b.reasons.every((r) => reason.test(r)))).toBe(true);
      expect(burns.some((b) => b.reasons.some((r) => r.startsWith('response P99')))).toBe(true);
    } else {
      // This core gives plugins no events.emit (see README): the plugin says so and emits nothing.
      expect(burns).toEqual([]);
    }
  });
});
