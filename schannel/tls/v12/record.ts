/**
 * The TLS 1.2 record layer (RFC 5246 §6.2): framing, the pending/current cipher states switched
 * by ChangeCipherSpec (§6.1, §7.1), and record protection:
 *
 * - AES-GCM (RFC 5288 §3): nonce = 4-byte salt from the key block || 8-byte explicit nonce sent
 *   in the record (cesim sends the sequence number, as RFC 5288 §3 suggests);
 * - ChaCha20-Poly1305 (RFC 7905 §2): nonce = 12-byte IV XOR sequence number, nothing explicit;
 * - AES-CBC + HMAC (RFC 5246 §6.2.3.2) with an explicit per-record IV, MAC-then-encrypt, or
 *   encrypt-then-MAC when negotiated (RFC 7366 §3).
 *
 * AEAD additional_data and the MAC input are seq_num || type || version || length (§6.2.3.1,
 * §6.2.3.3). A MAC-then-encrypt record is checked without a padding oracle: the padding and
 * the MAC are examined in full whatever the padding byte says, the same number of bytes goes
 * through the hash whatever the padding (so the device's modelled CPU time does not depend on
 * it either), and every failure is the one bad_record_mac (RFC 5246 §6.2.3.2, "Lucky 13").
 *
 * Each direction's keys are held in a `tls.trafficKeys` block, zeroed when replaced or disposed.
 */
import type { Aead, BlockCipher, CryptoProvider } from '../../crypto/types.js';
import { ContentType, ProtocolVersion } from '../codec/constants.js';
import { MAX_PLAINTEXT, RECORD_HEADER_LENGTH } from '../codec/record.js';
import { TlsError } from '../errors.js';
import { TLS_TAGS, TRAFFIC_KEYS_SIZE, TRANSCRIPT_CONTEXT_SIZE, type TlsBlock, type TlsMemory, allocOrThrow } from '../memory.js';
import type { RecordScan } from '../record.js';
import type { AeadProtection, CbcProtection, Tls12Suite } from './suites.js';

/** RFC 5246 §6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048. */
export const MAX_CIPHERTEXT_12 = (1 << 14) + 2048;

/** RFC 5246 §6.2.3.2: padding is at most 255 bytes plus the length byte. */
const MAX_PADDING = 256;

/** Modelled size of one CBC direction: AES round keys, the HMAC key as two pre-keyed hash states, the sequence number. */
export function cbcKeysSize(p: CbcProtection): number {
  const roundKeys = p.cipher === 'aes128cbc' ? 176 : 240;
  const ctx = p.mac === 'sha384' ? TRANSCRIPT_CONTEXT_SIZE.sha384 : TRANSCRIPT_CONTEXT_SIZE.sha256;
  return roundKeys + 2 * ctx + 8;
}

/** The keys of one direction, as the handshake derives them from the key block. */
export interface DirectionKeys {
  macKey: Uint8Array;
  key: Uint8Array;
  fixedIv: Uint8Array;
}

/** Constant-time helpers on 32-bit integers (no data-dependent branches). */
function ctIsZero(x: number): number {
  // 0xffffffff when x == 0, else 0.
  return ((~x & (x - 1)) >> 31) | 0;
}
function ctEq(a: number, b: number): number {
  return ctIsZero(a ^ b);
}
/** 0xffffffff when a < b (both below 2^31). */
function ctLt(a: number, b: number): number {
  return ((a - b) >> 31) | 0;
}

/** One direction's cipher state. */
class CipherState {
  seq = 0n;
  private readonly aead: Aead | null;
  private readonly block: BlockCipher | null;
  private readonly macKey: Uint8Array;
  private readonly fixedIv: Uint8Array;

  constructor(
    private readonly crypto: CryptoProvider,
    readonly suite: Tls12Suite,
    keys: DirectionKeys,
    readonly encryptThenMac: boolean,
    readonly memBlock: TlsBlock,
  ) {
    const p = suite.protection;
    this.macKey = keys.macKey.slice();
    this.fixedIv = keys.fixedIv.slice();
    this.aead = p.kind === 'aead' ? crypto.aead(p.aead, keys.key) : null;
    this.block = p.kind === 'cbc' ? crypto.blockCipher(p.cipher, keys.key) : null;
    // The key material as the C stack holds it.
    memBlock.bytes.set(keys.key.subarray(0, Math.min(keys.key.length, memBlock.size)), 0);
  }

  zero(): void {
    this.macKey.fill(0);
    this.fixedIv.fill(0);
    this.memBlock.bytes.fill(0);
  }

