// The plan's "Verify Health" step as code: /health answers 200, /ready answers 200 within a timeout,
// /metrics parses. Each failure is an LH_HEALTH_CHECK_FAILED that names the URL and what came back.
import { LoadhouseError, sleep } from '@loadhouse/core';
import { parseMetricsText } from './parse.js';
import { SCRAPE_ACCEPT, type FetchLike } from './scrape-fetch.js';

export interface PreflightOptions {
  /** Base HTTP address of the target: `http://host:8080` (or `host:8080`). */
  httpAddress: string;
  /** How long /ready may take to answer 200 (default 10000 ms). */
  readyTimeoutMs?: number;
  /** Pause between /ready attempts (default 250 ms). */
  pollIntervalMs?: number;
  /** Timeout of each request (default 2000 ms). */
  requestTimeoutMs?: number;
  fetchImpl?: FetchLike;
  signal?: AbortSignal;
}

export interface CheckOutcome {
  url: string;
  status: number;
  /** The start of the body, whitespace folded. */
  body: string;
  ms: number;
}

export interface PreflightReport {
  httpAddress: string;
  health: CheckOutcome;
  /** `ms` here is the whole wait: from the first attempt to the answer 200. */
  ready: CheckOutcome & { attempts: number };
  metrics: CheckOutcome & {
    format: 'openmetrics' | 'prometheus';
    families: number;
    samples: number;
    malformedLines: number;
    /** Families whose name starts with `streamhouse_`. */
    streamhouseFamilies: number;
  };
  /** Things worth saying that do not fail the check (malformed lines, no streamhouse_ metrics). */
  warnings: string[];
}

const EXCERPT = 200;

