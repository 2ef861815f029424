// The summary's start-up line (first ack, first measured second) and the line that says why the run used the
// workers it did; neither shows for a result without those fields.
import { makeResult } from '@loadhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { formatSummary } from './summary.js';

const fixture = makeResult();

describe('summary: start-up and workers', () => {
  it('prints the first ack, the first measured second against its target, and the worker choice', () => {
    const result = {
      ...fixture,
      producer: { ...fixture.producer, startup: { firstAckSeconds: 0.084, firstSecondMsgsPerSec: 49_812, firstSecondTargetRate: 50_000 } },
      generator: {
        ...fixture.generator,
        workerChoice: { workers: 1, reason: '1 worker: 50,000 msgs/s is within what one worker sustains (~100,000 msgs/s)' },
      },
    };
    const out = formatSummary(result);
    expect(out).toMatch(/\n {2}Start-up: first ack 0\.08 s after the start; first measured second 49,812 msgs\/sec \(target 50,000\)\n/);
    expect(out).toMatch(/\nWorkers: 1 worker: 50,000 msgs\/s is within what one worker sustains \(~100,000 msgs\/s\)\n/);
  });

  it('prints neither line for a result without them', () => {
    const out = formatSummary(fixture);
    expect(out).not.toMatch(/Start-up:|\nWorkers:/);
  });
});
