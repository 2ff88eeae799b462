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
  EarlySecret, type ApplicationTrafficSecret, type HandshakeSecret, type HandshakeTrafficSecret, type ResumptionMasterSecret,
} from '../../../schannel/tls/keyschedule.js';
import { RecordLayer } from '../../../schannel/tls/record.js';
import { acceptAll, makeCert, makeEnv, type TestEnv } from '../helpers.js';

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
  /** The engine's error, when it failed. */
  error: TlsError | undefined;
  /** The raw output. */
  output: Uint8Array;
}

/** Server settings for a test (an ECDSA P-256 certificate and tickets on by default). */
export function serverConfig(over: Partial<TlsServerConfig> = {}): TlsServerConfig {
  const cert = makeCert('p256');
  return {
    certificateChain: cert.chain, privateKey: cert.privateKey, ...acceptAll,
    tickets: { key: new Uint8Array(32).fill(7), count: 2 }, ...over,
  };
}

/**
 * One connection: a server engine and the scripted client in front of it. The client's view
 * of keys follows what it has sent and received; every method returns what the server said.
 */
export class Script {
  readonly env: TestEnv;
  readonly clientEnv: TestEnv;
  readonly server: TlsServer;
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
  /** Handshake messages the server sent, in order (raw). */
  readonly serverMessages: Uint8Array[] = [];
  /** Bytes of a handshake message split across records. */
  private partial = new Uint8Array(0);
  /** Whether the server's Finished arrived. */
  serverFinished = false;
  /** The PSK to use for the key schedule (resumption). */
  psk: Uint8Array | null = null;

  constructor(config: TlsServerConfig = serverConfig(), seed = 'conformance', shareGroup: GroupName = 'x25519') {
    this.env = makeEnv(`${seed}/server`);
    this.clientEnv = makeEnv(`${seed}/client`);
    this.server = createServer(config, this.env);
    this.server.start();
    this.record = new RecordLayer(this.clientEnv.crypto, this.clientEnv.memory);
    this.share = this.clientEnv.crypto.generateKeyShare(shareGroup);
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

  /** Sends raw bytes to the server (receive() during the handshake, open() after) and reads its answer. */
  send(bytes: Uint8Array): ServerAnswer {
    const out: Uint8Array[] = [];
    let error: TlsError | undefined;
    if (!this.server.handshakeComplete) {
      const r = this.server.receive(bytes);
      out.push(r.output);
      error = r.error;
      // After completion, the rest goes to open() record by record.
      let rest = bytes.subarray(r.consumed);
      while (!error && this.server.handshakeComplete && rest.length > 0) {
        const o = this.server.open(rest);
        out.push(o.output);
        error = o.error;
        if (o.consumed === 0) break;
        rest = rest.subarray(o.consumed);
      }
    } else {
      let rest = bytes;
      while (rest.length > 0) {
        const o = this.server.open(rest);
        out.push(o.output);
        error = o.error;
        if (error || o.consumed === 0) break;
        rest = rest.subarray(o.consumed);
      }
    }
    const output = cat(...out);
    return { ...this.read(output), error, output };
  }

  /** Sends a ClientHello in one plaintext record (legacy_record_version 0x0301 as RFC 8446 §5.1 allows). */
  sendHello(ch: ClientHello | Uint8Array = this.hello()): ServerAnswer {
    const msg = ch instanceof Uint8Array ? ch : this.helloMessage(ch);
    this.transcript.push(msg);
    return this.send(plainRecord(CT.handshake, msg, 0x0301));
  }

  /** Splits and reads the server's records; processes handshake messages (keys, transcript). */
  private read(output: Uint8Array): Omit<ServerAnswer, 'error' | 'output'> {
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
        const o = this.record.open(rec);
        type = o.type;
        content = o.content;
      }
      records.push({ type, content });
      if (type === CT.alert) alerts.push([content[0]!, content[1]!]);
      if (type === CT.handshake) this.onHandshakeContent(content);
    }
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

  private hash(): Uint8Array {
    return this.clientEnv.crypto.hash(this.suite.hash, cat(...this.transcript));
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
      const keyShare = findExt(body.subarray(37 + sidLen + 1), EXT.key_share);
      if (keyShare === null) return;
      const key = keyShare.subarray(4);
      const shared = this.share.agree(key);
      const h = { crypto: this.clientEnv.crypto, hash: this.suite.hash };
      this.hs = EarlySecret.create(h, this.psk).intoHandshakeSecret(shared);
      const th = this.hash();
      this.clientHs = this.hs.clientHandshakeTrafficSecret(th);
      this.serverHs = this.hs.serverHandshakeTrafficSecret(th);
      this.record.installReadKeys(this.suite, this.serverHs);
      this.record.installWriteKeys(this.suite, this.clientHs);
      return;
    }
    if (type === HS.new_session_ticket || type === HS.key_update) return;
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
  private master: import('../../../schannel/tls/keyschedule.js').MasterSecret | null = null;

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
   * Sends the client's Finished (or `message` instead), protected, then switches the client to
   * its application keys. Adds the message to the transcript and derives the resumption secret.
   */
  sendFinished(message: Uint8Array = this.finishedMessage()): ServerAnswer {
    this.transcript.push(message);
    const rec = this.seal(CT.handshake, message);
    this.resumption = this.master?.resumptionMasterSecret(this.hash()) ?? null;
    this.record.installWriteKeys(this.suite, this.clientApp!);
    return this.send(rec);
  }

  /** ClientHello then Finished: a complete handshake. Throws if the server did not complete it. */
  complete(ch: ClientHello = this.hello()): { hello: ServerAnswer; finished: ServerAnswer } {
    const hello = this.sendHello(ch);
    if (hello.error) throw hello.error;
    const finished = this.sendFinished();
    if (finished.error) throw finished.error;
    return { hello, finished };
  }

  /** Frees both ends; returns the server's blocks still live (must be none). */
  dispose(): { pool: string; tag: string; size: number }[] {
    this.server.dispose();
    this.record.dispose();
    this.share.destroy();
    return this.env.memory.liveBlocks();
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
  if (a.alerts.length !== 1) return null;
  const [level, desc] = a.alerts[0]!;
  const last = a.records[a.records.length - 1]!;
  return level === 2 && last.type === CT.alert ? desc : null;
}
