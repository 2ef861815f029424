// Capacity benchmark (issue 13.1): how close and how fast the capacity search finds a known capacity. The agent
// (a child process, local folder) serves at most BENCH_CAPACITY records/s (--fault-capacity); loadhouse searches
// under a P99 < 100 ms SLO with BENCH_STEP_SECONDS steps. Reported: the answer, its interval, the error
// against the known capacity, steps (void ones too) and the search's wall time.
// Run: pnpm bench capacity   (BENCH_CAPACITY=20000 BENCH_STEP_SECONDS=10)
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnAgent } from '@loadhouse/agent';
import { findCapacity, parseCriteria } from '@loadhouse/core';

const CAPACITY = Number(process.env.BENCH_CAPACITY ?? 20_000);
const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 10);

const agent = await spawnAgent({ grpcPort: 0, httpPort: 0, capacity: CAPACITY });
try {
  const t0 = Date.now();
  const result = await findCapacity(
    { target: agent.grpcAddress, resultsDir: false, workers: 1 },
    {
      slo: parseCriteria('producer.latency.p99<100'),
      minRate: Math.round(CAPACITY / 8),
      maxRate: CAPACITY * 8,
      stepSeconds: STEP_SECONDS,
      resolutionPercent: 2,
      produce: { partitions: 4, producers: 4, messageSize: 1024 },
    },
  );
  const c = result.capacity!;
  const row = {
    capacity: CAPACITY,
    stepSeconds: STEP_SECONDS,
    bound: c.bound,
    maxSustainableRate: c.maxSustainableRate,
    interval: c.interval,
    errorPercent: c.maxSustainableRate === null ? null : Math.round((10000 * (c.maxSustainableRate - CAPACITY)) / CAPACITY) / 100,
    knee: c.knee,
    steps: c.steps.length,
    voidSteps: c.steps.filter((s) => s.void).length,
    seconds: Math.round((Date.now() - t0) / 100) / 10,
  };
  console.log('| known capacity | step s | bound | found | interval | error | knee | steps (void) | wall s |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  console.log(
    `| ${row.capacity} | ${row.stepSeconds} | ${row.bound} | ${row.maxSustainableRate ?? '-'} | ` +
      `${c.interval ? `${c.interval.low}..${c.interval.high ?? '-'}` : '-'} | ${row.errorPercent ?? '-'}% | ${row.knee ?? '-'} | ` +
      `${row.steps} (${row.voidSteps}) | ${row.seconds} |`,
  );
  for (const s of c.steps)
    console.log(
      `  ${s.phase} ${s.role} ${s.rate} -> ${s.achieved} p99 ${s.latency.p99} ${s.void ? 'void' : s.passed ? 'pass' : 'FAIL'} ${s.reason}`,
    );
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/capacity.json', import.meta.url), `${JSON.stringify({ ...row, steps: c.steps }, null, 2)}\n`);
} finally {
  await agent.stop();
}
