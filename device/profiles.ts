/**
 * Device profiles: the built-in CE 2.10 devices and validation of custom ones from JSON.
 *
 * Every figure of a built-in profile names its source in a comment and in `profile.sources`;
 * the figures are those of `shared/reference/device-profiles.md` §6 and §7 ("the reference").
 */
import { readFileSync } from 'node:fs';
import type {
  BucketProfile,
  ClockProfile,
  CpuProfile,
  DeviceProfile,
  PoolPolicy,
  PoolProfile,
  PrimitiveCost,
} from './types.js';

/** Thrown by {@link loadProfile} when a field is bad; the message starts with the field's path. */
export class ProfileError extends Error {
  /** The bad field's path, e.g. `pools[1].buckets[0].blockSize`. */
  readonly field: string;
  /** A validation error for `field`. */
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ProfileError';
    this.field = field;
  }
}

const M = 1_000_000;

/**
 * The security packages of a CE image with Security.dll, as its registry lists them under
 * `HKLM\\Comm\\SecurityProviders`: Schannel ships in every such image (`schannel.dll`), and so
 * does the NTLM package (`ntlmssp.dll`) that the CE 2.10 `InitializeSecurityContext` page takes as
 * its three-leg example, and the Negotiate package (`spnego.dll`, the name CE 5.0's "Authentication
 * Services Registry Settings" give it in the default `Providers` list, after the other two; CE 2.10
 * itself predates it, cesim's images carry it so that a program can ask for "Negotiate"). A package
 * that cesim adds is one more name here (the module that implements it registers itself under that
 * DLL name when it is imported: `cesim/schannel`, `cesim/ntlm`, `cesim/negotiate`). Every built-in
 * profile carries this list, and so does a profile that names none.
 */
export const CE_IMAGE_SECURITY_PACKAGES: readonly string[] = Object.freeze(['schannel.dll', 'ntlmssp.dll', 'spnego.dll']);

/**
 * The CPU of both built-in profiles: NEC VR4121-class MIPS at 131 MHz, portable 1998-style C
 * crypto, no FPU, no crypto hardware. Costs from the reference §7.2 ("Default" column) unless a
 * comment says the figure is scaled; stack figures are modelled (see each comment).
 */
