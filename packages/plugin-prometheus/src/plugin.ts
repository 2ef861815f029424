// The `prometheus()` plugin: serves loadhouse's per-interval samples at /metrics, scrapes the target's
// /metrics into `target.*` metric sources, and runs the health/readiness pre-flight before load is sent.
import { LoadhouseError, type LoadhousePlugin, type PluginContext, type Teardown, type TestInfo } from '@loadhouse/core';
import { capacityGaugesFor, recordCapacity } from './capacity-metrics.js';
import { deliveryGaugesFor, recordDelivery } from './delivery-metrics.js';
import { groupGaugesFor, recordGroups } from './group-metrics.js';
import { clientMetricsFor, SampleRecorder } from './client-metrics.js';
import { createExporter, validateListenOptions, type Exporter, type ExporterAddress } from './exporter.js';
import { normalizeHttpAddress, preflight, type PreflightReport } from './preflight.js';
import type { FetchLike } from './scrape-fetch.js';
import { TARGET_METRICS, TargetScraper } from './target-scraper.js';

export interface PrometheusPluginOptions {
  /** Port of the /metrics endpoint (default 9464; 0 = a free port, see `onListening` / `address()`). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Path of the endpoint (default `/metrics`). */
  path?: string;
  /**
   * Serve on an exporter you created with `createExporter()` instead of starting one; the plugin never
   * closes it. Lets several runs (a suite) share one endpoint.
   */
  exporter?: Exporter;
  /** Set false to only scrape and check the target, without serving anything (default true). */
  expose?: boolean;
  /** Prefix replacing `streamhouse_` in the client-side metric names (default `streamhouse_`). */
  prefix?: string;
  /** Static labels added to every series, e.g. `{ shard: '0', env: 'staging' }`. */
  labels?: Record<string, string>;
  /**
   * The target's metrics endpoint to scrape each interval: a URL, `true` for `<target httpAddress>/metrics`
   * (the default when the target's HTTP address is known), or `false` to not scrape.
   */
  scrape?: string | boolean;
  /** The target's HTTP base address, when the run's target options do not carry it. */
  httpAddress?: string;
  /** Run the pre-flight (/health, /ready, /metrics) in `test:before` when the HTTP address is known (default true). */
  preflight?: boolean;
  /** How long /ready may take to answer 200 in the pre-flight (default 10000 ms). */
  readyTimeoutMs?: number;
  /** Timeout of one scrape of the target (default 2000 ms). */
  scrapeTimeoutMs?: number;
  /** Largest /metrics body of the target read; a larger one is a failed scrape (default 8 MiB). */
  scrapeMaxBytes?: number;
  /** Called once the endpoint listens, with its bound address (useful with `port: 0`). */
  onListening?: (address: ExporterAddress) => void;
  /** Keep serving this long after the run ends so a scraping Prometheus picks up the last interval (default 0). */
  closeDelayMs?: number;
  /** fetch used for scraping and the pre-flight (tests). */
  fetchImpl?: FetchLike;
}

export interface PrometheusPlugin extends LoadhousePlugin {
  /** The bound address of the endpoint, once setup ran (undefined when not exposing). */
  address(): ExporterAddress | undefined;
  /** The last pre-flight report, if one ran. */
  preflightReport(): PreflightReport | undefined;
}

const DEFAULT_PHASE = 'main';
/** Label names the plugin sets itself: a static or run label of the same name would clash. */
export const RESERVED_LABELS: ReadonlySet<string> = new Set([
  'scenario',
  'phase',
  'topic',
  'code',
  'thread',
  'le',
  'quantile',
  'job',
  'instance',
]);
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function invalid(message: string): LoadhouseError {
  return new LoadhouseError('LH_INVALID_OPTION', message);
}

