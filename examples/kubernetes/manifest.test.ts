import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseCommandLine } from 'loadhouse';

interface JobDoc {
  kind: string;
  spec: {
    completionMode: string;
    completions: number;
    parallelism: number;
    template: { spec: { containers: Array<{ args: string[]; volumeMounts: Array<{ mountPath: string }> }> } };
  };
}

const docs = parseAllDocuments(readFileSync(new URL('./job.yaml', import.meta.url), 'utf8')).map((d) => d.toJS() as JobDoc);
const job = docs.find((d) => d.kind === 'Job')!;
const container = job.spec.template.spec.containers[0]!;

describe('examples/kubernetes/job.yaml', () => {
  it('is an Indexed Job with completions = parallelism', () => {
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.completions).toBe(job.spec.parallelism);
  });

  it("passes only flags the CLI accepts, with valid values, and --shards equal to the Job's completions", () => {
    for (let index = 0; index < job.spec.completions; index++) {
      const parsed = parseCommandLine(container.args, { JOB_COMPLETION_INDEX: String(index) });
      expect(parsed.command).toBe('run');
      expect(parsed.shard).toEqual({ index, count: job.spec.completions });
    }
  });

  it('writes results under a mounted volume', () => {
    const i = container.args.indexOf('--results-dir');
    expect(i).toBeGreaterThan(-1);
    const dir = container.args[i + 1]!;
    expect(container.volumeMounts.some((m) => dir.startsWith(m.mountPath))).toBe(true);
  });
});
