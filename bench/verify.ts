// Record verification benchmark (issue 14.1): a clean run at a high rate with consumers reading alongside,
// so every record's checksum and offset is checked against its acknowledgement. Reported: the rate held, the
// verification counts (all must be 0 on a clean agent: any other figure is a false positive) and the memory
// of the ack and consumed maps, per million records.
// Run: pnpm bench verify   (BENCH_SECONDS=600, BENCH_RATE=20000; --quick: 20 s)
import { mkdirSync, writeFileSync } from 'node:fs';
import { createLoadTest, type Scenario } from '@loadhouse/core';
import { spawnAgent } from '@loadhouse/agent';

const quick = process.argv.includes('--quick');
const SECONDS = Number(process.env.BENCH_SECONDS ?? (quick ? 20 : 600));
const RATE = Number(process.env.BENCH_RATE ?? 20_000);
const PARTITIONS = 8;

const scenario: Scenario = {
  name: 'verify',
  criteria: [
    { metric: 'integrity.corrupted', op: '==', value: 0 },
    { metric: 'integrity.offsetMismatches', op: '==', value: 0 },
    { metric: 'integrity.lostAcked', op: '==', value: 0 },
    { metric: 'integrity.unackedSeen', op: '==', value: 0 },
  ],
  async run(c) {
    const readers = await c.consume({ rate: 'max', consumers: PARTITIONS, partitions: PARTITIONS, maxRecords: 1000 });
    const writers = await c.produce({ rate: RATE, producers: 4, partitions: PARTITIONS, messageSize: 1024, maxInFlight: 8 });
    await c.waitFor(SECONDS);
    await writers.stop();
    await c.waitFor((s) => s.consumer.lag === 0 && s.totals.consumed >= s.totals.acked, { timeoutSeconds: 120 });
    await readers.stop();
  },
};

// The agent keeps segments in memory up to its cache and in a temporary folder: a 10-minute run at 20K/s
// writes ~12 GB, so retention keeps only the last minute.
const agent = await spawnAgent({ grpcPort: 0, httpPort: 0, retentionMs: 60_000 });
try {
  console.log(
    `verify benchmark: ${SECONDS} s at ${RATE.toLocaleString('en-US')} msgs/s of 1 KiB, ${PARTITIONS} partitions, agent PID ${agent.pid}\n`,
  );
  const r = await createLoadTest({ target: agent.grpcAddress, topic: `bench-verify-${Date.now()}`, resultsDir: false }).run(scenario);
  const i = r.integrity;
  const acked = i.ackedMapped ?? 0;
  const bytesPerMillion = acked > 0 ? ((i.verifyMapBytes ?? 0) / acked) * 1e6 : 0;
  const row = {
    state: r.state,
    seconds: SECONDS,
    rateAsked: RATE,
    msgsPerSec: r.producer.msgsPerSec,
    acked: r.producer.acked,
    consumed: r.consumer.consumed,
    corrupted: i.corrupted,
    offsetMismatches: i.offsetMismatches,
    lostAcked: i.lostAcked,
    unackedSeen: i.unackedSeen,
    missing: i.missing,
    duplicates: i.duplicates,
    verifyMapBytes: i.verifyMapBytes,
    mapBytesPerMillionRecords: Math.round(bytesPerMillion),
    errors: r.errors.map((e) => e.code),
  };
  console.log(
    `produced ${Math.round(row.msgsPerSec).toLocaleString('en-US')} msgs/s; acked ${row.acked.toLocaleString('en-US')}, consumed ${row.consumed.toLocaleString('en-US')}\n` +
      `corrupted ${row.corrupted}, offset mismatches ${row.offsetMismatches}, lost acked ${row.lostAcked ?? 'unknown'}, unacked seen ${row.unackedSeen} ` +
      `(missing ${row.missing}, duplicates ${row.duplicates}): goal all 0\n` +
      `maps: ${((row.verifyMapBytes ?? 0) / 1048576).toFixed(1)} MiB, ${(bytesPerMillion / 1048576).toFixed(2)} MiB per million records`,
  );
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results/verify.json', import.meta.url),
    `${JSON.stringify({ bench: 'verify', date: new Date().toISOString(), node: process.version, ...row }, null, 2)}\n`,
  );
  console.log('\nwritten bench/results/verify.json');
} finally {
  await agent.stop();
}
