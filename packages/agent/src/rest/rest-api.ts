// The REST door (`/api/v1` on the HTTP port), as StreamHouse serves it: topics, produce, consume and consumer
// group offsets in JSON. Every call goes through the same handlers as the gRPC door (validation, faults, acks,
// metrics), over the same partition logs, so a record produced through one door is consumed through the other.
// Keys and values are JSON strings: stored as their UTF-8 bytes, and read back as UTF-8 text.
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { ProduceRecord, StreamHouseMethod, StreamHouseMethods } from '@loadhouse/core/wire';
import type { Handlers } from '../grpc-service.js';
import type { TopicRegistry, TopicState } from '../topics.js';
import { httpStatusOf, statusName } from './http-status.js';

/** What the REST door needs from the agent. */
export interface RestContext {
  handlers: Handlers;
  registry: TopicRegistry;
  /** Largest request body accepted (JSON text). */
  maxBodyBytes: number;
}

/** An answer that is not a success: its HTTP status, a status name and what to do. */
class RestError extends Error {
  constructor(
    readonly http: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

const bad = (message: string): RestError => new RestError(400, 'INVALID_ARGUMENT', message);

type Json = Record<string, unknown>;
type Reply = { status: number; body?: unknown };

/** Runs one handler of the gRPC service as if a call with this org's metadata had arrived. */
function invoke<M extends StreamHouseMethod>(
  ctx: RestContext,
  method: M,
  org: string,
  request: StreamHouseMethods[M][0],
): Promise<StreamHouseMethods[M][1]> {
  return new Promise((resolve, reject) => {
    const metadata = new grpc.Metadata();
    try {
      if (org) metadata.set('x-organization-id', org);
    } catch {
      reject(bad(`x-organization-id ${JSON.stringify(org)} is not a valid header value`));
      return;
    }
    const handler = ctx.handlers[method] as (
      call: { request: StreamHouseMethods[M][0]; metadata: grpc.Metadata },
      cb: (err: Partial<grpc.StatusObject> | null, value?: StreamHouseMethods[M][1]) => void,
    ) => void;
    handler({ request, metadata }, (err, value) => {
      if (err) reject(new RestError(httpStatusOf(err.code), statusName(err.code), err.details ?? 'failed'));
      else resolve(value as StreamHouseMethods[M][1]);
    });
  });
}

function orgOf(req: IncomingMessage): string {
  const v = req.headers['x-organization-id'];
  const org = Array.isArray(v) ? v[0] : v;
  // The header is optional, as on gRPC: without it the call is in the default organization.
  return org ?? '';
}

function readBody(req: IncomingMessage, limit: number): Promise<Json> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(
          new RestError(413, 'RESOURCE_EXHAUSTED', `the request body exceeds the agent's limit of ${limit} bytes; send smaller batches`),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reject(bad('the request body must be JSON'));
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return reject(bad('the request body must be a JSON object'));
      resolve(body as Json);
    });
  });
}

function str(body: Json, field: string): string {
  const v = body[field];
  if (typeof v !== 'string') throw bad(`${field} must be a string`);
  return v;
}

