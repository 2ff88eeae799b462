/**
 * The TLS 1.3 server handshake (RFC 8446 §2, §4), as the states of {@link SERVER_TRANSITIONS}.
 */
import type { GroupName, SignatureScheme } from '../crypto/types.js';
import { InvalidKeyShareError } from '../crypto/provider.js';
import {
  CIPHER_SUITES, type CipherSuite, ContentType, ExtensionType, HELLO_RETRY_REQUEST_RANDOM, HandshakeType, NAMED_GROUPS,
  ProtocolVersion, PskKeyExchangeMode, SIGNATURE_SCHEMES, groupByCode, signatureSchemeByCode,
} from './codec/constants.js';
import {
  AlpnExt, CookieExt, EarlyDataTicketExt, type Extension, type KeyShareEntry, KeyShareClientHelloExt, KeyShareHrrExt,
  KeyShareServerHelloExt, OfferedPsksExt, PskModesExt, RecordSizeLimitExt, SelectedPskExt, ServerNameListExt,
  SupportedVersionsClientExt, SupportedVersionsServerExt, U16ListExt, bindersLength, findExtension,
} from './codec/extensions.js';
import {
  CertificateCodec, CertificateRequestCodec, CertificateVerifyCodec, type ClientHello, ClientHelloCodec, EncryptedExtensionsCodec,
  FinishedCodec, NewSessionTicketCodec, ServerHelloCodec,
} from './codec/handshake.js';
import type { ResumptionState, ServerCertificate, TicketSealer, TlsEnv, TlsServerConfig } from './config.js';
import { TlsConnection } from './connection.js';
import { TlsError } from './errors.js';
import {
  type ApplicationTrafficSecret, EarlySecret, type HandshakeTrafficSecret, type MasterSecret,
} from './keyschedule.js';
import { TLS_TAGS, allocOrThrow } from './memory.js';
import { MAX_INNER_PLAINTEXT, MIN_RECORD_SIZE_LIMIT } from './record.js';
import { SERVER_TRANSITIONS, type ServerState, checkAccepts, checkTransition } from './states.js';
import { createTicketSealer } from './tickets.js';
import { Transcript } from './transcript.js';
import {
  DEFAULT_CIPHER_SUITES, DEFAULT_SIGNATURE_SCHEMES, DEFAULT_SIGNATURE_SCHEMES_CERT, certificateVerifyContent, checkNoDuplicates,
  fromUtf8, handshakeMessage, pickCertificate, schemesForKey, u16be, utf8,
} from './util.js';

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Groups a server accepts by default, in preference order: every group the engine implements,
 * so a client whose key share is for a group the server does not take, but which lists one it
 * does in supported_groups, gets a HelloRetryRequest (RFC 8446 §4.1.4), not handshake_failure.
 */
export const DEFAULT_SERVER_GROUPS: readonly GroupName[] = ['x25519', 'secp256r1', 'secp384r1', 'x448', 'secp521r1'];

/** Default ticket lifetime (2 hours, as common servers use). */
const DEFAULT_TICKET_LIFETIME = 7200;

/**
 * RFC 8446 §4.2.10: a server rejecting 0-RTT skips early data up to its max_early_data_size; this
 * server never accepts 0-RTT, so it bounds the skipping by a small number of records.
 */
const MAX_SKIPPED_EARLY_RECORDS = 16;

/** The parsed parts of a ClientHello the server acts on. */
interface ParsedClientHello {
  ch: ClientHello;
  raw: Uint8Array;
  suite: CipherSuite;
  clientGroups: number[];
  shares: KeyShareEntry[];
  /** The known schemes of signature_algorithms; null when the extension is absent. */
  sigSchemes: SignatureScheme[] | null;
  serverName: string | null;
  alpn: string[] | null;
  recordSizeLimit: number | null;
  pskModes: number[];
  offeredPsks: { identities: { identity: Uint8Array; obfuscatedTicketAge: number }[]; binders: Uint8Array[] } | null;
  earlyData: boolean;
  cookie: Uint8Array | null;
}

