/**
 * Handshake message wire formats (RFC 8446 §4). Each message has `decode(body)` / `encode(msg)`
 * over its body; {@link HandshakeFrameCodec} adds the 4-byte `msg_type || uint24 length` header.
 * Decoders read through bounded readers that must be used up exactly.
 */
import { decodeError } from '../errors.js';
import { HELLO_RETRY_REQUEST_RANDOM, HandshakeType } from './constants.js';
import { type Extension, readExtensions, writeExtensions } from './extensions.js';
import { Reader, decodeAll, encodeWith } from './reader.js';

/** A framed handshake message: type and body. */
export interface HandshakeFrame {
  msgType: number;
  body: Uint8Array;
}

/** Handshake header codec: msg_type(1) || uint24 length || body. */
export const HandshakeFrameCodec = {
  /** Decodes exactly one framed message. */
  decode(b: Uint8Array): HandshakeFrame {
    return decodeAll(b, 'Handshake', (r) => ({ msgType: r.u8('msg_type'), body: r.vec24('handshake body') }));
  },
  /** Encodes. */
  encode(f: HandshakeFrame): Uint8Array {
    return encodeWith((w) => w.u8(f.msgType).vec24(f.body));
  },
};

/** Frames a body with its handshake header. */
export function frame(msgType: HandshakeType, body: Uint8Array): Uint8Array {
  return HandshakeFrameCodec.encode({ msgType, body });
}

/** ClientHello (RFC 8446 §4.1.2). `extensions` null = absent (only legal before TLS 1.3). */
export interface ClientHello {
  legacyVersion: number;
  random: Uint8Array;
  legacySessionId: Uint8Array;
  cipherSuites: number[];
  legacyCompressionMethods: Uint8Array;
  extensions: Extension[] | null;
}

/** ClientHello codec. */
export const ClientHelloCodec = {
  /** Decodes a ClientHello body. */
  decode(b: Uint8Array): ClientHello {
    return decodeAll(b, 'ClientHello', (r) => {
      const legacyVersion = r.u16('legacy_version');
      const random = r.bytes(32, 'random');
      const legacySessionId = r.vec8('legacy_session_id');
      if (legacySessionId.length > 32) throw decodeError('legacy_session_id longer than 32');
      const cs = r.sub(2, 'cipher_suites');
      // RFC 8446 §4.1.2: CipherSuite cipher_suites<2..2^16-2>.
      if (cs.remaining < 2 || cs.remaining % 2 !== 0) throw decodeError('cipher_suites length');
      const cipherSuites: number[] = [];
      while (cs.remaining > 0) cipherSuites.push(cs.u16());
      const legacyCompressionMethods = r.vec8('legacy_compression_methods');
      if (legacyCompressionMethods.length < 1) throw decodeError('legacy_compression_methods empty');
      const extensions = r.remaining === 0 ? null : readExtensions(r);
      return { legacyVersion, random, legacySessionId, cipherSuites, legacyCompressionMethods, extensions };
    });
  },
  /** Encodes a ClientHello body. */
  encode(m: ClientHello): Uint8Array {
    return encodeWith((w) => {
      w.u16(m.legacyVersion).bytes(m.random).vec8(m.legacySessionId);
      w.vec(2, (x) => m.cipherSuites.forEach((c) => x.u16(c)));
      w.vec8(m.legacyCompressionMethods);
      if (m.extensions !== null) writeExtensions(w, m.extensions);
    });
  },
};

/**
 * ServerHello (RFC 8446 §4.1.3), also the TLS 1.2 shape (extensions may be absent there) and the
 * HelloRetryRequest (same structure, special random: see {@link isHelloRetryRequest}).
 */
export interface ServerHello {
  legacyVersion: number;
  random: Uint8Array;
  legacySessionIdEcho: Uint8Array;
  cipherSuite: number;
  legacyCompressionMethod: number;
  extensions: Extension[] | null;
}

