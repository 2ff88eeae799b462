/**
 * The NTLM wire formats (MS-NLMP §2.2): NEGOTIATE, CHALLENGE and AUTHENTICATE messages, the
 * AV_PAIR list, VERSION and the NTLMv2 client challenge. Codecs only: no protocol decisions.
 *
 * Each message is a fixed header of payload descriptors (`Len`, `MaxLen`, `BufferOffset`)
 * followed by a payload. Decoding keeps the layout it found (header length and each field's
 * offset), so `encodeX(decodeX(b), layout)` gives back `b` for any message without gaps;
 * encoding without a layout writes the canonical one (fields in header order, right after the
 * header).
 */
import { NtlmError } from './errors.js';
import { Reader, concat, getU32, putU16, putU32 } from './bytes.js';
import {
  MsvAvEOL,
  NTLMSSP_SIGNATURE,
  NtLmAuthenticate,
  NtLmChallenge,
  NtLmNegotiate,
  NTLMSSP_REVISION_W2K3,
} from './constants.js';

/** VERSION (MS-NLMP §2.2.2.10). */
export interface NtlmVersion {
  /** ProductMajorVersion. */
  major: number;
  /** ProductMinorVersion. */
  minor: number;
  /** ProductBuild. */
  build: number;
  /** NTLMRevisionCurrent (0x0F). */
  revision: number;
}

/** The layout a message was decoded from: header length and every payload field's offset. */
export interface PayloadLayout {
  /** Bytes before the payload (where the first field may start). */
  headerLength: number;
  /** Offsets of the payload fields in header order. */
  offsets: number[];
  /** MaxLen of each field as found (MS-NLMP §2.2.1: SHOULD equal Len; kept so a re-encode is exact). */
  maxLengths?: number[];
}

/** NEGOTIATE_MESSAGE (MS-NLMP §2.2.1.1). Domain and workstation are OEM bytes. */
export interface NegotiateMessage {
  /** NegotiateFlags. */
  flags: number;
  /** DomainName (OEM), empty unless NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED. */
  domain: Uint8Array;
  /** Workstation (OEM), empty unless NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED. */
  workstation: Uint8Array;
  /** Version, when the header has room for it. */
  version: NtlmVersion | null;
}

/** CHALLENGE_MESSAGE (MS-NLMP §2.2.1.2). */
export interface ChallengeMessage {
  /** TargetName (UTF-16LE or OEM per the flags). */
  targetName: Uint8Array;
  /** NegotiateFlags. */
  flags: number;
  /** ServerChallenge, 8 bytes. */
  serverChallenge: Uint8Array;
  /** Reserved, 8 bytes (zero), present in headers of 48 bytes and more. */
  reserved: Uint8Array;
  /** TargetInfo: the encoded AV_PAIR list, or null when the header has no TargetInfoFields. */
  targetInfo: Uint8Array | null;
  /** Version, when the header has room for it. */
  version: NtlmVersion | null;
}

/** AUTHENTICATE_MESSAGE (MS-NLMP §2.2.1.3). */
export interface AuthenticateMessage {
  /** LmChallengeResponse. */
  lmChallengeResponse: Uint8Array;
  /** NtChallengeResponse. */
  ntChallengeResponse: Uint8Array;
  /** DomainName. */
  domain: Uint8Array;
  /** UserName. */
  user: Uint8Array;
  /** Workstation. */
  workstation: Uint8Array;
  /** EncryptedRandomSessionKey. */
  encryptedRandomSessionKey: Uint8Array;
  /** NegotiateFlags. */
  flags: number;
  /** Version, when the header has room for it (72 bytes and more). */
  version: NtlmVersion | null;
  /** MIC, when the header has room for it (88 bytes and more). */
  mic: Uint8Array | null;
}

/** One AV_PAIR (MS-NLMP §2.2.2.1). */
export interface AvPair {
  /** AvId. */
  id: number;
  /** Value (AvLen bytes). */
  value: Uint8Array;
}

