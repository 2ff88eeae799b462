/**
 * Pieces both TLS 1.2 roles use: signature-scheme rules of TLS 1.2 (RFC 5246 §7.4.1.4.1,
 * RFC 8422 §5.1.3), the signed ServerKeyExchange content, the static-RSA premaster check of
 * RFC 5246 §7.4.7.1 done without branches, and the ClientHello extension list a TLS 1.2
 * client offers (also merged into a dual-version ClientHello).
 */
import type { PrivateKey, PublicKey, SignatureScheme } from '../../crypto/types.js';
import { ExtensionType, NAMED_GROUPS, SIGNATURE_SCHEMES } from '../codec/constants.js';
import { AlpnExt, EmptyExt, type Extension, RecordSizeLimitExt, ServerNameListExt, U16ListExt } from '../codec/extensions.js';
import { utf8 } from '../util.js';
import type { Tls12ClientConfig } from './config.js';
import { EcPointFormatsExt, MaxFragmentLengthExt, RenegotiationInfoExt, Tls12ExtensionType } from './codec.js';
import { DEFAULT_TLS12_SUITES, TLS12_SUITES, type Tls12Suite, tls12Suite } from './suites.js';
import type { GroupName } from '../../crypto/types.js';

/** Default TLS 1.2 signature schemes: the TLS 1.3 ones plus RSA PKCS#1 v1.5, which TLS 1.2 handshakes may use. */
export const DEFAULT_TLS12_SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  'ecdsa_secp256r1_sha256', 'ecdsa_secp384r1_sha384', 'ed25519',
  'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512',
  'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384', 'rsa_pkcs1_sha512',
];

/** Default TLS 1.2 groups (RFC 8422 §5.1.1 named curves, RFC 7748 X25519). */
export const DEFAULT_TLS12_GROUPS: readonly GroupName[] = ['x25519', 'secp256r1', 'secp384r1'];

/** The suites a TLS 1.2 configuration enables, in order. */
export function configuredSuites(names: readonly string[] | undefined): Tls12Suite[] {
  return (names ?? DEFAULT_TLS12_SUITES).map((n) => tls12Suite(n as Tls12Suite['name']));
}

/** The schemes a private key can sign TLS 1.2 handshake messages with, in preference order. */
export function tls12SchemesForKey(key: PrivateKey): SignatureScheme[] {
  switch (key.kind) {
    case 'ec':
      // TLS 1.2 ECDSA codes are hash-only (TLS12_SCHEME_READING): the matching hash first.
      return key.curve === 'P-256'
        ? ['ecdsa_secp256r1_sha256', 'ecdsa_secp384r1_sha384', 'ecdsa_secp521r1_sha512', 'ecdsa_sha1']
        : ['ecdsa_secp384r1_sha384', 'ecdsa_secp256r1_sha256', 'ecdsa_secp521r1_sha512', 'ecdsa_sha1'];
    case 'ed25519':
      return ['ed25519'];
    case 'rsa':
      return key.pssOnly === true
        ? ['rsa_pss_pss_sha256', 'rsa_pss_pss_sha384', 'rsa_pss_pss_sha512']
        : ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512', 'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384', 'rsa_pkcs1_sha512', 'rsa_pkcs1_sha1'];
  }
}

/** Whether a suite can be used with a certificate key (RFC 8422 §5.5 ECDSA/EdDSA, RFC 5246 §7.4.2 RSA). */
export function suiteFitsKey(suite: Tls12Suite, key: PublicKey | PrivateKey): boolean {
  if (suite.auth === 'ecdsa') return key.kind === 'ec' || key.kind === 'ed25519';
  // Static RSA needs an rsaEncryption key (it decrypts); ECDHE_RSA signs, PSS-only keys included.
  return key.kind === 'rsa' && (suite.keyExchange === 'ecdhe' || key.pssOnly !== true);
}

/** RFC 8422 §5.4: the content signed in ServerKeyExchange = client_random + server_random + ServerECDHParams. */
export function serverKeyExchangeSignedContent(clientRandom: Uint8Array, serverRandom: Uint8Array, params: Uint8Array): Uint8Array {
  const out = new Uint8Array(64 + params.length);
  out.set(clientRandom, 0);
  out.set(serverRandom, 32);
  out.set(params, 64);
  return out;
}

/**
 * RFC 5246 §7.4.7.1: the premaster of a static-RSA ClientKeyExchange, without a decryption or
 * version oracle. `em` is the RSADP output (or null when the ciphertext was not k bytes / ≥ n);
 * `fallback` the 46 random bytes drawn before decrypting. Whatever is wrong (padding, length,
 * version), the result is ClientHello.client_version || (fallback or the decrypted 46 bytes),
 * chosen by masks, so the handshake fails later at Finished with the one decrypt_error /
 * bad_record_mac and no earlier distinguishable alert.
 */
