/**
 * A wolfSSL-style fixed-block pool (wolfSSL `memory.c`, `WOLFSSL_STATIC_MEMORY`): buckets of
 * equal blocks, the smallest free bucket that fits, falling through to larger buckets
 * (`fallthrough`), or only the smallest fitting bucket (`strict`).
 *
 * Layout: one region; the buckets one after another; each block is `overheadBytes` of header
 * (as on a 32-bit device), `blockSize` usable bytes, `guardBytes` of guard pattern, padded to
 * `align`. The hot path keeps no per-allocation objects: free lists are typed-array stacks and
 * the owner record lives in parallel arrays indexed by block.
 */
import type { Account } from './account.js';
import type { Region, RegionClient } from './memory.js';
import type { AllocFailureCause, BucketStats, PoolPolicy, PoolProfile, PoolStats } from './types.js';

/**
 * Guard fill: 0xFD, the MSVC debug CRT's "no man's land" byte (`_bNoMansLandFill`, dbgheap.c),
 * which the CE-era toolchain used for the same purpose.
 */
export const GUARD_BYTE = 0xfd;
/** Guard bytes after each block's usable bytes (and at most this many at the header's end). */
export const GUARD_BYTES = 8;

/** Result codes of {@link FixedPool.free}. */
export enum FreeCode {
  /** Freed. */
  Ok = 0,
  /** Not the start of a block ever handed out (bad free). */
  NotABlock = 1,
  /** The block is already free. */
  DoubleFree = 2,
  /** The block belongs to another process; nothing changed. */
  Foreign = 3,
  /** Freed, but the guard bytes were damaged. */
  GuardDamaged = 4,
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** A fixed pool in device memory. */
export class FixedPool implements RegionClient {
  /** The pool's name (`token`, `general`, `io`…). */
  readonly name: string;
  /** Allocation policy; may be changed at run time. */
  policy: PoolPolicy;
  /** The pool's profile as validated. */
  readonly profile: PoolProfile;
  /** Header bytes per block (32-bit device: 16). */
  readonly overheadBytes: number;
  /** Guard bytes after each block. */
  readonly guardBytes = GUARD_BYTES;
  /** The mapped region. */
  readonly region: Region;
  /** Bytes the region spans: sum over buckets of count × stride. */
  readonly regionBytes: number;

  // Layout per bucket.
  private readonly nb: number;
  /** @internal */ readonly bSize: Int32Array;
  private readonly bCount: Int32Array;
  private readonly bStride: Int32Array;
  private readonly bOffset: Int32Array;
  private readonly bFirst: Int32Array;
  private readonly hdrGuard: number;
  // Free lists: a stack per bucket, within one array.
  private readonly freeStack: Int32Array;
  private readonly freeTop: Int32Array;
  // Per block.
  /** @internal */ readonly live: Uint8Array;
  private readonly everUsed: Uint8Array;
  /** @internal */ readonly blkSize: Int32Array;
  /** @internal */ readonly blkPid: Int32Array;
  /** @internal */ readonly blkTime: Float64Array;
  /** @internal */ readonly blkTag: string[];
  /** @internal */ readonly blkCall: string[];
  /** @internal */ readonly blkOwner: (Account | null)[];
  /** @internal */ readonly blkProc: (Account | null)[];
  // Statistics per bucket: requested bytes now/peak, used now/peak, allocs, frees, failed, forced, fallthrough.
  private readonly sCurReq: Float64Array;
  private readonly sPeakReq: Float64Array;
  private readonly sUsed: Int32Array;
  private readonly sPeakUsed: Int32Array;
  private readonly sAllocs: Float64Array;
  private readonly sFrees: Float64Array;
  private readonly sFailed: Float64Array;
  private readonly sForced: Float64Array;
  private readonly sFall: Float64Array;
  // Pool totals.
  private curReq = 0;
  private peakReq = 0;
  private curAtBlock = 0;
  private peakAtBlock = 0;
  private curBlocks = 0;
  private peakBlocks = 0;
  private allocs = 0;
  private frees = 0;
  private failed = 0;
  private forced = 0;
  private failedOversize = 0;
  private failedFragmented = 0;
  /**
   * Why the last failed `alloc` failed: `oversize` (larger than every bucket), `fragmented` (the
   * free blocks together held enough bytes, but none that fits was free under the policy) or
   * `exhausted` (not even the free total would have served it).
   */
  lastFailure: AllocFailureCause = 'exhausted';
  /** Whether the last successful `alloc` fell through to a larger bucket. */
  lastFallthrough = false;
  /** Blocks released by `Process.exit()`. */
  leakedAtExitBlocks = 0;
  /** Requested bytes of blocks released by `Process.exit()`. */
  leakedAtExitBytes = 0;
  /** Bucket index of the last successful allocation (read by the device right after `alloc`). */
  lastBucket = -1;

