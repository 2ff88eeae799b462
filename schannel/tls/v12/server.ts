/**
 * The TLS 1.2 server handshake (RFC 5246 §7.3; ECDHE per RFC 8422, static RSA per §7.4.7.1), as
 * the states of {@link SERVER12_TABLE}. The version dispatcher hands it a ClientHello that does
 * not offer TLS 1.3 (or any ClientHello when TLS 1.3 is disabled).
 */
// errors.js before codec/alert.js: the two import each other, and errors' table needs alert's enum first.
import { TlsError } from '../errors.js';
import type { GroupName, PrivateKey, SignatureScheme } from '../../crypto/types.js';
import { InvalidKeyShareError } from '../../crypto/provider.js';
import { AlertDescription, AlertLevel } from '../codec/alert.js';
import {
  DOWNGRADE_TLS12, ExtensionType, HandshakeType, NAMED_GROUPS, ProtocolVersion, SIGNATURE_SCHEMES, groupByCode, signatureSchemeByCode,
} from '../codec/constants.js';
import {
  AlpnExt, EmptyExt, type Extension, ServerNameListExt, SupportedVersionsClientExt, U16ListExt, findExtension,
} from '../codec/extensions.js';
import { CertificateVerifyCodec, type ClientHello, ClientHelloCodec, ServerHelloCodec } from '../codec/handshake.js';
import type { ServerCertificate, Tls12Session, TlsEnv } from '../config.js';
import { Transcript } from '../transcript.js';
import { checkNoDuplicates, fromUtf8, handshakeMessage, utf8 } from '../util.js';
import {
  Certificate12Codec, CertificateRequest12Codec, ClientCertificateType, EcPointFormatsExt, EcdheClientKeyExchangeCodec,
  MaxFragmentLengthExt, NewSessionTicket12Codec, RenegotiationInfoExt, RsaClientKeyExchangeCodec, Tls12EcdheServerKeyExchangeCodec, Tls12ExtensionType,
  Tls12ServerHelloDoneCodec, encodeEcdheParams, maxFragmentBytes,
} from './codec.js';
import {
  DEFAULT_TLS12_GROUPS, DEFAULT_TLS12_SIGNATURE_SCHEMES, TLS12_SCHEME_READING, configuredSuites, rsaPremaster, serverKeyExchangeSignedContent,
  suiteFitsKey, tls12SchemesForKey,
} from './common.js';
import { TLS12_DEFAULT_SCHEMES_WITHOUT_EXTENSION, TLS12_SESSION_LIFETIME_SECONDS, type Tls12ServerConfig } from './config.js';
import { TLS_TAGS, allocOrThrow } from '../memory.js';
import { createTls12TicketSealer, type Tls12TicketSealer } from './tickets.js';
import { Tls12Connection } from './connection.js';
import { HandshakeLog } from './hslog.js';
import { TLS12_TAGS } from './prf.js';
import { SERVER12_TABLE, type Server12State, type Event12, accept, step } from './states.js';
import { type Tls12Suite, TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV, tls12Suite, type Tls12SuiteName } from './suites.js';

const EMPTY: Uint8Array = new Uint8Array(0);

/** What the server took from the ClientHello. */
interface Offer {
  ch: ClientHello;
  groups: number[] | null;
  schemes: SignatureScheme[] | null;
  pointFormats: number[] | null;
  serverName: string | null;
  alpn: string[] | null;
  ems: boolean;
  etm: boolean;
  secureRenegotiation: boolean;
  mfl: number | null;
  /** RFC 5077 §3.2: the session_ticket extension's ticket (empty: asks for one), or null without the extension. */
  ticket: Uint8Array | null;
}

/** A TLS 1.2 server connection. */
export class Tls12Server extends Tls12Connection {
  /** Always 'server'. */
  readonly role = 'server' as const;
  private state: Server12State = 'ExpectClientHello';
  private readonly suites: Tls12Suite[];
  private readonly groups: GroupName[];
  private readonly sigSchemes: SignatureScheme[];
  private clientVersion = 0;
  private readonly log: HandshakeLog;
  private clientCertSchemes: SignatureScheme[] = [];
  private clientLeafKey: ReturnType<NonNullable<Tls12ServerConfig['publicKeyOf']>> | null = null;
  /** See {@link certificateIndex}. */
  private chosenCertificate = 0;
  /** RFC 5077 ticket sealing (the credential's ticket key), or null without tickets. */
  private readonly sealer: Tls12TicketSealer | null;
  /** Whether ServerHello promised a NewSessionTicket (RFC 5077 §3.2). */
  private ticketPromised = false;