  seqBytes(): Uint8Array {
    const b = new Uint8Array(8);
    let s = this.seq;
    for (let i = 7; i >= 0; i--) {
      b[i] = Number(s & 0xffn);
      s >>= 8n;
    }
    return b;
  }

  advance(): void {
    // RFC 5246 §6.1: sequence numbers MUST NOT wrap; renegotiate or close instead.
    if (this.seq === 0xffff_ffff_ffff_ffffn) throw new TlsError('internal.error', 'sequence number would wrap');
    this.seq++;
  }

  /** additional_data / MAC header: seq_num || type || version || length (RFC 5246 §6.2.3.1, §6.2.3.3). */
  pseudoHeader(type: number, length: number): Uint8Array {
    const h = new Uint8Array(13);
    h.set(this.seqBytes(), 0);
    h[8] = type;
    h[9] = 0x03;
    h[10] = 0x03;
    h[11] = length >> 8;
    h[12] = length & 0xff;
    return h;
  }

  nonce(explicit: Uint8Array): Uint8Array {
    const p = this.suite.protection as AeadProtection;
    if (p.recordIvLength === 8) {
      // RFC 5288 §3: GCMNonce = salt (client/server_write_IV, 4 bytes) || nonce_explicit (8).
      const n = new Uint8Array(12);
      n.set(this.fixedIv, 0);
      n.set(explicit, 4);
      return n;
    }
    // RFC 7905 §2: the 64-bit sequence number, left-padded, XORed with the 12-byte IV.
    const n = this.fixedIv.slice();
    const s = this.seqBytes();
    for (let i = 0; i < 8; i++) n[4 + i]! ^= s[i]!;
    return n;
  }

  /** Size of the protected fragment carrying n bytes. */
  fragmentSize(n: number): number {
    const p = this.suite.protection;
    if (p.kind === 'aead') return p.recordIvLength + n + p.tagLength;
    if (this.encryptThenMac) return p.recordIvLength + roundUp(n + 1, p.blockLength) + p.macLength;
    return p.recordIvLength + roundUp(n + p.macLength + 1, p.blockLength);
  }

  seal(type: number, content: Uint8Array, random: (n: number) => Uint8Array): Uint8Array {
    const p = this.suite.protection;
    let fragment: Uint8Array;
    if (p.kind === 'aead') {
      const explicit = p.recordIvLength === 8 ? this.seqBytes() : new Uint8Array(0);
      const sealed = this.aead!.seal(this.nonce(explicit), this.pseudoHeader(type, content.length), content);
      fragment = new Uint8Array(explicit.length + sealed.length);
      fragment.set(explicit, 0);
      fragment.set(sealed, explicit.length);
    } else {
      // RFC 5246 §6.2.3.2: a fresh unpredictable IV per record (TLS 1.1+ explicit IV).
      const iv = random(p.recordIvLength);
      if (this.encryptThenMac) {
        // RFC 7366 §3: encrypt (content || padding), then MAC over the header with the
        // ciphertext's length, the IV and the ciphertext.
        const padded = pad(content, p.blockLength);
        const ct = this.block!.encrypt(iv, padded);
        padded.fill(0);
        const macInput = concat3(this.pseudoHeader(type, iv.length + ct.length), iv, ct);
        const mac = this.crypto.hmac(p.mac, this.macKey, macInput);
        fragment = concat3(iv, ct, mac);
      } else {
        const mac = this.crypto.hmac(p.mac, this.macKey, concat3(this.pseudoHeader(type, content.length), content, EMPTY));
        const withMac = concat3(content, mac, EMPTY);
        const padded = pad(withMac, p.blockLength);
        const ct = this.block!.encrypt(iv, padded);
        padded.fill(0);
        withMac.fill(0);
        fragment = concat3(iv, ct, EMPTY);
      }
    }
    this.advance();
    return fragment;
  }

