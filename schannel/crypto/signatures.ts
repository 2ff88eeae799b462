/**
 * Signatures: ECDSA (P-256, P-384, P-521), Ed25519, RSASSA-PKCS1-v1_5 and RSASSA-PSS.
 *
 * With `provider.ts` this is the only code that imports `@noble/curves` and `micro-rsa-dsa-dh`.
 * The RSA paddings (EMSA-PKCS1-v1_5, EMSA-PSS with MGF1) are written here from RFC 8017 over
 * micro-rsa-dsa-dh's modular exponentiation, because the library's own `PSS` signer draws its
 * salt from the platform RNG (cesim must be deterministic) and its private operation is not CRT.
 *
 * Every call charges the CPU model: the message hash (`sha256`, … with the message length) and
 * the public-key operation (`p256.sign`, `p256.verify`, `p384.*`, `p521.*`, `ed25519.sign`,
 * `ed25519.verify` with the message length, `rsa2048.public`, `rsa2048.private`, `rsa3072.*`,
 * `rsa4096.*` — the nearest modelled size).
 *
 * Verification never throws: a malformed key, signature or a scheme that does not fit the key
 * is `false`. Signing throws a {@link SignatureError} on a scheme/key mismatch (a caller bug).
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { invert, pow } from 'micro-rsa-dsa-dh/utils.js';
import { bytesEqual, concatBytes as concat, fromHex as hex } from '../../common/index.js';
import type {
  CostSink,
  HashName,
  PrivateKey,
  PublicKey,
  RandomSource,
  SignatureScheme,
} from './types.js';

/** The families of signature algorithm, as X.509 and TLS both meet them. */
export type SignatureFamily = 'ecdsa' | 'ed25519' | 'rsa-pkcs1' | 'rsa-pss';

/** Named elliptic curves of ECDSA keys. */
export type EcCurve = 'P-256' | 'P-384' | 'P-521';

/**
 * A signature algorithm independent of the key it is used with: what an X.509
 * `AlgorithmIdentifier` says. (A TLS 1.3 scheme additionally fixes the curve or RSA key type.)
 */
export interface SignatureAlgorithm {
  family: SignatureFamily;
  /** The message digest; `null` for Ed25519 (PureEdDSA hashes internally). */
  hash: HashName | null;
  /** RSASSA-PSS salt length in bytes; defaults to the hash length (RFC 8446 §4.2.3). */
  saltLength?: number;
}

/** A TLS 1.3 signature scheme decomposed (RFC 8446 §4.2.3). */
export interface SchemeInfo extends SignatureAlgorithm {
  scheme: SignatureScheme;
  /** ECDSA schemes of TLS 1.3 fix the curve; `ecdsa_sha1` (TLS 1.2) does not. */
  curve?: EcCurve;
  /** RSASSA-PSS: `rsae` needs an rsaEncryption key, `pss` an RSASSA-PSS (`id-RSASSA-PSS`) key. */
  rsaKey?: 'rsae' | 'pss';
}

/** Thrown by {@link signMessage} when the scheme cannot be used with the key. */
export class SignatureError extends Error {
  override readonly name = 'SignatureError';
}

/** Smallest and largest RSA moduli accepted, in bits (RFC 8446 era practice; the CPU model stops at 4096). */
export const RSA_MIN_BITS = 2048;
/** See {@link RSA_MIN_BITS}. */
export const RSA_MAX_BITS = 4096;

