/**
 * Record-layer wire formats (RFC 8446 §5.1, §5.2). These are shapes only; the checks that
 * depend on connection state live in `../record.ts`.
 */
import { decodeError } from '../errors.js';
import { ContentType } from './constants.js';
import { Reader, encodeWith } from './reader.js';

/** Size of the record header: type(1) + legacy_record_version(2) + length(2). */
export const RECORD_HEADER_LENGTH = 5;

/** RFC 8446 §5.1: TLSPlaintext.length MUST NOT exceed 2^14 bytes. */
export const MAX_PLAINTEXT = 1 << 14;

/** RFC 8446 §5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256 bytes. */
export const MAX_CIPHERTEXT = (1 << 14) + 256;

/** The 5-byte record header (same shape in TLS 1.2 and 1.3). */
export interface RecordHeader {
  type: number;
  version: number;
  length: number;
}

/** Record header codec: exactly 5 bytes. */
export const RecordHeaderCodec = {
  /** Decodes exactly five bytes. */
  decode(b: Uint8Array): RecordHeader {
    const r = new Reader(b);
    const h = { type: r.u8('record type'), version: r.u16('record version'), length: r.u16('record length') };
    r.end('record header');
    return h;
  },
  /** Encodes. */
  encode(h: RecordHeader): Uint8Array {
    return encodeWith((w) => w.u8(h.type).u16(h.version).u16(h.length));
  },
};

/** `legacy_record_version` a TLS 1.3 endpoint writes (RFC 8446 §5.1: 0x0303 for all records but the first ClientHello's). */
export const LEGACY_RECORD_VERSION = 0x0303;

/** What the front of a byte string is as a TLS record (see {@link sniffRecord}). */
export type RecordSniff =
  | { readonly kind: 'not-a-record' }
  | { readonly kind: 'need'; readonly missing: number }
  | { readonly kind: 'whole'; readonly length: number };

/**
 * Sniffs the front of `b` as a record: `not-a-record` when its first bytes cannot start one
 * (RFC 8446 §5.1: content types change_cipher_spec..application_data, 20–23, and a
 * legacy_record_version of 0x03xx), `need` with the bytes still missing for the header or the
 * whole record, or `whole` with the record's length. Empty input needs a header.
 */
export function sniffRecord(b: Uint8Array): RecordSniff {
  if (b.length > 0 && (b[0]! < ContentType.change_cipher_spec || b[0]! > ContentType.application_data)) return { kind: 'not-a-record' };
  if (b.length > 1 && b[1] !== 3) return { kind: 'not-a-record' };
  if (b.length < RECORD_HEADER_LENGTH) return { kind: 'need', missing: RECORD_HEADER_LENGTH - b.length };
  const total = RECORD_HEADER_LENGTH + ((b[3]! << 8) | b[4]!);
  return b.length < total ? { kind: 'need', missing: total - b.length } : { kind: 'whole', length: total };
}

/**
 * A plaintext alert record (RFC 8446 §5.1, §6): what an endpoint sends before it has traffic
 * keys, or when it has none left (7 bytes: header, level, description).
 */
export function encodePlaintextAlert(level: number, description: number, version = LEGACY_RECORD_VERSION): Uint8Array {
  return TlsRecordCodec.encode({ type: ContentType.alert, version, fragment: Uint8Array.of(level, description) });
}

/** A whole record: header fields plus fragment (TLSPlaintext or TLSCiphertext, §5.1/§5.2). */
export interface TlsRecord {
  type: number;
  version: number;
  fragment: Uint8Array;
}

/** Whole-record codec: the header's length must match the fragment exactly. */
export const TlsRecordCodec = {
  /** Decodes one whole record (no trailing bytes). */
  decode(b: Uint8Array): TlsRecord {
    const r = new Reader(b);
    const type = r.u8('record type');
    const version = r.u16('record version');
    const fragment = r.vec16('record fragment');
    r.end('record');
    return { type, version, fragment };
  },
  /** Encodes. */
  encode(rec: TlsRecord): Uint8Array {
    return encodeWith((w) => w.u8(rec.type).u16(rec.version).vec16(rec.fragment));
  },
};

/** TLSInnerPlaintext (RFC 8446 §5.2): content || ContentType || zeros[padding]. */
export interface InnerPlaintext {
  content: Uint8Array;
  type: number;
  padding: number;
}

/** TLSInnerPlaintext codec. */
export const InnerPlaintextCodec = {
  /**
   * Decodes by scanning from the end for the first non-zero byte (the content type).
   * RFC 8446 §5.4: no non-zero byte at all is an error (the record layer maps it to
   * unexpected_message; the codec reports a decode error).
   */
  decode(b: Uint8Array): InnerPlaintext {
    let i = b.length - 1;
    while (i >= 0 && b[i] === 0) i--;
    if (i < 0) throw decodeError('TLSInnerPlaintext: no content type');
    return { content: b.subarray(0, i), type: b[i]!, padding: b.length - 1 - i };
  },
  /** Encodes. `type` must be non-zero for the round trip to hold. */
  encode(p: InnerPlaintext): Uint8Array {
    const out = new Uint8Array(p.content.length + 1 + p.padding);
    out.set(p.content, 0);
    out[p.content.length] = p.type;
    return out;
  },
};
