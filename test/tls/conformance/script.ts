/**
 * A scripted raw-TLS 1.3 client for the conformance suite: it builds every byte of the client's
 * side itself (ClientHello fields, extensions, records, Finished) so a test can break any of
 * them, and it runs the RFC 8446 key schedule (the project's `keyschedule.ts`, whose known
 * answers `keyschedule-kat.test.ts` and `rfc8448.test.ts` pin) so it can also complete
 * handshakes and act after them (KeyUpdate, tickets, resumption).
 *
 * It drives the server engine in process (`createServer` over a test environment). What the
 * tests assert (alert numbers, extension and group codes) comes from the RFC tables below,
 * written from the RFC text, never from the engine's own constants.
 */
import { createHash } from 'node:crypto';
import type { GroupName, KeyShare } from '../../../schannel/crypto/types.js';
import { CIPHER_SUITES, type CipherSuite } from '../../../schannel/tls/codec/constants.js';
import { ClientHelloCodec, type ClientHello } from '../../../schannel/tls/codec/handshake.js';
import { type Extension } from '../../../schannel/tls/codec/extensions.js';
import { createServer, type TlsError, type TlsServer, type TlsServerConfig } from '../../../schannel/tls/index.js';
import {
  EarlySecret, type ApplicationTrafficSecret, type HandshakeSecret, type HandshakeTrafficSecret, type MasterSecret, type ResumptionMasterSecret,
} from '../../../schannel/tls/keyschedule.js';
import { RecordLayer } from '../../../schannel/tls/record.js';
import { acceptAll, makeCert, makeEnv, type TestEnv } from '../helpers.js';
import { EnginePort, type ServerPort, SspiPort, type SspiServerHost } from './ports.js';

// ─────────────── values from the RFCs (written here, not imported from the engine) ───────────────

/** RFC 8446 §6 AlertDescription values (RFC 7301 §3.2 no_application_protocol). */
export const ALERT = {
  close_notify: 0, unexpected_message: 10, bad_record_mac: 20, record_overflow: 22, handshake_failure: 40,
  bad_certificate: 42, illegal_parameter: 47, unknown_ca: 48, decode_error: 50, decrypt_error: 51, protocol_version: 70,
  internal_error: 80, user_canceled: 90, missing_extension: 109, unsupported_extension: 110, certificate_required: 116,
  no_application_protocol: 120,
} as const;
/** RFC 8446 §4.2 ExtensionType values (RFC 7301 alpn, RFC 8449 record_size_limit). */
export const EXT = {
  server_name: 0, supported_groups: 10, signature_algorithms: 13, alpn: 16, padding: 21, record_size_limit: 28,
  pre_shared_key: 41, early_data: 42, supported_versions: 43, cookie: 44, psk_key_exchange_modes: 45,
  signature_algorithms_cert: 50, key_share: 51,
} as const;
/** RFC 8446 §4.2.7 NamedGroup values (RFC 7919 ffdhe). */
export const GROUP = { secp256r1: 0x0017, secp384r1: 0x0018, secp521r1: 0x0019, x25519: 0x001d, x448: 0x001e, ffdhe2048: 0x0100 } as const;
/** RFC 8446 §B.4 cipher suites. */
export const SUITE = { TLS_AES_128_GCM_SHA256: 0x1301, TLS_AES_256_GCM_SHA384: 0x1302, TLS_CHACHA20_POLY1305_SHA256: 0x1303 } as const;
/** RFC 8446 §4.2.3 SignatureScheme values. */
export const SIG = {
  rsa_pkcs1_sha256: 0x0401, ecdsa_secp256r1_sha256: 0x0403, ecdsa_secp384r1_sha384: 0x0503, rsa_pss_rsae_sha256: 0x0804,
  ed25519: 0x0807, rsa_pss_pss_sha256: 0x0809,
} as const;
/** RFC 8446 §5.1 ContentType and §4 HandshakeType values. */
export const CT = { change_cipher_spec: 20, alert: 21, handshake: 22, application_data: 23 } as const;
export const HS = {
  client_hello: 1, server_hello: 2, new_session_ticket: 4, end_of_early_data: 5, encrypted_extensions: 8, certificate: 11,
  certificate_request: 13, certificate_verify: 15, finished: 20, key_update: 24, message_hash: 254,
} as const;
/** RFC 8446 §4.1.3: the HelloRetryRequest's special random, SHA-256("HelloRetryRequest"). */
export const HRR_RANDOM = new Uint8Array(createHash('sha256').update('HelloRetryRequest').digest());

