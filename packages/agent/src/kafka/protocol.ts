// Primitive types of the Kafka wire protocol: big-endian integers, int16-length strings, int32-length bytes,
// int32-count arrays, zig-zag varints (record batches) and the compact/tagged forms of flexible versions.
// A Reader or Writer made `flexible` reads and writes strings, bytes and arrays in their compact forms and
// tagged-field sections where `tags()` stands, so one handler serves an API's classic and flexible versions.

/** A request or batch that does not parse: the connection answers CORRUPT_MESSAGE or is closed. */
export class KafkaDecodeError extends Error {}

export class Reader {
  pos = 0;
  /** Set once the request header says the version is flexible (the header's client id is never compact). */
  flexible = false;
  constructor(readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new KafkaDecodeError(`truncated: need ${n} bytes at ${this.pos} of ${this.buf.length}`);
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  /** Offsets and timestamps fit a double exactly up to 2^53, far beyond what the agent assigns. */
  int64(): number {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return Number(v);
  }
  raw(n: number): Buffer {
    if (n < 0) throw new KafkaDecodeError(`negative length ${n} at ${this.pos}`);
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  /** The classic int16-length string, whatever the version (the request header's client id). */
  classicString(): string | null {
    const n = this.int16();
    return n < 0 ? null : this.raw(n).toString('utf8');
  }
  nullableString(): string | null {
    if (this.flexible) return this.compactNullableString();
    return this.classicString();
  }
  string(): string {
    return this.nullableString() ?? '';
  }
  nullableBytes(): Buffer | null {
    const n = this.flexible ? this.uvarint() - 1 : this.int32();
    return n < 0 ? null : this.raw(n);
  }
  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  /** A topic id (UUID), as 32 hex digits. */
  uuid(): string {
    return this.raw(16).toString('hex');
  }
  /** An array (int32 count, or compact when flexible); a null array reads as null. */
  nullableArray<T>(item: (r: Reader) => T): T[] | null {
    const n = this.flexible ? this.uvarint() - 1 : this.int32();
    if (n < 0) return null;
    if (n > this.remaining) throw new KafkaDecodeError(`array of ${n} items at ${this.pos} exceeds the request`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }
  array<T>(item: (r: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }
  uvarint(): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
      shift += 7;
      if (shift > 63) throw new KafkaDecodeError(`varint too long at ${this.pos}`);
    }
  }
  /** Zig-zag signed varint (varint and varlong alike). */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  compactNullableString(): string | null {
    const n = this.uvarint() - 1;
    return n < 0 ? null : this.raw(n).toString('utf8');
  }
  /** Skips the tagged-fields section a flexible version has here; nothing in a classic one. */
  tags(): void {
    if (this.flexible) this.taggedFields();
  }
  /** Skips a tagged-fields section: the agent uses no tagged field. */
  taggedFields(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.raw(this.uvarint());
    }
  }
}

export class Writer {
  /** Writes the compact forms and tagged-field sections of a flexible version. */
  constructor(readonly flexible = false) {}
  private chunks: Buffer[] = [];
  private cur = Buffer.allocUnsafe(256);
  private at = 0;
  private done = 0;

  private room(n: number): void {
    if (this.at + n <= this.cur.length) return;
    this.chunks.push(this.cur.subarray(0, this.at));
    this.done += this.at;
    this.cur = Buffer.allocUnsafe(Math.max(n, 4096));
    this.at = 0;
  }
  get length(): number {
    return this.done + this.at;
  }
  int8(v: number): this {
    this.room(1);
    this.cur.writeInt8(v, this.at++);
    return this;
  }
  int16(v: number): this {
    this.room(2);
    this.cur.writeInt16BE(v, this.at);
    this.at += 2;
    return this;
  }
  int32(v: number): this {
    this.room(4);
    this.cur.writeInt32BE(v, this.at);
    this.at += 4;
    return this;
  }
  uint32(v: number): this {
    this.room(4);
    this.cur.writeUInt32BE(v >>> 0, this.at);
    this.at += 4;
    return this;
  }
  int64(v: number): this {
    this.room(8);
    this.cur.writeBigInt64BE(BigInt(v), this.at);
    this.at += 8;
    return this;
  }
  raw(b: Uint8Array): this {
    if (b.length > 1024) {
      this.chunks.push(this.cur.subarray(0, this.at), Buffer.from(b.buffer, b.byteOffset, b.length));
      this.done += this.at + b.length;
      this.cur = this.cur.subarray(this.at);
      this.at = 0;
      return this;
    }
    this.room(b.length);
    this.cur.set(b, this.at);
    this.at += b.length;
    return this;
  }
  nullableString(s: string | null): this {
    if (s === null) return this.flexible ? this.uvarint(0) : this.int16(-1);
    const b = Buffer.from(s, 'utf8');
    return (this.flexible ? this.uvarint(b.length + 1) : this.int16(b.length)).raw(b);
  }
  string(s: string): this {
    return this.nullableString(s);
  }
  nullableBytes(b: Uint8Array | null): this {
    if (b === null) return this.flexible ? this.uvarint(0) : this.int32(-1);
    return (this.flexible ? this.uvarint(b.length + 1) : this.int32(b.length)).raw(b);
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  /** A topic id from 32 hex digits. */
  uuid(hex: string): this {
    return this.raw(Buffer.from(hex, 'hex'));
  }
  array<T>(items: readonly T[], item: (w: Writer, x: T) => void): this {
    if (this.flexible) this.uvarint(items.length + 1);
    else this.int32(items.length);
    for (const x of items) item(this, x);
    return this;
  }
  /** A null array (-1, or 0 when compact). */
  nullArray(): this {
    return this.flexible ? this.uvarint(0) : this.int32(-1);
  }
  /** The empty tagged-fields section a flexible version has here; nothing in a classic one. */
  tags(): this {
    return this.flexible ? this.uvarint(0) : this;
  }
  uvarint(v: number): this {
    while (v >= 0x80) {
      this.int8((((v % 0x80) | 0x80) << 24) >> 24);
      v = Math.floor(v / 0x80);
    }
    return this.int8((v << 24) >> 24);
  }
  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  /** An empty tagged-fields section. */
  taggedFields(): this {
    return this.uvarint(0);
  }
  toBuffer(): Buffer {
    if (this.chunks.length === 0) return this.cur.subarray(0, this.at);
    return Buffer.concat([...this.chunks, this.cur.subarray(0, this.at)], this.length);
  }
}
