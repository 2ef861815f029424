// Test support: a real Prometheus server (Debian's /usr/bin/prometheus) on a free port, scraping given
// targets every second, queried over its HTTP API, stopped by PID. A missing binary is an error, not a skip.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSync, closeSync } from 'node:fs';

export const PROMETHEUS_BIN = process.env['PROMETHEUS_BIN'] ?? '/usr/bin/prometheus';

export interface ScrapeTarget {
  job: string;
  /** Full URL of the metrics endpoint, e.g. http://127.0.0.1:9464/metrics. */
  url: string;
}

export interface QueryResult {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusServer {
  readonly url: string;
  readonly pid: number;
  /** Instant query; `time` in Unix seconds (default: now). */
  query(expr: string, time?: number): Promise<QueryResult[]>;
  /** Resolves once every target of `job` has been scraped (successfully) after `afterMs` (Unix ms). */
  waitForScrape(job: string, afterMs: number, timeoutMs?: number): Promise<number>;
  /** The server's own log, for failure messages. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function configYaml(targets: ScrapeTarget[], intervalSeconds: number): string {
  const lines = [
    'global:',
    `  scrape_interval: ${intervalSeconds}s`,
    `  scrape_timeout: ${intervalSeconds}s`,
    `  evaluation_interval: ${intervalSeconds}s`,
    'scrape_configs:',
  ];
  for (const t of targets) {
    const u = new URL(t.url);
    lines.push(
      `  - job_name: ${JSON.stringify(t.job)}`,
      `    scheme: ${u.protocol.replace(':', '')}`,
      `    metrics_path: ${JSON.stringify(u.pathname)}`,
      '    static_configs:',
      `      - targets: [${JSON.stringify(u.host)}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startPrometheus(options: { targets: ScrapeTarget[]; scrapeIntervalSeconds?: number }): Promise<PrometheusServer> {
  if (!existsSync(PROMETHEUS_BIN)) {
    throw new Error(
      `${PROMETHEUS_BIN} is missing: the real-Prometheus test needs Debian's prometheus package. ` +
        'Install it with `apt-get update && apt-get install -y --no-install-recommends prometheus` (.ci/run does this in CI).',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'loadhouse-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  const logFile = join(dir, 'prometheus.log');
  await writeFile(configFile, configYaml(options.targets, options.scrapeIntervalSeconds ?? 1));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  let exited: number | string | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = code ?? signal;
      resolve();
    }),
  );
  const log = async (): Promise<string> => readFile(logFile, 'utf8').catch(() => '');

  const stop = async (): Promise<void> => {
    if (exited === undefined && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const killed = await Promise.race([exit.then(() => true), sleep(5000).then(() => false)]);
      if (!killed && exited === undefined) {
        process.kill(child.pid, 'SIGKILL');
        await exit;
      }
    }
    await rm(dir, { recursive: true, force: true });
  };

  // Poll /-/ready.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== undefined) {
      const text = await log();
      await stop();
      throw new Error(`prometheus exited (${exited}) before it was ready:\n${text.slice(-2000)}`);
    }
    const ok = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      const text = await log();
      await stop();
      throw new Error(`prometheus did not become ready at ${url} within 30 s:\n${text.slice(-2000)}`);
    }
    await sleep(200);
  }

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };

  return {
    url,
    pid: child.pid!,
    log,
    stop,
    async query(expr, time) {
      const params = new URLSearchParams({ query: expr });
      if (time !== undefined) params.set('time', String(time));
      const data = await api<{ resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
        `/api/v1/query?${params}`,
      );
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async waitForScrape(job, afterMs, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const data = await api<{
          activeTargets: Array<{ labels: Record<string, string>; lastScrape: string; health: string; lastError: string }>;
        }>('/api/v1/targets?state=active');
        const mine = data.activeTargets.filter((t) => t.labels['job'] === job);
        const times = mine.map((t) => (t.health === 'up' ? Date.parse(t.lastScrape) : 0));
        if (mine.length > 0 && times.every((t) => t > afterMs)) return Math.min(...times);
        if (Date.now() > end) {
          throw new Error(`prometheus did not scrape job ${job} after ${new Date(afterMs).toISOString()}: ${JSON.stringify(mine)}`);
        }
        await sleep(200);
      }
    },
  };
}