function vr4121(): CpuProfile {
  const costs: Record<string, PrimitiveCost> = {
    // Hashes, cycles per byte. §7.2: SHA-1 40, SHA-256 100, MD5 23 cyc/B (ranges 35–64, 59–131, 22–23;
    // wolfSSL, OpenWrt MIPS32, SSLeay R4400). Stack: the message schedule (W[16..80]) and state.
    sha1: { cyclesPerByte: 40, stackBytes: 384 },
    sha256: { cyclesPerByte: 100, stackBytes: 384 },
    md5: { cyclesPerByte: 23, stackBytes: 256 },
    // SHA-384/512: not in §7.2. Scaled: 64-bit words done as 32-bit pairs on a 32-bit MIPS; OpenSSL on
    // 32-bit cores reports SHA-512 at about 1.5–2× SHA-256's cycles per byte. 1.6 × 100 chosen.
    sha384: { cyclesPerByte: 160, stackBytes: 768 },
    sha512: { cyclesPerByte: 160, stackBytes: 768 },
    // HMAC fixed cost per call: the ipad and opad blocks, two SHA-256 compressions of 64 bytes
    // (RFC 2104 §2); the message itself is charged as the hash primitive.
    hmac: { cycles: 2 * 64 * 100, stackBytes: 512 },
    // AEADs per byte. §7.2: AES-128 T-table 80 cyc/B + 4-bit-table GHASH 70 cyc/B = 150.
    aes128gcm: { cyclesPerByte: 150, stackBytes: 640 },
    // AES-256: 14 rounds instead of 10 (FIPS 197 §5), 80 × 1.4 = 112, + GHASH 70.
    aes256gcm: { cyclesPerByte: 182, stackBytes: 640 },
    // AES-CBC (TLS 1.2 CBC suites): the AES T-table cost alone, 80 cyc/B (§7.2), ×1.4 for AES-256;
    // the record MAC is charged as hmac + hash.
    aes128cbc: { cyclesPerByte: 80, stackBytes: 512 },
    aes256cbc: { cyclesPerByte: 112, stackBytes: 512 },
    // §7.2: ChaCha20 27 + Poly1305 11 cyc/B (wolfSSL STM32: 27 / 11 / AEAD 44).
    chacha20poly1305: { cyclesPerByte: 38, stackBytes: 512 },
    // Random bytes: the device DRBG is ChaCha20, 27 cyc/B (§7.2).
    random: { cyclesPerByte: 27, stackBytes: 256 },
    // §7.2: X25519 5 Mcyc (0.55 asm … 55 small C). Keygen is the same scalar multiplication.
    // Stack: a few 32-byte field elements and the ladder state, ~1 KB in portable C.
    'x25519.keygen': { cycles: 5 * M, stackBytes: 1024 },
    x25519: { cycles: 5 * M, stackBytes: 1024 },
    // §7.2: P-256 keygen / ECDH 35 / 35 Mcyc, ECDSA sign / verify 35 / 45 Mcyc. Stack: p256-m
    // needs 564–752 B; portable bignum C 1–2 KB.
    'p256.keygen': { cycles: 35 * M, stackBytes: 1536 },
    'p256.ecdh': { cycles: 35 * M, stackBytes: 1536 },
    'p256.sign': { cycles: 35 * M, stackBytes: 1792 },
    'p256.verify': { cycles: 45 * M, stackBytes: 2048 },
    // P-384: not in §7.2. Scaled from P-256: field multiplications (384/256)² = 2.25× and 1.5× as
    // many doublings, ≈ 3.375×.
    'p384.keygen': { cycles: 118 * M, stackBytes: 2304 },
    'p384.ecdh': { cycles: 118 * M, stackBytes: 2304 },
    'p384.sign': { cycles: 118 * M, stackBytes: 2560 },
    'p384.verify': { cycles: 152 * M, stackBytes: 3072 },
    // P-521: not in §7.2. Scaled from P-256 the same way: (521/256)² ≈ 4.14× per field
    // multiplication and 2.04× as many doublings, ≈ 8.4×.
    'p521.keygen': { cycles: 295 * M, stackBytes: 3072 },
    'p521.ecdh': { cycles: 295 * M, stackBytes: 3072 },
    // X448: not in §7.2. Scaled from X25519: (448/255)² ≈ 3.1× per field multiplication and
    // 1.76× as many ladder steps (RFC 7748 §5), ≈ 5.4×.
    'x448.keygen': { cycles: 27 * M, stackBytes: 1536 },
    x448: { cycles: 27 * M, stackBytes: 1536 },
    // §7.2: Ed25519 sign / verify 3 / 6 Mcyc (1.3–57 / 2.9–118, wolfSSL STM32).
    'ed25519.sign': { cycles: 3 * M, stackBytes: 1536 },
    'ed25519.verify': { cycles: 6 * M, stackBytes: 2048 },
    // A WebAssembly (C) process's call into coredll, Winsock or Security.dll: CE routes it through
    // a PSL trap into the server process and back. Not in the reference; modelled at 300 cycles
    // (a kernel trap, argument checks and the return on a 131 MHz MIPS, ~2.3 µs). The C code's
    // own work between calls is `c.code` below.
    'win32.call': { cycles: 300 },
    // The C code's own work, per block executed (a function entry or a loop iteration, counted by
    // binaryen's --log-execution instrumentation that `cesim cc` applies). Not in the reference;
    // modelled at 12 cycles a block: a loop body or a call's prologue of compiled C is typically
    // 8–16 MIPS instructions at about one instruction a cycle on the VR4121's single-issue pipeline.
    'c.code': { cyclesPerByte: 12 },
    // §7.2: RSA-2048 public (e=65537) 4 Mcyc, private (CRT) 150 Mcyc. Stack: wolfSSL's
    // "Resource Use" RSA-2048 figures, stack 7–13 KB; private 7 KB, public 2 KB modelled.
    'rsa2048.public': { cycles: 4 * M, stackBytes: 2048 },
    'rsa2048.private': { cycles: 150 * M, stackBytes: 7168 },
    // RSA-3072/4096: not in §7.2. Scaled from RSA-2048: public with fixed e grows as n² (×2.25, ×4),
    // private as n³ (×3.375, ×8).
    'rsa3072.public': { cycles: 9 * M, stackBytes: 2560 },
    'rsa3072.private': { cycles: 506 * M, stackBytes: 8704 },
    'rsa4096.public': { cycles: 16 * M, stackBytes: 3072 },
    'rsa4096.private': { cycles: 1200 * M, stackBytes: 10240 },
    // §7.2: RSA-1024 public / private 1.1 / 25 Mcyc (SSLeay 1996: 41 Mcyc on R4400).
    'rsa1024.public': { cycles: 1.1 * M, stackBytes: 1536 },
    'rsa1024.private': { cycles: 25 * M, stackBytes: 4096 },
    // Single ciphers, §7.2: AES-128 80, GHASH 70, ChaCha20 27, Poly1305 11, RC4 28, 3DES 350 cyc/B.
    aes128: { cyclesPerByte: 80, stackBytes: 384 },
    aes256: { cyclesPerByte: 112, stackBytes: 384 },
    ghash: { cyclesPerByte: 70, stackBytes: 384 },
    chacha20: { cyclesPerByte: 27, stackBytes: 256 },
    poly1305: { cyclesPerByte: 11, stackBytes: 256 },
    rc4: { cyclesPerByte: 28, stackBytes: 320 },
    '3des': { cyclesPerByte: 350, stackBytes: 384 },
    // NTLM's primitives (MS-NLMP §6). MD4: MD5's 23 cyc/B × 3/4 (three rounds of 16 steps instead
    // of four). DES: a third of 3DES per byte plus the 16-round key schedule per call (one block
    // per call in NTLM). CRC-32: table-driven, one load, shift and xor per byte. RC4 key setup:
    // 256 swaps at about 10 cycles. All scaled from §7.2's figures; assumptions.
    md4: { cyclesPerByte: 17, stackBytes: 256 },
    des: { cycles: 1_500, cyclesPerByte: 117, stackBytes: 384 },
    crc32: { cyclesPerByte: 8, stackBytes: 64 },
    'rc4.init': { cycles: 2_600, stackBytes: 320 },
    // §7.2: fixed per-message overhead 20k cycles (an assumption of the reference).
    message: { cycles: 20_000, stackBytes: 512 },
  };
  return { name: 'NEC VR4121', mhz: 131, costs };
}

