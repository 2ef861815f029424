// Workload benchmark (issue 16): what keys and drawn sizes cost against the uniform workload (1 KiB records, no
// keys), as the most records per second loadhouse sustains into the agent's `--sink`. Each row is one workload;
// rows are measured alternately (A B, B A, ..., each measurement in a fresh process, bench/measure.ts) and the table
// gives medians over the rounds and each row's median per-round ratio to the uniform row. Another workload (an
// arrival process, a rate profile) joins by adding a row to ROWS.
//
// Run: pnpm bench workload          (BENCH_SECONDS=10 per measurement, BENCH_ROUNDS=3)
//      pnpm bench workload --quick  (a smoke test: 3 s, 1 round)
//      BENCH_ROWS=0 pnpm bench workload  (only the rows at these positions)
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnAgent } from '@loadhouse/agent';
import { alternation, compare, type Figures } from './compare.js';
import { type MeasureSpec, type Measurement, measureInChild } from './measure.js';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 3 : Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
/** Asked of every row: beyond what one worker sends, so each row shows what it sustains. Late records drop after 2 s. */
const FLOOD = 150_000;

export interface WorkloadRow {
  name: string;
  /** What the row changes from the uniform workload. */
  spec: Partial<MeasureSpec>;
}

/** The workloads compared; the first is the reference. */
export const ROWS: WorkloadRow[] = [
  { name: 'uniform 1 KiB, no keys', spec: {} },
  { name: 'keys uniform:1000', spec: { keys: 'uniform:1000' } },
  { name: 'keys zipf:1000:1.1', spec: { keys: 'zipf:1000:1.1' } },
  { name: 'sizes uniform:512-1536', spec: { sizes: 'uniform:512-1536' } },
];

/** BENCH_ROWS=0,2 measures only those rows (by position). */
const PICK = process.env.BENCH_ROWS?.split(',').map(Number);
const rows = PICK ? ROWS.filter((_, i) => PICK.includes(i)) : ROWS;
const agent = await spawnAgent({ grpcPort: 0, httpPort: 0, sink: true });
const names = rows.map((r) => r.name);
const byRound: Array<Record<string, Figures>> = Array.from({ length: ROUNDS }, () => ({}));
const measurements: Measurement[][] = Array.from({ length: ROUNDS }, () => []);
try {
  console.log(`agent --sink, ${FLOOD.toLocaleString('en-US')} msgs/s asked, ${ROUNDS} round(s) of ${SECONDS} s, 1 worker, 4 partitions`);
  for (const step of alternation(names, ROUNDS)) {
    const row = rows.find((r) => r.name === step.client)!;
    const m = await measureInChild({
      client: 'loadhouse',
      address: agent.grpcAddress,
      topic: `bench-workload-${ROWS.indexOf(row)}`,
      rate: FLOOD,
      seconds: SECONDS,
      partitions: 4,
      warmupSeconds: 1,
      workers: 1,
      dropAfterMs: 2_000,
      ...row.spec,
    });
    byRound[step.round]![row.name] = m;
    measurements[step.round]!.push(m);
    console.log(
      `  round ${step.round + 1} ${row.name}: ${Math.round(m.msgsPerSec).toLocaleString('en-US')} msgs/s, ${m.cores.toFixed(2)} cores`,
    );
  }
} finally {
  await agent.stop();
}
const c = compare(names, names[0]!, byRound);
console.log('\n| workload | msgs/s (median) | vs uniform | response p99 ms | peak RSS MiB |');
console.log('|---|---|---|---|---|');
for (const n of names) {
  const m = c.medians[n]!;
  const vs = n === names[0] ? '1.00' : c.ratios[n]!.msgsPerSec.toFixed(2);
  console.log(
    `| ${n} | ${Math.round(m.msgsPerSec).toLocaleString('en-US')} | ${vs} | ${m.responseP99Ms.toFixed(1)} | ${Math.round(m.peakRssMb)} |`,
  );
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/workload.json', import.meta.url),
  `${JSON.stringify({ seconds: SECONDS, rounds: ROUNDS, rate: FLOOD, rows, comparison: c, measurements }, null, 2)}\n`,
);
