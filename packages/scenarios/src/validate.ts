// Scenario option checks: coded errors that name the option, raised before any load is sent.
import { LoadhouseError, MAX_REQUEST_BYTES, parseKeys, parseSizes } from '@loadhouse/core';
import { RECORD_HEADER_SIZE } from '@loadhouse/core/wire';

function checkPositive(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new LoadhouseError('LH_INVALID_OPTION', `options.${name} must be a positive number, got ${String(value)}`);
  }
}

function checkPositiveInt(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new LoadhouseError('LH_INVALID_OPTION', `options.${name} must be a positive integer, got ${String(value)}`);
  }
}

function checkNonNegativeInt(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new LoadhouseError('LH_INVALID_OPTION', `options.${name} must be a whole number >= 0, got ${String(value)}`);
  }
}

/** `options` without its undefined entries, so spreading it over defaults keeps the defaults. */
export function defined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}

/** A record value must hold loadhouse's record header and fit a request. */
function checkMessageSize(value: unknown): void {
  // A distribution ('uniform:512-1536'...) is checked as produce() will, so a bad one fails before any load.
  if (typeof value === 'string') {
    parseSizes('options.messageSize', value, RECORD_HEADER_SIZE);
    return;
  }
  checkPositiveInt('messageSize', value);
  if ((value as number) < RECORD_HEADER_SIZE) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `options.messageSize must be at least ${RECORD_HEADER_SIZE} bytes, the record header loadhouse writes into every value (producer, sequence, send time), got ${String(value)}`,
    );
  }
  if ((value as number) > MAX_REQUEST_BYTES) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `options.messageSize must be at most ${MAX_REQUEST_BYTES} bytes (the request size limit), got ${String(value)}`,
    );
  }
}

/** How an option of a scenario is checked. */
export type OptionRule = 'positive' | 'positiveInt' | 'nonNegative' | 'nonNegativeInt' | 'messageSize' | 'workload' | 'arrivals' | 'text';

const TUNING_RULES: Record<string, OptionRule> = {
  messageSize: 'messageSize',
  batchSize: 'positiveInt',
  lingerMs: 'nonNegative',
  maxInFlight: 'positiveInt',
  keys: 'workload',
  keyRouting: 'workload',
  payload: 'workload',
  arrivals: 'arrivals',
  rateProfile: 'text',
};

/** The workload-shape tuning (docs/workload.md): the same checks produce() makes. */
function checkWorkload(key: string, value: unknown): void {
  if (key === 'keys') parseKeys('options.keys', value);
  else if (key === 'keyRouting' && value !== 'hash' && value !== 'pinned')
    throw new LoadhouseError('LH_INVALID_OPTION', `options.keyRouting must be 'hash' or 'pinned', got ${JSON.stringify(value)}`);
  else if (key === 'payload' && !['random', 'text', 'zeros', 'compressible'].includes(value as string))
    throw new LoadhouseError('LH_INVALID_OPTION', `options.payload must be 'random', 'text' or 'zeros', got ${JSON.stringify(value)}`);
}

function checkNonNegative(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new LoadhouseError('LH_INVALID_OPTION', `options.${name} must be a number >= 0, got ${String(value)}`);
  }
}

/**
 * Checks a scenario's options when the scenario is made, before anything connects: an object, no key the
 * scenario does not know (a misspelling would be ignored), every required key present, every value of its kind.
 */
export function checkOptions(scenario: string, options: unknown, rules: Record<string, OptionRule>, required: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `${scenario}(options): options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`,
    );
  }
  const all = { ...rules, ...TUNING_RULES };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !(key in all)) {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `options.${key} is not an option of ${scenario} (known: ${Object.keys(all).join(', ')})`,
        {
          details: { option: `options.${key}` },
        },
      );
    }
  }
  const o = options as Record<string, unknown>;
  for (const [key, rule] of Object.entries(all)) {
    const value = o[key];
    if (value === undefined && !required.includes(key)) continue;
    if (rule === 'positive') checkPositive(key, value);
    else if (rule === 'positiveInt') checkPositiveInt(key, value);
    else if (rule === 'nonNegative') checkNonNegative(key, value);
    else if (rule === 'nonNegativeInt') checkNonNegativeInt(key, value);
    else if (rule === 'workload') checkWorkload(key, value);
    else if (rule === 'arrivals') {
      if (value !== 'uniform' && value !== 'poisson')
        throw new LoadhouseError('LH_INVALID_OPTION', `options.${key} must be 'uniform' or 'poisson', got ${String(value)}`);
    } else if (rule === 'text') {
      if (typeof value !== 'string') throw new LoadhouseError('LH_INVALID_OPTION', `options.${key} must be a string, got ${String(value)}`);
    } else checkMessageSize(value);
  }
}
