// Consumer groups that commit and restart (docs/consumer-groups.md): produce at a steady rate while one group
// reads and commits every `commitEverySeconds`; at evenly spaced times its consumers crash (no final commit)
// or stop, and a new instance of the group resumes from the committed offsets. At the end: every acknowledged
// record was read at least once, no restart read again more than the records read since its group's last
// acknowledged commit, none resumed past what was read, and how long each restart took to its first record.
import { LoadhouseError, type Criterion, type Scenario } from '@loadhouse/core';
import { integrityCriteria, readToEnd } from './integrity.js';
import { plannedSize, type ProducerTuning } from './tuning.js';
import { checkOptions, defined } from './validate.js';

export interface ConsumerGroupRestartOptions extends ProducerTuning {
  /** Seconds of producing; the restarts are spread evenly over it (default 30). */
  durationSeconds?: number;
  /** Records per second produced, across all producers (default 1000). */
  rate?: number;
  /** Partitions of the topic (default 4). */
  partitions?: number;
  /** Consumers of the group (default 2; at most `partitions` read). */
  consumers?: number;
  /** Producers (default: one per partition). */
  producers?: number;
  /** The group commits every this many seconds (default 1). */
  commitEverySeconds?: number;
  /** Times the group's consumers are killed and restarted (default 2). */
  restarts?: number;
  /** Seconds the group stays down between a kill and its restart (default 0.5). */
  downSeconds?: number;
  /** Stop the consumers gracefully (a final commit) instead of crashing them (default false: a crash). */
  graceful?: boolean;
  /** Criterion: each restart reads its first record within this many seconds (default 10). */
  firstRecordSeconds?: number;
  /** Consumer group name (default `<topic>-restart-<run start, base 36>`: a name no earlier run committed under). */
  group?: string;
}

export function consumerGroupRestart(options: ConsumerGroupRestartOptions = {}): Scenario {
  const { graceful, group, ...numeric } = options;
  checkOptions(
    'consumerGroupRestart',
    numeric,
    {
      durationSeconds: 'positive',
      rate: 'positive',
      partitions: 'positiveInt',
      consumers: 'positiveInt',
      producers: 'positiveInt',
      commitEverySeconds: 'positive',
      restarts: 'nonNegativeInt',
      downSeconds: 'nonNegative',
      firstRecordSeconds: 'positive',
    },
    [],
  );
  if (graceful !== undefined && typeof graceful !== 'boolean')
    throw new LoadhouseError('LH_INVALID_OPTION', `options.graceful must be true or false, got ${String(graceful)}`);
  if (group !== undefined && (typeof group !== 'string' || group === ''))
    throw new LoadhouseError('LH_INVALID_OPTION', `options.group must be a non-empty string, got ${String(group)}`);
  const o = {
    durationSeconds: 30,
    rate: 1000,
    partitions: 4,
    consumers: 2,
    commitEverySeconds: 1,
    restarts: 2,
    downSeconds: 0.5,
    graceful: false,
    firstRecordSeconds: 10,
    ...defined(numeric),
    ...(graceful !== undefined ? { graceful } : {}),
  };
  const producers = o.producers ?? o.partitions;

  const criteria: Criterion[] = [
    { metric: 'integrity.lostAcked', op: '==', value: 0, label: 'Every acknowledged record read at least once' },
    {
      metric: 'consumer.restarts.beyondBound',
      op: '==',
      value: 0,
      label: 'Records read again within the commit interval (since the last acknowledged commit)',
    },
    { metric: 'consumer.restarts.skipped', op: '==', value: 0, label: 'No restart resumed past what its group had read' },
    ...(o.restarts > 0
      ? [
          { metric: 'consumer.restarts.restarts', op: '>=', value: o.restarts, label: `${o.restarts} restart(s) made` } as Criterion,
          {
            metric: 'consumer.restarts.maxFirstRecordSeconds',
            op: '<=',
            value: o.firstRecordSeconds,
            unit: 's',
            label: `Each restart reads its first record within ${o.firstRecordSeconds} s`,
          } as Criterion,
        ]
      : []),
    { metric: 'consumer.commit.failed', op: '==', value: 0, label: 'Every commit acknowledged' },
    ...integrityCriteria({ ordered: o.maxInFlight === 1 }),
  ];

  return {
    name: 'consumer-group-restart',
    plannedSeconds: o.durationSeconds,
    plannedBytes: o.rate * o.durationSeconds * plannedSize(o.messageSize ?? 1024),
    options: { ...o, producers, ...(group !== undefined ? { group } : {}) },
    criteria,
    async run(c) {
      const name = group ?? `${c.topic}-restart-${Date.now().toString(36)}`;
      const consume = (startAt: 'latest' | 'committed') =>
        c.consume({
          rate: 'max',
          consumers: o.consumers,
          partitions: o.partitions,
          startAt,
          group: name,
          commitEverySeconds: o.commitEverySeconds,
        });
      // The first instance starts at the end of the topic: records of earlier runs are not this run's.
      let readers = await consume('latest');
      const writers = await c.produce({
        rate: o.rate,
        producers,
        partitions: o.partitions,
        messageSize: o.messageSize,
        batchSize: o.batchSize,
        lingerMs: o.lingerMs,
        maxInFlight: o.maxInFlight,
      });
      // The schedule starts once records flow: starting threads can take seconds on a busy machine, and a
      // restart before anything was read tests nothing.
      await c.waitFor((s) => s.consumer.consumed > 0, { timeoutSeconds: o.durationSeconds });
      const start = c.elapsedSeconds();
      let made = 0;
      for (let i = 1; i <= o.restarts; i++) {
        const at = (o.durationSeconds * i) / (o.restarts + 1);
        await c.waitFor(Math.max(0, at - (c.elapsedSeconds() - start)));
        if (c.signal.aborted) break;
        await (o.graceful ? readers.stop() : readers.crash());
        await c.waitFor(o.downSeconds);
        if (c.signal.aborted) break;
        readers = await consume('committed');
        made++;
      }
      await c.waitFor(Math.max(0, o.durationSeconds - (c.elapsedSeconds() - start)));
      await writers.stop();
      await readToEnd(c);
      await readers.stop();
      c.record('restartsMade', made);
      c.record('consumerGroup', name);
    },
  };
}
