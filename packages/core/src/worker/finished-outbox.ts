// The `producer-done` messages of a load worker, gathered: producers that finish in one turn of the event loop
// are told in one message per group, not one each. 10,000 producers finishing together otherwise cost the
// worker a quarter of its CPU in postMessage, and the main thread as many message events.
import type { ProducerTotalsReport } from './protocol.js';

export class FinishedOutbox {
  private readonly byGroup = new Map<number, ProducerTotalsReport[]>();
  private immediate: NodeJS.Immediate | undefined;

  constructor(private readonly send: (groupId: number, producers: ProducerTotalsReport[]) => void) {}

  /** Queues a finished producer's totals; they go out after the current turn, or with the next flush(). */
  add(groupId: number, totals: ProducerTotalsReport): void {
    const list = this.byGroup.get(groupId);
    if (list) list.push(totals);
    else this.byGroup.set(groupId, [totals]);
    this.immediate ??= setImmediate(() => this.flush());
  }

  /** Sends what is queued now: before any other message, so a group's stop follows its producers' completions. */
  flush(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    if (this.byGroup.size === 0) return;
    const groups = [...this.byGroup];
    this.byGroup.clear();
    for (const [groupId, producers] of groups) this.send(groupId, producers);
  }
}
