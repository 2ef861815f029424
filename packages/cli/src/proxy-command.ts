// `loadhouse proxy`: the fault proxy in the foreground, in front of any target (a real StreamHouse cluster
// too): a TCP proxy for its gRPC port and, with --s3-upstream, an HTTP proxy for its S3 endpoint, playing a
// fault timeline and printing each fault as it starts and ends, until Ctrl-C.
import { checkFaultProxyOptions, describeFault, LoadhouseError, startFaultProxy, type FaultProxyOptions } from '@loadhouse/core';
import type { CommandDefinition } from './command.js';
import { defineFlags, readFlags } from './flags.js';
import type { Io } from './io.js';

export const PROXY_FLAGS = defineFlags([
  {
    name: 'target',
    kind: 'string',
    value: '<host:port>',
    group: 'target',
    description: "The target's gRPC address the TCP proxy relays to",
  },
  {
    name: 'listen',
    kind: 'string',
    value: '<host:port>',
    group: 'target',
    description: 'Where the TCP proxy listens: give this address to loadhouse (or any client) as the target',
    default: '127.0.0.1:0',
  },
  {
    name: 's3-upstream',
    kind: 'string',
    value: '<url>',
    group: 'target',
    description:
      'The real S3 endpoint (http://host:port): starts the S3 proxy, to be given to the target as its S3 endpoint (needed by s3-* faults)',
  },
  {
    name: 's3-listen',
    kind: 'string',
    value: '<host:port>',
    group: 'target',
    description: 'Where the S3 proxy listens',
    default: '127.0.0.1:0',
  },
  {
    name: 'faults',
    kind: 'string',
    value: '<timeline>',
    group: 'run',
    description:
      "The fault timeline, times from the proxy's start: 'blackhole@30s+10s, latency@60s+20s=50ms, reset@90s, " +
      "s3-throttle@120s+30s=0.3, s3-latency@150s+30s=500ms' (kind@start+duration=parameter; docs/faults.md)",
  },
]);

export async function proxyCommand(raw: Record<string, unknown>, io: Io): Promise<number> {
  const v = readFlags(PROXY_FLAGS, raw);
  if (typeof v.target !== 'string' && typeof v.s3Upstream !== 'string') {
    throw new LoadhouseError('LH_INVALID_OPTION', "give --target (the target's gRPC host:port), --s3-upstream (its S3 endpoint), or both");
  }
  if (typeof v.faults !== 'string')
    throw new LoadhouseError('LH_INVALID_OPTION', "--faults is required, e.g. --faults 'blackhole@30s+10s'");
  const options: FaultProxyOptions = {
    ...(typeof v.target === 'string' ? { target: v.target } : {}),
    faults: v.faults,
    listen: v.listen as string,
    s3Listen: v.s3Listen as string,
    ...(typeof v.s3Upstream === 'string' ? { s3Upstream: v.s3Upstream } : {}),
  };
  // Checked before anything listens: a bad segment is named and nothing starts.
  checkFaultProxyOptions(options);
  const started = performance.now();
  const proxy = await startFaultProxy({
    ...options,
    onEvent: (e) =>
      io.stdout(
        `[${((performance.now() - started) / 1000).toFixed(1)} s] ${e.type === 'start' ? 'start' : 'end  '} ${describeFault(e.fault)}\n`,
      ),
  });
  if (proxy.address) io.stdout(`Fault proxy: gRPC ${proxy.address} -> ${v.target}\n`);
  if (proxy.s3Address) io.stdout(`S3 proxy: ${proxy.s3Address} -> ${v.s3Upstream} (give the target this S3 endpoint)\n`);
  io.stdout(`Timeline: ${proxy.faults.map(describeFault).join(', ')}\nCtrl-C stops the proxy.\n`);
  await new Promise<void>((resolve) => {
    const off = io.onSignal(() => {
      off();
      resolve();
    });
  });
  await proxy.close();
  const s = proxy.stats();
  io.stdout(
    `Proxy stopped: ${s.connections} connections relayed (${s.refused} refused by resets)${proxy.s3Address ? `, ${s.s3Requests} S3 requests (${s.s3Throttled} throttled)` : ''}.\n`,
  );
  return 0;
}

export const PROXY_COMMAND: CommandDefinition = {
  name: 'proxy',
  usage: 'proxy',
  description: "Run a fault proxy in front of a target's gRPC port (and its S3 endpoint) that injects a fault timeline, until Ctrl-C",
  flags: PROXY_FLAGS,
  examples: [
    "loadhouse proxy --target streamhouse:50051 --listen 127.0.0.1:6000 --faults 'blackhole@30s+10s, latency@60s+20s=50ms, reset@90s'",
    "loadhouse proxy --target streamhouse:50051 --s3-upstream http://minio:9000 --s3-listen 0.0.0.0:9100 --faults 's3-throttle@10s+30s=0.3'",
  ],
  action: (_args, raw, io) => proxyCommand(raw, io),
};
