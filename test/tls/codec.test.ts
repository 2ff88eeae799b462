/** Codec round trips (encode(decode(b)) = b) and decode robustness, with fast-check. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as codec from '../../schannel/tls/codec/index.js';
import { TlsError } from '../../schannel/tls/errors.js';

const bytes = (min = 0, max = 40) => fc.uint8Array({ minLength: min, maxLength: max });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ext = fc.record({ type: u16, data: bytes() });
const exts = fc.array(ext, { maxLength: 5 });

interface AnyCodec { decode(b: Uint8Array): unknown; encode(v: never): Uint8Array }

/** Every codec with an arbitrary of valid values. */
const CASES: [string, AnyCodec, fc.Arbitrary<unknown>][] = [
  ['ClientHello', codec.ClientHelloCodec, fc.record({
    legacyVersion: u16, random: bytes(32, 32), legacySessionId: bytes(0, 32), cipherSuites: fc.array(u16, { minLength: 1, maxLength: 5 }),
    legacyCompressionMethods: bytes(1, 3), extensions: fc.option(exts, { nil: null }),
  })],
  ['ServerHello', codec.ServerHelloCodec, fc.record({
    legacyVersion: u16, random: bytes(32, 32), legacySessionIdEcho: bytes(0, 32), cipherSuite: u16,
    legacyCompressionMethod: fc.integer({ min: 0, max: 255 }), extensions: fc.option(exts, { nil: null }),
  })],
  ['EncryptedExtensions', codec.EncryptedExtensionsCodec, fc.record({ extensions: exts })],
  ['CertificateRequest', codec.CertificateRequestCodec, fc.record({ certificateRequestContext: bytes(), extensions: exts })],
  ['Certificate', codec.CertificateCodec, fc.record({
    certificateRequestContext: bytes(), certificateList: fc.array(fc.record({ certData: bytes(1, 60), extensions: exts }), { maxLength: 3 }),
  })],
  ['CertificateVerify', codec.CertificateVerifyCodec, fc.record({ algorithm: u16, signature: bytes() })],
  ['Finished', codec.FinishedCodec, fc.record({ verifyData: bytes(0, 48) })],
  ['NewSessionTicket', codec.NewSessionTicketCodec, fc.record({ ticketLifetime: u32, ticketAgeAdd: u32, ticketNonce: bytes(), ticket: bytes(1, 60), extensions: exts })],
  ['KeyUpdate', codec.KeyUpdateCodec, fc.record({ requestUpdate: fc.integer({ min: 0, max: 255 }) })],
  ['Handshake frame', codec.HandshakeFrameCodec, fc.record({ msgType: fc.integer({ min: 0, max: 255 }), body: bytes(0, 80) })],
  ['Alert', codec.AlertCodec, fc.record({ level: fc.integer({ min: 0, max: 255 }), description: fc.integer({ min: 0, max: 255 }) })],
  ['RecordHeader', codec.RecordHeaderCodec, fc.record({ type: fc.integer({ min: 0, max: 255 }), version: u16, length: u16 })],
  ['TlsRecord', codec.TlsRecordCodec, fc.record({ type: fc.integer({ min: 0, max: 255 }), version: u16, fragment: bytes(0, 80) })],
  ['InnerPlaintext', codec.InnerPlaintextCodec, fc.record({ content: bytes(), type: fc.integer({ min: 1, max: 255 }), padding: fc.integer({ min: 0, max: 20 }) })],
  ['ServerNameList', codec.ServerNameListExt, fc.array(fc.record({ nameType: fc.integer({ min: 0, max: 255 }), name: bytes(1, 40) /* RFC 6066 §3: HostName<1..2^16-1> */ }), { minLength: 1, maxLength: 3 })],
  ['uint16 list', codec.U16ListExt, fc.array(u16, { minLength: 1, maxLength: 10 })],
  ['KeyShareClientHello', codec.KeyShareClientHelloExt, fc.array(fc.record({ group: u16, keyExchange: bytes(1, 65) }), { maxLength: 3 })],
  ['KeyShareServerHello', codec.KeyShareServerHelloExt, fc.record({ group: u16, keyExchange: bytes(1, 65) })],
  ['KeyShareHelloRetryRequest', codec.KeyShareHrrExt, u16],
  ['SupportedVersions (CH)', codec.SupportedVersionsClientExt, fc.array(u16, { minLength: 1, maxLength: 5 })],
  ['SupportedVersions (SH)', codec.SupportedVersionsServerExt, u16],
  ['PskKeyExchangeModes', codec.PskModesExt, fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 3 })],
  ['OfferedPsks', codec.OfferedPsksExt, fc.record({
    identities: fc.array(fc.record({ identity: bytes(1, 40), obfuscatedTicketAge: u32 }), { minLength: 1, maxLength: 3 }),
    binders: fc.array(bytes(32, 48), { minLength: 1, maxLength: 3 }),
  })],
  ['SelectedPsk', codec.SelectedPskExt, u16],
  ['Cookie', codec.CookieExt, bytes(1, 40)],
  ['ALPN', codec.AlpnExt, fc.array(bytes(1, 10), { minLength: 1, maxLength: 4 })],
  ['RecordSizeLimit', codec.RecordSizeLimitExt, u16],
  ['EarlyData (NST)', codec.EarlyDataTicketExt, u32],
  ['TLS 1.2 AEAD fragment', codec.Tls12AeadFragmentCodec, fc.record({ explicitNonce: bytes(8, 8), ciphertext: bytes(16, 60) })],
  ['TLS 1.2 ECDHE ServerKeyExchange', codec.Tls12EcdheServerKeyExchangeCodec, fc.record({
    curveType: fc.constant(3), namedCurve: u16, point: bytes(1, 65), signatureScheme: u16, signature: bytes(),
  })],
];

