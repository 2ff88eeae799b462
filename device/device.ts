/**
 * The emulated device and its processes: pools, heaps, memory, CPU, clock, registry, faults.
 */
import { Account, toMatcher } from './account.js';
import { DeviceClock } from './clock.js';
import { CpuModel } from './cpu.js';
import { AllocationFailures } from './failures.js';
import { ProcessHeap } from './heap.js';
import { DeviceMemory, Region } from './memory.js';
import { FixedPool, FreeCode, fragmentation } from './pool.js';
import { SeededRandom, type Seed } from './random.js';
import { DeviceRegistry, listSecurityProvider } from './registry.js';
import { CE_IMAGE_SECURITY_PACKAGES } from './profiles.js';
import type {
  AllocEvent,
  AllocFailureCause,
  BlockInfo,
  DeviceEvents,
  DeviceFault,
  DeviceFaultKind,
  DeviceProfile,
  DeviceStats,
  ExitReport,
  FailedAllocation,
  FreeEvent,
  HeapStats,
  LeakEntry,
  LeakFilter,
  Nanos,
  OwnerStats,
  ProcessStats,
} from './types.js';

/** `LocalAlloc` flags (winbase.h). CE supports fixed memory only: LMEM_MOVEABLE is not modelled. */
export const LMEM_FIXED = 0x0000;
/** Zero the block's bytes. */
export const LMEM_ZEROINIT = 0x0040;
/** `LMEM_FIXED | LMEM_ZEROINIT`. */
export const LPTR = 0x0040;
/** Unsupported on CE (fixed heaps only); `LocalAlloc` fails with ERROR_INVALID_PARAMETER. */
export const LMEM_MOVEABLE = 0x0002;

/** `GetLastError` codes the heap sets (winerror.h). */
export const ERROR_SUCCESS = 0;
/** See {@link ERROR_SUCCESS}. */
export const ERROR_INVALID_HANDLE = 6;
/** See {@link ERROR_SUCCESS}. */
export const ERROR_NOT_ENOUGH_MEMORY = 8;
/** See {@link ERROR_SUCCESS}. */
export const ERROR_INVALID_PARAMETER = 87;

/** CE 2.x: at most 32 processes, one 32 MB slot each (reference §6). */
export const MAX_PROCESSES = 32;
/** Size of a CE process slot (reference §6: 32 MB VA per process). */
export const SLOT_BYTES = 0x0200_0000;
/** Offset of the heap in a process slot (below it: the modelled code and data). */
export const HEAP_SLOT_OFFSET = 0x0010_0000;
/**
 * Base of the pools: CE's shared memory-mapped area starts at 0x42000000, above the 32 process
 * slots (slot 0 is the running process, slot 1 the kernel, slots 2–33 the processes).
 */
export const POOL_AREA_BASE = 0x4200_0000;
/** The call name recorded when no `withCall` is active. */
export const NO_CALL = '(none)';

/** Options of a new device. */
export interface DeviceOptions {
  /** Seed of the device's random stream (default 0). */
  seed?: Seed;
  /** The device's name (default the profile's name). */
  name?: string;
  /** Virtual time source from the emulator; without one the clock is the CPU time spent. */
  timeSource?: () => Nanos;
  /** Check modelled stack use of each primitive (default: the profile's `stackCheck`; also `device.cpu.stackCheck`). */
  stackCheck?: boolean;
}

/** Options of a new process. */
export interface ProcessOptions {
  /** Logon session (LUID-like); default the device's interactive logon session. */
  logonId?: number;
}

type Listener<K extends keyof DeviceEvents> = (e: DeviceEvents[K]) => void;