/** A TLS 1.3 server connection. Create with `createServer`. */
export class TlsServer extends TlsConnection {
  /** Always 'server'. */
  readonly role = 'server' as const;
  private state: ServerState = 'ExpectClientHello';
  private readonly suites: CipherSuite[];
  private readonly groups: GroupName[];
  private readonly sigSchemes: SignatureScheme[];
  private readonly sealer: TicketSealer | null;
  /** The ClientHello's random (for the key log). */
  private clientRandom: Uint8Array = new Uint8Array(0);
  private hrr: { suite: CipherSuite; group: GroupName; cookie: Uint8Array } | null = null;
  /** Whether the middlebox-compatibility change_cipher_spec went out (RFC 8446 §D.4: once). */
  private compatCcsSent = false;
  private clientHs: HandshakeTrafficSecret | null = null;
  private master: MasterSecret | null = null;
  private clientApp: ApplicationTrafficSecret | null = null;
  private clientPskModes: number[] = [];
  private clientCertLeaf: Uint8Array | null = null;
  private skippedEarlyData = -1;
  /** Whether a client certificate was authenticated. */
  private clientAuthenticated = false;
  /** See {@link certificateIndex}. */
  private chosenCertificate = 0;

  /**
   * @param config server settings
   * @param env crypto, memory, clock
   */
  constructor(private readonly config: TlsServerConfig, env: TlsEnv) {
    super(env);
    this.suites = (config.cipherSuites ?? DEFAULT_CIPHER_SUITES).map((n) => CIPHER_SUITES[n]);
    this.groups = config.groups ?? [...DEFAULT_SERVER_GROUPS];
    this.sigSchemes = config.signatureSchemes ?? [...DEFAULT_SIGNATURE_SCHEMES];
    const t = config.tickets;
    this.sealer = t === undefined ? null : (t.sealer ?? (t.key ? createTicketSealer(env.crypto, t.key) : null));
  }

  /** Current state name (tests, diagnostics). */
  get handshakeState(): ServerState {
    return this.state;
  }
  /**
   * Which certificate the handshake presents: 0 for `certificateChain`, i for
   * `additionalCertificates[i - 1]` (see {@link TlsServerConfig.additionalCertificates}).
   */
  get certificateIndex(): number {
    return this.chosenCertificate;
  }

  /** The certificates to choose from: the configured one first. */
  private certificates(): ServerCertificate[] {
    const c = this.config;
    const first: ServerCertificate = { certificateChain: c.certificateChain, privateKey: c.privateKey, ...(c.privateKeySchemes ? { privateKeySchemes: c.privateKeySchemes } : {}) };
    return [first, ...(c.additionalCertificates ?? [])];
  }

  /** Whether the client authenticated with a certificate. */
  get clientCertificateAuthenticated(): boolean {
    return this.clientAuthenticated;
  }

  protected override get paused(): boolean {
    return false;
  }
  protected override get started(): boolean {
    return true;
  }

  /** Validates the configuration; the server has no first flight. */
  start(): { output: Uint8Array; events: []; error?: TlsError } {
    const c = this.config;
    let error: TlsError | undefined;
    if (!c.certificateChain?.length || !c.privateKey) error = new TlsError('api.config', 'server needs certificateChain and privateKey');
    else if ((c.clientAuth ?? 'none') !== 'none' && (!c.verifyPeerCertificate || !c.publicKeyOf)) error = new TlsError('api.config', 'client auth needs verifyPeerCertificate and publicKeyOf');
    else if (c.tickets !== undefined && this.sealer === null) error = new TlsError('api.config', 'tickets need a sealer or a 32-byte key');
    if (error) {
      this.failure = error;
      return { output: EMPTY, events: [], error };
    }
    return { output: EMPTY, events: [] };
  }

  private goto(next: ServerState, on: number): void {
    checkTransition(SERVER_TRANSITIONS, this.state, on, next);
    this.state = next;
  }

  protected override skipRejectedEarlyData(type: number, error: TlsError | null): boolean {
    // RFC 8446 §4.2.10: a server that does not accept early data skips it: after an HRR it
    // ignores application_data records; otherwise it skips records that fail to decrypt with
    // the handshake keys, up to its max_early_data_size.
    if (this.skippedEarlyData < 0 || type !== ContentType.application_data) return false;
    const ok = error === null ? this.state === 'ExpectClientHelloAfterHrr' : error.code === 'peer.bad_record_mac' && this.state !== 'ExpectClientHelloAfterHrr';
    if (!ok) return false;
    this.skippedEarlyData += 1;
    return this.skippedEarlyData <= MAX_SKIPPED_EARLY_RECORDS;
  }

