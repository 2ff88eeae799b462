/**
 * A pcap writer for the emulated network: each captured segment becomes one Ethernet II /
 * IPv4 / TCP frame in a classic libpcap file, stamped with its virtual time.
 *
 * The file is what Wireshark and tshark open directly: classic libpcap format (not pcapng),
 * nanosecond-resolution magic `0xa1b23c4d`, `LINKTYPE_ETHERNET`. Header checksums are computed
 * so that a capture checked with `ip.check_checksum` / `tcp.check_checksum` shows them good.
 *
 * Formats:
 * - libpcap file format: https://wiki.wireshark.org/Development/LibpcapFileFormat and
 *   draft-ietf-opsawg-pcap (global header, record header, nanosecond magic).
 * - Ethernet II: IEEE 802.3 §3.2 with an EtherType; link type 1 per the tcpdump.org registry.
 * - IPv4: RFC 791 §3.1; header checksum per RFC 1071.
 * - TCP: RFC 9293 §3.1; checksum over the IPv4 pseudo-header per RFC 9293 §3.1 ("Checksum").
 *
 * Pure bytes in, bytes out; the only I/O is `writePcap`.
 */

import { writeFile } from 'node:fs/promises';

/** Virtual time in nanoseconds (same unit as `device/`'s `Nanos`). */
export type CaptureNanos = number;

/** TCP control flags of a captured segment; an absent flag is clear. */
export interface TcpFlags {
  syn?: boolean;
  ack?: boolean;
  fin?: boolean;
  rst?: boolean;
  psh?: boolean;
}

/**
 * One TCP segment as the emulated network carried it.
 *
 * `seq` and `ack` are taken modulo 2^32, so a caller may count bytes past the wrap.
 * `window` is the raw 16-bit window field (no window scaling is negotiated: options are none).
 */
export interface CapturedSegment {
  /** Virtual time the segment was put on the wire, in nanoseconds (a non-negative integer). */
  timeNs: CaptureNanos;
  /** Dotted-quad IPv4 source address, e.g. `10.0.0.1`. */
  srcIp: string;
  /** Dotted-quad IPv4 destination address. */
  dstIp: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: TcpFlags;
  window: number;
  payload: Uint8Array;
}

/** Options of a `PcapWriter`. */
export interface PcapWriterOptions {
  /**
   * The file's snap length (`snaplen`). Frames are never truncated: the largest frame this
   * writer makes is 14 + 65535 bytes, which the default covers.
   */
  snapLength?: number;
  /** Initial IPv4 identification for every host (default 1); each host then counts up by one per packet. */
  firstIpId?: number;
}

/** `LINKTYPE_ETHERNET` from the tcpdump.org link-layer header type registry. */
export const LINKTYPE_ETHERNET = 1;
/** libpcap magic for nanosecond-resolution timestamps (the microsecond one is 0xa1b2c3d4). */
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;

/** Global header: magic, version 2.4, thiszone, sigfigs, snaplen, network: 24 bytes. */
const PCAP_GLOBAL_HEADER_BYTES = 24;
/** Record header: ts_sec, ts_nsec, incl_len, orig_len: 16 bytes. */
const PCAP_RECORD_HEADER_BYTES = 16;
/** Ethernet II header: destination MAC, source MAC, EtherType. */
const ETHERNET_HEADER_BYTES = 14;
/** IPv4 header without options (IHL 5). */
const IPV4_HEADER_BYTES = 20;
/** TCP header without options (data offset 5). */
const TCP_HEADER_BYTES = 20;
/** RFC 791: Total Length is 16 bits, so at most this much TCP payload fits in one datagram. */
export const MAX_TCP_PAYLOAD_BYTES = 0xffff - IPV4_HEADER_BYTES - TCP_HEADER_BYTES;
/** Default snap length: Wireshark's own default (and enough for any frame written here). */
const DEFAULT_SNAP_LENGTH = 262144;