/** ServerHello codec. */
export const ServerHelloCodec = {
  /** Decodes a ServerHello body. */
  decode(b: Uint8Array): ServerHello {
    return decodeAll(b, 'ServerHello', (r) => {
      const legacyVersion = r.u16('legacy_version');
      const random = r.bytes(32, 'random');
      const legacySessionIdEcho = r.vec8('legacy_session_id_echo');
      if (legacySessionIdEcho.length > 32) throw decodeError('legacy_session_id_echo longer than 32');
      const cipherSuite = r.u16('cipher_suite');
      const legacyCompressionMethod = r.u8('legacy_compression_method');
      const extensions = r.remaining === 0 ? null : readExtensions(r);
      return { legacyVersion, random, legacySessionIdEcho, cipherSuite, legacyCompressionMethod, extensions };
    });
  },
  /** Encodes a ServerHello body. */
  encode(m: ServerHello): Uint8Array {
    return encodeWith((w) => {
      w.u16(m.legacyVersion).bytes(m.random).vec8(m.legacySessionIdEcho).u16(m.cipherSuite).u8(m.legacyCompressionMethod);
      if (m.extensions !== null) writeExtensions(w, m.extensions);
    });
  },
};

/** Whether a ServerHello is a HelloRetryRequest (RFC 8446 §4.1.3: random = SHA-256("HelloRetryRequest")). */
export function isHelloRetryRequest(sh: ServerHello): boolean {
  return sh.random.length === 32 && sh.random.every((b, i) => b === HELLO_RETRY_REQUEST_RANDOM[i]);
}

/** EncryptedExtensions (RFC 8446 §4.3.1). */
export interface EncryptedExtensions {
  extensions: Extension[];
}

/** EncryptedExtensions codec. */
export const EncryptedExtensionsCodec = {
  /** Decodes. */
  decode(b: Uint8Array): EncryptedExtensions {
    return decodeAll(b, 'EncryptedExtensions', (r) => ({ extensions: readExtensions(r) }));
  },
  /** Encodes. */
  encode(m: EncryptedExtensions): Uint8Array {
    return encodeWith((w) => writeExtensions(w, m.extensions));
  },
};

/** CertificateRequest (RFC 8446 §4.3.2). */
export interface CertificateRequest {
  certificateRequestContext: Uint8Array;
  extensions: Extension[];
}

/** CertificateRequest codec. */
export const CertificateRequestCodec = {
  /** Decodes. */
  decode(b: Uint8Array): CertificateRequest {
    return decodeAll(b, 'CertificateRequest', (r) => ({
      certificateRequestContext: r.vec8('certificate_request_context'),
      extensions: readExtensions(r),
    }));
  },
  /** Encodes. */
  encode(m: CertificateRequest): Uint8Array {
    return encodeWith((w) => {
      w.vec8(m.certificateRequestContext);
      writeExtensions(w, m.extensions);
    });
  },
};

/** CertificateEntry (RFC 8446 §4.4.2), X.509 form. */
export interface CertificateEntry {
  certData: Uint8Array;
  extensions: Extension[];
}

/** Certificate (RFC 8446 §4.4.2). */
export interface Certificate {
  certificateRequestContext: Uint8Array;
  certificateList: CertificateEntry[];
}

/** Certificate codec. */
export const CertificateCodec = {
  /** Decodes. */
  decode(b: Uint8Array): Certificate {
    return decodeAll(b, 'Certificate', (r) => {
      const certificateRequestContext = r.vec8('certificate_request_context');
      const list = r.sub(3, 'certificate_list');
      const certificateList: CertificateEntry[] = [];
      while (list.remaining > 0) {
        const certData = list.vec24('cert_data');
        // RFC 8446 §4.4.2: opaque cert_data<1..2^24-1>.
        if (certData.length === 0) throw decodeError('empty cert_data');
        certificateList.push({ certData, extensions: readExtensions(list) });
      }
      return { certificateRequestContext, certificateList };
    });
  },
  /** Encodes. */
  encode(m: Certificate): Uint8Array {
    return encodeWith((w) => {
      w.vec8(m.certificateRequestContext);
      w.vec(3, (x) => {
        for (const e of m.certificateList) {
          x.vec24(e.certData);
          writeExtensions(x, e.extensions);
        }
      });
    });
  },
};

/** CertificateVerify (RFC 8446 §4.4.3). */
export interface CertificateVerify {
  algorithm: number;
  signature: Uint8Array;
}

