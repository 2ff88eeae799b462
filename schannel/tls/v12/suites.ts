/**
 * The TLS 1.2 cipher suites cesim implements (RFC 5246 App. C, RFC 5288, RFC 5289, RFC 7905,
 * RFC 8422): key exchange, authentication, record protection and PRF hash of each.
 */
import type { AeadName, BlockCipherName } from '../../crypto/types.js';

/** How a suite exchanges keys: ephemeral ECDH (RFC 8422) or the client's RSA-encrypted premaster (RFC 5246 §7.4.7.1). */
export type KeyExchangeKind = 'ecdhe' | 'rsa';

/** What authenticates the server: the certificate's key type (static RSA: the RSA key decrypts). */
export type AuthKind = 'ecdsa' | 'rsa';

/** AEAD record protection (RFC 5246 §6.2.3.3). */
export interface AeadProtection {
  readonly kind: 'aead';
  readonly aead: AeadName;
  readonly keyLength: number;
  /** Implicit part of the nonce from the key block: 4 (GCM salt, RFC 5288 §3) or 12 (ChaCha, RFC 7905 §2). */
  readonly fixedIvLength: number;
  /** Explicit nonce carried in each record: 8 (GCM) or 0 (ChaCha20-Poly1305). */
  readonly recordIvLength: number;
  readonly tagLength: 16;
}

/** CBC block cipher with HMAC (RFC 5246 §6.2.3.2), MAC-then-encrypt or encrypt-then-MAC (RFC 7366). */
export interface CbcProtection {
  readonly kind: 'cbc';
  readonly cipher: BlockCipherName;
  readonly keyLength: number;
  /** HMAC hash (RFC 5246 App. C MAC column). */
  readonly mac: 'sha1' | 'sha256' | 'sha384';
  readonly macLength: number;
  /** The explicit per-record IV (TLS 1.1+): one block. */
  readonly recordIvLength: 16;
  readonly blockLength: 16;
}

/** Record protection of a suite. */
export type Protection = AeadProtection | CbcProtection;

/** A TLS 1.2 cipher suite. */
export interface Tls12Suite {
  readonly name: Tls12SuiteName;
  readonly code: number;
  readonly keyExchange: KeyExchangeKind;
  readonly auth: AuthKind;
  readonly protection: Protection;
  /** PRF hash (RFC 5246 §5: SHA-256 unless the suite says SHA-384, RFC 5289 §3). */
  readonly prfHash: 'sha256' | 'sha384';
}

/** Names of the implemented TLS 1.2 suites (IANA names). */
export type Tls12SuiteName =
  | 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'
  | 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'
  | 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'
  | 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'
  | 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'
  | 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'
  | 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'
  | 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384'
  | 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'
  | 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'
  | 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'
  | 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'
  | 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'
  | 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'
  | 'TLS_RSA_WITH_AES_128_GCM_SHA256'
  | 'TLS_RSA_WITH_AES_256_GCM_SHA384'
  | 'TLS_RSA_WITH_AES_128_CBC_SHA256'
  | 'TLS_RSA_WITH_AES_256_CBC_SHA256'
  | 'TLS_RSA_WITH_AES_128_CBC_SHA'
  | 'TLS_RSA_WITH_AES_256_CBC_SHA';

const gcm128: AeadProtection = { kind: 'aead', aead: 'aes128gcm', keyLength: 16, fixedIvLength: 4, recordIvLength: 8, tagLength: 16 };
const gcm256: AeadProtection = { kind: 'aead', aead: 'aes256gcm', keyLength: 32, fixedIvLength: 4, recordIvLength: 8, tagLength: 16 };
const chacha: AeadProtection = { kind: 'aead', aead: 'chacha20poly1305', keyLength: 32, fixedIvLength: 12, recordIvLength: 0, tagLength: 16 };
function cbc(cipher: BlockCipherName, mac: 'sha1' | 'sha256' | 'sha384'): CbcProtection {
  const macLength = mac === 'sha1' ? 20 : mac === 'sha256' ? 32 : 48;
  return { kind: 'cbc', cipher, keyLength: cipher === 'aes128cbc' ? 16 : 32, mac, macLength, recordIvLength: 16, blockLength: 16 };
}