/** Byte offset of the MIC in an AUTHENTICATE message (MS-NLMP §2.2.1.3). */
export const AUTHENTICATE_MIC_OFFSET = 72;
/** Header sizes. */
export const NEGOTIATE_HEADER = 32;
/** With VERSION. */
export const NEGOTIATE_HEADER_WITH_VERSION = 40;
/** Through ServerChallenge. */
export const CHALLENGE_HEADER_MIN = 32;
/** Through TargetInfoFields. */
export const CHALLENGE_HEADER_TARGET_INFO = 48;
/** Through Version. */
export const CHALLENGE_HEADER_WITH_VERSION = 56;
/** Through NegotiateFlags. */
export const AUTHENTICATE_HEADER_MIN = 64;
/** Through Version. */
export const AUTHENTICATE_HEADER_WITH_VERSION = 72;
/** Through MIC. */
export const AUTHENTICATE_HEADER_WITH_MIC = 88;

const VERSION_BYTES = 8;

function decodeError(what: string, e: unknown): NtlmError {
  return e instanceof NtlmError ? e : new NtlmError('decode', `${what}: ${e instanceof Error ? e.message : String(e)}`);
}

interface FieldRef {
  len: number;
  maxLen: number;
  offset: number;
}

function readFields(r: Reader, n: number): FieldRef[] {
  const out: FieldRef[] = [];
  for (let i = 0; i < n; i++) {
    const len = r.u16();
    const maxLen = r.u16(); // MS-NLMP §2.2.1.1: "SHOULD be set to the value of Len"; not relied on.
    out.push({ len, maxLen, offset: r.u32() });
  }
  return out;
}

/**
 * The header length: the smallest offset of a non-empty field, or the message length; it must be
 * at least `min` (MS-NLMP §2.2.1: the payload follows the fixed fields).
 */
function headerLength(msg: Uint8Array, fields: FieldRef[], min: number, what: string): number {
  let h = msg.length;
  for (const f of fields) if (f.len > 0 && f.offset < h) h = f.offset;
  if (h < min) throw new NtlmError('decode', `${what}: payload at ${h} overlaps the ${min}-byte header`);
  return h;
}

function fieldBytes(msg: Uint8Array, f: FieldRef, header: number, what: string): Uint8Array {
  if (f.len === 0) return new Uint8Array(0);
  if (f.offset < header || f.offset + f.len > msg.length) {
    throw new NtlmError('decode', `${what}: field [${f.offset}, +${f.len}) outside the ${msg.length}-byte message`);
  }
  return msg.slice(f.offset, f.offset + f.len);
}

function checkPreamble(r: Reader, type: number, what: string): void {
  const sig = r.bytes(8);
  for (let i = 0; i < 8; i++) if (sig[i] !== NTLMSSP_SIGNATURE[i]) throw new NtlmError('decode', `${what}: no NTLMSSP signature`);
  const t = r.u32();
  if (t !== type) throw new NtlmError('decode', `${what}: MessageType ${t}, expected ${type}`);
}

function readVersion(msg: Uint8Array, off: number): NtlmVersion {
  return { major: msg[off]!, minor: msg[off + 1]!, build: msg[off + 2]! | (msg[off + 3]! << 8), revision: msg[off + 7]! };
}

function writeVersion(out: Uint8Array, off: number, v: NtlmVersion | null): void {
  if (!v) return;
  out[off] = v.major;
  out[off + 1] = v.minor;
  putU16(out, off + 2, v.build);
  out[off + 7] = v.revision;
}

/** The MessageType of an NTLM message (1, 2 or 3), or 0 when it is not one. */
export function messageType(msg: Uint8Array): number {
  if (msg.length < 12) return 0;
  for (let i = 0; i < 8; i++) if (msg[i] !== NTLMSSP_SIGNATURE[i]) return 0;
  return getU32(msg, 8);
}

/** Writes the payload fields after `headerLen` (or at `layout`'s offsets) and their descriptors at `descAt`. */
function layoutPayload(
  headerLen: number,
  fields: Uint8Array[],
  descAt: number[],
  layout: PayloadLayout | undefined,
): { out: Uint8Array; offsets: number[] } {
  const offsets: number[] = [];
  let end = layout ? Math.max(layout.headerLength, headerLen) : headerLen;
  let cursor = headerLen;
  for (let i = 0; i < fields.length; i++) {
    const off = layout?.offsets[i] ?? cursor;
    if (fields[i]!.length > 0 && off < headerLen) throw new NtlmError('internal', `payload field at ${off} inside the ${headerLen}-byte header`);
    offsets.push(off);
    cursor = off + fields[i]!.length;
    if (cursor > end) end = cursor;
  }
  const out = new Uint8Array(Math.max(end, headerLen));
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.length > 0xffff) throw new NtlmError('internal', `payload field of ${f.length} bytes`);
    out.set(f, offsets[i]!);
    putU16(out, descAt[i]!, f.length);
    putU16(out, descAt[i]! + 2, layout?.maxLengths?.[i] ?? f.length);
    putU32(out, descAt[i]! + 4, offsets[i]!);
  }
  return { out, offsets };
}

