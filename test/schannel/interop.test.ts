/**
 * Schannel through SSPI against real OpenSSL (Node's `tls`), both directions, over loopback
 * sockets: every suite and group, HelloRetryRequest, ECDSA/Ed25519/RSA certificates, resumption,
 * client authentication, ALPN, KeyUpdate from the peer, and 1 MiB each way.
 */
import { describe, it, expect, afterAll } from 'vitest';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { makeDevice, certWithKey, Endpoint, pem, ASC_FLAGS } from './harness.js';
import { Pump, sspiHandshake, sspiRead } from '../support/sspi-socket.js';
import { PeerProcess, connectWhenListening, freePort } from '../support/peers.js';
import {
  SEC_E_OK,
  ASC_REQ_MUTUAL_AUTH,
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_SESSION_INFO,
  SECPKG_ATTR_APPLICATION_PROTOCOL,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
  SecPkgContext_CipherInfo,
  SecPkgContext_SessionInfo,
  SecPkgContext_ApplicationProtocol,
  SSL_SESSION_RECONNECT,
  SCHANNEL_RENEGOTIATE,
  SecBuffer,
  SecBufferDesc,
  SECBUFFER_TOKEN,
  statusName,
} from '../../sspi/index.js';
import type { CertContext } from '../../schannel/index.js';

const ROOTS = pem('roots.pem');
const servers: net.Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

function suiteOf(ep: Endpoint): string {
  const ci = new SecPkgContext_CipherInfo();
  ep.sspi.QueryContextAttributes(ep.ctx, SECPKG_ATTR_CIPHER_INFO, ci);
  return ci.szCipherSuite;
}

interface NodeServerOpts {
  /** TLS versions the server speaks (default TLS 1.3 only). */
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  cert?: string;
  ciphers?: string;
  ecdhCurve?: string;
  requestCert?: boolean;
  alpn?: string[];
  onConnection?: (s: tls.TLSSocket) => void;
}

async function nodeServer(o: NodeServerOpts = {}): Promise<{ port: number; server: tls.Server }> {
  const name = o.cert ?? 'server-p256';
  const server = tls.createServer({
    key: pem(`${name}.key.pem`),
    cert: pem(`${name}.chain.pem`),
    minVersion: o.minVersion ?? 'TLSv1.3',
    ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
    ...(o.ciphers ? { ciphers: o.ciphers } : {}),
    ...(o.ecdhCurve ? { ecdhCurve: o.ecdhCurve } : {}),
    ...(o.requestCert ? { requestCert: true, rejectUnauthorized: true, ca: ROOTS } : {}),
    ...(o.alpn ? { ALPNProtocols: o.alpn } : {}),
  });
  server.on('secureConnection', (s) => {
    o.onConnection?.(s);
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const m = /^SIZE (\d+)\n/.exec(buf.toString('latin1', 0, Math.min(buf.length, 32)));
      if (m) {
        const size = Number(m[1]);
        const body = buf.subarray(m[0].length);
        if (body.length >= size) {
          s.end(Buffer.concat([Buffer.from(`GOT ${body.length}\n`), Buffer.alloc(size, 0x5a)]));
        }
      }
    });
    s.on('error', () => {});
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, server };
}

async function cesimClient(port: number, opts: { size?: number; clientCert?: string; alpn?: string[]; ep?: Endpoint; protocols?: number } = {}) {
  const device = opts.ep?.process.device ?? makeDevice(401, 'ce210-handheld', 'client');
  const ep = opts.ep ?? new Endpoint(device.createProcess('client.exe'), 'client', 'localhost');
  if (!opts.ep) {
    expect(ep.acquire({
      ...(opts.clientCert ? { cCreds: 1, paCred: [certWithKey(opts.clientCert)] } : {}),
      ...(opts.protocols !== undefined ? { grbitEnabledProtocols: opts.protocols } : {}),
    })).toBe(0);
  }
  ep.hasCtx = false;
  ep.inbox = new Uint8Array(0);
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  const pump = new Pump(sock, ep);
  const status = await sspiHandshake(ep, pump, opts.alpn);
  if (status !== SEC_E_OK) {
    sock.destroy();
    return { ep, status, device };
  }
  const size = opts.size ?? 1000;
  const payload = new Uint8Array(size).fill(0x61);
  const header = new TextEncoder().encode(`SIZE ${size}\n`);
  const msg = new Uint8Array(header.length + size);
  msg.set(header);
  msg.set(payload, header.length);
  const enc = ep.encryptAll(msg);
  expect(enc.status).toBe(0);
  pump.send(enc.records);
  const got = await sspiRead(ep, pump, `GOT ${size}\n`.length + size);
  sock.destroy();
  return { ep, status, device, got };
}

