/**
 * Device memory: mapped regions at numeric device addresses, bounds-checked access by address.
 *
 * Each fixed pool and each process heap is one region. A region's host backing store is made
 * when it is first touched (pools: whole; heaps: grown page by page in a resizable
 * ArrayBuffer), so a thousand idle devices cost almost no host memory. Address 0 is NULL and is
 * never mapped.
 */
import type { DeviceFault, DeviceFaultKind, MemoryFaultError } from './types.js';

/** A device fault raised as an exception (bad memory access, stack overflow). */
export class DeviceFaultError extends Error implements MemoryFaultError {
  /** The structured fault; it is also in `device.faults`. */
  readonly fault: DeviceFault;
  /** An error carrying `fault`. */
  constructor(fault: DeviceFault) {
    super(`device fault ${fault.kind} at 0x${fault.addr.toString(16).padStart(8, '0')} (pid ${fault.pid}, ${fault.call}): ${fault.detail}`);
    this.name = 'DeviceFaultError';
    this.fault = fault;
  }
}

/** What owns a region's bytes and knows its blocks: used to stop writes that run past a block. */
export interface RegionClient {
  /**
   * `null` when a write of `len` bytes at `addr` stays inside what may be written, otherwise why
   * not (it starts in a live block and runs past its end, or starts in a live block's header or
   * guard).
   */
  checkWrite(addr: number, len: number): string | null;
}

/**
 * The kind of a mapped region: a fixed pool, a process heap, or a process image (the static
 * data and stack of a WebAssembly process, see `cruntime/`).
 */
export type RegionKind = 'pool' | 'heap' | 'image';

/** Host page size used when growing a region's backing store (CE's page is 1 KB; 4 KB here is host-friendly). */
const COMMIT_CHUNK = 4096;

interface ResizableArrayBuffer extends ArrayBuffer {
  resize(newByteLength: number): void;
  readonly maxByteLength: number;
}
// ES2024 resizable ArrayBuffer (Node 20 has it; TypeScript's ES2022 lib does not describe it).
const ResizableArrayBufferCtor = ArrayBuffer as unknown as new (len: number, opts: { maxByteLength: number }) => ResizableArrayBuffer;

/** One mapped range of device addresses `[base, base + size)`. */
export class Region {
  /** Host bytes committed so far; grows on demand, never beyond `size`. */
  bytes: Uint8Array | null = null;
  private rab: ResizableArrayBuffer | null = null;
  private attached = false;
  /** Who checks writes in this region (the pool or heap). */
  client: RegionClient | null = null;
  /** The process an `image` region belongs to (0 for pools and heaps, whose blocks say whose they are). */
  pid = 0;

  /**
   * @param name e.g. `pool:general` or `heap:pid 3`
   * @param base first device address
   * @param size bytes mapped
   * @param kind pool or heap
   * @param grow true: back the region incrementally (heaps); false: all at once on first touch (pools)
   */
  constructor(
    readonly name: string,
    readonly base: number,
    readonly size: number,
    readonly kind: RegionKind,
    readonly grow: boolean,
  ) {}

  /** Host bytes committed now. */
  get committed(): number {
    return this.bytes === null ? 0 : this.bytes.length;
  }

  /** Makes sure offsets `[0, end)` have host backing; returns the backing bytes. */
  ensure(end: number): Uint8Array {
    const b = this.bytes;
    if (b !== null && b.length >= end) return b;
    if (!this.grow) {
      this.bytes = new Uint8Array(this.size);
      return this.bytes;
    }
    const want = Math.min(this.size, Math.max(COMMIT_CHUNK, Math.ceil(end / COMMIT_CHUNK) * COMMIT_CHUNK, (b?.length ?? 0) * 2));
    if (this.rab === null) {
      this.rab = new ResizableArrayBufferCtor(want, { maxByteLength: this.size });
      this.bytes = new Uint8Array(this.rab); // length-tracking: follows every resize
    } else {
      this.rab.resize(want);
    }
    return this.bytes!;
  }