const SCHEMES: Readonly<Record<SignatureScheme, SchemeInfo>> = {
  ecdsa_secp256r1_sha256: { scheme: 'ecdsa_secp256r1_sha256', family: 'ecdsa', hash: 'sha256', curve: 'P-256' },
  ecdsa_secp384r1_sha384: { scheme: 'ecdsa_secp384r1_sha384', family: 'ecdsa', hash: 'sha384', curve: 'P-384' },
  ecdsa_secp521r1_sha512: { scheme: 'ecdsa_secp521r1_sha512', family: 'ecdsa', hash: 'sha512', curve: 'P-521' },
  ecdsa_sha1: { scheme: 'ecdsa_sha1', family: 'ecdsa', hash: 'sha1' },
  ed25519: { scheme: 'ed25519', family: 'ed25519', hash: null },
  rsa_pss_rsae_sha256: { scheme: 'rsa_pss_rsae_sha256', family: 'rsa-pss', hash: 'sha256', rsaKey: 'rsae' },
  rsa_pss_rsae_sha384: { scheme: 'rsa_pss_rsae_sha384', family: 'rsa-pss', hash: 'sha384', rsaKey: 'rsae' },
  rsa_pss_rsae_sha512: { scheme: 'rsa_pss_rsae_sha512', family: 'rsa-pss', hash: 'sha512', rsaKey: 'rsae' },
  rsa_pss_pss_sha256: { scheme: 'rsa_pss_pss_sha256', family: 'rsa-pss', hash: 'sha256', rsaKey: 'pss' },
  rsa_pss_pss_sha384: { scheme: 'rsa_pss_pss_sha384', family: 'rsa-pss', hash: 'sha384', rsaKey: 'pss' },
  rsa_pss_pss_sha512: { scheme: 'rsa_pss_pss_sha512', family: 'rsa-pss', hash: 'sha512', rsaKey: 'pss' },
  rsa_pkcs1_sha1: { scheme: 'rsa_pkcs1_sha1', family: 'rsa-pkcs1', hash: 'sha1' },
  rsa_pkcs1_sha256: { scheme: 'rsa_pkcs1_sha256', family: 'rsa-pkcs1', hash: 'sha256' },
  rsa_pkcs1_sha384: { scheme: 'rsa_pkcs1_sha384', family: 'rsa-pkcs1', hash: 'sha384' },
  rsa_pkcs1_sha512: { scheme: 'rsa_pkcs1_sha512', family: 'rsa-pkcs1', hash: 'sha512' },
};

/** Decomposes a TLS signature scheme into family, hash and key constraints. */
export function schemeInfo(scheme: SignatureScheme): SchemeInfo {
  return SCHEMES[scheme];
}

/** Every scheme this module knows, in the order of RFC 8446 §4.2.3's list. */
export const SIGNATURE_SCHEMES: readonly SignatureScheme[] = Object.keys(SCHEMES) as SignatureScheme[];

// ---------------------------------------------------------------------------------------------
// Hashes

interface HashInfo {
  fn: (data: Uint8Array) => Uint8Array;
  outputLen: number;
  /**
   * DER of `DigestInfo` up to the digest (RFC 8017 §9.2, Note 1), with the NULL parameters
   * that §A.2.4 requires.
   */
  digestInfoPrefix: Uint8Array;
}

const HASHES: Readonly<Record<HashName, HashInfo>> = {
  sha1: {
    fn: (d) => sha1(d),
    outputLen: 20,
    digestInfoPrefix: hex('3021300906052b0e03021a05000414'),
  },
  sha256: {
    fn: (d) => sha256(d),
    outputLen: 32,
    digestInfoPrefix: hex('3031300d060960864801650304020105000420'),
  },
  sha384: {
    fn: (d) => sha384(d),
    outputLen: 48,
    digestInfoPrefix: hex('3041300d060960864801650304020205000430'),
  },
  sha512: {
    fn: (d) => sha512(d),
    outputLen: 64,
    digestInfoPrefix: hex('3051300d060960864801650304020305000440'),
  },
};

function hashCharged(name: HashName, data: Uint8Array, cost: CostSink): Uint8Array {
  cost.charge(name, data.length);
  return HASHES[name].fn(data);
}

function hmacOf(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  const h = name === 'sha1' ? sha1 : name === 'sha256' ? sha256 : name === 'sha384' ? sha384 : sha512;
  return hmac(h, key, data);
}

// ---------------------------------------------------------------------------------------------
// Public entry points

/** How a scheme is read. */
export interface SchemeOptions {
  /**
   * TLS 1.2 reading (RFC 5246 §7.4.1.4.1, RFC 8422 §5.1.3): an ECDSA code names the hash only,
   * so ecdsa_secp256r1_sha256 (0x0403) is "ECDSA with SHA-256" on whatever curve the key has.
   */
  anyCurve?: boolean;
}

function schemeFor(scheme: SignatureScheme, opts: SchemeOptions): SchemeInfo | undefined {
  const info = SCHEMES[scheme];
  if (info === undefined || !opts.anyCurve || info.family !== 'ecdsa') return info;
  const { curve: _curve, ...rest } = info;
  return rest;
}