  protected override handleHandshake(msgType: number, body: Uint8Array, raw: Uint8Array): void {
    const from = this.state;
    checkAccepts(SERVER_TRANSITIONS, from, msgType);
    let next: ServerState;
    switch (from) {
      case 'ExpectClientHello':
      case 'ExpectClientHelloAfterHrr':
        next = this.onClientHello(body, raw);
        break;
      case 'ExpectCertificate':
        next = this.onCertificate(body, raw);
        break;
      case 'ExpectCertificateVerify':
        next = this.onCertificateVerify(body, raw);
        break;
      case 'ExpectFinished':
        next = this.onFinished(body, raw);
        break;
      case 'ExpectTraffic':
        this.handleKeyUpdate(body);
        next = 'ExpectTraffic';
        break;
    }
    this.goto(next, msgType);
  }

  private parseClientHello(body: Uint8Array, raw: Uint8Array): ParsedClientHello {
    const ch = ClientHelloCodec.decode(body);
    // RFC 8446 §4.1.2: a TLS 1.3 ClientHello's legacy_version MUST be 0x0303 (versions are
    // negotiated in supported_versions, §4.2.1), and §D.5: a Hello with legacy_version 0x0300 or
    // below MUST abort with protocol_version. This server takes any value from 0x0303 up (a
    // client from the future still offers supported_versions) and refuses everything below.
    if (ch.legacyVersion < ProtocolVersion.TLS12) {
      throw new TlsError('incompatible.protocol_version', `ClientHello legacy_version 0x${ch.legacyVersion.toString(16).padStart(4, '0')}`);
    }
    // RFC 8446 §4.2.1/§D: a ClientHello without extensions/supported_versions is TLS 1.2 or below.
    if (ch.extensions === null) throw new TlsError('incompatible.protocol_version', 'ClientHello without extensions');
    const exts = ch.extensions;
    checkNoDuplicates(exts, 'ClientHello');
    const sv = findExtension(exts, ExtensionType.supported_versions);
    // RFC 8446 §4.2.1: servers MUST use supported_versions only; without TLS 1.3 in it the
    // handshake fails with protocol_version.
    if (sv === undefined || !SupportedVersionsClientExt.decode(sv.data).includes(ProtocolVersion.TLS13)) {
      throw new TlsError('incompatible.protocol_version', 'client does not offer TLS 1.3');
    }
    // RFC 8446 §4.1.2: legacy_compression_methods MUST be exactly one zero byte; otherwise illegal_parameter.
    if (ch.legacyCompressionMethods.length !== 1 || ch.legacyCompressionMethods[0] !== 0) {
      throw new TlsError('peer.illegal_parameter', 'legacy_compression_methods');
    }
    const pskExt = findExtension(exts, ExtensionType.pre_shared_key);
    // RFC 8446 §4.2.11: pre_shared_key MUST be the last extension; otherwise illegal_parameter.
    if (pskExt !== undefined && exts[exts.length - 1] !== pskExt) throw new TlsError('peer.illegal_parameter', 'pre_shared_key is not last');
    const modesExt = findExtension(exts, ExtensionType.psk_key_exchange_modes);
    // RFC 8446 §4.2.9: pre_shared_key without psk_key_exchange_modes MUST abort the handshake.
    if (pskExt !== undefined && modesExt === undefined) throw new TlsError('peer.missing_extension', 'pre_shared_key without psk_key_exchange_modes');
    const suite = this.suites.find((s) => ch.cipherSuites.includes(s.code));
    if (suite === undefined) throw new TlsError('incompatible.handshake_failure', 'no cipher suite in common');
    const sg = findExtension(exts, ExtensionType.supported_groups);
    const ks = findExtension(exts, ExtensionType.key_share);
    // RFC 8446 §9.2: supported_groups and key_share go together; missing_extension otherwise.
    if (sg === undefined || ks === undefined) throw new TlsError('peer.missing_extension', 'supported_groups/key_share');
    const clientGroups = U16ListExt.decode(sg.data);
    const shares = KeyShareClientHelloExt.decode(ks.data);
    const seen = new Set<number>();
    for (const s of shares) {
      // RFC 8446 §4.2.8: one share per group, each in supported_groups (servers MAY check: illegal_parameter).
      if (seen.has(s.group) || !clientGroups.includes(s.group)) throw new TlsError('peer.illegal_parameter', `key_share group 0x${s.group.toString(16)}`);
      seen.add(s.group);
    }
    const sa = findExtension(exts, ExtensionType.signature_algorithms);
    const sac = findExtension(exts, ExtensionType.signature_algorithms_cert);
    // RFC 8446 §4.2.3: signature_algorithms_cert is a SignatureScheme list<2..2^16-2>; this server
    // does not choose by it (one chain), but a malformed one is a decode_error (§6.2).
    if (sac !== undefined) U16ListExt.decode(sac.data);
    // RFC 8446 §4.2.3: unknown schemes are ignored; what remains may be empty.
    const sigSchemes = sa ? U16ListExt.decode(sa.data).map(signatureSchemeByCode).filter((s): s is SignatureScheme => s !== undefined) : null;
    let serverName: string | null = null;
    const sni = findExtension(exts, ExtensionType.server_name);
    if (sni !== undefined) {
      const host = ServerNameListExt.decode(sni.data).find((n) => n.nameType === 0);
      if (host) serverName = fromUtf8(host.name);
    }
    const alpnExt = findExtension(exts, ExtensionType.application_layer_protocol_negotiation);
    const alpn = alpnExt ? AlpnExt.decode(alpnExt.data).map(fromUtf8) : null;
    const rslExt = findExtension(exts, ExtensionType.record_size_limit);
    const recordSizeLimit = rslExt ? RecordSizeLimitExt.decode(rslExt.data) : null;
    // RFC 8449 §4: a record_size_limit below 64 MUST draw illegal_parameter.
    if (recordSizeLimit !== null && recordSizeLimit < MIN_RECORD_SIZE_LIMIT) throw new TlsError('peer.illegal_parameter', `record_size_limit ${recordSizeLimit}`);
    const pskModes = modesExt ? PskModesExt.decode(modesExt.data) : [];
    const offeredPsks = pskExt ? OfferedPsksExt.decode(pskExt.data) : null;
    // RFC 8446 §4.2.11: identities and binders correspond one to one.
    if (offeredPsks && offeredPsks.identities.length !== offeredPsks.binders.length) throw new TlsError('peer.illegal_parameter', 'PSK identities/binders count');
    const cookieExt = findExtension(exts, ExtensionType.cookie);
    return {
      ch, raw, suite, clientGroups, shares, sigSchemes, serverName, alpn, recordSizeLimit, pskModes, offeredPsks,
      earlyData: findExtension(exts, ExtensionType.early_data) !== undefined,
      cookie: cookieExt ? CookieExt.decode(cookieExt.data) : null,
    };
  }