const FAULT_KINDS: DeviceFaultKind[] = ['double-free', 'bad-free', 'foreign-free', 'overflow', 'unmapped-access', 'stack-overflow'];
/** Faults kept in `device.faults` (counts keep going beyond). */
const MAX_KEPT_FAULTS = 10_000;
/** Failed allocations kept in the stats' recent-failure log. */
const MAX_RECENT_FAILURES = 64;

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** An emulated Windows CE 2.10 device built from a profile. */
export class Device {
  /** The device's name. */
  readonly name: string;
  /** The profile it was built from. */
  readonly profile: DeviceProfile;
  /** ChaCha20 stream from the seed. */
  readonly rng: SeededRandom;
  /** FILETIME clock with the profile's time zone. */
  readonly clock: DeviceClock;
  /** The CPU cost model. */
  readonly cpu: CpuModel;
  /** Mapped regions and access by address. */
  readonly memory: DeviceMemory;
  /** The fixed pools by name. */
  readonly pools: ReadonlyMap<string, FixedPool>;
  /** The CE-style registry. */
  readonly registry = new DeviceRegistry();
  /** Forced allocation failures. */
  readonly failures: AllocationFailures;
  /** The interactive logon session's LUID-like id, shared by processes by default. */
  readonly interactiveLogonId: number;
  /** The process whose CPU time is being charged, or null (the `(kernel)` bucket). */
  current: Process | null = null;

  private readonly poolList: FixedPool[];
  private readonly faultList: DeviceFault[] = [];
  private readonly faultCounts = new Map<DeviceFaultKind, number>(FAULT_KINDS.map((k) => [k, 0]));
  private faultTotal = 0;
  private readonly live = new Map<number, Process>();
  private readonly all: Process[] = [];
  private readonly slots: (Process | null)[] = new Array<Process | null>(MAX_PROCESSES).fill(null);
  private nextPid = 1;
  private nextLogon: number;
  private callName = NO_CALL;
  private readonly services = new Map<string, unknown>();
  private readonly listeners: { [K in keyof DeviceEvents]: Set<Listener<K>> } = {
    alloc: new Set(),
    free: new Set(),
    fault: new Set(),
    cpu: new Set(),
    exit: new Set(),
  };
  private readonly recentFailures: FailedAllocation[] = [];
  private readonly timeSource: () => Nanos;

  /** Builds a device; the profile is used as given (validate custom ones with `loadProfile`). */
  constructor(profile: DeviceProfile, opts: DeviceOptions = {}) {
    this.profile = profile;
    this.name = opts.name ?? profile.name;
    this.rng = new SeededRandom(opts.seed ?? 0);
    const memory = (this.memory = new DeviceMemory(
      (kind, pid, addr, detail) => this.recordFault(kind, pid, addr, detail),
      () => this.current?.pid ?? 0,
    ));
    this.cpu = new CpuModel(profile.cpu, profile.stackBytes, {
      currentPid: () => this.current?.pid ?? 0,
      processName: (pid) => this.all.find((p) => p.pid === pid)?.name ?? `pid ${pid}`,
      currentCall: () => this.callName,
      fault: (kind, pid, addr, detail) => this.recordFault(kind, pid, addr, detail),
      emit: null,
    });
    this.cpu.stackCheck = opts.stackCheck ?? profile.stackCheck ?? false;
    const ts = opts.timeSource;
    this.timeSource = ts ?? (() => this.cpu.drainedNs());
    this.clock = new DeviceClock(profile.clock, () => this.timeSource() + this.cpu.pendingNs());
    this.failures = new AllocationFailures(this.rng.derive('failures'));
    // A LUID-like id for the interactive logon (LUIDs below 0x3e8 are well-known: SYSTEM is 0x3e7).
    this.interactiveLogonId = 0x10000 + (this.rng.derive('logon').u32() & 0xffff);
    this.nextLogon = this.interactiveLogonId + 1;
    const pools = new Map<string, FixedPool>();
    let base = POOL_AREA_BASE;
    for (const pp of profile.pools) {
      const size = FixedPool.regionSize(pp);
      const region = memory.map(new Region(`pool:${pp.name}`, base, size, 'pool', false));
      pools.set(pp.name, new FixedPool(pp, region));
      base += Math.ceil(size / 0x10000) * 0x10000; // 64 KB allocation granularity between regions
    }
    this.pools = pools;
    this.poolList = [...pools.values()];
    // The image's registry: the security packages it carries (Security.dll loads them on first use).
    for (const dll of profile.securityPackages ?? CE_IMAGE_SECURITY_PACKAGES) listSecurityProvider(this.registry, dll);
  }

  /** Faults recorded so far (the last 10,000; `stats().faults` counts all). */
  get faults(): readonly DeviceFault[] {
    return this.faultList;
  }

  /** The API call allocations record now (`withCall`), `(none)` outside any. */
  get call(): string {
    return this.callName;
  }

