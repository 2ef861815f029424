import { beforeAll, describe, expect, it } from 'vitest';
import type { LoadTestResult } from '@loadhouse/core';
import { inlineScript, jsonForScript } from './html.js';
import { renderReport } from './render.js';
import { makeResult } from '@loadhouse/core/testing';
import { FULL_FIXTURE_CHARTS } from './test-charts.js';

const chartNames = (html: string) => [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]);
const omitted = (html: string) => [...html.matchAll(/data-omitted="([^"]+)"/g)].map((m) => m[1]);
const payloadOf = (html: string) => {
  const m = /<script type="application\/json" id="loadhouse-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no data script');
  return JSON.parse(m[1]!) as { phases: Array<{ name: string }>; charts: Array<{ name: string; series: Array<{ label: string }> }> };
};

let full: LoadTestResult;
beforeAll(() => {
  full = makeResult();
});

describe('renderReport', () => {
  it('draws every chart the fixture has data for, and the page data matches the containers', () => {
    const html = renderReport(full);
    expect(chartNames(html)).toEqual(FULL_FIXTURE_CHARTS);
    const payload = payloadOf(html);
    expect(payload.charts.map((c) => c.name)).toEqual(chartNames(html));
    expect(payload.phases.map((p) => p.name)).toEqual(['backlog', 'drain']);
    // A constant metric is listed, not drawn.
    expect(html).toContain('Constant over the run, not drawn: s3.errors = 0.');
  });

  it('shades the injected faults on every chart, an instant reset as a sliver', () => {
    const fault = {
      outageSeconds: 0,
      firstAckAfterEndMs: 10,
      p99RecoveredAfterMs: 10,
      baselineP99Ms: 5,
      backlogBuilt: 0,
      backlogDrainedAfterMs: 0,
      lostAcked: null,
    };
    const result: LoadTestResult = {
      ...full,
      faults: [
        { kind: 'blackhole', fromSeconds: 2, toSeconds: 5, ...fault },
        { kind: 'reset', fromSeconds: 7, toSeconds: 7, ...fault },
      ],
    };
    const phases = payloadOf(renderReport(result)).phases;
    expect(phases.slice(2)).toEqual([
      { name: 'fault: blackhole', start: 2, end: 5, fault: true },
      { name: 'fault: reset', start: 7, end: 7.1, fault: true },
    ]);
  });

  it('shows a delivery section with the retries, the transactions and the call latencies, none without delivery settings', () => {
    expect(renderReport(full)).not.toContain('<section id="delivery">');
    const latency = { p50: 12.5, p95: 20, p99: 31.25, p999: 40, max: 41, mean: 14, count: 42 };
    const result: LoadTestResult = structuredClone(full);
    result.producer.idempotence = {
      enabled: true,
      initProducerCalls: 4,
      initProducerLatency: { ...latency, count: 4 },
      retriedBatches: 17,
      retriedRecords: 1700,
      duplicateBatches: 5,
      duplicateRecords: 500,
      fenced: 0,
    };
    result.producer.transactions = {
      committed: 40,
      aborted: 9,
      committedRecords: 40_000,
      abortedRecords: 9_000,
      failed: 1,
      uncertainRecords: 250,
      commitLatency: latency,
      // As a merge of shards without histograms leaves it: the percentiles unmeasured.
      abortLatency: { p50: null, p95: null, p99: null, p999: null, max: 77, mean: 30, count: 9 },
    };
    const html = renderReport(result);
    const section = html.slice(
      html.indexOf('<section id="delivery">'),
      html.indexOf('</section>', html.indexOf('<section id="delivery">')),
    );
    expect(section).toContain('<strong>on</strong>');
    expect(section).toMatch(/<td class="num">17<\/td><td class="num">1,700<\/td><td class="num">5<\/td><td class="num">500<\/td>/);
    expect(section).toMatch(/<td>Committed<\/td><td class="num">40<\/td><td class="num">40,000<\/td>/);
    expect(section).toMatch(/<td>Failed \(fate unknown\)<\/td><td class="num">1<\/td><td class="num">250<\/td>/);
    expect(section).toMatch(/<td>InitProducer<\/td><td class="num">12\.5[^<]*<\/td>/);
    expect(section).toMatch(
      /<td>CommitTransaction<\/td><td class="num">12\.5[^<]*<\/td><td class="num">20[^<]*<\/td><td class="num">31\.3[^<]*<\/td>/,
    );
    expect(section).toMatch(/<td>AbortTransaction<\/td><td class="num">unmeasured<\/td>/);
    expect(section).toContain('Unmeasured percentiles');
  });

  it('shows the header, the criteria outcomes and the tables as plain HTML', () => {
    const html = renderReport(full, { title: 'Nightly <lag> run' });
    expect(html).toContain('<title>Nightly &lt;lag&gt; run</title>');
    expect(html).toContain('<span class="badge verdict failed" title="Verdict">failed</span>');
    expect(html).toContain('<span class="run-end" title="How the run ended">run completed</span>');
    expect(html).toContain('127.0.0.1:50051');
    expect(html.match(/<tr class="pass">/g)).toHaveLength(3);
    expect(html.match(/<tr class="fail">/g)).toHaveLength(1);
    expect(html).toContain('Cache hit rate');
    expect(html).toContain('78.4%');
    for (const heading of ['Phases', 'Integrity', 'Scenario results', 'Configuration', 'Environment'])
      expect(html).toContain(`>${heading}</h`);
    expect(html).toContain('timeToClearLagSeconds');
    // No external resource: everything is inlined.
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).toContain('uPlot');
  });

  it('shows the likely causes under the criteria; a result of an older version gets them built; a passing run has none', () => {
    // The fixture predates result.diagnosis: its drain reads miss the cache and its cache criterion fails.
    const html = renderReport(full);
    const at = html.indexOf('<section id="diagnosis">');
    expect(at).toBeGreaterThan(html.indexOf('<section id="criteria">'));
    expect(html).toContain('data-cause="consumer-cache-misses"');
    expect(html).toContain('<code>target.cacheHitRate.catchUp</code>');
    const given = renderReport({
      ...full,
      diagnosis: [
        {
          cause: 'data-loss',
          explains: ['No <loss>'],
          confidence: 'high',
          evidence: [{ metric: 'integrity.lost', value: 6, threshold: 0 }],
          advice: 'Look.',
        },
      ],
    });
    expect([...given.matchAll(/data-cause="([^"]+)"/g)].map((m) => m[1])).toEqual(['data-loss']);
    expect(given).toContain('<strong>No &lt;loss&gt;</strong>');
    const passing = renderReport({ ...full, criteria: full.criteria.map((c) => ({ ...c, passed: true })) });
    expect(passing).not.toContain('id="diagnosis"');
  });

  it('says why an aborted or failed run ended', () => {
    const failed = {
      ...full,
      state: 'failed',
      partial: true,
      endReason: 'target-unreachable',
      endMessage: 'The target stopped answering.',
      error: { code: 'LH_TARGET_UNREACHABLE', message: 'connect ECONNREFUSED' },
    } as LoadTestResult;
    const html = renderReport(failed);
    expect(html).toContain(
      '<span class="badge verdict failed" title="Verdict">failed</span> <span class="run-end" title="How the run ended">run failed, partial</span>',
    );
    expect(html).toContain('The target stopped answering.');
    expect(html).toContain('LH_TARGET_UNREACHABLE: connect ECONNREFUSED');
  });

  it('heads the page with the verdict (passed / failed / partial), never with how the run ended', () => {
    const headline = (r: LoadTestResult) => /<span class="badge verdict ([^"]+)"[^>]*>([^<]+)<\/span>/.exec(renderReport(r))!.slice(1);
    const allPass = full.criteria.map((c) => ({ ...c, passed: true }));
    expect(headline({ ...full, criteria: allPass })).toEqual(['passed', 'passed']);
    // The fixture completed with one criterion failed: the green "completed" of before hid that.
    expect(headline(full)).toEqual(['failed', 'failed']);
    expect(headline({ ...full, state: 'aborted', partial: true, endReason: 'signal', criteria: allPass } as LoadTestResult)).toEqual([
      'partial',
      'partial',
    ]);
    expect(headline({ ...full, state: 'aborted', partial: true, endReason: 'signal' } as LoadTestResult)).toEqual(['failed', 'failed']);
    const unwritten = {
      ...full,
      state: 'failed',
      error: { code: 'LH_RESULT_WRITE_FAILED', message: 'ENOSPC' },
      criteria: allPass,
    } as LoadTestResult;
    expect(headline(unwritten)).toEqual(['failed', 'failed']);
    expect(headline({ ...full, criteria: [] })).toEqual(['unjudged', 'no criteria']);
    // A not-applicable criterion (N/A at this run's length) neither passes nor fails, as in the exit code.
    const na = {
      ...allPass[0]!,
      passed: false,
      notApplicable: 'a 6 s run is too short to judge it',
      note: 'N/A: a 6 s run is too short to judge it',
    };
    expect(headline({ ...full, criteria: [...allPass, na] })).toEqual(['passed', 'passed']);
    expect(headline({ ...full, criteria: [na] })).toEqual(['unjudged', 'no criteria']);
  });

  it('omits charts whose data is absent, with a note instead of an empty plot', () => {
    const html = renderReport(makeResult({ consumers: false, metrics: false, histograms: false }));
    const names = chartNames(html);
    expect(names).toEqual(['throughput', 'latency-response', 'latency-service', 'memory', 'cpu']);
    expect(omitted(html)).toEqual(expect.arrayContaining(['throughput', 'latency-distribution', 'consumer-lag', 'metrics']));
    expect(html).toContain('No consumer ran in this test');
    expect(payloadOf(html).charts.map((c) => c.name)).toEqual(names);
    // Without consumers the throughput chart has no consumed line.
    expect(payloadOf(html).charts[0]!.series.map((s) => s.label)).toEqual(['target rate', 'produced (acked)']);
  });

  it('leaves out a series nobody measured (target memory without a PID) and says so', () => {
    const result = makeResult();
    for (const s of result.series) s.target = {};
    const html = renderReport(result);
    const memory = payloadOf(html).charts.find((c) => c.name === 'memory')!;
    expect(memory.series.map((s) => s.label)).toEqual(['generator RSS', 'generator heap']);
    expect(chartNames(html)).toContain('cpu');
    expect(html).toContain('Target memory was not measured');
  });

  it('draws nothing over time for a result without samples', () => {
    const html = renderReport({ ...full, series: [], histograms: {} });
    expect(chartNames(html)).toEqual([]);
    expect(omitted(html)).toContain('series');
    expect(payloadOf(html).charts).toEqual([]);
  });
});

