// Encodes and decodes StreamHouse messages with protobufjs, loaded from proto/streamhouse.proto at start-up.
// 64-bit fields decode to numbers (Long support is switched off) so hot paths never touch Long objects.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { StreamHouseMethod, StreamHouseMethods } from './messages.js';

// Without Long, protobufjs reads uint64/int64 as JS numbers (exact below 2^53).
(protobuf.util as unknown as { Long: unknown }).Long = undefined;
protobuf.configure();

/** Absolute path of the bundled `.proto` file (works from sources and from the built package). */
export function protoPath(): string {
  for (const rel of ['../../proto/streamhouse.proto', '../proto/streamhouse.proto', './proto/streamhouse.proto']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('streamhouse.proto not found next to @loadhouse/core');
}

let root: protobuf.Root | undefined;
function loadRoot(): protobuf.Root {
  if (!root) {
    const parsed = protobuf.parse(readFileSync(protoPath(), 'utf8'), { keepCase: false });
    root = parsed.root;
    root.resolveAll();
  }
  return root;
}

/** A protobufjs message type by its short name (`ProduceBatchRequest`). */
export function messageType(name: string): protobuf.Type {
  return loadRoot().lookupType(`streamhouse.${name}`);
}

export interface MessageCodec<T> {
  encode(message: T): Buffer;
  decode(bytes: Uint8Array): T;
}

const codecs = new Map<string, MessageCodec<unknown>>();

/** Encoder and decoder for one message type. Decoded messages carry proto3 defaults for absent fields. */
export function codec<T>(name: string): MessageCodec<T> {
  let c = codecs.get(name);
  if (!c) {
    const type = messageType(name);
    c = {
      encode: (message: unknown) => {
        const bytes = type.encode(message as Record<string, unknown>).finish();
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      },
      decode: (bytes: Uint8Array) => type.decode(bytes) as unknown,
    };
    codecs.set(name, c);
  }
  return c as MessageCodec<T>;
}

export type RequestOf<M extends StreamHouseMethod> = StreamHouseMethods[M][0];
export type ResponseOf<M extends StreamHouseMethod> = StreamHouseMethods[M][1];

export function requestCodec<M extends StreamHouseMethod>(method: M): MessageCodec<RequestOf<M>> {
  return codec<RequestOf<M>>(`${method}Request`);
}
export function responseCodec<M extends StreamHouseMethod>(method: M): MessageCodec<ResponseOf<M>> {
  return codec<ResponseOf<M>>(`${method}Response`);
}
