/**
 * Interop over loopback sockets (TEST harness only; the engine does no I/O): the engine as a
 * client against Node's `tls.createServer`, and Node's `tls.connect` against the engine as a
 * server, over every suite and group, with an ECDSA P-256 certificate made by openssl.
 */
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import type { GroupName } from '../../schannel/crypto/types.js';
import { type CipherSuiteName, type TlsServer, createClient, createServer } from '../../schannel/tls/index.js';
import { acceptAll, makeCert, makeEnv } from './helpers.js';
import { driveEngine } from '../support/peers.js';

const SUITES: CipherSuiteName[] = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const GROUPS: [GroupName, string][] = [['x25519', 'X25519'], ['secp256r1', 'P-256'], ['secp384r1', 'P-384']];

const drive = driveEngine;

describe('interop: cesim client ↔ Node tls server (RFC 8446)', () => {
  const cert = makeCert('p256');
  for (const suite of SUITES) {
    for (const [group, curve] of GROUPS) {
      it(`${suite} / ${group}`, async () => {
        const server = tls.createServer({ key: cert.keyPem, cert: cert.certPem, minVersion: 'TLSv1.3', ciphers: suite, ecdhCurve: curve }, (s) => {
          s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d])));
          s.on('error', () => {});
        });
        server.listen(0, '127.0.0.1');
        await once(server, 'listening');
        const port = (server.address() as net.AddressInfo).port;
        const env = makeEnv(`interop-c-${suite}-${group}`);
        const client = createClient({ serverName: 'localhost', cipherSuites: [suite], groups: [group], alpn: ['http/1.1'], ...acceptAll }, env);
        const sock = net.connect(port, '127.0.0.1');
        await once(sock, 'connect');
        const got: Uint8Array[] = [];
        const done = drive(client, sock, (d) => got.push(d));
        sock.write(client.start().output);
        await done;
        expect(client.cipherSuite?.name).toBe(suite);
        expect(client.group).toBe(group);
        const want = 'echo:ping';
        sock.write(client.seal(new TextEncoder().encode('ping')).record);
        for (let i = 0; i < 100 && Buffer.concat(got).toString() !== want; i++) await new Promise((r) => setTimeout(r, 10));
        expect(Buffer.concat(got).toString()).toBe(want);
        sock.write(client.close().output);
        sock.destroy();
        client.dispose();
        server.close();
        expect(env.memory.liveBlocks()).toEqual([]);
      });
    }
  }
});

describe('interop: Node tls client ↔ cesim server (RFC 8446)', () => {
  const cert = makeCert('p256');
  for (const suite of SUITES) {
    for (const [group, curve] of GROUPS) {
      it(`${suite} / ${group}`, async () => {
        const envs: ReturnType<typeof makeEnv>[] = [];
        const conns: TlsServer[] = [];
        const srv = net.createServer((sock) => {
          const env = makeEnv(`interop-s-${suite}-${group}`);
          envs.push(env);
          const conn = createServer({
            certificateChain: cert.chain, privateKey: cert.privateKey, cipherSuites: [suite], groups: [group],
            alpn: ['h2', 'http/1.1'], tickets: { key: new Uint8Array(32).fill(3) },
          }, env);
          conns.push(conn);
          drive(conn, sock, (d) => {
            const r = conn.seal(new Uint8Array([...new TextEncoder().encode('echo:'), ...d]));
            sock.write(r.record);
          }).catch(() => {});
        });
        srv.listen(0, '127.0.0.1');
        await once(srv, 'listening');
        const port = (srv.address() as net.AddressInfo).port;
        const sock = tls.connect({
          port, host: '127.0.0.1', servername: 'localhost', ca: cert.certPem, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3',
          ciphers: suite, ecdhCurve: curve, ALPNProtocols: ['http/1.1'],
        });
        await once(sock, 'secureConnect');
        expect(sock.getCipher().standardName).toBe(suite);
        expect(sock.alpnProtocol).toBe('http/1.1');
        sock.write('ping');
        const [data] = await once(sock, 'data');
        expect(String(data)).toBe('echo:ping');
        expect(conns[0]!.group).toBe(group);
        sock.end();
        sock.destroy();
        srv.close();
        for (const c of conns) c.dispose();
        for (const e of envs) expect(e.memory.liveBlocks()).toEqual([]);
      });
    }
  }
  it('Node resumes with a ticket from the cesim server (RFC 8446 §2.2)', async () => {
    const key = new Uint8Array(32).fill(5);
    const srv = net.createServer((sock) => {
      const conn = createServer({ certificateChain: cert.chain, privateKey: cert.privateKey, tickets: { key } }, makeEnv('resume-s'));
      drive(conn, sock, (d) => sock.write(conn.seal(d).record)).catch(() => {});
    });
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const port = (srv.address() as net.AddressInfo).port;
    const opts = { port, host: '127.0.0.1', servername: 'localhost', ca: cert.certPem, minVersion: 'TLSv1.3' as const };
    const s1 = tls.connect(opts);
    const [session] = await once(s1, 'session');
    s1.destroy();
    const s2 = tls.connect({ ...opts, session });
    await once(s2, 'secureConnect');
    expect(s2.isSessionReused()).toBe(true);
    s2.destroy();
    srv.close();
  });
});
