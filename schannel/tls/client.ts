/**
 * The TLS 1.3 client handshake (RFC 8446 §2, §4), as the states of {@link CLIENT_TRANSITIONS}.
 */
import type { GroupName, PrivateKey, SignatureScheme } from '../crypto/types.js';
import { InvalidKeyShareError } from '../crypto/provider.js';
import {
  CIPHER_SUITES, type CipherSuite, ExtensionType, HandshakeType, NAMED_GROUPS, ProtocolVersion, PskKeyExchangeMode,
  SIGNATURE_SCHEMES, cipherSuiteByCode, groupByCode, signatureSchemeByCode,
} from './codec/constants.js';
import {
  AlpnExt, EarlyDataTicketExt, type Extension, KeyShareClientHelloExt, KeyShareHrrExt, KeyShareServerHelloExt, OfferedPsksExt,
  PskModesExt, RecordSizeLimitExt, SelectedPskExt, ServerNameListExt, SupportedVersionsClientExt, SupportedVersionsServerExt,
  CookieExt, EmptyExt, U16ListExt, bindersLength, findExtension,
} from './codec/extensions.js';
import {
  CertificateCodec, CertificateRequestCodec, CertificateVerifyCodec, type ClientHello, ClientHelloCodec, EncryptedExtensionsCodec,
  FinishedCodec, NewSessionTicketCodec, ServerHelloCodec, isHelloRetryRequest,
} from './codec/handshake.js';
import type { OutputResult, SessionTicket, TlsClientConfig, TlsEnv } from './config.js';
import { TlsConnection } from './connection.js';
import { TlsError, toTlsError } from './errors.js';
import {
  type ApplicationTrafficSecret, EarlySecret, type HandshakeSecret, type HandshakeTrafficSecret, type MasterSecret,
} from './keyschedule.js';
import { TLS_TAGS, allocOrThrow } from './memory.js';
import { MIN_RECORD_SIZE_LIMIT } from './record.js';
import { CLIENT_TRANSITIONS, type ClientState, checkAccepts, checkTransition } from './states.js';
import { Transcript } from './transcript.js';
import {
  DEFAULT_CIPHER_SUITES, DEFAULT_SIGNATURE_SCHEMES, DEFAULT_SIGNATURE_SCHEMES_CERT, certificateVerifyContent, checkNoDuplicates,
  checkResponseExtensions, fromUtf8, handshakeMessage, pickScheme, schemesForKey, utf8,
} from './util.js';

const EMPTY: Uint8Array = new Uint8Array(0);

/** RFC 8446 §4.6.1: servers MUST NOT use a ticket lifetime above 604800 seconds (7 days). */
const MAX_TICKET_LIFETIME = 604800;

/** Extensions a ServerHello may carry (RFC 8446 §4.2 table). */
const SERVER_HELLO_EXTENSIONS = [ExtensionType.key_share, ExtensionType.pre_shared_key, ExtensionType.supported_versions];
/** Extensions a HelloRetryRequest may carry. */
const HRR_EXTENSIONS = [ExtensionType.key_share, ExtensionType.cookie, ExtensionType.supported_versions];
/** Extensions EncryptedExtensions may carry (RFC 8446 §4.2 table, RFC 7301, RFC 8449). */
const EE_EXTENSIONS = [
  ExtensionType.server_name, ExtensionType.supported_groups, ExtensionType.application_layer_protocol_negotiation,
  ExtensionType.record_size_limit, ExtensionType.early_data,
];

/** A TLS 1.3 client connection. Create with `createClient`. */
export class TlsClient extends TlsConnection {
  /** Always 'client'. */
  readonly role = 'client' as const;
  private state: ClientState = 'Start';
  private readonly suites: CipherSuite[];
  private readonly groups: GroupName[];
  private readonly sigSchemes: SignatureScheme[];
  private clientRandom: Uint8Array = EMPTY;
  private sessionId: Uint8Array = EMPTY;
  /** Extension types in the last ClientHello as sent (after the hook). */
  private offered = new Set<number>();
  private sharedGroups: GroupName[] = [];
  private hrrSuite: CipherSuite | null = null;
  private cookie: Uint8Array | null = null;
  private ticket: SessionTicket | null = null;
  private handshakeSecret: HandshakeSecret | null = null;
  private clientHs: HandshakeTrafficSecret | null = null;
  private serverHs: HandshakeTrafficSecret | null = null;
  private master: MasterSecret | null = null;
  private clientApp: ApplicationTrafficSecret | null = null;
  private certRequest: { context: Uint8Array; schemes: SignatureScheme[] } | null = null;
  private peerLeaf: Uint8Array | null = null;
  private ownRecordLimit: number | null = null;

