// Topic ids (UUIDs) of Metadata v10+, CreateTopics v7+ and DeleteTopics v6+. The agent keeps none: an id is
// derived from the organization and the name, so it is stable across restarts (a topic deleted and created
// again keeps its id, unlike Kafka's).
import { createHash } from 'node:crypto';
import type { Bridge } from './bridge.js';

/** A topic's id as 32 hex digits. */
export function topicId(org: string, name: string): string {
  return createHash('sha256').update(`${org}\u0000${name}`).digest('hex').slice(0, 32);
}

/** The name of the organization's topic with this id (32 hex digits, dashes allowed), or undefined. */
export function topicById(b: Bridge, org: string, id: string): string | undefined {
  const hex = id.replaceAll('-', '').toLowerCase();
  return b.registry
    .list(org)
    .map((t) => t.name)
    .find((n) => topicId(org, n) === hex);
}

const DASHED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The topic a Fetch v12 names. @platformatic/kafka 1.35 writes the topic's id (dashed, from Metadata) where
 * v12 has the name (its request builder is shared with v13+, where the field is the id): a name no topic has
 * that is the id of one resolves to that one, and the answer repeats the field as sent.
 */
export function fetchTopicName(b: Bridge, org: string, field: string): string {
  if (b.registry.get(org, field) || !DASHED_UUID.test(field)) return field;
  return topicById(b, org, field) ?? field;
}
