// Topics and committed offsets, namespaced per organization, persisted as JSON under `[org-{id}/]meta/` and
// reloaded on start together with the index of stored segments.
import { randomUUID } from 'node:crypto';
import type { Topic } from '@loadhouse/core/wire';
import type { Counter, Histogram } from 'prom-client';
import * as grpc from '@grpc/grpc-js';
import { sleep } from './faults.js';
import { RpcError } from './rpc-error.js';
import { DEFAULT_ORG_LABEL, type AgentMetrics } from './metrics.js';
import { PartitionLog, type LogContext } from './partition-log.js';
import { RecordStats } from './record-stats.js';
import { HEADER_BYTES, readHeader } from './segment.js';
import type { MetaWriter } from './storage/meta-writer.js';
import { StorageError } from './storage/object-store.js';

export interface CommittedOffset {
  offset: number;
  metadata?: string;
}

/** Metric children of one topic, bound once so the produce path does no label lookups. */
export interface TopicMetrics {
  records: Counter.Internal;
  bytes: Counter.Internal;
  latency: Histogram.Internal<'org_id' | 'topic'>;
  consumed: Map<string, Counter.Internal>;
}

export class TopicState {
  readonly partitions: PartitionLog[] = [];
  metrics!: TopicMetrics;
  /** consumer group -> partition -> committed offset */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  readonly orgLabel: string;
  /** Keys, partitions and sizes of the records the topic acknowledged (GET /stats/records). */
  readonly recordStats = new RecordStats();

  constructor(
    readonly org: string,
    readonly id: string,
    readonly name: string,
    readonly partitionCount: number,
    readonly retentionMs: number | undefined,
    readonly config: Record<string, string>,
    readonly createdAt: number,
  ) {
    this.orgLabel = org === '' ? DEFAULT_ORG_LABEL : org;
  }

  get orgPrefix(): string {
    return orgPrefix(this.org);
  }

  toTopic(): Topic {
    const t: Topic = { name: this.name, partitionCount: this.partitionCount, config: this.config, createdAt: this.createdAt };
    if (this.retentionMs !== undefined) t.retentionMs = this.retentionMs;
    return t;
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      name: this.name,
      partitionCount: this.partitionCount,
      retentionMs: this.retentionMs,
      config: this.config,
      createdAt: this.createdAt,
    };
  }

  offsetsJSON(): Record<string, Record<string, CommittedOffset>> {
    const out: Record<string, Record<string, CommittedOffset>> = {};
    for (const [group, parts] of this.offsets) out[group] = Object.fromEntries(parts);
    return out;
  }
}

export function orgPrefix(org: string): string {
  return org === '' ? '' : `org-${org}/`;
}

/** One marker object per organization, so start-up finds them without a delimiter listing (s3rver has none). */
const ORGS_PREFIX = 'meta/orgs/';

export const topicMetaKey = (org: string, name: string): string => `${orgPrefix(org)}meta/topics/${name}.json`;
export const offsetsMetaKey = (org: string, name: string): string => `${orgPrefix(org)}meta/offsets/${name}.json`;

export class TopicRegistry {
  private readonly topics = new Map<string, TopicState>();
  /** Topics whose stored data is still being removed: their names cannot be reused yet. */
  readonly deleting = new Set<string>();
  private readonly knownOrgs = new Set<string>();

  constructor(
    private readonly ctx: LogContext,
    private readonly metrics: AgentMetrics,
    private readonly meta: MetaWriter,
  ) {}

  static key(org: string, name: string): string {
    return `${org}\u0000${name}`;
  }

  get(org: string, name: string): TopicState | undefined {
    return this.topics.get(TopicRegistry.key(org, name));
  }

  list(org: string): TopicState[] {
    return [...this.topics.values()].filter((t) => t.org === org).sort((a, b) => a.name.localeCompare(b.name));
  }

  all(): IterableIterator<TopicState> {
    return this.topics.values();
  }

  /** Registers a topic in memory with its partition logs (no storage access). */
  add(t: TopicState): TopicState {
    const topicLabels = { org_id: t.orgLabel, topic: t.name };
    t.metrics = {
      records: this.metrics.producerRecords.labels(topicLabels),
      bytes: this.metrics.producerBytes.labels(topicLabels),
      latency: this.metrics.producerLatency.labels(topicLabels),
      consumed: new Map(),
    };
    for (let p = 0; p < t.partitionCount; p++) {
      const labels = { org_id: t.orgLabel, topic: t.name, partition: String(p) };
      t.partitions.push(
        new PartitionLog(
          t.orgPrefix,
          t.name,
          p,
          this.ctx,
          this.metrics.segmentWrites.labels(labels),
          this.metrics.segmentFlushes.labels(labels),
        ),
      );
    }
    this.topics.set(TopicRegistry.key(t.org, t.name), t);
    return t;
  }

  create(
    org: string,
    name: string,
    partitionCount: number,
    retentionMs: number | undefined,
    config: Record<string, string>,
  ): {
    topic: TopicState;
    persisted: Promise<void>;
  } {
    const t = this.add(new TopicState(org, randomUUID(), name, partitionCount, retentionMs, config, Date.now()));
    const writes = [this.meta.write(topicMetaKey(org, name), Buffer.from(JSON.stringify(t.toJSON())))];
    if (org !== '' && !this.knownOrgs.has(org)) {
      this.knownOrgs.add(org);
      writes.push(this.meta.write(`${ORGS_PREFIX}${org}.json`, Buffer.from(JSON.stringify({ org, createdAt: t.createdAt }))));
    }
    return { topic: t, persisted: Promise.all(writes).then(() => {}) };
  }

