/**
 * Schannel through SSPI against GnuTLS (`gnutls-serv`, `gnutls-cli`: Debian's gnutls-bin), both
 * directions, over loopback sockets, with the Microsoft-sample InitializeSecurityContext /
 * AcceptSecurityContext loop and the DecryptMessage read loop: every TLS 1.2 suite cesim
 * implements with each certificate type that can carry it, TLS 1.3 suites and groups, the
 * extended master secret on and off, max_fragment_length / record_size_limit, 1 MiB each way,
 * and version negotiation between TLS-1.2-only, TLS-1.3-only and dual peers. Each case is
 * forced with a GnuTLS priority string; the certificates are made when the test runs.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCertificateWithKey, SCHANNEL_REGISTRY_KEY } from '../../schannel/index.js';
import { TLS12_SUITES, type Tls12Suite } from '../../schannel/tls/v12/suites.js';
import {
  SEC_E_OK,
  SEC_I_CONTEXT_EXPIRED,
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_STREAM_SIZES,
  SecPkgContext_CipherInfo,
  SecPkgContext_StreamSizes,
  statusName,
} from '../../sspi/index.js';
import { ASC_FLAGS, Endpoint } from './harness.js';
import { type KeyKind, PeerProcess, TestPki, connectWhenListening, freePort, requireTool, runToEnd, toolAvailable, waitFor } from '../support/peers.js';
import { liveDevice, Pump, sspiHandshake, sspiRead } from '../support/sspi-socket.js';

const HAVE_GNUTLS = requireTool('gnutls-cli', ['--version']) && requireTool('gnutls-serv', ['--version']);
/** GnuTLS's priority keyword that turns the extended master secret off (3.7: %NO_SESSION_HASH; later: %NO_EXTENDED_MASTER_SECRET). */
const NO_EMS = HAVE_GNUTLS && toolAvailable('gnutls-cli', ['-l', '--priority', 'NORMAL:%NO_EXTENDED_MASTER_SECRET']) ? '%NO_EXTENDED_MASTER_SECRET' : '%NO_SESSION_HASH';

/** SP_PROT_* bits (schannel.h). */
const TLS12_CLIENT = 0x800;
const TLS13_CLIENT = 0x2000;
const TLS12_SERVER = 0x400;
const TLS13_SERVER = 0x1000;

/** GnuTLS priority keywords of a cesim TLS 1.2 suite: key exchange, cipher, MAC. */
function gnutlsParts(s: Tls12Suite): { kx: string; cipher: string; mac: string } {
  const kx = s.keyExchange === 'rsa' ? 'RSA' : s.auth === 'ecdsa' ? 'ECDHE-ECDSA' : 'ECDHE-RSA';
  const p = s.protection;
  if (p.kind === 'aead') return { kx, cipher: p.aead === 'chacha20poly1305' ? 'CHACHA20-POLY1305' : p.keyLength === 16 ? 'AES-128-GCM' : 'AES-256-GCM', mac: 'AEAD' };
  return { kx, cipher: p.keyLength === 16 ? 'AES-128-CBC' : 'AES-256-CBC', mac: p.mac === 'sha1' ? 'SHA1' : p.mac === 'sha256' ? 'SHA256' : 'SHA384' };
}

/** A GnuTLS priority string allowing exactly one TLS 1.2 suite. */
export function priority12(s: Tls12Suite, extra = ''): string {
  const { kx, cipher, mac } = gnutlsParts(s);
  return `NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+${kx}:-CIPHER-ALL:+${cipher}:-MAC-ALL:+${mac}${extra}`;
}

/** GnuTLS cipher keyword of a TLS 1.3 suite. */
const TLS13_CIPHER: Record<string, string> = {
  TLS_AES_128_GCM_SHA256: 'AES-128-GCM',
  TLS_AES_256_GCM_SHA384: 'AES-256-GCM',
  TLS_CHACHA20_POLY1305_SHA256: 'CHACHA20-POLY1305',
};

/** Certificate types that can carry a TLS 1.2 suite (ECDSA suites: P-256, P-384 and Ed25519, RFC 8422 §5.1.3). */
function certKinds(s: Tls12Suite): KeyKind[] {
  return s.auth === 'ecdsa' ? ['p256', 'p384', 'ed25519'] : ['rsa2048'];
}

