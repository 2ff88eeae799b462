/**
 * TLS 1.2 shapes, decodable so TLS 1.2 can join later (RFC 5246, RFC 8422, RFC 5288). Nothing
 * here is used by the TLS 1.3 engine; the record header and ServerHello are shared with 1.3
 * (`record.ts`, `handshake.ts`).
 */
import { decodeError } from '../errors.js';
import { Reader, decodeAll, encodeWith } from './reader.js';

/** GenericAEADCipher fragment of an AES-GCM TLS 1.2 record (RFC 5288 §3): explicit nonce || ciphertext+tag. */
export interface Tls12AeadFragment {
  explicitNonce: Uint8Array;
  ciphertext: Uint8Array;
}

/** TLS 1.2 AEAD fragment codec (8-byte explicit nonce, then at least a 16-byte tag). */
export const Tls12AeadFragmentCodec = {
  /** Decodes. */
  decode(b: Uint8Array): Tls12AeadFragment {
    if (b.length < 8 + 16) throw decodeError('TLS 1.2 AEAD fragment too short');
    return { explicitNonce: b.subarray(0, 8), ciphertext: b.subarray(8) };
  },
  /** Encodes. */
  encode(f: Tls12AeadFragment): Uint8Array {
    return encodeWith((w) => w.bytes(f.explicitNonce).bytes(f.ciphertext));
  },
};

/** ServerKeyExchange for ECDHE with a named curve (RFC 8422 §5.4), TLS 1.2 signature form. */
export interface Tls12EcdheServerKeyExchange {
  curveType: number;
  namedCurve: number;
  point: Uint8Array;
  signatureScheme: number;
  signature: Uint8Array;
}

/** ECDHE ServerKeyExchange codec (curve_type must be named_curve = 3). */
export const Tls12EcdheServerKeyExchangeCodec = {
  /** Decodes. */
  decode(b: Uint8Array): Tls12EcdheServerKeyExchange {
    return decodeAll(b, 'ServerKeyExchange', (r: Reader) => {
      const curveType = r.u8('curve_type');
      if (curveType !== 3) throw decodeError('only named_curve ECParameters are supported');
      const namedCurve = r.u16('namedcurve');
      const point = r.vec8('ECPoint');
      if (point.length === 0) throw decodeError('empty ECPoint');
      return { curveType, namedCurve, point, signatureScheme: r.u16('SignatureAndHashAlgorithm'), signature: r.vec16('signature') };
    });
  },
  /** Encodes. */
  encode(m: Tls12EcdheServerKeyExchange): Uint8Array {
    return encodeWith((w) => w.u8(m.curveType).u16(m.namedCurve).vec8(m.point).u16(m.signatureScheme).vec16(m.signature));
  },
};

/** ServerHelloDone (RFC 5246 §7.4.5): an empty body. */
export const Tls12ServerHelloDoneCodec = {
  /** Decodes. */
  decode(b: Uint8Array): null {
    if (b.length !== 0) throw decodeError('ServerHelloDone is empty');
    return null;
  },
  /** Encodes. */
  encode(): Uint8Array {
    return new Uint8Array(0);
  },
};
