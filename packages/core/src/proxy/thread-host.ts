// The fault proxy's thread (`startFaultProxy({ thread: true })`): the relays and their schedule run here, on an
// event loop of their own, so that each chunk relayed does not wait behind the caller's work (a run's
// sampling, aggregation and histogram decoding). The caller's side is thread.ts; they talk over the thread's port.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { FaultEvent } from './timeline.js';
import { openRelays, type RelayOptions, type RelayStats } from './relays.js';

/** What the thread is started with (workerData). */
export interface ProxyThreadInit {
  relays: RelayOptions;
  /** Start the timeline once listening, from the thread's own clock (startNow). */
  startNow: boolean;
}

/** Caller -> thread. */
export type ProxyThreadCommand = { type: 'start'; atEpochMs: number } | { type: 'close' };

/** Thread -> caller; every message but `failed` carries the counters as they are now. */
export type ProxyThreadMessage =
  | { type: 'listening'; address: string | undefined; s3Address: string | undefined; stats: RelayStats }
  | { type: 'failed'; message: string }
  | { type: 'event'; event: FaultEvent; stats: RelayStats }
  | { type: 'stats'; stats: RelayStats }
  | { type: 'closed'; stats: RelayStats };

/** How often the counters are posted between events: FaultProxy.stats() of a thread proxy is at most this old. */
export const STATS_EVERY_MS = 250;

async function serve(port: NonNullable<typeof parentPort>, init: ProxyThreadInit): Promise<void> {
  const post = (m: ProxyThreadMessage) => port.postMessage(m);
  let relays: Awaited<ReturnType<typeof openRelays>>;
  try {
    relays = await openRelays(init.relays);
  } catch (err) {
    post({ type: 'failed', message: (err as Error).message });
    return;
  }
  // Added after the relays' own listeners: the caller hears of a fault once the relays have acted on it.
  relays.schedule.onEvent((event) => post({ type: 'event', event, stats: relays.stats() }));
  const ticker = setInterval(() => post({ type: 'stats', stats: relays.stats() }), STATS_EVERY_MS);
  port.on('message', (m: ProxyThreadCommand) => {
    if (m.type === 'start') relays.schedule.start(m.atEpochMs - performance.timeOrigin);
    else {
      clearInterval(ticker);
      // The caller ends the thread on this message.
      void relays.close().then(() => post({ type: 'closed', stats: relays.stats() }));
    }
  });
  if (init.startNow) relays.schedule.start();
  post({ type: 'listening', address: relays.address, s3Address: relays.s3Address, stats: relays.stats() });
}

if (!isMainThread && parentPort) void serve(parentPort, workerData as ProxyThreadInit);
