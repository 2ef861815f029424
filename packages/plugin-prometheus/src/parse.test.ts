import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry, Summary, type RegistryContentType } from 'prom-client';
import { parseMetricsText, parseValue, selectSamples } from './parse.js';

async function promClientText(contentType: RegistryContentType) {
  // prom-client's typings omit the constructor argument; setContentType is the typed way.
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(contentType);
  const registers = [registry];
  const hits = new Counter({
    name: 'streamhouse_cache_hits_total',
    help: 'Cache hits\nsecond line \\ backslash',
    labelNames: ['org_id'],
    registers,
  });
  hits.inc({ org_id: 'a"b\\c\nd' }, 3);
  hits.inc({ org_id: 'plain' }, 2);
  const g = new Gauge({ name: 'weird_gauge', help: 'g', labelNames: ['kind'], registers });
  g.set({ kind: 'nan' }, Number.NaN);
  g.set({ kind: 'inf' }, Number.POSITIVE_INFINITY);
  g.set({ kind: 'ninf' }, Number.NEGATIVE_INFINITY);
  const h = new Histogram({
    name: 'streamhouse_s3_latency_seconds',
    help: 'h',
    labelNames: ['operation'],
    buckets: [0.01, 0.1, 1],
    registers,
    enableExemplars: contentType === Registry.OPENMETRICS_CONTENT_TYPE,
  });
  for (const value of [0.05, 0.5, 5]) {
    if (contentType === Registry.OPENMETRICS_CONTENT_TYPE) {
      const exemplarLabels: Record<string, string> = { trace_id: `t${value}` };
      h.observe({ labels: { operation: 'PUT' }, value, exemplarLabels });
    } else {
      h.observe({ operation: 'PUT' }, value);
    }
  }
  const s = new Summary({ name: 'req_summary', help: 's', percentiles: [0.5, 0.99], registers });
  s.observe(1);
  s.observe(3);
  return registry.metrics();
}