/** Decodes a NEGOTIATE_MESSAGE; throws NtlmError('decode'). */
export function decodeNegotiate(msg: Uint8Array): { message: NegotiateMessage; layout: PayloadLayout } {
  try {
    const r = new Reader(msg, 'NEGOTIATE_MESSAGE');
    checkPreamble(r, NtLmNegotiate, 'NEGOTIATE_MESSAGE');
    const flags = r.u32();
    const fields = readFields(r, 2);
    const h = headerLength(msg, fields, NEGOTIATE_HEADER, 'NEGOTIATE_MESSAGE');
    return {
      message: {
        flags,
        domain: fieldBytes(msg, fields[0]!, h, 'NEGOTIATE_MESSAGE.DomainName'),
        workstation: fieldBytes(msg, fields[1]!, h, 'NEGOTIATE_MESSAGE.Workstation'),
        version: h >= NEGOTIATE_HEADER_WITH_VERSION ? readVersion(msg, 32) : null,
      },
      layout: { headerLength: h, offsets: fields.map((f) => f.offset), maxLengths: fields.map((f) => f.maxLen) },
    };
  } catch (e) {
    throw decodeError('NEGOTIATE_MESSAGE', e);
  }
}

/** Encodes a NEGOTIATE_MESSAGE (canonical layout unless `layout` is given). */
export function encodeNegotiate(m: NegotiateMessage, layout?: PayloadLayout): Uint8Array {
  const h = m.version ? NEGOTIATE_HEADER_WITH_VERSION : NEGOTIATE_HEADER;
  const { out } = layoutPayload(h, [m.domain, m.workstation], [16, 24], layout);
  out.set(NTLMSSP_SIGNATURE, 0);
  putU32(out, 8, NtLmNegotiate);
  putU32(out, 12, m.flags);
  writeVersion(out, 32, m.version);
  return out;
}

/** Decodes a CHALLENGE_MESSAGE; throws NtlmError('decode'). */
export function decodeChallenge(msg: Uint8Array): { message: ChallengeMessage; layout: PayloadLayout } {
  try {
    const r = new Reader(msg, 'CHALLENGE_MESSAGE');
    checkPreamble(r, NtLmChallenge, 'CHALLENGE_MESSAGE');
    const [target] = readFields(r, 1);
    const flags = r.u32();
    const serverChallenge = r.bytes(8).slice();
    let h = headerLength(msg, [target!], CHALLENGE_HEADER_MIN, 'CHALLENGE_MESSAGE');
    let reserved = new Uint8Array(8);
    let info: FieldRef | null = null;
    if (h >= CHALLENGE_HEADER_TARGET_INFO) {
      reserved = r.bytes(8).slice();
      info = readFields(r, 1)[0]!;
      h = headerLength(msg, [target!, info], CHALLENGE_HEADER_TARGET_INFO, 'CHALLENGE_MESSAGE');
    }
    return {
      message: {
        targetName: fieldBytes(msg, target!, h, 'CHALLENGE_MESSAGE.TargetName'),
        flags,
        serverChallenge,
        reserved,
        targetInfo: info ? fieldBytes(msg, info, h, 'CHALLENGE_MESSAGE.TargetInfo') : null,
        version: h >= CHALLENGE_HEADER_WITH_VERSION ? readVersion(msg, 48) : null,
      },
      layout: { headerLength: h, offsets: info ? [target!.offset, info.offset] : [target!.offset], maxLengths: info ? [target!.maxLen, info.maxLen] : [target!.maxLen] },
    };
  } catch (e) {
    throw decodeError('CHALLENGE_MESSAGE', e);
  }
}

