// The "lean ceiling" of the generator benchmark (issue 11): the least a Node.js open-model producer can do.
// No grpc-js on the send path: raw node:http2 sessions speaking gRPC framing (5-byte prefix + message),
// one ProduceBatchRequest PRE-ENCODED per partition (with loadhouse's own codec; the record value starts with
// loadhouse's record header, but every record carries the same bytes), grpc-status read from the trailers.
// Paced like loadhouse: record i is due at t0 + i/rate, a batch is due when its last record is; batches go
// round-robin over `sessions` HTTP/2 sessions with at most `maxInFlight` calls outstanding. When the cap is
// hit nothing is rescheduled: the batches wait and their lateness counts (open model).
// Latency per record in HDR histograms (core's helpers, µs resolution), as loadhouse records it:
//   response = ack time - the record's intended time;  schedule lag = actual send time - the record's intended
//   time;  service = ack time - actual send time (once per batch, weighted by its records).
// Records intended before the warm-up end count in neither the histograms nor the rate.
//
// Run (spawns a sink agent when --target is absent):
//   npx tsx --conditions=source bench/lean-client.ts --target 127.0.0.1:PORT --rate 60000 --seconds 10
//   npx tsx --conditions=source bench/lean-client.ts --rate 60000 --seconds 10 --repeat 3
//   npx tsx --conditions=source bench/lean-client.ts --rate 20000 --seconds 3 --partitions 100 --producers 1000 [--linger 5]
import http2 from 'node:http2';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  AckMode,
  RECORD_HEADER_SIZE,
  STREAMHOUSE_SERVICE_NAME,
  StreamHouseClient,
  requestCodec,
  writeRecordHeader,
} from '@loadhouse/core/wire';
import { createHistogram, initHistograms, recordMs, summarizeHistogram } from '@loadhouse/core/histogram';
import { runLeanProducers } from './lean-producers.js';

export interface LeanClientOptions {
  /** host:port of the gRPC server (plaintext). */
  address: string;
  topic: string;
  partitions: number;
  /** Records per second (the schedule). */
  rate: number;
  seconds: number;
  /** Records per ProduceBatch call. Default 100. */
  batch?: number;
  /** Bytes per record value (header included, at least RECORD_HEADER_SIZE). Default 1024. */
  messageSize?: number;
  /** HTTP/2 sessions, used round-robin. Default 2. */
  sessions?: number;
  /** Calls in flight at most. Default 64. */
  maxInFlight?: number;
  /** Seconds at the start of the schedule left out of the figures (as loadhouse's warmupSeconds). Default 0. */
  warmupSeconds?: number;
  /**
   * A batch whose first record is more than this late when it could be sent is dropped, counted, never sent
   * (as loadhouse's dropAfterMs, default 10 s): a schedule far beyond the client's reach ends on time.
   */
  dropAfterMs?: number;
  /**
   * Independent producers at rate/producers each (bench/lean-producers.ts): loadhouse's many-producers shape,
   * `maxInFlight` then per producer and batches cut by size or `lingerMs`. Absent: one schedule of full batches.
   */
  producers?: number;
  /** With `producers`: a partial batch goes when its oldest record has waited this long. Default 5 (loadhouse's). */
  lingerMs?: number;
  /** Told the schedule's start (performance.now() ms) once it is set: where a caller's steady stretch is timed from (one schedule only). */
  onStart?: (t0: number) => void;
  /** With `producers`: calls in flight of all producers at most (default 256 per session, loadhouse's bound; Infinity: none). */
  maxCalls?: number;
}

export interface LeanClientResult {
  /** Records acked, warm-up left out. */
  acked: number;
  failed: number;
  /** Records dropped (warm-up left out): due for longer than dropAfterMs when a call could be started. */
  dropped: number;
  /** From the first due time after warm-up to the last ack (drain included). */
  seconds: number;
  /** acked / seconds. */
  msgsPerSec: number;
  /** ms */
  response: { p50: number; p99: number; max: number };
  /** ms */
  service: { p50: number; p99: number };
  /** ms */
  scheduleLag: { p50: number; p99: number; max: number };
  /** With `producers`: seconds from the schedule's start to the first ack. */
  firstAckSeconds?: number;
  /** With `producers`: the most calls in flight at once, all producers together. */
  peakCallsInFlight?: number;
}

