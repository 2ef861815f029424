// Which schedule a producer's records arrive on (evenly spaced or Poisson), and the measure of how its
// intended times are spread: the coefficient of variation of the gaps between them, taken where records are
// scheduled, before batching, drops or the network can change anything.
import { deriveSeed, mulberry32 } from '../util.js';
import { type ArrivalSchedule, PoissonSchedule } from './poisson-schedule.js';
import type { ProducerGroupSpec, ProducerSpec } from './protocol.js';
import { Schedule } from './schedule.js';

/** The purpose tag of the arrival-gap stream (deriveSeed): "ARRV". */
export const ARRIVALS_SEED_TAG = 0x41525256;

export function makeSchedule(spec: ProducerSpec, group: ProducerGroupSpec, startMs: number): ArrivalSchedule {
  if (group.arrivals !== 'poisson') return new Schedule(startMs, spec.rate, spec.phase);
  return new PoissonSchedule(startMs, spec.rate, mulberry32(deriveSeed(group.seed, ARRIVALS_SEED_TAG, spec.id)));
}

/** Sums over a producer's gaps between consecutive intended times, each in units of the mean gap at its rate. */
export interface ArrivalGapTally {
  gaps: number;
  sum: number;
  sumSquares: number;
}

export class ArrivalGaps {
  private prev = Number.NaN;
  private readonly tally: ArrivalGapTally = { gaps: 0, sum: 0, sumSquares: 0 };

  /** Adds the gaps up to positions [from, to), which follow the positions added before. */
  add(schedule: ArrivalSchedule, from: number, to: number): void {
    const unit = schedule.meanIntervalMs;
    if (!Number.isFinite(unit)) return;
    const t = this.tally;
    let prev = this.prev;
    for (let i = from; i < to; i++) {
      const time = schedule.intended(i);
      if (!Number.isNaN(prev)) {
        const x = (time - prev) / unit;
        t.gaps++;
        t.sum += x;
        t.sumSquares += x * x;
      }
      prev = time;
    }
    this.prev = prev;
  }

  /** The rate changed: the gap that spans the change is at neither rate, so it is not counted. */
  reset(): void {
    this.prev = Number.NaN;
  }

  report(): ArrivalGapTally {
    return { ...this.tally };
  }
}

/** The coefficient of variation (standard deviation / mean) of tallied gaps; undefined below 2 gaps. */
export function arrivalCv(tallies: readonly ArrivalGapTally[]): number | undefined {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (const t of tallies) {
    n += t.gaps;
    sum += t.sum;
    sq += t.sumSquares;
  }
  if (n < 2 || sum <= 0) return undefined;
  const mean = sum / n;
  const variance = Math.max(0, sq / n - mean * mean);
  return Math.sqrt(variance) / mean;
}