  /**
   * @param config client settings
   * @param env crypto, memory, clock
   */
  constructor(private readonly config: TlsClientConfig, env: TlsEnv) {
    super(env);
    this.suites = (config.cipherSuites ?? DEFAULT_CIPHER_SUITES).map((n) => CIPHER_SUITES[n]);
    this.groups = config.groups ?? ['x25519', 'secp256r1'];
    this.sigSchemes = config.signatureSchemes ?? [...DEFAULT_SIGNATURE_SCHEMES];
    if (config.serverName !== undefined) this.negotiated.serverName = config.serverName;
  }

  /** Current state name (tests, diagnostics). */
  get handshakeState(): ClientState {
    return this.state;
  }

  protected override get paused(): boolean {
    return this.state === 'AwaitClientCertificate';
  }
  protected override get started(): boolean {
    return this.state !== 'Start';
  }

  private goto(next: ClientState, on: number | null): void {
    checkTransition(CLIENT_TRANSITIONS, this.state, on, next);
    this.state = next;
  }

  /** Builds and returns the first flight (ClientHello). */
  start(): OutputResult {
    if (this.failure) return { output: EMPTY, events: [], error: this.failure };
    if (this.state !== 'Start') return { output: EMPTY, events: [], error: new TlsError('api.misuse', 'start() called twice') };
    this.events = [];
    try {
      this.validateConfig();
      this.transcript = new Transcript(this.crypto, this.memory, ['sha256', 'sha384']);
      this.clientRandom = this.crypto.random(32);
      if (this.config.middleboxCompatibility) this.sessionId = this.crypto.random(32);
      const ticket = this.config.ticket;
      if (ticket && this.ticketUsable(ticket)) {
        this.ticket = ticket;
        // The offered ticket and its PSK are held for the handshake.
        this.extraBlocks.add(allocOrThrow(this.memory, 'general', ticket.ticket.length + ticket.psk.length, TLS_TAGS.ticket));
      }
      const shareGroups = this.config.keyShareGroups ?? [this.groups[0]!];
      for (const g of shareGroups) this.newKeyShare(g);
      this.sharedGroups = [...shareGroups];
      this.sendClientHello(null);
      this.clientHelloSeen = true;
      this.goto('ExpectServerHello', null);
      const output = this.outbox.flush(this.record, this.memory);
      return { output, events: this.events };
    } catch (e) {
      const { error, output } = this.fail(e);
      return { output, events: this.events, error };
    }
  }

  private validateConfig(): void {
    const c = this.config;
    if (this.suites.length === 0 || this.groups.length === 0) throw new TlsError('api.config', 'no cipher suites or groups');
    for (const g of c.keyShareGroups ?? []) {
      if (!this.groups.includes(g)) throw new TlsError('api.config', `key share group ${g} not in groups`);
    }
    if (c.recordSizeLimit !== undefined && (c.recordSizeLimit < MIN_RECORD_SIZE_LIMIT || c.recordSizeLimit > 16385)) {
      throw new TlsError('api.config', 'recordSizeLimit must be 64..16385');
    }
    if (!c.verifyPeerCertificate || !c.publicKeyOf) {
      throw new TlsError('api.config', 'verifyPeerCertificate and publicKeyOf are required');
    }
    if ((c.certificateChain && !c.privateKey) || (!c.certificateChain && c.privateKey)) {
      throw new TlsError('api.config', 'certificateChain and privateKey go together');
    }
  }

  private ticketUsable(t: SessionTicket): boolean {
    const suite = CIPHER_SUITES[t.cipherSuite];
    const ageMs = this.env.nowMs() - t.receivedAtMs;
    // RFC 8446 §4.6.1: clients MUST NOT cache tickets longer than 7 days or their lifetime.
    if (ageMs < 0 || ageMs > Math.min(t.lifetimeSeconds, MAX_TICKET_LIFETIME) * 1000) return false;
    // RFC 8446 §4.2.11: the PSK's hash must match a suite we offer.
    return this.suites.some((s) => s.hash === suite.hash);
  }

