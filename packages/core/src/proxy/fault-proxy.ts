// startFaultProxy(): the TCP proxy for a target's gRPC port and, when an S3 upstream is given, the HTTP proxy for
// its S3 endpoint, both driven by one fault timeline. Used by `loadhouse proxy`, by a run's `faults` option, and
// by anyone putting faults in front of a real cluster.
import { LoadhouseError } from '../errors.js';
import { splitHostPort } from '../util.js';
import type { FaultSpec } from '../types/faults.js';
import { type ListenAt, openRelays, type RelayOptions } from './relays.js';
import { startThreadFaultProxy } from './thread.js';
import { type FaultEvent, parseFaultTimeline, TCP_FAULT_KINDS } from './timeline.js';

export type { FaultEvent } from './timeline.js';

/**
 * What startFaultProxy relays (a target's gRPC port, its S3 endpoint, or both), where it listens, the timeline,
 * and whether it runs in a thread of its own (`thread`).
 */
export interface FaultProxyOptions {
  /** `host:port` of the target's gRPC port: the TCP proxy relays to it. Without it, only the S3 proxy runs. */
  target?: string;
  /** The timeline: `blackhole@30s+10s, latency@60s+20s=50ms` or a list of segments or specs; `[]`: a plain relay. */
  faults: string | readonly (string | FaultSpec)[];
  /** Where the TCP proxy listens, `host:port` (default 127.0.0.1 on a free port). */
  listen?: string;
  /** Base URL of the real S3 endpoint; needed for s3-* faults (the target then uses `s3Address` as its endpoint). */
  s3Upstream?: string;
  /** Where the S3 proxy listens, `host:port` (default 127.0.0.1 on a free port). */
  s3Listen?: string;
  /** Start the timeline at once (default true); false waits for `startTimeline()` (a run starts it with its load). */
  startNow?: boolean;
  /** Each fault as it starts and ends. */
  onEvent?: (e: FaultEvent) => void;
  /**
   * Run the proxies and their timeline in a worker thread of their own (default false). Worth it when this
   * process's main thread is busy with other work, as a run's is (sampling, aggregation, histograms): every
   * chunk relayed would otherwise wait behind it. A process that does little else (`loadhouse proxy`) gains
   * nothing and pays for a thread (its start, its own heap). In a thread, `stats()` returns the counters the
   * thread last posted: on each fault event, every 250 ms, and at close.
   */
  thread?: boolean;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** `host:port` to use as the target's gRPC address (undefined when no target was given: an S3 proxy only). */
  readonly address: string | undefined;
  /** `http://host:port` to give the target as its S3 endpoint, when an S3 upstream was given. */
  readonly s3Address: string | undefined;
  /** The parsed timeline. */
  readonly faults: readonly FaultSpec[];
  /**
   * Starts the timeline (once): now, or at `atEpochMs` (epoch ms, `performance.timeOrigin + performance.now()`),
   * the instant its times count from, which may be just past (a proxy in a thread gets it after a message hop).
   */
  startTimeline(atEpochMs?: number): void;
  /** Adds a listener for each fault as it starts and ends (besides `onEvent` of the options). */
  onEvent(listener: (e: FaultEvent) => void): void;
  /** Connections relayed so far, and refused during a reset. */
  stats(): { connections: number; refused: number; open: number; s3Requests: number; s3Throttled: number };
  /** Stops the timeline, closes every connection and both listeners. */
  close(): Promise<void>;
}

function listenAt(address: string | undefined, what: string): ListenAt {
  if (address === undefined) return {};
  const m = /^(?:(\[[^\]]+\]|[^:]*):)?(\d{1,5})$/.exec(address);
  if (!m || Number(m[2]) > 65535) {
    throw new LoadhouseError('LH_INVALID_OPTION', `${what} "${address}" is not host:port or a port`, {
      details: { option: what, value: address },
    });
  }
  return { host: m[1] ? m[1].replace(/^\[|\]$/g, '') : undefined, port: Number(m[2]) };
}

