// Numbers with their units, for the CLI's summary and the HTML report alike: one byte formatter (binary units,
// labelled KiB/MiB/GiB), one guess of a metric's unit from its name.

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A float with about three significant digits, thousands separated. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1000) return formatInt(n);
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1).replace(/\.0$/, '');
  if (abs >= 1 || abs === 0) return n.toFixed(2).replace(/\.?0+$/, '');
  return n.toPrecision(3);
}

export function formatMs(n: number): string {
  return `${n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)} ms`;
}

export function formatBytes(n: number): string {
  const abs = Math.abs(n);
  // A week of storage is TiBs: printed in GiB it is a five-digit figure nobody reads at a glance.
  if (abs >= 1024 ** 5) return `${(n / 1024 ** 5).toFixed(2)} PiB`;
  if (abs >= 1024 ** 4) return `${(n / 1024 ** 4).toFixed(2)} TiB`;
  if (abs >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (abs >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (abs >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${formatInt(n)} B`;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '-';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.round(s % 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min ${sec} s`;
}

/** Formats a value by its unit (`ms`, `bytes`, `%`, `msgs/s`, `s`, ...), as criteria and metric names carry them. */
export function formatWithUnit(value: number, unit: string | undefined): string {
  switch (unit) {
    case 'ms':
      return formatMs(value);
    case 'bytes':
      return formatBytes(value);
    case '%':
      return `${formatNumber(value)}%`;
    case 's':
      return formatSeconds(value);
    case undefined:
    case '':
      return formatNumber(value);
    default:
      return `${formatNumber(value)} ${unit}`;
  }
}

/** Guesses a metric-source value's unit from its name (`s3.put.p99` is ms, `target.memoryBytes` bytes). */
export function metricUnit(name: string): 'ms' | 'bytes' | '%' | '/s' | '' {
  const last = name.slice(name.lastIndexOf('.') + 1);
  const parent = name.split('.').at(-2) ?? '';
  // `maxEventLoopDelayMs.main`: the unit is on the parent key.
  if (/Ms$/.test(parent) && !/^(p\d+|max|mean|min|count)$/.test(last)) return 'ms';
  if (/Bytes$/.test(parent)) return 'bytes';
  if (/^(p\d+|max|mean|min)$/.test(last) || /(latency|Latency)(P\d+)?$|Ms$/.test(last)) return 'ms';
  if (/Bytes(Max)?$|^bytes$/i.test(last)) return 'bytes';
  if (/(HitRate|Percent|errorRate|Ratio)$|Percent(Mean|Max|Min)$/i.test(last)) return '%';
  if (/PerSecond$|PerSec$/i.test(last)) return '/s';
  return '';
}

export function formatMetric(name: string, value: number): string {
  const unit = metricUnit(name);
  if (name.endsWith('.count')) return formatInt(value);
  return unit === '/s' ? `${formatNumber(value)}/s` : formatWithUnit(value, unit);
}