/**
 * Signs `message` with `key` under a TLS signature scheme.
 *
 * ECDSA is deterministic (RFC 6979, no extra entropy) and DER-encoded as TLS and X.509 carry it.
 * RSASSA-PSS takes its salt (hash-length, RFC 8446 §4.2.3) from `random` when given, otherwise
 * derives it deterministically as HMAC-H(d, "cesim pss salt" ‖ mHash), so replays are exact.
 * The RSA private operation uses the CRT (RFC 8017 §5.1.2, step 2.b).
 *
 * @throws {SignatureError} when the scheme does not fit the key (wrong family, curve or RSA key
 *   type, RSA modulus out of range) or the key is unusable.
 */
export function signMessage(
  scheme: SignatureScheme,
  key: PrivateKey,
  message: Uint8Array,
  cost: CostSink,
  random?: RandomSource,
  opts: SchemeOptions = {},
): Uint8Array {
  const info = schemeFor(scheme, opts);
  if (info === undefined) throw new SignatureError(`unknown signature scheme ${String(scheme)}`);
  switch (info.family) {
    case 'ecdsa': {
      if (key.kind !== 'ec') throw new SignatureError(`${scheme} needs an EC key, got ${key.kind}`);
      if (info.curve !== undefined && info.curve !== key.curve) {
        throw new SignatureError(`${scheme} needs a ${info.curve} key, got ${key.curve}`);
      }
      const digest = hashCharged(info.hash as HashName, message, cost);
      cost.charge(`${curveCostName(key.curve)}.sign`);
      // RFC 6979 nonces (noble's default without extraEntropy); high-S left as computed, as
      // OpenSSL does, so outputs match RFC 6979 test vectors.
      return curveImpl(key.curve).sign(digest, key.d, { prehash: false, lowS: false, format: 'der' });
    }
    case 'ed25519': {
      if (key.kind !== 'ed25519') throw new SignatureError(`ed25519 needs an Ed25519 key, got ${key.kind}`);
      // RFC 8032 §5.1.6: two SHA-512 passes over the message (r, then k), plus the point work.
      cost.charge('sha512', 2 * message.length + 128);
      cost.charge('ed25519.sign');
      return ed25519.sign(message, key.seed);
    }
    case 'rsa-pkcs1':
    case 'rsa-pss': {
      if (key.kind !== 'rsa') throw new SignatureError(`${scheme} needs an RSA key, got ${key.kind}`);
      // RFC 8446 §4.2.3: rsa_pss_rsae_* needs an rsaEncryption key, rsa_pss_pss_* an RSASSA-PSS
      // key; RFC 4055 §1.2: an RSASSA-PSS key is never used for PKCS#1 v1.5.
      if ((info.rsaKey === 'pss') !== (key.pssOnly === true)) {
        throw new SignatureError(`${scheme} cannot be used with ${key.pssOnly === true ? 'an RSASSA-PSS' : 'an rsaEncryption'} key`);
      }
      const bits = bitLength(key.n);
      if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
        throw new SignatureError(`RSA modulus of ${bits} bits is outside ${RSA_MIN_BITS}..${RSA_MAX_BITS}`);
      }
      const hash = info.hash as HashName;
      const mHash = hashCharged(hash, message, cost);
      const k = Math.ceil(bits / 8);
      let em: Uint8Array;
      if (info.family === 'rsa-pkcs1') {
        em = emsaPkcs1v15Encode(hash, mHash, k);
      } else {
        const sLen = HASHES[hash].outputLen;
        const salt = new Uint8Array(sLen);
        if (random !== undefined) random.fill(salt);
        else salt.set(hmacOf(hash, i2osp(key.d, k), concat(utf8('cesim pss salt'), mHash)).subarray(0, sLen));
        cost.charge(hash, 8 + mHash.length + sLen + k); // M' (EMSA-PSS step 6) and MGF1's output
        em = emsaPssEncode(hash, mHash, bits - 1, salt);
      }
      cost.charge(`${rsaCostName(bits)}.private`);
      const s = rsaPrivate(key, os2ip(em));
      return i2osp(s, k);
    }
  }
}

