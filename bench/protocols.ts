// Protocols benchmark (issue 15): the most each built-in driver sustains against the reference agent, through
// its own door (gRPC on the agent's gRPC port, REST under /api/v1 on its HTTP port, Kafka on its Kafka port
// through @loadhouse/driver-kafka). The agent runs with
// `--sink` (acks without storing) so the figure is the door and the driver, not the storage; 1 KiB records,
// batches of 100, 4 partitions, loadhouse with 1 worker, asked for more than either door carries.
//
// The doors are measured alternately (grpc rest kafka grpc rest kafka ...), each measurement in a fresh process
// (bench/measure.ts); the table gives medians over the rounds, REST and Kafka as the median of per-round ratios
// to gRPC. No lean Kafka-protocol client column: the driver already sends bare Produce requests on the
// client's connections, one per engine batch (docs/protocols.md).
//
// Run: pnpm bench protocols            (BENCH_SECONDS=10 per measurement, BENCH_ROUNDS=3)
//      pnpm bench protocols --quick    (3 s, 1 round)
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnAgent } from '@loadhouse/agent';
import { alternation, compare, type Figures } from './compare.js';
import { type Measurement, measureInChild } from './measure.js';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 3 : Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
const FLOOD = 150_000;
const DOORS = ['grpc', 'rest', 'kafka'] as const;

const fmt = (v: number, digits: number): string =>
  Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-';

const agent = await spawnAgent({ grpcPort: 0, httpPort: 0, kafkaPort: 0, sink: true });
const started = new Date().toISOString();
console.log(
  `protocols benchmark${QUICK ? ' (quick)' : ''}: ${SECONDS} s per measurement (1 s warm-up), ${ROUNDS} round(s), ${FLOOD.toLocaleString('en-US')} msgs/s asked, ` +
    "1 KiB x 100, 4 partitions, 1 worker, agent --sink. The machine's other load moves absolute figures; read the ratio.",
);
const byRound: Array<Record<string, Figures>> = Array.from({ length: ROUNDS }, () => ({}));
const measurements: Measurement[][] = Array.from({ length: ROUNDS }, () => []);
try {
  for (const step of alternation([...DOORS], ROUNDS)) {
    const door = step.client as (typeof DOORS)[number];
    const m = await measureInChild({
      client: 'loadhouse',
      protocol: door,
      address: door === 'rest' ? agent.httpAddress : door === 'kafka' ? agent.kafkaAddress! : agent.grpcAddress,
      topic: `bench-protocols-${door}`,
      rate: FLOOD,
      seconds: SECONDS,
      partitions: 4,
      warmupSeconds: 1,
      workers: 1,
      dropAfterMs: 2_000,
    });
    byRound[step.round]![door] = m;
    measurements[step.round]!.push(m);
    console.log(
      `  round ${step.round + 1} ${door.padEnd(5)} ${fmt(m.msgsPerSec, 0).padStart(8)} msgs/s  response p99 ${fmt(m.responseP99Ms, 1)} ms  ` +
        `failed ${m.failed}  peak RSS ${fmt(m.peakRssMb, 0)} MB  ${fmt(m.cores, 2)} cores`,
    );
  }
} finally {
  await agent.stop();
}
const c = compare([...DOORS], 'grpc', byRound);
console.log(`\n  median of ${c.rounds}: door, msgs/s sustained, response p99 ms, peak RSS MB; ratio to grpc (median of per-round ratios)`);
for (const door of DOORS) {
  const m = c.medians[door]!;
  const r = c.ratios[door];
  console.log(
    `    ${door.padEnd(5)} ${fmt(m.msgsPerSec, 0).padStart(8)}  ${fmt(m.responseP99Ms, 1).padStart(8)}  ${fmt(m.peakRssMb, 0).padStart(5)}` +
      (r ? `   x${fmt(r.msgsPerSec, 2)} rate  x${fmt(r.responseP99Ms, 2)} p99` : '   (reference)'),
  );
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/protocols.json', import.meta.url),
  `${JSON.stringify({ started, seconds: SECONDS, rounds: ROUNDS, rate: FLOOD, comparison: c, measurements }, null, 2)}\n`,
);
