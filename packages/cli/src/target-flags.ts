// How `run`, `suite` and `check` reach a target: the flags that name it (address, HTTP side, identity, TLS,
// timeouts) and the TargetOptions they make, checked before anything starts.
import { readFileSync } from 'node:fs';
import {
  checkMetadataValue,
  checkProtocol,
  LoadhouseError,
  MAX_TIMEOUT_SECONDS,
  PROTOCOLS,
  processExists,
  splitHostPort,
  type ProtocolName,
  type TargetOptions,
} from '@loadhouse/core';
import { normalizeHttpAddress } from '@loadhouse/plugin-prometheus';
import type { FlagValues } from './catalog.js';
import { defineFlags } from './flags.js';

export const TARGET_FLAGS = defineFlags([
  {
    name: 'target',
    kind: 'string',
    value: '<host:port|url>',
    group: 'target',
    description:
      'Address of the StreamHouse server or agent: host:port for gRPC, its REST base URL (http://host:8080) for --protocol rest; without it loadhouse starts the embedded reference agent',
  },
  {
    name: 'protocol',
    kind: 'string',
    value: '<door>',
    choices: PROTOCOLS,
    group: 'target',
    description:
      "The target's door to drive: grpc (port 50051), rest (StreamHouse's REST API on the HTTP port; the embedded agent's own) or kafka (the Kafka protocol, --target host:9092; needs the @loadhouse/driver-kafka package). docs/protocols.md says what differs",
    default: 'grpc',
  },
  {
    name: 'http-target',
    kind: 'string',
    value: '<url>',
    group: 'target',
    description: 'HTTP base address of the --target (/health, /ready, /metrics), e.g. http://host:8080; the embedded agent serves its own',
  },
  {
    name: 'org',
    kind: 'string',
    value: '<id>',
    group: 'target',
    description: 'Organization id sent as x-organization-id (printable ASCII)',
  },
  {
    name: 'target-pid',
    kind: 'integer',
    value: '<pid>',
    min: 1,
    group: 'target',
    description: 'PID of the --target process on this machine, for its RSS and CPU (automatic for the embedded agent)',
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
    description: 'Seconds to wait for the target to accept a connection',
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
    description: 'Seconds to wait for /ready to answer 200 before the run',
    default: 30,
  },
  { name: 'tls-ca', kind: 'string', value: '<file>', group: 'target', description: 'PEM CA file: connect with TLS' },
  { name: 'tls-cert', kind: 'string', value: '<file>', group: 'target', description: 'PEM client certificate for mutual TLS' },
  { name: 'tls-key', kind: 'string', value: '<file>', group: 'target', description: 'PEM client key for mutual TLS' },
  {
    name: 'auth-token',
    kind: 'string',
    value: '<token>',
    group: 'target',
    description: 'Bearer token sent as authorization metadata (or LOADHOUSE_AUTH_TOKEN): printable ASCII, a trailing line break is dropped',
  },
  // --- Kafka door (issue 15) ---
  {
    name: 'sasl-username',
    kind: 'string',
    value: '<name>',
    group: 'target',
    description:
      'Kafka door: SASL/PLAIN username (or LOADHOUSE_SASL_USERNAME); StreamHouse takes the organization id. Only with --protocol kafka',
  },
  {
    name: 'sasl-password',
    kind: 'string',
    value: '<secret>',
    group: 'target',
    description:
      'Kafka door: SASL/PLAIN password (or LOADHOUSE_SASL_PASSWORD, which keeps it out of the process list); never printed or stored in results',
  },
  {
    name: 'kafka-target',
    kind: 'string',
    value: '<host:port>',
    group: 'target',
    description: 'Kafka door of --target (host:9092) for a --protocols comparison that includes kafka',
  },
  {
    name: 'kafka-compression',
    kind: 'string',
    value: '<codec>',
    choices: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
    group: 'target',
    description: 'Kafka door: compression of produced record batches (zstd needs a Node.js with zstd in zlib)',
    default: 'none',
  },
  {
    name: 'kafka-group-membership',
    kind: 'boolean',
    group: 'target',
    description:
      'Kafka door: consumers join their group through the Kafka group protocol (join/sync/heartbeat) and each rebalance is timed; partitions stay assigned by loadhouse',
  },
]);

export function parseHostPort(flag: string, value: string): string {
  const port = splitHostPort(value)?.port ?? NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new LoadhouseError('LH_INVALID_OPTION', `--${flag} must be host:port (e.g. localhost:50051), got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * `--http-target`: an http(s) base URL, normalized as the Prometheus plugin does (`host:port` alone means
 * http://host:port); errors name the flag.
 */
export function httpBase(flag: string, value: string): string {
  let base: string | undefined;
  try {
    base = normalizeHttpAddress(value.trim());
  } catch {
    base = undefined;
  }
  if (!base || !/^https?:\/\/[^/]/.test(base)) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `--${flag} must be an http(s) address like http://host:8080 (or host:8080), got ${JSON.stringify(value)}`,
      {
        details: { flag },
      },
    );
  }
  return base;
}

/**
 * `--org` and the bearer token as call metadata, checked here so a value gRPC cannot send is a coded error
 * before anything starts (never printed: it may be a secret). A token usually comes from a secret file or
 * `$(cat file)`: its trailing line break is dropped, as other CLIs do; anything else not printable ASCII is refused.
 */
