/**
 * What the client and server connections share: the record loop (`receive`, `open`), sealing,
 * alerts, KeyUpdate, the exporter, getters, failure handling and disposal. The role-specific
 * handshakes live in `client.ts` and `server.ts`.
 *
 * Invariants: no public method throws (every failure is a returned {@link TlsError}); after a
 * failure every method returns that error; {@link TlsConnection.dispose} frees every block and
 * zeroes every secret.
 */
import type { CryptoProvider, GroupName, KeyShare, SignatureScheme } from '../crypto/types.js';
import { AlertCodec, AlertDescription, AlertLevel, alertName } from './codec/alert.js';
import { type CipherSuite, ContentType, HandshakeType, KeyUpdateRequest, ProtocolVersion, isCertificateOnlyScheme, signatureSchemeByCode } from './codec/constants.js';
import { CertificateVerifyCodec, FinishedCodec, KeyUpdateCodec, nextHandshakeMessage } from './codec/handshake.js';
import { RECORD_HEADER_LENGTH } from './codec/record.js';
import type { OpenResult, OutputResult, PublicKeyOf, ReceiveResult, StreamSizes, TlsEnv, TlsEvent } from './config.js';
import { TlsError, alertFor, toTlsError } from './errors.js';
import { HandshakeBuffer } from './hsbuffer.js';
import type { ApplicationTrafficSecret, ExporterMasterSecret, HandshakeTrafficSecret, KeyScheduleHash, ResumptionMasterSecret } from './keyschedule.js';
import { KEY_SHARE_SIZE, MAX_HANDSHAKE_MESSAGE, TLS_TAGS, type TlsBlock, type TlsMemory, allocOrThrow, keyScheduleSize } from './memory.js';
import { Outbox } from './outbox.js';
import { RecordLayer } from './record.js';
import type { Transcript } from './transcript.js';
import { certificateVerifyContent, handshakeMessage } from './util.js';

const EMPTY: Uint8Array = new Uint8Array(0);

/** An ephemeral key share and the block it is charged to. */
interface HeldKeyShare {
  share: KeyShare;
  block: TlsBlock;
}

/** The negotiated parameters, as getters expose them. */
export interface Negotiated {
  version: number | null;
  cipherSuite: CipherSuite | null;
  group: GroupName | null;
  /** The scheme the peer signed its CertificateVerify with. */
  peerSignatureScheme: SignatureScheme | null;
  /** The scheme we signed with. */
  signatureScheme: SignatureScheme | null;
  alpn: string | null;
  serverName: string | null;
  resumed: boolean;
}

/** The common part of a TLS 1.3 connection. See `index.ts` for the API contract. */
export abstract class TlsConnection {
  /** 'client' or 'server'. */
  abstract readonly role: 'client' | 'server';
  /** The provider. */
  protected readonly crypto: CryptoProvider;
  /** The allocator. */
  protected readonly memory: TlsMemory;
  /** The record layer. */
  protected readonly record: RecordLayer;
  /** Handshake reassembly. */
  protected readonly hsbuf: HandshakeBuffer;
  /** The flight being built. */
  protected readonly outbox = new Outbox();
  /** The running transcript (null before it starts and after the handshake). */
  protected transcript: Transcript | null = null;
  /** Events collected during the current call. */
  protected events: TlsEvent[] = [];
  /** The failure, once failed. */
  protected failure: TlsError | null = null;
  /** Whether the handshake completed. */
  protected complete = false;
  /** Negotiated values. */
  protected readonly negotiated: Negotiated = {
    version: null, cipherSuite: null, group: null, peerSignatureScheme: null, signatureScheme: null, alpn: null, serverName: null, resumed: false,
  };
  /** Application traffic secrets (ours = the direction we write). */
  protected ownAppSecret: ApplicationTrafficSecret | null = null;
  /** See {@link ownAppSecret}. */
  protected peerAppSecret: ApplicationTrafficSecret | null = null;
  /** exporter_master_secret. */
  protected exporter: ExporterMasterSecret | null = null;
  /** resumption_master_secret. */
  protected resumption: ResumptionMasterSecret | null = null;
  /** Every other live secret (zeroed on completion/dispose). */
  protected transientSecrets: { zero(): void }[] = [];
  /** The `tls.keySchedule` block. */
  protected keyScheduleBlock: TlsBlock | null = null;
  /** Held ephemeral key shares. */
  protected keyShares: HeldKeyShare[] = [];
  /** The peer chain stored as vec24 entries in a `tls.peerCertChain` block. */
  private peerChainBlock: TlsBlock | null = null;
  private peerChainLengths: number[] = [];
  /** Blocks owned by subclasses (tickets), freed at dispose. */
  protected extraBlocks = new Set<TlsBlock>();
  /** Set when a message that precedes a key change was processed in the current record. */
  protected readKeyChanged = false;
  /** Whether the peer's Finished was received (ends the CCS allowance, RFC 8446 §5). */
  protected peerFinishedReceived = false;
  /** Whether the first ClientHello was sent/received (starts the CCS allowance). */
  protected clientHelloSeen = false;
  private readClosed = false;
  private writeClosed = false;
  private disposed = false;

