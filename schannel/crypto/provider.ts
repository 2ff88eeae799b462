/**
 * The noble-backed {@link CryptoProvider}: the only code in cesim's TLS path that imports
 * `@noble/*`. Every primitive charges the device CPU model through the {@link CostSink} with a
 * stable primitive name (see {@link CPU_PRIMITIVES}), so no primitive runs uncounted.
 *
 * `sign`/`verify` delegate to `./signatures.js`, which the certificate engineer owns.
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { hmac } from '@noble/hashes/hmac.js';
import type { CHash } from '@noble/hashes/utils.js';
import { cbc, gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { x448 } from '@noble/curves/ed448.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { rsaDecryptRaw, rsaEncryptPkcs1, signMessage, verifyMessage } from './signatures.js';
import type {
  Aead,
  AeadName,
  BlockCipher,
  BlockCipherName,
  CostSink,
  CryptoProvider,
  GroupName,
  HashName,
  HashState,
  KeyShare,
  PrivateKey,
  PublicKey,
  RandomSource,
  SignatureScheme,
} from './types.js';

/** The primitive names charged to the CPU model (the cost table keys on these exact strings). */
export const CPU_PRIMITIVES = [
  'sha1', 'sha256', 'sha384', 'sha512', 'hmac',
  'aes128gcm', 'aes256gcm', 'chacha20poly1305', 'aes128cbc', 'aes256cbc',
  'x25519.keygen', 'x25519', 'x448.keygen', 'x448', 'p256.keygen', 'p256.ecdh', 'p384.keygen', 'p384.ecdh', 'p521.keygen', 'p521.ecdh',
  'random',
] as const;

/** Noble's incremental hash object, as far as this module uses it. */
interface NobleHash {
  update(data: Uint8Array): NobleHash;
  digest(): Uint8Array;
  clone(): NobleHash;
}

/** A noble hash function with its constructor of incremental states. */
interface NobleHashFn {
  (msg: Uint8Array): Uint8Array;
  create(): NobleHash;
  outputLen: number;
  blockLen: number;
}

const HASHES: Record<HashName, NobleHashFn> = {
  sha1: sha1 as unknown as NobleHashFn,
  sha256: sha256 as unknown as NobleHashFn,
  sha384: sha384 as unknown as NobleHashFn,
  sha512: sha512 as unknown as NobleHashFn,
};

/** Key and tag sizes of the AEADs (RFC 5116, RFC 8439). */
const AEAD_PARAMS: Record<AeadName, { keyLength: number; nonceLength: number; tagLength: number }> = {
  aes128gcm: { keyLength: 16, nonceLength: 12, tagLength: 16 },
  aes256gcm: { keyLength: 32, nonceLength: 12, tagLength: 16 },
  chacha20poly1305: { keyLength: 32, nonceLength: 12, tagLength: 16 },
};

/** The NIST curves of the key-exchange groups (RFC 8446 §4.2.7), with their field sizes. */
const NIST_GROUPS = {
  secp256r1: { curve: p256, tag: 'p256', fieldLen: 32 },
  secp384r1: { curve: p384, tag: 'p384', fieldLen: 48 },
  secp521r1: { curve: p521, tag: 'p521', fieldLen: 66 },
} as const;

/** Options of {@link NobleCryptoProvider}. */
export interface NobleCryptoProviderOptions {
  /** Where CPU cost goes (the device CPU model). */
  cost: CostSink;
  /** The device's seeded random stream. */
  random: RandomSource;
}

/** Thrown by {@link KeyShare.agree} when the peer's public value is invalid or the result is zero. */
export class InvalidKeyShareError extends Error {
  /** @param message why the peer's share was rejected */
  constructor(message: string) {
    super(message);
    this.name = 'InvalidKeyShareError';
  }
}

/** An incremental hash that charges its bytes as they are fed. */
class ChargedHashState implements HashState {
  constructor(
    private readonly name: HashName,
    private readonly inner: NobleHash,
    private readonly cost: CostSink,
  ) {}
  update(data: Uint8Array): HashState {
    this.cost.charge(this.name, data.length);
    this.inner.update(data);
    return this;
  }
  peek(): Uint8Array {
    // Finishing a copy of the state costs one final block.
    this.cost.charge(this.name, 0);
    return this.inner.clone().digest();
  }
  clone(): HashState {
    return new ChargedHashState(this.name, this.inner.clone(), this.cost);
  }
}

