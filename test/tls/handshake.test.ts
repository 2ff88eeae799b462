/** cesim client ↔ cesim server in process: suites × groups, HRR, ALPN, SNI, resumption, client auth, KeyUpdate, bulk data. */
import { describe, expect, it } from 'vitest';
import type { GroupName } from '../../schannel/crypto/types.js';
import {
  AlertDescription, type CipherSuiteName, type SessionTicket, type TlsClientConfig, type TlsServerConfig, certificateError, createClient, createServer,
} from '../../schannel/tls/index.js';
import { acceptAll, makeCert, makeEnv, pump, transfer } from './helpers.js';

const TICKET_KEY = new Uint8Array(32).fill(7);

function pair(c: Partial<TlsClientConfig> = {}, s: Partial<TlsServerConfig> = {}, seed = 'x') {
  const cert = makeCert('p256');
  const ce = makeEnv(`c-${seed}`), se = makeEnv(`s-${seed}`);
  const client = createClient({ serverName: 'localhost', ...acceptAll, ...c }, ce);
  const server = createServer({ certificateChain: cert.chain, privateKey: cert.privateKey, ...acceptAll, ...s }, se);
  return { client, server, ce, se, cert };
}

const SUITES: CipherSuiteName[] = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const GROUPS: GroupName[] = ['x25519', 'secp256r1', 'secp384r1'];

describe('cesim ↔ cesim: every suite × group (RFC 8446 §9.1)', () => {
  for (const suite of SUITES) {
    for (const group of GROUPS) {
      it(`${suite} with ${group}`, () => {
        const { client, server, ce, se } = pair({ cipherSuites: [suite], groups: [group] }, { cipherSuites: [suite], groups: [group] }, `${suite}${group}`);
        const r = pump(client, server);
        expect(r.clientError ?? r.serverError).toBeUndefined();
        expect(client.cipherSuite?.name).toBe(suite);
        expect(server.group).toBe(group);
        expect(client.peerSignatureScheme).toBe('ecdsa_secp256r1_sha256');
        const msg = new TextEncoder().encode('hello over tls 1.3');
        expect(transfer(client, server, msg)).toEqual(msg);
        expect(transfer(server, client, msg)).toEqual(msg);
        const ek1 = client.exportKeyingMaterial('EXPORTER-test', new Uint8Array(3), 32);
        const ek2 = server.exportKeyingMaterial('EXPORTER-test', new Uint8Array(3), 32);
        expect(ek1).toEqual(ek2);
        client.dispose(); server.dispose();
        expect(ce.memory.liveBlocks()).toEqual([]);
        expect(se.memory.liveBlocks()).toEqual([]);
      });
    }
  }
});

describe('HelloRetryRequest (RFC 8446 §4.1.4)', () => {
  it('client shares x25519 only, server prefers secp256r1 → HRR with cookie, then secp256r1', () => {
    const { client, server } = pair({ groups: ['x25519', 'secp256r1'], keyShareGroups: ['x25519'] }, { groups: ['secp256r1', 'x25519'] });
    const r = pump(client, server);
    expect(r.clientError ?? r.serverError).toBeUndefined();
    expect(r.clientEvents.some((e) => e.type === 'helloRetryRequest' && e.group === 'secp256r1')).toBe(true);
    expect(client.group).toBe('secp256r1');
    expect(server.group).toBe('secp256r1');
  });
  it('client shares secp256r1 only, server prefers x25519 → HRR, then x25519', () => {
    const { client, server } = pair({ groups: ['secp256r1', 'x25519'], keyShareGroups: ['secp256r1'] }, { groups: ['x25519', 'secp256r1'] });
    const r = pump(client, server);
    expect(r.clientError ?? r.serverError).toBeUndefined();
    expect(r.serverEvents.some((e) => e.type === 'helloRetryRequest')).toBe(true);
    expect(client.group).toBe('x25519');
  });
  it('HRR with a SHA-384 suite keeps the transcript right (RFC 8446 §4.4.1 message_hash)', () => {
    const { client, server } = pair({ keyShareGroups: ['x25519'], cipherSuites: ['TLS_AES_256_GCM_SHA384'] }, { groups: ['secp256r1'] });
    const r = pump(client, server);
    expect(r.clientError ?? r.serverError).toBeUndefined();
  });
  it('no group in common → handshake_failure', () => {
    const { client, server } = pair({ groups: ['x25519'] }, { groups: ['secp256r1'] });
    const r = pump(client, server);
    expect(r.serverError?.code).toBe('incompatible.handshake_failure');
    expect(r.clientError?.receivedAlert).toBe(AlertDescription.handshake_failure);
  });
});

