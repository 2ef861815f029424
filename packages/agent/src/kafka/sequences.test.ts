// Idempotent producers' sequence numbers: a resent batch gets the first answer, gaps and old epochs are refused.
import { describe, expect, it } from 'vitest';
import { ProducerSequences } from './sequences.js';

describe('ProducerSequences', () => {
  it('answers a resent batch with the offset of its first append, and refuses gaps and fenced epochs', async () => {
    const s = new ProducerSequences();
    const a = s.check('t/0', 7, 0, 0, 3);
    expect(a.kind).toBe('new');
    if (a.kind === 'new') a.settle(100);
    const again = s.check('t/0', 7, 0, 0, 3);
    expect(again.kind).toBe('duplicate');
    if (again.kind === 'duplicate') expect(await again.offset).toBe(100);
    expect(s.check('t/0', 7, 0, 5, 1)).toEqual({ kind: 'refused', error: 45 });
    expect(s.check('t/0', 7, 0, 3, 2).kind).toBe('new');
    expect(s.check('t/1', 7, 0, 0, 1).kind).toBe('new'); // another partition has its own sequence
    expect(s.check('t/0', 7, 1, 0, 1).kind).toBe('new'); // a new epoch starts again
    expect(s.check('t/0', 7, 0, 5, 1)).toEqual({ kind: 'refused', error: 47 });
  });

  it('forgets a batch that was not appended, so its retry is appended', () => {
    const s = new ProducerSequences();
    const a = s.check('t/0', 7, 0, 0, 2);
    if (a.kind === 'new') a.settle(undefined);
    expect(s.check('t/0', 7, 0, 0, 2).kind).toBe('new');
  });
});
