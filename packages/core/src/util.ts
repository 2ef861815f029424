// The engine's small shared helpers, one copy each: the epoch clock workers and the main thread agree on, a
// promise raced against a timer, rounding for reported figures, and `host:port` parsing. Long waits and
// abortable sleeps are timers.ts.
import { performance } from 'node:perf_hooks';
import { randomInt } from 'node:crypto';

/**
 * Epoch milliseconds with sub-millisecond precision, steady within a process (the monotonic clock offset by
 * its origin): what workers stamp and the main thread compares, so both must read this one.
 */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * What `p` resolves to, or `onTimeout` when `ms` pass first; a rejection of `p` within `ms` passes through.
 * The timer is cleared as soon as `p` settles, so a settled race keeps nothing alive.
 */
export function orTimeout<T, F>(p: Promise<T>, ms: number, onTimeout: F): Promise<T | F> {
  return new Promise<T | F>((resolve, reject) => {
    const timer = setTimeout(() => resolve(onTimeout), ms);
    p.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** Rounded to 3 decimals: the precision figures (seconds, milliseconds, percentages) are reported with. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** `host:port` (an IPv6 host in brackets) split into its parts, or undefined when the address has another form. */
export function splitHostPort(address: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:/\s[\]]+)):(\d+)$/.exec(address);
  return m ? { host: m[1] ?? m[2]!, port: Number(m[3]) } : undefined;
}

/** A fresh unsigned 32-bit seed, for a run given none. */
export function randomSeed(): number {
  return randomInt(0, 0x100000000);
}

/**
 * A seed for one stream of random choices, derived from the run's seed and the stream's identity (a purpose tag
 * and, say, a producer id): streams of different producers or purposes are independent, and each is the same in
 * every run with the same seed, on every worker and every shard.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = Math.imul(seed >>> 0, 2654435761) ^ 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A small seeded generator (mulberry32) of numbers in [0, 1): the same seed gives the same sequence everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** True when `p` settled (either way) within `ms`; false when the time passed first. */
export function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return orTimeout(
    p.then(
      () => true,
      () => true,
    ),
    ms,
    false,
  );
}