  /** Drops the host backing (the region is being unmapped). */
  release(): void {
    this.bytes = null;
    this.rab = null;
    this.attached = false;
  }

  /** True while the region's bytes are a window of someone else's buffer ({@link attach}). */
  get isAttached(): boolean {
    return this.attached;
  }

  /**
   * Backs the region with `view` (exactly `size` bytes of another buffer, e.g. a WebAssembly
   * process's linear memory at the region's own address), copying in the bytes committed so
   * far (a region with none keeps the view's bytes): from then on device reads and writes and the other buffer's owner see the same bytes.
   */
  attach(view: Uint8Array): void {
    if (view.length !== this.size) throw new RangeError(`region ${this.name}: attach needs ${this.size} bytes, got ${view.length}`);
    const old = this.bytes;
    // A region never touched has no bytes of its own: the view's bytes (e.g. a module's
    // initialised data, or the zeroes of a fresh memory) become the region's.
    if (old !== null) view.set(old.subarray(0, Math.min(old.length, this.size)));
    this.bytes = view;
    this.rab = null;
    this.attached = true;
  }

  /** Gives an attached region its own backing again, with a copy of its bytes ({@link attach} undone). */
  detach(): void {
    if (!this.attached || this.bytes === null) return;
    const own = new Uint8Array(this.size);
    own.set(this.bytes);
    this.bytes = own;
    this.attached = false;
  }
}

/** How `DeviceMemory` reports a fault: the device records, counts and emits it, then we throw. */
export type FaultSink = (kind: DeviceFaultKind, pid: number, addr: number, detail: string) => DeviceFault;

/** The device's address space: the mapped regions and access to them by address. */
export class DeviceMemory {
  private regionList: Region[] = [];
  private last: Region | null = null;

  /** @param fault records a fault (the device's `recordFault`) */
  constructor(
    private readonly fault: FaultSink,
    private readonly currentPid: () => number,
  ) {}

  /** The mapped regions, by address. */
  regions(): readonly Region[] {
    return this.regionList;
  }

  /** Maps a region; throws if it overlaps another or includes address 0. */
  map(r: Region): Region {
    if (r.base <= 0 || r.base + r.size > 0x1_0000_0000) throw new RangeError(`region ${r.name}: outside the 32-bit address space or covers NULL`);
    for (const o of this.regionList) {
      if (r.base < o.base + o.size && o.base < r.base + r.size) throw new RangeError(`region ${r.name} overlaps ${o.name}`);
    }
    this.regionList.push(r);
    this.regionList.sort((a, b) => a.base - b.base);
    return r;
  }

  /** Unmaps a region and drops its host backing. */
  unmap(r: Region): void {
    this.regionList = this.regionList.filter((x) => x !== r);
    if (this.last === r) this.last = null;
    r.release();
  }

