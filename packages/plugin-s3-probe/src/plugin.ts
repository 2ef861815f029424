// The s3Probe() factory: a plugin that checks the bucket before the run, then probes S3 latency and
// errors and inventories segments on timers, contributing `s3.*` metrics to samples and the result.
import { performance } from 'node:perf_hooks';
import type { S3Client } from '@aws-sdk/client-s3';
import { orTimeout, sleep, type LoadhousePlugin, type PluginContext, type Teardown } from '@loadhouse/core';
import type { ClassifiedError } from './classify.js';
import { classifyS3Error, describeAnswer, trimPeriod } from './classify.js';
import { createS3Client, StoppedError } from './client.js';
import { growthBetween, listSegments, type Growth, type Inventory, type PartitionInventory } from './inventory.js';
import { LatencyRecorder, OPERATIONS, type OperationLatency, type S3Operation } from './latency.js';
import { collectMetrics, summarizeMetrics, type MetricState } from './metrics.js';
import { endpointLabel, redactedConfig, resolveOptions, type S3ProbeConfig, type S3ProbeOptions } from './options.js';
import { checkBucketWith, type BucketCheck } from './preflight.js';
import { ActiveProbe } from './probe.js';
import { RequestTally, type ErrorCounts } from './tally.js';

export const PLUGIN_NAME = 's3-probe';

/** The final listing (started when the run ends) gives up after this long. */
const FINAL_LISTING_BUDGET_MS = 5000;

/** How long summarize() may wait for the final listing: well inside the host's min(2000, intervalMs) timeout. */
function summarizeWaitMs(config: Readonly<Record<string, unknown>>): number {
  const interval = typeof config['intervalMs'] === 'number' && config['intervalMs'] > 0 ? config['intervalMs'] : 1000;
  return Math.min(500, interval / 2);
}

/** Everything the probe knows, JSON-serializable; never holds credentials. */
export interface S3ProbeReport {
  config: S3ProbeConfig;
  preflight: BucketCheck | null;
  probe: {
    cycles: number;
    ops: number;
    errors: ErrorCounts;
    errorRatePercent: number;
    latency: Record<S3Operation, OperationLatency>;
    lastError: (ClassifiedError & { op: S3Operation; at: string }) | null;
    /** Whole-run HDR histograms (microseconds), compressed base64. */
    histograms: Record<S3Operation, string>;
  };
  inventory: {
    listings: number;
    latest: Omit<Inventory, 'startedMs'> | null;
    /** Growth between the two most recent listings. */
    lastGrowth: Growth | null;
    /** Growth from the first listing to the latest. */
    runGrowth: Growth | null;
  };
}

export interface S3ProbePlugin extends LoadhousePlugin {
  /** The configuration with credentials reduced to their source. */
  readonly config: S3ProbeConfig;
  /** The current state: latencies per operation, errors by kind, the latest inventory per partition. */
  report(): S3ProbeReport;
  /** JSON of the plugin object: name and redacted config only. */
  toJSON(): { name: string; apiVersion: number; config: S3ProbeConfig };
}

function newState(): MetricState {
  return {
    latency: new LatencyRecorder(),
    tally: new RequestTally(),
    cycles: 0,
    listings: 0,
    first: undefined,
    latest: undefined,
    lastGrowth: undefined,
    runGrowth: undefined,
  };
}

/** Runs `fn` now and then every `periodMs` (fixed rate; a run that overruns delays the next, never overlaps). */
async function every(periodMs: number, signal: AbortSignal, fn: () => Promise<void>): Promise<void> {
  let next = performance.now();
  while (!signal.aborted) {
    await fn();
    next += periodMs;
    const now = performance.now();
    if (next < now) next = now;
    await sleep(next - now, signal, { unref: true }); // never keeps the process alive
  }
}

/**
 * Creates the S3 probe plugin. Options are validated here (LH_INVALID_OPTION naming the option);
 * no request is made before the run's `test:before` hook.
 */
