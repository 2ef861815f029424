import { describe, expect, it } from 'vitest';
import { LoadhouseError } from './errors.js';
import { createLoadTest, isLoadhouseError } from './index.js';
import { resolveDelivery } from './options-delivery.js';
import type { DeliveryOptions } from './types.js';

describe('options.delivery', () => {
  it('is absent by default and when nothing asks for a retry or a producer id', () => {
    expect(resolveDelivery(undefined)).toBeNull();
    expect(resolveDelivery({})).toBeNull();
    expect(resolveDelivery({ idempotent: false, retries: 0 })).toBeNull();
  });

  it('retries 5 times when idempotent, none otherwise unless asked; transactions imply idempotence', () => {
    expect(resolveDelivery({ idempotent: true })).toEqual({ idempotent: true, retries: 5, transactions: null });
    expect(resolveDelivery({ retries: 2 })).toEqual({ idempotent: false, retries: 2, transactions: null });
    expect(resolveDelivery({ idempotent: true, retries: 0 })).toEqual({ idempotent: true, retries: 0, transactions: null });
    expect(resolveDelivery({ transactions: { recordsPerTransaction: 10 } })).toEqual({
      idempotent: true,
      retries: 5,
      transactions: { recordsPerTransaction: 10, abortRatio: 0, seed: 1 },
    });
  });

  it.each<[string, unknown]>([
    ['options.delivery.retries', { retries: -1 }],
    ['options.delivery.retries', { retries: 1.5 }],
    ['options.delivery.idempotent', { idempotent: 'yes' }],
    ['options.delivery.transactions.recordsPerTransaction', { transactions: { recordsPerTransaction: 0 } }],
    ['options.delivery.transactions.abortRatio', { transactions: { recordsPerTransaction: 5, abortRatio: 1.5 } }],
    ['options.delivery', { idempotnt: true }],
  ])('refuses a bad %s with LH_INVALID_OPTION naming it', (name, value) => {
    let err: unknown;
    try {
      resolveDelivery(value as DeliveryOptions);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LoadhouseError);
    expect((err as LoadhouseError).code).toBe('LH_INVALID_OPTION');
    expect((err as Error).message).toContain(name);
  });
});

describe('the delivery pre-flight', () => {
  it('refuses idempotent producers on a driver without InitProducer with LH_DELIVERY_UNSUPPORTED, before any load', async () => {
    const driver = new URL('./driver/fixtures/memory-driver.mjs', import.meta.url).href;
    let err: unknown;
    const loads: string[] = [];
    try {
      await createLoadTest({ target: { address: 'memory:one', driver }, resultsDir: false, delivery: { idempotent: true } }).run({
        name: 'never',
        criteria: [],
        run: async () => {
          loads.push('started');
        },
      });
    } catch (e) {
      err = e;
    }
    expect(isLoadhouseError(err, 'LH_DELIVERY_UNSUPPORTED')).toBe(true);
    expect((err as Error).message).toMatch(/does not offer idempotent producers/);
    expect(loads).toEqual([]);
  });
});
