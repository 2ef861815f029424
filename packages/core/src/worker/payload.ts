// Payload bytes prepared once per worker: a pool of random (incompressible), repeated-text (compressible) or
// zero bytes. Records copy a slice from a rotating position, so no two neighbours are identical and nothing is
// generated per record. The random pool comes from the run's seed, so the same seed fills the same pool.
import type { PayloadKind } from '../types.js';
import { deriveSeed, mulberry32 } from '../util.js';

/** Purpose tag of the payload pool's random stream (deriveSeed). */
const PAYLOAD_STREAM = 0x5041594c; // 'PAYL'

const BASE_POOL_BYTES = 4 * 1024 * 1024;
// A prime stride keeps successive slices from lining up with any record size.
const STRIDE = 7919;

const TEXT = 'StreamHouse loadhouse record payload: the quick brown fox jumps over the lazy dog while segments roll to S3. ';

export class PayloadPool {
  private bytes: Buffer;
  private usable: number;
  private position = 0;

  constructor(
    readonly kind: PayloadKind,
    maxLength: number,
    /** The run's seed: the random pool's bytes derive from it. */
    private readonly seed = 0,
  ) {
    this.usable = Math.max(BASE_POOL_BYTES, maxLength * 2);
    this.bytes = this.fill(this.usable + maxLength);
  }

  private fill(size: number): Buffer {
    const buf = Buffer.allocUnsafeSlow(size);
    if (this.kind === 'random') {
      // 32 bits a draw: a 4 MiB pool is a million draws, a few milliseconds once per worker.
      const next = mulberry32(deriveSeed(this.seed, PAYLOAD_STREAM));
      const whole = size & ~3;
      for (let i = 0; i < whole; i += 4) buf.writeUInt32LE((next() * 4294967296) >>> 0, i);
      for (let i = whole; i < size; i++) buf[i] = (next() * 256) >>> 0;
    } else if (this.kind === 'zeros') buf.fill(0);
    else buf.fill(TEXT);
    return buf;
  }

  /** Makes sure slices of `length` bytes can be served. */
  ensure(length: number): void {
    if (this.bytes.length - this.usable >= length) return;
    this.usable = Math.max(this.usable, length * 2);
    this.bytes = this.fill(this.usable + length);
  }

  /** Copies `length` payload bytes into `target` at `offset` (a memcpy; no allocation). */
  copyInto(target: Buffer, offset: number, length: number): void {
    if (length <= 0) return;
    const start = this.position;
    this.bytes.copy(target, offset, start, start + length);
    this.position = (start + STRIDE) % this.usable;
  }
}

/** The worker's pool of `kind` payload for `seed` (one per kind and seed), able to serve `size` bytes. */
export function payloadPoolFor(pools: Map<string, PayloadPool>, kind: PayloadKind, size: number, seed: number): PayloadPool {
  let pool = pools.get(`${kind}:${seed}`);
  if (!pool) {
    pool = new PayloadPool(kind, size, seed);
    pools.set(`${kind}:${seed}`, pool);
  }
  pool.ensure(size);
  return pool;
}