/** The TLS 1.2 cases: each suite × each certificate type. */
const CASES12: [Tls12Suite, KeyKind][] = TLS12_SUITES.flatMap((s) => certKinds(s).map((k) => [s, k] as [Tls12Suite, KeyKind]));

let pki: TestPki;
const running: PeerProcess[] = [];
const listeners: net.Server[] = [];
afterAll(async () => {
  for (const l of listeners) l.close();
  await Promise.all(running.map((p) => p.stop()));
});

/** Starts `gnutls-serv --echo` with a certificate and a priority string; resolves with its port. */
async function gnutlsServ(kind: KeyKind, prio: string, extra: string[] = []): Promise<{ port: number; proc: PeerProcess }> {
  const port = await freePort();
  const leaf = pki.leaf(kind);
  const proc = PeerProcess.start('gnutls-serv', ['-p', String(port), '--echo', '-a', '--x509certfile', leaf.chainFile, '--x509keyfile', leaf.keyFile, '--priority', prio, ...extra]);
  running.push(proc);
  // gnutls-serv's stdout is block-buffered on a pipe: the first connection waits for the port instead.
  return { port, proc };
}

/** Options of one cesim client connection. */
interface ClientCase {
  protocols?: number;
  /** Bytes sent and expected back from the echo server. */
  size?: number;
  /** Registry values set under the SCHANNEL key before AcquireCredentialsHandle. */
  registry?: Record<string, number>;
}

/**
 * `size` bytes of printable text in lines of 64 (gnutls-serv --echo answers each complete line,
 * and turns CRLF into LF).
 */
function lines(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = i % 64 === 63 || i === size - 1 ? 0x0a : 0x21 + ((i * 7) % 94);
  return b;
}

let seed = 1000;
/** The cesim client (ISC loop) against an echo server on `port`: handshake, `size` bytes there and back. */
async function cesimClient(port: number, o: ClientCase = {}) {
  const device = liveDevice(seed++, 'client', [pki.ca.certPem]);
  for (const [k, v] of Object.entries(o.registry ?? {})) device.registry.setValue(SCHANNEL_REGISTRY_KEY, k, v);
  const ep = new Endpoint(device.createProcess('client.exe'), 'client', 'localhost');
  expect(ep.acquire(o.protocols !== undefined ? { grbitEnabledProtocols: o.protocols } : {})).toBe(0);
  const sock = await connectWhenListening(port);
  const pump = new Pump(sock, ep);
  try {
    const status = await sspiHandshake(ep, pump);
    if (status !== SEC_E_OK) return { status, ep, device };
    const size = o.size ?? 3000;
    const payload = lines(size);
    const enc = ep.encryptAll(payload);
    expect(statusName(enc.status)).toBe('SEC_E_OK');
    pump.send(enc.records);
    const got = await sspiRead(ep, pump, size);
    expect(got.data.length).toBe(size);
    expect(Buffer.from(got.data).equals(Buffer.from(payload))).toBe(true);
    return { status, ep, device, got };
  } finally {
    sock.destroy();
  }
}

/** A SEC_E_* failure status (not a hang, not a closed socket). */
function isFailure(status: number): boolean {
  return status >>> 0 >= 0x80000000 && status !== -1 && status !== -2;
}

function cipherInfo(ep: Endpoint): SecPkgContext_CipherInfo {
  const ci = new SecPkgContext_CipherInfo();
  expect(ep.sspi.QueryContextAttributes(ep.ctx, SECPKG_ATTR_CIPHER_INFO, ci)).toBe(0);
  return ci;
}

function streamSizes(ep: Endpoint): SecPkgContext_StreamSizes {
  const z = new SecPkgContext_StreamSizes();
  expect(ep.sspi.QueryContextAttributes(ep.ctx, SECPKG_ATTR_STREAM_SIZES, z)).toBe(0);
  return z;
}

/** One cesim echo server (ASC loop, then DecryptMessage/EncryptMessage until close_notify) per certificate. */
interface CesimServer {
  port: number;
  /** Per connection: the handshake status, what QueryContextAttributes said, bytes echoed. */
  results: { status: number; suite: string; protocol: number; maxMessage: number; echoed: number; last: number }[];
}