function s(name: Tls12SuiteName, code: number, keyExchange: KeyExchangeKind, auth: AuthKind, protection: Protection, prfHash: 'sha256' | 'sha384' = 'sha256'): Tls12Suite {
  return { name, code, keyExchange, auth, protection, prfHash };
}

/** Every implemented suite, in cesim's default preference order (AEAD and forward secrecy first). */
export const TLS12_SUITES: readonly Tls12Suite[] = [
  s('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 0xc02b, 'ecdhe', 'ecdsa', gcm128),
  s('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 0xc02f, 'ecdhe', 'rsa', gcm128),
  s('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 0xc02c, 'ecdhe', 'ecdsa', gcm256, 'sha384'),
  s('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 0xc030, 'ecdhe', 'rsa', gcm256, 'sha384'),
  s('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 0xcca9, 'ecdhe', 'ecdsa', chacha),
  s('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 0xcca8, 'ecdhe', 'rsa', chacha),
  s('TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 0xc023, 'ecdhe', 'ecdsa', cbc('aes128cbc', 'sha256')),
  s('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 0xc027, 'ecdhe', 'rsa', cbc('aes128cbc', 'sha256')),
  s('TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 0xc024, 'ecdhe', 'ecdsa', cbc('aes256cbc', 'sha384'), 'sha384'),
  s('TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 0xc028, 'ecdhe', 'rsa', cbc('aes256cbc', 'sha384'), 'sha384'),
  s('TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 0xc009, 'ecdhe', 'ecdsa', cbc('aes128cbc', 'sha1')),
  s('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 0xc013, 'ecdhe', 'rsa', cbc('aes128cbc', 'sha1')),
  s('TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 0xc00a, 'ecdhe', 'ecdsa', cbc('aes256cbc', 'sha1')),
  s('TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 0xc014, 'ecdhe', 'rsa', cbc('aes256cbc', 'sha1')),
  s('TLS_RSA_WITH_AES_128_GCM_SHA256', 0x009c, 'rsa', 'rsa', gcm128),
  s('TLS_RSA_WITH_AES_256_GCM_SHA384', 0x009d, 'rsa', 'rsa', gcm256, 'sha384'),
  s('TLS_RSA_WITH_AES_128_CBC_SHA256', 0x003c, 'rsa', 'rsa', cbc('aes128cbc', 'sha256')),
  s('TLS_RSA_WITH_AES_256_CBC_SHA256', 0x003d, 'rsa', 'rsa', cbc('aes256cbc', 'sha256')),
  s('TLS_RSA_WITH_AES_128_CBC_SHA', 0x002f, 'rsa', 'rsa', cbc('aes128cbc', 'sha1')),
  s('TLS_RSA_WITH_AES_256_CBC_SHA', 0x0035, 'rsa', 'rsa', cbc('aes256cbc', 'sha1')),
];

/** Suites offered when a configuration names none: every suite with forward secrecy, then static RSA. */
export const DEFAULT_TLS12_SUITES: readonly Tls12SuiteName[] = TLS12_SUITES.map((x) => x.name);

/** A suite by its code. */
export function tls12SuiteByCode(code: number): Tls12Suite | undefined {
  return TLS12_SUITES.find((x) => x.code === code);
}

/** A suite by its name. */
export function tls12Suite(name: Tls12SuiteName): Tls12Suite {
  const found = TLS12_SUITES.find((x) => x.name === name);
  if (found === undefined) throw new RangeError(`unknown TLS 1.2 suite ${name}`);
  return found;
}

/** RFC 5746 §3.3: TLS_EMPTY_RENEGOTIATION_INFO_SCSV. */
export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
/** RFC 7507 §2: TLS_FALLBACK_SCSV. */
export const TLS_FALLBACK_SCSV = 0x5600;

/** Key-block length of a suite (RFC 5246 §6.3): 2 MAC keys, 2 cipher keys, 2 fixed IVs. */
export function keyBlockLength(suite: Tls12Suite): number {
  const p = suite.protection;
  if (p.kind === 'aead') return 2 * (p.keyLength + p.fixedIvLength);
  return 2 * (p.macLength + p.keyLength);
}