  /** A fresh logon session id (LUID-like) for processes of another logon. */
  newLogonSession(): number {
    return this.nextLogon++;
  }

  /** Starts a process: the next pid, a heap in the lowest free 32 MB slot. */
  createProcess(name: string, opts: ProcessOptions = {}): Process {
    const slot = this.slots.indexOf(null);
    if (slot < 0) throw new RangeError(`device ${this.name}: CE 2.x runs at most ${MAX_PROCESSES} processes`);
    const pid = this.nextPid++;
    const base = (slot + 2) * SLOT_BYTES + HEAP_SLOT_OFFSET;
    const region = this.memory.map(new Region(`heap:${name}#${pid}`, base, this.profile.heapBytes, 'heap', true));
    const p = new Process(this, pid, name, opts.logonId ?? this.interactiveLogonId, new ProcessHeap(region), slot);
    this.slots[slot] = p;
    this.live.set(pid, p);
    this.all.push(p);
    return p;
  }

  /** The running processes, by pid. */
  processes(): Process[] {
    return [...this.live.values()];
  }

  /** A process by pid (running or exited), or undefined. */
  process(pid: number): Process | undefined {
    return this.live.get(pid) ?? this.all.find((p) => p.pid === pid);
  }

  /** Runs `fn` with `p` as the current process (re-entrant), restoring the previous after. */
  runAs<T>(p: Process, fn: () => T): T {
    const prev = this.current;
    this.current = p;
    try {
      return fn();
    } finally {
      this.current = prev;
    }
  }

  /** Runs `fn` with `call` as the API call allocations record (re-entrant). */
  withCall<T>(call: string, fn: () => T): T {
    const prev = this.callName;
    this.callName = call;
    try {
      return fn();
    } finally {
      this.callName = prev;
    }
  }

  /** A per-device singleton for upper layers: made by `make` on first use of `key`. */
  service<T>(key: string, make: () => T): T {
    if (this.services.has(key)) return this.services.get(key) as T;
    const v = make();
    this.services.set(key, v);
    return v;
  }

  /** Listens to device events; returns the unsubscribe function. */
  on<K extends keyof DeviceEvents>(event: K, cb: (e: DeviceEvents[K]) => void): () => void {
    const set = this.listeners[event] as Set<Listener<K>>;
    set.add(cb);
    if (event === 'cpu') this.syncCpuEmit();
    return () => {
      set.delete(cb);
      if (event === 'cpu') this.syncCpuEmit();
    };
  }

  private syncCpuEmit(): void {
    const set = this.listeners.cpu;
    this.cpu.setEmitter(set.size === 0 ? null : (e) => set.forEach((cb) => cb(e)));
  }

  /**
   * Records, counts and emits a fault; returns it. The runtime calls it for the faults it
   * catches; upper layers may call it for misuse they detect themselves (e.g. SSPI refusing to
   * free a block it did not hand out).
   */
  recordFault(kind: DeviceFaultKind, pid: number, addr: number, detail: string): DeviceFault {
    const f: DeviceFault = { kind, pid, addr, timeNs: this.clock.nowNs(), call: this.callName, detail };
    this.faultTotal++;
    this.faultCounts.set(kind, (this.faultCounts.get(kind) ?? 0) + 1);
    if (this.faultList.length >= MAX_KEPT_FAULTS) this.faultList.shift();
    this.faultList.push(f);
    for (const cb of this.listeners.fault) cb(f);
    return f;
  }

  // ------------------------------------------------------------------ allocation (internal)

  private noteFailure(pool: string, size: number, pid: number, tag: string, cause: AllocFailureCause, timeNs: number): void {
    const forced = cause === 'forced';
    if (this.recentFailures.length >= MAX_RECENT_FAILURES) this.recentFailures.shift();
    this.recentFailures.push({ pool, size, pid, tag, call: this.callName, timeNs, forced, cause });
    const ls = this.listeners.alloc;
    if (ls.size > 0) {
      const e: AllocEvent = { pool, addr: 0, size, blockSize: 0, owner: { pid, tag, call: this.callName, timeNs }, ok: false, forced, fallthrough: false, cause };
      for (const cb of ls) cb(e);
    }
  }

