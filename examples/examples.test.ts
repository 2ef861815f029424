// Every example runs in CI, short: the custom scenario script and the typed CLI configuration.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from 'loadhouse';
// The CLI's in-memory Io is a test helper of its own, not part of what the package exports.
import { captureIo } from '../packages/cli/src/test-io.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('examples', () => {
  it('custom-scenario.ts ramps, bursts and catches up, printing samples and passing its criteria', async () => {
    const script = fileURLToPath(new URL('./custom-scenario.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toMatch(/ramp-500/);
    expect(out).toMatch(/burst/);
    expect(out).toMatch(/catch-up/);
    expect(out).toMatch(/PASS No record lost/);
    expect(code, out).toBe(0);
  });

  it('config/loadhouse.config.ts drives `loadhouse run --config`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-config-'));
    dirs.push(dir);
    const io = captureIo();
    const code = await main(
      ['run', '--config', fileURLToPath(new URL('./config/loadhouse.config.ts', import.meta.url)), '--results-dir', dir],
      io,
    );
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const result = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'));
    expect(result.scenario).toBe('high-throughput');
    expect(result.warmupSeconds).toBe(1);
    expect(result.config.plugins.map((p: { name: string }) => p.name)).toContain('phase-logger');
    expect(io.err).toContain('[phase-logger]');
    expect(code, io.out + io.err).toBe(0);
  });
});