/**
 * Checks the options of a fault proxy without starting it: the timeline, the addresses, and that s3-* faults
 * have an S3 upstream. LH_INVALID_OPTION names the bad part.
 */
export function checkFaultProxyOptions(o: FaultProxyOptions): FaultSpec[] {
  // An empty list is a plain relay (to measure the proxy's own cost, or to start it before choosing faults).
  const faults = Array.isArray(o.faults) && o.faults.length === 0 ? [] : parseFaultTimeline(o.faults);
  if (o.target === undefined && o.s3Upstream === undefined) {
    throw new LoadhouseError('LH_INVALID_OPTION', "give a target (the target's gRPC host:port), an S3 upstream, or both");
  }
  const tcpFault = faults.find((f) => TCP_FAULT_KINDS.has(f.kind));
  if (o.target === undefined && tcpFault) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `faults: ${tcpFault.kind} acts on the gRPC connections: give the target's gRPC host:port (target, --target)`,
      {
        details: { option: 'faults', value: tcpFault.kind },
      },
    );
  }
  if (o.target !== undefined && !splitHostPort(o.target)) {
    throw new LoadhouseError('LH_INVALID_OPTION', `target "${o.target}" is not host:port (the target's gRPC port)`, {
      details: { option: 'target', value: o.target },
    });
  }
  listenAt(o.listen, 'listen');
  listenAt(o.s3Listen, 's3Listen');
  const s3 = faults.find((f) => !TCP_FAULT_KINDS.has(f.kind));
  if (s3 && o.s3Upstream === undefined) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `faults: ${s3.kind} acts on S3 requests: give the S3 upstream (s3Upstream, --s3-upstream http://host:port) and point the target's S3 endpoint at the proxy`,
      { details: { option: 'faults', value: s3.kind } },
    );
  }
  if (o.s3Upstream !== undefined && !/^http:\/\/[^/]+/.test(o.s3Upstream)) {
    throw new LoadhouseError('LH_INVALID_OPTION', `s3Upstream "${o.s3Upstream}" must be an http:// URL of the S3 endpoint`, {
      details: { option: 's3Upstream', value: o.s3Upstream },
    });
  }
  return faults;
}

/**
 * Starts a fault proxy in front of a target, on this thread or (`thread: true`) in a worker thread of its own:
 * connect to `address` instead of the target, point the target's S3 endpoint at `s3Address`, and the timeline's
 * faults happen between them.
 */
export async function startFaultProxy(o: FaultProxyOptions): Promise<FaultProxy> {
  const faults = checkFaultProxyOptions(o);
  const relayOptions: RelayOptions = {
    faults,
    ...(o.target === undefined ? {} : { target: o.target }),
    listen: listenAt(o.listen, 'listen'),
    ...(o.s3Upstream === undefined ? {} : { s3Upstream: o.s3Upstream }),
    s3Listen: listenAt(o.s3Listen, 's3Listen'),
  };
  if (o.thread) {
    return startThreadFaultProxy({ relays: relayOptions, startNow: o.startNow !== false, ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
  }
  let relays: Awaited<ReturnType<typeof openRelays>>;
  try {
    relays = await openRelays(relayOptions);
  } catch (err) {
    throw new LoadhouseError('LH_INVALID_OPTION', `the fault proxy could not listen: ${(err as Error).message}`, { cause: err });
  }
  const { schedule } = relays;
  if (o.onEvent) schedule.onEvent(o.onEvent);
  if (o.startNow !== false) schedule.start();
  return {
    address: relays.address,
    s3Address: relays.s3Address,
    faults,
    startTimeline: (atEpochMs) => schedule.start(atEpochMs === undefined ? undefined : atEpochMs - performance.timeOrigin),
    onEvent: (listener) => schedule.onEvent(listener),
    stats: relays.stats,
    close: relays.close,
  };
}
