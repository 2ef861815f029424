// The lean client's many-producers shape (bench/lean-client.ts with `producers`): N independent open-model
// producers at rate/N each, as loadhouse's many-producers scenario plans them (producer k's schedule offset by
// k/N of its interval, its partitions k, k+N, ... or k mod partitions, one partition per batch, round-robin),
// each cutting its batches by size or by linger and holding at most `maxInFlight` calls. With equal rates and
// those offsets, the producers' schedules merged are one evenly spaced schedule at the total rate, whose
// record j is record floor(j/N) of producer j mod N: the client walks that one sequence and keeps, per
// producer, only counters in typed arrays. Producers with a partial batch wait in a min-heap keyed by when
// their linger ends (or their oldest record expires); one timer serves the sequence and the heap. Requests are
// laid out once per partition (the records) and per partition and count (the few head bytes); a call writes
// the head and a view of the records, nothing is encoded per call.
import type http2 from 'node:http2';
import { randomBytes } from 'node:crypto';
import { RECORD_HEADER_SIZE, writeRecordHeader } from '@loadhouse/core/wire';
import { createHistogram, recordMs } from '@loadhouse/core/histogram';
import { partitionsFor } from '../packages/core/src/pools/plan.js';
import { varintLength, writeVarint } from '../packages/core/src/proto/produce-frame.js';
import { type LeanClientResult, leanFigures } from './lean-client.js';

export interface LeanProducersShape {
  address: string;
  topic: string;
  partitions: number;
  rate: number;
  seconds: number;
  producers: number;
  batch: number;
  messageSize: number;
  lingerMs: number;
  /** Calls in flight per producer at most. */
  maxInFlight: number;
  /**
   * Calls in flight of all producers together at most (loadhouse's worker bound, 256 per connection): a producer
   * with a batch ready waits in a queue, served in order as calls end; its records stay late and may expire.
   */
  maxCalls: number;
  warmupMs: number;
  dropAfterMs: number;
  ackMode: number;
  sessions: http2.ClientHttp2Session[];
  path: string;
}

/** A min-heap of producer indices keyed by wake time, each producer in it at most once. */
class Heap {
  private readonly items: number[] = [];
  readonly at: Float64Array;
  private readonly pos: Int32Array;
  constructor(n: number) {
    this.at = new Float64Array(n).fill(Infinity);
    this.pos = new Int32Array(n).fill(-1);
  }
  get topAt(): number {
    return this.items.length > 0 ? this.at[this.items[0]!]! : Infinity;
  }
  pop(): number {
    const k = this.items[0]!;
    this.remove(k);
    return k;
  }
  set(k: number, t: number): void {
    if (!(t < Infinity)) return this.remove(k);
    this.at[k] = t;
    let i = this.pos[k]!;
    if (i < 0) {
      i = this.items.length;
      this.items.push(k);
    }
    this.place(k, i);
  }
  remove(k: number): void {
    const i = this.pos[k]!;
    if (i < 0) return;
    this.pos[k] = -1;
    const last = this.items.pop()!;
    if (last !== k) this.place(last, i);
  }
  private place(k: number, i: number): void {
    const items = this.items;
    const at = this.at;
    const t = at[k]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (at[p]! <= t) break;
      items[i] = p;
      this.pos[p] = i;
      i = parent;
    }
    for (;;) {
      let c = 2 * i + 1;
      if (c >= items.length) break;
      if (c + 1 < items.length && at[items[c + 1]!]! < at[items[c]!]!) c++;
      const child = items[c]!;
      if (at[child]! >= t) break;
      items[i] = child;
      this.pos[child] = i;
      i = c;
    }
    items[i] = k;
    this.pos[k] = i;
  }
}

