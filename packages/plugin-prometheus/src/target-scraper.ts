// Scrapes a StreamHouse target's /metrics once per interval and turns counter and histogram deltas into
// `target.*` metric-source values (cache hit rate, S3 rate/errors/latency, segment flushes, memory).
import { parseMetricsText, type ParsedMetrics, type PromSample } from './parse.js';
import {
  counterDelta,
  hasAny,
  histogramDelta,
  mergeBuckets,
  pickName,
  quantileOf,
  sameOp,
  seriesKey,
  sumOf,
  type BucketMap,
} from './scrape-deltas.js';
import { excerpt, formatValue, readLimited, SCRAPE_ACCEPT, type FetchLike } from './scrape-fetch.js';

/** The metric-source names this scraper contributes to samples, criteria and `result.metrics`. */
export const TARGET_METRICS = {
  cacheHitRate: 'target.cacheHitRate',
  s3RequestsPerSecond: 'target.s3.requestsPerSecond',
  s3Errors: 'target.s3.errors',
  s3Throttles: 'target.s3.throttles',
  s3PutLatencyP99: 'target.s3.putLatencyP99',
  s3GetLatencyP99: 'target.s3.getLatencyP99',
  segmentsFlushedPerSecond: 'target.segmentsFlushedPerSecond',
  memoryBytes: 'target.memoryBytes',
  memoryBytesMax: 'target.memoryBytesMax',
  cacheSizeBytes: 'target.cacheSizeBytes',
  /** Restarts seen since the baseline (process_start_time_seconds moved, or counters went down); cumulative. */
  restarts: 'target.restarts',
  /** Scrapes of the target's /metrics attempted since the baseline (the baseline included). */
  scrapes: 'target.scrapes',
  /** Of those, scrapes that gave nothing usable: a network error, a non-200 answer, a body over the limit, an unreadable value. */
  scrapeFailures: 'target.scrapeFailures',
} as const;

/**
 * Largest /metrics body read (8 MiB). Reading and parsing more would stall the generator's main thread
 * once per interval; a target exporting that much has a cardinality problem worth reporting anyway.
 */
export const SCRAPE_MAX_BYTES = 8 * 1024 * 1024;

/** Values sampled at scrape time: an interval whose scrape failed is simply not seen, unlike a counter's increase. */
const GAUGE_METRICS: readonly string[] = [TARGET_METRICS.memoryBytes, TARGET_METRICS.memoryBytesMax, TARGET_METRICS.cacheSizeBytes];

// StreamHouse's real names first, then the names the load-testing plan uses for the same thing.
const NAMES = {
  hits: ['streamhouse_cache_hits_total'],
  misses: ['streamhouse_cache_misses_total'],
  s3Requests: ['streamhouse_s3_requests_total'],
  s3Errors: ['streamhouse_s3_errors_total'],
  s3Latency: ['streamhouse_s3_latency_seconds', 'streamhouse_s3_latency'],
  flushes: ['streamhouse_segment_flushes_total', 'streamhouse_segments_created_total'],
  memory: ['process_resident_memory_bytes'],
  cacheSize: ['streamhouse_cache_size_bytes'],
  startTime: ['process_start_time_seconds'],
};

export interface TargetScraperOptions {
  /** Full URL of the target's metrics endpoint, e.g. `http://127.0.0.1:8080/metrics`. */
  url: string;
  /** Per-request timeout (default 2000 ms). */
  timeoutMs?: number;
  /** Largest body read; a larger one is a failed scrape (default SCRAPE_MAX_BYTES, 8 MiB). */
  maxBytes?: number;
  fetchImpl?: FetchLike;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

interface Snapshot {
  at: number;
  parsed: ParsedMetrics;
}

interface Totals {
  seconds: number;
  hits: number;
  misses: number;
  s3Requests: number;
  s3Errors: number;
  s3Throttles: number;
  flushes: number;
  restarts: number;
  put: BucketMap;
  get: BucketMap;
  memoryLast?: number;
  memoryMax?: number;
  cacheSize?: number;
  /** Latest summary quantiles when the target exports a summary instead of a histogram. */
  putSummaryP99?: number;
  getSummaryP99?: number;
}

export interface ScrapeStats {
  scrapes: number;
  failures: number;
  malformedLines: number;
  lastError?: string;
}

export class TargetScraper {
  readonly url: string;
  readonly stats: ScrapeStats = { scrapes: 0, failures: 0, malformedLines: 0 };
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  /** The latest scrape failed: every value stops at the last scrape that worked. */
  private lastFailed = false;
  /** A scrape failed before any worked: counter increases before the first good scrape are unknown. */
  private failedWithoutBaseline = false;
  private readonly fetchImpl: FetchLike;
  private readonly now: () => number;
  private previous: Snapshot | undefined;
  private totals: Totals = emptyTotals();

