/**
 * RFC 8448 traces replayed byte for byte: key schedule, record layer, and the client and server
 * engines with the deterministic provider. Vectors: test/tls/vectors/rfc8448.json (see _source).
 */
import { constants as C, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeterministicCryptoProvider, TallyCostSink } from '../../schannel/crypto/provider.js';
import type { PrivateKey, PublicKey, SignatureScheme } from '../../schannel/crypto/types.js';
import { ContentType, ExtensionType } from '../../schannel/tls/codec/constants.js';
import { type Extension, findExtension } from '../../schannel/tls/codec/extensions.js';
import { CertificateCodec, ClientHelloCodec, EncryptedExtensionsCodec, HandshakeFrameCodec } from '../../schannel/tls/codec/handshake.js';
import { InMemoryTlsMemory, type SessionTicket, createClient, createServer } from '../../schannel/tls/index.js';
import { EarlySecret, hkdfLabel } from '../../schannel/tls/keyschedule.js';
import { RecordLayer } from '../../schannel/tls/record.js';
import vectors from './vectors/rfc8448.json' with { type: 'json' };
import { TestRandom, hex, unhex } from './helpers.js';

const V = vectors.simple_1rtt;
const R = vectors.resumed_0rtt;
const rsa = vectors.server_rsa_private_key;
const big = (h: string) => BigInt(`0x${h}`);

/** The RFC 8448 server key is RSA-1024, below what the certificate module signs/verifies, so the
 *  test provider verifies it with Node and "signs" by returning the recorded (randomized) PSS signature. */
