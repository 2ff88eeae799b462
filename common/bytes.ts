/**
 * The one bytes utility: hex, concatenation, equality and big-endian integer fields. Every layer
 * takes these from here (through `common/index.ts`) instead of writing its own.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX_TEXT = /^(?:[0-9a-fA-F]{2})*$/;

/** Lower-case hex of bytes (`0x0a 0xff` → `"0aff"`). */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!]!;
  return s;
}

/** Whether `text` is hex of whole bytes (an even number of hex digits, either case). */
export function isHex(text: string): boolean {
  return HEX_TEXT.test(text);
}

/**
 * Bytes from hex text (either case, no separators).
 * @throws RangeError when the text is not an even number of hex digits.
 */
export function fromHex(text: string): Uint8Array {
  if (!isHex(text)) throw new RangeError(`not hex of whole bytes: ${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text)}`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The parts one after another, in a new array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** {@link concatBytes} for a list of parts (no spread, so any number of chunks). */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Whether two byte arrays hold the same bytes. For equal lengths the time does not depend on
 * where they differ (safe for MACs and signatures); a length difference returns at once, since
 * lengths are public.
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function checkUint(n: number, bits: number): void {
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** bits) throw new RangeError(`${n} does not fit in ${bits} unsigned bits`);
}

/**
 * Big-endian 2-byte field.
 * @throws RangeError when `n` is not an integer in [0, 2^16).
 */
export function u16be(n: number): Uint8Array {
  checkUint(n, 16);
  return Uint8Array.of(n >>> 8, n & 0xff);
}

/**
 * Big-endian 3-byte field (TLS handshake and certificate lengths).
 * @throws RangeError when `n` is not an integer in [0, 2^24).
 */
export function u24be(n: number): Uint8Array {
  checkUint(n, 24);
  return Uint8Array.of(n >>> 16, (n >>> 8) & 0xff, n & 0xff);
}

/**
 * Big-endian 4-byte field.
 * @throws RangeError when `n` is not an integer in [0, 2^32).
 */
export function u32be(n: number): Uint8Array {
  checkUint(n, 32);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/**
 * Reads a big-endian unsigned integer of `width` bytes (1 to 4) at `offset`.
 * @throws RangeError when the bytes run out or the width is not 1 to 4.
 */
export function readUintBE(b: Uint8Array, offset: number, width: 1 | 2 | 3 | 4): number {
  if (!Number.isInteger(width) || width < 1 || width > 4) throw new RangeError(`width ${width} is not 1 to 4`);
  if (!Number.isInteger(offset) || offset < 0 || offset + width > b.length) throw new RangeError(`${width} bytes at ${offset} run past ${b.length}`);
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + b[offset + i]!;
  return v;
}
