// Renders packages/core/schema/result.schema.json, the JSON Schema of a result file, from the result types
// (`LoadTestResult` in packages/core/src/types/); `--check` fails when the file differs
// (packages/core/src/result/validate.test.ts does the same in the test run).
//
//   pnpm docs:schema            writes packages/core/schema/result.schema.json
//   pnpm docs:schema --check    exits 1 when it is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

export const RESULT_SCHEMA_PATH = fileURLToPath(new URL('../packages/core/schema/result.schema.json', import.meta.url));
const TYPES = fileURLToPath(new URL('../packages/core/src/types/result.ts', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('../tsconfig.check.json', import.meta.url));
const DRAFT_2020 = 'https://json-schema.org/draft/2020-12/schema';
const RESULT_SCHEMA_ID = 'https://loadhouse.dev/schema/result.schema.json';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The generator writes draft-07 (`definitions`); the schema is published as 2020-12 (`$defs`), whose keywords
 * mean the same for everything the types produce. Array-form `items` (tuples) would not: refuse it.
 */
function toDraft2020(node: Json, at = '#'): Json {
  if (Array.isArray(node)) return node.map((n, i) => toDraft2020(n, `${at}/${i}`));
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'items' && Array.isArray(value)) throw new Error(`${at}: a tuple type; declare an array instead`);
    if (key === '$ref' && typeof value === 'string') out[key] = value.replace('#/definitions/', '#/$defs/');
    else out[key === 'definitions' ? '$defs' : key] = toDraft2020(value, `${at}/${key}`);
  }
  return out;
}

/** The schema as the file holds it. */
export function renderResultSchema(): string {
  const generated = createGenerator({
    path: TYPES,
    tsconfig: TSCONFIG,
    type: 'LoadTestResult',
    expose: 'export',
    topRef: true,
    jsDoc: 'extended',
    sortProps: false,
    // Fields are added within a schemaVersion (docs/results.md): readers accept fields they do not know.
    additionalProperties: true,
    skipTypeCheck: true,
  }).createSchema('LoadTestResult');
  const { $schema: _draft07, ...rest } = generated as { [key: string]: Json };
  const schema = toDraft2020({ $schema: DRAFT_2020, $id: RESULT_SCHEMA_ID, title: 'loadhouse result', ...rest });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderResultSchema();
  if (process.argv.includes('--check')) {
    const current = (() => {
      try {
        return readFileSync(RESULT_SCHEMA_PATH, 'utf8');
      } catch {
        return '';
      }
    })();
    if (current !== text) {
      console.error(`${RESULT_SCHEMA_PATH} is stale: run pnpm docs:schema`);
      process.exit(1);
    }
  } else {
    writeFileSync(RESULT_SCHEMA_PATH, text);
    console.log(`wrote ${RESULT_SCHEMA_PATH}`);
  }
}
