// The entrypoint of a shard pod (job.yaml): `node shard.mjs run <scenario> ... --results-dir <dir>`.
// It runs the loadhouse CLI with those arguments, then uploads the shard's result files to S3, so they outlive
// the pod without a shared volume (which default storage classes do not offer across nodes).
//
// A failed criterion, or an aborted or failed run, is a verdict: it is in the result, and `loadhouse merge`
// reads it. So once the result is uploaded the pod exits 0; a non-zero exit would fail the pod, and with it
// the Job and the verdict. The pod fails only when loadhouse refused to start (exit 2: nothing was sent)
// or no result could be written or uploaded.
//
// Environment: LOADHOUSE_RESULTS_S3 (s3://bucket/prefix), the AWS SDK's own (AWS_REGION, credentials or a
// service account role, AWS_ENDPOINT_URL for an S3-compatible store), LOADHOUSE_BIN (default: the installed
// loadhouse CLI).
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const USAGE_EXIT = 2;

/** `s3://bucket/some/prefix` -> { bucket, prefix } (prefix without a trailing slash). */
function parseS3Url(url) {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url ?? '');
  if (!m) throw new Error(`LOADHOUSE_RESULTS_S3 must be s3://bucket/prefix, got ${JSON.stringify(url)}`);
  return { bucket: m[1], prefix: m[2].replace(/\/+$/, '') };
}

/** The value of `--results-dir` among the CLI arguments. */
function resultsDirOf(args) {
  const i = args.findIndex((a) => a === '--results-dir' || a.startsWith('--results-dir='));
  if (i === -1) return undefined;
  return args[i].includes('=') ? args[i].slice(args[i].indexOf('=') + 1) : args[i + 1];
}

/** The pod's exit code for the CLI's: 0 once a result is kept, whatever its verdict. */
function podExitCode(cliCode, uploaded) {
  if (cliCode === USAGE_EXIT) return USAGE_EXIT;
  return uploaded > 0 ? 0 : 1;
}

function runCli(bin, args) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: 'inherit' });
  // Kubernetes stops a pod with SIGTERM: loadhouse then drains and writes its partial result, which is uploaded.
  const forward = (signal) => child.kill(signal);
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('SIGTERM', forward);
      process.off('SIGINT', forward);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

async function main(args, env) {
  const target = parseS3Url(env.LOADHOUSE_RESULTS_S3);
  const dir = resultsDirOf(args);
  if (!dir) throw new Error('give --results-dir: the folder whose result files are uploaded');
  const bin = env.LOADHOUSE_BIN ?? fileURLToPath(new URL('./bin.js', import.meta.resolve('loadhouse')));
  const code = await runCli(bin, args);
  if (code === USAGE_EXIT) return USAGE_EXIT;
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.json'));
  if (files.length === 0) {
    console.error(`shard: loadhouse exited ${code} and wrote no result in ${dir}`);
    return podExitCode(code, 0);
  }
  // An S3-compatible store (AWS_ENDPOINT_URL) often lacks virtual-host buckets and the newer default checksums.
  const compatible = Boolean(env.AWS_ENDPOINT_URL);
  const s3 = new S3Client(compatible ? { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' } : {});
  let uploaded = 0;
  for (const f of files) {
    const key = target.prefix ? `${target.prefix}/${f}` : f;
    const body = await readFile(path.join(dir, f));
    await s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body, ContentType: 'application/json' }));
    console.error(`shard: uploaded s3://${target.bucket}/${key} (loadhouse exit ${code}: the verdict is in the result)`);
    uploaded++;
  }
  s3.destroy();
  return podExitCode(code, uploaded);
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`shard: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
