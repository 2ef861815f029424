import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAgent } from '@loadhouse/agent';
import { createLoadTest } from './load-test.js';
import { initHistograms, summarizeEncoded } from './metrics/histogram.js';
import type { Sample } from './types.js';

let agent: Awaited<ReturnType<typeof startAgent>>;
beforeAll(async () => {
  await initHistograms();
  agent = await startAgent({ grpcPort: 0, httpPort: 0 });
});
afterAll(() => agent.stop());

it('live samples carry the window histograms; the stored series does not', async () => {
  const samples: Sample[] = [];
  const test = createLoadTest({ target: agent.grpcAddress, resultsDir: false, workers: 1 });
  test.on('sample', (s) => samples.push(s));
  const result = await test.run({
    name: 'hist',
    criteria: [],
    async run(c) {
      const g = await c.produce({ rate: 500, partitions: 1 });
      await c.waitFor(2.5);
      await g.stop();
    },
  });
  const withData = samples.filter((s) => s.producer.latency.response.count > 0);
  expect(withData.length).toBeGreaterThan(0);
  for (const s of withData) {
    const encoded = s.histograms?.['producer.response'];
    expect(encoded).toBeTypeOf('string');
    // The encoded window is the same distribution the sample summarizes.
    expect(summarizeEncoded(encoded)).toEqual(s.producer.latency.response);
  }
  expect(JSON.stringify(result.series)).not.toContain('"histograms"');
});