  /** @internal `Process.poolAlloc`. */
  poolAllocFor(p: Process, poolName: string, size: number, tag: string): number {
    const pool = this.pools.get(poolName);
    if (pool === undefined) throw new RangeError(`device ${this.name}: no pool named ${JSON.stringify(poolName)}`);
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`poolAlloc size: expected a non-negative integer, got ${size}`);
    if (p.exited) return 0;
    const s = size === 0 ? 1 : size; // malloc(0): a unique block, as wolfSSL's XMALLOC(0) would give
    const pid = p.pid;
    const owner = p.ownerAccount(tag);
    const timeNs = this.clock.nowNs();
    if (this.failures.check(poolName, pid, tag, this.callName)) {
      pool.countForced(s);
      owner.failedAllocs++;
      p.account.failedAllocs++;
      this.noteFailure(poolName, size, pid, tag, 'forced', timeNs);
      return 0;
    }
    const addr = pool.alloc(s, pid, tag, this.callName, timeNs, owner, p.account);
    if (addr === 0) {
      owner.failedAllocs++;
      p.account.failedAllocs++;
      this.noteFailure(poolName, size, pid, tag, pool.lastFailure, timeNs);
      return 0;
    }
    owner.add(s);
    p.account.add(s);
    const ls = this.listeners.alloc;
    if (ls.size > 0) {
      const e: AllocEvent = { pool: poolName, addr, size: s, blockSize: pool.bSize[pool.lastBucket]!, owner: { pid, tag, call: this.callName, timeNs }, ok: true, forced: false, fallthrough: pool.lastFallthrough };
      for (const cb of ls) cb(e);
    }
    return addr;
  }

  private emitFree(pool: string, addr: number, size: number, blockSize: number, pid: number, tag: string, atExit: boolean): void {
    const e: FreeEvent = { pool, addr, size, blockSize, pid, tag, timeNs: this.clock.nowNs(), atExit };
    for (const cb of this.listeners.free) cb(e);
  }

  private freeFault(code: FreeCode, pid: number, addr: number, where: string, ownerPid: number): void {
    switch (code) {
      case FreeCode.NotABlock:
        this.recordFault('bad-free', pid, addr, `${hex(addr)} is not the start of a live ${where} block`);
        break;
      case FreeCode.DoubleFree:
        this.recordFault('double-free', pid, addr, `${where} block at ${hex(addr)} is already free`);
        break;
      case FreeCode.Foreign:
        this.recordFault('foreign-free', pid, addr, `${where} block at ${hex(addr)} belongs to pid ${ownerPid}`);
        break;
      case FreeCode.GuardDamaged:
        this.recordFault('overflow', pid, addr, `guard bytes of the ${where} block at ${hex(addr)} are damaged (written past its end or before its start); block freed`);
        break;
      default:
        break;
    }
  }

  /** @internal `Process.poolFree`. */
  poolFreeFor(p: Process, addr: number): boolean {
    if (addr === 0) return true; // free(NULL) is a no-op in C and in wolfSSL's XFREE
    const pools = this.poolList;
    for (let i = 0; i < pools.length; i++) {
      const pool = pools[i]!;
      const r = pool.region;
      if (addr >= r.base && addr < r.base + r.size) {
        const code = pool.free(addr, p.pid);
        if (code === FreeCode.Ok || code === FreeCode.GuardDamaged) {
          if (this.listeners.free.size > 0) {
            const idx = pool.lastFreed;
            this.emitFree(pool.name, addr, pool.blkSize[idx]!, pool.blockSizeOf(idx), p.pid, pool.blkTag[idx]!, false);
          }
          if (code === FreeCode.Ok) return true;
        }
        const idx = pool.indexOf(addr);
        this.freeFault(code, p.pid, addr, `pool ${pool.name}`, idx >= 0 ? pool.blkPid[idx]! : 0);
        return false;
      }
    }
    this.recordFault('bad-free', p.pid, addr, `${hex(addr)} is not in any pool`);
    return false;
  }

  /** @internal `Process.LocalAlloc`. */
  heapAllocFor(p: Process, uFlags: number, uBytes: number, tag: string): number {
    if (p.exited) return 0;
    if ((uFlags & ~LMEM_ZEROINIT) !== 0 || !Number.isInteger(uBytes) || uBytes < 0) {
      p.lastError = ERROR_INVALID_PARAMETER;
      return 0;
    }
    const pid = p.pid;
    const owner = p.ownerAccount(tag);
    const timeNs = this.clock.nowNs();
    const heap = p.heap;
    if (this.failures.check('heap', pid, tag, this.callName)) {
      heap.failedAllocs++;
      heap.forcedFailures++;
      owner.failedAllocs++;
      p.account.failedAllocs++;
      p.lastError = ERROR_NOT_ENOUGH_MEMORY;
      this.noteFailure('heap', uBytes, pid, tag, 'forced', timeNs);
      return 0;
    }
    const addr = heap.alloc(uBytes, (uFlags & LMEM_ZEROINIT) !== 0, pid, tag, this.callName, timeNs, owner, p.account);
    if (addr === 0) {
      owner.failedAllocs++;
      p.account.failedAllocs++;
      p.lastError = ERROR_NOT_ENOUGH_MEMORY;
      this.noteFailure('heap', uBytes, pid, tag, heap.lastFailure, timeNs);
      return 0;
    }
    owner.add(uBytes);
    p.account.add(uBytes);
    const ls = this.listeners.alloc;
    if (ls.size > 0) {
      const blk = heap.blockAt(addr)!;
      const e: AllocEvent = { pool: 'heap', addr, size: uBytes, blockSize: blk.usable, owner: { pid, tag, call: this.callName, timeNs }, ok: true, forced: false, fallthrough: false };
      for (const cb of ls) cb(e);
    }
    return addr;
  }

  /** @internal `Process.LocalFree`. */
  heapFreeFor(p: Process, hMem: number): number {
    if (hMem === 0) return 0;
    // The block may live in another process's heap (a foreign free) or nowhere.
    const region = this.memory.regionAt(hMem);
    const owner = region?.kind === 'heap' ? this.all.find((q) => q.heap.region === region && !q.exited) : undefined;
    if (!owner) {
      this.recordFault('bad-free', p.pid, hMem, `${hex(hMem)} is not in a process heap`);
      p.lastError = ERROR_INVALID_HANDLE;
      return hMem;
    }
    const blk = owner.heap.blockAt(hMem);
    const code = owner.heap.free(hMem, p.pid);
    if (code === FreeCode.Ok || code === FreeCode.GuardDamaged) {
      if (this.listeners.free.size > 0 && blk) this.emitFree('heap', hMem, blk.size, blk.usable, p.pid, blk.tag, false);
      if (code === FreeCode.Ok) return 0;
    }
    this.freeFault(code, p.pid, hMem, `heap (pid ${owner.pid})`, blk?.pid ?? 0);
    p.lastError = ERROR_INVALID_HANDLE;
    return hMem;
  }

  /** @internal releases everything `p` holds (process exit). */
  exitProcess(p: Process): ExitReport {
    // DLL_PROCESS_DETACH: listeners (Security.dll) release what the process holds first.
    if (this.listeners.exit.size > 0) {
      const ev = { pid: p.pid, name: p.name, timeNs: this.clock.nowNs() };
      for (const cb of [...this.listeners.exit]) cb(ev);
    }
    const timeNs = this.clock.nowNs();
    const poolBlocks = this.leakReport({ pid: p.pid }).filter((e) => e.pool !== 'heap');
    const heapBlocks = this.heapLeaks(p);
    // Damage left behind is still a fault, even if nobody frees the block.
    for (const addr of p.heap.damaged()) this.recordFault('overflow', p.pid, addr, `guard bytes of the heap item at ${hex(addr)} are damaged (found at process exit)`);
    for (const e of poolBlocks) {
      const pool = this.pools.get(e.pool)!;
      const idx = pool.indexOf(e.addr);
      if (!pool.guardsIntact(idx)) this.recordFault('overflow', p.pid, e.addr, `guard bytes of the pool ${pool.name} block at ${hex(e.addr)} are damaged (found at process exit)`);
      pool.release(idx);
      pool.leakedAtExitBlocks++;
      pool.leakedAtExitBytes += e.size;
      if (this.listeners.free.size > 0) this.emitFree(e.pool, e.addr, e.size, e.blockSize, p.pid, e.owner.tag, true);
    }
    for (const e of heapBlocks) {
      p.heap.releaseAt(e.addr);
      p.heap.leakedAtExitBlocks++;
      p.heap.leakedAtExitBytes += e.size;
      if (this.listeners.free.size > 0) this.emitFree('heap', e.addr, e.size, e.blockSize, p.pid, e.owner.tag, true);
    }
    p.heapStatsAtExit = this.heapStats(p);
    this.memory.unmap(p.heap.region);
    this.live.delete(p.pid);
    this.slots[p.slot] = null;
    const all = [...poolBlocks, ...heapBlocks];
    return {
      pid: p.pid,
      name: p.name,
      timeNs,
      poolBlocks,
      heapBlocks,
      leakedBytes: all.reduce((n, e) => n + e.size, 0),
      leakedBlocks: all.length,
    };
  }

  // ------------------------------------------------------------------ reports

  private heapLeaks(p: Process): LeakEntry[] {
    if (p.exited) return [];
    return p.heap.liveItems().map(({ addr, blk }) => ({
      pool: 'heap',
      addr,
      size: blk.size,
      blockSize: blk.usable,
      owner: { pid: blk.pid, tag: blk.tag, call: blk.call, timeNs: blk.timeNs },
      processName: p.name,
    }));
  }

  private poolEntry(pool: FixedPool, idx: number): LeakEntry {
    const pid = pool.blkPid[idx]!;
    return {
      pool: pool.name,
      addr: pool.addrOf(idx),
      size: pool.blkSize[idx]!,
      blockSize: pool.blockSizeOf(idx),
      owner: { pid, tag: pool.blkTag[idx]!, call: pool.blkCall[idx]!, timeNs: pool.blkTime[idx]! },
      processName: this.process(pid)?.name ?? `pid ${pid}`,
    };
  }

  /** Every live block (pools, then heaps), with owner, call and time; `filter` narrows it. */
  leakReport(filter: LeakFilter = {}): LeakEntry[] {
    const tag = filter.tag === undefined ? null : toMatcher(filter.tag);
    const keep = (e: LeakEntry): boolean =>
      (filter.pid === undefined || e.owner.pid === filter.pid) &&
      (tag === null || tag.test(e.owner.tag)) &&
      (filter.pool === undefined || e.pool === filter.pool) &&
      (filter.call === undefined || e.owner.call === filter.call);
    const out: LeakEntry[] = [];
    if (filter.pool !== 'heap') {
      for (const pool of this.poolList) {
        if (filter.pool !== undefined && filter.pool !== pool.name) continue;
        for (const idx of pool.liveBlocks()) {
          if (filter.pid !== undefined && pool.blkPid[idx] !== filter.pid) continue;
          const e = this.poolEntry(pool, idx);
          if (keep(e)) out.push(e);
        }
      }
    }
    if (filter.pool === undefined || filter.pool === 'heap') {
      for (const p of this.live.values()) {
        if (filter.pid !== undefined && p.pid !== filter.pid) continue;
        for (const e of this.heapLeaks(p)) if (keep(e)) out.push(e);
      }
    }
    return out;
  }

  /** The live block whose usable bytes start at `addr` (pool or heap), or null. */
  blockOf(addr: number): BlockInfo | null {
    if (addr === 0) return null;
    for (const pool of this.poolList) {
      const idx = pool.indexOf(addr);
      if (idx >= 0 && pool.live[idx] === 1) {
        const { processName: _n, ...info } = this.poolEntry(pool, idx);
        return info;
      }
    }
    const r = this.memory.regionAt(addr);
    if (r?.kind === 'heap') {
      for (const p of this.live.values()) {
        if (p.heap.region !== r) continue;
        const blk = p.heap.blockAt(addr);
        if (blk) return { pool: 'heap', addr, size: blk.size, blockSize: blk.usable, owner: { pid: blk.pid, tag: blk.tag, call: blk.call, timeNs: blk.timeNs } };
      }
    }
    return null;
  }

  /** Verifies every live block's guard bytes now; each damaged block is an `overflow` fault. */
  checkGuards(): DeviceFault[] {
    const out: DeviceFault[] = [];
    for (const pool of this.poolList) {
      for (const idx of pool.liveBlocks()) {
        if (!pool.guardsIntact(idx)) {
          const addr = pool.addrOf(idx);
          out.push(this.recordFault('overflow', pool.blkPid[idx]!, addr, `guard bytes of the pool ${pool.name} block at ${hex(addr)} (tag ${pool.blkTag[idx]}) are damaged`));
        }
      }
    }
    for (const p of this.live.values()) {
      for (const addr of p.heap.damaged()) {
        const tagName = p.heap.blockAt(addr)?.tag ?? '';
        out.push(this.recordFault('overflow', p.pid, addr, `guard bytes of the heap item at ${hex(addr)} (tag ${tagName}) are damaged`));
      }
    }
    return out;
  }

  private heapStats(p: Process): HeapStats {
    if (p.heapStatsAtExit) return p.heapStatsAtExit;
    const h = p.heap;
    const fi = h.freeInfo();
    return {
      pid: p.pid,
      name: p.name,
      regionBase: h.region.base,
      regionBytes: h.region.size,
      committedBytes: h.region.committed,
      currentBytesRequested: h.currentBytesRequested,
      peakBytesRequested: h.peakBytesRequested,
      currentBytesUsed: h.currentBytesUsed,
      peakBytesUsed: h.peakBytesUsed,
      currentBlocks: h.currentBlocks,
      peakBlocks: h.peakBlocks,
      totalAllocs: h.totalAllocs,
      totalFrees: h.totalFrees,
      failedAllocs: h.failedAllocs,
      forcedFailures: h.forcedFailures,
      ...fi,
      fragmentation: fragmentation(fi.freeBytes, fi.largestFreeBytes),
      fragmentationFailures: h.fragmentationFailures,
      leakedAtExitBlocks: h.leakedAtExitBlocks,
      leakedAtExitBytes: h.leakedAtExitBytes,
    };
  }

  /** All statistics as one JSON-ready object. */
  stats(): DeviceStats {
    const owners: OwnerStats[] = [];
    const processes: ProcessStats[] = [];
    for (const p of this.all) {
      for (const [tag, a] of p.owners) {
        owners.push({ pid: p.pid, tag, currentBytes: a.currentBytes, peakBytes: a.peakBytes, currentBlocks: a.currentBlocks, peakBlocks: a.peakBlocks, totalAllocs: a.totalAllocs, totalFrees: a.totalFrees, failedAllocs: a.failedAllocs });
      }
      const a = p.account;
      const cycles = this.cpu.cyclesOf(p.pid);
      processes.push({
        pid: p.pid,
        name: p.name,
        logonId: p.logonId,
        exited: p.exited,
        currentBytes: a.currentBytes,
        peakBytes: a.peakBytes,
        currentBlocks: a.currentBlocks,
        peakBlocks: a.peakBlocks,
        totalAllocs: a.totalAllocs,
        totalFrees: a.totalFrees,
        failedAllocs: a.failedAllocs,
        cpuCycles: cycles,
        cpuNs: this.cpu.cyclesToNs(cycles),
      });
    }
    const byKind = Object.fromEntries(FAULT_KINDS.map((k) => [k, this.faultCounts.get(k) ?? 0])) as Record<DeviceFaultKind, number>;
    const leaks = this.leakReport();
    return {
      device: this.name,
      profile: this.profile.name,
      ramBytes: this.profile.ramBytes,
      timeNs: this.clock.nowNs(),
      pools: this.poolList.map((p) => p.stats()),
      heaps: this.all.map((p) => this.heapStats(p)),
      processes,
      owners,
      cpu: this.cpu.report(),
      faults: { total: this.faultTotal, byKind },
      failures: { forced: this.failures.forced, recent: this.recentFailures.map((f) => ({ ...f })) },
      leaks: { blocks: leaks.length, bytes: leaks.reduce((n, e) => n + e.size, 0) },
      stack: { budgetBytes: this.cpu.stackBudget, checked: this.cpu.stackCheck, threads: this.cpu.stackHighWater() },
      hostCommittedBytes: this.memory.committedBytes(),
    };
  }
}