  private onClientHello(body: Uint8Array, raw: Uint8Array): ServerState {
    this.clientHelloSeen = true;
    const p = this.parseClientHello(body, raw);
    if (p.earlyData && this.skippedEarlyData < 0) this.skippedEarlyData = 0;
    // Group: the server's most preferred group the client supports (RFC 8446 §4.2.7).
    const group = this.groups.find((g) => p.clientGroups.includes(NAMED_GROUPS[g]));
    if (group === undefined) throw new TlsError('incompatible.handshake_failure', 'no key-exchange group in common');
    const share = p.shares.find((s) => s.group === NAMED_GROUPS[group]);

    if (this.hrr !== null) {
      // RFC 8446 §4.1.4: the server MUST negotiate the same suite after HRR; the updated
      // ClientHello MUST carry the cookie and a share for the selected group.
      if (p.suite !== this.hrr.suite) throw new TlsError('peer.illegal_parameter', 'ClientHello2 changes the cipher suite');
      if (p.cookie === null || !this.crypto.equal(p.cookie, this.hrr.cookie)) throw new TlsError('peer.illegal_parameter', 'ClientHello2 cookie');
      if (share === undefined || group !== this.hrr.group || p.shares.length !== 1) throw new TlsError('peer.illegal_parameter', 'ClientHello2 key_share');
      // RFC 8446 §4.2.10: early data is not allowed after HRR.
      if (p.earlyData) throw new TlsError('peer.illegal_parameter', 'early_data after HelloRetryRequest');
    } else if (share === undefined) {
      return this.sendHelloRetryRequest(p, group);
    }
    this.negotiated.version = ProtocolVersion.TLS13;
    this.negotiated.cipherSuite = p.suite;
    this.negotiated.group = group;
    this.negotiated.serverName = p.serverName;
    this.clientPskModes = p.pskModes;
    if (this.transcript === null) this.transcript = new Transcript(this.crypto, this.memory, [p.suite.hash]);
    this.allocKeySchedule();

    // ALPN (RFC 7301 §3.2): server preference; no overlap → no_application_protocol.
    let alpn: string | null = null;
    if (p.alpn !== null && this.config.alpn && this.config.alpn.length > 0) {
      alpn = this.config.alpn.find((a) => p.alpn!.includes(a)) ?? null;
      if (alpn === null) throw new TlsError('incompatible.no_application_protocol', 'no ALPN protocol in common');
    }
    this.negotiated.alpn = alpn;

    // PSK (psk_dhe_ke only).
    const psk = this.selectPsk(p);
    // RFC 8446 §4.4.2.2 / §9.2: certificate authentication needs signature_algorithms.
    let scheme: SignatureScheme | null = null;
    if (psk === null) {
      // RFC 8446 §9.2: certificate authentication without signature_algorithms is missing_extension;
      // §4.1.1/§4.2.3: one that names no scheme the server can sign with is handshake_failure.
      if (p.sigSchemes === null) throw new TlsError('peer.missing_extension', 'signature_algorithms');
      const candidates = this.certificates();
      const pick = pickCertificate(candidates.map((c) => c.privateKeySchemes ?? schemesForKey(c.privateKey)), p.sigSchemes);
      if (pick === null) throw new TlsError('incompatible.handshake_failure', 'no signature scheme in common');
      scheme = pick.scheme;
      this.chosenCertificate = pick.index;
    }
    const own = this.certificates()[this.chosenCertificate]!;

    // Key exchange.
    const ours = this.newKeyShare(group);
    let shared: Uint8Array;
    try {
      shared = ours.agree(share!.keyExchange);
    } catch (e) {
      // RFC 8446 §4.2.8.1/§4.2.8.2: peers MUST validate shares; invalid ones abort (illegal_parameter).
      if (e instanceof InvalidKeyShareError) throw new TlsError('peer.illegal_parameter', e.message);
      throw e;
    }
    const serverShare = ours.publicKey.slice();
    this.releaseKeyShares();

    const transcript = this.requireTranscript();
    transcript.add(raw);
    const shExts: Extension[] = [];
    if (psk !== null) shExts.push({ type: ExtensionType.pre_shared_key, data: SelectedPskExt.encode(psk.index) });
    shExts.push({ type: ExtensionType.key_share, data: KeyShareServerHelloExt.encode({ group: NAMED_GROUPS[group], keyExchange: serverShare }) });
    shExts.push({ type: ExtensionType.supported_versions, data: SupportedVersionsServerExt.encode(ProtocolVersion.TLS13) });
    const sh = handshakeMessage(HandshakeType.server_hello, ServerHelloCodec.encode({
      legacyVersion: ProtocolVersion.TLS12,
      random: this.crypto.random(32),
      // RFC 8446 §4.1.3: legacy_session_id_echo is the client's legacy_session_id.
      legacySessionIdEcho: p.ch.legacySessionId,
      cipherSuite: p.suite.code,
      legacyCompressionMethod: 0,
      extensions: shExts,
    }));
    transcript.add(sh);
    this.outbox.handshake(sh);
    this.queueCompatCcs(p.ch.legacySessionId);

    const h = this.ksHash();
    const early = EarlySecret.create(h, psk?.psk ?? null);
    const hs = early.intoHandshakeSecret(shared);
    const helloHash = transcript.current();
    const clientHs = hs.clientHandshakeTrafficSecret(helloHash);
    const serverHs = hs.serverHandshakeTrafficSecret(helloHash);
    this.clientHs = clientHs;
    this.transientSecrets.push(hs, clientHs, serverHs);
    this.clientRandom = p.ch.random;
    if (this.config.keyLog) {
      this.config.keyLog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', this.clientRandom, clientHs.exposeForTest());
      this.config.keyLog('SERVER_HANDSHAKE_TRAFFIC_SECRET', this.clientRandom, serverHs.exposeForTest());
    }
    this.outbox.writeKeys(p.suite, serverHs);
    this.record.installReadKeys(p.suite, clientHs, { allowPlainAlerts: true });
    this.readKeyChanged = true;
    if (p.recordSizeLimit !== null) this.record.setPeerRecordSizeLimit(p.recordSizeLimit);

    // EncryptedExtensions.
    const eeExts: Extension[] = [];
    if (p.serverName !== null && (this.config.acknowledgeServerName ?? true)) eeExts.push({ type: ExtensionType.server_name, data: EMPTY });
    if (alpn !== null) eeExts.push({ type: ExtensionType.application_layer_protocol_negotiation, data: AlpnExt.encode([utf8(alpn)]) });
    if (p.recordSizeLimit !== null) {
      const own = this.config.recordSizeLimit ?? MAX_INNER_PLAINTEXT;
      eeExts.push({ type: ExtensionType.record_size_limit, data: RecordSizeLimitExt.encode(own) });
      this.record.setOwnRecordSizeLimit(own);
    }
    let ee = { extensions: eeExts };
    if (this.config.encryptedExtensionsHook) ee = this.config.encryptedExtensionsHook(ee);
    const eeMsg = handshakeMessage(HandshakeType.encrypted_extensions, EncryptedExtensionsCodec.encode(ee));
    transcript.add(eeMsg);
    this.outbox.handshake(eeMsg);

    const clientAuth = psk === null ? (this.config.clientAuth ?? 'none') : 'none';
    if (psk === null) {
      if (clientAuth !== 'none') {
        const crExts: Extension[] = [{ type: ExtensionType.signature_algorithms, data: U16ListExt.encode(this.sigSchemes.map((s) => SIGNATURE_SCHEMES[s])) }];
        const certSchemes = this.config.signatureSchemesCert ?? [...DEFAULT_SIGNATURE_SCHEMES_CERT];
        if (certSchemes.length > 0) crExts.push({ type: ExtensionType.signature_algorithms_cert, data: U16ListExt.encode(certSchemes.map((s) => SIGNATURE_SCHEMES[s])) });
        const cr = handshakeMessage(HandshakeType.certificate_request, CertificateRequestCodec.encode({ certificateRequestContext: EMPTY, extensions: crExts }));
        transcript.add(cr);
        this.outbox.handshake(cr);
      }
      const cert = handshakeMessage(HandshakeType.certificate, CertificateCodec.encode({
        certificateRequestContext: EMPTY,
        certificateList: own.certificateChain.map((certData) => ({ certData, extensions: [] })),
      }));
      transcript.add(cert);
      this.outbox.handshake(cert);
      const signature = this.crypto.sign(scheme!, own.privateKey, certificateVerifyContent('server', transcript.current()));
      const cv = handshakeMessage(HandshakeType.certificate_verify, CertificateVerifyCodec.encode({ algorithm: SIGNATURE_SCHEMES[scheme!], signature }));
      transcript.add(cv);
      this.outbox.handshake(cv);
      this.negotiated.signatureScheme = scheme;
    }
    const sfk = serverHs.finishedKey();
    const fin = handshakeMessage(HandshakeType.finished, FinishedCodec.encode({ verifyData: sfk.verifyData(transcript.current()) }));
    sfk.zero();
    transcript.add(fin);
    this.outbox.handshake(fin);

    const ms = hs.intoMasterSecret();
    this.master = ms;
    this.transientSecrets.push(ms);
    const handshakeHash = transcript.current();
    this.clientApp = ms.clientApplicationTrafficSecret(handshakeHash);
    this.ownAppSecret = ms.serverApplicationTrafficSecret(handshakeHash);
    this.exporter = ms.exporterMasterSecret(handshakeHash);
    if (this.config.keyLog) {
      this.config.keyLog('CLIENT_TRAFFIC_SECRET_0', this.clientRandom, this.clientApp.exposeForTest());
      this.config.keyLog('SERVER_TRAFFIC_SECRET_0', this.clientRandom, this.ownAppSecret.exposeForTest());
      this.config.keyLog('EXPORTER_SECRET', this.clientRandom, this.exporter.exposeForTest());
    }
    this.outbox.writeKeys(p.suite, this.ownAppSecret);
    return clientAuth !== 'none' ? 'ExpectCertificate' : 'ExpectFinished';
  }