  /** Removes a topic from memory; resolves once its metadata, offsets and segments are gone from storage. */
  async remove(t: TopicState): Promise<void> {
    const k = TopicRegistry.key(t.org, t.name);
    this.topics.delete(k);
    this.deleting.add(k);
    const reason = new RpcError(grpc.status.NOT_FOUND, `topic '${t.name}' was deleted before the segment was stored`);
    try {
      await Promise.all(t.partitions.map((p) => p.shutdown(reason)));
      await Promise.all([
        this.meta.write(topicMetaKey(t.org, t.name), undefined),
        this.meta.write(offsetsMetaKey(t.org, t.name), undefined),
      ]);
      const prefix = `${t.orgPrefix}data/${t.name}/`;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.ctx.store.delete(await this.ctx.store.list(prefix));
          break;
        } catch (err) {
          if (attempt >= 50) throw err;
          await sleep(Math.min(2_000, 25 * 2 ** attempt));
        }
      }
    } finally {
      this.deleting.delete(k);
    }
  }

  /** The consumer_records counter of a topic for one consumer group. */
  consumedCounter(t: TopicState, group: string): Counter.Internal {
    let c = t.metrics.consumed.get(group);
    if (!c) {
      c = this.metrics.consumerRecords.labels({ org_id: t.orgLabel, topic: t.name, consumer_group: group });
      t.metrics.consumed.set(group, c);
    }
    return c;
  }

  persistOffsets(t: TopicState): void {
    this.meta.write(offsetsMetaKey(t.org, t.name), Buffer.from(JSON.stringify(t.offsetsJSON()))).catch(() => {});
  }

  /** Loads topics, committed offsets and the stored-segment index of every organization. */
  async load(): Promise<void> {
    const store = this.ctx.store;
    const orgs = [''];
    for (const key of await store.list(ORGS_PREFIX)) {
      const m = /^meta\/orgs\/(.+)\.json$/.exec(key);
      if (m) {
        orgs.push(m[1]!);
        this.knownOrgs.add(m[1]!);
      }
    }
    for (const org of orgs) {
      const prefix = orgPrefix(org);
      for (const key of await store.list(`${prefix}meta/topics/`)) {
        if (!key.endsWith('.json')) continue;
        const m = JSON.parse((await store.get(key)).toString('utf8')) as {
          id: string;
          name: string;
          partitionCount: number;
          retentionMs?: number;
          config?: Record<string, string>;
          createdAt: number;
        };
        const t = this.add(new TopicState(org, m.id, m.name, m.partitionCount, m.retentionMs ?? undefined, m.config ?? {}, m.createdAt));
        await this.loadSegments(t);
        await this.loadOffsets(t);
      }
    }
  }

  private async loadSegments(t: TopicState): Promise<void> {
    const prefix = `${t.orgPrefix}data/${t.name}/`;
    const byPartition = new Map<number, Array<{ base: number; key: string }>>();
    for (const key of await this.ctx.store.list(prefix)) {
      const m = /^(\d+)\/(\d{20})\.seg$/.exec(key.slice(prefix.length));
      if (!m) continue;
      const p = Number(m[1]);
      if (p >= t.partitionCount) continue;
      let list = byPartition.get(p);
      if (!list) byPartition.set(p, (list = []));
      list.push({ base: Number(m[2]), key });
    }
    for (const [p, list] of byPartition) {
      list.sort((a, b) => a.base - b.base);
      const log = t.partitions[p]!;
      // The header of the newest segment says where the partition's offsets continue.
      let end = -1;
      while (list.length > 0 && end < 0) {
        const last = list[list.length - 1]!;
        try {
          end = readHeader(await this.ctx.store.getRange(last.key, 0, HEADER_BYTES), last.key).endOffset;
        } catch (err) {
          this.ctx.log(`skipping unreadable segment ${last.key}: ${(err as Error).message}`);
          list.pop();
        }
      }
      // Storage listings carry no reliable time here (a folder and S3 differ), so retention restarts for what a
      // restarted agent finds: it keeps such segments one retention period longer, never shorter.
      const foundAt = Date.now();
      for (let i = 0; i < list.length; i++) {
        const s = list[i]!;
        log.stored.push({ baseOffset: s.base, endOffset: i + 1 < list.length ? list[i + 1]!.base : end, key: s.key, storedAtMs: foundAt });
      }
      if (end > 0) log.nextOffset = end;
    }
  }

  private async loadOffsets(t: TopicState): Promise<void> {
    let raw: Buffer;
    try {
      raw = await this.ctx.store.get(offsetsMetaKey(t.org, t.name));
    } catch (err) {
      if (err instanceof StorageError && err.errorType === 'not_found') return; // no offsets committed yet
      throw err;
    }
    const parsed = JSON.parse(raw.toString('utf8')) as Record<string, Record<string, CommittedOffset>>;
    for (const [group, parts] of Object.entries(parsed)) {
      const m = new Map<number, CommittedOffset>();
      for (const [p, c] of Object.entries(parts)) m.set(Number(p), c);
      t.offsets.set(group, m);
    }
  }
}
