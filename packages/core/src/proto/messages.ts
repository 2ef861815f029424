// TypeScript shapes of the StreamHouse messages (proto/streamhouse.proto), camelCased as protobufjs decodes them.
// 64-bit integers are plain numbers: offsets and millisecond timestamps stay far below 2^53.

export enum AckMode {
  ACK_BUFFERED = 0,
  ACK_DURABLE = 1,
  ACK_NONE = 2,
}

export interface CreateTopicRequest {
  name: string;
  partitionCount: number;
  retentionMs?: number;
  config?: Record<string, string>;
}
export interface CreateTopicResponse {
  topicId: string;
  partitionCount: number;
}
export interface GetTopicRequest {
  name: string;
}
export interface Topic {
  name: string;
  partitionCount: number;
  retentionMs?: number;
  config: Record<string, string>;
  createdAt: number;
}
export interface GetTopicResponse {
  topic?: Topic;
}
export type ListTopicsRequest = Record<string, never>;
export interface ListTopicsResponse {
  topics: Topic[];
}
export interface DeleteTopicRequest {
  name: string;
}
export interface DeleteTopicResponse {
  success: boolean;
}
export interface ProduceRequest {
  topic: string;
  partition: number;
  key?: Uint8Array;
  value: Uint8Array;
  headers?: Record<string, string>;
}
export interface ProduceResponse {
  offset: number;
  timestamp: number;
}
export interface ProduceRecord {
  key?: Uint8Array;
  value: Uint8Array;
  headers?: Record<string, string>;
  /** Milliseconds since the epoch; 0 lets the server stamp it. */
  timestamp?: number;
}
export interface ProduceBatchRequest {
  topic: string;
  partition: number;
  records: ProduceRecord[];
  producerId?: string;
  producerEpoch?: number;
  baseSequence?: number;
  transactionId?: string;
  ackMode?: AckMode;
}
export interface ProduceBatchResponse {
  firstOffset: number;
  lastOffset: number;
  count: number;
  duplicatesFiltered: boolean;
}
export interface ConsumeRequest {
  topic: string;
  partition: number;
  offset: number;
  maxRecords: number;
  consumerGroup?: string;
}
export interface ConsumedRecord {
  offset: number;
  timestamp: number;
  key: Uint8Array;
  value: Uint8Array;
  headers: Record<string, string>;
}
export interface ConsumeResponse {
  records: ConsumedRecord[];
  highWatermark: number;
  hasMore: boolean;
}
export interface CommitOffsetRequest {
  consumerGroup: string;
  topic: string;
  partition: number;
  offset: number;
  metadata?: string;
}
export interface CommitOffsetResponse {
  success: boolean;
}
export interface GetOffsetRequest {
  consumerGroup: string;
  topic: string;
  partition: number;
}
export interface GetOffsetResponse {
  offset: number;
  metadata?: string;
}

export interface InitProducerRequest {
  /** Names a transactional producer: a second InitProducer with the same id fences the first (epoch + 1). */
  transactionalId?: string;
  organizationId?: string;
  timeoutMs: number;
  metadata?: Record<string, string>;
}
export interface InitProducerResponse {
  producerId: string;
  epoch: number;
}
export interface BeginTransactionRequest {
  producerId: string;
  producerEpoch: number;
  timeoutMs: number;
}
export interface BeginTransactionResponse {
  transactionId: string;
}
export interface EndTransactionRequest {
  producerId: string;
  producerEpoch: number;
  transactionId: string;
}
export interface CommitTransactionResponse {
  success: boolean;
  commitTimestamp: number;
}
export interface AbortTransactionResponse {
  success: boolean;
}
export interface HeartbeatRequest {
  producerId: string;
  producerEpoch: number;
}
export interface HeartbeatResponse {
  valid: boolean;
}

/** Request and response type of every RPC of `streamhouse.StreamHouse`. */
export interface StreamHouseMethods {
  CreateTopic: [CreateTopicRequest, CreateTopicResponse];
  GetTopic: [GetTopicRequest, GetTopicResponse];
  ListTopics: [ListTopicsRequest, ListTopicsResponse];
  DeleteTopic: [DeleteTopicRequest, DeleteTopicResponse];
  Produce: [ProduceRequest, ProduceResponse];
  ProduceBatch: [ProduceBatchRequest, ProduceBatchResponse];
  Consume: [ConsumeRequest, ConsumeResponse];
  CommitOffset: [CommitOffsetRequest, CommitOffsetResponse];
  GetOffset: [GetOffsetRequest, GetOffsetResponse];
  InitProducer: [InitProducerRequest, InitProducerResponse];
  BeginTransaction: [BeginTransactionRequest, BeginTransactionResponse];
  CommitTransaction: [EndTransactionRequest, CommitTransactionResponse];
  AbortTransaction: [EndTransactionRequest, AbortTransactionResponse];
  Heartbeat: [HeartbeatRequest, HeartbeatResponse];
}
export type StreamHouseMethod = keyof StreamHouseMethods;
export const STREAMHOUSE_METHODS: readonly StreamHouseMethod[] = [
  'CreateTopic',
  'GetTopic',
  'ListTopics',
  'DeleteTopic',
  'Produce',
  'ProduceBatch',
  'Consume',
  'CommitOffset',
  'GetOffset',
  'InitProducer',
  'BeginTransaction',
  'CommitTransaction',
  'AbortTransaction',
  'Heartbeat',
];
