/**
 * The one small crypto interface cesim's TLS engine and certificate code use.
 *
 * Implementations are the only code that imports `@noble/*` (and `micro-rsa-dsa-dh`), and
 * every operation charges the device's CPU model through a {@link CostSink}, so no primitive
 * runs uncounted. A deterministic provider (fixed randoms and key shares) replays RFC 8448.
 */

/** Hash functions TLS 1.3 and certificate verification need. */
export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** AEAD algorithms of the TLS 1.3 cipher suites. */
export type AeadName = 'aes128gcm' | 'aes256gcm' | 'chacha20poly1305';

/** Block ciphers of the TLS 1.2 CBC suites (RFC 5246 §6.2.3.2), used without padding. */
export type BlockCipherName = 'aes128cbc' | 'aes256cbc';

/** A CBC cipher bound to a key; the caller pads (TLS padding is not PKCS#7's). */
export interface BlockCipher {
  readonly name: BlockCipherName;
  readonly keyLength: number;
  /** 16 for AES. */
  readonly blockLength: number;
  /** Encrypts whole blocks (length a multiple of blockLength) under `iv`. */
  encrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
  /** Decrypts whole blocks; never throws on content (the caller checks padding and MAC). */
  decrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/** Key-exchange groups. */
export type GroupName = 'x25519' | 'secp256r1' | 'secp384r1' | 'secp521r1' | 'x448';

/**
 * Signature schemes by their TLS 1.3 names (RFC 8446 §4.2.3); certificate verification uses
 * the same names for the algorithms it meets in X.509 (`rsa_pkcs1_sha256`, `ecdsa_secp256r1_sha256`…).
 */
export type SignatureScheme =
  | 'ecdsa_secp256r1_sha256'
  | 'ecdsa_secp384r1_sha384'
  | 'ecdsa_secp521r1_sha512'
  | 'ed25519'
  | 'rsa_pss_rsae_sha256'
  | 'rsa_pss_rsae_sha384'
  | 'rsa_pss_rsae_sha512'
  | 'rsa_pss_pss_sha256'
  | 'rsa_pss_pss_sha384'
  | 'rsa_pss_pss_sha512'
  | 'rsa_pkcs1_sha1'
  | 'rsa_pkcs1_sha256'
  | 'rsa_pkcs1_sha384'
  | 'rsa_pkcs1_sha512'
  | 'ecdsa_sha1';

/** Where the cost of each primitive goes: the device CPU model (`device.cpu.charge`). */
export interface CostSink {
  charge(primitive: string, bytes?: number): void;
}

/** A source of random bytes: the device's seeded stream. */
export interface RandomSource {
  fill(out: Uint8Array): void;
}

/** An incremental hash (transcript hashes keep one per connection). */
export interface HashState {
  update(data: Uint8Array): HashState;
  /** The digest so far, without finishing the state. */
  peek(): Uint8Array;
  clone(): HashState;
}

/** An ephemeral key-exchange key pair. */
export interface KeyShare {
  group: GroupName;
  publicKey: Uint8Array;
  /** Computes the shared secret with the peer's public key; throws on an invalid point. */
  agree(peerPublic: Uint8Array): Uint8Array;
  /** Zeroes the private key. */
  destroy(): void;
}

/** An AEAD instance bound to a key. */
export interface Aead {
  readonly name: AeadName;
  readonly keyLength: number;
  readonly nonceLength: number;
  readonly tagLength: number;
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Returns null when the tag does not verify. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
}

/** A public key as certificates carry it. */
export type PublicKey =
  | { kind: 'ec'; curve: 'P-256' | 'P-384' | 'P-521'; point: Uint8Array }
  | { kind: 'ed25519'; key: Uint8Array }
  | { kind: 'rsa'; n: bigint; e: bigint; bits: number; pssOnly?: boolean };

/** A private key for signing. */
export type PrivateKey =
  | { kind: 'ec'; curve: 'P-256' | 'P-384'; d: Uint8Array; point: Uint8Array }
  | { kind: 'ed25519'; seed: Uint8Array; key: Uint8Array }
  | {
      kind: 'rsa';
      n: bigint;
      e: bigint;
      d: bigint;
      p: bigint;
      q: bigint;
      bits: number;
      /** An RSASSA-PSS (`id-RSASSA-PSS`, RFC 4055) key: usable only with `rsa_pss_pss_*`. */
      pssOnly?: boolean;
    };

/** The provider: hash, hmac, hkdf, aead, key exchange, sign, verify, random. */
export interface CryptoProvider {
  hash(name: HashName, data: Uint8Array): Uint8Array;
  hashLength(name: HashName): number;
  newHash(name: HashName): HashState;
  hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
  hkdfExtract(name: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  hkdfExpand(name: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  aead(name: AeadName, key: Uint8Array): Aead;
  /** A CBC block cipher bound to a key (TLS 1.2 CBC suites). */
  blockCipher(name: BlockCipherName, key: Uint8Array): BlockCipher;
  /**
   * RSAES-PKCS1-v1_5 encryption (RFC 8017 §7.2.1) of `message` to `key`, the padding string
   * drawn from the random source (TLS 1.2 static-RSA ClientKeyExchange).
   */
  rsaEncrypt(key: PublicKey, message: Uint8Array): Uint8Array;
  /**
   * RSADP (RFC 8017 §5.1.2) of `ciphertext`: the k-byte encoded message, padding NOT checked
   * (the caller checks it in constant time, RFC 5246 §7.4.7.1). Null when the ciphertext is not
   * k bytes or not below n.
   */
  rsaDecryptRaw(key: PrivateKey, ciphertext: Uint8Array): Uint8Array | null;
  generateKeyShare(group: GroupName): KeyShare;
  /** `opts.anyCurve`: the TLS 1.2 reading of ECDSA codes (hash only, any curve). */
  sign(scheme: SignatureScheme, key: PrivateKey, message: Uint8Array, opts?: { anyCurve?: boolean }): Uint8Array;
  /** See {@link CryptoProvider.sign} for `opts`. */
  verify(scheme: SignatureScheme, key: PublicKey, message: Uint8Array, signature: Uint8Array, opts?: { anyCurve?: boolean }): boolean;
  random(length: number): Uint8Array;
  /** Constant-time comparison (MACs, Finished). */
  equal(a: Uint8Array, b: Uint8Array): boolean;
}