  private sendHelloRetryRequest(p: ParsedClientHello, group: GroupName): ServerState {
    // RFC 8446 §4.1.4: at most one HelloRetryRequest.
    if (this.state === 'ExpectClientHelloAfterHrr') throw new TlsError('peer.illegal_parameter', 'no acceptable key share after HelloRetryRequest');
    this.transcript = new Transcript(this.crypto, this.memory, [p.suite.hash]);
    const transcript = this.transcript;
    transcript.add(p.raw);
    const ch1Hash = transcript.current();
    // RFC 8446 §4.2.2: the cookie lets the server check that ClientHello2 follows its HRR; this
    // stateful server binds it to Hash(ClientHello1) with a per-connection random key.
    const cookieKey = this.crypto.random(32);
    const cookie = this.crypto.hmac(p.suite.hash, cookieKey, ch1Hash);
    cookieKey.fill(0);
    transcript.replaceWithMessageHash();
    const hrr = handshakeMessage(HandshakeType.server_hello, ServerHelloCodec.encode({
      legacyVersion: ProtocolVersion.TLS12,
      random: HELLO_RETRY_REQUEST_RANDOM,
      legacySessionIdEcho: p.ch.legacySessionId,
      cipherSuite: p.suite.code,
      legacyCompressionMethod: 0,
      extensions: [
        { type: ExtensionType.key_share, data: KeyShareHrrExt.encode(NAMED_GROUPS[group]) },
        { type: ExtensionType.supported_versions, data: SupportedVersionsServerExt.encode(ProtocolVersion.TLS13) },
        { type: ExtensionType.cookie, data: CookieExt.encode(cookie) },
      ],
    }));
    transcript.add(hrr);
    this.outbox.handshake(hrr);
    this.queueCompatCcs(p.ch.legacySessionId);
    this.hrr = { suite: p.suite, group, cookie };
    this.events.push({ type: 'helloRetryRequest', group: groupByCode(NAMED_GROUPS[group]) ?? null });
    return 'ExpectClientHelloAfterHrr';
  }