/** Sources shared by the built-in profiles, keyed by field path. */
const COMMON_SOURCES: Record<string, string> = {
  cpu: 'device-profiles.md §7.2: NEC VR4121-class MIPS @ 131 MHz; costs from the "Default" column',
  'cpu.costs.sha384': 'scaled from sha256 (64-bit words on a 32-bit core, ~1.6x), assumption',
  'cpu.costs.p384': 'scaled from P-256 by 3.375x (field size squared x doublings), assumption',
  'cpu.costs.p521': 'scaled from P-256 by 8.4x (field size squared x doublings), assumption',
  'cpu.costs.x448': 'scaled from X25519 by 5.4x (field size squared x ladder steps), assumption',
  'cpu.costs.rsa3072/4096': 'scaled from RSA-2048: public n^2, private n^3, assumption',
  'cpu.costs.md4/des/crc32/rc4.init': 'scaled from md5 and 3des of §7.2 (NTLM primitives), assumption',
  'cpu.costs.*.stackBytes': 'modelled; RSA from wolfSSL Resource Use (RSA-2048 stack 7-13k), P-256 from p256-m (564-752 B) and portable C',
  heapBytes: 'device-profiles.md §6: CE heap 384 KB initial reserve (MS docs)',
  stackBytes: 'device-profiles.md §6: CE stack 64 KB default, 2 KB guard (MS docs)',
  'pools.*.overheadBytes': 'device-profiles.md §6: wolfSSL per-block overhead 16 B on 32-bit (memory.c)',
  'pools.*.align': 'device-profiles.md §7.1: pools 16-byte aligned',
  'pools.*.policy': "device-profiles.md §7.1: keep wolfSSL's rule (smallest free bucket that fits, fall through)",
  clock: 'cesim default: boot 2026-01-01T00:00:00Z, UTC',
};

