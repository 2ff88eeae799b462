/**
 * `cesim serve` and `cesim connect` against GnuTLS (`gnutls-cli`, `gnutls-serv`: Debian's
 * gnutls-bin): every TLS 1.2 suite cesim implements with each certificate type that can carry
 * it, TLS 1.3 suites with each certificate type, the extended master secret on and off,
 * max_fragment_length, 1 MiB responses, and version negotiation between `--protocols` and
 * TLS-1.2-only, TLS-1.3-only and dual GnuTLS peers. Each case is forced with a GnuTLS priority
 * string; the certificates are made when the test runs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../emulator/cli.js';
import { TLS12_SUITES, type Tls12Suite } from '../../schannel/tls/v12/suites.js';
import { type KeyKind, PeerProcess, TestPki, freePort, requireTool, toolAvailable, waitFor } from '../support/peers.js';
import { captureIo, cesim } from './helpers.js';

const HAVE_GNUTLS = requireTool('gnutls-cli', ['--version']) && requireTool('gnutls-serv', ['--version']);
/** GnuTLS's priority keyword that turns the extended master secret off (3.7: %NO_SESSION_HASH). */
const NO_EMS = HAVE_GNUTLS && toolAvailable('gnutls-cli', ['-l', '--priority', 'NORMAL:%NO_EXTENDED_MASTER_SECRET']) ? '%NO_EXTENDED_MASTER_SECRET' : '%NO_SESSION_HASH';

function priority12(s: Tls12Suite, extra = ''): string {
  const kx = s.keyExchange === 'rsa' ? 'RSA' : s.auth === 'ecdsa' ? 'ECDHE-ECDSA' : 'ECDHE-RSA';
  const p = s.protection;
  const cipher = p.kind === 'aead' ? (p.aead === 'chacha20poly1305' ? 'CHACHA20-POLY1305' : p.keyLength === 16 ? 'AES-128-GCM' : 'AES-256-GCM') : p.keyLength === 16 ? 'AES-128-CBC' : 'AES-256-CBC';
  const mac = p.kind === 'aead' ? 'AEAD' : p.mac === 'sha1' ? 'SHA1' : p.mac === 'sha256' ? 'SHA256' : 'SHA384';
  return `NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+${kx}:-CIPHER-ALL:+${cipher}:-MAC-ALL:+${mac}${extra}`;
}
const TLS13 = ['AES-128-GCM', 'AES-256-GCM', 'CHACHA20-POLY1305'];
const V12 = 'NORMAL:-VERS-ALL:+VERS-TLS1.2';
const V13 = 'NORMAL:-VERS-ALL:+VERS-TLS1.3';
const DUAL = 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2';
const kindsFor = (s: Tls12Suite): KeyKind[] => (s.auth === 'ecdsa' ? ['p256', 'p384', 'ed25519'] : ['rsa2048']);
const CASES12: [Tls12Suite, KeyKind][] = TLS12_SUITES.flatMap((s) => kindsFor(s).map((k) => [s, k] as [Tls12Suite, KeyKind]));

let pki: TestPki;
const running: PeerProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
});

/** `cesim serve --pace host` with one certificate; resolves once it listens. */
async function serve(kind: KeyKind, connections: number, args: string[] = []): Promise<{ port: number; out: () => string; done: Promise<number> }> {
  const leaf = pki.leaf(kind);
  const io = captureIo();
  const done = main(['serve', '--listen', '127.0.0.1:0', '--pace', 'host', '--max-connections', String(connections), '--cert', leaf.chainFile, '--key', leaf.keyFile, ...args], io);
  await waitFor(() => io.out.join('').includes('listening on') || io.err.length > 0, () => 'serve did not start', 20_000);
  const m = /listening on 127\.0\.0\.1:(\d+)/.exec(io.out.join(''));
  if (!m) throw new Error(`serve did not start: ${io.err.join('')}`);
  return { port: Number(m[1]), out: () => io.out.join('') + io.err.join(''), done };
}