// ─────────────── byte helpers ───────────────

/** The type {@link ServerAnswer} gives a record the script could not open. */
export const UNREADABLE = -1;

/** Concatenates byte strings. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const u8 = (n: number): Uint8Array => Uint8Array.of(n & 0xff);
const u16 = (n: number): Uint8Array => Uint8Array.of((n >> 8) & 0xff, n & 0xff);
const u24 = (n: number): Uint8Array => Uint8Array.of((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
/** opaque<..2^8-1>, <..2^16-1>. */
export const vec8 = (b: Uint8Array): Uint8Array => cat(u8(b.length), b);
export const vec16 = (b: Uint8Array): Uint8Array => cat(u16(b.length), b);
/** A uint16 list with its 2-byte length. */
export const u16list = (xs: readonly number[]): Uint8Array => vec16(cat(...xs.map(u16)));
/** A handshake message: type, uint24 length, body (RFC 8446 §4). */
export const handshake = (type: number, body: Uint8Array): Uint8Array => cat(u8(type), u24(body.length), body);
/** A plaintext record (RFC 8446 §5.1). */
export const plainRecord = (type: number, fragment: Uint8Array, version = 0x0303): Uint8Array => cat(u8(type), u16(version), u16(fragment.length), fragment);
/** The compatibility change_cipher_spec record (RFC 8446 §5, §D.4). */
export const CCS_RECORD = plainRecord(CT.change_cipher_spec, Uint8Array.of(1));

/** Extension builders (RFC 8446 §4.2), each returning `{type, data}`. */
export const ext = {
  supportedVersions: (vs: readonly number[] = [0x0304]): Extension => ({ type: EXT.supported_versions, data: vec8(cat(...vs.map(u16))) }),
  supportedGroups: (gs: readonly number[]): Extension => ({ type: EXT.supported_groups, data: u16list(gs) }),
  signatureAlgorithms: (ss: readonly number[]): Extension => ({ type: EXT.signature_algorithms, data: u16list(ss) }),
  keyShare: (entries: readonly { group: number; key: Uint8Array }[]): Extension => ({
    type: EXT.key_share, data: vec16(cat(...entries.map((e) => cat(u16(e.group), vec16(e.key))))),
  }),
  pskModes: (modes: readonly number[] = [1]): Extension => ({ type: EXT.psk_key_exchange_modes, data: vec8(Uint8Array.from(modes)) }),
  serverName: (name: string): Extension => {
    const host = new TextEncoder().encode(name);
    return { type: EXT.server_name, data: vec16(cat(u8(0), vec16(host))) };
  },
  raw: (type: number, data: Uint8Array = new Uint8Array(0)): Extension => ({ type, data }),
};

// ─────────────── the server under test ───────────────

/** What the server sent in answer to some input. */
export interface ServerAnswer {
  /** Records as the client reads them (protected ones opened with the script's read keys). */
  records: { type: number; content: Uint8Array }[];
  /** Alerts among them, as [level, description]. */
  alerts: [number, number][];
  /** Whether the server's connection failed. */
  failed: boolean;
  /** The engine's error (engine path) when it failed. */
  error: TlsError | undefined;
  /** The SSPI status name of the failure (SSPI path). */
  status: string | undefined;
  /** Application data the server read. */
  plaintext: Uint8Array[];
  /** The raw output. */
  output: Uint8Array;
}

/** Server settings for an engine test (an ECDSA P-256 certificate and tickets on by default). */
export function serverConfig(over: Partial<TlsServerConfig> = {}): TlsServerConfig {
  const cert = makeCert('p256');
  return {
    certificateChain: cert.chain, privateKey: cert.privateKey, ...acceptAll,
    tickets: { key: new Uint8Array(32).fill(7), count: 2 }, ...over,
  };
}

/** Which server a script talks to: the TLS 1.3 engine in process, or a Schannel context through SSPI as `cesim serve` runs it. */
export type Via = 'engine' | 'sspi';
/** Both paths, for `describe.each`. */
export const VIAS: readonly Via[] = ['engine', 'sspi'];

