/**
 * Record-layer wire formats (RFC 8446 §5.1, §5.2). These are shapes only; the checks that
 * depend on connection state live in `../record.ts`.
 */
import { decodeError } from '../errors.js';
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