export function rsaPremaster(em: Uint8Array | null, clientVersion: number, fallback: Uint8Array, modulusLength: number): Uint8Array {
  const k = modulusLength;
  const buf = em ?? new Uint8Array(k);
  let good = em === null ? 0 : 0xff;
  // EM = 0x00 || 0x02 || PS (≥ 8 non-zero) || 0x00 || M (48 bytes).
  good &= ctByteEq(buf[0]!, 0);
  good &= ctByteEq(buf[1]!, 2);
  const sep = k - 49;
  for (let i = 2; i < sep; i++) good &= ~ctByteEq(buf[i]!, 0) & 0xff;
  good &= ctByteEq(buf[sep]!, 0);
  // The PS must be at least 8 bytes (RFC 8017 §7.2.2 step 3): true whenever k ≥ 59 (RSA ≥ 512 bits).
  good &= k >= 59 ? 0xff : 0;
  const out = new Uint8Array(48);
  out[0] = clientVersion >> 8;
  out[1] = clientVersion & 0xff;
  for (let i = 0; i < 46; i++) out[2 + i] = (buf[k - 46 + i]! & good) | (fallback[i]! & ~good & 0xff);
  return out;
}

function ctByteEq(a: number, b: number): number {
  const x = (a ^ b) & 0xff;
  return ((x - 1) >> 8) & 0xff; // 0xff when equal
}

/** The ClientHello extensions a TLS 1.2 client offers (RFC 8422, RFC 5246, RFC 7627, RFC 7366, RFC 5746, RFC 6066, RFC 7301). */
export function tls12ClientExtensions(config: Tls12ClientConfig, opts: { forDualHello: boolean }): Extension[] {
  const exts: Extension[] = [];
  const groups = config.groups ?? [...DEFAULT_TLS12_GROUPS];
  const schemes = config.tls12SignatureSchemes ?? [...DEFAULT_TLS12_SIGNATURE_SCHEMES];
  if (!opts.forDualHello) {
    if (config.serverName !== undefined && !isIpLiteral(config.serverName)) {
      exts.push({ type: ExtensionType.server_name, data: ServerNameListExt.encode([{ nameType: 0, name: utf8(config.serverName) }]) });
    }
    exts.push({ type: ExtensionType.supported_groups, data: U16ListExt.encode(groups.map((g) => NAMED_GROUPS[g])) });
    exts.push({ type: ExtensionType.signature_algorithms, data: U16ListExt.encode(schemes.map((s) => SIGNATURE_SCHEMES[s])) });
    if (config.alpn && config.alpn.length > 0) {
      exts.push({ type: ExtensionType.application_layer_protocol_negotiation, data: AlpnExt.encode(config.alpn.map(utf8)) });
    }
    if (config.recordSizeLimit !== undefined) exts.push({ type: ExtensionType.record_size_limit, data: RecordSizeLimitExt.encode(config.recordSizeLimit) });
  }
  // RFC 8422 §5.1.2: uncompressed is the only format; clients SHOULD still send the extension.
  exts.push({ type: ExtensionType.ec_point_formats, data: EcPointFormatsExt.encode([0]) });
  // RFC 7627 §5.1: offered always.
  exts.push({ type: ExtensionType.extended_master_secret, data: EmptyExt.encode(null) });
  const suites = configuredSuites(config.tls12Suites);
  if ((config.encryptThenMac ?? true) && suites.some((s) => s.protection.kind === 'cbc')) {
    exts.push({ type: Tls12ExtensionType.encrypt_then_mac, data: EmptyExt.encode(null) });
  }
  // RFC 5746 §3.4: an initial ClientHello carries an empty renegotiation_info (or the SCSV).
  exts.push({ type: ExtensionType.renegotiation_info, data: RenegotiationInfoExt.encode(new Uint8Array(0)) });
  // RFC 5077 §3.2: the cached ticket, or empty to be given one.
  if (config.sessionTickets ?? true) exts.push({ type: ExtensionType.session_ticket, data: config.session12?.ticket?.slice() ?? new Uint8Array(0) });
  if (config.maxFragmentLength !== undefined) exts.push({ type: Tls12ExtensionType.max_fragment_length, data: MaxFragmentLengthExt.encode(config.maxFragmentLength) });
  return exts;
}

/** Whether a name is an IP literal (RFC 6066 §3: not sent as SNI). */
export function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':');
}

/** Every suite code cesim knows for TLS 1.2 (for a server's "is this a suite at all" check). */
export const KNOWN_TLS12_CODES: ReadonlySet<number> = new Set(TLS12_SUITES.map((s) => s.code));

/**
 * RFC 5246 §7.4.1.4.1 / RFC 8422 §5.1.3: in TLS 1.2 an ECDSA SignatureAndHashAlgorithm names
 * the hash only; the curve is the certificate's (RFC 8446 §4.2.3 binds it only in TLS 1.3).
 */
export const TLS12_SCHEME_READING = { anyCurve: true } as const;
