// Set-up and checks shared by the tests of core and of the packages above it (test support, not exported by the
// package): servers started for a block of tests, and the books every run must balance.
import { startAgent, type Agent, type AgentOptions } from '@loadhouse/agent';
import { afterAll, beforeAll, expect } from 'vitest';
import type { LoadTestResult } from './index.js';
import { StreamHouseClient } from './wire.js';

/**
 * Starts a value before the calling block's tests and stops it after them. What it returns reads through to the
 * started value, so the tests use it as they would the value itself (it throws if used before the start).
 */
export function startedForTests<T extends object>(start: () => Promise<T>, stop: (value: T) => Promise<void>): T {
  let current: T | undefined;
  beforeAll(async () => {
    current = await start();
  });
  afterAll(async () => {
    if (current) await stop(current);
  });
  const started = (key: PropertyKey): T => {
    if (!current) throw new Error(`used ${String(key)} before the test set-up started it`);
    return current;
  };
  return new Proxy({} as T, {
    // Methods run on the started value itself, so its private state is theirs.
    get: (_stand, key) => {
      const value = started(key);
      const member: unknown = Reflect.get(value, key);
      return typeof member === 'function' ? member.bind(value) : member;
    },
    set: (_stand, key, value) => Reflect.set(started(key), key, value),
  });
}

/**
 * The reference agent on free ports (or as `options` says), for the calling block's tests; options that name
 * another server started for the tests are given as a function, read when the agent starts.
 */
export function agentForTests(options: AgentOptions | (() => AgentOptions) = { grpcPort: 0, httpPort: 0 }): Agent {
  return startedForTests(
    () => startAgent(typeof options === 'function' ? options() : options),
    (agent) => agent.stop(),
  );
}

/** A client of `agent` (started before it), ready to call, for the calling block's tests. */
export function clientForTests(agent: Agent): StreamHouseClient {
  return startedForTests(
    async () => {
      const client = new StreamHouseClient(agent.grpcAddress);
      await client.waitForReady();
      return client;
    },
    async (client) => client.close(),
  );
}

/** Every scheduled record was acked, failed or dropped, and every failure is counted under a code. */
export function expectBooksBalance(r: LoadTestResult): void {
  const p = r.producer;
  expect(p.scheduled).toBe(p.acked + p.failed + p.dropped);
  expect(Object.values(p.errorsByCode).reduce((a, b) => a + b, 0)).toBe(p.failed);
}

/** What `fn` threw; the test fails if it returned. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}
