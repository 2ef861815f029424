// Fixtures for tests of plugins, reports and tools built on loadhouse: samples and a
// full result as the engine writes them, and a harness that runs a plugin against a fake context.
export { latencySummary, makeSample } from './testing/sample.js';
export type { SampleInput } from './testing/sample.js';
export { makeResult } from './testing/result.js';
export type { ResultFixtureOptions } from './testing/result.js';
export { PluginHarness, testInfo } from './testing/plugin-harness.js';
export { FakeClock } from './clock.js';
export type { Clock } from './clock.js';
