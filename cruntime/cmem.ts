/**
 * The C process's view of its linear memory, for the imports that read and write C structures
 * (32-bit layouts: ULONG and pointers 4 bytes, little-endian). A pointer outside the memory is
 * a {@link BadPointer}, which each import turns into its own status (`SEC_E_INVALID_TOKEN`,
 * `WSAEFAULT`…), never a host exception.
 */

/** Thrown by {@link CMemory} for a pointer (or a range) outside linear memory; caught by the import. */
export class BadPointer extends Error {
  /** @param addr the pointer, @param len the bytes wanted */
  constructor(
    readonly addr: number,
    readonly len: number,
  ) {
    super(`bad pointer 0x${(addr >>> 0).toString(16)} (${len} bytes)`);
    this.name = 'BadPointer';
  }
}

/** Bounds-checked little-endian access to a WebAssembly memory that never grows. */
export class CMemory {
  /** The bytes. */
  readonly u8: Uint8Array;
  /** The same bytes as a DataView. */
  readonly dv: DataView;

  constructor(readonly memory: WebAssembly.Memory) {
    this.u8 = new Uint8Array(memory.buffer);
    this.dv = new DataView(memory.buffer);
  }

  /** Throws {@link BadPointer} unless `[addr, addr+len)` is inside memory and `addr` is not NULL. */
  check(addr: number, len: number): void {
    if (!Number.isInteger(addr) || addr <= 0 || len < 0 || addr + len > this.u8.length) throw new BadPointer(addr, len);
  }

  /** Unsigned 32-bit read. */
  u32(addr: number): number {
    this.check(addr, 4);
    return this.dv.getUint32(addr, true);
  }

  /** 32-bit write. */
  setU32(addr: number, v: number): void {
    this.check(addr, 4);
    this.dv.setUint32(addr, v >>> 0, true);
  }

  /** Unsigned 16-bit read. */
  u16(addr: number): number {
    this.check(addr, 2);
    return this.dv.getUint16(addr, true);
  }

  /** 16-bit write. */
  setU16(addr: number, v: number): void {
    this.check(addr, 2);
    this.dv.setUint16(addr, v & 0xffff, true);
  }

  /** A copy of `len` bytes. */
  bytes(addr: number, len: number): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    this.check(addr, len);
    return this.u8.slice(addr, addr + len);
  }

  /** Copies `data` to `addr`. */
  write(addr: number, data: Uint8Array): void {
    if (data.length === 0) return;
    this.check(addr, data.length);
    this.u8.set(data, addr);
  }

  /** A NUL-terminated UTF-16 string (`LPCWSTR`), at most `max` characters; null for NULL. */
  wide(addr: number, max = 4096): string | null {
    if (addr === 0) return null;
    let s = '';
    for (let i = 0; i < max; i++) {
      const c = this.u16(addr + 2 * i);
      if (c === 0) return s;
      s += String.fromCharCode(c);
    }
    throw new BadPointer(addr, 2 * max);
  }

  /** A UTF-16 string of exactly `chars` characters. */
  wideN(addr: number, chars: number): string {
    let s = '';
    for (let i = 0; i < chars; i++) s += String.fromCharCode(this.u16(addr + 2 * i));
    return s;
  }

  /** A NUL-terminated 8-bit string (`LPCSTR`, Latin-1), at most `max` bytes; null for NULL. */
  cstr(addr: number, max = 4096): string | null {
    if (addr === 0) return null;
    let s = '';
    for (let i = 0; i < max; i++) {
      this.check(addr + i, 1);
      const c = this.u8[addr + i]!;
      if (c === 0) return s;
      s += String.fromCharCode(c);
    }
    throw new BadPointer(addr, max);
  }

  /** Writes `s` NUL-terminated into at most `cap` bytes (truncating). */
  setCstr(addr: number, s: string, cap: number): void {
    const n = Math.min(s.length, cap - 1);
    this.check(addr, n + 1);
    for (let i = 0; i < n; i++) this.u8[addr + i] = s.charCodeAt(i) & 0xff;
    this.u8[addr + n] = 0;
  }
}
