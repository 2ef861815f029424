// Generator benchmark (issue: core engine). Against the agent in sink mode (a child process), 1 KiB records,
// batches of 100:
//   (a) a hand-written minimal @grpc/grpc-js loop (bench/baseline.ts), what a user would write instead;
//   (b) loadhouse with 1 worker;  (c) loadhouse with 2 workers;
//   instrumentation cost: (b) with histograms and record header vs without;
//   rate accuracy at 1K, 10K, 50K, 100K msgs/s: |achieved/target - 1|.
// Run: pnpm bench generator   (BENCH_SECONDS=10 per measurement)
import { writeFileSync, mkdirSync } from 'node:fs';
import { createLoadTest, type LoadTestResult, type Scenario } from '@loadhouse/core';
import { spawnAgent } from '@loadhouse/agent';
import { runBaseline } from './baseline.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const IN_FLIGHT = 64;
const PARTITIONS = 8;
const BATCH = 100;
const SIZE = 1024;

function produceFor(name: string, seconds: number, rate: number, producers: number, maxInFlight: number): Scenario {
  return {
    name,
    criteria: [],
    plannedSeconds: seconds,
    async run(c) {
      const g = await c.produce({ rate, producers, partitions: PARTITIONS, batchSize: BATCH, messageSize: SIZE, maxInFlight, lingerMs: 5 });
      await c.waitFor(seconds);
      await g.stop();
    },
  };
}

async function loadhouse(
  address: string,
  topic: string,
  o: { workers: number; rate: number; instrument?: boolean; seconds?: number; producers?: number },
): Promise<LoadTestResult> {
  const producers = o.producers ?? 8;
  const test = createLoadTest({
    target: address,
    topic,
    workers: o.workers,
    connections: 2,
    resultsDir: false,
    instrument: o.instrument ?? true,
    warmupSeconds: 1,
    dropAfterMs: 60_000,
  });
  // The same in-flight limit as the baseline, spread over the producers.
  return test.run(produceFor('bench', o.seconds ?? SECONDS, o.rate, producers, Math.max(1, Math.round(IN_FLIGHT / producers))));
}

interface Row {
  case: string;
  msgsPerSec: number;
  ratio?: number;
  note?: string;
}

const rows: Row[] = [];
const print = (r: Row) => {
  rows.push(r);
  console.log(
    `${r.case.padEnd(44)} ${Math.round(r.msgsPerSec).toLocaleString('en-US').padStart(10)} msgs/s${r.ratio !== undefined ? `  ${r.ratio.toFixed(2)}x` : ''}${r.note ? `  ${r.note}` : ''}`,
  );
};

const sink = await spawnAgent({ grpcPort: 0, httpPort: 0, sink: true });
const local = await spawnAgent({ grpcPort: 0, httpPort: 0 });
try {
  console.log(
    `generator benchmark: ${SECONDS} s per case, ${IN_FLIGHT} batches of ${BATCH} x ${SIZE} B in flight, agent in sink mode (PID ${sink.pid})\n`,
  );
  // A capacity run asks for more than any generator here can send; the open-model schedule then measures lateness.
  const FLOOD = 400_000;
  const base = await runBaseline({
    address: sink.grpcAddress,
    topic: 'bench-baseline',
    partitions: PARTITIONS,
    seconds: SECONDS,
    inFlight: IN_FLIGHT,
    batchSize: BATCH,
    messageSize: SIZE,
    connections: 2,
  });
  print({ case: '(a) minimal grpc-js loop (1 thread)', msgsPerSec: base.msgsPerSec });
  const b = await loadhouse(sink.grpcAddress, 'bench-b', { workers: 1, rate: FLOOD });
  print({
    case: '(b) loadhouse, 1 worker',
    msgsPerSec: b.producer.msgsPerSec,
    ratio: b.producer.msgsPerSec / base.msgsPerSec,
    note: 'goal >= 0.95x (a)',
  });
  const c = await loadhouse(sink.grpcAddress, 'bench-c', { workers: 2, rate: FLOOD });
  print({
    case: '(c) loadhouse, 2 workers',
    msgsPerSec: c.producer.msgsPerSec,
    ratio: c.producer.msgsPerSec / base.msgsPerSec,
    note: 'goal >= 1.6x (a)',
  });
  const bRaw = await loadhouse(sink.grpcAddress, 'bench-b-raw', { workers: 1, rate: FLOOD, instrument: false });
  const cost = (1 - b.producer.msgsPerSec / bRaw.producer.msgsPerSec) * 100;
  print({
    case: '(b) without histograms and header',
    msgsPerSec: bRaw.producer.msgsPerSec,
    note: `instrumentation costs ${cost.toFixed(1)}% (goal <= 5%)`,
  });

  console.log('\nrate accuracy (local-folder agent, 2 workers):');
  const accuracy: Array<{ target: number; achieved: number; errorPercent: number; saturatedWindows: number; p99Ms: number }> = [];
  for (const rate of [1_000, 10_000, 50_000, 100_000]) {
    const r = await loadhouse(local.grpcAddress, `bench-rate-${rate}`, { workers: 2, rate, producers: 8 });
    // Achieved = acked over the time it took, drain included (see docs/measuring.md, Rates).
    const errorPercent = r.producer.rateErrorPercent;
    accuracy.push({
      target: rate,
      achieved: r.producer.msgsPerSec,
      errorPercent,
      saturatedWindows: r.generator.saturatedWindows,
      p99Ms: r.producer.latency.response.p99,
    });
    console.log(
      `  target ${rate.toLocaleString('en-US').padStart(7)}  achieved ${Math.round(r.producer.msgsPerSec).toLocaleString('en-US').padStart(7)}  error ${errorPercent.toFixed(2)}% (goal <= 0.5%)` +
        `  p99 ${r.producer.latency.response.p99.toFixed(1)} ms  saturated windows ${r.generator.saturatedWindows}/${r.generator.totalWindows}`,
    );
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results/generator.json', import.meta.url),
    `${JSON.stringify({ bench: 'generator', date: new Date().toISOString(), node: process.version, seconds: SECONDS, inFlight: IN_FLIGHT, batch: BATCH, recordBytes: SIZE, throughput: rows, instrumentationCostPercent: cost, accuracy }, null, 2)}\n`,
  );
  console.log('\nwritten bench/results/generator.json');
} finally {
  await sink.stop();
  await local.stop();
}
