#!/usr/bin/env node
// `loadhouse-agent`: starts the agent, prints one JSON line on stdout once listening, logs to stderr,
// and flushes open segments on SIGINT/SIGTERM before exiting.
import { isLoadhouseError } from '@loadhouse/core';
import { parseBinArgs, runAgentCli } from './cli.js';
import { EXIT_WITH_PARENT_ENV } from './spawn.js';

// Nothing a client sends should end the process; an unexpected rejection is logged, not fatal.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(
    `[loadhouse-agent] unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`,
  );
});

// A parent that died closes our pipes: a log line then fails with EPIPE, which must not end the process before
// it has flushed and removed its temporary data.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

async function main(): Promise<number> {
  const raw = parseBinArgs(process.argv.slice(2), (t) => process.stdout.write(t));
  if (!raw) return 0;
  return runAgentCli(raw, {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    onSignal(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      const parentGone = (): void => handler('SIGTERM');
      if (process.env[EXIT_WITH_PARENT_ENV] === '1') {
        // Started by spawnAgent(): the parent holds our stdin, so its end means the parent is gone.
        process.stdin.on('end', parentGone);
        process.stdin.on('error', parentGone);
        process.stdin.resume();
      }
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
        process.stdin.off('end', parentGone);
        process.stdin.off('error', parentGone);
      };
    },
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const code = isLoadhouseError(err) ? `${err.code}: ` : '';
    process.stderr.write(`loadhouse-agent: ${code}${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(isLoadhouseError(err, 'LH_INVALID_OPTION') || isLoadhouseError(err, 'LH_UNKNOWN_FLAG') ? 2 : 1);
  },
);