/**
 * Verifies a signature under a TLS signature scheme, enforcing the scheme's key constraints
 * (RFC 8446 §4.2.3: the ECDSA curve, `rsae` vs `pss` RSA keys, PSS salt = hash length).
 *
 * ECDSA signatures are DER `Ecdsa-Sig-Value`s (RFC 8446 §4.2.3, RFC 5480 §2.2); high-S values
 * are accepted (X9.62 does not forbid them and OpenSSL produces them).
 *
 * @returns `true` only for a valid signature. Malformed input never throws; only an exception
 *   raised by `cost` (a device fault from the CPU model) propagates.
 */
export function verifyMessage(
  scheme: SignatureScheme,
  key: PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  cost: CostSink,
  opts: SchemeOptions = {},
): boolean {
  const info = schemeFor(scheme, opts);
  if (info === undefined) return false;
  if (!keyFitsScheme(info, key)) return false;
  return verifySignature(info, key, message, signature, cost);
}

/**
 * Whether `key` can be used with `scheme` (RFC 8446 §4.2.3): the family matches, an ECDSA
 * scheme's curve matches, `rsa_pss_rsae_*` has an rsaEncryption key and `rsa_pss_pss_*` an
 * RSASSA-PSS key, RSA-PKCS#1 is not used with an RSASSA-PSS key (RFC 4055 §1.2), and an RSA
 * modulus is within {@link RSA_MIN_BITS}..{@link RSA_MAX_BITS}.
 */
export function keyMatchesScheme(scheme: SignatureScheme, key: PublicKey): boolean {
  const info = SCHEMES[scheme];
  return info !== undefined && keyFitsScheme(info, key);
}

function keyFitsScheme(info: SchemeInfo, key: PublicKey): boolean {
  switch (info.family) {
    case 'ecdsa':
      return key.kind === 'ec' && (info.curve === undefined || info.curve === key.curve);
    case 'ed25519':
      return key.kind === 'ed25519';
    case 'rsa-pkcs1':
      return key.kind === 'rsa' && key.pssOnly !== true && rsaSizeOk(key.n);
    case 'rsa-pss':
      return (
        key.kind === 'rsa' && rsaSizeOk(key.n) && (info.rsaKey === 'pss') === (key.pssOnly === true)
      );
  }
}

/**
 * Verifies a signature under an algorithm as an X.509 `AlgorithmIdentifier` names it: the key
 * decides the curve (a P-384 CA may sign with ecdsa-with-SHA256), and RSASSA-PSS uses the
 * salt length the parameters give. An RSASSA-PSS key is accepted only for RSASSA-PSS
 * (RFC 4055 §1.2).
 *
 * @returns `true` only for a valid signature; as {@link verifyMessage}, only `cost` can throw.
 */
export function verifySignature(
  alg: SignatureAlgorithm,
  key: PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  cost: CostSink,
): boolean {
  // Charges stay outside the try blocks: a device fault raised by the CPU model (e.g. a modelled
  // stack overflow) must propagate, not turn into "bad signature".
  switch (alg.family) {
    case 'ecdsa': {
      if (key.kind !== 'ec' || alg.hash === null) return false;
      const digest = hashCharged(alg.hash, message, cost);
      cost.charge(`${curveCostName(key.curve)}.verify`);
      return safely(() =>
        curveImpl(key.curve).verify(signature, digest, key.point, { prehash: false, lowS: false, format: 'der' }),
      );
    }
    case 'ed25519': {
      if (key.kind !== 'ed25519' || key.key.length !== 32 || signature.length !== 64) return false;
      // RFC 8032 §5.1.7: one SHA-512 pass over R ‖ A ‖ M, plus the fixed-cost point arithmetic.
      cost.charge('sha512', 64 + message.length);
      cost.charge('ed25519.verify');
      // RFC 8032 §5.1.7 strict decoding (not ZIP-215), as OpenSSL does.
      return safely(() => ed25519.verify(signature, message, key.key, { zip215: false }));
    }
    case 'rsa-pkcs1':
    case 'rsa-pss': {
      if (key.kind !== 'rsa' || alg.hash === null || !rsaSizeOk(key.n)) return false;
      if (alg.family === 'rsa-pkcs1' && key.pssOnly === true) return false;
      const hash = alg.hash;
      const bits = bitLength(key.n);
      const k = Math.ceil(bits / 8);
      // RFC 8017 §8.1.2 / §8.2.2 step 1: the signature is exactly k octets.
      if (signature.length !== k) return false;
      const mHash = hashCharged(hash, message, cost);
      cost.charge(`${rsaCostName(bits)}.public`);
      const m = rsaPublic(key.n, key.e, os2ip(signature));
      if (m === null) return false;
      if (alg.family === 'rsa-pkcs1') {
        // RFC 8017 §8.2.2 step 3–4: re-encode and compare, never parse the padding.
        return safely(() => bytesEqual(i2osp(m, k), emsaPkcs1v15Encode(hash, mHash, k)));
      }
      const emBits = bits - 1;
      const emLen = Math.ceil(emBits / 8);
      // RFC 8017 §8.1.2 step 2.c: EM = I2OSP(m, emLen); m must fit.
      if (m >> BigInt(emLen * 8) !== 0n) return false;
      const sLen = alg.saltLength ?? HASHES[hash].outputLen;
      cost.charge(hash, 8 + mHash.length + Math.max(0, sLen) + emLen); // M' and MGF1's output
      return safely(() => emsaPssVerify(hash, mHash, i2osp(m, emLen), emBits, sLen));
    }
  }
}

