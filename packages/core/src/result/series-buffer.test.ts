import { expect, it } from 'vitest';
import { SeriesBuffer } from './series-buffer.js';

it('keeps every sample up to its bound, then thins evenly and always ends with the latest', () => {
  const b = new SeriesBuffer<number>(8);
  for (let i = 0; i < 8; i++) b.push(i);
  expect(b.toArray()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  b.push(8); // 9 > 8: keep every other, stride 2
  expect(b.stride).toBe(2);
  expect(b.toArray()).toEqual([0, 2, 4, 6, 8]);
  b.push(9);
  expect(b.toArray()).toEqual([0, 2, 4, 6, 8, 9]); // 9 is not on the stride but is the latest
  for (let i = 10; i < 1000; i++) b.push(i);
  const out = b.toArray();
  expect(out.length).toBeLessThanOrEqual(9 + 1);
  expect(out[0]).toBe(0);
  expect(out.at(-1)).toBe(999);
  // Evenly spaced: every kept index is a multiple of the stride.
  for (const x of out.slice(0, -1)) expect(x % b.stride).toBe(0);
});

it('a week of 1 s samples stays a few thousand points', () => {
  const b = new SeriesBuffer<number>(7200);
  for (let i = 0; i < 604_800; i++) b.push(i);
  expect(b.toArray().length).toBeLessThanOrEqual(7201);
  expect(b.toArray().length).toBeGreaterThan(3600);
});
