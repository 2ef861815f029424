// Faults injected by the fault proxy (`--faults`, `faults: [...]`, startFaultProxy) and what a run measured of
// the target's recovery from each.

/**
 * What a fault does. On the TCP proxy (the target's gRPC port): `blackhole` holds every byte both ways
 * (connections stay open and stall), `latency` delays each chunk both ways by the parameter, `reset` destroys
 * every connection at its start and refuses new ones for its duration. On the HTTP proxy (the target's S3
 * endpoint): `s3-throttle` answers the parameter's fraction of requests 503 SlowDown, `s3-latency` delays each
 * request by the parameter, `s3-blackhole` holds requests until the fault ends.
 */
export type FaultKind = 'blackhole' | 'latency' | 'reset' | 's3-throttle' | 's3-latency' | 's3-blackhole';

/** One fault of a timeline: `kind@start+duration=parameter`. */
export interface FaultSpec {
  kind: FaultKind;
  /** Milliseconds from the start of the schedule (a run's start). */
  startMs: number;
  /** How long it lasts, ms; 0 for an instant `reset`. */
  durationMs: number;
  /** `latency`, `s3-latency`: the delay in ms; `s3-throttle`: the fraction of requests refused (0..1]. */
  parameter?: number;
}

/** One fault of the run and how the target came back from it (figures at the resolution of one sample interval). */
export interface FaultReport {
  kind: FaultKind;
  /** Start and end in elapsed seconds of the run (the same clock as `series` and `outages`). */
  fromSeconds: number;
  toSeconds: number;
  parameter?: number;
  /**
   * Seconds with records due and none acknowledged, in the runs of such sample windows that touch the fault (the
   * stall it caused; where a window holding acks also holds the fault's start or end, the silence starts or ends
   * with the fault). `result.outages` may count a little less: it keeps whole windows and skips slivers.
   */
  outageSeconds: number;
  /**
   * From the fault's end to the end of the first sample window after it with an acknowledged record, ms (an
   * upper bound: the ack came within that window); null when none came before the run ended.
   */
  firstAckAfterEndMs: number | null;
  /**
   * From the fault's end to the end of the first window after it whose response p99 is within 10% of the
   * baseline (median p99 of up to 10 windows before the fault), ms; null when it never came back, or no baseline.
   */
  p99RecoveredAfterMs: number | null;
  /** The baseline p99 (ms) p99RecoveredAfterMs compares with; null without windows before the fault. */
  baselineP99Ms: number | null;
  /** Records due and not yet settled (acked, failed or dropped) at their peak during or after the fault, above the level before it. */
  backlogBuilt: number;
  /** From the fault's end until that backlog was back at its level before the fault, ms; null when it never was. */
  backlogDrainedAfterMs: number | null;
  /** Records acknowledged and lost (result.integrity.lostAcked when the run measured it); null: unmeasured. */
  lostAcked: number | null;
}
