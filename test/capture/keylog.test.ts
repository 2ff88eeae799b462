/**
 * NSS key log format, and a capture of the RFC 8448 §3 trace that tshark decrypts with a key
 * log written from the RFC's own key schedule: the golden shape cesim's TLS captures will take.
 */

import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KEYLOG_LABELS,
  type KeyLogEntry,
  KeyLogWriter,
  TLS13_KEYLOG_LABELS,
  TcpFlow,
  type Tls13KeyLogLabel,
  formatKeyLogLine,
  parseKeyLogLine,
  writeKeyLog,
  writePcap,
} from '../../emulator/capture/index.js';
import { RUN_TSHARK_SUITES, fieldRows, requireTshark, tshark } from './tshark.js';

/** RFC 8448 §3 records and secrets; see `_source` in the file. */
interface Rfc8448Vector {
  client_random: string;
  secrets: Record<string, string>;
  records: { name: string; from: 'client' | 'server'; record: string; plaintext: string }[];
}
const VECTOR = JSON.parse(
  await readFile(new URL('./vectors/rfc8448-simple-1rtt.json', import.meta.url), 'utf8'),
) as Rfc8448Vector;

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const CLIENT_RANDOM = hex(VECTOR.client_random);

function rfc8448Entries(): KeyLogEntry[] {
  return TLS13_KEYLOG_LABELS.filter((l) => VECTOR.secrets[l]).map((label) => ({ label, clientRandom: CLIENT_RANDOM, secret: hex(VECTOR.secrets[label]!) }));
}

function rfc8448KeyLog(): KeyLogWriter {
  const w = new KeyLogWriter();
  const secrets: Partial<Record<Tls13KeyLogLabel, Uint8Array>> = {};
  for (const [label, secret] of Object.entries(VECTOR.secrets)) secrets[label as Tls13KeyLogLabel] = hex(secret);
  w.addTls13(CLIENT_RANDOM, secrets);
  return w;
}

