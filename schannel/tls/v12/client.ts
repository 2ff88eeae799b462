/**
 * The TLS 1.2 client handshake (RFC 5246 §7.3, RFC 8422 for ECDHE, §7.4.7.1 for static RSA), as
 * the states of {@link CLIENT12_TABLE}. Used on its own for a TLS-1.2-only credential, or taken
 * over by the version dispatcher when a dual-version ClientHello draws a TLS 1.2 ServerHello.
 */
// errors.js before codec/alert.js: the two import each other, and errors' table needs alert's enum first.
import { TlsError, toTlsError } from '../errors.js';
import type { GroupName, PrivateKey, PublicKey, SignatureScheme } from '../../crypto/types.js';
import { InvalidKeyShareError } from '../../crypto/provider.js';
import { AlertDescription, AlertLevel } from '../codec/alert.js';
import {
  DOWNGRADE_TLS11, DOWNGRADE_TLS12, ExtensionType, HandshakeType, NAMED_GROUPS, ProtocolVersion, SIGNATURE_SCHEMES,
  groupByCode, signatureSchemeByCode,
} from '../codec/constants.js';
import { AlpnExt, EmptyExt, type Extension, RecordSizeLimitExt, ServerNameListExt, U16ListExt, findExtension } from '../codec/extensions.js';
import { CertificateVerifyCodec, type ClientHello, ClientHelloCodec, ServerHelloCodec } from '../codec/handshake.js';
import type { OutputResult, Tls12Session, TlsEnv } from '../config.js';
import { Transcript } from '../transcript.js';
import { checkNoDuplicates, fromUtf8, handshakeMessage } from '../util.js';
import {
  Certificate12Codec, CertificateRequest12Codec, EcPointFormatsExt, EcdheClientKeyExchangeCodec, MaxFragmentLengthExt,
  NewSessionTicket12Codec, RenegotiationInfoExt, RsaClientKeyExchangeCodec, Tls12EcdheServerKeyExchangeCodec, Tls12ExtensionType,
  Tls12ServerHelloDoneCodec, encodeEcdheParams, maxFragmentBytes,
} from './codec.js';
import {
  DEFAULT_TLS12_GROUPS, DEFAULT_TLS12_SIGNATURE_SCHEMES, TLS12_SCHEME_READING, configuredSuites, serverKeyExchangeSignedContent, suiteFitsKey,
  tls12ClientExtensions, tls12SchemesForKey,
} from './common.js';
import { TLS12_SESSION_LIFETIME_SECONDS, type Tls12ClientConfig } from './config.js';
import { Tls12Connection, concat } from './connection.js';
import { HandshakeLog } from './hslog.js';
import { TLS12_TAGS } from './prf.js';
import { CLIENT12_TABLE, type Client12State, type Event12, accept, step } from './states.js';
import { type Tls12Suite, TLS_EMPTY_RENEGOTIATION_INFO_SCSV, tls12SuiteByCode } from './suites.js';

const EMPTY: Uint8Array = new Uint8Array(0);

/** A ClientHello already sent (by the TLS 1.3 client, for a dual-version offer). */
export interface SentClientHello {
  /** The handshake message as sent (header included). */
  raw: Uint8Array;
}

/** A TLS 1.2 client connection. */
export class Tls12Client extends Tls12Connection {
  /** Always 'client'. */
  readonly role = 'client' as const;
  private state: Client12State = 'Start';
  private readonly suites: Tls12Suite[];
  private groups: GroupName[];
  private sigSchemes: SignatureScheme[];
  private offered = new Set<number>();
  private offeredSuites = new Set<number>();
  /** The session ID sent in ClientHello (a cached session's, to resume it). */
  private offeredSessionId: Uint8Array = EMPTY;
  /** A NewSessionTicket received in this handshake (RFC 5077 §3.3), held in a handshake block. */
  private newTicket: { ticket: Uint8Array; lifetimeHint: number } | null = null;
  private peerKey: PublicKey | null = null;
  private serverPoint: { group: GroupName; point: Uint8Array } | null = null;
  private certRequest: { schemes: SignatureScheme[]; types: number[] } | null = null;
  private readonly log: HandshakeLog;
  private mflCode: number | null = null;
  /** Whether ServerHello carried session_ticket (RFC 5077 §3.2). */
  private ticketPromised = false;