/** Runs a verification step, turning any exception from malformed input into `false`. */
function safely(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}

/** The public half of a private key. */
export function publicKeyOf(key: PrivateKey): PublicKey {
  switch (key.kind) {
    case 'ec':
      return { kind: 'ec', curve: key.curve, point: key.point };
    case 'ed25519':
      return { kind: 'ed25519', key: key.key };
    case 'rsa': {
      const pub: PublicKey = { kind: 'rsa', n: key.n, e: key.e, bits: bitLength(key.n) };
      if (key.pssOnly === true) pub.pssOnly = true;
      return pub;
    }
  }
}

/**
 * Derives the public point or key from private scalar bytes (`d` for ECDSA, the 32-byte seed
 * for Ed25519); `null` when the scalar is invalid. Used when a key file omits the public half.
 */
export function derivePublicKeyBytes(kind: 'P-256' | 'P-384' | 'ed25519', secret: Uint8Array): Uint8Array | null {
  try {
    if (kind === 'ed25519') return ed25519.getPublicKey(secret);
    return curveImpl(kind).getPublicKey(secret, false);
  } catch {
    return null;
  }
}

/**
 * Whether `point` is a valid SEC1-encoded point on `curve` (RFC 5480 §2.2), or a valid
 * 32-byte Ed25519 key. Never throws.
 */