  /** Builds, hooks, binds and queues a ClientHello. `hrr` = after a HelloRetryRequest. */
  private sendClientHello(hrr: { group: GroupName | null } | null): void {
    const c = this.config;
    const exts: Extension[] = [];
    if (c.serverName !== undefined && !isIpLiteral(c.serverName)) {
      // RFC 6066 §3: HostName, no IP literals.
      exts.push({ type: ExtensionType.server_name, data: ServerNameListExt.encode([{ nameType: 0, name: utf8(c.serverName) }]) });
    }
    exts.push({ type: ExtensionType.supported_groups, data: U16ListExt.encode(this.groups.map((g) => NAMED_GROUPS[g])) });
    exts.push({ type: ExtensionType.signature_algorithms, data: U16ListExt.encode(this.sigSchemes.map((s) => SIGNATURE_SCHEMES[s])) });
    const certSchemes = c.signatureSchemesCert ?? [...DEFAULT_SIGNATURE_SCHEMES_CERT];
    if (certSchemes.length > 0) {
      exts.push({ type: ExtensionType.signature_algorithms_cert, data: U16ListExt.encode(certSchemes.map((s) => SIGNATURE_SCHEMES[s])) });
    }
    if (c.alpn && c.alpn.length > 0) {
      exts.push({ type: ExtensionType.application_layer_protocol_negotiation, data: AlpnExt.encode(c.alpn.map(utf8)) });
    }
    if (c.recordSizeLimit !== undefined) exts.push({ type: ExtensionType.record_size_limit, data: RecordSizeLimitExt.encode(c.recordSizeLimit) });
    exts.push({
      type: ExtensionType.key_share,
      data: KeyShareClientHelloExt.encode(this.keyShares.map((k) => ({ group: NAMED_GROUPS[k.share.group], keyExchange: k.share.publicKey }))),
    });
    exts.push({ type: ExtensionType.supported_versions, data: SupportedVersionsClientExt.encode([ProtocolVersion.TLS13]) });
    // psk_dhe_ke only (RFC 8446 §4.2.9); sent always so servers issue tickets.
    exts.push({ type: ExtensionType.psk_key_exchange_modes, data: PskModesExt.encode([PskKeyExchangeMode.psk_dhe_ke]) });
    if (this.cookie !== null) exts.push({ type: ExtensionType.cookie, data: CookieExt.encode(this.cookie) });
    // RFC 8446 §4.1.4: after HRR, a PSK is kept only if its hash matches the HRR's suite.
    const ticket = this.ticket !== null && (this.hrrSuite === null || CIPHER_SUITES[this.ticket.cipherSuite].hash === this.hrrSuite.hash) ? this.ticket : null;
    if (ticket === null && this.ticket !== null) this.dropTicket();
    const pskHash = ticket ? CIPHER_SUITES[ticket.cipherSuite].hash : null;
    const binderLen = ticket ? CIPHER_SUITES[ticket.cipherSuite].hashLength : 0;
    if (ticket) {
      // RFC 8446 §4.2.11.1: obfuscated_ticket_age = (age in ms + ticket_age_add) mod 2^32.
      const age = Math.max(0, this.env.nowMs() - ticket.receivedAtMs);
      exts.push({
        type: ExtensionType.pre_shared_key,
        data: OfferedPsksExt.encode({
          identities: [{ identity: ticket.ticket, obfuscatedTicketAge: (age + ticket.ageAdd) >>> 0 }],
          binders: [new Uint8Array(binderLen)],
        }),
      });
    }
    let ch: ClientHello = {
      legacyVersion: ProtocolVersion.TLS12,
      random: this.clientRandom,
      legacySessionId: this.sessionId,
      cipherSuites: this.suites.map((s) => s.code),
      legacyCompressionMethods: Uint8Array.of(0),
      extensions: exts,
    };
    if (c.clientHelloHook) ch = c.clientHelloHook(ch);
    // The echo is checked against what went out (a dual offer carries a TLS 1.2 session ID).
    this.sessionId = ch.legacySessionId;
    const chExts = ch.extensions ?? [];
    this.offered = new Set(chExts.map((e) => e.type));
    const raw = handshakeMessage(HandshakeType.client_hello, ClientHelloCodec.encode(ch));
    const transcript = this.requireTranscript();
    if (ticket && pskHash) {
      // RFC 8446 §4.2.11: pre_shared_key MUST be the last extension in the ClientHello.
      if (chExts[chExts.length - 1]?.type !== ExtensionType.pre_shared_key) throw new TlsError('api.config', 'clientHelloHook moved pre_shared_key');
      // RFC 8446 §4.2.11.2: the binder is an HMAC over the transcript through the ClientHello
      // truncated before the binders list (with any HRR prefix).
      const truncated = raw.subarray(0, raw.length - bindersLength([new Uint8Array(binderLen)]));
      const early = EarlySecret.create({ crypto: this.crypto, hash: pskHash }, ticket.psk.slice());
      const binderKey = early.binderKey(false);
      const fk = binderKey.finishedKey();
      const binder = fk.verifyData(transcript.currentWith(truncated, pskHash));
      early.zero();
      binderKey.zero();
      fk.zero();
      raw.set(binder, raw.length - binderLen);
    }
    transcript.add(raw);
    this.outbox.handshake(raw, hrr === null ? ProtocolVersion.TLS10 : undefined);
  }