/** How a script is set up. */
export interface ScriptOptions {
  /** Default 'sspi'. */
  via?: Via;
  /** Engine path: the server settings (default {@link serverConfig}). */
  config?: TlsServerConfig;
  /** SSPI path: the device and credential to connect to (a fresh one by default). */
  host?: SspiServerHost;
  seed?: string;
  /** The client's key share group. */
  group?: GroupName;
}

/** A decoded NewSessionTicket (RFC 8446 §4.6.1). */
export interface Ticket13 {
  lifetime: number;
  ageAdd: number;
  nonce: Uint8Array;
  ticket: Uint8Array;
  extensions: Uint8Array;
}

/**
 * One connection: a server and the scripted client in front of it. The client's view of keys
 * follows what it has sent and received; every method returns what the server said.
 */
export class Script {
  readonly clientEnv: TestEnv;
  readonly port: ServerPort;
  /** The engine (engine path only). */
  readonly engine: TlsServer | null = null;
  /** Records the client seals and opens (its own copy of the record layer). */
  readonly record: RecordLayer;
  readonly share: KeyShare;
  /** Raw handshake messages of the transcript so far. */
  private transcript: Uint8Array[] = [];
  suite: CipherSuite = CIPHER_SUITES.TLS_AES_128_GCM_SHA256;
  private hs: HandshakeSecret | null = null;
  clientHs: HandshakeTrafficSecret | null = null;
  serverHs: HandshakeTrafficSecret | null = null;
  clientApp: ApplicationTrafficSecret | null = null;
  serverApp: ApplicationTrafficSecret | null = null;
  resumption: ResumptionMasterSecret | null = null;
  private master: MasterSecret | null = null;
  /** Handshake messages the server sent, in order (raw). */
  readonly serverMessages: Uint8Array[] = [];
  /** NewSessionTickets received. */
  readonly tickets: Ticket13[] = [];
  /** Bytes of a handshake message split across records. */
  private partial = new Uint8Array(0);
  /** Whether the server's Finished arrived. */
  serverFinished = false;
  /** The PSK to use for the key schedule (resumption). */
  psk: Uint8Array | null = null;
  /** The group of the server's key share (from the ServerHello on the wire). */
  serverGroup: string | null = null;
  /** The scheme of the server's CertificateVerify (from the wire). */
  serverScheme: number | null = null;
  /** Whether the ServerHello carried pre_shared_key (resumed). */
  resumed = false;
  /** Records the server sent, every call (tests look at the whole exchange). */
  readonly allRecords: { type: number; content: Uint8Array }[] = [];
  readonly via: Via;

  constructor(opts: ScriptOptions = {}) {
    const seed = opts.seed ?? 'conformance';
    this.via = opts.via ?? 'sspi';
    this.clientEnv = makeEnv(`${seed}/client`);
    if (this.via === 'engine') {
      const env = makeEnv(`${seed}/server`);
      const server = createServer(opts.config ?? serverConfig(), env);
      server.start();
      this.engine = server;
      this.port = new EnginePort(server, () => env.memory.liveBlocks().map((b) => `${b.pool} ${b.size} B ${b.tag}`));
    } else {
      this.port = opts.host ? opts.host.connect() : SspiPort.standalone(seed);
    }
    this.record = new RecordLayer(this.clientEnv.crypto, this.clientEnv.memory);
    this.share = this.clientEnv.crypto.generateKeyShare(opts.group ?? 'x25519');
  }

  /** Whether the server completed the handshake. */
  get complete(): boolean {
    return this.port.complete;
  }

  /** A ClientHello as a typical TLS 1.3 client sends it; `over` replaces fields. */
  hello(over: Partial<ClientHello> = {}): ClientHello {
    return {
      legacyVersion: 0x0303,
      random: new Uint8Array(32).fill(0x11),
      legacySessionId: new Uint8Array(32).fill(0x22),
      cipherSuites: [SUITE.TLS_AES_128_GCM_SHA256, SUITE.TLS_AES_256_GCM_SHA384, SUITE.TLS_CHACHA20_POLY1305_SHA256],
      legacyCompressionMethods: Uint8Array.of(0),
      extensions: [
        ext.serverName('localhost'),
        ext.supportedGroups(this.share.group === 'x25519' ? [GROUP.x25519, GROUP.secp256r1] : [GROUP[this.share.group], GROUP.x25519]),
        ext.signatureAlgorithms([SIG.ecdsa_secp256r1_sha256, SIG.rsa_pss_rsae_sha256, SIG.ed25519]),
        ext.keyShare([{ group: GROUP[this.share.group], key: this.share.publicKey }]),
        ext.supportedVersions(),
        ext.pskModes(),
      ],
      ...over,
    };
  }