  /**
   * @param config server settings
   * @param env crypto, memory, clock
   */
  constructor(private readonly config: Tls12ServerConfig, env: TlsEnv) {
    super(env);
    this.suites = configuredSuites(config.tls12Suites);
    this.groups = config.groups ?? [...DEFAULT_TLS12_GROUPS];
    this.sigSchemes = config.tls12SignatureSchemes ?? [...DEFAULT_TLS12_SIGNATURE_SCHEMES];
    this.log = new HandshakeLog(env.memory);
    const key = config.tickets?.key;
    this.sealer = key && key.length === 32 ? createTls12TicketSealer(env.crypto, key) : null;
  }

  /** Current state. */
  get handshakeState(): Server12State {
    return this.state;
  }
  protected override get paused(): boolean {
    return false;
  }
  protected override get started(): boolean {
    return true;
  }

  /** Checks the configuration (servers start at creation, so a bad one fails the first call). */
  start(): void {
    const c = this.config;
    if (this.suites.length === 0) this.failure = new TlsError('api.config', 'no TLS 1.2 cipher suites');
    else if (!c.certificateChain?.length || !c.privateKey) this.failure = new TlsError('api.config', 'a server needs a certificate chain and its key');
    else if (c.clientAuth && c.clientAuth !== 'none' && (!c.verifyPeerCertificate || !c.publicKeyOf)) this.failure = new TlsError('api.config', 'client authentication needs verifyPeerCertificate and publicKeyOf');
  }

  private goto(on: Event12, next: Server12State): void {
    this.state = step(SERVER12_TABLE, this.state, on, next);
  }

  private get clientAuth(): boolean {
    return this.config.clientAuth === 'request' || this.config.clientAuth === 'require';
  }

  private addToTranscript(raw: Uint8Array): void {
    this.requireTranscript().add(raw);
    if (this.clientAuth && this.state !== 'ExpectFinished' && this.state !== 'ExpectCcs') this.log.add(raw);
  }

  protected override handleHandshake(msgType: number, body: Uint8Array, raw: Uint8Array): void {
    const from = this.state;
    accept(SERVER12_TABLE, from, msgType);
    switch (from) {
      case 'ExpectClientHello':
        return this.goto(msgType, this.onClientHello(body, raw));
      case 'ExpectCertificate':
        return this.goto(msgType, this.onCertificate(body, raw));
      case 'ExpectClientKeyExchange':
        return this.goto(msgType, this.onClientKeyExchange(body, raw));
      case 'ExpectCertificateVerify':
        return this.goto(msgType, this.onCertificateVerify(body, raw));
      case 'ExpectFinished':
        return this.goto(msgType, this.onFinished(body, raw));
      case 'ExpectResumedFinished':
        return this.goto(msgType, this.onResumedFinished(body, raw));
      default:
        throw new TlsError('internal.error', `no handler in ${from}`);
    }
  }

  protected override handleChangeCipherSpec(): void {
    const from = this.state;
    accept(SERVER12_TABLE, from, 'ccs');
    this.record.activateRead();
    this.goto('ccs', from === 'ExpectResumedCcs' ? 'ExpectResumedFinished' : 'ExpectFinished');
  }

  protected override handlePostHandshake(msgType: number, _body: Uint8Array): void {
    if (msgType === HandshakeType.client_hello) {
      // RFC 5246 §7.4.1.2 / RFC 5746 §4.4: cesim's server declines renegotiation with the warning
      // no_renegotiation and keeps the connection; the client decides whether to go on.
      this.events.push({ type: 'renegotiationRefused' });
      if (!this.writeClosed) this.flight.alert(AlertLevel.warning, AlertDescription.no_renegotiation);
      return;
    }
    throw new TlsError('peer.unexpected_message', `handshake message ${msgType} after the handshake`);
  }

