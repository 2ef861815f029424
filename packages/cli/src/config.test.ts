// Configuration files: read the same inside and outside an ESM package, and refused with LH_CONFIG_INVALID
// when they are not a configuration, before anything connects.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

// A temp folder has no package.json: TypeScript there compiles to CommonJS.
const dir = mkdtempSync(join(tmpdir(), 'lh-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return name;
};

describe('loadConfig', () => {
  it('reads the default export of a .ts file outside an ESM package', async () => {
    const c = await loadConfig(
      file('cjs.ts', "export default { target: { address: '127.0.0.1:1', connectTimeoutMs: 500 }, options: { warmupSeconds: 2 } };"),
      dir,
    );
    expect(c).toEqual({ target: { address: '127.0.0.1:1', connectTimeoutMs: 500 }, options: { warmupSeconds: 2 } });
  });

  it('reads an .mts file and a .mjs file alike', async () => {
    expect(await loadConfig(file('esm.mts', "export default { target: 'a:1' };"), dir)).toEqual({ target: 'a:1' });
    expect(await loadConfig(file('plain.mjs', "export default { target: 'b:2' };"), dir)).toEqual({ target: 'b:2' });
  });

  it.each([
    ['a number', 'num.ts', 'export default 42;', /the default export must be an object/],
    [
      'a misspelled key',
      'typo.ts',
      "export default { target: 'a:1', option: {} };",
      /unknown key "option": a configuration has target, plugins, scenario, options/,
    ],
    ['no default export', 'named.ts', "export const target = 'a:1';", /no default export/],
    ['a target without an address', 'target.ts', 'export default { target: 123 };', /target must be "host:port"/],
  ])('refuses %s with LH_CONFIG_INVALID', async (_, name, text, message) => {
    await expect(loadConfig(file(name, text), dir)).rejects.toMatchObject({
      code: 'LH_CONFIG_INVALID',
      message: expect.stringMatching(message),
    });
  });
});