  /** The ClientHello handshake message (type + length + body) of a hello. */
  helloMessage(ch: ClientHello): Uint8Array {
    return handshake(HS.client_hello, ClientHelloCodec.encode(ch));
  }

  /** Sends raw bytes to the server and reads its answer. */
  send(bytes: Uint8Array): ServerAnswer {
    const a = this.port.feed(bytes);
    return { ...this.read(a.output), failed: a.failed, error: a.error, status: a.status, plaintext: a.plaintext, output: a.output };
  }

  /** Sends a ClientHello in one plaintext record (legacy_record_version 0x0301 as RFC 8446 §5.1 allows). */
  sendHello(ch: ClientHello | Uint8Array = this.hello(), recordVersion = 0x0301): ServerAnswer {
    const msg = ch instanceof Uint8Array ? ch : this.helloMessage(ch);
    this.transcript.push(msg);
    return this.send(plainRecord(CT.handshake, msg, recordVersion));
  }

  /** Adds a handshake message the client sends by other means (fragmented records) to the transcript. */
  noteSent(msg: Uint8Array): void {
    this.transcript.push(msg);
  }

  /** Splits and reads the server's records; processes handshake messages (keys, transcript). */
  private read(output: Uint8Array): { records: { type: number; content: Uint8Array }[]; alerts: [number, number][] } {
    const records: { type: number; content: Uint8Array }[] = [];
    const alerts: [number, number][] = [];
    let at = 0;
    while (at + 5 <= output.length) {
      const len = (output[at + 3]! << 8) | output[at + 4]!;
      const rec = output.subarray(at, at + 5 + len);
      at += 5 + len;
      let type = rec[0]!;
      let content = rec.subarray(5);
      if (type === CT.application_data && this.record.readProtected) {
        try {
          const o = this.record.open(rec);
          type = o.type;
          content = o.content;
        } catch {
          // Not under the keys the script holds (a test that fed the server other bytes than
          // its transcript says): recorded as unreadable, never an error of the server's.
          type = UNREADABLE;
        }
      }
      records.push({ type, content });
      this.allRecords.push({ type, content });
      if (type === CT.alert) alerts.push([content[0]!, content[1]!]);
      if (type === CT.handshake) this.onHandshakeContent(content);
    }
    if (at !== output.length) throw new Error(`the server's output ends in a partial record (${output.length - at} bytes)`);
    return { records, alerts };
  }

  private onHandshakeContent(content: Uint8Array): void {
    let buf = cat(this.partial, content);
    while (buf.length >= 4) {
      const len = (buf[1]! << 16) | (buf[2]! << 8) | buf[3]!;
      if (buf.length < 4 + len) break;
      const msg = buf.slice(0, 4 + len);
      buf = buf.subarray(4 + len);
      this.onServerMessage(msg);
    }
    this.partial = buf.slice();
  }

  /** Hash of the transcript so far (plus `more`). */
  hash(more?: Uint8Array): Uint8Array {
    return this.clientEnv.crypto.hash(this.suite.hash, cat(...this.transcript, ...(more ? [more] : [])));
  }

