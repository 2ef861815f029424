// Kafka listener benchmark (issue 15): what the agent's Kafka door costs. Three measurements alternate in each
// round, each against a fresh agent child process (local folder, ACK_BUFFERED / acks=1), 1 KiB records in
// batches of 100 over 8 partitions, 64 batches in flight, the client in this process:
//   grpc-off   a plain grpc-js ProduceBatch loop, the agent started without a Kafka listener
//   grpc-on    the same loop, the agent started with its Kafka listener (idle: nobody connects to it)
//   kafka      a plain @platformatic/kafka Producer loop (acks 1) through the Kafka listener
// Reported: medians over the rounds of msgs/s and of the agent's CPU per record (/proc/<pid>/stat), and the
// median of per-round ratios grpc-on / grpc-off (the idle listener's cost) and kafka / grpc-on (the door's).
//
// Run: pnpm bench kafka-listener            (BENCH_SECONDS=10 per measurement after 2 s warm-up, BENCH_ROUNDS=3)
//      pnpm bench kafka-listener --quick    (3 s, 1 round)
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnAgent } from '@loadhouse/agent';
import { AckMode, type ProduceRecord, StreamHouseClient } from '@loadhouse/core/wire';
import { ProduceAcks, Producer } from '@platformatic/kafka';
import { alternation, median } from './compare.js';
import { cpuSeconds } from './proc.js';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 3 : Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = QUICK ? 1 : 2;
const IN_FLIGHT = 64;
const BATCH = 100;
const RECORD_BYTES = 1024;
const PARTITIONS = 8;
const CASES = ['grpc-off', 'grpc-on', 'kafka'] as const;
type Case = (typeof CASES)[number];

