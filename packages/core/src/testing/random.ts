// Seeded random test data: the same sequence on every reset, so fixtures are deterministic.

import { mulberry32 } from '../util.js';

let next = mulberry32(42);

/** Starts the sequence again from its seed. */
export function resetRandom(): void {
  next = mulberry32(42);
}

/** A uniform number in [0, 1). */
export function random(): number {
  return next();
}

export const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** Log-normal latency in microseconds around `medianMs`, with a heavier tail for larger `spread`. */
export const latencyUs = (medianMs: number, spread: number) => Math.max(50, Math.round(medianMs * 1000 * Math.exp(spread * gaussian())));