describe('NSS key log format', () => {
  it('knows the seven TLS 1.3 labels and CLIENT_RANDOM', () => {
    expect([...KEYLOG_LABELS].sort()).toEqual(
      [
        'CLIENT_RANDOM',
        'CLIENT_EARLY_TRAFFIC_SECRET',
        'EARLY_EXPORTER_SECRET',
        'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
        'SERVER_HANDSHAKE_TRAFFIC_SECRET',
        'CLIENT_TRAFFIC_SECRET_0',
        'SERVER_TRAFFIC_SECRET_0',
        'EXPORTER_SECRET',
      ].sort(),
    );
    expect(TLS13_KEYLOG_LABELS).toHaveLength(7);
  });

  it('writes LABEL <client_random hex> <secret hex> lines in RFC 8446 §7.1 order', () => {
    expect(rfc8448KeyLog().toString()).toBe(
      [
        `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${VECTOR.client_random} ${VECTOR.secrets.CLIENT_HANDSHAKE_TRAFFIC_SECRET}`,
        `SERVER_HANDSHAKE_TRAFFIC_SECRET ${VECTOR.client_random} ${VECTOR.secrets.SERVER_HANDSHAKE_TRAFFIC_SECRET}`,
        `CLIENT_TRAFFIC_SECRET_0 ${VECTOR.client_random} ${VECTOR.secrets.CLIENT_TRAFFIC_SECRET_0}`,
        `SERVER_TRAFFIC_SECRET_0 ${VECTOR.client_random} ${VECTOR.secrets.SERVER_TRAFFIC_SECRET_0}`,
        `EXPORTER_SECRET ${VECTOR.client_random} ${VECTOR.secrets.EXPORTER_SECRET}`,
        '',
      ].join('\n'),
    );
  });

  it('writes a TLS 1.2 CLIENT_RANDOM line with the 48-byte master secret', () => {
    const w = new KeyLogWriter();
    w.addTls12(new Uint8Array(32).fill(0xab), new Uint8Array(48).fill(0x01));
    expect(w.toString()).toBe(`CLIENT_RANDOM ${'ab'.repeat(32)} ${'01'.repeat(48)}\n`);
  });

  it('writes early-data labels and SHA-384-sized secrets', () => {
    const line = formatKeyLogLine({ label: 'CLIENT_EARLY_TRAFFIC_SECRET', clientRandom: new Uint8Array(32), secret: new Uint8Array(48).fill(0xff) });
    expect(line).toBe(`CLIENT_EARLY_TRAFFIC_SECRET ${'00'.repeat(32)} ${'ff'.repeat(48)}`);
    expect(formatKeyLogLine({ label: 'EARLY_EXPORTER_SECRET', clientRandom: new Uint8Array(32), secret: new Uint8Array(32) })).toMatch(/^EARLY_EXPORTER_SECRET /);
  });

  it('rejects a client random that is not 32 bytes and secrets of no TLS length', () => {
    expect(() => formatKeyLogLine({ label: 'EXPORTER_SECRET', clientRandom: new Uint8Array(31), secret: new Uint8Array(32) })).toThrow(RangeError);
    expect(() => formatKeyLogLine({ label: 'EXPORTER_SECRET', clientRandom: new Uint8Array(32), secret: new Uint8Array(20) })).toThrow(RangeError);
    expect(() => formatKeyLogLine({ label: 'CLIENT_RANDOM', clientRandom: new Uint8Array(32), secret: new Uint8Array(32) })).toThrow(RangeError);
  });

  it('parses what it writes; skips comments, blanks and unknown labels; rejects bad hex', () => {
    for (const line of rfc8448KeyLog().toString().split('\n').filter(Boolean)) {
      const e = parseKeyLogLine(`${line}\n`);
      expect(e && formatKeyLogLine(e)).toBe(line);
    }
    expect(parseKeyLogLine('# comment')).toBeNull();
    expect(parseKeyLogLine('')).toBeNull();
    expect(parseKeyLogLine(`RSA ${'00'.repeat(8)} ${'00'.repeat(48)}`)).toBeNull();
    expect(() => parseKeyLogLine(`EXPORTER_SECRET ${'zz'.repeat(32)} ${'00'.repeat(32)}`)).toThrow(RangeError);
  });

  it('writes each (label, client random) once', () => {
    const w = rfc8448KeyLog();
    const n = w.count;
    w.addLine(w.toString().split('\n')[0]!);
    expect(w.count).toBe(n);
    w.clear();
    expect(w.toString()).toBe('');
  });

  it('writes the file owner-only (it holds secrets)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cesim-keylog-'));
    try {
      const p = join(dir, 'k.log');
      await writeKeyLog(p, [{ label: 'EXPORTER_SECRET', clientRandom: CLIENT_RANDOM, secret: hex(VECTOR.secrets.EXPORTER_SECRET!) }]);
      expect((await stat(p)).mode & 0o077).toBe(0);
      expect(await readFile(p, 'utf8')).toMatch(/^EXPORTER_SECRET cb34ecb1/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(RUN_TSHARK_SUITES)('RFC 8448 §3 trace as a capture, decrypted by tshark with the written key log', () => {
  let dir = '';
  let pcap = '';
  let keys = '';
  let tls: string[] = [];

  beforeAll(async () => {
    requireTshark();
    dir = await mkdtemp(join(tmpdir(), 'cesim-8448-'));
    pcap = join(dir, 'rfc8448.pcap');
    keys = join(dir, 'rfc8448.keys');
    const MS = 1_000_000;
    // Port 4433 decoded as TLS (`-d`): on 443 the HTTP dissector would claim the RFC's binary app data.
    const f = new TcpFlow({ client: { ip: '10.0.0.1', port: 49152 }, server: { ip: '10.0.0.2', port: 4433 } });
    let t = 0;
    f.open(t, (t += MS), (t += MS));
    // One write per RFC record, each acknowledged half a millisecond later.
    for (const r of VECTOR.records) f.send(r.from, hex(r.record), (t += MS), t + MS / 2);
    f.close('client', (t += MS), (t += MS), (t += MS));
    await writePcap(pcap, f.segments);
    await writeKeyLog(keys, rfc8448Entries());
    tls = ['-d', 'tcp.port==4433,tls', '-o', `tls.keylog_file:${keys}`];
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('decrypts every handshake message of both sides (types 1, 2, 8, 11, 15, 20, 4, 20)', async () => {
    const rows = fieldRows(await tshark(['-r', pcap, ...tls, '-Y', 'tls.handshake', '-T', 'fields', '-e', 'ip.src', '-e', 'tls.handshake.type']));
    const types = rows.flatMap(([src, t]) => t!.split(',').map((x) => `${src}:${x}`));
    expect(types).toEqual(['10.0.0.1:1', '10.0.0.2:2', '10.0.0.2:8', '10.0.0.2:11', '10.0.0.2:15', '10.0.0.2:20', '10.0.0.1:20', '10.0.0.2:4']);
  });

  it('decrypts the application data (RFC 8448: bytes 00..31 hex each way) and both close_notify alerts', async () => {
    const data = fieldRows(
      await tshark(['-r', pcap, ...tls, '-Y', 'data', '-T', 'fields', '-e', 'ip.src', '-e', 'data.data']),
    );
    const plain = VECTOR.records.find((r) => r.name === 'client_application_data')!.plaintext;
    expect(data).toEqual([
      ['10.0.0.1', plain],
      ['10.0.0.2', plain],
    ]);
    const alerts = fieldRows(await tshark(['-r', pcap, ...tls, '-Y', 'tls.alert_message', '-T', 'fields', '-e', 'ip.src', '-e', 'tls.alert_message.desc']));
    expect(alerts).toEqual([
      ['10.0.0.1', '0'],
      ['10.0.0.2', '0'],
    ]);
  });

  it('without the key log, no handshake message past ServerHello is visible', async () => {
    const rows = fieldRows(await tshark(['-r', pcap, '-d', 'tcp.port==4433,tls', '-Y', 'tls.handshake', '-T', 'fields', '-e', 'tls.handshake.type']));
    expect(rows).toEqual([['1'], ['2']]);
  });
});
