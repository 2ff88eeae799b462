/**
 * The TLS 1.3 record layer (RFC 8446 §5): framing checks, incremental parsing that says how many
 * bytes are missing, and record protection (TLSInnerPlaintext + padding, nonce = iv XOR seq,
 * AAD = record header) with per-direction sequence numbers and record_size_limit (RFC 8449).
 *
 * Traffic keys of each direction live in a `tls.trafficKeys` block (key || iv stored in it,
 * zeroed when replaced or disposed).
 */
import type { Aead, CryptoProvider } from '../crypto/types.js';
import type { CipherSuite } from './codec/constants.js';
import { ContentType, ProtocolVersion } from './codec/constants.js';
import { MAX_CIPHERTEXT, MAX_PLAINTEXT, RECORD_HEADER_LENGTH } from './codec/record.js';
import { TlsError } from './errors.js';
import type { TrafficSecret } from './keyschedule.js';
import { TLS_TAGS, TRAFFIC_KEYS_SIZE, type TlsBlock, type TlsMemory, allocOrThrow } from './memory.js';

/** RFC 8446 §5.4: the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets. */
export const MAX_INNER_PLAINTEXT = MAX_PLAINTEXT + 1;

/** RFC 8449 §4: a RecordSizeLimit below 64 is an illegal_parameter. */
export const MIN_RECORD_SIZE_LIMIT = 64;

/** Result of looking at the bytes at the front of the input. */
export type RecordScan =
  | { kind: 'need'; missing: number }
  | { kind: 'record'; type: number; length: number; total: number };

/** One direction's protection state. */
class Direction {
  seq = 0n;
  constructor(readonly aead: Aead, readonly iv: Uint8Array, readonly block: TlsBlock) {}
  /** RFC 8446 §5.3: nonce = write_iv XOR (seq left-padded to iv_length). */
  nonce(): Uint8Array {
    const n = this.iv.slice();
    let s = this.seq;
    for (let i = n.length - 1; i >= n.length - 8; i--) {
      n[i]! ^= Number(s & 0xffn);
      s >>= 8n;
    }
    return n;
  }
  advance(): void {
    // RFC 8446 §5.3: if a sequence number would wrap, the implementation MUST rekey or terminate.
    if (this.seq === 0xffff_ffff_ffff_ffffn) throw new TlsError('internal.error', 'sequence number would wrap');
    this.seq++;
  }
}

/** A decrypted (or plaintext) record. */
export interface OpenedRecord {
  /** The true content type (inner type for protected records). */
  type: number;
  /** The content (without type byte and padding). */
  content: Uint8Array;
  /** Whether it was protected. */
  protected: boolean;
}

/** The record layer of one connection. */
export class RecordLayer {
  private read: Direction | null = null;
  private write: Direction | null = null;
  /**
   * Whether a plaintext alert is still acceptable although read keys exist: only on a server
   * between installing the client's handshake keys and the first protected record from it (a
   * client that rejects the ServerHello has no keys to protect its alert with).
   */
  private plainAlertsAllowed = false;
  /** Largest TLSInnerPlaintext the peer accepts (RFC 8449; default 2^14 + 1). */
  private peerLimit = MAX_INNER_PLAINTEXT;
  /** Largest TLSInnerPlaintext we accept on protected records (our advertised limit once negotiated). */
  private ownLimit = MAX_INNER_PLAINTEXT;

  /**
   * @param crypto the provider (AEADs)
   * @param memory where traffic keys are charged
   */
  constructor(private readonly crypto: CryptoProvider, private readonly memory: TlsMemory) {}

  /** Whether incoming records are protected. */
  get readProtected(): boolean {
    return this.read !== null;
  }
  /** Whether outgoing records are protected. */
  get writeProtected(): boolean {
    return this.write !== null;
  }
  /** Next read / write sequence numbers (for tests). */
  get sequenceNumbers(): { read: bigint; write: bigint } {
    return { read: this.read?.seq ?? 0n, write: this.write?.seq ?? 0n };
  }

  /** Sets the peer's record_size_limit (RFC 8449 §4; the value counts type byte and padding in 1.3). */
  setPeerRecordSizeLimit(limit: number): void {
    this.peerLimit = Math.min(limit, MAX_INNER_PLAINTEXT);
  }
  /** Enforces our own advertised record_size_limit on protected records from now on. */
  setOwnRecordSizeLimit(limit: number): void {
    this.ownLimit = Math.min(limit, MAX_INNER_PLAINTEXT);
  }
  /** Largest plaintext one protected record can carry towards the peer. */
  get maxSendPlaintext(): number {
    return this.peerLimit - 1;
  }