  /**
   * @param config client settings
   * @param env crypto, memory, clock
   */
  constructor(private readonly config: Tls12ClientConfig, env: TlsEnv) {
    super(env);
    this.suites = configuredSuites(config.tls12Suites);
    this.groups = config.groups ?? [...DEFAULT_TLS12_GROUPS];
    this.sigSchemes = config.tls12SignatureSchemes ?? [...DEFAULT_TLS12_SIGNATURE_SCHEMES];
    this.log = new HandshakeLog(env.memory);
    if (config.serverName !== undefined) this.negotiated.serverName = config.serverName;
  }

  /** Current state (tests, diagnostics). */
  get handshakeState(): Client12State {
    return this.state;
  }
  protected override get paused(): boolean {
    return this.state === 'AwaitClientCertificate';
  }
  protected override get started(): boolean {
    return this.state !== 'Start';
  }

  private goto(on: Event12, next: Client12State): void {
    this.state = step(CLIENT12_TABLE, this.state, on, next);
  }

  /** Builds and returns the ClientHello of a TLS-1.2-only offer. */
  start(): OutputResult {
    if (this.failure) return { output: EMPTY, events: [], error: this.failure };
    if (this.state !== 'Start') return { output: EMPTY, events: [], error: new TlsError('api.misuse', 'start() called twice') };
    this.events = [];
    try {
      this.validateConfig();
      this.transcript = new Transcript(this.crypto, this.memory, ['sha256', 'sha384']);
      this.clientRandom = this.crypto.random(32);
      // RFC 5246 §7.4.1.2 / RFC 5077 §3.4: a cached session's ID goes in session_id.
      this.offeredSessionId = this.config.session12?.sessionId.slice() ?? EMPTY;
      const exts = tls12ClientExtensions(this.config, { forDualHello: false });
      let ch: ClientHello = {
        legacyVersion: ProtocolVersion.TLS12,
        random: this.clientRandom,
        legacySessionId: this.offeredSessionId,
        cipherSuites: this.suites.map((s) => s.code),
        legacyCompressionMethods: Uint8Array.of(0),
        extensions: exts,
      };
      if (this.config.clientHelloHook) ch = this.config.clientHelloHook(ch);
      const raw = handshakeMessage(HandshakeType.client_hello, ClientHelloCodec.encode(ch));
      this.noteOffer(ch);
      this.addToTranscript(raw);
      // RFC 5246 App. E.1: the first record's version is commonly {03,01} for compatibility.
      this.flight.handshake(raw, ProtocolVersion.TLS10);
      this.goto('api', 'ExpectServerHello');
      return { output: this.flight.flush(this.record, this.memory), events: this.events };
    } catch (e) {
      const { error, output } = this.fail(e);
      return { output, events: this.events, error };
    }
  }

  /**
   * Takes over after a dual-version ClientHello sent by the TLS 1.3 client: the same random,
   * offers and transcript start, waiting for the ServerHello (no output).
   */
  adoptClientHello(sent: SentClientHello): { error?: TlsError } {
    if (this.state !== 'Start') return { error: new TlsError('api.misuse', 'adoptClientHello() after start()') };
    try {
      this.validateConfig();
      const ch = ClientHelloCodec.decode(sent.raw.subarray(4));
      this.transcript = new Transcript(this.crypto, this.memory, ['sha256', 'sha384']);
      this.clientRandom = ch.random.slice();
      this.offeredSessionId = ch.legacySessionId.slice();
      // What the wire offered is what the server may pick from.
      const exts = ch.extensions ?? [];
      const sg = findExtension(exts, ExtensionType.supported_groups);
      if (sg) this.groups = U16ListExt.decode(sg.data).map(groupByCode).filter((g): g is GroupName => g !== undefined);
      const sa = findExtension(exts, ExtensionType.signature_algorithms);
      if (sa) this.sigSchemes = U16ListExt.decode(sa.data).map(signatureSchemeByCode).filter((x): x is SignatureScheme => x !== undefined);
      this.noteOffer(ch);
      this.addToTranscript(sent.raw);
      this.goto('api', 'ExpectServerHello');
      return {};
    } catch (e) {
      return { error: this.fail(e).error };
    }
  }

