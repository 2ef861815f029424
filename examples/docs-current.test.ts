// Generated docs stay in step with the code they are generated from: a code added to ERROR_CODES without
// `pnpm docs:errors` fails here.
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { ERROR_CODES } from '@loadhouse/core';
import { ERROR_DOCS_PATH, renderErrorDocs } from '../scripts/gen-error-docs.js';

it('docs/errors.md is what scripts/gen-error-docs.ts renders (run `pnpm docs:errors`)', async () => {
  const current = await readFile(ERROR_DOCS_PATH, 'utf8').catch(() => '(docs/errors.md is missing)');
  expect(current).toBe(renderErrorDocs());
});

it('docs/errors.md has one row per error code', async () => {
  const rows = (await readFile(ERROR_DOCS_PATH, 'utf8')).split('\n').filter((l) => l.startsWith('| `LH_'));
  expect(rows.map((r) => /^\| `(LH_[A-Z0-9_]+)`/.exec(r)![1])).toEqual(Object.keys(ERROR_CODES));
});
