import { expect, it } from 'vitest';
import { FinishedOutbox } from './finished-outbox.js';
import type { ProducerTotalsReport } from './protocol.js';

const totals = (id: number): ProducerTotalsReport => ({
  id,
  completed: true,
  startEpochMs: 0,
  finishedEpochMs: 1,
  scheduled: 1,
  acked: 1,
  failed: 0,
  dropped: 0,
});

it('tells the producers finished in one turn in one message per group, and at once when flushed before another message', async () => {
  const sent: Array<[number, number[]]> = [];
  const box = new FinishedOutbox((g, ps) => sent.push([g, ps.map((p) => p.id)]));
  box.add(1, totals(10));
  box.add(2, totals(20));
  box.add(1, totals(11));
  expect(sent).toEqual([]);
  await new Promise((r) => setImmediate(r));
  expect(sent).toEqual([
    [1, [10, 11]],
    [2, [20]],
  ]);
  box.add(1, totals(12));
  box.flush();
  expect(sent.at(-1)).toEqual([1, [12]]);
  await new Promise((r) => setImmediate(r));
  expect(sent).toHaveLength(3);
});