  private noteOffer(ch: ClientHello): void {
    this.offered = new Set((ch.extensions ?? []).map((e) => e.type));
    this.offeredSuites = new Set(ch.cipherSuites);
    const mfl = findExtension(ch.extensions ?? [], Tls12ExtensionType.max_fragment_length);
    this.mflCode = mfl ? MaxFragmentLengthExt.decode(mfl.data) : null;
  }

  private validateConfig(): void {
    const c = this.config;
    if (this.suites.length === 0 || this.groups.length === 0) throw new TlsError('api.config', 'no TLS 1.2 cipher suites or groups');
    if (!c.verifyPeerCertificate || !c.publicKeyOf) throw new TlsError('api.config', 'verifyPeerCertificate and publicKeyOf are required');
    if ((c.certificateChain && !c.privateKey) || (!c.certificateChain && c.privateKey)) throw new TlsError('api.config', 'certificateChain and privateKey go together');
    if (c.maxFragmentLength !== undefined && maxFragmentBytes(c.maxFragmentLength) === undefined) throw new TlsError('api.config', 'maxFragmentLength must be 1..4');
  }

  /** Adds to the transcript, and to the log while client authentication is possible. */
  private addToTranscript(raw: Uint8Array): void {
    this.requireTranscript().add(raw);
    if (this.state === 'Start' || this.state === 'ExpectServerHello' || this.state === 'ExpectCertificate' || this.state === 'ExpectServerKeyExchange'
      || this.state === 'ExpectCertificateRequestOrDone' || this.state === 'ExpectServerHelloDone' || this.certRequest !== null) {
      if (this.config.certificateChain !== undefined || this.config.certificateChain === undefined) this.log.add(raw);
    }
  }

  protected override handleHandshake(msgType: number, body: Uint8Array, raw: Uint8Array): void {
    const from = this.state;
    accept(CLIENT12_TABLE, from, msgType);
    switch (from) {
      case 'ExpectServerHello':
        return this.goto(msgType, this.onServerHello(body, raw));
      case 'ExpectCertificate':
        return this.goto(msgType, this.onCertificate(body, raw));
      case 'ExpectServerKeyExchange':
        return this.goto(msgType, this.onServerKeyExchange(body, raw));
      case 'ExpectCertificateRequestOrDone':
      case 'ExpectServerHelloDone':
        if (msgType === HandshakeType.certificate_request) return this.goto(msgType, this.onCertificateRequest(body, raw));
        return this.goto(msgType, this.onServerHelloDone(body, raw));
      case 'ExpectFinished':
        return this.goto(msgType, this.onFinished(body, raw));
      case 'ExpectTicketOrCcs':
      case 'ExpectResumedTicketOrCcs':
        return this.goto(msgType, this.onNewSessionTicket(body, raw, from));
      case 'ExpectResumedFinished':
        return this.goto(msgType, this.onResumedFinished(body, raw));
      default:
        throw new TlsError('internal.error', `no handler in ${from}`);
    }
  }

  protected override handleChangeCipherSpec(): void {
    const from = this.state;
    accept(CLIENT12_TABLE, from, 'ccs');
    // RFC 5246 §7.1: the pending read state becomes current.
    this.record.activateRead();
    this.goto('ccs', from === 'ExpectResumedTicketOrCcs' || from === 'ExpectResumedCcs' ? 'ExpectResumedFinished' : 'ExpectFinished');
  }

