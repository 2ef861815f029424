// Generator memory over a long run (issue: core engine): 20K msgs/s for 10 minutes against the agent;
// the generator's RSS must grow < 5% (first vs last 10% of the run) and stay below 250 MB.
// Run: pnpm bench soak   (BENCH_SOAK_SECONDS=600, BENCH_SOAK_RATE=20000)
import { writeFileSync, mkdirSync } from 'node:fs';
import { createLoadTest } from '@loadhouse/core';
import { highThroughput } from '@loadhouse/scenarios';
import { spawnAgent } from '@loadhouse/agent';

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
const RATE = Number(process.env.BENCH_SOAK_RATE ?? 20_000);
const agent = await spawnAgent({ grpcPort: 0, httpPort: 0, sink: true });
try {
  console.log(`soak: ${RATE} msgs/s for ${SECONDS} s against the agent (sink mode, PID ${agent.pid})`);
  const test = createLoadTest({ target: agent.grpcAddress, resultsDir: false });
  test.on('sample', (s) => {
    if (Math.round(s.elapsedSeconds) % 60 === 0)
      console.log(
        `  ${Math.round(s.elapsedSeconds)} s: rss ${(s.generator.rssBytes / 1024 / 1024).toFixed(1)} MB, ${Math.round(s.producer.msgsPerSec)} msgs/s`,
      );
  });
  const r = await test.run(highThroughput({ durationSeconds: SECONDS, targetRate: RATE, partitions: 8 }));
  const gen = r.resources.generator as { peakRssBytes: number; memoryGrowthPercent: number | null; memorySlopeMbPerHour: number | null };
  const rss = r.series.map((s) => s.generator.rssBytes);
  const k = Math.max(1, Math.floor(rss.length / 10));
  const out = {
    bench: 'soak',
    date: new Date().toISOString(),
    node: process.version,
    seconds: SECONDS,
    rate: RATE,
    achieved: r.producer.msgsPerSec,
    firstTenthRssMb: rss.slice(0, k).reduce((a, b) => a + b, 0) / k / 1024 / 1024,
    lastTenthRssMb: rss.slice(-k).reduce((a, b) => a + b, 0) / k / 1024 / 1024,
    peakRssMb: gen.peakRssBytes / 1024 / 1024,
    growthPercent: gen.memoryGrowthPercent,
    slopeMbPerHour: gen.memorySlopeMbPerHour,
  };
  console.log(
    `\nachieved ${Math.round(out.achieved)} msgs/s; RSS first 10% ${out.firstTenthRssMb.toFixed(1)} MB, last 10% ${out.lastTenthRssMb.toFixed(1)} MB, peak ${out.peakRssMb.toFixed(1)} MB (goal < 250), growth ${out.growthPercent?.toFixed(2)}% (goal < 5%), slope ${out.slopeMbPerHour?.toFixed(1)} MB/h`,
  );
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/soak.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
} finally {
  await agent.stop();
}