function validate(options: PrometheusPluginOptions): void {
  if (options === null || typeof options !== 'object') throw invalid(`prometheus() options must be an object, got ${String(options)}`);
  validateListenOptions(options, 'prometheus options');
  if (options.prefix !== undefined && (typeof options.prefix !== 'string' || !METRIC_PREFIX.test(options.prefix))) {
    throw invalid(`prometheus options.prefix must be a metric-name prefix like "loadhouse_", got ${JSON.stringify(options.prefix)}`);
  }
  if (options.labels !== undefined) {
    if (options.labels === null || typeof options.labels !== 'object')
      throw invalid('prometheus options.labels must be an object of strings');
    for (const [k, v] of Object.entries(options.labels)) {
      if (!LABEL_NAME.test(k) || k.startsWith('__')) throw invalid(`prometheus options.labels: "${k}" is not a valid label name`);
      if (RESERVED_LABELS.has(k)) throw invalid(`prometheus options.labels: "${k}" is set by the plugin itself; choose another name`);
      if (typeof v !== 'string') throw invalid(`prometheus options.labels.${k} must be a string, got ${typeof v}`);
    }
  }
  if (options.scrape !== undefined && typeof options.scrape !== 'boolean') {
    if (typeof options.scrape !== 'string' || !/^https?:\/\/[^/]+/i.test(options.scrape)) {
      throw invalid(
        `prometheus options.scrape must be an http(s) URL like http://127.0.0.1:8080/metrics, or a boolean; got ${JSON.stringify(options.scrape)}`,
      );
    }
  }
  if (options.httpAddress !== undefined) normalizeHttpAddress(options.httpAddress);
  for (const key of ['readyTimeoutMs', 'scrapeTimeoutMs', 'scrapeMaxBytes', 'closeDelayMs'] as const) {
    const v = options[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      throw invalid(`prometheus options.${key} must be a number >= 0, got ${String(v)}`);
    }
  }
}

