// The summary's "Likely causes": under the criteria, ranked, wrapped; nothing for a passing run.
import { describe, expect, it } from 'vitest';
import { makeResult } from '@loadhouse/core/testing';
import { diagnosisLines } from './diagnosis-lines.js';
import { formatSummary } from './summary.js';

const fixture = makeResult();

describe('diagnosisLines', () => {
  it('prints the given diagnosis under the criteria table, numbered, with evidence and advice in lines of at most 100 characters', () => {
    const result = {
      ...fixture,
      diagnosis: [
        {
          cause: 's3-throttling' as const,
          explains: ['Cache hit rate'],
          confidence: 'high' as const,
          evidence: [
            { metric: 'target.s3.throttles', value: 1234, threshold: 0 },
            { metric: 'target.s3.throttlePercent', value: 12.345, threshold: 1, note: 'of the S3 requests' },
          ],
          advice: 'Word '.repeat(60).trim(),
        },
      ],
    };
    const out = formatSummary(result);
    expect(out.indexOf('Likely causes')).toBeGreaterThan(out.indexOf('Success criteria:'));
    const lines = diagnosisLines(result);
    expect(lines[2]).toBe('  1. s3-throttling (high confidence) explains: Cache hit rate');
    expect(lines[3]).toBe('     evidence: target.s3.throttles 1,234 (threshold 0); target.s3.throttlePercent 12.3 (threshold 1)');
    expect(lines[4]).toBe('     [of the S3 requests]');
    expect(lines.every((l) => l.length <= 100)).toBe(true);
    expect(lines.filter((l) => l.startsWith('     Word')).length).toBeGreaterThan(2);
  });

  it('builds the diagnosis of a result written before the field, and prints nothing for a passing run', () => {
    // The fixture has no `diagnosis`: its failed cache criterion is explained by the catch-up's misses.
    expect(diagnosisLines(fixture).join('\n')).toMatch(/1\. consumer-cache-misses \(medium confidence\) explains: Cache hit rate/);
    const passing = { ...fixture, criteria: fixture.criteria.map((c) => ({ ...c, passed: true })) };
    expect(diagnosisLines(passing)).toEqual([]);
    expect(formatSummary(passing)).not.toMatch(/Likely causes/);
  });
});
