// The active probe: each cycle PUTs an object of random bytes under `_loadhouse-probe/`, GETs it back
// and compares the bytes, HEADs it and DELETEs it, timing each request.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { classifyS3Error, type ClassifiedError } from './classify.js';
import { StoppedError, withDeadline } from './client.js';
import type { LatencyRecorder, S3Operation } from './latency.js';
import { PROBE_PREFIX, type ResolvedS3ProbeOptions } from './options.js';
import type { RequestTally } from './tally.js';

export interface ProbeStep {
  op: Exclude<S3Operation, 'list'>;
  /** Duration in milliseconds (also for a failed request). */
  ms: number;
  error?: ClassifiedError;
}

export interface ProbeCycle {
  key: string;
  startedAt: string;
  steps: ProbeStep[];
  ok: boolean;
}

class CorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptObject';
  }
}

export class ActiveProbe {
  private seq = 0;
  /** Probe objects written and not yet deleted: removed at teardown so the bucket is left clean. */
  readonly leftovers = new Set<string>();
  private readonly runPrefix: string;

  constructor(
    private readonly client: S3Client,
    private readonly options: ResolvedS3ProbeOptions,
    private readonly latency: LatencyRecorder,
    private readonly tally: RequestTally,
    private readonly stop: AbortSignal,
  ) {
    // One folder per run, so concurrent runs against one bucket never touch each other's objects.
    this.runPrefix = `${PROBE_PREFIX}${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}/`;
  }

  /** One PUT, GET, HEAD, DELETE round. Resolves null when the run stopped mid-cycle (nothing counted then). */
  async cycle(): Promise<ProbeCycle | null> {
    const key = `${this.runPrefix}${String(this.seq++).padStart(8, '0')}`;
    const startedAt = new Date().toISOString();
    const body = randomBytes(this.options.objectSize);
    const { bucket } = this.options;
    const steps: ProbeStep[] = [];

    // Tracked before the PUT: a PUT that timed out or was cut short by the end of the run may still
    // have stored the object, and teardown deletes whatever is tracked.
    this.leftovers.add(key);
    try {
      const put = await this.step('put', steps, (signal) =>
        this.client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentLength: body.length,
            ContentType: 'application/octet-stream',
          }),
          { abortSignal: signal },
        ),
      );
      if (put) {
        await this.step('get', steps, async (signal) => {
          const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
          if (!res.Body) throw new CorruptError('GET returned no body');
          const got = await res.Body.transformToByteArray();
          if (got.length !== body.length || !body.equals(got)) {
            throw new CorruptError(`GET returned ${got.length} bytes that differ from the ${body.length} bytes PUT`);
          }
        });
        await this.step('head', steps, async (signal) => {
          const res = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
          if (res.ContentLength !== undefined && res.ContentLength !== body.length) {
            throw new CorruptError(`HEAD reports ${res.ContentLength} bytes, ${body.length} were PUT`);
          }
        });
      }
      const deleted = await this.step('delete', steps, (signal) =>
        this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }),
      );
      if (deleted) this.leftovers.delete(key);
    } catch (err) {
      if (err instanceof StoppedError) return null;
      throw err;
    }
    return { key, startedAt, steps, ok: steps.every((s) => !s.error) };
  }

  /** Runs one timed request: records latency on success, the classified error on failure. */
  private async step(op: ProbeStep['op'], steps: ProbeStep[], fn: (signal: AbortSignal) => Promise<unknown>): Promise<boolean> {
    const t0 = performance.now();
    try {
      await withDeadline(this.options.timeoutMs, this.stop, fn);
      const ms = performance.now() - t0;
      this.latency.record(op, ms);
      this.tally.record(op);
      steps.push({ op, ms });
      return true;
    } catch (err) {
      if (err instanceof StoppedError) throw err;
      const ms = performance.now() - t0;
      const error: ClassifiedError =
        err instanceof CorruptError ? { kind: 'corrupt', code: 'CorruptObject', message: err.message } : classifyS3Error(err);
      // A corrupt GET still completed: its time is a real GET latency.
      if (error.kind === 'corrupt') this.latency.record(op, ms);
      this.tally.record(op, error);
      steps.push({ op, ms, error });
      return false;
    }
  }

  /** Deletes probe objects a failed cycle left behind (best effort, bounded by the request deadline). */
  async cleanup(): Promise<void> {
    const keys = [...this.leftovers].slice(0, 100);
    await Promise.allSettled(
      keys.map((key) =>
        withDeadline(this.options.timeoutMs, undefined, (signal) =>
          this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }), { abortSignal: signal }),
        ).then(() => this.leftovers.delete(key)),
      ),
    );
  }
}