  private dropTicket(): void {
    this.ticket = null;
    for (const b of this.extraBlocks) {
      b.bytes.fill(0);
      this.memory.free(b);
    }
    this.extraBlocks.clear();
  }

  protected override handleHandshake(msgType: number, body: Uint8Array, raw: Uint8Array): void {
    const from = this.state;
    checkAccepts(CLIENT_TRANSITIONS, from, msgType);
    let next: ClientState;
    switch (from) {
      case 'ExpectServerHello':
      case 'ExpectServerHelloAfterHrr':
        next = this.onServerHello(body, raw);
        break;
      case 'ExpectEncryptedExtensions':
        next = this.onEncryptedExtensions(body, raw);
        break;
      case 'ExpectCertificateOrCertificateRequest':
      case 'ExpectCertificate':
        next = msgType === HandshakeType.certificate_request ? this.onCertificateRequest(body, raw) : this.onCertificate(body, raw);
        break;
      case 'ExpectCertificateVerify':
        next = this.onCertificateVerify(body, raw);
        break;
      case 'ExpectFinished':
        next = this.onFinished(body, raw);
        break;
      case 'ExpectTraffic':
        if (msgType === HandshakeType.key_update) this.handleKeyUpdate(body);
        else this.onNewSessionTicket(body);
        next = 'ExpectTraffic';
        break;
      default:
        throw new TlsError('internal.error', `no handler in ${from}`);
    }
    this.goto(next, msgType);
  }

