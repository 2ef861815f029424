// writeReport: result file in, HTML file out (what `loadhouse report results/x.json -o report.html` calls).
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { checkResult, LoadhouseError, writeOutput, type LoadTestResult } from '@loadhouse/core';
import { renderReport } from './render.js';

/**
 * Reads a result file and checks it against the result schema (checkResult) before anything uses it (the report,
 * `loadhouse merge`): a damaged or foreign file is LH_RESULT_INVALID naming what is wrong and where.
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
    throw new LoadhouseError(
      'LH_RESULT_INVALID',
      `${resultPath} is not a loadhouse result file: it is not valid JSON (${(err as Error).message}). Pass a results/<scenario>-<timestamp>.json written by \`loadhouse run\`.`,
      { cause: err, details: { path: resultPath } },
    );
  }
  return checkResult(value, resultPath);
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