function clock(): ClockProfile {
  return { bootTimeUtc: '2026-01-01T00:00:00Z', utcOffsetMinutes: 0, timeZoneName: 'Coordinated Universal Time' };
}

function pool(name: string, buckets: [number, number][]): PoolProfile {
  return {
    name,
    buckets: buckets.map(([blockSize, count]) => ({ blockSize, count })),
    policy: 'fallthrough',
    overheadBytes: 16, // wolfSSL per-block overhead on 32-bit (reference §6)
    align: 16, // reference §7.1
  };
}

/**
 * `ce210-handheld`: a Jornada-680-class H/PC, 16 MB RAM (8 MB program memory), reference §7.1.
 * Pools for two connections with at most one concurrent handshake, ≈ 87 KB.
 */
function ce210Handheld(): DeviceProfile {
  return {
    name: 'ce210-handheld',
    description: 'Windows CE 2.10 H/PC (Jornada-680 class): 16 MB RAM, NEC VR4121 @ 131 MHz, two TLS connections',
    ramBytes: 16 * 1024 * 1024, // §6: CE 2.x devices 8–16 MB; §7.1 Jornada-680 class 16 MB
    heapBytes: 393216, // §6: 384 KB initial heap reserve
    stackBytes: 65536, // §6: 64 KB default thread stack
    cpu: vr4121(),
    clock: clock(),
    securityPackages: [...CE_IMAGE_SECURITY_PACKAGES],
    pools: [
      // §7.1 token pool: ISC_REQ_ALLOCATE_MEMORY outputs, ≈ 10.7 KB.
      pool('token', [[64, 4], [512, 4], [2048, 2], [4096, 1]]),
      // §7.1 general pool: handshake scratch, contexts, certs, bignums, ≈ 38.6 KB.
      pool('general', [[64, 32], [128, 16], [256, 12], [512, 10], [1024, 6], [2432, 4], [4544, 2]]),
      // §7.1 io pool: 2,133-byte output (2048 + 85) ×2 and 16,709-byte input (BearSSL) ×2, ≈ 37.7 KB.
      pool('io', [[2133, 2], [16709, 2]]),
    ],
    sources: {
      ...COMMON_SOURCES,
      ramBytes: 'device-profiles.md §7.1: Jornada-680-class device, 16 MB RAM',
      'pools.token': 'device-profiles.md §7.1 table, row "token": 64x4, 512x4, 2048x2, 4096x1',
      'pools.general': 'device-profiles.md §7.1 table, row "general": 64x32, 128x16, 256x12, 512x10, 1024x6, 2432x4, 4544x2',
      'pools.io': 'device-profiles.md §7.1 table, row "io": 16,709 (in) x2, 2,133 (out, 2048+85) x2; BearSSL bearssl_ssl.h',
    },
  };
}

/** `ce210-tight`: an 8 MB Palm-size PC, one connection, ≈ 56 KB of pools (reference §7.1, last paragraph). */
function ce210Tight(): DeviceProfile {
  return {
    name: 'ce210-tight',
    description: 'Windows CE 2.10 Palm-size PC: 8 MB RAM, NEC VR4121 @ 131 MHz, one TLS connection',
    ramBytes: 8 * 1024 * 1024, // §7.1: "a tight variant for an 8 MB Palm-size PC"
    heapBytes: 393216,
    stackBytes: 65536,
    cpu: vr4121(),
    clock: clock(),
    securityPackages: [...CE_IMAGE_SECURITY_PACKAGES],
    pools: [
      pool('token', [[64, 2], [512, 2], [2048, 1]]), // §7.1: token 64×2/512×2/2048×1
      pool('general', [[64, 32], [128, 16], [256, 12], [512, 10], [1024, 6], [2432, 4], [4544, 1]]), // "general as above minus 4544×1"
      pool('io', [[2133, 1], [16709, 1]]), // "IO 16,709 + 2,133"
    ],
    sources: {
      ...COMMON_SOURCES,
      ramBytes: 'device-profiles.md §7.1: tight variant for an 8 MB Palm-size PC',
      'pools.token': 'device-profiles.md §7.1 tight variant: token 64x2/512x2/2048x1',
      'pools.general': 'device-profiles.md §7.1 tight variant: general as ce210-handheld minus 4544x1',
      'pools.io': 'device-profiles.md §7.1 tight variant: IO 16,709 + 2,133',
    },
  };
}

