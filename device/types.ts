/**
 * The device runtime's public types: profiles, pools, processes, faults, CPU and clock.
 *
 * This file is the contract between `device/` and the layers above it (`sspi/`, `schannel/`,
 * `emulator/`). It holds types only; the implementation lives beside it.
 */

/** Virtual time in nanoseconds. A JS number is exact up to 2^53 ns (about 104 days of run). */
export type Nanos = number;

/** One bucket of a fixed pool: `count` blocks of `blockSize` usable bytes each. */
export interface BucketProfile {
  blockSize: number;
  count: number;
}

/**
 * Allocation policy of a fixed pool.
 * - `fallthrough` (wolfSSL's): the smallest free bucket whose block fits, else the next larger one.
 * - `strict`: only the smallest bucket whose block fits; when it is full, the allocation fails.
 */
export type PoolPolicy = 'fallthrough' | 'strict';

/** A named fixed pool in a device profile. */
export interface PoolProfile {
  name: string;
  buckets: BucketProfile[];
  policy?: PoolPolicy;
  /** Per-block header bytes as on a 32-bit device (wolfSSL: 16). Counted in the pool's region. */
  overheadBytes?: number;
  /** Block alignment in bytes (default 16). */
  align?: number;
}

/** The modelled cost of one named primitive on the profile's CPU. */
export interface PrimitiveCost {
  /** Cycles per call. */
  cycles?: number;
  /** Cycles per byte processed. */
  cyclesPerByte?: number;
  /** Modelled stack use in bytes (checked against the thread's stack budget when enabled). */
  stackBytes?: number;
}

/** The device CPU: name, clock rate and the cycle table per primitive. */
export interface CpuProfile {
  name: string;
  mhz: number;
  /** Keyed by primitive name, e.g. `x25519`, `p256.verify`, `sha256`, `aes128gcm`. */
  costs: Record<string, PrimitiveCost>;
}

/** The device's wall clock: a FILETIME-style clock with a time zone, as CE keeps it. */
export interface ClockProfile {
  /** UTC wall-clock time at virtual time 0, ISO 8601 (e.g. `2026-01-01T00:00:00Z`). */
  bootTimeUtc: string;
  /** Minutes to add to UTC to get local time (CE's `TIME_ZONE_INFORMATION.Bias` is the negation). */
  utcOffsetMinutes: number;
  /** The time zone's standard name as CE shows it. */
  timeZoneName: string;
}

/** A device profile: what a device is built from. */
export interface DeviceProfile {
  name: string;
  description: string;
  /** Total RAM in bytes (reported; the modelled regions are the pools and the heap). */
  ramBytes: number;
  /** Size of each process heap that `LocalAlloc` draws from, in bytes. */
  heapBytes: number;
  /** A thread's stack budget in bytes (CE default 64 KiB). */
  stackBytes: number;
  cpu: CpuProfile;
  clock: ClockProfile;
  pools: PoolProfile[];
  /** Where each figure comes from, keyed by field path. */
  sources?: Record<string, string>;
}

/** Who holds an allocation and why. */
export interface OwnerInfo {
  pid: number;
  /** What the block is, e.g. `schannel.context#3.recordIn`. */
  tag: string;
  /** The API call that made it, e.g. `InitializeSecurityContextW`. */
  call: string;
  /** Virtual time of the allocation. */
  timeNs: Nanos;
}

/** The kinds of device fault the runtime catches. */
export type DeviceFaultKind =
  | 'double-free'
  | 'bad-free' // an address that is not the start of a live block
  | 'foreign-free' // a block owned by another process
  | 'overflow' // a write past a block's end (guard bytes damaged)
  | 'unmapped-access' // a read or write outside any mapped region
  | 'stack-overflow';

/** A structured device fault event. */
export interface DeviceFault {
  kind: DeviceFaultKind;
  pid: number;
  addr: number;
  timeNs: Nanos;
  call: string;
  detail: string;
}

/** A type that names the result of memory operations that may fault. */
export interface MemoryFaultError extends Error {
  readonly fault: DeviceFault;
}
