// A run with a fault timeline (`options.faults`, a scenario's `faults`): the TCP fault proxy goes between the
// run and the target's gRPC port, its timeline starts with the load, and the result says how the target
// recovered from each fault.
import { LoadhouseError } from '../errors.js';
import type { ResolvedTarget } from '../options-target.js';
import { type FaultProxy, startFaultProxy } from '../proxy/fault-proxy.js';
import { faultReports } from '../proxy/recovery.js';
import { parseFaultTimeline, TCP_FAULT_KINDS } from '../proxy/timeline.js';
import type { FaultReport, FaultSpec } from '../types/faults.js';
import type { Logger, Sample } from '../types.js';
import { describeFault } from '../proxy/timeline.js';

/**
 * A run's timeline, checked before any load. The run's proxy sits on the gRPC port only: an S3 fault needs the
 * target's S3 endpoint pointed at a proxy, which a run cannot do for the target (startFaultProxy can).
 */
export function runFaults(input: unknown, what: string): FaultSpec[] {
  if (typeof input !== 'string' && !Array.isArray(input)) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `${what} must be a timeline string ('blackhole@30s+10s, latency@60s+20s=50ms') or an array`,
    );
  }
  const faults = parseFaultTimeline(input as string, what);
  const s3 = faults.find((f) => !TCP_FAULT_KINDS.has(f.kind));
  if (s3) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `${what}: ${describeFault(s3)} acts on the target's S3 requests, which a run does not carry: start the proxy with ` +
        "`loadhouse proxy --s3-upstream` (or startFaultProxy({ s3Upstream })), point the target's S3 endpoint at it and run against its address",
      { details: { option: what, value: s3.kind } },
    );
  }
  return faults;
}

/** The proxy of one run: started before the connect, its timeline with the load, its report in the result. */
export class RunFaults {
  private proxy: FaultProxy | undefined;
  /** The timeline's start, ms after the run's start. */
  private offsetMs = 0;
  private started = false;

  constructor(
    readonly faults: FaultSpec[],
    private readonly logger: Logger,
  ) {}

  /** The target as the run connects to it: the proxy's address, once started. */
  target: ResolvedTarget | undefined;

  /** Starts the proxy in front of `target`; resolves to the target the run connects to instead. */
  async connectThrough(target: ResolvedTarget): Promise<ResolvedTarget> {
    this.proxy = await startFaultProxy({
      target: target.address,
      faults: this.faults,
      startNow: false,
      onEvent: (e) => this.logger.info(`fault ${describeFault(e.fault)} ${e.type === 'start' ? 'started' : 'ended'}`),
    });
    this.target = { ...target, address: this.proxy.address! };
    return this.target;
  }

  /** A load starts `offsetMs` after the run's start: the first one starts the timeline. */
  start(offsetMs: number): void {
    if (this.started) return;
    this.started = true;
    this.offsetMs = offsetMs;
    this.proxy?.startTimeline();
  }

  report(series: readonly Sample[], integrity: object): FaultReport[] {
    const lostAcked = (integrity as { lostAcked?: unknown }).lostAcked;
    return faultReports({
      faults: this.faults,
      offsetMs: this.offsetMs,
      series,
      ...(typeof lostAcked === 'number' ? { lostAcked } : {}),
    });
  }

  async close(): Promise<void> {
    await this.proxy?.close();
  }
}
