// The rate profile syntax: every segment kind, relative segments, repeats, and the coded errors that name
// the segment and say what is expected.
import { describe, expect, it } from 'vitest';
import { LoadhouseError } from './errors.js';
import { parseRateProfile, profileRecords, segmentMeanRate } from './rate-profile.js';
import { profileStartRate } from './run/rate-profile-player.js';

const rates = (text: string, base = 1000) =>
  parseRateProfile(text, base).segments.map((s) => [s.name, s.fromRate, s.toRate, s.durationSeconds]);

describe('parseRateProfile', () => {
  it('reads ramps, holds, steps and spikes, each a phase named by kind and position', () => {
    expect(rates('ramp:0-100k@60s, hold@300s, spike:3x@10s, step:+10k@30s x2')).toEqual([
      ['ramp-1', 0, 100_000, 60],
      ['hold-2', 100_000, 100_000, 300],
      ['spike-3', 300_000, 300_000, 10],
      ['step-4', 110_000, 110_000, 30],
      ['step-5', 120_000, 120_000, 30],
    ]);
  });

  it('starts relative segments from the base rate and takes absolute forms, units and k/m suffixes', () => {
    expect(rates('hold@2m', 5000)).toEqual([['hold-1', 5000, 5000, 120]]);
    expect(rates('ramp:1.5m@500ms, step:-500k@1h, hold:2k@90, spike:+1k@1s, step:7@1s')).toEqual([
      ['ramp-1', 1000, 1_500_000, 0.5],
      ['step-2', 1_000_000, 1_000_000, 3600],
      ['hold-3', 2000, 2000, 90],
      ['spike-4', 3000, 3000, 1],
      ['step-5', 7, 7, 1],
    ]);
    // A spike returns to the rate before it.
    expect(rates('spike:200k@5s, hold@5s', 50_000).map((r) => r[1])).toEqual([200_000, 50_000]);
  });

  it('gives the mean rate of a stretch of a ramp, the start rate and the records asked for', () => {
    const p = parseRateProfile('ramp:0-2k@2s, hold@2s, step:+1k@2s', 1);
    expect(segmentMeanRate(p.segments[0]!, 0, 2)).toBe(1000);
    expect(segmentMeanRate(p.segments[0]!, 1, 1.5)).toBe(1250);
    expect(profileStartRate(p)).toBe(50);
    expect(profileRecords(p)).toBe(2000 + 4000 + 6000);
    expect(p.durationSeconds).toBe(6);
  });

  it.each([
    ['', 'is empty'],
    ['hold@10s,', 'empty segment'],
    ['burst@10s', 'unknown kind "burst"'],
    ['hold', 'is not kind[:argument]@duration'],
    ['hold@0s', 'positive duration'],
    ['hold@ten', 'positive duration'],
    ['ramp@10s', 'needs the rate to ramp to'],
    ['ramp:0-lots@10s', 'where a rate goes'],
    ['step@10s', 'needs the change or the new rate'],
    ['step:-5k@10s', 'a rate goes from 0'],
    ['spike@1s', 'needs its height'],
    ['spike:-2x@1s', 'where a factor goes'],
    ['hold@1s x0', 'x<count> takes a whole number'],
    ['hold:0@5s', 'starts the profile at rate 0'],
    ['hold:2g@5s', 'where a rate goes'],
  ])('refuses %j before any load with a coded error naming the segment', (text, why) => {
    let err: unknown;
    try {
      parseRateProfile(text, 1000);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LoadhouseError);
    expect((err as LoadhouseError).code).toBe('LH_INVALID_OPTION');
    expect((err as Error).message).toContain(why);
    expect((err as Error).message).toContain('A segment is ramp:<from>-<to>@<time>');
  });
});
