// The public types of the engine, one file per subject under types/: options, the scenario and its controller,
// samples, criteria, the result (with what it records of the run) and plugins. They are the documentation of
// the API: the engine, the scenarios, the plugins and the CLI all meet here.
export type * from './types/options.js';
export type * from './types/scenario.js';
export type * from './types/samples.js';
export type * from './types/criteria.js';
export type * from './types/diagnosis.js';
export type * from './types/run-context.js';
export type * from './types/capacity.js';
export type * from './types/faults.js';
export type * from './types/delivery.js';
export type * from './types/startup.js';
export type * from './types/workload.js';
export type * from './types/traffic.js';
export type * from './types/groups.js';
export { RESULT_SCHEMA_VERSION } from './types/result.js';
export type * from './types/result.js';
export type * from './types/topics.js';
export { PLUGIN_API_VERSION } from './types/plugins.js';
export type * from './types/plugins.js';