  protected override handlePostHandshake(msgType: number, body: Uint8Array): void {
    if (msgType === HandshakeType.hello_request) {
      // RFC 5246 §7.4.1.1: HelloRequest is empty; a client may decline it. cesim's engine does
      // not renegotiate: it reports the request (Schannel: SEC_I_RENEGOTIATE) and answers with
      // the warning no_renegotiation (RFC 5246 §7.2.2), keeping the connection.
      if (body.length !== 0) throw new TlsError('decode.malformed', 'HelloRequest is empty');
      this.events.push({ type: 'renegotiationRequested' });
      if (!this.writeClosed) this.flight.alert(AlertLevel.warning, AlertDescription.no_renegotiation);
      return;
    }
    throw new TlsError('peer.unexpected_message', `handshake message ${msgType} after the handshake`);
  }

  private onServerHello(body: Uint8Array, raw: Uint8Array): Client12State {
    const sh = ServerHelloCodec.decode(body);
    const exts = sh.extensions ?? [];
    // RFC 5246 §7.4.1.3 / App. E.1: a server_version below what we support is a protocol_version failure.
    if (sh.legacyVersion < ProtocolVersion.TLS12) {
      throw new TlsError('incompatible.protocol_version', `server chose ${sh.legacyVersion === ProtocolVersion.TLS11 ? 'TLS 1.1' : sh.legacyVersion === ProtocolVersion.TLS10 ? 'TLS 1.0' : `version 0x${sh.legacyVersion.toString(16)}`}, which cesim does not speak`);
    }
    if (sh.legacyVersion !== ProtocolVersion.TLS12) throw new TlsError('peer.illegal_parameter', `server_version 0x${sh.legacyVersion.toString(16)}`);
    // RFC 8446 §4.2.1: a TLS 1.2 ServerHello carries no supported_versions.
    if (findExtension(exts, ExtensionType.supported_versions) !== undefined) throw new TlsError('peer.illegal_parameter', 'supported_versions in a TLS 1.2 ServerHello');
    // RFC 8446 §4.1.3: a client that offered TLS 1.3 MUST check the downgrade sentinel and abort with illegal_parameter.
    if (this.config.offeredTls13) {
      const tail = sh.random.subarray(24);
      if (this.crypto.equal(tail, DOWNGRADE_TLS12) || this.crypto.equal(tail, DOWNGRADE_TLS11)) {
        throw new TlsError('peer.illegal_parameter', 'downgrade sentinel in ServerHello.random');
      }
    }
    const suite = tls12SuiteByCode(sh.cipherSuite);
    // RFC 5246 §7.4.1.3: the suite MUST be one the client offered.
    if (suite === undefined || !this.offeredSuites.has(sh.cipherSuite) || sh.cipherSuite === TLS_EMPTY_RENEGOTIATION_INFO_SCSV) {
      throw new TlsError('peer.illegal_parameter', `cipher_suite 0x${sh.cipherSuite.toString(16)} not offered`);
    }
    // RFC 5246 §7.4.1.3: the compression method MUST be one offered (only null).
    if (sh.legacyCompressionMethod !== 0) throw new TlsError('peer.illegal_parameter', 'compression_method');
    checkNoDuplicates(exts, 'ServerHello');
    let ems = false;
    let etm = false;
    let reneg = false;
    for (const e of exts) {
      // RFC 5246 §7.4.1.4: an extension the client did not offer MUST draw unsupported_extension.
      if (!this.offered.has(e.type)) throw new TlsError('peer.unsupported_extension', `ServerHello extension ${e.type} not offered`);
      switch (e.type) {
        case ExtensionType.extended_master_secret:
          EmptyExt.decode(e.data);
          ems = true;
          break;
        case Tls12ExtensionType.encrypt_then_mac:
          EmptyExt.decode(e.data);
          // RFC 7366 §3: a server selecting an AEAD suite MUST NOT send encrypt_then_mac.
          if (suite.protection.kind !== 'cbc') throw new TlsError('peer.illegal_parameter', 'encrypt_then_mac with an AEAD suite');
          etm = true;
          break;
        case ExtensionType.renegotiation_info: {
          // RFC 5746 §3.4: on an initial handshake renegotiated_connection MUST be empty, else handshake_failure.
          const rc = RenegotiationInfoExt.decode(e.data);
          if (rc.length !== 0) throw new TlsError('incompatible.handshake_failure', 'non-empty renegotiation_info in an initial handshake');
          reneg = true;
          break;
        }
        case ExtensionType.ec_point_formats: {
          // RFC 8422 §5.2: the server's list must contain uncompressed (0).
          if (!EcPointFormatsExt.decode(e.data).includes(0)) throw new TlsError('peer.illegal_parameter', 'ec_point_formats without uncompressed');
          break;
        }
        case ExtensionType.server_name:
          // RFC 6066 §3: the server's server_name is empty.
          EmptyExt.decode(e.data);
          break;
        case ExtensionType.application_layer_protocol_negotiation: {
          const names = AlpnExt.decode(e.data);
          const name = fromUtf8(names[0]!);
          // RFC 7301 §3.1: exactly one protocol, one the client offered.
          if (names.length !== 1 || !(this.config.alpn ?? []).includes(name)) throw new TlsError('peer.illegal_parameter', `ALPN ${name} not offered`);
          this.negotiated.alpn = name;
          break;
        }
        case Tls12ExtensionType.max_fragment_length: {
          // RFC 6066 §4: the server echoes the same value, else illegal_parameter.
          const code = MaxFragmentLengthExt.decode(e.data);
          if (code !== this.mflCode) throw new TlsError('peer.illegal_parameter', `max_fragment_length ${code}`);
          const bytes = maxFragmentBytes(code)!;
          this.record.setSendLimit(bytes);
          this.record.setReceiveLimit(bytes);
          break;
        }
        case ExtensionType.record_size_limit: {
          // RFC 8449 §4: the largest plaintext the server takes in a record (TLS 1.2: no content
          // type byte); below 64 MUST draw illegal_parameter. §5: not together with max_fragment_length.
          const limit = RecordSizeLimitExt.decode(e.data);
          if (limit < 64) throw new TlsError('peer.illegal_parameter', `record_size_limit ${limit}`);
          if (findExtension(exts, Tls12ExtensionType.max_fragment_length)) throw new TlsError('peer.illegal_parameter', 'record_size_limit with max_fragment_length');
          this.record.setSendLimit(limit);
          if (this.config.recordSizeLimit !== undefined) this.record.setReceiveLimit(this.config.recordSizeLimit);
          break;
        }
        case ExtensionType.session_ticket:
          // RFC 5077 §3.2: empty; it promises a NewSessionTicket.
          EmptyExt.decode(e.data);
          this.ticketPromised = true;
          break;
        default:
          // Anything else offered is not taken from a TLS 1.2 server by cesim's client.
          throw new TlsError('peer.unsupported_extension', `ServerHello extension ${e.type}`);
      }
    }
    // RFC 7627 §5.3: abort (handshake_failure) when the server does not do the extended master secret and we require it.
    if (!ems && (this.config.requireExtendedMasterSecret ?? true)) {
      throw new TlsError('incompatible.handshake_failure', 'server does not support the extended master secret (RFC 7627)');
    }
    this.serverRandom = sh.random.slice();
    this.negotiated.suite = suite;
    this.negotiated.extendedMasterSecret = ems;
    this.negotiated.encryptThenMac = etm;
    this.negotiated.secureRenegotiation = reneg;
    this.sessionIdBytes = sh.legacySessionIdEcho.slice();
    this.requireTranscript().select(suite.prfHash);
    const session = this.config.session12;
    // RFC 5246 §7.4.1.3 / RFC 5077 §3.4: the server echoing the offered session ID resumes it.
    if (session !== undefined && this.offeredSessionId.length > 0 && this.crypto.equal(sh.legacySessionIdEcho, this.offeredSessionId)) {
      // RFC 5246 §7.4.1.3: a resumed session keeps its suite; RFC 7627 §5.3: and its extended master secret.
      if (session.suite !== suite.name) throw new TlsError('peer.illegal_parameter', `resumed session with ${suite.name}, not its ${session.suite}`);
      if (session.extendedMasterSecret !== ems) throw new TlsError('incompatible.handshake_failure', 'resumption changes the extended master secret (RFC 7627 §5.3)');
      this.negotiated.resumed = true;
      this.addToTranscript(raw);
      this.log.release();
      this.installMasterSecret(session.masterSecret.slice());
      return 'ExpectResumedTicketOrCcs';
    }
    this.addToTranscript(raw);
    return 'ExpectCertificate';
  }

