// `loadhouse check`: the pre-flight on its own, so CI can gate on a target before a long run.
import { LoadhouseError, MAX_TIMEOUT_SECONDS } from '@loadhouse/core';
import { StreamHouseClient, isServiceError, grpc, type ClientOptions } from '@loadhouse/core/wire';
import { EXIT } from './exit-codes.js';
import { readFlags, RUN_FLAGS, type FlagSpec } from './flags.js';
import type { Io } from './io.js';
import { runPreflight } from './plugins.js';
import { targetFromFlags } from './run-command.js';

/** The connection flags `run` has, for a check of the same target the same way. */
const sameAsRun = (name: string): FlagSpec => RUN_FLAGS.find((f) => f.name === name)!;

export const CHECK_FLAGS: FlagSpec[] = [
  {
    name: 'target',
    kind: 'string',
    value: '<host:port>',
    group: 'target',
    description: 'gRPC address of the StreamHouse server or agent',
    default: 'localhost:50051',
  },
  {
    name: 'http-target',
    kind: 'string',
    value: '<url>',
    group: 'target',
    description: 'HTTP base address (/health, /ready, /metrics) (default: http://<host of --target>:8080)',
  },
  {
    name: 'org',
    kind: 'string',
    value: '<id>',
    group: 'target',
    description: 'Organization id sent as x-organization-id (printable ASCII)',
  },
  {
    name: 'connect-timeout',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    exclusiveMin: true,
    max: MAX_TIMEOUT_SECONDS,
    group: 'target',
    description: 'Seconds to wait for the gRPC connection',
    default: 5,
  },
  {
    name: 'ready-timeout',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    max: MAX_TIMEOUT_SECONDS,
    group: 'target',
    description: 'Seconds to wait for /ready to answer 200',
    default: 30,
  },
  ...['tls-ca', 'tls-cert', 'tls-key', 'auth-token'].map(sameAsRun),
];

/** Connects, and checks that the peer speaks streamhouse.StreamHouse (ListTopics answers). */
export async function checkGrpc(address: string, options: ClientOptions, timeoutMs: number): Promise<number> {
  const client = new StreamHouseClient(address, options);
  try {
    await client.waitForReady(timeoutMs);
    try {
      const res = await client.listTopics();
      return res.topics.length;
    } catch (err) {
      if (isServiceError(err) && err.code === grpc.status.UNIMPLEMENTED) {
        throw new LoadhouseError(
          'LH_TARGET_NOT_STREAMHOUSE',
          `${address} accepts gRPC but does not serve streamhouse.StreamHouse (ListTopics: UNIMPLEMENTED). Is this the StreamHouse gRPC port?`,
          { cause: err },
        );
      }
      throw new LoadhouseError('LH_TARGET_NOT_STREAMHOUSE', `${address} did not answer ListTopics: ${(err as Error).message}`, {
        cause: err,
      });
    }
  } finally {
    client.close();
  }
}

export async function checkCommand(raw: Record<string, unknown>, io: Io): Promise<number> {
  const v = readFlags(CHECK_FLAGS, raw);
  const target = targetFromFlags(v, io.env)!;
  const address = target.address;
  const topics = await checkGrpc(
    address,
    { organizationId: target.organizationId, tls: target.tls, metadata: target.metadata },
    target.connectTimeoutMs!,
  );
  io.stdout(`ok  gRPC ${address}: streamhouse.StreamHouse answers (${topics} topics)\n`);
  // Without --http-target, the HTTP side of the same host, on StreamHouse's default port.
  const host = address.slice(0, address.lastIndexOf(':'));
  await runPreflight(target.httpAddress ?? `http://${host}:8080`, (v.readyTimeout as number) * 1000, io);
  return EXIT.OK;
}
