// writeReport: result file in, HTML file out (what `loadhouse report results/x.json -o report.html` calls).
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { LoadhouseError, type LoadTestResult } from '@loadhouse/core';
import { renderReport } from './render.js';

function invalid(path: string, why: string, cause?: unknown): LoadhouseError {
  return new LoadhouseError(
    'LH_RESULT_INVALID',
    `${path} is not a loadhouse result file: ${why}. Pass a results/<scenario>-<timestamp>.json written by \`loadhouse run\`.`,
    { cause, details: { path } },
  );
}

/** Reads and minimally validates a result file: JSON, an object with `schemaVersion` and a `series` array. */
export async function readResult(resultPath: string): Promise<LoadTestResult> {
  let text: string;
  try {
    text = await readFile(resultPath, 'utf8');
  } catch (err) {
    throw invalid(resultPath, `it cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, err);
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
  if (!Array.isArray(doc.series)) throw invalid(resultPath, 'it has no series array');
  return value as LoadTestResult;
}

/** `results/x.json` -> `results/x.html`. */
export function defaultReportPath(resultPath: string): string {
  const ext = extname(resultPath);
  return `${ext ? resultPath.slice(0, -ext.length) : resultPath}.html`;
}

/**
 * Renders the result file at `resultPath` to `outPath` (default: the same name with `.html`), creating the
 * folder if needed. Resolves to the absolute path written.
 */
export async function writeReport(resultPath: string, outPath?: string): Promise<string> {
  const result = await readResult(resultPath);
  const target = resolve(outPath ?? defaultReportPath(resultPath));
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, renderReport(result));
  return target;
}
