// Renders docs/api.md from the entry points of @loadhouse/core: every subpath of its package.json `exports`, and
// every name each entry file exports (name, kind, the first sentence of its doc comment), read with the
// TypeScript compiler API. packages/core/src/public-api.test.ts fails when the file is stale.
//
//   pnpm docs:api            writes docs/api.md
//   pnpm docs:api --check    exits 1 when docs/api.md is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CORE = join(ROOT, 'packages/core');
export const API_DOCS_PATH = join(ROOT, 'docs/api.md');

export type ExportKind = 'class' | 'function' | 'const' | 'let' | 'enum' | 'namespace' | 'interface' | 'type';

export interface ApiExport {
  name: string;
  kind: ExportKind;
  /** A runtime value (what `import * as m` holds), as opposed to a type. */
  value: boolean;
  /** The first sentence of the declaration's doc comment ('' when it has none). */
  doc: string;
  /** Where it is declared, relative to packages/core/src ('' outside the package, e.g. a re-exported library). */
  from: string;
}

export interface ApiEntry {
  /** The import specifier: `@loadhouse/core`, `@loadhouse/core/wire`... */
  specifier: string;
  /** The entry file, relative to the repository. */
  file: string;
  /** The entry file's own comment: what the entry point is for. */
  summary: string;
  exports: ApiExport[];
  /** Breaches of "named exports only": `export *` lines and a default export. */
  problems: string[];
}

type ExportMap = Record<string, string | { source?: string }>;

/** Every subpath of @loadhouse/core's `exports` with its source file, in the manifest's order. */
export function coreEntryFiles(): Array<{ specifier: string; file: string }> {
  const manifest = JSON.parse(readFileSync(join(CORE, 'package.json'), 'utf8')) as { name: string; exports: ExportMap };
  return Object.entries(manifest.exports).map(([subpath, target]) => {
    const source = typeof target === 'string' ? target : target.source;
    if (!source) throw new Error(`packages/core/package.json: exports["${subpath}"] has no "source" condition`);
    return { specifier: subpath === '.' ? manifest.name : `${manifest.name}/${subpath.replace(/^\.\//, '')}`, file: join(CORE, source) };
  });
}

// The kinds in the order they are listed, each with the symbol flag that gives it.
const KINDS: Array<[ExportKind, ts.SymbolFlags]> = [
  ['class', ts.SymbolFlags.Class],
  ['function', ts.SymbolFlags.Function],
  ['enum', ts.SymbolFlags.Enum],
  ['const', ts.SymbolFlags.BlockScopedVariable],
  ['let', ts.SymbolFlags.Variable],
  ['namespace', ts.SymbolFlags.ValueModule],
  ['interface', ts.SymbolFlags.Interface],
  ['type', ts.SymbolFlags.TypeAlias],
];
const KIND_ORDER = KINDS.map(([kind]) => kind);

function kindOf(symbol: ts.Symbol): ExportKind {
  const found = KINDS.find(([, flag]) => symbol.flags & flag);
  if (!found) throw new Error(`cannot tell what kind of export ${symbol.name} is (symbol flags ${symbol.flags})`);
  const [kind] = found;
  if (kind === 'const') {
    const decl = symbol.valueDeclaration;
    const list = decl && ts.isVariableDeclaration(decl) ? decl.parent : undefined;
    if (list && ts.isVariableDeclarationList(list) && !(list.flags & ts.NodeFlags.Const)) return 'let';
  }
  return kind;
}

/** `export type { X }` or `export { type X }`: only the type crosses, whatever X is. */
function typeOnly(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some(
    (d) => ts.isExportSpecifier(d) && (d.isTypeOnly || (ts.isNamedExports(d.parent) && d.parent.parent.isTypeOnly)),
  );
}

