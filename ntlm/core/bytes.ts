/** Little-endian byte helpers for the NTLM codecs. */

/** A bounded little-endian reader over one byte string. */
export class Reader {
  private pos = 0;
  /** @param buf the bytes @param what a name for errors */
  constructor(
    readonly buf: Uint8Array,
    private readonly what: string,
  ) {}
  /** Bytes not read yet. */
  get left(): number {
    return this.buf.length - this.pos;
  }
  /** Current offset. */
  get offset(): number {
    return this.pos;
  }
  private need(n: number): void {
    if (n > this.left) throw new RangeError(`${this.what}: needs ${n} bytes at ${this.pos}, has ${this.left}`);
  }
  /** One byte. */
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  /** A 16-bit little-endian value. */
  u16(): number {
    this.need(2);
    const v = this.buf[this.pos]! | (this.buf[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }
  /** A 32-bit little-endian value, unsigned. */
  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }
  /** `n` bytes (a view). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** Throws unless every byte was read. */
  end(): void {
    if (this.left !== 0) throw new RangeError(`${this.what}: ${this.left} trailing bytes`);
  }
}

/** Writes `v` as 16-bit LE at `off`. */
export function putU16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

/** Writes `v` as 32-bit LE at `off`. */
export function putU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

/** Reads a 32-bit LE value at `off`. */
export function getU32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/** Concatenation of byte strings. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** UTF-16LE bytes of a string (MS-NLMP's UNICODE()). */
export function utf16le(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) putU16(out, 2 * i, s.charCodeAt(i));
  return out;
}

/** The string of UTF-16LE bytes (an odd trailing byte is dropped). */
export function fromUtf16le(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(b[i]! | (b[i + 1]! << 8));
  return s;
}

/** OEM bytes of a string: the device's OEM code page is modelled as Latin-1 (CE 1252/437 subset). */
export function oem(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[i] = c < 256 ? c : 0x3f; // '?', as WideCharToMultiByte's default char
  }
  return out;
}

/** The string of OEM bytes. */
export function fromOem(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

/** Constant-time equality (length leaks, content does not). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** Hex of bytes (for traces). */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += c.toString(16).padStart(2, '0');
  return s;
}

/** Bytes of a hex string (spaces allowed). */
export function fromHex(h: string): Uint8Array {
  const t = h.replace(/\s+/g, '');
  if (t.length % 2 !== 0 || /[^0-9a-fA-F]/.test(t)) throw new RangeError('bad hex');
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}
