// The REST driver: the engine's Driver calls as StreamHouse's REST API (`/api/v1` on the HTTP port) over an
// undici keep-alive pool. The door carries keys and values as JSON strings, so every value (the loadhouse
// record header and payload) travels as base64url text and is decoded back on consume: integrity, end-to-end
// latency and ack checks stay the same as on gRPC. The consume answer carries no high watermark, so lag comes
// from the partitions endpoint (see Watermarks).
import { LoadhouseError } from '../errors.js';
import { diagnoseConnection } from '../proto/client.js';
import { RestHttp } from './rest-http.js';
import {
  DRIVER_API_VERSION,
  defineDriver,
  type ConnectOptions,
  type Driver,
  type DriverFailure,
  type DriverTarget,
  type FetchCallback,
  type FetchedRecord,
  type FetchRequest,
  type OffsetCommit,
  type PendingCall,
  type ProduceBatch,
  type ProduceCallback,
} from './types.js';

/** How old a topic's high watermarks may be while a consumer is behind them. */
const WATERMARK_MAX_AGE_MS = 200;

function badAnswer(what: string, text: string): DriverFailure {
  return { status: 'INTERNAL', retriable: false, message: `${what}: unexpected answer ${text.slice(0, 200)}` };
}

/** A value as the door returned it: base64url text decodes to the bytes a loadhouse producer sent; other text is kept as it is. */
function valueBytes(text: string): Buffer {
  const decoded = Buffer.from(text, 'base64url');
  // Text that is not unpadded base64url decodes short (invalid characters are skipped): a foreign record.
  return decoded.length === Math.floor((text.length * 3) / 4) ? decoded : Buffer.from(text, 'utf8');
}

/**
 * A topic's high watermarks, read from `GET /topics/{name}/partitions` at most every WATERMARK_MAX_AGE_MS while
 * consumers are behind them. A consumer that reaches the last known watermark waits for a fresh read before
 * its poll answers, so a lag of 0 is never reported from a stale figure.
 */
class Watermarks {
  highs: number[] = [];
  private readAt = -Infinity;
  private waiting: Array<() => void> | undefined;

  constructor(
    private readonly http: RestHttp,
    private readonly path: string,
  ) {}

  fresh(): boolean {
    return performance.now() - this.readAt < WATERMARK_MAX_AGE_MS;
  }

  /** Starts a read (or joins the one in flight); `then` runs when it answered, whatever it answered. */
  refresh(then?: () => void): void {
    if (this.waiting) {
      if (then) this.waiting.push(then);
      return;
    }
    const waiting: Array<() => void> = then ? [then] : [];
    this.waiting = waiting;
    const started = performance.now();
    this.http.request('GET', this.path, undefined, (failure, _status, text) => {
      if (!failure) {
        try {
          const parts = JSON.parse(text) as Array<{
            partition_id?: number;
            partitionId?: number;
            high_watermark?: number;
            highWatermark?: number;
          }>;
          for (const p of parts) {
            const id = p.partition_id ?? p.partitionId;
            const hw = p.high_watermark ?? p.highWatermark;
            if (typeof id === 'number' && typeof hw === 'number') this.highs[id] = hw;
          }
          this.readAt = started;
        } catch {
          // Keep the last figures; the next poll tries again.
        }
      }
      this.waiting = undefined;
      for (const w of waiting) w();
    });
  }
}

export class RestDriver implements Driver {
  readonly target: string;
  private readonly http: RestHttp;
  private readonly tls: boolean;
  private readonly watermarks = new Map<string, Watermarks>();

