// Programmatic entry of the CLI package (the command itself is bin.ts).
export { main, commandDefinitions, parseCommandLine, VERSION } from './main.js';
export type { ParsedCommandLine } from './main.js';
export { EXIT } from './exit-codes.js';
export { formatSummary, criteriaTable } from './summary.js';
export { processIo } from './io.js';
export type { Io } from './io.js';
export { defineConfig, loadConfig } from './config.js';
export type { LoadhouseConfig } from './config.js';