export function isValidPublicKey(key: PublicKey): boolean {
  try {
    if (key.kind === 'ec') {
      curveImpl(key.curve).Point.fromBytes(key.point).assertValidity();
      return true;
    }
    if (key.kind === 'ed25519') {
      ed25519.Point.fromBytes(key.key, false);
      return true;
    }
    return key.n > 0n && key.e > 1n && (key.n & 1n) === 1n;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// ECDSA helpers

function curveImpl(curve: EcCurve): typeof p256 {
  return curve === 'P-256' ? p256 : curve === 'P-384' ? p384 : p521;
}

function curveCostName(curve: EcCurve): string {
  return curve === 'P-256' ? 'p256' : curve === 'P-384' ? 'p384' : 'p521';
}

// ---------------------------------------------------------------------------------------------
// RSA (RFC 8017)

function rsaSizeOk(n: bigint): boolean {
  const bits = bitLength(n);
  return bits >= RSA_MIN_BITS && bits <= RSA_MAX_BITS && (n & 1n) === 1n;
}

/** `rsa2048`, `rsa3072` or `rsa4096`: the modelled size nearest to `bits`. */
export function rsaCostName(bits: number): string {
  const sizes = [1024, 2048, 3072, 4096];
  let best = sizes[0] as number;
  for (const s of sizes) if (Math.abs(s - bits) < Math.abs(best - bits)) best = s;
  return `rsa${best}`;
}

function bitLength(n: bigint): number {
  return n <= 0n ? 0 : n.toString(2).length;
}

/** RFC 8017 §4.1 I2OSP; throws when x does not fit (callers ensure it does). */
function i2osp(x: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let v = x;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new Error('integer too large');
  return out;
}

/** RFC 8017 §4.2 OS2IP. */
function os2ip(b: Uint8Array): bigint {
  let v = 0n;
  for (const byte of b) v = (v << 8n) | BigInt(byte);
  return v;
}

/** RFC 8017 §5.2.2 RSAVP1: null when s is out of range (step 1). */
function rsaPublic(n: bigint, e: bigint, s: bigint): bigint | null {
  if (s >= n || e <= 0n) return null;
  return pow(s, e, n);
}

interface CrtParams {
  dP: bigint;
  dQ: bigint;
  qInv: bigint;
}
const crtCache = new WeakMap<object, CrtParams>();

/** RFC 8017 §5.2.1 RSASP1 with the CRT (step 2.b): m1 = s^dP mod p, m2 = s^dQ mod q, … */
function rsaPrivate(key: Extract<PrivateKey, { kind: 'rsa' }>, m: bigint): bigint {
  if (m >= key.n) throw new SignatureError('message representative out of range');
  if (key.p * key.q !== key.n) throw new SignatureError('RSA key: p·q ≠ n');
  let crt = crtCache.get(key);
  if (crt === undefined) {
    crt = { dP: key.d % (key.p - 1n), dQ: key.d % (key.q - 1n), qInv: invert(key.q, key.p) };
    crtCache.set(key, crt);
  }
  const m1 = pow(m % key.p, crt.dP, key.p);
  const m2 = pow(m % key.q, crt.dQ, key.q);
  let h = ((m1 - m2) * crt.qInv) % key.p;
  if (h < 0n) h += key.p;
  return m2 + key.q * h;
}

/**
 * RSAES-PKCS1-v1_5-ENCRYPT (RFC 8017 §7.2.1): EM = 00 || 02 || PS (non-zero random) || 00 || M,
 * then RSAEP. `random` fills the padding string; zero bytes are redrawn.
 * @throws {SignatureError} for a non-RSA key or a message too long for the modulus.
 */
export function rsaEncryptPkcs1(key: PublicKey, message: Uint8Array, cost: CostSink, random: (n: number) => Uint8Array): Uint8Array {
  if (key.kind !== 'rsa' || key.pssOnly === true) throw new SignatureError('RSA encryption needs an rsaEncryption key');
  const bits = bitLength(key.n);
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) throw new SignatureError(`RSA modulus of ${bits} bits is outside ${RSA_MIN_BITS}..${RSA_MAX_BITS}`);
  const k = Math.ceil(bits / 8);
  // RFC 8017 §7.2.1 step 1: mLen > k − 11 is "message too long".
  if (message.length > k - 11) throw new SignatureError('message too long for RSAES-PKCS1-v1_5');
  const em = new Uint8Array(k);
  em[1] = 0x02;
  const psLen = k - message.length - 3;
  let filled = 0;
  while (filled < psLen) {
    for (const b of random(psLen - filled)) if (b !== 0 && filled < psLen) em[2 + filled++] = b;
  }
  em.set(message, k - message.length);
  cost.charge(`${rsaCostName(bits)}.public`);
  const c = rsaPublic(key.n, key.e, os2ip(em));
  em.fill(0);
  if (c === null) throw new SignatureError('RSA public operation failed');
  return i2osp(c, k);
}

/**
 * RSADP (RFC 8017 §5.1.2) with the CRT: the k-byte encoded message of `ciphertext`, its padding
 * not examined (RFC 5246 §7.4.7.1: the caller checks it without branching). Null when the
 * ciphertext is not k octets or its integer is not below n.
 */
export function rsaDecryptRaw(key: PrivateKey, ciphertext: Uint8Array, cost: CostSink): Uint8Array | null {
  if (key.kind !== 'rsa' || key.pssOnly === true) return null;
  const bits = bitLength(key.n);
  const k = Math.ceil(bits / 8);
  if (ciphertext.length !== k) return null;
  const c = os2ip(ciphertext);
  if (c >= key.n) return null;
  cost.charge(`${rsaCostName(bits)}.private`);
  return i2osp(rsaPrivate(key, c), k);
}

/** RFC 8017 §9.2 EMSA-PKCS1-v1_5-ENCODE with mHash already computed (step 1). */
function emsaPkcs1v15Encode(hash: HashName, mHash: Uint8Array, emLen: number): Uint8Array {
  const prefix = HASHES[hash].digestInfoPrefix;
  const tLen = prefix.length + mHash.length;
  // Step 3: "intended encoded message length too short".
  if (emLen < tLen + 11) throw new SignatureError('RSA modulus too short for PKCS#1 v1.5');
  // Step 4–5: EM = 0x00 || 0x01 || PS (0xff…, at least 8) || 0x00 || T.
  const em = new Uint8Array(emLen);
  em[1] = 0x01;
  em.fill(0xff, 2, emLen - tLen - 1);
  em.set(prefix, emLen - tLen);
  em.set(mHash, emLen - mHash.length);
  return em;
}

/** RFC 8017 §B.2.1 MGF1. */
function mgf1(hash: HashName, seed: Uint8Array, maskLen: number): Uint8Array {
  const hLen = HASHES[hash].outputLen;
  const out = new Uint8Array(Math.ceil(maskLen / hLen) * hLen);
  const input = new Uint8Array(seed.length + 4);
  input.set(seed);
  for (let counter = 0, off = 0; off < maskLen; counter++, off += hLen) {
    input[seed.length] = counter >>> 24;
    input[seed.length + 1] = (counter >>> 16) & 0xff;
    input[seed.length + 2] = (counter >>> 8) & 0xff;
    input[seed.length + 3] = counter & 0xff;
    out.set(HASHES[hash].fn(input), off);
  }
  return out.subarray(0, maskLen);
}

/** RFC 8017 §9.1.1 EMSA-PSS-ENCODE with mHash computed (step 2) and the salt given (step 4). */
function emsaPssEncode(hash: HashName, mHash: Uint8Array, emBits: number, salt: Uint8Array): Uint8Array {
  const hLen = HASHES[hash].outputLen;
  const sLen = salt.length;
  const emLen = Math.ceil(emBits / 8);
  // Step 3: emLen < hLen + sLen + 2 → "encoding error".
  if (emLen < hLen + sLen + 2) throw new SignatureError('RSA modulus too short for PSS');
  // Steps 5–6: M' = 0x00 ×8 || mHash || salt; H = Hash(M').
  const mPrime = new Uint8Array(8 + hLen + sLen);
  mPrime.set(mHash, 8);
  mPrime.set(salt, 8 + hLen);
  const h = HASHES[hash].fn(mPrime);
  // Steps 7–8: DB = PS || 0x01 || salt.
  const db = new Uint8Array(emLen - hLen - 1);
  db[emLen - sLen - hLen - 2] = 0x01;
  db.set(salt, db.length - sLen);
  // Steps 9–11: maskedDB = DB ⊕ MGF(H); clear the leftmost 8·emLen − emBits bits.
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >>> (8 * emLen - emBits));
  // Step 12: EM = maskedDB || H || 0xbc.
  const em = new Uint8Array(emLen);
  em.set(db);
  em.set(h, db.length);
  em[emLen - 1] = 0xbc;
  return em;
}

