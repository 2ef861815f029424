// Scenario option checks: coded errors that name the option, raised before any load is sent.
import { LoadhouseError, MAX_REQUEST_BYTES, RECORD_HEADER_SIZE } from '@loadhouse/core';

export function checkPositive(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new LoadhouseError('LH_INVALID_OPTION', `options.${name} must be a positive number, got ${String(value)}`);
  }
}

export function checkPositiveInt(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new LoadhouseError('LH_INVALID_OPTION', `options.${name} must be a positive integer, got ${String(value)}`);
  }
}

export function checkNonNegativeInt(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new LoadhouseError('LH_INVALID_OPTION', `options.${name} must be a whole number >= 0, got ${String(value)}`);
  }
}

/** `options` without its undefined entries, so spreading it over defaults keeps the defaults. */
export function defined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}

/** A record value must hold loadhouse's record header and fit a request. */
export function checkMessageSize(value: unknown): void {
  checkPositiveInt('messageSize', value);
  if ((value as number) < RECORD_HEADER_SIZE) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `options.messageSize must be at least ${RECORD_HEADER_SIZE} bytes, the record header loadhouse writes into every value (producer, sequence, send time), got ${String(value)}`,
    );
  }
  if ((value as number) > MAX_REQUEST_BYTES) {
    throw new LoadhouseError('LH_INVALID_OPTION', `options.messageSize must be at most ${MAX_REQUEST_BYTES} bytes (the request size limit), got ${String(value)}`);
  }
}
