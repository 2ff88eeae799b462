/**
 * `SecPkgInfoW` blocks in device memory: what `EnumerateSecurityPackages`,
 * `QuerySecurityPackageInfo` and `SECPKG_ATTR_NEGOTIATION_INFO` return.
 *
 * One block holds the array of structures followed by every Name/Comment string (UTF-16LE,
 * NUL-terminated), so one `FreeContextBuffer` releases it all (reference checks 4, 11, 12).
 * 32-bit layout of one entry (20 bytes, `SIZEOF_SECPKGINFO`):
 *
 * | offset | field | type |
 * |---|---|---|
 * | 0 | fCapabilities | ULONG |
 * | 4 | wVersion | USHORT |
 * | 6 | wRPCID | USHORT |
 * | 8 | cbMaxToken | ULONG |
 * | 12 | Name | SEC_WCHAR* |
 * | 16 | Comment | SEC_WCHAR* |
 */

import type { Process } from '../device/index.js';
import { encodeWide, readWideString } from './buffers.js';
import { SecPkgInfo, SIZEOF_SECPKGINFO } from './structures.js';

/** Bytes a block for `infos` needs: the structures, then each Name and Comment with its NUL. */
export function secPkgInfoBlockSize(infos: readonly SecPkgInfo[]): number {
  let n = infos.length * SIZEOF_SECPKGINFO;
  for (const i of infos) n += (i.Name.length + 1) * 2 + (i.Comment.length + 1) * 2;
  return n;
}

/** The bytes of a block for `infos` placed at device address `base` (pointers are absolute). */
export function encodeSecPkgInfoBlock(infos: readonly SecPkgInfo[], base: number): Uint8Array {
  const out = new Uint8Array(secPkgInfoBlockSize(infos));
  const v = new DataView(out.buffer);
  let str = infos.length * SIZEOF_SECPKGINFO;
  infos.forEach((info, k) => {
    const o = k * SIZEOF_SECPKGINFO;
    v.setUint32(o, info.fCapabilities >>> 0, true);
    v.setUint16(o + 4, info.wVersion & 0xffff, true);
    v.setUint16(o + 6, info.wRPCID & 0xffff, true);
    v.setUint32(o + 8, info.cbMaxToken >>> 0, true);
    const name = encodeWide(info.Name);
    const comment = encodeWide(info.Comment);
    v.setUint32(o + 12, (base + str) >>> 0, true);
    out.set(name, str);
    str += name.length;
    v.setUint32(o + 16, (base + str) >>> 0, true);
    out.set(comment, str);
    str += comment.length;
  });
  return out;
}

/**
 * Decodes entry `index` of a `SecPkgInfoW` block at `addr` in `process`'s memory (what
 * `ppPackageInfo.value` points at) into a `SecPkgInfo`, strings included.
 */
export function readSecPkgInfo(process: Process, addr: number, index = 0): SecPkgInfo {
  const o = addr + index * SIZEOF_SECPKGINFO;
  const info = new SecPkgInfo();
  info.fCapabilities = process.readU32(o);
  info.wVersion = process.readU16(o + 4);
  info.wRPCID = process.readU16(o + 6);
  info.cbMaxToken = process.readU32(o + 8);
  info.pName = process.readU32(o + 12);
  info.pComment = process.readU32(o + 16);
  info.Name = readWideString(process, info.pName) ?? '';
  info.Comment = readWideString(process, info.pComment) ?? '';
  return info;
}