  /**
   * RFC 8446 §D.4: a client asking for middlebox compatibility (a non-empty legacy_session_id)
   * gets a dummy change_cipher_spec immediately after the server's first handshake message,
   * the ServerHello or the HelloRetryRequest, and only once.
   */
  private queueCompatCcs(legacySessionId: Uint8Array): void {
    if (legacySessionId.length === 0 || this.compatCcsSent) return;
    this.outbox.changeCipherSpec();
    this.compatCcsSent = true;
  }

  /** Finds a usable ticket among the offered PSKs and verifies its binder. */
  private selectPsk(p: ParsedClientHello): { index: number; psk: Uint8Array } | null {
    if (p.offeredPsks === null || this.sealer === null || !p.pskModes.includes(PskKeyExchangeMode.psk_dhe_ke)) return null;
    const now = this.env.nowMs();
    for (let i = 0; i < p.offeredPsks.identities.length; i++) {
      const id = p.offeredPsks.identities[i]!;
      const state = this.sealer.open(id.identity);
      if (state === null) continue;
      // RFC 8446 §4.2.11: the server MUST select a PSK compatible with the suite's hash.
      if (CIPHER_SUITES[state.cipherSuite].hash !== p.suite.hash) continue;
      // RFC 8446 §4.6.1: a ticket is not used beyond its lifetime.
      if (now < state.issuedAtMs || now - state.issuedAtMs > state.lifetimeSeconds * 1000) continue;
      // RFC 8446 §4.2.11.2: the server MUST validate the binder of the selected PSK; a binder
      // that is missing or does not validate MUST abort with decrypt_error.
      const binder = p.offeredPsks.binders[i]!;
      const truncated = p.raw.subarray(0, p.raw.length - bindersLength(p.offeredPsks.binders));
      const h = this.ksHash();
      const transcriptHash = this.transcript !== null ? this.transcript.currentWith(truncated) : this.crypto.hash(h.hash, truncated);
      const early = EarlySecret.create(h, state.psk.slice());
      const bk = early.binderKey(false);
      const fk = bk.finishedKey();
      const expected = fk.verifyData(transcriptHash);
      early.zero();
      bk.zero();
      fk.zero();
      if (!this.crypto.equal(expected, binder)) throw new TlsError('peer.decrypt_error', 'PSK binder does not verify');
      this.negotiated.resumed = true;
      return { index: i, psk: state.psk };
    }
    return null;
  }

