/**
 * Wire code points: content types, handshake types, extension types, cipher suites, named
 * groups and signature schemes (RFC 8446 §B, IANA TLS registries), with name ↔ code tables.
 */
import type { AeadName, GroupName, HashName, SignatureScheme } from '../../crypto/types.js';

/** ContentType (RFC 8446 §5.1). */
export enum ContentType {
  invalid = 0,
  change_cipher_spec = 20,
  alert = 21,
  handshake = 22,
  application_data = 23,
}

/** HandshakeType (RFC 8446 §4, plus TLS 1.2 types so 1.2 messages can be recognised). */
export enum HandshakeType {
  hello_request = 0,
  client_hello = 1,
  server_hello = 2,
  new_session_ticket = 4,
  end_of_early_data = 5,
  encrypted_extensions = 8,
  certificate = 11,
  server_key_exchange = 12,
  certificate_request = 13,
  server_hello_done = 14,
  certificate_verify = 15,
  client_key_exchange = 16,
  finished = 20,
  key_update = 24,
  message_hash = 254,
}

/** ExtensionType (RFC 8446 §4.2, RFC 7301, RFC 8449, RFC 5746, RFC 7685). */
export enum ExtensionType {
  server_name = 0,
  supported_groups = 10,
  ec_point_formats = 11,
  signature_algorithms = 13,
  application_layer_protocol_negotiation = 16,
  padding = 21,
  extended_master_secret = 23,
  record_size_limit = 28,
  session_ticket = 35,
  pre_shared_key = 41,
  early_data = 42,
  supported_versions = 43,
  cookie = 44,
  psk_key_exchange_modes = 45,
  certificate_authorities = 47,
  post_handshake_auth = 49,
  signature_algorithms_cert = 50,
  key_share = 51,
  renegotiation_info = 0xff01,
}

/** Protocol versions on the wire. */
export const ProtocolVersion = { TLS10: 0x0301, TLS11: 0x0302, TLS12: 0x0303, TLS13: 0x0304 } as const;

/** TLS 1.3 cipher suite names. */
export type CipherSuiteName = 'TLS_AES_128_GCM_SHA256' | 'TLS_AES_256_GCM_SHA384' | 'TLS_CHACHA20_POLY1305_SHA256';

/** A TLS 1.3 cipher suite: its code, AEAD and hash (RFC 8446 §B.4). */
export interface CipherSuite {
  readonly name: CipherSuiteName;
  readonly code: number;
  readonly aead: AeadName;
  readonly hash: 'sha256' | 'sha384';
  readonly hashLength: number;
  readonly keyLength: number;
  readonly ivLength: number;
  readonly tagLength: number;
}

/** The supported suites, by name (RFC 8446 §B.4). */
export const CIPHER_SUITES: Readonly<Record<CipherSuiteName, CipherSuite>> = {
  TLS_AES_128_GCM_SHA256: { name: 'TLS_AES_128_GCM_SHA256', code: 0x1301, aead: 'aes128gcm', hash: 'sha256', hashLength: 32, keyLength: 16, ivLength: 12, tagLength: 16 },
  TLS_AES_256_GCM_SHA384: { name: 'TLS_AES_256_GCM_SHA384', code: 0x1302, aead: 'aes256gcm', hash: 'sha384', hashLength: 48, keyLength: 32, ivLength: 12, tagLength: 16 },
  TLS_CHACHA20_POLY1305_SHA256: { name: 'TLS_CHACHA20_POLY1305_SHA256', code: 0x1303, aead: 'chacha20poly1305', hash: 'sha256', hashLength: 32, keyLength: 32, ivLength: 12, tagLength: 16 },
};

/** Looks a suite up by code. */
export function cipherSuiteByCode(code: number): CipherSuite | undefined {
  return Object.values(CIPHER_SUITES).find((s) => s.code === code);
}

/** NamedGroup codes (RFC 8446 §4.2.7). */
export const NAMED_GROUPS: Readonly<Record<GroupName, number>> = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  secp521r1: 0x0019,
  x25519: 0x001d,
  x448: 0x001e,
};

/**
 * What Schannel reports for each group in `SecPkgContext_ConnectionInfo.dwExchStrength` and
 * `SecPkgContext_CipherInfo.szExchange`/`dwMinExchangeLen`: the group's size in bits (the
 * curve's field for NIST curves, the RFC 7748 curve degree for X25519/X448).
 */
export const GROUP_EXCHANGE: Readonly<Record<GroupName, { bits: number; name: string }>> = {
  secp256r1: { bits: 256, name: 'ECDH' },
  secp384r1: { bits: 384, name: 'ECDH' },
  secp521r1: { bits: 521, name: 'ECDH' },
  x25519: { bits: 255, name: 'ECDH_X25519' },
  x448: { bits: 448, name: 'ECDH_X448' },
};

/** Group name of a code, if supported. */
export function groupByCode(code: number): GroupName | undefined {
  return (Object.keys(NAMED_GROUPS) as GroupName[]).find((g) => NAMED_GROUPS[g] === code);
}

/** SignatureScheme codes (RFC 8446 §4.2.3). */
export const SIGNATURE_SCHEMES: Readonly<Record<SignatureScheme, number>> = {
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
  rsa_pss_pss_sha256: 0x0809,
  rsa_pss_pss_sha384: 0x080a,
  rsa_pss_pss_sha512: 0x080b,
  rsa_pkcs1_sha1: 0x0201,
  ecdsa_sha1: 0x0203,
};

/** Scheme name of a code, if known. */
export function signatureSchemeByCode(code: number): SignatureScheme | undefined {
  return (Object.keys(SIGNATURE_SCHEMES) as SignatureScheme[]).find((s) => SIGNATURE_SCHEMES[s] === code);
}

/**
 * RFC 8446 §4.2.3: RSASSA-PKCS1-v1_5 and SHA-1 schemes "MUST NOT be used for signed TLS
 * handshake messages"; they may appear only for certificates.
 */
export function isCertificateOnlyScheme(s: SignatureScheme): boolean {
  return s.startsWith('rsa_pkcs1_') || s === 'ecdsa_sha1';
}

/** The hash a signature scheme uses. */
export function schemeHash(s: SignatureScheme): HashName {
  if (s.endsWith('sha1')) return 'sha1';
  if (s.endsWith('sha384')) return 'sha384';
  if (s.endsWith('sha512')) return 'sha512';
  return 'sha256';
}

/** PskKeyExchangeMode (RFC 8446 §4.2.9). */
export const PskKeyExchangeMode = { psk_ke: 0, psk_dhe_ke: 1 } as const;

/** KeyUpdateRequest (RFC 8446 §4.6.3). */
export const KeyUpdateRequest = { update_not_requested: 0, update_requested: 1 } as const;

/**
 * The special ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest")
 * (RFC 8446 §4.1.3).
 */
export const HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/**
 * Last 8 bytes of ServerHello.random that signal a downgrade (RFC 8446 §4.1.3): "DOWNGRD" + 01
 * (TLS 1.2) or 00 (TLS 1.1 and below).
 */
export const DOWNGRADE_TLS12 = Uint8Array.from([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
/** See {@link DOWNGRADE_TLS12}. */
export const DOWNGRADE_TLS11 = Uint8Array.from([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]);
