// The repository as others receive it: docs that stand alone (no link leaves the repository, the plan and
// the wire contract are ours to read), manifests fit to publish, and the packed packages installed with npm
// into a folder outside the workspace, where the README's "In a script" example and the command must run.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readApi } from '../../../scripts/gen-api-docs.js';
import { renderCliDocs } from './cli-docs.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = readdirSync(join(ROOT, 'packages')).filter((d) => existsSync(join(ROOT, 'packages', d, 'package.json')));

interface Manifest {
  name: string;
  version: string;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  files?: string[];
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports?: Record<string, unknown>;
  publishConfig?: { exports?: Record<string, unknown> };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const options = { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } };
    execFile(cmd, args, options, (err, stdout, stderr) => {
      if (err) rej(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${stdout}\n${stderr}`));
      else res({ stdout, stderr });
    });
  });
}

/**
 * The pinned pnpm through npx, as the README runs it. Not the pnpm running the test: what npm_execpath names
 * depends on how it was started (a native pnpm executable from npx, npm's own script under `pnpm exec`).
 */
function pnpm(args: string[], cwd: string, timeoutMs?: number) {
  return run('npx', ['--yes', 'pnpm@12.4.2', ...args], cwd, timeoutMs);
}

/** Type-checks `file` in the app folder `cwd` strictly, as an app's own tsconfig (`name`) would, with the repo's tsc. */
async function typeCheck(cwd: string, name: string, file: string, { skipLibCheck }: { skipLibCheck: boolean }): Promise<void> {
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
  };
  writeFileSync(join(cwd, name), JSON.stringify({ compilerOptions, files: [file] }));
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', name], cwd);
}

/** The code of the README's "In a script" section. */
function readmeScript(): string {
  const block = /## In a script[\s\S]*?```ts\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))?.[1];
  if (!block) throw new Error('README.md has no ts block under "## In a script"');
  return block;
}

function markdownFiles(): string[] {
  const out = ['README.md', 'BENCHMARKS.md'];
  for (const f of readdirSync(join(ROOT, 'docs'))) if (f.endsWith('.md')) out.push(join('docs', f));
  for (const p of PACKAGES) if (existsSync(join(ROOT, 'packages', p, 'README.md'))) out.push(join('packages', p, 'README.md'));
  const walk = (dir: string) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      if (e.name === 'node_modules') continue;
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.md')) out.push(join(dir, e.name));
    }
  };
  walk('examples');
  return out;
}

