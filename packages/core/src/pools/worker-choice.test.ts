// The worker count chosen from measured headroom (no options.workers): one worker unless the rate is beyond
// what one sustains and idle cores were measured for more, a core left to a target on this machine.
import { describe, expect, it } from 'vitest';
import { resolveProduceOptions } from '../options.js';
import { chooseWorkers, type HeadroomSignals, needsIdleSample, WORKER_CAPACITY_MSGS } from './worker-choice.js';

const base: HeadroomSignals = { cores: 2, idleCores: 1.9, localTarget: false, rate: 20_000, producers: 4, maxWorkers: 2 };

describe('chooseWorkers', () => {
  it('takes one worker for a rate one worker sustains, without sampling the CPU', () => {
    expect(needsIdleSample(base)).toBe(false);
    expect(chooseWorkers({ ...base, idleCores: undefined })).toEqual({
      workers: 1,
      reason: '1 worker: 20,000 msgs/s is within what one worker sustains (~100,000 msgs/s)',
    });
  });

  it("takes a second worker beyond one worker's rate when two cores were idle", () => {
    const s = { ...base, rate: 150_000 };
    expect(needsIdleSample(s)).toBe(true);
    expect(chooseWorkers(s)).toEqual({
      workers: 2,
      reason: '2 workers: 150,000 msgs/s is more than one worker sustains (~100,000 msgs/s) and 1.9 of 2 cores were idle',
    });
  });

  it('keeps one worker when the target on this machine needs the other core, or the cores are busy', () => {
    expect(chooseWorkers({ ...base, rate: 150_000, localTarget: true })).toEqual({
      workers: 1,
      reason: '1 worker: 150,000 msgs/s could use 2, but only 1.9 of 2 cores were idle and the target on this machine needs one',
    });
    expect(chooseWorkers({ ...base, rate: 150_000, idleCores: 0.4 }).workers).toBe(1);
    // 3.9 idle of 4, a local target: three cores free for workers; 2.4 idle: one.
    expect(chooseWorkers({ ...base, cores: 4, maxWorkers: 4, idleCores: 3.9, localTarget: true, rate: 400_000 }).workers).toBe(3);
    expect(chooseWorkers({ ...base, cores: 4, maxWorkers: 4, idleCores: 2.4, localTarget: true, rate: 400_000 }).workers).toBe(1);
  });

  it('never takes more workers than producers, options.maxWorkers or the rate needs', () => {
    expect(chooseWorkers({ ...base, cores: 8, maxWorkers: 8, idleCores: 8, rate: 3 * WORKER_CAPACITY_MSGS, producers: 2 }).workers).toBe(2);
    expect(chooseWorkers({ ...base, cores: 8, maxWorkers: 3, idleCores: 8, rate: 10 * WORKER_CAPACITY_MSGS, producers: 100 }).workers).toBe(
      3,
    );
    expect(
      chooseWorkers({ ...base, cores: 8, maxWorkers: 8, idleCores: 8, rate: 2.5 * WORKER_CAPACITY_MSGS, producers: 100 }).workers,
    ).toBe(3);
    expect(chooseWorkers({ ...base, rate: 150_000, producers: 1 })).toEqual({
      workers: 1,
      reason: '1 worker: a single producer runs on one worker',
    });
  });
});

describe('produce({ peakRate })', () => {
  it('is what the worker count is chosen for: at least the starting rate, checked like a rate', () => {
    const ctx = { topic: 't', instrument: true };
    expect(resolveProduceOptions({ rate: 100 }, ctx).peakRate).toBe(100);
    expect(resolveProduceOptions({ rate: 100, peakRate: 50 }, ctx).peakRate).toBe(100);
    expect(resolveProduceOptions({ rate: 100, peakRate: 300_000 }, ctx).peakRate).toBe(300_000);
    expect(() => resolveProduceOptions({ rate: 100, peakRate: -1 }, ctx)).toThrow(/options\.peakRate/);
  });
});