  private onCertificate(body: Uint8Array, raw: Uint8Array): Client12State {
    const chain = Certificate12Codec.decode(body);
    // RFC 5246 §7.4.2: the server's Certificate carries its chain; an empty one is unusable.
    if (chain.length === 0) throw new TlsError('decode.malformed', 'empty server Certificate');
    this.storePeerChain(chain);
    const leaf = this.peerCertificateChain[0]!;
    const ctx = this.config.serverName !== undefined ? { serverName: this.config.serverName, usage: 'serverAuth' as const } : { usage: 'serverAuth' as const };
    const verdict = this.config.verifyPeerCertificate!(this.peerCertificateChain, ctx);
    if (verdict !== null) throw verdict;
    const key = this.config.publicKeyOf!(leaf);
    if (key instanceof TlsError) throw key;
    const suite = this.requireSuite();
    // RFC 5246 §7.4.2 / RFC 8422 §5.3: the key MUST fit the suite's key exchange.
    if (!suiteFitsKey(suite, key)) throw new TlsError('certificate.unsupported', `a ${key.kind} certificate cannot serve ${suite.name}`);
    this.peerKey = key;
    this.addToTranscript(raw);
    return suite.keyExchange === 'ecdhe' ? 'ExpectServerKeyExchange' : 'ExpectCertificateRequestOrDone';
  }

