// Plugins the CLI wires from flags: Prometheus exposition and target scraping, the S3 probe; and the pre-flight.
import type { LoadhousePlugin, TargetOptions } from '@loadhouse/core';
import { preflight, prometheus } from '@loadhouse/plugin-prometheus';
import { s3Probe } from '@loadhouse/plugin-s3-probe';
import type { FlagValues } from './catalog.js';
import type { EmbeddedTarget } from './embedded-target.js';
import type { Io } from './io.js';

export async function buildPlugins(v: FlagValues, target: TargetOptions, io: Io, embedded?: EmbeddedTarget): Promise<LoadhousePlugin[]> {
  const plugins: LoadhousePlugin[] = [];
  if (embedded) plugins.push(embeddedAgentWatch(embedded));
  const scrape = Boolean(target.httpAddress) && v.skipScrape !== true;
  const expose = typeof v.prometheusPort === 'number';
  if (scrape || expose) {
    plugins.push(
      prometheus({
        expose,
        ...(expose ? { port: v.prometheusPort as number } : {}),
        scrape: scrape ? `${target.httpAddress}/metrics` : false,
        // The CLI runs its own pre-flight before the run, with its own messages.
        preflight: false,
        onListening: (a) => io.stderr(`Prometheus metrics at ${a.url}\n`),
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
  io.stderr(`Pre-flight ${httpAddress}: /health ${report.health.status}, /ready ${report.ready.status} after ${report.ready.ms.toFixed(0)} ms, /metrics ${report.metrics.families} families\n`);
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