  private install(suite: CipherSuite, secret: TrafficSecret): Direction {
    const { key, iv } = secret.keys(suite.keyLength, suite.ivLength);
    const block = allocOrThrow(this.memory, 'general', TRAFFIC_KEYS_SIZE[suite.aead], TLS_TAGS.trafficKeys);
    block.bytes.set(key.subarray(0, Math.min(key.length, block.size)), 0);
    if (block.size >= key.length + iv.length) block.bytes.set(iv, key.length);
    const aead = this.crypto.aead(suite.aead, key);
    key.fill(0);
    return new Direction(aead, iv, block);
  }

  private release(d: Direction | null): void {
    if (d === null) return;
    d.block.bytes.fill(0);
    d.iv.fill(0);
    this.memory.free(d.block);
  }

  /**
   * Installs read keys from a traffic secret (replacing and zeroing the previous ones). From now
   * on every record but a change_cipher_spec must be protected (RFC 8446 §5); `allowPlainAlerts`
   * (a server installing the client's handshake keys) still accepts a plaintext alert until the
   * first protected record arrives.
   */
  installReadKeys(suite: CipherSuite, secret: TrafficSecret, opts: { allowPlainAlerts?: boolean } = {}): void {
    const d = this.install(suite, secret);
    this.release(this.read);
    this.read = d;
    this.plainAlertsAllowed = opts.allowPlainAlerts === true;
  }
  /** Installs write keys from a traffic secret (replacing and zeroing the previous ones). */
  installWriteKeys(suite: CipherSuite, secret: TrafficSecret): void {
    const d = this.install(suite, secret);
    this.release(this.write);
    this.write = d;
  }

  /**
   * Looks at the front of `input` (from `offset`): either how many bytes are missing for the
   * next header or body, or the next whole record's type and total length. Checks the header.
   */
  scan(input: Uint8Array, offset: number): RecordScan {
    const have = input.length - offset;
    if (have < RECORD_HEADER_LENGTH) return { kind: 'need', missing: RECORD_HEADER_LENGTH - have };
    const type = input[offset]!;
    const length = (input[offset + 3]! << 8) | input[offset + 4]!;
    // RFC 8446 §5: "If a TLS implementation receives an unexpected record type, it MUST
    // terminate the connection with an unexpected_message alert."
    if (type !== ContentType.change_cipher_spec && type !== ContentType.alert && type !== ContentType.handshake && type !== ContentType.application_data) {
      throw new TlsError('peer.unexpected_message', `record type ${type}`);
    }
    // RFC 8446 §5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256; receiving more MUST be a record_overflow alert.
    if (length > MAX_CIPHERTEXT) throw new TlsError('decode.record_overflow', `record of ${length} bytes`);
    // RFC 8446 §5.1: TLSPlaintext.length MUST NOT exceed 2^14; receiving more MUST be a record_overflow alert.
    if (type !== ContentType.application_data && length > MAX_PLAINTEXT) {
      throw new TlsError('decode.record_overflow', `plaintext record of ${length} bytes`);
    }
    const total = RECORD_HEADER_LENGTH + length;
    if (have < total) return { kind: 'need', missing: total - have };
    return { kind: 'record', type, length, total };
  }