  constructor(t: DriverTarget) {
    this.target = t.address;
    let base: URL;
    try {
      base = new URL(t.address);
    } catch {
      base = new URL('http://invalid');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `The REST driver needs an http(s) base URL like http://host:8080, got ${JSON.stringify(t.address)}`,
        {
          details: { option: 'options.target.address' },
        },
      );
    }
    this.tls = base.protocol === 'https:';
    const headers: Record<string, string> = { ...(t.metadata ?? {}) };
    if (t.organizationId !== undefined) headers['x-organization-id'] = t.organizationId;
    this.http = new RestHttp(base, { headers, deadlineMs: t.deadlineMs, tls: t.tls });
  }

  /** Any answer from the API root means the door is there; with `verify`, the topic list must be StreamHouse's JSON. */
  async connect({ timeoutMs, verify }: ConnectOptions): Promise<void> {
    const res = await this.http.call('GET', '/api/v1/topics', undefined, timeoutMs);
    if (!verify) return;
    if (res.status === 401 || res.status === 403) {
      throw new LoadhouseError(
        'LH_TARGET_NOT_STREAMHOUSE',
        `The REST API at ${this.target} refused the call (HTTP ${res.status}): give an API key with --auth-token or the organization with --org.`,
        { details: { address: this.target, status: res.status } },
      );
    }
    let list: unknown;
    try {
      list = JSON.parse(res.body);
    } catch {
      list = undefined;
    }
    if (res.status !== 200 || !Array.isArray(list)) {
      throw new LoadhouseError(
        'LH_TARGET_NOT_STREAMHOUSE',
        `${this.target} answers HTTP, but GET /api/v1/topics gave ${res.status} ${res.body.slice(0, 120)}: it is not StreamHouse's REST API (its HTTP port, 8080 by default).`,
        { details: { address: this.target, status: res.status } },
      );
    }
  }

  diagnose(): Promise<string> {
    const u = new URL(this.http.base);
    return diagnoseConnection(`${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${u.port || (this.tls ? 443 : 80)}`, this.tls);
  }

  private async json(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; value: unknown }> {
    const res = await this.http.call(method, path, body);
    let value: unknown;
    try {
      value = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      value = undefined;
    }
    return { status: res.status, value };
  }

  private fail(what: string, status: number, value: unknown): Error {
    const message = (value as { message?: unknown } | undefined)?.message;
    return new Error(`${what} answered HTTP ${status}${typeof message === 'string' ? `: ${message}` : ''}`);
  }

  async describeTopic(topic: string): Promise<{ partitions: number } | undefined> {
    const { status, value } = await this.json('GET', `/api/v1/topics/${encodeURIComponent(topic)}`);
    if (status === 404) return undefined;
    const partitions = (value as { partitions?: unknown } | undefined)?.partitions;
    if (status !== 200 || typeof partitions !== 'number') throw this.fail(`GET /api/v1/topics/${topic}`, status, value);
    return { partitions };
  }

  async createTopic(topic: string, partitions: number): Promise<'created' | 'exists'> {
    const { status, value } = await this.json('POST', '/api/v1/topics', { name: topic, partitions });
    if (status === 409) return 'exists';
    if (status !== 200 && status !== 201) throw this.fail('POST /api/v1/topics', status, value);
    return 'created';
  }

  produce(batch: ProduceBatch, callback: ProduceCallback): PendingCall {
    // The body is built here, before the call returns: the engine reuses the records' buffers.
    const n = batch.records.length;
    const p = batch.partition;
    let body = `{"topic":${JSON.stringify(batch.topic)},"ack_mode":${batch.ackMode},"records":[`;
    for (let i = 0; i < n; i++) {
      const r = batch.records[i]!;
      const v = r.value;
      const text = (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)).toString('base64url');
      // The door takes keys as JSON strings: loadhouse's keys are printable ASCII, so their bytes are the text.
      const key =
        r.key && r.key.byteLength > 0
          ? `"key":${JSON.stringify(Buffer.from(r.key.buffer, r.key.byteOffset, r.key.byteLength).toString('latin1'))},`
          : '';
      body += `${i === 0 ? '' : ','}{${key}"partition":${p},"value":"${text}"}`;
    }
    body += ']}';
    return this.http.request('POST', '/api/v1/produce/batch', body, (failure, _status, text) => {
      if (failure) return callback(failure, -1);
      let first: number | undefined;
      let count: unknown;
      try {
        const res = JSON.parse(text) as { count?: unknown; offsets?: Array<{ offset?: unknown }> };
        count = res.count;
        const o = res.offsets?.[0]?.offset;
        if (typeof o === 'number') first = o;
      } catch {
        first = undefined;
      }
      if (first === undefined || count !== n) return callback(badAnswer(`produce/batch of ${n} records`, text), -1);
      callback(null, first);
    });
  }

  private watermarksOf(topic: string): Watermarks {
    let w = this.watermarks.get(topic);
    if (!w) this.watermarks.set(topic, (w = new Watermarks(this.http, `/api/v1/topics/${encodeURIComponent(topic)}/partitions`)));
    return w;
  }

  fetch(request: FetchRequest, callback: FetchCallback): PendingCall {
    const { topic, partition, offset } = request;
    const path = `/api/v1/consume?topic=${encodeURIComponent(topic)}&partition=${partition}&offset=${offset}&maxRecords=${request.maxRecords}`;
    let cancelled = false;
    const call = this.http.request('GET', path, undefined, (failure, _status, text) => {
      if (failure) return callback(failure, undefined);
      const records: FetchedRecord[] = [];
      try {
        const res = JSON.parse(text) as { records?: Array<{ offset: number; value: string }> };
        for (const r of res.records ?? []) records.push({ offset: r.offset, value: valueBytes(r.value) });
      } catch {
        return callback(badAnswer('consume', text), undefined);
      }
      const next = records.length > 0 ? records[records.length - 1]!.offset + 1 : offset;
      const w = this.watermarksOf(topic);
      const answer = (): void => {
        if (!cancelled) callback(null, { records, highWatermark: Math.max(next, w.highs[partition] ?? 0) });
      };
      if (next >= (w.highs[partition] ?? 0)) return w.refresh(answer);
      if (!w.fresh()) w.refresh();
      answer();
    });
    return {
      cancel: () => {
        cancelled = true;
        call.cancel();
      },
    };
  }

  commitOffset(c: OffsetCommit, callback: (failure: DriverFailure | null) => void): void {
    // The contract writes group_id, StreamHouse's own models groupId: send both, a server reads the one it knows.
    const body = JSON.stringify({ group_id: c.group, groupId: c.group, topic: c.topic, partition: c.partition, offset: c.offset });
    this.http.request('POST', '/api/v1/consumer-groups/commit', body, (failure) => callback(failure));
  }

  async committedOffset(group: string, topic: string, partition: number): Promise<number> {
    const { status, value } = await this.json('GET', `/api/v1/consumer-groups/${encodeURIComponent(group)}/offsets`);
    if (status === 404) return 0; // the group never committed
    if (status !== 200) throw this.fail(`GET /api/v1/consumer-groups/${group}/offsets`, status, value);
    const offsets = (value as { offsets?: unknown } | undefined)?.offsets;
    for (const o of Array.isArray(offsets) ? (offsets as Array<Record<string, unknown>>) : []) {
      const p = o.partitionId ?? o.partition_id ?? o.partition;
      const at = o.committedOffset ?? o.committed_offset ?? o.offset;
      if (o.topic === topic && p === partition && typeof at === 'number') return at;
    }
    return 0;
  }

  async latestOffset(topic: string, partition: number): Promise<number> {
    const w = this.watermarksOf(topic);
    await new Promise<void>((resolve) => w.refresh(resolve));
    const hw = w.highs[partition];
    if (hw === undefined) throw new Error(`GET /api/v1/topics/${topic}/partitions gave no high watermark for partition ${partition}`);
    return hw;
  }

  close(): void {
    this.http.close();
  }
}

export const restDriver = defineDriver({ apiVersion: DRIVER_API_VERSION, name: 'rest', create: (t) => new RestDriver(t) });
