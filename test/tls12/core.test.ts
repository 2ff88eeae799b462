/**
 * TLS 1.2 core: the PRF (RFC 5246 §5) against published known answers, the derivations of the
 * Illustrated TLS 1.2 Connection (master secret, key block, Finished), and record protection:
 * CBC MAC-then-encrypt replayed byte for byte, AES-GCM and ChaCha20-Poly1305 checked against
 * Node's OpenSSL ciphers, encrypt-then-MAC (RFC 7366), and one bad_record_mac for every
 * tampering. Vectors: test/tls12/vectors/tls12-vectors.json (see its _source).
 */
import { createCipheriv, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeterministicCryptoProvider, NobleCryptoProvider, TallyCostSink } from '../../schannel/crypto/provider.js';
import type { HashName } from '../../schannel/crypto/types.js';
import { ContentType } from '../../schannel/tls/codec/constants.js';
import { InMemoryTlsMemory, TlsError } from '../../schannel/tls/index.js';
import { Prf, TLS12_TAGS, pHash, splitKeyBlock } from '../../schannel/tls/v12/prf.js';
import { Tls12RecordLayer } from '../../schannel/tls/v12/record.js';
import { type Tls12Suite, keyBlockLength, tls12Suite } from '../../schannel/tls/v12/suites.js';
import vectors from './vectors/tls12-vectors.json' with { type: 'json' };
import { TestRandom } from '../tls/helpers.js';

const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const HASH: Record<string, HashName> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const C = vectors.illustrated_tls12_connection;

function provider(randoms: Uint8Array[] = []): NobleCryptoProvider {
  return new DeterministicCryptoProvider({ cost: new TallyCostSink(), random: new TestRandom('tls12-core') }, { randoms });
}

describe('TLS 1.2 PRF (RFC 5246 §5)', () => {
  for (const kat of vectors.prf_kats) {
    it(`RFC 5246 §5: ${kat.name}`, () => {
      const memory = new InMemoryTlsMemory();
      const prf = new Prf(provider(), memory, HASH[kat.hash]!);
      const out = prf.derive(unhex(kat.secret), kat.label_ascii, unhex(kat.seed), kat.length);
      expect(hex(out)).toBe(kat.output);
      // The working state was charged while it ran and freed after.
      expect(memory.peakByTag.get(TLS12_TAGS.prf)).toBeGreaterThan(0);
      expect(memory.liveBlocks()).toEqual([]);
    });
  }

  it('RFC 5246 §5: P_hash agrees with an independent HMAC (Node) for every length 1..200', () => {
    const secret = unhex('0102030405');
    const seed = unhex('aabbcc');
    const ref = (len: number): string => {
      let a: Buffer = Buffer.from(seed);
      let out = Buffer.alloc(0);
      while (out.length < len) {
        a = createHmac('sha256', secret).update(a).digest();
        out = Buffer.concat([out, createHmac('sha256', secret).update(Buffer.concat([a, seed])).digest()]);
      }
      return out.subarray(0, len).toString('hex');
    };
    for (let len = 1; len <= 200; len += 7) expect(hex(pHash(provider(), 'sha256', secret, seed, len))).toBe(ref(len));
  });

  it('an exhausted pool makes the PRF fail with the out-of-memory error, leaving nothing allocated', () => {
    const memory = new InMemoryTlsMemory();
    memory.failWhen = () => true;
    const prf = new Prf(provider(), memory, 'sha256');
    expect(() => prf.derive(new Uint8Array(48), 'x', new Uint8Array(1), 12)).toThrow(TlsError);
    expect(memory.liveBlocks()).toEqual([]);
  });
});