  private onServerKeyExchange(body: Uint8Array, raw: Uint8Array): Client12State {
    const ske = Tls12EcdheServerKeyExchangeCodec.decode(body);
    const group = groupByCode(ske.namedCurve);
    // RFC 8422 §5.4: the curve MUST be one the client offered.
    if (group === undefined || !this.groups.includes(group)) throw new TlsError('peer.illegal_parameter', `ServerKeyExchange curve 0x${ske.namedCurve.toString(16)} not offered`);
    const scheme = signatureSchemeByCode(ske.signatureScheme);
    // RFC 5246 §7.4.3: the signature algorithm MUST be one offered in signature_algorithms.
    if (scheme === undefined || !this.sigSchemes.includes(scheme)) throw new TlsError('peer.illegal_parameter', `ServerKeyExchange signature 0x${ske.signatureScheme.toString(16)} not offered`);
    const params = encodeEcdheParams({ namedCurve: ske.namedCurve, point: ske.point });
    const content = serverKeyExchangeSignedContent(this.clientRandom, this.serverRandom, params);
    // RFC 5246 §7.4.3: a signature that does not verify is decrypt_error.
    if (!this.crypto.verify(scheme, this.peerKey!, content, ske.signature, TLS12_SCHEME_READING)) throw new TlsError('peer.decrypt_error', 'ServerKeyExchange signature does not verify');
    this.negotiated.peerSignatureScheme = scheme;
    const held = this.holdHandshakeBytes(ske.point.length, TLS12_TAGS.serverKeyExchange);
    held.bytes.set(ske.point);
    this.serverPoint = { group, point: held.bytes };
    this.addToTranscript(raw);
    return 'ExpectCertificateRequestOrDone';
  }

  private onCertificateRequest(body: Uint8Array, raw: Uint8Array): Client12State {
    const cr = CertificateRequest12Codec.decode(body);
    const schemes = cr.signatureAlgorithms.map(signatureSchemeByCode).filter((s): s is SignatureScheme => s !== undefined);
    this.certRequest = { schemes, types: cr.certificateTypes };
    this.addToTranscript(raw);
    return 'ExpectServerHelloDone';
  }

  private onServerHelloDone(body: Uint8Array, raw: Uint8Array): Client12State {
    Tls12ServerHelloDoneCodec.decode(body);
    this.addToTranscript(raw);
    if (this.certRequest === null) this.log.release();
    if (this.certRequest !== null && !(this.config.certificateChain && this.config.privateKey)) {
      this.events.push({ type: 'needClientCertificate', signatureSchemes: this.certRequest.schemes });
      return 'AwaitClientCertificate';
    }
    this.sendClientFlight(this.config.certificateChain ?? null, this.config.privateKey ?? null);
    return 'ExpectTicketOrCcs';
  }

