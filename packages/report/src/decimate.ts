// Min/max decimation of a long run's time series, so a chart of a day-long run stays light and keeps its spikes.

/** Above this many samples a time chart is decimated (a 24-hour run at 1 s has 86,400). */
export const MAX_POINTS = 4000;
const BUCKETS = MAX_POINTS / 2;

/**
 * Min/max decimation: each of BUCKETS runs of samples becomes two points (its first and last x) holding each
 * series' extremes in the order they occurred. A chart a few hundred pixels wide looks the same, spikes kept.
 */
export function decimate(data: Array<Array<number | null>>): Array<Array<number | null>> {
  const [x, ...ys] = data as [Array<number | null>, ...Array<Array<number | null>>];
  if (x.length <= MAX_POINTS) return data;
  const out: Array<Array<number | null>> = data.map(() => []);
  for (let b = 0; b < BUCKETS; b++) {
    const from = Math.floor((b * x.length) / BUCKETS);
    const to = Math.floor(((b + 1) * x.length) / BUCKETS);
    if (to <= from) continue;
    out[0]!.push(x[from]!, x[to - 1]!);
    ys.forEach((values, k) => {
      let min = -1;
      let max = -1;
      for (let i = from; i < to; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        if (min < 0 || v < values[min]!) min = i;
        if (max < 0 || v > values[max]!) max = i;
      }
      const pair = min < 0 ? [null, null] : min <= max ? [values[min]!, values[max]!] : [values[max]!, values[min]!];
      out[k + 1]!.push(...pair);
    });
  }
  return out;
}
