// What loadhouse writes (result JSON, HTML report, merged result) and what it says when it cannot: a run whose
// result could not be written is not a success, an unusable output path is a coded error before any work, and
// the HTML report's headline is the verdict. Full disks are real: a tiny tmpfs (needs root, as in CI here).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadTestResult } from '@loadhouse/core';
import { main } from './main.js';
import { args, captureIo, runCli } from './test-io.js';

// A 2 s run takes 40 s end to end on a busy 2-core machine (agent start, workers, teardown): room to spare.
const RUN_TIMEOUT = 150_000;
let dir: string;
const mounts: string[] = [];
/** A real result whose P99 criterion failed (P99 < 1 µs cannot hold); every other criterion may pass. */
let failedResult: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lh-outputs-'));
  const { code, io } = await runCli(
    args`run high-throughput --duration 2 --target-rate 300 --partitions 1 --p99-ms 0.001 --results-dir ${join(dir, 'base')} --quiet`,
  );
  expect(code, io.err).toBe(1);
  failedResult = join(dir, 'base', readdirSync(join(dir, 'base')).find((f) => f.endsWith('.json'))!);
}, RUN_TIMEOUT);
afterAll(() => {
  for (const m of mounts) execFileSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
});

/** Mounts a tmpfs of `kb` KiB and fills it until only `freeBytes` are left; undefined when mounting is not allowed. */
function tinyDisk(name: string, kb: number, freeBytes: number): string | undefined {
  const mnt = join(dir, name);
  mkdirSync(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', mnt], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  mounts.push(mnt);
  const { bavail, bsize } = statfsSync(mnt);
  writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, bavail * bsize - freeBytes)));
  return mnt;
}
const canMount = (() => {
  try {
    return process.getuid?.() === 0 && execFileSync('which', ['mount']).length > 0;
  } catch {
    return false;
  }
})();

describe('a result that cannot be written is a failed run', () => {
  it.skipIf(!canMount)(
    'the disk fills up under the run: LH_RESULT_WRITE_FAILED, exit 3, the summary still printed, no half file',
    async () => {
      // 8 KiB free: enough for the pre-flight checks, far too little for a result document.
      const disk = tinyDisk('nearly-full', 256, 8 * 1024)!;
      const results = join(disk, 'results');
      const { code, io } = await runCli(
        args`run high-throughput --duration 2 --target-rate 300 --partitions 1 --p99-ms 5000 --results-dir ${results} --quiet`,
      );
      expect(io.err).toMatch(/LH_RESULT_WRITE_FAILED: .*ENOSPC/);
      expect(io.err).toContain(results);
      expect(io.err).not.toContain('Result written to');
      // The measurements are not lost silently: the summary is on stdout, saying the run failed.
      expect(io.out).toContain('Messages sent:');
      expect(io.out).toMatch(/\(failed/);
      expect(code, io.err).toBe(3);
      expect(readdirSync(results)).toEqual([]);
    },
    RUN_TIMEOUT,
  );

  it.skipIf(!canMount)(
    'suite on a nearly full disk: the unwritten result is coded, no stack trace, the suite exits 3',
    async () => {
      const disk = tinyDisk('suite', 256, 8 * 1024)!;
      const results = join(disk, 'results');
      const { code, io } = await runCli(['suite', '--scale', '0.001', '--only', 'high-throughput', '--results-dir', results, '--quiet']);
      expect(io.err).toMatch(/LH_RESULT_WRITE_FAILED: The result could not be written .*ENOSPC/);
      expect(io.err).not.toMatch(/\n\s+at /);
      expect(io.out).toContain('Suite summary:');
      expect(code, io.err).toBe(3);
    },
    RUN_TIMEOUT,
  );

  it.skipIf(!canMount)('a disk already full is refused before the target is started: exit 2', async () => {
    const disk = tinyDisk('full', 64, 0)!;
    const { code, io } = await runCli(args`run high-throughput --duration 2 --target-rate 300 --results-dir ${join(disk, 'results')}`);
    expect(io.err).toMatch(/error LH_INVALID_OPTION: --results-dir .* no space left/);
    expect(io.err).not.toContain('Embedded agent');
    expect(code).toBe(2);
  });

  it.skipIf(!canMount)('an HTML report that does not fit: LH_RESULT_WRITE_FAILED, exit 3, no truncated page left', async () => {
    const disk = tinyDisk('report', 128, 8 * 1024)!;
    const out = join(disk, 'report.html');
    const { code, io } = await runCli(['report', failedResult, '-o', out]);
    expect(io.err).toMatch(/error LH_RESULT_WRITE_FAILED: .*report\.html.*ENOSPC/);
    expect(io.err).not.toMatch(/\n\s+at /);
    expect(code).toBe(3);
    expect(readdirSync(disk)).toEqual(['filler']);
  });
});

describe('output paths are checked before any work', () => {
  it('--results-dir under /proc (mkdir -p never ends there) is a coded error at once, for run and suite', async () => {
    for (const argv of [
      ['run', 'high-throughput', '--duration', '2', '--results-dir', '/proc/x/y'],
      ['suite', '--scale', '0.001', '--only', 'high-throughput', '--results-dir', '/proc/x/y'],
    ]) {
      const { code, io } = await runCli(argv);
      expect(io.err, argv[0]).toMatch(/error LH_INVALID_OPTION: --results-dir \/proc\/x\/y cannot be created \(ENOENT\)/);
      expect(io.err).not.toContain('Embedded agent');
      expect(code).toBe(2);
    }
  });

  it('--results-dir naming a file, or a folder under a file: exit 2 before the target is started', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    for (const resultsDir of [file, join(file, 'sub')]) {
      const { code, io } = await runCli(['run', 'high-throughput', '--duration', '2', '--results-dir', resultsDir]);
      expect(io.err).toMatch(/error LH_INVALID_OPTION: --results-dir .*a-file.* is not a folder/);
      expect(io.err).not.toContain('Embedded agent');
      expect(code).toBe(2);
    }
  });

  it('report -o and merge -o under a file, or on a folder: LH_INVALID_OPTION, exit 2, no stack trace, nothing written', async () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    for (const argv of [
      ['report', failedResult, '-o', join(file, 'report.html')],
      ['merge', failedResult, '-o', join(file, 'merged.json')],
      ['report', failedResult, '-o', folder],
      ['merge', failedResult, '-o', folder],
    ]) {
      const { code, io } = await runCli(argv);
      expect(io.err, argv.join(' ')).toMatch(/^error LH_INVALID_OPTION: --out .*(is not a folder|is a folder)/);
      expect(io.err).not.toMatch(/\n\s+at /);
      expect(code).toBe(2);
    }
    expect(readFileSync(file, 'utf8')).toBe('x');
    expect(readdirSync(folder)).toEqual([]);
  });
});

describe('the HTML report leads with the verdict', () => {
  it('a completed run whose criterion failed: the headline badge says failed, "completed" is only the end reason', async () => {
    const result = JSON.parse(readFileSync(failedResult, 'utf8')) as LoadTestResult;
    expect(result.state).toBe('completed');
    const out = join(dir, 'verdict.html');
    const io = captureIo();
    expect(await main(['report', failedResult, '-o', out], io)).toBe(0);
    const h1 = /<h1>([\s\S]*?)<\/h1>/.exec(readFileSync(out, 'utf8'))![1]!;
    expect(h1).toMatch(/<span class="badge verdict failed"[^>]*>failed<\/span>/);
    expect(h1).not.toMatch(/class="badge[^"]*completed/);
  });
});
