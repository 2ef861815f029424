// Seeded random test data: the same sequence on every reset, so fixtures are deterministic.

/** mulberry32: small, seeded, good enough for test data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let next = rng(42);

/** Starts the sequence again from its seed. */
export function resetRandom(): void {
  next = rng(42);
}

/** A uniform number in [0, 1). */
export function random(): number {
  return next();
}

export const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** Log-normal latency in microseconds around `medianMs`, with a heavier tail for larger `spread`. */
export const latencyUs = (medianMs: number, spread: number) => Math.max(50, Math.round(medianMs * 1000 * Math.exp(spread * gaussian())));