  /**
   * Opens one whole record (header included). Plaintext records pass through; protected ones are
   * decrypted and their TLSInnerPlaintext unpadded. Throws TlsError.
   */
  open(record: Uint8Array): OpenedRecord {
    const type = record[0]!;
    const fragment = record.subarray(RECORD_HEADER_LENGTH);
    // RFC 8446 §5.1: "Implementations MUST NOT send zero-length fragments of Handshake types";
    // alerts (and CCS) are never empty either.
    if (fragment.length === 0 && type !== ContentType.application_data) {
      throw new TlsError('peer.unexpected_message', `empty ${ContentType[type] ?? type} record`);
    }
    if (this.read === null) {
      if (type === ContentType.application_data) {
        // RFC 8446 §5: application data before keys exist is an unexpected record.
        throw new TlsError('peer.unexpected_message', 'application_data before keys');
      }
      return { type, content: fragment, protected: false };
    }
    if (type !== ContentType.application_data) {
      // RFC 8446 §5: once the read keys change, every record MUST be protected (the
      // change_cipher_spec compatibility record is dealt with before it reaches here); a
      // plaintext handshake or alert record is an unexpected_message. The one exception is a
      // plaintext alert from a client that could not process the ServerHello.
      if (type === ContentType.alert && this.plainAlertsAllowed) return { type, content: fragment, protected: false };
      throw new TlsError('peer.unexpected_message', `plaintext ${ContentType[type] ?? type} record after the keys changed`);
    }
    const d = this.read;
    const tagLength = d.aead.tagLength;
    const header = record.subarray(0, RECORD_HEADER_LENGTH);
    const plain = d.aead.open(d.nonce(), header, fragment);
    // RFC 8446 §5.2: if decryption fails, the receiver MUST terminate the connection with a
    // bad_record_mac alert.
    if (plain === null) throw new TlsError('peer.bad_record_mac', 'record authentication failed');
    d.advance();
    this.plainAlertsAllowed = false;
    // RFC 8446 §5.4 / RFC 8449 §4: the TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets (or our
    // advertised limit); a larger record MUST draw a record_overflow alert.
    if (plain.length > this.ownLimit || fragment.length - tagLength > this.ownLimit) {
      throw new TlsError('decode.record_overflow', `inner plaintext of ${plain.length} bytes`);
    }
    let i = plain.length - 1;
    while (i >= 0 && plain[i] === 0) i--;
    // RFC 8446 §5.4: if no non-zero octet is found in the cleartext, the receiver MUST
    // terminate the connection with an unexpected_message alert.
    if (i < 0) throw new TlsError('peer.unexpected_message', 'TLSInnerPlaintext without content type');
    const innerType = plain[i]!;
    if (innerType === ContentType.change_cipher_spec) {
      // RFC 8446 §5: a protected change_cipher_spec record MUST draw an unexpected_message alert.
      throw new TlsError('peer.unexpected_message', 'protected change_cipher_spec');
    }
    if (innerType !== ContentType.alert && innerType !== ContentType.handshake && innerType !== ContentType.application_data) {
      throw new TlsError('peer.unexpected_message', `inner content type ${innerType}`);
    }
    if (i === 0 && innerType !== ContentType.application_data) {
      // RFC 8446 §5.4: zero-length Handshake/Alert fragments MUST NOT be sent.
      throw new TlsError('peer.unexpected_message', 'empty protected handshake or alert');
    }
    return { type: innerType, content: plain.subarray(0, i), protected: true };
  }

  /** Size on the wire of one record carrying `contentLength` bytes with `padding` zeros. */
  recordSize(contentLength: number, padding = 0): number {
    if (this.write === null) return RECORD_HEADER_LENGTH + contentLength;
    return RECORD_HEADER_LENGTH + contentLength + 1 + padding + this.write.aead.tagLength;
  }

  /**
   * Seals one record into `out` at `offset` (or a fresh array) and returns the bytes written.
   * Plaintext records use legacy_record_version 0x0303, or 0x0301 for the first ClientHello
   * (RFC 8446 §5.1); protected ones are application_data/0x0303 with the type inside.
   */
  seal(type: ContentType, content: Uint8Array, opts: { padding?: number; legacyVersion?: number; out?: Uint8Array; offset?: number } = {}): Uint8Array {
    const padding = opts.padding ?? 0;
    const size = this.recordSize(content.length, padding);
    const out = opts.out ?? new Uint8Array(size);
    const at = opts.offset ?? 0;
    const rec = out.subarray(at, at + size);
    if (this.write === null) {
      if (content.length > MAX_PLAINTEXT) throw new TlsError('internal.error', 'plaintext record too large');
      rec[0] = type;
      const v = opts.legacyVersion ?? ProtocolVersion.TLS12;
      rec[1] = v >> 8;
      rec[2] = v & 0xff;
      rec[3] = content.length >> 8;
      rec[4] = content.length & 0xff;
      rec.set(content, RECORD_HEADER_LENGTH);
      return rec;
    }
    if (content.length + 1 + padding > this.peerLimit) throw new TlsError('internal.error', 'record exceeds the peer limit');
    const d = this.write;
    const inner = new Uint8Array(content.length + 1 + padding);
    inner.set(content, 0);
    inner[content.length] = type;
    const len = inner.length + d.aead.tagLength;
    rec[0] = ContentType.application_data;
    rec[1] = 0x03;
    rec[2] = 0x03;
    rec[3] = len >> 8;
    rec[4] = len & 0xff;
    const sealed = d.aead.seal(d.nonce(), rec.subarray(0, RECORD_HEADER_LENGTH), inner);
    inner.fill(0);
    d.advance();
    rec.set(sealed, RECORD_HEADER_LENGTH);
    return rec;
  }

  /** Frees and zeroes both directions' keys. */
  dispose(): void {
    this.release(this.read);
    this.release(this.write);
    this.read = null;
    this.write = null;
  }
}
