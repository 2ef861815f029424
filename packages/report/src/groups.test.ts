// The report's consumer-groups section: commits with their latency, every restart against its bound, the
// partitions outside their bound; absent from a run whose groups neither committed nor restarted.
import { describe, expect, it } from 'vitest';
import type { ConsumerTotals, LoadTestResult } from '@loadhouse/core';
import { makeResult } from '@loadhouse/core/testing';
import { groupsSection } from './groups.js';
import { renderReport } from './render.js';

type Restarts = NonNullable<ConsumerTotals['restarts']>;
type Resume = Restarts['resumes'][number];

const latency = { p50: 1.25, p95: 2.5, p99: 3.75, p999: 4, max: 5, mean: 1.5, count: 40 };

function resume(over: Partial<Resume>): Resume {
  return {
    group: 'g',
    topic: 't-0,t-1',
    atSeconds: 5,
    after: 'crash',
    redelivered: 100,
    bound: 100,
    beyondBound: 0,
    skipped: 0,
    firstRecordSeconds: 0.25,
    partitions: [],
    ...over,
  };
}

/** Built once: the fixture takes a while to make, and no test changes it. */
const base = makeResult();

function withGroups(consumer: Partial<ConsumerTotals>): LoadTestResult {
  return { ...base, consumer: { ...base.consumer!, ...consumer } };
}

const restarts: Restarts = {
  restarts: 3,
  afterCrash: 2,
  redelivered: 400,
  redeliveryBound: 150,
  beyondBound: 250,
  skipped: 0,
  maxFirstRecordSeconds: 0.5,
  pending: 1,
  resumes: [
    resume({}),
    resume({
      atSeconds: 10,
      group: '<g>',
      redelivered: 300,
      bound: 50,
      beyondBound: 250,
      firstRecordSeconds: 0.5,
      partitions: [
        { topic: 't-1', partition: 3, resumedFrom: 200, previousEnd: 500, committedBefore: 450, redelivered: 300, bound: 50, skipped: 0 },
        { topic: 't-0', partition: 3, resumedFrom: 80, previousEnd: 80, committedBefore: 80, redelivered: 0, bound: 0, skipped: 0 },
      ],
    }),
    resume({ atSeconds: 15, after: 'stop', redelivered: null, beyondBound: null, bound: 0, firstRecordSeconds: null }),
  ],
};

describe('consumer groups section', () => {
  it('shows the commits, each restart against its bound, and the partitions beyond it', () => {
    const s = groupsSection(withGroups({ commit: { commits: 40, failed: 2, errorsByCode: { UNAVAILABLE: 2 }, latency }, restarts }));
    // Commits: counts, failures by status, latency in ms; the row flagged for its failures.
    expect(s).toContain('<table class="commits"><thead>');
    expect(s).toContain('<tr class="fail"><td class="num">40</td><td class="num">2</td><td>UNAVAILABLE 2</td><td class="num">1.25 ms</td>');
    expect(s).toContain('<td class="num">3.75 ms</td>');
    // The summary row and one row per restart: passed, beyond its bound (failed), still running (not judged).
    expect(s).toContain('3 restarts (2 after a crash)');
    const resumes = s.slice(s.indexOf('<table class="resumes">'));
    expect(resumes.match(/<tr class="pass">/g)).toHaveLength(1);
    expect(resumes.match(/<tr class="fail">/g)).toHaveLength(1);
    expect(resumes).toContain('&lt;g&gt;');
    expect(resumes).toContain('<td>t-0,t-1</td><td>a graceful stop</td><td class="num">still running</td>');
    expect(resumes).toContain('<td class="num">none read</td>');
    expect(s).toContain('Restarts still running');
    // Only the partition read again beyond its bound is listed, with its topic.
    const outliers = s.slice(s.indexOf('<table class="restart-partitions">'));
    expect(outliers.match(/<tr>/g)).toHaveLength(2); // head + 1 row
    expect(outliers).toContain('<td class="num">2</td><td>t-1</td><td class="num">3</td><td class="num">450</td>');
  });

  it('says unmeasured for the latency of a run without an acknowledged commit, and has no restarts part without restarts', () => {
    const empty = { p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0, count: 0 };
    const s = groupsSection(withGroups({ commit: { commits: 0, failed: 3, errorsByCode: { UNAVAILABLE: 3 }, latency: empty } }));
    expect(s).toContain('<td class="num">unmeasured</td>');
    expect(s).not.toContain('0 ms');
    expect(s).not.toContain('Restarts');
  });

  it('is in the page when groups committed or restarted, absent otherwise', () => {
    expect(renderReport(withGroups({ restarts }))).toContain('<section id="consumer-groups">');
    expect(groupsSection(base)).toBe('');
    expect(renderReport(base)).not.toContain('id="consumer-groups"');
  });
});
