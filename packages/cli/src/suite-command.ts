// `loadhouse suite`: the plan's full test suite in order against one target, each scenario's log and result
// in the results folder, `--scale` shrinking the load but not what the criteria judge, then one table of all
// criteria (N/A where a criterion cannot judge the scaled run).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkOutputDir, isLoadhouseError, LoadhouseError, type LoadTest, type LoadTestResult } from '@loadhouse/core';
import type { Exporter } from '@loadhouse/plugin-prometheus';
import { findScenario, type FlagValues } from './catalog.js';
import { EXIT } from './exit-codes.js';
import type { CommandDefinition } from './command.js';
import { defineFlags, omitFlags, readFlags } from './flags.js';
import { forceResult, interruptible } from './interrupt.js';
import type { Io } from './io.js';
import { refuseAgentFlags, refuseOversizedBatch, refuseTargetOnlyFlags } from './run-checks.js';
import { executeScenario, exitCodeFor, prepareTarget } from './run-command.js';
import { RUN_FLAGS } from './run-flags.js';
import { targetFromFlags } from './target-flags.js';
import { lingerThenClose, prometheusFromFlags, startExporter } from './plugins.js';
import { criteriaTable } from './summary.js';
import { checkAgentDisk, type EmbeddedTarget } from './embedded-target.js';

export const SUITE_FLAGS = defineFlags([
  {
    name: 'scale',
    kind: 'number',
    value: '<factor>',
    min: 0,
    exclusiveMin: true,
    max: 1,
    group: 'run',
    description:
      "Multiply the plan's load (durations, rates, counts) by this factor, each criterion scaled with what it judges (0.001: about 12 minutes)",
    default: 1,
  },
  {
    name: 'only',
    kind: 'string',
    value: '<names>',
    group: 'run',
    description: 'Comma-separated subset of the suite to run, in suite order',
  },
  // No --config: a config holds one scenario and its plugins, the suite runs the plan's four.
  ...omitFlags(RUN_FLAGS, [
    'producers',
    'consumers',
    'topic',
    'json',
    'shard',
    'shards',
    'start-at',
    'config',
    'faults',
    'protocols',
    'rate-profile',
  ]),
]);

interface SuiteStep {
  scenario: string;
  /** The plan's "Full Test Suite" parameters, before scaling. */
  durations: Record<string, number>;
  rates: Record<string, number>;
  counts: Record<string, number>;
  /** The shortest scaled duration that still measures what the criteria judge (default 2 s). */
  minSeconds?: number;
  /** The lowest any of its rates may scale to (default 50 msgs/s); the others keep their ratio to it. */
  minRate?: number;
  /**
   * Producers that each send a quota (many-producers): their number is what the scenario judges, so it is
   * kept at every scale; the quota shrinks instead, to at least `minQuota`, sent within the scaled time.
   */
  quota?: { producers: number; perProducer: number; seconds: number; minQuota: number };
}

/** The plan's whole suite, in its order (docs/plan.md, "The whole suite"). */
export const PLAN_SUITE: SuiteStep[] = [
  { scenario: 'high-throughput', durations: { duration: 3600 }, rates: { targetRate: 100_000 }, counts: { partitions: 10 } },
  {
    scenario: 'many-producers',
    durations: {},
    rates: { targetRate: 120_000 },
    counts: { partitions: 100 },
    // 1000 x 60,000 at 120,000 msgs/s: 500 s. Scaled, 5 s at least, so the drain after the last send (a few
    // hundred ms) weighs little on the throughput judged.
    quota: { producers: 1000, perProducer: 60_000, seconds: 500, minQuota: 5 },
    minSeconds: 5,
  },
  // Catch-up reads the lag built in the first half: 20 s leave it several stored segments per partition, so
  // the cache hit rate has reads to judge. A catch-up poll reads up to 500 records and the agent prefetches
  // only the next segment: a segment (1 s of a partition) must hold a poll's worth, or polls that cross
  // segment boundaries would measure the boundaries, not the cache. Hence at least 500 msgs/s per partition.
  {
    scenario: 'consumer-lag',
    durations: { duration: 600 },
    rates: { produceRate: 1_000_000, consumeRate: 500_000 },
    counts: { partitions: 10 },
    minSeconds: 20,
    minRate: 500,
  },
  { scenario: 'stability', durations: { duration: 604_800 }, rates: { targetRate: 50_000 }, counts: { partitions: 20 } },
];

