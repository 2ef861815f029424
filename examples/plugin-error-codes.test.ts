// A third-party plugin's own error code reaches the CLI's message intact: refusing the run (the example
// slo-budget plugin) and failing during it (a plugin written in the config). Config files load through tsx in
// their own module namespace, so these plugins talk to another instance of @loadhouse/core than the CLI's.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '@loadhouse/agent';
import { main } from 'loadhouse';
import { captureIo } from '../packages/cli/src/test-io.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'lh-plugin-codes-'));
  dirs.push(d);
  return d;
};
const modulePath = (relative: string) => JSON.stringify(fileURLToPath(new URL(relative, import.meta.url)));

let agent: Agent;
beforeAll(async () => {
  agent = await startAgent({ grpcPort: 0, httpPort: 0 });
});
afterAll(async () => {
  await agent?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("a plugin's own error code through `loadhouse run`", () => {
  it('refusing the run: `error <its code>` and exit 2, nothing sent', async () => {
    const dir = tempDir();
    const config = join(dir, 'loadhouse.config.ts');
    writeFileSync(
      config,
      `import { sloBudget } from ${modulePath('./third-party-plugin/src/index.ts')};\n` +
        'export default { plugins: [sloBudget({ p99Ms: 100, errorBudgetPercent: 10 })] };\n',
    );
    const io = captureIo();
    const argv = [
      'run',
      'high-throughput',
      '--config',
      config,
      '--target',
      agent.grpcAddress,
      '--duration',
      '3',
      '--warmup',
      '1',
      '--results-dir',
      dir,
    ];
    const code = await main(argv, io);
    expect(io.err).toMatch(
      /^error LH_SLO_BUDGET_TOO_SMALL: Plugin "slo-budget" refused the run in hook 'test:before', before any load: sloBudget: the run plans 2 judged windows of 1000 ms \(3 s less 1 s of warm-up\), so an error budget of 10% allows 0.2 missed windows/m,
    );
    expect(code, io.err).toBe(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('failing during the run: printed with its code and kept in result.errors; an undeclared code is LH_PLUGIN_FAILED', async () => {
    const dir = tempDir();
    const config = join(dir, 'loadhouse.config.ts');
    writeFileSync(
      config,
      `import { LoadhouseError, registerErrorCodes } from ${modulePath('../packages/core/src/index.ts')};\n` +
        "registerErrorCodes('config-quota', { LH_CONFIG_QUOTA_SPENT: 'A plugin of the config spent its quota.' });\n" +
        'export default {\n' +
        '  plugins: [{\n' +
        "    name: 'quota',\n" +
        '    apiVersion: 1,\n' +
        '    setup(ctx) {\n' +
        "      ctx.events.on('sample', () => { throw new LoadhouseError('LH_CONFIG_QUOTA_SPENT', 'quota spent'); });\n" +
        "      ctx.hooks.hook('test:after', () => { throw Object.assign(new Error('quota service gone'), { code: 'LH_CONFIG_NOT_DECLARED' }); });\n" +
        '    },\n' +
        '  }],\n' +
        '};\n',
    );
    const io = captureIo();
    const argv = ['run', 'high-throughput', '--config', config, '--target', agent.grpcAddress, '--duration', '2', '--target-rate', '200'];
    const code = await main([...argv, '--partitions', '1', '--p99-ms', '5000', '--results-dir', dir], io);
    expect(io.err).toContain(`[quota] LH_CONFIG_QUOTA_SPENT: Plugin "quota" threw in event 'sample': quota spent`);
    expect(io.err).toContain(`[quota] LH_PLUGIN_FAILED: Plugin "quota" threw in hook 'test:after': quota service gone`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files, io.err).toHaveLength(1);
    const result = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as { errors: Array<{ code: string; plugin?: string }> };
    expect(result.errors.some((e) => e.code === 'LH_CONFIG_QUOTA_SPENT' && e.plugin === 'quota')).toBe(true);
    expect(result.errors.filter((e) => e.code === 'LH_PLUGIN_FAILED')).toEqual([expect.objectContaining({ plugin: 'quota' })]);
    expect([0, 1], io.err).toContain(code);
  });
});