/** Every `[text](target)` link of a Markdown file, outside fenced code. */
function links(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '');
  return [...prose.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

describe('the docs stand alone', () => {
  it('every relative link of README.md, docs/, the package READMEs and examples/ leads to a file inside the repository', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      for (const link of links(readFileSync(join(ROOT, file), 'utf8'))) {
        if (/^[a-z]+:/i.test(link) || link.startsWith('#')) continue;
        const target = resolve(ROOT, dirname(file), decodeURI(link.split('#')[0]));
        if (!target.startsWith(ROOT) || !existsSync(target)) broken.push(`${file}: ${link}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('a page that cites the plan or the StreamHouse contract links to our own account of it', () => {
    const unlinked: string[] = [];
    for (const file of markdownFiles()) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const targets = links(text).map((l) => l.split('#')[0]);
      const cites = (pattern: RegExp, page: string) =>
        !file.endsWith(page) && pattern.test(text) && !targets.some((t) => t.endsWith(page)) && unlinked.push(`${file}: ${page}`);
      cites(/\bthe plan\b/i, 'plan.md');
      cites(/wire contract/i, 'streamhouse-contract.md');
    }
    expect(unlinked).toEqual([]);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(links(readme)).toEqual(expect.arrayContaining(['docs/plan.md', 'docs/streamhouse-contract.md']));
  });

  it('the README and docs/cli.md say how to get a loadhouse command: the build step, not an unpublished package', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const text of [readme, renderCliDocs()]) {
      expect(text).toContain('pnpm build');
      expect(text).toContain('node packages/cli/dist/bin.js');
    }
    expect(renderCliDocs()).not.toMatch(/once the `loadhouse` package is installed/);
  });
});

describe('package manifests', () => {
  it.each(PACKAGES)('packages/%s: license, LICENSE, README, repository, files', (dir) => {
    const folder = join(ROOT, 'packages', dir);
    const m = manifest(folder);
    expect(m.license).toBe('Apache-2.0');
    expect(readFileSync(join(folder, 'LICENSE'), 'utf8')).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
    expect(readFileSync(join(folder, 'README.md'), 'utf8')).toMatch(new RegExp(`^# ${m.name.replace('/', '\\/')}\\n`));
    expect(m.repository).toEqual({ type: 'git', url: manifest(ROOT).repository?.url, directory: `packages/${dir}` });
    expect(m.files).toContain('dist');
  });

  it('every package that uses @loadhouse/core takes it the same way: a ^ peer, and the workspace copy to build against', () => {
    const ways = PACKAGES.filter((d) => d !== 'core').map((d) => {
      const m = manifest(join(ROOT, 'packages', d));
      return {
        name: m.name,
        dependency: m.dependencies?.['@loadhouse/core'],
        peer: m.peerDependencies?.['@loadhouse/core'],
        dev: m.devDependencies?.['@loadhouse/core'],
      };
    });
    for (const w of ways) expect(w).toEqual({ name: w.name, dependency: undefined, peer: 'workspace:^', dev: 'workspace:*' });
  });
});

describe('the entry points of @loadhouse/core', () => {
  it('every subpath of exports is published, built by tsup and has its own .d.ts; the CLI exports no test helper', async () => {
    const core = manifest(join(ROOT, 'packages/core'));
    const subpaths = Object.keys(core.exports ?? {});
    expect(subpaths).toEqual(['.', './wire', './histogram', './testing']);
    expect(Object.keys(core.publishConfig?.exports ?? {})).toEqual(subpaths);
    const tsup = readFileSync(join(ROOT, 'packages/core/tsup.config.ts'), 'utf8');
    for (const sub of subpaths) {
      const name = sub === '.' ? 'index' : sub.slice(2);
      expect(core.exports?.[sub], sub).toEqual({ source: `./src/${name}.ts`, types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` });
      expect(core.publishConfig?.exports?.[sub], sub).toEqual({ types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` });
      expect(tsup, sub).toContain(`'src/${name}.ts'`);
    }
    const cli = await import('./index.js');
    expect(Object.keys(cli)).not.toContain('captureIo');
  });
});

// Slow by nature: a full build (with .d.ts), seven tarballs, an npm install from the registry (npm's cache
// makes it quick after the first time) and two short runs.
describe('packed, installed with npm outside the workspace', { timeout: 900_000 }, () => {
  let packs: string;
  let app: string;
  const packed = new Map<string, { manifest: Manifest; files: string[] }>();

  beforeAll(async () => {
    packs = mkdtempSync(join(tmpdir(), 'loadhouse-packs-'));
    app = mkdtempSync(join(tmpdir(), 'loadhouse-app-'));
    await pnpm(['build'], ROOT, 600_000);
    for (const dir of PACKAGES) {
      const { stdout } = await pnpm(['pack', '-C', join(ROOT, 'packages', dir), '--pack-destination', packs, '--json'], ROOT);
      const info = JSON.parse(stdout) as { filename: string; files: Array<{ path: string }> };
      const tarball = join(packs, info.filename.split('/').pop()!);
      const { stdout: pkg } = await run('tar', ['-xzOf', tarball, 'package/package.json'], packs);
      packed.set(dir, { manifest: JSON.parse(pkg) as Manifest, files: info.files.map((f) => f.path) });
    }
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'loadhouse-packaging-check', private: true, type: 'module' }));
    const tarballs = readdirSync(packs)
      .filter((f) => f.endsWith('.tgz'))
      .map((f) => join(packs, f));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], app, 600_000);
  }, 900_000);

  afterAll(() => {
    for (const d of [packs, app]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('the documented build gives a working command: node packages/cli/dist/bin.js', async () => {
    const { stdout } = await run(process.execPath, [join(ROOT, 'packages/cli/dist/bin.js'), '--version'], ROOT);
    expect(stdout).toContain(manifest(join(ROOT, 'packages/cli')).version);
  });

  it('every tarball: no workspace: range, LICENSE, README, repository, and every entry point it names is in it', () => {
    expect([...packed.keys()].sort()).toEqual([...PACKAGES].sort());
    for (const [dir, { manifest: m, files }] of packed) {
      expect(JSON.stringify(m), dir).not.toContain('workspace:');
      expect(files, dir).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
      expect(m.repository?.url, dir).toMatch(/^git\+https:\/\//);
      const targets: string[] = [];
      const collect = (v: unknown): void => {
        if (typeof v === 'string') targets.push(v);
        else if (v && typeof v === 'object') Object.values(v).forEach(collect);
      };
      collect([m.exports, m.main, m.types, m.bin]);
      expect(targets.length, dir).toBeGreaterThan(0);
      for (const t of targets) expect(files, `${dir}: ${t}`).toContain(t.replace(/^\.\//, ''));
      expect(JSON.stringify(m.exports), dir).not.toContain('"source"');
    }
  });

  it('installs one copy of @loadhouse/core, shared by every package', () => {
    const copies: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (!e.isDirectory() || e.isSymbolicLink()) continue;
        if (p.endsWith(`${sep}@loadhouse${sep}core`)) copies.push(relative(app, p));
        walk(p);
      }
    };
    walk(join(app, 'node_modules'));
    expect(copies).toEqual([join('node_modules', '@loadhouse', 'core')]);
  });

  it('runs the README\'s "In a script" example against an agent from the installed @loadhouse/agent', async () => {
    // The README's own addresses and figures, swapped for the agent's ports and a short light run.
    let script = readmeScript();
    for (const [from, to] of [
      ["'localhost:50051'", 'agent.grpcAddress'],
      ["'http://localhost:8080'", 'agent.httpAddress'],
    ]) {
      expect(script).toContain(from);
      script = script.replace(from, to);
    }
    const options = /highThroughput\((\{[^}]*\})\)/.exec(script);
    expect(options).not.toBeNull();
    script = script.replace(options![1], '{ durationSeconds: 2, targetRate: 300, partitions: 1 }');
    writeFileSync(
      join(app, 'example.mjs'),
      ["import { startAgent } from '@loadhouse/agent';", 'const agent = await startAgent({});', script, 'await agent.stop();', ''].join(
        '\n',
      ),
    );
    const { stdout } = await run(process.execPath, ['example.mjs'], app, 120_000);
    const lines = stdout.trim().split('\n');
    // `sample` lines: elapsed seconds, rate, P99; then one line per criterion.
    expect(lines.filter((l) => /^[\d.]+ [\d.e+-]+ [\d.e+-]+$/.test(l)).length).toBeGreaterThan(0);
    const criteria = lines.filter((l) => /^(pass|FAIL) /.test(l));
    expect(criteria.map((l) => l.replace(/^(pass|FAIL) /, '').split(' ')[0])).toEqual(
      expect.arrayContaining(['Sustained', 'P99', 'Zero', 'Target']),
    );
  });

  it("the README's script type-checks against the .d.ts files of the installed packages", async () => {
    writeFileSync(join(app, 'example.ts'), readmeScript());
    await typeCheck(app, 'tsconfig.json', 'example.ts', { skipLibCheck: false });
  });

  it('require() gives CommonJS code the same single module as import', async () => {
    const names = [...packed.values()].map((p) => p.manifest.name);
    writeFileSync(
      join(app, 'require.cjs'),
      [
        `const names = ${JSON.stringify(names)};`,
        'const loaded = names.map((n) => [n, Object.keys(require(n)).length]);',
        "import('@loadhouse/core').then((esm) => {",
        "  console.log(JSON.stringify({ loaded, same: esm === require('@loadhouse/core'), run: typeof esm.createLoadTest }));",
        '});',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, ['require.cjs'], app);
    const out = JSON.parse(stdout) as { loaded: Array<[string, number]>; same: boolean; run: string };
    for (const [name, count] of out.loaded) expect(count, name).toBeGreaterThan(0);
    expect(out).toMatchObject({ same: true, run: 'function' });
  });

  it('every subpath of the installed @loadhouse/core resolves, holding exactly the values docs/api.md lists', async () => {
    const api = readApi();
    const script = `const out = {};\nfor (const s of ${JSON.stringify(api.map((e) => e.specifier))}) out[s] = Object.keys(await import(s));\nconsole.log(JSON.stringify(out));\n`;
    writeFileSync(join(app, 'subpaths.mjs'), script);
    const { stdout } = await run(process.execPath, ['subpaths.mjs'], app);
    const loaded = JSON.parse(stdout) as Record<string, string[]>;
    for (const entry of api) {
      const values = entry.exports.filter((e) => e.value).map((e) => e.name);
      expect([...(loaded[entry.specifier] ?? [])].sort(), entry.specifier).toEqual(values.sort());
    }
  });

  it('every name docs/api.md lists resolves through the installed .d.ts files of its subpath', async () => {
    const api = readApi();
    // Re-exported rather than used: an import of a name a .d.ts does not have fails the check either way.
    const lines = api.flatMap((entry) => {
      const types = entry.exports.filter((e) => !e.value).map((e) => e.name);
      const values = entry.exports.filter((e) => e.value).map((e) => e.name);
      return [
        `export type { ${types.join(', ')} } from '${entry.specifier}';`,
        `export { ${values.join(', ')} } from '${entry.specifier}';`,
      ];
    });
    writeFileSync(join(app, 'subpaths.ts'), `${lines.join('\n')}\n`);
    await typeCheck(app, 'tsconfig.subpaths.json', 'subpaths.ts', { skipLibCheck: true });
  });

  it('the installed loadhouse command runs a scenario against its embedded agent and writes the result', async () => {
    const bin = join(app, 'node_modules', '.bin', 'loadhouse');
    expect(existsSync(bin)).toBe(true);
    const args = ['run', 'high-throughput', '--duration', '2', '--warmup', '0', '--target-rate', '300', '--partitions', '1'];
    // Exit 1 (a criterion failed) is a fair outcome on a busy machine; 2 and 3 (set-up or run failure) are not.
    // Its own folder: the script above wrote its result to ./results (createLoadTest's default).
    const out = join(app, 'cli-results');
    const code = await new Promise<number>((res) => {
      execFile(bin, [...args, '--results-dir', out], { cwd: app, timeout: 120_000 }, (err) => {
        res(err ? Number((err as { code?: number }).code ?? 99) : 0);
      });
    });
    expect([0, 1]).toContain(code);
    const results = readdirSync(out);
    expect(results).toEqual([expect.stringMatching(/^high-throughput-.*\.json$/)]);
    expect(JSON.parse(readFileSync(join(out, results[0]), 'utf8'))).toMatchObject({ state: 'completed' });
  });
});
