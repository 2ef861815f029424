// Many topics (`options.topics`, `--topics N`): the run's topic names, made from a pattern, and the rule that
// spreads a group's members over them. Member k of a group goes to topic k mod N, so each producer writes one
// topic (its per-partition sequences and the integrity checks stay per topic and partition) and each topic
// gets members in turn. Within a topic the members split its partitions as a one-topic group would.
import { LoadhouseError } from './errors.js';
import { isValidTopicName, TOPIC_NAME_RULE } from './options.js';
import { invalid, positiveInt } from './options-rules.js';

/** The most topics one run may spread over: every one is created or checked on the target before any load. */
export const MAX_TOPICS = 1000;
/** Names of a many-topic run when no pattern is given: the run's topic, a dash and the 0-based index. */
export const DEFAULT_TOPIC_PATTERN = '{topic}-{i}';

const PLACEHOLDER = /\{([a-z]*)\}/g;
const PLACEHOLDERS = new Set(['i', 'topic']);

/** What the options are called where they were given (the CLI names its flags). */
export interface TopicOptionNames {
  topics: string;
  pattern: string;
}

const OPTION_NAMES: TopicOptionNames = { topics: 'options.topics', pattern: 'options.topicPattern' };

/** `options.topics` and `options.topicPattern`, checked; the names themselves are made once the topic is known. */
export function resolveTopicOptions(
  topics: unknown,
  pattern: unknown,
  names: TopicOptionNames = OPTION_NAMES,
): { topics: number; topicPattern: string | undefined } {
  const count = topics === undefined ? 1 : positiveInt(names.topics, topics, MAX_TOPICS);
  if (pattern === undefined) return { topics: count, topicPattern: undefined };
  if (typeof pattern !== 'string' || pattern === '') throw invalid(names.pattern, 'a non-empty string', pattern);
  for (const m of pattern.matchAll(PLACEHOLDER)) {
    if (!PLACEHOLDERS.has(m[1]!)) throw invalid(names.pattern, 'a name with the placeholders {i} and {topic} only', pattern);
  }
  const literal = pattern.replace(PLACEHOLDER, 'x');
  if (!isValidTopicName(literal)) throw invalid(names.pattern, `a topic name (${TOPIC_NAME_RULE}) with {i} and {topic}`, pattern);
  if (count > 1 && !pattern.includes('{i}')) {
    throw invalid(names.pattern, `a pattern containing {i} (0-based index), so that the ${count} topics get distinct names`, pattern);
  }
  return { topics: count, topicPattern: pattern };
}

/**
 * The topic names a run with these options would use, checked as the run checks them. `topic` is the run's
 * topic (given, or `loadhouse-<scenario>`); a bad count, pattern or name throws LH_INVALID_OPTION naming the
 * option (or the flag, with `names`).
 */
export function topicNames(topic: string, topics: unknown, pattern: unknown, names: TopicOptionNames = OPTION_NAMES): string[] {
  const o = resolveTopicOptions(topics, pattern, names);
  return runTopics(topic, o.topics, o.topicPattern, names.pattern);
}

/**
 * The run's topics: `[topic]` for one topic (a pattern, when given, names it with i = 0), else the pattern
 * (default `{topic}-{i}`) for i = 0..count-1. Throws LH_INVALID_OPTION when a name breaks the topic-name rule
 * or two names are equal, before anything is sent.
 */
export function runTopics(topic: string, count: number, pattern: string | undefined, patternName = OPTION_NAMES.pattern): string[] {
  if (count === 1 && pattern === undefined) return [topic];
  const p = pattern ?? DEFAULT_TOPIC_PATTERN;
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push(p.replace(PLACEHOLDER, (_, name: string) => (name === 'i' ? String(i) : topic)));
  for (const name of names) {
    if (!isValidTopicName(name)) {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `${patternName} "${p}" makes the topic name "${name}", which is not a valid topic name (${TOPIC_NAME_RULE}); use a shorter topic or pattern`,
        { details: { option: patternName, value: p } },
      );
    }
  }
  if (new Set(names).size !== names.length) {
    throw new LoadhouseError('LH_INVALID_OPTION', `${patternName} "${p}" gives two topics the same name; put {i} in it`, {
      details: { option: patternName, value: p },
    });
  }
  return names;
}

/** Where member k of a group of `members` goes over `topics` topics: its topic index, and its place and count there. */
export function spreadOverTopics(k: number, members: number, topics: number): { topic: number; index: number; count: number } {
  const topic = k % topics;
  return { topic, index: Math.floor(k / topics), count: Math.floor((members - 1 - topic) / topics) + 1 };
}
