/** Second, independent key-schedule KAT (OpenSSL-generated values via rustls; see vectors/_source). */
import { describe, expect, it } from 'vitest';
import { NobleCryptoProvider, TallyCostSink } from '../../schannel/crypto/provider.js';
import { EarlySecret } from '../../schannel/tls/keyschedule.js';
import kat from './vectors/tls13-keyschedule-openssl-kat.json' with { type: 'json' };
import { TestRandom, hex, unhex } from './helpers.js';

describe('OpenSSL key-schedule KAT (RFC 8446 §7.1, §7.3)', () => {
  it('derives the handshake and application traffic secrets, keys and IVs', () => {
    const crypto = new NobleCryptoProvider({ cost: new TallyCostSink(), random: new TestRandom('kat') });
    const h = { crypto, hash: 'sha256' as const };
    const hs = EarlySecret.create(h, unhex(kat.psk)).intoHandshakeSecret(unhex(kat.ecdhe_shared_secret));
    const helloHash = unhex(kat.transcript_hash_client_hello__server_hello);
    const c = hs.clientHandshakeTrafficSecret(helloHash);
    const s = hs.serverHandshakeTrafficSecret(helloHash);
    expect(hex(c.exposeForTest())).toBe(kat.client_handshake_traffic_secret);
    expect(hex(s.exposeForTest())).toBe(kat.server_handshake_traffic_secret);
    expect([hex(c.keys(16, 12).key), hex(c.keys(16, 12).iv)]).toEqual([kat.client_handshake_key, kat.client_handshake_iv]);
    expect([hex(s.keys(16, 12).key), hex(s.keys(16, 12).iv)]).toEqual([kat.server_handshake_key, kat.server_handshake_iv]);
    const ms = hs.intoMasterSecret();
    const fin = unhex(kat.transcript_hash_client_hello__server_finished);
    const ca = ms.clientApplicationTrafficSecret(fin);
    const sa = ms.serverApplicationTrafficSecret(fin);
    expect(hex(ca.exposeForTest())).toBe(kat.client_application_traffic_secret_0);
    expect(hex(sa.exposeForTest())).toBe(kat.server_application_traffic_secret_0);
    expect([hex(ca.keys(16, 12).key), hex(ca.keys(16, 12).iv)]).toEqual([kat.client_application_key, kat.client_application_iv]);
    expect([hex(sa.keys(16, 12).key), hex(sa.keys(16, 12).iv)]).toEqual([kat.server_application_key, kat.server_application_iv]);
  });
  it('KeyUpdate derives application_traffic_secret_N+1 with "traffic upd" (RFC 8446 §7.2)', () => {
    const crypto = new NobleCryptoProvider({ cost: new TallyCostSink(), random: new TestRandom('kat') });
    const h = { crypto, hash: 'sha256' as const };
    const ms = EarlySecret.create(h, null).intoHandshakeSecret(unhex(kat.ecdhe_shared_secret)).intoMasterSecret();
    const a0 = ms.clientApplicationTrafficSecret(unhex(kat.transcript_hash_client_hello__server_finished));
    const a1 = a0.next();
    const expected = crypto.hkdfExpand('sha256', a0.exposeForTest(), unhex('002011746c73313320747261666669632075706400'), 32);
    expect(hex(a1.exposeForTest())).toBe(hex(expected));
    a0.zero();
    expect(() => a0.keys(16, 12)).toThrow();
  });
});