  /** Lays the pool out; the region must span `FixedPool.regionSize(profile)` bytes. */
  constructor(profile: PoolProfile, region: Region) {
    this.profile = profile;
    this.name = profile.name;
    this.policy = profile.policy ?? 'fallthrough';
    this.overheadBytes = profile.overheadBytes ?? 16;
    this.hdrGuard = Math.min(this.overheadBytes, GUARD_BYTES);
    const align = profile.align ?? 16;
    const nb = (this.nb = profile.buckets.length);
    this.bSize = new Int32Array(nb);
    this.bCount = new Int32Array(nb);
    this.bStride = new Int32Array(nb);
    this.bOffset = new Int32Array(nb);
    this.bFirst = new Int32Array(nb);
    let off = 0;
    let total = 0;
    profile.buckets.forEach((b, i) => {
      this.bSize[i] = b.blockSize;
      this.bCount[i] = b.count;
      const stride = alignUp(this.overheadBytes + b.blockSize + GUARD_BYTES, align);
      this.bStride[i] = stride;
      this.bOffset[i] = off;
      this.bFirst[i] = total;
      off += stride * b.count;
      total += b.count;
    });
    this.regionBytes = off;
    if (region.size < off) throw new RangeError(`pool ${this.name}: region of ${region.size} bytes, needs ${off}`);
    this.region = region;
    region.client = this;
    this.freeStack = new Int32Array(total);
    this.freeTop = new Int32Array(nb);
    for (let b = 0; b < nb; b++) {
      // Lowest address on top of the stack, so a fresh pool hands out blocks in address order.
      const first = this.bFirst[b]!;
      const n = this.bCount[b]!;
      for (let k = 0; k < n; k++) this.freeStack[first + k] = first + n - 1 - k;
      this.freeTop[b] = n;
    }
    this.live = new Uint8Array(total);
    this.everUsed = new Uint8Array(total);
    this.blkSize = new Int32Array(total);
    this.blkPid = new Int32Array(total);
    this.blkTime = new Float64Array(total);
    this.blkTag = new Array<string>(total).fill('');
    this.blkCall = new Array<string>(total).fill('');
    this.blkOwner = new Array<Account | null>(total).fill(null);
    this.blkProc = new Array<Account | null>(total).fill(null);
    this.sCurReq = new Float64Array(nb);
    this.sPeakReq = new Float64Array(nb);
    this.sUsed = new Int32Array(nb);
    this.sPeakUsed = new Int32Array(nb);
    this.sAllocs = new Float64Array(nb);
    this.sFrees = new Float64Array(nb);
    this.sFailed = new Float64Array(nb);
    this.sForced = new Float64Array(nb);
    this.sFall = new Float64Array(nb);
  }

  /** Region bytes a pool profile needs (count × (overhead + blockSize + guard), each padded to align). */
  static regionSize(p: PoolProfile): number {
    const overhead = p.overheadBytes ?? 16;
    const align = p.align ?? 16;
    let n = 0;
    for (const b of p.buckets) n += alignUp(overhead + b.blockSize + GUARD_BYTES, align) * b.count;
    return n;
  }

  /** Total number of blocks. */
  get blockCount(): number {
    return this.live.length;
  }

  /** Largest block size. */
  get maxBlockSize(): number {
    return this.bSize[this.nb - 1]!;
  }

  /** Address of block `idx`'s first usable byte. */
  addrOf(idx: number): number {
    let b = this.nb - 1;
    while (idx < this.bFirst[b]!) b--;
    return this.region.base + this.bOffset[b]! + (idx - this.bFirst[b]!) * this.bStride[b]! + this.overheadBytes;
  }

  /** Bucket index of block `idx`. */
  bucketOf(idx: number): number {
    let b = this.nb - 1;
    while (idx < this.bFirst[b]!) b--;
    return b;
  }

  /** Index of the block whose usable bytes start at `addr`, or -1. */
  indexOf(addr: number): number {
    const off = addr - this.region.base - this.overheadBytes;
    if (off < 0 || off >= this.regionBytes) return -1;
    let b = this.nb - 1;
    while (b > 0 && off < this.bOffset[b]!) b--;
    const rel = off - this.bOffset[b]!;
    const stride = this.bStride[b]!;
    if (rel % stride !== 0) return -1;
    const i = rel / stride;
    if (i >= this.bCount[b]!) return -1;
    return this.bFirst[b]! + i;
  }