describe('ALPN (RFC 7301 §3.2) and SNI (RFC 6066 §3)', () => {
  it('server picks from its list; both see it; SNI reaches the server and the verifier', () => {
    let seen: string | undefined;
    const { client, server } = pair(
      { alpn: ['http/1.1', 'h2'], verifyPeerCertificate: (_c, ctx) => { seen = ctx.serverName; return null; } },
      { alpn: ['h2', 'http/1.1'] },
    );
    const r = pump(client, server);
    expect(r.clientError ?? r.serverError).toBeUndefined();
    expect(client.alpnProtocol).toBe('h2');
    expect(server.alpnProtocol).toBe('h2');
    expect(server.serverName).toBe('localhost');
    expect(seen).toBe('localhost');
  });
  it('no overlap → no_application_protocol', () => {
    const { client, server } = pair({ alpn: ['spdy/3'] }, { alpn: ['h2'] });
    const r = pump(client, server);
    expect(r.serverError?.code).toBe('incompatible.no_application_protocol');
    expect(r.clientError?.code).toBe('alert.received');
    expect(r.clientError?.receivedAlert).toBe(AlertDescription.no_application_protocol);
  });
});

describe('session tickets and PSK resumption (RFC 8446 §4.6.1, §4.2.11)', () => {
  function firstTicket(): { ticket: SessionTicket; now: number } {
    const { client, server, ce } = pair({}, { tickets: { key: TICKET_KEY, count: 2 } }, 'ticket');
    const r = pump(client, server);
    expect(r.clientError ?? r.serverError).toBeUndefined();
    const tickets = r.clientEvents.filter((e) => e.type === 'sessionTicket');
    expect(tickets).toHaveLength(2);
    const t = tickets[0]!;
    if (t.type !== 'sessionTicket') throw new Error();
    return { ticket: t.ticket, now: ce.clock.now };
  }
  it('resumes with psk_dhe_ke: no certificate, resumed on both sides', () => {
    const { ticket } = firstTicket();
    const { client, server, ce, se } = pair({ ticket }, { tickets: { key: TICKET_KEY } }, 'resume');
    ce.clock.now += 1500;
    se.clock.now += 1500;
    let verified = 0;
    (client as unknown as { config: TlsClientConfig }).config.verifyPeerCertificate = () => { verified++; return null; };
    const r = pump(client, server);
    expect(r.clientError ?? r.serverError).toBeUndefined();
    expect(client.resumed).toBe(true);
    expect(server.resumed).toBe(true);
    expect(verified).toBe(0);
    expect(client.peerCertificateChain).toEqual([]);
    const m = new Uint8Array([1, 2, 3]);
    expect(transfer(client, server, m)).toEqual(m);
  });
  it('a ticket the server cannot open falls back to a full handshake', () => {
    const { ticket } = firstTicket();
    const { client, server } = pair({ ticket }, { tickets: { key: new Uint8Array(32).fill(9) } }, 'fallback');
    const r = pump(client, server);
    expect(r.clientError ?? r.serverError).toBeUndefined();
    expect(client.resumed).toBe(false);
  });
  it('a wrong PSK (binder fails) → decrypt_error (RFC 8446 §4.2.11.2)', () => {
    const { ticket } = firstTicket();
    const bad = { ...ticket, psk: ticket.psk.map((b) => b ^ 1) };
    const { client, server } = pair({ ticket: bad }, { tickets: { key: TICKET_KEY } }, 'binder');
    const r = pump(client, server);
    expect(r.serverError?.code).toBe('peer.decrypt_error');
  });
  it('expired tickets are not offered (RFC 8446 §4.6.1)', () => {
    const { ticket } = firstTicket();
    const { client, server, ce } = pair({ ticket }, { tickets: { key: TICKET_KEY } }, 'expired');
    ce.clock.now += 7201_000;
    pump(client, server);
    expect(client.resumed).toBe(false);
  });
});