describe('parseMetricsText', () => {
  it('reads prom-client Prometheus text (0.0.4) with escapes, NaN and infinities', async () => {
    const text = await promClientText(Registry.PROMETHEUS_CONTENT_TYPE);
    const parsed = parseMetricsText(text);
    expect(parsed.malformed).toBe(0);
    expect(parsed.format).toBe('prometheus');
    expect(parsed.eof).toBe(false);
    const hits = parsed.families.get('streamhouse_cache_hits_total')!;
    expect(hits.type).toBe('counter');
    expect(hits.help).toBe('Cache hits\nsecond line \\ backslash');
    expect(selectSamples(parsed, 'streamhouse_cache_hits_total', { org_id: 'a"b\\c\nd' })[0]!.value).toBe(3);
    expect(selectSamples(parsed, 'streamhouse_cache_hits_total', { org_id: 'plain' })[0]!.value).toBe(2);
    expect(Number.isNaN(selectSamples(parsed, 'weird_gauge', { kind: 'nan' })[0]!.value)).toBe(true);
    expect(selectSamples(parsed, 'weird_gauge', { kind: 'inf' })[0]!.value).toBe(Infinity);
    expect(selectSamples(parsed, 'weird_gauge', { kind: 'ninf' })[0]!.value).toBe(-Infinity);
    const h = parsed.families.get('streamhouse_s3_latency_seconds')!;
    expect(h.type).toBe('histogram');
    expect(h.samples.filter((x) => x.name.endsWith('_bucket')).map((x) => [x.labels['le'], x.value])).toEqual([
      ['0.01', 0],
      ['0.1', 1],
      ['1', 2],
      ['+Inf', 3],
    ]);
    expect(parsed.families.get('req_summary')!.samples.find((x) => x.labels['quantile'] === '0.99')).toBeDefined();
  });

  it('reads prom-client OpenMetrics text: # EOF, counters declared without _total, exemplars ignored', async () => {
    const text = await promClientText(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(text.trimEnd().endsWith('# EOF')).toBe(true);
    const parsed = parseMetricsText(text, { contentType: Registry.OPENMETRICS_CONTENT_TYPE });
    expect(parsed.malformed).toBe(0);
    expect(parsed.format).toBe('openmetrics');
    expect(parsed.eof).toBe(true);
    // OpenMetrics names the family without _total; the samples keep it.
    const fam = parsed.families.get('streamhouse_cache_hits')!;
    expect(fam.type).toBe('counter');
    expect(fam.samples.map((x) => x.name)).toEqual(['streamhouse_cache_hits_total', 'streamhouse_cache_hits_total']);
    expect(selectSamples(parsed, 'streamhouse_cache_hits_total', { org_id: 'a"b\\c\nd' })[0]!.value).toBe(3);
    expect(selectSamples(parsed, 'streamhouse_s3_latency_seconds_count', { operation: 'PUT' })[0]!.value).toBe(3);
    expect(text).toMatch(/_bucket\{[^}]*\} \d+ # \{trace_id="t0.05"\}/); // the capture really carries exemplars
    expect(selectSamples(parsed, 'streamhouse_s3_latency_seconds_bucket', { le: '0.1' })[0]!.value).toBe(1);
  });

  it('reads a hand-written OpenMetrics document: _created, units, exemplars, timestamps, info', () => {
    const text = [
      '# TYPE streamhouse_s3_requests counter',
      '# UNIT streamhouse_s3_requests requests',
      '# HELP streamhouse_s3_requests Storage requests with a \\"quote\\".',
      'streamhouse_s3_requests_total{operation="PUT",org_id="o"} 17 1700000000.123 # {trace_id="abc"} 1.0 1700000000.1',
      'streamhouse_s3_requests_created{operation="PUT",org_id="o"} 1700000000.0',
      '# TYPE rpc_seconds histogram',
      'rpc_seconds_bucket{le="0.1"} 4 # {trace_id="x"} 0.05',
      'rpc_seconds_bucket{le="+Inf"} 5',
      'rpc_seconds_sum 1.5',
      'rpc_seconds_count 5',
      'rpc_seconds_created 1.7e9',
      '# TYPE build info',
      'build_info{version="1.2"} 1',
      '# EOF',
    ].join('\n');
    const parsed = parseMetricsText(text);
    expect(parsed.malformed).toBe(0);
    expect(parsed.eof).toBe(true);
    const req = parsed.families.get('streamhouse_s3_requests')!;
    expect(req.unit).toBe('requests');
    expect(req.help).toBe('Storage requests with a "quote".');
    expect(req.samples).toEqual([
      { name: 'streamhouse_s3_requests_total', labels: { operation: 'PUT', org_id: 'o' }, value: 17, timestamp: 1700000000.123 },
    ]);
    expect(parsed.samples.some((s) => s.name.endsWith('_created'))).toBe(false);
    expect(parsed.families.get('rpc_seconds')!.samples).toHaveLength(4);
    expect(parsed.families.get('build')!.samples[0]!.labels).toEqual({ version: '1.2' });
  });

  it('skips and counts malformed lines without throwing', () => {
    const text = [
      'good_metric 1',
      'no_value',
      'bad{label="unterminated} 1',
      'bad2{label=noquotes} 1',
      '3starts_with_digit 1',
      'bad_value abc',
      'too many fields 1 2 3',
      '# TYPE t notatype',
      'dup{a="1",a="2"} 1',
      'also_good{a="x",} 2 1700000000000',
      '{"utf8.name",a="b"} 7',
      '',
      '# just a comment',
      'trailing_junk 1 2 junk',
    ].join('\r\n');
    const parsed = parseMetricsText(text, { maxErrors: 3 });
    expect(parsed.samples.map((s) => [s.name, s.value])).toEqual([
      ['good_metric', 1],
      ['also_good', 2],
      ['utf8.name', 7],
    ]);
    expect(parsed.samples[1]!.timestamp).toBe(1700000000000);
    expect(parsed.malformed).toBe(9);
    expect(parsed.errors).toHaveLength(3);
    expect(parsed.errors[0]).toMatchObject({ line: 2 });
  });

  it('counts content after # EOF once and ignores it', () => {
    const parsed = parseMetricsText('a 1\n# EOF\nb 2\nc 3\n');
    expect(parsed.samples.map((s) => s.name)).toEqual(['a']);
    expect(parsed.malformed).toBe(1);
  });

  it('never throws on arbitrary input', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = 'ab_{}="\\\n #,1.+-eInfNa\t';
    for (let i = 0; i < 200; i++) {
      let s = '';
      for (let j = 0; j < 80; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(() => parseMetricsText(s)).not.toThrow();
    }
  });

  it('parses values like Prometheus', () => {
    expect(parseValue('1e3')).toBe(1000);
    expect(parseValue('-0.5')).toBe(-0.5);
    expect(parseValue('+Inf')).toBe(Infinity);
    expect(parseValue('Nan')).toBeNaN();
    expect(parseValue('0x10')).toBeUndefined();
    expect(parseValue('')).toBeUndefined();
  });
});

describe('parseMetricsText on the reference agent', () => {
  it('reads the agent’s /metrics without a malformed line', async () => {
    const { startAgent } = await import('@loadhouse/agent');
    const agent = await startAgent();
    try {
      const res = await fetch(`${agent.httpAddress}/metrics`);
      const parsed = parseMetricsText(await res.text(), { contentType: res.headers.get('content-type') });
      expect(parsed.malformed).toBe(0);
      expect(parsed.families.get('streamhouse_s3_latency_seconds')?.type).toBe('histogram');
      expect(parsed.families.get('streamhouse_cache_hits_total')?.type).toBe('counter');
      expect(selectSamples(parsed, 'process_resident_memory_bytes')[0]!.value).toBeGreaterThan(0);
    } finally {
      await agent.stop();
    }
  });
});
