import { describe, expect, it } from 'vitest';
import { EventBus, HookRefusal, type GuardedFailure } from './event-bus.js';

describe('EventBus', () => {
  it('keeps delivering to other listeners when one throws or rejects, and attributes the failure', async () => {
    const failures: GuardedFailure[] = [];
    const bus = new EventBus((f) => failures.push(f));
    const got: string[] = [];
    bus.on(
      'log',
      () => {
        throw new Error('sync boom');
      },
      'bad-plugin',
    );
    bus.on(
      'log',
      async () => {
        throw new Error('async boom');
      },
      'worse-plugin',
    );
    bus.on('log', (e) => got.push(e.message));
    bus.emit('log', { level: 'info', message: 'hello', time: 'now' });
    await new Promise((r) => setTimeout(r, 0));
    expect(got).toEqual(['hello']);
    expect(failures.map((f) => [f.owner, f.where, (f.error as Error).message])).toEqual([
      ['bad-plugin', "event 'log'", 'sync boom'],
      ['worse-plugin', "event 'log'", 'async boom'],
    ]);
  });

  it('awaits hooks in registration order, skips a failing one, and unregisters', async () => {
    const failures: GuardedFailure[] = [];
    const bus = new EventBus((f) => failures.push(f));
    const order: string[] = [];
    bus.hook(
      'phase:start',
      async () => {
        await new Promise((r) => setTimeout(r, 20));
        order.push('a');
      },
      'a',
    );
    bus.hook(
      'phase:start',
      () => {
        throw new Error('b failed');
      },
      'b',
    );
    const offC = bus.hook('phase:start', () => void order.push('c'), 'c');
    bus.hook('phase:start', async () => void order.push('d'), 'd');
    await bus.callHook('phase:start', 'report', { name: 'x', elapsedSeconds: 0 });
    expect(order).toEqual(['a', 'c', 'd']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ owner: 'b', where: "hook 'phase:start'" });
    offC();
    order.length = 0;
    await bus.callHook('phase:start', 'report', { name: 'y', elapsedSeconds: 1 });
    expect(order).toEqual(['a', 'd']);
  });

  it("stops at the first hook that throws under the 'refuse' policy and rethrows it with its owner", async () => {
    const failures: GuardedFailure[] = [];
    const bus = new EventBus((f) => failures.push(f));
    const order: string[] = [];
    const refusal = new Error('not ready');
    bus.hook('phase:start', async () => void order.push('a'), 'a');
    bus.hook(
      'phase:start',
      () => {
        throw refusal;
      },
      'b',
    );
    bus.hook('phase:start', () => void order.push('c'), 'c');
    const err = await bus.callHook('phase:start', 'refuse', { name: 'x', elapsedSeconds: 0 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HookRefusal);
    expect(err).toMatchObject({ owner: 'b', where: "hook 'phase:start'", error: refusal, message: 'not ready' });
    expect(order).toEqual(['a']);
    expect(failures).toEqual([]);
  });

  it('unregisters listeners', () => {
    const bus = new EventBus(() => undefined);
    let n = 0;
    const off = bus.on('log', () => void n++);
    bus.emit('log', { level: 'info', message: '1', time: '' });
    off();
    off();
    bus.emit('log', { level: 'info', message: '2', time: '' });
    expect(n).toBe(1);
  });
});
