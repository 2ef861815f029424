// Where a thread allocates: a sampled allocation profile (bench/worker-profiler.mjs with LH_PROFILE_KIND=heap)
// summed by allocating function, largest first. Every sampled allocation counts, collected or not, so the
// figures are the churn the garbage collector pays for, not what stays live.
//
// Run: node bench/heap-summary.mjs <file.heapprofile> [top=20]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/heap-summary.mjs <file.heapprofile> [top]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byFunction = new Map();
let total = 0;
const walk = (node) => {
  const f = node.callFrame;
  const where = f.url.replace(/.*node_modules\//, '').replace(/.*\/packages\//, '');
  const key = `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
  total += node.selfSize;
  byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
  for (const c of node.children) walk(c);
};
walk(profile.head);
console.log(`sampled allocations: ${(total / 1e6).toFixed(1)} MB`);
console.log('   share      MB  function');
for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 20))) {
  console.log(`${((100 * v) / total).toFixed(1).padStart(7)}% ${(v / 1e6).toFixed(1).padStart(7)}  ${k}`);
}
