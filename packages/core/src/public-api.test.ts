// The public surface of @loadhouse/core: the entry points of its package.json, named exports only, each holding
// exactly what docs/api.md lists. A stale docs/api.md fails here: run `pnpm docs:api`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_DOCS_PATH, type ApiEntry, readApi, renderApiDocs } from '../../../scripts/gen-api-docs.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = fileURLToPath(new URL('.', import.meta.url));

/** Names a source file exports by declaration or export list (what an entry point must pass on). */
function declaredExports(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const names = [
    ...text.matchAll(/^export\s+(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|class|interface|type|const|let|enum)\s+(\w+)/gm),
  ].map((m) => m[1]!);
  for (const list of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}/gm)) {
    names.push(
      ...list[1]!
        .split(',')
        .map(
          (n) =>
            n
              .trim()
              .replace(/^type\s+/, '')
              .split(/\s+as\s+/)
              .pop()!,
        )
        .filter(Boolean),
    );
  }
  return names;
}

let api: ApiEntry[];
const entry = (specifier: string) => api.find((e) => e.specifier === specifier)!;
const names = (e: ApiEntry) => e.exports.map((x) => x.name);

// Reading the entry points type-checks the package: seconds on a busy machine.
beforeAll(() => {
  api = readApi();
}, 120_000);

describe('the public API of @loadhouse/core', () => {
  it('is the SDK and three subpaths', () => {
    expect(api.map((e) => e.specifier)).toEqual([
      '@loadhouse/core',
      '@loadhouse/core/wire',
      '@loadhouse/core/histogram',
      '@loadhouse/core/testing',
    ]);
  });

  it('docs/api.md is what scripts/gen-api-docs.ts renders (run `pnpm docs:api`)', () => {
    const current = readFileSync(API_DOCS_PATH, 'utf8');
    expect(current === renderApiDocs(api), 'docs/api.md is stale: run `pnpm docs:api` and commit docs/api.md').toBe(true);
  });

  it('has named exports only: no `export *`, no default export', () => {
    expect(api.flatMap((e) => e.problems.map((p) => `${e.file}: ${p}`))).toEqual([]);
  });

  it('each entry file holds at run time exactly the values docs/api.md lists for it', async () => {
    for (const e of api) {
      const loaded = (await import(join(ROOT, e.file))) as Record<string, unknown>;
      const values = e.exports.filter((x) => x.value).map((x) => x.name);
      expect(Object.keys(loaded).sort(), e.specifier).toEqual([...values].sort());
    }
  });

  it('the SDK keeps the wire contract, histograms and fixtures out; each name has one entry point', () => {
    const sdk = names(entry('@loadhouse/core'));
    for (const out of ['StreamHouseClient', 'grpc', 'AckMode', 'ProduceRecord', 'RECORD_HEADER_SIZE', 'createHistogram', 'makeSample']) {
      expect(sdk, out).not.toContain(out);
    }
    const all = api.flatMap(names);
    expect(all.filter((n, i) => all.indexOf(n) !== i)).toEqual([]);
  });

  it('/histogram passes on every export of metrics/histogram*.ts, /wire every message of proto/messages.ts', () => {
    const histogramFiles = readdirSync(join(SRC, 'metrics')).filter((f) => /^histogram.*\.ts$/.test(f) && !f.endsWith('.test.ts'));
    expect(histogramFiles.length).toBeGreaterThan(0);
    const histogram = names(entry('@loadhouse/core/histogram'));
    for (const f of histogramFiles)
      for (const n of declaredExports(join('metrics', f))) expect(histogram, `metrics/${f}: ${n}`).toContain(n);
    const wire = names(entry('@loadhouse/core/wire'));
    for (const n of declaredExports('proto/messages.ts')) expect(wire, `proto/messages.ts: ${n}`).toContain(n);
  });
});
