/**
 * The device's seeded random stream: ChaCha20 (RFC 8439) keystream keyed by SHA-256 of the seed.
 *
 * Everything random on a device (client randoms, key shares, forced-failure dice) draws from
 * one of these, so a run is reproducible from its seed. `derive(label)` gives independent
 * child streams, so adding a consumer of one stream does not shift another's bytes.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** A seed: bytes as given, a string as UTF-8, a number as the UTF-8 of its decimal form. */
export type Seed = number | string | Uint8Array;

const encoder = new TextEncoder();

/** The bytes a seed stands for (see {@link Seed}). */
export function seedBytes(seed: Seed): Uint8Array {
  if (seed instanceof Uint8Array) return seed;
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new RangeError(`seed: expected a finite number, got ${seed}`);
    return encoder.encode(String(seed));
  }
  return encoder.encode(seed);
}

/** Keystream bytes produced per refill (16 ChaCha20 blocks). */
const REFILL_BYTES = 1024;
const BLOCKS_PER_REFILL = REFILL_BYTES / 64;
/** ChaCha20 is applied to zeros to get the bare keystream; one shared, never-written input. */
const ZEROS = new Uint8Array(REFILL_BYTES);
/** RFC 8439 §2.3: the block counter is 32 bits; before it wraps we move to the next nonce. */
const COUNTER_LIMIT = 0x1_0000_0000 - BLOCKS_PER_REFILL;

/**
 * A deterministic random stream: the RFC 8439 ChaCha20 keystream under key SHA-256(seed),
 * nonce 0 (the nonce's last 8 bytes count 2^32-block epochs).
 */
export class SeededRandom {
  private readonly key: Uint8Array;
  private readonly nonce = new Uint8Array(12);
  // Made on first use, so idle devices' streams cost no keystream buffer.
  private buf: Uint8Array = ZEROS;
  private pos = REFILL_BYTES;
  private counter = 0;
  private epoch = 0;

  /** A stream from a seed; `SeededRandom.fromKey` builds one from a 32-byte key directly. */
  constructor(seed: Seed = 0) {
    this.key = sha256(seedBytes(seed));
  }

  /** A stream keyed by exactly these 32 bytes (no hashing). */
  static fromKey(key: Uint8Array): SeededRandom {
    if (key.length !== 32) throw new RangeError(`key: expected 32 bytes, got ${key.length}`);
    const r = new SeededRandom(0);
    r.key.set(key);
    return r;
  }

  private refill(): void {
    if (this.counter >= COUNTER_LIMIT) {
      this.counter = 0;
      this.epoch++;
      new DataView(this.nonce.buffer).setUint32(4, this.epoch >>> 0, true);
      new DataView(this.nonce.buffer).setUint32(8, Math.floor(this.epoch / 0x1_0000_0000), true);
    }
    if (this.buf === ZEROS) this.buf = new Uint8Array(REFILL_BYTES);
    chacha20(this.key, this.nonce, ZEROS, this.buf, this.counter);
    this.counter += BLOCKS_PER_REFILL;
    this.pos = 0;
  }

  /** Fills `out` with the next bytes of the stream and returns it. */
  fill(out: Uint8Array): Uint8Array {
    let off = 0;
    while (off < out.length) {
      if (this.pos === REFILL_BYTES) this.refill();
      const n = Math.min(out.length - off, REFILL_BYTES - this.pos);
      out.set(this.buf.subarray(this.pos, this.pos + n), off);
      this.pos += n;
      off += n;
    }
    return out;
  }

  /** The next `n` bytes of the stream. */
  bytes(n: number): Uint8Array {
    return this.fill(new Uint8Array(n));
  }

  /** The next 32-bit unsigned integer (little-endian from the stream). */
  u32(): number {
    if (REFILL_BYTES - this.pos < 4) {
      const b = this.bytes(4);
      return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
    }
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** A float in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.u32() >>> 5; // 27 bits
    const lo = this.u32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, maxExclusive), without modulo bias (rejection sampling). */
  int(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0 || maxExclusive > 2 ** 53) {
      throw new RangeError(`maxExclusive: expected an integer in 1..2^53, got ${maxExclusive}`);
    }
    if (maxExclusive <= 0x1_0000_0000) {
      const limit = 0x1_0000_0000 - (0x1_0000_0000 % maxExclusive);
      for (;;) {
        const v = this.u32();
        if (v < limit) return v % maxExclusive;
      }
    }
    for (;;) {
      const v = this.float() * 9007199254740992; // 53-bit integer
      const limit = 9007199254740992 - (9007199254740992 % maxExclusive);
      if (v < limit) return v % maxExclusive;
    }
  }

  /**
   * An independent child stream named by `label`: key = SHA-256(parent key ‖ 0x00 ‖ label).
   * Deriving does not consume bytes from this stream.
   */
  derive(label: string): SeededRandom {
    const l = encoder.encode(label);
    const input = new Uint8Array(32 + 1 + l.length);
    input.set(this.key, 0);
    input.set(l, 33);
    return SeededRandom.fromKey(sha256(input));
  }
}
