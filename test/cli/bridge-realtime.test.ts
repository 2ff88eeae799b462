/**
 * The bridged device lives in real time, and `cesim connect`'s exit code reflects the whole
 * exchange. Certificates are made by openssl when the test runs (valid from now, as a user's
 * are, never back-dated), and `openssl s_server` is the peer.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cesim } from './helpers.js';
import { requireTool } from '../support/peers.js';

// Under CI a missing tool fails the suite instead of skipping it.
const hasOpenssl = requireTool('openssl', ['version'], 'apt-get install openssl');

let dir = '';
const f = (name: string): string => join(dir, name);
function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}
/** A CA and a leaf it signs, made now (notBefore = now). */
function makeCa(name: string): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '30', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}
function makeLeaf(name: string, ca: string, usage: 'serverAuth' | 'clientAuth'): void {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name === 'server' ? 'localhost' : name}`);
  writeFileSync(f(`${name}.ext`), `subjectAltName=DNS:localhost\nextendedKeyUsage=${usage}\nkeyUsage=critical,digitalSignature\n`);
  openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${ca}.pem`), '-CAkey', f(`${ca}.key`), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '30', '-extfile', f(`${name}.ext`));
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Runs `openssl s_server` with `extra` while `fn` runs. */
async function withSServer<T>(extra: string[], fn: (port: number) => Promise<T>): Promise<T> {
  const port = await freePort();
  const srv = spawn('openssl', ['s_server', '-accept', String(port), '-cert', f('server.pem'), '-key', f('server.key'), '-tls1_3', '-www', '-naccept', '1', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve) => {
      srv.stdout.on('data', (d: Buffer) => d.toString().includes('ACCEPT') && resolve());
      setTimeout(resolve, 3000);
    });
    return await fn(port);
  } finally {
    srv.kill();
  }
}

describe.skipIf(!hasOpenssl)('cesim connect in real time against openssl s_server', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cesim-rt-'));
    makeCa('ca');
    makeLeaf('server', 'ca', 'serverAuth');
    makeLeaf('client', 'ca', 'clientAuth');
  });

  it('a certificate made today is valid: the device clock boots at the host time, and the banner says so', async () => {
    const r = await withSServer([], (port) => cesim('connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', f('ca.pem'), '--pace', 'host'));
    expect(r.stderr).toMatch(/clock booted \d{4}-\d{2}-\d{2}T[\d:.]+Z \(host clock\)/);
    expect(r.stderr).toContain('SEC_E_OK TLS 1.3');
    expect(r.code).toBe(0);
  });

  it('--boot-time before the certificate was made: SEC_E_CERT_EXPIRED (not yet valid), exit 1', async () => {
    const r = await withSServer([], (port) => cesim('connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', f('ca.pem'), '--pace', 'host', '--boot-time', '2020-01-01T00:00:00Z'));
    expect(r.stderr).toContain('clock booted 2020-01-01T00:00:00.000Z (--boot-time)');
    expect(r.stderr).toContain('SEC_E_CERT_EXPIRED');
    expect(r.code).toBe(1);
  });

  it('RFC 8446 §4.4.2.4: the server requires a client certificate and gets none → certificate_required after the handshake → SEC_E_NO_CREDENTIALS, exit 1', async () => {
    const r = await withSServer(['-Verify', '1', '-CAfile', f('ca.pem')], (port) => cesim('connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', f('ca.pem'), '--pace', 'host'));
    expect(r.stderr).toContain('exchange failed: SEC_E_NO_CREDENTIALS');
    expect(r.code).toBe(1);
  });

  it('a client certificate from the CA the server trusts → exit 0', async () => {
    const r = await withSServer(['-Verify', '1', '-CAfile', f('ca.pem')], (port) =>
      cesim('connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', f('ca.pem'), '--cert', f('client.pem'), '--key', f('client.key'), '--pace', 'host'));
    expect(r.stderr).toContain('SEC_E_OK TLS 1.3');
    expect(r.code).toBe(0);
  });
});