  private onServerMessage(msg: Uint8Array): void {
    this.serverMessages.push(msg);
    const type = msg[0]!;
    if (type === HS.server_hello) {
      const body = msg.subarray(4);
      const random = body.subarray(2, 34);
      const sidLen = body[34]!;
      const suiteCode = (body[35 + sidLen]! << 8) | body[36 + sidLen]!;
      this.suite = Object.values(CIPHER_SUITES).find((s) => s.code === suiteCode)!;
      if (random.every((b, i) => b === HRR_RANDOM[i])) {
        // RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash(Hash(ClientHello1)).
        const h = this.hash();
        this.transcript = [handshake(HS.message_hash, h), msg];
        return;
      }
      this.transcript.push(msg);
      const exts = body.subarray(37 + sidLen + 1);
      this.resumed = findExt(exts, EXT.pre_shared_key) !== null;
      const keyShare = findExt(exts, EXT.key_share);
      if (keyShare === null) return;
      const code = (keyShare[0]! << 8) | keyShare[1]!;
      this.serverGroup = Object.entries(GROUP).find(([, c]) => c === code)?.[0] ?? `0x${code.toString(16)}`;
      const key = keyShare.subarray(4);
      const shared = this.share.agree(key);
      const h = { crypto: this.clientEnv.crypto, hash: this.suite.hash };
      // RFC 8446 §7.1: the PSK enters the schedule only when the server accepted it.
      this.hs = EarlySecret.create(h, this.resumed ? this.psk : null).intoHandshakeSecret(shared);
      const th = this.hash();
      this.clientHs = this.hs.clientHandshakeTrafficSecret(th);
      this.serverHs = this.hs.serverHandshakeTrafficSecret(th);
      this.record.installReadKeys(this.suite, this.serverHs);
      this.record.installWriteKeys(this.suite, this.clientHs);
      return;
    }
    if (type === HS.new_session_ticket) {
      const b = msg.subarray(4);
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const nonceLen = b[8]!;
      const nonce = b.slice(9, 9 + nonceLen);
      const tl = dv.getUint16(9 + nonceLen);
      const ticket = b.slice(11 + nonceLen, 11 + nonceLen + tl);
      this.tickets.push({ lifetime: dv.getUint32(0), ageAdd: dv.getUint32(4), nonce, ticket, extensions: b.slice(11 + nonceLen + tl) });
      return;
    }
    if (type === HS.key_update) {
      // RFC 8446 §4.6.3: the sender's next records are under its next application secret.
      this.serverApp = this.serverApp!.next();
      this.record.installReadKeys(this.suite, this.serverApp);
      return;
    }
    if (type === HS.certificate_verify) this.serverScheme = (msg[4]! << 8) | msg[5]!;
    this.transcript.push(msg);
    if (type === HS.finished && this.hs !== null) {
      this.serverFinished = true;
      const ms = this.hs.intoMasterSecret();
      const th = this.hash();
      this.clientApp = ms.clientApplicationTrafficSecret(th);
      this.serverApp = ms.serverApplicationTrafficSecret(th);
      this.master = ms;
      this.record.installReadKeys(this.suite, this.serverApp);
    }
  }

  /** The client's correct Finished message for the transcript so far. */
  finishedMessage(): Uint8Array {
    const fk = this.clientHs!.finishedKey();
    return handshake(HS.finished, fk.verifyData(this.hash()));
  }

  /** Seals a record under the client's current write keys (plaintext when there are none). */
  seal(type: number, content: Uint8Array, padding = 0): Uint8Array {
    if (!this.record.writeProtected) return plainRecord(type, content);
    return this.record.seal(type, content, { padding });
  }

  /**
   * Switches the client to its application keys after its Finished (added to the transcript):
   * for tests that send the Finished themselves.
   */
  afterFinished(message: Uint8Array): void {
    this.transcript.push(message);
    this.resumption = this.master?.resumptionMasterSecret(this.hash()) ?? null;
    this.record.installWriteKeys(this.suite, this.clientApp!);
  }

  /**
   * Sends the client's Finished (or `message` instead), protected, then switches the client to
   * its application keys. Adds the message to the transcript and derives the resumption secret.
   */
  sendFinished(message: Uint8Array = this.finishedMessage()): ServerAnswer {
    const rec = this.seal(CT.handshake, message);
    this.afterFinished(message);
    return this.send(rec);
  }

  /** ClientHello then Finished: a complete handshake. Throws if the server did not complete it. */
  complete13(ch: ClientHello = this.hello()): { hello: ServerAnswer; finished: ServerAnswer } {
    const hello = this.sendHello(ch);
    if (hello.failed) throw new Error(`ClientHello failed: ${hello.error?.message ?? hello.status} alerts ${JSON.stringify(hello.alerts)}`);
    const finished = this.sendFinished();
    if (finished.failed) throw new Error(`Finished failed: ${finished.error?.message ?? finished.status} alerts ${JSON.stringify(finished.alerts)}`);
    return { hello, finished };
  }

  /** Sends a KeyUpdate with `requestUpdate` (raw body byte(s) when given) and moves the client to its next write keys. */
  sendKeyUpdate(requestUpdate: number | Uint8Array): ServerAnswer {
    const body = requestUpdate instanceof Uint8Array ? requestUpdate : Uint8Array.of(requestUpdate);
    const rec = this.seal(CT.handshake, handshake(HS.key_update, body));
    this.clientApp = this.clientApp!.next();
    this.record.installWriteKeys(this.suite, this.clientApp);
    return this.send(rec);
  }