  private onServerHello(body: Uint8Array, raw: Uint8Array): ClientState {
    const sh = ServerHelloCodec.decode(body);
    const exts = sh.extensions ?? [];
    const sv = findExtension(exts, ExtensionType.supported_versions);
    // RFC 8446 §4.2.1: without supported_versions the server negotiated TLS 1.2 or below, which
    // this engine does not do.
    if (sv === undefined) throw new TlsError('incompatible.protocol_version', 'server did not select TLS 1.3');
    const selected = SupportedVersionsServerExt.decode(sv.data);
    // RFC 8446 §4.2.1: a selected_version the client did not offer MUST draw illegal_parameter.
    if (selected !== ProtocolVersion.TLS13) throw new TlsError('peer.illegal_parameter', `selected_version 0x${selected.toString(16)}`);
    // RFC 8446 §4.1.3: legacy_version MUST be 0x0303.
    if (sh.legacyVersion !== ProtocolVersion.TLS12) throw new TlsError('peer.illegal_parameter', 'ServerHello legacy_version');
    // RFC 8446 §4.1.3: a client receiving a legacy_session_id_echo that does not match what it
    // sent MUST abort with illegal_parameter.
    if (!this.crypto.equal(sh.legacySessionIdEcho, this.sessionId)) throw new TlsError('peer.illegal_parameter', 'legacy_session_id_echo mismatch');
    // RFC 8446 §4.1.3: legacy_compression_method MUST be 0.
    if (sh.legacyCompressionMethod !== 0) throw new TlsError('peer.illegal_parameter', 'legacy_compression_method');
    const suite = cipherSuiteByCode(sh.cipherSuite);
    // RFC 8446 §4.1.3: a cipher suite that was not offered MUST draw illegal_parameter.
    if (suite === undefined || !this.suites.includes(suite)) throw new TlsError('peer.illegal_parameter', `cipher suite 0x${sh.cipherSuite.toString(16)} not offered`);
    this.negotiated.version = ProtocolVersion.TLS13;
    if (isHelloRetryRequest(sh)) return this.onHelloRetryRequest(sh.extensions ?? [], suite, raw);

    checkResponseExtensions(exts, SERVER_HELLO_EXTENSIONS, this.offered, 'ServerHello');
    // RFC 8446 §4.1.4: the cipher suite in the ServerHello MUST be the HelloRetryRequest's.
    if (this.hrrSuite !== null && this.hrrSuite !== suite) throw new TlsError('peer.illegal_parameter', 'ServerHello suite differs from HelloRetryRequest');
    const transcript = this.requireTranscript();
    if (this.hrrSuite === null) transcript.select(suite.hash);
    transcript.add(raw);
    this.negotiated.cipherSuite = suite;
    this.allocKeySchedule();

    let psk: Uint8Array | null = null;
    const pskExt = findExtension(exts, ExtensionType.pre_shared_key);
    if (pskExt !== undefined) {
      const index = SelectedPskExt.decode(pskExt.data);
      // RFC 8446 §4.2.11: the selected identity MUST be one offered, and the suite's hash MUST be
      // the PSK's; otherwise illegal_parameter.
      if (this.ticket === null || index !== 0) throw new TlsError('peer.illegal_parameter', `selected_identity ${index}`);
      if (CIPHER_SUITES[this.ticket.cipherSuite].hash !== suite.hash) throw new TlsError('peer.illegal_parameter', 'PSK hash does not match the suite');
      psk = this.ticket.psk.slice();
      this.negotiated.resumed = true;
    } else if (this.ticket !== null) {
      this.dropTicket();
    }
    const ksExt = findExtension(exts, ExtensionType.key_share);
    if (ksExt === undefined) {
      // RFC 8446 §4.2.9/§4.2.11: psk_dhe_ke (the only mode offered) requires a key_share.
      throw new TlsError(psk ? 'peer.illegal_parameter' : 'peer.missing_extension', 'ServerHello without key_share');
    }
    const entry = KeyShareServerHelloExt.decode(ksExt.data);
    const held = this.keyShares.find((k) => NAMED_GROUPS[k.share.group] === entry.group);
    // RFC 8446 §4.2.8: the server's share MUST be in a group the client offered a share for.
    if (held === undefined) throw new TlsError('peer.illegal_parameter', `key_share group 0x${entry.group.toString(16)} not offered`);
    let shared: Uint8Array;
    try {
      shared = held.share.agree(entry.keyExchange);
    } catch (e) {
      // RFC 8446 §4.2.8.1/§4.2.8.2: invalid peer shares abort the handshake (illegal_parameter).
      if (e instanceof InvalidKeyShareError) throw new TlsError('peer.illegal_parameter', e.message);
      throw e;
    }
    this.negotiated.group = held.share.group;
    this.releaseKeyShares();

    const h = this.ksHash();
    const early = EarlySecret.create(h, psk);
    psk?.fill(0);
    const hs = early.intoHandshakeSecret(shared);
    const helloHash = transcript.current();
    this.handshakeSecret = hs;
    this.clientHs = hs.clientHandshakeTrafficSecret(helloHash);
    this.serverHs = hs.serverHandshakeTrafficSecret(helloHash);
    this.transientSecrets.push(hs, this.clientHs, this.serverHs);
    if (this.config.keyLog) {
      this.config.keyLog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', this.clientRandom, this.clientHs.exposeForTest());
      this.config.keyLog('SERVER_HANDSHAKE_TRAFFIC_SECRET', this.clientRandom, this.serverHs.exposeForTest());
    }
    this.record.installReadKeys(suite, this.serverHs);
    this.record.installWriteKeys(suite, this.clientHs);
    this.readKeyChanged = true;
    return 'ExpectEncryptedExtensions';
  }