  private parse(body: Uint8Array): Offer {
    const ch = ClientHelloCodec.decode(body);
    const exts = ch.extensions ?? [];
    checkNoDuplicates(exts, 'ClientHello');
    this.clientVersion = ch.legacyVersion;
    const sv = findExtension(exts, ExtensionType.supported_versions);
    const versions = sv ? SupportedVersionsClientExt.decode(sv.data) : null;
    // RFC 5246 App. E.1 / RFC 8446 §4.2.1: the highest version the client offers must reach TLS 1.2.
    if (versions !== null ? !versions.includes(ProtocolVersion.TLS12) : ch.legacyVersion < ProtocolVersion.TLS12) {
      const what = ch.legacyVersion === ProtocolVersion.TLS11 ? 'TLS 1.1' : ch.legacyVersion === ProtocolVersion.TLS10 ? 'TLS 1.0' : `version 0x${ch.legacyVersion.toString(16)}`;
      throw new TlsError('incompatible.protocol_version', `client offers at most ${what}; cesim speaks TLS 1.2 and 1.3`);
    }
    // RFC 7507 §3: TLS_FALLBACK_SCSV from a client below our highest version is inappropriate_fallback.
    if (ch.cipherSuites.includes(TLS_FALLBACK_SCSV) && this.config.tls13Enabled) {
      throw new TlsError('incompatible.inappropriate_fallback', 'TLS_FALLBACK_SCSV while TLS 1.3 is enabled');
    }
    // RFC 5246 §7.4.1.2: the list MUST include the null compression method.
    if (!ch.legacyCompressionMethods.includes(0)) throw new TlsError('peer.illegal_parameter', 'no null compression method');
    const sg = findExtension(exts, ExtensionType.supported_groups);
    const sa = findExtension(exts, ExtensionType.signature_algorithms);
    const pf = findExtension(exts, ExtensionType.ec_point_formats);
    const ri = findExtension(exts, ExtensionType.renegotiation_info);
    if (ri !== undefined && RenegotiationInfoExt.decode(ri.data).length !== 0) {
      // RFC 5746 §3.6: a non-empty renegotiated_connection in an initial ClientHello MUST draw handshake_failure.
      throw new TlsError('incompatible.handshake_failure', 'non-empty renegotiation_info in an initial ClientHello');
    }
    let serverName: string | null = null;
    const sni = findExtension(exts, ExtensionType.server_name);
    if (sni !== undefined) {
      const host = ServerNameListExt.decode(sni.data).find((n) => n.nameType === 0);
      if (host) serverName = fromUtf8(host.name);
    }
    const alpnExt = findExtension(exts, ExtensionType.application_layer_protocol_negotiation);
    const ems = findExtension(exts, ExtensionType.extended_master_secret);
    if (ems !== undefined) EmptyExt.decode(ems.data);
    const etm = findExtension(exts, Tls12ExtensionType.encrypt_then_mac);
    if (etm !== undefined) EmptyExt.decode(etm.data);
    const mfl = findExtension(exts, Tls12ExtensionType.max_fragment_length);
    let mflCode: number | null = null;
    if (mfl !== undefined) {
      mflCode = MaxFragmentLengthExt.decode(mfl.data);
      // RFC 6066 §4: a value other than 1..4 MUST draw illegal_parameter.
      if (maxFragmentBytes(mflCode) === undefined) throw new TlsError('peer.illegal_parameter', `max_fragment_length ${mflCode}`);
    }
    return {
      ch,
      groups: sg ? U16ListExt.decode(sg.data) : null,
      schemes: sa ? U16ListExt.decode(sa.data).map(signatureSchemeByCode).filter((s): s is SignatureScheme => s !== undefined) : null,
      pointFormats: pf ? EcPointFormatsExt.decode(pf.data) : null,
      serverName,
      alpn: alpnExt ? AlpnExt.decode(alpnExt.data).map(fromUtf8) : null,
      ems: ems !== undefined,
      etm: etm !== undefined,
      // RFC 5746 §3.6: the empty extension or the SCSV says the client supports secure renegotiation.
      secureRenegotiation: ri !== undefined || ch.cipherSuites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
      mfl: mflCode,
      ticket: (() => {
        const t = findExtension(exts, ExtensionType.session_ticket);
        return t === undefined ? null : t.data;
      })(),
    };
  }

