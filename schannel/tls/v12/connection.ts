/**
 * What the TLS 1.2 client and server share: the record loop (`receive`, `open`), sealing,
 * alerts, the master secret and keys, the exporter (RFC 5705), tls-unique (RFC 5929), getters,
 * failure handling and disposal. Same public surface as the TLS 1.3 connection (`../connection.ts`)
 * so the Schannel layer drives either; the role-specific handshakes are in `client.ts` and
 * `server.ts`.
 *
 * Invariants: no public method throws; after a failure every call returns that error;
 * {@link Tls12Connection.dispose} frees every block and zeroes every secret.
 */
// errors.js before codec/alert.js: the two import each other, and errors' table needs alert's enum first.
import { TlsError, alertFor, toTlsError } from '../errors.js';
import type { CryptoProvider, GroupName, KeyShare, SignatureScheme } from '../../crypto/types.js';
import { AlertCodec, AlertDescription, AlertLevel, alertName } from '../codec/alert.js';
import { ContentType, HandshakeType, ProtocolVersion } from '../codec/constants.js';
import { nextHandshakeMessage } from '../codec/handshake.js';
import { RECORD_HEADER_LENGTH } from '../codec/record.js';
import type { OutputResult, StreamSizes, TlsEnv } from '../config.js';
import { HandshakeBuffer } from '../hsbuffer.js';
import { KEY_SHARE_SIZE, MAX_HANDSHAKE_MESSAGE, TLS_TAGS, type TlsBlock, type TlsMemory, allocOrThrow } from '../memory.js';
import type { Transcript } from '../transcript.js';
import { handshakeMessage } from '../util.js';
import { FinishedCodec } from '../codec/handshake.js';
import type { Tls12Event } from './config.js';
import { Flight12 } from './flight.js';
import { MASTER_SECRET_LENGTH, Prf, TLS12_TAGS, VERIFY_DATA_LENGTH, splitKeyBlock } from './prf.js';
import { Tls12RecordLayer } from './record.js';
import { type Tls12Suite, keyBlockLength } from './suites.js';

const EMPTY: Uint8Array = new Uint8Array(0);

/** Result of {@link Tls12Connection.receive} (the TLS 1.3 ReceiveResult shape). */
export interface Receive12Result {
  consumed: number;
  missing?: number;
  output: Uint8Array;
  events: Tls12Event[];
  error?: TlsError;
}

/** Result of {@link Tls12Connection.open} (the TLS 1.3 OpenResult shape). */
export interface Open12Result {
  consumed: number;
  missing?: number;
  contentType?: number;
  plaintext: Uint8Array;
  events: Tls12Event[];
  output: Uint8Array;
  error?: TlsError;
}

/** Negotiated values of a TLS 1.2 connection. */
export interface Negotiated12 {
  suite: Tls12Suite | null;
  group: GroupName | null;
  peerSignatureScheme: SignatureScheme | null;
  signatureScheme: SignatureScheme | null;
  alpn: string | null;
  serverName: string | null;
  resumed: boolean;
  extendedMasterSecret: boolean;
  encryptThenMac: boolean;
  secureRenegotiation: boolean;
}