describe('Illustrated TLS 1.2 Connection derivations', () => {
  const memory = new InMemoryTlsMemory();
  const prf = new Prf(provider(), memory, 'sha256');
  const clientRandom = unhex(C.client_random);
  const serverRandom = unhex(C.server_random);

  it('RFC 5246 §8.1: master secret from the x25519 premaster and both randoms', () => {
    const ms = prf.masterSecret(unhex(C.key_exchange.pre_master_secret), { extended: false, clientRandom, serverRandom });
    expect(hex(ms)).toBe(C.master_secret);
  });

  it('RFC 5246 §6.3: key block of TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (72 bytes) and its split', () => {
    const suite = tls12Suite('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA');
    expect(keyBlockLength(suite)).toBe(72);
    const kb = prf.keyBlock(unhex(C.master_secret), clientRandom, serverRandom, 72);
    expect(hex(kb)).toBe(C.key_block_72);
    const k = splitKeyBlock(kb, 20, 16, 0);
    expect(hex(k.clientMacKey)).toBe(C.keys.client_write_mac_key);
    expect(hex(k.serverMacKey)).toBe(C.keys.server_write_mac_key);
    expect(hex(k.clientKey)).toBe(C.keys.client_write_key);
    expect(hex(k.serverKey)).toBe(C.keys.server_write_key);
  });

  it('RFC 5246 §7.4.9: client and server verify_data over the transcript hash', () => {
    const ms = unhex(C.master_secret);
    expect(hex(prf.verifyData(ms, 'client', unhex(C.transcript_hashes_sha256.client_hello__client_key_exchange)))).toBe(C.verify_data.client);
    expect(hex(prf.verifyData(ms, 'server', unhex(C.transcript_hashes_sha256.client_hello__client_finished)))).toBe(C.verify_data.server);
  });

  it('RFC 7627 §4: the extended master secret uses the label "extended master secret" over the session hash', () => {
    const pms = unhex(C.key_exchange.pre_master_secret);
    const sessionHash = unhex(C.transcript_hashes_sha256.client_hello__client_key_exchange);
    const ems = prf.masterSecret(pms, { extended: true, sessionHash });
    expect(hex(ems)).toBe(hex(pHash(provider(), 'sha256', pms, new Uint8Array([...Buffer.from('extended master secret'), ...sessionHash]), 48)));
    expect(hex(ems)).not.toBe(C.master_secret);
  });
});

/** A pair of record layers (client writes, server reads and vice versa) over the key block. */
function layers(suite: Tls12Suite, etm: boolean, kb: Uint8Array, randoms: { client?: Uint8Array[]; server?: Uint8Array[] } = {}) {
  const p = suite.protection;
  const k = p.kind === 'aead' ? splitKeyBlock(kb, 0, p.keyLength, p.fixedIvLength) : splitKeyBlock(kb, p.macLength, p.keyLength, 0);
  const cm = new InMemoryTlsMemory();
  const sm = new InMemoryTlsMemory();
  const client = new Tls12RecordLayer(provider(randoms.client), cm);
  const server = new Tls12RecordLayer(provider(randoms.server), sm);
  const ck = { macKey: k.clientMacKey, key: k.clientKey, fixedIv: k.clientIv };
  const sk = { macKey: k.serverMacKey, key: k.serverKey, fixedIv: k.serverIv };
  client.setPending(suite, ck, sk, etm);
  server.setPending(suite, sk, ck, etm);
  client.activateWrite();
  client.activateRead();
  server.activateWrite();
  server.activateRead();
  return { client, server, cm, sm, k };
}