describe('escaping', () => {
  const evil = '</script><script>window.pwned = 1</script><!--';

  it('keeps </script> in any string from breaking out of the data or the page', () => {
    const result = makeResult();
    result.scenario = evil;
    result.endMessage = '<img src=x onerror="alert(1)">';
    result.phases[0]!.name = evil;
    result.config = { ...result.config, scenarioOptions: { ...result.config.scenarioOptions, note: evil } };
    for (const s of result.series) s.metrics[`s3.${evil}.p99`] = s.elapsedSeconds;
    const html = renderReport(result);
    // Exactly the page's own three scripts open and close.
    expect(html.match(/<script/gi)).toHaveLength(3);
    expect(html.match(/<\/script/gi)).toHaveLength(3);
    expect(html).not.toContain('<img src=x');
    const payload = payloadOf(html);
    expect(payload.phases[0]!.name).toBe(evil);
    expect(payload.charts.find((c) => c.name === 'metrics-latency')!.series.map((s) => s.label)).toContain(`s3.${evil}.p99`);
  });

  it('jsonForScript leaves no <, > or & and round-trips', () => {
    const value = { s: evil, amp: 'a && b', ls: 'line\u2028sep\u2029' };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });

  it('inlined scripts keep their meaning without a literal </script', () => {
    const source = 'return "</script>" + /<\\/script>/.source + `</SCRIPT>`;';
    const safe = inlineScript(source);
    expect(safe).not.toMatch(/<\/script/i);
    expect(new Function(safe)()).toBe(new Function(source)());
  });
});

describe('long runs', () => {
  it('decimates a day of samples to min/max pairs that keep every spike', () => {
    const result = makeResult({ histograms: false });
    const base = result.series;
    const n = 86_400;
    result.series = Array.from({ length: n }, (_, i) => ({ ...base[i % base.length]!, elapsedSeconds: i + 1 }));
    result.series[50_001] = { ...result.series[50_001]!, consumer: { ...result.series[50_001]!.consumer, lag: 9_876_500 } };
    const html = renderReport(result);
    const lag = payloadOf(html).charts.find((c) => c.name === 'consumer-lag') as unknown as { data: number[][] };
    expect(lag.data[0]).toHaveLength(4000);
    expect(lag.data[0]![0]).toBe(1);
    expect(lag.data[0]!.at(-1)).toBe(n);
    expect(Math.max(...lag.data[1]!)).toBe(9_876_500);
    expect(html.length).toBeLessThan(3_000_000);
  });
});
