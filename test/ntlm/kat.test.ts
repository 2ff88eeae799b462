/**
 * MS-NLMP §4.2 known answers (NTLMv1, NTLMv1 with extended session security, NTLMv2: keys,
 * responses, messages, signatures and sealed messages) and the primitives' own known answers.
 * Vectors: test/ntlm/vectors/*.json with their _source.
 */
import { describe, it, expect } from 'vitest';
import V from './vectors/ms-nlmp-4.2.json' with { type: 'json' };
import P from './vectors/primitives.json' with { type: 'json' };
import { hex, testCrypto, toHex } from './helpers.js';
import { Rc4, expandDesKey } from '../../ntlm/crypto/primitives.js';
import { oem, utf16le } from '../../ntlm/core/bytes.js';
import {
  computeMic,
  desl,
  kxkeyV1,
  lmowfv1,
  ntlmv1Responses,
  ntlmv2Responses,
  ntowfv1,
  ntowfv2FromHash,
  sealKey,
  signKey,
} from '../../ntlm/core/compute.js';
import {
  decodeAuthenticate,
  decodeAvPairs,
  decodeChallenge,
  decodeNtlmv2ClientChallenge,
  encodeAuthenticate,
  encodeAvPairs,
  encodeChallenge,
  encodeNtlmv2ClientChallenge,
} from '../../ntlm/core/codec.js';
import { MsvAvNbComputerName, MsvAvNbDomainName } from '../../ntlm/core/constants.js';
import { NtlmSession } from '../../ntlm/core/session.js';

const C = V.common;
const flags = (s: string) => parseInt(s, 16) >>> 0;

describe('NTLM primitives: known answers', () => {
  const { c, charges } = testCrypto();
  it('MD4 (RFC 1320 A.5)', () => {
    for (const [m, d] of P.md4) expect(toHex(c.md4(oem(m!)))).toBe(d);
  });
  it('CRC-32 check value', () => {
    for (const [m, d] of P.crc32) expect(c.crc32(oem(m!)).toString(16).padStart(8, '0')).toBe(d);
  });
  it('RC4 (RFC 6229 §2)', () => {
    for (const t of P.rc4) {
      const ks = new Rc4(hex(t.key)).update(new Uint8Array(t.offset + 16)).subarray(t.offset);
      expect(toHex(ks)).toBe(t.keystream);
    }
    // The charged handle gives the same stream.
    expect(toHex(c.rc4k(hex('0102030405'), new Uint8Array(16)))).toBe(P.rc4[0]!.keystream);
  });
  it('DES (FIPS 46 worked example) under a 7-byte key expanded with parity', () => {
    for (const t of P.des) {
      const k8 = hex(t.key8);
      // Drop the parity bits: the 56 key bits, 7 per byte, packed.
      let bits = '';
      for (const b of k8) bits += (b >> 1).toString(2).padStart(7, '0');
      const k7 = new Uint8Array(7);
      for (let i = 0; i < 7; i++) k7[i] = parseInt(bits.slice(8 * i, 8 * i + 8), 2);
      expect(Array.from(expandDesKey(k7), (b) => b >> 1)).toEqual(Array.from(k8, (b) => b >> 1));
      expect(toHex(c.des(k7, hex(t.plaintext)))).toBe(t.ciphertext);
    }
  });
  it('every primitive charges the CPU model', () => {
    c.md5(new Uint8Array(3));
    c.hmacMd5(new Uint8Array(16), new Uint8Array(3));
    c.random(4);
    for (const p of ['md4', 'md5', 'hmac', 'des', 'rc4', 'rc4.init', 'crc32', 'random']) expect(charges.get(p), p).toBeGreaterThan(0);
  });
});