/** An emulated CE process: its heap, its view of device memory, its pool blocks. */
export class Process {
  /** `GetLastError()` value the heap functions set. */
  lastError = ERROR_SUCCESS;
  /** True after `exit()`. */
  exited = false;
  /** @internal per-process totals over pools and heap */
  readonly account = new Account();
  /** @internal per-owner-tag accounts */
  readonly owners = new Map<string, Account>();
  /** @internal heap statistics frozen at exit */
  heapStatsAtExit: HeapStats | null = null;

  /** @internal use `device.createProcess` */
  constructor(
    /** The device it runs on. */
    readonly device: Device,
    /** Process id (increasing from 1 on each device; 0 is the kernel). */
    readonly pid: number,
    /** The process's name, e.g. `client.exe`. */
    readonly name: string,
    /** LUID-like logon session id. */
    readonly logonId: number,
    /** @internal */
    readonly heap: ProcessHeap,
    /** @internal the process slot (0–31) */
    readonly slot: number,
  ) {}

  /** @internal the account for `tag`, made on first use */
  ownerAccount(tag: string): Account {
    let a = this.owners.get(tag);
    if (a === undefined) this.owners.set(tag, (a = new Account()));
    return a;
  }

  /** Runs `fn` with this process current (`device.runAs`). */
  run<T>(fn: () => T): T {
    return this.device.runAs(this, fn);
  }

