// How the load began and why the generator ran on the workers it did (docs/measuring.md, Start-up and Workers).

/** `result.producer.startup`: the first acknowledgement and the first measured second. */
export interface ProducerStartup {
  /** Seconds from the start of the producers' schedule to the first acknowledged record (of any record). */
  firstAckSeconds?: number;
  /**
   * Records intended after warm-up and acknowledged within the first measured second (the second after warm-up
   * ended, or after the producers' schedule started when that was later): the rate that second reached. Absent when the run did not last that second.
   */
  firstSecondMsgsPerSec?: number;
  /** Records per second the producers were asked for in that second. */
  firstSecondTargetRate?: number;
}

/** `result.generator.workerChoice`: how many load workers the run used and why (absent when options.workers set it). */
export interface WorkerChoice {
  workers: number;
  /** One line for the summary: what was measured and what it decided. */
  reason: string;
}
