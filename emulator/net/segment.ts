/**
 * The transport's wire format: a TCP segment (RFC 793 §3.1) with the TCP checksum over the
 * IPv4 pseudo-header (RFC 793 §3.1, "Checksum"), and IPv4 address helpers.
 *
 * The codec is apart from the protocol logic (`tcp.ts`): the transport builds {@link Segment}
 * values, the network carries their encoded bytes, and the receiver verifies the checksum before
 * decoding, so a corrupted segment is detected and dropped, never delivered.
 */

/** FIN: no more data from the sender. */
export const TCP_FIN = 0x01;
/** SYN: synchronise sequence numbers. */
export const TCP_SYN = 0x02;
/** RST: reset the connection. */
export const TCP_RST = 0x04;
/** PSH: push buffered data to the application. */
export const TCP_PSH = 0x08;
/** ACK: the acknowledgment field is significant. */
export const TCP_ACK = 0x10;

/** IPv4 header without options, in bytes. */
export const IPV4_HEADER_BYTES = 20;
/** TCP header without options, in bytes. */
export const TCP_HEADER_BYTES = 20;
/** IPv4 + TCP headers without options: a link's MTU minus this is the largest payload (MSS). */
export const TCPIP_HEADER_BYTES = IPV4_HEADER_BYTES + TCP_HEADER_BYTES;
/** The IP protocol number of TCP. */
export const IPPROTO_TCP = 6;

/** A TCP segment as the transport builds and reads it. */
export interface Segment {
  srcPort: number;
  dstPort: number;
  /** Sequence number (32-bit, wraps). */
  seq: number;
  /** Acknowledgment number (32-bit, meaningful with ACK). */
  ack: number;
  /** Bit set of `TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK`. */
  flags: number;
  /** Receive window in bytes (16-bit; no window scaling). */
  window: number;
  /** The MSS option (RFC 793 §3.1, kind 2), sent only on SYN segments. */
  mss?: number;
  payload: Uint8Array;
}

/** A decode failure: the bytes are not a well-formed segment. */
export class SegmentDecodeError extends Error {
  override readonly name = 'SegmentDecodeError';
}

/** Parses dotted-quad IPv4 text to a 32-bit unsigned number. */
export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
    v = v * 256 + Number(p);
  }
  return v >>> 0;
}

/** Formats a 32-bit unsigned number as dotted-quad IPv4 text. */
export function formatIpv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Names of the flags set in `flags`, e.g. `SYN|ACK`. */
export function flagNames(flags: number): string {
  const n: string[] = [];
  if (flags & TCP_SYN) n.push('SYN');
  if (flags & TCP_FIN) n.push('FIN');
  if (flags & TCP_RST) n.push('RST');
  if (flags & TCP_PSH) n.push('PSH');
  if (flags & TCP_ACK) n.push('ACK');
  return n.join('|');
}

/** The flag bits as booleans (the shape `emulator/capture`'s `TcpFlags` takes). */
export function flagObject(flags: number): { syn: boolean; ack: boolean; fin: boolean; rst: boolean; psh: boolean } {
  return {
    syn: (flags & TCP_SYN) !== 0,
    ack: (flags & TCP_ACK) !== 0,
    fin: (flags & TCP_FIN) !== 0,
    rst: (flags & TCP_RST) !== 0,
    psh: (flags & TCP_PSH) !== 0,
  };
}

/** The TCP header length of a segment: 20, or 24 with the MSS option. */
export function headerLength(seg: Segment): number {
  return seg.mss === undefined ? TCP_HEADER_BYTES : TCP_HEADER_BYTES + 4;
}

/** One's-complement sum of the pseudo-header and `tcp`, folded to 16 bits. */
function onesSum(tcp: Uint8Array, srcIp: number, dstIp: number): number {
  // RFC 793 §3.1: the pseudo-header is source address, destination address, zero, PTCL, TCP length.
  let sum = (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + IPPROTO_TCP + tcp.length;
  const n = tcp.length & ~1;
  for (let i = 0; i < n; i += 2) sum += (tcp[i]! << 8) | tcp[i + 1]!;
  if (tcp.length & 1) sum += tcp[n]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Encodes a segment to its wire bytes (header, options, payload) with the checksum filled in. */
export function encodeSegment(seg: Segment, srcIp: number, dstIp: number): Uint8Array {
  const hl = headerLength(seg);
  const b = new Uint8Array(hl + seg.payload.length);
  const v = new DataView(b.buffer);
  v.setUint16(0, seg.srcPort);
  v.setUint16(2, seg.dstPort);
  v.setUint32(4, seg.seq >>> 0);
  v.setUint32(8, seg.ack >>> 0);
  b[12] = (hl / 4) << 4;
  b[13] = seg.flags & 0x3f;
  v.setUint16(14, seg.window);
  // checksum (16) and urgent pointer (18) start as zero
  if (seg.mss !== undefined) {
    b[20] = 2; // kind: maximum segment size
    b[21] = 4;
    v.setUint16(22, seg.mss);
  }
  b.set(seg.payload, hl);
  v.setUint16(16, ~onesSum(b, srcIp, dstIp) & 0xffff);
  return b;
}

/** True when the checksum of `tcp` (as received from `srcIp` to `dstIp`) is correct. */
export function verifySegmentChecksum(tcp: Uint8Array, srcIp: number, dstIp: number): boolean {
  return tcp.length >= TCP_HEADER_BYTES && onesSum(tcp, srcIp, dstIp) === 0xffff;
}

/** Decodes wire bytes to a segment (the payload is a view into `tcp`). Does not check the checksum. */
export function decodeSegment(tcp: Uint8Array): Segment {
  if (tcp.length < TCP_HEADER_BYTES) throw new SegmentDecodeError(`segment of ${tcp.length} bytes is shorter than a TCP header`);
  const v = new DataView(tcp.buffer, tcp.byteOffset, tcp.byteLength);
  const hl = (tcp[12]! >>> 4) * 4;
  if (hl < TCP_HEADER_BYTES || hl > tcp.length) throw new SegmentDecodeError(`bad data offset ${hl}`);
  const seg: Segment = {
    srcPort: v.getUint16(0),
    dstPort: v.getUint16(2),
    seq: v.getUint32(4),
    ack: v.getUint32(8),
    flags: tcp[13]! & 0x3f,
    window: v.getUint16(14),
    payload: tcp.subarray(hl),
  };
  let i = TCP_HEADER_BYTES;
  while (i < hl) {
    const kind = tcp[i]!;
    if (kind === 0) break; // end of option list
    if (kind === 1) {
      i++; // no-operation
      continue;
    }
    if (i + 1 >= hl) throw new SegmentDecodeError('truncated option');
    const len = tcp[i + 1]!;
    if (len < 2 || i + len > hl) throw new SegmentDecodeError(`bad option length ${len}`);
    if (kind === 2) {
      if (len !== 4) throw new SegmentDecodeError(`bad MSS option length ${len}`);
      seg.mss = v.getUint16(i + 2);
    }
    i += len;
  }
  return seg;
}
