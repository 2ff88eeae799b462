/**
 * NTLM codecs (MS-NLMP §2.2): encode(decode(b)) = b, decode(encode(m)) = m, and every mutation of
 * a message is either decoded or refused with NtlmError('decode'), never another exception.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import V from './vectors/ms-nlmp-4.2.json' with { type: 'json' };
import { hex } from './helpers.js';
import { NtlmError } from '../../ntlm/core/errors.js';
import {
  decodeAuthenticate,
  decodeAvPairs,
  decodeChallenge,
  decodeNegotiate,
  decodeNtlmv2ClientChallenge,
  encodeAuthenticate,
  encodeAvPairs,
  encodeChallenge,
  encodeNegotiate,
  messageType,
  type AuthenticateMessage,
} from '../../ntlm/core/codec.js';

const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const version = fc.option(fc.record({ major: fc.nat(255), minor: fc.nat(255), build: fc.nat(0xffff), revision: fc.nat(255) }), { nil: null });
const u32 = fc.nat().map((n) => n >>> 0);

describe('NTLM message codecs', () => {
  it('NEGOTIATE: decode(encode(m)) = m and encode(decode(b)) = b', () => {
    fc.assert(
      fc.property(u32, bytes(40), bytes(40), version, (flags, domain, workstation, v) => {
        const m = { flags, domain, workstation, version: v };
        const b = encodeNegotiate(m);
        const d = decodeNegotiate(b);
        expect(d.message).toEqual(m);
        expect(encodeNegotiate(d.message, d.layout)).toEqual(b);
      }),
    );
  });
  it('CHALLENGE: round trips with and without TargetInfo and VERSION', () => {
    fc.assert(
      fc.property(u32, bytes(40), fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.option(bytes(60), { nil: null }), version, (flags, t, ch, info, v) => {
        const m = { targetName: t, flags, serverChallenge: ch, reserved: new Uint8Array(8), targetInfo: info ?? (v ? new Uint8Array(0) : null), version: v };
        const b = encodeChallenge(m);
        const d = decodeChallenge(b);
        expect(d.message).toEqual(m);
        expect(encodeChallenge(d.message, d.layout)).toEqual(b);
      }),
    );
  });
  it('AUTHENTICATE: round trips with and without VERSION and MIC', () => {
    fc.assert(
      fc.property(fc.array(bytes(80), { minLength: 6, maxLength: 6 }), u32, version, fc.boolean(), (f, flags, v, withMic) => {
        const m: AuthenticateMessage = {
          lmChallengeResponse: f[0]!, ntChallengeResponse: f[1]!, domain: f[2]!, user: f[3]!, workstation: f[4]!, encryptedRandomSessionKey: f[5]!,
          flags, version: withMic ? (v ?? { major: 0, minor: 0, build: 0, revision: 0 }) : v, mic: withMic ? new Uint8Array(16).fill(7) : null,
        };
        const b = encodeAuthenticate(m);
        const d = decodeAuthenticate(b);
        expect(d.message).toEqual(m);
        expect(encodeAuthenticate(d.message, d.layout)).toEqual(b);
      }),
    );
  });
  it('AV pairs round-trip and must end with MsvAvEOL and nothing after it (MS-NLMP §2.2.2.1)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ id: fc.integer({ min: 1, max: 0xffff }), value: bytes(20) }), { maxLength: 8 }), (pairs) => {
        expect(decodeAvPairs(encodeAvPairs(pairs))).toEqual(pairs);
      }),
    );
    expect(() => decodeAvPairs(new Uint8Array([1, 0, 0, 0]))).toThrow(NtlmError);
    expect(() => decodeAvPairs(new Uint8Array([0, 0, 0, 0, 0]))).toThrow(/after MsvAvEOL/);
    expect(() => decodeAvPairs(new Uint8Array([0, 0, 1, 0, 9]))).toThrow(/MsvAvEOL with a value/);
  });
  it('refuses the wrong signature, type, a field outside the message and a short header', () => {
    const ch = hex(V.ntlmv2.challengeMessage);
    const bad = ch.slice();
    bad[0] = 0;
    expect(() => decodeChallenge(bad)).toThrow(/NTLMSSP signature/);
    expect(() => decodeNegotiate(ch)).toThrow(/MessageType 2, expected 1/);
    expect(() => decodeChallenge(ch.subarray(0, ch.length - 1))).toThrow(/outside/);
    const overlap = ch.slice();
    overlap[16] = 20; // TargetName offset inside the fixed header
    expect(() => decodeChallenge(overlap)).toThrow(/overlaps/);
    expect(messageType(ch)).toBe(2);
    expect(messageType(new Uint8Array(3))).toBe(0);
    expect(() => decodeNtlmv2ClientChallenge(new Uint8Array([2, 1]))).toThrow(/RespType/);
  });
  it('every byte flip and truncation of the §4.2 messages decodes or throws NtlmError, nothing else', () => {
    const msgs: [Uint8Array, (b: Uint8Array) => unknown][] = [
      [hex(V.ntlmv2.challengeMessage), decodeChallenge],
      [hex(V.ntlmv2.authenticateMessage), decodeAuthenticate],
      [hex(V.ntlmv1.authenticateMessage), decodeAuthenticate],
    ];
    fc.assert(
      fc.property(fc.nat(2), fc.nat(400), fc.nat(255), fc.nat(400), (which, pos, val, cut) => {
        const [m, dec] = msgs[which]!;
        const b = m.slice(0, Math.max(0, m.length - (cut % 8 === 0 ? cut % m.length : 0)));
        if (b.length > 0) b[pos % b.length] = val;
        try {
          dec(b);
        } catch (e) {
          expect(e).toBeInstanceOf(NtlmError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
