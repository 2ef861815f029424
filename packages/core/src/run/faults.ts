// A run with a fault timeline (`options.faults`, a scenario's `faults`): the TCP fault proxy goes between the
// run and the target's gRPC port (and a caller's proxy on the target's S3 endpoint plays the s3-* faults), the
// timelines start with the load, and the result says how the target recovered from each fault.
import { LoadhouseError } from '../errors.js';
import type { ResolvedTarget } from '../options-target.js';
import type { FaultEvent, FaultProxy } from '../proxy/fault-proxy.js';
import { faultReports } from '../proxy/recovery.js';
import { startThreadFaultProxy } from '../proxy/thread.js';
import { parseFaultTimeline, TCP_FAULT_KINDS } from '../proxy/timeline.js';
import type { FaultReport, FaultSpec } from '../types/faults.js';
import type { Logger, Sample } from '../types.js';
import { epochNow } from '../util.js';
import { describeFault } from '../proxy/timeline.js';

/** What a run needs of a caller's S3 fault proxy (options.s3FaultProxy). */
type S3Side = Pick<FaultProxy, 'faults' | 'startTimeline' | 'onEvent'>;

/** `options.s3FaultProxy`, checked: a running proxy from startFaultProxy with an S3 side. */
export function s3FaultProxy(input: unknown): S3Side | undefined {
  if (input === undefined) return undefined;
  const p = input as Partial<FaultProxy> | null;
  if (typeof p !== 'object' || p === null || typeof p.startTimeline !== 'function' || !Array.isArray(p.faults) || !p.s3Address) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      'options.s3FaultProxy must be a proxy from startFaultProxy({ s3Upstream, faults, startNow: false }), with the target storing through its s3Address',
    );
  }
  return p as S3Side;
}

/**
 * A run's timeline, checked before any load. The run's own proxy sits on the gRPC port only: an S3 fault needs
 * the target's S3 endpoint pointed at a proxy, which only whoever starts the target can do. With such a proxy
 * (`s3`), the timeline's s3-* faults must be exactly the proxy's; without one they are refused.
 */
export function runFaults(input: unknown, what: string, s3?: Pick<FaultProxy, 'faults'>): FaultSpec[] {
  if (typeof input !== 'string' && !Array.isArray(input)) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `${what} must be a timeline string ('blackhole@30s+10s, latency@60s+20s=50ms') or an array`,
    );
  }
  const faults = parseFaultTimeline(input as string, what);
  const s3Faults = faults.filter((f) => !TCP_FAULT_KINDS.has(f.kind)).map(describeFault);
  if (s3Faults.length > 0 && !s3) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `${what}: ${s3Faults[0]} acts on the target's S3 requests, which a run does not carry: start the proxy with ` +
        "`loadhouse proxy --s3-upstream` (or startFaultProxy({ s3Upstream })), point the target's S3 endpoint at it and run against its address " +
        '(`loadhouse run` does this by itself for the embedded agent with --agent-s3-endpoint)',
      { details: { option: what, value: s3Faults[0] } },
    );
  }
  const proxied = (s3?.faults ?? []).map(describeFault);
  if (s3 && (proxied.length !== s3Faults.length || proxied.some((f) => !s3Faults.includes(f)))) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `${what}: its s3-* faults (${s3Faults.join(', ') || 'none'}) must be those of the S3 fault proxy (${proxied.join(', ') || 'none'})`,
      { details: { option: what } },
    );
  }
  return faults;
}

/** The proxy of one run: started before the connect, its timeline with the load, its report in the result. */
export class RunFaults {
  /** The run's faults: the options' timeline, else the scenario's (checked here); none without either. */
  static of(faults: FaultSpec[] | undefined, scenarioFaults: unknown, logger: Logger, s3?: S3Side): RunFaults | undefined {
    const list = faults ?? (scenarioFaults === undefined ? undefined : runFaults(scenarioFaults, 'scenario.faults', s3));
    return list && new RunFaults(list, logger, s3);
  }

  private proxy: FaultProxy | undefined;
  /** The timeline's start, ms after the run's start. */
  private offsetMs = 0;
  private started = false;

  constructor(
    readonly faults: FaultSpec[],
    private readonly logger: Logger,
    /** The caller's proxy on the target's S3 endpoint (not closed here). */
    private readonly s3?: S3Side,
  ) {
    s3?.onEvent((e) => this.logEvent(e));
  }

  /** The target as the run connects to it: the proxy's address, once started. */
  target: ResolvedTarget | undefined;

  private logEvent(e: FaultEvent): void {
    this.logger.info(`fault ${describeFault(e.fault)} ${e.type === 'start' ? 'started' : 'ended'}`);
  }

  /**
   * Starts the proxy in front of `target` (when the timeline has gRPC faults); resolves to the target the run
   * connects to. The proxy runs in a thread of its own: on this thread every chunk relayed would wait behind the
   * run's sampling and aggregation (the `proxy` benchmark measures both).
   */
  async connectThrough(target: ResolvedTarget): Promise<ResolvedTarget> {
    if (!this.faults.some((f) => TCP_FAULT_KINDS.has(f.kind))) {
      this.target = target;
      return target;
    }
    this.proxy = await startThreadFaultProxy({
      relays: { target: target.address, faults: this.faults.filter((f) => TCP_FAULT_KINDS.has(f.kind)), listen: {}, s3Listen: {} },
      startNow: false,
      onEvent: (e) => this.logEvent(e),
      onThreadError: (err) =>
        this.logger.warn(`the fault proxy's thread died (${err.message}): connections through it are gone, faults no longer play`),
    });
    this.target = { ...target, address: this.proxy.address! };
    return this.target;
  }

  /**
   * A load starts `offsetMs` after the run's start: the first one starts the timeline (both proxies'), from
   * this instant, however long the message to a proxy's thread takes.
   */
  start(offsetMs: number): void {
    if (this.started) return;
    this.started = true;
    this.offsetMs = offsetMs;
    const at = epochNow();
    this.proxy?.startTimeline(at);
    this.s3?.startTimeline(at);
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
