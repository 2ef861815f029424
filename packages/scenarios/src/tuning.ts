// Producer tuning every scenario accepts and passes through to c.produce() as it is, and the traffic shape.
import type { ArrivalsKind } from '@loadhouse/core';

/** How the producers of a scenario shape their records and requests (defaults: the engine's). */
export interface ProducerTuning {
  /** Record value size in bytes (plan and default: 1024). */
  messageSize?: number;
  /** Records per ProduceBatch request at most (default 100). */
  batchSize?: number;
  /** How long a producer waits to fill a batch, in ms (default 5). */
  lingerMs?: number;
  /** ProduceBatch requests in flight per producer (default 16). */
  maxInFlight?: number;
  /** Evenly spaced intended send times (`uniform`, the default) or exponential gaps at the same mean rate (`poisson`). */
  arrivals?: ArrivalsKind;
  /**
   * A rate profile (`'ramp:0-100k@60s, hold@300s, spike:3x@10s, step:+10k@30s x5'`, docs/workload-traffic.md) in
   * place of the scenario's constant produce rate, which relative segments start from; each segment is a phase.
   * The profile's length is the produce time. Refused by scenarios without a produce rate (many-producers).
   */
  rateProfile?: string;
}