function optInt(v: unknown, field: string, fallback: number | undefined): number | undefined {
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw bad(`${field} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

function ackModeOf(v: unknown): number {
  const n = optInt(v, 'ack_mode', 0) as number;
  if (n > 2) throw bad(`ack_mode must be 0 (buffered), 1 (durable) or 2 (none), got ${n}`);
  return n;
}

const textOf = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

function record(r: unknown, i: number): ProduceRecord {
  if (typeof r !== 'object' || r === null) throw bad(`records[${i}] must be an object { key?, value, partition? }`);
  const { key, value } = r as Json;
  if (typeof value !== 'string') throw bad(`records[${i}].value must be a string`);
  if (key !== undefined && key !== null && typeof key !== 'string') throw bad(`records[${i}].key must be a string`);
  const out: ProduceRecord = { value: Buffer.from(value, 'utf8'), timestamp: 0 };
  if (typeof key === 'string') out.key = Buffer.from(key, 'utf8');
  return out;
}

function topicJson(t: TopicState): Json {
  let messages = 0;
  for (const log of t.partitions) messages += log.nextOffset - lowWatermark(log);
  return {
    name: t.name,
    partitions: t.partitionCount,
    replication_factor: 1,
    created_at: new Date(t.createdAt).toISOString(),
    message_count: messages,
  };
}

/** Retention deletes stored segments from the oldest: the oldest kept one starts the readable log. */
const lowWatermark = (log: TopicState['partitions'][number]): number => log.stored[0]?.baseOffset ?? 0;

async function topicState(ctx: RestContext, org: string, name: string): Promise<TopicState> {
  await invoke(ctx, 'GetTopic', org, { name }); // validates the name, 404 when there is no such topic
  const t = ctx.registry.get(org, name);
  if (!t) throw new RestError(404, 'NOT_FOUND', `topic '${name}' not found`);
  return t;
}

/** POST /produce/batch: records without a partition go round the partitions by their index, as StreamHouse does. */
async function produceBatch(ctx: RestContext, org: string, body: Json): Promise<Reply> {
  const topic = str(body, 'topic');
  if (!Array.isArray(body.records) || body.records.length === 0)
    throw bad('records must be a non-empty array of { key?, value, partition? }');
  const ackMode = ackModeOf(body.ack_mode);
  const t = await topicState(ctx, org, topic);
  const raw = body.records as unknown[];
  const groups = new Map<number, { records: ProduceRecord[]; indexes: number[] }>();
  for (let i = 0; i < raw.length; i++) {
    const p = optInt((raw[i] as Json | null)?.partition, `records[${i}].partition`, i % t.partitionCount) as number;
    let g = groups.get(p);
    if (!g) groups.set(p, (g = { records: [], indexes: [] }));
    g.records.push(record(raw[i], i));
    g.indexes.push(i);
  }
  const offsets: Array<{ partition: number; offset: number }> = new Array(raw.length);
  // One append per partition, in turn: a batch over several partitions is not atomic (neither is StreamHouse's).
  for (const [partition, g] of groups) {
    const res = await invoke(ctx, 'ProduceBatch', org, { topic, partition, records: g.records, ackMode });
    for (let k = 0; k < g.indexes.length; k++) offsets[g.indexes[k]!] = { partition, offset: res.firstOffset + k };
  }
  return { status: 200, body: { count: raw.length, offsets } };
}

async function produceOne(ctx: RestContext, org: string, body: Json): Promise<Reply> {
  const topic = str(body, 'topic');
  const partition = optInt(body.partition, 'partition', 0) as number;
  const res = await invoke(ctx, 'ProduceBatch', org, { topic, partition, records: [record(body, 0)], ackMode: ackModeOf(body.ack_mode) });
  return { status: 200, body: { offset: res.firstOffset, partition } };
}

async function consume(ctx: RestContext, org: string, query: URLSearchParams): Promise<Reply> {
  const topic = query.get('topic');
  if (!topic) throw bad('topic is required: /api/v1/consume?topic=T&partition=P&offset=O&maxRecords=N');
  const partition = optInt(query.get('partition') ?? undefined, 'partition', undefined);
  if (partition === undefined) throw bad('partition is required');
  const offset = optInt(query.get('offset') ?? undefined, 'offset', 0) as number;
  const maxRecords = optInt(query.get('maxRecords') ?? undefined, 'maxRecords', 100) as number;
  const res = await invoke(ctx, 'Consume', org, { topic, partition, offset, maxRecords });
  const records = res.records.map((r) => ({
    partition,
    offset: r.offset,
    key: r.key && r.key.length > 0 ? textOf(r.key) : null,
    value: textOf(r.value),
    timestamp: r.timestamp,
  }));
  const last = res.records[res.records.length - 1];
  return { status: 200, body: { records, nextOffset: last ? last.offset + 1 : offset } };
}

async function commit(ctx: RestContext, org: string, body: Json): Promise<Reply> {
  // The contract writes group_id; StreamHouse's own models write groupId: accept both.
  const group = body.group_id ?? body.groupId;
  if (typeof group !== 'string' || group === '') throw bad('group_id must be a non-empty string');
  const partition = optInt(body.partition, 'partition', undefined);
  const offset = optInt(body.offset, 'offset', undefined);
  if (partition === undefined || offset === undefined) throw bad('partition and offset are required');
  await invoke(ctx, 'CommitOffset', org, { consumerGroup: group, topic: str(body, 'topic'), partition, offset });
  return { status: 200, body: { success: true } };
}

function groupOffsets(ctx: RestContext, org: string, group: string): Reply {
  const offsets: Json[] = [];
  for (const t of ctx.registry.list(org)) {
    for (const [partition, c] of t.offsets.get(group) ?? []) {
      const hw = t.partitions[partition]?.nextOffset ?? 0;
      offsets.push({ topic: t.name, partitionId: partition, committedOffset: c.offset, highWatermark: hw, lag: hw - c.offset });
    }
  }
  if (offsets.length === 0) throw new RestError(404, 'NOT_FOUND', `consumer group '${group}' has no committed offsets`);
  return { status: 200, body: { groupId: group, offsets } };
}

async function route(ctx: RestContext, req: IncomingMessage, parts: string[], query: URLSearchParams): Promise<Reply> {
  const org = orgOf(req);
  const method = req.method ?? 'GET';
  const body = (): Promise<Json> => readBody(req, ctx.maxBodyBytes);
  const [head, name, sub] = parts;
  if (head === 'topics' && name === undefined) {
    if (method === 'GET') return { status: 200, body: ctx.registry.list(org).map(topicJson) };
    if (method === 'POST') {
      const b = await body();
      // The contract names it partitions; some docs write partition_count.
      const partitionCount = optInt(b.partitions ?? b.partition_count, 'partitions', undefined);
      if (partitionCount === undefined) throw bad('partitions is required');
      const config = typeof b.config === 'object' && b.config !== null ? (b.config as Record<string, string>) : {};
      await invoke(ctx, 'CreateTopic', org, { name: str(b, 'name'), partitionCount, config });
      return { status: 201, body: topicJson(await topicState(ctx, org, str(b, 'name'))) };
    }
  } else if (head === 'topics' && name !== undefined && sub === undefined) {
    if (method === 'GET') return { status: 200, body: topicJson(await topicState(ctx, org, name)) };
    if (method === 'DELETE') {
      await invoke(ctx, 'DeleteTopic', org, { name });
      return { status: 204 };
    }
  } else if (head === 'topics' && name !== undefined && sub === 'partitions' && method === 'GET') {
    const t = await topicState(ctx, org, name);
    const partitions = t.partitions.map((log, i) => ({
      topic: t.name,
      partition_id: i,
      leader_agent_id: null,
      high_watermark: log.nextOffset,
      low_watermark: lowWatermark(log),
    }));
    return { status: 200, body: partitions };
  } else if (head === 'produce' && method === 'POST') {
    if (name === 'batch' && parts.length === 2) return produceBatch(ctx, org, await body());
    if (name === undefined) return produceOne(ctx, org, await body());
  } else if (head === 'consume' && name === undefined && method === 'GET') {
    return consume(ctx, org, query);
  } else if (head === 'consumer-groups' && name === 'commit' && sub === undefined && method === 'POST') {
    return commit(ctx, org, await body());
  } else if (head === 'consumer-groups' && name !== undefined && (sub === undefined || sub === 'offsets') && method === 'GET') {
    return groupOffsets(ctx, org, name);
  }
  throw new RestError(
    404,
    'NOT_FOUND',
    `no route ${method} /api/v1/${parts.join('/')}; the REST door serves topics, produce, produce/batch, consume and consumer-groups`,
  );
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status, { 'content-length': 0 });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Serves one request under /api/v1 (`rest` is the path after it, `query` its search string). */
export function serveRest(ctx: RestContext, req: IncomingMessage, res: ServerResponse, rest: string, query: string): void {
  let parts: string[];
  try {
    parts = rest
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
  } catch {
    send(res, 400, { error: 'INVALID_ARGUMENT', message: 'the path is not valid percent-encoding' });
    return;
  }
  route(ctx, req, parts, new URLSearchParams(query)).then(
    (reply) => send(res, reply.status, reply.body),
    (err: unknown) => {
      const e = err instanceof RestError ? err : new RestError(500, 'INTERNAL', `agent error: ${(err as Error).message}`);
      // A body the client is still sending would be unread: close the connection after the answer.
      if (!req.complete) res.setHeader('connection', 'close');
      send(res, e.http, { error: e.status, message: e.message });
    },
  );
}
