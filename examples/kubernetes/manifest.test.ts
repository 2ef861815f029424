// The Kubernetes example, checked without a cluster or Docker: job.yaml against the Kubernetes API's JSON
// schemas (kubernetes-models) and the CLI's own flag definitions, the Dockerfile by reading it, and the pod's
// entrypoint shard.mjs for real: a loadhouse run against the reference agent, its result uploaded to s3rver.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1/Job';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { startAgent, type Agent } from '@loadhouse/agent';
import type { LoadTestResult } from '@loadhouse/core';
import { parseCommandLine } from 'loadhouse';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const docs = parseAllDocuments(readFileSync(here('./job.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string });
const job = new Job(docs.find((d) => d.kind === 'Job') as ConstructorParameters<typeof Job>[0]);
const pod = job.spec!.template.spec!;
const container = pod.containers[0] as IContainer;
const args = container.args!;

/** `$(VAR)` in args as the kubelet expands it, from the container's env and the Indexed Job's own variable. */
function expand(values: Record<string, string>): string[] {
  return args.map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => values[name] ?? m));
}

describe('examples/kubernetes/job.yaml', () => {
  it('is valid against the Kubernetes API schemas', () => {
    expect(docs.length).toBeGreaterThan(0);
    for (const d of docs) expect(d.kind, 'only the Job: the run ConfigMap is made per run (README.md)').toBe('Job');
    expect(() => job.validate()).not.toThrow();
  });

  it('is an Indexed Job with completions = parallelism, where a failed criterion does not fail the Job', () => {
    expect(job.spec!.completionMode).toBe('Indexed');
    expect(job.spec!.completions).toBe(job.spec!.parallelism);
    // The verdict is in the uploaded result: shard.mjs exits 0 then; a failing shard does not stop the others.
    expect(container.command).toEqual(['node', '/app/shard.mjs']);
    expect(job.spec!.backoffLimitPerIndex).toBe(0);
    expect(job.spec!.backoffLimit).toBeUndefined();
  });

  it('runs as a non-root user and needs no shared volume: results go to a pod-local folder, then S3', () => {
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).not.toBe(0);
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    for (const v of pod.volumes ?? []) expect(v.persistentVolumeClaim, v.name).toBeUndefined();
    const dir = args[args.indexOf('--results-dir') + 1]!;
    const mount = container.volumeMounts!.find((m) => dir.startsWith(m.mountPath))!;
    expect(pod.volumes!.find((v) => v.name === mount.name)?.emptyDir).toBeDefined();
    expect(container.env!.find((e) => e.name === 'LOADHOUSE_RESULTS_S3')?.value).toMatch(/^s3:\/\/[^/]+\/\$\(RUN_ID\)$/);
  });

  it("passes only flags the CLI accepts, with valid values, --shards equal to the Job's completions and one --start-at", () => {
    const env = Object.fromEntries(
      container.env!.filter((e) => e.valueFrom?.configMapKeyRef).map((e) => [e.name, e.valueFrom!.configMapKeyRef!.key]),
    );
    expect(env).toEqual({ RUN_ID: 'runId', START_AT: 'startAt' });
    expect(args).toContain('--start-at');
    const values = { RUN_ID: 'high-throughput-test', START_AT: new Date(Date.now() + 180_000).toISOString() };
    for (let index = 0; index < job.spec!.completions!; index++) {
      const parsed = parseCommandLine(expand(values), { JOB_COMPLETION_INDEX: String(index) });
      expect(parsed.command).toBe('run');
      expect(parsed.shard).toEqual({ index, count: job.spec!.completions });
      expect(parsed.values.startAt).toBe(values.START_AT);
      expect(parsed.values.runId).toBe(values.RUN_ID);
    }
    // A start time already gone is refused, as a real run would refuse it.
    expect(() => parseCommandLine(expand({ ...values, START_AT: '2020-01-01T00:00:00Z' }), { JOB_COMPLETION_INDEX: '0' })).toThrow(
      /--start-at/,
    );
  });
});

