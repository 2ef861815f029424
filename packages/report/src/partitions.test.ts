// The report's partition balance: the figures of each keyed group, a bar per partition (or per run of
// neighbours on a topic with many), every partition listed when few, the extremes when many.
import { describe, expect, it } from 'vitest';
import type { LoadTestResult, PartitionBalance } from '@loadhouse/core';
import { makeResult } from '@loadhouse/core/testing';
import { bars, MAX_BARS, partitionsSection } from './partitions.js';
import { renderReport } from './render.js';

function group(id: number, acked: number[], imbalance: number, cv: number): PartitionBalance {
  return { group: id, keys: 'zipf:1000:1.1', acked, imbalance, cv };
}

/** Built once: the fixture takes a while to make, and no test changes it. */
const base = makeResult();

function withPartitions(...groups: PartitionBalance[]): LoadTestResult {
  return {
    ...base,
    partitions: { imbalance: Math.max(...groups.map((g) => g.imbalance)), cv: Math.max(...groups.map((g) => g.cv)), groups },
  };
}

const count = (html: string, re: RegExp) => html.match(re)?.length ?? 0;

describe('partitions section', () => {
  it('shows a few partitions one bar each, all of them listed, with the figures of the worst group', () => {
    const s = partitionsSection(withPartitions(group(0, [400, 100, 250, 50], 1.78, 0.66)));
    expect(s).toContain('imbalance <strong>1.78</strong>');
    expect(s).toContain('CV <strong>0.66</strong>');
    // Totals: 800 acked, mean 200, min 50, max 400.
    expect(s).toContain('<td class="num">800</td><td class="num">200</td><td class="num">50</td><td class="num">400</td>');
    expect(count(s, /<rect class="bar solo"/g)).toBe(4);
    expect(count(s, /<rect class="low"/g)).toBe(0);
    expect(s).toContain('<title>partition 0: 400 acked (2.00 x mean)</title>');
    // Every partition, most loaded first.
    const list = s.slice(s.indexOf('<table class="partition-extremes">'));
    expect(count(list, /<tr>/g)).toBe(5);
    expect(list.indexOf('<td class="num">400</td>')).toBeLessThan(list.indexOf('<td class="num">50</td>'));
  });

  it('keeps 100 partitions readable: a bar each, and only the five most and least loaded listed', () => {
    const acked = Array.from({ length: 100 }, (_, p) => 1000 + p);
    acked[42] = 5000;
    const s = partitionsSection(withPartitions(group(1, acked, 4.6, 0.4)));
    expect(count(s, /<rect class="bar solo"/g)).toBe(100);
    const list = s.slice(s.indexOf('<table class="partition-extremes">'));
    expect(list).toContain('5 most and least loaded of 100');
    expect(count(list, /<tr>/g)).toBe(11); // head + 5 + 5
    expect(list).toContain('<td>Most loaded</td><td class="num">42</td><td class="num">5,000</td>');
    expect(list).toContain('<td>Least loaded</td><td class="num">0</td><td class="num">1,000</td>');
  });

  it('groups the neighbours of a topic with thousands of partitions into at most MAX_BARS bars, each to its highest and lowest count', () => {
    const acked = Array.from({ length: 1000 }, (_, p) => (p === 7 ? 90 : 10 + (p % 5)));
    const list = bars(acked);
    expect(list).toHaveLength(MAX_BARS);
    expect(list[0]).toEqual({ first: 0, last: 4, high: 14, low: 10 });
    expect(list[1]).toEqual({ first: 5, last: 9, high: 90, low: 10 });
    expect(list.at(-1)).toEqual({ first: 995, last: 999, high: 14, low: 10 });
    // An uneven count of partitions: the last bar covers what is left.
    expect(bars(Array.from({ length: 399 }, () => 1)).map((b) => b.last - b.first + 1)).toEqual([...Array(199).fill(2), 1]);
    const s = partitionsSection(withPartitions(group(2, acked, 6.5, 0.4)));
    expect(count(s, /<rect class="bar"/g)).toBe(MAX_BARS);
    expect(count(s, /<rect class="low"/g)).toBe(MAX_BARS);
    expect(s).toContain('<title>partitions 5-9: 10 to 90 acked</title>');
    expect(s).toContain('Each bar covers 5 neighbouring partitions');
    // 200 partitions share the lowest count: the lowest-numbered are listed, in order.
    const least = s.slice(s.indexOf('<td>Least loaded</td>'));
    expect([...least.matchAll(/<tr><td>[^<]*<\/td><td class="num">(\d+)<\/td>/g)].map((m) => m[1])).toEqual(['5', '10', '15', '20']);
    expect(least).toMatch(/^<td>Least loaded<\/td><td class="num">0<\/td><td class="num">10<\/td>/);
  });

  it('is in the page of a keyed run only; a group with nothing acked gets its figures and no chart', () => {
    expect(partitionsSection(base)).toBe('');
    expect(renderReport(base)).not.toContain('id="partitions"');
    const page = renderReport(withPartitions(group(0, [3, 1], 1.5, 0.5), group(1, [0, 0], 0, 0)));
    expect(page).toContain('<section id="partitions">');
    expect(count(page, /data-partition-bars=/g)).toBe(1);
    expect(page).toContain('Group 1 had no acknowledged records');
  });
});