/** The built-in profiles by name. Each call of {@link getProfile} returns a fresh copy. */
export const BUILTIN_PROFILES: Readonly<Record<string, DeviceProfile>> = Object.freeze({
  'ce210-handheld': ce210Handheld(),
  'ce210-tight': ce210Tight(),
});

/** A deep copy of a built-in profile; throws a `ProfileError` naming the unknown profile. */
export function getProfile(name: string): DeviceProfile {
  const p = BUILTIN_PROFILES[name];
  if (!p) {
    throw new ProfileError('name', `unknown built-in profile ${JSON.stringify(name)} (known: ${Object.keys(BUILTIN_PROFILES).join(', ')})`);
  }
  return structuredClone(p);
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (!isRecord(v)) throw new ProfileError(field, `expected an object, got ${show(v)}`);
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new ProfileError(field, `expected a non-empty string, got ${show(v)}`);
  return v;
}

function posInt(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new ProfileError(field, `expected a positive integer, got ${show(v)}`);
  }
  return v;
}

function nonNegInt(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new ProfileError(field, `expected a non-negative integer, got ${show(v)}`);
  }
  return v;
}

function nonNegNum(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ProfileError(field, `expected a non-negative number, got ${show(v)}`);
  }
  return v;
}

function validateCpu(v: unknown, field: string): CpuProfile {
  const o = obj(v, field);
  const name = str(o.name, `${field}.name`);
  if (typeof o.mhz !== 'number' || !Number.isFinite(o.mhz) || o.mhz <= 0) {
    throw new ProfileError(`${field}.mhz`, `expected a positive number, got ${show(o.mhz)}`);
  }
  const costsIn = obj(o.costs, `${field}.costs`);
  const costs: Record<string, PrimitiveCost> = {};
  for (const [k, cv] of Object.entries(costsIn)) {
    const f = `${field}.costs[${JSON.stringify(k)}]`;
    const c = obj(cv, f);
    const out: PrimitiveCost = {};
    for (const key of Object.keys(c)) {
      if (key !== 'cycles' && key !== 'cyclesPerByte' && key !== 'stackBytes') {
        throw new ProfileError(`${f}.${key}`, 'unknown field (expected cycles, cyclesPerByte, stackBytes)');
      }
    }
    if (c.cycles !== undefined) out.cycles = nonNegNum(c.cycles, `${f}.cycles`);
    if (c.cyclesPerByte !== undefined) out.cyclesPerByte = nonNegNum(c.cyclesPerByte, `${f}.cyclesPerByte`);
    if (c.stackBytes !== undefined) out.stackBytes = nonNegInt(c.stackBytes, `${f}.stackBytes`);
    costs[k] = out;
  }
  return { name, mhz: o.mhz, costs };
}