describe('examples/kubernetes/Dockerfile', () => {
  const text = readFileSync(here('./Dockerfile'), 'utf8');
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: string[][] = [];
  for (const l of lines) {
    if (l.startsWith('FROM ')) stages.push([l]);
    else stages.at(-1)?.push(l);
  }
  const runtime = stages.at(-1)!;

  it('builds in one stage and runs from another holding production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/pnpm --filter @loadhouse\/kubernetes-example deploy --prod \/out/);
    expect(runtime.filter((l) => l.startsWith('RUN '))).toEqual([]);
    expect(runtime.filter((l) => l.startsWith('COPY ')).every((l) => l.startsWith('COPY --from='))).toBe(true);
    expect(runtime).toContain('ENV NODE_ENV=production');
  });

  it('runs as a non-root user', () => {
    const user = runtime.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user!.slice(5).trim()).not.toMatch(/^(root|0)(:|$)/);
  });

  it('keeps node_modules, .git, build output and results out of the build context', () => {
    const ignored = readFileSync(here('./Dockerfile.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['**/node_modules', '.git', '**/dist', '**/results']) expect(ignored).toContain(p);
  });
});

describe('examples/kubernetes/shard.mjs', () => {
  let server: S3rver;
  let s3: S3Client;
  let agent: Agent;
  let dir: string;
  let endpoint: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lh-shard-'));
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: join(dir, 's3'),
      configureBuckets: [{ name: 'results', configs: [] }],
    });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    s3 = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    agent = await startAgent({ grpcPort: 0, httpPort: 0 });
  });
  afterAll(async () => {
    s3?.destroy();
    await agent?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** shard.mjs as the pod runs it, with the CLI from source in place of the image's build. */
  function shard(runId: string, extra: string[]): Promise<{ code: number | null; err: string }> {
    const child = spawn(
      process.execPath,
      [
        here('./shard.mjs'),
        'run',
        'high-throughput',
        '--target',
        agent.grpcAddress,
        '--http-target',
        agent.httpAddress,
        '--duration',
        '1',
        '--target-rate',
        '200',
        '--partitions',
        '1',
        '--workers',
        '1',
        '--run-id',
        runId,
        '--results-dir',
        join(dir, runId),
        '--quiet',
        ...extra,
      ],
      {
        cwd: here('../..'),
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          NODE_OPTIONS: '--conditions=source --import tsx',
          LOADHOUSE_BIN: here('../../packages/cli/src/bin.ts'),
          LOADHOUSE_RESULTS_S3: `s3://results/${runId}`,
          AWS_ENDPOINT_URL: endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'S3RVER',
          AWS_SECRET_ACCESS_KEY: 'S3RVER',
        },
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, err })));
  }

  async function uploaded(runId: string): Promise<string[]> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'results', Prefix: `${runId}/` }));
    return (listed.Contents ?? []).map((o) => o.Key!);
  }

  it('uploads the result and exits 0 when a criterion failed: the verdict is in the result, not in the pod', async () => {
    const { code, err } = await shard('verdict', ['--p99-ms', '0.001']);
    expect(err).toMatch(
      /shard: uploaded s3:\/\/results\/verdict\/high-throughput-.*\.json \(loadhouse exit 1: the verdict is in the result\)/,
    );
    expect(code, err).toBe(0);
    const keys = await uploaded('verdict');
    expect(keys).toHaveLength(1);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: 'results', Key: keys[0]! }))).Body!.transformToString();
    const result = JSON.parse(body) as LoadTestResult;
    expect(result.runId).toBe('verdict');
    expect(result.criteria.find((c) => c.metric === 'producer.latency.p99')?.passed).toBe(false);
  }, 180_000);

  it('fails the pod, uploading nothing, when loadhouse refuses to start (exit 2)', async () => {
    const { code, err } = await shard('refused', ['--start-at', '2020-01-01T00:00:00Z']);
    expect(err).toContain('LH_INVALID_OPTION');
    expect(code).toBe(2);
    expect(await uploaded('refused')).toEqual([]);
  }, 180_000);
});