  private onHelloRetryRequest(exts: Extension[], suite: CipherSuite, raw: Uint8Array): ClientState {
    // RFC 8446 §4.1.4: a second HelloRetryRequest MUST draw unexpected_message.
    if (this.state === 'ExpectServerHelloAfterHrr') throw new TlsError('peer.unexpected_message', 'second HelloRetryRequest');
    checkResponseExtensions(exts, HRR_EXTENSIONS, new Set([...this.offered, ExtensionType.cookie]), 'HelloRetryRequest');
    let group: GroupName | null = null;
    const ks = findExtension(exts, ExtensionType.key_share);
    if (ks !== undefined) {
      const code = KeyShareHrrExt.decode(ks.data);
      const g = groupByCode(code);
      // RFC 8446 §4.2.8: selected_group MUST be in supported_groups and MUST NOT be a group the
      // client already sent a share for; otherwise illegal_parameter.
      if (g === undefined || !this.groups.includes(g) || this.sharedGroups.includes(g)) {
        throw new TlsError('peer.illegal_parameter', `HelloRetryRequest selected_group 0x${code.toString(16)}`);
      }
      group = g;
    }
    const cookie = findExtension(exts, ExtensionType.cookie);
    // RFC 8446 §4.1.4: an HRR that would not change the ClientHello MUST draw illegal_parameter.
    if (group === null && cookie === undefined) throw new TlsError('peer.illegal_parameter', 'HelloRetryRequest changes nothing');
    this.cookie = cookie ? CookieExt.decode(cookie.data).slice() : null;
    this.hrrSuite = suite;
    const transcript = this.requireTranscript();
    transcript.select(suite.hash);
    // RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash(Hash(ClientHello1)).
    transcript.replaceWithMessageHash();
    transcript.add(raw);
    if (group !== null) {
      this.releaseKeyShares();
      this.newKeyShare(group);
      this.sharedGroups = [group];
    }
    this.events.push({ type: 'helloRetryRequest', group });
    this.sendClientHello({ group });
    return 'ExpectServerHelloAfterHrr';
  }

  private onEncryptedExtensions(body: Uint8Array, raw: Uint8Array): ClientState {
    const ee = EncryptedExtensionsCodec.decode(body);
    // RFC 8446 §4.3.1: the client MUST check EncryptedExtensions for forbidden extensions
    // (illegal_parameter); RFC 8446 §4.2: unrequested ones draw unsupported_extension.
    checkResponseExtensions(ee.extensions, EE_EXTENSIONS, new Set([...this.offered, ExtensionType.supported_groups]), 'EncryptedExtensions');
    for (const e of ee.extensions) {
      switch (e.type) {
        case ExtensionType.server_name:
        case ExtensionType.early_data:
          EmptyExt.decode(e.data);
          break;
        case ExtensionType.supported_groups:
          U16ListExt.decode(e.data);
          break;
        case ExtensionType.application_layer_protocol_negotiation: {
          const names = AlpnExt.decode(e.data);
          const name = fromUtf8(names[0]!);
          // RFC 7301 §3.1: the server's list MUST contain exactly one protocol, one the client offered.
          if (names.length !== 1 || !(this.config.alpn ?? []).includes(name)) throw new TlsError('peer.illegal_parameter', `ALPN ${name} not offered`);
          this.negotiated.alpn = name;
          break;
        }
        case ExtensionType.record_size_limit: {
          const limit = RecordSizeLimitExt.decode(e.data);
          // RFC 8449 §4: a value below 64 MUST draw illegal_parameter.
          if (limit < MIN_RECORD_SIZE_LIMIT) throw new TlsError('peer.illegal_parameter', `record_size_limit ${limit}`);
          this.record.setPeerRecordSizeLimit(limit);
          if (this.config.recordSizeLimit !== undefined) {
            this.ownRecordLimit = this.config.recordSizeLimit;
            this.record.setOwnRecordSizeLimit(this.ownRecordLimit);
          }
          break;
        }
      }
    }
    this.requireTranscript().add(raw);
    return this.negotiated.resumed ? 'ExpectFinished' : 'ExpectCertificateOrCertificateRequest';
  }

