// --rate-profile and --arrivals on the command line: bad input refused before any load (exit 2, naming the
// segment), and what the flags hand to the scenario (the profile's run is in core's traffic.test.ts).
import { describe, expect, it } from 'vitest';
import { findScenario } from './catalog.js';
import { scenarioFlagValues } from './run-flags.js';
import { args, runCli } from './test-io.js';

describe('run --rate-profile / --arrivals', () => {
  it.each([
    [args`run high-throughput --rate-profile ${'ramp:0-1k@2s, burst@1s'}`, ['"burst@1s" has an unknown kind', 'A segment is ramp:']],
    [args`run high-throughput --rate-profile ${'hold@1s'} --duration 5`, ['leave out --duration']],
    [args`run many-producers --rate-profile ${'hold@1s'}`, ['a rate profile has nothing to shape here']],
    [args`run stability --arrivals bursty`, ['--arrivals must be one of uniform, poisson']],
  ])('refuses %j before any load with exit 2', async (argv, messages) => {
    const { code, io } = await runCli(argv);
    expect(code).toBe(2);
    expect(io.err).toContain('LH_INVALID_OPTION');
    for (const m of messages) expect(io.err).toContain(m);
  });

  it('hands the profile and the arrivals to the scenario, which produces for as long as the profile lasts', () => {
    const entry = findScenario('high-throughput')!;
    const scenario = entry.build(scenarioFlagValues('high-throughput', { rateProfile: 'ramp:0-1k@2s, hold@3s x2', arrivals: 'poisson' }));
    expect(scenario.plannedSeconds).toBe(8);
    expect(scenario.options).toMatchObject({ rateProfile: 'ramp:0-1k@2s, hold@3s x2', arrivals: 'poisson' });
    expect(scenario.criteria[0]!.label).toBe('Follows the rate profile (within 5%)');
    // 1,000 + 3,000 + 3,000 records of 1 KiB.
    expect(scenario.plannedBytes).toBe(7000 * 1024);
  });
});
