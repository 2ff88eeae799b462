/**
 * A scripted raw TLS 1.2 client for the conformance suite (RFC 5246, RFC 8422 ECDHE, RFC 7627
 * extended master secret, RFC 5746 renegotiation_info, RFC 7366 encrypt_then_mac): it builds
 * every byte of the client's side itself so a test can break any of them, and it runs the
 * TLS 1.2 key schedule with the project's PRF (`v12/prf.ts`, pinned by the known answers of
 * `test/tls12/core.test.ts`) so it can also complete handshakes and send protected records —
 * including records whose MAC, padding or nonce a test has broken on purpose.
 *
 * It talks to the same two servers as the TLS 1.3 script (`ports.ts`): the TLS 1.2 engine in
 * process, or a Schannel server context through SSPI as `cesim serve` drives it (TLS 1.2 and
 * 1.3 enabled; a ClientHello that does not offer TLS 1.3 reaches the TLS 1.2 engine).
 */
import type { GroupName, KeyShare } from '../../../schannel/crypto/types.js';
import type { ClientHello } from '../../../schannel/tls/codec/handshake.js';
import { ClientHelloCodec } from '../../../schannel/tls/codec/handshake.js';
import type { Extension } from '../../../schannel/tls/codec/extensions.js';
import { Tls12Server } from '../../../schannel/tls/v12/server.js';
import type { Tls12ServerConfig } from '../../../schannel/tls/v12/config.js';
import { Prf, splitKeyBlock } from '../../../schannel/tls/v12/prf.js';
import { Tls12RecordLayer } from '../../../schannel/tls/v12/record.js';
import { type Tls12Suite, keyBlockLength, tls12SuiteByCode } from '../../../schannel/tls/v12/suites.js';
import { acceptAll, makeCert, makeEnv, type TestEnv } from '../helpers.js';
import { EnginePort, type ServerPort, SspiPort, type SspiServerHost } from './ports.js';
import { ALERT, CT, GROUP, SIG, UNREADABLE, type ServerAnswer, type Via, cat, ext, handshake, plainRecord, vec8 } from './script.js';

/** RFC 5246 §7.4 HandshakeType values of TLS 1.2. */
export const HS12 = {
  hello_request: 0, client_hello: 1, server_hello: 2, new_session_ticket: 4, certificate: 11, server_key_exchange: 12,
  certificate_request: 13, server_hello_done: 14, certificate_verify: 15, client_key_exchange: 16, finished: 20,
} as const;
/** TLS 1.2 extension types (RFC 8422 ec_point_formats, RFC 7627, RFC 7366, RFC 5746, RFC 6066, RFC 5077). */
export const EXT12 = {
  max_fragment_length: 1, ec_point_formats: 11, encrypt_then_mac: 22, extended_master_secret: 23, session_ticket: 35, renegotiation_info: 0xff01,
} as const;
/** Suites the tests use (RFC 5289, RFC 8422, RFC 7905, RFC 5746, RFC 7507). */
export const SUITE12 = {
  ECDHE_ECDSA_AES_128_GCM_SHA256: 0xc02b, ECDHE_ECDSA_AES_256_GCM_SHA384: 0xc02c, ECDHE_ECDSA_CHACHA20_POLY1305: 0xcca9,
  ECDHE_ECDSA_AES_128_CBC_SHA: 0xc009, ECDHE_ECDSA_AES_128_CBC_SHA256: 0xc023, ECDHE_ECDSA_AES_256_CBC_SHA384: 0xc024,
  ECDHE_RSA_AES_128_GCM_SHA256: 0xc02f, EMPTY_RENEGOTIATION_INFO_SCSV: 0x00ff, FALLBACK_SCSV: 0x5600,
} as const;
/** RFC 5246 §7.2 alerts TLS 1.2 adds. */
export const ALERT12 = { ...ALERT, no_renegotiation: 100, inappropriate_fallback: 86 } as const;