interface Measured {
  case: Case;
  round: number;
  msgsPerSec: number;
  agentCores: number;
  agentCpuUsPerRecord: number;
  /** CPU of this process (the client) over the measurement, in cores. */
  clientCores: number;
  errors: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Keeps IN_FLIGHT sends going, counts the records acked between warm-up and the end, then waits for the
 * sends still in flight. `send(i, done)` sends batch i and calls done(ok) once answered.
 */
async function loop(pid: number, send: (i: number, done: (ok: boolean) => void) => void): Promise<Omit<Measured, 'case' | 'round'>> {
  let measuring = false;
  let stopping = false;
  let acked = 0;
  let errors = 0;
  let next = 0;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const one = (): void => {
    if (stopping) {
      if (inFlight === 0) drained?.();
      return;
    }
    inFlight++;
    send(next++, (ok) => {
      inFlight--;
      if (measuring) {
        if (ok) acked += BATCH;
        else errors++;
      }
      one();
    });
  };
  for (let i = 0; i < IN_FLIGHT; i++) one();
  await sleep(WARMUP_SECONDS * 1000);
  measuring = true;
  const cpu0 = cpuSeconds(pid);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const client = process.cpuUsage(client0);
  stopping = true;
  await new Promise<void>((resolve) => {
    drained = resolve;
    if (inFlight === 0) resolve();
  });
  return {
    msgsPerSec: Math.round(acked / seconds),
    agentCores: Math.round((cpu / seconds) * 100) / 100,
    agentCpuUsPerRecord: Math.round(((cpu * 1e6) / Math.max(1, acked)) * 100) / 100,
    clientCores: Math.round(((client.user + client.system) / 1e6 / seconds) * 100) / 100,
    errors,
  };
}

async function measure(c: Case, round: number): Promise<Measured> {
  const agent = await spawnAgent({ grpcPort: 0, httpPort: 0, ...(c === 'grpc-off' ? {} : { kafkaPort: 0 }) });
  const grpc = new StreamHouseClient(agent.grpcAddress, { connections: 4 });
  try {
    await grpc.waitForReady();
    await grpc.createTopic({ name: 'bench', partitionCount: PARTITIONS });
    const value = Buffer.alloc(RECORD_BYTES, 7);
    if (c !== 'kafka') {
      const records: ProduceRecord[] = Array.from({ length: BATCH }, () => ({ value }));
      const requests = Array.from({ length: PARTITIONS }, (_, p) => ({
        topic: 'bench',
        partition: p,
        records,
        ackMode: AckMode.ACK_BUFFERED,
      }));
      const r = await loop(agent.pid, (i, done) => grpc.unary('ProduceBatch', requests[i % PARTITIONS]!, (err) => done(!err)));
      return { case: c, round, ...r };
    }
    // One connection (the client's to the one broker) with as many requests in flight as the gRPC loop has.
    const producer = new Producer({ clientId: 'bench', bootstrapBrokers: [agent.kafkaAddress!], maxInflights: IN_FLIGHT, retries: 0 });
    try {
      const batches = Array.from({ length: PARTITIONS }, (_, p) =>
        Array.from({ length: BATCH }, () => ({ topic: 'bench', value, partition: p })),
      );
      const r = await loop(agent.pid, (i, done) => {
        producer.send({ messages: batches[i % PARTITIONS]!, acks: ProduceAcks.LEADER }).then(
          () => done(true),
          () => done(false),
        );
      });
      return { case: c, round, ...r };
    } finally {
      await producer.close();
    }
  } finally {
    grpc.close();
    await agent.stop();
  }
}

const fmt = (v: number, digits = 0): string =>
  Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-';

const started = new Date().toISOString();
console.log(
  `kafka-listener benchmark${QUICK ? ' (quick)' : ''}: ${SECONDS} s per measurement (+${WARMUP_SECONDS} s warm-up), ${ROUNDS} round(s) of ` +
    `${CASES.join(' / ')}, ${IN_FLIGHT} x ${BATCH} x 1 KiB in flight, ${PARTITIONS} partitions, a fresh agent (local folder) each time.`,
);
const measured: Measured[] = [];
for (const step of alternation([...CASES], ROUNDS)) {
  const m = await measure(step.client, step.round);
  measured.push(m);
  console.log(
    `  round ${step.round + 1} ${m.case.padEnd(8)} ${fmt(m.msgsPerSec).padStart(8)} msgs/s  agent ${fmt(m.agentCores, 2)} cores, ` +
      `${fmt(m.agentCpuUsPerRecord, 2)} µs/record  client ${fmt(m.clientCores, 2)} cores  errors ${m.errors}`,
  );
}
const of = (c: Case, r: number): Measured => measured.find((m) => m.case === c && m.round === r)!;
const rounds = Array.from({ length: ROUNDS }, (_, r) => r);
const medians = Object.fromEntries(
  CASES.map((c) => [
    c,
    {
      msgsPerSec: median(rounds.map((r) => of(c, r).msgsPerSec)),
      agentCpuUsPerRecord: median(rounds.map((r) => of(c, r).agentCpuUsPerRecord)),
      clientCores: median(rounds.map((r) => of(c, r).clientCores)),
    },
  ]),
) as Record<Case, { msgsPerSec: number; agentCpuUsPerRecord: number; clientCores: number }>;
const ratios = (a: Case, b: Case) => ({
  msgsPerSec: median(rounds.map((r) => of(a, r).msgsPerSec / of(b, r).msgsPerSec)),
  agentCpuUsPerRecord: median(rounds.map((r) => of(a, r).agentCpuUsPerRecord / of(b, r).agentCpuUsPerRecord)),
});
const idleListener = ratios('grpc-on', 'grpc-off');
const kafkaVsGrpc = ratios('kafka', 'grpc-on');
console.log(`\n  medians of ${ROUNDS} round(s): msgs/s, agent µs/record, client cores`);
for (const c of CASES) {
  const m = medians[c];
  console.log(
    `    ${c.padEnd(8)} ${fmt(m.msgsPerSec).padStart(8)}  ${fmt(m.agentCpuUsPerRecord, 2).padStart(6)}  ${fmt(m.clientCores, 2).padStart(5)}`,
  );
}
console.log(
  `  idle Kafka listener (grpc-on / grpc-off): x${fmt(idleListener.msgsPerSec, 3)} rate, x${fmt(idleListener.agentCpuUsPerRecord, 3)} µs/record`,
);
console.log(
  `  Kafka door vs gRPC (kafka / grpc-on): x${fmt(kafkaVsGrpc.msgsPerSec, 3)} rate, x${fmt(kafkaVsGrpc.agentCpuUsPerRecord, 3)} µs/record`,
);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/kafka-listener.json', import.meta.url),
  `${JSON.stringify(
    {
      bench: 'kafka-listener',
      started,
      node: process.version,
      config: {
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        rounds: ROUNDS,
        inFlight: IN_FLIGHT,
        batch: BATCH,
        recordBytes: RECORD_BYTES,
        partitions: PARTITIONS,
      },
      medians,
      ratios: { idleListener, kafkaVsGrpc },
      measured,
    },
    null,
    2,
  )}\n`,
);
