/**
 * TLS 1.2 message and extension shapes (RFC 5246 §7.4, RFC 8422 §5, RFC 5746 §3.2, RFC 7627 §5.1,
 * RFC 7366 §2, RFC 5077 §3, RFC 6066 §4). Shapes only: the checks that depend on the
 * handshake's state live in the machines. ClientHello, ServerHello, CertificateVerify
 * (DigitallySigned has the TLS 1.3 CertificateVerify shape) and alerts are shared with 1.3.
 */
import { decodeError } from '../errors.js';
import type { Codec } from '../codec/extensions.js';
import { Tls12EcdheServerKeyExchangeCodec, Tls12ServerHelloDoneCodec } from '../codec/tls12.js';
import { decodeAll, encodeWith } from '../codec/reader.js';

export { Tls12EcdheServerKeyExchangeCodec, Tls12ServerHelloDoneCodec };

/** RFC 8422 §5.4: ECCurveType named_curve. */
export const EC_CURVE_TYPE_NAMED = 3;

/** RFC 5246 §7.4.2: Certificate is a list of ASN.1 certificates (no per-entry extensions, no context). */
export const Certificate12Codec = {
  /** Decodes: certificate_list<0..2^24-1>, each ASN.1Cert<1..2^24-1>. */
  decode(b: Uint8Array): Uint8Array[] {
    return decodeAll(b, 'Certificate', (r) => {
      const list = r.sub(3, 'certificate_list');
      const out: Uint8Array[] = [];
      while (list.remaining > 0) {
        const c = list.vec24('ASN.1Cert');
        if (c.length === 0) throw decodeError('empty ASN.1Cert');
        out.push(c);
      }
      return out;
    });
  },
  /** Encodes. */
  encode(chain: readonly Uint8Array[]): Uint8Array {
    return encodeWith((w) => w.vec(3, (x) => chain.forEach((c) => x.vec24(c))));
  },
};

/** ServerECDHParams (RFC 8422 §5.4): named curve and the server's point, the part that is signed. */
export interface EcdheParams {
  namedCurve: number;
  point: Uint8Array;
}

/** Encodes ServerECDHParams: curve_type(3) || namedcurve || ECPoint<1..255>. */
export function encodeEcdheParams(p: EcdheParams): Uint8Array {
  return encodeWith((w) => w.u8(EC_CURVE_TYPE_NAMED).u16(p.namedCurve).vec8(p.point));
}

/** ClientKeyExchange for ECDHE (RFC 8422 §5.7): ClientECDiffieHellmanPublic = ECPoint<1..255>. */
export const EcdheClientKeyExchangeCodec = {
  /** Decodes. */
  decode(b: Uint8Array): Uint8Array {
    return decodeAll(b, 'ClientKeyExchange', (r) => {
      const point = r.vec8('ecdh_Yc');
      if (point.length === 0) throw decodeError('empty ecdh_Yc');
      return point;
    });
  },
  /** Encodes. */
  encode(point: Uint8Array): Uint8Array {
    return encodeWith((w) => w.vec8(point));
  },
};

/** ClientKeyExchange for RSA (RFC 5246 §7.4.7.1): EncryptedPreMasterSecret as opaque<0..2^16-1>. */
export const RsaClientKeyExchangeCodec = {
  /** Decodes. */
  decode(b: Uint8Array): Uint8Array {
    return decodeAll(b, 'ClientKeyExchange', (r) => r.vec16('EncryptedPreMasterSecret'));
  },
  /** Encodes. */
  encode(ct: Uint8Array): Uint8Array {
    return encodeWith((w) => w.vec16(ct));
  },
};

/** CertificateRequest (RFC 5246 §7.4.4). */
export interface CertificateRequest12 {
  certificateTypes: number[];
  /** SignatureAndHashAlgorithm codes. */
  signatureAlgorithms: number[];
  /** DistinguishedName<1..2^16-1> entries (DER). */
  certificateAuthorities: Uint8Array[];
}

/** ClientCertificateType codes (RFC 5246 §7.4.4, RFC 8422 §5.5). */
export const ClientCertificateType = { rsa_sign: 1, ecdsa_sign: 64 } as const;

