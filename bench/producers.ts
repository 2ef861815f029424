// Producers scaling benchmark (issue 11, item 6): what a producer costs. The many-producers scenario at the
// same total rate with 10, 100, 1,000 and 10,000 producers (one worker, 100 partitions, 1 KiB records, each
// producer a quota that lasts the run), against the agent storing to a folder (what `loadhouse run` embeds)
// and the plain grpc-js sink. Per step: rate sustained (acked over the time it took), rate error, response
// p99, start-up (seconds from run() to the end of the first 200 ms sample window holding an ack: worker
// start-up, connection and the first batches), peak RSS of the generator process. The full run adds a
// capacity row per step (a rate beyond reach: what that many producers sustain at most).
//
// Run: pnpm bench producers            (BENCH_SECONDS=10, BENCH_PRODUCERS_RATE=20000, BENCH_PRODUCER_COUNTS=10,1000)
//      pnpm bench producers --quick    (3 s, 10 / 100 / 1,000 producers, the 20K row only)
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { spawnAgent } from '@loadhouse/agent';
import { spawnGrpcSink } from './grpc-sink.js';
import { type Measurement, measureInChild } from './measure.js';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 3 : Number(process.env.BENCH_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_PRODUCERS_RATE ?? 20_000);
const COUNTS = process.env.BENCH_PRODUCER_COUNTS
  ? process.env.BENCH_PRODUCER_COUNTS.split(',').map(Number)
  : QUICK
    ? [10, 100, 1_000]
    : [10, 100, 1_000, 10_000];
const FLOOD = 150_000;
const PARTITIONS = 100;

interface Row extends Measurement {
  target: string;
  producers: number;
  rateAsked: number;
}

const rows: Row[] = [];
const fmt = (v: number | undefined, d: number) =>
  v !== undefined && Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '-';

console.log(
  `producers benchmark${QUICK ? ' (quick)' : ''}: ${RATE.toLocaleString('en-US')} msgs/s in total for ${SECONDS} s, 1 worker, ` +
    `${PARTITIONS} partitions, 1 KiB records. Shared machine (load average ${loadavg()[0]!.toFixed(1)}): compare rows of one run.`,
);
const targets = [
  {
    name: 'agent (folder)',
    start: async () => spawnAgent({ grpcPort: 0, httpPort: 0 }).then((a) => ({ address: a.grpcAddress, stop: () => a.stop() })),
  },
  { name: 'grpc-js sink', start: spawnGrpcSink },
];
for (const t of targets) {
  console.log(`\n${t.name}: producers, asked, msgs/s, rate error, response p99 ms, first ack s, peak RSS MB, cores`);
  for (const producers of COUNTS) {
    for (const rate of QUICK ? [RATE] : [RATE, FLOOD]) {
      // A fresh target per step: a folder agent holding the previous step's records is not the same target.
      const target = await t.start();
      try {
        const m = await measureInChild({
          client: 'loadhouse',
          workers: 1,
          address: target.address,
          topic: `bench-producers-${producers}`,
          rate,
          seconds: SECONDS,
          partitions: PARTITIONS,
          warmupSeconds: 0,
          producers,
          intervalMs: 200,
        });
        rows.push({ target: t.name, producers, rateAsked: rate, ...m });
        console.log(
          `  ${producers.toLocaleString('en-US').padStart(6)}  ${rate.toLocaleString('en-US').padStart(7)}  ${fmt(m.msgsPerSec, 0).padStart(7)}  ` +
            `${fmt(m.rateErrorPercent, 2).padStart(6)}%  ${fmt(m.responseP99Ms, 1).padStart(8)}  ${fmt(m.firstAckSeconds, 2).padStart(5)}  ` +
            `${fmt(m.peakRssMb, 0).padStart(5)}  ${fmt(m.cores, 2)}`,
        );
      } catch (err) {
        console.log(`  ${producers} producers at ${rate}: failed: ${(err as Error).message.slice(0, 300)}`);
      } finally {
        await target.stop();
      }
    }
  }
}

const file = QUICK ? 'producers-quick.json' : 'producers.json';
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL(`./results/${file}`, import.meta.url),
  `${JSON.stringify({ bench: 'producers', quick: QUICK, date: new Date().toISOString(), node: process.version, loadAverage: loadavg(), seconds: SECONDS, rate: RATE, partitions: PARTITIONS, rows }, null, 2)}\n`,
);
console.log(`\nwritten bench/results/${file}`);