  /**
   * Resumes a handshake paused with `needClientCertificate` (SEC_I_INCOMPLETE_CREDENTIALS):
   * Certificate (empty when `chain`/`key` are null, RFC 5246 §7.4.6), ClientKeyExchange,
   * CertificateVerify, ChangeCipherSpec, Finished.
   */
  provideClientCertificate(chain: Uint8Array[] | null, key: PrivateKey | null, _schemes?: SignatureScheme[]): OutputResult {
    if (this.failure) return { output: EMPTY, events: [], error: this.failure };
    if (this.state !== 'AwaitClientCertificate') return { output: EMPTY, events: [], error: new TlsError('api.misuse', 'no client certificate was asked for') };
    this.events = [];
    try {
      this.sendClientFlight(chain, key);
      this.goto('api', 'ExpectTicketOrCcs');
      return { output: this.flight.flush(this.record, this.memory), events: this.events };
    } catch (e) {
      const { error, output } = this.fail(e);
      return { output, events: this.events, error };
    }
  }

  private sendClientFlight(chain: Uint8Array[] | null, key: PrivateKey | null): void {
    const suite = this.requireSuite();
    const transcript = this.requireTranscript();
    let signWith: { scheme: SignatureScheme; key: PrivateKey } | null = null;
    if (this.certRequest !== null) {
      // RFC 5246 §7.4.6: the client picks a scheme the server listed that its key can sign with.
      const scheme = chain && chain.length > 0 && key ? (tls12SchemesForKey(key).find((s) => this.certRequest!.schemes.includes(s)) ?? null) : null;
      const list = scheme !== null ? chain! : [];
      const msg = handshakeMessage(HandshakeType.certificate, Certificate12Codec.encode(list));
      this.addToTranscript(msg);
      this.flight.handshake(msg);
      if (scheme !== null) signWith = { scheme, key: key! };
    }
    // ClientKeyExchange.
    let premaster: Uint8Array;
    let cke: Uint8Array;
    if (suite.keyExchange === 'ecdhe') {
      const sp = this.serverPoint;
      if (sp === null) throw new TlsError('internal.error', 'no ServerKeyExchange');
      const share = this.newKeyShare(sp.group);
      try {
        // RFC 8422 §5.10: the premaster is the x-coordinate, leading zeros kept.
        premaster = share.agree(sp.point);
      } catch (e) {
        // RFC 8422 §5.4 / RFC 7748 §6.1: an invalid point or an all-zero X25519 result aborts (illegal_parameter).
        if (e instanceof InvalidKeyShareError) throw new TlsError('peer.illegal_parameter', e.message);
        throw e;
      }
      this.negotiated.group = sp.group;
      cke = EcdheClientKeyExchangeCodec.encode(share.publicKey);
      this.releaseKeyShare();
    } else {
      // RFC 5246 §7.4.7.1: premaster = client_version (the one in the ClientHello, 3,3) || 46 random bytes.
      const held = this.holdHandshakeBytes(48, TLS12_TAGS.premaster);
      held.bytes[0] = 3;
      held.bytes[1] = 3;
      held.bytes.set(this.crypto.random(46), 2);
      premaster = held.bytes.slice();
      cke = RsaClientKeyExchangeCodec.encode(this.crypto.rsaEncrypt(this.peerKey!, premaster));
    }
    const ckeMsg = handshakeMessage(HandshakeType.client_key_exchange, cke);
    this.addToTranscript(ckeMsg);
    this.flight.handshake(ckeMsg);
    const prf = this.prf();
    // RFC 7627 §4: session_hash = Hash(ClientHello … ClientKeyExchange).
    const master = this.negotiated.extendedMasterSecret
      ? prf.masterSecret(premaster, { extended: true, sessionHash: transcript.current() })
      : prf.masterSecret(premaster, { extended: false, clientRandom: this.clientRandom, serverRandom: this.serverRandom });
    premaster.fill(0);
    if (this.config.keyLog) this.config.keyLog('CLIENT_RANDOM', this.clientRandom, master);
    this.installMasterSecret(master);
    if (signWith !== null) {
      // RFC 5246 §7.4.8: CertificateVerify signs handshake_messages from ClientHello up to here.
      const signature = this.crypto.sign(signWith.scheme, signWith.key, this.log.contents(), TLS12_SCHEME_READING);
      const cv = handshakeMessage(HandshakeType.certificate_verify, CertificateVerifyCodec.encode({ algorithm: SIGNATURE_SCHEMES[signWith.scheme], signature }));
      this.addToTranscript(cv);
      this.flight.handshake(cv);
      this.negotiated.signatureScheme = signWith.scheme;
    }
    this.log.release();
    this.queueFinished();
  }

