// Benchmark of the reference agent: how many 1 KiB records per second it takes with ACK_BUFFERED to a local
// folder, and in sink mode, and how much of its own CPU each record costs. The agent runs as a child process
// (spawnAgent) so its CPU is read from /proc/<pid>/stat, apart from the client's.
// Run: npx tsx bench/agent.ts   (BENCH_SECONDS=10 BENCH_IN_FLIGHT=64 BENCH_CONNECTIONS=4 to change the load)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ProduceRecord } from '@loadhouse/core/wire';
import { cpuSeconds } from './proc.js';

// Unbuilt workspace packages resolve only under the `source` export condition: re-run this file with it.
let agentModule: typeof import('@loadhouse/agent');
let coreModule: typeof import('@loadhouse/core/wire');
try {
  agentModule = await import('@loadhouse/agent');
  coreModule = await import('@loadhouse/core/wire');
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' || process.env.LH_BENCH_REEXEC) throw err;
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, '--conditions=source', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, LH_BENCH_REEXEC: '1' },
    },
  );
  process.exit(r.status ?? 1);
}
const { spawnAgent } = agentModule;
const { AckMode, StreamHouseClient } = coreModule;

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const BATCH = 100;
const RECORD_BYTES = 1024;
const PARTITIONS = 8;

interface ModeResult {
  mode: string;
  records: number;
  seconds: number;
  msgsPerSec: number;
  mibPerSec: number;
  agentCpuSeconds: number;
  agentCores: number;
  agentCpuUsPerRecord: number;
  clientCores: number;
  errors: number;
  batchLatencyMsP50: number;
  batchLatencyMsP99: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runMode(mode: 'local-folder' | 'sink'): Promise<ModeResult> {
  const agent = await spawnAgent({ sink: mode === 'sink' });
  const client = new StreamHouseClient(agent.grpcAddress, { connections: CONNECTIONS });
  try {
    await client.waitForReady();
    await client.createTopic({ name: 'bench', partitionCount: PARTITIONS });
    const records: ProduceRecord[] = Array.from({ length: BATCH }, (_, i) => ({ value: Buffer.alloc(RECORD_BYTES, i) }));
    const requests = Array.from({ length: PARTITIONS }, (_, p) => ({
      topic: 'bench',
      partition: p,
      records,
      ackMode: AckMode.ACK_BUFFERED,
    }));

    let measuring = false;
    let stopping = false;
    let acked = 0;
    let errors = 0;
    let next = 0;
    const latencies: number[] = [];
    let inFlight = 0;
    let drained: (() => void) | undefined;
    const send = (): void => {
      if (stopping) {
        if (inFlight === 0) drained?.();
        return;
      }
      inFlight++;
      const t0 = performance.now();
      client.unary('ProduceBatch', requests[next++ % PARTITIONS]!, (err) => {
        inFlight--;
        if (measuring) {
          if (err) errors++;
          else {
            acked += BATCH;
            latencies.push(performance.now() - t0);
          }
        }
        send();
      });
    };
    for (let i = 0; i < IN_FLIGHT; i++) send();

    await new Promise((r) => setTimeout(r, WARMUP_SECONDS * 1000));
    measuring = true;
    const cpu0 = cpuSeconds(agent.pid);
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    measuring = false;
    const seconds = (performance.now() - t0) / 1000;
    const agentCpu = cpuSeconds(agent.pid) - cpu0;
    const clientCpu = process.cpuUsage(client0);
    stopping = true;
    await new Promise<void>((resolve) => {
      drained = resolve;
      if (inFlight === 0) resolve();
    });
    latencies.sort((a, b) => a - b);
    return {
      mode,
      records: acked,
      seconds: round(seconds, 2),
      msgsPerSec: Math.round(acked / seconds),
      mibPerSec: round((acked * RECORD_BYTES) / seconds / 1024 / 1024, 1),
      agentCpuSeconds: round(agentCpu, 2),
      agentCores: round(agentCpu / seconds, 2),
      agentCpuUsPerRecord: round((agentCpu * 1e6) / Math.max(1, acked), 2),
      clientCores: round((clientCpu.user + clientCpu.system) / 1e6 / seconds, 2),
      errors,
      batchLatencyMsP50: round(percentile(latencies, 50), 2),
      batchLatencyMsP99: round(percentile(latencies, 99), 2),
    };
  } finally {
    client.close();
    await agent.stop();
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

const results: ModeResult[] = [];
for (const mode of ['local-folder', 'sink'] as const) {
  process.stderr.write(
    `bench agent: ${mode}, ${SECONDS} s (+${WARMUP_SECONDS} s warm-up), ${IN_FLIGHT} batches in flight over ${CONNECTIONS} connections...\n`,
  );
  results.push(await runMode(mode));
}

const header = ['mode', 'msgs/s', 'MiB/s', 'agent cores', 'agent CPU us/record', 'client cores', 'p50 ms', 'p99 ms', 'errors'];
const rows = results.map((r) => [
  r.mode,
  r.msgsPerSec.toLocaleString('en-US'),
  String(r.mibPerSec),
  String(r.agentCores),
  String(r.agentCpuUsPerRecord),
  String(r.clientCores),
  String(r.batchLatencyMsP50),
  String(r.batchLatencyMsP99),
  String(r.errors),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
process.stdout.write(`\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);

const out = {
  bench: 'agent',
  date: new Date().toISOString(),
  node: process.version,
  config: {
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    inFlight: IN_FLIGHT,
    connections: CONNECTIONS,
    batch: BATCH,
    recordBytes: RECORD_BYTES,
    partitions: PARTITIONS,
    ackMode: 'ACK_BUFFERED',
  },
  results,
};
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}agent.json`, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`\nwrote bench/results/agent.json\n`);
