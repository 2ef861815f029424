// Payload bytes prepared once per worker: a pool of random (incompressible) or repeated-text (compressible)
// bytes. Records copy a slice from a rotating position, so no two neighbours are identical and nothing is
// generated per record.
import { randomFillSync } from 'node:crypto';
import type { PayloadKind } from '../types.js';

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
  ) {
    this.usable = Math.max(BASE_POOL_BYTES, maxLength * 2);
    this.bytes = PayloadPool.fill(kind, this.usable + maxLength);
  }

  private static fill(kind: PayloadKind, size: number): Buffer {
    const buf = Buffer.allocUnsafeSlow(size);
    if (kind === 'random') randomFillSync(buf);
    else buf.fill(TEXT);
    return buf;
  }

  /** Makes sure slices of `length` bytes can be served. */
  ensure(length: number): void {
    if (this.bytes.length - this.usable >= length) return;
    this.usable = Math.max(this.usable, length * 2);
    this.bytes = PayloadPool.fill(this.kind, this.usable + length);
  }

  /** Copies `length` payload bytes into `target` at `offset` (a memcpy; no allocation). */
  copyInto(target: Buffer, offset: number, length: number): void {
    if (length <= 0) return;
    const start = this.position;
    this.bytes.copy(target, offset, start, start + length);
    this.position = (start + STRIDE) % this.usable;
  }
}