/** `http://host:8080` from `host:8080`, `http://host:8080/`, or `http://host:8080/metrics`. */
export function normalizeHttpAddress(httpAddress: string): string {
  if (typeof httpAddress !== 'string' || httpAddress.trim() === '') {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `options.httpAddress must be a URL like http://127.0.0.1:8080, got ${JSON.stringify(httpAddress)}`,
    );
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(httpAddress) ? httpAddress : `http://${httpAddress}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (err) {
    throw new LoadhouseError('LH_INVALID_OPTION', `options.httpAddress is not a valid URL: ${JSON.stringify(httpAddress)}`, { cause: err });
  }
  const path = url.pathname.replace(/\/(metrics|health|ready|live)\/?$/, '').replace(/\/+$/, '');
  return `${url.origin}${path}`;
}

export function excerpt(body: string, max = EXCERPT): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'no answer (request timed out)';
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as NodeJS.ErrnoException).code;
      return code ? `${code} (${cause.message})` : cause.message;
    }
    return err.message;
  }
  return String(err);
}

async function get(
  url: string,
  options: PreflightOptions,
  accept?: string,
): Promise<{ outcome: CheckOutcome; text: string; contentType: string | null }> {
  const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
  const timeout = AbortSignal.timeout(options.requestTimeoutMs ?? 2000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const t0 = performance.now();
  const res = await fetchImpl(url, { signal, headers: accept ? { accept } : {} });
  const text = await res.text();
  return {
    outcome: { url, status: res.status, body: excerpt(text), ms: Math.round(performance.now() - t0) },
    text,
    contentType: res.headers.get('content-type'),
  };
}

function failed(message: string, details: Record<string, unknown>, cause?: unknown): LoadhouseError {
  return new LoadhouseError('LH_HEALTH_CHECK_FAILED', message, { details, cause });
}

/**
 * Checks a target before load is sent. Resolves with what each endpoint answered; rejects with
 * LH_HEALTH_CHECK_FAILED at the first check that fails.
 */
export async function preflight(options: PreflightOptions): Promise<PreflightReport> {
  const base = normalizeHttpAddress(options.httpAddress);
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  if (!(Number.isFinite(readyTimeoutMs) && readyTimeoutMs >= 0)) {
    throw new LoadhouseError('LH_INVALID_OPTION', `options.readyTimeoutMs must be a number >= 0, got ${String(readyTimeoutMs)}`);
  }
  const warnings: string[] = [];

  // 1. /health: one attempt; the process is up or it is not.
  const healthUrl = `${base}/health`;
  let health: CheckOutcome;
  try {
    health = (await get(healthUrl, options)).outcome;
  } catch (err) {
    throw failed(
      `Health check failed: GET ${healthUrl} got no answer: ${describeError(err)}. Is the target running, and is its HTTP address right?`,
      { url: healthUrl, error: describeError(err) },
      err,
    );
  }
  if (health.status !== 200) {
    throw failed(`Health check failed: GET ${healthUrl} answered ${health.status} (expected 200): ${JSON.stringify(health.body)}.`, {
      url: healthUrl,
      status: health.status,
      body: health.body,
    });
  }

  // 2. /ready: poll until 200 (an agent turns ready once it holds a partition lease).
  const readyUrl = `${base}/ready`;
  const readyStart = performance.now();
  const deadline = readyStart + readyTimeoutMs;
  let attempts = 0;
  let last: { outcome?: CheckOutcome; error?: unknown } = {};
  for (;;) {
    attempts++;
    try {
      const outcome = (await get(readyUrl, options)).outcome;
      last = { outcome };
      if (outcome.status === 200) break;
    } catch (err) {
      last = { error: err };
    }
    if (options.signal?.aborted || performance.now() + pollIntervalMs > deadline) {
      const what = last.outcome
        ? `last answer ${last.outcome.status}: ${JSON.stringify(last.outcome.body)}`
        : `last attempt: ${describeError(last.error)}`;
      throw failed(
        `Readiness check failed: GET ${readyUrl} did not answer 200 within ${readyTimeoutMs} ms (${attempts} attempts; ${what}). ` +
          'A StreamHouse agent is ready once it holds a partition lease and its metadata store answers; raise readyTimeoutMs if it is slow to start.',
        {
          url: readyUrl,
          attempts,
          status: last.outcome?.status,
          body: last.outcome?.body,
          error: last.error === undefined ? undefined : describeError(last.error),
        },
        last.error,
      );
    }
    await sleep(pollIntervalMs, options.signal);
  }
  const ready = { ...last.outcome!, attempts, ms: Math.round(performance.now() - readyStart) };

  // 3. /metrics: must answer 200 with at least one sample that parses.
  const metricsUrl = `${base}/metrics`;
  let response: Awaited<ReturnType<typeof get>>;
  try {
    response = await get(metricsUrl, options, SCRAPE_ACCEPT);
  } catch (err) {
    throw failed(
      `Metrics check failed: GET ${metricsUrl} got no answer: ${describeError(err)}.`,
      { url: metricsUrl, error: describeError(err) },
      err,
    );
  }
  const { outcome, text, contentType } = response;
  if (outcome.status !== 200) {
    throw failed(`Metrics check failed: GET ${metricsUrl} answered ${outcome.status} (expected 200): ${JSON.stringify(outcome.body)}.`, {
      url: metricsUrl,
      status: outcome.status,
      body: outcome.body,
    });
  }
  const parsed = parseMetricsText(text, { contentType });
  if (parsed.samples.length === 0) {
    const firstError = parsed.errors[0];
    throw failed(
      `Metrics check failed: GET ${metricsUrl} answered 200 but no Prometheus sample could be read ` +
        `(${parsed.malformed} malformed lines${firstError ? `; line ${firstError.line}: ${firstError.reason}` : ''}): ${JSON.stringify(outcome.body)}.`,
      { url: metricsUrl, status: outcome.status, body: outcome.body, contentType, malformed: parsed.malformed },
    );
  }
  if (parsed.malformed > 0) {
    const e = parsed.errors[0]!;
    warnings.push(`${metricsUrl}: ${parsed.malformed} malformed lines skipped (first: line ${e.line}, ${e.reason}: ${e.text})`);
  }
  const streamhouseFamilies = [...parsed.families.keys()].filter((n) => n.startsWith('streamhouse_')).length;
  if (streamhouseFamilies === 0) warnings.push(`${metricsUrl}: no streamhouse_ metrics; is this a StreamHouse server or agent?`);

  return {
    httpAddress: base,
    health,
    ready,
    metrics: {
      ...outcome,
      format: parsed.format,
      families: parsed.families.size,
      samples: parsed.samples.length,
      malformedLines: parsed.malformed,
      streamhouseFamilies,
    },
    warnings,
  };
}
