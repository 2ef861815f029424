// The report's topics table: one row per topic of a many-topic run, none for a one-topic run.
import { describe, expect, it } from 'vitest';
import type { LoadTestResult, TopicTotals } from '@loadhouse/core';
import { makeResult } from '@loadhouse/core/testing';
import { renderReport } from './render.js';
import { topicsSection } from './topics.js';

const topic = (name: string, acked: number, consumed?: number): TopicTotals => ({
  topic: name,
  partitions: 4,
  producer: { scheduled: acked, acked, failed: 0, dropped: 0, bytes: acked * 100, msgsPerSec: acked / 10, errorsByCode: {} },
  ...(consumed !== undefined ? { consumer: { consumed, bytes: consumed * 100, msgsPerSec: consumed / 10, lag: acked - consumed } } : {}),
});

describe('topics section', () => {
  it('lists every topic with its counts, the consumer columns when consumers ran, names escaped', () => {
    const result: LoadTestResult = { ...makeResult(), topics: [topic('a-0', 1500, 1500), topic('<b>-1', 2500, 2400)] };
    const section = topicsSection(result);
    expect(section).toContain('2 topics, 4 partitions each');
    expect(section.match(/<tr>/g)).toHaveLength(3); // head + 2 rows
    expect(section).toContain('&lt;b&gt;-1');
    expect(section).toContain('<th class="num">Final lag</th>');
    expect(section).toContain('<td class="num">2,400</td>');
    expect(section).toContain('<td class="num">100</td>'); // 2,500 - 2,400 lag
  });

  it('is in the page of a many-topic run, absent from a one-topic run', () => {
    expect(renderReport({ ...makeResult(), topics: [topic('a-0', 1), topic('a-1', 2)] })).toContain('<section id="topics">');
    expect(topicsSection(makeResult())).toBe('');
  });
});
