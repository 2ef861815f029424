// The TCP side of the fault proxy: a byte-level relay in front of a target's gRPC port (HTTP/2 passes through
// untouched), with the timeline's blackhole, latency and reset applied to every connection. All in process: no
// root, no packet filter.
import net from 'node:net';
import { splitHostPort } from '../util.js';
import type { FaultSchedule } from './timeline.js';

/** Bytes held per direction before reading from the sender pauses (TCP back-pressure takes over beyond it). */
const HOLD_LIMIT = 8 * 1024 * 1024;

/**
 * One direction of a relayed connection. With no latency or blackhole in force (the usual case) a chunk is written
 * on as it arrives: no queue, no clock read, no timer (the relay's own cost is what the proxy benchmark measures).
 * Otherwise chunks wait in order until they are due (latency) and no blackhole is in force; a blackhole holds them
 * (nothing is dropped) and the connection stays open, so the peers see a stall, not a close.
 */
class Direction {
  private readonly queue: Array<{ chunk: Buffer; dueAt: number }> = [];
  private held = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  private lastDue = 0;
  /** Chunks pass straight through: no delaying fault in force and nothing queued (set on fault events, not per chunk). */
  private direct: boolean;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly schedule: FaultSchedule,
  ) {
    this.direct = !delaying(schedule);
    from.on('data', (chunk: Buffer) => {
      if (this.direct) {
        if (!this.to.write(chunk)) this.from.pause();
      } else this.push(chunk);
    });
    to.on('drain', () => {
      if (this.held <= HOLD_LIMIT) this.from.resume();
    });
  }

  /** A latency or blackhole started or ended: leave or (once the queue is empty) rejoin the direct path. */
  faultsChanged(): void {
    if (delaying(this.schedule)) this.direct = false;
    this.pump();
  }

  private push(chunk: Buffer): void {
    const delay = this.schedule.active('latency')?.parameter ?? 0;
    // Never before an earlier chunk: a latency that drops must not reorder the stream.
    this.lastDue = Math.max(this.lastDue, performance.now() + delay);
    this.queue.push({ chunk, dueAt: this.lastDue });
    this.held += chunk.length;
    if (this.held > HOLD_LIMIT) this.from.pause();
    // A timer armed for an earlier chunk fires in time for this one too (due times never decrease).
    if (this.timer === undefined) this.pump();
  }

  /** Writes every chunk due; called on a chunk that found no timer armed, on its timer, and on fault events. */
  pump(): void {
    if (this.schedule.active('blackhole') || this.to.destroyed) return this.disarm();
    const now = performance.now();
    let ok = true;
    while (this.queue.length > 0 && this.queue[0]!.dueAt <= now) {
      const { chunk } = this.queue.shift()!;
      this.held -= chunk.length;
      ok = this.to.write(chunk);
    }
    if (this.queue.length > 0) {
      const due = this.queue[0]!.dueAt;
      // Re-armed only when the head's due time moved: one timer per wait, not one per chunk.
      if (this.timer === undefined || this.timerAt !== due) {
        this.disarm();
        this.timerAt = due;
        this.timer = setTimeout(
          () => {
            this.timer = undefined;
            this.pump();
          },
          Math.max(1, due - now),
        );
      }
    } else {
      this.disarm();
      if (!delaying(this.schedule)) this.direct = true;
    }
    if (ok && this.held <= HOLD_LIMIT) this.from.resume();
    else if (!ok) this.from.pause();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.disarm();
    this.queue.length = 0;
  }
}

/** A fault that holds or delays bytes is in force. */
function delaying(schedule: FaultSchedule): boolean {
  return schedule.active('latency') !== undefined || schedule.active('blackhole') !== undefined;
}

export interface TcpProxyOptions {
  /** `host:port` of the target's gRPC port. */
  upstream: string;
  /** Where to listen (default 127.0.0.1, a free port). */
  host?: string;
  port?: number;
  schedule: FaultSchedule;
}

/** The relay: listens, connects each accepted connection to the upstream, and applies the faults in force. */
export class TcpFaultProxy {
  private readonly server: net.Server;
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket; directions: Direction[] }>();
  private readonly upstream: { host: string; port: number };
  /** Connections accepted over the proxy's life, and refused during a reset. */
  connections = 0;
  refused = 0;

  constructor(private readonly o: TcpProxyOptions) {
    const upstream = splitHostPort(o.upstream);
    if (!upstream) throw new Error(`the upstream "${o.upstream}" is not host:port`);
    this.upstream = upstream;
    this.server = net.createServer((client) => this.accept(client));
    o.schedule.onEvent((e) => {
      if (e.fault.kind === 'reset' && e.type === 'start') this.endAll();
      if (e.fault.kind === 'blackhole' || e.fault.kind === 'latency')
        for (const p of this.pairs) for (const d of p.directions) d.faultsChanged();
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', () => resolve());
    });
    const a = this.server.address() as net.AddressInfo;
    return `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  private accept(client: net.Socket): void {
    this.connections++;
    if (this.o.schedule.active('reset')) {
      this.refused++;
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = net.connect({ host: this.upstream.host, port: this.upstream.port, noDelay: true });
    const pair = {
      client,
      upstream,
      directions: [new Direction(client, upstream, this.o.schedule), new Direction(upstream, client, this.o.schedule)],
    };
    this.pairs.add(pair);
    const end = (hard: boolean) => {
      if (!this.pairs.delete(pair)) return;
      for (const d of pair.directions) d.close();
      // A reset or an error on one side is one on the other; a clean close is passed on as a close.
      if (hard) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      } else {
        client.destroySoon();
        upstream.destroySoon();
      }
    };
    client.on('error', () => end(true));
    upstream.on('error', () => end(true));
    client.on('close', () => end(false));
    upstream.on('close', () => end(false));
  }

  /** Ends every relayed connection: with a TCP reset (the fault), or a plain close. */
  private endAll(reset = true): void {
    for (const p of [...this.pairs]) {
      this.pairs.delete(p);
      for (const d of p.directions) d.close();
      if (reset) {
        p.client.resetAndDestroy();
        p.upstream.resetAndDestroy();
      } else {
        p.client.destroy();
        p.upstream.destroy();
      }
    }
  }

  /** Open relayed connections now. */
  get open(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    // A plain close, not a reset: a thread proxy whose connections were reset just before its thread was
    // terminated sometimes never finished terminating (Node 20, seen in about a third of tries).
    this.endAll(false);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