describe('TLS 1.2 record protection (RFC 5246 §6.2.3)', () => {
  it('RFC 5246 §6.2.3.2: the five CBC/HMAC-SHA1 records of the capture re-encrypt byte for byte and open', () => {
    const suite = tls12Suite('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA');
    const e = C.encrypted_records;
    const clientRecs = [e.client_finished, e.client_application_data, e.client_alert_close_notify];
    const serverRecs = [e.server_finished, e.server_application_data];
    const { client, server, cm } = layers(suite, false, unhex(C.key_block_72), {
      client: clientRecs.map((r) => unhex(r.explicit_iv)),
      server: serverRecs.map((r) => unhex(r.explicit_iv)),
    });
    for (const r of clientRecs) {
      const rec = client.seal(r.content_type as ContentType, unhex(r.plaintext));
      expect(hex(rec)).toBe(r.record);
      const opened = server.open(unhex(r.record));
      expect(hex(opened.content)).toBe(r.plaintext);
      expect(opened.type).toBe(r.content_type);
    }
    for (const r of serverRecs) {
      expect(hex(server.seal(r.content_type as ContentType, unhex(r.plaintext)))).toBe(r.record);
      expect(hex(client.open(unhex(r.record)).content)).toBe(r.plaintext);
    }
    expect(client.sequenceNumbers).toEqual({ read: 2n, write: 3n });
    client.dispose();
    expect(cm.liveBlocks()).toEqual([]);
  });

  const aeadCases: { name: Parameters<typeof tls12Suite>[0]; cipher: string }[] = [
    { name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', cipher: 'aes-128-gcm' },
    { name: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', cipher: 'aes-256-gcm' },
    { name: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', cipher: 'chacha20-poly1305' },
  ];
  for (const c of aeadCases) {
    it(`${c.cipher === 'chacha20-poly1305' ? 'RFC 7905 §2' : 'RFC 5288 §3'}: ${c.name} records match OpenSSL's ${c.cipher} with the TLS nonce and additional_data`, () => {
      const suite = tls12Suite(c.name);
      const kb = unhex(hex(new Uint8Array(keyBlockLength(suite)).map((_, i) => (i * 37 + 11) & 0xff)));
      const { client, server, k } = layers(suite, false, kb);
      for (let seq = 0; seq < 3; seq++) {
        const data = new Uint8Array(5 + seq * 100).fill(0x41 + seq);
        const rec = client.seal(ContentType.application_data, data);
        const seqBytes = Buffer.alloc(8);
        seqBytes.writeBigUInt64BE(BigInt(seq));
        const aad = Buffer.concat([seqBytes, Buffer.from([23, 3, 3, data.length >> 8, data.length & 0xff])]);
        let nonce: Buffer;
        if (c.cipher === 'chacha20-poly1305') {
          nonce = Buffer.from(k.clientIv);
          for (let i = 0; i < 8; i++) nonce[4 + i]! ^= seqBytes[i]!;
        } else nonce = Buffer.concat([Buffer.from(k.clientIv), seqBytes]);
        const ci = createCipheriv(c.cipher as 'aes-128-gcm', k.clientKey, nonce, { authTagLength: 16 });
        ci.setAAD(aad, { plaintextLength: data.length });
        const body = Buffer.concat([ci.update(data), ci.final(), ci.getAuthTag()]);
        const explicit = c.cipher === 'chacha20-poly1305' ? Buffer.alloc(0) : seqBytes;
        const frag = Buffer.concat([explicit, body]);
        expect(hex(rec)).toBe(hex(Buffer.concat([Buffer.from([23, 3, 3, frag.length >> 8, frag.length & 0xff]), frag])));
        expect(hex(server.open(rec).content)).toBe(hex(data));
      }
    });
  }

  it('RFC 7366 §3: encrypt-then-MAC records carry IV || CBC(content || padding) || HMAC over the ciphertext', () => {
    const suite = tls12Suite('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256');
    const kb = new Uint8Array(keyBlockLength(suite)).map((_, i) => i);
    const iv = new Uint8Array(16).fill(7);
    const { client, server, k } = layers(suite, true, kb, { client: [iv] });
    const data = new TextEncoder().encode('hello, encrypt-then-MAC');
    const rec = client.seal(ContentType.application_data, data);
    const padded = Buffer.concat([Buffer.from(data), Buffer.alloc(9, 8)]); // 23 + 9 = 32
    const ci = createCipheriv('aes-128-cbc', k.clientKey, iv).setAutoPadding(false);
    const ct = Buffer.concat([ci.update(padded), ci.final()]);
    const macIn = Buffer.concat([Buffer.alloc(8), Buffer.from([23, 3, 3, 0, 48]), iv, ct]);
    const mac = createHmac('sha256', k.clientMacKey).update(macIn).digest();
    expect(hex(rec)).toBe(hex(Buffer.concat([Buffer.from([23, 3, 3, 0, 80]), iv, ct, mac])));
    expect(new TextDecoder().decode(server.open(rec).content)).toBe('hello, encrypt-then-MAC');
  });

  const tamperSuites: [Parameters<typeof tls12Suite>[0], boolean][] = [
    ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', false],
    ['TLS_RSA_WITH_AES_256_CBC_SHA256', false],
    ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', true],
    ['TLS_RSA_WITH_AES_128_GCM_SHA256', false],
    ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', false],
  ];
  for (const [name, etm] of tamperSuites) {
    it(`RFC 5246 §6.2.3: any flipped bit of a ${name}${etm ? ' (EtM)' : ''} record is bad_record_mac, no other alert`, () => {
      const suite = tls12Suite(name);
      const kb = new Uint8Array(keyBlockLength(suite)).map((_, i) => 255 - i);
      fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (data, pos, bit) => {
        const { client, server } = layers(suite, etm, kb);
        const rec = client.seal(ContentType.application_data, data).slice();
        const at = 5 + (pos % (rec.length - 5));
        rec[at]! ^= 1 << bit;
        try {
          server.open(rec);
          return false;
        } catch (e) {
          return e instanceof TlsError && e.code === 'peer.bad_record_mac';
        }
      }), { numRuns: 60 });
    });
  }

  it('RFC 5246 §6.2.3.2: a MAC-then-encrypt record with wrong padding bytes, padding too long, or a bad MAC are the same bad_record_mac, with the same CPU cost', () => {
    const suite = tls12Suite('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA');
    const kb = unhex(C.key_block_72);
    const { k } = layers(suite, false, kb);
    const iv = new Uint8Array(16);
    /** Builds a record from a raw CBC plaintext (content || mac || padding as given). */
    const raw = (inner: Uint8Array): Uint8Array => {
      const ci = createCipheriv('aes-128-cbc', k.clientKey, iv).setAutoPadding(false);
      const ct = Buffer.concat([ci.update(inner), ci.final()]);
      const frag = Buffer.concat([iv, ct]);
      return new Uint8Array(Buffer.concat([Buffer.from([23, 3, 3, frag.length >> 8, frag.length & 0xff]), frag]));
    };
    const content = new Uint8Array(27).fill(0x61);
    const macOf = (c: Uint8Array) => createHmac('sha1', k.clientMacKey).update(Buffer.concat([Buffer.alloc(8), Buffer.from([23, 3, 3, 0, c.length]), c])).digest();
    const short = content.subarray(0, 12);
    const good = raw(new Uint8Array([...short, ...macOf(short), ...new Uint8Array(16).fill(15)])); // 12 + 20 + 16 = 48
    const goodNoPad = raw(new Uint8Array([...content, ...macOf(content), 0x00])); // 27 + 20 + 1 = 48
    const cases = {
      wrongPadByte: raw(new Uint8Array([...new Uint8Array(25).fill(0x61), ...macOf(content.subarray(0, 25)), 0x02, 0x01, 0x02])),
      padTooLong: raw(new Uint8Array([...content, ...macOf(content), 0xff])),
      badMac: raw(new Uint8Array([...content, ...new Uint8Array(20), 0x00])),
    };
    const costOf = (rec: Uint8Array): { ok: boolean; code?: string; bytes: number } => {
      const cost = new TallyCostSink();
      const { server } = layersWith(cost);
      try {
        server.open(rec);
        return { ok: true, bytes: total(cost) };
      } catch (e) {
        return { ok: false, code: (e as TlsError).code, bytes: total(cost) };
      }
    };
    function layersWith(cost: TallyCostSink) {
      const server = new Tls12RecordLayer(new NobleCryptoProvider({ cost, random: new TestRandom('x') }), new InMemoryTlsMemory());
      const ck = { macKey: k.clientMacKey, key: k.clientKey, fixedIv: new Uint8Array(0) };
      server.setPending(suite, { macKey: k.serverMacKey, key: k.serverKey, fixedIv: new Uint8Array(0) }, ck, false);
      server.activateRead();
      return { server };
    }
    const total = (c: TallyCostSink) => [...c.tally.entries()].filter(([p]) => p === 'sha1').reduce((n, [, v]) => n + v.bytes, 0);
    const ref = costOf(good);
    expect(ref.ok).toBe(true);
    expect(costOf(goodNoPad)).toEqual(ref);
    for (const [what, rec] of Object.entries(cases)) {
      const r = costOf(rec);
      expect(r, what).toMatchObject({ ok: false, code: 'peer.bad_record_mac' });
      expect(r.bytes, `${what}: SHA-1 bytes`).toBe(ref.bytes);
    }
  });

  it('RFC 5246 §6.2.3: a decrypted plaintext above 2^14 is record_overflow; a ciphertext above 2^14 + 2048 too', () => {
    const suite = tls12Suite('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    const kb = new Uint8Array(keyBlockLength(suite));
    const { server } = layers(suite, false, kb);
    const hdr = new Uint8Array([23, 3, 3, 0x48, 0x01]); // 2^14 + 2049
    expect(() => server.scan(new Uint8Array([...hdr, 0]), 0)).toThrow(/record_overflow/);
  });
});