  /** The region holding `addr`, or null. */
  regionAt(addr: number): Region | null {
    const l = this.last;
    if (l !== null && addr >= l.base && addr < l.base + l.size) return l;
    const rs = this.regionList;
    let lo = 0;
    let hi = rs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = rs[mid]!;
      if (addr < r.base) hi = mid - 1;
      else if (addr >= r.base + r.size) lo = mid + 1;
      else {
        this.last = r;
        return r;
      }
    }
    return null;
  }

  private raise(kind: DeviceFaultKind, pid: number, addr: number, detail: string): never {
    throw new DeviceFaultError(this.fault(kind, pid, addr, detail));
  }

  /** Resolves `[addr, addr+len)` to a region, faulting if it is not wholly inside one. */
  private resolve(addr: number, len: number, pid: number, what: string): Region {
    if (!Number.isInteger(addr) || !Number.isInteger(len) || len < 0) {
      throw new RangeError(`${what}: expected integer address and non-negative integer length, got ${addr}, ${len}`);
    }
    const r = this.regionAt(addr);
    if (r === null) this.raise('unmapped-access', pid, addr, `${what} of ${len} bytes at unmapped address 0x${(addr >>> 0).toString(16)}`);
    if (addr + len > r.base + r.size) {
      this.raise('unmapped-access', pid, r.base + r.size, `${what} of ${len} bytes at 0x${addr.toString(16)} runs past the end of ${r.name}`);
    }
    return r;
  }

  private checkWrite(r: Region, addr: number, len: number, pid: number, what: string): void {
    const c = r.client;
    if (c === null) return;
    const why = c.checkWrite(addr, len);
    if (why !== null) this.raise('overflow', pid, addr, `${what} of ${len} bytes: ${why}`);
  }

  /** A copy of `len` bytes at `addr` (pid for the fault report; default the current process). */
  read(addr: number, len: number, pid: number = this.currentPid()): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    const r = this.resolve(addr, len, pid, 'read');
    const off = addr - r.base;
    return r.ensure(off + len).slice(off, off + len);
  }

  /** Copies `data` to `addr`; a write running past the block it starts in is an `overflow` fault. */
  write(addr: number, data: Uint8Array, pid: number = this.currentPid()): void {
    const len = data.length;
    if (len === 0) return;
    const r = this.resolve(addr, len, pid, 'write');
    this.checkWrite(r, addr, len, pid, 'write');
    const off = addr - r.base;
    r.ensure(off + len).set(data, off);
  }

  /** A live view of `len` bytes at `addr`, checked like a write (it can be written through). */
  view(addr: number, len: number, pid: number = this.currentPid()): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    const r = this.resolve(addr, len, pid, 'view');
    this.checkWrite(r, addr, len, pid, 'view');
    const off = addr - r.base;
    const b = r.ensure(off + len);
    return new Uint8Array(b.buffer, b.byteOffset + off, len);
  }

  /** Fills `len` bytes at `addr` with `value` (checked like a write). */
  fill(addr: number, len: number, value: number, pid: number = this.currentPid()): void {
    if (len === 0) return;
    const r = this.resolve(addr, len, pid, 'fill');
    this.checkWrite(r, addr, len, pid, 'fill');
    const off = addr - r.base;
    r.ensure(off + len).fill(value, off, off + len);
  }

  /** Little-endian 32-bit read. */
  readU32(addr: number, pid: number = this.currentPid()): number {
    const r = this.resolve(addr, 4, pid, 'readU32');
    const off = addr - r.base;
    const b = r.ensure(off + 4);
    return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
  }

  /** Little-endian 32-bit write (value taken modulo 2^32). */
  writeU32(addr: number, v: number, pid: number = this.currentPid()): void {
    const r = this.resolve(addr, 4, pid, 'writeU32');
    this.checkWrite(r, addr, 4, pid, 'writeU32');
    const off = addr - r.base;
    const b = r.ensure(off + 4);
    b[off] = v;
    b[off + 1] = v >>> 8;
    b[off + 2] = v >>> 16;
    b[off + 3] = v >>> 24;
  }

  /** Little-endian 16-bit read. */
  readU16(addr: number, pid: number = this.currentPid()): number {
    const r = this.resolve(addr, 2, pid, 'readU16');
    const off = addr - r.base;
    const b = r.ensure(off + 2);
    return b[off]! | (b[off + 1]! << 8);
  }

  /** Little-endian 16-bit write (value taken modulo 2^16). */
  writeU16(addr: number, v: number, pid: number = this.currentPid()): void {
    const r = this.resolve(addr, 2, pid, 'writeU16');
    this.checkWrite(r, addr, 2, pid, 'writeU16');
    const off = addr - r.base;
    const b = r.ensure(off + 2);
    b[off] = v;
    b[off + 1] = v >>> 8;
  }

  /** Host bytes committed over all regions. */
  committedBytes(): number {
    let n = 0;
    for (const r of this.regionList) n += r.committed;
    return n;
  }
}