const MIN_RATE = 50;

/**
 * Scenario flag values of one suite step at a scale. Durations scale down to the step's floor (2 s unless it
 * needs more); rates scale together, so a floor of 50 msgs/s on one keeps their ratio (consumer-lag's
 * produce rate stays twice its consume rate); counts scale down to 1, partitions to 2; quota producers keep
 * their number. The criteria follow from these values (docs/scenarios.md, "Scaled criteria").
 */
export function scaledStep(step: SuiteStep, scale: number): FlagValues {
  const v: FlagValues = {};
  const minSeconds = step.minSeconds ?? 2;
  for (const [k, x] of Object.entries(step.durations)) v[k] = Math.max(minSeconds, Math.round(x * scale * 10) / 10);
  const rateScale = Math.max(scale, ...Object.values(step.rates).map((x) => (step.minRate ?? MIN_RATE) / x));
  for (const [k, x] of Object.entries(step.rates)) v[k] = Math.round(x * rateScale);
  for (const [k, x] of Object.entries(step.counts)) v[k] = Math.max(1, Math.round(x * scale));
  // Partitions stay meaningful: at least 2 so assignment and parallel reads are exercised.
  if (typeof v.partitions === 'number') v.partitions = Math.max(2, v.partitions);
  if (step.quota) {
    const q = step.quota;
    const seconds = Math.max(minSeconds, q.seconds * scale);
    const perProducer = Math.max(q.minQuota, Math.round((q.perProducer * scale * seconds) / q.seconds));
    v.producerCount = q.producers;
    v.messagesPerProducer = perProducer;
    v.targetRate = Math.round((q.producers * perProducer) / seconds);
  }
  return v;
}