/** SP_PROT_TLS1_2_CLIENT / SP_PROT_TLS1_3_CLIENT (schannel.h). */
const TLS12_CLIENT = 0x800;
const TLS13_CLIENT = 0x2000;

function protocolOf(ep: Endpoint): number {
  const ci = new SecPkgContext_CipherInfo();
  ep.sspi.QueryContextAttributes(ep.ctx, SECPKG_ATTR_CIPHER_INFO, ci);
  return ci.dwProtocol;
}

describe('TLS 1.2 through SSPI: the ISC loop and DecryptMessage read loop against OpenSSL (Node tls server)', () => {
  for (const [ciphers, cert, suite] of [
    ['ECDHE-RSA-AES128-GCM-SHA256', 'server-rsa2048', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
    ['ECDHE-ECDSA-CHACHA20-POLY1305', 'server-p256', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
    ['ECDHE-ECDSA-AES256-SHA384', 'server-p384', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384'],
    ['AES256-SHA', 'server-rsa2048', 'TLS_RSA_WITH_AES_256_CBC_SHA'],
  ] as const) {
    it(`SP_PROT_TLS1_2_CLIENT: ${suite} with ${cert}, 20 KB back`, async () => {
      const { port } = await nodeServer({ cert, ciphers: `${ciphers}@SECLEVEL=0`, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
      const r = await cesimClient(port, { protocols: TLS12_CLIENT, size: 20000 });
      expect(statusName(r.status)).toBe('SEC_E_OK');
      expect(suiteOf(r.ep)).toBe(suite);
      expect(protocolOf(r.ep)).toBe(0x303);
      expect(new TextDecoder().decode(r.got!.data.subarray(0, 10))).toBe('GOT 20000\n');
      expect(r.got!.data.length).toBe(10 + 20000);
    });
  }
  it('RFC 8446 §4.2.1: a credential enabling TLS 1.2 and 1.3 sends one ClientHello and takes the version the server picks', async () => {
    const old = await nodeServer({ cert: 'server-rsa2048', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    const r12 = await cesimClient(old.port, { protocols: TLS12_CLIENT | TLS13_CLIENT });
    expect(statusName(r12.status)).toBe('SEC_E_OK');
    expect(protocolOf(r12.ep)).toBe(0x303);
    const modern = await nodeServer({ cert: 'server-rsa2048', minVersion: 'TLSv1.2' });
    const r13 = await cesimClient(modern.port, { protocols: TLS12_CLIENT | TLS13_CLIENT });
    expect(statusName(r13.status)).toBe('SEC_E_OK');
    expect(protocolOf(r13.ep)).toBe(0x304);
  });
  it('a TLS-1.3-only credential against a TLS-1.2-only server fails with a status, not a hang', async () => {
    const old = await nodeServer({ cert: 'server-p256', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    const r = await cesimClient(old.port, { protocols: TLS13_CLIENT });
    expect(statusName(r.status)).not.toBe('SEC_E_OK');
  });
});

describe('cesim client (InitializeSecurityContext) against OpenSSL (Node tls server)', () => {
  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
    for (const curve of ['X25519', 'P-256']) {
      it(`${suite} over ${curve}${curve === 'P-256' ? ' (HelloRetryRequest: cesim sends an x25519 share first)' : ''}`, async () => {
        const { port } = await nodeServer({ ciphers: suite, ecdhCurve: curve });
        const r = await cesimClient(port);
        expect(statusName(r.status)).toBe('SEC_E_OK');
        expect(suiteOf(r.ep)).toBe(suite);
        expect(new TextDecoder().decode(r.got!.data.subarray(0, 9))).toBe('GOT 1000\n');
      });
    }
  }
  for (const cert of ['server-ed25519', 'server-rsa2048', 'server-p384', 'server-rsapss2048']) {
    it(`server certificate ${cert}`, async () => {
      const { port } = await nodeServer({ cert });
      const r = await cesimClient(port);
      expect(statusName(r.status)).toBe('SEC_E_OK');
    });
  }
  it('1 MiB each way', async () => {
    const { port } = await nodeServer();
    const r = await cesimClient(port, { size: 1 << 20 });
    expect(statusName(r.status)).toBe('SEC_E_OK');
    expect(r.got!.data.length).toBe(`GOT ${1 << 20}\n`.length + (1 << 20));
  });
  it('ALPN: the server picks h2 from "http/1.1,h2"', async () => {
    const { port } = await nodeServer({ alpn: ['h2'] });
    const r = await cesimClient(port, { alpn: ['http/1.1', 'h2'] });
    const a = new SecPkgContext_ApplicationProtocol();
    expect(r.ep.sspi.QueryContextAttributes(r.ep.ctx, SECPKG_ATTR_APPLICATION_PROTOCOL, a)).toBe(0);
    expect(new TextDecoder().decode(a.ProtocolId)).toBe('h2');
  });
  it('client authentication with a certificate, and the SEC_I_INCOMPLETE_CREDENTIALS path without one', async () => {
    const { port } = await nodeServer({ requestCert: true });
    const ok = await cesimClient(port, { clientCert: 'client-p256' });
    expect(statusName(ok.status)).toBe('SEC_E_OK');
    expect(ok.got!.data.length).toBeGreaterThan(0);
    const none = await cesimClient(port);
    expect(none.ep.statuses.map(statusName)).toContain('SEC_I_INCOMPLETE_CREDENTIALS');
    // OpenSSL with requestCert+rejectUnauthorized refuses the empty Certificate: the client sees
    // the alert (certificate_required) as a status, or the connection is closed.
    expect(none.got?.data.length ?? 0).toBe(0);
    // RFC 8446 §4.4.2.4 / Node's rejectUnauthorized: certificate_required → SEC_E_NO_CREDENTIALS.
    if (none.got) expect(statusName(none.got.status)).toBe('SEC_E_NO_CREDENTIALS');
  });
  it('resumption: the second connection from the same process and credential reconnects', async () => {
    const { port } = await nodeServer();
    const first = await cesimClient(port);
    expect(statusName(first.status)).toBe('SEC_E_OK');
    const second = await cesimClient(port, { ep: first.ep });
    expect(statusName(second.status)).toBe('SEC_E_OK');
    const info = new SecPkgContext_SessionInfo();
    expect(second.ep.sspi.QueryContextAttributes(second.ep.ctx, SECPKG_ATTR_SESSION_INFO, info)).toBe(0);
    expect(info.dwFlags & SSL_SESSION_RECONNECT).toBe(SSL_SESSION_RECONNECT);
  });
  it('KeyUpdate from cesim (SCHANNEL_RENEGOTIATE on an established context): OpenSSL answers, data flows on new keys', async () => {
    const { port } = await nodeServer();
    const device = makeDevice(411, 'ce210-handheld', 'client');
    const ep = new Endpoint(device.createProcess('client.exe'), 'client', 'localhost');
    expect(ep.acquire({})).toBe(0);
    const sock = net.connect(port, '127.0.0.1');
    await once(sock, 'connect');
    const pump = new Pump(sock, ep);
    expect(statusName(await sspiHandshake(ep, pump))).toBe('SEC_E_OK');
    const tok = new Uint8Array(4);
    new DataView(tok.buffer).setUint32(0, SCHANNEL_RENEGOTIATE, true);
    expect(ep.sspi.ApplyControlToken(ep.ctx, new SecBufferDesc([new SecBuffer(4, SECBUFFER_TOKEN, ep.alloc(tok))]))).toBe(0);
    const ku = ep.step();
    expect(statusName(ku.status)).toBe('SEC_E_OK');
    expect(ku.token[0]).toBe(0x17); // an encrypted handshake record: KeyUpdate
    pump.send(ku.token);
    const enc = ep.encryptAll(new TextEncoder().encode('SIZE 5000\n' + 'a'.repeat(5000)));
    pump.send(enc.records);
    const got = await sspiRead(ep, pump, 'GOT 5000\n'.length + 5000);
    expect(got.data.length).toBe('GOT 5000\n'.length + 5000);
    sock.destroy();
  });
  it('KeyUpdate from OpenSSL (openssl s_server "K": update_requested) is answered through SEC_I_RENEGOTIATE', async () => {
    const port = await freePort();
    const dir = (await import('node:path')).join(import.meta.dirname, '..', 'fixtures', 'pki');
    const srv = PeerProcess.start('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_3', '-cert', `${dir}/server-p256.pem`, '-cert_chain', `${dir}/server-p256.chain.pem`, '-key', `${dir}/server-p256.key.pem`]);
    try {
      // s_server prints ACCEPT once it listens; on a loaded machine that can take seconds.
      await srv.waitForOutput('ACCEPT');
      const sock = await connectWhenListening(port);
      const device = makeDevice(413, 'ce210-handheld', 'client');
      const ep = new Endpoint(device.createProcess('client.exe'), 'client', 'localhost');
      expect(ep.acquire({})).toBe(0);
      const pump = new Pump(sock, ep);
      expect(statusName(await sspiHandshake(ep, pump))).toBe('SEC_E_OK');
      // s_server takes a one-letter line as a command only when it arrives alone.
      srv.write('K\n');
      await srv.waitForOutput(/KEYUPDATE/i, 2000).catch(() => {});
      srv.write('after-update\n');
      const got = await Promise.race([sspiRead(ep, pump, 'after-update\n'.length), new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no data; s_server said: ' + srv.text().slice(-600))), 5000))]);
      expect(new TextDecoder().decode(got.data)).toBe('after-update\n');
      expect(got.seen.map(statusName)).toContain('SEC_I_RENEGOTIATE');
      const enc = ep.encryptAll(new TextEncoder().encode('reply-on-new-keys\n'));
      pump.send(enc.records);
      await srv.waitForOutput('reply-on-new-keys', 2500);
      sock.destroy();
    } finally {
      await srv.stop();
    }
  });
});

async function cesimServer(opts: { cert?: string; mutual?: boolean; alpn?: string[]; connections?: number } = {}) {
  const device = makeDevice(501, 'ce210-handheld', 'server');
  const proc = device.createProcess('server.exe');
  const base = new Endpoint(proc, 'server', null, opts.mutual ? ASC_FLAGS | ASC_REQ_MUTUAL_AUTH : ASC_FLAGS);
  expect(base.acquire({ cCreds: 1, paCred: [certWithKey(opts.cert ?? 'server-p256')] })).toBe(0);
  const results: { status: number; request: string; ep: Endpoint }[] = [];
  const server = net.createServer((sock) => {
    void (async () => {
      const ep = new Endpoint(proc, 'server', null, base.flags);
      Object.assign(ep.cred, base.cred);
      const pump = new Pump(sock, ep);
      const status = await sspiHandshake(ep, pump, opts.alpn);
      if (status !== SEC_E_OK) {
        results.push({ status, request: '', ep });
        sock.destroy();
        return;
      }
      // Request: "SIZE n\n" + n bytes; answer with n bytes.
      let req = await sspiRead(ep, pump, 8);
      let text = new TextDecoder('latin1').decode(req.data);
      const m = /^SIZE (\d+)\n/.exec(text);
      const size = m ? Number(m[1]) : 0;
      const need = (m ? m[0].length : 0) + size;
      if (req.data.length < need) {
        const more = await sspiRead(ep, pump, need - req.data.length);
        const all = new Uint8Array(req.data.length + more.data.length);
        all.set(req.data);
        all.set(more.data, req.data.length);
        req = { data: all, status: more.status, seen: more.seen };
        text = `SIZE ${size}\n`;
      }
      results.push({ status, request: text.split('\n')[0]!, ep });
      const out = ep.encryptAll(new Uint8Array(size).fill(0x42));
      pump.send(out.records);
      sock.end();
    })();
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, results, device };
}

async function nodeClient(port: number, o: tls.ConnectionOptions & { size?: number } = {}) {
  const size = o.size ?? 1000;
  const sock = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: ROOTS, minVersion: 'TLSv1.3', ...o });
  await once(sock, 'secureConnect');
  const chunks: Buffer[] = [];
  let n = 0;
  const done = new Promise<void>((resolve) => {
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      n += d.length;
      if (n >= size) resolve();
    });
    sock.on('end', () => resolve());
    sock.on('close', () => resolve());
  });
  let session: Buffer | undefined;
  sock.on('session', (s: Buffer) => (session = s));
  sock.write(Buffer.concat([Buffer.from(`SIZE ${size}\n`), Buffer.alloc(size, 0x61)]));
  await done;
  const result = { received: n, reused: sock.isSessionReused(), cipher: sock.getCipher().name, alpn: sock.alpnProtocol, session };
  sock.destroy();
  return result;
}

describe('OpenSSL (Node tls client) against the cesim server (AcceptSecurityContext)', () => {
  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
    for (const curve of ['X25519', 'P-256']) {
      it(`${suite} over ${curve}`, async () => {
        const srv = await cesimServer();
        const r = await nodeClient(srv.port, { ciphers: suite, ecdhCurve: curve });
        expect(r.cipher).toBe(suite);
        expect(r.received).toBe(1000);
        expect(statusName(srv.results[0]!.status)).toBe('SEC_E_OK');
      });
    }
  }
  for (const cert of ['server-ed25519', 'server-rsa2048', 'server-p384']) {
    it(`server certificate ${cert}`, async () => {
      const srv = await cesimServer({ cert });
      const r = await nodeClient(srv.port);
      expect(r.received).toBe(1000);
    });
  }
  it('HelloRetryRequest: the client offers only P-384 and P-256 shares… cesim asks for one it has', async () => {
    const srv = await cesimServer();
    const r = await nodeClient(srv.port, { ecdhCurve: 'P-384:P-256' });
    expect(r.received).toBe(1000);
  });
  it('1 MiB each way', async () => {
    const srv = await cesimServer();
    const r = await nodeClient(srv.port, { size: 1 << 20 });
    expect(r.received).toBe(1 << 20);
  });
  it('ALPN', async () => {
    const srv = await cesimServer({ alpn: ['http/1.1'] });
    const r = await nodeClient(srv.port, { ALPNProtocols: ['h2', 'http/1.1'] });
    expect(r.alpn).toBe('http/1.1');
  });
  it('client authentication (ASC_REQ_MUTUAL_AUTH): the server sees the client certificate', async () => {
    const srv = await cesimServer({ mutual: true });
    const r = await nodeClient(srv.port, { key: pem('client-p256.key.pem'), cert: pem('client-p256.chain.pem') });
    expect(r.received).toBe(1000);
    const ep = srv.results[0]!.ep;
    const out: { value: CertContext | null } = { value: null };
    expect(ep.sspi.QueryContextAttributes(ep.ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, out)).toBe(0);
    expect(out.value!.pCertInfo.extensions.extKeyUsage).toContain('1.3.6.1.5.5.7.3.2');
  });
  it('resumption: Node resumes with the ticket the cesim server issued', async () => {
    const srv = await cesimServer();
    const first = await nodeClient(srv.port);
    expect(first.session).toBeDefined();
    const second = await nodeClient(srv.port, { session: first.session! });
    expect(second.reused).toBe(true);
    expect(second.received).toBe(1000);
  });
});
