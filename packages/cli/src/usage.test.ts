// Usage mistakes at the top of the command line: coded errors and exit 2, never a run.
import { describe, expect, it, vi } from 'vitest';
import { main } from './main.js';
import { captureIo } from './test-io.js';

describe('command-line usage', () => {
  it('refuses an unknown flag before any command with LH_UNKNOWN_FLAG', async () => {
    for (const flag of ['--bogus', '-V']) {
      const io = captureIo();
      expect(await main([flag], io)).toBe(2);
      expect(io.err).toBe(`error LH_UNKNOWN_FLAG: Unknown flag ${flag} before any command. Run loadhouse --help for the commands.\n`);
    }
  });

  it('takes `help` and `help <command>` like --help', async () => {
    // cac prints help with console.info.
    const printed: string[] = [];
    const spy = vi.spyOn(console, 'info').mockImplementation((...a: unknown[]) => void printed.push(a.join(' ')));
    try {
      expect(await main(['help', 'merge'], captureIo())).toBe(0);
      expect(await main(['help', 'scenarios'], captureIo())).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(printed.join('\n')).toContain('$ loadhouse merge <...results>');
    const unknown = captureIo();
    expect(await main(['help', 'nope'], unknown)).toBe(2);
    expect(unknown.err).toContain('Unknown command "nope"');
  });

  it('refuses a suite --only that names nothing', async () => {
    const io = captureIo();
    expect(await main(['suite', '--only', ','], io)).toBe(2);
    expect(io.err).toMatch(/^error LH_INVALID_OPTION: --only names no scenario/);
  });
});