function teeIo(io: Io, logFile: string): Io {
  // A file is not a terminal: the live line's rewrites become lines, and colours are left out.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is being removed
  const log = (t: string) => appendFileSync(logFile, t.replace(/\r\u001b\[2K/g, '\n').replace(/\u001b\[[0-9;]*m/g, ''));
  return {
    ...io,
    // A getter in processIo (the terminal may be resized during a long step): spreading would freeze it.
    get columns() {
      return io.columns;
    },
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
  const scale = values.scale;
  const only =
    typeof values.only === 'string'
      ? values.only
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
  if (only && only.length === 0) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `--only names no scenario: give a comma-separated list of ${PLAN_SUITE.map((s) => s.scenario).join(', ')}`,
    );
  }
  for (const name of only ?? []) {
    if (!PLAN_SUITE.some((s) => s.scenario === name)) {
      throw new LoadhouseError(
        'LH_UNKNOWN_SCENARIO',
        `--only names ${JSON.stringify(name)}, not a suite scenario (${PLAN_SUITE.map((s) => s.scenario).join(', ')})`,
      );
    }
  }
  const steps = PLAN_SUITE.filter((s) => !only || only.includes(s.scenario));
  // Build every scenario first: bad input fails before any load.
  const planned = steps.map((step) => {
    const entry = findScenario(step.scenario)!;
    const v: FlagValues = { ...entry.defaults, ...values, ...scaledStep(step, scale), topic: `loadhouse-suite-${step.scenario}` };
    refuseOversizedBatch(v, step.scenario);
    return { step, v, scenario: entry.build(v) };
  });
  const suiteTarget = targetFromFlags(values, io.env);
  if (suiteTarget) refuseAgentFlags(raw);
  refuseTargetOnlyFlags(values);
  if (!suiteTarget)
    checkAgentDisk(
      values,
      planned.map((p) => p.scenario),
      'Lower --scale',
    );
  const prom = prometheusFromFlags(values, raw);
  const resultsDir = values.resultsDir;
  await checkOutputDir(resultsDir, '--results-dir');

  let embedded: EmbeddedTarget | undefined;
  let test: LoadTest | undefined;
  const run = interruptible(io, () => forceResult(test, embedded, io));
  const results: LoadTestResult[] = [];
  /** Steps refused at their own set-up (a leftover topic) after earlier steps sent load. */
  const notRun: NotRun[] = [];
  let worst: number = EXIT.OK;
  // One endpoint for the whole suite: its runs' series stay apart by their scenario label.
  let exporter: Exporter | undefined;
  try {
    exporter = prom.expose ? await startExporter(prom.expose, io) : undefined;
    const prepared = await prepareTarget(values, io);
    embedded = prepared.embedded;
    for (const [i, p] of planned.entries()) {
      // Interrupted during set-up, the first scenario still ends at once with its partial result.
      if (run.signal.aborted && results.length > 0) break;
      io.stderr(`\n=== ${i + 1}/${planned.length} ${p.step.scenario} (scale ${scale}) ===\n`);
      const stepIo = teeIo(io, join(resultsDir, `${p.step.scenario}.log`));
      let result: LoadTestResult;
      try {
        result = await executeScenario(p.scenario, p.v, prepared.target, stepIo, run.signal, {
          embedded,
          raw,
          exporter,
          onTest: (t) => (test = t),
        });
      } catch (err) {
        // Exit 2 promises that nothing was sent: true of the first step, not once earlier steps sent load. A step
        // refused at its set-up is then a step the suite could not run (exit 3), and the others still count.
        if (!isLoadhouseError(err) || !STEP_SETUP_CODES.has(err.code) || (results.length === 0 && notRun.length === 0)) throw err;
        notRun.push({ scenario: p.step.scenario, code: err.code, message: err.message });
        worst = Math.max(worst, EXIT.RUN_FAILED);
        continue;
      }
      results.push(result);
      worst = Math.max(worst, exitCodeFor(result, run.interrupted()));
    }
    io.stdout(`\n${formatSuiteTable(results, notRun)}\n`);
    if (exporter) await lingerThenClose(exporter, prom.expose!.lingerSeconds, run.signal, io);
  } finally {
    run.dispose();
    await exporter?.close();
    await embedded?.stop();
  }
  return worst;
}

interface NotRun {
  scenario: string;
  code: string;
  message: string;
}

/** Set-up errors of one step (its topic), found before that step sent anything. */
const STEP_SETUP_CODES: ReadonlySet<string> = new Set(['LH_TOPIC_MISMATCH', 'LH_TOPIC_SETUP_FAILED']);

export function formatSuiteTable(results: LoadTestResult[], notRun: readonly NotRun[] = []): string {
  const lines = ['Suite summary:'];
  for (const r of results) {
    const passed = r.criteria.filter((c) => c.passed).length;
    const na = r.criteria.filter((c) => c.notApplicable !== undefined).length;
    const counts = `${passed}/${r.criteria.length - na} criteria passed${na ? ` (${na} N/A at this scale)` : ''}`;
    lines.push('', `${r.scenario}: ${r.state}${r.partial ? ' (partial)' : ''}, ${counts}, ${r.durationSeconds.toFixed(1)} s`);
    lines.push(...criteriaTable(r.criteria));
  }
  for (const n of notRun) lines.push('', `${n.scenario}: not run (${n.code}: ${n.message})`);
  return lines.join('\n');
}

export const SUITE_COMMAND: CommandDefinition = {
  name: 'suite',
  usage: 'suite',
  description:
    "Run the plan's full test suite in order (high-throughput, many-producers, consumer-lag, stability), each scenario's log and result in the results folder, then one table of every criterion",
  flags: SUITE_FLAGS,
  examples: [
    'loadhouse suite --scale 0.001',
    'loadhouse suite --target streamhouse:50051 --http-target http://streamhouse:8080 --only high-throughput,consumer-lag',
  ],
  action: (_args, raw, io) => suiteCommand(raw, io),
};