  /** Index of the block slot (header, usable bytes, guard, padding) containing `addr`, or -1. */
  slotOf(addr: number): number {
    const off = addr - this.region.base;
    if (off < 0 || off >= this.regionBytes) return -1;
    let b = this.nb - 1;
    while (b > 0 && off < this.bOffset[b]!) b--;
    const i = Math.floor((off - this.bOffset[b]!) / this.bStride[b]!);
    return i < this.bCount[b]! ? this.bFirst[b]! + i : -1;
  }

  /** Smallest bucket whose blocks hold `size` bytes, or -1 if none. */
  fitBucket(size: number): number {
    const s = this.bSize;
    for (let b = 0; b < this.nb; b++) if (s[b]! >= size) return b;
    return -1;
  }

  /**
   * Takes a block for `size` bytes and records its owner; 0 when none is free (counted failed).
   * The caller (the device) has already checked forced failures and validated `size`.
   */
  alloc(size: number, pid: number, tag: string, call: string, timeNs: number, owner: Account, proc: Account): number {
    const s = this.bSize;
    const nb = this.nb;
    let fit = 0;
    while (fit < nb && s[fit]! < size) fit++;
    if (fit === nb) {
      this.failedOversize++;
      this.failed++;
      this.lastFailure = 'oversize';
      return 0;
    }
    let b = fit;
    const top = this.freeTop;
    if (top[b] === 0) {
      if (this.policy === 'strict') b = nb;
      else while (++b < nb && top[b] === 0);
      if (b === nb) {
        this.sFailed[fit]!++;
        this.failed++;
        if (this.freeBytes() >= size) {
          this.failedFragmented++;
          this.lastFailure = 'fragmented';
        } else this.lastFailure = 'exhausted';
        return 0;
      }
      this.sFall[b]!++;
      this.lastFallthrough = true;
    } else this.lastFallthrough = false;
    const t = --top[b]!;
    const idx = this.freeStack[this.bFirst[b]! + t]!;
    this.lastBucket = b;
    // Owner record.
    this.live[idx] = 1;
    this.everUsed[idx] = 1;
    this.blkSize[idx] = size;
    this.blkPid[idx] = pid;
    this.blkTime[idx] = timeNs;
    this.blkTag[idx] = tag;
    this.blkCall[idx] = call;
    this.blkOwner[idx] = owner;
    this.blkProc[idx] = proc;
    // Statistics.
    const bs = s[b]!;
    const cr = (this.sCurReq[b]! += size);
    if (cr > this.sPeakReq[b]!) this.sPeakReq[b] = cr;
    const u = ++this.sUsed[b]!;
    if (u > this.sPeakUsed[b]!) this.sPeakUsed[b] = u;
    this.sAllocs[b]!++;
    this.allocs++;
    if ((this.curReq += size) > this.peakReq) this.peakReq = this.curReq;
    if ((this.curAtBlock += bs) > this.peakAtBlock) this.peakAtBlock = this.curAtBlock;
    if (++this.curBlocks > this.peakBlocks) this.peakBlocks = this.curBlocks;
    // Header and guards.
    const start = this.bOffset[b]! + (idx - this.bFirst[b]!) * this.bStride[b]!;
    const mem = this.region.bytes ?? this.region.ensure(this.region.size);
    const usable = start + this.overheadBytes;
    if (this.overheadBytes >= 16) {
      mem[start] = size;
      mem[start + 1] = size >>> 8;
      mem[start + 2] = size >>> 16;
      mem[start + 3] = size >>> 24;
      mem[start + 4] = pid;
      mem[start + 5] = pid >>> 8;
      mem[start + 6] = pid >>> 16;
      mem[start + 7] = pid >>> 24;
    }
    for (let k = usable - this.hdrGuard; k < usable; k++) mem[k] = GUARD_BYTE;
    const g = usable + bs;
    mem[g] = GUARD_BYTE;
    mem[g + 1] = GUARD_BYTE;
    mem[g + 2] = GUARD_BYTE;
    mem[g + 3] = GUARD_BYTE;
    mem[g + 4] = GUARD_BYTE;
    mem[g + 5] = GUARD_BYTE;
    mem[g + 6] = GUARD_BYTE;
    mem[g + 7] = GUARD_BYTE;
    return this.region.base + usable;
  }

  /** Counts a forced failure for a request of `size` bytes (the allocation was never tried). */
  countForced(size: number): void {
    this.forced++;
    this.failed++;
    const fit = this.fitBucket(size);
    if (fit < 0) this.failedOversize++;
    else {
      this.sFailed[fit]!++;
      this.sForced[fit]!++;
    }
  }