/** The first sentence of a doc comment, on one line: a table row, not the reference (that is the .d.ts). */
function firstSentence(checker: ts.TypeChecker, symbol: ts.Symbol): string {
  const paragraph = (ts.displayPartsToString(symbol.getDocumentationComment(checker)).split(/\n\s*\n/)[0] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  // A full stop followed by a capital starts the next sentence; `e.g. x` and `(1.5 s)` do not.
  return paragraph.split(/(?<=[.!?:])\s+(?=[A-Z])/)[0] ?? '';
}

/** The leading `//` comment of a file, on one line. */
function fileSummary(source: string): string {
  const lines: string[] = [];
  for (const line of source.split('\n')) {
    if (!line.startsWith('//')) break;
    lines.push(line.replace(/^\/\/\s?/, ''));
  }
  return lines.join(' ').replace(/\s+/g, ' ').trim();
}

/** The public API of every entry point of @loadhouse/core, read from the entry files. */
export function readApi(): ApiEntry[] {
  const entries = coreEntryFiles();
  const config = ts.parseJsonConfigFileContent(ts.readConfigFile(join(CORE, 'tsconfig.json'), ts.sys.readFile).config, ts.sys, CORE);
  const program = ts.createProgram(
    entries.map((e) => e.file),
    { ...config.options, noEmit: true, composite: false },
  );
  const checker = program.getTypeChecker();
  const src = join(CORE, 'src');
  return entries.map(({ specifier, file }) => {
    const sourceFile = program.getSourceFile(file);
    if (!sourceFile) throw new Error(`${relative(ROOT, file)}: not found (named by packages/core/package.json exports)`);
    const problems: string[] = [];
    for (const statement of sourceFile.statements) {
      if (ts.isExportDeclaration(statement) && !statement.exportClause) problems.push(`export * (${statement.getText(sourceFile)})`);
      if (ts.isExportAssignment(statement)) problems.push('export default');
    }
    const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
    const exports = (moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []).map((symbol): ApiExport => {
      if (symbol.name === 'default') problems.push('a default export');
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const kind = kindOf(target);
      const declared = target.declarations?.[0]?.getSourceFile().fileName ?? '';
      return {
        name: symbol.name,
        kind,
        value: !typeOnly(symbol) && Boolean(target.flags & ts.SymbolFlags.Value),
        doc: firstSentence(checker, target),
        from: declared.startsWith(src) ? relative(src, declared) : '',
      };
    });
    exports.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.name.localeCompare(b.name, 'en'));
    return { specifier, file: relative(ROOT, file), summary: fileSummary(sourceFile.text), exports, problems };
  });
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function renderApiDocs(api: ApiEntry[] = readApi()): string {
  const out = [
    '# API of @loadhouse/core',
    '',
    '<!-- Generated by scripts/gen-api-docs.ts from the entry files of packages/core: run `pnpm docs:api`, do not edit. -->',
    '',
    'Every entry point of `@loadhouse/core` and every name it exports. Import only from these specifiers; other',
    'files of the package are internal and change without notice. The types are described in full where they are',
    'declared (the `.d.ts` files of the package, and [results.md](results.md) for result files). Descriptions cite',
    '[the plan](plan.md) the criteria come from and the [StreamHouse wire contract](streamhouse-contract.md).',
    '',
  ];
  for (const entry of api) {
    const file = relative(dirname(API_DOCS_PATH), join(ROOT, entry.file));
    out.push(
      `## \`${entry.specifier}\``,
      '',
      `${entry.summary} ([${entry.file}](${file}))`,
      '',
      '| Name | Kind | Description |',
      '|---|---|---|',
    );
    for (const e of entry.exports) out.push(`| \`${e.name}\` | ${e.kind} | ${cell(e.doc)} |`);
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const api = readApi();
  const problems = api.flatMap((e) => e.problems.map((p) => `${e.file}: ${p}`));
  if (problems.length > 0) {
    console.error(`named exports only, please:\n${problems.join('\n')}`);
    process.exit(1);
  }
  const rendered = renderApiDocs(api);
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(API_DOCS_PATH, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== rendered) {
      console.error('docs/api.md is stale: run `pnpm docs:api`');
      process.exit(1);
    }
    console.log('docs/api.md is current');
  } else {
    writeFileSync(API_DOCS_PATH, rendered);
    console.log('docs/api.md written');
  }
}
