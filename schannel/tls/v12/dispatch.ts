/**
 * Version negotiation between the TLS 1.3 and TLS 1.2 engines (RFC 8446 §4.1, §4.2.1, App. D):
 * the client sends one ClientHello offering both (the TLS 1.3 client's, with the TLS 1.2 suites
 * and extensions merged in by {@link dualClientHelloHook}) and, on the ServerHello, stays with
 * the TLS 1.3 engine or hands over to the TLS 1.2 one; the server looks at the ClientHello's
 * supported_versions before choosing its engine. Pure functions on bytes; the Schannel context
 * does the swapping.
 */
import { TlsError } from '../errors.js';
import { ExtensionType, HandshakeType, ProtocolVersion, SIGNATURE_SCHEMES } from '../codec/constants.js';
import { type Extension, SupportedVersionsClientExt, SupportedVersionsServerExt, U16ListExt, findExtension } from '../codec/extensions.js';
import { type ClientHello, ClientHelloCodec, ServerHelloCodec } from '../codec/handshake.js';
import { MAX_PLAINTEXT, RECORD_HEADER_LENGTH } from '../codec/record.js';
import { DEFAULT_TLS12_SIGNATURE_SCHEMES, configuredSuites, tls12ClientExtensions } from './common.js';
import type { Tls12ClientConfig } from './config.js';

/** The first handshake message at the front of the input, reassembled across plaintext records. */
export type FirstMessage =
  | { kind: 'message'; msgType: number; body: Uint8Array }
  | { kind: 'need'; missing: number }
  /** The input does not start with a handshake record (an alert, garbage): let the current engine answer it. */
  | { kind: 'other' };

/** Looks for the first handshake message without consuming anything. */
export function peekFirstHandshakeMessage(input: Uint8Array): FirstMessage {
  const parts: Uint8Array[] = [];
  let have = 0;
  let off = 0;
  for (;;) {
    if (input.length - off < RECORD_HEADER_LENGTH) return { kind: 'need', missing: RECORD_HEADER_LENGTH - (input.length - off) };
    if (input[off] !== 22) return parts.length === 0 ? { kind: 'other' } : { kind: 'other' };
    const len = (input[off + 3]! << 8) | input[off + 4]!;
    // RFC 8446 §5.1 / RFC 5246 §6.2.1: a plaintext record over 2^14 bytes is a record_overflow;
    // the engine says so at once rather than waiting for the rest of a message.
    if (len > MAX_PLAINTEXT) return { kind: 'other' };
    if (input.length - off - RECORD_HEADER_LENGTH < len) return { kind: 'need', missing: RECORD_HEADER_LENGTH + len - (input.length - off) };
    parts.push(input.subarray(off + RECORD_HEADER_LENGTH, off + RECORD_HEADER_LENGTH + len));
    have += len;
    off += RECORD_HEADER_LENGTH + len;
    if (have >= 4) {
      const all = new Uint8Array(have);
      let at = 0;
      for (const p of parts) {
        all.set(p, at);
        at += p.length;
      }
      const bodyLen = (all[1]! << 16) | (all[2]! << 8) | all[3]!;
      if (have >= 4 + bodyLen) return { kind: 'message', msgType: all[0]!, body: all.subarray(4, 4 + bodyLen) };
    }
    if (len === 0) return { kind: 'other' };
  }
}

/**
 * The version a ServerHello selects (RFC 8446 §4.2.1: supported_versions when present, else
 * legacy_version), or null when the body does not parse (the engine then reports it).
 */
export function serverHelloVersion(body: Uint8Array): number | null {
  try {
    const sh = ServerHelloCodec.decode(body);
    const sv = findExtension(sh.extensions ?? [], ExtensionType.supported_versions);
    return sv ? SupportedVersionsServerExt.decode(sv.data) : sh.legacyVersion;
  } catch {
    return null;
  }
}

