// Flag tables type their own values (checked by the type-check) and readFlags gives exactly those keys.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineFlags, flagNamed, omitFlags, pickFlags, readFlags } from './flags.js';

const FLAGS = defineFlags([
  { name: 'ready-timeout', kind: 'number', group: 'target', description: 'd', default: 30 },
  { name: 'http-target', kind: 'string', group: 'target', description: 'd' },
  { name: 'no-color', kind: 'boolean', group: 'output', description: 'd' },
  { name: 'label', kind: 'string', repeatable: true, group: 'run', description: 'd' },
  { name: 's3-endpoint', kind: 'string', group: 'plugins', description: 'd' },
]);

describe('typed flag tables', () => {
  it('readFlags keys values by camelCase name, typed by kind, undefined only without a default', () => {
    const v = readFlags(FLAGS, { readyTimeout: '5', httpTarget: 'http://h', color: false, label: ['a=b'], 's3-endpoint': 'x' });
    expectTypeOf(v.readyTimeout).toEqualTypeOf<number>();
    expectTypeOf(v.httpTarget).toEqualTypeOf<string | undefined>();
    expectTypeOf(v.noColor).toEqualTypeOf<boolean | undefined>();
    expectTypeOf(v.label).toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf(v.s3Endpoint).toEqualTypeOf<string | undefined>();
    expect(v).toEqual({ readyTimeout: 5, httpTarget: 'http://h', noColor: true, label: ['a=b'], s3Endpoint: 'x' });
    expect(readFlags(FLAGS, {})).toEqual({
      readyTimeout: 30,
      httpTarget: undefined,
      noColor: undefined,
      label: undefined,
      s3Endpoint: undefined,
    });
  });

  it('pickFlags and omitFlags keep table order; flagNamed finds one', () => {
    expect(pickFlags(FLAGS, ['label', 'ready-timeout']).map((f) => f.name)).toEqual(['ready-timeout', 'label']);
    expect(omitFlags(FLAGS, ['label', 'ready-timeout']).map((f) => f.name)).toEqual(['http-target', 'no-color', 's3-endpoint']);
    expect(flagNamed(FLAGS, 'http-target').kind).toBe('string');
    const picked = readFlags(pickFlags(FLAGS, ['ready-timeout']), {});
    expectTypeOf(picked).toEqualTypeOf<{ readyTimeout: number }>();
    expect(picked).toEqual({ readyTimeout: 30 });
  });
});
