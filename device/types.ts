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

/**
 * Why an allocation failed: forced by `device.failures`; `oversize` (larger than every bucket);
 * `fragmented` (the free blocks or runs together held enough bytes, but none that fits was free:
 * the failure that comes after hours of uptime); `exhausted` (not even the free total would do).
 */
export type AllocFailureCause = 'forced' | 'oversize' | 'fragmented' | 'exhausted';

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
  /** Check each primitive's modelled stack use against `stackBytes` (default false; also `device.cpu.stackCheck`). */
  stackCheck?: boolean;
  /**
   * The security package DLLs the device's image carries, listed in its registry under
   * `HKLM\\Comm\\SecurityProviders` when the device is built (as a CE image's registry lists
   * them), in this order. Absent: {@link CE_IMAGE_SECURITY_PACKAGES}. `[]`: an image without
   * security packages. A name is resolved to code by Security.dll (`sspi/`) from the package
   * modules registered in the host process (`registerPackageModule`; importing `cesim/schannel`
   * registers `schannel.dll`, importing `cesim/ntlm` registers `ntlmssp.dll`).
   */
  securityPackages?: string[];
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
  | 'stack-overflow'
  | 'trap'; // a process's code stopped on an illegal instruction (a WebAssembly trap: unreachable, divide by zero…)

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

// ---------------------------------------------------------------------------------------------
// Additions by the device runtime (results, statistics and events).
// ---------------------------------------------------------------------------------------------

/** A live block as `Process.blockOf` reports it. */
export interface BlockInfo {
  /** `'heap'` for a `LocalAlloc` block, otherwise the pool's name. */
  pool: string;
  /** Address of the first usable byte (what the allocation returned). */
  addr: number;
  /** Bytes requested. */
  size: number;
  /** Usable bytes of the block that holds it (bucket block size, or the heap item's rounded size). */
  blockSize: number;
  owner: OwnerInfo;
}

/** One live block in a leak report. */
export interface LeakEntry extends BlockInfo {
  /** The owning process's name. */
  processName: string;
}

/** What `leakReport` keeps; every given field must match. */
export interface LeakFilter {
  pid?: number;
  /** Owner tag: exact string, glob (`schannel.*`) or RegExp. */
  tag?: string | RegExp;
  pool?: string;
  call?: string;
}

/** What a process still held when it exited; those blocks are then released and counted as leaked. */
export interface ExitReport {
  pid: number;
  name: string;
  timeNs: Nanos;
  poolBlocks: LeakEntry[];
  heapBlocks: LeakEntry[];
  /** Requested bytes of every block above. */
  leakedBytes: number;
  leakedBlocks: number;
}

/** Per-bucket statistics of a fixed pool (after wolfSSL's `WOLFSSL_MEM_STATS`). */
export interface BucketStats {
  blockSize: number;
  count: number;
  /** Blocks free now. */
  free: number;
  /** Blocks in use now. */
  used: number;
  peakUsed: number;
  currentBytesRequested: number;
  peakBytesRequested: number;
  /** `used × blockSize`. */
  currentBytesAtBlockSize: number;
  /** `peakUsed × blockSize`. */
  peakBytesAtBlockSize: number;
  totalAllocs: number;
  totalFrees: number;
  /** Failed requests whose smallest fitting bucket is this one (forced ones included). */
  failedAllocs: number;
  /** Of `failedAllocs`, those forced by `device.failures`. */
  forcedFailures: number;
  /** Allocations served here although a smaller bucket would have fitted (fall-through). */
  fallthroughAllocs: number;
}

/** Statistics of one fixed pool. Sums over `buckets` equal the pool's current/total counters. */
export interface PoolStats {
  name: string;
  policy: PoolPolicy;
  regionBase: number;
  regionBytes: number;
  /** Host bytes backing the region now (0 until first touched). */
  committedBytes: number;
  overheadBytes: number;
  guardBytes: number;
  currentBytesRequested: number;
  peakBytesRequested: number;
  currentBytesAtBlockSize: number;
  peakBytesAtBlockSize: number;
  /** `currentBlocks × overheadBytes`. */
  currentOverheadBytes: number;
  currentBlocks: number;
  peakBlocks: number;
  totalAllocs: number;
  totalFrees: number;
  /** All failed allocations: the sum over buckets plus `failedOversize`. */
  failedAllocs: number;
  /** Failed allocations forced by `device.failures` (also in `failedAllocs`). */
  forcedFailures: number;
  /** Requests larger than every bucket. */
  failedOversize: number;
  /** Of `failedAllocs`, those the free blocks' total would have served (a fragmentation failure, not exhaustion). */
  fragmentationFailures: number;
  /** Usable bytes of the free blocks now. */
  freeBytes: number;
  /** Usable bytes of the largest free block now (0 when none is free). */
  largestFreeBytes: number;
  /** Free blocks now. */
  freeBlocks: number;
  /** External fragmentation now: `1 − largestFreeBytes / freeBytes` (0 when nothing is free). */
  fragmentation: number;
  /** Blocks still held by processes when they exited (released then). */
  leakedAtExitBlocks: number;
  leakedAtExitBytes: number;
  buckets: BucketStats[];
}

/** Current and peak use by one owner (pid + tag), over pools and heap. */
export interface OwnerStats {
  pid: number;
  tag: string;
  currentBytes: number;
  peakBytes: number;
  currentBlocks: number;
  peakBlocks: number;
  totalAllocs: number;
  totalFrees: number;
  failedAllocs: number;
}

