// The capacity fault: one first-come-first-served server of produced records. Calls queue behind every record
// before them, so past the rate the wait grows call after call; the flag reaches the option and a spawned agent.
import { describe, expect, it } from 'vitest';
import { agentOptionsFromFlags, parseBinArgs } from './cli.js';
import { Faults } from './faults.js';
import { resolveFaults } from './options.js';
import { agentArgs } from './spawn.js';

describe('--fault-capacity', () => {
  it('holds each call for the records queued before it plus its own, at the given rate', () => {
    const faults = new Faults(resolveFaults({ capacity: 1000 }));
    // Three calls of 100 records at once: served one after another, 100 ms each (less the time between the calls).
    const delays = [faults.produceDelayMs(100), faults.produceDelayMs(100), faults.produceDelayMs(100)];
    // (now + 100) - now is 100 only to a double's rounding (once 100.00000000000011): compare within 1e-6 ms.
    expect(delays[0]).toBeCloseTo(100, 6);
    expect(delays[1]).toBeGreaterThan(150);
    expect(delays[1]).toBeLessThanOrEqual(200 + 1e-6);
    expect(delays[2]).toBeGreaterThan(250);
    // Off: no wait at all.
    expect(new Faults(resolveFaults({})).produceDelayMs(100)).toBe(0);
  });

  it('is read from the flag, refused when not positive, and passed on to a spawned agent', () => {
    const argv = ['--fault-capacity', '3000'];
    expect(agentOptionsFromFlags(parseBinArgs(argv, () => {})!, ['node', 'bin', ...argv]).options.capacity).toBe(3000);
    expect(() => resolveFaults({ capacity: -1 })).toThrow(/capacity/);
    expect(agentArgs({ capacity: 3000 })).toEqual(expect.arrayContaining(['--fault-capacity', '3000']));
  });
});