  constructor(options: TargetScraperOptions) {
    this.url = options.url;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.maxBytes = options.maxBytes ?? SCRAPE_MAX_BYTES;
    this.fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Fetches and parses the endpoint once. Throws on a network error, a non-200 answer, a body over the size
   * limit, or a value of a metric the scraper reads that is not a finite non-negative number.
   */
  async fetchMetrics(): Promise<ParsedMetrics> {
    const res = await this.fetchImpl(this.url, { headers: { accept: SCRAPE_ACCEPT }, signal: AbortSignal.timeout(this.timeoutMs) });
    const body = await readLimited(res, this.maxBytes, this.url);
    if (res.status !== 200) throw new Error(`GET ${this.url} answered ${res.status}: ${excerpt(body)}`);
    const parsed = parseMetricsText(body, { contentType: res.headers.get('content-type') });
    const bad = unreadableValue(parsed);
    if (bad) throw new Error(`GET ${this.url}: ${bad.name} is ${formatValue(bad.value)}, not a finite non-negative number`);
    return parsed;
  }

  /** Takes the reference scrape that the first interval's deltas are measured from. */
  async baseline(): Promise<void> {
    await this.scrapeOnce();
  }

  /**
   * Scrapes and returns the values of the interval since the previous scrape. The first call (without a
   * baseline) only returns gauges. A failed scrape returns `{}` and keeps the previous snapshot.
   */
  async collect(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const snap = await this.scrapeOnce();
    if (!snap) return out;
    const { current, previous } = snap;
    this.gauges(current.parsed, out);
    if (!previous) return out;
    const seconds = (current.at - previous.at) / 1000;
    if (!(seconds > 0)) return out;
    const p = previous.parsed;
    const c = current.parsed;
    const t = this.totals;
    t.seconds += seconds;

    if (restarted(p, c)) t.restarts++;
    out[TARGET_METRICS.restarts] = t.restarts;

    const hits = counterDelta(p, c, NAMES.hits);
    const misses = counterDelta(p, c, NAMES.misses);
    t.hits += hits;
    t.misses += misses;
    if (hits + misses > 0) out[TARGET_METRICS.cacheHitRate] = (100 * hits) / (hits + misses);

    if (hasAny(c, NAMES.s3Requests)) {
      const requests = counterDelta(p, c, NAMES.s3Requests);
      t.s3Requests += requests;
      out[TARGET_METRICS.s3RequestsPerSecond] = requests / seconds;
    }
    if (hasAny(c, NAMES.s3Requests) || hasAny(c, NAMES.s3Errors)) {
      const errors = counterDelta(p, c, NAMES.s3Errors);
      const throttles = counterDelta(p, c, NAMES.s3Errors, (s) => s.labels['error_type'] === 'throttle');
      t.s3Errors += errors;
      t.s3Throttles += throttles;
      out[TARGET_METRICS.s3Errors] = errors;
      out[TARGET_METRICS.s3Throttles] = throttles;
    }
    if (hasAny(c, NAMES.flushes)) {
      const flushes = counterDelta(p, c, NAMES.flushes);
      t.flushes += flushes;
      out[TARGET_METRICS.segmentsFlushedPerSecond] = flushes / seconds;
    }
    for (const [op, key, acc] of [
      ['PUT', TARGET_METRICS.s3PutLatencyP99, t.put],
      ['GET', TARGET_METRICS.s3GetLatencyP99, t.get],
    ] as const) {
      const delta = histogramDelta(p, c, NAMES.s3Latency, op);
      if (delta) {
        mergeBuckets(acc, delta);
        const p99 = quantileOf(0.99, delta);
        if (Number.isFinite(p99)) out[key] = p99 * 1000;
      }
    }
    return out;
  }

  /** Run-level values since the baseline; scrapes once more so the tail after the last interval counts. */
  async summarize(): Promise<Record<string, number>> {
    await this.collect().catch(() => undefined);
    const t = this.totals;
    const out: Record<string, number> = {
      [TARGET_METRICS.scrapes]: this.stats.scrapes,
      [TARGET_METRICS.scrapeFailures]: this.stats.failures,
    };
    if (t.hits + t.misses > 0) out[TARGET_METRICS.cacheHitRate] = (100 * t.hits) / (t.hits + t.misses);
    if (t.seconds > 0) {
      out[TARGET_METRICS.restarts] = t.restarts;
      out[TARGET_METRICS.s3RequestsPerSecond] = t.s3Requests / t.seconds;
      out[TARGET_METRICS.segmentsFlushedPerSecond] = t.flushes / t.seconds;
      out[TARGET_METRICS.s3Errors] = t.s3Errors;
      out[TARGET_METRICS.s3Throttles] = t.s3Throttles;
    }
    const put = quantileOf(0.99, t.put);
    const get = quantileOf(0.99, t.get);
    if (Number.isFinite(put)) out[TARGET_METRICS.s3PutLatencyP99] = put * 1000;
    else if (t.putSummaryP99 !== undefined) out[TARGET_METRICS.s3PutLatencyP99] = t.putSummaryP99;
    if (Number.isFinite(get)) out[TARGET_METRICS.s3GetLatencyP99] = get * 1000;
    else if (t.getSummaryP99 !== undefined) out[TARGET_METRICS.s3GetLatencyP99] = t.getSummaryP99;
    if (t.memoryLast !== undefined) out[TARGET_METRICS.memoryBytes] = t.memoryLast;
    if (t.memoryMax !== undefined) out[TARGET_METRICS.memoryBytesMax] = t.memoryMax;
    if (t.cacheSize !== undefined) out[TARGET_METRICS.cacheSizeBytes] = t.cacheSize;
    return out;
  }

  /**
   * Why run-level values from `summarize()` do not cover the whole run, by metric name: after failed scrapes
   * a gauge missed those intervals, and when the last scrapes (or those before the first good one) failed,
   * every value misses part of the run. Empty when every scrape worked.
   */
  notes(): Record<string, string> {
    const { scrapes, failures, lastError } = this.stats;
    if (failures === 0) return {};
    const reason = `${failures} of ${scrapes} scrapes of ${this.url} failed (last: ${lastError ?? 'unknown'})`;
    const all = this.lastFailed || this.failedWithoutBaseline;
    const out: Record<string, string> = {};
    for (const key of Object.values(TARGET_METRICS)) {
      if (key === TARGET_METRICS.scrapes || key === TARGET_METRICS.scrapeFailures) continue;
      if (all) out[key] = `${reason}: the value misses ${this.lastFailed ? 'the end' : 'the start'} of the run`;
      else if (GAUGE_METRICS.includes(key)) out[key] = `${reason}: the value was not sampled in those intervals`;
    }
    return out;
  }

  private async scrapeOnce(): Promise<{ current: Snapshot; previous: Snapshot | undefined } | undefined> {
    this.stats.scrapes++;
    let parsed: ParsedMetrics;
    try {
      parsed = await this.fetchMetrics();
    } catch (err) {
      this.stats.failures++;
      this.stats.lastError = err instanceof Error ? err.message : String(err);
      this.lastFailed = true;
      if (!this.previous) this.failedWithoutBaseline = true;
      return undefined;
    }
    this.lastFailed = false;
    this.stats.malformedLines += parsed.malformed;
    const current: Snapshot = { at: this.now(), parsed };
    const previous = this.previous;
    this.previous = current;
    return { current, previous };
  }

  private gauges(parsed: ParsedMetrics, out: Record<string, number>): void {
    const t = this.totals;
    const memory = sumOf(parsed, NAMES.memory);
    if (memory !== undefined) {
      out[TARGET_METRICS.memoryBytes] = memory;
      t.memoryLast = memory;
      t.memoryMax = Math.max(t.memoryMax ?? 0, memory);
    }
    const cacheSize = sumOf(parsed, NAMES.cacheSize);
    if (cacheSize !== undefined) {
      out[TARGET_METRICS.cacheSizeBytes] = cacheSize;
      t.cacheSize = cacheSize;
    }
    // A target exporting S3 latency as a summary (the plan's `quantile="0.99"` form) is read directly.
    for (const [op, key] of [
      ['PUT', 'putSummaryP99'],
      ['GET', 'getSummaryP99'],
    ] as const) {
      const q = parsed.samples.find(
        (s) => NAMES.s3Latency.includes(s.name) && s.labels['quantile'] === '0.99' && sameOp(s, op) && Number.isFinite(s.value),
      );
      if (q) {
        t[key] = q.value * 1000;
        out[op === 'PUT' ? TARGET_METRICS.s3PutLatencyP99 : TARGET_METRICS.s3GetLatencyP99] = q.value * 1000;
      }
    }
  }
}

function emptyTotals(): Totals {
  return {
    seconds: 0,
    hits: 0,
    misses: 0,
    s3Requests: 0,
    s3Errors: 0,
    s3Throttles: 0,
    flushes: 0,
    restarts: 0,
    put: new Map(),
    get: new Map(),
  };
}

/** A restart between two scrapes: the process start time moved, or (without it) a counter series went down. */
function restarted(previous: ParsedMetrics, current: ParsedMetrics): boolean {
  const before = sumOf(previous, NAMES.startTime);
  const after = sumOf(current, NAMES.startTime);
  if (before !== undefined && after !== undefined) return after !== before;
  for (const names of [NAMES.hits, NAMES.misses, NAMES.s3Requests, NAMES.flushes]) {
    const name = pickName(current, names);
    if (!name) continue;
    const prev = new Map<string, number>();
    for (const s of previous.samples) if (s.name === name) prev.set(seriesKey(s), s.value);
    for (const s of current.samples) {
      const v = prev.get(seriesKey(s));
      if (s.name === name && v !== undefined && s.value < v) return true;
    }
  }
  return false;
}

const READ_NAMES = new Set([...Object.values(NAMES).flat(), ...NAMES.s3Latency.flatMap((b) => [`${b}_bucket`, `${b}_count`, `${b}_sum`])]);

/**
 * The first sample of a metric the scraper reads whose value cannot be a count, a size or a duration:
 * read as 0 (or skipped) it would pass a criterion on nothing. A summary quantile may be NaN (no observations).
 */
function unreadableValue(parsed: ParsedMetrics): PromSample | undefined {
  return parsed.samples.find(
    (s) =>
      READ_NAMES.has(s.name) &&
      !(Number.isFinite(s.value) && s.value >= 0) &&
      !(Number.isNaN(s.value) && s.labels['quantile'] !== undefined),
  );
}