/** Per-process totals over pools and heap. */
export interface ProcessStats {
  pid: number;
  name: string;
  logonId: number;
  exited: boolean;
  currentBytes: number;
  peakBytes: number;
  currentBlocks: number;
  peakBlocks: number;
  totalAllocs: number;
  totalFrees: number;
  failedAllocs: number;
  cpuCycles: number;
  cpuNs: number;
}

/** Statistics of one process heap (`LocalAlloc`). */
export interface HeapStats {
  pid: number;
  name: string;
  regionBase: number;
  regionBytes: number;
  committedBytes: number;
  currentBytesRequested: number;
  peakBytesRequested: number;
  /** Bytes taken from the heap including item headers, granularity and guards. */
  currentBytesUsed: number;
  peakBytesUsed: number;
  currentBlocks: number;
  peakBlocks: number;
  totalAllocs: number;
  totalFrees: number;
  failedAllocs: number;
  forcedFailures: number;
  freeBytes: number;
  largestFreeBytes: number;
  freeSegments: number;
  /** External fragmentation now: `1 − largestFreeBytes / freeBytes`. */
  fragmentation: number;
  /** Failed `LocalAlloc`s that the free total would have served (fragmentation, not exhaustion). */
  fragmentationFailures: number;
  leakedAtExitBlocks: number;
  leakedAtExitBytes: number;
}

/** One primitive's line in the CPU report. */
export interface CpuPrimitiveReport {
  primitive: string;
  calls: number;
  bytes: number;
  cycles: number;
  ns: number;
}

/** One process's line in the CPU report (pid 0 is the `(kernel)` bucket). */
export interface CpuProcessReport {
  pid: number;
  name: string;
  calls: number;
  cycles: number;
  ns: number;
}

/** What `cpu.report()` returns. */
export interface CpuReport {
  cpu: string;
  mhz: number;
  totalCycles: number;
  totalNs: number;
  pendingNs: number;
  byProcess: CpuProcessReport[];
  byPrimitive: CpuPrimitiveReport[];
  /** Primitives charged that the profile has no cost for (charged 0 cycles). */
  uncosted: { primitive: string; calls: number; bytes: number }[];
}

/** One failed allocation, as kept in the stats' recent-failure log. */
export interface FailedAllocation {
  pool: string;
  size: number;
  pid: number;
  tag: string;
  call: string;
  timeNs: Nanos;
  forced: boolean;
  cause: AllocFailureCause;
}

/** A thread's stack high-water mark (the modelled primitives' and frames' stack use). */
export interface StackHighWater {
  pid: number;
  name: string;
  /** Deepest modelled stack use seen, in bytes. */
  peakBytes: number;
  /** What was running at the deepest point: the primitive, or `frame` for a pushed frame. */
  at: string;
  /** The API call at the deepest point. */
  call: string;
}

/** The whole device's statistics: JSON-ready, plain numbers, strings and arrays. */
export interface DeviceStats {
  device: string;
  profile: string;
  ramBytes: number;
  timeNs: Nanos;
  pools: PoolStats[];
  heaps: HeapStats[];
  processes: ProcessStats[];
  owners: OwnerStats[];
  cpu: CpuReport;
  faults: { total: number; byKind: Record<DeviceFaultKind, number> };
  failures: { forced: number; recent: FailedAllocation[] };
  leaks: { blocks: number; bytes: number };
  /** Stack high-water marks per thread (one modelled thread per process; pid 0 the kernel) against the budget. */
  stack: { budgetBytes: number; checked: boolean; threads: StackHighWater[] };
  /** Host bytes backing the device's regions now (lazily committed). */
  hostCommittedBytes: number;
}

/** Payload of the `alloc` event (also emitted for failed allocations, with `addr` 0). */
export interface AllocEvent {
  pool: string;
  addr: number;
  size: number;
  blockSize: number;
  owner: OwnerInfo;
  ok: boolean;
  forced: boolean;
  /** A pool allocation served by a larger bucket than its smallest fitting one. */
  fallthrough: boolean;
  /** Why it failed (only when `ok` is false). */
  cause?: AllocFailureCause;
}

/** Payload of the `free` event. */
export interface FreeEvent {
  pool: string;
  addr: number;
  size: number;
  blockSize: number;
  pid: number;
  tag: string;
  timeNs: Nanos;
  /** True when the block was released by `Process.exit()` (a leak). */
  atExit: boolean;
}

/** Payload of the `cpu` event. */
export interface CpuEvent {
  pid: number;
  primitive: string;
  bytes: number;
  cycles: number;
  ns: number;
  costed: boolean;
}

/** Device events and their payloads. */
/**
 * Payload of the `exit` event: a process is exiting. Listeners run before its memory is
 * reclaimed, as a DLL's `DLL_PROCESS_DETACH` does on CE, so they can release what it holds.
 */
export interface ExitEvent {
  pid: number;
  name: string;
  timeNs: Nanos;
}

/** The events a device emits (`device.on(kind, cb)`). */
export interface DeviceEvents {
  alloc: AllocEvent;
  free: FreeEvent;
  fault: DeviceFault;
  cpu: CpuEvent;
  exit: ExitEvent;
}

/** Win32 `SYSTEMTIME` fields (months 1–12, day of week 0 = Sunday). */
export interface SystemTime {
  wYear: number;
  wMonth: number;
  wDayOfWeek: number;
  wDay: number;
  wHour: number;
  wMinute: number;
  wSecond: number;
  wMilliseconds: number;
}

/** Win32 `TIME_ZONE_INFORMATION`, the fields cesim models (no daylight saving). */
export interface TimeZoneInformation {
  /** Minutes: UTC = local time + Bias. */
  Bias: number;
  StandardName: string;
  StandardBias: number;
  DaylightName: string;
  DaylightBias: number;
}