/** Constant-time comparison of two byte strings (length leaks, content does not). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * The CryptoProvider built on `@noble/hashes`, `@noble/ciphers` and `@noble/curves`.
 * Key shares validate the peer's point (on curve, uncompressed form for NIST curves) and
 * reject an all-zero X25519 result (RFC 8446 §7.4.2).
 */
export class NobleCryptoProvider implements CryptoProvider {
  /** Where CPU cost goes. */
  protected readonly cost: CostSink;
  /** The random source. */
  protected readonly source: RandomSource;

  /** @param opts the cost sink and the random source */
  constructor(opts: NobleCryptoProviderOptions) {
    this.cost = opts.cost;
    this.source = opts.random;
  }

  /** One-shot hash. */
  hash(name: HashName, data: Uint8Array): Uint8Array {
    this.cost.charge(name, data.length);
    return HASHES[name](data);
  }

  /** Output length of a hash in bytes. */
  hashLength(name: HashName): number {
    return HASHES[name].outputLen;
  }

  /** A new incremental hash state with peek and clone. */
  newHash(name: HashName): HashState {
    return new ChargedHashState(name, HASHES[name].create(), this.cost);
  }

  /** HMAC (RFC 2104): charges one `hmac` call plus the bytes the two hash passes process. */
  hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
    const h = HASHES[name];
    this.cost.charge('hmac');
    this.cost.charge(name, 2 * h.blockLen + data.length + h.outputLen);
    return hmac(h as unknown as CHash, key, data);
  }

  /** HKDF-Extract (RFC 5869 §2.2) = HMAC(salt, ikm); an empty salt is HashLen zeros. */
  hkdfExtract(name: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
    const s = salt.length === 0 ? new Uint8Array(this.hashLength(name)) : salt;
    return this.hmac(name, s, ikm);
  }

  /** HKDF-Expand (RFC 5869 §2.3), built from charged HMAC calls. */
  hkdfExpand(name: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    const hashLen = this.hashLength(name);
    if (length > 255 * hashLen) throw new RangeError('HKDF-Expand: length too large');
    const out = new Uint8Array(length);
    let prev: Uint8Array = new Uint8Array(0);
    let pos = 0;
    for (let i = 1; pos < length; i++) {
      const input = new Uint8Array(prev.length + info.length + 1);
      input.set(prev, 0);
      input.set(info, prev.length);
      input[input.length - 1] = i;
      prev = this.hmac(name, prk, input);
      const take = Math.min(hashLen, length - pos);
      out.set(prev.subarray(0, take), pos);
      pos += take;
    }
    return out;
  }

  /** An AEAD bound to a key; seal/open charge the bytes they process. */
  aead(name: AeadName, key: Uint8Array): Aead {
    const params = AEAD_PARAMS[name];
    if (key.length !== params.keyLength) throw new RangeError(`${name}: key must be ${params.keyLength} bytes`);
    const k = key.slice();
    const cost = this.cost;
    const make = name === 'chacha20poly1305'
      ? (nonce: Uint8Array, aad: Uint8Array) => chacha20poly1305(k, nonce, aad)
      : (nonce: Uint8Array, aad: Uint8Array) => gcm(k, nonce, aad);
    return {
      name,
      keyLength: params.keyLength,
      nonceLength: params.nonceLength,
      tagLength: params.tagLength,
      seal(nonce, aad, plaintext) {
        cost.charge(name, plaintext.length + aad.length);
        return make(nonce, aad).encrypt(plaintext);
      },
      open(nonce, aad, ciphertext) {
        cost.charge(name, ciphertext.length + aad.length);
        if (ciphertext.length < params.tagLength) return null;
        try {
          return make(nonce, aad).decrypt(ciphertext);
        } catch {
          return null;
        }
      },
    };
  }

  /** An AES-CBC cipher without padding (TLS 1.2 CBC suites pad themselves, RFC 5246 §6.2.3.2). */
  blockCipher(name: BlockCipherName, key: Uint8Array): BlockCipher {
    const keyLength = name === 'aes128cbc' ? 16 : 32;
    if (key.length !== keyLength) throw new RangeError(`${name}: key must be ${keyLength} bytes`);
    const k = key.slice();
    const cost = this.cost;
    return {
      name,
      keyLength,
      blockLength: 16,
      encrypt(iv, data) {
        cost.charge(name, data.length);
        return cbc(k, iv, { disablePadding: true }).encrypt(data);
      },
      decrypt(iv, data) {
        cost.charge(name, data.length);
        return cbc(k, iv, { disablePadding: true }).decrypt(data);
      },
    };
  }

  /** RSAES-PKCS1-v1_5 encryption with padding from the random source. */
  rsaEncrypt(key: PublicKey, message: Uint8Array): Uint8Array {
    return rsaEncryptPkcs1(key, message, this.cost, (n) => this.random(n));
  }

  /** RSADP; the caller checks the padding in constant time. */
  rsaDecryptRaw(key: PrivateKey, ciphertext: Uint8Array): Uint8Array | null {
    return rsaDecryptRaw(key, ciphertext, this.cost);
  }

  /** Generates an ephemeral key share from the random source. */
  generateKeyShare(group: GroupName): KeyShare {
    return this.keyShareFromPrivate(group, this.newPrivateScalar(group));
  }

  /** Draws a private scalar for a group (overridable by the deterministic provider). */
  protected newPrivateScalar(group: GroupName): Uint8Array {
    switch (group) {
      case 'x25519':
        // X25519 private keys are any 32 bytes (clamped by the function, RFC 7748 §5).
        return this.random(32);
      case 'secp256r1':
        return p256.utils.randomSecretKey(this.random(p256.lengths.seed ?? 48));
      case 'secp384r1':
        return p384.utils.randomSecretKey(this.random(p384.lengths.seed ?? 72));
      case 'secp521r1':
        return p521.utils.randomSecretKey(this.random(p521.lengths.seed ?? 98));
      case 'x448':
        // X448 private keys are any 56 bytes (clamped by the function, RFC 7748 §5).
        return this.random(56);
    }
  }

  /** Builds a key share around a known private key (used by the deterministic provider). */
  protected keyShareFromPrivate(group: GroupName, secret: Uint8Array): KeyShare {
    const cost = this.cost;
    const priv = secret.slice();
    let destroyed = false;
    const check = (): void => {
      if (destroyed) throw new Error('key share already destroyed');
    };
    if (group === 'x25519' || group === 'x448') {
      const fn = group === 'x25519' ? x25519 : x448;
      const size = group === 'x25519' ? 32 : 56;
      cost.charge(`${group}.keygen`);
      const publicKey = fn.getPublicKey(priv);
      return {
        group,
        publicKey,
        agree(peer: Uint8Array): Uint8Array {
          check();
          cost.charge(group);
          // RFC 8446 §4.2.8.2: X25519 public values are 32 bytes, X448 ones 56.
          if (peer.length !== size) throw new InvalidKeyShareError(`${group} public value must be ${size} bytes`);
          let shared: Uint8Array;
          try {
            shared = fn.getSharedSecret(priv, peer);
          } catch {
            throw new InvalidKeyShareError(`${group}: invalid public value`);
          }
          // RFC 8446 §7.4.2: for X25519 and X448, implementations MUST check whether the
          // computed Diffie-Hellman shared secret is the all-zero value and abort if so.
          let acc = 0;
          for (const b of shared) acc |= b;
          if (acc === 0) throw new InvalidKeyShareError(`${group}: all-zero shared secret`);
          return shared;
        },
        destroy() {
          priv.fill(0);
          destroyed = true;
        },
      };
    }
    const { curve, tag, fieldLen } = NIST_GROUPS[group];
    cost.charge(`${tag}.keygen`);
    const publicKey = curve.getPublicKey(priv, false);
    return {
      group,
      publicKey,
      agree(peer: Uint8Array): Uint8Array {
        check();
        cost.charge(`${tag}.ecdh`);
        // RFC 8446 §4.2.8.2: NIST-curve shares are UncompressedPointRepresentation
        // (legacy_form = 4); peers MUST validate the point (SP 800-56A partial validation).
        if (peer.length !== 1 + 2 * fieldLen || peer[0] !== 4) {
          throw new InvalidKeyShareError(`${group}: public value must be an uncompressed point`);
        }
        try {
          curve.Point.fromBytes(peer).assertValidity();
          return curve.getSharedSecret(priv, peer, true).slice(1, 1 + fieldLen);
        } catch {
          throw new InvalidKeyShareError(`${group}: invalid point`);
        }
      },
      destroy() {
        priv.fill(0);
        destroyed = true;
      },
    };
  }

  /** Signs with the scheme (delegates to the certificate module's signatures). */
  sign(scheme: SignatureScheme, key: PrivateKey, message: Uint8Array, opts?: { anyCurve?: boolean }): Uint8Array {
    return signMessage(scheme, key, message, this.cost, undefined, opts);
  }

  /** Verifies a signature (delegates to the certificate module's signatures). */
  verify(scheme: SignatureScheme, key: PublicKey, message: Uint8Array, signature: Uint8Array, opts?: { anyCurve?: boolean }): boolean {
    return verifyMessage(scheme, key, message, signature, this.cost, opts);
  }

  /** Random bytes from the device stream. */
  random(length: number): Uint8Array {
    this.cost.charge('random', length);
    const out = new Uint8Array(length);
    this.source.fill(out);
    return out;
  }

  /** Constant-time comparison. */
  equal(a: Uint8Array, b: Uint8Array): boolean {
    return constantTimeEqual(a, b);
  }
}