  /** Opens a protected fragment; throws bad_record_mac on any failure. */
  open(type: number, fragment: Uint8Array): Uint8Array {
    const p = this.suite.protection;
    const bad = (): TlsError => new TlsError('peer.bad_record_mac', 'record authentication failed');
    let plain: Uint8Array;
    if (p.kind === 'aead') {
      if (fragment.length < p.recordIvLength + p.tagLength) throw bad();
      const explicit = fragment.subarray(0, p.recordIvLength);
      const ct = fragment.subarray(p.recordIvLength);
      const opened = this.aead!.open(this.nonce(explicit), this.pseudoHeader(type, ct.length - p.tagLength), ct);
      // RFC 5246 §6.2.3.3: if the decryption fails, a fatal bad_record_mac alert MUST be generated.
      if (opened === null) throw bad();
      plain = opened;
    } else if (this.encryptThenMac) {
      const minimum = p.recordIvLength + p.blockLength + p.macLength;
      if (fragment.length < minimum || (fragment.length - p.recordIvLength - p.macLength) % p.blockLength !== 0) throw bad();
      const body = fragment.subarray(0, fragment.length - p.macLength);
      const mac = fragment.subarray(fragment.length - p.macLength);
      const expected = this.crypto.hmac(p.mac, this.macKey, concat3(this.pseudoHeader(type, body.length), body, EMPTY));
      // RFC 7366 §3: the MAC is checked before decryption; a bad one MUST be bad_record_mac.
      if (!this.crypto.equal(expected, mac)) throw bad();
      const decrypted = this.block!.decrypt(body.subarray(0, p.recordIvLength), body.subarray(p.recordIvLength));
      const padLen = decrypted[decrypted.length - 1]!;
      let ok = padLen + 1 <= decrypted.length;
      for (let i = 1; ok && i <= padLen; i++) ok = decrypted[decrypted.length - 1 - i] === padLen;
      if (!ok) throw bad();
      plain = decrypted.subarray(0, decrypted.length - padLen - 1);
    } else {
      plain = this.openMacThenEncrypt(type, fragment, p, bad);
    }
    this.advance();
    // RFC 5246 §6.2.3: a TLSCompressed.length (here the plaintext) above 2^14 is record_overflow.
    if (plain.length > MAX_PLAINTEXT) throw new TlsError('decode.record_overflow', `plaintext of ${plain.length} bytes`);
    return plain;
  }

  /**
   * RFC 5246 §6.2.3.2 MAC-then-encrypt without a padding or timing oracle: the padding check
   * covers the whole possible padding, the received MAC is gathered from every position it could
   * be at, and the HMAC input is topped up with dummy hashing to the same number of bytes for
   * every padding length.
   */
  private openMacThenEncrypt(type: number, fragment: Uint8Array, p: CbcProtection, bad: () => TlsError): Uint8Array {
    const ctLen = fragment.length - p.recordIvLength;
    // Public checks (the length is on the wire): a whole number of blocks, room for MAC + pad byte.
    if (ctLen < roundUp(p.macLength + 1, p.blockLength) || ctLen % p.blockLength !== 0) throw bad();
    const d = this.block!.decrypt(fragment.subarray(0, p.recordIvLength), fragment.subarray(p.recordIvLength));
    const n = d.length;
    const padLen = d[n - 1]!;
    // good = padLen + 1 + macLength <= n
    let good = ~ctLt(n - p.macLength - 1, padLen);
    // Every byte of the largest possible padding is looked at; those inside the padding must equal padLen.
    const window = Math.min(MAX_PADDING, n - p.macLength);
    for (let i = 1; i < window; i++) {
      const inPad = ctLt(i - 1, padLen) | 0; // i <= padLen
      good &= ~(inPad & ~ctEq(d[n - 1 - i]!, padLen));
    }
    // Content length: n − macLength − 1 − padLen if good, else n − macLength − 1 (RFC 5246
    // §6.2.3.2: compute the MAC as if the padding were empty, so a bad padding costs the same).
    const contentLen = n - p.macLength - 1 - (padLen & good);
    const received = new Uint8Array(p.macLength);
    const scanFrom = Math.max(0, n - p.macLength - MAX_PADDING);
    for (let j = scanFrom; j < n; j++) {
      const offset = j - contentLen;
      const inMac = ~ctLt(offset, 0) & ctLt(offset, p.macLength);
      const b = d[j]!;
      for (let k = 0; k < p.macLength; k++) received[k]! |= b & inMac & ctEq(offset, k);
    }
    const content = d.subarray(0, contentLen);
    const expected = this.crypto.hmac(p.mac, this.macKey, concat3(this.pseudoHeader(type, contentLen), content, EMPTY));
    // Top the hashing up to the maximum content length, so the work is independent of padLen.
    const filler = n - p.macLength - 1 - contentLen;
    this.crypto.hash(p.mac, d.subarray(0, filler));
    const macOk = this.crypto.equal(expected, received);
    if (!macOk || good === 0) throw bad();
    return content;
  }
}

const EMPTY = new Uint8Array(0);

function roundUp(n: number, b: number): number {
  return Math.ceil(n / b) * b;
}

/** content || padding || padding_length with the least padding that fills the last block (RFC 5246 §6.2.3.2). */
function pad(content: Uint8Array, blockLength: number): Uint8Array {
  const total = roundUp(content.length + 1, blockLength);
  const padLen = total - content.length - 1;
  const out = new Uint8Array(total);
  out.set(content, 0);
  out.fill(padLen, content.length);
  return out;
}

