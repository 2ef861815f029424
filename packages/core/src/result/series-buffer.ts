// The per-interval series kept for the result, bounded: at full resolution up to `max` samples, then every
// other sample is dropped and only every `stride`-th new one kept, so a week at 1 s intervals stays a few
// thousand points (totals and percentiles never come from the series: they come from counters and histograms).

export class SeriesBuffer<T> {
  private items: T[] = [];
  private last: T | undefined;
  private seen = 0;
  /** Every `stride`-th sample is kept. */
  stride = 1;

  constructor(private readonly max: number) {}

  push(item: T): void {
    this.last = item;
    if (this.seen++ % this.stride !== 0) return;
    this.items.push(item);
    if (this.items.length > this.max) {
      this.items = this.items.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  /** The kept samples, always ending with the latest one. */
  toArray(): T[] {
    const out = [...this.items];
    if (this.last !== undefined && out[out.length - 1] !== this.last) out.push(this.last);
    return out;
  }

  get length(): number {
    return this.items.length;
  }
}