  private onFinished(body: Uint8Array, raw: Uint8Array): Client12State {
    this.verifyPeerFinished(body, raw);
    this.reportSession();
    this.finishHandshake();
    return 'Traffic';
  }

  /** RFC 5077 §3.3: the server's NewSessionTicket, before its ChangeCipherSpec; held in a `tls12.sessionTicket` block. */
  private onNewSessionTicket(body: Uint8Array, raw: Uint8Array, from: Client12State): Client12State {
    const nst = NewSessionTicket12Codec.decode(body);
    // RFC 5077 §3.3: only a server that sent the empty session_ticket extension sends it.
    if (!this.ticketPromised) throw new TlsError('peer.unexpected_message', 'NewSessionTicket without the session_ticket extension');
    const held = this.holdHandshakeBytes(Math.max(1, nst.ticket.length), TLS12_TAGS.sessionTicket);
    held.bytes.set(nst.ticket);
    this.newTicket = { ticket: held.bytes.subarray(0, nst.ticket.length), lifetimeHint: nst.lifetimeHint };
    this.addToTranscript(raw);
    return from === 'ExpectTicketOrCcs' ? 'ExpectCcs' : 'ExpectResumedCcs';
  }

  /** RFC 5246 §7.3 Figure 2: the server's Finished, then ours. */
  private onResumedFinished(body: Uint8Array, raw: Uint8Array): Client12State {
    this.verifyPeerFinished(body, raw);
    this.queueFinished();
    this.reportSession();
    this.finishHandshake();
    return 'Traffic';
  }

  /** The `session12` event: the session to cache (a session ID and/or ticket to resume with). */
  private reportSession(): void {
    const old = this.negotiated.resumed ? this.config.session12 : undefined;
    const ticket = this.newTicket?.ticket.slice() ?? (old?.ticket ? old.ticket.slice() : null);
    if (this.sessionIdBytes.length === 0 && ticket === null) return;
    const s: Tls12Session = {
      sessionId: this.sessionIdBytes.slice(),
      ticket,
      masterSecret: this.masterSecret().slice(),
      suite: this.requireSuite().name,
      extendedMasterSecret: this.negotiated.extendedMasterSecret,
      lifetimeSeconds: this.newTicket && this.newTicket.lifetimeHint > 0 ? this.newTicket.lifetimeHint : (old?.lifetimeSeconds ?? TLS12_SESSION_LIFETIME_SECONDS),
      createdAtMs: old?.createdAtMs ?? this.env.nowMs(),
    };
    if (this.negotiated.serverName !== null) s.serverName = this.negotiated.serverName;
    if (this.negotiated.alpn !== null) s.alpn = this.negotiated.alpn;
    this.events.push({ type: 'session12', session: s });
  }

  protected override releaseHandshakeState(): void {
    this.log.release();
    super.releaseHandshakeState();
  }

  /** Wraps unexpected exceptions from hooks. */
  protected override fail(e: unknown): { error: TlsError; output: Uint8Array } {
    return super.fail(toTlsError(e));
  }
}

/** Marks unused imports as used for the type checker where only types are needed. */
export type _Unused = Extension | typeof ServerNameListExt | typeof NAMED_GROUPS | typeof concat;
