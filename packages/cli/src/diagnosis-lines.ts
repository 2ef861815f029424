// The summary's "Likely causes" section, under the criteria table: result.diagnosis, or a diagnosis built now
// for a result written before loadhouse diagnosed (the same pure rules, so the same answer).
import { diagnose, formatNumber, type Diagnosis, type LoadTestResult } from '@loadhouse/core';
import pc from 'picocolors';

const WIDTH = 100;

/** Words of `text` in lines of at most WIDTH characters, each starting with `indent`. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/)) {
    if (line.length > indent.length && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent;
    }
    line += line.length > indent.length ? ` ${word}` : word;
  }
  if (line.length > indent.length) lines.push(line);
  return lines;
}

function evidenceText(d: Diagnosis): string {
  return d.evidence
    .map(
      (e) =>
        `${e.metric} ${formatNumber(e.value)}${e.threshold === null ? '' : ` (threshold ${formatNumber(e.threshold)})`}${e.note ? ` [${e.note}]` : ''}`,
    )
    .join('; ');
}

/** The result's diagnosis as summary lines; none when the run has no diagnosis (every criterion passed). */
export function diagnosisLines(result: LoadTestResult, color = false): string[] {
  const list = Array.isArray(result.diagnosis) ? result.diagnosis : diagnose(result);
  if (!list.length) return [];
  const c = pc.createColors(color);
  const lines = ['', 'Likely causes (most likely first; docs/diagnosis.md):'];
  list.forEach((d, i) => {
    const explains = d.explains.length ? ` explains: ${d.explains.join(', ')}` : '';
    lines.push(`  ${i + 1}. ${c.bold(d.cause)} (${d.confidence} confidence)${explains}`);
    lines.push(...wrap(`evidence: ${evidenceText(d)}`, '     '));
    lines.push(...wrap(d.advice, '     '));
  });
  return lines;
}
