/**
 * SecBuffer / SecBufferDesc: checking what a caller passes, reading and writing buffers by
 * address in the caller's memory, and the UTF-16 strings of package-info blocks.
 *
 * Reference: sspi-behaviour.md §3.4 (types, attribute bits: "providers match buffer types
 * ignoring the attribute bits"), check 46 (an EMPTY input buffer must have `cbBuffer == 0`),
 * check 48 (EXTRA's `pvBuffer` is not meaningful, only `cbBuffer`).
 */

import type { Process } from '../device/index.js';
import {
  KNOWN_SECBUFFER_TYPES,
  SECBUFFER_ALERT,
  SECBUFFER_ATTRMASK,
  SECBUFFER_EXTRA,
  SECBUFFER_MISSING,
  SECBUFFER_TOKEN,
  SECBUFFER_VERSION,
} from './constants.js';
import { SecBuffer, SecBufferDesc } from './structures.js';

/** Largest `cBuffers` a descriptor may have (a bound, so a huge count cannot make work). */
export const MAX_SECBUFFERS = 64;

/** The type of a buffer with the attribute bits (`SECBUFFER_ATTRMASK`) masked off. */
export function bufferType(b: { BufferType: number }): number {
  return (b.BufferType & ~SECBUFFER_ATTRMASK) >>> 0;
}

/** Whether a buffer is an output token (TOKEN or ALERT), the kinds ALLOCATE_MEMORY applies to. */
export function isOutputTokenType(b: { BufferType: number }): boolean {
  const t = bufferType(b);
  return t === SECBUFFER_TOKEN || t === SECBUFFER_ALERT;
}

/** The index of the first buffer of `type` (attribute bits ignored) among the first `cBuffers`, or -1. */
export function findBuffer(desc: SecBufferDesc | null, type: number): number {
  if (!desc) return -1;
  for (let i = 0; i < desc.cBuffers; i++) if (bufferType(desc.pBuffers[i]!) === type) return i;
  return -1;
}

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

function isI32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v < 0;
}

/**
 * The bytes from `addr` to the end of the live block (pool block or heap item) of `process`
 * that contains it, or -1 when no live block of the process contains `addr`.
 */
export function bytesAvailableAt(process: Process, addr: number): number {
  if (!isU32(addr) || addr === 0) return -1;
  const exact = process.blockOf(addr);
  if (exact && exact.owner.pid === process.pid) return exact.size;
  // The process's own image (a C process's stack and static data) holds buffers too.
  const r = process.device.memory.regionAt(addr);
  if (r !== null && r.kind === 'image' && r.pid === process.pid) return r.base + r.size - addr;
  for (const b of process.device.leakReport({ pid: process.pid })) {
    if (addr >= b.addr && addr < b.addr + b.size) return b.addr + b.size - addr;
  }
  return -1;
}

/** Why a descriptor is refused, or null. */
export type DescProblem = 'shape' | 'version' | 'count' | 'type' | 'memory' | null;

/** How a descriptor is used: input buffers are read, output buffers written. */
export interface DescCheckOptions {
  /** True for pOutput-style descriptors. */
  output: boolean;
  /** Output TOKEN/ALERT buffers will be allocated by the dispatcher: their memory is not checked (check 33). */
  allocateTokens: boolean;
}

/**
 * Checks a caller's `SecBufferDesc`: an object with `ulVersion === SECBUFFER_VERSION`, an array
 * `pBuffers` holding at least `cBuffers` (≤ `MAX_SECBUFFERS`) `SecBuffer`-shaped objects with
 * unsigned 32-bit fields and known types, and `cbBuffer` bytes of the caller's memory behind
 * every `pvBuffer` (the live block containing `pvBuffer` must hold `cbBuffer` bytes from it;
 * `pvBuffer` 0 with `cbBuffer` 0 is fine). MISSING and EXTRA buffers carry counts, not memory
 * (check 48), and are not checked against memory. An output buffer with `pvBuffer` 0 and a
 * non-zero size is left to the package (NTLM's check 85 answers it).
 */
