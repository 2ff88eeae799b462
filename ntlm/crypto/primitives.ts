/**
 * The NTLM crypto interface: the primitives MS-NLMP §6 names (MD4, MD5, HMAC_MD5, DES, RC4,
 * CRC32) and the device's random bytes, each charged to the device CPU model. This folder is
 * the only code of `ntlm/` that imports crypto libraries.
 *
 * - MD4 (RFC 1320): `js-md4`. MD5 (RFC 1321) and HMAC (RFC 2104): `@noble/hashes`.
 * - DES (FIPS 46-3, ECB, one block): `des.js`. CRC-32 (ISO 3309 / the IEEE 802.3 polynomial):
 *   `crc-32`.
 * - RC4: written here (no well-kept RC4 library in the package lists: `arc4` is little used and
 *   `rc4` is a random-number generator); see {@link Rc4}, with its known answers in the tests.
 */
import md4lib from 'js-md4';
import des from 'des.js';
import CRC32 from 'crc-32';
import { md5 as nobleMd5 } from '@noble/hashes/legacy.js';
import { hmac } from '@noble/hashes/hmac.js';

/** Where the cost of each primitive goes: the device CPU model (`device.cpu.charge`). */
export interface CostSink {
  /** Charges one call of `primitive` over `bytes` bytes. */
  charge(primitive: string, bytes?: number): unknown;
}

/** Where random bytes come from: the device's seeded stream (`device.rng`). */
export interface RandomSource {
  /** Fills `out` with random bytes and returns it. */
  fill(out: Uint8Array): Uint8Array;
}

/** A running RC4 keystream (MS-NLMP §6: `RC4Init`/`RC4`). */
export interface Rc4Handle {
  /** XORs `data` with the next `data.length` keystream bytes, returning a new array. */
  update(data: Uint8Array): Uint8Array;
  /** Overwrites the cipher state (a context's key material) with zeros. */
  wipe(): void;
}

/** The primitives of MS-NLMP §6 (Appendix: Cryptographic Operations Reference). */
export interface NtlmCrypto {
  /** MD4(M), 16 bytes. */
  md4(data: Uint8Array): Uint8Array;
  /** MD5(M), 16 bytes. */
  md5(data: Uint8Array): Uint8Array;
  /** HMAC_MD5(K, M), 16 bytes. */
  hmacMd5(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** DES(K, D): one 8-byte block under a 7-byte key (expanded to 8 with parity bits). */
  des(key7: Uint8Array, block: Uint8Array): Uint8Array;
  /** RC4Init(K). */
  rc4(key: Uint8Array): Rc4Handle;
  /** RC4K(K, D) = RC4(RC4Init(K), D), a fresh keystream. */
  rc4k(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** CRC32(M) as an unsigned 32-bit number. */
  crc32(data: Uint8Array): number;
  /** NONCE(N) / random session keys: N bytes of the device's random stream. */
  random(length: number): Uint8Array;
}

/** CPU cost model names of the NTLM primitives (entries of the profile's `cpu.costs`). */
export const NTLM_PRIMITIVES = ['md4', 'md5', 'hmac', 'des', 'rc4', 'crc32', 'random'] as const;

/**
 * Expands a 56-bit key (7 bytes) to the 8-byte DES key form, 7 key bits per byte with the low
 * bit left for parity (MS-NLMP §6 "DES(K, D)": "the 7-byte key K is expanded to 8 bytes").
 * The parity bit is set to odd parity, as Windows and Samba do (DES ignores it).
 */
export function expandDesKey(key7: Uint8Array): Uint8Array {
  const k = key7;
  const out = new Uint8Array(8);
  out[0] = k[0]! & 0xfe;
  out[1] = ((k[0]! << 7) | (k[1]! >> 1)) & 0xfe;
  out[2] = ((k[1]! << 6) | (k[2]! >> 2)) & 0xfe;
  out[3] = ((k[2]! << 5) | (k[3]! >> 3)) & 0xfe;
  out[4] = ((k[3]! << 4) | (k[4]! >> 4)) & 0xfe;
  out[5] = ((k[4]! << 3) | (k[5]! >> 5)) & 0xfe;
  out[6] = ((k[5]! << 2) | (k[6]! >> 6)) & 0xfe;
  out[7] = (k[6]! << 1) & 0xfe;
  for (let i = 0; i < 8; i++) {
    let b = out[i]!;
    let ones = 0;
    for (let j = 1; j < 8; j++) ones += (b >> j) & 1;
    if (ones % 2 === 0) b |= 1;
    out[i] = b;
  }
  return out;
}

/**
 * RC4 (the ARCFOUR stream cipher): key scheduling over a 256-byte permutation, then one
 * keystream byte per input byte. Keys of 1..256 bytes.
 */
export class Rc4 implements Rc4Handle {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  /** RC4Init(key). */
  constructor(key: Uint8Array) {
    if (key.length < 1 || key.length > 256) throw new RangeError(`RC4 key of ${key.length} bytes`);
    const s = this.s;
    for (let n = 0; n < 256; n++) s[n] = n;
    let j = 0;
    for (let n = 0; n < 256; n++) {
      j = (j + s[n]! + key[n % key.length]!) & 0xff;
      const t = s[n]!;
      s[n] = s[j]!;
      s[j] = t;
    }
  }

  /** XORs `data` with the keystream. */
  update(data: Uint8Array): Uint8Array {
    const s = this.s;
    const out = new Uint8Array(data.length);
    let { i, j } = this;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]!) & 0xff;
      const t = s[i]!;
      s[i] = s[j]!;
      s[j] = t;
      out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
    }
    this.i = i;
    this.j = j;
    return out;
  }

  /** Zeroes the permutation and indices. */
  wipe(): void {
    this.s.fill(0);
    this.i = 0;
    this.j = 0;
  }
}

