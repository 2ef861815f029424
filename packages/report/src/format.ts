// Number, size and time formatting for the report's tables (the charts format on the client). The unit
// formatting is core's, shared with the CLI's summary so both print the same figure the same way.
export { formatInt, formatNumber, formatMs, formatBytes, formatSeconds, formatWithUnit, metricUnit, formatMetric } from '@loadhouse/core';

/** `2025-01-01T10:00:00.000Z` as `2025-01-01 10:00:00 UTC`; anything unparseable as given. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A finite number (a result's optional figures may be absent or null). */
export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