describe('client authentication (RFC 8446 §4.3.2, §4.4.2)', () => {
  it('client with a configured certificate authenticates', () => {
    const cc = makeCert('p384', 'client');
    const { client, server } = pair({ certificateChain: cc.chain, privateKey: cc.privateKey }, { clientAuth: 'require' });
    const r = pump(client, server);
    expect(r.clientError ?? r.serverError).toBeUndefined();
    expect(server.clientCertificateAuthenticated).toBe(true);
    expect(server.peerSignatureScheme).toBe('ecdsa_secp384r1_sha384');
    expect(server.peerCertificateChain).toEqual(cc.chain);
  });
  it('client without one pauses with needClientCertificate, resumes with provideClientCertificate', () => {
    const cc = makeCert('ed25519', 'client');
    const { client, server } = pair({}, { clientAuth: 'require' });
    const r = pump(client, server);
    expect(r.clientEvents.some((e) => e.type === 'needClientCertificate')).toBe(true);
    expect(client.handshakeState).toBe('AwaitClientCertificate');
    expect(client.handshakeComplete).toBe(false);
    expect(client.receive(new Uint8Array(0)).error?.code).toBe('api.misuse');
    const p = client.provideClientCertificate(cc.chain, cc.privateKey);
    expect(p.error).toBeUndefined();
    expect(client.handshakeComplete).toBe(true);
    const s = server.receive(p.output);
    expect(s.error).toBeUndefined();
    expect(server.handshakeComplete).toBe(true);
    expect(server.peerSignatureScheme).toBe('ed25519');
  });
  it('empty Certificate with clientAuth "require" → certificate_required', () => {
    const { client, server } = pair({}, { clientAuth: 'require' });
    pump(client, server);
    const p = client.provideClientCertificate(null, null);
    const s = server.receive(p.output);
    expect(s.error?.code).toBe('certificate.required');
    expect(s.error?.alert).toBe(AlertDescription.certificate_required);
  });
  it('empty Certificate with clientAuth "request" → anonymous client', () => {
    const { client, server } = pair({}, { clientAuth: 'request' });
    pump(client, server);
    const s = server.receive(client.provideClientCertificate(null, null).output);
    expect(s.error).toBeUndefined();
    expect(server.handshakeComplete).toBe(true);
    expect(server.clientCertificateAuthenticated).toBe(false);
  });
  it('RSA-PSS server certificate (rsa_pss_rsae_sha256)', () => {
    const rc = makeCert('rsa2048');
    const { client, server } = pair({}, { certificateChain: rc.chain, privateKey: rc.privateKey });
    const r = pump(client, server);
    expect(r.clientError ?? r.serverError).toBeUndefined();
    expect(client.peerSignatureScheme).toBe('rsa_pss_rsae_sha256');
  });
  it('certificate rejected by the verifier → its alert (unknown_ca)', () => {
    const { client, server } = pair({ verifyPeerCertificate: () => certificateError('unknown-ca', 'untrusted') }, {});
    const r = pump(client, server);
    expect(r.clientError?.code).toBe('certificate.unknown_ca');
    expect(r.serverError?.receivedAlert).toBe(AlertDescription.unknown_ca);
  });
});


