// How records arrive over time: the arrival process of a producer group (docs/workload-traffic.md).

/**
 * `uniform`: intended send times evenly spaced at the rate (the default). `poisson`: exponential gaps at the same
 * mean rate, drawn from the run's seed and each producer's id, so the same seed gives the same schedule.
 */
export type ArrivalsKind = 'uniform' | 'poisson';
