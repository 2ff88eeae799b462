/**
 * TLS 1.2 handshakes between cesim's own client and server, every suite × each certificate type
 * it fits, with EMS, encrypt-then-MAC, renegotiation refusal, client authentication and the
 * memory each side holds.
 */
import { describe, expect, it } from 'vitest';
import { AlertDescription } from '../../schannel/tls/index.js';
import { Tls12Client } from '../../schannel/tls/v12/client.js';
import type { Tls12ClientConfig, Tls12ServerConfig } from '../../schannel/tls/v12/config.js';
import { Tls12Server } from '../../schannel/tls/v12/server.js';
import { TLS12_SUITES, type Tls12SuiteName } from '../../schannel/tls/v12/suites.js';
import { acceptAll, makeCert, makeEnv } from '../tls/helpers.js';
import { pump12, transfer12 } from './helpers12.js';

type CertKind = 'p256' | 'p384' | 'ed25519' | 'rsa2048';

function pair(suite: Tls12SuiteName | null, kind: CertKind, client: Partial<Tls12ClientConfig> = {}, server: Partial<Tls12ServerConfig> = {}) {
  const cert = makeCert(kind);
  const cenv = makeEnv(`c-${suite}-${kind}`);
  const senv = makeEnv(`s-${suite}-${kind}`);
  const c = new Tls12Client({ ...acceptAll, serverName: 'localhost', ...(suite ? { tls12Suites: [suite] } : {}), ...client }, cenv);
  const s = new Tls12Server({ certificateChain: cert.chain, privateKey: cert.privateKey, ...acceptAll, ...server }, senv);
  s.start();
  return { c, s, cenv, senv, cert };
}

