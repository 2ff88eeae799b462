/**
 * The pcap writer and the key log format together: a real TLS session between Node's `tls`
 * server and client over loopback, recorded by a relay in the middle, rebuilt as a capture
 * with `TcpFlow` + `PcapWriter` and its keys written with `KeyLogWriter`; tshark must then
 * decrypt it and find the HTTP GET inside.
 */

import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyLogWriter, TcpFlow, parseKeyLogLine, writePcap } from '../../emulator/capture/index.js';
import { RUN_TSHARK_SUITES, fieldRows, requireTshark, tshark } from './tshark.js';

const PKI = new URL('../fixtures/pki/', import.meta.url);

/** One write as the relay saw it: who sent it and the bytes. */
interface Chunk {
  from: 'client' | 'server';
  bytes: Uint8Array;
}

interface Session {
  chunks: Chunk[];
  keylog: KeyLogWriter;
  clientLines: string[];
  serverLines: string[];
  protocol: string | null;
}

/**
 * Runs one HTTP/1.1 GET over TLS between Node's client and server through a recording relay
 * on 127.0.0.1, and returns the bytes each side wrote, in the order the relay received them,
 * plus both sides' `keylog` lines.
 */
async function recordSession(version: 'TLSv1.3' | 'TLSv1.2'): Promise<Session> {
  const [cert, key] = await Promise.all([readFile(new URL('server-p256.pem', PKI)), readFile(new URL('server-p256.key.pem', PKI))]);
  const keylog = new KeyLogWriter();
  const clientLines: string[] = [];
  const serverLines: string[] = [];
  const chunks: Chunk[] = [];

  const server = tls.createServer({ cert, key, minVersion: version, maxVersion: version, ALPNProtocols: ['http/1.1'] }, (s) => {
    let req = '';
    s.on('data', (d: Buffer) => {
      req += d.toString('latin1');
      if (req.includes('\r\n\r\n')) s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n');
    });
  });
  server.on('keylog', (line: Buffer) => serverLines.push(line.toString('latin1')));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const serverPort = (server.address() as net.AddressInfo).port;

  // The relay: every chunk either side writes passes through here and is recorded in order.
  const relay = net.createServer((down) => {
    const up = net.connect(serverPort, '127.0.0.1');
    down.on('data', (d: Buffer) => {
      chunks.push({ from: 'client', bytes: new Uint8Array(d) });
      up.write(d);
    });
    up.on('data', (d: Buffer) => {
      chunks.push({ from: 'server', bytes: new Uint8Array(d) });
      down.write(d);
    });
    down.on('end', () => up.end());
    up.on('end', () => down.end());
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  const relayPort = (relay.address() as net.AddressInfo).port;

  const client = tls.connect({
    host: '127.0.0.1',
    port: relayPort,
    servername: 'localhost',
    rejectUnauthorized: false, // the fixture chain's root is not what this test is about
    minVersion: version,
    maxVersion: version,
    ALPNProtocols: ['http/1.1'],
  });
  client.on('keylog', (line: Buffer) => {
    clientLines.push(line.toString('latin1'));
    keylog.addLine(line.toString('latin1'));
  });
  await once(client, 'secureConnect');
  const protocol = client.getProtocol();
  client.write('GET /secret HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  let response = '';
  client.on('data', (d: Buffer) => (response += d.toString('latin1')));
  await once(client, 'end');
  client.end();
  await once(client, 'close');
  expect(response).toContain('hello');
  await new Promise<void>((r) => relay.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
  return { chunks, keylog, clientLines, serverLines, protocol };
}

/** Lays the recorded chunks out as 10.0.0.1:49152 → 10.0.0.2:443, 1 ms apart, each acknowledged. */
function segmentsOf(chunks: Chunk[]) {
  const f = new TcpFlow({ client: { ip: '10.0.0.1', port: 49152 }, server: { ip: '10.0.0.2', port: 443 } });
  const MS = 1_000_000;
  let t = 0;
  f.open(t, (t += MS), (t += MS));
  for (const c of chunks) {
    t += MS;
    f.send(c.from, c.bytes, t, t + MS / 2);
  }
  f.close('server', (t += MS), (t += MS), (t += MS));
  return f.segments;
}

describe.runIf(RUN_TSHARK_SUITES).each(['TLSv1.3', 'TLSv1.2'] as const)('tshark decrypts a captured %s session', (version) => {
  let dir = '';
  let pcap = '';
  let keys = '';
  let session: Session;

  beforeAll(async () => {
    requireTshark();
    dir = await mkdtemp(join(tmpdir(), 'cesim-tls-'));
    session = await recordSession(version);
    pcap = join(dir, 'tls.pcap');
    keys = join(dir, 'keys.log');
    await writePcap(pcap, segmentsOf(session.chunks));
    await writeFile(keys, session.keylog.toString());
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('negotiated the version asked for', () => {
    expect(session.protocol).toBe(version);
    expect(session.chunks.some((c) => c.from === 'client')).toBe(true);
    expect(session.chunks.some((c) => c.from === 'server')).toBe(true);
  });

  it("re-emits Node's keylog lines byte for byte, and both sides logged the same secrets", () => {
    const text = session.keylog.toString();
    const labels = text.trim().split('\n').map((l) => l.split(' ')[0]);
    if (version === 'TLSv1.3') {
      expect(labels.sort()).toEqual(
        ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0'].sort(),
      );
    } else {
      expect(labels).toEqual(['CLIENT_RANDOM']);
    }
    expect(text).toBe(session.clientLines.map((l) => l.replace(/\n?$/, '\n')).join(''));
    expect(new Set(session.serverLines.map((l) => l.trim()))).toEqual(new Set(session.clientLines.map((l) => l.trim())));
    for (const l of session.clientLines) expect(parseKeyLogLine(l)).not.toBeNull();
  });

  it('without the key log, tshark sees TLS but no HTTP request', async () => {
    expect(fieldRows(await tshark(['-r', pcap, '-Y', 'tls.handshake.type == 1', '-T', 'fields', '-e', 'ip.src']))).toEqual([['10.0.0.1']]);
    expect((await tshark(['-r', pcap, '-Y', 'http.request'])).trim()).toBe('');
  });

  it('with tls.keylog_file, tshark decrypts the records and finds GET /secret', async () => {
    const rows = fieldRows(
      await tshark([
        '-r', pcap, '-o', `tls.keylog_file:${keys}`, '-Y', 'http.request', '-T', 'fields',
        '-e', 'http.request.method', '-e', 'http.request.uri', '-e', 'ip.src', '-e', 'tcp.dstport',
      ]),
    );
    expect(rows).toEqual([['GET', '/secret', '10.0.0.1', '443']]);
    const resp = fieldRows(await tshark(['-r', pcap, '-o', `tls.keylog_file:${keys}`, '-Y', 'http.response', '-T', 'fields', '-e', 'http.response.code']));
    expect(resp).toEqual([['200']]);
  });

  it('decodes cleanly: good checksums, nothing malformed, no TCP analysis or TLS warnings', async () => {
    const problems = await tshark([
      '-r', pcap, '-o', `tls.keylog_file:${keys}`, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-Y',
      '_ws.malformed || _ws.expert.severity >= 0x00600000 || ip.checksum.status != 1 || tcp.checksum.status != 1 || tcp.analysis.flags',
    ]);
    expect(problems.trim()).toBe('');
  });
});
