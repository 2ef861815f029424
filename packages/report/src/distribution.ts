// The latency distributions of the page: which cumulative histograms each one plots (by their result keys),
// the spectrum chart drawn from them and the table of key percentiles beside it.
import type { LoadTestResult } from '@loadhouse/core';
import { HISTOGRAMS, type ResultHistogram } from '@loadhouse/core/histogram';
import { axis, COLORS, round, type ChartSpec } from './charts.js';
import { formatMs } from './format.js';
import { escapeHtml, num, table, type Cell } from './html.js';
import { decodeHistogram, ninesFor, percentileSpectrum, type Spectrum } from './spectrum.js';

export interface DistributionLine {
  key: ResultHistogram;
  label: string;
  color: string;
}

export interface Distribution {
  /** The `data-chart` name of the chart, or the `data-omitted` name of the note in its place. */
  name: string;
  title: string;
  lines: DistributionLine[];
  /** The note shown when none of the histograms holds a record. */
  missing: string;
}

const { producer, consumer } = HISTOGRAMS;

export const PRODUCER_DISTRIBUTION: Distribution = {
  name: 'latency-distribution',
  title: 'Producer latency distribution (percentile spectrum)',
  lines: [
    { key: producer.response, label: 'response', color: COLORS.blue },
    { key: producer.service, label: 'service', color: COLORS.orange },
  ],
  missing: `The result has no ${producer.response} or ${producer.service} histogram: no latency distribution.`,
};

export const CONSUMER_DISTRIBUTION: Distribution = {
  name: 'consumer-latency-distribution',
  title: 'Consumer latency distribution (percentile spectrum)',
  lines: [
    { key: consumer.endToEnd, label: 'end-to-end', color: COLORS.green },
    { key: consumer.poll, label: 'poll', color: COLORS.brown },
  ],
  missing: 'The result has no consumer histograms: no consumer latency distribution.',
};

export interface DistributionChart {
  chart: ChartSpec;
  spectra: Array<{ label: string; spectrum: Spectrum }>;
}

/**
 * The percentile spectrum of one or more cumulative histograms (`histograms[key]`), on a shared x grid.
 * Undefined when none of them decodes to a non-empty histogram.
 */
export function distributionChart(
  result: LoadTestResult,
  name: string,
  title: string,
  lines: DistributionLine[],
): DistributionChart | undefined {
  const decoded = lines
    .map((l) => ({ ...l, histogram: decodeHistogram(result.histograms?.[l.key]) }))
    .filter((l) => l.histogram !== undefined && l.histogram.totalCount > 0);
  if (decoded.length === 0) return undefined;
  const nines = Math.max(...decoded.map((l) => ninesFor(l.histogram!.totalCount)));
  const spectra = decoded.map((l) => ({ ...l, spectrum: percentileSpectrum(l.histogram!, nines)! }));
  const first = spectra[0]!.spectrum;
  const chart: ChartSpec = {
    name,
    title,
    kind: 'spectrum',
    height: 300,
    axes: [axis('y', 'latency', 'ms')],
    series: spectra.map((s) => ({ label: s.label, color: s.color, unit: 'ms' as const, scale: 'y' })),
    data: [first.points.map((p) => round(p.x)), ...spectra.map((s) => s.spectrum.points.map((p) => round(p.valueMs)))],
    decades: first.decades,
  };
  return { chart, spectra: spectra.map((s) => ({ label: s.label, spectrum: s.spectrum })) };
}

/** The key percentiles of each line of a distribution, one column per line. */
export function spectrumTable(d: DistributionChart): string {
  const head: Cell[] = ['Percentile', ...d.spectra.map((s) => ({ html: escapeHtml(s.label), className: 'num' }))];
  const first = d.spectra[0]!.spectrum;
  const rows = first.keyPoints.map((p, i) => [
    p.percentile === 100 ? '100% (max)' : `${p.percentile}%`,
    ...d.spectra.map((s) => num(s.spectrum.keyPoints[i] ? formatMs(s.spectrum.keyPoints[i]!.valueMs) : '-')),
  ]);
  return table(head, rows, 'spectrum');
}