export function s3Probe(options: S3ProbeOptions): S3ProbePlugin {
  const resolved = resolveOptions(options);
  const config = Object.freeze(redactedConfig(resolved));

  // Per-run state: a plugin object set up for a second run starts from zero.
  let state = newState();
  let preflight: BucketCheck | null = null;

  const report = (): S3ProbeReport => {
    const { latency, tally } = state;
    const lat = {} as Record<S3Operation, OperationLatency>;
    for (const op of OPERATIONS) lat[op] = latency.summary(op);
    let latest: S3ProbeReport['inventory']['latest'] = null;
    if (state.latest) {
      const { startedMs: _omit, ...rest } = state.latest;
      latest = { ...rest, partitions: rest.partitions.map((p: PartitionInventory) => ({ ...p })) };
    }
    return {
      config: { ...config },
      preflight: preflight ? { ...preflight } : null,
      probe: {
        cycles: state.cycles,
        ops: tally.probeOps,
        errors: { ...tally.errors },
        errorRatePercent: tally.errorRatePercent(),
        latency: lat,
        lastError: tally.lastError ? { ...tally.lastError } : null,
        histograms: latency.encoded(),
      },
      inventory: {
        listings: state.listings,
        latest,
        lastGrowth: state.lastGrowth ?? null,
        runGrowth: state.runGrowth ?? null,
      },
    };
  };

  const setup = (ctx: PluginContext): Teardown => {
    state = newState();
    preflight = null;
    const { latency, tally } = state;
    const lastP99 = new Map<S3Operation, number>();
    const log = {
      info: (m: string) => ctx.logger.info(`${PLUGIN_NAME}: ${m}`),
      warn: (m: string) => ctx.logger.warn(`${PLUGIN_NAME}: ${m}`),
      debug: (m: string) => ctx.logger.debug(`${PLUGIN_NAME}: ${m}`),
    };

    let client: S3Client | undefined;
    let probe: ActiveProbe | undefined;
    let closed = false;
    const loops: Promise<void>[] = [];
    let listing: Promise<void> | undefined;
    const warnedKinds = new Set<string>();
    let warnedCap = false;
    const stop = new AbortController();
    let finalListing: Promise<void> | undefined;
    const onRunEnd = () => {
      stop.abort();
      // The host asks summarize() for final values soon after the run ends, and waits only briefly:
      // one last listing starts now, while producers drain and workers stop, so the result counts the
      // segments flushed at the end of the run.
      if (client && !closed && preflight && resolved.listEverySeconds > 0) {
        finalListing = listOnce(AbortSignal.timeout(FINAL_LISTING_BUDGET_MS));
      }
    };
    if (ctx.signal.aborted) stop.abort();
    else ctx.signal.addEventListener('abort', onRunEnd, { once: true });

    // Says so the first time each kind of failure appears; later ones go to debug, counted in the metrics.
    const reportFailure = (what: string, e: ClassifiedError) => {
      const text = `${what} failed: ${e.kind} (${describeAnswer(e)}): ${trimPeriod(e.message)}`;
      const kindKey = `${what.split(' ')[0]}:${e.kind}`;
      if (warnedKinds.has(kindKey)) return log.debug(text);
      warnedKinds.add(kindKey);
      log.warn(e.kind === 'throttle' ? `${text}. S3 is throttling: expect slower segment uploads.` : text);
    };

    const recordInventory = (inv: Inventory) => {
      const previous = state.latest;
      state.listings++;
      state.first ??= inv;
      state.latest = inv;
      if (previous) state.lastGrowth = growthBetween(previous, inv);
      if (state.first !== inv) state.runGrowth = growthBetween(state.first, inv);
      if (inv.capped && !warnedCap) {
        warnedCap = true;
        log.warn(
          `listing of ${config.segmentPrefix} stopped at ${config.maxKeysPerListing} keys (maxKeysPerListing): ` +
            'segment counts are lower bounds. Raise maxKeysPerListing or narrow the prefix.',
        );
      }
      log.debug(`inventory: ${inv.segments} segments, ${inv.segmentBytes} bytes, ${inv.partitions.length} partitions`);
    };

    const listOnce = (stopSignal: AbortSignal | undefined): Promise<void> => {
      if (!client) return Promise.resolve();
      const c = client;
      const run = async () => {
        try {
          recordInventory(await listSegments({ client: c, options: resolved, latency, tally, stop: stopSignal }));
        } catch (err) {
          if (err instanceof StoppedError) return;
          reportFailure('listing', classifyS3Error(err));
        }
      };
      listing = (listing ?? Promise.resolve()).then(run);
      return listing;
    };

    const probeOnce = async () => {
      if (!probe) return;
      const cycle = await probe.cycle();
      if (!cycle) return;
      state.cycles++;
      for (const step of cycle.steps) if (step.error) reportFailure(`${step.op.toUpperCase()} probe`, step.error);
    };

    ctx.addMetricSource({
      name: PLUGIN_NAME,
      collect: () => collectMetrics(state, lastP99),
      summarize: async () => {
        // Wait for the final listing only briefly: past the host's summarize timeout, the result would get
        // the last per-sample values instead of these run-level ones.
        if (finalListing)
          await orTimeout(
            finalListing.catch(() => undefined),
            summarizeWaitMs(ctx.config),
            undefined,
          );
        return summarizeMetrics(state);
      },
    });
    const unhook = ctx.hooks.hook('test:before', async () => {
      client ??= createS3Client(resolved);
      preflight = await checkBucketWith(client, resolved, stop.signal);
      log.info(
        `bucket "${config.bucket}" at ${endpointLabel(resolved)} is ready` +
          ` (segments under "${config.segmentPrefix}"` +
          (resolved.intervalSeconds > 0 ? `, probe every ${resolved.intervalSeconds} s` : ', probe off') +
          (resolved.listEverySeconds > 0 ? `, listing every ${resolved.listEverySeconds} s)` : ', listing off)'),
      );
      if (stop.signal.aborted) return;
      if (resolved.intervalSeconds > 0) {
        probe = new ActiveProbe(client, resolved, latency, tally, stop.signal);
        loops.push(every(resolved.intervalSeconds * 1000, stop.signal, probeOnce));
      }
      if (resolved.listEverySeconds > 0) {
        loops.push(every(resolved.listEverySeconds * 1000, stop.signal, () => listOnce(stop.signal)));
      }
      for (const l of loops) {
        // The loops catch their own S3 errors; anything else is a bug worth seeing, not a crash.
        l.catch((err: unknown) => log.warn(`internal error: ${err instanceof Error ? err.message : String(err)}`));
      }
    });

    return async () => {
      closed = true;
      unhook();
      ctx.signal.removeEventListener('abort', onRunEnd);
      stop.abort();
      await Promise.allSettled([...loops, listing ?? Promise.resolve()]);
      if (probe && probe.leftovers.size > 0) await probe.cleanup();
      client?.destroy();
      client = undefined;
    };
  };

  const plugin: S3ProbePlugin = {
    name: PLUGIN_NAME,
    apiVersion: 1,
    config,
    setup,
    report,
    toJSON: () => ({ name: PLUGIN_NAME, apiVersion: 1, config: { ...config } }),
  };
  return plugin;
}