/** Encodes a CHALLENGE_MESSAGE. */
export function encodeChallenge(m: ChallengeMessage, layout?: PayloadLayout): Uint8Array {
  const withInfo = m.targetInfo !== null || m.version !== null;
  const h = m.version ? CHALLENGE_HEADER_WITH_VERSION : withInfo ? CHALLENGE_HEADER_TARGET_INFO : CHALLENGE_HEADER_MIN;
  const fields = withInfo ? [m.targetName, m.targetInfo ?? new Uint8Array(0)] : [m.targetName];
  const { out } = layoutPayload(h, fields, withInfo ? [12, 40] : [12], layout);
  out.set(NTLMSSP_SIGNATURE, 0);
  putU32(out, 8, NtLmChallenge);
  putU32(out, 20, m.flags);
  out.set(m.serverChallenge.subarray(0, 8), 24);
  if (withInfo) out.set(m.reserved.subarray(0, 8), 32);
  writeVersion(out, 48, m.version);
  return out;
}

/** Decodes an AUTHENTICATE_MESSAGE; throws NtlmError('decode'). */
export function decodeAuthenticate(msg: Uint8Array): { message: AuthenticateMessage; layout: PayloadLayout } {
  try {
    const r = new Reader(msg, 'AUTHENTICATE_MESSAGE');
    checkPreamble(r, NtLmAuthenticate, 'AUTHENTICATE_MESSAGE');
    const f = readFields(r, 6);
    const flags = r.u32();
    const h = headerLength(msg, f, AUTHENTICATE_HEADER_MIN, 'AUTHENTICATE_MESSAGE');
    const names = ['LmChallengeResponse', 'NtChallengeResponse', 'DomainName', 'UserName', 'Workstation', 'EncryptedRandomSessionKey'];
    const b = f.map((x, i) => fieldBytes(msg, x, h, `AUTHENTICATE_MESSAGE.${names[i]}`));
    return {
      message: {
        lmChallengeResponse: b[0]!,
        ntChallengeResponse: b[1]!,
        domain: b[2]!,
        user: b[3]!,
        workstation: b[4]!,
        encryptedRandomSessionKey: b[5]!,
        flags,
        version: h >= AUTHENTICATE_HEADER_WITH_VERSION ? readVersion(msg, 64) : null,
        mic: h >= AUTHENTICATE_HEADER_WITH_MIC ? msg.slice(AUTHENTICATE_MIC_OFFSET, AUTHENTICATE_MIC_OFFSET + 16) : null,
      },
      layout: { headerLength: h, offsets: f.map((x) => x.offset), maxLengths: f.map((x) => x.maxLen) },
    };
  } catch (e) {
    throw decodeError('AUTHENTICATE_MESSAGE', e);
  }
}

/**
 * Encodes an AUTHENTICATE_MESSAGE. The canonical payload order is Windows': domain, user,
 * workstation, LM response, NT response, session key (MS-NLMP §4.2.2.3 shows it).
 */
export function encodeAuthenticate(m: AuthenticateMessage, layout?: PayloadLayout): Uint8Array {
  const h = m.mic ? AUTHENTICATE_HEADER_WITH_MIC : m.version ? AUTHENTICATE_HEADER_WITH_VERSION : AUTHENTICATE_HEADER_MIN;
  // Header order of the descriptors, payload order of Windows.
  const headerOrder = [m.lmChallengeResponse, m.ntChallengeResponse, m.domain, m.user, m.workstation, m.encryptedRandomSessionKey];
  let lay = layout;
  if (!lay) {
    const payloadOrder = [2, 3, 4, 0, 1, 5];
    const offsets = new Array<number>(6);
    let cursor = h;
    for (const i of payloadOrder) {
      offsets[i] = cursor;
      cursor += headerOrder[i]!.length;
    }
    lay = { headerLength: h, offsets };
  }
  const { out } = layoutPayload(h, headerOrder, [12, 20, 28, 36, 44, 52], lay);
  out.set(NTLMSSP_SIGNATURE, 0);
  putU32(out, 8, NtLmAuthenticate);
  putU32(out, 60, m.flags);
  if (h >= AUTHENTICATE_HEADER_WITH_VERSION) writeVersion(out, 64, m.version);
  if (m.mic) out.set(m.mic.subarray(0, 16), AUTHENTICATE_MIC_OFFSET);
  return out;
}

/** Decodes an AV_PAIR list that ends with MsvAvEOL and nothing after it. */
export function decodeAvPairs(b: Uint8Array): AvPair[] {
  const { pairs, rest } = decodeAvPairsPrefix(b);
  if (rest !== b.length) throw new NtlmError('decode', `AV_PAIR list: ${b.length - rest} bytes after MsvAvEOL`);
  return pairs;
}