/** CertificateVerify codec. */
export const CertificateVerifyCodec = {
  /** Decodes. */
  decode(b: Uint8Array): CertificateVerify {
    return decodeAll(b, 'CertificateVerify', (r) => ({ algorithm: r.u16('algorithm'), signature: r.vec16('signature') }));
  },
  /** Encodes. */
  encode(m: CertificateVerify): Uint8Array {
    return encodeWith((w) => w.u16(m.algorithm).vec16(m.signature));
  },
};

/** Finished (RFC 8446 §4.4.4): verify_data is the whole body (Hash.length, checked by the logic). */
export interface Finished {
  verifyData: Uint8Array;
}

/** Finished codec. */
export const FinishedCodec = {
  /** Decodes. */
  decode(b: Uint8Array): Finished {
    return { verifyData: b };
  },
  /** Encodes. */
  encode(m: Finished): Uint8Array {
    return m.verifyData.slice();
  },
};

/** NewSessionTicket (RFC 8446 §4.6.1). */
export interface NewSessionTicket {
  ticketLifetime: number;
  ticketAgeAdd: number;
  ticketNonce: Uint8Array;
  ticket: Uint8Array;
  extensions: Extension[];
}

/** NewSessionTicket codec. */
export const NewSessionTicketCodec = {
  /** Decodes. */
  decode(b: Uint8Array): NewSessionTicket {
    return decodeAll(b, 'NewSessionTicket', (r) => {
      const ticketLifetime = r.u32('ticket_lifetime');
      const ticketAgeAdd = r.u32('ticket_age_add');
      const ticketNonce = r.vec8('ticket_nonce');
      const ticket = r.vec16('ticket');
      // RFC 8446 §4.6.1: opaque ticket<1..2^16-1>.
      if (ticket.length === 0) throw decodeError('empty ticket');
      return { ticketLifetime, ticketAgeAdd, ticketNonce, ticket, extensions: readExtensions(r) };
    });
  },
  /** Encodes. */
  encode(m: NewSessionTicket): Uint8Array {
    return encodeWith((w) => {
      w.u32(m.ticketLifetime).u32(m.ticketAgeAdd).vec8(m.ticketNonce).vec16(m.ticket);
      writeExtensions(w, m.extensions);
    });
  },
};

/** KeyUpdate (RFC 8446 §4.6.3). `requestUpdate` is kept raw; the logic rejects values other than 0/1. */
export interface KeyUpdate {
  requestUpdate: number;
}

/** KeyUpdate codec. */
export const KeyUpdateCodec = {
  /** Decodes. */
  decode(b: Uint8Array): KeyUpdate {
    return decodeAll(b, 'KeyUpdate', (r) => ({ requestUpdate: r.u8('request_update') }));
  },
  /** Encodes. */
  encode(m: KeyUpdate): Uint8Array {
    return encodeWith((w) => w.u8(m.requestUpdate));
  },
};

/** Every handshake-body codec, by message type name (for round-trip property tests). */
export const HANDSHAKE_CODECS = {
  client_hello: ClientHelloCodec,
  server_hello: ServerHelloCodec,
  encrypted_extensions: EncryptedExtensionsCodec,
  certificate_request: CertificateRequestCodec,
  certificate: CertificateCodec,
  certificate_verify: CertificateVerifyCodec,
  finished: FinishedCodec,
  new_session_ticket: NewSessionTicketCodec,
  key_update: KeyUpdateCodec,
} as const;

/** Reads the next complete framed message from `buf` at `offset`, or reports bytes missing. */
export function nextHandshakeMessage(
  buf: Uint8Array,
  offset: number,
): { kind: 'message'; msgType: number; body: Uint8Array; raw: Uint8Array; next: number } | { kind: 'partial'; need: number } {
  const have = buf.length - offset;
  if (have < 4) return { kind: 'partial', need: 4 - have };
  const r = new Reader(buf, offset);
  const msgType = r.u8();
  const len = r.u24();
  if (have < 4 + len) return { kind: 'partial', need: 4 + len - have };
  return {
    kind: 'message',
    msgType,
    body: buf.subarray(offset + 4, offset + 4 + len),
    raw: buf.subarray(offset, offset + 4 + len),
    next: offset + 4 + len,
  };
}
