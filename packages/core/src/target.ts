// Pre-flight against the target from the main thread, through its driver: load the driver, connect within
// the timeout, check that the target speaks the protocol, and create or verify the topic before any load.
import { createDriver, loadDriver } from './driver/load.js';
import type { Driver } from './driver/types.js';
import { LoadhouseError } from './errors.js';
import type { ResolvedTarget } from './options-target.js';
import type { DeliveryConfig } from './types.js';

/**
 * Creates the run's driver and connects it (verifying the protocol): LH_DRIVER_INVALID, LH_TARGET_UNREACHABLE
 * or LH_TARGET_NOT_STREAMHOUSE when that fails. An abort of `signal` closes the driver at once: a connect's
 * deadline timer would otherwise hold the process for the whole connect timeout.
 */
export async function connectTarget(t: ResolvedTarget, signal?: AbortSignal): Promise<Driver> {
  const driver = createDriver(await loadDriver(t.driver), t, 1);
  const onAbort = (): void => driver.close();
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await connectDriver(driver, t.connectTimeoutMs, true, signal);
    return driver;
  } catch (err) {
    driver.close();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** driver.connect(), with any failure that is not already a coded error turned into LH_TARGET_UNREACHABLE. */
export async function connectDriver(driver: Driver, timeoutMs: number, verify: boolean, signal?: AbortSignal): Promise<void> {
  try {
    await driver.connect(signal ? { timeoutMs, verify, signal } : { timeoutMs, verify });
  } catch (err) {
    if (err instanceof LoadhouseError) throw err;
    const why = signal?.aborted ? '' : ((await driver.diagnose?.().catch(() => '')) ?? '');
    throw new LoadhouseError(
      'LH_TARGET_UNREACHABLE',
      `Cannot connect to the target at ${driver.target} within ${timeoutMs} ms: ${why || (err as Error).message}. Check the address and that the server is running.`,
      { cause: err, details: { address: driver.target } },
    );
  }
}

/**
 * Makes sure `topic` exists with `partitions` partitions and returns its partition count. With no
 * requested count, an existing topic is used as it is and a missing one is created with one partition.
 */
export async function ensureTopic(driver: Driver, topic: string, partitions: number | undefined): Promise<number> {
  const existing = await getPartitionCount(driver, topic);
  if (existing !== undefined) return checkCount(topic, existing, partitions);
  const wanted = partitions ?? 1;
  try {
    await driver.createTopic(topic, wanted);
  } catch (err) {
    throw new LoadhouseError(
      'LH_TOPIC_SETUP_FAILED',
      `Could not create topic "${topic}" with ${wanted} partitions on ${driver.target}: ${(err as Error).message}`,
      {
        cause: err,
        details: { topic, partitions: wanted },
      },
    );
  }
  const count = await getPartitionCount(driver, topic);
  if (count === undefined) {
    throw new LoadhouseError('LH_TOPIC_SETUP_FAILED', `Topic "${topic}" was created but GetTopic does not find it on ${driver.target}.`, {
      details: { topic },
    });
  }
  return checkCount(topic, count, partitions);
}

function checkCount(topic: string, actual: number, wanted: number | undefined): number {
  if (wanted !== undefined && actual !== wanted) {
    throw new LoadhouseError(
      'LH_TOPIC_MISMATCH',
      `Topic "${topic}" exists with ${actual} partitions, but the run asks for ${wanted}. ` +
        'Use --partitions ' +
        actual +
        ', another topic name (options.topic), or delete the topic first.',
      { details: { topic, actual, wanted } },
    );
  }
  return actual;
}

async function getPartitionCount(driver: Driver, topic: string): Promise<number | undefined> {
  try {
    return (await driver.describeTopic(topic))?.partitions;
  } catch (err) {
    throw new LoadhouseError('LH_TOPIC_SETUP_FAILED', `Could not read topic "${topic}" on ${driver.target}: ${(err as Error).message}`, {
      cause: err,
      details: { topic },
    });
  }
}

/**
 * Before any load, when producers are to be idempotent or transactional: the driver must offer InitProducer
 * (and transactions), and the target must answer them. A probe producer is registered, and for transactions
 * a transaction is opened and aborted, so a target without them fails here with LH_DELIVERY_UNSUPPORTED.
 */
export async function checkDelivery(driver: Driver, delivery: DeliveryConfig | null): Promise<void> {
  if (!delivery?.idempotent) return;
  const what = delivery.transactions ? 'transactions' : 'idempotent producers';
  if (!driver.initProducer || (delivery.transactions && (!driver.beginTransaction || !driver.endTransaction))) {
    throw new LoadhouseError(
      'LH_DELIVERY_UNSUPPORTED',
      `The target's driver does not offer ${what}; run without --idempotent / --transactions, or use the gRPC driver.`,
    );
  }
  try {
    const probe = await driver.initProducer(delivery.transactions ? `loadhouse-probe-${process.pid}-${Date.now()}` : undefined);
    if (delivery.transactions) await driver.endTransaction!(probe, await driver.beginTransaction!(probe), false);
  } catch (err) {
    throw new LoadhouseError(
      'LH_DELIVERY_UNSUPPORTED',
      `The target at ${driver.target} refused the ${what} probe (${(err as Error).message}); check that it implements InitProducer${delivery.transactions ? ' and BeginTransaction / AbortTransaction' : ''}, or run without them.`,
      { cause: err },
    );
  }
}
