// The target's options: its gRPC address (host:port or a grpc-js name URI), HTTP side, identity, TLS,
// metadata and timeouts, validated and with defaults.
import { BUILTIN_PREFIX, checkProtocol, isProtocol, type ProtocolName } from './driver/builtin.js';
import { resolveDriverOption, type ResolvedDriver } from './driver/load.js';
import { checkTls, type TlsOptions } from './proto/client.js';
import { splitHostPort } from './util.js';
import {
  checkKeys,
  checkMetadataKey,
  checkMetadataValue,
  invalid,
  optional,
  positiveInt,
  processExists,
  timerMs,
} from './options-rules.js';

export interface ResolvedTarget {
  address: string;
  httpAddress: string | undefined;
  organizationId: string | undefined;
  tls: TlsOptions | boolean | undefined;
  metadata: Record<string, string> | undefined;
  connectTimeoutMs: number;
  deadlineMs: number;
  pid: number | undefined;
  unreachableAfterMs: number;
  /** A driver module (a built-in one is `loadhouse:<protocol>`); undefined for the built-in gRPC one. */
  driver: ResolvedDriver | undefined;
  /** The door the run goes through; undefined with a third-party driver. */
  protocol: ProtocolName | undefined;
  /** SASL/PLAIN credentials: handed to drivers, never recorded in the result. */
  sasl: { username: string; password: string } | undefined;
}

const TARGET_KEYS = [
  'address',
  'httpAddress',
  'organizationId',
  'tls',
  'metadata',
  'connectTimeoutMs',
  'deadlineMs',
  'pid',
  'unreachableAfterMs',
  'driver',
  'protocol',
  'sasl',
] as const;
/** A target PID that is not running would leave the target's memory and CPU silently unmeasured. */
function runningPid(name: string, v: unknown): number {
  const pid = positiveInt(name, v);
  if (!processExists(pid)) throw invalid(name, 'the PID of a running process on this machine', pid);
  return pid;
}
/**
 * `host:port` (port 1-65535, IPv6 in brackets), or a gRPC name URI grpc-js resolves itself (`dns:`, `unix:`,
 * `ipv4:`, `ipv6:`). An http(s) URL is the HTTP side, not the gRPC one.
 */
