// The instrumentation case's rounds pooled over every saved run (issue 11): one run of 7-15 rounds cannot settle a
// 5% bound on this machine, whose per-round ratios scatter by 10-20%, so this reads the per-round costs that
// `pnpm bench generator` saved (the load worker's CPU per record, instrumented against not, in alternated pairs) and
// judges the bound over all of them: the mean's 95% confidence interval, and a sign test beside it.
// Nothing is measured here; the runs pooled are listed, with their own medians, so a reader sees what went in.
//
// Run: pnpm bench instrumentation-pooled      (reads bench/results/generator-instrumentation*.json)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { instrumentationCostPercent, median, pooled } from './compare.js';

const GOAL = 5;
const dir = new URL('./results/', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => /^generator-instrumentation.*\.json$/.test(f))
  .sort();

interface Saved {
  started?: string;
  config?: { pinned?: { generatorCpu: number; targetCpu: number }; built?: boolean };
  cases?: Array<{ target?: string; rate?: number; cpuPerRecord?: { workerRoundRatios?: Record<string, number[]> } }>;
}

const runs: Array<{ file: string; started: string; target: string; rate: number; how: string; rounds: number; medianPercent: number }> = [];
const costs: number[] = [];
for (const file of files) {
  const saved = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Saved;
  for (const c of saved.cases ?? []) {
    const ratios = c.cpuPerRecord?.workerRoundRatios?.['no instrumentation'];
    if (!ratios?.length) continue;
    const own = ratios.map(instrumentationCostPercent);
    costs.push(...own);
    runs.push({
      file,
      started: saved.started ?? '?',
      target: c.target ?? '?',
      rate: c.rate ?? Number.NaN,
      how: [saved.config?.pinned ? 'pinned' : '', saved.config?.built ? 'built' : 'sources'].filter(Boolean).join(', '),
      rounds: own.length,
      medianPercent: median(own),
    });
  }
}
runs.sort((a, b) => a.started.localeCompare(b.started) || a.target.localeCompare(b.target));
if (runs.length === 0) {
  console.error('no saved instrumentation rounds under bench/results/ (run BENCH_CASES=instrumentation pnpm bench generator)');
  process.exit(1);
}

const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
console.log(`instrumentation's cost, load worker CPU per record, pooled over ${runs.length} saved runs (goal <= ${GOAL}%)`);
console.log('  started (UTC)             target         rate  how              rounds  median cost  file');
for (const r of runs) {
  console.log(
    `  ${r.started.padEnd(25)} ${r.target.padEnd(14)} ${String(r.rate).padStart(7)}  ${r.how.padEnd(15)}  ${String(r.rounds).padStart(6)}  ${fmt(r.medianPercent).padStart(10)}%  ${r.file}`,
  );
}
const p = pooled(costs, GOAL);
console.log(
  `\n  ${p.n} rounds: median ${fmt(p.median)}%, mean ${fmt(p.mean)}% (95% interval ${fmt(p.low)}-${fmt(p.high)}%); ` +
    `${p.above} of ${p.n} rounds above ${GOAL}% (sign test p = ${p.signP.toPrecision(2)}); goal <= ${GOAL}%: ${p.verdict}`,
);
console.log('  (rounds from runs at other times, rates and sinks are pooled as if independent: read it with the list above)');

const out = new URL('instrumentation-pooled.json', dir);
writeFileSync(
  out,
  `${JSON.stringify({ bench: 'instrumentation-pooled', date: new Date().toISOString(), goalPercent: GOAL, runs, pooled: p }, null, 2)}\n`,
);
console.log('\nwritten bench/results/instrumentation-pooled.json');
