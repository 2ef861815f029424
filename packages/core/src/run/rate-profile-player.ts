// Plays a rate profile on a running producer group: each segment is a phase of its own (so the result has
// its achieved rate, target rate, rate error and percentiles), a ramp is a staircase of short steps each at
// the ramp's mean rate over the step (the records asked for over the ramp are exactly the ramp's), and every
// change keeps the part of each producer's current gap already elapsed (no record gained or lost at a step).
import { type RateProfile, type RateSegment, segmentMeanRate } from '../rate-profile.js';
import type { Controller, ProducerGroup } from '../types.js';

/** How often a ramp's rate is changed (ms). */
export const RAMP_STEP_MS = 100;

/** The rate to start the group with: where the profile's first step is. */
export function profileStartRate(profile: RateProfile): number {
  const first = profile.segments[0]!;
  return segmentMeanRate(first, 0, Math.min(first.durationSeconds, RAMP_STEP_MS / 1000));
}

type ContinuousGroup = ProducerGroup & { setRate(rate: number, continuous?: boolean): void };

/**
 * Runs every segment of `profile` on `group` in turn, each in `controller.phase(segment.name)`, and returns when
 * the last one ends (or the run ends). Start the group at `profileStartRate(profile)`; stop it afterwards.
 */
export async function playRateProfile(c: Controller, group: ProducerGroup, profile: RateProfile): Promise<void> {
  for (const segment of profile.segments) {
    if (c.signal.aborted) return;
    await c.phase(segment.name, () => playSegment(c, group as ContinuousGroup, segment));
  }
}

async function playSegment(c: Controller, group: ContinuousGroup, s: RateSegment): Promise<void> {
  const t0 = c.elapsedSeconds();
  const d = s.durationSeconds;
  const step = RAMP_STEP_MS / 1000;
  let at = 0;
  while (at < d && !c.signal.aborted) {
    // Constant segments are one step; a ramp's step ends on its grid, so late timers do not stretch the ramp.
    const end = s.fromRate === s.toRate ? d : Math.min(d, (Math.floor(at / step + 1e-9) + 1) * step);
    group.setRate(segmentMeanRate(s, at, end), true);
    // false: the run is ending.
    if (!(await c.waitFor(Math.max(0, end - (c.elapsedSeconds() - t0))))) return;
    at = c.elapsedSeconds() - t0;
  }
}
