// The grpc-js service definition of `streamhouse.StreamHouse`, shared by the client (core) and the agent.
import type { ServiceDefinition, MethodDefinition } from '@grpc/grpc-js';
import { requestCodec, responseCodec } from './codec.js';
import { STREAMHOUSE_METHODS, type StreamHouseMethod, type StreamHouseMethods } from './messages.js';

export const STREAMHOUSE_SERVICE_NAME = 'streamhouse.StreamHouse';

export type StreamHouseServiceDefinition = ServiceDefinition & {
  [M in StreamHouseMethod]: MethodDefinition<StreamHouseMethods[M][0], StreamHouseMethods[M][1]>;
};

let definition: StreamHouseServiceDefinition | undefined;

export function streamHouseServiceDefinition(): StreamHouseServiceDefinition {
  if (definition) return definition;
  const def: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of STREAMHOUSE_METHODS) {
    const req = requestCodec(method);
    const res = responseCodec(method);
    def[method] = {
      path: `/${STREAMHOUSE_SERVICE_NAME}/${method}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (m: unknown) => req.encode(m as never),
      requestDeserialize: (b: Buffer) => req.decode(b),
      responseSerialize: (m: unknown) => res.encode(m as never),
      responseDeserialize: (b: Buffer) => res.decode(b),
      originalName: method.charAt(0).toLowerCase() + method.slice(1),
    };
  }
  definition = def as StreamHouseServiceDefinition;
  return definition;
}
