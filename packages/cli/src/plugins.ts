// Plugins the CLI wires from flags: Prometheus exposition and target scraping, the S3 probe; and the pre-flight.
import { LoadhouseError, MAX_TIMEOUT_SECONDS, sleep, type LoadhousePlugin, type TargetOptions } from '@loadhouse/core';
import { createExporter, preflight, prometheus, RESERVED_LABELS, type Exporter } from '@loadhouse/plugin-prometheus';
import { s3Probe } from '@loadhouse/plugin-s3-probe';
import type { FlagValues } from './catalog.js';
import type { EmbeddedTarget } from './embedded-target.js';
import { defineFlags, flagNamed, rawFlag } from './flags.js';
import type { Io } from './io.js';

/** What the Prometheus and label flags ask for, checked before anything starts. */
export interface PrometheusFlags {
  /** The endpoint to serve (--prometheus-port given). */
  expose?: { port: number; host: string; lingerSeconds: number };
  /** --label name=value, in the order given. */
  labels: Record<string, string>;
}

/** The flags of the plugins the CLI wires (and --label, which Prometheus series carry). */
export const PLUGIN_FLAGS = defineFlags([
  {
    name: 'prometheus-port',
    kind: 'integer',
    value: '<port>',
    min: 0,
    max: 65535,
    group: 'plugins',
    description: "Expose loadhouse's metrics for Prometheus on this port (0 = a free one)",
  },
  {
    name: 'prometheus-host',
    kind: 'string',
    value: '<host>',
    group: 'plugins',
    description: 'Interface the Prometheus endpoint binds (0.0.0.0 lets a remote Prometheus scrape; needs --prometheus-port)',
    default: '127.0.0.1',
  },
  {
    name: 'prometheus-linger',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    max: MAX_TIMEOUT_SECONDS,
    group: 'plugins',
    description:
      'Keep the Prometheus endpoint open this long after the summary, so a scrape takes the last interval (needs --prometheus-port)',
    default: 15,
  },
  {
    name: 'label',
    kind: 'string',
    value: '<name=value>',
    repeatable: true,
    group: 'run',
    description: 'Label of the run, stored in the result and put on every Prometheus series (repeatable: --label env=ci --label team=perf)',
  },
  {
    name: 'skip-scrape',
    kind: 'boolean',
    group: 'plugins',
    description: "Do not scrape the target's /metrics (cache hit rate, S3 latency, memory)",
  },
  {
    name: 's3-endpoint',
    kind: 'string',
    value: '<url>',
    group: 'plugins',
    description: 'Probe this S3 endpoint (PUT/GET/LIST latency, throttling, segment growth)',
  },
  {
    name: 's3-bucket',
    kind: 'string',
    value: '<name>',
    group: 'plugins',
    description: 'Bucket the target writes segments to',
    default: 'streamhouse',
  },
  {
    name: 's3-prefix',
    kind: 'string',
    value: '<prefix>',
    group: 'plugins',
    description: 'Segment key prefix (default data/, or org-<id>/data/)',
  },
  { name: 's3-region', kind: 'string', value: '<region>', group: 'plugins', description: 'S3 region', default: 'us-east-1' },
  {
    name: 's3-probe-interval',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    exclusiveMin: true,
    group: 'plugins',
    description: 'Seconds between S3 probes',
    default: 5,
  },
]);

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const PROMETHEUS_FLAGS = ['prometheus-port', 'prometheus-host', 'prometheus-linger', 'skip-scrape'] as const;

function refuse(flag: string, message: string): never {
  throw new LoadhouseError('LH_INVALID_OPTION', `--${flag} ${message}`, { details: { flag } });
}

/**
 * Reads --prometheus-port/-host/-linger and --label. Flags that would be silently ignored are refused: host
 * and linger without a port, and any Prometheus flag beside a config's own prometheus() plugin (which alone
 * decides what is served and scraped; two would register twice).
 */
export function prometheusFromFlags(
  v: FlagValues,
  raw: Record<string, unknown>,
  configPlugins: readonly LoadhousePlugin[] = [],
): PrometheusFlags {
  const given = (name: (typeof PLUGIN_FLAGS)[number]['name']) => rawFlag(raw, flagNamed(PLUGIN_FLAGS, name)) !== undefined;
  if (configPlugins.some((p) => p.name === 'prometheus')) {
    const clash = PROMETHEUS_FLAGS.find(given);
    if (clash) {
      refuse(
        clash,
        "would be ignored: the config's prometheus() plugin serves and scrapes; set port, host, scrape or closeDelayMs in its options",
      );
    }
  }
  const port = typeof v.prometheusPort === 'number' ? v.prometheusPort : undefined;
  for (const flag of ['prometheus-host', 'prometheus-linger'] as const) {
    if (port === undefined && given(flag)) refuse(flag, 'needs --prometheus-port: nothing is served without it');
  }
  const host = String(v.prometheusHost).trim();
  if (host === '') refuse('prometheus-host', 'needs an interface address such as 127.0.0.1 or 0.0.0.0');
  const labels: Record<string, string> = {};
  for (const text of (v.label as readonly string[] | undefined) ?? []) {
    const eq = text.indexOf('=');
    if (eq <= 0) refuse('label', `must be name=value (e.g. env=ci), got ${JSON.stringify(text)}`);
    const name = text.slice(0, eq);
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      refuse('label', `${name}: not a valid label name (letters, digits and _, not starting with a digit or __)`);
    }
    if (name in labels) refuse('label', `${name} given twice (${JSON.stringify(labels[name])} and ${JSON.stringify(text.slice(eq + 1))})`);
    if (RESERVED_LABELS.has(name))
      refuse('label', `${name}: loadhouse sets "${name}" itself on its Prometheus series; choose another name`);
    labels[name] = text.slice(eq + 1);
  }
  return { labels, ...(port !== undefined ? { expose: { port, host, lingerSeconds: v.prometheusLinger as number } } : {}) };
}

