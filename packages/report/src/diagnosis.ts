// The report's "Likely causes" section, right under the criteria: result.diagnosis, or one built now for a
// result written before loadhouse diagnosed (the same pure rules, so the same answer as the CLI summary).
import { diagnose, type Diagnosis, type LoadTestResult } from '@loadhouse/core';
import { formatMetric } from './format.js';
import { escapeHtml, num, table, type Cell } from './html.js';

/** The badge colour of a confidence: how loudly the page states a cause. */
const BADGE: Record<Diagnosis['confidence'], string> = { high: 'fail', medium: 'partial', low: 'unmeasured' };

function evidenceTable(d: Diagnosis): string {
  const rows: Cell[][] = d.evidence.map((e) => [
    { html: `<code>${escapeHtml(e.metric)}</code>` },
    num(formatMetric(e.metric, e.value)),
    num(e.threshold === null ? '-' : formatMetric(e.metric, e.threshold)),
    e.note ?? '',
  ]);
  return table(['Evidence', { html: 'Value', className: 'num' }, { html: 'Threshold', className: 'num' }, 'Note'], rows, 'evidence');
}

/** The section, or '' when the run has no diagnosis (a healthy run). */
export function diagnosisSection(result: LoadTestResult): string {
  let list: Diagnosis[];
  try {
    list = Array.isArray(result.diagnosis) ? result.diagnosis : diagnose(result);
  } catch {
    // A hand-edited or truncated result may lack what a rule reads; the rest of the page still renders.
    list = [];
  }
  if (!list.length) return '';
  const items = list.map((d, i) => {
    const explains = d.explains.length ? `<p>Explains: ${d.explains.map((l) => `<strong>${escapeHtml(l)}</strong>`).join(', ')}</p>` : '';
    return (
      `<div class="diagnosis" data-cause="${escapeHtml(d.cause)}">` +
      `<h3>${i + 1}. ${escapeHtml(d.cause)} <span class="badge ${BADGE[d.confidence]}">${escapeHtml(d.confidence)} confidence</span></h3>` +
      `${explains}${evidenceTable(d)}<p class="advice">${escapeHtml(d.advice)}</p></div>`
    );
  });
  const intro = '<p class="note">What most likely made the run fail, most likely first, from evidence the result holds.</p>';
  return `<section id="diagnosis"><h2>Likely causes</h2>${intro}${items.join('')}</section>`;
}
