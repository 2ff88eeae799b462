/**
 * Bounded reader and growable writer for TLS wire formats (RFC 8446 §3 presentation language).
 *
 * Every length-prefixed field is read through a sub-reader bounded to exactly that length, and a
 * reader must be used up exactly: {@link Reader.end} throws the taxonomy's decode error on
 * trailing bytes. Readers return `subarray` views (no copies) of the input.
 */
import { decodeError } from '../errors.js';

/** A bounded cursor over a byte range. */
export class Reader {
  private pos: number;
  /**
   * @param buf the bytes
   * @param start first byte of the range
   * @param limit one past the last byte of the range
   */
  constructor(private readonly buf: Uint8Array, start = 0, private readonly limit = buf.length) {
    this.pos = start;
  }

  /** Bytes left in this reader's range. */
  get remaining(): number {
    return this.limit - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.remaining) throw decodeError(`${what}: need ${n} bytes, have ${this.remaining}`);
  }

  /** uint8 */
  u8(what = 'uint8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }
  /** uint16, network order */
  u16(what = 'uint16'): number {
    this.need(2, what);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  /** uint24, network order */
  u24(what = 'uint24'): number {
    this.need(3, what);
    const v = (this.buf[this.pos]! << 16) | (this.buf[this.pos + 1]! << 8) | this.buf[this.pos + 2]!;
    this.pos += 3;
    return v;
  }
  /** uint32, network order */
  u32(what = 'uint32'): number {
    this.need(4, what);
    const v = ((this.buf[this.pos]! << 24) >>> 0) + ((this.buf[this.pos + 1]! << 16) | (this.buf[this.pos + 2]! << 8) | this.buf[this.pos + 3]!);
    this.pos += 4;
    return v;
  }
  /** n raw bytes (a view) */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** All remaining bytes (a view). */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** A sub-reader over a field with a `lenBytes`-byte length prefix; advances past it. */
  sub(lenBytes: 1 | 2 | 3, what = 'vector'): Reader {
    const n = lenBytes === 1 ? this.u8(what) : lenBytes === 2 ? this.u16(what) : this.u24(what);
    this.need(n, what);
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
  /** opaque field<0..2^8-1> */
  vec8(what = 'opaque<1>'): Uint8Array {
    return this.sub(1, what).rest();
  }
  /** opaque field<0..2^16-1> */
  vec16(what = 'opaque<2>'): Uint8Array {
    return this.sub(2, what).rest();
  }
  /** opaque field<0..2^24-1> */
  vec24(what = 'opaque<3>'): Uint8Array {
    return this.sub(3, what).rest();
  }

  /** Throws the decode error unless the range is used up exactly. */
  end(what = 'structure'): void {
    if (this.remaining !== 0) throw decodeError(`${what}: ${this.remaining} trailing bytes`);
  }
}

/** A growable byte writer; length prefixes are back-patched. */
export class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  /** Bytes written so far. */
  get length(): number {
    return this.len;
  }
  /** uint8 */
  u8(v: number): this {
    this.grow(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  /** uint16 */
  u16(v: number): this {
    this.grow(2);
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  /** uint24 */
  u24(v: number): this {
    this.grow(3);
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  /** uint32 */
  u32(v: number): this {
    this.grow(4);
    this.buf[this.len++] = (v >>> 24) & 0xff;
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  /** raw bytes */
  bytes(b: Uint8Array): this {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  /** A length-prefixed block whose content `fill` writes; throws if it overflows the prefix. */
  vec(lenBytes: 1 | 2 | 3, fill: (w: this) => void): this {
    const at = this.len;
    this.grow(lenBytes);
    this.len += lenBytes;
    fill(this);
    const n = this.len - at - lenBytes;
    if (n >= 2 ** (8 * lenBytes)) throw new RangeError(`vector of ${n} bytes overflows a ${lenBytes}-byte length`);
    for (let i = 0; i < lenBytes; i++) this.buf[at + i] = (n >>> (8 * (lenBytes - 1 - i))) & 0xff;
    return this;
  }
  /** opaque<1> */
  vec8(b: Uint8Array): this {
    return this.vec(1, (w) => w.bytes(b));
  }
  /** opaque<2> */
  vec16(b: Uint8Array): this {
    return this.vec(2, (w) => w.bytes(b));
  }
  /** opaque<3> */
  vec24(b: Uint8Array): this {
    return this.vec(3, (w) => w.bytes(b));
  }
  /** The bytes written (a fresh copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Encodes with a fresh writer. */
export function encodeWith(fill: (w: Writer) => void): Uint8Array {
  const w = new Writer();
  fill(w);
  return w.finish();
}

/** Decodes a whole buffer: the reader must be used up exactly. */
export function decodeAll<T>(b: Uint8Array, what: string, read: (r: Reader) => T): T {
  const r = new Reader(b);
  const v = read(r);
  r.end(what);
  return v;
}