const PATH = `/${STREAMHOUSE_SERVICE_NAME}/ProduceBatch`;
const WINDOW = 4 * 1024 * 1024;

/** gRPC length-prefixed message: flag 0 (uncompressed), u32 big-endian length, the bytes. */
function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

function connect(address: string): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    // Many streams at once (the many-producers shape) need more than the default 10 MB of session memory, as loadhouse's driver allows.
    const session = http2.connect(`http://${address}`, { settings: { initialWindowSize: WINDOW }, maxSessionMemory: 64 });
    session.once('connect', () => {
      session.setLocalWindowSize(WINDOW);
      session.off('error', reject);
      // Later session errors surface as failed streams; keep them from crashing the process.
      session.on('error', () => {});
      resolve(session);
    });
    session.once('error', reject);
  });
}

export async function ensureTopic(address: string, topic: string, partitions: number): Promise<void> {
  const client = new StreamHouseClient(address);
  try {
    await client.waitForReady(5000);
    try {
      await client.createTopic({ name: topic, partitionCount: partitions });
    } catch {
      // already there
    }
  } finally {
    client.close();
  }
}

export async function runLeanClient(o: LeanClientOptions): Promise<LeanClientResult> {
  const batch = o.batch ?? 100;
  const size = o.messageSize ?? 1024;
  const nSessions = o.sessions ?? 2;
  const cap = o.maxInFlight ?? 64;
  const warmupMs = (o.warmupSeconds ?? 0) * 1000;
  const dropAfterMs = o.dropAfterMs ?? 10_000;
  if (!(warmupMs >= 0) || warmupMs >= o.seconds * 1000) throw new Error('lean client: warmupSeconds must be >= 0 and shorter than seconds');
  if (!(o.rate > 0) || !(o.seconds > 0) || batch < 1 || o.partitions < 1 || nSessions < 1 || cap < 1)
    throw new Error('lean client: rate, seconds, batch, partitions, sessions, maxInFlight must be positive');
  if (size < RECORD_HEADER_SIZE) throw new Error(`lean client: messageSize must be at least ${RECORD_HEADER_SIZE}`);

  await ensureTopic(o.address, o.topic, o.partitions);
  await initHistograms();
  if (o.producers !== undefined) {
    if (!(o.producers >= 1) || !Number.isInteger(o.producers)) throw new Error('lean client: producers must be a positive integer');
    const sessions = await Promise.all(Array.from({ length: nSessions }, () => connect(o.address)));
    try {
      return await runLeanProducers({
        address: o.address,
        topic: o.topic,
        partitions: o.partitions,
        rate: o.rate,
        seconds: o.seconds,
        producers: o.producers,
        batch,
        messageSize: size,
        lingerMs: o.lingerMs ?? 5,
        maxInFlight: o.maxInFlight ?? 16,
        maxCalls: o.maxCalls ?? nSessions * 256,
        warmupMs,
        dropAfterMs,
        ackMode: AckMode.ACK_BUFFERED,
        sessions,
        path: PATH,
      });
    } finally {
      for (const s of sessions) s.close();
    }
  }

  // One value (header + random payload), one framed request per partition and batch length (the last batch
  // of the schedule may be shorter). Encoded once, sent many times.
  const codec = requestCodec('ProduceBatch');
  const bodies = new Map<string, Buffer>();
  const bodyFor = (partition: number, count: number): Buffer => {
    const key = `${partition}:${count}`;
    let body = bodies.get(key);
    if (!body) {
      const value = randomBytes(size);
      writeRecordHeader(value, 0, 0, 0, Date.now(), partition, size);
      const records = Array.from({ length: count }, () => ({ value }));
      body = frame(codec.encode({ topic: o.topic, partition, records, ackMode: AckMode.ACK_BUFFERED }));
      bodies.set(key, body);
    }
    return body;
  };
  for (let p = 0; p < o.partitions; p++) bodyFor(p, batch);

  const sessions = await Promise.all(Array.from({ length: nSessions }, () => connect(o.address)));
  const response = createHistogram();
  const service = createHistogram();
  const scheduleLag = createHistogram();

  const total = Math.round(o.rate * o.seconds);
  const nBatches = Math.ceil(total / batch);
  const msPerRecord = 1000 / o.rate;
  let acked = 0;
  let failed = 0;
  let dropped = 0;
  let next = 0;
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  const t0 = performance.now() + 20; // a moment to settle the first timer
  const measuredFrom = t0 + warmupMs;
  o.onStart?.(t0);

  try {
    const endedAt = await new Promise<number>((resolve) => {
      const firstOf = (k: number) => k * batch;
      const countOf = (k: number) => Math.min(batch, total - k * batch);
      const dueOf = (k: number) => t0 + (firstOf(k) + countOf(k) - 1) * msPerRecord;

      const send = (k: number) => {
        const count = countOf(k);
        const partition = k % o.partitions;
        const intended = t0 + firstOf(k) * msPerRecord;
        const session = sessions[k % nSessions]!;
        inFlight++;
        const sentAt = performance.now();
        const measured = intended >= measuredFrom;
        if (measured) for (let j = 0; j < count; j++) recordMs(scheduleLag, sentAt - (intended + j * msPerRecord));
        let status: string | undefined;
        let done = false;
        const finish = (ok: boolean) => {
          if (done) return;
          done = true;
          inFlight--;
          const now = performance.now();
          // Warm-up records are neither counted nor recorded.
          if (measured && ok) {
            acked += count;
            for (let j = 0; j < count; j++) recordMs(response, now - (intended + j * msPerRecord));
            recordMs(service, now - sentAt, count);
          } else if (measured) {
            failed += count;
          }
          pump();
        };
        let req: http2.ClientHttp2Stream;
        try {
          req = session.request({ ':method': 'POST', ':path': PATH, 'content-type': 'application/grpc', te: 'trailers' });
        } catch {
          finish(false);
          return;
        }
        // A trailers-only response carries grpc-status in the headers.
        req.on('response', (h) => {
          const s = h['grpc-status'];
          if (s !== undefined) status = String(s);
        });
        req.on('trailers', (t) => {
          const s = t['grpc-status'];
          if (s !== undefined) status = String(s);
        });
        req.on('data', () => {});
        req.on('close', () => finish(status === '0'));
        req.on('error', () => finish(false));
        req.end(bodyFor(partition, count));
      };

      const pump = () => {
        if (timer) return; // a wake-up is already set; completions in between just send what is due
        const now = performance.now();
        while (next < nBatches && inFlight < cap && dueOf(next) <= now) {
          const k = next++;
          const intended = t0 + firstOf(k) * msPerRecord;
          if (now - intended <= dropAfterMs) send(k);
          else if (intended >= measuredFrom) dropped += countOf(k);
        }
        if (next >= nBatches) {
          if (inFlight === 0) resolve(performance.now());
          return;
        }
        if (inFlight >= cap) return; // the next completion pumps again; the schedule does not move
        timer = setTimeout(
          () => {
            timer = undefined;
            pump();
          },
          Math.max(0, dueOf(next) - now),
        );
      };
      pump();
    });

    return leanFigures({ acked, failed, dropped }, (endedAt - measuredFrom) / 1000, { response, service, scheduleLag });
  } finally {
    if (timer) clearTimeout(timer);
    for (const s of sessions) s.close();
    response.destroy();
    service.destroy();
    scheduleLag.destroy();
  }
}