function validateClock(v: unknown, field: string): ClockProfile {
  const o = obj(v, field);
  const bootTimeUtc = str(o.bootTimeUtc, `${field}.bootTimeUtc`);
  // ISO 8601 with an explicit zone, so the boot instant does not depend on the host's zone.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(bootTimeUtc) || Number.isNaN(Date.parse(bootTimeUtc))) {
    throw new ProfileError(`${field}.bootTimeUtc`, `expected an ISO 8601 time with a zone (e.g. 2026-01-01T00:00:00Z), got ${show(bootTimeUtc)}`);
  }
  if (Date.parse(bootTimeUtc) < Date.UTC(1601, 0, 1)) {
    throw new ProfileError(`${field}.bootTimeUtc`, `expected a time after 1601-01-01 (the FILETIME epoch), got ${show(bootTimeUtc)}`);
  }
  const off = o.utcOffsetMinutes;
  if (typeof off !== 'number' || !Number.isInteger(off) || off < -14 * 60 || off > 14 * 60) {
    throw new ProfileError(`${field}.utcOffsetMinutes`, `expected an integer in -840..840, got ${show(off)}`);
  }
  const timeZoneName = o.timeZoneName === undefined ? (off === 0 ? 'Coordinated Universal Time' : `UTC${off < 0 ? '-' : '+'}${fmtOff(Math.abs(off))}`) : str(o.timeZoneName, `${field}.timeZoneName`);
  return { bootTimeUtc, utcOffsetMinutes: off, timeZoneName };
}

