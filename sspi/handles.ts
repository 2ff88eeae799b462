/**
 * Per-process SSPI handle tables.
 *
 * `dwUpper` names the package (its index in the device's package list); `dwLower` names the
 * object: bits 31..26 the process's table id (1..63; CE 2.x runs at most 32 processes), bits
 * 25..16 the slot's generation (1..1023), bits 15..0 the slot (0..0xFFFE). A slot's generation
 * advances when its object is released, and slots are reused first-in first-out, so a deleted
 * handle does not become valid again (reference check 7); a handle made in another process
 * carries another table id and is never found here. `0xFFFFFFFF/0xFFFFFFFF`
 * (`SecInvalidateHandle`) decodes to no slot.
 */

/** What a handle can name. */
export type HandleKind = 'credential' | 'context';

/** Largest slot index (0xFFFF is kept free so that `dwLower` is never 0xFFFFFFFF). */
const MAX_SLOT = 0xfffe;
/** Generations cycle through 1..MAX_GEN. */
const MAX_GEN = 0x3ff;

interface Slot<T> {
  gen: number;
  entry: { kind: HandleKind; pkg: number; obj: T; block: number } | null;
}

/**
 * Where a handle table's entries live on the device: Security.dll keeps one entry per open
 * handle in the calling process's memory (`alloc` returns a device address, 0 when the pool is
 * out; `free` releases it).
 */
export interface HandleStorage {
  alloc(kind: HandleKind): number;
  free(addr: number): void;
}

/** One process's table of credential and context handles. */
export class HandleTable<T> {
  private readonly slots: Slot<T>[] = [];
  private readonly free: number[] = [];
  private head = 0;

  /** A table whose handles carry `tableId` (1..63). */
  constructor(
    readonly tableId: number,
    private readonly storage: HandleStorage | null = null,
  ) {}

  /** Stores an object; returns its `{ dwLower, dwUpper }`, or null when the table is full. */
  add(kind: HandleKind, pkg: number, obj: T): { dwLower: number; dwUpper: number } | null {
    const block = this.storage ? this.storage.alloc(kind) : 0;
    if (this.storage && block === 0) return null;
    let slot: number;
    if (this.head < this.free.length) {
      slot = this.free[this.head++]!;
      if (this.head > 64 && this.head * 2 > this.free.length) {
        this.free.splice(0, this.head);
        this.head = 0;
      }
    } else if (this.slots.length <= MAX_SLOT) {
      slot = this.slots.length;
      this.slots.push({ gen: 1, entry: null });
    } else {
      if (block) this.storage!.free(block);
      return null;
    }
    const s = this.slots[slot]!;
    s.entry = { kind, pkg, obj, block };
    return { dwLower: this.encode(slot, s.gen), dwUpper: pkg >>> 0 };
  }

  /** The object a handle names, if it is live, of `kind`, and of this table. */
  get(kind: HandleKind, dwLower: number, dwUpper: number): T | null {
    const slot = this.decode(dwLower);
    if (slot === null) return null;
    const s = this.slots[slot.slot];
    if (!s || s.gen !== slot.gen || !s.entry) return null;
    if (s.entry.kind !== kind || s.entry.pkg !== dwUpper) return null;
    return s.entry.obj;
  }

  /** Releases a handle; its slot's generation advances. Returns the object, or null. */
  remove(kind: HandleKind, dwLower: number, dwUpper: number): T | null {
    const obj = this.get(kind, dwLower, dwUpper);
    if (obj === null) return null;
    const slot = this.decode(dwLower)!.slot;
    const s = this.slots[slot]!;
    if (s.entry?.block) this.storage?.free(s.entry.block);
    s.entry = null;
    s.gen = s.gen >= MAX_GEN ? 1 : s.gen + 1;
    this.free.push(slot);
    return obj;
  }

  /** Every live object with its handle words. */
  entries(): { kind: HandleKind; dwLower: number; dwUpper: number; obj: T }[] {
    const out: { kind: HandleKind; dwLower: number; dwUpper: number; obj: T }[] = [];
    this.slots.forEach((s, i) => {
      if (s.entry) out.push({ kind: s.entry.kind, dwLower: this.encode(i, s.gen), dwUpper: s.entry.pkg, obj: s.entry.obj });
    });
    return out;
  }

  private encode(slot: number, gen: number): number {
    return (((this.tableId & 0x3f) << 26) | ((gen & MAX_GEN) << 16) | slot) >>> 0;
  }

  private decode(dwLower: number): { slot: number; gen: number } | null {
    if (!Number.isInteger(dwLower) || dwLower < 0 || dwLower > 0xffffffff) return null;
    if (dwLower >>> 26 !== (this.tableId & 0x3f)) return null;
    const slot = dwLower & 0xffff;
    if (slot > MAX_SLOT) return null;
    return { slot, gen: (dwLower >>> 16) & MAX_GEN };
  }
}
