// The relays of one fault proxy and the schedule that drives them, in whichever thread they run: the caller's
// (startFaultProxy) or a thread of their own (thread-host.ts, `thread: true`).
import type { FaultSpec } from '../types/faults.js';
import { S3FaultProxy } from './s3-http.js';
import { TcpFaultProxy } from './tcp.js';
import { FaultSchedule } from './timeline.js';

/** A listening address, checked: undefined host and port take the defaults (127.0.0.1, a free port). */
export interface ListenAt {
  host?: string;
  port?: number;
}

/** What the relays need, checked and plain (it crosses to a thread as is). */
export interface RelayOptions {
  faults: readonly FaultSpec[];
  target?: string;
  listen: ListenAt;
  s3Upstream?: string;
  s3Listen: ListenAt;
}

/** Counters of the relays (FaultProxy.stats()). */
export interface RelayStats {
  connections: number;
  refused: number;
  open: number;
  s3Requests: number;
  s3Throttled: number;
}

export interface Relays {
  schedule: FaultSchedule;
  address: string | undefined;
  s3Address: string | undefined;
  stats(): RelayStats;
  /** Stops the timeline, closes every connection and both listeners. */
  close(): Promise<void>;
}

/** Starts the relays listening; a listen failure closes whatever started and rejects with the socket's error. */
export async function openRelays(o: RelayOptions): Promise<Relays> {
  const schedule = new FaultSchedule(o.faults);
  const tcp = o.target === undefined ? undefined : new TcpFaultProxy({ upstream: o.target, ...o.listen, schedule });
  const s3 = o.s3Upstream === undefined ? undefined : new S3FaultProxy({ upstream: o.s3Upstream, ...o.s3Listen, schedule });
  let address: string | undefined;
  let s3Address: string | undefined;
  try {
    address = await tcp?.listen();
    s3Address = await s3?.listen();
  } catch (err) {
    await Promise.all([tcp?.close(), s3?.close()]).catch(() => undefined);
    throw err;
  }
  return {
    schedule,
    address,
    s3Address,
    stats: () => ({
      connections: tcp?.connections ?? 0,
      refused: tcp?.refused ?? 0,
      open: tcp?.open ?? 0,
      s3Requests: s3?.requests ?? 0,
      s3Throttled: s3?.throttled ?? 0,
    }),
    close: async () => {
      schedule.stop();
      await Promise.all([tcp?.close(), s3?.close()]);
    },
  };
}
