/**
 * The Illustrated TLS 1.2 Connection replayed through cesim's TLS 1.2 server with a
 * deterministic provider: its recorded ClientHello, ClientKeyExchange and client Finished go in;
 * the server's ServerHello, Certificate, ServerKeyExchange, ServerHelloDone, its protected
 * Finished record and the protected 'pong' come out byte for byte, and the client's protected
 * 'ping' and close_notify open. Vectors: test/tls12/vectors/tls12-vectors.json (see _source).
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TlsError } from '../../schannel/tls/index.js';
import { DeterministicCryptoProvider, TallyCostSink } from '../../schannel/crypto/provider.js';
import type { PrivateKey, PublicKey, SignatureScheme } from '../../schannel/crypto/types.js';
import { InMemoryTlsMemory } from '../../schannel/tls/index.js';
import { Tls12Server } from '../../schannel/tls/v12/server.js';
import vectors from './vectors/tls12-vectors.json' with { type: 'json' };
import { TestRandom, acceptAll, publicKeyOfDer } from '../tls/helpers.js';

const C = vectors.illustrated_tls12_connection;
const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** The leaf certificate as the capture's Certificate message carries it (after the three length prefixes). */
const leaf = unhex(C.handshake_messages.certificate).subarray(4 + 3 + 3);
const leafKey = publicKeyOfDer(leaf) as PublicKey;

/**
 * The capture's server key is not published, so this provider "signs" by returning the
 * recorded RSA PKCS#1 v1.5 signature, after checking it verifies over exactly the content
 * cesim asked to sign (PKCS#1 v1.5 is deterministic: a real signer gives the same bytes).
 */
class ReplayProvider extends DeterministicCryptoProvider {
  override sign(scheme: SignatureScheme, _key: PrivateKey, message: Uint8Array): Uint8Array {
    const sig = unhex(C.server_key_exchange_signature.signature);
    if (scheme === 'rsa_pkcs1_sha256' && this.verify(scheme, leafKey, message, sig)) return sig;
    throw new Error(`unexpected signing request (${scheme})`);
  }
}

describe('Illustrated TLS 1.2 Connection, server side, byte for byte', () => {
  it('RFC 5246 §7.3: the server flight, Finished and application records equal the capture', () => {
    expect(new X509Certificate(Buffer.from(leaf)).subject).toContain('example.ulfheim.net');
    const e = C.encrypted_records;
    const crypto = new ReplayProvider({ cost: new TallyCostSink(), random: new TestRandom('replay') }, {
      randoms: [unhex(C.server_random), unhex(e.server_finished.explicit_iv), unhex(e.server_application_data.explicit_iv)],
      keySharePrivateKeys: { x25519: [unhex(C.key_exchange.server_ephemeral_private_key)] },
    });
    const memory = new InMemoryTlsMemory();
    const privateKey: PrivateKey = { kind: 'rsa', n: (leafKey as { n: bigint }).n, e: 65537n, d: 1n, p: 1n, q: 1n, bits: 2048 };
    const server = new Tls12Server({
      certificateChain: [leaf], privateKey, ...acceptAll,
      tls12Suites: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
      // The capture's client offers no extended_master_secret or encrypt_then_mac; its server
      // answered neither server_name nor ec_point_formats.
      requireExtendedMasterSecret: false, acknowledgeServerName: false, answerEcPointFormats: false,
    }, { crypto, memory, nowMs: () => 0 });
    server.start();
    const keyLog: string[] = [];
    (server as unknown as { config: { keyLog: (l: string, r: Uint8Array, s: Uint8Array) => void } }).config.keyLog = (l, r, s) => keyLog.push(`${l} ${hex(r)} ${hex(s)}`);

    const p = C.plaintext_records;
    const r1 = server.receive(unhex(p.client_hello));
    expect(r1.error).toBeUndefined();
    const m = C.handshake_messages;
    expect(hex(r1.output)).toBe(hex(frameRecord(22, m.server_hello + m.certificate + m.server_key_exchange + m.server_hello_done)));

    const r2 = server.receive(unhex(p.client_key_exchange + p.change_cipher_spec + e.client_finished.record));
    expect(r2.error).toBeUndefined();
    expect(server.handshakeComplete).toBe(true);
    expect(keyLog).toEqual([`CLIENT_RANDOM ${C.client_random} ${C.master_secret}`]);
    expect(hex(r2.output)).toBe(p.change_cipher_spec + e.server_finished.record);

    const ping = server.open(unhex(e.client_application_data.record));
    expect(new TextDecoder().decode(ping.plaintext)).toBe('ping');
    expect(hex(server.seal(new TextEncoder().encode('pong')).record)).toBe(e.server_application_data.record);
    const close = server.open(unhex(e.client_alert_close_notify.record));
    expect(close.events).toEqual([{ type: 'closeNotify' }]);
    expect(hex(server.tlsUnique() as Uint8Array)).toBe(C.verify_data.client);
    server.dispose();
    expect(memory.liveBlocks()).toEqual([]);
  });

  it('RFC 5246 §7.4.9: the capture\'s client Finished with one bit flipped is refused (bad_record_mac), the alert sealed', () => {
    const crypto = new ReplayProvider({ cost: new TallyCostSink(), random: new TestRandom('replay2') }, {
      randoms: [unhex(C.server_random)], keySharePrivateKeys: { x25519: [unhex(C.key_exchange.server_ephemeral_private_key)] },
    });
    const privateKey: PrivateKey = { kind: 'rsa', n: (leafKey as { n: bigint }).n, e: 65537n, d: 1n, p: 1n, q: 1n, bits: 2048 };
    const server = new Tls12Server({
      certificateChain: [leaf], privateKey, ...acceptAll, tls12Suites: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
      requireExtendedMasterSecret: false, acknowledgeServerName: false, answerEcPointFormats: false,
    }, { crypto, memory: new InMemoryTlsMemory(), nowMs: () => 0 });
    server.start();
    const p = C.plaintext_records;
    server.receive(unhex(p.client_hello));
    const fin = unhex(C.encrypted_records.client_finished.record);
    fin[fin.length - 1]! ^= 1;
    const r = server.receive(new Uint8Array([...unhex(p.client_key_exchange + p.change_cipher_spec), ...fin]));
    expect(r.error).toBeInstanceOf(TlsError);
    expect(r.error?.code).toBe('peer.bad_record_mac');
    // The alert is protected under the server's still-plaintext write state: a plaintext record.
    expect(hex(r.output)).toBe('15030300020214');
  });
});

function frameRecord(type: number, bodyHex: string): Uint8Array {
  const b = unhex(bodyHex);
  return new Uint8Array([type, 3, 3, b.length >> 8, b.length & 0xff, ...b]);
}
