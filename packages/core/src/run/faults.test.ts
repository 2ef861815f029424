// A run's timeline with s3-* faults: refused without a proxy on the target's S3 endpoint, and with one only when
// its faults are exactly the timeline's s3-* faults (the run starts that proxy's timeline and reports them).
import { describe, expect, it } from 'vitest';
import { parseFaultTimeline } from '../proxy/timeline.js';
import { runFaults, s3FaultProxy } from './faults.js';

const timeline = 'blackhole@2s+1s, s3-latency@1s+2s=300ms';

describe('runFaults with s3-* faults', () => {
  it('refuses them without an S3 fault proxy, saying how to get one', () => {
    expect(() => runFaults(timeline, 'options.faults')).toThrow(
      /s3-latency@1s\+2s=300ms acts on the target's S3 requests.*--agent-s3-endpoint/,
    );
  });

  it('takes them when the proxy plays the same s3-* faults, and refuses a proxy whose faults differ', () => {
    const same = { faults: parseFaultTimeline('s3-latency@1s+2s=300ms') };
    expect(runFaults(timeline, 'options.faults', same).map((f) => f.kind)).toEqual(['s3-latency', 'blackhole']);
    const other = { faults: parseFaultTimeline('s3-latency@1s+2s=500ms') };
    expect(() => runFaults(timeline, 'options.faults', other)).toThrow(/must be those of the S3 fault proxy \(s3-latency@1s\+2s=500ms\)/);
    expect(() => runFaults('blackhole@2s+1s', 'options.faults', same)).toThrow(/\(none\) must be those of the S3 fault proxy/);
  });

  it('checks options.s3FaultProxy is a started proxy with an S3 side', () => {
    expect(() => s3FaultProxy({ faults: [] })).toThrow(/options.s3FaultProxy must be a proxy from startFaultProxy/);
    expect(s3FaultProxy(undefined)).toBeUndefined();
  });
});
