// The gRPC StreamHouse driver (the default): the engine's Driver calls as streamhouse.StreamHouse RPCs over
// StreamHouseClient's channel pool. Calls are callback-based and reuse the caller's request objects: grpc-js
// serializes a request inside unary(), so the caller may overwrite it as soon as the call has started.
// ProduceBatch, the hot path, goes over raw HTTP/2 streams instead (driver/http2.ts) unless the driver's
// `transport` option is 'grpc-js'; grpc-js keeps the control plane, consume and commits.
import { LoadhouseError } from '../errors.js';
import { diagnoseConnection, grpc, isServiceError, StreamHouseClient, type ClientOptions } from '../proto/client.js';
import { Http2Produce, statusFailure } from './http2.js';
import type { ConsumeRequest, InitProducerRequest, ProduceBatchRequest, ProduceRecord } from '../proto/messages.js';
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
  type ProducerIdentity,
} from './types.js';

/** A gRPC error in the engine's terms; an answer without a body counts as UNKNOWN. */
export function grpcFailure(err: unknown): DriverFailure {
  const raw = (err as { code?: unknown } | null)?.code;
  return statusFailure(typeof raw === 'number' ? raw : grpc.status.UNKNOWN, err instanceof Error ? err.message : String(err));
}

/** How ProduceBatch calls travel: raw HTTP/2 streams (the default) or grpc-js calls. */
export type GrpcTransport = 'http2' | 'grpc-js';

function transportOf(t: DriverTarget): GrpcTransport {
  const v = t.options.transport ?? 'http2';
  if (v === 'http2' || v === 'grpc-js') return v;
  throw new LoadhouseError(
    'LH_INVALID_OPTION',
    `The gRPC driver's transport option must be 'http2' or 'grpc-js', got ${JSON.stringify(v)}`,
    {
      details: { option: 'transport' },
    },
  );
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
  private readonly h2: Http2Produce | undefined;
  /** Present when produce calls go over raw HTTP/2 (the engine then lays the request bytes out itself). */
  readonly produceFramed: Driver['produceFramed'];

  constructor(t: DriverTarget) {
    this.target = t.address;
    this.tls = Boolean(t.tls);
    this.client = new StreamHouseClient(t.address, clientOptions(t));
    const h2 = transportOf(t) === 'http2' ? Http2Produce.create(t.address, t) : undefined;
    this.h2 = h2;
    this.produceFramed = h2 ? (request, written, callback) => h2.produce(request, written, callback) : undefined;
  }

  /**
   * Connects every channel (and every produce session, so the first batches find them open); with `verify`,
   * ListTopics must answer (the service is streamhouse.StreamHouse).
   */
  async connect({ timeoutMs, verify }: ConnectOptions): Promise<void> {
    await this.client.waitForReady(timeoutMs);
    if (!verify) {
      await this.h2?.connect(timeoutMs);
      return;
    }
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
    // ProduceBatch has the request's shape; its records carry values and, when the workload has keys, keys.
    return this.client.unary('ProduceBatch', batch as ProduceBatchRequest & { records: ProduceRecord[] }, (err, res) =>
      err ? callback(grpcFailure(err), -1) : callback(null, res ? res.firstOffset : -1, res?.duplicatesFiltered === true),
    );
  }

  async initProducer(transactionalId?: string): Promise<ProducerIdentity> {
    const req: InitProducerRequest = { timeoutMs: 0 };
    if (transactionalId !== undefined) req.transactionalId = transactionalId;
    const res = await this.client.call('InitProducer', req);
    return { producerId: res.producerId, epoch: res.epoch };
  }

  async beginTransaction(p: ProducerIdentity): Promise<string> {
    return (await this.client.call('BeginTransaction', { producerId: p.producerId, producerEpoch: p.epoch, timeoutMs: 0 })).transactionId;
  }

  async endTransaction(p: ProducerIdentity, transactionId: string, commit: boolean): Promise<void> {
    const req = { producerId: p.producerId, producerEpoch: p.epoch, transactionId };
    const ok = commit
      ? (await this.client.call('CommitTransaction', req)).success
      : (await this.client.call('AbortTransaction', req)).success;
    if (!ok) throw new Error(`${commit ? 'CommitTransaction' : 'AbortTransaction'} of ${transactionId} answered success=false`);
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
    this.h2?.close();
    this.client.close();
  }
}

export const grpcDriver = defineDriver({ apiVersion: DRIVER_API_VERSION, name: 'grpc', create: (t) => new GrpcDriver(t) });
