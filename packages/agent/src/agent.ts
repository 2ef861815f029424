// startAgent(): wires storage, state loading, the gRPC and HTTP servers, and an orderly stop that flushes.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { LoadhouseError, orTimeout } from '@loadhouse/core';
// Registers the codes thrown here wherever this module is loaded, not only through the package entry.
import './errors.js';
import { Faults } from './faults.js';
import { createHandlers, type ServiceState } from './grpc-service.js';
import { RpcError } from './rpc-error.js';
import { hostPort, startGrpcServer, stopGrpcServer } from './grpc-server.js';
import { startHttpServer, stopHttpServer } from './http-server.js';
import { type KafkaServer, startKafkaServer } from './kafka/server.js';
import { AgentMetrics } from './metrics.js';
import { resolveOptions, type AgentFaults, type AgentOptions } from './options.js';
import { Semaphore, type LogContext } from './partition-log.js';
import { ChunkPool, decodeSegment } from './segment.js';
import { SegmentCache } from './segment-cache.js';
import { InstrumentedStore } from './storage/instrumented-store.js';
import { LocalStore } from './storage/local-store.js';
import { MetaWriter } from './storage/meta-writer.js';
import type { ObjectStore } from './storage/object-store.js';
import { TopicRegistry } from './topics.js';

export interface Agent {
  /** `127.0.0.1:PORT`, ready for a gRPC client. */
  readonly grpcAddress: string;
  /** `http://127.0.0.1:PORT` of /health, /ready, /metrics. */
  readonly httpAddress: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** `127.0.0.1:PORT` of the Kafka listener, for bootstrap.servers; undefined unless `kafkaPort` was given. */
  readonly kafkaAddress: string | undefined;
  readonly kafkaPort: number | undefined;
  readonly pid: number;
  /** Where segments and metadata go: `folder /path` or `s3://bucket at endpoint`. */
  readonly storage: string;
  /** The local data folder (undefined in S3 mode). */
  readonly dataDir: string | undefined;
  /** Changes fault injection at runtime; only the given fields change. */
  setFaults(faults: AgentFaults): void;
  /** Rolls every open segment and resolves once everything appended so far is stored. */
  flush(): Promise<void>;
  /** Flushes open segments (bounded by 10 s of storage trouble), then closes both servers. Idempotent. */
  stop(): Promise<void>;
  /**
   * For a process about to exit without waiting for `stop()` (a second signal): removes the temporary data folder
   * now, without flushing (nothing in it outlives the process anyway). No-op for a given or kept folder.
   */
  removeTempData(): Promise<void>;
}

const UPLOAD_CONCURRENCY = 8;
const STOP_FLUSH_MS = 10_000;
/** Free segment chunks kept for reuse. */
const CHUNK_POOL_BYTES = 128 * 1024 * 1024;
/** How often stored segments are checked against their topic's retention. */
const RETENTION_CHECK_MS = 1_000;

const TEMP_PREFIX = 'loadhouse-agent-';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // another user's live process
  }
}

/**
 * Temp data folders carry their agent's PID. One whose agent died without stopping (SIGKILL, a crash, power
 * loss) is removed by the next agent that starts; a reused PID only keeps a folder longer, never removes a live one.
 */
async function sweepStaleTempDirs(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      const pid = Number(new RegExp(`^${TEMP_PREFIX}(\\d+)-`).exec(name)?.[1]);
      if (!pid || pid === process.pid || pidAlive(pid)) return;
      await rm(join(tmpdir(), name), { recursive: true, force: true }).catch(() => {});
    }),
  );
}

function storageFailed(store: ObjectStore, what: string, err: unknown): LoadhouseError {
  return new LoadhouseError(
    'LH_AGENT_STORAGE_FAILED',
    `The agent could not ${what} in ${store.location}: ${(err as Error)?.message ?? String(err)}. ` +
      'Check that the folder is writable, or that the S3 endpoint answers, the bucket exists and the credentials may use it.',
    { cause: err, details: { storage: store.location } },
  );
}