  /** The signature scheme for ServerKeyExchange with our key, or null when none fits the client. */
  private pickScheme(cert: ServerCertificate, offered: SignatureScheme[] | null): SignatureScheme | null {
    const key = cert.privateKey;
    const ours = cert.privateKeySchemes ?? tls12SchemesForKey(key);
    if (offered === null) {
      // RFC 5246 §7.4.1.4.1: without signature_algorithms the client is taken to support
      // {sha1, rsa} / {sha1, ecdsa} for the key it can use.
      const d = key.kind === 'rsa' ? TLS12_DEFAULT_SCHEMES_WITHOUT_EXTENSION.rsa : key.kind === 'ec' ? TLS12_DEFAULT_SCHEMES_WITHOUT_EXTENSION.ecdsa : null;
      return d !== null && ours.includes(d) ? d : null;
    }
    return ours.find((s) => offered.includes(s) && (this.sigSchemes.includes(s) || s.endsWith('sha1'))) ?? null;
  }

  /** The certificates to choose from: the configured one first, then `additionalCertificates`. */
  private certificates(): ServerCertificate[] {
    const c = this.config;
    const first: ServerCertificate = { certificateChain: c.certificateChain, privateKey: c.privateKey, ...(c.privateKeySchemes ? { privateKeySchemes: c.privateKeySchemes } : {}) };
    return [first, ...(c.additionalCertificates ?? [])];
  }

  /**
   * Which certificate the handshake presents: 0 for `certificateChain`, i for
   * `additionalCertificates[i - 1]`.
   */
  get certificateIndex(): number {
    return this.chosenCertificate;
  }

  /**
   * RFC 8422 §5.3 (and §4): an ECDSA certificate's key MUST be on a curve the client's
   * supported_groups lists, when it sends one.
   */
  private curveListed(key: PrivateKey, groups: number[] | null): boolean {
    if (key.kind !== 'ec' || groups === null) return true;
    const g = key.curve === 'P-256' ? 'secp256r1' : key.curve === 'P-384' ? 'secp384r1' : 'secp521r1';
    return groups.includes(NAMED_GROUPS[g]);
  }