function checkGrpcAddress(address: string): void {
  if (/^(dns|unix|unix-abstract|ipv4|ipv6|vsock):/.test(address)) return;
  if (/^https?:\/\//i.test(address)) {
    throw invalid(
      'options.target.address',
      "a gRPC address 'host:port', not a URL (an http:// address belongs in target.httpAddress)",
      address,
    );
  }
  const port = splitHostPort(address)?.port ?? NaN;
  if (!(port >= 1 && port <= 65535)) throw invalid('options.target.address', "a gRPC address 'host:port' with a port 1-65535", address);
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

export function resolveTarget(target: unknown): ResolvedTarget {
  const t = typeof target === 'string' ? { address: target } : target;
  if (typeof t !== 'object' || t === null) throw invalid('options.target', "an address 'host:port' or target options", target);
  checkKeys('options.target', t, TARGET_KEYS);
  const o = t as Record<string, unknown>;
  const address = o.address;
  if (typeof address !== 'string' || address.trim() === '' || /\s/.test(address)) {
    throw invalid('options.target.address', "a gRPC address 'host:port'", address);
  }
  const protocol = protocolOf(o);
  // Another protocol's driver reads its own address form.
  if (protocol === 'grpc') checkGrpcAddress(address);
  if (protocol === 'kafka') checkKafkaAddress(address);
  if (protocol === 'rest' && !isHttpUrl(address)) {
    throw invalid('options.target.address', "the REST API's base URL like 'http://host:8080' (protocol rest)", address);
  }
  if (o.httpAddress !== undefined && (typeof o.httpAddress !== 'string' || !/^https?:\/\//.test(o.httpAddress))) {
    throw invalid('options.target.httpAddress', "an http(s) URL like 'http://host:8080'", o.httpAddress);
  }
  if (o.organizationId !== undefined && (typeof o.organizationId !== 'string' || o.organizationId === '')) {
    throw invalid('options.target.organizationId', 'a non-empty string', o.organizationId);
  }
  if (typeof o.organizationId === 'string') checkMetadataValue('options.target.organizationId', o.organizationId);
  if (o.tls !== undefined && typeof o.tls !== 'boolean' && (typeof o.tls !== 'object' || o.tls === null)) {
    throw invalid('options.target.tls', 'true or TLS options { ca, cert, key, serverName }', o.tls);
  }
  if (typeof o.tls === 'object' && o.tls !== null) checkTls(o.tls as TlsOptions);
  if (o.metadata !== undefined) {
    if (typeof o.metadata !== 'object' || o.metadata === null) throw invalid('options.target.metadata', 'an object of strings', o.metadata);
    for (const [k, v] of Object.entries(o.metadata)) {
      checkMetadataKey('options.target.metadata', k);
      if (typeof v !== 'string') throw invalid(`options.target.metadata.${k}`, 'a string', v);
      checkMetadataValue(`options.target.metadata.${k}`, v);
    }
  }
  const sasl = checkSasl(o.sasl);
  return {
    address,
    // The REST door is on the HTTP port: its origin also serves /health, /ready and /metrics.
    httpAddress: (o.httpAddress as string | undefined) ?? (protocol === 'rest' ? new URL(address).origin : undefined),
    organizationId: o.organizationId as string | undefined,
    tls: o.tls as TlsOptions | boolean | undefined,
    metadata: o.metadata as Record<string, string> | undefined,
    connectTimeoutMs: optional(o.connectTimeoutMs, (v) => timerMs('options.target.connectTimeoutMs', v), 5000) as number,
    deadlineMs: optional(o.deadlineMs, (v) => timerMs('options.target.deadlineMs', v), 30_000) as number,
    pid: optional(o.pid, (v) => runningPid('options.target.pid', v), undefined as unknown) as number | undefined,
    unreachableAfterMs: optional(o.unreachableAfterMs, (v) => timerMs('options.target.unreachableAfterMs', v), 5000) as number,
    driver:
      protocol !== undefined && protocol !== 'grpc'
        ? { module: `${BUILTIN_PREFIX}${protocol}`, url: `${BUILTIN_PREFIX}${protocol}`, options: builtinOptions(o.driver) }
        : resolveDriverOption(o.driver),
    protocol,
    sasl,
  };
}

/** `host:port`, or several separated by commas (a Kafka client's bootstrap brokers). */
function checkKafkaAddress(address: string): void {
  for (const a of address.split(',')) {
    const port = splitHostPort(a.trim())?.port ?? NaN;
    if (!(port >= 1 && port <= 65535)) {
      throw invalid('options.target.address', "the Kafka door's 'host:port' (9092 by default), or a comma-separated list of them", address);
    }
  }
}

function checkSasl(v: unknown): ResolvedTarget['sasl'] {
  if (v === undefined) return undefined;
  const o = v as { username?: unknown; password?: unknown } | null;
  // The value is never echoed: it holds a password.
  if (typeof o !== 'object' || o === null || typeof o.username !== 'string' || o.username === '' || typeof o.password !== 'string') {
    throw invalid('options.target.sasl', '{ username, password } (non-empty username, string password)', '(not shown)');
  }
  checkKeys('options.target.sasl', o, ['username', 'password']);
  return { username: o.username, password: o.password };
}

/** `target.driver: { options }` beside a protocol: options for the door's built-in driver. */
function builtinOptions(driver: unknown): Record<string, unknown> {
  const options = (driver as { options?: unknown } | undefined)?.options;
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid('options.target.driver.options', 'an object of plain data', options);
  }
  return structuredClone(options) as Record<string, unknown>;
}

/** `target.protocol` (default grpc without a driver module); a door loadhouse cannot drive yet is refused here, before any load. */
function protocolOf(o: Record<string, unknown>): ProtocolName | undefined {
  if (o.protocol === undefined) {
    if (o.driver === undefined) return 'grpc';
    const m = typeof o.driver === 'string' ? o.driver : (o.driver as { module?: unknown } | null)?.module;
    const name = typeof m === 'string' && m.startsWith(BUILTIN_PREFIX) ? m.slice(BUILTIN_PREFIX.length) : undefined;
    return isProtocol(name) ? name : undefined;
  }
  const protocol = checkProtocol(o.protocol, 'options.target.protocol');
  // `{ options }` without a module configures the door's own driver.
  const onlyOptions = typeof o.driver === 'object' && o.driver !== null && (o.driver as { module?: unknown }).module === undefined;
  if (o.driver !== undefined && !onlyOptions) {
    throw invalid(
      'options.target.protocol',
      'left out when target.driver names a driver module (the module speaks its own protocol)',
      o.protocol,
    );
  }
  return protocol;
}