function fmtOff(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

function validateBucket(v: unknown, field: string): BucketProfile {
  const o = obj(v, field);
  return { blockSize: posInt(o.blockSize, `${field}.blockSize`), count: posInt(o.count, `${field}.count`) };
}

function validatePool(v: unknown, field: string): PoolProfile {
  const o = obj(v, field);
  const name = str(o.name, `${field}.name`);
  if (name === 'heap') throw new ProfileError(`${field}.name`, '"heap" is reserved for the process heaps');
  if (!Array.isArray(o.buckets) || o.buckets.length === 0) {
    throw new ProfileError(`${field}.buckets`, `expected a non-empty array, got ${show(o.buckets)}`);
  }
  const buckets = o.buckets.map((b: unknown, i: number) => validateBucket(b, `${field}.buckets[${i}]`));
  for (let i = 1; i < buckets.length; i++) {
    // wolfSSL's static memory wants its bucket sizes ascending; the fall-through rule depends on it.
    if (buckets[i]!.blockSize <= buckets[i - 1]!.blockSize) {
      throw new ProfileError(`${field}.buckets[${i}].blockSize`, `expected larger than the previous bucket's ${buckets[i - 1]!.blockSize}, got ${buckets[i]!.blockSize}`);
    }
  }
  let policy: PoolPolicy = 'fallthrough';
  if (o.policy !== undefined) {
    if (o.policy !== 'fallthrough' && o.policy !== 'strict') {
      throw new ProfileError(`${field}.policy`, `expected "fallthrough" or "strict", got ${show(o.policy)}`);
    }
    policy = o.policy;
  }
  const overheadBytes = o.overheadBytes === undefined ? 16 : nonNegInt(o.overheadBytes, `${field}.overheadBytes`);
  const align = o.align === undefined ? 16 : posInt(o.align, `${field}.align`);
  if ((align & (align - 1)) !== 0) throw new ProfileError(`${field}.align`, `expected a power of two, got ${align}`);
  if (overheadBytes % align !== 0 && overheadBytes !== 0) {
    throw new ProfileError(`${field}.overheadBytes`, `expected a multiple of align (${align}) so blocks stay aligned, got ${overheadBytes}`);
  }
  return { name, buckets, policy, overheadBytes, align };
}

function validatePackages(v: unknown, field: string): string[] {
  if (!Array.isArray(v)) throw new ProfileError(field, `expected an array of DLL names (e.g. ["schannel.dll"]), got ${show(v)}`);
  const seen = new Set<string>();
  return v.map((d: unknown, i: number) => {
    const name = str(d, `${field}[${i}]`);
    // One registry subkey per DLL (SecurityProviders\NAME), so names must be usable as a key.
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new ProfileError(`${field}[${i}]`, `expected a DLL file name (letters, digits, . _ -), got ${show(name)}`);
    const key = name.replace(/\.dll$/i, '').toLowerCase();
    if (seen.has(key)) throw new ProfileError(`${field}[${i}]`, `${show(name)} is listed twice`);
    seen.add(key);
    return name;
  });
}

/**
 * Validates a profile given as parsed JSON and returns it with defaults filled in.
 * `{ "extends": "ce210-handheld", ... }` starts from a built-in profile: top-level fields given
 * replace the built-in's, and `cpu.costs` entries are merged into the built-in's table;
 * `securityPackages` replaces the image's package list (leave Schannel out, add your own DLL).
 * Throws a {@link ProfileError} whose message starts with the bad field's path.
 */
export function loadProfile(json: unknown): DeviceProfile {
  let o = obj(json, 'profile');
  if (o.extends !== undefined) {
    const baseName = str(o.extends, 'extends');
    if (!BUILTIN_PROFILES[baseName]) throw new ProfileError('extends', `unknown built-in profile ${show(baseName)}`);
    const base = getProfile(baseName) as unknown as Record<string, unknown>;
    const merged: Record<string, unknown> = { ...base, ...o, sources: { ...(base.sources as object), ...(isRecord(o.sources) ? o.sources : {}) } };
    if (isRecord(o.cpu)) {
      const baseCpu = base.cpu as Record<string, unknown>;
      merged.cpu = { ...baseCpu, ...o.cpu, costs: { ...(baseCpu.costs as object), ...(isRecord(o.cpu.costs) ? o.cpu.costs : {}) } };
    }
    if (isRecord(o.clock)) merged.clock = { ...(base.clock as object), ...o.clock };
    delete merged.extends;
    o = merged;
  }
  const known = new Set(['name', 'description', 'ramBytes', 'heapBytes', 'stackBytes', 'stackCheck', 'cpu', 'clock', 'pools', 'securityPackages', 'sources']);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new ProfileError(k, 'unknown field');
  const name = str(o.name, 'name');
  const description = o.description === undefined ? name : str(o.description, 'description');
  const ramBytes = posInt(o.ramBytes, 'ramBytes');
  const heapBytes = o.heapBytes === undefined ? 393216 : posInt(o.heapBytes, 'heapBytes');
  if (heapBytes % 8 !== 0) throw new ProfileError('heapBytes', `expected a multiple of 8 (the heap's granularity), got ${heapBytes}`);
  if (heapBytes > 0x00e00000) throw new ProfileError('heapBytes', `expected at most 14 MB (it must fit the 32 MB process slot), got ${heapBytes}`);
  const stackBytes = o.stackBytes === undefined ? 65536 : posInt(o.stackBytes, 'stackBytes');
  const cpu = validateCpu(o.cpu, 'cpu');
  const clk = o.clock === undefined ? clock() : validateClock(o.clock, 'clock');
  if (!Array.isArray(o.pools)) throw new ProfileError('pools', `expected an array, got ${show(o.pools)}`);
  const pools = o.pools.map((p: unknown, i: number) => validatePool(p, `pools[${i}]`));
  const seen = new Set<string>();
  pools.forEach((p, i) => {
    if (seen.has(p.name)) throw new ProfileError(`pools[${i}].name`, `duplicate pool name ${show(p.name)}`);
    seen.add(p.name);
  });
  let sources: Record<string, string> | undefined;
  if (o.sources !== undefined) {
    const so = obj(o.sources, 'sources');
    sources = {};
    for (const [k, v] of Object.entries(so)) sources[k] = str(v, `sources[${JSON.stringify(k)}]`);
  }
  const securityPackages = o.securityPackages === undefined ? [...CE_IMAGE_SECURITY_PACKAGES] : validatePackages(o.securityPackages, 'securityPackages');
  const profile: DeviceProfile = { name, description, ramBytes, heapBytes, stackBytes, cpu, clock: clk, pools, securityPackages };
  if (o.stackCheck !== undefined) {
    if (typeof o.stackCheck !== 'boolean') throw new ProfileError('stackCheck', `expected true or false, got ${show(o.stackCheck)}`);
    profile.stackCheck = o.stackCheck;
  }
  if (sources) profile.sources = sources;
  return profile;
}

/** Reads a JSON profile from a file and validates it ({@link loadProfile}); errors name the file. */
export function profileFromFile(path: string): DeviceProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read profile: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not JSON: ${(e as Error).message}`);
  }
  try {
    return loadProfile(json);
  } catch (e) {
    if (e instanceof ProfileError) throw new ProfileError(e.field, `${e.message.slice(e.field.length + 2)} (in ${path})`);
    throw e;
  }
}
