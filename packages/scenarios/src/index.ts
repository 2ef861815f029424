// Public API of @loadhouse/scenarios: the plan's four scenarios as composable functions.
export { highThroughput } from './high-throughput.js';
export type { HighThroughputOptions } from './high-throughput.js';
export { manyProducers, jainIndex, spread } from './many-producers.js';
export type { ManyProducersOptions, Spread } from './many-producers.js';
export { consumerLag } from './consumer-lag.js';
export type { ConsumerLagOptions } from './consumer-lag.js';
export { consumerGroupRestart } from './consumer-group-restart.js';
export type { ConsumerGroupRestartOptions } from './consumer-group-restart.js';
export { stability } from './stability.js';
export type { StabilityOptions } from './stability.js';
export type { ProducerTuning } from './tuning.js';
export { integrityCriteria } from './integrity.js';