function concat3(a: Uint8Array, b: Uint8Array, c: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length + c.length);
  out.set(a, 0);
  out.set(b, a.length);
  out.set(c, a.length + b.length);
  return out;
}

/** A record as the layer hands it up. */
export interface OpenedRecord12 {
  type: number;
  content: Uint8Array;
  protected: boolean;
}

/** The record layer of one TLS 1.2 connection. */
export class Tls12RecordLayer {
  private read: CipherState | null = null;
  private write: CipherState | null = null;
  private pendingRead: CipherState | null = null;
  private pendingWrite: CipherState | null = null;
  /** Largest plaintext per record towards the peer (max_fragment_length / record_size_limit). */
  private sendLimit = MAX_PLAINTEXT;
  /** Largest plaintext we accept. */
  private receiveLimit = MAX_PLAINTEXT;

  /**
   * @param crypto the provider (ciphers, HMAC, random IVs)
   * @param memory where each direction's keys are charged
   */
  constructor(private readonly crypto: CryptoProvider, private readonly memory: TlsMemory) {}

  /** Whether incoming / outgoing records are protected. */
  get readProtected(): boolean {
    return this.read !== null;
  }
  /** See {@link readProtected}. */
  get writeProtected(): boolean {
    return this.write !== null;
  }
  /** Next read and write sequence numbers. */
  get sequenceNumbers(): { read: bigint; write: bigint } {
    return { read: this.read?.seq ?? 0n, write: this.write?.seq ?? 0n };
  }
  /** Largest plaintext one record carries towards the peer. */
  get maxSendPlaintext(): number {
    return this.sendLimit;
  }
  /** Limits plaintext per record (RFC 6066 §4 max_fragment_length, RFC 8449 record_size_limit). */
  setSendLimit(limit: number): void {
    this.sendLimit = Math.min(limit, MAX_PLAINTEXT);
  }
  /** Enforces our own advertised limit on received records. */
  setReceiveLimit(limit: number): void {
    this.receiveLimit = Math.min(limit, MAX_PLAINTEXT);
  }
  /** The write-side protection of the current state (stream sizes), or null. */
  get writeSuite(): { suite: Tls12Suite; encryptThenMac: boolean } | null {
    return this.write === null ? null : { suite: this.write.suite, encryptThenMac: this.write.encryptThenMac };
  }

  private makeState(suite: Tls12Suite, keys: DirectionKeys, encryptThenMac: boolean): CipherState {
    const p = suite.protection;
    const size = p.kind === 'aead' ? TRAFFIC_KEYS_SIZE[p.aead] : cbcKeysSize(p);
    const block = allocOrThrow(this.memory, 'general', size, TLS_TAGS.trafficKeys);
    try {
      return new CipherState(this.crypto, suite, keys, encryptThenMac, block);
    } catch (e) {
      this.memory.free(block);
      throw e;
    }
  }

  private release(s: CipherState | null): void {
    if (s === null) return;
    s.zero();
    this.memory.free(s.memBlock);
  }

  /**
   * Sets the pending states from the key block (RFC 5246 §6.1): they become current when a
   * ChangeCipherSpec is received (read) or sent (write).
   */
  setPending(suite: Tls12Suite, ownKeys: DirectionKeys, peerKeys: DirectionKeys, encryptThenMac: boolean): void {
    const w = this.makeState(suite, ownKeys, encryptThenMac);
    let r: CipherState;
    try {
      r = this.makeState(suite, peerKeys, encryptThenMac);
    } catch (e) {
      this.release(w);
      throw e;
    }
    this.release(this.pendingWrite);
    this.release(this.pendingRead);
    this.pendingWrite = w;
    this.pendingRead = r;
  }

  /** Whether a pending read state waits for the peer's ChangeCipherSpec. */
  get hasPendingRead(): boolean {
    return this.pendingRead !== null;
  }

  /** RFC 5246 §7.1: a received ChangeCipherSpec makes the pending read state current. */
  activateRead(): void {
    if (this.pendingRead === null) throw new TlsError('peer.unexpected_message', 'change_cipher_spec without pending keys');
    this.release(this.read);
    this.read = this.pendingRead;
    this.pendingRead = null;
  }

  /** RFC 5246 §7.1: sending ChangeCipherSpec makes the pending write state current. */
  activateWrite(): void {
    if (this.pendingWrite === null) throw new TlsError('internal.error', 'no pending write keys');
    this.release(this.write);
    this.write = this.pendingWrite;
    this.pendingWrite = null;
  }