  private onClientHello(body: Uint8Array, raw: Uint8Array): Server12State {
    const o = this.parse(body);
    const resumable = this.findResumable(o);
    if (resumable !== null) return this.resume(o, resumable, raw);
    // RFC 8422 §4: a client without supported_groups is assumed to support secp256r1 only... cesim
    // takes its own preference among the curves the client lists (RFC 8422 §5.1.1).
    const group = this.groups.find((g) => (o.groups ?? [NAMED_GROUPS.secp256r1]).includes(NAMED_GROUPS[g])) ?? null;
    // RFC 8422 §5.1.2: ECC suites need the uncompressed point format when the client lists formats.
    const eccOk = o.pointFormats === null || o.pointFormats.includes(0);
    // RFC 5246 §7.4.2: the certificate MUST fit the suite's key exchange and the client's
    // signature_algorithms; with several, the first (server order) suite that one of them fits.
    const candidates = this.certificates();
    const schemes = candidates.map((c) => this.pickScheme(c, o.schemes));
    let suite: Tls12Suite | undefined;
    let chosen = 0;
    search: for (const s of this.suites) {
      if (!o.ch.cipherSuites.includes(s.code)) continue;
      for (let i = 0; i < candidates.length; i++) {
        if (!suiteFitsKey(s, candidates[i]!.privateKey) || !this.curveListed(candidates[i]!.privateKey, o.groups)) continue;
        if (s.keyExchange === 'ecdhe' && (group === null || !eccOk || schemes[i] === null)) continue;
        suite = s;
        chosen = i;
        break search;
      }
    }
    this.chosenCertificate = chosen;
    const own = candidates[chosen]!;
    const key = own.privateKey;
    const scheme = schemes[chosen] ?? null;
    // RFC 5246 §7.4.1.3: no acceptable suite is a handshake_failure.
    if (suite === undefined) throw new TlsError('incompatible.handshake_failure', 'no TLS 1.2 cipher suite, group or signature scheme in common');
    // RFC 7627 §5.3: a server that requires the extended master secret aborts when it is not offered.
    if (!o.ems && (this.config.requireExtendedMasterSecret ?? true)) {
      throw new TlsError('incompatible.handshake_failure', 'client does not offer the extended master secret (RFC 7627)');
    }
    this.negotiated.suite = suite;
    this.negotiated.extendedMasterSecret = o.ems;
    this.negotiated.encryptThenMac = o.etm && suite.protection.kind === 'cbc' && (this.config.encryptThenMac ?? true);
    this.negotiated.secureRenegotiation = o.secureRenegotiation;
    this.negotiated.serverName = o.serverName;
    this.clientRandom = o.ch.random.slice();
    this.transcript = new Transcript(this.crypto, this.memory, [suite.prfHash]);
    this.addToTranscript(raw);

    // ServerHello.
    this.serverRandom = this.crypto.random(32);
    // RFC 8446 §4.1.3: a TLS 1.3 server negotiating TLS 1.2 MUST end its random with DOWNGRD01.
    if (this.config.tls13Enabled) this.serverRandom.set(DOWNGRADE_TLS12, 24);
    const exts: Extension[] = [];
    if (o.secureRenegotiation) exts.push({ type: ExtensionType.renegotiation_info, data: RenegotiationInfoExt.encode(EMPTY) });
    if (o.serverName !== null && (this.config.acknowledgeServerName ?? true)) exts.push({ type: ExtensionType.server_name, data: EmptyExt.encode(null) });
    // RFC 5077 §3.2: an empty session_ticket in ServerHello promises a NewSessionTicket.
    if (o.ticket !== null && this.sealer !== null) {
      exts.push({ type: ExtensionType.session_ticket, data: EmptyExt.encode(null) });
      this.ticketPromised = true;
    }
    // RFC 5246 §7.4.1.3: with a session cache, a new session gets an ID the client may resume.
    this.sessionIdBytes = this.config.findSession12 ? this.crypto.random(32) : EMPTY;
    if (o.ems) exts.push({ type: ExtensionType.extended_master_secret, data: EmptyExt.encode(null) });
    if (this.negotiated.encryptThenMac) exts.push({ type: Tls12ExtensionType.encrypt_then_mac, data: EmptyExt.encode(null) });
    // RFC 8422 §5.2: a server selecting an ECC suite after a client's ec_point_formats includes its own.
    if (suite.keyExchange === 'ecdhe' && o.pointFormats !== null && (this.config.answerEcPointFormats ?? true)) {
      exts.push({ type: ExtensionType.ec_point_formats, data: EcPointFormatsExt.encode([0]) });
    }
    if (o.alpn !== null && this.config.alpn && this.config.alpn.length > 0) {
      const chosen = this.config.alpn.find((p) => o.alpn!.includes(p));
      // RFC 7301 §3.2: no protocol in common MUST draw no_application_protocol.
      if (chosen === undefined) throw new TlsError('incompatible.no_application_protocol', 'no ALPN protocol in common');
      this.negotiated.alpn = chosen;
      exts.push({ type: ExtensionType.application_layer_protocol_negotiation, data: AlpnExt.encode([utf8(chosen)]) });
    }
    if (o.mfl !== null) {
      exts.push({ type: Tls12ExtensionType.max_fragment_length, data: MaxFragmentLengthExt.encode(o.mfl) });
      const bytes = maxFragmentBytes(o.mfl)!;
      this.record.setSendLimit(bytes);
      this.record.setReceiveLimit(bytes);
    }
    const sh = handshakeMessage(HandshakeType.server_hello, ServerHelloCodec.encode({
      legacyVersion: ProtocolVersion.TLS12, random: this.serverRandom, legacySessionIdEcho: this.sessionIdBytes, cipherSuite: suite.code,
      legacyCompressionMethod: 0, extensions: exts.length > 0 ? exts : null,
    }));
    this.send(sh);
    this.send(handshakeMessage(HandshakeType.certificate, Certificate12Codec.encode(own.certificateChain)));
    if (suite.keyExchange === 'ecdhe') {
      const g = group!;
      const share = this.newKeyShare(g);
      const params = encodeEcdheParams({ namedCurve: NAMED_GROUPS[g], point: share.publicKey });
      // The params as the C stack holds them while the handshake runs.
      this.holdHandshakeBytes(params.length, TLS12_TAGS.serverKeyExchange).bytes.set(params);
      const signature = this.crypto.sign(scheme!, key, serverKeyExchangeSignedContent(this.clientRandom, this.serverRandom, params), TLS12_SCHEME_READING);
      this.negotiated.signatureScheme = scheme;
      this.negotiated.group = g;
      this.send(handshakeMessage(HandshakeType.server_key_exchange, Tls12EcdheServerKeyExchangeCodec.encode({
        curveType: 3, namedCurve: NAMED_GROUPS[g], point: share.publicKey, signatureScheme: SIGNATURE_SCHEMES[scheme!], signature,
      })));
    }
    if (this.clientAuth) {
      // RFC 5246 §7.4.4: certificate types, the signature algorithms we accept, no CA list.
      this.clientCertSchemes = [...this.sigSchemes];
      this.send(handshakeMessage(HandshakeType.certificate_request, CertificateRequest12Codec.encode({
        certificateTypes: [ClientCertificateType.rsa_sign, ClientCertificateType.ecdsa_sign],
        signatureAlgorithms: this.clientCertSchemes.map((s) => SIGNATURE_SCHEMES[s]),
        certificateAuthorities: [],
      })));
    }
    this.send(handshakeMessage(HandshakeType.server_hello_done, Tls12ServerHelloDoneCodec.encode()));
    return this.clientAuth ? 'ExpectCertificate' : 'ExpectClientKeyExchange';
  }

