// The plugin API over a real run: registration checks, attribution of failures, teardown order, metric
// sources in samples and criteria, and a live criterion that aborts the run.
import { describe, expect, it } from 'vitest';
import {
  createLoadTest,
  definePlugin,
  isLoadhouseError,
  LoadhouseError,
  PLUGIN_API_VERSION,
  registerErrorCodes,
  type LoadhousePlugin,
  type Sample,
} from '../index.js';
import { StreamHouseClient } from '../wire.js';
import { agentForTests, thrown } from '../test-support.js';

// A plugin's own codes, declared as a third party does.
const QUOTA_CODES = { LH_TEST_QUOTA_SPENT: 'A test plugin spent its quota.' } as const;
declare module '../index.js' {
  interface ErrorCodes extends Record<keyof typeof QUOTA_CODES, true> {}
}
registerErrorCodes('test-quota-plugin', QUOTA_CODES);

const agent = agentForTests();

describe('plugin registration', () => {
  it('refuses an unsupported apiVersion before anything runs, naming the plugin', () => {
    let setupCalled = false;
    const future = { name: 'from-the-future', apiVersion: PLUGIN_API_VERSION + 1, setup: () => void (setupCalled = true) };
    const err = thrown(() => createLoadTest({ target: agent.grpcAddress, plugins: [future] }));
    expect(isLoadhouseError(err, 'LH_PLUGIN_VERSION_MISMATCH')).toBe(true);
    expect((err as Error).message).toMatch(/"from-the-future" needs plugin API version 2/);
    expect(setupCalled).toBe(false);
  });

  it('refuses malformed plugins with LH_PLUGIN_INVALID', () => {
    const bad: unknown[] = [
      () => ({}), // a factory passed without calling it
      { apiVersion: 1, setup() {} },
      { name: 'x', apiVersion: 1 },
      null,
    ];
    for (const p of bad) {
      const err = thrown(() => createLoadTest({ target: agent.grpcAddress, plugins: [p as LoadhousePlugin] }));
      expect(isLoadhouseError(err, 'LH_PLUGIN_INVALID')).toBe(true);
    }
  });
});