  /** Looks at the front of the input: missing bytes, or the next whole record. Checks the header. */
  scan(input: Uint8Array, offset: number): RecordScan {
    const have = input.length - offset;
    if (have < RECORD_HEADER_LENGTH) return { kind: 'need', missing: RECORD_HEADER_LENGTH - have };
    const type = input[offset]!;
    const length = (input[offset + 3]! << 8) | input[offset + 4]!;
    // RFC 5246 §6: an unexpected record type MUST draw an unexpected_message alert.
    if (type !== ContentType.change_cipher_spec && type !== ContentType.alert && type !== ContentType.handshake && type !== ContentType.application_data) {
      throw new TlsError('peer.unexpected_message', `record type ${type}`);
    }
    // RFC 5246 App. E.1: the record version's major byte is 3 for every SSL 3.0+ peer.
    if (input[offset + 1] !== 0x03) throw new TlsError('incompatible.protocol_version', `record version 0x${input[offset + 1]!.toString(16)}`);
    // RFC 5246 §6.2.3 / §6.2.1: TLSCiphertext.length ≤ 2^14 + 2048, TLSPlaintext.length ≤ 2^14.
    const limit = this.read === null ? MAX_PLAINTEXT : MAX_CIPHERTEXT_12;
    if (length > limit) throw new TlsError('decode.record_overflow', `record of ${length} bytes`);
    const total = RECORD_HEADER_LENGTH + length;
    if (have < total) return { kind: 'need', missing: total - have };
    return { kind: 'record', type, length, total };
  }

  /** Opens one whole record: plaintext before the first ChangeCipherSpec, protected after. */
  open(record: Uint8Array): OpenedRecord12 {
    const type = record[0]!;
    const fragment = record.subarray(RECORD_HEADER_LENGTH);
    if (this.read === null) {
      // RFC 5246 §6.2.1: zero-length fragments of handshake, alert or ChangeCipherSpec MUST NOT be sent.
      if (fragment.length === 0 && type !== ContentType.application_data) {
        throw new TlsError('peer.unexpected_message', `empty ${ContentType[type] ?? type} record`);
      }
      return { type, content: fragment, protected: false };
    }
    const content = this.read.open(type, fragment);
    if (content.length > this.receiveLimit) throw new TlsError('decode.record_overflow', `record of ${content.length} bytes over our limit`);
    if (content.length === 0 && type !== ContentType.application_data) {
      throw new TlsError('peer.unexpected_message', `empty protected ${ContentType[type] ?? type} record`);
    }
    return { type, content, protected: true };
  }

  /** Wire size of one record carrying n bytes under the current write state. */
  recordSize(n: number): number {
    return RECORD_HEADER_LENGTH + (this.write === null ? n : this.write.fragmentSize(n));
  }

  /**
   * Wire size of one record of n bytes under the current write state, or (`afterCcs`) under the
   * pending one that the next ChangeCipherSpec installs. The CCS record itself is sealed under
   * the current state, so a renegotiation's CCS is protected.
   */
  recordSizeFor(n: number, afterCcs: boolean): number {
    const s = afterCcs ? this.pendingWrite : this.write;
    return RECORD_HEADER_LENGTH + (s === null ? n : s.fragmentSize(n));
  }

  /** Seals one record into `out` at `offset` (or a fresh array); returns the written view. */
  seal(type: ContentType, content: Uint8Array, opts: { legacyVersion?: number; out?: Uint8Array; offset?: number } = {}): Uint8Array {
    const size = this.recordSize(content.length);
    const out = opts.out ?? new Uint8Array(size);
    const at = opts.offset ?? 0;
    const rec = out.subarray(at, at + size);
    if (content.length > (this.write === null ? MAX_PLAINTEXT : this.sendLimit)) throw new TlsError('internal.error', 'record exceeds the limit');
    const fragment = this.write === null ? content : this.write.seal(type, content, (n) => this.crypto.random(n));
    const v = opts.legacyVersion ?? ProtocolVersion.TLS12;
    rec[0] = type;
    rec[1] = v >> 8;
    rec[2] = v & 0xff;
    rec[3] = fragment.length >> 8;
    rec[4] = fragment.length & 0xff;
    rec.set(fragment, RECORD_HEADER_LENGTH);
    return rec;
  }

  /** Frees and zeroes every state. */
  dispose(): void {
    for (const s of [this.read, this.write, this.pendingRead, this.pendingWrite]) this.release(s);
    this.read = this.write = this.pendingRead = this.pendingWrite = null;
  }
}