export async function startAgent(options: AgentOptions = {}): Promise<Agent> {
  const o = resolveOptions(options);
  const metrics = new AgentMetrics();
  const faults = new Faults(o.faults);

  let tempDir: string | undefined;
  let dataDir: string | undefined;
  let inner: ObjectStore;
  if (o.s3) {
    // Loaded on demand: the AWS SDK is most of the agent's start-up time, and the folder mode never needs it.
    const { S3Store } = await import('./storage/s3-store.js');
    inner = new S3Store(o.s3);
  } else {
    if (o.dataDir === undefined) {
      await sweepStaleTempDirs();
      // A kept folder is the user's: no PID in its name, so no later sweep takes it.
      tempDir = await mkdtemp(join(tmpdir(), `${TEMP_PREFIX}${o.keepData ? 'kept' : process.pid}-`));
    }
    dataDir = o.dataDir ?? tempDir!;
    inner = new LocalStore(dataDir);
  }
  const store = new InstrumentedStore(inner, metrics, faults);
  const meta = new MetaWriter(store, o.log);
  const ctx: LogContext = {
    store,
    faults,
    segmentMaxBytes: o.segmentMaxBytes,
    segmentMaxAgeMs: o.segmentMaxAgeMs,
    sink: o.sink,
    uploads: new Semaphore(UPLOAD_CONCURRENCY),
    chunks: new ChunkPool(CHUNK_POOL_BYTES),
    log: o.log,
  };
  const registry = new TopicRegistry(ctx, metrics, meta);
  const cache = new SegmentCache(o.cacheMaxBytes, metrics, async (key) => decodeSegment(await store.get(key), key));
  // Retries: a flush still writing into the folder can make one pass of the removal meet a new file.
  const removeTempData = async (): Promise<void> => {
    if (tempDir && !o.keepData) await rm(tempDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 }).catch(() => {});
  };
  const cleanup = async (): Promise<void> => {
    await store.close().catch(() => {});
    await removeTempData();
  };

  try {
    await store.check();
  } catch (err) {
    await cleanup();
    throw storageFailed(store, 'reach its storage', err);
  }
  try {
    await registry.load();
  } catch (err) {
    await cleanup();
    throw storageFailed(store, 'load topics and segments', err);
  }
  store.faultsEnabled = true;

  const state: ServiceState = { registry, cache, faults, maxRequestBytes: o.maxRequestBytes, stopping: false };
  let ready = false;
  let grpcServer: Awaited<ReturnType<typeof startGrpcServer>>;
  let httpServer: Awaited<ReturnType<typeof startHttpServer>>;
  let kafkaServer: KafkaServer | undefined;
  // One set of handlers behind every door (gRPC, REST on the HTTP port, Kafka): a REST or Kafka produce is a
  // gRPC produce (same logs, faults, metrics).
  const handlers = createHandlers(state);
  try {
    grpcServer = await startGrpcServer(handlers, o.host, o.grpcPort, o.maxRequestBytes);
  } catch (err) {
    await cleanup();
    throw new LoadhouseError(
      'LH_AGENT_START_FAILED',
      `The agent could not listen for gRPC on ${hostPort(o.host, o.grpcPort)}: ${(err as Error).message}. Choose another --grpc-port (0 picks a free one).`,
      { cause: err },
    );
  }
  try {
    // A REST body carries values as JSON text (base64 grows them by a third): room for a full gRPC-size batch.
    const rest = { handlers, registry, maxBodyBytes: 2 * o.maxRequestBytes };
    httpServer = await startHttpServer(o.host, o.httpPort, metrics, () => ready, rest);
  } catch (err) {
    grpcServer.server.forceShutdown();
    await cleanup();
    throw new LoadhouseError(
      'LH_AGENT_START_FAILED',
      `The agent could not listen for HTTP on ${hostPort(o.host, o.httpPort)}: ${(err as Error).message}. Choose another --http-port (0 picks a free one).`,
      { cause: err },
    );
  }
  if (o.kafkaPort !== undefined) {
    try {
      kafkaServer = await startKafkaServer(handlers, registry, o.host, o.kafkaPort, o.maxRequestBytes, o.log);
    } catch (err) {
      grpcServer.server.forceShutdown();
      await stopHttpServer(httpServer.server);
      await cleanup();
      throw new LoadhouseError(
        'LH_AGENT_START_FAILED',
        `The agent could not listen for Kafka clients on ${hostPort(o.host, o.kafkaPort)}: ${(err as Error).message}. Choose another --kafka-port (0 picks a free one).`,
        { cause: err },
      );
    }
  }
  ready = true;

  // Retention: segments stored longer than their topic's retention (or the agent's default) leave the index
  // at once and are deleted from storage; a failed delete is logged (a restart finds and expires them again).
  let expiring: Promise<void> | undefined;
  const expirePass = async (): Promise<void> => {
    const now = Date.now();
    for (const t of registry.all()) {
      if (state.stopping) return;
      const retention = t.retentionMs ?? o.retentionMs;
      if (retention === undefined) continue;
      const keys = t.partitions.flatMap((p) => p.expire(now - retention).map((s) => s.key));
      if (keys.length === 0) continue;
      for (const k of keys) cache.drop(k);
      metrics.segmentsExpired.inc({ org_id: t.orgLabel, topic: t.name }, keys.length);
      await store
        .delete(keys)
        .catch((err: unknown) => o.log(`retention: could not delete ${keys.length} segments of '${t.name}': ${(err as Error).message}`));
    }
  };
  const expireSegments = (): Promise<void> => (expiring ??= expirePass().finally(() => (expiring = undefined)));
  const retentionTimer = setInterval(() => void expireSegments(), RETENTION_CHECK_MS);
  retentionTimer.unref();

  const flushAll = async (): Promise<void> => {
    const logs = [...registry.all()].flatMap((t) => t.partitions);
    await Promise.all(logs.map((l) => l.flush()));
    await meta.flush();
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      state.stopping = true;
      ready = false;
      clearInterval(retentionTimer);
      faults.stopGrowth();
      await expiring; // a pass under way finishes its deletes before storage closes
      const flushed = await orTimeout(
        flushAll().then(() => true),
        STOP_FLUSH_MS,
        false,
      );
      if (!flushed) {
        const unstored = [...registry.all()].reduce((n, t) => n + t.partitions.reduce((m, p) => m + p.unstoredSegments, 0), 0);
        o.log(`stop: ${unstored} segments could not be stored within ${STOP_FLUSH_MS} ms and are lost`);
      }
      const reason = new RpcError(grpc.status.UNAVAILABLE, 'the agent stopped before the segment was stored');
      for (const t of registry.all()) for (const p of t.partitions) p.close(reason);
      meta.close();
      await Promise.all([stopGrpcServer(grpcServer.server, 2_000), stopHttpServer(httpServer.server), kafkaServer?.close()]);
      cache.clear();
      metrics.registry.clear();
      await cleanup();
    })();
    return stopping;
  };

  return {
    grpcAddress: hostPort(o.host, grpcServer.port),
    httpAddress: `http://${hostPort(o.host, httpServer.port)}`,
    grpcPort: grpcServer.port,
    httpPort: httpServer.port,
    kafkaAddress: kafkaServer ? hostPort(o.host, kafkaServer.port) : undefined,
    kafkaPort: kafkaServer?.port,
    pid: process.pid,
    storage: store.location,
    dataDir,
    setFaults: (f) => faults.set(f),
    flush: flushAll,
    stop,
    removeTempData,
  };
}
