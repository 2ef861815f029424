// The API keys the door answers, the version range of each (what ApiVersions advertises, every version in a
// range implemented) and where each API's flexible versions start (compact forms and tagged fields, request
// header v2 and response header v1; ApiVersions answers with header v0 whatever its version).

export const API = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  InitProducerId: 22,
  SaslAuthenticate: 36,
} as const;

/**
 * The versions implemented. Classic clients (librdkafka 2.0, kcat) negotiate their own highest version in
 * these ranges; @platformatic/kafka 1.35 speaks only the recent flexible ones (Produce 9, Fetch 12, Metadata 12,
 * CreateTopics 7, ListOffsets 7...). No maximum exceeds what StreamHouse's own Kafka door advertises.
 */
export const VERSIONS: ReadonlyMap<number, readonly [number, number]> = new Map([
  [API.Produce, [3, 9]],
  [API.Fetch, [4, 12]],
  [API.ListOffsets, [1, 7]],
  [API.Metadata, [1, 12]],
  [API.OffsetCommit, [2, 8]],
  [API.OffsetFetch, [1, 8]],
  [API.FindCoordinator, [0, 4]],
  [API.JoinGroup, [0, 9]],
  [API.Heartbeat, [0, 4]],
  [API.LeaveGroup, [0, 5]],
  [API.SyncGroup, [0, 5]],
  [API.ApiVersions, [0, 3]],
  [API.CreateTopics, [0, 7]],
  [API.InitProducerId, [0, 3]],
  [API.DescribeGroups, [0, 5]],
  [API.ListGroups, [0, 4]],
  [API.DeleteTopics, [0, 6]],
  [API.SaslHandshake, [0, 1]],
  [API.SaslAuthenticate, [0, 2]],
]);

/** The first flexible version of each API (SaslHandshake has none). */
const FLEXIBLE_FROM: ReadonlyMap<number, number> = new Map([
  [API.Produce, 9],
  [API.Fetch, 12],
  [API.ListOffsets, 6],
  [API.Metadata, 9],
  [API.OffsetCommit, 8],
  [API.OffsetFetch, 6],
  [API.FindCoordinator, 3],
  [API.JoinGroup, 6],
  [API.Heartbeat, 4],
  [API.LeaveGroup, 4],
  [API.SyncGroup, 4],
  [API.DescribeGroups, 5],
  [API.ListGroups, 3],
  [API.ApiVersions, 3],
  [API.CreateTopics, 5],
  [API.DeleteTopics, 4],
  [API.InitProducerId, 2],
  [API.SaslAuthenticate, 2],
]);

/** Whether a version of an API uses the compact forms and tagged fields. */
export function isFlexible(key: number, version: number): boolean {
  const from = FLEXIBLE_FROM.get(key);
  return from !== undefined && version >= from;
}
