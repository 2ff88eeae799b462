/**
 * Slow interop: `cesim serve` against `openssl s_client`, `cesim connect` against
 * `openssl s_server` (both with the certificates shipped in scenarios/pki).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { main } from '../../emulator/cli.js';
import { SCENARIOS_DIR } from '../../emulator/scenario/index.js';
import { captureIo, cesim } from '../cli/helpers.js';
import { requireTool } from '../support/peers.js';

const pki = (f: string) => join(SCENARIOS_DIR, 'pki', f);
const hasOpenssl = requireTool('openssl', ['version'], 'apt-get install openssl');

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

describe.skipIf(!hasOpenssl)('openssl interop through the bridge', () => {
  it('cesim serve completes TLS 1.3 handshakes with openssl s_client', async () => {
    const io = captureIo();
    const done = main(['serve', '--listen', '127.0.0.1:0', '--cert', pki('server-p256.chain.pem'), '--key', pki('server-p256.key.pem'), '--max-connections', '2'], io);
    while (!io.out.join('').includes('listening on')) await new Promise((r) => setTimeout(r, 20));
    const port = /127\.0\.0\.1:(\d+)/.exec(io.out.join(''))![1]!;
    for (let i = 0; i < 2; i++) {
      // Asynchronously: the server runs in this process's event loop.
      const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', pki('ec-root.pem'), '-tls1_3', '-quiet', '-verify_return_error'], 'GET /openssl HTTP/1.0\r\n\r\n');
      expect(r.stdout).toMatch(/^HTTP\/1\.0 200 OK/);
      expect(r.stdout).toContain('GET /openssl HTTP/1.0');
    }
    expect(await done).toBe(0);
    expect(io.out.join('')).toContain('SEC_E_OK ×2');
  });

  it('cesim connect completes a TLS 1.3 handshake with openssl s_server', async () => {
    const port = await freePort();
    const srv = spawn('openssl', ['s_server', '-accept', String(port), '-cert', pki('server-p256.chain.pem'), '-cert_chain', pki('server-p256.chain.pem'), '-key', pki('server-p256.key.pem'), '-tls1_3', '-www', '-naccept', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve) => {
        srv.stdout.on('data', (d: Buffer) => d.toString().includes('ACCEPT') && resolve());
        setTimeout(resolve, 3000);
      });
      const r = await cesim('connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', pki('ec-root.pem'));
      expect(r.stderr).toContain('SEC_E_OK TLS 1.3');
      expect(r.stdout).toMatch(/^HTTP\/1\.0 200 ok/i);
      expect(r.code).toBe(0);
    } finally {
      srv.kill();
    }
  });
});
