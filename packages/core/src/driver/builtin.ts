// The doors loadhouse speaks itself: `target.protocol` names one, and it stands for a built-in driver module
// (`loadhouse:<protocol>`) that the main thread and every worker take from this table instead of importing.
// Adding a door is one line here.
import { LoadhouseError } from '../errors.js';
import { grpcDriver } from './grpc.js';
import { restDriver } from './rest.js';
import type { DriverDefinition } from './types.js';

/** The doors of a StreamHouse target: gRPC (port 50051), REST (`/api/v1` on the HTTP port 8080), Kafka (9092). */
export const PROTOCOLS = ['grpc', 'rest', 'kafka'] as const;

/** A door of a StreamHouse target (`target.protocol`). */
export type ProtocolName = (typeof PROTOCOLS)[number];

/** The built-in driver of each door; undefined where loadhouse does not drive that door yet. */
const BUILTIN_DRIVERS: Readonly<Record<ProtocolName, DriverDefinition | undefined>> = {
  grpc: grpcDriver,
  rest: restDriver,
  kafka: undefined,
};

/** How a built-in driver is named where a driver module specifier goes. */
export const BUILTIN_PREFIX = 'loadhouse:';

/**
 * A door loadhouse can drive, from the value of `what` (an option or a flag): LH_INVALID_OPTION when it names
 * no door, LH_PROTOCOL_UNSUPPORTED when loadhouse has no driver for that door yet. Checked before any load.
 */
export function checkProtocol(value: unknown, what: string): ProtocolName {
  if (!isProtocol(value)) {
    throw new LoadhouseError('LH_INVALID_OPTION', `${what} must be one of ${PROTOCOLS.join(', ')}, got ${JSON.stringify(value)}`, {
      details: { option: what },
    });
  }
  builtinDriver(value);
  return value;
}

export function isProtocol(v: unknown): v is ProtocolName {
  return typeof v === 'string' && (PROTOCOLS as readonly string[]).includes(v);
}

/** The built-in driver of a door; LH_PROTOCOL_UNSUPPORTED when loadhouse has none for it yet. */
export function builtinDriver(protocol: ProtocolName): DriverDefinition {
  const def = BUILTIN_DRIVERS[protocol];
  if (!def) {
    const have = PROTOCOLS.filter((p) => BUILTIN_DRIVERS[p]).join(', ');
    throw new LoadhouseError(
      'LH_PROTOCOL_UNSUPPORTED',
      `loadhouse cannot drive the ${protocol} door yet (it drives ${have}). Use --protocol ${have.split(', ').join(' or ')}, or a third-party driver module (target.driver, docs/drivers.md).`,
      { details: { protocol } },
    );
  }
  return def;
}
