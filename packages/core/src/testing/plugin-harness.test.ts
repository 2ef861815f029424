// The plugin harness of @loadhouse/core/testing does what the engine does with a plugin, in the engine's order.
import { describe, expect, it } from 'vitest';
import { definePlugin } from '../plugins/plugin-host.js';
import type { Sample, TestInfo } from '../types.js';
import { PluginHarness, testInfo } from './plugin-harness.js';
import { makeSample } from './sample.js';

declare module '../types.js' {
  interface LoadhouseEvents {
    'harness-test:seen': (event: { acked: number }) => void;
  }
}

/** A plugin that records what reaches it, in order. */
function recorder(trace: string[]) {
  return definePlugin({
    name: 'recorder',
    apiVersion: 1,
    setup(ctx) {
      trace.push(`setup workers=${String(ctx.config.workers)}`);
      ctx.hooks.hook('test:before', (info: TestInfo) => void trace.push(`test:before ${info.scenario} ${info.target.address}`));
      ctx.hooks.hook('phase:start', (p) => void trace.push(`phase:start ${p.name}@${p.elapsedSeconds}`));
      const off = ctx.events.on('sample', (s: Sample) => {
        trace.push(`sample ${s.producer.acked}`);
        ctx.events.emit('harness-test:seen', { acked: s.producer.acked });
      });
      ctx.addMetricSource({ name: 'recorder', collect: () => ({ 'rec.live': 1 }), summarize: () => ({ 'rec.final': trace.length }) });
      ctx.addCriterion({ metric: 'rec.final', op: '>', value: 0 });
      ctx.logger.warn('set up');
      return () => {
        off();
        trace.push(`teardown aborted=${ctx.signal.aborted}`);
      };
    },
  });
}

describe('PluginHarness', () => {
  it('runs setup, hooks, samples and the end of a run in the engine order, keeping what the plugin registered', async () => {
    const trace: string[] = [];
    const harness = new PluginHarness({ workers: 3 });
    await harness.setup(recorder(trace));
    await harness.testBefore({ scenario: 's1', httpAddress: 'http://127.0.0.1:8080' });
    await harness.phaseStart('main', 2);
    harness.emitSample(makeSample({ acked: 7 }));
    harness.emitSample(makeSample({ acked: 9 }));

    expect(harness.emitted('harness-test:seen')).toEqual([{ acked: 7 }, { acked: 9 }]);
    expect(harness.listenerCount('sample')).toBe(1);
    expect(harness.criteria).toEqual([{ metric: 'rec.final', op: '>', value: 0 }]);
    expect(harness.logs.map((l) => `${l.level} ${l.message}`)).toEqual(['warn set up']);
    expect(await harness.collect()).toEqual({ 'rec.live': 1 });
    expect(harness.ctx.signal.aborted).toBe(false);

    // Summarized before the teardowns run, with the run signal already aborted.
    expect(await harness.finish()).toEqual({ 'rec.final': 5 });
    expect(trace).toEqual([
      'setup workers=3',
      'test:before s1 127.0.0.1:50051',
      'phase:start main@2',
      'sample 7',
      'sample 9',
      'teardown aborted=true',
    ]);
    expect(harness.listenersOf('sample')).toHaveLength(0);
    await harness.end(); // teardowns run once
    expect(trace.filter((t) => t.startsWith('teardown'))).toHaveLength(1);
  });

  it('testInfo fills what test:before receives and takes overrides field by field', () => {
    expect(testInfo()).toEqual({
      scenario: 'high-throughput',
      topic: 'loadhouse-test',
      config: {},
      target: { address: '127.0.0.1:50051' },
    });
    expect(testInfo({ topic: 't', httpAddress: 'http://h:1' }).target).toEqual({ address: '127.0.0.1:50051', httpAddress: 'http://h:1' });
    expect(testInfo({ target: { address: 'x:1' } }).target).toEqual({ address: 'x:1' });
  });
});
