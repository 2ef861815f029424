// Where a thread's time goes, from a V8 .cpuprofile (node --cpu-prof writes one per thread, worker threads
// included): self time by function, self time by module (a node_modules package, loadhouse's own sources,
// node internals, GC, idle), and inclusive time of the functions whose stacks hold most samples. Shares are of
// the samples taken; "busy" leaves out (idle) and (program) so a half-idle thread's hot spots stay readable.
//
// Run: npx tsx bench/profile-summary.ts FILE.cpuprofile [--top 25] [--from FUNCTION]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  /** Share of all samples, percent. */
  percent: number;
  /** Share of busy samples (idle and (program) left out), percent. */
  busyPercent: number;
  ms: number;
}

export interface ProfileSummary {
  seconds: number;
  samples: number;
  /** Percent of samples spent idle (the thread waited for I/O or timers). */
  idlePercent: number;
  gcPercent: number;
  self: Share[];
  modules: Share[];
  inclusive: Share[];
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** The module a frame belongs to: a package under node_modules, loadhouse's own package, node internals. */
export function moduleOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (SPECIAL.has(functionName)) return functionName;
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const pkg = /\/(packages|bench)\/([^/]+)/.exec(url);
  if (pkg) return pkg[1] === 'bench' ? 'bench' : `@loadhouse/${pkg[2]}`;
  return url.replace(/^file:\/\//, '');
}

function keyOf(frame: CallFrame): string {
  if (SPECIAL.has(frame.functionName)) return frame.functionName;
  const file = frame.url ? frame.url.replace(/^.*\/(node_modules|packages)\//, '').replace(/^file:\/\//, '') : '(native)';
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

/**
 * `from`: count only from the first sample whose stack holds a function of that name (e.g. the producer's
 * `send` in a load worker), so module loading and connecting do not dilute the steady state.
 */
export function summarizeProfile(p: CpuProfile, top = 25, from?: string): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  // A sample's time is the delta to the next sample (the last one takes the mean interval).
  const n = p.samples.length;
  const mean = n > 0 ? (p.endTime - p.startTime) / n : 0;
  const dt = (i: number) => (i + 1 < n ? p.timeDeltas[i + 1]! : mean) / 1000;
  const self = new Map<string, number>();
  const modules = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  let counting = from === undefined;
  for (let i = 0; i < n; i++) {
    const node = byId.get(p.samples[i]!);
    if (!node) continue;
    if (!counting) {
      for (let id: number | undefined = node.id; id !== undefined && !counting; id = parent.get(id)) {
        if (byId.get(id)!.callFrame.functionName === from) counting = true;
      }
      if (!counting) continue;
    }
    const ms = Math.max(0, dt(i));
    total += ms;
    const f = node.callFrame;
    if (f.functionName === '(idle)' || f.functionName === '(program)') idle += ms;
    if (f.functionName === '(garbage collector)') gc += ms;
    const k = keyOf(f);
    self.set(k, (self.get(k) ?? 0) + ms);
    const m = moduleOf(f);
    modules.set(m, (modules.get(m) ?? 0) + ms);
    // Each function once per sample, however often it recurs on the stack.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const fk = keyOf(byId.get(id)!.callFrame);
      if (fk === '(root)' || seen.has(fk)) continue;
      seen.add(fk);
      inclusive.set(fk, (inclusive.get(fk) ?? 0) + ms);
    }
  }
  const busy = total - idle;
  const shares = (m: Map<string, number>, limit: number): Share[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, ms]) => ({
        name,
        ms,
        percent: total > 0 ? (ms / total) * 100 : 0,
        busyPercent: busy > 0 && name !== '(idle)' && name !== '(program)' ? (ms / busy) * 100 : 0,
      }));
  return {
    seconds: total / 1000,
    samples: n,
    idlePercent: total > 0 ? (idle / total) * 100 : 0,
    gcPercent: total > 0 ? (gc / total) * 100 : 0,
    self: shares(self, top),
    modules: shares(modules, top),
    inclusive: shares(inclusive, top),
  };
}

export function formatSummary(s: ProfileSummary, title: string): string {
  const lines = [
    `${title}: ${s.seconds.toFixed(1)} s sampled (${s.samples} samples), idle ${s.idlePercent.toFixed(1)}%, GC ${s.gcPercent.toFixed(1)}%`,
  ];
  const table = (head: string, rows: Share[]) => {
    lines.push(`  ${head} (% of all / % of busy)`);
    for (const r of rows) lines.push(`    ${r.percent.toFixed(1).padStart(5)}  ${r.busyPercent.toFixed(1).padStart(5)}  ${r.name}`);
  };
  table('self time by module', s.modules);
  table('self time by function', s.self);
  table('inclusive time by function', s.inclusive);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const t = args.indexOf('--top');
  const top = t >= 0 ? Number(args[t + 1]) : 25;
  const f = args.indexOf('--from');
  const from = f >= 0 ? args[f + 1] : undefined;
  const files = args.filter((a, i) => !a.startsWith('--') && (t < 0 || i !== t + 1) && (f < 0 || i !== f + 1));
  if (files.length === 0) {
    console.error('usage: profile-summary FILE.cpuprofile [...] [--top N]');
    process.exit(2);
  }
  for (const file of files) {
    console.log(`${formatSummary(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top, from), file)}\n`);
  }
}
