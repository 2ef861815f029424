// Renders docs/errors.md from the error-code registry (each package registers its own codes when loaded, so
// every package that owns codes is imported here) and the advice below; `--check` fails when the file differs
// (examples/docs-current.test.ts does the same in the test run).
//
//   pnpm docs:errors            writes docs/errors.md
//   pnpm docs:errors --check    exits 1 when docs/errors.md is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ErrorCode, type ErrorCodeInfo, registeredErrorCodes } from '../packages/core/src/errors.js';
import '../packages/agent/src/errors.js';
import '../packages/plugin-s3-probe/src/errors.js';
import '../packages/driver-kafka/src/errors.js';

export const ERROR_DOCS_PATH = fileURLToPath(new URL('../docs/errors.md', import.meta.url));

/** What to do about each code. A registered code without advice fails `pnpm docs:errors` and the docs test. */
export const ERROR_ADVICE = {
  LH_INVALID_OPTION:
    'Fix the option or flag the message names; it says what is accepted and what it got. `loadhouse <command> --help` lists every flag.',
  LH_UNKNOWN_SCENARIO:
    'Use `high-throughput`, `many-producers`, `consumer-lag` or `stability`, or run a scenario of your own from a config file (`--config`) or a script.',
  LH_UNKNOWN_FLAG: 'Check the spelling against `loadhouse <command> --help`; flags are kebab-case (`--target-rate`).',
  LH_TARGET_UNREACHABLE:
    'Check that `--target` is the gRPC `host:port` (50051 by default, not the HTTP port), that the server runs and this machine can reach it (firewall, TLS flags); raise `--connect-timeout` on slow networks. Mid-run, the target stopped answering: see its logs; the partial result was written.',
  LH_TARGET_NOT_STREAMHOUSE:
    'Point `--target` at the StreamHouse gRPC port, not another gRPC service; check `--org`. (A port that does not speak gRPC at all, such as the HTTP port, ends in `LH_TARGET_UNREACHABLE` instead.)',
  LH_TOPIC_MISMATCH: "Pass the topic's own partition count with `--partitions`, use another `--topic`, or delete the topic on the target.",
  LH_TOPIC_SETUP_FAILED:
    "Read the target's answer in the message; check the organization (`--org`) may create and describe topics, and the target's logs.",
  LH_PLUGIN_VERSION_MISMATCH:
    'Install a release of the plugin built for this `@loadhouse/core` (its peer dependency says which), or upgrade `@loadhouse/core`.',
  LH_PLUGIN_INVALID:
    'Pass what the plugin factory returns (`prometheus()`, not `prometheus`): an object with a non-empty `name`, an `apiVersion` and `setup(ctx)`; register each plugin once.',
  LH_PLUGIN_FAILED:
    'The message names the plugin and where it threw (setup, hook, listener, metric source, teardown). In setup the run does not start; elsewhere the run goes on and the error is kept in `result.errors`. Fix or remove that plugin.',
  LH_WORKER_CRASHED:
    'Read the cause in the message (often memory: fewer producers or smaller messages per worker, more `--workers`, or a larger heap with `NODE_OPTIONS=--max-old-space-size=<MiB>`). The partial result was written.',
  LH_RUN_ABORTED:
    'Expected after Ctrl-C, `stop()`, an aborted `options.signal` or a criterion with `abortAfterSeconds`; `endReason` and `endMessage` in the partial result say which.',
  LH_RUN_STATE:
    'Create a new load test with `createLoadTest()` for each run, and call the controller (`produce`, `phase`, ...) only while the scenario runs.',
  LH_SCENARIO_FAILED:
    "The scenario's own code threw: the message carries its error. Fix the scenario; the partial result was written with state `failed`.",
  LH_HEALTH_CHECK_FAILED:
    "The message names the URL and its answer. Check `--http-target` (the HTTP port, 8080 by default) and the target's health; raise `--ready-timeout` when it starts slowly.",
  LH_S3_UNREACHABLE: 'Check `--s3-endpoint` (scheme, host, port) and that this machine can reach it.',
  LH_S3_BUCKET_MISSING: 'Check `--s3-bucket` (the bucket the target writes segments to) and `--s3-region`.',
  LH_S3_ACCESS_DENIED:
    'Give the credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`) list, get, put and delete rights on the bucket and segment prefix.',
  LH_S3_PREFLIGHT_FAILED:
    'The endpoint answered with a server error or throttling (status and code in the message): check the S3 service, then retry.',
  LH_RESULT_INVALID:
    'Pass a result file written by loadhouse (`results/<scenario>-<timestamp>.json`), complete and unedited; it validates against the result schema (`schema/result.schema.json`, shipped in the `@loadhouse/core` package).',
  LH_MERGE_MISMATCH: 'Merge only the shards of one run: the same `--run-id`, scenario and options, each shard index once.',
  LH_AGENT_START_FAILED:
    "Read the agent's output in the message; a port in use: pick another or 0. Pass `--target` to test a running StreamHouse instead.",
  LH_AGENT_STORAGE_FAILED: "Make the data folder (`--agent-storage`) writable, or check the agent's S3 endpoint, bucket and credentials.",
  LH_CONFIG_INVALID: 'Fix the file the message names: it must exist and default-export `defineConfig({ ... })` from `loadhouse`.',
  LH_DATA_LOSS:
    "A finding about the target, not a loadhouse failure: `result.integrity.examples` names producers, partitions and sequences that never arrived. Check the target's logs and storage (failed segment uploads, retention) for those partitions; the run itself completed.",
  LH_DATA_CORRUPTED:
    "A finding about the target: it returned record values whose bytes differ from what the producer sent (the CRC32C in the record header does not match). `result.integrity.examples` of kind `corrupted` name producer, partition, sequence and offset; read that offset back and check the target's storage and cache paths for it.",
  LH_ACK_MISMATCH:
    'A finding about the target: a record was read at an offset other than the one its ProduceBatch acknowledgement gave (`integrity.offsetMismatches`), or a record was read that no acknowledgement covers and no failed batch explains (`integrity.unackedSeen`). `result.integrity.examples` give the offset read and the offset acked; check how the target assigns offsets under concurrent batches.',
  LH_RESULT_WRITE_FAILED:
    "The message names the file and the system's reason (`ENOSPC`: the disk is full; `EACCES`: no permission). Free space or write elsewhere (`--results-dir`, `-o`). For a run, the result was not kept: the run counts as failed (exit 3, `state` `failed` in what `run()` resolves to), the summary is still printed, and `--json` prints the whole result to stdout.",
  LH_MERGE_INCOMPLETE:
    'Give `loadhouse merge` the result file of every shard 0..n-1 (the message lists the missing ones; a shard that died may have left a `checkpoint` file). To look at the shards you have, add `--allow-partial`: the merge is marked partial and its criteria are not judged.',
  LH_MERGE_NOT_CONCURRENT:
    "The message gives each shard's window and the share of the merged window it ran. Run the shards again with one `--start-at <ISO time>` so they start together, or add `--allow-partial` to merge them into a result marked partial.",
  LH_DELIVERY_UNSUPPORTED:
    '`--idempotent` or `--transactions` asked for InitProducer (and BeginTransaction / CommitTransaction / AbortTransaction), and the driver does not offer them or the target refused the probe made before any load. Use the built-in gRPC driver against a target that implements them (the reference agent does), or run without the flags (docs/idempotence.md).',
  LH_DISK_SPACE:
    'The message gives the bytes the run would store and the free space. Shorten `--duration` or lower the rate, give `--agent-retention-ms` so the agent deletes old segments (not for consumer-lag, whose catch-up reads them), or point `--agent-storage` at a larger disk or `--agent-s3-endpoint` at a bucket.',
  LH_DRIVER_INVALID:
    "The message names the module and what is wrong. Install the driver package (it is resolved from the working directory), or give a path or `file:` URL; its default export (or export `driver`) must be `defineDriver({ apiVersion, name, create })` for this loadhouse's driver API (docs/drivers.md).",
  LH_COMPARE_MISMATCH:
    'Compare two runs of one test (same scenario, scenario options, shard count and window), or pass `--force` to compare them anyway with the differences printed as warnings.',
  LH_COMPARE_BASELINE_PARTIAL:
    'Keep a completed, whole run as the baseline (docs/compare.md), or pass `--allow-partial-baseline` to compare against it anyway.',
  LH_PROTOCOL_UNSUPPORTED:
    'Use a door loadhouse drives (`--protocol grpc`, `rest` or `kafka`), or a third-party driver module (`target.driver`, docs/drivers.md). docs/protocols.md describes the doors.',
  LH_DRIVER_NOT_INSTALLED:
    'Install the package the message names (`npm i @loadhouse/driver-kafka` for `--protocol kafka`) in the project or next to loadhouse, in the version that matches this loadhouse.',
  LH_KAFKA_OPTION:
    'Fix the Kafka driver option the message names (`target.driver.options`, or `--kafka-compression`); docs/protocols.md lists them.',
} satisfies { [K in ErrorCode]?: string };

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function row({ code, description }: ErrorCodeInfo): string {
  const todo = (ERROR_ADVICE as Record<string, string | undefined>)[code];
  if (!todo) throw new Error(`${code} has no advice in scripts/gen-error-docs.ts (ERROR_ADVICE)`);
  return `| \`${code}\` | ${cell(description)} | ${cell(todo)} |`;
}

