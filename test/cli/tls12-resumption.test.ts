/**
 * TLS 1.2 resumption through the bridge, against OpenSSL: by session ID (RFC 5246 §7.4.1.2,
 * §7.3 Figure 2) and by session ticket (RFC 5077 §3.1), `cesim serve` against
 * `openssl s_client -sess_out/-sess_in`, and cesim's client (`cesim connect --reconnect`, one
 * credential handle: the CE reuse rule) against `openssl s_server`. Certificates are made at
 * test time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../emulator/cli.js';
import { captureIo, cesim } from './helpers.js';
import { requireTool } from '../support/peers.js';

// Under CI the tool must be there: requireTool throws and the file fails rather than skips.
const runIt = requireTool('openssl', ['version'], 'apt-get install openssl');

let dir = '';
const f = (name: string): string => join(dir, name);

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

function makePki(): void {
  dir = mkdtempSync(join(tmpdir(), 'cesim-resume-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=cesim resumption CA', '-days', '2',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.csr', '-subj', '/CN=localhost']);
  openssl(['x509', '-req', '-in', 'rsa.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'rsa.pem', '-days', '2', '-extfile', 'server.ext']);
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

async function serve(args: string[], connections: number): Promise<{ port: number; io: ReturnType<typeof captureIo>; done: Promise<number> }> {
  const io = captureIo();
  const done = main(['serve', '--listen', '127.0.0.1:0', '--pace', 'host', '--max-connections', String(connections), '--cert', f('rsa.pem'), '--key', f('rsa.key'), ...args], io);
  const end = performance.now() + 20_000;
  while (!io.out.join('').includes('listening on') && io.err.length === 0) {
    if (performance.now() > end) throw new Error('serve did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = /listening on 127\.0\.0\.1:(\d+)/.exec(io.out.join(''));
  if (!m) throw new Error(`serve did not start: ${io.err.join('')}`);
  return { port: Number(m[1]), io, done };
}

function sClient(port: number, extra: string[]): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', f('ca.pem'), '-verify_return_error', '-ign_eof', '-tls1_2', ...extra], 'GET /again HTTP/1.0\r\n\r\n');
}

/** The per-connection lines of `cesim serve`'s log. */
const connectionLines = (io: ReturnType<typeof captureIo>): string[] => io.err.join('').split('\n').filter((l) => l.startsWith('connection '));

describe.runIf(runIt)('cesim serve resumes TLS 1.2 sessions for openssl s_client', () => {
  beforeAll(makePki);

  it('by session ticket (RFC 5077 §3.1): -sess_out then -sess_in is "Reused", and serve logs the second connection as resumed', async () => {
    const s = await serve([], 2);
    const first = await sClient(s.port, ['-sess_out', f('ticket.sess')]);
    expect(first.stdout).toMatch(/^New, TLSv1\.2/m);
    // The server promised and sent a ticket (RFC 5077 §3.3).
    expect(first.stdout).toMatch(/TLS session ticket lifetime hint: 7200/);
    const second = await sClient(s.port, ['-sess_in', f('ticket.sess')]);
    expect(second.stdout).toMatch(/^Reused, TLSv1\.2/m);
    expect(second.stdout).toContain('HTTP/1.0 200 OK');
    expect(await s.done).toBe(0);
    const lines = connectionLines(s.io);
    expect(lines[0]).not.toContain('resumed');
    expect(lines[1]).toMatch(/SEC_E_OK TLS 1\.2 \S+ resumed/);
    expect(s.io.out.join('')).toContain('leaks none');
  });

  it('by session ID (RFC 5246 §7.4.1.2): with -no_ticket the server\'s session cache resumes it', async () => {
    const s = await serve([], 3);
    const first = await sClient(s.port, ['-no_ticket', '-sess_out', f('id.sess')]);
    expect(first.stdout).toMatch(/^New, TLSv1\.2/m);
    expect(first.stdout).toMatch(/Session-ID: [0-9A-F]{64}/);
    expect(first.stdout).not.toMatch(/TLS session ticket:/);
    const second = await sClient(s.port, ['-no_ticket', '-sess_in', f('id.sess')]);
    expect(second.stdout).toMatch(/^Reused, TLSv1\.2/m);
    // Another suite than the session's is a full handshake (RFC 5246 §7.4.1.2: the session's suite must be offered).
    const third = await sClient(s.port, ['-no_ticket', '-sess_in', f('id.sess'), '-cipher', 'ECDHE-RSA-AES256-GCM-SHA384']);
    expect(third.stdout).toMatch(/^New, TLSv1\.2, Cipher is ECDHE-RSA-AES256-GCM-SHA384/m);
    expect(await s.done).toBe(0);
    expect(connectionLines(s.io).map((l) => l.includes(' resumed '))).toEqual([false, true, false]);
  });
});

describe.runIf(runIt)('cesim connect --reconnect resumes against openssl s_server (one credential handle, the CE reuse rule)', () => {
  beforeAll(makePki);

  async function sServer(args: string[], fn: (port: number) => Promise<void>): Promise<void> {
    const port = await freePort();
    const srv = spawn('openssl', ['s_server', '-accept', String(port), '-cert', f('rsa.pem'), '-key', f('rsa.key'), '-www', '-naccept', '3', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  const lines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('cesim connect: connection '));

  it('s_server -tls1_2 with tickets (RFC 5077): the dual-version client resumes the second and third connections', async () => {
    await sServer(['-tls1_2'], async (port) => {
      const r = await connect(port, '--reconnect', '2');
      expect(r.code).toBe(0);
      const l = lines(r.stderr);
      expect(l).toHaveLength(3);
      expect(l[0]).toMatch(/connection 1: SEC_E_OK TLS 1\.2 \S+ handshake/);
      expect(l[1]).toMatch(/connection 2: SEC_E_OK TLS 1\.2 \S+ resumed/);
      expect(l[2]).toMatch(/connection 3: SEC_E_OK TLS 1\.2 \S+ resumed/);
      expect(r.stderr).toContain('leaks none');
    });
  });

  it('s_server -tls1_2 -no_ticket: resumption by session ID (RFC 5246 §7.4.1.2), TLS-1.2-only client', async () => {
    await sServer(['-tls1_2', '-no_ticket'], async (port) => {
      const r = await connect(port, '--reconnect', '1', '--protocols', 'tls1.2');
      expect(r.code).toBe(0);
      const l = lines(r.stderr);
      expect(l[1]).toMatch(/connection 2: SEC_E_OK TLS 1\.2 \S+ resumed/);
    });
  });

  it('without --reconnect nothing is resumed across processes (the cache belongs to the process and credential handle)', async () => {
    await sServer(['-tls1_2'], async (port) => {
      const a = await connect(port);
      const b = await connect(port);
      expect(a.stderr).not.toContain(' resumed');
      expect(b.stderr).not.toContain(' resumed');
      expect(b.code).toBe(0);
    });
  });

  it('cesim connect against cesim serve, TLS 1.2 only: both ends report the reconnect', async () => {
    const s = await serve(['--protocols', 'tls1.2'], 3);
    const r = await connect(s.port, '--reconnect', '2');
    expect(r.code).toBe(0);
    expect(lines(r.stderr).map((l) => l.includes(' resumed '))).toEqual([false, true, true]);
    expect(await s.done).toBe(0);
    expect(connectionLines(s.io).map((l) => l.includes(' resumed '))).toEqual([false, true, true]);
  });
});
