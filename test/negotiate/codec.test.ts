/**
 * SPNEGO codec (RFC 4178 §4.2; RFC 2743 §3.1 framing): known answers from an independent
 * implementation (MIT's SPNEGO over gss-ntlmssp, recorded in vectors/), hand-checked DER of the
 * structures cesim writes, the canonical-DER rule (encode(decode(b)) = b, anything else refused)
 * and a property test that decoding arbitrary bytes never throws anything but NegotiateError.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import vectors from './vectors/mit-spnego-ntlmssp.json' with { type: 'json' };
import {
  NTLMSSP_OID,
  NegState,
  NegotiateError,
  SPNEGO_OID,
  decodeInitialToken,
  decodeNegotiationToken,
  encodeInitialToken,
  encodeMechTypeList,
  encodeNegotiationToken,
  frameInitialContextToken,
  unframeInitialContextToken,
} from '../../negotiate/index.js';

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (b: Uint8Array | undefined, n = 8): string => Buffer.from(b ?? new Uint8Array(0)).subarray(0, n).toString('latin1');
const legs = vectors.legs.map((l) => b64(l.base64));

describe('SPNEGO known answers from MIT SPNEGO over gss-ntlmssp (vectors/mit-spnego-ntlmssp.json)', () => {
  it('RFC 4178 §4.2.1: the first token is an InitialContextToken (1.3.6.1.5.5.2) around NegTokenInit{[NTLM], NEGOTIATE}', () => {
    const t = decodeInitialToken(legs[0]!);
    expect(t.mechTypes).toEqual([NTLMSSP_OID]);
    expect(ascii(t.mechToken)).toBe('NTLMSSP\0');
    expect(t.mechToken![8]).toBe(1);
    expect(t.mechListMIC).toBeUndefined();
    expect(encodeInitialToken({ mechTypes: t.mechTypes, mechToken: t.mechToken! })).toEqual(legs[0]);
  });
  it('RFC 4178 §4.2.2: the acceptor answers accept-incomplete, supportedMech NTLM and the CHALLENGE', () => {
    const t = decodeNegotiationToken(legs[1]!);
    expect(t).toMatchObject({ kind: 'resp', negState: NegState.AcceptIncomplete, supportedMech: NTLMSSP_OID });
    expect(t.kind === 'resp' && t.responseToken![8]).toBe(2);
    expect(encodeNegotiationToken(t)).toEqual(legs[1]);
  });
  it('RFC 4178 §5: the initiator sends AUTHENTICATE with its mechListMIC (a 16-byte NTLM signature, version 1)', () => {
    const t = decodeNegotiationToken(legs[2]!);
    if (t.kind !== 'resp') throw new Error('not a NegTokenResp');
    expect(t.supportedMech).toBeUndefined();
    expect(t.responseToken![8]).toBe(3);
    expect(t.mechListMIC!.length).toBe(16);
    expect(hex(t.mechListMIC!.subarray(0, 4))).toBe('01000000');
    expect(encodeNegotiationToken(t)).toEqual(legs[2]);
  });
  it('RFC 4178 §4.2.2: the acceptor ends with accept-completed and its own mechListMIC', () => {
    const t = decodeNegotiationToken(legs[3]!);
    expect(t).toMatchObject({ kind: 'resp', negState: NegState.AcceptCompleted });
    expect(t.kind === 'resp' && t.mechListMIC!.length).toBe(16);
    expect(encodeNegotiationToken(t)).toEqual(legs[3]);
  });
  it('accept-completed with nothing else is a1 07 30 05 a0 03 0a 01 00', () => {
    expect(encodeNegotiationToken({ kind: 'resp', negState: NegState.AcceptCompleted })).toEqual(b64(vectors.acceptCompletedNoMic.base64));
    expect(hex(b64(vectors.acceptCompletedNoMic.base64))).toBe('a1073005a0030a0100');
  });
});

describe('SPNEGO DER written by cesim', () => {
  it('RFC 4178 §5: the MechTypeList the MIC covers is SEQUENCE OF OID, without the [0] tag', () => {
    expect(hex(encodeMechTypeList([NTLMSSP_OID]))).toBe('300c060a2b06010401823702020a');
  });
  it('RFC 2743 §3.1: [APPLICATION 0] { 06 06 2b0601050502, inner }', () => {
    const f = frameInitialContextToken(Uint8Array.of(0xa0, 0x00));
    expect(hex(f)).toBe('600a06062b0601050502a000');
    expect(unframeInitialContextToken(f)).toEqual(Uint8Array.of(0xa0, 0x00));
    expect(SPNEGO_OID).toBe('1.3.6.1.5.5.2');
  });
  it('a long (two-octet) framing length round-trips', () => {
    const inner = encodeNegotiationToken({ kind: 'init', mechTypes: [NTLMSSP_OID], mechToken: new Uint8Array(300).fill(7) });
    const f = frameInitialContextToken(inner);
    expect(f[1]).toBe(0x82);
    expect(decodeInitialToken(f).mechToken).toEqual(new Uint8Array(300).fill(7));
  });
  it('NegTokenResp with every field round-trips', () => {
    const t = { kind: 'resp' as const, negState: NegState.RequestMic, supportedMech: NTLMSSP_OID, responseToken: Uint8Array.of(1, 2), mechListMIC: Uint8Array.of(3) };
    expect(decodeNegotiationToken(encodeNegotiationToken(t))).toEqual(t);
  });
});

describe('SPNEGO decoding refuses what is not one canonical DER token', () => {
  const init = legs[0]!;
  const resp = legs[1]!;
  const refuses = (b: Uint8Array, f: (b: Uint8Array) => unknown = decodeNegotiationToken): void => {
    expect(() => f(b)).toThrow(NegotiateError);
  };
  it('X.690 §10: trailing bytes, a BER long length, an empty input', () => {
    refuses(Uint8Array.of(...resp, 0));
    // a1 07 ... written with a non-minimal long-form length 81 07.
    refuses(Uint8Array.of(0xa1, 0x81, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00));
    refuses(new Uint8Array(0));
  });
  it('RFC 4178 §4.2.1: an empty mechTypes; §4.2.2: an unknown negState', () => {
    refuses(Uint8Array.of(0xa0, 0x06, 0x30, 0x04, 0xa0, 0x02, 0x30, 0x00));
    refuses(Uint8Array.of(0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x07));
  });
  it('RFC 2743 §3.1: the first token needs the SPNEGO OID framing and a NegTokenInit inside', () => {
    refuses(unframeInitialContextToken(init)!, decodeInitialToken);
    const wrongOid = init.slice();
    wrongOid[9] ^= 1;
    refuses(wrongOid, decodeInitialToken);
    refuses(frameInitialContextToken(resp), decodeInitialToken);
  });
  it('property: arbitrary bytes and mutated vectors decode or throw NegotiateError, never anything else; what decodes re-encodes to itself', () => {
    const mutated = fc.tuple(fc.constantFrom(...legs), fc.nat(400), fc.nat(255)).map(([b, i, v]) => {
      const c = b.slice();
      c[i % c.length] = v;
      return c;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (b) => {
        for (const f of [decodeNegotiationToken, decodeInitialToken]) {
          try {
            const t = f(b);
            const again = f === decodeInitialToken ? frameInitialContextToken(encodeNegotiationToken(t)) : encodeNegotiationToken(t);
            expect(again).toEqual(b);
          } catch (e) {
            expect(e).toBeInstanceOf(NegotiateError);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