export function identityFromFlags(v: FlagValues, env: NodeJS.ProcessEnv): Pick<TargetOptions, 'organizationId' | 'metadata'> {
  const out: Pick<TargetOptions, 'organizationId' | 'metadata'> = {};
  if (typeof v.org === 'string') {
    checkMetadataValue('--org', v.org);
    out.organizationId = v.org;
  }
  const fromFlag = typeof v.authToken === 'string';
  const token = (fromFlag ? (v.authToken as string) : env.LOADHOUSE_AUTH_TOKEN)?.replace(/[\r\n]+$/, '');
  if (token) {
    checkMetadataValue(fromFlag ? '--auth-token' : 'LOADHOUSE_AUTH_TOKEN (the --auth-token default)', token);
    out.metadata = { authorization: `Bearer ${token}` };
  }
  return out;
}

/** `--protocol`, checked before anything starts (a door loadhouse cannot drive yet is refused here). */
export function protocolFromFlags(v: FlagValues): ProtocolName {
  return checkProtocol(typeof v.protocol === 'string' ? v.protocol : 'grpc', '--protocol');
}

/**
 * SASL/PLAIN credentials from the flags or LOADHOUSE_SASL_USERNAME / LOADHOUSE_SASL_PASSWORD (a flag wins);
 * refused unless the door is kafka, where they are used. Messages never show the values.
 */
export function saslFromFlags(v: FlagValues, env: NodeJS.ProcessEnv, doors: readonly ProtocolName[]): TargetOptions['sasl'] {
  const username = typeof v.saslUsername === 'string' ? v.saslUsername : env.LOADHOUSE_SASL_USERNAME;
  const password = typeof v.saslPassword === 'string' ? v.saslPassword : env.LOADHOUSE_SASL_PASSWORD;
  const flagged = typeof v.saslUsername === 'string' || typeof v.saslPassword === 'string';
  if (username === undefined && password === undefined) return undefined;
  if (!doors.includes('kafka')) {
    if (!flagged) return undefined; // the environment's credentials wait for a Kafka run
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      '--sasl-username / --sasl-password log in to the Kafka door: use them with --protocol kafka',
      {
        details: { flag: 'sasl-username' },
      },
    );
  }
  if (!username || password === undefined) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      'SASL/PLAIN needs both a username and a password: give --sasl-username and --sasl-password (or LOADHOUSE_SASL_USERNAME and LOADHOUSE_SASL_PASSWORD)',
      { details: { flag: username ? 'sasl-password' : 'sasl-username' } },
    );
  }
  return { username, password: password.replace(/[\r\n]+$/, '') };
}

/** `target.driver.options` of the Kafka driver from the --kafka-* flags. */
export function kafkaDriverFromFlags(v: FlagValues): TargetOptions['driver'] | undefined {
  const options: Record<string, unknown> = {};
  if (typeof v.kafkaCompression === 'string' && v.kafkaCompression !== 'none') options.compression = v.kafkaCompression;
  if (v.kafkaGroupMembership === true) options.groupMembership = true;
  return Object.keys(options).length > 0 ? { options } : undefined;
}

/** What a Kafka door's target adds: credentials and the driver's options. */
export function kafkaExtras(v: FlagValues, env: NodeJS.ProcessEnv): Pick<TargetOptions, 'sasl' | 'driver'> {
  const out: Pick<TargetOptions, 'sasl' | 'driver'> = {};
  const sasl = saslFromFlags(v, env, ['kafka']);
  if (sasl) out.sasl = sasl;
  const driver = kafkaDriverFromFlags(v);
  if (driver) out.driver = driver;
  return out;
}

export function targetFromFlags(v: FlagValues, env: NodeJS.ProcessEnv): TargetOptions | undefined {
  const identity = identityFromFlags(v, env);
  const protocol = protocolFromFlags(v);
  // Credentials are checked up front; with --protocols they are for its kafka door.
  const doors = typeof v.protocols === 'string' ? v.protocols.split(',').map((d) => d.trim() as ProtocolName) : [protocol];
  saslFromFlags(v, env, doors);
  if (typeof v.target !== 'string') return undefined;
  const target: TargetOptions = {
    // The REST door is addressed by its base URL (the HTTP port), gRPC and Kafka by host:port.
    address: protocol === 'rest' ? httpBase('target', v.target) : parseHostPort('target', v.target),
    connectTimeoutMs: (v.connectTimeout as number) * 1000,
    ...identity,
  };
  if (protocol !== 'grpc') target.protocol = protocol;
  if (protocol === 'kafka') Object.assign(target, kafkaExtras(v, env));
  if (typeof v.httpTarget === 'string') target.httpAddress = httpBase('http-target', v.httpTarget);
  else if (protocol === 'rest') target.httpAddress = new URL(target.address).origin;
  if (typeof v.targetPid === 'number') {
    if (!processExists(v.targetPid)) {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `--target-pid must be the PID of a running process on this machine, got ${v.targetPid}`,
        {
          details: { flag: 'target-pid' },
        },
      );
    }
    target.pid = v.targetPid;
  }
  if (v.tlsCa || v.tlsCert || v.tlsKey) {
    const read = (flag: string, file: unknown) => {
      if (typeof file !== 'string') return undefined;
      try {
        return readFileSync(file);
      } catch (cause) {
        throw new LoadhouseError('LH_INVALID_OPTION', `--${flag} cannot read ${file}`, { cause });
      }
    };
    target.tls = { ca: read('tls-ca', v.tlsCa), cert: read('tls-cert', v.tlsCert), key: read('tls-key', v.tlsKey) };
  }
  return target;
}