  private send(msg: Uint8Array): void {
    this.addToTranscript(msg);
    this.flight.handshake(msg);
  }

  private onCertificate(body: Uint8Array, raw: Uint8Array): Server12State {
    const chain = Certificate12Codec.decode(body);
    if (chain.length === 0) {
      // RFC 5246 §7.4.6: a server requiring a certificate MAY answer an empty one with a fatal handshake_failure.
      if (this.config.clientAuth === 'require') throw new TlsError('incompatible.handshake_failure', 'the client sent no certificate');
    } else {
      this.storePeerChain(chain);
      const verdict = this.config.verifyPeerCertificate!(this.peerCertificateChain, { usage: 'clientAuth' });
      if (verdict !== null) throw verdict;
      const key = this.config.publicKeyOf!(this.peerCertificateChain[0]!);
      if (key instanceof TlsError) throw key;
      this.clientLeafKey = key;
    }
    this.addToTranscript(raw);
    return 'ExpectClientKeyExchange';
  }

  private onClientKeyExchange(body: Uint8Array, raw: Uint8Array): Server12State {
    const suite = this.requireSuite();
    let premaster: Uint8Array;
    if (suite.keyExchange === 'ecdhe') {
      const point = EcdheClientKeyExchangeCodec.decode(body);
      const share = this.keyShare?.share;
      if (share === undefined) throw new TlsError('internal.error', 'no key share');
      try {
        premaster = share.agree(point);
      } catch (e) {
        // RFC 8422 §5.7 / RFC 7748 §6.1: an invalid point (or an all-zero X25519 output) aborts with illegal_parameter.
        if (e instanceof InvalidKeyShareError) throw new TlsError('peer.illegal_parameter', e.message);
        throw e;
      }
      this.releaseKeyShare();
    } else {
      const ct = RsaClientKeyExchangeCodec.decode(body);
      const key = this.certificates()[this.chosenCertificate]!.privateKey;
      if (key.kind !== 'rsa') throw new TlsError('internal.error', 'static RSA without an RSA key');
      // RFC 5246 §7.4.7.1: draw the 46 random bytes first, decrypt, then pick without branching.
      const fallback = this.crypto.random(46);
      const k = Math.ceil(key.bits / 8);
      const em = this.crypto.rsaDecryptRaw(key, ct);
      const held = this.holdHandshakeBytes(48, TLS12_TAGS.premaster);
      held.bytes.set(rsaPremaster(em, this.clientVersion, fallback, k));
      em?.fill(0);
      fallback.fill(0);
      premaster = held.bytes.slice();
    }
    this.addToTranscript(raw);
    const prf = this.prf();
    const master = this.negotiated.extendedMasterSecret
      ? prf.masterSecret(premaster, { extended: true, sessionHash: this.requireTranscript().current() })
      : prf.masterSecret(premaster, { extended: false, clientRandom: this.clientRandom, serverRandom: this.serverRandom });
    premaster.fill(0);
    if (this.config.keyLog) this.config.keyLog('CLIENT_RANDOM', this.clientRandom, master);
    this.installMasterSecret(master);
    return this.clientLeafKey !== null ? 'ExpectCertificateVerify' : 'ExpectCcs';
  }

