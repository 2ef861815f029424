// writeReport: result file in, HTML file out (what `loadhouse report results/x.json -o report.html` calls).
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { LoadhouseError, RESULT_SCHEMA_VERSION, writeOutput, type LoadTestResult } from '@loadhouse/core';
import { renderReport } from './render.js';

function invalid(path: string, why: string, cause?: unknown): LoadhouseError {
  return new LoadhouseError(
    'LH_RESULT_INVALID',
    `${path} is not a loadhouse result file: ${why}. Pass a results/<scenario>-<timestamp>.json written by \`loadhouse run\`.`,
    { cause, details: { path } },
  );
}

/** Sections every reader of a result relies on, with the type each must have. */
const SECTIONS: Array<[string, 'object' | 'array' | 'string']> = [
  ['scenario', 'string'],
  ['producer', 'object'],
  ['consumer', 'object'],
  ['integrity', 'object'],
  ['phases', 'array'],
  ['series', 'array'],
  ['criteria', 'array'],
  ['histograms', 'object'],
  ['generator', 'object'],
  ['resources', 'object'],
];

const kindOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
const a = (kind: string) => `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;

/**
 * Reads and validates a result file before anything uses it (the report, `loadhouse merge`): JSON, this
 * schema version, and every section with its type, so a damaged or foreign file is LH_RESULT_INVALID naming
 * what is wrong rather than a TypeError deep inside.
 */
export async function readResult(resultPath: string): Promise<LoadTestResult> {
  let text: string;
  try {
    text = await readFile(resultPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LoadhouseError(
      'LH_RESULT_INVALID',
      `Cannot read ${resultPath}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message}`,
      {
        cause: err,
        details: { path: resultPath },
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(resultPath, `it is not valid JSON (${(err as Error).message})`, err);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(resultPath, 'it does not hold a JSON object');
  const doc = value as Record<string, unknown>;
  if (typeof doc.schemaVersion !== 'number') throw invalid(resultPath, 'it has no numeric schemaVersion');
  if (doc.schemaVersion > RESULT_SCHEMA_VERSION) {
    throw new LoadhouseError(
      'LH_RESULT_INVALID',
      `${resultPath} has schemaVersion ${doc.schemaVersion}, newer than this loadhouse reads (${RESULT_SCHEMA_VERSION}): update loadhouse`,
      {
        details: { path: resultPath },
      },
    );
  }
  for (const [key, kind] of SECTIONS) {
    if (kindOf(doc[key]) !== kind)
      throw invalid(resultPath, `its ${key} is ${doc[key] === undefined ? 'missing' : a(kindOf(doc[key]))}, not ${a(kind)}`);
  }
  for (const side of ['producer', 'consumer'] as const) {
    if (kindOf((doc[side] as { latency?: unknown }).latency) !== 'object') throw invalid(resultPath, `its ${side} has no latency section`);
  }
  return value as LoadTestResult;
}

/** `results/x.json` -> `results/x.html`. */
export function defaultReportPath(resultPath: string): string {
  const ext = extname(resultPath);
  return `${ext ? resultPath.slice(0, -ext.length) : resultPath}.html`;
}

/**
 * Renders the result file at `resultPath` to `outPath` (default: the same name with `.html`), creating the
 * folder if needed. Resolves to the absolute path written. A page that cannot be written (a full disk) is
 * LH_RESULT_WRITE_FAILED, and no truncated page is left behind.
 */
export async function writeReport(resultPath: string, outPath?: string): Promise<string> {
  const result = await readResult(resultPath);
  const target = resolve(outPath ?? defaultReportPath(resultPath));
  await writeOutput(target, renderReport(result), 'HTML report');
  return target;
}
