// The workload generators as pure logic: key and size specs, draws from a seed, the shape of each distribution.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoadhouseError } from '../errors.js';
import { mulberry32 } from '../util.js';
import { balance, mergePartitions } from './balance.js';
import { formatKeys, KeyStream, KeyTable, keyText, parseKeys } from './keys.js';
import { keyPartition } from './murmur2.js';
import { formatSizes, parseSizes, SizeStream } from './sizes.js';

function draws(spec: string, partitions: number, seed: number, batches: number, perBatch: number): Array<[number, number]> {
  const d = parseKeys('keys', spec) as Extract<ReturnType<typeof parseKeys>, { count: number }>;
  const s = new KeyStream(new KeyTable(d, partitions), mulberry32(seed));
  const out: Array<[number, number]> = [];
  for (let b = 0; b < batches; b++) {
    const p = s.nextPartition();
    for (let j = 0; j < perBatch; j++) out.push([p, s.keyIn(p)]);
  }
  return out;
}

describe('keys', () => {
  it('parses every form and refuses bad ones with LH_INVALID_OPTION', () => {
    for (const spec of ['none', 'sequential', 'uniform:1000', 'zipf:100:1.2', 'hot:10:0.9'])
      expect(formatKeys(parseKeys('keys', spec))).toBe(spec);
    for (const bad of [
      '',
      'uniform',
      'uniform:0',
      'uniform:2000000',
      'zipf:10',
      'zipf:10:-1',
      'hot:10:1.5',
      'hot:1:0.5',
      'hot:10:',
      'random:3',
      7,
    ]) {
      expect(() => parseKeys('options.keys', bad), String(bad)).toThrow(LoadhouseError);
    }
    expect(() => parseKeys('options.keys', 'hot:10:2')).toThrow(/options\.keys must be .*SHARE must be a fraction/);
  });

  it('sends every key to the partition murmur2 gives it, and keys have one width', () => {
    for (const [p, k] of draws('uniform:500', 7, 1, 50, 20)) {
      const text = keyText(k, 500);
      expect(text).toMatch(/^k\d{3}$/);
      expect(keyPartition(Buffer.from(text), 7)).toBe(p);
    }
  });

  it('gives the hot key its share and zipf its rank ratio', () => {
    const hot = draws('hot:10:0.9', 4, 2, 400, 50);
    expect(hot.filter(([, k]) => k === 0).length / hot.length).toBeCloseTo(0.9, 1);
    const zipf = draws('zipf:100:1', 8, 3, 800, 50);
    const c0 = zipf.filter(([, k]) => k === 0).length;
    const c1 = zipf.filter(([, k]) => k === 1).length;
    expect(c0 / c1).toBeGreaterThan(1.7);
    expect(c0 / c1).toBeLessThan(2.3);
  });

  it('draws the same keys from the same seed, other keys from another', () => {
    expect(draws('zipf:1000:1.1', 16, 42, 20, 10)).toEqual(draws('zipf:1000:1.1', 16, 42, 20, 10));
    expect(draws('zipf:1000:1.1', 16, 43, 20, 10)).not.toEqual(draws('zipf:1000:1.1', 16, 42, 20, 10));
  });
});

describe('sizes', () => {
  const sample = (spec: string | number, seed: number, n = 20_000): number[] => {
    const s = new SizeStream(parseSizes('messageSize', spec, 36), mulberry32(seed));
    return Array.from({ length: n }, () => s.next());
  };

  it('parses every form, refuses sizes below the header and bad forms', () => {
    expect(formatSizes(parseSizes('m', 1024, 36))).toBe(1024);
    expect(formatSizes(parseSizes('m', 'uniform:512-1536', 36))).toBe('uniform:512-1536');
    expect(formatSizes(parseSizes('m', 'lognormal:1024:0.5', 36))).toBe('lognormal:1024:0.5');
    for (const bad of [
      20,
      'uniform:10-100',
      'uniform:100-50',
      'uniform:1-',
      'lognormal:1024',
      'lognormal:20:0.5',
      'file:/no/such/file',
      'big',
    ]) {
      expect(() => parseSizes('options.messageSize', bad, 36), String(bad)).toThrow(LoadhouseError);
    }
    expect(() => parseSizes('options.messageSize', 'uniform:10-100', 36)).toThrow(/at least 36 bytes/);
  });

  it('draws uniform sizes within the range around its middle, lognormal around its median', () => {
    const u = sample('uniform:512-1536', 1);
    expect(Math.min(...u)).toBe(512);
    expect(Math.max(...u)).toBe(1536);
    expect(u.reduce((a, b) => a + b, 0) / u.length).toBeGreaterThan(1000);
    expect(u.reduce((a, b) => a + b, 0) / u.length).toBeLessThan(1048);
    const l = sample('lognormal:1000:0.5', 2).sort((a, b) => a - b);
    expect(l[l.length >> 1]).toBeGreaterThan(950);
    expect(l[l.length >> 1]).toBeLessThan(1050);
    expect(l[0]).toBeGreaterThanOrEqual(36);
  });

  it('samples a file only from its sizes, and reproduces draws from a seed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-sizes-'));
    const file = join(dir, 'sizes.txt');
    writeFileSync(file, '# sizes seen in production\n100\n\n2000\n300\n');
    const f = sample(`file:${file}`, 3, 3000);
    expect(new Set(f)).toEqual(new Set([100, 2000, 300]));
    writeFileSync(file, '100\n20\n');
    expect(() => parseSizes('options.messageSize', `file:${file}`, 36)).toThrow(/line 2 .* at least 36 bytes/);
    expect(sample('lognormal:500:1', 9, 100)).toEqual(sample('lognormal:500:1', 9, 100));
  });
});

describe('partition balance', () => {
  it('gives max/mean and CV, and adds shards up group by group', () => {
    expect(balance(1, 'uniform:10', [10, 10, 10, 10])).toMatchObject({ imbalance: 1, cv: 0 });
    expect(balance(1, 'hot:10:0.9', [30, 10, 0, 0])).toMatchObject({ imbalance: 3, cv: 1.225 });
    expect(balance(1, 'x', [0, 0])).toMatchObject({ imbalance: 0, cv: 0 });
    const merged = mergePartitions([
      { imbalance: 2, cv: 1, groups: [balance(1, 'hot:10:0.9', [20, 0])] },
      undefined,
      { imbalance: 2, cv: 1, groups: [balance(1, 'hot:10:0.9', [0, 20]), balance(2, 'uniform:5', [5, 5, 6])] },
    ]);
    expect(merged!.groups.map((g) => [g.group, g.acked, g.imbalance])).toEqual([
      [1, [20, 20], 1],
      [2, [5, 5, 6], 1.125],
    ]);
    expect(merged!.imbalance).toBe(1.125);
    expect(mergePartitions([undefined, undefined])).toBeUndefined();
  });
});