describe('TLS 1.2 handshakes, cesim client ↔ cesim server', () => {
  for (const suite of TLS12_SUITES) {
    const kinds: CertKind[] = suite.auth === 'ecdsa' ? ['p256', 'p384', 'ed25519'] : ['rsa2048'];
    for (const kind of kinds) {
      it(`RFC 5246 §7.3: ${suite.name} with a ${kind} certificate: handshake, data both ways, everything freed`, () => {
        const { c, s, cenv, senv } = pair(suite.name, kind);
        const st = c.start();
        expect(st.error).toBeUndefined();
        const r = pump12(c, s, st.output);
        expect(r.clientError ?? r.serverError).toBeUndefined();
        expect(c.handshakeComplete && s.handshakeComplete).toBe(true);
        expect(c.tls12Suite?.name).toBe(suite.name);
        expect(c.extendedMasterSecret && s.extendedMasterSecret).toBe(true);
        expect(c.encryptThenMac).toBe(suite.protection.kind === 'cbc');
        const msg = new TextEncoder().encode(`hello over ${suite.name}`);
        expect(transfer12(c, s, msg)).toEqual(msg);
        expect(transfer12(s, c, msg)).toEqual(msg);
        expect(c.tlsUnique()).toEqual(s.tlsUnique());
        expect(c.exportKeyingMaterial('EXPORTER-test', null, 32)).toEqual(s.exportKeyingMaterial('EXPORTER-test', null, 32));
        c.dispose();
        s.dispose();
        expect(cenv.memory.liveBlocks()).toEqual([]);
        expect(senv.memory.liveBlocks()).toEqual([]);
      });
    }
  }

  it('RFC 7366: with encrypt_then_mac declined by the server, CBC runs MAC-then-encrypt and still works', () => {
    const { c, s } = pair('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'rsa2048', {}, { encryptThenMac: false });
    const r = pump12(c, s, c.start().output);
    expect(r.clientError ?? r.serverError).toBeUndefined();
    expect(c.encryptThenMac || s.encryptThenMac).toBe(false);
    const big = new Uint8Array(40000).map((_, i) => i & 0xff);
    expect(transfer12(c, s, big)).toEqual(big);
  });

  it('RFC 7627 §5.3: a server that requires EMS refuses a client that does not offer it (handshake_failure); relaxed, it goes on without', () => {
    const noEms = { clientHelloHook: (ch: import('../../schannel/tls/codec/handshake.js').ClientHello) => ({ ...ch, extensions: (ch.extensions ?? []).filter((e) => e.type !== 23) }) };
    const a = pair(null, 'p256', noEms);
    const r = pump12(a.c, a.s, a.c.start().output);
    expect(r.serverError?.code).toBe('incompatible.handshake_failure');
    expect(r.clientError?.receivedAlert).toBe(AlertDescription.handshake_failure);
    const b = pair(null, 'p256', { ...noEms, requireExtendedMasterSecret: false }, { requireExtendedMasterSecret: false });
    const r2 = pump12(b.c, b.s, b.c.start().output);
    expect(r2.clientError ?? r2.serverError).toBeUndefined();
    expect(b.c.extendedMasterSecret).toBe(false);
  });

  it('RFC 5246 §7.4.1.4.1: a client without signature_algorithms gets an rsa_pkcs1_sha1 ServerKeyExchange', () => {
    const noSigAlgs = {
      tls12SignatureSchemes: ['rsa_pkcs1_sha1' as const],
      clientHelloHook: (ch: import('../../schannel/tls/codec/handshake.js').ClientHello) => ({ ...ch, extensions: (ch.extensions ?? []).filter((e) => e.type !== 13) }),
    };
    const { c, s } = pair('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'rsa2048', noSigAlgs);
    const r = pump12(c, s, c.start().output);
    expect(r.clientError ?? r.serverError).toBeUndefined();
    expect(s.signatureScheme).toBe('rsa_pkcs1_sha1');
    expect(c.peerSignatureScheme).toBe('rsa_pkcs1_sha1');
  });

  it('RFC 5746 / RFC 5246 §7.4.1.2: a renegotiating ClientHello is declined with the warning no_renegotiation and data still flows', () => {
    const { c, s } = pair('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'p256');
    const r = pump12(c, s, c.start().output);
    expect(r.clientError ?? r.serverError).toBeUndefined();
    // A protected handshake record carrying a (dummy) ClientHello, sealed with the client's keys.
    const anyHello = new Uint8Array([1, 0, 0, 0]);
    const rec = (c as unknown as { record: { seal(t: number, b: Uint8Array): Uint8Array } }).record.seal(22, anyHello);
    const o = s.open(rec);
    expect(o.error).toBeUndefined();
    expect(o.events).toContainEqual({ type: 'renegotiationRefused' });
    const back = c.open(o.output);
    expect(back.events).toContainEqual({ type: 'alert', level: 1, description: AlertDescription.no_renegotiation });
    const msg = new TextEncoder().encode('still here');
    expect(transfer12(s, c, msg)).toEqual(msg);
  });

  it('RFC 5246 §7.4.4/§7.4.8: client authentication with CertificateVerify over the handshake messages', () => {
    const clientCert = makeCert('p256', 'client');
    const { c, s } = pair('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'rsa2048',
      { certificateChain: clientCert.chain, privateKey: clientCert.privateKey }, { clientAuth: 'require' });
    const r = pump12(c, s, c.start().output);
    expect(r.clientError ?? r.serverError).toBeUndefined();
    expect(s.peerCertificateChain[0]).toEqual(clientCert.chain[0]);
    expect(s.peerSignatureScheme).toBe('ecdsa_secp256r1_sha256');
  });

  it('RFC 5246 §7.4.6: required client authentication without a certificate is a handshake_failure', () => {
    const { c, s } = pair('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'rsa2048', {}, { clientAuth: 'require' });
    const r = pump12(c, s, c.start().output);
    expect(r.clientEvents.some((e) => e.type === 'needClientCertificate')).toBe(true);
    const p = c.provideClientCertificate(null, null);
    expect(p.error).toBeUndefined();
    const sr = s.receive(p.output);
    expect(sr.error?.code).toBe('incompatible.handshake_failure');
  });

  it('RFC 8446 §4.1.3: a server with TLS 1.3 enabled ends its TLS 1.2 random with DOWNGRD01, and a client that offered 1.3 refuses it', () => {
    const { c, s } = pair(null, 'p256', { offeredTls13: true }, { tls13Enabled: true });
    const r = pump12(c, s, c.start().output);
    expect(r.clientError?.code).toBe('peer.illegal_parameter');
    expect(r.clientError?.message).toMatch(/downgrade/);
  });
});