/** Creates the plugin. Options are checked here, before any run starts. */
export function prometheus(options: PrometheusPluginOptions = {}): PrometheusPlugin {
  validate(options);
  const prefix = options.prefix ?? 'streamhouse_';
  let bound: ExporterAddress | undefined;
  let lastReport: PreflightReport | undefined;

  return {
    name: 'prometheus',
    apiVersion: 1,
    address: () => bound,
    preflightReport: () => lastReport,

    async setup(ctx: PluginContext): Promise<Teardown> {
      const run = { scenario: '', topic: typeof ctx.config['topic'] === 'string' ? (ctx.config['topic'] as string) : '' };
      // The run's labels (options.labels, --label) first; the plugin's own win on a shared name.
      const staticLabels = { ...runLabels(ctx.config), ...(options.labels ?? {}) };
      const unregister: Array<() => void> = [];

      // 1. Exposition.
      let owned: Exporter | undefined;
      let recorder: SampleRecorder | undefined;
      if (options.expose !== false) {
        const exporter = options.exporter ?? (owned = await createExporter({ port: options.port, host: options.host, path: options.path }));
        bound = exporter.address;
        ctx.logger.info(`prometheus: serving loadhouse metrics at ${bound.url}`);
        options.onListening?.(bound);
        const metrics = clientMetricsFor(exporter.registry, prefix, Object.keys(staticLabels));
        recorder = new SampleRecorder(
          metrics,
          () => ({ scenario: run.scenario, topic: run.topic, ...staticLabels }),
          () => connectionsPerWorker(ctx.config),
        );
        const r = recorder;
        let told = false;
        const capacity = capacityGaugesFor(exporter.registry, Object.keys(staticLabels));
        const delivery = deliveryGaugesFor(exporter.registry, Object.keys(staticLabels));
        const groups = groupGaugesFor(exporter.registry, Object.keys(staticLabels));
        unregister.push(
          ctx.hooks.hook('test:after', (result) => {
            const labels = { scenario: run.scenario, topic: run.topic, ...staticLabels };
            if (result.capacity) recordCapacity(capacity, labels, result.capacity);
            recordDelivery(delivery, labels, result.producer);
            recordGroups(groups, labels, result);
          }),
        );
        unregister.push(
          ctx.events.on('sample', (sample) => {
            r.record(sample);
            if (!told && r.lastHistogramSource === 'summary') {
              told = true;
              ctx.logger.debug(
                "prometheus: samples carry no interval histograms; latency buckets are approximated from each interval's percentiles",
              );
            }
          }),
        );
      }

      try {
        return wire();
      } catch (err) {
        for (const off of unregister) off();
        await owned?.close(); // setup failed after the endpoint started: do not leave the port taken
        throw err;
      }

      function wire(): Teardown {
        // 2. Scraping the target: the URL may only be known once the run's target options are (test:before).
        let scraper: TargetScraper | undefined;
        let scrapeFailing = false;
        const makeScraper = (url: string): TargetScraper =>
          new TargetScraper({ url, timeoutMs: options.scrapeTimeoutMs, maxBytes: options.scrapeMaxBytes, fetchImpl: options.fetchImpl });
        if (typeof options.scrape === 'string') scraper = makeScraper(options.scrape);
        if (options.scrape !== false) {
          ctx.addMetricSource({
            name: 'prometheus.target',
            collect: async () => {
              if (!scraper) return {};
              const failuresBefore = scraper.stats.failures;
              const values = await scraper.collect();
              const failed = scraper.stats.failures > failuresBefore;
              if (failed && !scrapeFailing) ctx.logger.warn(`prometheus: scraping ${scraper.url} failed: ${scraper.stats.lastError}`);
              if (!failed && scrapeFailing) ctx.logger.info(`prometheus: scraping ${scraper.url} works again`);
              scrapeFailing = failed;
              // The counts ride on every interval: a final summarize() that times out must not lose them.
              return {
                ...values,
                [TARGET_METRICS.scrapes]: scraper.stats.scrapes,
                [TARGET_METRICS.scrapeFailures]: scraper.stats.failures,
              };
            },
            summarize: async () => (scraper ? scraper.summarize() : {}),
            notes: () => scraper?.notes() ?? {},
          });
        }

        unregister.push(
          ctx.hooks.hook('test:before', async (info: TestInfo) => {
            run.scenario = info.scenario;
            run.topic = info.topic;
            const httpAddress =
              options.httpAddress ??
              info.target.httpAddress ??
              (typeof options.scrape === 'string' ? new URL(options.scrape).origin : undefined);
            if (!scraper && options.scrape !== false && httpAddress) scraper = makeScraper(`${normalizeHttpAddress(httpAddress)}/metrics`);
            if (options.preflight !== false && httpAddress) {
              lastReport = await preflight({
                httpAddress,
                readyTimeoutMs: options.readyTimeoutMs,
                fetchImpl: options.fetchImpl,
                signal: ctx.signal,
              });
              for (const w of lastReport.warnings) ctx.logger.warn(`prometheus: ${w}`);
            }
            if (scraper) await scraper.baseline();
          }),
        );

        if (recorder) {
          const r = recorder;
          // Samples outside any phase are tagged `main` by the engine.
          unregister.push(ctx.hooks.hook('test:before', () => r.touch(DEFAULT_PHASE)));
          unregister.push(
            ctx.hooks.hook('phase:start', (phase) => {
              if (phase.name !== DEFAULT_PHASE) r.untouch(DEFAULT_PHASE);
              r.touch(phase.name);
            }),
          );
        }

        return async () => {
          for (const off of unregister.reverse()) off();
          if (options.closeDelayMs) await new Promise((resolve) => setTimeout(resolve, options.closeDelayMs));
          if (owned) await owned.close();
          else recorder?.retire(); // a shared endpoint outlives the run: its gauges must not show stale values
        };
      }
    },
  };
}

/** The run's labels from the resolved config; one the plugin sets itself is refused rather than dropped. */
function runLabels(config: Readonly<Record<string, unknown>>): Record<string, string> {
  const labels = config['labels'];
  if (typeof labels !== 'object' || labels === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    if (RESERVED_LABELS.has(k)) throw invalid(`the run label "${k}" is set by the prometheus plugin itself; choose another name`);
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** gRPC channels per worker from the resolved config (`connections`), when present. */
function connectionsPerWorker(config: Readonly<Record<string, unknown>>): number | undefined {
  const connections = config['connections'];
  return typeof connections === 'number' && connections > 0 ? connections : undefined;
}