type Histogram = ReturnType<typeof createHistogram>;

/** A lean run's figures from its counts, its measured seconds and its three histograms (both lean shapes). */
export function leanFigures(
  counts: { acked: number; failed: number; dropped: number },
  seconds: number,
  h: { response: Histogram; service: Histogram; scheduleLag: Histogram },
): Pick<LeanClientResult, 'acked' | 'failed' | 'dropped' | 'seconds' | 'msgsPerSec' | 'response' | 'service' | 'scheduleLag'> {
  const r = summarizeHistogram(h.response);
  const s = summarizeHistogram(h.service);
  const l = summarizeHistogram(h.scheduleLag);
  return {
    ...counts,
    seconds,
    msgsPerSec: seconds > 0 ? counts.acked / seconds : 0,
    response: { p50: r.p50, p99: r.p99, max: r.max },
    service: { p50: s.p50, p99: s.p99 },
    scheduleLag: { p50: l.p50, p99: l.p99, max: l.max },
  };
}

export function formatLine(rate: number, r: LeanClientResult): string {
  return (
    `lean  rate ${rate.toLocaleString('en-US').padStart(7)}  ` +
    `acked ${r.acked.toLocaleString('en-US').padStart(9)}  failed ${r.failed}  dropped ${r.dropped}  ` +
    `${Math.round(r.msgsPerSec).toLocaleString('en-US').padStart(8)} msgs/s in ${r.seconds.toFixed(2)} s  ` +
    `response p50 ${r.response.p50.toFixed(2)} p99 ${r.response.p99.toFixed(2)} max ${r.response.max.toFixed(2)} ms  ` +
    `service p50 ${r.service.p50.toFixed(2)} p99 ${r.service.p99.toFixed(2)} ms  schedule lag p99 ${r.scheduleLag.p99.toFixed(2)} ms`
  );
}

