// The scenario flags of `loadhouse run`: each scenario reads some of them, with its own defaults (catalog.ts).
import { MAX_PRODUCE_RATE } from '@loadhouse/core';
import { defineFlags } from './flags.js';

/** A scenario's produce rate: records per second, with units, at most what counts hold exactly. */
const PRODUCE_RATE = {
  kind: 'number',
  value: '<rate>',
  unit: 'rate',
  min: 0,
  exclusiveMin: true,
  max: MAX_PRODUCE_RATE,
  group: 'scenario',
} as const;

export const SCENARIO_FLAGS = defineFlags([
  {
    name: 'duration',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    exclusiveMin: true,
    group: 'scenario',
    description: 'How long the scenario runs (consumer-lag: both phases together)',
  },
  {
    name: 'target-rate',
    ...PRODUCE_RATE,
    description: 'Records per second to produce, across all producers (at most 1G: beyond it counts lose precision)',
  },
  { name: 'partitions', kind: 'integer', value: '<n>', min: 1, max: 10000, group: 'scenario', description: 'Partitions of the test topic' },
  {
    name: 'message-size',
    kind: 'string',
    value: '<bytes|dist>',
    group: 'scenario',
    description:
      "Size of each record value in bytes, the 36-byte loadhouse record header included; or sizes drawn per record: 'uniform:MIN-MAX', 'lognormal:MEDIAN:SIGMA' (kept within 36 B..1 MiB) or 'file:PATH' (one size a line, sampled). See docs/workload.md",
  },
  {
    name: 'producer-count',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'scenario',
    description: 'many-producers: number of concurrent producers',
  },
  {
    name: 'messages-per-producer',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'scenario',
    description: 'many-producers: records each producer sends before it completes',
  },
  {
    name: 'p99-ms',
    kind: 'number',
    value: '<ms>',
    min: 0,
    exclusiveMin: true,
    group: 'scenario',
    description: "P99 latency criterion, your SLO in place of the plan's",
  },
  { name: 'produce-rate', ...PRODUCE_RATE, description: 'consumer-lag: produce rate of phase 1, records per second' },
  {
    name: 'consume-rate',
    kind: 'number',
    value: '<rate>',
    unit: 'rate',
    min: 0,
    exclusiveMin: true,
    group: 'scenario',
    description: 'consumer-lag: consume rate of phase 1, records per second',
  },
  // consumer-group-restart (docs/consumer-groups.md)
  {
    name: 'commit-every',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    exclusiveMin: true,
    group: 'scenario',
    description:
      'consumer-group-restart: the group commits its offsets this often (the commit interval that bounds what a restart reads again)',
  },
  {
    name: 'restarts',
    kind: 'integer',
    value: '<n>',
    min: 0,
    group: 'scenario',
    description: 'consumer-group-restart: times the group is killed and restarted from its committed offsets, spread evenly over the run',
  },
  {
    name: 'down-seconds',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    group: 'scenario',
    description: 'consumer-group-restart: how long the group stays down between a kill and its restart',
  },
  {
    name: 'graceful',
    kind: 'boolean',
    group: 'scenario',
    description:
      'consumer-group-restart: stop the consumers with a final commit instead of crashing them (then nothing should be read again)',
  },
]);
