import { describe, expect, it } from 'vitest';
import { type CpuProfile, moduleOf, summarizeProfile } from './profile-summary.js';

// root -> send (packages/core) -> serialize (protobufjs) ; root -> (idle) ; root -> (garbage collector)
const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 4, 5] },
    { id: 2, callFrame: frame('send', 'file:///w/packages/core/src/worker/producer.ts'), children: [3] },
    { id: 3, callFrame: frame('encode', 'file:///w/node_modules/.pnpm/protobufjs@7/node_modules/protobufjs/src/writer.js') },
    { id: 4, callFrame: frame('(idle)', '') },
    { id: 5, callFrame: frame('(garbage collector)', '') },
  ],
  startTime: 0,
  endTime: 10_000,
  // Ten samples of 1 ms each: encode 4, send 2, idle 2, GC 2.
  samples: [3, 3, 3, 3, 2, 2, 4, 4, 5, 5],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
};

describe('profile summary', () => {
  it('splits sampled time into self, module and inclusive shares, of all samples and of busy ones', () => {
    const s = summarizeProfile(profile);
    expect(s.samples).toBe(10);
    expect(s.seconds).toBeCloseTo(0.01, 10);
    expect(s.idlePercent).toBeCloseTo(20, 10);
    expect(s.gcPercent).toBeCloseTo(20, 10);
    const self = Object.fromEntries(s.self.map((r) => [r.name.split(' ')[0], r]));
    expect(self.encode!.percent).toBeCloseTo(40, 10);
    expect(self.encode!.busyPercent).toBeCloseTo(50, 10); // 4 of the 8 busy samples
    expect(self.send!.percent).toBeCloseTo(20, 10);
    expect(self['(idle)']!.busyPercent).toBe(0);
    const modules = Object.fromEntries(s.modules.map((r) => [r.name, r.percent]));
    expect(modules.protobufjs).toBeCloseTo(40, 10);
    expect(modules['@loadhouse/core']).toBeCloseTo(20, 10);
    // send is on the stack of its own samples and of encode's.
    const inclusive = Object.fromEntries(s.inclusive.map((r) => [r.name.split(' ')[0], r.percent]));
    expect(inclusive.send).toBeCloseTo(60, 10);
    expect(inclusive.encode).toBeCloseTo(40, 10);
    expect(s.self[0]!.name).toMatch(/^encode /);
  });

  it('counts from the first sample whose stack holds the named function', () => {
    // The first four samples (encode, under send) start counting at once; from `(garbage collector)` only the last two count.
    expect(summarizeProfile(profile, 25, 'send').samples).toBe(10);
    const late = summarizeProfile(profile, 25, '(garbage collector)');
    expect(late.seconds).toBeCloseTo(0.002, 10);
    expect(late.gcPercent).toBeCloseTo(100, 10);
    expect(summarizeProfile(profile, 25, 'nowhere').seconds).toBe(0);
  });

  it('names the module of a frame: scoped and plain packages, loadhouse packages, node internals', () => {
    expect(moduleOf(frame('f', 'file:///r/node_modules/.pnpm/@grpc+grpc-js@1/node_modules/@grpc/grpc-js/build/src/call.js'))).toBe(
      '@grpc/grpc-js',
    );
    expect(moduleOf(frame('f', 'file:///r/packages/agent/src/x.ts'))).toBe('@loadhouse/agent');
    expect(moduleOf(frame('f', 'node:internal/http2/core'))).toBe('node internals');
    expect(moduleOf(frame('(garbage collector)', ''))).toBe('(garbage collector)');
    expect(moduleOf(frame('writeUInt32BE', ''))).toBe('(native)');
  });
});
