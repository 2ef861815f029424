// The error-code registry: packages own their codes, a plugin's registered code survives pluginError(), and
// anything else becomes LH_PLUGIN_FAILED with the original as its cause.
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, errorCodeInfo, isLoadhouseError, LoadhouseError, registerErrorCodes, registeredErrorCodes } from './errors.js';
import { pluginError, pluginErrorCode } from './plugins/plugin-host.js';

const TEST_CODES = {
  LH_TEST_QUOTA_SPENT: 'A test plugin spent its quota.',
} as const;

// Through the package entry, as a plugin does: an augmentation of ./errors.js beside those of
// @loadhouse/core would hide theirs.
declare module './index.js' {
  interface ErrorCodes extends Record<keyof typeof TEST_CODES, true> {}
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('registerErrorCodes', () => {
  it("holds core's own codes, owned by @loadhouse/core", () => {
    expect(errorCodeInfo('LH_INVALID_OPTION')).toEqual({
      code: 'LH_INVALID_OPTION',
      owner: '@loadhouse/core',
      description: ERROR_CODES.LH_INVALID_OPTION,
    });
    expect(errorCodeInfo('LH_S3_UNREACHABLE')).toBeUndefined(); // the S3 probe's, and that package is not loaded here
  });

  it("adds a package's codes after those registered before, and lets the same owner register again", () => {
    const before = registeredErrorCodes().length;
    registerErrorCodes('test-plugin', TEST_CODES);
    registerErrorCodes('test-plugin', TEST_CODES);
    expect(registeredErrorCodes().slice(before)).toEqual([
      { code: 'LH_TEST_QUOTA_SPENT', owner: 'test-plugin', description: 'A test plugin spent its quota.' },
    ]);
    expect(ERROR_CODES.LH_TEST_QUOTA_SPENT).toBe('A test plugin spent its quota.');
  });

  it.each([
    ['a code another package owns', { LH_INVALID_OPTION: 'mine now' }, /"LH_INVALID_OPTION", which is already owned by @loadhouse\/core/],
    ['a code without the LH_ prefix', { QUOTA_SPENT: 'x' }, /"QUOTA_SPENT", which is not an upper-case code starting with LH_/],
    ['a lower-case code', { LH_quota: 'x' }, /"LH_quota", which is not an upper-case code/],
    ['an empty description', { LH_TEST_EMPTY: ' ' }, /"LH_TEST_EMPTY", which has no description/],
    [
      'a table with one bad code among good ones',
      { LH_TEST_FINE: 'fine', LH_RUN_STATE: 'taken' },
      /"LH_RUN_STATE", which is already owned/,
    ],
  ])('refuses %s with LH_PLUGIN_INVALID and registers nothing', (_, codes, message) => {
    const before = registeredErrorCodes().length;
    const err = thrown(() => registerErrorCodes('intruder', codes as Record<string, string>));
    expect(isLoadhouseError(err, 'LH_PLUGIN_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect(registeredErrorCodes()).toHaveLength(before);
    expect(errorCodeInfo('LH_INVALID_OPTION')?.owner).toBe('@loadhouse/core');
    expect(errorCodeInfo('LH_TEST_FINE')).toBeUndefined();
  });
});

describe('pluginError', () => {
  beforeAll(() => registerErrorCodes('test-plugin', TEST_CODES));

  it('keeps a registered code, even from an error of another copy of the core (by shape)', () => {
    const own = new LoadhouseError('LH_TEST_QUOTA_SPENT', 'quota spent', { details: { quota: 3 } });
    const e = pluginError('quota', 'failed in setup', own);
    expect(e.code).toBe('LH_TEST_QUOTA_SPENT');
    expect(e.message).toBe('Plugin "quota" failed in setup: quota spent');
    expect(e.details).toEqual({ quota: 3, plugin: 'quota' });
    expect(e.cause).toBe(own);
    const foreign = Object.assign(new Error('from another copy'), { code: 'LH_TEST_QUOTA_SPENT' });
    expect(pluginErrorCode(foreign)).toBe('LH_TEST_QUOTA_SPENT');
  });

  it('wraps an undeclared code and any other error as LH_PLUGIN_FAILED, keeping the original as cause', () => {
    const undeclared = Object.assign(new Error('no such code'), { code: 'LH_TEST_NEVER_REGISTERED' });
    const e = pluginError('quota', 'failed in setup', undeclared);
    expect(e.code).toBe('LH_PLUGIN_FAILED');
    expect(e.cause).toBe(undeclared);
    expect(pluginErrorCode(new TypeError('plain'))).toBe('LH_PLUGIN_FAILED');
    expect(pluginErrorCode('a string')).toBe('LH_PLUGIN_FAILED');
    expect(pluginErrorCode(Object.assign(new Error('grpc'), { code: 14 }))).toBe('LH_PLUGIN_FAILED');
  });
});
