import { afterEach, describe, expect, it, vi } from 'vitest';
import { deriveSeed, mulberry32, orTimeout, round3, splitHostPort } from './util.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('orTimeout', () => {
  it("gives the promise's value when it settles first, and clears its timer", async () => {
    vi.useFakeTimers();
    const r = orTimeout(Promise.resolve(7), 1000, 'late');
    await expect(r).resolves.toBe(7);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives the fallback when the time passes first', async () => {
    vi.useFakeTimers();
    const r = orTimeout(new Promise<number>(() => undefined), 1000, 'late');
    await vi.advanceTimersByTimeAsync(999);
    let settled = false;
    void r.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(r).resolves.toBe('late');
  });

  it('passes a rejection through and clears its timer', async () => {
    vi.useFakeTimers();
    await expect(orTimeout(Promise.reject(new Error('boom')), 1000, 'late')).rejects.toThrow('boom');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('round3', () => {
  it('rounds to three decimals', () => {
    expect(round3(1.23456)).toBe(1.235);
    expect(round3(2)).toBe(2);
  });
});

describe('splitHostPort', () => {
  it.each([
    ['localhost:50051', { host: 'localhost', port: 50051 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['10.0.0.1:1', { host: '10.0.0.1', port: 1 }],
  ])('%s', (address, parts) => {
    expect(splitHostPort(address)).toEqual(parts);
  });

  it.each(['nohostport', 'http://h:1', 'h:', ':80', 'a:b:1', 'dns:///h:1'])('%s is not host:port', (address) => {
    expect(splitHostPort(address)).toBeUndefined();
  });
});

describe('deriveSeed', () => {
  it('gives each stream its own sequence, the same for the same seed and parts', () => {
    expect(deriveSeed(42, 1, 7)).toBe(deriveSeed(42, 1, 7));
    const seeds = new Set([deriveSeed(42, 1, 7), deriveSeed(42, 1, 8), deriveSeed(42, 2, 7), deriveSeed(43, 1, 7), deriveSeed(42)]);
    expect(seeds.size).toBe(5);
    const a = mulberry32(deriveSeed(42, 1, 7));
    const b = mulberry32(deriveSeed(42, 1, 8));
    const first = Array.from({ length: 4 }, () => [a(), b()]);
    expect(first.every(([x, y]) => x !== y)).toBe(true);
  });
});
