// The StreamHouse wire contract (messages, protobuf codecs, the gRPC service definition),
// the gRPC client, and the record header every produced record carries. For agents, benchmarks and tools that
// speak to a target directly; a load test itself needs only the SDK entry.
export { AckMode, STREAMHOUSE_METHODS } from './proto/messages.js';
export type {
  CreateTopicRequest,
  CreateTopicResponse,
  GetTopicRequest,
  Topic,
  GetTopicResponse,
  ListTopicsRequest,
  ListTopicsResponse,
  DeleteTopicRequest,
  DeleteTopicResponse,
  ProduceRequest,
  ProduceResponse,
  ProduceRecord,
  ProduceBatchRequest,
  ProduceBatchResponse,
  ConsumeRequest,
  ConsumedRecord,
  ConsumeResponse,
  CommitOffsetRequest,
  CommitOffsetResponse,
  GetOffsetRequest,
  GetOffsetResponse,
  InitProducerRequest,
  InitProducerResponse,
  BeginTransactionRequest,
  BeginTransactionResponse,
  EndTransactionRequest,
  CommitTransactionResponse,
  AbortTransactionResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  StreamHouseMethods,
  StreamHouseMethod,
} from './proto/messages.js';
export { codec, requestCodec, responseCodec, messageType, protoPath } from './proto/codec.js';
export type { MessageCodec, RequestOf, ResponseOf } from './proto/codec.js';
export { streamHouseServiceDefinition, STREAMHOUSE_SERVICE_NAME } from './proto/service.js';
export type { StreamHouseServiceDefinition } from './proto/service.js';
export { StreamHouseClient, defaultChannelOptions, statusName, isServiceError, grpc } from './proto/client.js';
export type { ClientOptions, TlsOptions, UnaryCallback } from './proto/client.js';

// Record header (consumers verify integrity and end-to-end latency from it)
export {
  RECORD_HEADER_SIZE,
  RECORD_HEADER_VERSION,
  RECORD_MAGIC,
  encodeRecordHeader,
  decodeRecordHeader,
  writeRecordHeader,
  payloadChecksum,
  verifyRecordChecksum,
} from './record-header.js';
export type { RecordHeader } from './record-header.js';
export { RestDriver } from './driver/rest.js';
