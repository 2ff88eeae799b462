/**
 * Small helpers shared by the client and server handshakes.
 */
import type { PrivateKey, SignatureScheme } from '../crypto/types.js';
import type { CipherSuiteName } from './codec/constants.js';
import { HandshakeType, isCertificateOnlyScheme } from './codec/constants.js';
import type { Extension } from './codec/extensions.js';
import { frame } from './codec/handshake.js';
import { TlsError } from './errors.js';

/** Big-endian 2-byte field (ticket nonces), from the one bytes utility. */
export { u16be } from '../../common/index.js';

/** UTF-8 encode. */
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** UTF-8 decode (lossy). */
export const fromUtf8 = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Default cipher suites, preference order. */
export const DEFAULT_CIPHER_SUITES: readonly CipherSuiteName[] = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/** Default signature schemes for CertificateVerify (RFC 8446 §4.2.3 "MUST support" ones plus Ed25519 and P-384). */
export const DEFAULT_SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  'ecdsa_secp256r1_sha256', 'ecdsa_secp384r1_sha384', 'ed25519',
  'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512',
  'rsa_pss_pss_sha256', 'rsa_pss_pss_sha384', 'rsa_pss_pss_sha512',
];

/** Default schemes for signature_algorithms_cert: the above plus RSA PKCS#1 v1.5 and P-521 (certificates only). */
export const DEFAULT_SIGNATURE_SCHEMES_CERT: readonly SignatureScheme[] = [
  ...DEFAULT_SIGNATURE_SCHEMES, 'ecdsa_secp521r1_sha512', 'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384', 'rsa_pkcs1_sha512',
];

/** The schemes a private key can sign TLS 1.3 handshakes with, in preference order. */
export function schemesForKey(key: PrivateKey): SignatureScheme[] {
  switch (key.kind) {
    case 'ec':
      return key.curve === 'P-256' ? ['ecdsa_secp256r1_sha256'] : ['ecdsa_secp384r1_sha384'];
    case 'ed25519':
      return ['ed25519'];
    case 'rsa':
      return ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512'];
  }
}

/**
 * A server's choice among its certificates (RFC 8446 §4.4.2.2): with one candidate, the first
 * of its schemes the peer offered (the server's preference); with several, the first scheme in
 * the peer's order that some candidate signs with, and that candidate (ties: the earlier one).
 * Returns the candidate's index and scheme, or null when none fits.
 */
export function pickCertificate(candidates: readonly (readonly SignatureScheme[])[], theirs: readonly SignatureScheme[]): { index: number; scheme: SignatureScheme } | null {
  if (candidates.length === 1) {
    const scheme = pickScheme(candidates[0]!, theirs);
    return scheme === null ? null : { index: 0, scheme };
  }
  for (const s of theirs) {
    if (isCertificateOnlyScheme(s)) continue;
    const index = candidates.findIndex((c) => c.includes(s));
    if (index >= 0) return { index, scheme: pickScheme(candidates[index]!, theirs) ?? s };
  }
  return null;
}

/** The first of `ours` the peer offered that may sign handshake messages, or null. */
export function pickScheme(ours: readonly SignatureScheme[], theirs: readonly SignatureScheme[]): SignatureScheme | null {
  for (const s of ours) {
    if (!isCertificateOnlyScheme(s) && theirs.includes(s)) return s;
  }
  return null;
}

/**
 * The content signed in CertificateVerify (RFC 8446 §4.4.3): 64 × 0x20, the context string,
 * a zero byte, then the transcript hash.
 */
export function certificateVerifyContent(role: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const context = utf8(`TLS 1.3, ${role} CertificateVerify`);
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  out.set(context, 64);
  out[64 + context.length] = 0;
  out.set(transcriptHash, 64 + context.length + 1);
  return out;
}

/** RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a given extension block." */
export function checkNoDuplicates(exts: readonly Extension[], where: string): void {
  const seen = new Set<number>();
  for (const e of exts) {
    if (seen.has(e.type)) throw new TlsError('peer.illegal_parameter', `duplicate extension ${e.type} in ${where}`);
    seen.add(e.type);
  }
}

/**
 * RFC 8446 §4.2: an extension not offered draws unsupported_extension; one recognised but not
 * allowed in this message draws illegal_parameter.
 */
export function checkResponseExtensions(exts: readonly Extension[], allowed: readonly number[], offered: ReadonlySet<number>, where: string): void {
  checkNoDuplicates(exts, where);
  for (const e of exts) {
    if (!offered.has(e.type)) throw new TlsError('peer.unsupported_extension', `${where}: extension ${e.type} was not offered`);
    if (!allowed.includes(e.type)) throw new TlsError('peer.illegal_parameter', `${where}: extension ${e.type} not allowed here`);
  }
}

/** Frames a handshake message. */
export function handshakeMessage(type: HandshakeType, body: Uint8Array): Uint8Array {
  return frame(type, body);
}

