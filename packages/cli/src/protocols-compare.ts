// `run <scenario> --protocols grpc,rest`: the same workload through each door of one target in turn, each on a
// fresh topic of its own and written as an ordinary result, then one table that sets the doors side by side.
import {
  checkProtocol,
  formatInt,
  formatMs,
  LoadhouseError,
  type LoadTestResult,
  type ProtocolName,
  type TargetOptions,
} from '@loadhouse/core';
import { findScenario, type FlagValues } from './catalog.js';
import type { EmbeddedTarget } from './embedded-target.js';
import { EXIT } from './exit-codes.js';
import { kafkaExtras, targetFromFlags } from './target-flags.js';

/** The doors `--protocols` names (two or more, no repeats); undefined without the flag. Checked before anything starts. */
export function protocolsFromFlags(v: FlagValues, raw: Record<string, unknown>): ProtocolName[] | undefined {
  if (typeof v.protocols !== 'string') return undefined;
  if (raw.protocol !== undefined) {
    throw new LoadhouseError('LH_INVALID_OPTION', '--protocol and --protocols exclude each other: one door, or a comparison of several', {
      details: { flag: 'protocols' },
    });
  }
  const doors = v.protocols
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => checkProtocol(s, '--protocols'));
  if (doors.length < 2 || new Set(doors).size !== doors.length) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `--protocols must name two or more different doors, like grpc,rest; got ${JSON.stringify(v.protocols)}`,
      {
        details: { flag: 'protocols' },
      },
    );
  }
  if (typeof v.target === 'string' && doors.includes('kafka') && typeof v.kafkaTarget !== 'string') {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      '--protocols with kafka and a --target needs --kafka-target: the Kafka door has a port of its own (9092 by default)',
      { details: { flag: 'protocols' } },
    );
  }
  if (typeof v.target === 'string' && doors.includes('rest') && typeof v.httpTarget !== 'string') {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      '--protocols with rest and a --target needs --http-target: the REST door is on the HTTP port (--target stays the gRPC address)',
      { details: { flag: 'protocols' } },
    );
  }
  return doors;
}

/** The target of one door: the embedded agent's port for it, or --target (gRPC) and --http-target (REST). */
export function doorTarget(door: ProtocolName, v: FlagValues, env: NodeJS.ProcessEnv, embedded: EmbeddedTarget | undefined): TargetOptions {
  if (embedded) {
    const { protocol: _, ...grpc } = embedded.target;
    if (door === 'grpc') return { ...grpc, address: embedded.grpcAddress };
    if (door === 'kafka') return { ...grpc, address: embedded.kafkaAddress!, protocol: door, ...kafkaExtras(v, env) };
    return { ...grpc, address: embedded.target.httpAddress!, protocol: door };
  }
  const doorAddress = door === 'rest' ? v.httpTarget : door === 'kafka' ? v.kafkaTarget : v.target;
  const own = door === 'kafka' ? {} : { saslUsername: undefined, saslPassword: undefined };
  const t = targetFromFlags({ ...v, ...own, protocols: undefined, protocol: door, target: doorAddress }, env);
  return t!;
}

export interface DoorRun {
  door: ProtocolName;
  result: LoadTestResult;
}

/** Flag values of one door's run: its own topic, so no door reads another's records. */
export function doorValues(v: FlagValues, scenario: string, door: ProtocolName): FlagValues {
  const base = typeof v.topic === 'string' ? v.topic : `loadhouse-${scenario}`;
  return { ...v, topic: `${base}-${door}` };
}

/** Builds the scenario afresh for a door (criteria carry per-run state). */
export function doorScenario(scenario: string, v: FlagValues) {
  return findScenario(scenario)!.build(v);
}

const ms = (n: number | undefined, count: number | undefined): string => (n === undefined || !count ? '-' : formatMs(n));

/** One line per door: sustained rate, producer latency, errors and end-to-end latency, then each run's verdict. */
export function formatDoorTable(runs: readonly DoorRun[]): string {
  const header = ['door', 'msgs/s', 'p50', 'p99', 'errors', 'e2e p50', 'e2e p99', 'run'];
  const rows = runs.map(({ door, result: r }) => {
    const p = r.producer;
    const e2e = r.consumer.latency.endToEnd;
    const errors = p.failed + p.dropped + Object.values(r.consumer.errorsByCode).reduce((a, b) => a + b, 0);
    return [
      door,
      formatInt(Math.round(p.msgsPerSec)),
      ms(p.latency.response.p50, p.latency.response.count),
      ms(p.latency.response.p99, p.latency.response.count),
      formatInt(errors),
      ms(e2e.p50, e2e.count),
      ms(e2e.p99, e2e.count),
      `${r.state}${r.partial ? ' (partial)' : ''}${r.criteria.some((c) => !c.passed && c.notApplicable === undefined) ? ', criteria failed' : ''}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const last = header.length - 1;
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === last ? c : i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    'Doors side by side (the same workload through each; docs/protocols.md says what differs):',
    line(header),
    ...rows.map(line),
  ].join('\n');
}

/** The worst exit code of the doors' runs. */
export function worstExit(codes: readonly number[]): number {
  return codes.reduce((a, b) => Math.max(a, b), EXIT.OK as number);
}
