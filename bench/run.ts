// `pnpm bench [name ...]`: runs the benchmarks one after another, each in its own process so one cannot
// disturb the next. Each prints its table and writes bench/results/<name>.json; BENCHMARKS.md describes them.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// `producers` is not in the default set: its 10,000-producer step alone needs several minutes and a lot of memory;
// `capacity` neither: a search of 10 s steps takes a few minutes; nor `verify`: it runs 10 minutes.
const ALL = ['agent', 'generator', 'consumer', 'soak'];
const KNOWN = [
  ...ALL,
  'producers',
  'capacity',
  'proxy',
  'proxy-cpu',
  'verify',
  'protocols',
  'kafka-listener',
  'workload',
  'arrivals',
  'instrumentation',
  'instrumentation-pooled',
];
const chosen = process.argv.slice(2).filter((a) => !a.startsWith('-'));
// Flags (--quick) go to every benchmark run.
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const names = chosen.length ? chosen : ALL;
for (const name of names) {
  if (!KNOWN.includes(name)) {
    console.error(`unknown benchmark ${name}; known: ${KNOWN.join(', ')}`);
    process.exit(2);
  }
}
let failed = 0;
for (const name of names) {
  console.log(`\n### bench ${name}\n`);
  const r = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), ...flags],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${name} exited with ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