  /** Whether block `idx`'s header and trailing guard bytes are intact. */
  guardsIntact(idx: number): boolean {
    const mem = this.region.bytes;
    if (mem === null) return true;
    const b = this.bucketOf(idx);
    const usable = this.bOffset[b]! + (idx - this.bFirst[b]!) * this.bStride[b]! + this.overheadBytes;
    for (let k = usable - this.hdrGuard; k < usable; k++) if (mem[k] !== GUARD_BYTE) return false;
    const g = usable + this.bSize[b]!;
    for (let k = 0; k < GUARD_BYTES; k++) if (mem[g + k] !== GUARD_BYTE) return false;
    if (this.overheadBytes >= 16) {
      const start = usable - this.overheadBytes;
      const sz = (mem[start]! | (mem[start + 1]! << 8) | (mem[start + 2]! << 16) | (mem[start + 3]! << 24)) >>> 0;
      if (sz !== this.blkSize[idx]) return false;
    }
    return true;
  }

  /**
   * Frees the block at `addr` for process `pid`. A foreign, double or bad free changes nothing;
   * a block with damaged guards is freed and reported (`GuardDamaged`).
   * Sets `lastFreed` to the block index when a block was released.
   */
  free(addr: number, pid: number): FreeCode {
    const off = addr - this.region.base - this.overheadBytes;
    if (off < 0 || off >= this.regionBytes) return FreeCode.NotABlock;
    let b = this.nb - 1;
    while (b > 0 && off < this.bOffset[b]!) b--;
    const rel = off - this.bOffset[b]!;
    const stride = this.bStride[b]!;
    if (rel % stride !== 0) return FreeCode.NotABlock;
    const i = rel / stride;
    if (i >= this.bCount[b]!) return FreeCode.NotABlock;
    const idx = this.bFirst[b]! + i;
    if (this.live[idx] === 0) return this.everUsed[idx] === 1 ? FreeCode.DoubleFree : FreeCode.NotABlock;
    if (this.blkPid[idx] !== pid) return FreeCode.Foreign;
    // Guards: header guard, trailing guard, header size word.
    let intact = true;
    const mem = this.region.bytes!;
    const usable = off + this.overheadBytes;
    for (let k = usable - this.hdrGuard; k < usable; k++) if (mem[k] !== GUARD_BYTE) intact = false;
    const g = usable + this.bSize[b]!;
    if (
      mem[g] !== GUARD_BYTE || mem[g + 1] !== GUARD_BYTE || mem[g + 2] !== GUARD_BYTE || mem[g + 3] !== GUARD_BYTE ||
      mem[g + 4] !== GUARD_BYTE || mem[g + 5] !== GUARD_BYTE || mem[g + 6] !== GUARD_BYTE || mem[g + 7] !== GUARD_BYTE
    ) {
      intact = false;
    }
    if (this.overheadBytes >= 16) {
      const st = off;
      if (((mem[st]! | (mem[st + 1]! << 8) | (mem[st + 2]! << 16) | (mem[st + 3]! << 24)) >>> 0) !== this.blkSize[idx]) intact = false;
    }
    this.releaseIn(b, idx);
    return intact ? FreeCode.Ok : FreeCode.GuardDamaged;
  }

  /** Index of the block the last successful `free`/`release` released. */
  lastFreed = -1;

  /** Returns block `idx` to its bucket's free list and updates the statistics and accounts. */
  release(idx: number): void {
    this.releaseIn(this.bucketOf(idx), idx);
  }

  private releaseIn(b: number, idx: number): void {
    const size = this.blkSize[idx]!;
    this.live[idx] = 0;
    this.freeStack[this.bFirst[b]! + this.freeTop[b]!++] = idx;
    this.sCurReq[b]! -= size;
    this.sUsed[b]!--;
    this.sFrees[b]!++;
    this.frees++;
    this.curReq -= size;
    this.curAtBlock -= this.bSize[b]!;
    this.curBlocks--;
    this.blkOwner[idx]!.sub(size);
    this.blkProc[idx]!.sub(size);
    this.blkOwner[idx] = null;
    this.blkProc[idx] = null;
    this.lastFreed = idx;
  }

  /** Usable bytes of block `idx` (its bucket's block size). */
  blockSizeOf(idx: number): number {
    return this.bSize[this.bucketOf(idx)]!;
  }

  /** Indices of the live blocks, in address order. */
  liveBlocks(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.live.length; i++) if (this.live[i] === 1) out.push(i);
    return out;
  }

