// A scenario composed in code with the controller: ramp the rate in steps, then a burst, then consumers
// catch up from the earliest offset. It subscribes to live samples and prints one line per second.
//
//   pnpm tsx --conditions=source examples/custom-scenario.ts [--target host:port]
//
// Without --target it starts the reference agent in-process.
import { createLoadTest, type Scenario } from '@loadhouse/core';
import { startAgent } from '@loadhouse/agent';

export function rampBurstCatchUp(options: {
  steps: number[];
  stepSeconds: number;
  burstRate: number;
  burstSeconds: number;
  partitions: number;
}): Scenario {
  return {
    name: 'ramp-burst-catch-up',
    plannedSeconds: options.steps.length * options.stepSeconds + options.burstSeconds + 10,
    options,
    criteria: [
      { metric: 'producer.rateErrorPercent', op: '<=', value: 5, unit: '%', label: 'Every phase at its rate (overall within 5%)' },
      { metric: 'producer.latency.p99', op: '<', value: 1000, unit: 'ms', label: 'P99 < 1 s through ramp and burst' },
      { metric: 'integrity.missing', op: '==', value: 0, label: 'No record lost' },
      { metric: 'caughtUpSeconds', op: '<', value: 30, unit: 's', label: 'Consumers catch up within 30 s' },
    ],
    async run(c) {
      for (const rate of options.steps) {
        await c.phase(`ramp-${rate}`, async () => {
          const producers = await c.produce({ rate, partitions: options.partitions, producers: options.partitions });
          await c.waitFor(options.stepSeconds);
          await producers.stop();
        });
      }
      await c.phase('burst', async () => {
        const producers = await c.produce({ rate: options.burstRate, partitions: options.partitions, producers: options.partitions });
        await c.waitFor(options.burstSeconds);
        await producers.stop();
      });
      await c.phase('catch-up', async () => {
        const started = c.elapsedSeconds();
        const readers = await c.consume({ rate: 'max', consumers: 2, startAt: 'earliest' });
        const caughtUp = await c.waitFor((s) => s.consumer.lag === 0 && s.consumer.consumed === 0 && s.totals.consumed > 0, {
          timeoutSeconds: 30,
        });
        c.record('caughtUpSeconds', caughtUp ? c.elapsedSeconds() - started : null);
        await readers.stop();
      });
    },
  };
}

async function main() {
  const i = process.argv.indexOf('--target');
  const agent = i > 0 ? undefined : await startAgent({ grpcPort: 0, httpPort: 0 });
  const test = createLoadTest({ target: i > 0 ? process.argv[i + 1]! : agent!.grpcAddress, resultsDir: false });
  test.on('sample', (s) =>
    console.log(
      `${s.elapsedSeconds.toFixed(0).padStart(3)}s ${s.phase.padEnd(12)} produced ${Math.round(s.producer.msgsPerSec)}/s` +
        `  p99 ${s.producer.latency.response.p99.toFixed(1)} ms  consumed ${Math.round(s.consumer.msgsPerSec)}/s  lag ${s.consumer.lag}`,
    ),
  );
  try {
    const result = await test.run(
      rampBurstCatchUp({ steps: [500, 1000, 2000], stepSeconds: 2, burstRate: 4000, burstSeconds: 2, partitions: 4 }),
    );
    for (const c of result.criteria) console.log(`${c.passed ? 'PASS' : 'FAIL'} ${c.label}: ${c.measured}`);
    console.log(`phases: ${result.phases.map((p) => `${p.name} ${Math.round(p.producer.msgsPerSec)}/s`).join(', ')}`);
    process.exitCode = result.state === 'completed' && result.criteria.every((c) => c.passed) ? 0 : 1;
  } finally {
    await agent?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