  private onCertificateVerify(body: Uint8Array, raw: Uint8Array): Server12State {
    const cv = CertificateVerifyCodec.decode(body);
    const scheme = signatureSchemeByCode(cv.algorithm);
    // RFC 5246 §7.4.8: the algorithm MUST be one the CertificateRequest listed.
    if (scheme === undefined || !this.clientCertSchemes.includes(scheme)) throw new TlsError('peer.illegal_parameter', `CertificateVerify algorithm 0x${cv.algorithm.toString(16)}`);
    const key = this.clientLeafKey;
    if (key === null || key instanceof TlsError) throw new TlsError('internal.error', 'no client key');
    if (!this.crypto.verify(scheme, key, this.log.contents(), cv.signature, TLS12_SCHEME_READING)) throw new TlsError('peer.decrypt_error', 'client CertificateVerify does not verify');
    this.negotiated.peerSignatureScheme = scheme;
    this.log.release();
    this.addToTranscript(raw);
    return 'ExpectCcs';
  }

  private onFinished(body: Uint8Array, raw: Uint8Array): Server12State {
    this.verifyPeerFinished(body, raw);
    // RFC 5077 §3.3: NewSessionTicket goes before ChangeCipherSpec and is in the Finished hash.
    if (this.ticketPromised) this.sendTicket();
    this.queueFinished();
    if (this.sessionIdBytes.length > 0) this.events.push({ type: 'session12', session: this.currentSession() });
    this.finishHandshake();
    return 'Traffic';
  }

  /** RFC 5246 §7.3 Figure 2: the client's Finished closes an abbreviated handshake. */
  private onResumedFinished(body: Uint8Array, raw: Uint8Array): Server12State {
    this.verifyPeerFinished(body, raw);
    this.finishHandshake();
    return 'Traffic';
  }

  /** The session of this connection (a copy of the master secret). */
  private currentSession(): Tls12Session {
    const s: Tls12Session = {
      sessionId: this.sessionIdBytes.slice(),
      ticket: null,
      masterSecret: this.masterSecret().slice(),
      suite: this.requireSuite().name,
      extendedMasterSecret: this.negotiated.extendedMasterSecret,
      lifetimeSeconds: this.config.tickets?.lifetimeSeconds ?? TLS12_SESSION_LIFETIME_SECONDS,
      createdAtMs: this.env.nowMs(),
    };
    if (this.negotiated.serverName !== null) s.serverName = this.negotiated.serverName;
    if (this.negotiated.alpn !== null) s.alpn = this.negotiated.alpn;
    return s;
  }

  /** Seals this session into a NewSessionTicket (RFC 5077 §3.3); the state is held in a `tls.ticket` block meanwhile. */
  private sendTicket(): void {
    const session = this.currentSession();
    const block = allocOrThrow(this.memory, 'general', session.masterSecret.length + 32, TLS_TAGS.ticket);
    let ticket: Uint8Array;
    try {
      block.bytes.set(session.masterSecret);
      ticket = this.sealer!.seal(session);
    } finally {
      session.masterSecret.fill(0);
      this.memory.free(block);
    }
    this.send(handshakeMessage(HandshakeType.new_session_ticket, NewSessionTicket12Codec.encode({ lifetimeHint: session.lifetimeSeconds, ticket })));
  }

  /**
   * A session the ClientHello can resume: its ticket (RFC 5077 §3.1, tried first) or its
   * session ID in the server's cache (RFC 5246 §7.4.1.2), still valid, for a suite the client
   * offers and this server allows, with the same server_name (RFC 6066 §3). RFC 7627 §5.3: a
   * session with the extended master secret is not resumed by a ClientHello without it
   * (handshake_failure); one without it is not resumed at all (full handshake).
   */
  private findResumable(o: Offer): Tls12Session | null {
    const candidates: (() => Tls12Session | null)[] = [
      () => (o.ticket !== null && o.ticket.length > 0 && this.sealer !== null ? this.sealer.open(o.ticket) : null),
      () => (o.ch.legacySessionId.length > 0 && this.config.findSession12 ? this.config.findSession12(o.ch.legacySessionId) : null),
    ];
    const now = this.env.nowMs();
    for (const get of candidates) {
      const s = get();
      if (s === null) continue;
      if (now < s.createdAtMs || now - s.createdAtMs > s.lifetimeSeconds * 1000) continue;
      const suite = this.suites.find((x) => x.name === s.suite);
      if (suite === undefined || !o.ch.cipherSuites.includes(suite.code)) continue;
      if ((s.serverName ?? null) !== o.serverName) continue;
      if (s.extendedMasterSecret && !o.ems) throw new TlsError('incompatible.handshake_failure', 'resuming an extended-master-secret session without the extension (RFC 7627 §5.3)');
      if (!s.extendedMasterSecret) continue;
      return s;
    }
    return null;
  }