const ETHERTYPE_IPV4 = 0x0800;
const IP_PROTOCOL_TCP = 6;
/** RFC 791 §3.1: flags bit 1, "Don't Fragment", in the flags/fragment-offset word. */
const IP_FLAG_DONT_FRAGMENT = 0x4000;
/** A common host default (Linux, Windows CE 4+) and what the brief asks for. */
const IP_TTL = 64;

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

const NS_PER_SECOND = 1_000_000_000;

/**
 * Parses a dotted-quad IPv4 address into its four octets.
 * @throws RangeError when the text is not exactly four decimal octets 0..255.
 */
export function parseIpv4(ip: string): Uint8Array {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${JSON.stringify(ip)}`);
  const out = new Uint8Array(4);
  parts.forEach((p, i) => {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) {
      throw new RangeError(`not an IPv4 address: ${JSON.stringify(ip)}`);
    }
    out[i] = Number(p);
  });
  return out;
}

/**
 * The MAC address this writer gives a host: `02:00:` followed by the four IPv4 octets.
 * The `02` first octet sets the locally-administered bit and clears the multicast bit
 * (IEEE 802 §8.2.2), so the address can never clash with a real vendor's.
 */
export function macForIp(ip: string): Uint8Array {
  const mac = new Uint8Array(6);
  mac[0] = 0x02;
  mac[1] = 0x00;
  mac.set(parseIpv4(ip), 2);
  return mac;
}

/** Formats a MAC address as lower-case `aa:bb:cc:dd:ee:ff`. */
export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * The RFC 1071 Internet checksum: the ones' complement of the ones' complement sum of the
 * 16-bit big-endian words of `parts` taken as one byte string (an odd tail is padded with zero).
 */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd = -1; // a byte left over from the previous part, waiting for its low half
  for (const part of parts) {
    let i = 0;
    if (odd >= 0 && part.length > 0) {
      sum += (odd << 8) | part[0]!;
      odd = -1;
      i = 1;
    }
    for (; i + 1 < part.length; i += 2) sum += (part[i]! << 8) | part[i + 1]!;
    if (i < part.length) odd = part[i]!;
    // Fold early so the sum stays a small integer however long the input.
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (odd >= 0) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function checkUint(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`${name} must be an integer in 0..${max}, got ${v}`);
  }
}

/** Reduces a non-negative integer sequence number modulo 2^32 (TCP sequence space, RFC 9293 §3.4). */
function seq32(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  return v % 0x1_0000_0000;
}

/**
 * Reads TCP flags from the header's flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08,
 * ACK 0x10; RFC 9293 §3.1), for transports that keep flags as a bit set.
 */
export function tcpFlagsFromBits(bits: number): TcpFlags {
  return {
    ...(bits & TCP_FIN ? { fin: true } : {}),
    ...(bits & TCP_SYN ? { syn: true } : {}),
    ...(bits & TCP_RST ? { rst: true } : {}),
    ...(bits & TCP_PSH ? { psh: true } : {}),
    ...(bits & TCP_ACK ? { ack: true } : {}),
  };
}

function tcpFlagsByte(f: TcpFlags): number {
  return (
    (f.fin ? TCP_FIN : 0) | (f.syn ? TCP_SYN : 0) | (f.rst ? TCP_RST : 0) | (f.psh ? TCP_PSH : 0) | (f.ack ? TCP_ACK : 0)
  );
}

/**
 * Encodes one segment as an Ethernet II frame carrying IPv4 and TCP, with both checksums filled.
 * @param ipId the IPv4 identification field to use (16 bits).
 * @throws RangeError for a bad address, port, window, payload size or sequence number.
 */
export function encodeEthernetFrame(segment: CapturedSegment, ipId: number): Uint8Array {
  const src = parseIpv4(segment.srcIp);
  const dst = parseIpv4(segment.dstIp);
  checkUint('srcPort', segment.srcPort, 0xffff);
  checkUint('dstPort', segment.dstPort, 0xffff);
  checkUint('window', segment.window, 0xffff);
  checkUint('ipId', ipId, 0xffff);
  const payload = segment.payload;
  if (payload.length > MAX_TCP_PAYLOAD_BYTES) {
    throw new RangeError(`payload of ${payload.length} bytes exceeds one IPv4 datagram (${MAX_TCP_PAYLOAD_BYTES})`);
  }
  const seq = seq32('seq', segment.seq);
  const ack = seq32('ack', segment.ack);

  const tcpLength = TCP_HEADER_BYTES + payload.length;
  const ipLength = IPV4_HEADER_BYTES + tcpLength;
  const frame = new Uint8Array(ETHERNET_HEADER_BYTES + ipLength);
  const dv = new DataView(frame.buffer);

  // Ethernet II.
  frame.set(macForIp(segment.dstIp), 0);
  frame.set(macForIp(segment.srcIp), 6);
  dv.setUint16(12, ETHERTYPE_IPV4);

  // IPv4, RFC 791 §3.1.
  const ip = frame.subarray(ETHERNET_HEADER_BYTES, ETHERNET_HEADER_BYTES + IPV4_HEADER_BYTES);
  const ipOff = ETHERNET_HEADER_BYTES;
  frame[ipOff] = 0x45; // version 4, IHL 5 words
  frame[ipOff + 1] = 0; // DSCP/ECN
  dv.setUint16(ipOff + 2, ipLength);
  dv.setUint16(ipOff + 4, ipId);
  dv.setUint16(ipOff + 6, IP_FLAG_DONT_FRAGMENT); // DF, fragment offset 0
  frame[ipOff + 8] = IP_TTL;
  frame[ipOff + 9] = IP_PROTOCOL_TCP;
  // checksum at ipOff + 10 stays zero while it is computed
  frame.set(src, ipOff + 12);
  frame.set(dst, ipOff + 16);
  dv.setUint16(ipOff + 10, internetChecksum(ip));

  // TCP, RFC 9293 §3.1.
  const tcpOff = ipOff + IPV4_HEADER_BYTES;
  dv.setUint16(tcpOff, segment.srcPort);
  dv.setUint16(tcpOff + 2, segment.dstPort);
  dv.setUint32(tcpOff + 4, seq);
  dv.setUint32(tcpOff + 8, ack);
  frame[tcpOff + 12] = (TCP_HEADER_BYTES / 4) << 4; // data offset 5, reserved bits zero
  frame[tcpOff + 13] = tcpFlagsByte(segment.flags);
  dv.setUint16(tcpOff + 14, segment.window);
  // checksum at tcpOff + 16 stays zero while it is computed; urgent pointer at +18 is zero
  frame.set(payload, tcpOff + TCP_HEADER_BYTES);

  // RFC 9293 §3.1: the checksum covers a 96-bit pseudo-header (source, destination, zero,
  // protocol, TCP length), the TCP header and the data.
  const pseudo = new Uint8Array(12);
  pseudo.set(src, 0);
  pseudo.set(dst, 4);
  pseudo[9] = IP_PROTOCOL_TCP;
  new DataView(pseudo.buffer).setUint16(10, tcpLength);
  dv.setUint16(tcpOff + 16, internetChecksum(pseudo, frame.subarray(tcpOff)));

  return frame;
}

/**
 * Collects captured segments and lays them out as a pcap file.
 *
 * Records are written in virtual-time order (a stable sort: segments with equal `timeNs` keep
 * the order they were added in), so segments from several links may be added as they come.
 * Each source host's IPv4 identification starts at `firstIpId` and counts up by one per packet
 * it sent, in that same order.
 */
export class PcapWriter {
  private readonly segments: CapturedSegment[] = [];
  private readonly snapLength: number;
  private readonly firstIpId: number;

  /** Makes an empty writer. */
  constructor(opts: PcapWriterOptions = {}) {
    this.snapLength = opts.snapLength ?? DEFAULT_SNAP_LENGTH;
    this.firstIpId = opts.firstIpId ?? 1;
    checkUint('snapLength', this.snapLength, 0xffff_ffff);
    if (this.snapLength < ETHERNET_HEADER_BYTES + 0xffff) {
      throw new RangeError(`snapLength ${this.snapLength} would truncate frames; use at least ${ETHERNET_HEADER_BYTES + 0xffff}`);
    }
    checkUint('firstIpId', this.firstIpId, 0xffff);
  }

  /** Number of segments collected so far. */
  get count(): number {
    return this.segments.length;
  }

  /**
   * Adds one segment. The segment is validated now (so a bad one is reported where it came
   * from) and its payload is copied, so the caller may reuse its buffer.
   */
  add(segment: CapturedSegment): void {
    if (!Number.isSafeInteger(segment.timeNs) || segment.timeNs < 0) {
      throw new RangeError(`timeNs must be a non-negative integer, got ${segment.timeNs}`);
    }
    const copy: CapturedSegment = { ...segment, flags: { ...segment.flags }, payload: segment.payload.slice() };
    encodeEthernetFrame(copy, 0); // validation only
    this.segments.push(copy);
  }

  /** Adds every segment of `segments`, in order. */
  addAll(segments: Iterable<CapturedSegment>): void {
    for (const s of segments) this.add(s);
  }

  /** The whole pcap file: global header, then one record per segment in virtual-time order. */
  toBytes(): Uint8Array {
    const ordered = this.segments.map((s, i) => ({ s, i })).sort((a, b) => a.s.timeNs - b.s.timeNs || a.i - b.i);
    const nextIpId = new Map<string, number>();
    const frames = ordered.map(({ s }) => {
      const id = nextIpId.get(s.srcIp) ?? this.firstIpId;
      nextIpId.set(s.srcIp, (id + 1) & 0xffff);
      return { timeNs: s.timeNs, frame: encodeEthernetFrame(s, id) };
    });

    const total = PCAP_GLOBAL_HEADER_BYTES + frames.reduce((n, f) => n + PCAP_RECORD_HEADER_BYTES + f.frame.length, 0);
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    // The file is written little-endian; readers detect the byte order from the magic.
    dv.setUint32(0, PCAP_MAGIC_NANOSECONDS, true);
    dv.setUint16(4, 2, true); // version_major
    dv.setUint16(6, 4, true); // version_minor
    dv.setInt32(8, 0, true); // thiszone: timestamps are UTC (virtual time since the run began)
    dv.setUint32(12, 0, true); // sigfigs
    dv.setUint32(16, this.snapLength, true);
    dv.setUint32(20, LINKTYPE_ETHERNET, true);

    let off = PCAP_GLOBAL_HEADER_BYTES;
    for (const { timeNs, frame } of frames) {
      const sec = Math.floor(timeNs / NS_PER_SECOND);
      if (sec > 0xffff_ffff) throw new RangeError(`timeNs ${timeNs} does not fit a 32-bit pcap timestamp`);
      dv.setUint32(off, sec, true);
      dv.setUint32(off + 4, timeNs - sec * NS_PER_SECOND, true);
      dv.setUint32(off + 8, frame.length, true); // incl_len: never truncated
      dv.setUint32(off + 12, frame.length, true); // orig_len
      out.set(frame, off + PCAP_RECORD_HEADER_BYTES);
      off += PCAP_RECORD_HEADER_BYTES + frame.length;
    }
    return out;
  }
}

/** Lays `segments` out as a pcap file in memory (see `PcapWriter`). */
export function encodePcap(segments: Iterable<CapturedSegment>, opts?: PcapWriterOptions): Uint8Array {
  const w = new PcapWriter(opts);
  w.addAll(segments);
  return w.toBytes();
}

/** Writes `segments` to `path` as a pcap file (see `PcapWriter`). */
export async function writePcap(path: string, segments: Iterable<CapturedSegment>, opts?: PcapWriterOptions): Promise<void> {
  await writeFile(path, encodePcap(segments, opts));
}
