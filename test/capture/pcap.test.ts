/**
 * pcap writer: header and frame layout, checksums, and a decode by Wireshark's tshark of a
 * synthetic plaintext HTTP/1.0 conversation.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CapturedSegment,
  PcapWriter,
  TcpFlow,
  encodeEthernetFrame,
  encodePcap,
  formatMac,
  internetChecksum,
  macForIp,
  parseIpv4,
  tcpFlagsFromBits,
  writePcap,
} from '../../emulator/capture/index.js';
import { RUN_TSHARK_SUITES, fieldRows, requireTshark, tshark } from './tshark.js';

const te = new TextEncoder();
const CLIENT = { ip: '10.0.0.1', port: 49152 };
const SERVER = { ip: '10.0.0.2', port: 80 };
const REQUEST = 'GET /hello HTTP/1.0\r\nHost: 10.0.0.2\r\nUser-Agent: cesim\r\n\r\n';
const RESPONSE = 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n';
const MS = 1_000_000;

/** A full HTTP/1.0 exchange: handshake, request, ACK, response, server-initiated close. */
function httpConversation(): CapturedSegment[] {
  const f = new TcpFlow({ client: CLIENT, server: SERVER, clientIsn: 0x1000_0000, serverIsn: 0xffff_ff00 });
  f.open(0, 1 * MS, 2 * MS);
  f.send('client', te.encode(REQUEST), 2 * MS, 3 * MS);
  f.send('server', te.encode(RESPONSE), 3 * MS + 250, 4 * MS);
  f.close('server', 4 * MS, 5 * MS, 6 * MS);
  return f.segments;
}

function segment(over: Partial<CapturedSegment> = {}): CapturedSegment {
  return {
    timeNs: 0,
    srcIp: '10.0.0.1',
    dstIp: '10.0.0.2',
    srcPort: 49152,
    dstPort: 80,
    seq: 1,
    ack: 0,
    flags: { syn: true },
    window: 65535,
    payload: new Uint8Array(0),
    ...over,
  };
}

describe('internet checksum', () => {
  it('matches the RFC 1071 §3 numerical example (sum ddf2, checksum 220d)', () => {
    const bytes = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    expect(internetChecksum(bytes)).toBe(0x220d);
    // The same bytes split at an odd offset sum the same.
    expect(internetChecksum(bytes.subarray(0, 3), bytes.subarray(3))).toBe(0x220d);
  });

  it('pads an odd tail with a zero byte (RFC 1071 §4.1)', () => {
    expect(internetChecksum(Uint8Array.from([0xab]))).toBe(~0xab00 & 0xffff);
  });
});

describe('addresses', () => {
  it('derives a locally administered unicast MAC from the IPv4 address', () => {
    expect(formatMac(macForIp('10.0.0.1'))).toBe('02:00:0a:00:00:01');
    expect(formatMac(macForIp('192.168.255.7'))).toBe('02:00:c0:a8:ff:07');
  });

  it.each(['10.0.0', '10.0.0.256', '10.0.0.01', 'a.b.c.d', '10.0.0.1.2', ''])('rejects %j', (ip) => {
    expect(() => parseIpv4(ip)).toThrow(RangeError);
  });
});

describe('frame layout', () => {
  const payload = te.encode('abc');
  const frame = encodeEthernetFrame(segment({ payload, flags: { ack: true, psh: true }, seq: 2 ** 32 + 5, ack: 7 }), 0x1234);
  const dv = new DataView(frame.buffer);

  it('is Ethernet II carrying IPv4 (EtherType 0x0800)', () => {
    expect(formatMac(frame.subarray(0, 6))).toBe('02:00:0a:00:00:02');
    expect(formatMac(frame.subarray(6, 12))).toBe('02:00:0a:00:00:01');
    expect(dv.getUint16(12)).toBe(0x0800);
    expect(frame.length).toBe(14 + 20 + 20 + 3);
  });

  it('RFC 791 §3.1: IHL 5, total length, ID, DF, TTL 64, protocol 6, and a header checksum that verifies', () => {
    expect(frame[14]).toBe(0x45);
    expect(dv.getUint16(16)).toBe(43);
    expect(dv.getUint16(18)).toBe(0x1234);
    expect(dv.getUint16(20)).toBe(0x4000);
    expect(frame[22]).toBe(64);
    expect(frame[23]).toBe(6);
    expect(internetChecksum(frame.subarray(14, 34))).toBe(0);
  });

  it('RFC 9293 §3.1: data offset 5, flags, sequence modulo 2^32, checksum over the pseudo-header', () => {
    expect(dv.getUint32(38)).toBe(5);
    expect(dv.getUint32(42)).toBe(7);
    expect(frame[46]).toBe(0x50);
    expect(frame[47]).toBe(0x18); // PSH | ACK
    const pseudo = Uint8Array.from([10, 0, 0, 1, 10, 0, 0, 2, 0, 6, 0, 23]);
    expect(internetChecksum(pseudo, frame.subarray(34))).toBe(0);
  });

  it('reads flags from header bits (RFC 9293 §3.1) and writes them back the same', () => {
    expect(tcpFlagsFromBits(0x12)).toEqual({ syn: true, ack: true });
    for (let bits = 0; bits < 0x20; bits++) {
      expect(encodeEthernetFrame(segment({ flags: tcpFlagsFromBits(bits) }), 1)[47]).toBe(bits);
    }
  });

  it('rejects fields that do not fit', () => {
    expect(() => encodeEthernetFrame(segment({ srcPort: 65536 }), 1)).toThrow(RangeError);
    expect(() => encodeEthernetFrame(segment({ window: -1 }), 1)).toThrow(RangeError);
    expect(() => encodeEthernetFrame(segment({ seq: 1.5 }), 1)).toThrow(RangeError);
    expect(() => encodeEthernetFrame(segment({ payload: new Uint8Array(65496) }), 1)).toThrow(RangeError);
    expect(() => new PcapWriter().add(segment({ timeNs: -1 }))).toThrow(RangeError);
  });
});

