/**
 * A process heap as `LocalAlloc` sees it on CE 2.x: one region in the process's slot, 8-byte
 * granularity, first fit with coalescing of free neighbours (reference §6: "CE heap: fixed
 * blocks, 4/8-B granularity, 384 KB initial reserve").
 *
 * Each heap item is an 8-byte header (requested size, then 4 guard bytes), the usable bytes
 * rounded up to 8, and 8 guard bytes. The host backing grows with the highest item touched.
 */
import type { Account } from './account.js';
import type { Region, RegionClient } from './memory.js';
import { FreeCode, GUARD_BYTE, GUARD_BYTES } from './pool.js';
import type { AllocFailureCause } from './types.js';

/** Heap granularity: CE rounds heap items to 8 bytes (reference §6). */
export const HEAP_GRANULARITY = 8;
/** Modelled heap item header (size word + 4 guard bytes). */
export const HEAP_HEADER_BYTES = 8;

/** A live heap item's owner record. */
export interface HeapBlock {
  /** Requested bytes. */
  size: number;
  /** Usable bytes (`LocalSize`): size rounded up to the granularity. */
  usable: number;
  pid: number;
  tag: string;
  call: string;
  timeNs: number;
  owner: Account;
  proc: Account;
}

function roundUp(n: number): number {
  return Math.ceil(n / HEAP_GRANULARITY) * HEAP_GRANULARITY;
}

/** One process heap. */
export class ProcessHeap implements RegionClient {
  // Segments tile the region in address order: offset, length, and the item when in use.
  private segOff: number[];
  private segLen: number[];
  private segBlk: (HeapBlock | null)[];
  private freedStarts = new Set<number>();
  /** Requested bytes in use now / at peak. */
  currentBytesRequested = 0;
  peakBytesRequested = 0;
  /** Heap bytes taken (items with headers, rounding and guards) now / at peak. */
  currentBytesUsed = 0;
  peakBytesUsed = 0;
  currentBlocks = 0;
  peakBlocks = 0;
  totalAllocs = 0;
  totalFrees = 0;
  failedAllocs = 0;
  forcedFailures = 0;
  /** Failed requests that the free total would have served, had it been one run (see `lastFailure`). */
  fragmentationFailures = 0;
  /** Why the last failed `alloc` failed: `fragmented` when the free runs together held enough bytes, else `exhausted`. */
  lastFailure: AllocFailureCause = 'exhausted';
  leakedAtExitBlocks = 0;
  leakedAtExitBytes = 0;

  /** A heap over the whole of `region`. */
  constructor(readonly region: Region) {
    this.segOff = [0];
    this.segLen = [region.size];
    this.segBlk = [null];
    region.client = this;
  }

  /** Heap bytes an item of `size` requested bytes takes. */
  static itemBytes(size: number): number {
    return HEAP_HEADER_BYTES + roundUp(Math.max(size, 1)) + GUARD_BYTES;
  }

  /** First fit: the address of the new item's usable bytes, or 0 when no free run is large enough. */
  alloc(size: number, zero: boolean, pid: number, tag: string, call: string, timeNs: number, owner: Account, proc: Account): number {
    const need = ProcessHeap.itemBytes(size);
    const n = this.segOff.length;
    let i = 0;
    for (; i < n; i++) if (this.segBlk[i] === null && this.segLen[i]! >= need) break;
    if (i === n) {
      this.failedAllocs++;
      if (this.freeInfo().freeBytes >= need) {
        this.fragmentationFailures++;
        this.lastFailure = 'fragmented';
      } else this.lastFailure = 'exhausted';
      return 0;
    }
    const off = this.segOff[i]!;
    const len = this.segLen[i]!;
    // Split when the rest can hold a minimal item; otherwise the item keeps the slack.
    if (len - need >= ProcessHeap.itemBytes(1)) {
      this.segLen[i] = need;
      this.segOff.splice(i + 1, 0, off + need);
      this.segLen.splice(i + 1, 0, len - need);
      this.segBlk.splice(i + 1, 0, null);
    }
    const usable = roundUp(Math.max(size, 1));
    const blk: HeapBlock = { size, usable, pid, tag, call, timeNs, owner, proc };
    this.segBlk[i] = blk;
    const taken = this.segLen[i]!;
    const mem = this.region.ensure(off + taken);
    mem[off] = size;
    mem[off + 1] = size >>> 8;
    mem[off + 2] = size >>> 16;
    mem[off + 3] = size >>> 24;
    mem.fill(GUARD_BYTE, off + 4, off + HEAP_HEADER_BYTES);
    const u = off + HEAP_HEADER_BYTES;
    if (zero) mem.fill(0, u, u + usable);
    mem.fill(GUARD_BYTE, u + usable, u + usable + GUARD_BYTES);
    this.freedStarts.delete(u);
    this.totalAllocs++;
    if ((this.currentBytesRequested += size) > this.peakBytesRequested) this.peakBytesRequested = this.currentBytesRequested;
    if ((this.currentBytesUsed += taken) > this.peakBytesUsed) this.peakBytesUsed = this.currentBytesUsed;
    if (++this.currentBlocks > this.peakBlocks) this.peakBlocks = this.currentBlocks;
    return this.region.base + u;
  }