  private onCertificateRequest(body: Uint8Array, raw: Uint8Array): ClientState {
    const cr = CertificateRequestCodec.decode(body);
    // RFC 8446 §4.3.2: certificate_request_context SHALL be zero length during the handshake.
    if (cr.certificateRequestContext.length !== 0) throw new TlsError('peer.illegal_parameter', 'CertificateRequest context');
    checkNoDuplicates(cr.extensions, 'CertificateRequest');
    const sa = findExtension(cr.extensions, ExtensionType.signature_algorithms);
    // RFC 8446 §4.3.2: the signature_algorithms extension MUST be specified.
    if (sa === undefined) throw new TlsError('peer.missing_extension', 'CertificateRequest without signature_algorithms');
    const schemes = U16ListExt.decode(sa.data).map(signatureSchemeByCode).filter((s): s is SignatureScheme => s !== undefined);
    this.certRequest = { context: cr.certificateRequestContext.slice(), schemes };
    this.requireTranscript().add(raw);
    return 'ExpectCertificate';
  }

  private onCertificate(body: Uint8Array, raw: Uint8Array): ClientState {
    const cert = CertificateCodec.decode(body);
    // RFC 8446 §4.4.2: for server authentication the context SHALL be zero length.
    if (cert.certificateRequestContext.length !== 0) throw new TlsError('peer.illegal_parameter', 'server Certificate context');
    // RFC 8446 §4.4.2.4: an empty server Certificate MUST draw decode_error.
    if (cert.certificateList.length === 0) throw new TlsError('decode.malformed', 'empty server Certificate');
    for (const e of cert.certificateList) {
      // RFC 8446 §4.4.2: CertificateEntry extensions must answer ClientHello ones (we request none).
      if (e.extensions.length > 0) throw new TlsError('peer.unsupported_extension', 'CertificateEntry extension not requested');
    }
    const chain = cert.certificateList.map((e) => e.certData);
    this.storePeerChain(chain);
    this.peerLeaf = this.peerCertificateChain[0]!;
    const ctx = this.config.serverName !== undefined
      ? { serverName: this.config.serverName, usage: 'serverAuth' as const }
      : { usage: 'serverAuth' as const };
    const verdict = this.config.verifyPeerCertificate!(this.peerCertificateChain, ctx);
    if (verdict !== null) throw verdict;
    this.requireTranscript().add(raw);
    return 'ExpectCertificateVerify';
  }

  private onCertificateVerify(body: Uint8Array, raw: Uint8Array): ClientState {
    this.verifyPeerCertificateVerify(body, raw, this.peerLeaf!, 'server', this.sigSchemes, this.config.publicKeyOf!);
    return 'ExpectFinished';
  }

  private onFinished(body: Uint8Array, raw: Uint8Array): ClientState {
    this.verifyPeerFinished(body, raw, this.serverHs!, 'server');
    const transcript = this.requireTranscript();
    const suite = this.requireSuite();
    const ms = this.handshakeSecret!.intoMasterSecret();
    this.master = ms;
    this.transientSecrets.push(ms);
    const handshakeHash = transcript.current();
    this.clientApp = ms.clientApplicationTrafficSecret(handshakeHash);
    this.peerAppSecret = ms.serverApplicationTrafficSecret(handshakeHash);
    this.exporter = ms.exporterMasterSecret(handshakeHash);
    if (this.config.keyLog) {
      this.config.keyLog('CLIENT_TRAFFIC_SECRET_0', this.clientRandom, this.clientApp.exposeForTest());
      this.config.keyLog('SERVER_TRAFFIC_SECRET_0', this.clientRandom, this.peerAppSecret.exposeForTest());
      this.config.keyLog('EXPORTER_SECRET', this.clientRandom, this.exporter.exposeForTest());
    }
    this.record.installReadKeys(suite, this.peerAppSecret);
    this.readKeyChanged = true;
    if (this.certRequest !== null && !(this.config.certificateChain && this.config.privateKey)) {
      this.events.push({ type: 'needClientCertificate', signatureSchemes: this.certRequest.schemes });
      return 'AwaitClientCertificate';
    }
    this.sendClientFlight(this.config.certificateChain ?? null, this.config.privateKey ?? null, this.config.privateKeySchemes);
    return 'ExpectTraffic';
  }

  /**
   * Resumes a handshake paused with `needClientCertificate` (Schannel's
   * SEC_I_INCOMPLETE_CREDENTIALS): sends Certificate (+ CertificateVerify) or an empty
   * Certificate when `chain`/`key` are null, then Finished.
   */
  provideClientCertificate(chain: Uint8Array[] | null, key: PrivateKey | null, schemes?: SignatureScheme[]): OutputResult {
    if (this.failure) return { output: EMPTY, events: [], error: this.failure };
    if (this.state !== 'AwaitClientCertificate') return { output: EMPTY, events: [], error: new TlsError('api.misuse', 'no client certificate was asked for') };
    this.events = [];
    try {
      this.sendClientFlight(chain, key, schemes);
      this.goto('ExpectTraffic', null);
      const output = this.outbox.flush(this.record, this.memory);
      return { output, events: this.events };
    } catch (e) {
      const { error, output } = this.fail(e);
      return { output, events: this.events, error };
    }
  }