/** RFC 8017 §9.1.2 EMSA-PSS-VERIFY with mHash computed (step 2). */
function emsaPssVerify(hash: HashName, mHash: Uint8Array, em: Uint8Array, emBits: number, sLen: number): boolean {
  const hLen = HASHES[hash].outputLen;
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || sLen < 0) return false;
  // Step 3: emLen < hLen + sLen + 2 → "inconsistent".
  if (emLen < hLen + sLen + 2) return false;
  // Step 4: the rightmost octet must be 0xbc.
  if (em[emLen - 1] !== 0xbc) return false;
  // Step 5: maskedDB || H.
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  // Step 6: the leftmost 8·emLen − emBits bits of maskedDB must be zero.
  const topMask = 0xff >>> (8 * emLen - emBits);
  if (((maskedDb[0] as number) & ~topMask & 0xff) !== 0) return false;
  // Steps 7–9: DB = maskedDB ⊕ MGF(H), clear the top bits.
  const dbMask = mgf1(hash, h, maskedDb.length);
  const db = new Uint8Array(maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = (maskedDb[i] as number) ^ (dbMask[i] as number);
  db[0] = (db[0] as number) & topMask;
  // Step 10: DB = 0x00… || 0x01 || salt.
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  // Steps 11–14: H' = Hash(0x00×8 || mHash || salt) must equal H.
  const salt = db.subarray(db.length - sLen);
  const mPrime = new Uint8Array(8 + hLen + sLen);
  mPrime.set(mHash, 8);
  mPrime.set(salt, 8 + hLen);
  return bytesEqual(HASHES[hash].fn(mPrime), h);
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
