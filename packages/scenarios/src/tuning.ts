// Producer tuning every scenario accepts and passes through to c.produce() as it is.

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
}