  /** `GetLastError()`. */
  GetLastError(): number {
    return this.lastError;
  }

  /**
   * `LocalAlloc(uFlags, uBytes)`: a block from this process's heap, or 0 (NULL) with
   * `GetLastError()` set. `tag` (a cesim extension) names the owner; default `LocalAlloc`.
   */
  LocalAlloc(uFlags: number, uBytes: number, tag = 'LocalAlloc'): number {
    return this.device.heapAllocFor(this, uFlags, uBytes, tag);
  }

  /** `LocalFree(hMem)`: 0 (NULL) on success; `hMem` on failure, with a device fault recorded. */
  LocalFree(hMem: number): number {
    return this.device.heapFreeFor(this, hMem);
  }

  /** `LocalSize(hMem)`: usable bytes (the request rounded up to 8), or 0 with ERROR_INVALID_HANDLE. */
  LocalSize(hMem: number): number {
    const b = this.device.blockOf(hMem);
    if (!b || b.pool !== 'heap') {
      this.lastError = ERROR_INVALID_HANDLE;
      return 0;
    }
    return b.blockSize;
  }

  /** A copy of `len` bytes at `addr`; an unmapped access faults (`DeviceFaultError`). */
  read(addr: number, len: number): Uint8Array {
    return this.device.memory.read(addr, len, this.pid);
  }