/** An RC4 handle that charges the CPU model for each byte it processes. */
class ChargedRc4 implements Rc4Handle {
  constructor(
    private readonly inner: Rc4,
    private readonly cost: CostSink,
  ) {}
  update(data: Uint8Array): Uint8Array {
    this.cost.charge('rc4', data.length);
    return this.inner.update(data);
  }
  wipe(): void {
    this.inner.wipe();
  }
}

/** Options of {@link createNtlmCrypto}. */
export interface NtlmCryptoOptions {
  /** Where CPU cost goes. */
  cost: CostSink;
  /** Where random bytes come from. */
  random: RandomSource;
}

const MD5_BLOCK = 64;

/** The NTLM primitives over the libraries above, charging `cost` for every call. */
export function createNtlmCrypto(opts: NtlmCryptoOptions): NtlmCrypto {
  const { cost, random } = opts;
  return {
    md4(data) {
      cost.charge('md4', data.length);
      return new Uint8Array(md4lib.arrayBuffer(data));
    },
    md5(data) {
      cost.charge('md5', data.length);
      return nobleMd5(data);
    },
    hmacMd5(key, data) {
      // As the TLS provider: one hmac call plus the bytes of the two MD5 passes.
      cost.charge('hmac');
      cost.charge('md5', 2 * MD5_BLOCK + data.length + 16);
      return hmac(nobleMd5, key, data);
    },
    des(key7, block) {
      if (key7.length !== 7 || block.length !== 8) throw new RangeError('DES takes a 7-byte key and an 8-byte block');
      cost.charge('des', 8);
      const c = des.DES.create({ type: 'encrypt', key: expandDesKey(key7), padding: false });
      return Uint8Array.from(c.update(block).concat(c.final()));
    },
    rc4(key) {
      cost.charge('rc4.init', key.length);
      return new ChargedRc4(new Rc4(key), cost);
    },
    rc4k(key, data) {
      cost.charge('rc4.init', key.length);
      cost.charge('rc4', data.length);
      const r = new Rc4(key);
      const out = r.update(data);
      r.wipe();
      return out;
    },
    crc32(data) {
      cost.charge('crc32', data.length);
      return CRC32.buf(data) >>> 0;
    },
    random(length) {
      cost.charge('random', length);
      return random.fill(new Uint8Array(length));
    },
  };
}
