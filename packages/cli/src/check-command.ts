// `loadhouse check`: the pre-flight on its own, so CI can gate on a target before a long run.
import { RestDriver, StreamHouseClient, type ClientOptions } from '@loadhouse/core/wire';
import { type DriverDefinition, LoadhouseError, type TargetOptions } from '@loadhouse/core';
import type { CommandDefinition } from './command.js';
import { EXIT } from './exit-codes.js';
import { defineFlags, flagNamed, pickFlags, readFlags } from './flags.js';
import type { Io } from './io.js';
import { runPreflight } from './plugins.js';
import { TARGET_FLAGS, targetFromFlags } from './target-flags.js';

/** The connection flags `run` has, for a check of the same target the same way (a check's own wording where it differs). */
export const CHECK_FLAGS = defineFlags([
  {
    name: 'target',
    kind: 'string',
    value: '<host:port|url>',
    group: 'target',
    description: 'gRPC address of the StreamHouse server or agent (its REST base URL with --protocol rest)',
    default: 'localhost:50051',
  },
  flagNamed(TARGET_FLAGS, 'protocol'),
  {
    name: 'http-target',
    kind: 'string',
    value: '<url>',
    group: 'target',
    description: 'HTTP base address (/health, /ready, /metrics) (default: http://<host of --target>:8080)',
  },
  flagNamed(TARGET_FLAGS, 'org'),
  { ...flagNamed(TARGET_FLAGS, 'connect-timeout'), description: 'Seconds to wait for the gRPC connection' },
  { ...flagNamed(TARGET_FLAGS, 'ready-timeout'), description: 'Seconds to wait for /ready to answer 200' },
  ...pickFlags(TARGET_FLAGS, ['tls-ca', 'tls-cert', 'tls-key', 'auth-token', 'sasl-username', 'sasl-password']),
]);

/** Connects, and checks that the peer speaks streamhouse.StreamHouse; gives its number of topics. */
export async function checkGrpc(address: string, options: ClientOptions, timeoutMs: number): Promise<number> {
  const client = new StreamHouseClient(address, options);
  try {
    await client.waitForReady(timeoutMs);
    return await client.verifyService(timeoutMs);
  } finally {
    client.close();
  }
}

/** Checks that the REST API answers as StreamHouse's (GET /api/v1/topics gives a topic list). */
export async function checkRest(target: TargetOptions, timeoutMs: number): Promise<void> {
  const driver = new RestDriver({
    address: target.address,
    deadlineMs: timeoutMs,
    connections: 1,
    options: {},
    ...(target.organizationId !== undefined ? { organizationId: target.organizationId } : {}),
    ...(target.metadata !== undefined ? { metadata: target.metadata } : {}),
    ...(target.tls !== undefined ? { tls: target.tls } : {}),
  });
  try {
    await driver.connect({ timeoutMs, verify: true });
  } finally {
    driver.close();
  }
}

/** Checks that the Kafka door answers Metadata (and takes the SASL login), through the Kafka driver package. */
export async function checkKafka(target: TargetOptions, timeoutMs: number): Promise<void> {
  const pkg = '@loadhouse/driver-kafka';
  let def: DriverDefinition;
  try {
    def = ((await import(pkg)) as { kafkaDriver: DriverDefinition }).kafkaDriver;
  } catch (cause) {
    throw new LoadhouseError(
      'LH_DRIVER_NOT_INSTALLED',
      `check --protocol kafka needs the ${pkg} package: run \`npm i ${pkg}\`, then check again.`,
      {
        cause,
      },
    );
  }
  const driver = def.create({
    address: target.address,
    deadlineMs: timeoutMs,
    connections: 1,
    options: {},
    ...(target.tls !== undefined ? { tls: target.tls } : {}),
    ...(target.sasl !== undefined ? { sasl: target.sasl } : {}),
  });
  try {
    await driver.connect({ timeoutMs, verify: true });
  } catch (err) {
    if (err instanceof LoadhouseError) throw err;
    throw new LoadhouseError(
      'LH_TARGET_UNREACHABLE',
      `Cannot connect to the Kafka door at ${target.address} within ${timeoutMs} ms: ${(err as Error).message}. Check the address (the Kafka port, 9092 by default) and that the broker is running.`,
      { cause: err },
    );
  } finally {
    driver.close();
  }
}

export async function checkCommand(raw: Record<string, unknown>, io: Io): Promise<number> {
  const v = readFlags(CHECK_FLAGS, raw);
  const target = targetFromFlags(v, io.env)!;
  const address = target.address;
  if (target.protocol === 'rest') {
    await checkRest(target, target.connectTimeoutMs!);
    io.stdout(`ok  REST ${address}: StreamHouse's REST API answers\n`);
    await runPreflight(target.httpAddress!, v.readyTimeout * 1000, io);
    return EXIT.OK;
  }
  if (target.protocol === 'kafka') {
    await checkKafka(target, target.connectTimeoutMs!);
    io.stdout(`ok  Kafka ${address}: the Kafka door answers\n`);
  } else {
    const topics = await checkGrpc(
      address,
      { organizationId: target.organizationId, tls: target.tls, metadata: target.metadata },
      target.connectTimeoutMs!,
    );
    io.stdout(`ok  gRPC ${address}: streamhouse.StreamHouse answers (${topics} topics)\n`);
  }
  // Without --http-target, the HTTP side of the same host, on StreamHouse's default port.
  const host = address.slice(0, address.lastIndexOf(':'));
  await runPreflight(target.httpAddress ?? `http://${host}:8080`, v.readyTimeout * 1000, io);
  return EXIT.OK;
}

export const CHECK_COMMAND: CommandDefinition = {
  name: 'check',
  usage: 'check',
  description:
    'Pre-flight a target: gRPC reachable and speaking StreamHouse, /health 200, /ready 200 within --ready-timeout, /metrics parses',
  flags: CHECK_FLAGS,
  examples: [
    'loadhouse check --target localhost:50051 --http-target http://localhost:8080',
    'loadhouse check --protocol rest --target http://localhost:8080',
    'loadhouse check --protocol kafka --target localhost:9092 --http-target http://localhost:8080',
  ],
  action: (_args, raw, io) => checkCommand(raw, io),
};
