// `loadhouse suite`: the plan's full test suite in order against one target, each scenario's log and result
// in the results folder, `--scale` shrinking every duration, rate and count, then one table of all criteria.
import { mkdirSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoadhouseError, type LoadTestResult } from '@loadhouse/core';
import { findScenario, type FlagValues } from './catalog.js';
import { EXIT } from './exit-codes.js';
import { readFlags, RUN_FLAGS, type FlagSpec } from './flags.js';
import type { Io } from './io.js';
import { executeScenario, exitCodeFor, interruptible, prepareTarget, targetFromFlags } from './run-command.js';
import { criteriaTable } from './summary.js';
import type { EmbeddedTarget } from './embedded-target.js';

export const SUITE_FLAGS: FlagSpec[] = [
  { name: 'scale', kind: 'number', value: '<factor>', min: 0, exclusiveMin: true, max: 1, group: 'run', description: 'Multiply every duration, rate and count of the plan by this factor (0.001 runs the suite in about 12 minutes)', default: 1 },
  { name: 'only', kind: 'string', value: '<names>', group: 'run', description: 'Comma-separated subset of the suite to run, in suite order' },
  ...RUN_FLAGS.filter((f) => !['producers', 'consumers', 'topic', 'json', 'shard', 'shards'].includes(f.name)),
];

interface SuiteStep {
  scenario: string;
  /** The plan's "Full Test Suite" parameters, before scaling. */
  durations: Record<string, number>;
  rates: Record<string, number>;
  counts: Record<string, number>;
}

/** The plan's whole suite, in its order (docs/plan.md, "The whole suite"). */
export const PLAN_SUITE: SuiteStep[] = [
  { scenario: 'high-throughput', durations: { duration: 3600 }, rates: { targetRate: 100_000 }, counts: { partitions: 10 } },
  { scenario: 'many-producers', durations: {}, rates: { targetRate: 120_000 }, counts: { producerCount: 1000, messagesPerProducer: 60_000, partitions: 100 } },
  { scenario: 'consumer-lag', durations: { duration: 600 }, rates: { produceRate: 1_000_000, consumeRate: 500_000 }, counts: { partitions: 10 } },
  { scenario: 'stability', durations: { duration: 604_800 }, rates: { targetRate: 50_000 }, counts: { partitions: 20 } },
];

/** Scenario flag values of one suite step at a scale: durations >= 2 s, rates >= 50 msgs/s, counts >= 1. */
export function scaledStep(step: SuiteStep, scale: number): FlagValues {
  const v: FlagValues = {};
  for (const [k, x] of Object.entries(step.durations)) v[k] = Math.max(2, Math.round(x * scale * 10) / 10);
  for (const [k, x] of Object.entries(step.rates)) v[k] = Math.max(50, Math.round(x * scale));
  for (const [k, x] of Object.entries(step.counts)) v[k] = Math.max(1, Math.round(x * scale));
  // Partitions stay meaningful: at least 2 so assignment and parallel reads are exercised.
  if (typeof v.partitions === 'number') v.partitions = Math.max(2, v.partitions);
  return v;
}

function teeIo(io: Io, logFile: string): Io {
  const log = (t: string) => appendFileSync(logFile, t.replace(/\r\u001b\[2K/g, '\n'));
  return {
    ...io,
    stdout: (t) => {
      io.stdout(t);
      log(t);
    },
    stderr: (t) => {
      io.stderr(t);
      log(t);
    },
  };
}

export async function suiteCommand(raw: Record<string, unknown>, io: Io): Promise<number> {
  const values = readFlags(SUITE_FLAGS, raw);
  const scale = values.scale as number;
  const only = typeof values.only === 'string' ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  if (only && only.length === 0) {
    throw new LoadhouseError('LH_INVALID_OPTION', `--only names no scenario: give a comma-separated list of ${PLAN_SUITE.map((s) => s.scenario).join(', ')}`);
  }
  for (const name of only ?? []) {
    if (!PLAN_SUITE.some((s) => s.scenario === name)) {
      throw new LoadhouseError('LH_UNKNOWN_SCENARIO', `--only names ${JSON.stringify(name)}, not a suite scenario (${PLAN_SUITE.map((s) => s.scenario).join(', ')})`);
    }
  }
  const steps = PLAN_SUITE.filter((s) => !only || only.includes(s.scenario));
  // Build every scenario first: bad input fails before any load.
  const planned = steps.map((step) => {
    const entry = findScenario(step.scenario)!;
    const v: FlagValues = { ...entry.defaults, ...values, ...scaledStep(step, scale) };
    return { step, v, scenario: entry.build(v) };
  });
  targetFromFlags(values, io.env);
  const resultsDir = values.resultsDir as string;
  mkdirSync(resultsDir, { recursive: true });

  let embedded: EmbeddedTarget | undefined;
  const run = interruptible(io, () => void embedded?.stop());
  const results: LoadTestResult[] = [];
  let worst: number = EXIT.OK;
  try {
    const prepared = await prepareTarget(values, io);
    embedded = prepared.embedded;
    for (const [i, p] of planned.entries()) {
      if (run.signal.aborted) break;
      io.stderr(`\n=== ${i + 1}/${planned.length} ${p.step.scenario} (scale ${scale}) ===\n`);
      const stepIo = teeIo(io, join(resultsDir, `${p.step.scenario}.log`));
      const result = await executeScenario(p.scenario, { ...p.v, topic: `loadhouse-suite-${p.step.scenario}` }, prepared.target, stepIo, run.signal, { embedded });
      results.push(result);
      worst = Math.max(worst, exitCodeFor(result, run.interrupted()));
    }
  } finally {
    run.dispose();
    await embedded?.stop();
  }
  io.stdout(`\n${formatSuiteTable(results)}\n`);
  return worst;
}

export function formatSuiteTable(results: LoadTestResult[]): string {
  const lines = ['Suite summary:'];
  for (const r of results) {
    const passed = r.criteria.filter((c) => c.passed).length;
    lines.push('', `${r.scenario}: ${r.state}${r.partial ? ' (partial)' : ''}, ${passed}/${r.criteria.length} criteria passed, ${r.durationSeconds.toFixed(1)} s`);
    lines.push(...criteriaTable(r.criteria));
  }
  return lines.join('\n');
}