async function main(argv: string[]): Promise<void> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${a} needs a value`);
    flags.set(a.slice(2), v);
    i++;
  }
  const num = (name: string, dflt: number) => {
    const v = flags.get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
    return n;
  };
  const rate = num('rate', 60_000);
  const opts = {
    topic: flags.get('topic') ?? 'bench-lean',
    partitions: num('partitions', 4),
    rate,
    seconds: num('seconds', 10),
    batch: num('batch', 100),
    messageSize: num('size', 1024),
    sessions: num('sessions', 2),
    maxInFlight: num('in-flight', flags.has('producers') ? 16 : 64),
    warmupSeconds: flags.has('warmup') ? Number(flags.get('warmup')) : 0,
    ...(flags.has('producers')
      ? {
          producers: num('producers', 1),
          lingerMs: flags.has('linger') ? Number(flags.get('linger')) : 5,
          // --max-calls 0: no bound on the calls in flight of all producers together.
          ...(flags.has('max-calls') ? { maxCalls: Number(flags.get('max-calls')) || Number.POSITIVE_INFINITY } : {}),
        }
      : {}),
  };
  const repeat = num('repeat', 1);
  let target = flags.get('target');
  let stop: (() => Promise<void>) | undefined;
  if (!target) {
    const { spawnAgent } = await import('@loadhouse/agent');
    const agent = await spawnAgent({ grpcPort: 0, httpPort: 0, sink: true });
    target = agent.grpcAddress;
    stop = () => agent.stop();
  }
  try {
    const results: LeanClientResult[] = [];
    for (let i = 0; i < repeat; i++) {
      const r = await runLeanClient({ address: target, ...opts });
      results.push(r);
      console.log(formatLine(rate, r));
    }
    if (repeat > 1) {
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      console.log(
        `median of ${repeat}: ${Math.round(median(results.map((r) => r.msgsPerSec))).toLocaleString('en-US')} msgs/s, ` +
          `response p99 ${median(results.map((r) => r.response.p99)).toFixed(2)} ms, service p99 ${median(results.map((r) => r.service.p99)).toFixed(2)} ms`,
      );
    }
  } finally {
    await stop?.();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
