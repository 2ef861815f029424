// The segment cache under retention: a segment dropped while its fetch is under way is handed to the reads
// waiting for it but not kept.
import { describe, expect, it } from 'vitest';
import { AgentMetrics } from './metrics.js';
import { Segment } from './segment.js';
import { SegmentCache } from './segment-cache.js';

describe('SegmentCache.drop', () => {
  it('drops a cached segment and one whose fetch is still under way', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const cache = new SegmentCache(1 << 20, new AgentMetrics(), async () => {
      await gate;
      const seg = new Segment(0);
      seg.reserve(1);
      seg.append(0, 1, undefined, Buffer.from('x'));
      return seg;
    });
    const pending = cache.get('a.seg', 'default');
    expect(pending).toBeInstanceOf(Promise);
    cache.drop('a.seg');
    release();
    expect((await pending).count).toBe(1); // the waiting read still gets it
    expect(cache.has('a.seg')).toBe(false);
    expect(cache.sizeBytes).toBe(0);

    // Fetched again later, it is cached as usual, and a drop then frees its bytes.
    await cache.get('a.seg', 'default');
    expect(cache.has('a.seg')).toBe(true);
    cache.drop('a.seg');
    expect(cache.has('a.seg')).toBe(false);
    expect(cache.sizeBytes).toBe(0);
  });
});