  private onCertificate(body: Uint8Array, raw: Uint8Array): ServerState {
    const cert = CertificateCodec.decode(body);
    // RFC 8446 §4.4.2: the client's context echoes the CertificateRequest's (empty here).
    if (cert.certificateRequestContext.length !== 0) throw new TlsError('peer.illegal_parameter', 'client Certificate context');
    for (const e of cert.certificateList) {
      if (e.extensions.length > 0) throw new TlsError('peer.unsupported_extension', 'CertificateEntry extension not requested');
    }
    this.requireTranscript().add(raw);
    if (cert.certificateList.length === 0) {
      // RFC 8446 §4.4.2.4: with no client certificate the server MAY continue or abort with certificate_required.
      if (this.config.clientAuth === 'require') throw new TlsError('certificate.required', 'client sent no certificate');
      return 'ExpectFinished';
    }
    const chain = cert.certificateList.map((e) => e.certData);
    this.storePeerChain(chain);
    this.clientCertLeaf = this.peerCertificateChain[0]!;
    const verdict = this.config.verifyPeerCertificate!(this.peerCertificateChain, { usage: 'clientAuth' });
    if (verdict !== null) throw verdict;
    return 'ExpectCertificateVerify';
  }

  private onCertificateVerify(body: Uint8Array, raw: Uint8Array): ServerState {
    // RFC 8446 §4.4.3: the client's algorithm MUST be one in the CertificateRequest's signature_algorithms.
    this.verifyPeerCertificateVerify(body, raw, this.clientCertLeaf!, 'client', this.sigSchemes, this.config.publicKeyOf!);
    this.clientAuthenticated = true;
    return 'ExpectFinished';
  }

