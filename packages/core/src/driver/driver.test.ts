// Third-party drivers: a module named by target.driver is imported by the main thread and by every worker,
// and runs a whole load through the Driver contract alone. A module that is missing or is no driver is a
// coded error before any load.
import { describe, expect, it } from 'vitest';
import { createLoadTest, isLoadhouseError, type LoadTestOptions, type Scenario } from '../index.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).href;

const idle: Scenario = { name: 'idle', criteria: [], run: async () => undefined };

/** The error createLoadTest() or run() fails with (options are checked in one, the module in the other). */
async function failure(options: LoadTestOptions): Promise<unknown> {
  try {
    await createLoadTest(options).run(idle);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('a third-party driver', () => {
  it('runs a real load test end to end (produce and consume) with exact counts', async () => {
    const lt = createLoadTest({
      target: { address: 'memory:one', driver: { module: fixture('memory-driver.mjs'), options: { partitions: 2 } } },
      // One worker thread hosts producers and consumers: the in-memory log lives in that thread.
      workers: 1,
      resultsDir: false,
      topic: 'memory-e2e',
    });
    const result = await lt.run({
      name: 'memory-driver',
      criteria: [],
      async run(c) {
        await c.phase('both', async () => {
          const readers = await c.consume({ rate: 'max', consumers: 2, startAt: 'earliest' });
          const writers = await c.produce({ rate: 2000, producers: 2, messagesPerProducer: 600, messageSize: 100 });
          await writers.done;
          await writers.stop();
          await c.waitFor((s) => s.totals.consumed >= 1200, { timeoutSeconds: 30 });
          await readers.stop();
        });
      },
    });
    expect(result.state, JSON.stringify(result.errors)).toBe('completed');
    expect(result.producer).toMatchObject({ scheduled: 1200, acked: 1200, failed: 0, dropped: 0 });
    expect(result.consumer).toMatchObject({ consumed: 1200, bytes: 1200 * 100, foreign: 0 });
    expect(result.integrity).toMatchObject({ checked: true, missing: 0, duplicates: 0, consumedChecked: 1200 });
  });

  it('that is not found fails with LH_DRIVER_INVALID naming the module', async () => {
    const err = await failure({ target: { address: 'memory:one', driver: './no-such-driver.js' }, resultsDir: false });
    expect(isLoadhouseError(err, 'LH_DRIVER_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/no-such-driver\.js is not found/);
    const pkg = await failure({ target: { address: 'memory:one', driver: '@acme/loadhouse-driver-none' }, resultsDir: false });
    expect(isLoadhouseError(pkg, 'LH_DRIVER_INVALID')).toBe(true);
  });

  it('that exports no driver, or one for another driver API, fails with LH_DRIVER_INVALID before any load', async () => {
    const err = await failure({ target: { address: 'memory:one', driver: fixture('not-a-driver.mjs') }, resultsDir: false });
    expect(isLoadhouseError(err, 'LH_DRIVER_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/is not a loadhouse driver/);
    const future = await failure({ target: { address: 'memory:one', driver: fixture('future-driver.mjs') }, resultsDir: false });
    expect(isLoadhouseError(future, 'LH_DRIVER_INVALID')).toBe(true);
    expect((future as Error).message).toMatch(/driver API 99, this loadhouse speaks 1/);
  });

  it('options that are not plain data are refused with LH_INVALID_OPTION', async () => {
    const err = await failure({
      target: { address: 'memory:one', driver: { module: fixture('memory-driver.mjs'), options: { f: () => 1 } } },
      resultsDir: false,
    });
    expect(isLoadhouseError(err, 'LH_INVALID_OPTION')).toBe(true);
  });
});