export function checkDesc(process: Process, desc: unknown, opts: DescCheckOptions): DescProblem {
  if (typeof desc !== 'object' || desc === null) return 'shape';
  const d = desc as Record<string, unknown>;
  if (!isU32(d['ulVersion']) || !isU32(d['cBuffers']) || !Array.isArray(d['pBuffers'])) return 'shape';
  if (d['ulVersion'] !== SECBUFFER_VERSION) return 'version';
  const n = d['cBuffers'] as number;
  const arr = d['pBuffers'] as unknown[];
  if (n > MAX_SECBUFFERS || n > arr.length) return 'count';
  for (let i = 0; i < n; i++) {
    const b = arr[i];
    if (typeof b !== 'object' || b === null) return 'shape';
    const r = b as Record<string, unknown>;
    const cb = r['cbBuffer'];
    const ty = r['BufferType'];
    const pv = r['pvBuffer'];
    // BufferType may arrive signed: `SECBUFFER_DATA | SECBUFFER_READONLY` is negative in JS.
    if (!isU32(cb) || !isU32(pv) || !(isU32(ty) || isI32(ty))) return 'shape';
    const t = ((ty as number) & ~SECBUFFER_ATTRMASK) >>> 0;
    if (!KNOWN_SECBUFFER_TYPES.has(t)) return 'type';
    if (t === SECBUFFER_MISSING || t === SECBUFFER_EXTRA) continue;
    if (opts.output && opts.allocateTokens && (t === SECBUFFER_TOKEN || t === SECBUFFER_ALERT)) continue;
    if (pv === 0) {
      if (cb !== 0 && !opts.output) return 'memory';
      continue;
    }
    if (cb === 0) continue;
    if (bytesAvailableAt(process, pv) < cb) return 'memory';
  }
  return null;
}

/** A clean copy of a checked descriptor (real `SecBuffer`s, only the first `cBuffers`). */
export function copyDesc(desc: SecBufferDesc): SecBufferDesc {
  const bufs: SecBuffer[] = [];
  for (let i = 0; i < desc.cBuffers; i++) {
    const b = desc.pBuffers[i]!;
    bufs.push(new SecBuffer(b.cbBuffer, b.BufferType >>> 0, b.pvBuffer));
  }
  return new SecBufferDesc(bufs, desc.ulVersion);
}

/** Writes the fields of `from`'s buffers back into the caller's descriptor `to`. */
export function copyBack(from: SecBufferDesc, to: SecBufferDesc): void {
  for (let i = 0; i < from.cBuffers && i < to.pBuffers.length; i++) {
    const a = from.pBuffers[i]!;
    const b = to.pBuffers[i]!;
    if (b.cbBuffer !== a.cbBuffer) b.cbBuffer = a.cbBuffer >>> 0;
    if (b.BufferType >>> 0 !== a.BufferType >>> 0) b.BufferType = a.BufferType >>> 0;
    if (b.pvBuffer !== a.pvBuffer) b.pvBuffer = a.pvBuffer >>> 0;
  }
}

/**
 * A copy of the `cbBuffer` bytes at `secBuffer.pvBuffer` in `process`'s memory (empty for
 * `cbBuffer` 0). A bad address is a device fault and throws `DeviceFaultError`.
 */
export function readBuffer(process: Process, secBuffer: SecBuffer): Uint8Array {
  if (secBuffer.cbBuffer === 0) return new Uint8Array(0);
  return process.read(secBuffer.pvBuffer, secBuffer.cbBuffer);
}

/**
 * Writes `data` into `secBuffer`'s memory at `offset` (default 0) without changing `cbBuffer`.
 * Throws `RangeError` when it does not fit in `cbBuffer`, a device fault on a bad address.
 */
export function writeBuffer(process: Process, secBuffer: SecBuffer, data: Uint8Array, offset = 0): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + data.length > secBuffer.cbBuffer) {
    throw new RangeError(`writeBuffer: ${data.length} bytes at +${offset} do not fit in a ${secBuffer.cbBuffer}-byte buffer`);
  }
  if (data.length === 0) return;
  process.write(secBuffer.pvBuffer + offset, data);
}

/** UTF-16LE bytes of `s` followed by a NUL character (CE strings are WCHAR). */
export function encodeWide(s: string): Uint8Array {
  const out = new Uint8Array((s.length + 1) * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[i * 2] = c & 0xff;
    out[i * 2 + 1] = c >>> 8;
  }
  return out;
}

/** Reads a NUL-terminated UTF-16LE string at `addr` (at most `maxChars` characters; 0 → null). */
export function readWideString(process: Process, addr: number, maxChars = 4096): string | null {
  if (addr === 0) return null;
  let s = '';
  for (let i = 0; i < maxChars; i++) {
    const c = process.readU16(addr + i * 2);
    if (c === 0) return s;
    s += String.fromCharCode(c);
  }
  return s;
}