  /** The abbreviated handshake (RFC 5246 §7.3 Figure 2, RFC 5077 §3.1 Figure 2): ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished. */
  private resume(o: Offer, session: Tls12Session, raw: Uint8Array): Server12State {
    const suite = tls12Suite(session.suite as Tls12SuiteName);
    this.negotiated.suite = suite;
    this.negotiated.extendedMasterSecret = true;
    this.negotiated.encryptThenMac = o.etm && suite.protection.kind === 'cbc' && (this.config.encryptThenMac ?? true);
    this.negotiated.secureRenegotiation = o.secureRenegotiation;
    this.negotiated.serverName = o.serverName;
    this.negotiated.resumed = true;
    this.clientRandom = o.ch.random.slice();
    this.transcript = new Transcript(this.crypto, this.memory, [suite.prfHash]);
    this.addToTranscript(raw);
    this.serverRandom = this.crypto.random(32);
    if (this.config.tls13Enabled) this.serverRandom.set(DOWNGRADE_TLS12, 24);
    const exts: Extension[] = [];
    if (o.secureRenegotiation) exts.push({ type: ExtensionType.renegotiation_info, data: RenegotiationInfoExt.encode(EMPTY) });
    exts.push({ type: ExtensionType.extended_master_secret, data: EmptyExt.encode(null) });
    if (this.negotiated.encryptThenMac) exts.push({ type: Tls12ExtensionType.encrypt_then_mac, data: EmptyExt.encode(null) });
    // RFC 5077 §3.1: a server resuming from a ticket may renew it.
    if (o.ticket !== null && this.sealer !== null) {
      exts.push({ type: ExtensionType.session_ticket, data: EmptyExt.encode(null) });
      this.ticketPromised = true;
    }
    if (o.alpn !== null && this.config.alpn && this.config.alpn.length > 0) {
      const chosen = this.config.alpn.find((p) => o.alpn!.includes(p));
      if (chosen === undefined) throw new TlsError('incompatible.no_application_protocol', 'no ALPN protocol in common');
      this.negotiated.alpn = chosen;
      exts.push({ type: ExtensionType.application_layer_protocol_negotiation, data: AlpnExt.encode([utf8(chosen)]) });
    }
    if (o.mfl !== null) {
      exts.push({ type: Tls12ExtensionType.max_fragment_length, data: MaxFragmentLengthExt.encode(o.mfl) });
      const bytes = maxFragmentBytes(o.mfl)!;
      this.record.setSendLimit(bytes);
      this.record.setReceiveLimit(bytes);
    }
    // RFC 5246 §7.4.1.3 / RFC 5077 §3.4: the session ID the client sent is echoed when resuming.
    this.sessionIdBytes = o.ch.legacySessionId.slice();
    this.send(handshakeMessage(HandshakeType.server_hello, ServerHelloCodec.encode({
      legacyVersion: ProtocolVersion.TLS12, random: this.serverRandom, legacySessionIdEcho: this.sessionIdBytes, cipherSuite: suite.code,
      legacyCompressionMethod: 0, extensions: exts,
    })));
    const master = session.masterSecret.slice();
    session.masterSecret.fill(0);
    this.installMasterSecret(master);
    if (this.ticketPromised) this.sendTicket();
    this.queueFinished();
    return 'ExpectResumedCcs';
  }

  protected override releaseHandshakeState(): void {
    this.log.release();
    super.releaseHandshakeState();
  }
}

/** Keeps type-only imports referenced. */
export type _Unused = typeof groupByCode;