describe('MS-NLMP §4.2.2 NTLMv1', () => {
  const { c } = testCrypto();
  const T = V.ntlmv1;
  const f = flags(T.flags);
  it('§4.2.2.1.1 LMOWFv1 and §4.2.2.1.2 NTOWFv1', () => {
    expect(toHex(lmowfv1(c, C.password))).toBe(T.lmowfv1);
    expect(toHex(ntowfv1(c, C.password))).toBe(T.ntowfv1);
  });
  it('§4.2.2.2 responses, session base key, KXKEY and the encrypted session key', () => {
    const r = ntlmv1Responses(c, f, hex(T.ntowfv1), hex(T.lmowfv1), hex(C.serverChallenge), hex(C.clientChallenge));
    expect(toHex(r.nt)).toBe(T.ntChallengeResponse);
    expect(toHex(r.lm)).toBe(T.lmChallengeResponse);
    expect(toHex(r.sessionBaseKey)).toBe(T.sessionBaseKey);
    const kx = kxkeyV1(c, f, r.sessionBaseKey, r.lm, hex(C.serverChallenge), hex(T.lmowfv1));
    expect(toHex(kx)).toBe(T.keyExchangeKey);
    expect(toHex(c.rc4k(kx, hex(C.randomSessionKey)))).toBe(T.encryptedSessionKey);
  });
  it('§4.2.2.3 the CHALLENGE and AUTHENTICATE messages decode and re-encode byte for byte', () => {
    const ch = decodeChallenge(hex(T.challengeMessage));
    expect(ch.message.flags).toBe(f);
    expect(toHex(ch.message.serverChallenge)).toBe(C.serverChallenge);
    expect(ch.message.version).toEqual({ major: 6, minor: 0, build: 6000, revision: 15 });
    expect(toHex(encodeChallenge(ch.message, ch.layout))).toBe(T.challengeMessage);
    const au = decodeAuthenticate(hex(T.authenticateMessage));
    expect(toHex(au.message.ntChallengeResponse)).toBe(T.ntChallengeResponse);
    expect(au.message.user).toEqual(utf16le(C.user));
    expect(au.message.mic).toBeNull();
    expect(toHex(encodeAuthenticate(au.message, au.layout))).toBe(T.authenticateMessage);
    // The canonical layout is Windows': the document's message without a layout given.
    expect(toHex(encodeAuthenticate(au.message))).toBe(T.authenticateMessage);
  });
  it('§4.2.2.4 sealing and signing (one RC4 handle, CRC32 checksum)', () => {
    const s = new NtlmSession(c, f, hex(C.randomSessionKey), 'client');
    const out = s.seal([{ data: hex(C.plaintext), encrypt: true }]);
    expect(toHex(out.parts[0]!)).toBe(T.sealedMessage);
    expect(toHex(out.signature)).toBe(T.signature);
    const peer = new NtlmSession(c, f, hex(C.randomSessionKey), 'server');
    expect(peer.unseal([{ data: out.parts[0]!, encrypt: true }], out.signature)).toEqual([hex(C.plaintext)]);
  });
  it('DESL splits the key 7/7/2', () => {
    expect(toHex(desl(c, hex(T.ntowfv1), hex(C.serverChallenge)))).toBe(T.ntChallengeResponse);
  });
});

describe('MS-NLMP §4.2.3 NTLMv1 with client challenge (extended session security)', () => {
  const { c } = testCrypto();
  const T = V.ntlmv1ess;
  const f = flags(T.flags);
  it('§4.2.3.2 responses and KXKEY', () => {
    const r = ntlmv1Responses(c, f, ntowfv1(c, C.password), lmowfv1(c, C.password), hex(C.serverChallenge), hex(C.clientChallenge));
    expect(toHex(r.lm)).toBe(T.lmChallengeResponse);
    expect(toHex(r.nt)).toBe(T.ntChallengeResponse);
    expect(toHex(r.sessionBaseKey)).toBe(T.sessionBaseKey);
    expect(toHex(kxkeyV1(c, f, r.sessionBaseKey, r.lm, hex(C.serverChallenge), new Uint8Array(16)))).toBe(T.keyExchangeKey);
  });
  it('§4.2.3.3 messages round-trip', () => {
    const ch = decodeChallenge(hex(T.challengeMessage));
    expect(ch.message.targetInfo).toEqual(new Uint8Array(0));
    expect(toHex(encodeChallenge(ch.message, ch.layout))).toBe(T.challengeMessage);
    const au = decodeAuthenticate(hex(T.authenticateMessage));
    expect(au.message.encryptedRandomSessionKey.length).toBe(0);
    expect(toHex(encodeAuthenticate(au.message, au.layout))).toBe(T.authenticateMessage);
  });
  it('§4.2.3.4 SIGNKEY, SEALKEY (56-bit), the sealed message and its signature', () => {
    const key = hex(T.keyExchangeKey);
    expect(toHex(sealKey(c, f, key, 'client-to-server'))).toBe(T.sealKey);
    expect(toHex(signKey(c, f, key, 'client-to-server')!)).toBe(T.signKey);
    const s = new NtlmSession(c, f, key, 'client');
    const out = s.seal([{ data: hex(C.plaintext), encrypt: true }]);
    expect(toHex(out.parts[0]!)).toBe(T.sealedMessage);
    expect(toHex(out.signature)).toBe(T.signature);
  });
});

