// Producers scaling benchmark (issue 11, item 6): what a producer costs. The many-producers scenario at the
// same total rate with 10, 100, 1,000 and 10,000 producers (one worker, 100 partitions, 1 KiB records, 5 ms
// linger, each producer a quota that lasts the run), against the agent storing to a folder (what
// `loadhouse run` embeds) and the plain grpc-js sink, measured for loadhouse and for the lean client of the
// same shape (bench/lean-producers.ts: raw HTTP/2, requests laid out once, the same producers, schedules,
// batches and calls; what this shape can reach at all on this machine). The two clients alternate in fresh
// processes (A B, then B A in the next round), each on a fresh target. Per measurement: rate sustained (acked
// over the time it took), response p99, first ack (seconds from the schedule's start; loadhouse also from
// run(), worker start-up included), peak RSS of the generator process, cores. Then per step loadhouse/lean
// (medians over rounds) and, per client, 1,000/10 producers: the goal is >= 0.8x for loadhouse.
// The full run adds a capacity row per step (a rate beyond reach: what that many producers sustain at most).
//
// Run: pnpm bench producers            (BENCH_SECONDS=10, BENCH_PRODUCERS_RATE=20000, BENCH_ROUNDS=2,
//                                       BENCH_PRODUCER_COUNTS=10,100,1000,10000, BENCH_PRODUCERS_TARGETS=agent,sink)
//      pnpm bench producers --quick    (3 s, 10 / 1,000 producers, one round, the 20K row only)
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { spawnAgent } from '@loadhouse/agent';
import { median } from './compare.js';
import { spawnGrpcSink } from './grpc-sink.js';
import { type ClientName, type Measurement, measureInChild } from './measure.js';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 3 : Number(process.env.BENCH_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_PRODUCERS_RATE ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 2));
const COUNTS = process.env.BENCH_PRODUCER_COUNTS
  ? process.env.BENCH_PRODUCER_COUNTS.split(',').map(Number)
  : QUICK
    ? [10, 1_000]
    : [10, 100, 1_000, 10_000];
const TARGETS = (process.env.BENCH_PRODUCERS_TARGETS ?? 'agent,sink').split(',');
const FLOOD = 150_000;
const PARTITIONS = 100;

interface Row extends Measurement {
  target: string;
  producers: number;
  rateAsked: number;
  round: number;
}

const rows: Row[] = [];
const fmt = (v: number | undefined, d: number) =>
  v !== undefined && Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '-';

console.log(
  `producers benchmark${QUICK ? ' (quick)' : ''}: ${RATE.toLocaleString('en-US')} msgs/s in total for ${SECONDS} s, 1 worker, ` +
    `${PARTITIONS} partitions, 1 KiB records, ${ROUNDS} round(s), lean and loadhouse alternated. ` +
    `Shared machine (load average ${loadavg()[0]!.toFixed(1)}): compare rows of one run.`,
);
const targets = [
  {
    key: 'agent',
    name: 'agent (folder)',
    start: async () => spawnAgent({ grpcPort: 0, httpPort: 0 }).then((a) => ({ address: a.grpcAddress, stop: () => a.stop() })),
  },
  { key: 'sink', name: 'grpc-js sink', start: spawnGrpcSink },
].filter((t) => TARGETS.includes(t.key));

for (const t of targets) {
  console.log(
    `\n${t.name}: client, producers, asked, msgs/s, rate error, response p99 ms, first ack s (from t0 / from run()), peak RSS MB, cores, load`,
  );
  for (const producers of COUNTS) {
    for (const rate of QUICK ? [RATE] : [RATE, FLOOD]) {
      for (let round = 0; round < ROUNDS; round++) {
        const order: ClientName[] = round % 2 === 0 ? ['lean', 'loadhouse'] : ['loadhouse', 'lean'];
        for (const client of order) {
          // A fresh target per measurement: a folder agent holding the previous records is not the same target.
          const target = await t.start();
          try {
            const m = await measureInChild({
              client,
              workers: 1,
              address: target.address,
              topic: `bench-producers-${producers}`,
              rate,
              seconds: SECONDS,
              partitions: PARTITIONS,
              warmupSeconds: 0,
              producers,
              lingerMs: 5,
              intervalMs: 200,
            });
            rows.push({ target: t.name, producers, rateAsked: rate, round, ...m });
            console.log(
              `  ${client.padEnd(9)} ${producers.toLocaleString('en-US').padStart(6)}  ${rate.toLocaleString('en-US').padStart(7)}  ` +
                `${fmt(m.msgsPerSec, 0).padStart(7)}  ${fmt(m.rateErrorPercent, 2).padStart(6)}%  ${fmt(m.responseP99Ms, 1).padStart(8)}  ` +
                `${fmt(m.startup?.firstAckSeconds, 2).padStart(5)} / ${fmt(m.firstAckSeconds, 2).padStart(5)}  ` +
                `${fmt(m.peakRssMb, 0).padStart(5)}  ${fmt(m.cores, 2)}  ${loadavg()[0]!.toFixed(1)}`,
            );
          } catch (err) {
            console.log(`  ${client} ${producers} producers at ${rate}: failed: ${(err as Error).message.slice(0, 300)}`);
          } finally {
            await target.stop();
          }
        }
      }
    }
  }
}

// Medians over rounds, then the two ratios the goal is about.
const med = (target: string, client: ClientName, producers: number, rate: number) => {
  const xs = rows.filter((r) => r.target === target && r.client === client && r.producers === producers && r.rateAsked === rate);
  return xs.length ? median(xs.map((r) => r.msgsPerSec)) : Number.NaN;
};
const ratios: Array<Record<string, unknown>> = [];
for (const t of targets) {
  for (const rate of QUICK ? [RATE] : [RATE, FLOOD]) {
    console.log(`\n${t.name} at ${rate.toLocaleString('en-US')} asked: producers, lean msgs/s, loadhouse msgs/s, loadhouse/lean`);
    for (const producers of COUNTS) {
      const lean = med(t.name, 'lean', producers, rate);
      const lh = med(t.name, 'loadhouse', producers, rate);
      ratios.push({ target: t.name, rate, producers, lean, loadhouse: lh, loadhouseOverLean: lh / lean });
      console.log(
        `  ${producers.toLocaleString('en-US').padStart(6)}  ${fmt(lean, 0).padStart(7)}  ${fmt(lh, 0).padStart(7)}  ${fmt(lh / lean, 2)}x`,
      );
    }
    const base = COUNTS[0]!;
    for (const n of COUNTS.slice(1)) {
      const l = med(t.name, 'lean', n, rate) / med(t.name, 'lean', base, rate);
      const h = med(t.name, 'loadhouse', n, rate) / med(t.name, 'loadhouse', base, rate);
      console.log(`  ${n.toLocaleString('en-US')}/${base.toLocaleString('en-US')} producers: lean ${fmt(l, 2)}x, loadhouse ${fmt(h, 2)}x`);
    }
  }
}

const file = QUICK ? 'producers-quick.json' : 'producers.json';
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL(`./results/${file}`, import.meta.url),
  `${JSON.stringify({ bench: 'producers', quick: QUICK, date: new Date().toISOString(), node: process.version, loadAverage: loadavg(), seconds: SECONDS, rate: RATE, partitions: PARTITIONS, rounds: ROUNDS, rows, ratios }, null, 2)}\n`,
);
console.log(`\nwritten bench/results/${file}`);
