// Producer tuning every scenario accepts and passes through to c.produce() as it is, and the traffic shape.
import type { ArrivalsKind, KeyRouting, PayloadKind, ProduceOptions } from '@loadhouse/core';

/** How the producers of a scenario shape their records and requests (defaults: the engine's). */
export interface ProducerTuning {
  /**
   * Record value size in bytes (plan and default: 1024), or a size distribution drawn per record
   * (`'uniform:512-1536'`, `'lognormal:1024:0.5'`, `'file:sizes.txt'`; docs/workload.md).
   */
  messageSize?: number | string;
  /** Records per ProduceBatch request at most (default 100). */
  batchSize?: number;
  /** How long a producer waits to fill a batch, in ms (default 5). */
  lingerMs?: number;
  /** ProduceBatch requests in flight per producer (default 16). */
  maxInFlight?: number;
  /** Record keys (`'uniform:1000'`, `'zipf:1000:1.1'`, `'hot:1000:0.5'`...; default none). */
  keys?: string;
  /** Where keyed records go: their key's partition (`hash`, default) or the producer's own (`pinned`). */
  keyRouting?: KeyRouting;
  /** Payload bytes: `random` (default), `text` or `zeros`. */
  payload?: PayloadKind;
  /** Evenly spaced intended send times (`uniform`, the default) or exponential gaps at the same mean rate (`poisson`). */
  arrivals?: ArrivalsKind;
  /**
   * A rate profile (`'ramp:0-100k@60s, hold@300s, spike:3x@10s, step:+10k@30s x5'`, docs/workload-traffic.md) in
   * place of the scenario's constant produce rate, which relative segments start from; each segment is a phase.
   * The profile's length is the produce time. Refused by scenarios without a produce rate (many-producers).
   */
  rateProfile?: string;
}

/** The workload-shape part of the tuning, as c.produce() takes it (absent keys stay absent). */
export function workloadShape(o: ProducerTuning): Pick<ProduceOptions, 'keys' | 'keyRouting' | 'payload'> {
  return {
    ...(o.keys !== undefined ? { keys: o.keys } : {}),
    ...(o.keyRouting !== undefined ? { keyRouting: o.keyRouting } : {}),
    ...(o.payload !== undefined ? { payload: o.payload } : {}),
  };
}

/** A record's typical size for a scenario's planned bytes: the size, or a distribution's mean (1024 for a file). */
export function plannedSize(size: number | string): number {
  if (typeof size === 'number') return size;
  const uniform = /^uniform:(\d+)-(\d+)$/.exec(size);
  if (uniform) return (Number(uniform[1]) + Number(uniform[2])) / 2;
  const lognormal = /^lognormal:(\d+):([0-9.]+)$/.exec(size);
  if (lognormal) return Number(lognormal[1]) * Math.exp(Number(lognormal[2]) ** 2 / 2);
  return /^\d+$/.test(size) ? Number(size) : 1024;
}
