// The GitHub Actions example, checked without GitHub: every `loadhouse` command its steps run parses with the
// CLI's own flag definitions (the env values substituted as the runner's shell would), and the gate step's exit
// status is compare's, so a regression fails the job.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCommandLine } from 'loadhouse';

interface Step {
  run?: string;
  uses?: string;
}
interface Workflow {
  env: Record<string, string | number>;
  jobs: Record<string, { if?: string; steps: Step[] }>;
}

const workflow = parse(readFileSync(fileURLToPath(new URL('./loadhouse-regression.yml', import.meta.url)), 'utf8')) as Workflow;
const expand = (line: string) =>
  line.replace(/\$([A-Z_]+)/g, (m, name: string) => (workflow.env[name] === undefined ? m : String(workflow.env[name])));
const loadhouseLines = (job: string) =>
  workflow.jobs[job]!.steps.flatMap((s) => (s.run ?? '').split('\n')).filter((l) => l.trim().startsWith('loadhouse '));

it('runs the same load test on main and on pull requests, and gates the pull request on compare', () => {
  expect(workflow.jobs.baseline!.if).toMatch(/push/);
  expect(workflow.jobs.gate!.if).toMatch(/pull_request/);
  const runs = ['baseline', 'gate'].map((job) => loadhouseLines(job).filter((l) => l.includes('$LOAD_TEST')));
  expect(runs.map((r) => r.length)).toEqual([1, 1]);
  for (const line of [...loadhouseLines('baseline'), ...loadhouseLines('gate')]) {
    const argv = expand(line.trim()).split(/\s+/).slice(1);
    expect(() => parseCommandLine(argv), line).not.toThrow();
  }
  // The compare line is the last command of its step: its exit status (1 on a regression) is the step's.
  const gate = workflow.jobs.gate!.steps.find((s) => s.run?.includes('loadhouse compare'))!;
  const last = gate.run!.trim().split('\n').pop()!;
  expect(last).toMatch(/^loadhouse compare baseline\.json candidate\.json /);
  expect(parseCommandLine(expand(last).split(/\s+/).slice(1)).command).toBe('compare');
});
