
import { diagnoseConnection, grpc, isServiceError, StreamHouseClient, statusName, type ClientOptions } from '../proto/client.js';
import type { ConsumeRequest, ProduceBatchRequest, ProduceRecord } from '../proto/messages.js';
import {
  DRIVER_API_VERSION,
  defineDriver,
  type ConnectOptions,
  type Driver,
  type DriverFailure,
  type DriverTarget,
  type FetchCallback,
  type FetchRequest,
  type OffsetCommit,
  type PendingCall,
  type ProduceBatch,
  type ProduceCallback,
} from './types.js';

const RETRIABLE = new Set<number>([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.ABORTED,
]);

/** A gRPC error in the engine's terms; an answer without a body counts as UNKNOWN. */
export function grpcFailure(err: unknown): DriverFailure {
  const raw = (err as { code?: unknown } | null)?.code;
  const code = typeof raw === 'number' ? raw : grpc.status.UNKNOWN;
  return { status: statusName(code), retriable: RETRIABLE.has(code), message: err instanceof Error ? err.message : String(err) };
}

function clientOptions(t: DriverTarget): ClientOptions {
  const o: ClientOptions = { deadlineMs: t.deadlineMs, connections: t.connections };
  if (t.organizationId !== undefined) o.organizationId = t.organizationId;
  if (t.tls !== undefined) o.tls = t.tls;
  if (t.metadata !== undefined) o.metadata = t.metadata;
  return o;
}

function alreadyExists(err: unknown): boolean {
  if (!isServiceError(err)) return false;
  if (err.code === grpc.status.ALREADY_EXISTS) return true;
  return err.code === grpc.status.INTERNAL && /already exists/i.test(err.details ?? err.message);
}

export class GrpcDriver implements Driver {
  readonly target: string;
  readonly client: StreamHouseClient;
  private readonly tls: boolean;

  constructor(t: DriverTarget) {
    this.target = t.address;
    this.tls = Boolean(t.tls);
    this.client = new StreamHouseClient(t.address, clientOptions(t));
  }

  /** Connects every channel; with `verify`, ListTopics must answer (the service is streamhouse.StreamHouse). */
  async connect({ timeoutMs, verify }: ConnectOptions): Promise<void> {
    await this.client.waitForReady(timeoutMs);
    if (!verify) return;
    await this.client.verifyService(timeoutMs);
  }

  diagnose(): Promise<string> {
    return diagnoseConnection(this.target, this.tls);
  }

  async describeTopic(topic: string): Promise<{ partitions: number } | undefined> {
    try {
      const res = await this.client.call('GetTopic', { name: topic });
      return res.topic ? { partitions: res.topic.partitionCount } : undefined;
    } catch (err) {
      if (isServiceError(err) && err.code === grpc.status.NOT_FOUND) return undefined;
      throw err;
    }
  }

  async createTopic(topic: string, partitions: number): Promise<'created' | 'exists'> {
    try {
      await this.client.call('CreateTopic', { name: topic, partitionCount: partitions });
      return 'created';
    } catch (err) {
      if (alreadyExists(err)) return 'exists';
      throw err;
    }
  }

  produce(batch: ProduceBatch, callback: ProduceCallback): PendingCall {
    // ProduceBatch has the request's shape; its records carry only values, as the engine sends them.
    return this.client.unary('ProduceBatch', batch as ProduceBatchRequest & { records: ProduceRecord[] }, (err, res) =>
      err ? callback(grpcFailure(err), -1) : callback(null, res ? res.firstOffset : -1),
    );
  }

  fetch(request: FetchRequest, callback: FetchCallback): PendingCall {
    const req: ConsumeRequest = {
      topic: request.topic,
      partition: request.partition,
      offset: request.offset,
      maxRecords: request.maxRecords,
    };
    if (request.group !== undefined) req.consumerGroup = request.group;
    return this.client.unary('Consume', req, (err, res) => (err || !res ? callback(grpcFailure(err), undefined) : callback(null, res)));
  }

  commitOffset(c: OffsetCommit, callback: (failure: DriverFailure | null) => void): void {
    this.client.unary('CommitOffset', { consumerGroup: c.group, topic: c.topic, partition: c.partition, offset: c.offset }, (err) =>
      callback(err ? grpcFailure(err) : null),
    );
  }

  async committedOffset(group: string, topic: string, partition: number): Promise<number> {
    return (await this.client.call('GetOffset', { consumerGroup: group, topic, partition })).offset;
  }

  /** One record from offset 0 answers with the high watermark without reading a whole batch. */
  async latestOffset(topic: string, partition: number): Promise<number> {
    return (await this.client.call('Consume', { topic, partition, offset: 0, maxRecords: 1 })).highWatermark;
  }

  close(): void {
    this.client.close();
  }
}

export const grpcDriver = defineDriver({ apiVersion: DRIVER_API_VERSION, name: 'grpc', create: (t) => new GrpcDriver(t) });
