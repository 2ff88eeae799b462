/**
 * TLS 1.2 interop over loopback sockets (TEST harness only; the engine does no I/O): cesim's
 * TLS 1.2 client against Node's `tls` server and `openssl s_server -tls1_2`, and Node's
 * `tls.connect` and `openssl s_client -tls1_2` against cesim's TLS 1.2 server, over suites of
 * each key exchange and record protection and each certificate type.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import type { GroupName } from '../../schannel/crypto/types.js';
import { Tls12Client } from '../../schannel/tls/v12/client.js';
import { Tls12Server } from '../../schannel/tls/v12/server.js';
import type { Tls12SuiteName } from '../../schannel/tls/v12/suites.js';
import { acceptAll, makeCert, makeEnv } from '../tls/helpers.js';
import { PeerProcess, connectWhenListening, driveEngine, freePort, waitFor } from '../support/peers.js';

const drive = driveEngine;

/** [cesim suite, OpenSSL name, certificate kind, group]. */
const CASES: [Tls12SuiteName, string, 'p256' | 'p384' | 'rsa2048' | 'ed25519', GroupName][] = [
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'rsa2048', 'x25519'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'p384', 'secp384r1'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'p256', 'secp256r1'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305', 'rsa2048', 'x25519'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA', 'ed25519', 'x25519'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384', 'rsa2048', 'secp256r1'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA', 'rsa2048', 'x25519'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA256', 'AES256-SHA256', 'rsa2048', 'x25519'],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384', 'rsa2048', 'x25519'],
];

describe('TLS 1.2 interop: cesim client ↔ Node tls server (OpenSSL)', () => {
  for (const [suite, ossl, kind, group] of CASES) {
    it(`RFC 5246: ${suite} (${kind}, ${group})`, async () => {
      const cert = makeCert(kind);
      const server = tls.createServer({ key: cert.keyPem, cert: cert.certPem, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: `${ossl}@SECLEVEL=0` }, (s) => {
        s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d])));
        s.on('error', () => {});
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = (server.address() as net.AddressInfo).port;
      const env = makeEnv(`i12-c-${suite}`);
      const client = new Tls12Client({ serverName: 'localhost', tls12Suites: [suite], groups: [group], ...acceptAll }, env);
      const sock = net.connect(port, '127.0.0.1');
      await once(sock, 'connect');
      const got: Uint8Array[] = [];
      const done = drive(client, sock, (d) => got.push(d));
      sock.write(client.start().output);
      await done;
      expect(client.tls12Suite?.name).toBe(suite);
      expect(client.extendedMasterSecret).toBe(true);
      sock.write(client.seal(new TextEncoder().encode('ping')).record);
      await waitFor(() => Buffer.concat(got).toString() === 'echo:ping', () => Buffer.concat(got).toString());
      sock.write(client.close().output);
      sock.destroy();
      client.dispose();
      server.close();
      expect(env.memory.liveBlocks()).toEqual([]);
    });
  }
});

describe('TLS 1.2 interop: Node tls client (OpenSSL) ↔ cesim server', () => {
  for (const [suite, ossl, kind] of CASES) {
    it(`RFC 5246: ${suite} (${kind})`, async () => {
      const cert = makeCert(kind);
      const env = makeEnv(`i12-s-${suite}`);
      const srv = net.createServer();
      srv.listen(0, '127.0.0.1');
      await once(srv, 'listening');
      const port = (srv.address() as net.AddressInfo).port;
      const accepted = once(srv, 'connection');
      const nodeSock = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: `${ossl}@SECLEVEL=0` });
      nodeSock.on('error', () => {});
      const [sock] = (await accepted) as [net.Socket];
      const server = new Tls12Server({ certificateChain: cert.chain, privateKey: cert.privateKey, ...acceptAll }, env);
      server.start();
      const got: Uint8Array[] = [];
      const done = drive(server, sock, (d) => got.push(d));
      await done;
      await once(nodeSock, 'secureConnect');
      expect(nodeSock.getProtocol()).toBe('TLSv1.2');
      expect(nodeSock.getCipher().standardName).toBe(suite);
      nodeSock.write('hello');
      await waitFor(() => Buffer.concat(got).toString() === 'hello', () => Buffer.concat(got).toString());
      const reply = once(nodeSock, 'data');
      sock.write(server.seal(new TextEncoder().encode('world')).record);
      expect(String((await reply)[0])).toBe('world');
      nodeSock.destroy();
      sock.destroy();
      server.dispose();
      srv.close();
      expect(env.memory.liveBlocks()).toEqual([]);
    });
  }
});

describe('TLS 1.2 interop with the openssl command (-tls1_2)', () => {
  it('RFC 5246: openssl s_client -tls1_2 → cesim server, ECDHE-RSA-AES128-GCM-SHA256, data both ways', async () => {
    const cert = makeCert('rsa2048');
    const env = makeEnv('i12-sclient');
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const port = (srv.address() as net.AddressInfo).port;
    const accepted = once(srv, 'connection');
    const cli = PeerProcess.start('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256', '-servername', 'localhost', '-quiet']);
    try {
      const [sock] = (await accepted) as [net.Socket];
      const server = new Tls12Server({ certificateChain: cert.chain, privateKey: cert.privateKey, ...acceptAll }, env);
      server.start();
      const got: Uint8Array[] = [];
      await drive(server, sock, (d) => got.push(d));
      sock.write(server.seal(new TextEncoder().encode('from-cesim\n')).record);
      await cli.waitForOutput('from-cesim');
      cli.write('from-openssl\n');
      await waitFor(() => Buffer.concat(got).toString().includes('from-openssl'), () => cli.text());
      expect(server.tls12Suite?.name).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
      sock.destroy();
      server.dispose();
      expect(env.memory.liveBlocks()).toEqual([]);
    } finally {
      await cli.stop();
      srv.close();
    }
  });

  it('RFC 5246: cesim client → openssl s_server -tls1_2, static RSA AES256-SHA256 and ECDHE-ECDSA-AES128-SHA256', async () => {
    for (const [suite, ossl, kind] of [['TLS_RSA_WITH_AES_256_CBC_SHA256', 'AES256-SHA256', 'rsa2048'], ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256', 'p256']] as const) {
      const cert = makeCert(kind);
      const dir = join(tmpdir(), `cesim-s_server-${process.pid}-${kind}`);
      writeFileSync(`${dir}.crt`, cert.certPem);
      writeFileSync(`${dir}.key`, cert.keyPem);
      const port = await freePort();
      const srv = PeerProcess.start('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_2', '-cipher', `${ossl}@SECLEVEL=0`, '-cert', `${dir}.crt`, '-key', `${dir}.key`]);
      try {
        await srv.waitForOutput('ACCEPT');
        const sock = await connectWhenListening(port);
        const env = makeEnv(`i12-sserver-${suite}`);
        const client = new Tls12Client({ serverName: 'localhost', tls12Suites: [suite], ...acceptAll }, env);
        const got: Uint8Array[] = [];
        const done = drive(client, sock, (d) => got.push(d));
        sock.write(client.start().output);
        await done;
        expect(client.tls12Suite?.name).toBe(suite);
        sock.write(client.seal(new TextEncoder().encode('from-cesim\n')).record);
        await srv.waitForOutput('from-cesim');
        srv.write('from-openssl\n');
        await waitFor(() => Buffer.concat(got).toString().includes('from-openssl'), () => srv.text());
        sock.destroy();
        client.dispose();
        expect(env.memory.liveBlocks()).toEqual([]);
      } finally {
        await srv.stop();
      }
    }
  });
});
