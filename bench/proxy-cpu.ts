// The fault proxy's own CPU per byte relayed, with no fault in force: an echo server in this process, a client
// writing MiBs through it directly and through the proxy, alternated round by round; the process's CPU time of
// each path, and their difference (the proxy's share). CPU time is far less sensitive than latency to other
// jobs on a busy machine, so it shows a change to the relay's per-chunk work when latency figures cannot.
// Run: pnpm bench proxy-cpu   (BENCH_MIB=40 BENCH_CHUNK_KIB=1 BENCH_ROUNDS=5)
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { loadavg } from 'node:os';
import { startFaultProxy } from '@loadhouse/core';

const MIB = Number(process.env.BENCH_MIB ?? 40);
const CHUNK = Buffer.alloc(Number(process.env.BENCH_CHUNK_KIB ?? 1) * 1024, 7);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const echo = net.createServer((s) => {
  s.on('error', () => undefined); // the proxy's close resets its side
  s.pipe(s);
});
await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
const echoAddress = `127.0.0.1:${(echo.address() as net.AddressInfo).port}`;

/** Writes MIB through `address` in CHUNK writes, waits for all of it back: the process's CPU ms. */
async function relay(address: string): Promise<number> {
  const [host, port] = address.split(':');
  const s = await new Promise<net.Socket>((resolve) => {
    const c = net.connect(Number(port), host, () => resolve(c));
  });
  s.setNoDelay(true);
  const total = MIB * 1024 * 1024;
  let got = 0;
  const back = new Promise<void>((resolve) =>
    s.on('data', (b: Buffer) => {
      got += b.length;
      if (got >= total) resolve();
    }),
  );
  const cpu = process.cpuUsage();
  for (let sent = 0; sent < total; sent += CHUNK.length) {
    if (!s.write(CHUNK)) await new Promise((r) => s.once('drain', r));
  }
  await back;
  const used = process.cpuUsage(cpu);
  s.destroy();
  return (used.user + used.system) / 1000;
}

const rows: Array<{ round: number; path: 'direct' | 'proxy'; cpuMs: number }> = [];
console.log(
  `proxy CPU: ${MIB} MiB each way in ${CHUNK.length / 1024} KiB writes, ${ROUNDS} rounds; load average ${loadavg()[0]!.toFixed(2)}`,
);
for (let round = 0; round < ROUNDS; round++) {
  for (const path of round % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const)) {
    const proxy = path === 'proxy' ? await startFaultProxy({ target: echoAddress, faults: [] }) : undefined;
    const cpuMs = await relay(proxy?.address ?? echoAddress);
    await proxy?.close();
    rows.push({ round, path, cpuMs });
    console.log(`round ${round} ${path.padEnd(6)} cpu ${cpuMs.toFixed(0)} ms`);
  }
}
echo.close();
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const direct = median(rows.filter((r) => r.path === 'direct').map((r) => r.cpuMs));
const proxied = median(rows.filter((r) => r.path === 'proxy').map((r) => r.cpuMs));
const summary = {
  mib: MIB,
  chunkKiB: CHUNK.length / 1024,
  rounds: ROUNDS,
  loadAverage: loadavg()[0],
  directCpuMs: direct,
  proxyCpuMs: proxied,
  proxyOwnCpuMs: proxied - direct,
  rows,
};
console.log(
  `\nmedian CPU: direct ${direct.toFixed(0)} ms, through the proxy ${proxied.toFixed(0)} ms; the proxy's own ${(proxied - direct).toFixed(0)} ms for ${MIB} MiB each way`,
);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/proxy-cpu.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);