  /**
   * @param env crypto, memory and clock
   */
  constructor(protected readonly env: TlsEnv) {
    this.crypto = env.crypto;
    this.memory = env.memory;
    this.record = new RecordLayer(env.crypto, env.memory);
    this.hsbuf = new HandshakeBuffer(env.memory);
  }

  // ───────────────────────────── role hooks ─────────────────────────────

  /** Handles one complete handshake message in the current state (throws TlsError). */
  protected abstract handleHandshake(msgType: number, body: Uint8Array, raw: Uint8Array): void;
  /** Whether the handshake waits for an API call (client certificate). */
  protected abstract get paused(): boolean;
  /** Whether a plaintext/undecryptable record may be skipped as rejected 0-RTT data (server). */
  protected skipRejectedEarlyData(_type: number, _error: TlsError | null): boolean {
    return false;
  }

  // ───────────────────────────── public API ─────────────────────────────

  /** Whether the handshake is complete. */
  get handshakeComplete(): boolean {
    return this.complete;
  }
  /** Whether the connection failed (see {@link error}). */
  get failed(): boolean {
    return this.failure !== null;
  }
  /** The failure, if any. */
  get error(): TlsError | null {
    return this.failure;
  }
  /** Negotiated protocol version (0x0304) once known. */
  get version(): number | null {
    return this.negotiated.version;
  }
  /** Negotiated cipher suite. */
  get cipherSuite(): CipherSuite | null {
    return this.negotiated.cipherSuite;
  }
  /** Key-exchange group. */
  get group(): GroupName | null {
    return this.negotiated.group;
  }
  /** Scheme of the peer's CertificateVerify. */
  get peerSignatureScheme(): SignatureScheme | null {
    return this.negotiated.peerSignatureScheme;
  }
  /** Scheme of our CertificateVerify. */
  get signatureScheme(): SignatureScheme | null {
    return this.negotiated.signatureScheme;
  }
  /** Negotiated ALPN protocol. */
  get alpnProtocol(): string | null {
    return this.negotiated.alpn;
  }
  /** SNI (client: what it sent; server: what it received). */
  get serverName(): string | null {
    return this.negotiated.serverName;
  }
  /** Whether the session was resumed with a PSK. */
  get resumed(): boolean {
    return this.negotiated.resumed;
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
  /** Largest plaintext per record towards the peer (record_size_limit applied) and our own receive limit. */
  get recordSizeLimit(): { send: number } {
    return { send: this.record.maxSendPlaintext };
  }
  /** Cipher key and hash sizes in bits (for SecPkgContext_ConnectionInfo / KeyInfo). */
  get keySizes(): { cipherBits: number; hashBits: number } | null {
    const s = this.negotiated.cipherSuite;
    return s === null ? null : { cipherBits: s.keyLength * 8, hashBits: s.hashLength * 8 };
  }
  /** Record read/write sequence numbers (tests). */
  get sequenceNumbers(): { read: bigint; write: bigint } {
    return this.record.sequenceNumbers;
  }

  /** Stream sizes for EncryptMessage: header 5, trailer = tag + content type byte, max message = plaintext limit. */
  streamSizes(): StreamSizes {
    const s = this.negotiated.cipherSuite;
    return {
      header: RECORD_HEADER_LENGTH,
      trailer: 16 + 1,
      maximumMessage: this.record.maxSendPlaintext,
      buffers: 4,
      blockSize: s?.aead === 'chacha20poly1305' ? 1 : 16,
    };
  }

  /**
   * TLS-Exporter (RFC 8446 §7.5) after the handshake: `label`, `context`, `length` bytes.
   */
  exportKeyingMaterial(label: string, context: Uint8Array, length: number): Uint8Array | TlsError {
    if (this.failure) return this.failure;
    if (this.exporter === null || !this.complete) return new TlsError('api.misuse', 'exporter before the handshake completed');
    try {
      return this.exporter.export(label, context, length);
    } catch (e) {
      return toTlsError(e);
    }
  }

  /** The `tls-exporter` channel binding (RFC 9266): Exporter("EXPORTER-Channel-Binding", "", 32). */
  channelBinding(): Uint8Array | TlsError {
    return this.exportKeyingMaterial('EXPORTER-Channel-Binding', EMPTY, 32);
  }

  /**
   * Feeds handshake bytes. Consumes whole records only, as many as the handshake needs, and
   * stops once the handshake completes (or pauses) so the bytes after it stay unconsumed.
   */
  receive(input: Uint8Array): ReceiveResult {
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
        this.processHandshakeRecord(input.subarray(off, off + scan.total));
        off += scan.total;
      }
      if (this.complete || this.paused) this.hsbuf.release();
      const output = this.outbox.flush(this.record, this.memory);
      this.afterFlush();
      const r: ReceiveResult = { consumed: off, output, events: this.events };
      if (missing !== undefined) r.missing = missing;
      return r;
    } catch (e) {
      const { error, output } = this.fail(e);
      return { consumed: off, output, events: this.events, error };
    }
  }

  /** Whether start() ran (servers are started at creation). */
  protected abstract get started(): boolean;
  /** Called after each successful flush (handshake completion cleanup). */
  protected afterFlush(): void {}

  /**
   * Opens one record after the handshake: application data, post-handshake handshake messages
   * (NewSessionTicket, KeyUpdate) and alerts. With less than one whole record, reports `missing`.
   */
  open(input: Uint8Array): OpenResult {
    if (this.failure) return { consumed: 0, plaintext: EMPTY, output: EMPTY, events: [], error: this.failure };
    if (!this.complete || this.disposed) {
      return { consumed: 0, plaintext: EMPTY, output: EMPTY, events: [], error: new TlsError('api.misuse', 'open() before the handshake completed') };
    }
    this.events = [];
    let consumed = 0;
    try {
      const scan = this.record.scan(input, 0);
      if (scan.kind === 'need') return { consumed: 0, missing: scan.missing, plaintext: EMPTY, output: EMPTY, events: [] };
      consumed = scan.total;
      const rec = input.subarray(0, scan.total);
      // RFC 8446 §6.1: "Any data received after a closure alert has been received MUST be ignored."
      if (this.readClosed) return { consumed, contentType: scan.type, plaintext: EMPTY, output: EMPTY, events: [] };
      if (scan.type === ContentType.change_cipher_spec) {
        // RFC 8446 §5: change_cipher_spec after the peer's Finished is an unexpected_message.
        throw new TlsError('peer.unexpected_message', 'change_cipher_spec after the handshake');
      }
      const opened = this.record.open(rec);
      let plaintext = EMPTY;
      this.readKeyChanged = false;
      if (opened.type !== ContentType.handshake && this.hsbuf.pendingBytes > 0) {
        // RFC 8446 §5.1: handshake messages MUST NOT be interleaved with other record types.
        throw new TlsError('peer.unexpected_message', 'record interleaved with a fragmented handshake message');
      }
      switch (opened.type) {
        case ContentType.application_data:
          plaintext = opened.content;
          break;
        case ContentType.handshake:
          this.processHandshakeContent(opened.content);
          this.hsbuf.release();
          break;
        case ContentType.alert:
          this.processAlert(opened.content);
          break;
      }
      const output = this.outbox.flush(this.record, this.memory);
      return { consumed, contentType: opened.type, plaintext, output, events: this.events };
    } catch (e) {
      const { error, output } = this.fail(e);
      return { consumed, plaintext: EMPTY, output, events: this.events, error };
    }
  }

  /** Seals application data into one record (at most `streamSizes().maximumMessage` bytes). */
  seal(plaintext: Uint8Array): { record: Uint8Array; error?: TlsError } {
    if (this.failure) return { record: EMPTY, error: this.failure };
    if (!this.complete || this.writeClosed || this.disposed) return { record: EMPTY, error: new TlsError('api.misuse', 'seal() needs an open, completed connection') };
    if (plaintext.length > this.record.maxSendPlaintext) {
      return { record: EMPTY, error: new TlsError('api.misuse', `${plaintext.length} bytes exceed the record limit ${this.record.maxSendPlaintext}`) };
    }
    try {
      return { record: this.record.seal(ContentType.application_data, plaintext) };
    } catch (e) {
      const { error } = this.fail(e);
      return { record: EMPTY, error };
    }
  }

  /** Sends close_notify (RFC 8446 §6.1) and closes the write side. */
  close(): OutputResult {
    return this.alert(AlertLevel.warning, AlertDescription.close_notify);
  }

  /**
   * Sends an alert record (encrypted once write keys exist). A fatal alert fails the connection;
   * close_notify closes the write side.
   */
  alert(level: AlertLevel, description: AlertDescription): OutputResult {
    if (this.writeClosed || this.disposed) return { output: EMPTY, events: [], error: new TlsError('api.misuse', 'write side closed') };
    try {
      this.outbox.clear();
      this.outbox.alert(level, description);
      const output = this.outbox.flush(this.record, this.memory);
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

  /**
   * Sends a KeyUpdate (RFC 8446 §4.6.3) and switches to the next write secret;
   * `updateRequested` asks the peer to update its own.
   */
  requestKeyUpdate(updateRequested: boolean): OutputResult {
    if (this.failure) return { output: EMPTY, events: [], error: this.failure };
    if (!this.complete || this.writeClosed) return { output: EMPTY, events: [], error: new TlsError('api.misuse', 'KeyUpdate needs a completed, open connection') };
    this.events = [];
    try {
      this.queueKeyUpdate(updateRequested);
      const output = this.outbox.flush(this.record, this.memory);
      return { output, events: this.events };
    } catch (e) {
      const { error, output } = this.fail(e);
      return { output, events: this.events, error };
    }
  }

  /** Frees every block and zeroes every secret. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.releaseHandshakeState();
    for (const s of [this.ownAppSecret, this.peerAppSecret, this.exporter, this.resumption]) s?.zero();
    this.ownAppSecret = this.peerAppSecret = null;
    this.exporter = null;
    this.resumption = null;
    this.record.dispose();
    if (this.keyScheduleBlock) {
      this.keyScheduleBlock.bytes.fill(0);
      this.memory.free(this.keyScheduleBlock);
      this.keyScheduleBlock = null;
    }
    if (this.peerChainBlock) {
      this.memory.free(this.peerChainBlock);
      this.peerChainBlock = null;
    }
    this.hsbuf.release(true);
  }

  // ───────────────────────────── internals ─────────────────────────────

  /** One record during the handshake. */
  private processHandshakeRecord(rec: Uint8Array): void {
    const type = rec[0]!;
    this.readKeyChanged = false;
    if (type === ContentType.change_cipher_spec) {
      // RFC 8446 §5: a change_cipher_spec record of the single byte 0x01 received after the first
      // ClientHello and before the peer's Finished MUST simply be dropped; any other value, or
      // one outside that window, MUST draw an unexpected_message alert. RFC 8446 §5.1: "if a
      // handshake message is split over two or more records, there MUST NOT be any other records
      // between them", so one inside a fragmented message is an unexpected_message too.
      if (this.hsbuf.pendingBytes > 0) throw new TlsError('peer.unexpected_message', 'change_cipher_spec inside a fragmented handshake message');
      if (rec.length === RECORD_HEADER_LENGTH + 1 && rec[5] === 0x01 && this.clientHelloSeen && !this.peerFinishedReceived) return;
      throw new TlsError('peer.unexpected_message', 'change_cipher_spec');
    }
    let opened;
    try {
      opened = this.record.open(rec);
    } catch (e) {
      if (e instanceof TlsError && this.skipRejectedEarlyData(type, e)) return;
      throw e;
    }
    if (opened.type !== ContentType.handshake && this.hsbuf.pendingBytes > 0) {
      // RFC 8446 §5.1: handshake messages MUST NOT be interleaved with other record types.
      throw new TlsError('peer.unexpected_message', 'record interleaved with a fragmented handshake message');
    }
    switch (opened.type) {
      case ContentType.handshake:
        this.processHandshakeContent(opened.content);
        break;
      case ContentType.alert:
        this.processAlert(opened.content);
        break;
      default:
        if (this.skipRejectedEarlyData(type, null)) return;
        throw new TlsError('peer.unexpected_message', `${ContentType[opened.type] ?? opened.type} record during the handshake`);
    }
  }

  /**
   * Handles the handshake messages of one record's content. Whole messages are handled where
   * the record was opened (a C stack decrypts in place in the caller's input buffer); only a
   * message that continues into the next record is copied into the reassembly buffer, and only
   * the bytes that message needs, so the buffer holds one message, not a flight.
   */
  private processHandshakeContent(content: Uint8Array): void {
    while (content.length > 0) {
      if (this.hsbuf.pendingBytes > 0 || this.paused) {
        // Complete the message waiting in the buffer (or, while paused, keep everything).
        const take = this.paused ? content.length : Math.min(this.hsbuf.missing(), content.length);
        this.hsbuf.append(content.subarray(0, take));
        content = content.subarray(take);
        for (;;) {
          if (this.paused) break;
          const m = this.hsbuf.next();
          if (m === null) break;
          this.handleHandshake(m.msgType, m.body, m.raw);
          this.checkKeyChangeBoundary(this.hsbuf.pendingBytes + content.length);
        }
        // Frees the block once nothing is pending; a partial message keeps it.
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
      if (m.body.length > MAX_HANDSHAKE_MESSAGE) throw new TlsError('decode.message_too_large', `handshake message of ${m.body.length} bytes`);
      content = content.subarray(m.next);
      this.handleHandshake(m.msgType, m.body, m.raw);
      this.checkKeyChangeBoundary(content.length);
    }
  }

  /**
   * RFC 8446 §5.1: messages that immediately precede a key change (ServerHello, Finished,
   * KeyUpdate…) MUST align with a record boundary; otherwise unexpected_message.
   */
  private checkKeyChangeBoundary(bytesLeftInRecord: number): void {
    if (this.readKeyChanged && bytesLeftInRecord > 0) {
      throw new TlsError('peer.unexpected_message', 'handshake data after a key change in the same record');
    }
  }

  /** Handles an alert record (RFC 8446 §6). */
  private processAlert(content: Uint8Array): void {
    const a = AlertCodec.decode(content);
    if (a.description === AlertDescription.close_notify) {
      this.readClosed = true;
      this.events.push({ type: 'closeNotify' });
      return;
    }
    if (a.description === AlertDescription.user_canceled && a.level === AlertLevel.warning) {
      this.events.push({ type: 'alert', level: a.level, description: a.description });
      return;
    }
    // RFC 8446 §6: all other alerts are fatal whatever their level (§6.2), and unknown ones are errors.
    throw new TlsError('alert.received', `peer sent ${alertName(a.description)}`, a.description as AlertDescription);
  }

  /** Post-handshake messages in ExpectTraffic: KeyUpdate here, NewSessionTicket in the client. */
  protected handleKeyUpdate(body: Uint8Array): void {
    const ku = KeyUpdateCodec.decode(body);
    // RFC 8446 §4.6.3: a request_update other than 0 or 1 MUST draw an illegal_parameter alert.
    if (ku.requestUpdate !== KeyUpdateRequest.update_not_requested && ku.requestUpdate !== KeyUpdateRequest.update_requested) {
      throw new TlsError('peer.illegal_parameter', `KeyUpdate request_update ${ku.requestUpdate}`);
    }
    const suite = this.requireSuite();
    const old = this.peerAppSecret;
    if (old === null) throw new TlsError('internal.error', 'no peer application secret');
    // RFC 8446 §7.2: the receiver derives application_traffic_secret_N+1 and updates its read keys.
    const next = old.next();
    this.record.installReadKeys(suite, next);
    old.zero();
    this.peerAppSecret = next;
    this.readKeyChanged = true;
    this.events.push({ type: 'keyUpdate', direction: 'read', updateRequested: ku.requestUpdate === KeyUpdateRequest.update_requested });
    // RFC 8446 §4.6.3: on update_requested the receiver MUST send its own KeyUpdate with
    // update_not_requested before its next application data.
    if (ku.requestUpdate === KeyUpdateRequest.update_requested && !this.writeClosed) this.queueKeyUpdate(false);
  }

  /** Queues our KeyUpdate and the switch to the next write secret. */
  private queueKeyUpdate(updateRequested: boolean): void {
    const suite = this.requireSuite();
    const old = this.ownAppSecret;
    if (old === null) throw new TlsError('internal.error', 'no own application secret');
    this.outbox.handshake(handshakeMessage(HandshakeType.key_update, KeyUpdateCodec.encode({
      requestUpdate: updateRequested ? KeyUpdateRequest.update_requested : KeyUpdateRequest.update_not_requested,
    })));
    const next = old.next();
    this.ownAppSecret = next;
    this.outbox.writeKeys(suite, next, () => old.zero());
    this.events.push({ type: 'keyUpdate', direction: 'write', updateRequested });
  }

  /** The suite, or an internal error. */
  protected requireSuite(): CipherSuite {
    const s = this.negotiated.cipherSuite;
    if (s === null) throw new TlsError('internal.error', 'no cipher suite');
    return s;
  }

  /** The key-schedule hash of the negotiated suite. */
  protected ksHash(): KeyScheduleHash {
    return { crypto: this.crypto, hash: this.requireSuite().hash };
  }

  /** The transcript, or an internal error. */
  /**
   * Verifies the peer's CertificateVerify over the transcript so far and adds it to the
   * transcript. `peer` is the role that signed; `offered` the schemes we advertised.
   */
  protected verifyPeerCertificateVerify(body: Uint8Array, raw: Uint8Array, peerLeaf: Uint8Array, peer: 'server' | 'client', offered: readonly SignatureScheme[], publicKeyOf: PublicKeyOf): void {
    const cv = CertificateVerifyCodec.decode(body);
    const scheme = signatureSchemeByCode(cv.algorithm);
    // RFC 8446 §4.4.3: the algorithm MUST be one offered in signature_algorithms, and
    // RFC 8446 §4.2.3: RSASSA-PKCS1-v1_5 MUST NOT be used for handshake signatures.
    if (scheme === undefined || !offered.includes(scheme) || isCertificateOnlyScheme(scheme)) {
      throw new TlsError('peer.illegal_parameter', `CertificateVerify algorithm 0x${cv.algorithm.toString(16)}`);
    }
    const key = publicKeyOf(peerLeaf);
    if (key instanceof TlsError) throw key;
    const transcript = this.requireTranscript();
    // RFC 8446 §4.4.3: if verification fails the receiver MUST abort with decrypt_error.
    if (!this.crypto.verify(scheme, key, certificateVerifyContent(peer, transcript.current()), cv.signature)) {
      throw new TlsError('peer.decrypt_error', `${peer} CertificateVerify does not verify`);
    }
    this.negotiated.peerSignatureScheme = scheme;
    transcript.add(raw);
  }

  /** Verifies the peer's Finished under its handshake traffic secret and adds it to the transcript. */
  protected verifyPeerFinished(body: Uint8Array, raw: Uint8Array, peerSecret: HandshakeTrafficSecret, peer: 'server' | 'client'): void {
    const fin = FinishedCodec.decode(body);
    // RFC 8446 §4.4.4: verify_data is Hash.length bytes; a Finished of any other length does not
    // parse as the message (RFC 8446 §6.2: decode_error), before any MAC comparison.
    if (fin.verifyData.length !== this.requireSuite().hashLength) {
      throw new TlsError('decode.malformed', `${peer} Finished of ${fin.verifyData.length} bytes`);
    }
    const transcript = this.requireTranscript();
    const fk = peerSecret.finishedKey();
    const expected = fk.verifyData(transcript.current());
    fk.zero();
    // RFC 8446 §4.4.4: recipients MUST verify Finished and abort with decrypt_error if incorrect.
    if (!this.crypto.equal(expected, fin.verifyData)) throw new TlsError('peer.decrypt_error', `${peer} Finished does not verify`);
    transcript.add(raw);
    this.peerFinishedReceived = true;
  }

  protected requireTranscript(): Transcript {
    if (this.transcript === null) throw new TlsError('internal.error', 'no transcript');
    return this.transcript;
  }

  /** Charges the key schedule block once the suite is known. */
  protected allocKeySchedule(): void {
    if (this.keyScheduleBlock === null) {
      this.keyScheduleBlock = allocOrThrow(this.memory, 'general', keyScheduleSize(this.requireSuite().hashLength), TLS_TAGS.keySchedule);
    }
  }

  /** Generates a key share charged to `tls.keyShare`. */
  protected newKeyShare(group: GroupName): KeyShare {
    const block = allocOrThrow(this.memory, 'general', KEY_SHARE_SIZE[group], TLS_TAGS.keyShare);
    try {
      const share = this.crypto.generateKeyShare(group);
      this.keyShares.push({ share, block });
      return share;
    } catch (e) {
      this.memory.free(block);
      throw e;
    }
  }

  /** Destroys and frees all held key shares (after ECDH). */
  protected releaseKeyShares(): void {
    for (const k of this.keyShares) {
      k.share.destroy();
      this.memory.free(k.block);
    }
    this.keyShares = [];
  }

  /** Stores the peer chain (DER) in a `tls.peerCertChain` block. */
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

  /** Frees what only the handshake needs (transcript, reassembly, key shares, transient secrets, tickets). */
  protected releaseHandshakeState(keepReassembly = false): void {
    this.transcript?.dispose();
    this.transcript = null;
    this.releaseKeyShares();
    for (const s of this.transientSecrets) s.zero();
    this.transientSecrets = [];
    this.hsbuf.release(!keepReassembly);
    for (const b of this.extraBlocks) {
      b.bytes.fill(0);
      this.memory.free(b);
    }
    this.extraBlocks.clear();
  }

  /** Marks the handshake complete and frees its transient state. */
  protected finishHandshake(): void {
    this.complete = true;
    // The reassembly buffer is released once the current record is done (alignment check first).
    this.releaseHandshakeState(true);
    this.events.push({ type: 'handshakeComplete', resumed: this.negotiated.resumed });
  }

  /** Records the failure, builds the alert record, frees transient state. */
  protected fail(e: unknown): { error: TlsError; output: Uint8Array } {
    if (this.failure) return { error: this.failure, output: EMPTY };
    const error = toTlsError(e);
    this.failure = error;
    this.outbox.clear();
    let output = EMPTY;
    const alert = alertFor(error);
    if (alert !== null && !this.writeClosed && !this.disposed) {
      try {
        this.outbox.alert(AlertLevel.fatal, alert);
        output = this.outbox.flush(this.record, this.memory);
      } catch {
        output = EMPTY;
        this.outbox.clear();
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

  /** The protocol version constant (for subclasses). */
  protected static readonly TLS13 = ProtocolVersion.TLS13;
}