describe('MS-NLMP §4.2.4 NTLMv2', () => {
  const { c } = testCrypto();
  const T = V.ntlmv2;
  const f = flags(T.flags);
  it('§4.2.4.1.1 NTOWFv2 and the temp structure', () => {
    expect(toHex(ntowfv2FromHash(c, ntowfv1(c, C.password), C.user, C.domain))).toBe(T.ntowfv2);
    const temp = encodeNtlmv2ClientChallenge({
      timestamp: hex(C.time),
      clientChallenge: hex(C.clientChallenge),
      avPairs: [
        { id: MsvAvNbDomainName, value: utf16le('Domain') },
        { id: MsvAvNbComputerName, value: utf16le('Server') },
      ],
    });
    expect(toHex(temp)).toBe(T.temp);
    const back = decodeNtlmv2ClientChallenge(temp);
    expect(back.avPairs.length).toBe(2);
  });
  it('§4.2.4.2 LMv2 and NTLMv2 responses, session base key, encrypted session key', () => {
    const r = ntlmv2Responses(c, hex(T.ntowfv2), hex(C.serverChallenge), hex(C.clientChallenge), hex(T.temp), false);
    expect(toHex(r.lm)).toBe(T.lmChallengeResponse);
    expect(toHex(r.ntProofStr)).toBe(T.ntProofStr);
    expect(toHex(r.nt)).toBe(T.ntProofStr + T.temp);
    expect(toHex(r.sessionBaseKey)).toBe(T.sessionBaseKey);
    expect(toHex(c.rc4k(r.sessionBaseKey, hex(C.randomSessionKey)))).toBe(T.encryptedSessionKey);
    // With an MsvAvTimestamp from the server the LM response is Z(24) (§3.1.5.1.2).
    expect(ntlmv2Responses(c, hex(T.ntowfv2), hex(C.serverChallenge), hex(C.clientChallenge), hex(T.temp), true).lm).toEqual(new Uint8Array(24));
  });
  it('§4.2.4.3 messages and their AV pairs round-trip', () => {
    const ch = decodeChallenge(hex(T.challengeMessage));
    const av = decodeAvPairs(ch.message.targetInfo!);
    expect(av.map((p) => p.id)).toEqual([MsvAvNbDomainName, MsvAvNbComputerName]);
    expect(encodeAvPairs(av)).toEqual(ch.message.targetInfo);
    expect(toHex(encodeChallenge(ch.message, ch.layout))).toBe(T.challengeMessage);
    const au = decodeAuthenticate(hex(T.authenticateMessage));
    expect(toHex(encodeAuthenticate(au.message))).toBe(T.authenticateMessage);
  });
  it('§4.2.4.4 SIGNKEY, SEALKEY (128-bit), sealed message and signature (KEY_EXCH: RC4 checksum)', () => {
    const key = hex(C.randomSessionKey);
    expect(toHex(sealKey(c, f, key, 'client-to-server'))).toBe(T.sealKey);
    expect(toHex(signKey(c, f, key, 'client-to-server')!)).toBe(T.signKey);
    const s = new NtlmSession(c, f, key, 'client');
    const out = s.seal([{ data: hex(C.plaintext), encrypt: true }]);
    expect(toHex(out.parts[0]!)).toBe(T.sealedMessage);
    expect(toHex(out.signature)).toBe(T.signature);
    const srv = new NtlmSession(c, f, key, 'server');
    expect(srv.unseal([{ data: out.parts[0]!, encrypt: true }], out.signature)[0]).toEqual(hex(C.plaintext));
  });
  it('the MIC is HMAC_MD5 over the three messages', () => {
    const k = hex(C.randomSessionKey);
    const mic = computeMic(c, k, new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3]));
    expect(mic).toEqual(c.hmacMd5(k, new Uint8Array([1, 2, 3])));
  });
});