describe('plugins during a run', () => {
  it('attribute throwing listeners and hooks to their plugin, keep running, tear down in reverse, feed metric sources', async () => {
    const order: string[] = [];
    const hookOrder: string[] = [];
    const logs: string[] = [];
    let collected = 0;
    let frozen = false;
    const recorder = (name: string, extra?: (ctx: Parameters<LoadhousePlugin['setup']>[0]) => void): LoadhousePlugin =>
      definePlugin({
        name,
        apiVersion: 1,
        setup(ctx) {
          order.push(`setup ${name}`);
          ctx.hooks.hook('test:before', () => void hookOrder.push(`${name} test:before`));
          ctx.hooks.hook('test:after', () => void hookOrder.push(`${name} test:after`));
          extra?.(ctx);
          return () => {
            order.push(`teardown ${name}`);
          };
        },
      });

    const plugins: LoadhousePlugin[] = [
      recorder('first', (ctx) => {
        ctx.events.on('sample', () => {
          throw new Error('listener boom');
        });
        ctx.hooks.hook('phase:start', async () => {
          throw new Error('async hook boom');
        });
        ctx.logger.info('hello from first');
        try {
          (ctx.config as Record<string, unknown>).topic = 'changed';
        } catch {
          frozen = true;
        }
      }),
      recorder('metrics', (ctx) => {
        ctx.addMetricSource({
          name: 'counter',
          collect: () => ({ 'test.collected': ++collected, 'test.constant': 42 }),
          summarize: () => ({ 'test.collected': collected, 'test.final': 7 }),
        });
        // A source that never answers must not stall sampling.
        ctx.addMetricSource({ name: 'stuck', collect: () => new Promise<Record<string, number>>(() => undefined), timeoutMs: 100 });
        ctx.addCriterion({ metric: 'test.constant', op: '==', value: 42 });
        ctx.addCriterion({ metric: 'test.final', op: '<', value: 5 });
      }),
      definePlugin({
        name: 'bad-teardown',
        apiVersion: 1,
        setup() {
          order.push('setup bad-teardown');
          return async () => {
            order.push('teardown bad-teardown');
            throw new Error('teardown boom');
          };
        },
      }),
      recorder('last'),
    ];

    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'plugins', plugins, intervalMs: 500 });
    const errorEvents: Array<{ code: string; plugin?: string; message: string }> = [];
    const samples: Sample[] = [];
    lt.on('error', (e) => void errorEvents.push(e));
    lt.on('sample', (s) => void samples.push(s));
    lt.on('log', (e) => void logs.push(e.message));
    const result = await lt.run({
      name: 'plugins',
      criteria: [{ metric: 'target.notProvided', op: '>', value: 0 }],
      async run(c) {
        await c.phase('load', async () => {
          await c.produce({ rate: 200, messageSize: 64 });
          await c.waitFor(2);
        });
      },
    });

    expect(result.state).toBe('completed');
    expect(frozen).toBe(true);
    expect(order).toEqual([
      'setup first',
      'setup metrics',
      'setup bad-teardown',
      'setup last',
      'teardown last',
      'teardown bad-teardown',
      'teardown metrics',
      'teardown first',
    ]);
    expect(hookOrder).toEqual([
      'first test:before',
      'metrics test:before',
      'last test:before',
      'first test:after',
      'metrics test:after',
      'last test:after',
    ]);
    expect(logs).toContain('[first] hello from first');

    // Failures: attributed, coded, in the result and as events; the run went on.
    const byPlugin = (name: string) => result.errors.filter((e) => e.plugin === name);
    expect(byPlugin('first').some((e) => e.code === 'LH_PLUGIN_FAILED' && /event 'sample'.*listener boom/.test(e.message))).toBe(true);
    expect(byPlugin('first').some((e) => /hook 'phase:start'.*async hook boom/.test(e.message))).toBe(true);
    expect(byPlugin('bad-teardown').some((e) => /teardown boom/.test(e.message))).toBe(true);
    expect(errorEvents.some((e) => e.plugin === 'first' && e.code === 'LH_PLUGIN_FAILED')).toBe(true);

    // Metric sources: in samples (despite the stuck source), in result.metrics, in criteria.
    expect(samples.length).toBeGreaterThanOrEqual(3);
    const withValues = samples.filter((s) => s.metrics['test.constant'] === 42);
    expect(withValues.length).toBeGreaterThanOrEqual(3);
    expect(samples.at(-2)!.metrics['test.collected']).toBeGreaterThan(1);
    expect(result.metrics).toMatchObject({ 'test.constant': 42, 'test.final': 7, 'test.collected': collected });
    const outcome = (metric: string) => result.criteria.find((c) => c.metric === metric)!;
    expect(outcome('test.constant')).toMatchObject({ measured: 42, passed: true });
    expect(outcome('test.final')).toMatchObject({ measured: 7, passed: false });
    expect(outcome('target.notProvided')).toMatchObject({ measured: null, passed: false });
    expect(outcome('target.notProvided').note).toMatch(/unknown metric/);
  });

  it.each([
    [
      'a loadhouse error keeps its code',
      () => new LoadhouseError('LH_HEALTH_CHECK_FAILED', '/ready answered 503 for 5 s'),
      'LH_HEALTH_CHECK_FAILED',
      '/ready answered 503 for 5 s',
    ],
    ['another error is LH_PLUGIN_FAILED', () => new TypeError('no bucket configured'), 'LH_PLUGIN_FAILED', 'no bucket configured'],
  ] as const)('a test:before hook that throws refuses the run before any load (%s)', async (_, error, code, reason) => {
    const order: string[] = [];
    const gate = definePlugin({
      name: 'gate',
      apiVersion: 1,
      setup(ctx) {
        ctx.hooks.hook('test:before', () => {
          throw error();
        });
        return () => void order.push('teardown gate');
      },
    });
    const after = definePlugin({
      name: 'after',
      apiVersion: 1,
      setup(ctx) {
        ctx.hooks.hook('test:before', () => void order.push('after test:before'));
        return () => void order.push('teardown after');
      },
    });
    let scenarioRan = false;
    const topic = `refused-${code.toLowerCase()}`;
    const run = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic, plugins: [gate, after] }).run({
      name: 'refused',
      criteria: [],
      async run(c) {
        scenarioRan = true;
        await c.produce({ rate: 100 });
      },
    });
    const err = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isLoadhouseError(err, code)).toBe(true);
    expect((err as Error).message).toBe(`Plugin "gate" refused the run in hook 'test:before', before any load: ${reason}`);
    expect((err as LoadhouseError).details).toMatchObject({ plugin: 'gate' });
    // Later hooks, the scenario and the target never saw the run; every plugin was torn down.
    expect(scenarioRan).toBe(false);
    expect(order).toEqual(['teardown after', 'teardown gate']);
    const client = new StreamHouseClient(agent.grpcAddress);
    try {
      expect((await client.listTopics()).topics.map((t) => t.name)).not.toContain(topic);
    } finally {
      client.close();
    }
  });

  it("keeps a plugin's own registered code in the run's errors, its error events and a refusal; wraps an undeclared one", async () => {
    const undeclared = Object.assign(new Error('quota service answered 418'), { code: 'LH_TEST_NOT_DECLARED' });
    const quota = definePlugin({
      name: 'quota',
      apiVersion: 1,
      setup(ctx) {
        ctx.events.on('sample', () => {
          throw new LoadhouseError('LH_TEST_QUOTA_SPENT', 'quota spent in a window');
        });
        ctx.hooks.hook('test:after', () => {
          throw undeclared;
        });
      },
    });
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'plugin-codes', plugins: [quota], intervalMs: 500 });
    const errorEvents: Array<{ code: string; plugin?: string; message: string; cause?: unknown }> = [];
    lt.on('error', (e) => void errorEvents.push(e));
    const result = await lt.run({
      name: 'plugin-codes',
      criteria: [],
      async run(c) {
        await c.produce({ rate: 100, messageSize: 64 });
        await c.waitFor(1.5);
      },
    });
    expect(result.state).toBe('completed');
    const own = result.errors.filter((e) => e.code === 'LH_TEST_QUOTA_SPENT');
    expect(own.length).toBeGreaterThanOrEqual(1);
    expect(own[0]).toEqual({
      code: 'LH_TEST_QUOTA_SPENT',
      plugin: 'quota',
      message: `Plugin "quota" threw in event 'sample': quota spent in a window`,
    });
    expect(result.errors.filter((e) => e.code === 'LH_PLUGIN_FAILED')).toEqual([
      { code: 'LH_PLUGIN_FAILED', plugin: 'quota', message: `Plugin "quota" threw in hook 'test:after': quota service answered 418` },
    ]);
    expect(errorEvents.some((e) => e.code === 'LH_TEST_QUOTA_SPENT' && e.plugin === 'quota')).toBe(true);
    expect(errorEvents.find((e) => e.code === 'LH_PLUGIN_FAILED')?.cause).toBe(undeclared);

    const refusing = definePlugin({
      name: 'quota-gate',
      apiVersion: 1,
      setup(ctx) {
        ctx.hooks.hook('test:before', () => {
          throw new LoadhouseError('LH_TEST_QUOTA_SPENT', 'no quota left for this run');
        });
      },
    });
    const refused = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'plugin-codes-refused', plugins: [refusing] });
    const err = await refused.run({ name: 'refused', criteria: [], run: async () => undefined }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isLoadhouseError(err, 'LH_TEST_QUOTA_SPENT')).toBe(true);
    expect((err as LoadhouseError).message).toBe(
      `Plugin "quota-gate" refused the run in hook 'test:before', before any load: no quota left for this run`,
    );
    expect((err as LoadhouseError).details).toMatchObject({ plugin: 'quota-gate' });
  });

  it('a live criterion violated for abortAfterSeconds aborts the run', async () => {
    agent.setFaults({ produceLatencyMs: 20 });
    try {
      const live: Array<{ measured: number | null; passed: boolean; live: boolean }> = [];
      const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'live-abort', intervalMs: 500 });
      lt.on('criterion', (c) => void live.push(c));
      const result = await lt.run({
        name: 'live-abort',
        criteria: [{ metric: 'producer.latency.service.p50', op: '<', value: 5, unit: 'ms', abortAfterSeconds: 1 }],
        async run(c) {
          await c.produce({ rate: 200, messageSize: 64 });
          await c.waitFor(30);
        },
      });
      expect(result.state).toBe('aborted');
      expect(result.endReason).toBe('criterion');
      expect(result.partial).toBe(true);
      expect(result.endMessage).toMatch(/producer\.latency\.service\.p50 < 5/);
      expect(result.durationSeconds).toBeLessThan(20);
      expect(live.filter((c) => c.live && !c.passed).length).toBeGreaterThanOrEqual(2);
      expect(result.criteria[0]).toMatchObject({ passed: false });
      expect(result.criteria[0]!.measured).toBeGreaterThanOrEqual(20);
    } finally {
      agent.setFaults({ produceLatencyMs: 0 });
    }
  });
});