  /** Application data, protected, answered (or not) by the server. */
  sendData(data: Uint8Array, padding = 0): ServerAnswer {
    return this.send(this.seal(CT.application_data, data, padding));
  }

  /**
   * A ClientHello resuming with `ticket` (RFC 8446 §4.2.11): pre_shared_key last, the binder over
   * the truncated hello computed from `resumption` (the earlier connection's secret).
   * `mutate` may alter the binders' bytes before the message is returned.
   */
  resumptionHello(ticket: Ticket13, resumption: ResumptionMasterSecret, opts: { over?: Partial<ClientHello>; mutateBinder?: (b: Uint8Array) => void; age?: number } = {}): Uint8Array {
    const psk = resumption.psk(ticket.nonce);
    this.psk = psk;
    const ch = this.hello(opts.over);
    const hashLength = this.suite.hashLength;
    const identity = cat(vec16(ticket.ticket), Uint8Array.of(0, 0, 0, 0));
    new DataView(identity.buffer).setUint32(identity.length - 4, ((opts.age ?? 1000) + ticket.ageAdd) >>> 0);
    const binders = vec16(vec8(new Uint8Array(hashLength)));
    const pskExt = { type: EXT.pre_shared_key, data: cat(vec16(identity), binders) };
    ch.extensions = [...ch.extensions!.filter((e) => e.type !== EXT.pre_shared_key), pskExt];
    const msg = this.helloMessage(ch);
    const truncated = msg.subarray(0, msg.length - binders.length);
    const h = { crypto: this.clientEnv.crypto, hash: this.suite.hash };
    const binder = EarlySecret.create(h, psk.slice()).binderKey(false).finishedKey().verifyData(this.clientEnv.crypto.hash(this.suite.hash, truncated));
    msg.set(binder, msg.length - hashLength);
    opts.mutateBinder?.(msg.subarray(msg.length - hashLength));
    return msg;
  }

  /** Frees both ends; returns the server's blocks still live (must be none). */
  dispose(): string[] {
    const left = this.port.dispose();
    this.record.dispose();
    this.share.destroy();
    return left;
  }
}

/** Finds an extension's data in an encoded extensions block (2-byte length first). */
export function findExt(block: Uint8Array, type: number): Uint8Array | null {
  let at = 2;
  while (at + 4 <= block.length) {
    const t = (block[at]! << 8) | block[at + 1]!;
    const len = (block[at + 2]! << 8) | block[at + 3]!;
    if (t === type) return block.subarray(at + 4, at + 4 + len);
    at += 4 + len;
  }
  return null;
}

/**
 * The one fatal alert the server must answer with, and nothing after it (RFC 8446 §6.2: a
 * fatal alert closes the connection): returns the description, or null if none or several.
 */
export function fatalAlert(a: ServerAnswer): number | null {
  if (!a.failed || a.alerts.length !== 1) return null;
  const [level, desc] = a.alerts[0]!;
  const last = a.records[a.records.length - 1]!;
  return level === 2 && last.type === CT.alert ? desc : null;
}

const ALERT_NAME = new Map<number, string>(Object.entries(ALERT).map(([k, v]) => [v, k]));

/**
 * The outcome in words, for readable assertions: `alert <name>` (failed with exactly one fatal
 * alert, last on the wire), `carries on` (not failed, no alert), or what went wrong otherwise.
 */
export function verdict(a: ServerAnswer): string {
  const names = a.alerts.map(([l, d]) => `${l === 2 ? 'fatal' : l === 1 ? 'warning' : `level${l}`} ${ALERT_NAME.get(d) ?? d}`);
  if (!a.failed) return names.length === 0 ? 'carries on' : `carries on after ${names.join(', ')}`;
  const f = fatalAlert(a);
  if (f !== null) return `alert ${ALERT_NAME.get(f) ?? f}`;
  return `failed (${a.error?.code ?? a.status}) with ${names.length === 0 ? 'no alert' : names.join(', ')}`;
}

/** `alert <name>` as {@link verdict} writes it. */
export const alert = (name: keyof typeof ALERT): string => `alert ${name}`;