  /** Writes `data` at `addr`; running past the block it starts in, or unmapped, faults. */
  write(addr: number, data: Uint8Array): void {
    this.device.memory.write(addr, data, this.pid);
  }

  /** A live view of `len` bytes at `addr` (checked like a write). */
  view(addr: number, len: number): Uint8Array {
    return this.device.memory.view(addr, len, this.pid);
  }

  /** Fills `len` bytes at `addr` with `value` (`memset`; checked like a write). */
  fill(addr: number, len: number, value = 0): void {
    this.device.memory.fill(addr, len, value, this.pid);
  }

  /** Little-endian 32-bit read. */
  readU32(addr: number): number {
    return this.device.memory.readU32(addr, this.pid);
  }

  /** Little-endian 32-bit write. */
  writeU32(addr: number, v: number): void {
    this.device.memory.writeU32(addr, v, this.pid);
  }

  /** Little-endian 16-bit read. */
  readU16(addr: number): number {
    return this.device.memory.readU16(addr, this.pid);
  }

  /** Little-endian 16-bit write. */
  writeU16(addr: number, v: number): void {
    this.device.memory.writeU16(addr, v, this.pid);
  }

  /** A block of at least `size` bytes from the named pool, owned by `tag`; 0 when exhausted or forced to fail. */
  poolAlloc(pool: string, size: number, tag: string): number {
    return this.device.poolAllocFor(this, pool, size, tag);
  }

  /** Frees a pool block; false when that is a fault (double, bad, foreign free, damaged guards). */
  poolFree(addr: number): boolean {
    return this.device.poolFreeFor(this, addr);
  }

  /** The live block (pool or heap) whose usable bytes start at `addr`, or null. */
  blockOf(addr: number): BlockInfo | null {
    return this.device.blockOf(addr);
  }

  /** Ends the process: reports what it still held, then releases it (counted as leaked at exit). */
  exit(): ExitReport {
    if (this.exited) throw new Error(`process ${this.name} (pid ${this.pid}) has already exited`);
    const r = this.device.exitProcess(this);
    this.exited = true;
    return r;
  }
}