export function renderErrorDocs(): string {
  const byOwner = new Map<string, ErrorCodeInfo[]>();
  for (const info of registeredErrorCodes()) byOwner.set(info.owner, [...(byOwner.get(info.owner) ?? []), info]);
  const sections = [...byOwner].flatMap(([owner, infos]) => [
    `## ${owner}`,
    '',
    '| Code | Meaning | What to do |',
    '|---|---|---|',
    ...infos.map(row),
    '',
  ]);
  return [
    '# Error codes',
    '',
    "<!-- Generated by scripts/gen-error-docs.ts from the error-code registry (packages/core/src/errors.ts and each package's src/errors.ts): run `pnpm docs:errors`, do not edit. -->",
    '',
    'Every error loadhouse raises is a `LoadhouseError` with one of these codes (`err.code`), a message that says',
    'what was wrong, and the underlying error as `err.cause`. Codes are stable; a retired code is never reused.',
    "Test for one with `isLoadhouseError(err, 'LH_TARGET_UNREACHABLE')`. The CLI prints `error <code>: <message>`;",
    'its exit codes are in [cli.md](cli.md).',
    '',
    'Each package owns its codes, listed below by package. A plugin can declare codes of its own (see',
    '[plugins.md](plugins.md#error-codes)); its errors keep them, and any other error it throws becomes',
    '`LH_PLUGIN_FAILED`.',
    '',
    ...sections,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rendered = renderErrorDocs();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(ERROR_DOCS_PATH, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== rendered) {
      console.error('docs/errors.md is stale: run `pnpm docs:errors`');
      process.exit(1);
    }
    console.log('docs/errors.md is current');
  } else {
    writeFileSync(ERROR_DOCS_PATH, rendered);
    console.log('docs/errors.md written');
  }
}