/** The common part of a TLS 1.2 connection. */
export abstract class Tls12Connection {
  /** 'client' or 'server'. */
  abstract readonly role: 'client' | 'server';
  /** The protocol version this engine speaks (RFC 5246). */
  readonly version = ProtocolVersion.TLS12;
  /** The provider. */
  protected readonly crypto: CryptoProvider;
  /** The allocator. */
  protected readonly memory: TlsMemory;
  /** The record layer. */
  protected readonly record: Tls12RecordLayer;
  /** Handshake reassembly (one message at a time). */
  protected readonly hsbuf: HandshakeBuffer;
  /** The flight being built. */
  protected readonly flight = new Flight12();
  /** Running transcript (null outside a handshake). */
  protected transcript: Transcript | null = null;
  /** Events of the current call. */
  protected events: Tls12Event[] = [];
  /** The failure, once failed. */
  protected failure: TlsError | null = null;
  /** Whether the handshake completed. */
  protected complete = false;
  /** Negotiated values. */
  protected readonly negotiated: Negotiated12 = {
    suite: null, group: null, peerSignatureScheme: null, signatureScheme: null, alpn: null, serverName: null,
    resumed: false, extendedMasterSecret: false, encryptThenMac: false, secureRenegotiation: false,
  };
  /** ClientHello.random and ServerHello.random. */
  protected clientRandom: Uint8Array = EMPTY;
  /** See {@link clientRandom}. */
  protected serverRandom: Uint8Array = EMPTY;
  /** The `tls12.masterSecret` block: master_secret(48) || client_random(32) || server_random(32), kept for the exporter and resumption. */
  protected masterBlock: TlsBlock | null = null;
  /** verify_data of the last client and server Finished (RFC 5746 §3.1), and the first Finished (RFC 5929 tls-unique). */
  protected clientVerifyData: Uint8Array = EMPTY;
  /** See {@link clientVerifyData}. */
  protected serverVerifyData: Uint8Array = EMPTY;
  /** RFC 5929 §3.1: the first Finished message of the latest handshake. */
  protected firstFinished: Uint8Array = EMPTY;
  /** The session ID of this connection's session (RFC 5246 §7.4.1.3), empty when none. */
  protected sessionIdBytes: Uint8Array = EMPTY;
  /** Held ephemeral key share. */
  protected keyShare: { share: KeyShare; block: TlsBlock } | null = null;
  /** Blocks freed with the handshake state (ServerKeyExchange params, premaster). */
  protected handshakeBlocks = new Set<TlsBlock>();
  private peerChainBlock: TlsBlock | null = null;
  private peerChainLengths: number[] = [];
  /** Whether the peer's ChangeCipherSpec arrived (its Finished must come next, unfragmented). */
  protected readClosed = false;
  /** Set once we sent close_notify or a fatal alert. */
  protected writeClosed = false;
  private disposed = false;

  /** @param env crypto, memory and clock */
  constructor(protected readonly env: TlsEnv) {
    this.crypto = env.crypto;
    this.memory = env.memory;
    this.record = new Tls12RecordLayer(env.crypto, env.memory);
    this.hsbuf = new HandshakeBuffer(env.memory);
  }

  // ───────────────────────────── role hooks ─────────────────────────────

  /** Handles one whole handshake message in the current state (throws TlsError). */
  protected abstract handleHandshake(msgType: number, body: Uint8Array, raw: Uint8Array): void;
  /** Handles the peer's ChangeCipherSpec in the current state. */
  protected abstract handleChangeCipherSpec(): void;
  /** Handles a handshake message after the handshake (HelloRequest, ClientHello, NewSessionTicket). */
  protected abstract handlePostHandshake(msgType: number, body: Uint8Array): void;
  /** Whether the handshake waits for an API call. */
  protected abstract get paused(): boolean;
  /** Whether start() ran. */
  protected abstract get started(): boolean;

  // ───────────────────────────── getters ─────────────────────────────