/**
 * Which engine a server with both versions enabled gives a ClientHello: TLS 1.3 when its
 * supported_versions lists 0x0304 (RFC 8446 §4.2.1), else TLS 1.2; an unparsable ClientHello
 * goes to the TLS 1.3 engine, which answers it with the alert RFC 8446 asks for.
 */
export function clientHelloEngine(body: Uint8Array): 'tls13' | 'tls12' {
  try {
    const ch = ClientHelloCodec.decode(body);
    const sv = findExtension(ch.extensions ?? [], ExtensionType.supported_versions);
    if (sv === undefined) return 'tls12';
    return SupportedVersionsClientExt.decode(sv.data).includes(ProtocolVersion.TLS13) ? 'tls13' : 'tls12';
  } catch {
    return 'tls13';
  }
}

/**
 * A `clientHelloHook` for the TLS 1.3 client that makes its ClientHello a dual offer: the
 * TLS 1.2 suites after the TLS 1.3 ones, supported_versions [1.3, 1.2], TLS 1.2's signature
 * schemes added to signature_algorithms, and the TLS 1.2 extensions (ec_point_formats,
 * extended_master_secret, encrypt_then_mac, renegotiation_info).
 */
export function dualClientHelloHook(config: Tls12ClientConfig, inner?: (ch: ClientHello) => ClientHello): (ch: ClientHello) => ClientHello {
  return (ch0) => {
    const ch = inner ? inner(ch0) : ch0;
    const exts: Extension[] = [...(ch.extensions ?? [])];
    const at = (type: number) => exts.findIndex((e) => e.type === type);
    const sv = at(ExtensionType.supported_versions);
    if (sv >= 0) exts[sv] = { type: ExtensionType.supported_versions, data: SupportedVersionsClientExt.encode([ProtocolVersion.TLS13, ProtocolVersion.TLS12]) };
    const sa = at(ExtensionType.signature_algorithms);
    if (sa >= 0) {
      const have = U16ListExt.decode(exts[sa]!.data);
      const more = (config.tls12SignatureSchemes ?? DEFAULT_TLS12_SIGNATURE_SCHEMES).map((s) => SIGNATURE_SCHEMES[s]).filter((c) => !have.includes(c));
      exts[sa] = { type: ExtensionType.signature_algorithms, data: U16ListExt.encode([...have, ...more]) };
    }
    const extra = tls12ClientExtensions(config, { forDualHello: true }).filter((e) => at(e.type) < 0);
    // RFC 8446 §4.2.11: pre_shared_key stays last.
    const psk = at(ExtensionType.pre_shared_key);
    if (psk >= 0) exts.splice(psk, 0, ...extra);
    else exts.push(...extra);
    const suites = [...ch.cipherSuites, ...configuredSuites(config.tls12Suites).map((s) => s.code).filter((c) => !ch.cipherSuites.includes(c))];
    // RFC 8446 §4.1.2: a client with a session ID cached from a TLS 1.2 server SHOULD send it
    // in legacy_session_id (so a TLS 1.2 server can resume it, RFC 5246 §7.4.1.2).
    const sid = config.session12?.sessionId;
    return { ...ch, ...(sid && sid.length > 0 ? { legacySessionId: sid.slice() } : {}), cipherSuites: suites, extensions: exts };
  };
}

/** The ClientHello handshake message in the first flight the TLS 1.3 client sent (one plaintext record). */
export function clientHelloOfFlight(flight: Uint8Array): Uint8Array {
  if (flight.length < RECORD_HEADER_LENGTH + 4 || flight[0] !== 22 || flight[RECORD_HEADER_LENGTH] !== HandshakeType.client_hello) {
    throw new TlsError('internal.error', 'first flight is not a ClientHello record');
  }
  const len = (flight[3]! << 8) | flight[4]!;
  return flight.slice(RECORD_HEADER_LENGTH, RECORD_HEADER_LENGTH + len);
}