/** TLS 1.2 server settings for an engine test (ECDSA P-256). */
export function server12Config(over: Partial<Tls12ServerConfig> = {}): Tls12ServerConfig {
  const cert = makeCert('p256');
  return { certificateChain: cert.chain, privateKey: cert.privateKey, ...acceptAll, ...over };
}

/** How a TLS 1.2 script is set up. */
export interface Script12Options {
  via?: Via;
  config?: Tls12ServerConfig;
  host?: SspiServerHost;
  seed?: string;
}

/** What the client learnt from the server's first flight. */
export interface ServerFlight12 {
  random: Uint8Array;
  suite: Tls12Suite;
  extensions: Map<number, Uint8Array>;
  curve: number;
  point: Uint8Array;
}

/** One TLS 1.2 connection to a server under test. */
export class Script12 {
  readonly clientEnv: TestEnv;
  readonly port: ServerPort;
  readonly engine: Tls12Server | null = null;
  /** The engine's environment (engine path: its cost tally, memory). */
  readonly serverEnv: TestEnv | null = null;
  readonly record: Tls12RecordLayer;
  readonly via: Via;
  /** Raw handshake messages of the transcript. */
  transcript: Uint8Array[] = [];
  clientRandom: Uint8Array = new Uint8Array(32).fill(0x33);
  flight: ServerFlight12 | null = null;
  /** Handshake messages the server sent (raw). */
  readonly serverMessages: Uint8Array[] = [];
  master: Uint8Array | null = null;
  /** The client's write keys from the key block. */
  writeKeys: { macKey: Uint8Array; key: Uint8Array; fixedIv: Uint8Array } | null = null;
  /** Whether encrypt_then_mac was negotiated. */
  etm = false;
  /** Whether the extended master secret was negotiated. */
  ems = false;
  private partial = new Uint8Array(0);
  /** The client's ECDHE share (chosen after the ServerKeyExchange). */
  share: KeyShare | null = null;
  serverFinished = false;

  constructor(opts: Script12Options = {}) {
    const seed = opts.seed ?? 'conformance12';
    this.via = opts.via ?? 'sspi';
    this.clientEnv = makeEnv(`${seed}/client`);
    if (this.via === 'engine') {
      const env = makeEnv(`${seed}/server`);
      const server = new Tls12Server(opts.config ?? server12Config(), env);
      server.start();
      this.engine = server;
      this.serverEnv = env;
      this.port = new EnginePort(server, () => env.memory.liveBlocks().map((b) => `${b.pool} ${b.size} B ${b.tag}`));
    } else {
      this.port = opts.host ? opts.host.connect() : SspiPort.standalone(seed);
    }
    this.record = new Tls12RecordLayer(this.clientEnv.crypto, this.clientEnv.memory);
  }

  get complete(): boolean {
    return this.port.complete;
  }

  /** A ClientHello as a typical TLS 1.2 client sends it (ECDHE-ECDSA, EMS, secure renegotiation). */
  hello(over: Partial<ClientHello> = {}): ClientHello {
    return {
      legacyVersion: 0x0303,
      random: this.clientRandom,
      legacySessionId: new Uint8Array(0),
      cipherSuites: [SUITE12.ECDHE_ECDSA_AES_128_GCM_SHA256],
      legacyCompressionMethods: Uint8Array.of(0),
      extensions: [
        ext.serverName('localhost'),
        ext.supportedGroups([GROUP.x25519, GROUP.secp256r1]),
        ext.signatureAlgorithms([SIG.ecdsa_secp256r1_sha256, SIG.rsa_pss_rsae_sha256, SIG.rsa_pkcs1_sha256]),
        ext.raw(EXT12.ec_point_formats, vec8(Uint8Array.of(0))),
        ext.raw(EXT12.extended_master_secret),
        ext.raw(EXT12.renegotiation_info, Uint8Array.of(0)),
      ],
      ...over,
    };
  }

  helloMessage(ch: ClientHello): Uint8Array {
    return handshake(HS12.client_hello, ClientHelloCodec.encode(ch));
  }