/** The endpoint the CLI owns for a whole command (a suite's runs share it), announced on stderr. */
export async function startExporter(expose: NonNullable<PrometheusFlags['expose']>, io: Io): Promise<Exporter> {
  const exporter = await createExporter({ port: expose.port, host: expose.host });
  io.stderr(`Prometheus metrics at ${exporter.address.url}\n`);
  return exporter;
}

/**
 * Keeps the endpoint up for the linger so a Prometheus scraping every few seconds takes the last interval,
 * then closes it. An interrupt (the run's signal) cuts the wait short.
 */
export async function lingerThenClose(exporter: Exporter, seconds: number, signal: AbortSignal, io: Io): Promise<void> {
  if (seconds > 0 && !signal.aborted) {
    const url = exporter.address.url;
    io.stderr(`Prometheus metrics stay at ${url} for ${seconds} s (--prometheus-linger) so a scrape takes the last interval...\n`);
    await sleep(seconds * 1000, signal);
  }
  await exporter.close();
}

export async function buildPlugins(
  v: FlagValues,
  target: TargetOptions,
  io: Io,
  embedded?: EmbeddedTarget,
  prom: { exporter?: Exporter; configPlugins?: readonly LoadhousePlugin[] } = {},
): Promise<LoadhousePlugin[]> {
  const plugins: LoadhousePlugin[] = [];
  if (embedded) plugins.push(embeddedAgentWatch(embedded));
  // A config's own prometheus() plugin scrapes the run's target.httpAddress itself (--http-target lands there).
  const own = !(prom.configPlugins ?? []).some((p) => p.name === 'prometheus');
  const scrape = own && Boolean(target.httpAddress) && v.skipScrape !== true;
  const exporter = own ? prom.exporter : undefined;
  if (scrape || exporter) {
    plugins.push(
      prometheus({
        ...(exporter ? { exporter } : { expose: false }),
        scrape: scrape ? `${target.httpAddress}/metrics` : false,
        // The CLI runs its own pre-flight before the run, with its own messages.
        preflight: false,
      }),
    );
  }
  // An explicit --s3-endpoint, or the bucket the embedded agent writes to.
  const endpoint = typeof v.s3Endpoint === 'string' ? v.s3Endpoint : embedded?.s3?.endpoint;
  if (endpoint) {
    const credentials =
      io.env.AWS_ACCESS_KEY_ID && io.env.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: io.env.AWS_ACCESS_KEY_ID, secretAccessKey: io.env.AWS_SECRET_ACCESS_KEY, sessionToken: io.env.AWS_SESSION_TOKEN }
        : undefined;
    const followsAgent = typeof v.s3Endpoint !== 'string';
    plugins.push(
      s3Probe({
        endpoint,
        bucket: followsAgent ? embedded!.s3!.bucket! : (v.s3Bucket as string),
        region: followsAgent ? (embedded!.s3!.region ?? 'us-east-1') : (v.s3Region as string),
        ...(typeof v.s3Prefix === 'string' ? { prefix: v.s3Prefix } : {}),
        ...(target.organizationId ? { organizationId: target.organizationId } : {}),
        intervalSeconds: v.s3ProbeInterval as number,
        ...(credentials ? { credentials } : {}),
      }),
    );
  }
  return plugins;
}

/** /health, /ready (polled up to the timeout) and /metrics of the target; throws LH_HEALTH_CHECK_FAILED. */
export async function runPreflight(httpAddress: string, readyTimeoutMs: number, io: Io, signal?: AbortSignal): Promise<void> {
  const report = await preflight({ httpAddress, readyTimeoutMs, ...(signal ? { signal } : {}) });
  io.stderr(
    `Pre-flight ${httpAddress}: /health ${report.health.status}, /ready ${report.ready.status} after ${report.ready.ms.toFixed(0)} ms, /metrics ${report.metrics.families} families\n`,
  );
}

/** Watches the embedded agent's process: `target.crashes` for the stability criterion, an error when it dies. */
export function embeddedAgentWatch(embedded: EmbeddedTarget): LoadhousePlugin {
  return {
    name: 'embedded-agent',
    apiVersion: 1,
    setup(ctx) {
      let crashes = 0;
      void embedded.exited.then((code) => {
        if (ctx.signal.aborted) return;
        crashes++;
        ctx.logger.error(`the embedded agent (PID ${embedded.pid}) exited with code ${code} during the run`);
      });
      ctx.addMetricSource({ name: 'embedded-agent', collect: () => ({ 'target.crashes': crashes }) });
    },
  };
}