async function cesimServer(kind: KeyKind, o: { protocols?: number; registry?: Record<string, number>; banner?: number } = {}): Promise<CesimServer> {
  const device = liveDevice(seed++, 'server', [pki.ca.certPem]);
  for (const [k, v] of Object.entries(o.registry ?? {})) device.registry.setValue(SCHANNEL_REGISTRY_KEY, k, v);
  const proc = device.createProcess('server.exe');
  const leaf = pki.leaf(kind);
  const cert = loadCertificateWithKey(leaf.chainPem, leaf.keyPem);
  if (!cert.ok) throw new Error(cert.error.detail);
  const base = new Endpoint(proc, 'server', null, ASC_FLAGS);
  expect(base.acquire({ cCreds: 1, paCred: [cert.value], ...(o.protocols !== undefined ? { grbitEnabledProtocols: o.protocols } : {}) })).toBe(0);
  const results: CesimServer['results'] = [];
  const server = net.createServer((sock) => {
    void (async () => {
      const ep = new Endpoint(proc, 'server', null, base.flags);
      Object.assign(ep.cred, base.cred);
      const pump = new Pump(sock, ep);
      const r = { status: await sspiHandshake(ep, pump), suite: '', protocol: 0, maxMessage: 0, echoed: 0, last: SEC_E_OK };
      if (r.status !== SEC_E_OK) {
        results.push(r);
        if (ep.hasCtx) ep.sspi.DeleteSecurityContext(ep.ctx);
        sock.destroy();
        return;
      }
      const ci = cipherInfo(ep);
      Object.assign(r, { suite: ci.szCipherSuite, protocol: ci.dwProtocol, maxMessage: streamSizes(ep).cbMaximumMessage });
      results.push(r);
      if (o.banner) pump.send(ep.encryptAll(lines(o.banner)).records);
      // Echo every byte until the client's close_notify (SEC_I_CONTEXT_EXPIRED) or the socket closes.
      for (;;) {
        const got = await sspiRead(ep, pump, 1);
        r.last = got.status;
        if (got.data.length) {
          const enc = ep.encryptAll(got.data);
          pump.send(enc.records);
          r.echoed += got.data.length;
        }
        if (got.status === SEC_I_CONTEXT_EXPIRED || (got.status !== SEC_E_OK && got.data.length === 0) || pump.closed) break;
      }
      ep.sspi.DeleteSecurityContext(ep.ctx);
      sock.end();
    })();
  });
  listeners.push(server);
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { port: (server.address() as net.AddressInfo).port, results };
}