  /** Whether the handshake is complete. */
  get handshakeComplete(): boolean {
    return this.complete;
  }
  /** Whether the connection failed. */
  get failed(): boolean {
    return this.failure !== null;
  }
  /** The failure, if any. */
  get error(): TlsError | null {
    return this.failure;
  }
  /** The negotiated TLS 1.2 suite. */
  get tls12Suite(): Tls12Suite | null {
    return this.negotiated.suite;
  }
  /** Always null: TLS 1.3 suites only (see {@link tls12Suite}); kept so callers can tell the versions apart. */
  get cipherSuite(): null {
    return null;
  }
  /** ECDHE group (null for static RSA). */
  get group(): GroupName | null {
    return this.negotiated.group;
  }
  /** Scheme of the peer's ServerKeyExchange / CertificateVerify signature. */
  get peerSignatureScheme(): SignatureScheme | null {
    return this.negotiated.peerSignatureScheme;
  }
  /** Scheme we signed with. */
  get signatureScheme(): SignatureScheme | null {
    return this.negotiated.signatureScheme;
  }
  /** ALPN protocol. */
  get alpnProtocol(): string | null {
    return this.negotiated.alpn;
  }
  /** SNI. */
  get serverName(): string | null {
    return this.negotiated.serverName;
  }
  /** Whether the session was resumed (abbreviated handshake). */
  get resumed(): boolean {
    return this.negotiated.resumed;
  }
  /** The session ID (SECPKG_ATTR_SESSION_INFO's rgbSessionId); empty when the server gave none. */
  get sessionId(): Uint8Array {
    return this.sessionIdBytes.slice();
  }
  /** Whether the extended master secret is in use (RFC 7627). */
  get extendedMasterSecret(): boolean {
    return this.negotiated.extendedMasterSecret;
  }
  /** Whether encrypt_then_mac is in use (RFC 7366). */
  get encryptThenMac(): boolean {
    return this.negotiated.encryptThenMac;
  }
  /** Whether the peer supports secure renegotiation (RFC 5746). */
  get secureRenegotiation(): boolean {
    return this.negotiated.secureRenegotiation;
  }
  /** The peer's chain (leaf first, DER copies), empty if none. */
  get peerCertificateChain(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.peerChainBlock === null) return out;
    let at = 0;
    for (const len of this.peerChainLengths) {
      out.push(this.peerChainBlock.bytes.slice(at + 3, at + 3 + len));
      at += 3 + len;
    }
    return out;
  }
  /** Largest plaintext per record towards the peer. */
  get recordSizeLimit(): { send: number } {
    return { send: this.record.maxSendPlaintext };
  }
  /** Cipher key and MAC sizes in bits (AEAD suites: hash 0). */
  get keySizes(): { cipherBits: number; hashBits: number } | null {
    const s = this.negotiated.suite;
    if (s === null) return null;
    const p = s.protection;
    return { cipherBits: p.keyLength * 8, hashBits: p.kind === 'cbc' ? p.macLength * 8 : 0 };
  }
  /** Record sequence numbers. */
  get sequenceNumbers(): { read: bigint; write: bigint } {
    return this.record.sequenceNumbers;
  }
  /** Whether our records are protected yet (an alert sent now would be). */
  get writeProtected(): boolean {
    return this.record.writeProtected;
  }
  /** ClientHello.random (key log, tests). */
  get clientHelloRandom(): Uint8Array {
    return this.clientRandom.slice();
  }

  /**
   * EncryptMessage sizes for the negotiated suite: header 5 + explicit nonce/IV; trailer the
   * AEAD tag, or MAC + the largest padding (CBC).
   */
  streamSizes(): StreamSizes {
    const s = this.negotiated.suite;
    const max = this.record.maxSendPlaintext;
    if (s === null) return { header: RECORD_HEADER_LENGTH, trailer: 0, maximumMessage: max, buffers: 4, blockSize: 1 };
    const p = s.protection;
    if (p.kind === 'aead') {
      return { header: RECORD_HEADER_LENGTH + p.recordIvLength, trailer: p.tagLength, maximumMessage: max, buffers: 4, blockSize: p.aead === 'chacha20poly1305' ? 1 : 16 };
    }
    // CBC: IV in the header; trailer = MAC + up to a block of padding (we pad minimally: 1..16).
    return { header: RECORD_HEADER_LENGTH + p.recordIvLength, trailer: p.macLength + p.blockLength, maximumMessage: max, buffers: 4, blockSize: p.blockLength };
  }

  /**
   * RFC 5705 §4 exporter: PRF(master_secret, label, client_random || server_random
   * [|| context_length || context]). RFC 7627 §5.4: without the extended master secret the
   * exporter is still defined (the caller's risk).
   */
  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array | TlsError {
    if (this.failure) return this.failure;
    if (!this.complete || this.masterBlock === null) return new TlsError('api.misuse', 'exporter before the handshake completed');
    try {
      const seed = context === null
        ? concat(this.clientRandom, this.serverRandom)
        : concat(concat(this.clientRandom, this.serverRandom), concat(Uint8Array.of(context.length >> 8, context.length & 0xff), context));
      return this.prf().derive(this.masterSecret(), label, seed, length);
    } catch (e) {
      return toTlsError(e);
    }
  }

  /** RFC 5929 §3.1 tls-unique: the first Finished message's verify_data of the latest handshake. */
  tlsUnique(): Uint8Array | TlsError {
    if (!this.complete) return new TlsError('api.misuse', 'tls-unique before the handshake completed');
    return this.firstFinished.slice();
  }

  /** The channel binding Schannel's UNIQUE_BINDINGS gives for TLS 1.2: tls-unique. */
  channelBinding(): Uint8Array | TlsError {
    return this.tlsUnique();
  }

  // ───────────────────────────── public API ─────────────────────────────

  /** Feeds handshake bytes (whole records only, as many as the handshake needs). */
  receive(input: Uint8Array): Receive12Result {
    if (this.failure) return { consumed: 0, output: EMPTY, events: [], error: this.failure };
    if (this.disposed) return { consumed: 0, output: EMPTY, events: [], error: new TlsError('api.misuse', 'disposed') };
    if (this.complete) return { consumed: 0, output: EMPTY, events: [], error: new TlsError('api.misuse', 'handshake complete: use open()') };
    if (this.paused) return { consumed: 0, output: EMPTY, events: [], error: new TlsError('api.misuse', 'waiting for provideClientCertificate()') };
    if (!this.started) return { consumed: 0, output: EMPTY, events: [], error: new TlsError('api.misuse', 'call start() first') };
    this.events = [];
    let off = 0;
    let missing: number | undefined;
    try {
      while (!this.complete && !this.paused) {
        const scan = this.record.scan(input, off);
        if (scan.kind === 'need') {
          missing = scan.missing;
          break;
        }
        this.processRecord(input.subarray(off, off + scan.total), false);
        off += scan.total;
      }
      if (this.complete || this.paused) this.hsbuf.release();
      const output = this.flight.flush(this.record, this.memory);
      const r: Receive12Result = { consumed: off, output, events: this.events };
      if (missing !== undefined) r.missing = missing;
      return r;
    } catch (e) {
      const { error, output } = this.fail(e);
      return { consumed: off, output, events: this.events, error };
    }
  }

  /** Opens one record after the handshake. */
  open(input: Uint8Array): Open12Result {
    if (this.failure) return { consumed: 0, plaintext: EMPTY, output: EMPTY, events: [], error: this.failure };
    if (!this.complete || this.disposed) return { consumed: 0, plaintext: EMPTY, output: EMPTY, events: [], error: new TlsError('api.misuse', 'open() before the handshake completed') };
    this.events = [];
    let consumed = 0;
    try {
      const scan = this.record.scan(input, 0);
      if (scan.kind === 'need') return { consumed: 0, missing: scan.missing, plaintext: EMPTY, output: EMPTY, events: [] };
      consumed = scan.total;
      // RFC 5246 §7.2.1: data after close_notify is ignored.
      if (this.readClosed) return { consumed, contentType: scan.type, plaintext: EMPTY, output: EMPTY, events: [] };
      const plaintext = this.processRecord(input.subarray(0, scan.total), true);
      const output = this.flight.flush(this.record, this.memory);
      return { consumed, contentType: scan.type, plaintext, output, events: this.events };
    } catch (e) {
      const { error, output } = this.fail(e);
      return { consumed, plaintext: EMPTY, output, events: this.events, error };
    }
  }

  /** Seals application data into one record. */
  seal(plaintext: Uint8Array): { record: Uint8Array; error?: TlsError } {
    if (this.failure) return { record: EMPTY, error: this.failure };
    if (!this.complete || this.writeClosed || this.disposed) return { record: EMPTY, error: new TlsError('api.misuse', 'seal() needs an open, completed connection') };
    if (plaintext.length > this.record.maxSendPlaintext) {
      return { record: EMPTY, error: new TlsError('api.misuse', `${plaintext.length} bytes exceed the record limit ${this.record.maxSendPlaintext}`) };
    }
    try {
      return { record: this.record.seal(ContentType.application_data, plaintext).slice() };
    } catch (e) {
      return { record: EMPTY, error: this.fail(e).error };
    }
  }

  /** Sends close_notify (RFC 5246 §7.2.1). */
  close(): OutputResult {
    return this.alert(AlertLevel.warning, AlertDescription.close_notify);
  }

  /** Sends an alert; a fatal one fails the connection. */
  alert(level: AlertLevel, description: AlertDescription): OutputResult {
    if (this.disposed) return { output: EMPTY, events: [], error: new TlsError('api.misuse', 'disposed') };
    if (this.writeClosed) return { output: EMPTY, events: [], error: new TlsError('api.misuse', 'write side closed') };
    try {
      this.flight.alert(level, description);
      const output = this.flight.flush(this.record, this.memory);
      if (description === AlertDescription.close_notify || level === AlertLevel.fatal) this.writeClosed = true;
      if (level === AlertLevel.fatal && this.failure === null) {
        this.failure = new TlsError('api.misuse', `fatal alert ${alertName(description)} sent by the application`);
        this.releaseHandshakeState();
      }
      return { output, events: [] };
    } catch (e) {
      const { error, output } = this.fail(e);
      return { output, events: [], error };
    }
  }

  /** TLS 1.2 has no KeyUpdate (RFC 8446 §4.6.3 is TLS 1.3 only). */
  requestKeyUpdate(_updateRequested: boolean): OutputResult {
    return { output: EMPTY, events: [], error: new TlsError('api.misuse', 'KeyUpdate does not exist in TLS 1.2') };
  }

  /** Frees every block and zeroes every secret. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.releaseHandshakeState();
    this.record.dispose();
    if (this.masterBlock) {
      this.masterBlock.bytes.fill(0);
      this.memory.free(this.masterBlock);
      this.masterBlock = null;
    }
    if (this.peerChainBlock) {
      this.memory.free(this.peerChainBlock);
      this.peerChainBlock = null;
    }
    this.hsbuf.release(true);
  }

  // ───────────────────────────── internals ─────────────────────────────

  /** One record, during or after the handshake; returns application data. */
  private processRecord(rec: Uint8Array, afterHandshake: boolean): Uint8Array {
    const opened = this.record.open(rec);
    if (opened.type !== ContentType.handshake && this.hsbuf.pendingBytes > 0) {
      // RFC 5246 §6.2.1: a handshake message fragmented over records must not be interleaved
      // with a ChangeCipherSpec (§7.1) — nor, in cesim, with any other type.
      throw new TlsError('peer.unexpected_message', 'record interleaved with a fragmented handshake message');
    }
    switch (opened.type) {
      case ContentType.change_cipher_spec:
        // RFC 5246 §7.1: the message is a single byte of value 1.
        if (opened.content.length !== 1 || opened.content[0] !== 1) throw new TlsError('decode.malformed', 'ChangeCipherSpec is one byte of value 1');
        if (afterHandshake) throw new TlsError('peer.unexpected_message', 'change_cipher_spec after the handshake');
        this.handleChangeCipherSpec();
        return EMPTY;
      case ContentType.alert:
        this.processAlert(opened.content);
        return EMPTY;
      case ContentType.handshake:
        this.processHandshakeContent(opened.content, afterHandshake);
        if (afterHandshake) this.hsbuf.release();
        return EMPTY;
      default:
        // RFC 5246 §7.4: application data before the handshake completes is unexpected.
        if (!afterHandshake) throw new TlsError('peer.unexpected_message', 'application_data during the handshake');
        return opened.content;
    }
  }

  /** Handles the handshake messages in one record's content (only a message continuing into the next record is buffered). */
  private processHandshakeContent(content: Uint8Array, afterHandshake: boolean): void {
    const dispatch = (msgType: number, body: Uint8Array, raw: Uint8Array): void => {
      if (afterHandshake || this.complete) this.handlePostHandshake(msgType, body);
      else this.handleHandshake(msgType, body, raw);
    };
    while (content.length > 0) {
      if (this.hsbuf.pendingBytes > 0 || this.paused) {
        const take = this.paused ? content.length : Math.min(this.hsbuf.missing(), content.length);
        this.hsbuf.append(content.subarray(0, take));
        content = content.subarray(take);
        for (;;) {
          if (this.paused) break;
          const m = this.hsbuf.next();
          if (m === null) break;
          dispatch(m.msgType, m.body, m.raw);
        }
        this.hsbuf.release();
        continue;
      }
      const m = nextHandshakeMessage(content, 0);
      if (m.kind === 'partial') {
        if (content.length >= 4) {
          const len = (content[1]! << 16) | (content[2]! << 8) | content[3]!;
          if (len > MAX_HANDSHAKE_MESSAGE) throw new TlsError('decode.message_too_large', `handshake message of ${len} bytes`);
        }
        this.hsbuf.append(content);
        return;
      }
      content = content.subarray(m.next);
      dispatch(m.msgType, m.body, m.raw);
    }
  }

  /** RFC 5246 §7.2: close_notify closes the read side; other warnings are reported; fatal alerts fail. */
  private processAlert(content: Uint8Array): void {
    const a = AlertCodec.decode(content);
    if (a.description === AlertDescription.close_notify) {
      this.readClosed = true;
      this.events.push({ type: 'closeNotify' });
      return;
    }
    if (a.level === AlertLevel.warning && this.complete) {
      // RFC 5246 §7.2: warnings (user_canceled, no_renegotiation…) may let the connection go on.
      this.events.push({ type: 'alert', level: a.level, description: a.description });
      return;
    }
    if (a.level === AlertLevel.warning && a.description === AlertDescription.user_canceled) {
      this.events.push({ type: 'alert', level: a.level, description: a.description });
      return;
    }
    throw new TlsError('alert.received', `peer sent ${alertName(a.description)}`, a.description as AlertDescription);
  }

  // ───────────────────────────── helpers for the roles ─────────────────────────────

  /** The suite, or an internal error. */
  protected requireSuite(): Tls12Suite {
    const s = this.negotiated.suite;
    if (s === null) throw new TlsError('internal.error', 'no cipher suite');
    return s;
  }
  /** The transcript, or an internal error. */
  protected requireTranscript(): Transcript {
    if (this.transcript === null) throw new TlsError('internal.error', 'no transcript');
    return this.transcript;
  }
  /** The PRF of the negotiated suite. */
  protected prf(): Prf {
    return new Prf(this.crypto, this.memory, this.requireSuite().prfHash);
  }
  /** The master secret (a view into its block). */
  protected masterSecret(): Uint8Array {
    if (this.masterBlock === null) throw new TlsError('internal.error', 'no master secret');
    return this.masterBlock.bytes.subarray(0, MASTER_SECRET_LENGTH);
  }

  /**
   * Stores the master secret in its `tls12.masterSecret` block and sets the pending cipher
   * states from the key block (RFC 5246 §6.3), charged as a transient `tls12.keyBlock` block.
   */
  protected installMasterSecret(master: Uint8Array): void {
    if (this.masterBlock === null) {
      this.masterBlock = allocOrThrow(this.memory, 'general', MASTER_SECRET_LENGTH + 64, TLS12_TAGS.masterSecret);
    }
    this.masterBlock.bytes.set(master.subarray(0, MASTER_SECRET_LENGTH), 0);
    this.masterBlock.bytes.set(this.clientRandom, MASTER_SECRET_LENGTH);
    this.masterBlock.bytes.set(this.serverRandom, MASTER_SECRET_LENGTH + 32);
    master.fill(0);
    const suite = this.requireSuite();
    const len = keyBlockLength(suite);
    const kbBlock = allocOrThrow(this.memory, 'general', len, TLS12_TAGS.keyBlock);
    try {
      const kb = this.prf().keyBlock(this.masterSecret(), this.clientRandom, this.serverRandom, len);
      kbBlock.bytes.set(kb);
      kb.fill(0);
      const p = suite.protection;
      const k = p.kind === 'aead'
        ? splitKeyBlock(kbBlock.bytes, 0, p.keyLength, p.fixedIvLength)
        : splitKeyBlock(kbBlock.bytes, p.macLength, p.keyLength, 0);
      const client = { macKey: k.clientMacKey, key: k.clientKey, fixedIv: k.clientIv };
      const server = { macKey: k.serverMacKey, key: k.serverKey, fixedIv: k.serverIv };
      const etm = this.negotiated.encryptThenMac && p.kind === 'cbc';
      if (this.role === 'client') this.record.setPending(suite, client, server, etm);
      else this.record.setPending(suite, server, client, etm);
    } finally {
      kbBlock.bytes.fill(0);
      this.memory.free(kbBlock);
    }
  }

  /** verify_data of `sender`'s Finished over the transcript so far (RFC 5246 §7.4.9). */
  protected computeVerifyData(sender: 'client' | 'server'): Uint8Array {
    return this.prf().verifyData(this.masterSecret(), sender, this.requireTranscript().current());
  }

  /** Queues our Finished (after our ChangeCipherSpec) and adds it to the transcript. */
  protected queueFinished(): void {
    const vd = this.computeVerifyData(this.role);
    const msg = handshakeMessage(HandshakeType.finished, FinishedCodec.encode({ verifyData: vd }));
    this.requireTranscript().add(msg);
    this.flight.changeCipherSpec();
    this.flight.handshake(msg);
    this.noteFinished(this.role, vd);
  }

  /** Checks the peer's Finished (RFC 5246 §7.4.9: decrypt_error when wrong) and adds it to the transcript. */
  protected verifyPeerFinished(body: Uint8Array, raw: Uint8Array): void {
    const peer = this.role === 'client' ? 'server' : 'client';
    // RFC 5246 §7.4.9: verify_data is 12 bytes for these suites; another length is a decode_error.
    if (body.length !== VERIFY_DATA_LENGTH) throw new TlsError('decode.malformed', `Finished of ${body.length} bytes`);
    const expected = this.computeVerifyData(peer);
    if (!this.crypto.equal(expected, body)) throw new TlsError('peer.decrypt_error', `${peer} Finished does not verify`);
    this.requireTranscript().add(raw);
    this.noteFinished(peer, body.slice());
  }

  private noteFinished(sender: 'client' | 'server', vd: Uint8Array): void {
    if (sender === 'client') this.clientVerifyData = vd;
    else this.serverVerifyData = vd;
    // RFC 5929 §3.1: tls-unique is the first Finished of the handshake.
    if (this.firstFinished.length === 0) this.firstFinished = vd.slice();
  }

  /** Generates our ephemeral key pair, charged to `tls.keyShare`. */
  protected newKeyShare(group: GroupName): KeyShare {
    const block = allocOrThrow(this.memory, 'general', KEY_SHARE_SIZE[group], TLS_TAGS.keyShare);
    try {
      const share = this.crypto.generateKeyShare(group);
      this.keyShare = { share, block };
      return share;
    } catch (e) {
      this.memory.free(block);
      throw e;
    }
  }

  /** Destroys the key share. */
  protected releaseKeyShare(): void {
    if (this.keyShare === null) return;
    this.keyShare.share.destroy();
    this.memory.free(this.keyShare.block);
    this.keyShare = null;
  }

  /** Charges a transient handshake buffer (freed with the handshake state). */
  protected holdHandshakeBytes(size: number, tag: string): TlsBlock {
    const b = allocOrThrow(this.memory, 'general', size, tag);
    this.handshakeBlocks.add(b);
    return b;
  }

  /** Stores the peer chain in a `tls.peerCertChain` block. */
  protected storePeerChain(chain: readonly Uint8Array[]): void {
    if (this.peerChainBlock !== null) {
      this.memory.free(this.peerChainBlock);
      this.peerChainBlock = null;
    }
    const size = chain.reduce((n, c) => n + 3 + c.length, 0);
    const block = allocOrThrow(this.memory, 'general', size, TLS_TAGS.peerCertChain);
    let at = 0;
    for (const c of chain) {
      block.bytes[at] = c.length >> 16;
      block.bytes[at + 1] = (c.length >> 8) & 0xff;
      block.bytes[at + 2] = c.length & 0xff;
      block.bytes.set(c, at + 3);
      at += 3 + c.length;
    }
    this.peerChainBlock = block;
    this.peerChainLengths = chain.map((c) => c.length);
  }

  /** Frees what only the handshake needs. */
  protected releaseHandshakeState(): void {
    this.transcript?.dispose();
    this.transcript = null;
    this.releaseKeyShare();
    for (const b of this.handshakeBlocks) {
      b.bytes.fill(0);
      this.memory.free(b);
    }
    this.handshakeBlocks.clear();
    this.hsbuf.release(true);
  }

  /** Marks the handshake complete. */
  protected finishHandshake(): void {
    this.complete = true;
    this.releaseHandshakeState();
    this.events.push({ type: 'handshakeComplete', resumed: this.negotiated.resumed });
  }

  /** Records the failure, queues the alert, frees transient state. */
  protected fail(e: unknown): { error: TlsError; output: Uint8Array } {
    if (this.failure) return { error: this.failure, output: EMPTY };
    const error = toTlsError(e);
    this.failure = error;
    this.flight.clear();
    let output = EMPTY;
    const alert = alertFor(error);
    if (alert !== null && !this.writeClosed && !this.disposed) {
      try {
        this.flight.alert(AlertLevel.fatal, alert);
        output = this.flight.flush(this.record, this.memory);
      } catch {
        output = EMPTY;
        this.flight.clear();
      }
      this.writeClosed = true;
    }
    try {
      this.releaseHandshakeState();
    } catch {
      // Freeing must not mask the original error.
    }
    return { error, output };
  }
}

/** Concatenates two byte strings. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
