// The per-record pieces of instrumentation, each timed against the way it was done before (issue 11), in one
// process, alternated (A B, B A) over rounds, medians of per-round figures:
//   header     a batch's record headers: step by step (writeRecordHeader's computation, eight CRC steps a record)
//              against HeaderBatch (the checksum by CRC linearity), 100-record batches cycled over 64 frames of
//              1 KiB records, as the producers' buffers are
//   histogram  per-record latency values (elapsed times of 100-record batches): a call into the WebAssembly HDR
//              histogram each against a HistogramTally's countSince per batch (counts in the histogram's bucket
//              layout, flushed into it once per 100,000 values: about a second's report at 100K msgs/s)
//   report     a report's latency histogram from a tally holding a second's values at 150K msgs/s (1-31 ms):
//              flushed into the WebAssembly histogram (a call per non-empty bucket) and encoded there, against
//              encoded straight from the tally's counts (HistogramTally.encode); per report, in µs
// The loop's own cost (filling the intended times, computing the values) is in both columns.
//
// Run: pnpm bench instrumentation     (BENCH_ROUNDS=7)
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHistogram, encodeHistogramBytes, initHistograms, toMicros } from '@loadhouse/core/histogram';
import { HistogramTally } from '../packages/core/src/metrics/tally.js';
import { ProduceFrame } from '../packages/core/src/proto/produce-frame.js';
import { HeaderBatch, payloadChecksum, timeWords, writeHeaderWords } from '../packages/core/src/record-header.js';
import { median } from './compare.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const BATCH = 100;
const SIZE = 1024;
const BATCHES = 20_000;
const VALUES = 2_000_000;

const frames = Array.from({ length: 64 }, () => {
  const f = new ProduceFrame({ topic: 'bench', ackMode: 1, batchSize: BATCH, messageSize: SIZE });
  for (let j = 0; j < BATCH; j++) {
    const at = f.valueOffset(j);
    for (let i = at + 36; i < at + SIZE; i++) f.bytes[i] = (i * 131 + j) & 0xff;
    f.payloadCrcs[j] = payloadChecksum(f.bytes, at, SIZE);
  }
  return f;
});
const times = new Float64Array(BATCH);
const { f64, i32 } = timeWords;
const headers = new HeaderBatch();
let sequence = 0;

/** ns per record of stamping BATCHES batches one way. */
function stamp(batchWise: boolean): number {
  const t0 = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    const f = frames[b & 63]!;
    const base = Date.now() + b * 0.01;
    for (let j = 0; j < BATCH; j++) times[j] = base + j * 0.0066;
    const producer = b & 3;
    if (batchWise) {
      const view = f.view;
      const terms = f.payloadTerms();
      headers.begin(producer, sequence, producer, SIZE);
      for (let j = 0; j < BATCH; j++) {
        f64[0] = times[j]!;
        headers.write(view, f.valueOffset(j), sequence + j, i32[1]!, i32[0]!, terms[j]!);
      }
    } else {
      for (let j = 0; j < BATCH; j++) {
        f64[0] = times[j]!;
        writeHeaderWords(f.bytes, f.valueOffset(j), producer, sequence + j, i32[1]!, i32[0]!, producer, SIZE, f.payloadCrcs[j]! | 0);
      }
    }
    sequence += BATCH;
  }
  return ((performance.now() - t0) * 1e6) / (BATCHES * BATCH);
}

await initHistograms();
const direct = createHistogram();
const tallied = createHistogram();
const tally = new HistogramTally(tallied);
const warmTally = new HistogramTally(createHistogram());
const intended = new Float64Array(BATCH);

/**
 * ns per value of recording VALUES latency values (1-31 ms) one way: each converted and recorded into the
 * WebAssembly histogram, or a batch's at once into a tally (`countSince`, the producers' path), flushed every
 * 100,000 values.
 */
function record(viaTally: boolean): number {
  const t0 = performance.now();
  for (let i = 0; i < VALUES; i += BATCH) {
    const now = 1.7e12 + i;
    for (let j = 0; j < BATCH; j++) intended[j] = now - (1_000 + (((i + j) * 7919) % 30_000)) / 1000;
    if (viaTally) {
      tally.countSince(intended, BATCH, now, 0, warmTally);
      if (i % 100_000 === 100_000 - BATCH) tally.flush();
    } else for (let j = 0; j < BATCH; j++) direct.recordValue(toMicros(now - intended[j]!));
  }
  return ((performance.now() - t0) * 1e6) / VALUES;
}

const REPORTS = 200;
const PER_REPORT = 150_000;
const reported = createHistogram();
const reportTally = new HistogramTally(reported);

/** µs per report of encoding REPORTS reports' response histograms one way (the counting itself not timed). */
function report(direct: boolean): number {
  let total = 0;
  let bytes = 0;
  for (let r = 0; r < REPORTS; r++) {
    for (let i = 0; i < PER_REPORT; i++) reportTally.record(1_000 + (((i + r) * 7919) % 30_000));
    const t0 = performance.now();
    let encoded = direct ? reportTally.encode() : undefined;
    if (!encoded) {
      reportTally.flush();
      encoded = encodeHistogramBytes(reported);
    }
    reportTally.discard();
    reported.reset();
    total += performance.now() - t0;
    bytes += encoded.length;
  }
  if (bytes === 0) throw new Error('nothing encoded');
  return (total * 1e3) / REPORTS;
}

const figures: Record<string, number[]> = { stepwise: [], batch: [], wasm: [], tally: [], flushed: [], direct: [] };
console.log(`instrumentation pieces: ${ROUNDS} rounds, alternated; ns per record (header) and per value (histogram)`);
for (let round = 0; round < ROUNDS; round++) {
  // Each pair in both orders over the rounds.
  const order = round % 2 === 0 ? [false, true] : [true, false];
  for (const batchWise of order) figures[batchWise ? 'batch' : 'stepwise']!.push(stamp(batchWise));
  for (const viaTally of order) figures[viaTally ? 'tally' : 'wasm']!.push(record(viaTally));
  for (const direct of order) figures[direct ? 'direct' : 'flushed']!.push(report(direct));
  console.log(
    `  round ${round + 1}: header step by step ${figures.stepwise!.at(-1)!.toFixed(1)} ns, batch ${figures.batch!.at(-1)!.toFixed(1)} ns; ` +
      `histogram WASM ${figures.wasm!.at(-1)!.toFixed(1)} ns, tally ${figures.tally!.at(-1)!.toFixed(1)} ns; ` +
      `report flushed ${figures.flushed!.at(-1)!.toFixed(0)} µs, direct ${figures.direct!.at(-1)!.toFixed(0)} µs`,
  );
}
direct.destroy();
tallied.destroy();
reported.destroy();

// The first round carries the JIT's warm-up: medians over the rest.
const steady = (k: string) => median(figures[k]!.slice(1));
const rows = [
  { piece: 'record header (per record, ns)', before: steady('stepwise'), after: steady('batch') },
  { piece: 'latency value (per value, ns)', before: steady('wasm'), after: steady('tally') },
  { piece: 'report histogram (per report, µs)', before: steady('flushed'), after: steady('direct') },
];
console.log('\n| piece | before | after | after / before |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.piece} | ${r.before.toFixed(1)} | ${r.after.toFixed(1)} | x${(r.after / r.before).toFixed(2)} |`);
const out = new URL('./results/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(
  new URL('instrumentation.json', out),
  `${JSON.stringify({ bench: 'instrumentation', date: new Date().toISOString(), node: process.version, rounds: ROUNDS, rows, figures }, null, 2)}\n`,
);
console.log('\nwritten bench/results/instrumentation.json');