/** Fixed values a {@link DeterministicCryptoProvider} hands out, consumed in call order. */
export interface DeterministicValues {
  /** Each `random(n)` call takes the next entry, which must be exactly n bytes long. */
  randoms?: Uint8Array[];
  /** Each `generateKeyShare(group)` call takes the next private key listed for that group. */
  keySharePrivateKeys?: Partial<Record<GroupName, Uint8Array[]>>;
}

/**
 * A provider for replaying recorded traces (RFC 8448): random draws and ephemeral private keys
 * come from fixed lists, in order; when a list runs out it falls back to the random source.
 * Everything else (and every CPU charge) is the noble provider's.
 */
export class DeterministicCryptoProvider extends NobleCryptoProvider {
  private readonly randoms: Uint8Array[];
  private readonly privates: Partial<Record<GroupName, Uint8Array[]>>;

  /**
   * @param opts cost sink and fallback random source
   * @param values the fixed randoms and key-share private keys
   */
  constructor(opts: NobleCryptoProviderOptions, values: DeterministicValues) {
    super(opts);
    this.randoms = [...(values.randoms ?? [])];
    const privates: Partial<Record<GroupName, Uint8Array[]>> = {};
    for (const [g, list] of Object.entries(values.keySharePrivateKeys ?? {}) as [GroupName, Uint8Array[]][]) {
      privates[g] = [...list];
    }
    this.privates = privates;
  }

  override random(length: number): Uint8Array {
    const next = this.randoms.shift();
    if (next === undefined) return super.random(length);
    if (next.length !== length) {
      throw new Error(`DeterministicCryptoProvider: asked for ${length} random bytes, next fixed value has ${next.length}`);
    }
    this.cost.charge('random', length);
    return next.slice();
  }

  protected override newPrivateScalar(group: GroupName): Uint8Array {
    const next = this.privates[group]?.shift();
    return next === undefined ? super.newPrivateScalar(group) : next.slice();
  }
}

/** A cost sink that discards charges (for tools that do not model CPU). */
export const NULL_COST_SINK: CostSink = { charge() {} };

/** A cost sink that tallies charges per primitive (calls and bytes), for tests and benchmarks. */
export class TallyCostSink implements CostSink {
  /** Per primitive: number of charges and bytes charged. */
  readonly tally = new Map<string, { calls: number; bytes: number }>();
  charge(primitive: string, bytes?: number): void {
    const e = this.tally.get(primitive) ?? { calls: 0, bytes: 0 };
    e.calls++;
    e.bytes += bytes ?? 0;
    this.tally.set(primitive, e);
  }
}
