// @loadhouse/driver-kafka: loadhouse's driver for the Kafka door of a StreamHouse target (or any Kafka broker),
// on @platformatic/kafka. `--protocol kafka` loads it; as a module it is also `target.driver`.
import { DRIVER_API_VERSION, defineDriver, type DriverDefinition } from '@loadhouse/core';
import { KafkaDriver } from './driver.js';

export { bootstrapBrokers, KafkaConnections } from './connections.js';
export { ACKS_OF_ACK_MODE, KafkaDriver } from './driver.js';
export { KAFKA_DRIVER_ERROR_CODES, kafkaFailure } from './errors.js';
export { GroupMembers } from './group.js';
export {
  KAFKA_COMPRESSIONS,
  resolveKafkaOptions,
  type KafkaCompression,
  type KafkaDriverOptions,
  type ResolvedKafkaOptions,
} from './options.js';

/** The Kafka driver's definition: `target.driver: '@loadhouse/driver-kafka'`, or `--protocol kafka`. */
export const kafkaDriver: DriverDefinition = defineDriver({
  apiVersion: DRIVER_API_VERSION,
  name: 'kafka',
  create: (t) => new KafkaDriver(t),
});

/** The same definition as `driver`, the name a driver module's loader also looks for. */
export const driver = kafkaDriver;
