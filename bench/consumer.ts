// Consumer benchmark (issue: consumers). The agent (a child process, local folder) holds a pre-filled topic
// of 1 KiB records; loadhouse consumers read it from the earliest offset as fast as it serves, with 1 worker
// and with every worker. Reported: msgs/s, the agent's cache hit rate during the read, poll P99; and the
// producer side's rate against the same agent, since catch-up must be limited by the target, not loadhouse.
// Run: pnpm bench consumer   (BENCH_RECORDS=300000)
import { writeFileSync, mkdirSync } from 'node:fs';
import { createLoadTest, type LoadTestResult, type Scenario } from '@loadhouse/core';
import { spawnAgent } from '@loadhouse/agent';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 300_000);
const PARTITIONS = 8;

async function cacheCounters(httpAddress: string): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(`${httpAddress}/metrics`)).text();
  const total = (name: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(name))
      .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return { hits: total('streamhouse_cache_hits_total'), misses: total('streamhouse_cache_misses_total') };
}

const fill = (topic: string): Scenario => ({
  name: 'fill',
  criteria: [],
  async run(c) {
    // Far above what the machine sends: the open-model backlog keeps every producer busy until the quota is met.
    const g = await c.produce({
      rate: 400_000,
      producers: PARTITIONS,
      partitions: PARTITIONS,
      messagesPerProducer: Math.ceil(RECORDS / PARTITIONS),
      maxInFlight: 8,
    });
    await g.done;
    await g.stop();
    void topic;
  },
});

const readAll = (consumers: number): Scenario => ({
  name: 'read',
  criteria: [],
  async run(c) {
    const r = await c.consume({ rate: 'max', consumers, startAt: 'earliest', maxRecords: 1000 });
    await c.waitFor((s) => s.totals.consumed >= RECORDS - PARTITIONS && s.consumer.lag === 0, { timeoutSeconds: 120 });
    await r.stop();
  },
});

const agent = await spawnAgent({ grpcPort: 0, httpPort: 0 });
const rows: Array<Record<string, unknown>> = [];
try {
  console.log(
    `consumer benchmark: ${RECORDS.toLocaleString('en-US')} records of 1 KiB over ${PARTITIONS} partitions, agent PID ${agent.pid}\n`,
  );
  const produced: LoadTestResult = await createLoadTest({
    target: agent.grpcAddress,
    topic: 'bench-consume',
    resultsDir: false,
    dropAfterMs: 120_000,
  }).run(fill('bench-consume'));
  console.log(`producer side: ${Math.round(produced.producer.msgsPerSec).toLocaleString('en-US')} msgs/s (all workers, flood)`);
  // Let the last segments roll (age 1 s) so reads come from stored segments through the cache.
  await new Promise((r) => setTimeout(r, 2500));
  for (const workers of [1, 2]) {
    const before = await cacheCounters(agent.httpAddress);
    const r = await createLoadTest({ target: agent.grpcAddress, topic: 'bench-consume', workers, resultsDir: false }).run(
      readAll(PARTITIONS),
    );
    const after = await cacheCounters(agent.httpAddress);
    const hits = after.hits - before.hits;
    const misses = after.misses - before.misses;
    const row = {
      workers,
      consumed: r.consumer.consumed,
      msgsPerSec: r.consumer.msgsPerSec,
      pollP99Ms: r.consumer.latency.poll.p99,
      cacheHitRatePercent: hits + misses > 0 ? (hits / (hits + misses)) * 100 : null,
      ratioToProducer: r.consumer.msgsPerSec / produced.producer.msgsPerSec,
    };
    rows.push(row);
    console.log(
      `consumers, ${workers} worker(s): ${Math.round(row.msgsPerSec).toLocaleString('en-US')} msgs/s, poll p99 ${row.pollP99Ms.toFixed(1)} ms, ` +
        `cache hit rate ${row.cacheHitRatePercent?.toFixed(1) ?? '-'}%, ${row.ratioToProducer.toFixed(2)}x the producer side (goal >= 2x)`,
    );
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results/consumer.json', import.meta.url),
    `${JSON.stringify({ bench: 'consumer', date: new Date().toISOString(), node: process.version, records: RECORDS, partitions: PARTITIONS, producerMsgsPerSec: produced.producer.msgsPerSec, consumers: rows }, null, 2)}\n`,
  );
  console.log('\nwritten bench/results/consumer.json');
} finally {
  await agent.stop();
}