  private onFinished(body: Uint8Array, raw: Uint8Array): ServerState {
    this.verifyPeerFinished(body, raw, this.clientHs!, 'client');
    const transcript = this.requireTranscript();
    this.skippedEarlyData = -1;
    const suite = this.requireSuite();
    this.peerAppSecret = this.clientApp;
    this.record.installReadKeys(suite, this.clientApp!);
    this.readKeyChanged = true;
    this.resumption = this.master!.resumptionMasterSecret(transcript.current());
    this.issueTickets();
    this.finishHandshake();
    return 'ExpectTraffic';
  }

  /** NewSessionTicket(s) after the handshake (RFC 8446 §4.6.1). */
  private issueTickets(): void {
    const t = this.config.tickets;
    // Tickets only for clients that can use them (psk_dhe_ke, the only mode this engine resumes with).
    if (t === undefined || this.sealer === null || !this.clientPskModes.includes(PskKeyExchangeMode.psk_dhe_ke)) return;
    const suite = this.requireSuite();
    const lifetime = Math.min(t.lifetimeSeconds ?? DEFAULT_TICKET_LIFETIME, 604800);
    for (let i = 0; i < (t.count ?? 1); i++) {
      const nonce = u16be(i);
      const ageAdd = new DataView(this.crypto.random(4).buffer).getUint32(0);
      const psk = this.resumption!.psk(nonce);
      const state: ResumptionState = { cipherSuite: suite.name, psk, ageAdd, issuedAtMs: this.env.nowMs(), lifetimeSeconds: lifetime };
      if (this.negotiated.serverName !== null) state.serverName = this.negotiated.serverName;
      if (this.negotiated.alpn !== null) state.alpn = this.negotiated.alpn;
      // The resumption state is held while the ticket is sealed.
      const block = allocOrThrow(this.memory, 'general', psk.length + 32, TLS_TAGS.ticket);
      let ticket: Uint8Array;
      try {
        ticket = this.sealer.seal(state);
      } finally {
        psk.fill(0);
        block.bytes.fill(0);
        this.memory.free(block);
      }
      const exts: Extension[] = t.maxEarlyDataSize ? [{ type: ExtensionType.early_data, data: EarlyDataTicketExt.encode(t.maxEarlyDataSize) }] : [];
      this.outbox.handshake(handshakeMessage(HandshakeType.new_session_ticket, NewSessionTicketCodec.encode({
        ticketLifetime: lifetime, ticketAgeAdd: ageAdd, ticketNonce: nonce, ticket, extensions: exts,
      })));
    }
  }
}