/** CertificateRequest codec. */
export const CertificateRequest12Codec = {
  /** Decodes. */
  decode(b: Uint8Array): CertificateRequest12 {
    return decodeAll(b, 'CertificateRequest', (r) => {
      const types = r.sub(1, 'certificate_types');
      if (types.remaining === 0) throw decodeError('empty certificate_types');
      const certificateTypes: number[] = [];
      while (types.remaining > 0) certificateTypes.push(types.u8());
      const sa = r.sub(2, 'supported_signature_algorithms');
      if (sa.remaining < 2 || sa.remaining % 2 !== 0) throw decodeError('supported_signature_algorithms length');
      const signatureAlgorithms: number[] = [];
      while (sa.remaining > 0) signatureAlgorithms.push(sa.u16());
      const cas = r.sub(2, 'certificate_authorities');
      const certificateAuthorities: Uint8Array[] = [];
      while (cas.remaining > 0) certificateAuthorities.push(cas.vec16('DistinguishedName'));
      return { certificateTypes, signatureAlgorithms, certificateAuthorities };
    });
  },
  /** Encodes. */
  encode(m: CertificateRequest12): Uint8Array {
    return encodeWith((w) => {
      w.vec(1, (x) => m.certificateTypes.forEach((t) => x.u8(t)));
      w.vec(2, (x) => m.signatureAlgorithms.forEach((s) => x.u16(s)));
      w.vec(2, (x) => m.certificateAuthorities.forEach((d) => x.vec16(d)));
    });
  },
};

/** NewSessionTicket (RFC 5077 §3.3): ticket_lifetime_hint and the opaque ticket. */
export interface NewSessionTicket12 {
  lifetimeHint: number;
  ticket: Uint8Array;
}

/** NewSessionTicket codec (TLS 1.2 form). */
export const NewSessionTicket12Codec = {
  /** Decodes. */
  decode(b: Uint8Array): NewSessionTicket12 {
    return decodeAll(b, 'NewSessionTicket', (r) => ({ lifetimeHint: r.u32('ticket_lifetime_hint'), ticket: r.vec16('ticket') }));
  },
  /** Encodes. */
  encode(m: NewSessionTicket12): Uint8Array {
    return encodeWith((w) => w.u32(m.lifetimeHint).vec16(m.ticket));
  },
};

/** HelloRequest (RFC 5246 §7.4.1.1): an empty body. */
export const HelloRequestCodec = {
  /** Decodes. */
  decode(b: Uint8Array): null {
    if (b.length !== 0) throw decodeError('HelloRequest is empty');
    return null;
  },
  /** Encodes. */
  encode(): Uint8Array {
    return new Uint8Array(0);
  },
};

/** Extension types TLS 1.2 adds to the shared {@link ExtensionType} table. */
export const Tls12ExtensionType = {
  max_fragment_length: 1,
  encrypt_then_mac: 22,
} as const;

/** RFC 8422 §5.1.2: ECPointFormat list<1..2^8-1>; 0 = uncompressed. */
export const EcPointFormatsExt: Codec<number[]> = {
  decode(b) {
    return decodeAll(b, 'ec_point_formats', (r) => {
      const list = r.sub(1, 'ECPointFormatList');
      if (list.remaining === 0) throw decodeError('empty ECPointFormatList');
      const out: number[] = [];
      while (list.remaining > 0) out.push(list.u8());
      return out;
    });
  },
  encode(v) {
    return encodeWith((w) => w.vec(1, (x) => v.forEach((f) => x.u8(f))));
  },
};

/** RFC 5746 §3.2: renegotiation_info carries renegotiated_connection<0..255>. */
export const RenegotiationInfoExt: Codec<Uint8Array> = {
  decode(b) {
    return decodeAll(b, 'renegotiation_info', (r) => r.vec8('renegotiated_connection'));
  },
  encode(v) {
    return encodeWith((w) => w.vec8(v));
  },
};

/** RFC 6066 §4: MaxFragmentLength, one byte: 1 = 2^9, 2 = 2^10, 3 = 2^11, 4 = 2^12. */
export const MaxFragmentLengthExt: Codec<number> = {
  decode(b) {
    return decodeAll(b, 'max_fragment_length', (r) => r.u8('MaxFragmentLength'));
  },
  encode(v) {
    return Uint8Array.of(v);
  },
};

/** Plaintext limit of a max_fragment_length code (RFC 6066 §4), or undefined for an unknown code. */
export function maxFragmentBytes(code: number): number | undefined {
  return code >= 1 && code <= 4 ? 1 << (8 + code) : undefined;
}