describe('codecs (STYLE §3; RFC 8446 §3 bounded vectors)', () => {
  for (const [name, c, arb] of CASES) {
    it(`${name}: encode(decode(b)) = b for valid encodings`, () => {
      fc.assert(fc.property(arb, (v) => {
        const b = c.encode(v as never);
        expect(Buffer.from(c.encode(c.decode(b) as never)).equals(Buffer.from(b))).toBe(true);
      }), { numRuns: 200 });
    });
    it(`${name}: random and mutated bytes decode or fail with the decode error only`, () => {
      const mutated = arb.chain((v) => {
        const b = c.encode(v as never);
        return fc.tuple(fc.nat({ max: Math.max(0, b.length) }), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([i, x, cut]) => {
          const m = cut ? b.slice(0, i) : b.slice();
          if (!cut && m.length > 0) m[i % m.length] = x;
          return m;
        });
      });
      fc.assert(fc.property(fc.oneof(bytes(0, 120), mutated), (b) => {
        let decoded: unknown;
        try {
          decoded = c.decode(b);
        } catch (e) {
          expect(e).toBeInstanceOf(TlsError);
          expect((e as TlsError).kind).toBe('decode');
          return;
        }
        // Whatever decodes re-encodes to the same bytes.
        expect(Buffer.from(c.encode(decoded as never)).equals(Buffer.from(b))).toBe(true);
      }), { numRuns: 300 });
    });
  }
  it('trailing bytes are a decode error (STYLE §3)', () => {
    const b = codec.KeyUpdateCodec.encode({ requestUpdate: 1 });
    expect(() => codec.KeyUpdateCodec.decode(Uint8Array.from([...b, 0]))).toThrow(TlsError);
  });
  it('recognises a HelloRetryRequest by its random (RFC 8446 §4.1.3)', () => {
    const sh = { legacyVersion: 0x0303, random: codec.HELLO_RETRY_REQUEST_RANDOM, legacySessionIdEcho: new Uint8Array(0), cipherSuite: 0x1301, legacyCompressionMethod: 0, extensions: [] };
    expect(codec.isHelloRetryRequest(sh)).toBe(true);
    expect(codec.isHelloRetryRequest({ ...sh, random: new Uint8Array(32) })).toBe(false);
  });
});
