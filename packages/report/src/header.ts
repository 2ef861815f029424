// The page header: title, verdict, the run's facts and the key figures as tiles.
import { criterionFailed, type LoadTestResult } from '@loadhouse/core';
import { consumersRan, producerRan } from './charts.js';
import { formatInt, formatMs, formatNumber, formatSeconds, formatTime, isNum } from './format.js';
import { escapeHtml } from './html.js';

/** The run's target address (absent from a hand-made result without a config). */
function targetOf(result: LoadTestResult): string | undefined {
  return result.config?.target?.address;
}

export type Verdict = 'passed' | 'failed' | 'partial' | 'no criteria';

/**
 * What the run proved, read as the exit code reads it: a failed run or any failed criterion is failed; a run
 * that did not reach its end is partial; passed only for a whole run whose every criterion held. A run with
 * no criteria, or only not-applicable ones (N/A: they neither pass nor fail), proved nothing either way.
 */
export function verdictOf(result: LoadTestResult): Verdict {
  const criteria = Array.isArray(result.criteria) ? result.criteria : [];
  if (result.state === 'failed' || criteria.some(criterionFailed)) return 'failed';
  if (result.partial || result.state !== 'completed') return 'partial';
  return criteria.some((c) => c.notApplicable === undefined) ? 'passed' : 'no criteria';
}

export function header(result: LoadTestResult, title: string): string {
  const state = result.state;
  const verdict = verdictOf(result);
  // The verdict is the headline (as in k6); how the run ended is secondary, beside it.
  const badges = [
    `<span class="badge verdict ${verdict === 'no criteria' ? 'unjudged' : verdict}" title="Verdict">${verdict}</span>`,
    `<span class="run-end" title="How the run ended">run ${escapeHtml(state)}${result.partial ? ', partial' : ''}</span>`,
  ];
  const target = targetOf(result);
  const meta: Array<[string, string]> = [
    ['Start', formatTime(result.startedAt)],
    ['End', formatTime(result.endedAt)],
    ['Duration', formatSeconds(result.durationSeconds)],
  ];
  if (result.warmupSeconds > 0) meta.push(['Warm-up', formatSeconds(result.warmupSeconds)]);
  if (target) meta.push(['Target', target]);
  if (result.runId) meta.push(['Run', result.runId]);
  if (result.shard) meta.push(['Shard', `${result.shard.index + 1}/${result.shard.count}`]);
  meta.push(['End reason', result.endReason]);
  const failure = result.state === 'failed' && result.error ? `${result.error.code}: ${result.error.message}` : undefined;
  return (
    `<header class="report"><h1>${escapeHtml(title)} ${badges.join(' ')}</h1>` +
    `<ul class="meta">${meta.map(([k, v]) => `<li>${escapeHtml(k)}: <b>${escapeHtml(v)}</b></li>`).join('')}</ul>` +
    (result.endMessage ? `<p class="end-message ${escapeHtml(state)}">${escapeHtml(result.endMessage)}</p>` : '') +
    (failure ? `<p class="end-message failed">${escapeHtml(failure)}</p>` : '') +
    kpis(result) +
    '</header>'
  );
}

function kpi(label: string, value: string, sub?: string): string {
  return (
    `<div class="kpi"><div class="k">${escapeHtml(label)}</div><div class="v">${escapeHtml(value)}</div>` +
    (sub ? `<div class="s">${escapeHtml(sub)}</div>` : '') +
    '</div>'
  );
}

function kpis(result: LoadTestResult): string {
  const out: string[] = [];
  const p = result.producer;
  if (p && producerRan(result)) {
    out.push(kpi('Produced (acked)', formatInt(p.acked), `${formatInt(p.scheduled)} scheduled`));
    out.push(kpi('Achieved rate', `${formatInt(p.msgsPerSec)}/s`, isNum(p.targetRate) ? `target ${formatInt(p.targetRate)}/s` : undefined));
    out.push(kpi('Throughput', `${formatNumber(p.mbPerSec)} MiB/s`));
    if (p.latency?.response?.count)
      out.push(kpi('P99 response', formatMs(p.latency.response.p99), `P999 ${formatMs(p.latency.response.p999)}`));
    if (p.latency?.service?.count)
      out.push(kpi('P99 service', formatMs(p.latency.service.p99), `P999 ${formatMs(p.latency.service.p999)}`));
    const errors = (p.failed ?? 0) + (p.dropped ?? 0);
    out.push(
      kpi('Failed + dropped', formatInt(errors), isNum(p.errorRatePercent) ? `${formatNumber(p.errorRatePercent)}% error rate` : undefined),
    );
  }
  const c = result.consumer;
  if (c && consumersRan(result)) {
    out.push(kpi('Consumed', formatInt(c.consumed), `${formatInt(c.msgsPerSec)}/s`));
    if (c.lag) out.push(kpi('Consumer lag', `${formatInt(c.lag.final)} final`, `${formatInt(c.lag.max)} max`));
  }
  const criteria = Array.isArray(result.criteria) ? result.criteria : [];
  if (criteria.length > 0) {
    const passed = criteria.filter((x) => x.passed).length;
    const na = criteria.filter((x) => x.notApplicable !== undefined).length;
    out.push(kpi('Criteria', `${passed}/${criteria.length - na} passed`, na ? `${na} not applicable` : undefined));
  }
  if (result.integrity?.checked) {
    const i = result.integrity;
    // Record-level findings (checksum, acks) are as serious as a gap: 'clean' only when none of them occurred.
    const verified = (i.corrupted ?? 0) + (i.offsetMismatches ?? 0) + (i.lostAcked ?? 0) + (i.lostCommitted ?? 0) + (i.unackedSeen ?? 0);
    // Committed records not all checked: nothing found is not 'clean'.
    const clean = i.lostCommittedUnmeasured === undefined ? 'clean' : 'unchecked (see Integrity)';
    out.push(
      kpi(
        'Integrity',
        i.missing + i.duplicates + i.reordered + verified === 0
          ? clean
          : `${formatInt(i.missing)} missing${verified ? ' (see Integrity)' : ''}`,
        `${formatInt(i.duplicates)} dup, ${formatInt(i.reordered)} reordered`,
      ),
    );
  }
  return out.length ? `<div class="kpis">${out.join('')}</div>` : '';
}
