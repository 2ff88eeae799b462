/**
 * `cesim serve` and `cesim connect` with `--protocols`, `--ciphers`, `--groups`, several
 * `--cert/--key` pairs and `--client-auth --ca`, against real OpenSSL peers (`openssl s_client`,
 * `openssl s_server`, Node's `tls`), with certificates made at test time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../emulator/cli.js';
import { captureIo, cesim } from './helpers.js';
import { requireTool } from '../support/peers.js';

// Under CI the tool must be there: the tests fail rather than skip.
const runIt = requireTool('openssl', ['version'], 'apt-get install openssl');

let dir = '';
const f = (name: string): string => join(dir, name);

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A CA, an RSA and an ECDSA server certificate for localhost, and a client certificate, all issued now. */
function makePki(): void {
  dir = mkdtempSync(join(tmpdir(), 'cesim-tlsopts-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=cesim test CA', '-days', '2',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  writeFileSync(f('client.ext'), 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  const issue = (name: string, newkey: string[], ext: string, cn: string) => {
    openssl(['req', '-newkey', ...newkey, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', ext]);
  };
  issue('rsa', ['rsa:2048'], 'server.ext', 'localhost');
  issue('ec', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'server.ext', 'localhost');
  issue('client', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'client.ext', 'cesim client');
}

function run(cmd: string, args: string[], input: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ stdout, stderr, code }));
    p.stdin.end(input);
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** `cesim serve --pace host` with `args`; resolves once it listens. */
async function serve(args: string[], connections: number): Promise<{ port: number; io: ReturnType<typeof captureIo>; done: Promise<number> }> {
  const io = captureIo();
  const done = main(['serve', '--listen', '127.0.0.1:0', '--pace', 'host', '--max-connections', String(connections), '--quiet', ...args], io);
  const end = performance.now() + 20_000;
  while (!io.out.join('').includes('listening on') && io.err.length === 0) {
    if (performance.now() > end) throw new Error('serve did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = /listening on 127\.0\.0\.1:(\d+)/.exec(io.out.join(''));
  if (!m) throw new Error(`serve did not start: ${io.err.join('')}`);
  return { port: Number(m[1]), io, done };
}

/** `openssl s_client` with a GET; the whole transcript (-ign_eof keeps it until the response ends). */
function sClient(port: number, extra: string[]): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', f('ca.pem'), '-verify_return_error', '-ign_eof', ...extra], 'GET /opts HTTP/1.0\r\n\r\n');
}

/** Both server certificates on one `serve`. */
const BOTH = (): string[] => ['--cert', f('rsa.pem'), '--key', f('rsa.key'), '--cert', f('ec.pem'), '--key', f('ec.key')];

describe.runIf(runIt)('cesim serve with several certificates picks by the client (RFC 8446 §4.4.2.2, RFC 5246 §7.4.2)', () => {
  beforeAll(makePki);
  afterAll(() => undefined);

  it('TLS 1.3: -sigalgs ecdsa_secp256r1_sha256 gets the ECDSA certificate, -sigalgs rsa_pss_rsae_sha256 the RSA one; the banner lists both', async () => {
    const s = await serve(BOTH(), 2);
    expect(s.io.out.join('')).toMatch(/certificates .*rsa\.pem \(RSA 2048\), .*ec\.pem \(ECDSA P-256\)/);
    const ec = await sClient(s.port, ['-tls1_3', '-sigalgs', 'ecdsa_secp256r1_sha256']);
    expect(ec.stdout).toMatch(/Peer signature type: ECDSA/);
    expect(ec.stdout).toMatch(/Server public key is 256 bit/);
    expect(ec.stdout).toContain('HTTP/1.0 200 OK');
    const rsa = await sClient(s.port, ['-tls1_3', '-sigalgs', 'rsa_pss_rsae_sha256']);
    expect(rsa.stdout).toMatch(/Peer signature type: RSA-PSS/);
    expect(rsa.stdout).toMatch(/Server public key is 2048 bit/);
    expect(await s.done).toBe(0);
    expect(s.io.out.join('')).toContain('SEC_E_OK ×2');
  });

  it('TLS 1.2: the suite decides: ECDHE-RSA and static RSA get the RSA certificate, ECDHE-ECDSA the ECDSA one', async () => {
    const s = await serve(BOTH(), 3);
    const a = await sClient(s.port, ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256']);
    expect(a.stdout).toMatch(/Cipher is ECDHE-RSA-AES128-GCM-SHA256/);
    expect(a.stdout).toMatch(/Server public key is 2048 bit/);
    const b = await sClient(s.port, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-GCM-SHA384']);
    expect(b.stdout).toMatch(/Cipher is ECDHE-ECDSA-AES256-GCM-SHA384/);
    expect(b.stdout).toMatch(/Server public key is 256 bit/);
    const c = await sClient(s.port, ['-tls1_2', '-cipher', 'AES128-GCM-SHA256']);
    expect(c.stdout).toMatch(/Cipher is AES128-GCM-SHA256/);
    expect(c.stdout).toMatch(/Server public key is 2048 bit/);
    expect(c.stdout).toContain('HTTP/1.0 200 OK');
    expect(await s.done).toBe(0);
  });

  it('Node tls with sigalgs ECDSA then RSA-PSS sees the matching certificate', async () => {
    const s = await serve(BOTH(), 2);
    const get = (sigalgs: string) =>
      new Promise<{ bits: number; curve: string | undefined }>((resolve, reject) => {
        const t = tlsConnect({ host: '127.0.0.1', port: s.port, servername: 'localhost', ca: readFileSync(f('ca.pem')), sigalgs }, () => {
          const c = t.getPeerCertificate();
          t.write('GET / HTTP/1.0\r\n\r\n');
          t.on('data', () => undefined);
          t.on('end', () => resolve({ bits: c.bits ?? 0, curve: c.asn1Curve }));
        });
        t.on('error', reject);
      });
    expect(await get('ecdsa_secp256r1_sha256')).toEqual({ bits: 256, curve: 'prime256v1' });
    expect((await get('rsa_pss_rsae_sha256:rsa_pss_rsae_sha384')).bits).toBe(2048);
    expect(await s.done).toBe(0);
  });
});

describe.runIf(runIt)('cesim serve --protocols / --ciphers / --groups (SCHANNEL_CRED grbitEnabledProtocols, palgSupportedAlgs, the suite and curve order policy)', () => {
  beforeAll(makePki);

  it('--ciphers keeps only the suites named: the one offered is taken, another draws handshake_failure (RFC 5246 §7.4.1.3); the banner names palgSupportedAlgs', async () => {
    const s = await serve(['--cert', f('rsa.pem'), '--key', f('rsa.key'), '--ciphers', 'ECDHE-RSA-AES256-GCM-SHA384,TLS_AES_256_GCM_SHA384'], 3);
    expect(s.io.out.join('')).toContain('suites TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_AES_256_GCM_SHA384 (palgSupportedAlgs CALG_AES_256)');
    const ok12 = await sClient(s.port, ['-tls1_2']);
    expect(ok12.stdout).toMatch(/Cipher is ECDHE-RSA-AES256-GCM-SHA384/);
    const ok13 = await sClient(s.port, ['-tls1_3']);
    expect(ok13.stdout).toMatch(/Cipher is TLS_AES_256_GCM_SHA384/);
    const bad = await sClient(s.port, ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256']);
    expect(bad.stderr).toMatch(/alert handshake failure/);
    await s.done;
  });

  it('--groups secp384r1: a client offering x25519 first still gets secp384r1 (RFC 8446 §4.2.7 via HelloRetryRequest; RFC 8422 §5.1.1)', async () => {
    const s = await serve([...BOTH(), '--groups', 'secp384r1'], 3);
    expect(s.io.out.join('')).toContain('groups secp384r1');
    for (const v of ['-tls1_3', '-tls1_2']) {
      const r = await sClient(s.port, [v, '-groups', 'X25519:secp384r1']);
      expect(r.stdout).toMatch(/Server Temp Key: ECDH, secp384r1, 384 bits/);
      expect(r.stdout).toContain('HTTP/1.0 200 OK');
    }
    // RFC 8422 §5.3: in TLS 1.2 the P-256 ECDSA certificate needs secp256r1 in the client's list;
    // without it the server takes its RSA certificate.
    const r = await sClient(s.port, ['-tls1_2', '-groups', 'secp384r1', '-sigalgs', 'ECDSA+SHA256:RSA+SHA256']);
    expect(r.stdout).toMatch(/Cipher is ECDHE-RSA-AES128-GCM-SHA256/);
    expect(r.stdout).toContain('HTTP/1.0 200 OK');
    expect(await s.done).toBe(0);
  });

  it('--protocols tls1.2 refuses a TLS-1.3-only client with protocol_version (RFC 8446 §4.2.1) and serves a TLS 1.2 one', async () => {
    const s = await serve(['--cert', f('ec.pem'), '--key', f('ec.key'), '--protocols', 'tls1.2'], 2);
    expect(s.io.out.join('')).toContain('protocols TLS 1.2 (grbitEnabledProtocols 0x00000400)');
    const r13 = await sClient(s.port, ['-tls1_3']);
    expect(r13.stderr).toMatch(/protocol version/);
    const r12 = await sClient(s.port, []);
    expect(r12.stdout).toMatch(/Protocol\s*: TLSv1\.2/);
    await s.done;
  });

  it('bad names are usage errors that list the valid ones', async () => {
    const c = await cesim('serve', '--listen', '127.0.0.1:0', '--cert', f('ec.pem'), '--key', f('ec.key'), '--ciphers', 'RC4-MD5');
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('unknown cipher suite "RC4-MD5"');
    expect(c.stderr).toContain('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (ECDHE-RSA-AES128-GCM-SHA256)');
    expect(c.stderr).toContain('TLS_AES_128_GCM_SHA256');
    const g = await cesim('connect', '127.0.0.1:1', '--groups', 'ffdhe2048');
    expect(g.code).toBe(2);
    expect(g.stderr).toContain('unknown group "ffdhe2048" (valid: x25519, secp256r1, secp384r1, secp521r1, x448)');
    const p = await cesim('connect', '127.0.0.1:1', '--protocols', 'tls1.1');
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('(valid: tls1.2, tls1.3)');
    const m = await cesim('connect', '127.0.0.1:1', '--protocols', 'tls1.3', '--ciphers', 'ECDHE-ECDSA-AES128-GCM-SHA256');
    expect(m.code).toBe(2);
    expect(m.stderr).toContain('none of these suites belongs to the enabled protocols');
    const k = await cesim('serve', '--listen', '127.0.0.1:0', '--cert', f('ec.pem'), '--key', f('ec.key'), '--cert', f('rsa.pem'));
    expect(k.code).toBe(2);
    expect(k.stderr).toContain('2 --cert but 1 --key');
  });
});

describe.runIf(runIt)('cesim connect --protocols / --groups against openssl s_server', () => {
  beforeAll(makePki);

  async function sServer(args: string[], fn: (port: number) => Promise<void>): Promise<void> {
    const port = await freePort();
    const srv = spawn('openssl', ['s_server', '-accept', String(port), '-cert', f('rsa.pem'), '-key', f('rsa.key'), '-www', '-naccept', '1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve) => {
        srv.stdout.on('data', (d: Buffer) => d.toString().includes('ACCEPT') && resolve());
        setTimeout(resolve, 3000);
      });
      await fn(port);
    } finally {
      srv.kill();
    }
  }
  const connect = (port: number, ...extra: string[]) => cesim('connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', f('ca.pem'), '--pace', 'host', ...extra);

  it('s_server -tls1_2: the default (both versions) negotiates TLS 1.2; --protocols tls1.3 fails with the status and exit 1', async () => {
    await sServer(['-tls1_2'], async (port) => {
      const r = await connect(port);
      expect(r.stderr).toContain('protocols TLS 1.2, TLS 1.3');
      expect(r.stderr).toMatch(/SEC_E_OK TLS 1\.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256/);
      expect(r.stdout).toMatch(/^HTTP\/1\.0 200 ok/);
      expect(r.code).toBe(0);
    });
    await sServer(['-tls1_2'], async (port) => {
      const r = await connect(port, '--protocols', 'tls1.3');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/handshake failed: SEC_E_/);
    });
  });

  it('s_server -tls1_3 -groups secp384r1 with --groups secp384r1 (and --ciphers TLS_AES_256_GCM_SHA384)', async () => {
    await sServer(['-tls1_3', '-groups', 'secp384r1'], async (port) => {
      const r = await connect(port, '--groups', 'secp384r1', '--ciphers', 'TLS_AES_256_GCM_SHA384');
      expect(r.stderr).toMatch(/SEC_E_OK TLS 1\.3 TLS_AES_256_GCM_SHA384/);
      expect(r.code).toBe(0);
    });
  });

  it('s_server -tls1_2 -groups secp384r1 with --protocols tls1.2 --groups x25519,secp384r1 takes secp384r1 (RFC 8422 §5.1.1)', async () => {
    await sServer(['-tls1_2', '-groups', 'secp384r1'], async (port) => {
      const r = await connect(port, '--protocols', 'tls1.2', '--groups', 'x25519,secp384r1', '--ciphers', 'ECDHE-RSA-CHACHA20-POLY1305');
      expect(r.stderr).toContain('suites TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256; groups x25519, secp384r1');
      expect(r.stderr).toMatch(/SEC_E_OK TLS 1\.2 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256/);
      expect(r.code).toBe(0);
    });
  });
});

describe.runIf(runIt)('cesim serve --client-auth --ca: a client certificate from a CA made now (RFC 8446 §4.4.2.4, RFC 5246 §7.4.6)', () => {
  beforeAll(makePki);

  it('is accepted with --ca and refused with unknown_ca without it, in both versions, from openssl s_client', async () => {
    const ok = await serve(['--cert', f('ec.pem'), '--key', f('ec.key'), '--client-auth', '--ca', f('ca.pem')], 2);
    expect(ok.io.out.join('')).toContain('client certificates asked for (ASC_REQ_MUTUAL_AUTH), trusted roots: ');
    for (const v of ['-tls1_2', '-tls1_3']) {
      const r = await sClient(ok.port, [v, '-cert', f('client.pem'), '-key', f('client.key')]);
      expect(r.stdout).toContain('HTTP/1.0 200 OK');
    }
    expect(await ok.done).toBe(0);
    const no = await serve(['--cert', f('ec.pem'), '--key', f('ec.key'), '--client-auth'], 2);
    for (const v of ['-tls1_2', '-tls1_3']) {
      const r = await sClient(no.port, [v, '-cert', f('client.pem'), '-key', f('client.key')]);
      expect(r.stderr).toMatch(/alert unknown ca/);
    }
    await no.done;
    expect(no.io.out.join('')).toContain('SEC_E_UNTRUSTED_ROOT ×2');
  });

  it('cesim connect with the client certificate: exit 0 with --ca on the server, exit 1 and SEC_E_ status without', async () => {
    const ok = await serve(['--cert', f('ec.pem'), '--key', f('ec.key'), '--client-auth', '--ca', f('ca.pem')], 1);
    const a = await cesim('connect', `127.0.0.1:${ok.port}`, '--servername', 'localhost', '--ca', f('ca.pem'), '--pace', 'host', '--cert', f('client.pem'), '--key', f('client.key'));
    expect(a.code).toBe(0);
    expect(await ok.done).toBe(0);
    const no = await serve(['--cert', f('ec.pem'), '--key', f('ec.key'), '--client-auth', '--protocols', 'tls1.2'], 1);
    const b = await cesim('connect', `127.0.0.1:${no.port}`, '--servername', 'localhost', '--ca', f('ca.pem'), '--pace', 'host', '--cert', f('client.pem'), '--key', f('client.key'));
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/failed: SEC_E_/);
    await no.done;
  });
});
