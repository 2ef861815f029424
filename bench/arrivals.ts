// Arrivals benchmark (issue 16): what Poisson arrivals cost against evenly spaced ones. loadhouse with one
// worker floods the agent's `--sink` (a rate it cannot reach, records 2 s late dropped) with uniform and with
// Poisson arrivals, alternately (A B, B A, ...), each measurement in a fresh process (bench/measure.ts), and
// reports the medians and the median of per-round ratios to uniform: the rate sustained (acked over the time it
// took), response and schedule-lag p99, peak RSS. A second case asks 60,000 msgs/s, which both should hold, for
// the latency each shape gives at the same mean rate (bursts queue: Poisson's p99 is expected higher).
//
// A third case needs no network: the schedule alone (what a producer asks of it for every record: dueBy each
// 2 ms tick, intended per record, prune, and for Poisson the CV tally), 2,000,000 records at 1,000,000/s in
// this process, alternated 5 times: the CPU a record's arrival time costs, which a loaded machine disturbs less
// than the end-to-end cases.
//
// Run: pnpm bench arrivals            (BENCH_SECONDS=10 per measurement, BENCH_ROUNDS=3)
//      pnpm bench arrivals --quick    (a smoke test: 3 s, 1 round)
//      BENCH_CASES=schedule pnpm bench arrivals   (the schedule case only)
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnAgent } from '@loadhouse/agent';
import { alternation, type Comparison, compare, type Figures } from './compare.js';
import { type Measurement, measureInChild } from './measure.js';
import { ArrivalGaps, makeSchedule } from '../packages/core/src/worker/arrivals.js';
import type { ProducerGroupSpec } from '../packages/core/src/worker/protocol.js';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 3 : Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
const FLOOD = 150_000;
const SHAPES = ['uniform', 'poisson'] as const;

const fmt = (v: number, digits: number) =>
  Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-';

const started = new Date().toISOString();
console.log(
  `arrivals benchmark${QUICK ? ' (quick)' : ''}: loadhouse, 1 worker, agent --sink, ${SECONDS} s per measurement (1 s warm-up), ` +
    `${ROUNDS} round(s) of ${SHAPES.join(' / ')}; 1 KiB x 100, 4 partitions. The machine's other load moves absolute figures; read the ratios.`,
);
/** Nanoseconds of schedule work per record (see the header). */
function scheduleNsPerRecord(arrivals: 'uniform' | 'poisson'): number {
  const group = { seed: 1, arrivals } as ProducerGroupSpec;
  const schedule = makeSchedule({ id: 1, rate: 1_000_000, partitions: [0], phase: 0 }, group, 0);
  const gaps = arrivals === 'poisson' ? new ArrivalGaps() : undefined;
  let next = 0;
  let sum = 0;
  const t0 = performance.now();
  for (let now = 2; now <= 2000; now += 2) {
    const due = schedule.dueBy(now)!;
    gaps?.add(schedule, next, due);
    for (let i = next; i < due; i++) sum += schedule.intended(i);
    next = due;
    schedule.prune(next);
  }
  const ns = ((performance.now() - t0) * 1e6) / next;
  if (sum === 0) console.log('');
  return ns;
}

const scheduleRounds: Array<Record<string, number>> = [];
scheduleNsPerRecord('uniform');
scheduleNsPerRecord('poisson');
for (let r = 0; r < 5; r++) {
  const round: Record<string, number> = {};
  for (const a of r % 2 ? [...SHAPES].reverse() : SHAPES) round[a] = scheduleNsPerRecord(a);
  scheduleRounds.push(round);
}
const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const scheduleMedians = Object.fromEntries(SHAPES.map((a) => [a, medianOf(scheduleRounds.map((r) => r[a]!))]));
console.log(
  `\nschedule alone, 2,000,000 records at 1M/s, median of 5: uniform ${fmt(scheduleMedians.uniform!, 1)} ns/record, ` +
    `poisson ${fmt(scheduleMedians.poisson!, 1)} ns/record (CV tally included)`,
);

const agent = await spawnAgent({ grpcPort: 0, httpPort: 0, sink: true });
const cases: Array<{ case: string; rate: number; comparison: Comparison<string>; measurements: Measurement[][] }> = [];
try {
  for (const [name, rate] of (process.env.BENCH_CASES === 'schedule'
    ? []
    : [
        ['capacity', FLOOD],
        ['60k', 60_000],
      ]) as Array<[string, number]>) {
    const byRound: Array<Record<string, Figures>> = Array.from({ length: ROUNDS }, () => ({}));
    const measurements: Measurement[][] = Array.from({ length: ROUNDS }, () => []);
    console.log(`\n${name}: ${rate.toLocaleString('en-US')} msgs/s asked`);
    for (const step of alternation([...SHAPES], ROUNDS)) {
      const arrivals = step.client as (typeof SHAPES)[number];
      const m = await measureInChild({
        client: 'loadhouse',
        address: agent.grpcAddress,
        topic: `bench-arrivals-${arrivals}`,
        rate,
        seconds: SECONDS,
        partitions: 4,
        warmupSeconds: 1,
        workers: 1,
        arrivals,
        ...(rate === FLOOD ? { dropAfterMs: 2_000 } : {}),
      });
      byRound[step.round]![arrivals] = m;
      measurements[step.round]!.push(m);
      console.log(
        `  round ${step.round + 1} ${arrivals.padEnd(8)} ${fmt(m.msgsPerSec, 0).padStart(8)} msgs/s  response p99 ${fmt(m.responseP99Ms, 1)} ms  ` +
          `lag p99 ${fmt(m.scheduleLagP99Ms, 1)} ms  peak RSS ${fmt(m.peakRssMb, 0)} MB  rate error ${fmt(m.rateErrorPercent, 2)}%`,
      );
    }
    const comparison = compare([...SHAPES], 'uniform', byRound);
    for (const s of SHAPES) {
      const med = comparison.medians[s]!;
      const r = comparison.ratios[s];
      console.log(
        `  median ${s.padEnd(8)} ${fmt(med.msgsPerSec, 0).padStart(8)} msgs/s  p99 ${fmt(med.responseP99Ms, 1)} ms  lag p99 ${fmt(med.scheduleLagP99Ms, 1)} ms` +
          (r ? `   x${fmt(r.msgsPerSec, 3)} rate  x${fmt(r.responseP99Ms, 2)} p99  x${fmt(r.peakRssMb, 2)} RSS` : '   (reference)'),
      );
    }
    cases.push({ case: name, rate, comparison, measurements });
  }
} finally {
  await agent.stop();
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const file = new URL(
  `./results/arrivals${QUICK ? '-quick' : process.env.BENCH_CASES === 'schedule' ? '-schedule' : ''}.json`,
  import.meta.url,
);
writeFileSync(
  file,
  `${JSON.stringify({ started, seconds: SECONDS, rounds: ROUNDS, schedule: { rounds: scheduleRounds, medians: scheduleMedians }, cases }, null, 2)}\n`,
);
console.log(`\nwritten ${file.pathname}`);