describe('KeyUpdate (RFC 8446 §4.6.3) and bulk data', () => {
  it('update_requested is answered; data keeps flowing both ways', () => {
    const { client, server } = pair();
    pump(client, server);
    const ku = client.requestKeyUpdate(true);
    expect(ku.error).toBeUndefined();
    const o = server.open(ku.output);
    expect(o.events).toContainEqual({ type: 'keyUpdate', direction: 'read', updateRequested: true });
    expect(o.events).toContainEqual({ type: 'keyUpdate', direction: 'write', updateRequested: false });
    const back = client.open(o.output);
    expect(back.events).toContainEqual({ type: 'keyUpdate', direction: 'read', updateRequested: false });
    expect(back.output.length).toBe(0);
    const m = new TextEncoder().encode('after update');
    expect(transfer(client, server, m)).toEqual(m);
    expect(transfer(server, client, m)).toEqual(m);
    const ku2 = server.requestKeyUpdate(false);
    expect(client.open(ku2.output).output.length).toBe(0);
    expect(transfer(server, client, m)).toEqual(m);
  });
  it('1 MiB each way', () => {
    const { client, server } = pair();
    pump(client, server);
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
    expect(Buffer.from(transfer(client, server, big)).equals(Buffer.from(big))).toBe(true);
    expect(Buffer.from(transfer(server, client, big)).equals(Buffer.from(big))).toBe(true);
  });
  it('tampered record → bad_record_mac, with an alert to send (RFC 8446 §5.2)', () => {
    const { client, server } = pair();
    pump(client, server);
    const rec = client.seal(new Uint8Array(10)).record;
    rec[rec.length - 1]! ^= 1;
    const r = server.open(rec);
    expect(r.error?.code).toBe('peer.bad_record_mac');
    expect(r.error?.alert).toBe(AlertDescription.bad_record_mac);
    expect(r.output.length).toBeGreaterThan(0);
    const c = client.open(r.output);
    expect(c.error?.receivedAlert).toBe(AlertDescription.bad_record_mac);
    expect(server.seal(new Uint8Array(1)).error?.code).toBe('peer.bad_record_mac');
  });
  it('close_notify ends reading (RFC 8446 §6.1)', () => {
    const { client, server } = pair();
    pump(client, server);
    const c = client.close();
    expect(server.open(c.output).events).toEqual([{ type: 'closeNotify' }]);
    expect(client.seal(new Uint8Array(1)).error?.code).toBe('api.misuse');
  });
});

describe('record_size_limit (RFC 8449 §4)', () => {
  it('each side sizes its records to the other\'s limit', () => {
    const { client, server } = pair({ recordSizeLimit: 512 }, { recordSizeLimit: 1024 });
    const r = pump(client, server);
    expect(r.clientError ?? r.serverError).toBeUndefined();
    expect(server.streamSizes().maximumMessage).toBe(511);
    expect(client.streamSizes().maximumMessage).toBe(1023);
    const m = new Uint8Array(5000).fill(1);
    expect(transfer(server, client, m)).toEqual(m);
    expect(transfer(client, server, m)).toEqual(m);
  });
  it('a record above our limit → record_overflow', () => {
    const { client, server } = pair({ recordSizeLimit: 512 }, { recordSizeLimit: 1024 });
    pump(client, server);
    // Forge: the server ignores the client's limit.
    (server as unknown as { record: { setPeerRecordSizeLimit(n: number): void } }).record.setPeerRecordSizeLimit(16385);
    const rec = server.seal(new Uint8Array(600)).record;
    expect(client.open(rec).error?.code).toBe('decode.record_overflow');
  });
});

describe('incremental input (SSPI SECBUFFER_MISSING, RFC 8446 §5.1)', () => {
  it('reports 5 − have without a header, then the rest of the body; leaves trailing data unconsumed', () => {
    const { client, server } = pair();
    const ch = client.start().output;
    expect(server.receive(new Uint8Array(0)).missing).toBe(5);
    expect(server.receive(ch.subarray(0, 4)).missing).toBe(1);
    const h = server.receive(ch.subarray(0, 5));
    expect(h.consumed).toBe(0);
    expect(h.missing).toBe(ch.length - 5);
    const full = server.receive(ch);
    expect(full.consumed).toBe(ch.length);
    // Server flight followed by unrelated bytes: the client consumes exactly the flight.
    const tail = new Uint8Array([23, 3, 3, 0, 1, 0]);
    const both = new Uint8Array(full.output.length + tail.length);
    both.set(full.output); both.set(tail, full.output.length);
    const r = client.receive(both);
    expect(r.error).toBeUndefined();
    expect(client.handshakeComplete).toBe(true);
    expect(r.consumed).toBe(full.output.length);
    expect(r.missing).toBeUndefined();
  });
  it('one byte at a time works (handshake messages spanning records are reassembled)', () => {
    const { client, server } = pair({}, {}, 'bytewise');
    const ch = client.start().output;
    let s = server.receive(ch);
    const flight: Uint8Array = s.output;
    let buf: Uint8Array = new Uint8Array(0);
    let out: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < flight.length && !client.handshakeComplete; i++) {
      const nb = new Uint8Array(buf.length + 1); nb.set(buf); nb[buf.length] = flight[i]!; buf = nb;
      const r = client.receive(buf);
      expect(r.error).toBeUndefined();
      buf = buf.subarray(r.consumed);
      if (r.output.length) out = r.output;
    }
    s = server.receive(out);
    expect(server.handshakeComplete).toBe(true);
  });
});