/** Decodes an AV_PAIR list up to its MsvAvEOL; returns the pairs and the offset after the EOL. */
export function decodeAvPairsPrefix(b: Uint8Array): { pairs: AvPair[]; rest: number } {
  try {
    const r = new Reader(b, 'AV_PAIR list');
    const pairs: AvPair[] = [];
    for (;;) {
      const id = r.u16();
      const len = r.u16();
      const value = r.bytes(len).slice();
      // MS-NLMP §2.2.2.1: MsvAvEOL has AvLen 0 and ends the list.
      if (id === MsvAvEOL) {
        if (len !== 0) throw new NtlmError('decode', 'AV_PAIR list: MsvAvEOL with a value');
        return { pairs, rest: r.offset };
      }
      pairs.push({ id, value });
    }
  } catch (e) {
    throw decodeError('AV_PAIR list', e);
  }
}

/** Encodes AV pairs and the terminating MsvAvEOL. */
export function encodeAvPairs(pairs: readonly AvPair[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const p of pairs) {
    const h = new Uint8Array(4);
    putU16(h, 0, p.id);
    putU16(h, 2, p.value.length);
    parts.push(h, p.value);
  }
  parts.push(new Uint8Array(4));
  return concat(...parts);
}

/** The value of the first pair with `id`, or null. */
export function findAv(pairs: readonly AvPair[], id: number): Uint8Array | null {
  for (const p of pairs) if (p.id === id) return p.value;
  return null;
}

/** NTLMv2_CLIENT_CHALLENGE (MS-NLMP §2.2.2.7), the `temp` of §3.3.2 less its trailing zeros. */
export interface Ntlmv2ClientChallenge {
  /** TimeStamp, FILETIME as 8 LE bytes. */
  timestamp: Uint8Array;
  /** ChallengeFromClient, 8 bytes. */
  clientChallenge: Uint8Array;
  /** The AV pairs (AvPairs field). */
  avPairs: AvPair[];
}

/**
 * `temp` of MS-NLMP §3.3.2: RespType 1, HiRespType 1, Z(6), Time, ClientChallenge, Z(4),
 * ServerName (the AV pairs with their EOL), Z(4).
 */
export function encodeNtlmv2ClientChallenge(c: Ntlmv2ClientChallenge): Uint8Array {
  const head = new Uint8Array(28);
  head[0] = 1;
  head[1] = 1;
  head.set(c.timestamp.subarray(0, 8), 8);
  head.set(c.clientChallenge.subarray(0, 8), 16);
  return concat(head, encodeAvPairs(c.avPairs), new Uint8Array(4));
}

/** Decodes `temp` (the NtChallengeResponse after its 16-byte NTProofStr). */
export function decodeNtlmv2ClientChallenge(b: Uint8Array): Ntlmv2ClientChallenge {
  try {
    const r = new Reader(b, 'NTLMv2_CLIENT_CHALLENGE');
    const resp = r.u8();
    const hi = r.u8();
    // MS-NLMP §2.2.2.7: RespType and HiRespType MUST be 1.
    if (resp !== 1 || hi !== 1) throw new NtlmError('decode', `NTLMv2_CLIENT_CHALLENGE: RespType ${resp}/${hi}, expected 1/1`);
    r.bytes(6);
    const timestamp = r.bytes(8).slice();
    const clientChallenge = r.bytes(8).slice();
    r.bytes(4);
    const { pairs } = decodeAvPairsPrefix(b.subarray(r.offset));
    return { timestamp, clientChallenge, avPairs: pairs };
  } catch (e) {
    throw decodeError('NTLMv2_CLIENT_CHALLENGE', e);
  }
}

/** VERSION of this device's NTLM: CE's version as ProductMajor.Minor, NTLMSSP_REVISION_W2K3. */
export function deviceVersion(major: number, minor: number, build: number): NtlmVersion {
  return { major, minor, build, revision: NTLMSSP_REVISION_W2K3 };
}

/** Reads the 8-byte VERSION structure (exported for tests). */
export function versionBytes(v: NtlmVersion): Uint8Array {
  const b = new Uint8Array(VERSION_BYTES);
  writeVersion(b, 0, v);
  return b;
}