  /** Certificate, CertificateVerify (when asked), Finished; then application keys. */
  private sendClientFlight(chain: Uint8Array[] | null, key: PrivateKey | null, schemes: SignatureScheme[] | undefined): void {
    const transcript = this.requireTranscript();
    const suite = this.requireSuite();
    // RFC 8446 §D.4: in middlebox compatibility mode the client sends a dummy change_cipher_spec
    // immediately before its encrypted flight.
    if (this.config.middleboxCompatibility) this.outbox.changeCipherSpec();
    if (this.certRequest !== null) {
      const scheme = chain && chain.length > 0 && key ? pickScheme(schemes ?? schemesForKey(key), this.certRequest.schemes) : null;
      const list = scheme !== null ? chain!.map((certData) => ({ certData, extensions: [] })) : [];
      const certMsg = handshakeMessage(HandshakeType.certificate, CertificateCodec.encode({
        certificateRequestContext: this.certRequest.context, certificateList: list,
      }));
      transcript.add(certMsg);
      this.outbox.handshake(certMsg);
      if (scheme !== null) {
        const content = certificateVerifyContent('client', transcript.current());
        const signature = this.crypto.sign(scheme, key!, content);
        const cvMsg = handshakeMessage(HandshakeType.certificate_verify, CertificateVerifyCodec.encode({ algorithm: SIGNATURE_SCHEMES[scheme], signature }));
        transcript.add(cvMsg);
        this.outbox.handshake(cvMsg);
        this.negotiated.signatureScheme = scheme;
      }
    }
    const fk = this.clientHs!.finishedKey();
    const finMsg = handshakeMessage(HandshakeType.finished, FinishedCodec.encode({ verifyData: fk.verifyData(transcript.current()) }));
    fk.zero();
    transcript.add(finMsg);
    this.outbox.handshake(finMsg);
    this.resumption = this.master!.resumptionMasterSecret(transcript.current());
    const clientApp = this.clientApp!;
    this.ownAppSecret = clientApp;
    this.outbox.writeKeys(suite, clientApp);
    this.finishHandshake();
  }

  private onNewSessionTicket(body: Uint8Array): void {
    const nst = NewSessionTicketCodec.decode(body);
    // RFC 8446 §4.6.1: servers MUST NOT use a lifetime above 604800 s.
    if (nst.ticketLifetime > MAX_TICKET_LIFETIME) throw new TlsError('peer.illegal_parameter', `ticket_lifetime ${nst.ticketLifetime}`);
    checkNoDuplicates(nst.extensions, 'NewSessionTicket');
    // RFC 8446 §4.6.1: a lifetime of zero means discard the ticket immediately.
    if (nst.ticketLifetime === 0 || this.resumption === null) return;
    const suite = this.requireSuite();
    const ticket: SessionTicket = {
      ticket: nst.ticket.slice(),
      psk: this.resumption.psk(nst.ticketNonce),
      cipherSuite: suite.name,
      ageAdd: nst.ticketAgeAdd,
      lifetimeSeconds: nst.ticketLifetime,
      receivedAtMs: this.env.nowMs(),
    };
    if (this.config.serverName !== undefined) ticket.serverName = this.config.serverName;
    if (this.negotiated.alpn !== null) ticket.alpn = this.negotiated.alpn;
    const ed = findExtension(nst.extensions, ExtensionType.early_data);
    if (ed !== undefined) ticket.maxEarlyDataSize = EarlyDataTicketExt.decode(ed.data);
    this.events.push({ type: 'sessionTicket', ticket });
  }

  /** Wraps unexpected exceptions from hooks. */
  protected override fail(e: unknown): { error: TlsError; output: Uint8Array } {
    return super.fail(toTlsError(e));
  }
}

/** Whether a name is an IPv4/IPv6 literal (RFC 6066 §3: not sent as SNI). */
function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':');
}