  /** Segment index whose range holds region offset `off`, or -1. */
  private segAt(off: number): number {
    const so = this.segOff;
    let lo = 0;
    let hi = so.length - 1;
    if (off < 0 || off >= this.region.size) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (so[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Segment index of the live item whose usable bytes start at `addr`, or -1. */
  private itemAt(addr: number): number {
    const off = addr - this.region.base - HEAP_HEADER_BYTES;
    const i = this.segAt(off);
    if (i < 0 || this.segOff[i] !== off || this.segBlk[i] === null) return -1;
    return i;
  }

  /** The live item at `addr`, or null. */
  blockAt(addr: number): HeapBlock | null {
    const i = this.itemAt(addr);
    return i < 0 ? null : this.segBlk[i]!;
  }

  /** Whether the item in segment `i` has intact header and guard bytes. */
  private intact(i: number): boolean {
    const mem = this.region.bytes;
    if (mem === null) return true;
    const off = this.segOff[i]!;
    const blk = this.segBlk[i]!;
    const sz = (mem[off]! | (mem[off + 1]! << 8) | (mem[off + 2]! << 16) | (mem[off + 3]! << 24)) >>> 0;
    if (sz !== blk.size) return false;
    for (let k = off + 4; k < off + HEAP_HEADER_BYTES; k++) if (mem[k] !== GUARD_BYTE) return false;
    const g = off + HEAP_HEADER_BYTES + blk.usable;
    for (let k = g; k < g + GUARD_BYTES; k++) if (mem[k] !== GUARD_BYTE) return false;
    return true;
  }

  /** Frees the item at `addr` for `pid` (see `FixedPool.free` for the codes). */
  free(addr: number, pid: number): FreeCode {
    const i = this.itemAt(addr);
    if (i < 0) return this.freedStarts.has(addr) ? FreeCode.DoubleFree : FreeCode.NotABlock;
    const blk = this.segBlk[i]!;
    if (blk.pid !== pid) return FreeCode.Foreign;
    const ok = this.intact(i);
    this.releaseSeg(i, addr);
    return ok ? FreeCode.Ok : FreeCode.GuardDamaged;
  }

  /** Releases the item at `addr` whatever its state (process exit). */
  releaseAt(addr: number): void {
    const i = this.itemAt(addr);
    if (i >= 0) this.releaseSeg(i, addr);
  }

  private releaseSeg(i: number, addr: number): void {
    const blk = this.segBlk[i]!;
    this.segBlk[i] = null;
    this.currentBytesRequested -= blk.size;
    this.currentBytesUsed -= this.segLen[i]!;
    this.currentBlocks--;
    this.totalFrees++;
    blk.owner.sub(blk.size);
    blk.proc.sub(blk.size);
    this.freedStarts.add(addr);
    // Coalesce with the next, then the previous free neighbour.
    if (i + 1 < this.segOff.length && this.segBlk[i + 1] === null) {
      this.segLen[i] = this.segLen[i]! + this.segLen[i + 1]!;
      this.segOff.splice(i + 1, 1);
      this.segLen.splice(i + 1, 1);
      this.segBlk.splice(i + 1, 1);
    }
    if (i > 0 && this.segBlk[i - 1] === null) {
      this.segLen[i - 1] = this.segLen[i - 1]! + this.segLen[i]!;
      this.segOff.splice(i, 1);
      this.segLen.splice(i, 1);
      this.segBlk.splice(i, 1);
    }
  }

  /** Addresses of the live items with their records, in address order. */
  liveItems(): { addr: number; blk: HeapBlock }[] {
    const out: { addr: number; blk: HeapBlock }[] = [];
    for (let i = 0; i < this.segOff.length; i++) {
      const b = this.segBlk[i];
      if (b) out.push({ addr: this.region.base + this.segOff[i]! + HEAP_HEADER_BYTES, blk: b });
    }
    return out;
  }

  /** Addresses of live items whose guard or header bytes are damaged. */
  damaged(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.segOff.length; i++) if (this.segBlk[i] && !this.intact(i)) out.push(this.region.base + this.segOff[i]! + HEAP_HEADER_BYTES);
    return out;
  }

  /** Free bytes, the largest free run, and the number of free runs (fragmentation). */
  freeInfo(): { freeBytes: number; largestFreeBytes: number; freeSegments: number } {
    let freeBytes = 0;
    let largest = 0;
    let segs = 0;
    for (let i = 0; i < this.segOff.length; i++) {
      if (this.segBlk[i] === null) {
        const l = this.segLen[i]!;
        freeBytes += l;
        segs++;
        if (l > largest) largest = l;
      }
    }
    return { freeBytes, largestFreeBytes: largest, freeSegments: segs };
  }

  /** @inheritdoc */
  checkWrite(addr: number, len: number): string | null {
    const i = this.segAt(addr - this.region.base);
    if (i < 0) return null;
    const blk = this.segBlk[i];
    if (!blk) return null;
    const usable = this.region.base + this.segOff[i]! + HEAP_HEADER_BYTES;
    if (addr < usable) return `starts in the header of the heap item at 0x${usable.toString(16)}`;
    if (addr + len > usable + blk.usable) {
      return `runs past the end of the heap item at 0x${usable.toString(16)} (LocalSize ${blk.usable}, write ends at +${addr + len - usable})`;
    }
    return null;
  }
}
