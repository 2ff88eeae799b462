/**
 * The real-time bridge against Node's `tls` (OpenSSL): `cesim serve` answers a Node TLS
 * client, and `cesim connect` talks to a Node TLS server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, createServer as tlsCreateServer, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { main } from '../../emulator/cli.js';
import { SCENARIOS_DIR } from '../../emulator/scenario/index.js';
import { captureIo, cesim } from './helpers.js';

const pki = (f: string) => join(SCENARIOS_DIR, 'pki', f);

/** Waits until `pred` holds, polling. */
async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One HTTPS request with Node's tls client; resolves to the whole response. */
function nodeGet(port: number): Promise<{ text: string; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const s: TLSSocket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(pki('ec-root.pem')), minVersion: 'TLSv1.3' }, () => {
      s.write('GET /hello HTTP/1.0\r\nHost: localhost\r\n\r\n');
    });
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (text += d));
    s.on('end', () => resolve({ text, protocol: s.getProtocol() }));
    s.on('error', reject);
  });
}

describe('cesim serve (real socket, real time)', () => {
  it('completes handshakes with Node tls clients, one after another and at once, then prints its memory report', async () => {
    const io = captureIo();
    const done = main(['serve', '--listen', '127.0.0.1:0', '--cert', pki('server-p256.chain.pem'), '--key', pki('server-p256.key.pem'), '--max-connections', '3'], io);
    await until(() => io.out.join('').includes('listening on') || io.err.length > 0);
    expect(io.err.join('')).toBe('');
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(io.out.join(''))![1]);
    const first = await nodeGet(port);
    expect(first.protocol).toBe('TLSv1.3');
    expect(first.text).toMatch(/^HTTP\/1\.0 200 OK\r\n/);
    expect(first.text).toContain('GET /hello HTTP/1.0');
    const both = await Promise.all([nodeGet(port), nodeGet(port)]);
    for (const b of both) expect(b.text).toMatch(/^HTTP\/1\.0 200 OK/);
    expect(await done).toBe(0);
    const out = io.out.join('');
    expect(out).toContain('3 connection(s): SEC_E_OK ×3');
    expect(out).toMatch(/pool io\s+peak\s+\d+ B of/);
    expect(out).toContain('leaks none');
  });
});

describe('cesim serve sends the alert for an error found after the handshake (RFC 8446 §6.2)', () => {
  /** Completes a handshake with an OpenSSL client, then writes `record` under its TLS layer; resolves to what the client saw. */
  async function afterHandshake(record: Uint8Array): Promise<{ seen: string; out: string; code: number }> {
    const io = captureIo();
    const done = main(['serve', '--listen', '127.0.0.1:0', '--cert', pki('server-p256.chain.pem'), '--key', pki('server-p256.key.pem'), '--max-connections', '1'], io);
    await until(() => io.out.join('').includes('listening on') || io.err.length > 0);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(io.out.join(''))![1]);
    const seen = await new Promise<string>((resolve) => {
      const raw = netConnect(port, '127.0.0.1');
      const s = tlsConnect({ socket: raw, servername: 'localhost', ca: readFileSync(pki('ec-root.pem')), minVersion: 'TLSv1.3' }, () => {
        // Once the server has the client's Finished (its tickets arrive), the forged record goes out under the TLS layer.
        s.once('session', () => raw.write(record));
      });
      s.on('error', (e: Error & { code?: string }) => resolve(`${e.code ?? ''} ${e.message}`));
      s.on('close', () => resolve('closed without an alert'));
    });
    const code = await done;
    return { seen, out: io.out.join(''), code };
  }
  it('a change_cipher_spec after the handshake draws unexpected_message, which OpenSSL reports', async () => {
    const r = await afterHandshake(Uint8Array.of(0x14, 0x03, 0x03, 0x00, 0x01, 0x01));
    expect(r.seen).toMatch(/unexpected message/i);
    expect(r.out).toContain('SEC_E_ILLEGAL_MESSAGE');
    expect(r.out).toContain('leaks none');
  });
  it('a record that cannot authenticate draws bad_record_mac, which OpenSSL reports', async () => {
    const r = await afterHandshake(Uint8Array.of(0x17, 0x03, 0x03, 0x00, 0x20, ...new Uint8Array(32).fill(0x5a)));
    expect(r.seen).toMatch(/bad record mac/i);
    expect(r.out).toContain('SEC_E_DECRYPT_FAILURE');
    expect(r.out).toContain('leaks none');
  });
});

describe('cesim connect (real socket, real time)', () => {
  it('completes a handshake with a Node tls server and prints the response', async () => {
    const server = tlsCreateServer({ cert: readFileSync(pki('server-p256.chain.pem')), key: readFileSync(pki('server-p256.key.pem')), minVersion: 'TLSv1.3' }, (s) => {
      let req = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        req += d;
        if (req.includes('\r\n\r\n')) s.end(`HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello ${req.split('\r\n')[0]}`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const ok = await cesim('connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', pki('ec-root.pem'), '--path', '/x');
      expect(ok.stderr).toContain('SEC_E_OK TLS 1.3');
      expect(ok.stdout).toBe('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello GET /x HTTP/1.0');
      expect(ok.code).toBe(0);
      // No trust anchor: the handshake fails, and the exit code and message say why.
      const bad = await cesim('connect', `127.0.0.1:${port}`, '--servername', 'localhost');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/handshake failed: SEC_E_UNTRUSTED_ROOT/);
    } finally {
      server.close();
    }
  });
});