describe('pcap file', () => {
  it('starts with the nanosecond magic, version 2.4 and LINKTYPE_ETHERNET', () => {
    const bytes = encodePcap([]);
    expect(bytes.length).toBe(24);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x4d, 0x3c, 0xb2, 0xa1]);
    const dv = new DataView(bytes.buffer);
    expect([dv.getUint16(4, true), dv.getUint16(6, true)]).toEqual([2, 4]);
    expect(dv.getUint32(20, true)).toBe(1);
  });

  it('stamps records with virtual time split into seconds and nanoseconds', () => {
    const bytes = encodePcap([segment({ timeNs: 3_000_000_042 })]);
    const dv = new DataView(bytes.buffer);
    expect(dv.getUint32(24, true)).toBe(3);
    expect(dv.getUint32(28, true)).toBe(42);
    expect(dv.getUint32(32, true)).toBe(54);
    expect(dv.getUint32(36, true)).toBe(54);
  });

  it('orders records by time (stably) and counts the IP ID up per source host', () => {
    const w = new PcapWriter();
    w.add(segment({ timeNs: 20, srcPort: 1 }));
    w.add(segment({ timeNs: 10, srcPort: 2 }));
    w.add(segment({ timeNs: 10, srcIp: '10.0.0.2', dstIp: '10.0.0.1', srcPort: 3 }));
    w.add(segment({ timeNs: 10, srcPort: 4 }));
    const bytes = w.toBytes();
    const dv = new DataView(bytes.buffer);
    const rows: [number, number][] = [];
    for (let off = 24; off < bytes.length; off += 16 + dv.getUint32(off + 8, true)) {
      const f = off + 16;
      rows.push([dv.getUint16(f + 34), dv.getUint16(f + 18)]); // TCP source port, IP ID
    }
    expect(rows).toEqual([
      [2, 1],
      [3, 1],
      [4, 2],
      [1, 3],
    ]);
  });

  it('copies payloads on add, so the caller may reuse its buffer', () => {
    const buf = te.encode('xyz');
    const w = new PcapWriter();
    w.add(segment({ payload: buf, flags: { ack: true } }));
    buf.fill(0);
    expect(new TextDecoder().decode(w.toBytes().subarray(24 + 16 + 54))).toBe('xyz');
  });
});

describe.runIf(RUN_TSHARK_SUITES)('tshark decodes the capture', () => {
  let dir = '';
  let file = '';
  const checks = ['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'];

  beforeAll(async () => {
    requireTshark();
    dir = await mkdtemp(join(tmpdir(), 'cesim-pcap-'));
    file = join(dir, 'http.pcap');
    await writePcap(file, httpConversation());
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds the HTTP/1.0 GET /hello request from 10.0.0.1 and its 200 response', async () => {
    const req = fieldRows(
      await tshark(['-r', file, '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.method', '-e', 'http.request.uri', '-e', 'ip.src']),
    );
    expect(req).toEqual([['GET', '/hello', '10.0.0.1']]);
    const resp = fieldRows(await tshark(['-r', file, '-Y', 'http.response', '-T', 'fields', '-e', 'http.response.code', '-e', 'ip.src']));
    expect(resp).toEqual([['200', '10.0.0.2']]);
  });

  it('sees every frame with good IPv4 and TCP checksums, nothing malformed, no TCP analysis warnings', async () => {
    const rows = fieldRows(
      await tshark([
        '-r', file, ...checks, '-T', 'fields',
        '-e', 'frame.number', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status', '-e', 'ip.ttl', '-e', 'ip.flags.df', '-e', 'ip.id',
        '-e', 'eth.src', '-e', 'tcp.hdr_len',
      ]),
    );
    expect(rows).toHaveLength(httpConversation().length);
    for (const [, ipStatus, tcpStatus, ttl, df, , , hdrLen] of rows) {
      // Wireshark's checksum status: 0 bad, 1 good, 2 unverified.
      expect([ipStatus, tcpStatus]).toEqual(['1', '1']);
      expect([ttl, df, hdrLen]).toEqual(['64', '1', '20']);
    }
    expect(rows.filter((r) => r[6] === '02:00:0a:00:00:01').map((r) => Number(r[5]))).toEqual([1, 2, 3, 4, 5]);

    // Expert info of warning (0x00600000) or error (0x00800000) severity, malformed packets,
    // bad checksums or TCP analysis flags (lost segments, retransmissions, ACKed unseen…).
    const problems = await tshark([
      '-r', file, ...checks, '-Y',
      '_ws.malformed || _ws.expert.severity >= 0x00600000 || ip.checksum.status != 1 || tcp.checksum.status != 1 || tcp.analysis.flags',
    ]);
    expect(problems.trim()).toBe('');
  });

  it('notices a corrupted checksum (the checks above are live)', async () => {
    const bytes = encodePcap(httpConversation());
    bytes[24 + 16 + 14 + 20 + 16] ^= 0xff; // first frame's TCP checksum
    const bad = join(dir, 'bad.pcap');
    await writeFile(bad, bytes);
    const rows = fieldRows(await tshark(['-r', bad, ...checks, '-Y', 'tcp.checksum.status == 0', '-T', 'fields', '-e', 'frame.number']));
    expect(rows).toEqual([['1']]);
  });
});
