// Pre-flight against the target from the main thread: connect within the timeout, check that it speaks
// StreamHouse, and create or verify the topic before any load is sent.
import { LoadhouseError } from './errors.js';
import { grpc, isServiceError, StreamHouseClient, type ClientOptions } from './proto/client.js';
import type { ResolvedTarget } from './options-target.js';

export function clientOptions(t: ResolvedTarget, connections = 1): ClientOptions {
  const o: ClientOptions = { deadlineMs: t.deadlineMs, connections };
  if (t.organizationId !== undefined) o.organizationId = t.organizationId;
  if (t.tls !== undefined) o.tls = t.tls;
  if (t.metadata !== undefined) o.metadata = t.metadata;
  return o;
}

/**
 * Connects and calls ListTopics: LH_TARGET_UNREACHABLE or LH_TARGET_NOT_STREAMHOUSE when that fails. An abort
 * of `signal` closes the client at once: the connect's deadline timer would otherwise hold the process for the
 * whole connect timeout.
 */
export async function connectTarget(t: ResolvedTarget, signal?: AbortSignal): Promise<StreamHouseClient> {
  const client = new StreamHouseClient(t.address, clientOptions(t));
  const onAbort = (): void => client.close();
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await client.waitForReady(t.connectTimeoutMs);
    try {
      await client.call('ListTopics', {}, Math.max(t.connectTimeoutMs, 1000));
    } catch (err) {
      if (isServiceError(err) && err.code === grpc.status.UNIMPLEMENTED) {
        throw new LoadhouseError(
          'LH_TARGET_NOT_STREAMHOUSE',
          `The target at ${t.address} answers gRPC but not the streamhouse.StreamHouse service (ListTopics is UNIMPLEMENTED). ` +
            'Check that the address is the StreamHouse gRPC port (50051 by default), not another service.',
          { cause: err, details: { address: t.address } },
        );
      }
      if (isServiceError(err) && (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED)) {
        throw new LoadhouseError(
          'LH_TARGET_UNREACHABLE',
          `The target at ${t.address} did not answer ListTopics: ${err.details || err.message}`,
          {
            cause: err,
            details: { address: t.address },
          },
        );
      }
      // Other statuses (an auth failure, say) mean a StreamHouse that refuses us: say so with the status.
      throw new LoadhouseError(
        'LH_TARGET_UNREACHABLE',
        `The target at ${t.address} refused ListTopics (${isServiceError(err) ? grpc.status[err.code] : 'error'}: ${(err as Error).message}). ` +
          'Check organizationId, TLS and auth metadata.',
        { cause: err, details: { address: t.address } },
      );
    }
    return client;
  } catch (err) {
    client.close();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function alreadyExists(err: unknown): boolean {
  if (!isServiceError(err)) return false;
  if (err.code === grpc.status.ALREADY_EXISTS) return true;
  return err.code === grpc.status.INTERNAL && /already exists/i.test(err.details ?? err.message);
}

/**
 * Makes sure `topic` exists with `partitions` partitions and returns its partition count. With no
 * requested count, an existing topic is used as it is and a missing one is created with one partition.
 */
export async function ensureTopic(client: StreamHouseClient, topic: string, partitions: number | undefined): Promise<number> {
  const existing = await getPartitionCount(client, topic);
  if (existing !== undefined) return checkCount(topic, existing, partitions);
  const wanted = partitions ?? 1;
  try {
    await client.call('CreateTopic', { name: topic, partitionCount: wanted });
  } catch (err) {
    if (!alreadyExists(err)) {
      throw new LoadhouseError(
        'LH_TOPIC_SETUP_FAILED',
        `Could not create topic "${topic}" with ${wanted} partitions on ${client.address}: ${(err as Error).message}`,
        {
          cause: err,
          details: { topic, partitions: wanted },
        },
      );
    }
  }
  const count = await getPartitionCount(client, topic);
  if (count === undefined) {
    throw new LoadhouseError('LH_TOPIC_SETUP_FAILED', `Topic "${topic}" was created but GetTopic does not find it on ${client.address}.`, {
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

async function getPartitionCount(client: StreamHouseClient, topic: string): Promise<number | undefined> {
  try {
    const res = await client.call('GetTopic', { name: topic });
    return res.topic ? res.topic.partitionCount : undefined;
  } catch (err) {
    if (isServiceError(err) && err.code === grpc.status.NOT_FOUND) return undefined;
    throw new LoadhouseError('LH_TOPIC_SETUP_FAILED', `Could not read topic "${topic}" on ${client.address}: ${(err as Error).message}`, {
      cause: err,
      details: { topic },
    });
  }
}
