/**
 * A bounded DER reader (ITU-T X.690 §8 and §10) for the few places where cesim needs the exact
 * encoded bytes of a structure (the signed `TBSCertificate`, the issuer and subject `Name`s for
 * matching, the `SubjectPublicKeyInfo`) or must reject what `@peculiar/asn1-schema` lets
 * through (trailing bytes, indefinite or non-minimal lengths).
 *
 * Every function returns `null` on malformed input; nothing here throws.
 *
 * @module
 */

/** One decoded TLV: the tag byte, where its contents are, and the whole encoding. */
export interface DerElement {
  /** The identifier octet (only single-byte tags are accepted: X.509 needs no others). */
  tag: number;
  /** The contents octets (a view, not a copy). */
  contents: Uint8Array;
  /** The whole TLV: identifier, length and contents (a view). */
  encoded: Uint8Array;
}

/** Universal and context tags cesim looks at. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
  CONTEXT_0: 0xa0,
  CONTEXT_3: 0xa3,
} as const;

/**
 * Reads the TLV at `offset` of `buf`. X.690 §10.1: definite lengths only, in the minimum
 * number of octets; the element must fit in `buf`.
 */
export function readElement(buf: Uint8Array, offset: number): DerElement | null {
  if (offset + 2 > buf.length) return null;
  const tag = buf[offset] as number;
  // High-tag-number form (X.690 §8.1.2.4) never appears in the structures we slice.
  if ((tag & 0x1f) === 0x1f) return null;
  let len = buf[offset + 1] as number;
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    // 0x80 is the indefinite form, forbidden in DER; lengths beyond 4 octets are absurd here.
    if (n === 0 || n > 4 || offset + 2 + n > buf.length) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[offset + 2 + i] as number);
    // X.690 §10.1: minimal length octets (no leading zero, long form only for ≥ 128).
    if ((buf[offset + 2] as number) === 0 || len < 0x80) return null;
    header += n;
  }
  const end = offset + header + len;
  if (end > buf.length) return null;
  return {
    tag,
    contents: buf.subarray(offset + header, end),
    encoded: buf.subarray(offset, end),
  };
}

/** Reads exactly one TLV that spans the whole of `buf` (trailing bytes are an error). */
export function readWhole(buf: Uint8Array): DerElement | null {
  const el = readElement(buf, 0);
  return el !== null && el.encoded.length === buf.length ? el : null;
}

/** Splits the contents of a constructed element into its children; `null` if any is malformed. */
export function children(el: DerElement): DerElement[] | null {
  if ((el.tag & 0x20) === 0) return null;
  const out: DerElement[] = [];
  let off = 0;
  while (off < el.contents.length) {
    const child = readElement(el.contents, off);
    if (child === null) return null;
    out.push(child);
    off += child.encoded.length;
  }
  return out;
}

/** The bits of a BIT STRING with no unused bits (keys and signatures); `null` otherwise. */
export function bitStringBytes(el: DerElement): Uint8Array | null {
  if (el.tag !== TAG.BIT_STRING || el.contents.length < 1 || el.contents[0] !== 0) return null;
  return el.contents.subarray(1);
}

/** Big-endian unsigned integer from bytes (a DER INTEGER's contents, sign ignored). */
export function bytesToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