  /** @inheritdoc */
  checkWrite(addr: number, len: number): string | null {
    const idx = this.slotOf(addr);
    if (idx < 0 || this.live[idx] === 0) return null;
    const usable = this.addrOf(idx);
    const size = this.blkSize[idx]!;
    if (addr < usable) return `starts in the header of the ${this.name} block at 0x${usable.toString(16)}`;
    if (addr + len > usable + size) {
      return `runs past the end of the ${this.name} block at 0x${usable.toString(16)} (${size} bytes requested, write ends at +${addr + len - usable})`;
    }
    return null;
  }

  /** Usable bytes of the free blocks (Σ free × blockSize over the buckets). */
  freeBytes(): number {
    let n = 0;
    for (let b = 0; b < this.nb; b++) n += this.freeTop[b]! * this.bSize[b]!;
    return n;
  }

  /** Usable bytes of the largest free block (the largest request that can succeed now), 0 when none is free. */
  largestFreeBlock(): number {
    for (let b = this.nb - 1; b >= 0; b--) if (this.freeTop[b]! > 0) return this.bSize[b]!;
    return 0;
  }

  /** Usable bytes of the blocks in use now, at block size. */
  get usedBytesAtBlockSize(): number {
    return this.curAtBlock;
  }

  /** Free blocks now, over all buckets. */
  freeBlockCount(): number {
    return this.blockCount - this.curBlocks;
  }

  /** Free blocks now in bucket `b`. */
  freeIn(b: number): number {
    return this.freeTop[b]!;
  }

  /** Number of buckets. */
  get bucketCount(): number {
    return this.nb;
  }

  /** JSON-ready statistics. */
  stats(): PoolStats {
    const buckets: BucketStats[] = [];
    for (let b = 0; b < this.nb; b++) {
      const bs = this.bSize[b]!;
      buckets.push({
        blockSize: bs,
        count: this.bCount[b]!,
        free: this.freeTop[b]!,
        used: this.sUsed[b]!,
        peakUsed: this.sPeakUsed[b]!,
        currentBytesRequested: this.sCurReq[b]!,
        peakBytesRequested: this.sPeakReq[b]!,
        currentBytesAtBlockSize: this.sUsed[b]! * bs,
        peakBytesAtBlockSize: this.sPeakUsed[b]! * bs,
        totalAllocs: this.sAllocs[b]!,
        totalFrees: this.sFrees[b]!,
        failedAllocs: this.sFailed[b]!,
        forcedFailures: this.sForced[b]!,
        fallthroughAllocs: this.sFall[b]!,
      });
    }
    return {
      name: this.name,
      policy: this.policy,
      regionBase: this.region.base,
      regionBytes: this.regionBytes,
      committedBytes: this.region.committed,
      overheadBytes: this.overheadBytes,
      guardBytes: GUARD_BYTES,
      currentBytesRequested: this.curReq,
      peakBytesRequested: this.peakReq,
      currentBytesAtBlockSize: this.curAtBlock,
      peakBytesAtBlockSize: this.peakAtBlock,
      currentOverheadBytes: this.curBlocks * this.overheadBytes,
      currentBlocks: this.curBlocks,
      peakBlocks: this.peakBlocks,
      totalAllocs: this.allocs,
      totalFrees: this.frees,
      failedAllocs: this.failed,
      forcedFailures: this.forced,
      failedOversize: this.failedOversize,
      fragmentationFailures: this.failedFragmented,
      ...freeSummary(this.freeBytes(), this.largestFreeBlock(), this.freeBlockCount()),
      leakedAtExitBlocks: this.leakedAtExitBlocks,
      leakedAtExitBytes: this.leakedAtExitBytes,
      buckets,
    };
  }
}

/**
 * Free bytes, the largest free block, the free-block count and the external fragmentation
 * `1 − largest / free` (0 when nothing or one run is free; near 1 when the free bytes are in many
 * small pieces). The same measure for pools and heaps, so the report draws them alike.
 */
export function freeSummary(freeBytes: number, largestFreeBytes: number, freeBlocks: number): { freeBytes: number; largestFreeBytes: number; freeBlocks: number; fragmentation: number } {
  return { freeBytes, largestFreeBytes, freeBlocks, fragmentation: fragmentation(freeBytes, largestFreeBytes) };
}

/** External fragmentation `1 − largest / free`, rounded to 4 places; 0 when nothing is free. */
export function fragmentation(freeBytes: number, largestFreeBytes: number): number {
  return freeBytes <= 0 ? 0 : Math.round((1 - largestFreeBytes / freeBytes) * 10_000) / 10_000;
}
