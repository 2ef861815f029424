// Public API of @loadhouse/core.
export { ERROR_CODES, LoadhouseError, isLoadhouseError } from './errors.js';
export type { ErrorCode } from './errors.js';
export * from './proto/messages.js';
export { codec, requestCodec, responseCodec, messageType, protoPath } from './proto/codec.js';
export type { MessageCodec, RequestOf, ResponseOf } from './proto/codec.js';
export { streamHouseServiceDefinition, STREAMHOUSE_SERVICE_NAME } from './proto/service.js';
export type { StreamHouseServiceDefinition } from './proto/service.js';
export { StreamHouseClient, defaultChannelOptions, statusName, isServiceError, grpc } from './proto/client.js';
export type { ClientOptions, TlsOptions, UnaryCallback } from './proto/client.js';