/** gnutls-cli sends one HTTP/1.0 GET and reads until the server closes. */
async function httpGet(port: number, prio: string, extra: string[] = []): Promise<{ code: number | null; body: Buffer; log: string }> {
  const log = join(pki.dir, `get-${port}-${Date.now()}-${Math.random()}.log`);
  const p = PeerProcess.start('gnutls-cli', ['-p', String(port), '--priority', prio, '--x509cafile', pki.ca.certFile, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--logfile', log, ...extra, '127.0.0.1']);
  running.push(p);
  p.write('GET /gnutls HTTP/1.0\r\n\r\n');
  const timer = setTimeout(() => p.proc.kill(), 30_000);
  await p.exited;
  clearTimeout(timer);
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    text = '';
  }
  return { code: p.code ?? null, body: p.stdout, log: text + p.stderr };
}

/** gnutls-serv --http (a page per request, then close) with a certificate and a priority string. */
async function gnutlsHttp(kind: KeyKind, prio: string, extra: string[] = []): Promise<number> {
  const port = await freePort();
  const leaf = pki.leaf(kind);
  const proc = PeerProcess.start('gnutls-serv', ['-p', String(port), '--http', '-a', '--x509certfile', leaf.chainFile, '--x509keyfile', leaf.keyFile, '--priority', prio, ...extra]);
  running.push(proc);
  // stdout is block-buffered on a pipe: wait for the port instead.
  const end = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return port;
    if (Date.now() > end) throw new Error(`gnutls-serv did not listen: ${proc.text()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `cesim connect --pace host` to 127.0.0.1:port. */
function connect(port: number, args: string[] = []) {
  return cesim('connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', pki.ca.certFile, '--pace', 'host', ...args);
}

describe.skipIf(!HAVE_GNUTLS)('GnuTLS interop through cesim serve and cesim connect', () => {
  beforeAll(() => {
    pki = new TestPki();
  });

  describe('gnutls-cli → cesim serve', () => {
    for (const kind of ['rsa2048', 'p256', 'p384', 'ed25519'] as KeyKind[]) {
      const cases = CASES12.filter(([, k]) => k === kind);
      it(`RFC 5246: each TLS 1.2 suite with ${kind} (${cases.map(([s]) => s.name.replace(/^TLS_/, '')).join(', ')}), then TLS 1.3 with each suite`, async () => {
        const srv = await serve(kind, cases.length + TLS13.length);
        for (const [suite] of cases) {
          const r = await httpGet(srv.port, priority12(suite));
          expect(r.code, `${suite.name}: ${r.log.slice(-600)}`).toBe(0);
          expect(r.body.toString('latin1')).toMatch(/^HTTP\/1\.0 200 OK/);
          expect(r.log).toContain('Description: (TLS1.2-');
        }
        for (const c of TLS13) {
          const r = await httpGet(srv.port, `${V13}:-CIPHER-ALL:+${c}`);
          expect(r.code, `${c}: ${r.log.slice(-600)}`).toBe(0);
          expect(r.log).toContain(`Description: (TLS1.3-`);
          expect(r.log).toContain(`(${c})`);
        }
        expect(await srv.done).toBe(0);
        expect(srv.out()).toMatch(new RegExp(`SEC_E_OK ×${cases.length + TLS13.length}`));
      });
    }
    it(`RFC 7627: the extended master secret is used; a client with ${NO_EMS} is refused (EMS required by default)`, async () => {
      const srv = await serve('rsa2048', 2);
      const on = await httpGet(srv.port, V12);
      expect(on.code).toBe(0);
      expect(on.log).toMatch(/Options:.*extended master secret/);
      const off = await httpGet(srv.port, `${V12}:${NO_EMS}`);
      expect(off.code).not.toBe(0);
      expect(await srv.done).toBe(0);
      expect(srv.out()).toMatch(/SEC_E_OK ×1/);
    });
    it('RFC 6066 §4: gnutls-cli --recordsize=1024 (max_fragment_length) gets a 40 KB response in 1 KiB records (TLS 1.2), and by record_size_limit (TLS 1.3)', async () => {
      const srv = await serve('p256', 2, ['--response-bytes', '40000']);
      for (const prio of [V12, V13]) {
        const r = await httpGet(srv.port, prio, ['--recordsize=1024']);
        expect(r.code, r.log.slice(-600)).toBe(0);
        expect(r.body.toString('latin1')).toContain('Content-Length: 40000');
        expect(r.body.length).toBeGreaterThan(40000);
      }
      expect(await srv.done).toBe(0);
    });
    it('a 1 MiB response over TLS 1.2 and over TLS 1.3', async () => {
      const srv = await serve('rsa2048', 2, ['--response-bytes', String(1 << 20)]);
      for (const prio of [V12, V13]) {
        const r = await httpGet(srv.port, prio);
        expect(r.code, r.log.slice(-600)).toBe(0);
        expect(r.body.length).toBeGreaterThan(1 << 20);
      }
      expect(await srv.done).toBe(0);
    });
  });

  describe('cesim connect → gnutls-serv --http', () => {
    for (const [suite, kind] of CASES12) {
      it(`RFC 5246: ${suite.name} with ${kind}`, async () => {
        const port = await gnutlsHttp(kind, priority12(suite));
        const r = await connect(port);
        expect(r.stderr).toContain('SEC_E_OK TLS 1.2');
        expect(r.stdout).toMatch(/^HTTP\/1\.0 200 OK/);
        expect(r.code).toBe(0);
      });
    }
    for (const kind of ['rsa2048', 'p256', 'p384', 'ed25519'] as KeyKind[]) {
      for (const c of TLS13) {
        it(`RFC 8446: TLS 1.3 ${c} with ${kind}`, async () => {
          const port = await gnutlsHttp(kind, `${V13}:-CIPHER-ALL:+${c}`);
          const r = await connect(port);
          expect(r.stderr).toContain('SEC_E_OK TLS 1.3');
          expect(r.code).toBe(0);
        });
      }
    }
    it(`RFC 7627 §5.3: a gnutls-serv with ${NO_EMS} is refused (EMS required by default), exit 1`, async () => {
      const port = await gnutlsHttp('rsa2048', `${V12}:${NO_EMS}`);
      const r = await connect(port, ['--protocols', 'tls1.2']);
      expect(r.stderr).not.toContain('SEC_E_OK');
      expect(r.code).toBe(1);
    });
    it('a 1 MiB response (gnutls-serv --httpdata) over TLS 1.2 and over TLS 1.3', async () => {
      const data = join(pki.dir, 'mib.html');
      writeFileSync(data, 'x'.repeat(1 << 20));
      for (const prio of [V12, V13]) {
        const port = await gnutlsHttp('p256', prio, ['--httpdata', data]);
        const r = await connect(port, ['--timeout', '30000']);
        expect(r.code, r.stderr.slice(-400)).toBe(0);
        // connect keeps at most 1 MiB of the response for standard output; exit 0 is the whole exchange.
        expect(r.stdout.length).toBeGreaterThanOrEqual(1 << 20);
      }
    });
  });

  describe('version negotiation (RFC 8446 §4.2.1, §D.1): --protocols against TLS-1.2-only, TLS-1.3-only and dual GnuTLS peers, each direction', () => {
    const PEER: Record<string, string> = { 'TLS-1.2-only': V12, 'TLS-1.3-only': V13, dual: DUAL };
    const MINE: Record<string, string> = { 'TLS-1.2-only': 'tls1.2', 'TLS-1.3-only': 'tls1.3', dual: 'tls1.2,tls1.3' };
    const versions = (k: string): number[] => (k === 'dual' ? [2, 3] : k === 'TLS-1.2-only' ? [2] : [3]);
    for (const mine of Object.keys(MINE)) {
      it(`cesim serve --protocols ${MINE[mine]} ← gnutls-cli 1.2-only, 1.3-only, dual`, async () => {
        const srv = await serve('p256', 3, ['--protocols', MINE[mine]!]);
        for (const theirs of Object.keys(PEER)) {
          const common = versions(mine).filter((v) => versions(theirs).includes(v));
          const r = await httpGet(srv.port, PEER[theirs]!);
          if (common.length === 0) {
            expect(r.code, `${theirs}`).not.toBe(0);
            continue;
          }
          expect(r.code, `${theirs}: ${r.log.slice(-400)}`).toBe(0);
          expect(r.log).toContain(`Description: (TLS1.${Math.max(...common)}-`);
        }
        await srv.done;
      });
      for (const theirs of Object.keys(PEER)) {
        const common = versions(mine).filter((v) => versions(theirs).includes(v));
        it(`cesim connect --protocols ${MINE[mine]} → gnutls-serv ${theirs}: ${common.length ? `TLS 1.${Math.max(...common)}` : 'no common version, exit 1 with a status'}`, async () => {
          const port = await gnutlsHttp('p256', PEER[theirs]!);
          const r = await connect(port, ['--protocols', MINE[mine]!]);
          if (common.length === 0) {
            expect(r.code).toBe(1);
            expect(r.stderr).toMatch(/handshake failed: SEC_E_/);
            return;
          }
          expect(r.stderr).toContain(`SEC_E_OK TLS 1.${Math.max(...common)}`);
          expect(r.code).toBe(0);
        });
      }
    }
  });
});