  send(bytes: Uint8Array): ServerAnswer {
    const a = this.port.feed(bytes);
    return { ...this.read(a.output), failed: a.failed, error: a.error, status: a.status, plaintext: a.plaintext, output: a.output };
  }

  sendHello(ch: ClientHello | Uint8Array = this.hello(), recordVersion = 0x0301): ServerAnswer {
    const msg = ch instanceof Uint8Array ? ch : this.helloMessage(ch);
    if (!(ch instanceof Uint8Array)) this.clientRandom = ch.random.slice();
    this.transcript.push(msg);
    return this.send(plainRecord(CT.handshake, msg, recordVersion));
  }

  private read(output: Uint8Array): { records: { type: number; content: Uint8Array }[]; alerts: [number, number][] } {
    const records: { type: number; content: Uint8Array }[] = [];
    const alerts: [number, number][] = [];
    let at = 0;
    while (at + 5 <= output.length) {
      const len = (output[at + 3]! << 8) | output[at + 4]!;
      const rec = output.subarray(at, at + 5 + len);
      at += 5 + len;
      let o: { type: number; content: Uint8Array };
      try {
        o = this.record.open(rec);
      } catch {
        o = { type: UNREADABLE, content: rec.subarray(5) };
      }
      records.push({ type: o.type, content: o.content });
      if (o.type === CT.change_cipher_spec) this.record.activateRead();
      if (o.type === CT.alert) alerts.push([o.content[0]!, o.content[1]!]);
      if (o.type === CT.handshake) this.onHandshakeContent(o.content);
    }
    if (at !== output.length) throw new Error('partial record from the server');
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

  private onServerMessage(msg: Uint8Array): void {
    this.serverMessages.push(msg);
    const type = msg[0]!;
    const body = msg.subarray(4);
    if (type === HS12.finished) {
      this.serverFinished = true;
      this.transcript.push(msg);
      return;
    }
    if (type === HS12.hello_request) return;
    this.transcript.push(msg);
    if (type === HS12.server_hello) {
      const sid = body[34]!;
      const code = (body[35 + sid]! << 8) | body[36 + sid]!;
      const extensions = new Map<number, Uint8Array>();
      let at = 38 + sid;
      if (at < body.length) {
        const end = at + 2 + ((body[at]! << 8) | body[at + 1]!);
        at += 2;
        while (at < end) {
          const t = (body[at]! << 8) | body[at + 1]!;
          const l = (body[at + 2]! << 8) | body[at + 3]!;
          extensions.set(t, body.slice(at + 4, at + 4 + l));
          at += 4 + l;
        }
      }
      this.flight = { random: body.slice(2, 34), suite: tls12SuiteByCode(code)!, extensions, curve: 0, point: new Uint8Array(0) };
      this.ems = extensions.has(EXT12.extended_master_secret);
      this.etm = extensions.has(EXT12.encrypt_then_mac);
    } else if (type === HS12.server_key_exchange && this.flight) {
      this.flight.curve = (body[1]! << 8) | body[2]!;
      this.flight.point = body.slice(4, 4 + body[3]!);
    }
  }

  private hash(): Uint8Array {
    return this.clientEnv.crypto.hash(this.flight!.suite.prfHash, cat(...this.transcript));
  }

  private prf(): Prf {
    return new Prf(this.clientEnv.crypto, this.clientEnv.memory, this.flight!.suite.prfHash);
  }

  /** The group name of the server's curve. */
  serverGroup(): GroupName {
    const name = Object.entries(GROUP).find(([, c]) => c === this.flight!.curve)?.[0];
    return name as GroupName;
  }

  /**
   * The ClientKeyExchange for the server's ECDHE share; `pick` may choose a client share (for
   * the leading-zero tests) given the premaster each candidate yields.
   */
  clientKeyExchange(opts: { pick?: (premaster: Uint8Array) => boolean; tries?: number } = {}): { message: Uint8Array; premaster: Uint8Array } {
    const group = this.serverGroup();
    for (let i = 0; i < (opts.tries ?? 1); i++) {
      const share = this.clientEnv.crypto.generateKeyShare(group);
      const premaster = share.agree(this.flight!.point);
      if (opts.pick && !opts.pick(premaster) && i + 1 < (opts.tries ?? 1)) {
        share.destroy();
        continue;
      }
      this.share?.destroy();
      this.share = share;
      return { message: handshake(HS12.client_key_exchange, vec8(share.publicKey)), premaster };
    }
    throw new Error('no share picked');
  }

  /** Installs the pending keys from the premaster (EMS when negotiated, unless `extended` says otherwise). */
  deriveKeys(premaster: Uint8Array, extended = this.ems): void {
    const f = this.flight!;
    const prf = this.prf();
    this.master = extended
      ? prf.masterSecret(premaster, { extended: true, sessionHash: this.hash() })
      : prf.masterSecret(premaster, { extended: false, clientRandom: this.clientRandom, serverRandom: f.random });
    const suite = f.suite;
    const kb = prf.keyBlock(this.master, this.clientRandom, f.random, keyBlockLength(suite));
    const p = suite.protection;
    const k = p.kind === 'aead' ? splitKeyBlock(kb, 0, p.keyLength, p.fixedIvLength) : splitKeyBlock(kb, p.macLength, p.keyLength, 0);
    const client = { macKey: k.clientMacKey.slice(), key: k.clientKey.slice(), fixedIv: k.clientIv.slice() };
    const server = { macKey: k.serverMacKey.slice(), key: k.serverKey.slice(), fixedIv: k.serverIv.slice() };
    this.writeKeys = client;
    this.record.setPending(suite, client, server, this.etm && p.kind === 'cbc');
  }

  /** The client Finished for the transcript so far. */
  finishedMessage(): Uint8Array {
    return handshake(HS12.finished, this.prf().verifyData(this.master!, 'client', this.hash()));
  }

  /** Seals a record under the current write state (plaintext before the client's CCS). */
  seal(type: number, content: Uint8Array): Uint8Array {
    return this.record.seal(type, content).slice();
  }

  /**
   * The client's second flight: ClientKeyExchange, ChangeCipherSpec, Finished, as separate
   * records (or `edit` them first). Derives and switches keys on the way.
   */
  secondFlight(opts: { finished?: (fin: Uint8Array) => Uint8Array; extended?: boolean; cke?: ReturnType<Script12['clientKeyExchange']> } = {}): Uint8Array {
    const cke = opts.cke ?? this.clientKeyExchange();
    const r1 = plainRecord(CT.handshake, cke.message);
    this.transcript.push(cke.message);
    this.deriveKeys(cke.premaster, opts.extended);
    const ccs = plainRecord(CT.change_cipher_spec, Uint8Array.of(1));
    this.record.activateWrite();
    let fin = this.finishedMessage();
    if (opts.finished) fin = opts.finished(fin);
    this.transcript.push(fin);
    return cat(r1, ccs, this.seal(CT.handshake, fin));
  }

  /** A full handshake; throws if the server did not complete it. */
  complete12(ch: ClientHello = this.hello()): { hello: ServerAnswer; second: ServerAnswer } {
    const hello = this.sendHello(ch);
    if (hello.failed) throw new Error(`ClientHello failed: ${hello.error?.message ?? hello.status} ${JSON.stringify(hello.alerts)}`);
    const second = this.send(this.secondFlight());
    if (second.failed) throw new Error(`second flight failed: ${second.error?.message ?? second.status} ${JSON.stringify(second.alerts)}`);
    return { hello, second };
  }

  /** Application data sealed normally. */
  sendData(data: Uint8Array): ServerAnswer {
    return this.send(this.seal(CT.application_data, data));
  }

  /** The client's write sequence number (what the next record's MAC/nonce uses). */
  get writeSeq(): bigint {
    return this.record.sequenceNumbers.write;
  }

  /** The MAC/AEAD pseudo-header: seq || type || 0x0303 || length (RFC 5246 §6.2.3.1). */
  pseudoHeader(seq: bigint, type: number, length: number): Uint8Array {
    const h = new Uint8Array(13);
    new DataView(h.buffer).setBigUint64(0, seq);
    h[8] = type;
    h[9] = 3;
    h[10] = 3;
    h[11] = length >> 8;
    h[12] = length & 0xff;
    return h;
  }

  /**
   * A MAC-then-encrypt CBC record (RFC 5246 §6.2.3.2) built by hand: `content`, its MAC (bit
   * `macFlip` flipped if given), then `padding` (the bytes of padding || padding_length as sent,
   * a test may break them). The total must fill whole blocks.
   */
  cbcRecord(type: number, content: Uint8Array, padding: Uint8Array, opts: { macFlip?: number; iv?: Uint8Array } = {}): Uint8Array {
    const p = this.flight!.suite.protection;
    if (p.kind !== 'cbc') throw new Error('not a CBC suite');
    const k = this.writeKeys!;
    const mac = this.clientEnv.crypto.hmac(p.mac, k.macKey, cat(this.pseudoHeader(this.writeSeq, type, content.length), content));
    if (opts.macFlip !== undefined) mac[opts.macFlip >> 3]! ^= 0x80 >> (opts.macFlip & 7);
    const plain = cat(content, mac, padding);
    if (plain.length % p.blockLength !== 0) throw new Error(`CBC plaintext of ${plain.length} bytes`);
    const iv = opts.iv ?? new Uint8Array(16).fill(0x5c);
    const ct = this.clientEnv.crypto.blockCipher(p.cipher, k.key).encrypt(iv, plain);
    return plainRecord(type, cat(iv, ct));
  }

  /** Encrypt-then-MAC CBC record (RFC 7366 §3) by hand, with its padding and MAC open to edits. */
  etmRecord(type: number, content: Uint8Array, padding: Uint8Array, opts: { macFlip?: number } = {}): Uint8Array {
    const p = this.flight!.suite.protection;
    if (p.kind !== 'cbc') throw new Error('not a CBC suite');
    const k = this.writeKeys!;
    const iv = new Uint8Array(16).fill(0x6d);
    const ct = this.clientEnv.crypto.blockCipher(p.cipher, k.key).encrypt(iv, cat(content, padding));
    const body = cat(iv, ct);
    const mac = this.clientEnv.crypto.hmac(p.mac, k.macKey, cat(this.pseudoHeader(this.writeSeq, type, body.length), body));
    if (opts.macFlip !== undefined) mac[opts.macFlip >> 3]! ^= 0x80 >> (opts.macFlip & 7);
    return plainRecord(type, cat(body, mac));
  }

  /** An AES-GCM record (RFC 5288 §3) by hand with the explicit nonce of the test's choice. */
  gcmRecord(type: number, content: Uint8Array, explicit: Uint8Array): Uint8Array {
    const p = this.flight!.suite.protection;
    if (p.kind !== 'aead' || p.recordIvLength !== 8) throw new Error('not a GCM suite');
    const k = this.writeKeys!;
    const aead = this.clientEnv.crypto.aead(p.aead, k.key);
    const nonce = cat(k.fixedIv, explicit);
    return plainRecord(type, cat(explicit, aead.seal(nonce, this.pseudoHeader(this.writeSeq, type, content.length), content)));
  }

  dispose(): string[] {
    const left = this.port.dispose();
    this.record.dispose();
    this.share?.destroy();
    return left;
  }
}

/** Extension list helper: replace (or remove with null, or add) one extension. */
export function withExt12(ch: ClientHello, type: number, data: Uint8Array | null): ClientHello {
  const exts: Extension[] = [...ch.extensions!];
  const i = exts.findIndex((e) => e.type === type);
  if (data === null) {
    if (i >= 0) exts.splice(i, 1);
  } else if (i < 0) exts.push({ type, data });
  else exts[i] = { type, data };
  return { ...ch, extensions: exts };
}