export async function runLeanProducers(
  o: LeanProducersShape,
): Promise<LeanClientResult & { firstAckSeconds: number; peakCallsInFlight: number }> {
  const n = o.producers;
  const size = o.messageSize;
  if (size < RECORD_HEADER_SIZE) throw new Error(`lean client: messageSize must be at least ${RECORD_HEADER_SIZE}`);
  // loadhouse's many-producers quota: rate x seconds split evenly, at least one record each.
  const quota = Math.max(1, Math.round((o.rate * o.seconds) / n));
  const batch = Math.min(o.batch, quota);
  const total = quota * n;
  const msPerRecord = 1000 / o.rate;

  // Records of a full batch per partition (headers written once), and the head of each (partition, count).
  const topic = Buffer.from(o.topic, 'utf8');
  const inner = 1 + varintLength(size) + size;
  const recordBytes = 1 + varintLength(inner) + inner;
  const recordsOf: Buffer[] = [];
  for (let p = 0; p < o.partitions; p++) {
    const b = Buffer.allocUnsafe(batch * recordBytes);
    const value = randomBytes(size);
    writeRecordHeader(value, 0, 0, 0, Date.now(), p, size);
    for (let j = 0; j < batch; j++) {
      let at = j * recordBytes;
      b[at++] = 0x1a;
      at = writeVarint(b, at, inner);
      b[at++] = 0x12;
      at = writeVarint(b, at, size);
      value.copy(b, at);
    }
    recordsOf.push(b);
  }
  const heads = new Map<number, Buffer>();
  const headOf = (p: number, count: number): Buffer => {
    const key = p * (batch + 1) + count;
    let h = heads.get(key);
    if (!h) {
      const body = 1 + varintLength(topic.length) + topic.length + 1 + varintLength(o.ackMode) + 1 + varintLength(p);
      h = Buffer.allocUnsafe(5 + body);
      h[0] = 0;
      h.writeUInt32BE(body + count * recordBytes, 1);
      let at = 5;
      h[at++] = 0x0a;
      at = writeVarint(h, at, topic.length);
      at += topic.copy(h, at);
      h[at++] = 0x40;
      at = writeVarint(h, at, o.ackMode);
      h[at++] = 0x10;
      writeVarint(h, at, p);
      heads.set(key, h);
    }
    return h;
  };

  const parts = Array.from({ length: n }, (_, k) => partitionsFor(k, n, o.partitions));
  const cursor = new Uint32Array(n);
  /** Per producer: records scheduled so far, records sent or dropped, calls in flight. */
  const due = new Float64Array(n);
  const sent = new Float64Array(n);
  const inFlight = new Uint32Array(n);
  const heap = new Heap(n);
  /** Producers waiting for a call (the all-producers bound), in the order they came. */
  const waiting = new Uint8Array(n);
  const waitQueue: number[] = [];
  let waitHead = 0;
  let calls = 0;
  const response = createHistogram();
  const service = createHistogram();
  const scheduleLag = createHistogram();
  const headers = { ':method': 'POST', ':path': o.path, 'content-type': 'application/grpc', te: 'trailers' };

  let acked = 0;
  let failed = 0;
  let dropped = 0;
  let settled = 0;
  let next = 0; // the merged schedule's next record
  let started = 0;
  let peakCalls = 0;
  let firstAck = -1;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  const t0 = performance.now() + 20;
  const measuredFrom = t0 + o.warmupMs;
  // Record i of producer k is record i*n + k of the merged schedule.
  const intended = (k: number, i: number) => t0 + (i * n + k) * msPerRecord;

  try {
    const endedAt = await new Promise<number>((resolve) => {
      const send = (k: number, count: number, now: number) => {
        const first = sent[k]!;
        sent[k] = first + count;
        inFlight[k]!++;
        const ps = parts[k]!;
        const partition = ps[cursor[k]!++ % ps.length]!;
        const session = o.sessions[started++ % o.sessions.length]!;
        if (++calls > peakCalls) peakCalls = calls;
        const from = intended(k, first);
        const measured = from >= measuredFrom;
        if (measured) for (let j = 0; j < count; j++) recordMs(scheduleLag, now - (from + j * n * msPerRecord));
        let status = '';
        let done = false;
        const finish = (ok: boolean) => {
          if (done) return;
          done = true;
          inFlight[k]!--;
          calls--;
          settled += count;
          const at = performance.now();
          while (calls < o.maxCalls && waitHead < waitQueue.length) {
            const w = waitQueue[waitHead++]!;
            waiting[w] = 0;
            serve(w, at);
          }
          if (waitHead === waitQueue.length) {
            waitQueue.length = 0;
            waitHead = 0;
          }
          if (ok && firstAck < 0) firstAck = at;
          if (measured && ok) {
            acked += count;
            for (let j = 0; j < count; j++) recordMs(response, at - (from + j * n * msPerRecord));
            recordMs(service, at - now, count);
          } else if (measured) failed += count;
          serve(k, at);
          arm(at);
        };
        let req: http2.ClientHttp2Stream;
        try {
          req = session.request(headers);
        } catch {
          finish(false);
          return;
        }
        const onHeaders = (h: http2.IncomingHttpHeaders) => {
          const s = h['grpc-status'];
          if (s !== undefined) status = String(s);
        };
        req.on('response', onHeaders);
        req.on('trailers', onHeaders);
        req.on('data', () => {});
        req.on('close', () => finish(status === '0'));
        req.on('error', () => finish(false));
        req.write(headOf(partition, count));
        req.end(recordsOf[partition]!.subarray(0, count * recordBytes));
      };

      /** Drops what expired, sends what is full, lingered long enough or last, and re-queues the producer. */
      const serve = (k: number, now: number) => {
        let backlog = due[k]! - sent[k]!;
        if (backlog > 0) {
          // Records that could not start within dropAfterMs of their time are dropped, never sent.
          while (backlog > 0 && now - intended(k, sent[k]!) > o.dropAfterMs) {
            if (intended(k, sent[k]!) >= measuredFrom) dropped++;
            sent[k]!++;
            settled++;
            backlog--;
          }
          const last = due[k]! >= quota;
          while (backlog > 0 && inFlight[k]! < o.maxInFlight) {
            const count = Math.min(backlog, batch);
            if (count < batch && !last && now - intended(k, sent[k]!) < o.lingerMs) break;
            if (calls >= o.maxCalls) {
              if (!waiting[k]) {
                waiting[k] = 1;
                waitQueue.push(k);
              }
              break;
            }
            send(k, count, now);
            backlog -= count;
          }
        }
        if (backlog <= 0) return heap.remove(k);
        const oldest = intended(k, sent[k]!);
        const wake = oldest + o.dropAfterMs;
        heap.set(k, inFlight[k]! < o.maxInFlight && !waiting[k] ? Math.min(wake, oldest + o.lingerMs) : wake);
      };

      const pump = () => {
        timer = undefined;
        timerAt = Infinity;
        const now = performance.now();
        while (next < total && t0 + next * msPerRecord <= now) {
          const k = next % n;
          next++;
          due[k]!++;
          const backlog = due[k]! - sent[k]!;
          // A full batch or the producer's last record goes at once; a first record waits for its linger.
          if (backlog >= batch || due[k]! >= quota) serve(k, now);
          else if (backlog === 1) {
            // Its only record waits for its linger, or (all calls out) for an ack or its expiry.
            const oldest = t0 + (next - 1) * msPerRecord;
            heap.set(k, inFlight[k]! < o.maxInFlight ? oldest + o.lingerMs : oldest + o.dropAfterMs);
          }
        }
        while (heap.topAt <= now) serve(heap.pop(), now);
        arm(now);
      };

      const arm = (now: number) => {
        if (settled >= total) {
          if (timer) clearTimeout(timer);
          timer = undefined;
          resolve(performance.now());
          return;
        }
        const at = Math.min(next < total ? t0 + next * msPerRecord : Infinity, heap.topAt);
        if (!(at < timerAt)) return;
        if (timer) clearTimeout(timer);
        timerAt = at;
        timer = at < Infinity ? setTimeout(pump, Math.max(0, at - now)) : undefined;
      };
      pump();
    });

    return {
      ...leanFigures({ acked, failed, dropped }, (endedAt - measuredFrom) / 1000, { response, service, scheduleLag }),
      firstAckSeconds: firstAck < 0 ? Number.NaN : (firstAck - t0) / 1000,
      peakCallsInFlight: peakCalls,
    };
  } finally {
    if (timer) clearTimeout(timer);
    response.destroy();
    service.destroy();
    scheduleLag.destroy();
  }
}
