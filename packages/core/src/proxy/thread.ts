// The caller's side of a fault proxy in a thread of its own (`startFaultProxy({ thread: true })`): starts the
// thread, relays the timeline's start instant to it, passes its fault events on to the listeners, keeps the
// last counters it posted, and ends it once it has closed its sockets.
import { LoadhouseError } from '../errors.js';
import { startThread } from '../thread-module.js';
import type { FaultSpec } from '../types/faults.js';
import { epochNow, orTimeout } from '../util.js';
import type { FaultProxy } from './fault-proxy.js';
import type { RelayOptions, RelayStats } from './relays.js';
import type { ProxyThreadCommand, ProxyThreadInit, ProxyThreadMessage } from './thread-host.js';
import type { FaultEvent } from './timeline.js';

export interface ThreadProxyOptions {
  relays: RelayOptions;
  startNow: boolean;
  onEvent?: (e: FaultEvent) => void;
  /** The thread died after it started (its connections are gone with it); a run logs it. */
  onThreadError?: (err: Error) => void;
}

/** How long close() waits for the thread to end once its sockets are closed. */
const TERMINATE_WAIT_MS = 5_000;

const NO_STATS: RelayStats = { connections: 0, refused: 0, open: 0, s3Requests: 0, s3Throttled: 0 };

export async function startThreadFaultProxy(o: ThreadProxyOptions): Promise<FaultProxy> {
  const init: ProxyThreadInit = { relays: o.relays, startNow: o.startNow };
  const worker = startThread('proxy/thread-host', init);
  const listeners: Array<(e: FaultEvent) => void> = o.onEvent ? [o.onEvent] : [];
  let stats = NO_STATS;
  let started = o.startNow;
  let closing: Promise<void> | undefined;
  let exited = false;
  let onClosed: (() => void) | undefined;
  let listening: ((m: Extract<ProxyThreadMessage, { type: 'listening' }>) => void) | undefined;
  let failed: ((err: Error) => void) | undefined;
  const ready = new Promise<Extract<ProxyThreadMessage, { type: 'listening' }>>((resolve, reject) => {
    listening = resolve;
    failed = reject;
  });
  worker.on('message', (m: ProxyThreadMessage) => {
    if (m.type === 'failed') return failed?.(new Error(m.message));
    stats = m.stats;
    if (m.type === 'listening') listening?.(m);
    else if (m.type === 'event') for (const l of listeners) l(m.event);
    else if (m.type === 'closed') onClosed?.();
  });
  worker.on('error', (err) => {
    failed?.(err);
    if (listening === undefined && closing === undefined) o.onThreadError?.(err);
  });
  // A thread that ends unasked (a crash, or a failure before it listened) settles whatever waits on it.
  worker.on('exit', () => {
    exited = true;
    failed?.(new Error('the fault proxy thread ended before it listened'));
    onClosed?.();
  });
  let m: Extract<ProxyThreadMessage, { type: 'listening' }>;
  try {
    m = await ready;
  } catch (err) {
    await worker.terminate();
    throw new LoadhouseError('LH_INVALID_OPTION', `the fault proxy could not listen: ${(err as Error).message}`, { cause: err });
  } finally {
    listening = undefined;
    failed = undefined;
  }
  const send = (c: ProxyThreadCommand) => worker.postMessage(c);
  return {
    address: m.address,
    s3Address: m.s3Address,
    faults: o.relays.faults as FaultSpec[],
    startTimeline: (atEpochMs = epochNow()) => {
      if (started || closing) return;
      started = true;
      send({ type: 'start', atEpochMs });
    },
    onEvent: (listener) => listeners.push(listener),
    stats: () => ({ ...stats }),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        if (exited) return resolve();
        onClosed = resolve;
        send({ type: 'close' });
      }).then(() => {
        // Should the thread's end hang regardless (see TcpFaultProxy.close), neither close() nor the process
        // waits for it: its sockets are closed by now.
        worker.unref();
        return orTimeout(
          worker.terminate().then(() => undefined),
          TERMINATE_WAIT_MS,
          undefined,
        );
      });
      return closing;
    },
  };
}