class Rfc8448Provider extends DeterministicCryptoProvider {
  override verify(scheme: SignatureScheme, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
    if (key.kind !== 'rsa' || scheme !== 'rsa_pss_rsae_sha256') return super.verify(scheme, key, message, signature);
    const pub = createPublicKey({ key: { kty: 'RSA', n: Buffer.from(rsa.modulus, 'hex').toString('base64url'), e: Buffer.from(rsa.public_exponent, 'hex').toString('base64url') }, format: 'jwk' });
    return nodeVerify('sha256', message, { key: pub, padding: C.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
  }
  override sign(scheme: SignatureScheme, key: PrivateKey, message: Uint8Array): Uint8Array {
    const sig = unhex(V.certificate_verify.signature);
    if (scheme === 'rsa_pss_rsae_sha256' && key.kind === 'rsa' && this.verify(scheme, { kind: 'rsa', n: key.n, e: key.e, bits: key.bits }, message, sig)) return sig;
    throw new Error('unexpected signing request');
  }
}

const rsaPublic: PublicKey = { kind: 'rsa', n: big(rsa.modulus), e: big(rsa.public_exponent), bits: 1024 };
const rsaPrivate: PrivateKey = { kind: 'rsa', n: big(rsa.modulus), e: big(rsa.public_exponent), d: big(rsa.private_exponent), p: big(rsa.prime1), q: big(rsa.prime2), bits: 1024 };

function chBody(h: string) {
  return ClientHelloCodec.decode(HandshakeFrameCodec.decode(unhex(h)).body);
}
const traceCh = chBody(V.handshake_messages.client_hello);
const traceExt = (t: number) => findExtension(traceCh.extensions!, t)!;
const serverCertDer = CertificateCodec.decode(HandshakeFrameCodec.decode(unhex(V.handshake_messages.certificate)).body).certificateList[0]!.certData;

/** Extensions whose values the engine itself must produce identically to the trace. */
const OWN = new Set<number>([
  ExtensionType.server_name, ExtensionType.key_share, ExtensionType.supported_versions, ExtensionType.psk_key_exchange_modes,
  ExtensionType.record_size_limit, ExtensionType.pre_shared_key,
]);

/** Rewrites the engine's ClientHello/EncryptedExtensions into the trace's extension order, keeping
 *  the engine's own values for everything it generates (SNI, key_share, versions, PSK modes,
 *  record_size_limit, PSK); the trace adds what the engine does not send (renegotiation_info,
 *  session_ticket, padding, early_data, ffdhe groups, PKCS#1 in signature_algorithms). */
function traceOrder(ours: Extension[], trace: Extension[]): Extension[] {
  for (const t of OWN) {
    if (trace.some((e) => e.type === t) && !ours.some((e) => e.type === t)) throw new Error(`engine did not send extension ${t}`);
  }
  const own = (t: number) => (OWN.has(t) ? ours.find((e) => e.type === t) : undefined);
  return trace.map((e) => own(e.type) ?? e);
}

describe('RFC 8448 §3 simple 1-RTT: key schedule (RFC 8446 §7.1)', () => {
  const crypto = new DeterministicCryptoProvider({ cost: new TallyCostSink(), random: new TestRandom('ks') }, {});
  const h = { crypto, hash: 'sha256' as const };
  const ks = V.key_schedule;
  const th = V.transcript_hashes;
  it('derives every secret, key and Finished value of the trace', () => {
    const early = EarlySecret.create(h, null);
    expect(hex(early.exposeForTest())).toBe(ks.early_secret);
    const hs = early.intoHandshakeSecret(unhex(V.key_exchange.shared_secret));
    expect(hex(hs.exposeForTest())).toBe(ks.handshake_secret);
    const chs = hs.clientHandshakeTrafficSecret(unhex(th.client_hello__server_hello));
    const shs = hs.serverHandshakeTrafficSecret(unhex(th.client_hello__server_hello));
    expect(hex(chs.exposeForTest())).toBe(ks.client_handshake_traffic_secret);
    expect(hex(shs.exposeForTest())).toBe(ks.server_handshake_traffic_secret);
    const k = shs.keys(16, 12);
    expect([hex(k.key), hex(k.iv)]).toEqual([V.traffic_keys.server_handshake.key, V.traffic_keys.server_handshake.iv]);
    const ck = chs.keys(16, 12);
    expect([hex(ck.key), hex(ck.iv)]).toEqual([V.traffic_keys.client_handshake.key, V.traffic_keys.client_handshake.iv]);
    const sfk = shs.finishedKey();
    expect(hex(sfk.exposeForTest())).toBe(V.finished.server_finished_key);
    expect(hex(sfk.verifyData(unhex(th.client_hello__certificate_verify)))).toBe(V.finished.server_verify_data);
    const cfk = chs.finishedKey();
    expect(hex(cfk.verifyData(unhex(th.client_hello__server_finished)))).toBe(V.finished.client_verify_data);
    const ms = hs.intoMasterSecret();
    expect(hex(ms.exposeForTest())).toBe(ks.master_secret);
    expect(() => hs.exposeForTest()).toThrow(); // the previous stage is zeroed
    const cap = ms.clientApplicationTrafficSecret(unhex(th.client_hello__server_finished));
    const sap = ms.serverApplicationTrafficSecret(unhex(th.client_hello__server_finished));
    expect(hex(cap.exposeForTest())).toBe(ks.client_application_traffic_secret_0);
    expect(hex(sap.exposeForTest())).toBe(ks.server_application_traffic_secret_0);
    expect(hex(sap.keys(16, 12).key)).toBe(V.traffic_keys.server_application.key);
    expect(hex(cap.keys(16, 12).iv)).toBe(V.traffic_keys.client_application.iv);
    expect(hex(ms.exporterMasterSecret(unhex(th.client_hello__server_finished)).exposeForTest())).toBe(ks.exporter_master_secret);
    const res = ms.resumptionMasterSecret(unhex(th.client_hello__client_finished));
    expect(hex(res.exposeForTest())).toBe(ks.resumption_master_secret);
    expect(hex(res.psk(unhex(V.session_ticket.ticket_nonce)))).toBe(V.session_ticket.resumption_psk);
  });
  it('serializes HkdfLabel as printed in the RFC (RFC 8446 §7.1)', () => {
    const L = V.hkdf_labels;
    expect(hex(hkdfLabel('key', new Uint8Array(0), 16))).toBe(L.key_16);
    expect(hex(hkdfLabel('iv', new Uint8Array(0), 12))).toBe(L.iv_12);
    expect(hex(hkdfLabel('finished', new Uint8Array(0), 32))).toBe(L.finished_32);
    expect(hex(hkdfLabel('c hs traffic', unhex(th.client_hello__server_hello), 32))).toBe(L.c_hs_traffic);
    expect(hex(hkdfLabel('derived', unhex(th.empty), 32))).toBe(L.derived_with_empty_hash);
    expect(hex(hkdfLabel('resumption', unhex('0000'), 32))).toBe(L.resumption_nonce_0000);
  });
});

describe('RFC 8448 §3: record protection (RFC 8446 §5.2, §5.3)', () => {
  it('seals and opens every encrypted record of the trace byte for byte', () => {
    const crypto = new DeterministicCryptoProvider({ cost: new TallyCostSink(), random: new TestRandom('rec') }, {});
    const h = { crypto, hash: 'sha256' as const };
    const th = V.transcript_hashes;
    const hs = EarlySecret.create(h, null).intoHandshakeSecret(unhex(V.key_exchange.shared_secret));
    const secrets = {
      server_handshake: hs.serverHandshakeTrafficSecret(unhex(th.client_hello__server_hello)),
      client_handshake: hs.clientHandshakeTrafficSecret(unhex(th.client_hello__server_hello)),
    };
    const ms = hs.intoMasterSecret();
    const app = {
      server_application: ms.serverApplicationTrafficSecret(unhex(th.client_hello__server_finished)),
      client_application: ms.clientApplicationTrafficSecret(unhex(th.client_hello__server_finished)),
    };
    const all = { ...secrets, ...app };
    const suite = { name: 'TLS_AES_128_GCM_SHA256', code: 0x1301, aead: 'aes128gcm', hash: 'sha256', hashLength: 32, keyLength: 16, ivLength: 12, tagLength: 16 } as const;
    const memory = new InMemoryTlsMemory();
    // One writer and one reader per key set; records with the same keys are taken in sequence order.
    const names = ['server_encrypted_handshake', 'client_finished', 'server_new_session_ticket', 'client_application_data', 'server_application_data', 'client_alert_close_notify', 'server_alert_close_notify'] as const;
    const writers = new Map<string, RecordLayer>();
    const readers = new Map<string, RecordLayer>();
    for (const n of names) {
      const r = V.records[n];
      const keys = r.keys as keyof typeof all;
      if (!writers.has(keys)) {
        const w = new RecordLayer(crypto, memory); w.installWriteKeys(suite, all[keys]); writers.set(keys, w);
        const rd = new RecordLayer(crypto, memory); rd.installReadKeys(suite, all[keys]); readers.set(keys, rd);
      }
      const w = writers.get(keys)!;
      expect(w.sequenceNumbers.write).toBe(BigInt(r.seq));
      expect(hex(w.seal(r.inner_content_type as ContentType, unhex(r.payload)))).toBe(r.record);
      const opened = readers.get(keys)!.open(unhex(r.record));
      expect(opened.type).toBe(r.inner_content_type);
      expect(hex(opened.content)).toBe(r.payload);
    }
    for (const l of [...writers.values(), ...readers.values()]) l.dispose();
    expect(memory.liveBlocks()).toEqual([]);
  });
});

function clientProvider(randoms: Uint8Array[], priv: string) {
  return new Rfc8448Provider({ cost: new TallyCostSink(), random: new TestRandom('c8448') }, { randoms, keySharePrivateKeys: { x25519: [unhex(priv)] } });
}

describe('RFC 8448 §3: client engine replay (RFC 8446 §4)', () => {
  it('sends the trace ClientHello and Finished, opens the ticket, data and close_notify', () => {
    const memory = new InMemoryTlsMemory();
    const crypto = clientProvider([traceCh.random.slice()], V.key_exchange.client_ephemeral_private_key);
    const client = createClient({
      serverName: 'server',
      cipherSuites: ['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384'],
      recordSizeLimit: 0x4001,
      signatureSchemesCert: [],
      verifyPeerCertificate: (chain) => (hex(chain[0]!) === hex(serverCertDer) ? null : null),
      publicKeyOf: () => rsaPublic,
      clientHelloHook: (ch) => ({ ...ch, extensions: traceOrder(ch.extensions!, traceCh.extensions!) }),
    }, { crypto, memory, nowMs: () => 0 });
    const start = client.start();
    expect(start.error).toBeUndefined();
    expect(hex(start.output)).toBe(V.records.client_hello.record);
    const flight = unhex(V.records.server_hello.record + V.records.server_encrypted_handshake.record);
    const r = client.receive(flight);
    expect(r.error).toBeUndefined();
    expect(r.consumed).toBe(flight.length);
    expect(hex(r.output)).toBe(V.records.client_finished.record);
    expect(client.handshakeComplete).toBe(true);
    expect(client.peerSignatureScheme).toBe('rsa_pss_rsae_sha256');
    expect(client.group).toBe('x25519');
    const nst = client.open(unhex(V.records.server_new_session_ticket.record));
    const ev = nst.events.find((e) => e.type === 'sessionTicket');
    expect(ev && ev.type === 'sessionTicket' && hex(ev.ticket.psk)).toBe(V.session_ticket.resumption_psk);
    expect(hex(client.seal(unhex(V.records.client_application_data.payload)).record)).toBe(V.records.client_application_data.record);
    const data = client.open(unhex(V.records.server_application_data.record));
    expect(hex(data.plaintext)).toBe(V.records.server_application_data.payload);
    expect(hex(client.close().output)).toBe(V.records.client_alert_close_notify.record);
    expect(client.open(unhex(V.records.server_alert_close_notify.record)).events).toEqual([{ type: 'closeNotify' }]);
    client.dispose();
    expect(memory.liveBlocks()).toEqual([]);
  });
});

describe('RFC 8448 §3: server engine replay (RFC 8446 §4)', () => {
  it('answers the trace ClientHello with the trace ServerHello and encrypted flight, then the ticket', () => {
    const memory = new InMemoryTlsMemory();
    const sh = HandshakeFrameCodec.decode(unhex(V.handshake_messages.server_hello)).body;
    const ageAdd = new Uint8Array(4);
    new DataView(ageAdd.buffer).setUint32(0, V.session_ticket.ticket_age_add);
    const crypto = new Rfc8448Provider({ cost: new TallyCostSink(), random: new TestRandom('s8448') }, {
      randoms: [sh.subarray(2, 34).slice(), ageAdd],
      keySharePrivateKeys: { x25519: [unhex(V.key_exchange.server_ephemeral_private_key)] },
    });
    const traceEe = EncryptedExtensionsCodec.decode(HandshakeFrameCodec.decode(unhex(V.handshake_messages.encrypted_extensions)).body);
    const server = createServer({
      certificateChain: [serverCertDer],
      privateKey: rsaPrivate,
      privateKeySchemes: ['rsa_pss_rsae_sha256'],
      encryptedExtensionsHook: (ee) => ({ extensions: traceOrder(ee.extensions, traceEe.extensions) }),
      tickets: {
        lifetimeSeconds: V.session_ticket.ticket_lifetime, count: 1, maxEarlyDataSize: 1024,
        sealer: { seal: () => unhex(V.session_ticket.ticket), open: () => null },
      },
    }, { crypto, memory, nowMs: () => 0 });
    const r1 = server.receive(unhex(V.records.client_hello.record));
    expect(r1.error).toBeUndefined();
    expect(hex(r1.output)).toBe(V.records.server_hello.record + V.records.server_encrypted_handshake.record);
    const r2 = server.receive(unhex(V.records.client_finished.record));
    expect(r2.error).toBeUndefined();
    expect(server.handshakeComplete).toBe(true);
    expect(hex(r2.output)).toBe(V.records.server_new_session_ticket.record);
    expect(hex(server.open(unhex(V.records.client_application_data.record)).plaintext)).toBe(V.records.client_application_data.payload);
    expect(hex(server.seal(unhex(V.records.server_application_data.payload)).record)).toBe(V.records.server_application_data.record);
    expect(server.open(unhex(V.records.client_alert_close_notify.record)).events).toEqual([{ type: 'closeNotify' }]);
    expect(hex(server.close().output)).toBe(V.records.server_alert_close_notify.record);
    server.dispose();
    expect(memory.liveBlocks()).toEqual([]);
  });
});

describe('RFC 8448 §4 resumed handshake: PSK binder and keys (RFC 8446 §4.2.11.2, §7.1)', () => {
  const crypto = new DeterministicCryptoProvider({ cost: new TallyCostSink(), random: new TestRandom('r') }, {});
  const h = { crypto, hash: 'sha256' as const };
  const ks = R.key_schedule;
  it('derives the binder, early, handshake and application secrets of the trace', () => {
    const early = EarlySecret.create(h, unhex(R.psk));
    expect(hex(early.exposeForTest())).toBe(ks.early_secret);
    const bk = early.binderKey(false);
    expect(hex(bk.exposeForTest())).toBe(R.psk_binder.binder_key);
    const bfk = bk.finishedKey();
    expect(hex(bfk.exposeForTest())).toBe(R.psk_binder.binder_finished_key);
    expect(hex(bfk.verifyData(unhex(R.psk_binder.truncated_client_hello_hash)))).toBe(R.psk_binder.binder);
    const cets = early.clientEarlyTrafficSecret(unhex(R.transcript_hashes.client_hello));
    expect(hex(cets.exposeForTest())).toBe(ks.client_early_traffic_secret);
    expect(hex(cets.keys(16, 12).key)).toBe(R.traffic_keys.client_early.key);
    expect(hex(early.earlyExporterMasterSecret(unhex(R.transcript_hashes.client_hello)).exposeForTest())).toBe(ks.early_exporter_master_secret);
    // 0-RTT records decrypt with the early keys (the engine itself does not send early data).
    const rl = new RecordLayer(crypto, new InMemoryTlsMemory());
    rl.installReadKeys({ name: 'TLS_AES_128_GCM_SHA256', code: 0x1301, aead: 'aes128gcm', hash: 'sha256', hashLength: 32, keyLength: 16, ivLength: 12, tagLength: 16 }, cets);
    expect(hex(rl.open(unhex(R.records.client_early_application_data.record)).content)).toBe(R.records.client_early_application_data.payload);
    expect(hex(rl.open(unhex(R.records.client_end_of_early_data.record)).content)).toBe(R.records.client_end_of_early_data.payload);
    const hs = early.intoHandshakeSecret(unhex(R.key_exchange.shared_secret));
    expect(hex(hs.exposeForTest())).toBe(ks.handshake_secret);
    expect(hex(hs.clientHandshakeTrafficSecret(unhex(R.transcript_hashes.client_hello__server_hello)).exposeForTest())).toBe(ks.client_handshake_traffic_secret);
    const shs = hs.serverHandshakeTrafficSecret(unhex(R.transcript_hashes.client_hello__server_hello));
    expect(hex(shs.exposeForTest())).toBe(ks.server_handshake_traffic_secret);
    const ms = hs.intoMasterSecret();
    expect(hex(ms.exposeForTest())).toBe(ks.master_secret);
    expect(hex(ms.clientApplicationTrafficSecret(unhex(R.transcript_hashes.client_hello__server_finished)).exposeForTest())).toBe(ks.client_application_traffic_secret_0);
    expect(hex(ms.resumptionMasterSecret(unhex(R.transcript_hashes.client_hello__client_finished)).exposeForTest())).toBe(ks.resumption_master_secret);
  });

  it('client engine sends the trace ClientHello with its binder and accepts the resumed server flight', () => {
    const ch = chBody(R.handshake_messages.client_hello);
    const memory = new InMemoryTlsMemory();
    const crypto = clientProvider([ch.random.slice()], R.key_exchange.client_ephemeral_private_key);
    const psk = ch.extensions![ch.extensions!.length - 1]!;
    const ageBytes = psk.data.subarray(4 + 0xb2, 4 + 0xb2 + 4);
    const obfuscated = new DataView(ageBytes.buffer, ageBytes.byteOffset, 4).getUint32(0);
    const ageAdd = V.session_ticket.ticket_age_add;
    const now = 100_000;
    const ticket: SessionTicket = {
      ticket: unhex(V.session_ticket.ticket), psk: unhex(R.psk), cipherSuite: 'TLS_AES_128_GCM_SHA256',
      ageAdd, lifetimeSeconds: V.session_ticket.ticket_lifetime, receivedAtMs: now - ((obfuscated - ageAdd) >>> 0),
    };
    const client = createClient({
      serverName: 'server',
      cipherSuites: ['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384'],
      recordSizeLimit: 0x4001,
      signatureSchemesCert: [],
      ticket,
      verifyPeerCertificate: () => null,
      publicKeyOf: () => rsaPublic,
      clientHelloHook: (c) => ({ ...c, extensions: traceOrder(c.extensions!, ch.extensions!) }),
    }, { crypto, memory, nowMs: () => now });
    const start = client.start();
    expect(start.error).toBeUndefined();
    expect(hex(start.output)).toBe(R.records.client_hello.record);
    // The server accepted 0-RTT in the trace; the engine sends none, so its Finished covers no
    // EndOfEarlyData and differs from the trace's — but the server's flight must verify.
    const r = client.receive(unhex(R.records.server_hello.record + R.records.server_encrypted_handshake.record));
    expect(r.error).toBeUndefined();
    expect(client.resumed).toBe(true);
    expect(client.handshakeComplete).toBe(true);
    client.dispose();
    expect(memory.liveBlocks()).toEqual([]);
  });
});