/** gnutls-cli against 127.0.0.1:port with a priority string: sends `size` bytes, waits for the echo, closes. */
async function gnutlsCli(port: number, prio: string, o: { size?: number; extra?: string[]; expectFail?: boolean; banner?: number } = {}): Promise<{ code: number | null; echoed: number; log: string }> {
  const log = `${pki.dir}/cli-${port}-${Date.now()}.log`;
  const args = ['-p', String(port), '--priority', prio, '--x509cafile', pki.ca.certFile, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--logfile', log, ...(o.extra ?? []), '127.0.0.1'];
  const size = o.size ?? 3000;
  if (o.expectFail) {
    const r = await runToEnd('gnutls-cli', args, 'x');
    return { code: r.code, echoed: r.stdout.length, log: readLog(log) };
  }
  const p = PeerProcess.start('gnutls-cli', args);
  running.push(p);
  try {
    const payload = Buffer.from(lines(size));
    const banner = Buffer.from(lines(o.banner ?? 0));
    if (o.banner) await p.waitForBytes(banner.length, 8_000);
    p.write(payload);
    await p.waitForBytes(banner.length + size, 8_000);
    expect(p.stdout.subarray(0, banner.length + size).equals(Buffer.concat([banner, payload]))).toBe(true);
    p.end();
    await p.exited;
    return { code: p.code ?? null, echoed: p.stdoutBytes, log: readLog(log) };
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${readLog(log).slice(-1500)}`);
  } finally {
    await p.stop();
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

describe.skipIf(!HAVE_GNUTLS)('GnuTLS interop through SSPI', () => {
  beforeAll(() => {
    pki = new TestPki();
  });

  describe('TLS 1.2 (RFC 5246): cesim client (ISC loop) → gnutls-serv, each suite × each certificate type', () => {
    for (const [suite, kind] of CASES12) {
      it(`${suite.name} with ${kind}`, async () => {
        const { port } = await gnutlsServ(kind, priority12(suite));
        const r = await cesimClient(port, { protocols: TLS12_CLIENT });
        expect(statusName(r.status)).toBe('SEC_E_OK');
        const ci = cipherInfo(r.ep);
        expect(ci.szCipherSuite).toBe(suite.name);
        expect(ci.dwProtocol).toBe(0x303);
      });
    }
  });

  describe('TLS 1.2 (RFC 5246): gnutls-cli → cesim server (ASC loop), each suite × each certificate type', () => {
    const servers = new Map<KeyKind, Promise<CesimServer>>();
    const serverFor = (k: KeyKind): Promise<CesimServer> => {
      let s = servers.get(k);
      if (!s) servers.set(k, (s = cesimServer(k)));
      return s;
    };
    for (const [suite, kind] of CASES12) {
      it(`${suite.name} with ${kind}`, async () => {
        const srv = await serverFor(kind);
        const before = srv.results.length;
        const r = await gnutlsCli(srv.port, priority12(suite));
        expect(r.code).toBe(0);
        const res = srv.results[before]!;
        expect(statusName(res.status)).toBe('SEC_E_OK');
        expect(res.suite).toBe(suite.name);
        expect(res.protocol).toBe(0x303);
        await waitFor(() => res.echoed === 3000, () => `echoed ${res.echoed}`);
      });
    }
  });

  describe('TLS 1.3 (RFC 8446): each suite × each certificate type, both directions', () => {
    const kinds: KeyKind[] = ['rsa2048', 'p256', 'p384', 'ed25519'];
    for (const [suite, cipher] of Object.entries(TLS13_CIPHER)) {
      for (const kind of kinds) {
        const prio = `NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+${cipher}`;
        it(`cesim client → gnutls-serv: ${suite} with ${kind}`, async () => {
          const { port } = await gnutlsServ(kind, prio);
          const r = await cesimClient(port, { protocols: TLS13_CLIENT });
          expect(statusName(r.status)).toBe('SEC_E_OK');
          const ci = cipherInfo(r.ep);
          expect(ci.szCipherSuite).toBe(suite);
          expect(ci.dwProtocol).toBe(0x304);
        });
        it(`gnutls-cli → cesim server: ${suite} with ${kind}`, async () => {
          const srv = await cesimServer(kind, { protocols: TLS13_SERVER });
          const r = await gnutlsCli(srv.port, prio);
          expect(r.code).toBe(0);
          expect(srv.results[0]!.suite).toBe(suite);
        });
      }
    }
    // cesim's TLS 1.3 client offers x25519 and secp256r1; its server also takes secp384r1.
    for (const [group, kw] of [['x25519', 'X25519'], ['secp256r1', 'SECP256R1']] as const) {
      it(`RFC 8446 §4.2.7/§4.1.4: cesim client → gnutls-serv with group ${group} only${group === 'x25519' ? '' : ' (HelloRetryRequest: cesim sends an x25519 share first)'}`, async () => {
        const { port } = await gnutlsServ('p256', `NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-${kw}`);
        const c = await cesimClient(port, { protocols: TLS13_CLIENT });
        expect(statusName(c.status)).toBe('SEC_E_OK');
      });
    }
    for (const [group, kw] of [['x25519', 'X25519'], ['secp256r1', 'SECP256R1'], ['secp384r1', 'SECP384R1']] as const) {
      it(`RFC 8446 §4.2.7: gnutls-cli with group ${group} only → cesim server`, async () => {
        const srv = await cesimServer('p256', { protocols: TLS13_SERVER });
        const r = await gnutlsCli(srv.port, `NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-${kw}`);
        expect(r.code).toBe(0);
        expect(r.log).toContain(kw === 'X25519' ? 'X25519' : kw);
      });
    }
  });

  describe(`RFC 7627 extended master secret on and off (${NO_EMS})`, () => {
    const suite = TLS12_SUITES.find((s) => s.name === 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256')!;
    it('on: both directions negotiate it (gnutls-cli reports "extended master secret")', async () => {
      const srv = await cesimServer('rsa2048', { protocols: TLS12_SERVER });
      const r = await gnutlsCli(srv.port, priority12(suite));
      expect(r.code).toBe(0);
      expect(r.log).toMatch(/Options:.*extended master secret/);
    });
    it('RFC 7627 §5.3: off at gnutls-serv → the cesim client aborts with a status (EMS required by default)', async () => {
      const { port } = await gnutlsServ('rsa2048', priority12(suite, `:${NO_EMS}`));
      const r = await cesimClient(port, { protocols: TLS12_CLIENT });
      expect(statusName(r.status)).not.toBe('SEC_E_OK');
      expect(isFailure(r.status), statusName(r.status)).toBe(true);
    });
    it('RFC 7627 §5.3: off at gnutls-cli → the cesim server refuses (EMS required by default)', async () => {
      const srv = await cesimServer('rsa2048', { protocols: TLS12_SERVER });
      const r = await gnutlsCli(srv.port, priority12(suite, `:${NO_EMS}`), { expectFail: true });
      expect(r.code).not.toBe(0);
      await waitFor(() => srv.results.length === 1, () => 'no result');
      expect(statusName(srv.results[0]!.status)).not.toBe('SEC_E_OK');
    });
    it('off, with RequireExtendedMasterSecret = 0 in the registry: both directions connect without it', async () => {
      const { port } = await gnutlsServ('rsa2048', priority12(suite, `:${NO_EMS}`));
      const c = await cesimClient(port, { protocols: TLS12_CLIENT, registry: { RequireExtendedMasterSecret: 0 } });
      expect(statusName(c.status)).toBe('SEC_E_OK');
      const srv = await cesimServer('rsa2048', { protocols: TLS12_SERVER, registry: { RequireExtendedMasterSecret: 0 } });
      const r = await gnutlsCli(srv.port, priority12(suite, `:${NO_EMS}`));
      expect(r.code).toBe(0);
      expect(r.log).not.toMatch(/Options:.*extended master secret/);
    });
  });

  describe('small records: max_fragment_length (RFC 6066 §4) and record_size_limit (RFC 8449)', () => {
    // gnutls-cli sends one record per read of its standard input and drops what does not fit
    // in it, so the client's data stays under 1024 bytes; the server sends 40 KB first.
    it('TLS 1.2: gnutls-cli --recordsize=1024 (max_fragment_length 2^10) → the cesim server sends 40 KB in records of at most 1024 bytes', async () => {
      const srv = await cesimServer('p256', { protocols: TLS12_SERVER, banner: 40_000 });
      const r = await gnutlsCli(srv.port, 'NORMAL:-VERS-ALL:+VERS-TLS1.2', { extra: ['--recordsize=1024'], size: 1000, banner: 40_000 });
      expect(r.code).toBe(0);
      expect(srv.results[0]!.maxMessage).toBe(1024);
    });
    it('TLS 1.3: gnutls-cli --recordsize=1024 (record_size_limit) → the cesim server sends 40 KB in records of at most 1024 bytes', async () => {
      const srv = await cesimServer('p256', { protocols: TLS13_SERVER, banner: 40_000 });
      const r = await gnutlsCli(srv.port, 'NORMAL:-VERS-ALL:+VERS-TLS1.3', { extra: ['--recordsize=1024'], size: 1000, banner: 40_000 });
      expect(r.code).toBe(0);
      expect(srv.results[0]!.maxMessage).toBeLessThanOrEqual(1024);
    });
    for (const [v, bits] of [['TLS 1.2', TLS12_CLIENT], ['TLS 1.3', TLS13_CLIENT]] as const) {
      it(`${v}: the cesim client with RecordSizeLimit = 1024 in the registry → gnutls-serv, 40 KB echoed`, async () => {
        const { port } = await gnutlsServ('p256', v === 'TLS 1.2' ? 'NORMAL:-VERS-ALL:+VERS-TLS1.2' : 'NORMAL:-VERS-ALL:+VERS-TLS1.3');
        const r = await cesimClient(port, { protocols: bits, size: 40_000, registry: { RecordSizeLimit: 1024 } });
        expect(statusName(r.status)).toBe('SEC_E_OK');
      });
    }
  });

  describe('1 MiB each way', () => {
    for (const [v, c, s, prio] of [['TLS 1.2', TLS12_CLIENT, TLS12_SERVER, 'NORMAL:-VERS-ALL:+VERS-TLS1.2'], ['TLS 1.3', TLS13_CLIENT, TLS13_SERVER, 'NORMAL:-VERS-ALL:+VERS-TLS1.3']] as const) {
      it(`${v}: cesim client → gnutls-serv --echo`, async () => {
        const { port } = await gnutlsServ('p256', prio);
        const r = await cesimClient(port, { protocols: c, size: 1 << 20 });
        expect(statusName(r.status)).toBe('SEC_E_OK');
        expect(r.got!.data.length).toBe(1 << 20);
      });
      it(`${v}: gnutls-cli → cesim echo server`, async () => {
        const srv = await cesimServer('rsa2048', { protocols: s });
        const r = await gnutlsCli(srv.port, prio, { size: 1 << 20 });
        expect(r.code).toBe(0);
        expect(r.echoed).toBe(1 << 20);
        expect(srv.results[0]!.echoed).toBe(1 << 20);
      });
    }
  });

  describe('version negotiation (RFC 8446 §4.2.1, §D.1): TLS-1.2-only, TLS-1.3-only and dual peers in each direction', () => {
    const PEER: Record<string, string> = {
      'TLS-1.2-only': 'NORMAL:-VERS-ALL:+VERS-TLS1.2',
      'TLS-1.3-only': 'NORMAL:-VERS-ALL:+VERS-TLS1.3',
      dual: 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2',
    };
    const CESIM: Record<string, [number, number]> = {
      'TLS-1.2-only': [TLS12_CLIENT, TLS12_SERVER],
      'TLS-1.3-only': [TLS13_CLIENT, TLS13_SERVER],
      dual: [TLS12_CLIENT | TLS13_CLIENT, TLS12_SERVER | TLS13_SERVER],
    };
    /** The version both take, or null when they share none. */
    const expected = (a: string, b: string): number | null => {
      const va = a === 'dual' ? [0x303, 0x304] : a === 'TLS-1.2-only' ? [0x303] : [0x304];
      const vb = b === 'dual' ? [0x303, 0x304] : b === 'TLS-1.2-only' ? [0x303] : [0x304];
      const both = va.filter((x) => vb.includes(x));
      return both.length ? Math.max(...both) : null;
    };
    for (const mine of Object.keys(CESIM)) {
      for (const theirs of Object.keys(PEER)) {
        const want = expected(mine, theirs);
        const what = want === null ? 'no common version: a failure status, no hang' : `TLS 1.${want - 0x301}`;
        it(`cesim client ${mine} → gnutls-serv ${theirs}: ${what}`, async () => {
          const { port } = await gnutlsServ('p256', PEER[theirs]!);
          const r = await cesimClient(port, { protocols: CESIM[mine]![0] });
          if (want === null) {
            expect(isFailure(r.status), statusName(r.status)).toBe(true);
            return;
          }
          expect(statusName(r.status)).toBe('SEC_E_OK');
          expect(cipherInfo(r.ep).dwProtocol).toBe(want);
        });
        it(`gnutls-cli ${theirs} → cesim server ${mine}: ${what}`, async () => {
          const srv = await cesimServer('p256', { protocols: CESIM[mine]![1] });
          const r = await gnutlsCli(srv.port, PEER[theirs]!, want === null ? { expectFail: true } : {});
          await waitFor(() => srv.results.length === 1, () => 'no result');
          if (want === null) {
            expect(r.code).not.toBe(0);
            expect(isFailure(srv.results[0]!.status), statusName(srv.results[0]!.status)).toBe(true);
            return;
          }
          expect(r.code).toBe(0);
          expect(statusName(srv.results[0]!.status)).toBe('SEC_E_OK');
          expect(srv.results[0]!.protocol).toBe(want);
          expect(r.log).toContain(`Description: (TLS1.${want - 0x301}-`);
        });
      }
    }
  });
});
