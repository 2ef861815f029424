// CPU profiles of the generator (issue 11, item 3): loadhouse with one worker against the plain grpc-js sink,
// 1 KiB x 100, 4 partitions, run with `node --cpu-prof` so every thread (the main thread and the load worker)
// writes its own .cpuprofile; each is summarized by bench/profile-summary.ts. Cases:
//   60k          60,000 msgs/s
//   saturation   150,000 msgs/s asked (beyond reach: the worker busy all the time)
//   producers    1,000 producers sharing 20,000 msgs/s over 100 partitions (the many-producers scenario)
//   instrumentation  100,000 msgs/s with and without instrumentation (histograms, record header, verify logs):
//                where the difference goes
//   ramp         50,000 msgs/s with no warm-up: the rate of the first sample windows (no profile)
//   semispace    peak RSS at 60,000 msgs/s, alternately with V8's default young generation and
//                --max-semi-space-size=1 (MB), 3 rounds (no profile)
// Profiles go to bench/results/profiles/<case>/ (not committed: large), summaries to
// bench/results/profiles/<case>.txt and the figures to bench/results/profile.json.
//
// Run: npx tsx --conditions=source bench/profile.ts [case ...]   (BENCH_SECONDS=10)
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './compare.js';
import { spawnGrpcSink } from './grpc-sink.js';
import { type MeasureSpec, type Measurement, measureInChild } from './measure.js';
import { type CpuProfile, formatSummary, summarizeProfile } from './profile-summary.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CASES = ['60k', 'saturation', 'instrumentation', 'producers', 'ramp', 'semispace'];
const chosen = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const c of chosen) if (!CASES.includes(c)) throw new Error(`unknown case ${c}; known: ${CASES.join(', ')}`);
const cases = chosen.length ? chosen : CASES;
const out = fileURLToPath(new URL('./results/profiles/', import.meta.url));
mkdirSync(out, { recursive: true });

const figures: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  loadAverageAtStart: loadavg(),
  seconds: SECONDS,
};
const sink = await spawnGrpcSink();
const base = (over: Partial<MeasureSpec>): MeasureSpec => ({
  client: 'loadhouse',
  workers: 1,
  address: sink.address,
  topic: 'bench-profile',
  rate: 60_000,
  seconds: SECONDS,
  partitions: 4,
  warmupSeconds: 1,
  ...over,
});

async function profiled(name: string, spec: MeasureSpec): Promise<void> {
  const dir = join(out, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // The main thread through --cpu-prof; the load worker through bench/worker-profiler.mjs, stopped 1 s before the
  // schedule ends (the worker's module loading included; the summary counts from its first `send`).
  const m = await measureInChild(
    spec,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', fileURLToPath(new URL('./worker-profiler.mjs', import.meta.url))],
    { LH_PROFILE_DIR: dir, LH_PROFILE_MS: String((spec.seconds - 1) * 1000) },
  );
  const text: string[] = [
    `${name}: ${JSON.stringify(spec)}`,
    `acked ${m.acked} at ${Math.round(m.msgsPerSec)} msgs/s, response p99 ${m.responseP99Ms} ms, lag p99 ${m.scheduleLagP99Ms} ms, ` +
      `peak RSS ${m.peakRssMb.toFixed(0)} MB, ${m.cores.toFixed(2)} cores, saturated ${m.saturatedWindows}/${m.totalWindows}, load average ${loadavg()[0]!.toFixed(1)}`,
    '',
  ];
  // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile from --cpu-prof: thread 0 is the main thread (counted
  // from its first sample window, `takeSample`); another is tsx's module-loader thread (left out). worker-N: the load worker.
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const main = f.startsWith('CPU.') && Number(f.split('.')[4]) === 0;
    if (!main && !f.startsWith('worker-')) continue;
    const summary = summarizeProfile(JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile, 30, main ? 'takeSample' : 'send');
    text.push(
      formatSummary(summary, main ? `main thread from its first sample window (${f})` : `load worker from its first send (${f})`),
      '',
    );
  }
  writeFileSync(join(out, `${name}.txt`), `${text.join('\n')}\n`);
  figures[name] = m;
  console.log(text.join('\n'));
}

try {
  for (const c of cases) {
    if (c === '60k') await profiled('60k', base({ rate: 60_000 }));
    if (c === 'saturation') await profiled('saturation', base({ rate: 150_000, dropAfterMs: 2_000 }));
    if (c === 'instrumentation') {
      await profiled('instrumented', base({ rate: 100_000 }));
      await profiled('uninstrumented', base({ rate: 100_000, instrument: false }));
    }
    if (c === 'producers')
      await profiled('producers', base({ rate: 20_000, producers: 1_000, partitions: 100, warmupSeconds: 0, topic: 'bench-profile-1000' }));
    if (c === 'ramp') {
      const m = await measureInChild(base({ rate: 50_000, warmupSeconds: 0, topic: 'bench-ramp' }));
      figures.ramp = m;
      console.log(`ramp at 50,000 msgs/s, --warmup 0: [seconds since run start, msgs/s] ${JSON.stringify(m.ramp)}`);
    }
    if (c === 'semispace') {
      const rss: Record<string, number[]> = { default: [], semi1: [] };
      const all: Measurement[] = [];
      for (let round = 0; round < 3; round++) {
        for (const [k, args] of [
          ['default', []],
          ['semi1', ['--max-semi-space-size=1']],
        ] as const) {
          const m = await measureInChild(base({ rate: 60_000, topic: 'bench-semi' }), args);
          rss[k]!.push(m.peakRssMb);
          all.push(m);
          console.log(`semispace ${k} round ${round + 1}: peak RSS ${m.peakRssMb.toFixed(0)} MB, ${Math.round(m.msgsPerSec)} msgs/s`);
        }
      }
      figures.semispace = { medians: { default: median(rss.default!), semi1: median(rss.semi1!) }, measurements: all };
    }
  }
} finally {
  await sink.stop();
  // Cases run separately add to one file: a case replaces only its own entry.
  const file = fileURLToPath(new URL('./results/profile.json', import.meta.url));
  let before: Record<string, unknown> = {};
  try {
    before = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // first run
  }
  writeFileSync(file, `${JSON.stringify({ ...before, ...figures }, null, 2)}\n`);
}
