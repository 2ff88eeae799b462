/**
 * Record protection once the keys change (RFC 8446 §5), middlebox-compatibility
 * change_cipher_spec (RFC 8446 §D.4), and the fatal alerts the engine produces for errors
 * found after the handshake (RFC 8446 §6.2). The keys used to open and forge records here are
 * derived independently of the engine, from the key log, with @noble primitives.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { expand } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { createClient, createServer, type TlsClient, type TlsServer } from '../../schannel/tls/index.js';
import { acceptAll, makeCert, makeEnv, pump } from './helpers.js';

const SUITE = 'TLS_AES_128_GCM_SHA256';

/** RFC 8446 §7.1 HKDF-Expand-Label over SHA-256. */
function expandLabel(secret: Uint8Array, label: string, length: number): Uint8Array {
  const full = new TextEncoder().encode(`tls13 ${label}`);
  const info = new Uint8Array(2 + 1 + full.length + 1);
  info[0] = length >> 8;
  info[1] = length & 0xff;
  info[2] = full.length;
  info.set(full, 3);
  info[3 + full.length] = 0;
  return expand(sha256, secret, info, length);
}

/** One direction's AES-128-GCM record keys (RFC 8446 §7.3), with its sequence number. */
class Keys {
  seq = 0;
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  constructor(secret: Uint8Array) {
    this.key = expandLabel(secret, 'key', 16);
    this.iv = expandLabel(secret, 'iv', 12);
  }
  private nonce(): Uint8Array {
    const n = this.iv.slice();
    n[11]! ^= this.seq & 0xff;
    n[10]! ^= (this.seq >> 8) & 0xff;
    this.seq++;
    return n;
  }
  /** Opens one protected record: the inner content type and content. */
  open(record: Uint8Array): { type: number; content: Uint8Array } {
    const plain = gcm(this.key, this.nonce(), record.subarray(0, 5)).decrypt(record.subarray(5));
    let i = plain.length - 1;
    while (plain[i] === 0) i--;
    return { type: plain[i]!, content: plain.subarray(0, i) };
  }
  /** Seals one record of `type` carrying `content`. */
  seal(type: number, content: Uint8Array): Uint8Array {
    const inner = new Uint8Array(content.length + 1);
    inner.set(content);
    inner[content.length] = type;
    const len = inner.length + 16;
    const header = Uint8Array.of(0x17, 0x03, 0x03, len >> 8, len & 0xff);
    const body = gcm(this.key, this.nonce(), header).encrypt(inner);
    const rec = new Uint8Array(5 + body.length);
    rec.set(header);
    rec.set(body, 5);
    return rec;
  }
}

/** Splits a byte stream into records. */
function records(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length;) {
    const len = (bytes[o + 3]! << 8) | bytes[o + 4]!;
    out.push(bytes.subarray(o, o + 5 + len));
    o += 5 + len;
  }
  return out;
}

const plaintextRecord = (type: number, content: Uint8Array) => {
  const r = new Uint8Array(5 + content.length);
  r.set([type, 0x03, 0x03, content.length >> 8, content.length & 0xff]);
  r.set(content, 5);
  return r;
};

function setup(opts: { middlebox?: boolean; keyShareGroups?: ('x25519' | 'secp256r1')[] } = {}) {
  const cert = makeCert('p256');
  const secrets = new Map<string, Uint8Array>();
  const client = createClient({
    serverName: 'localhost', ...acceptAll, cipherSuites: [SUITE],
    ...(opts.middlebox ? { middleboxCompatibility: true } : {}),
    ...(opts.keyShareGroups ? { keyShareGroups: opts.keyShareGroups, groups: ['x25519', 'secp256r1'] } : {}),
    keyLog: (label, _random, secret) => void secrets.set(label, secret.slice()),
  }, makeEnv('rp-client'));
  const server = createServer({
    certificateChain: cert.chain, privateKey: cert.privateKey, ...acceptAll, cipherSuites: [SUITE],
    ...(opts.keyShareGroups ? { groups: ['secp256r1', 'x25519'] } : {}),
  }, makeEnv('rp-server'));
  return { client, server, secrets };
}

/** Runs ClientHello → server flight → client Finished; returns the client's last flight unsent. */
function toClientFinished(client: TlsClient, server: TlsServer) {
  const ch = client.start();
  const flight = server.receive(ch.output);
  expect(flight.error).toBeUndefined();
  const fin = client.receive(flight.output);
  expect(fin.error).toBeUndefined();
  expect(client.handshakeComplete).toBe(true);
  return { serverFlight: flight.output, clientFlight: fin.output };
}

describe('RFC 8446 §5: every record after the keys change is protected', () => {
  it('a plaintext client Finished (the right one, decrypted from the real flight) is unexpected_message', () => {
    const { client, server, secrets } = setup();
    const { clientFlight } = toClientFinished(client, server);
    const keys = new Keys(secrets.get('CLIENT_HANDSHAKE_TRAFFIC_SECRET')!);
    const recs = records(clientFlight);
    expect(recs.length).toBe(1);
    const inner = keys.open(recs[0]!);
    expect(inner.type).toBe(22);
    expect(inner.content[0]).toBe(20); // finished
    const r = server.receive(plaintextRecord(22, inner.content));
    expect(r.error?.alert).toBe(10); // unexpected_message
    expect(server.handshakeComplete).toBe(false);
    // The server's alert is protected under its handshake keys, not plaintext.
    expect(r.output[0]).toBe(0x17);
    client.dispose();
    server.dispose();
  });
  it('control: the same Finished, protected, completes the handshake', () => {
    const { client, server } = setup();
    const { clientFlight } = toClientFinished(client, server);
    const r = server.receive(clientFlight);
    expect(r.error).toBeUndefined();
    expect(server.handshakeComplete).toBe(true);
  });
  it('a plaintext alert from a client that could not take the ServerHello is accepted (no keys yet on its side)', () => {
    const { client, server } = setup();
    const ch = client.start();
    expect(server.receive(ch.output).error).toBeUndefined();
    const r = server.receive(plaintextRecord(21, Uint8Array.of(2, 40)));
    expect(r.error?.code).toBe('alert.received');
    expect(r.error?.receivedAlert).toBe(40);
  });
  it('a plaintext alert after the client\'s first protected record is unexpected_message', () => {
    const { client, server } = setup();
    const { clientFlight } = toClientFinished(client, server);
    expect(server.receive(clientFlight).error).toBeUndefined();
    const r = server.open(plaintextRecord(21, Uint8Array.of(2, 40)));
    expect(r.error?.alert).toBe(10);
  });
  it('a plaintext handshake record after the handshake is unexpected_message', () => {
    const { client, server } = setup();
    const { clientFlight } = toClientFinished(client, server);
    expect(server.receive(clientFlight).error).toBeUndefined();
    const r = server.open(plaintextRecord(22, Uint8Array.of(24, 0, 0, 1, 0)));
    expect(r.error?.alert).toBe(10);
  });
  it('a plaintext server handshake message after the client installed the server\'s keys is unexpected_message', () => {
    const { client, server } = setup();
    const ch = client.start();
    const flight = server.receive(ch.output);
    const recs = records(flight.output);
    // ServerHello in plaintext, then EncryptedExtensions forged in plaintext.
    const r = client.receive(Uint8Array.from([...recs[0]!, ...plaintextRecord(22, Uint8Array.of(8, 0, 0, 2, 0, 0))]));
    expect(r.error?.alert).toBe(10);
  });
});

describe('RFC 8446 §D.4: middlebox compatibility change_cipher_spec', () => {
  const CCS = [0x14, 0x03, 0x03, 0x00, 0x01, 0x01];
  it('the server sends one CCS right after its ServerHello when the client sent a legacy_session_id', () => {
    const { client, server } = setup({ middlebox: true });
    const ch = client.start();
    const flight = server.receive(ch.output);
    const recs = records(flight.output);
    expect(recs[0]![0]).toBe(22);
    expect([...recs[1]!]).toEqual(CCS);
    expect(recs.slice(2).every((r) => r[0] === 0x17)).toBe(true);
  });
  it('no CCS for a client with an empty legacy_session_id', () => {
    const { client, server } = setup();
    const flight = server.receive(client.start().output);
    expect(records(flight.output).some((r) => r[0] === 0x14)).toBe(false);
  });
  it('after a HelloRetryRequest the CCS follows the HRR, and the second ServerHello has none', () => {
    const { client, server } = setup({ middlebox: true, keyShareGroups: ['x25519'] });
    const hrr = server.receive(client.start().output);
    const hrrRecs = records(hrr.output);
    expect(hrrRecs.length).toBe(2);
    expect([...hrrRecs[1]!]).toEqual(CCS);
    const ch2 = client.receive(hrr.output);
    expect(ch2.error).toBeUndefined();
    const flight = server.receive(ch2.output);
    expect(flight.error).toBeUndefined();
    expect(records(flight.output).some((r) => r[0] === 0x14)).toBe(false);
    const fin = client.receive(flight.output);
    expect(fin.error).toBeUndefined();
    expect(server.receive(fin.output).error).toBeUndefined();
    expect(server.handshakeComplete).toBe(true);
  });
  it('a middlebox-compatible client sends its CCS before its encrypted flight, and the handshake completes', () => {
    const { client, server } = setup({ middlebox: true });
    const { clientFlight } = toClientFinished(client, server);
    const recs = records(clientFlight);
    expect([...recs[0]!]).toEqual(CCS);
    expect(recs[1]![0]).toBe(0x17);
    expect(server.receive(clientFlight).error).toBeUndefined();
    expect(server.handshakeComplete).toBe(true);
  });
});

describe('RFC 8446 §6.2: errors found after the handshake produce a protected fatal alert', () => {
  function established() {
    const s = setup();
    const { clientFlight } = toClientFinished(s.client, s.server);
    expect(s.server.receive(clientFlight).error).toBeUndefined();
    // The client's application keys, derived from the key log, to forge records the engine must reject.
    const clientApp = new Keys(s.secrets.get('CLIENT_TRAFFIC_SECRET_0')!);
    const serverApp = new Keys(s.secrets.get('SERVER_TRAFFIC_SECRET_0')!);
    return { ...s, clientApp, serverApp };
  }
  /** The alert the server sent, opened with its application keys. */
  function alertOf(output: Uint8Array, keys: Keys): number[] {
    const recs = records(output);
    expect(recs.length).toBe(1);
    const o = keys.open(recs[0]!);
    expect(o.type).toBe(21);
    return [...o.content];
  }
  const cases: [string, (k: Keys) => Uint8Array, number][] = [
    ['§4.6.3: KeyUpdate with request_update 2 → illegal_parameter', (k) => k.seal(22, Uint8Array.of(24, 0, 0, 1, 2)), 47],
    ['§5: change_cipher_spec after the handshake → unexpected_message', () => Uint8Array.of(0x14, 3, 3, 0, 1, 1), 10],
    ['§5.2: a record longer than 2^14 + 256 → record_overflow', () => Uint8Array.of(0x17, 3, 3, 0x41, 0x01), 22],
    ['§5.4: an empty protected alert → unexpected_message', (k) => k.seal(21, new Uint8Array(0)), 10],
    ['§5.2: a record that fails authentication → bad_record_mac', (k) => { const r = k.seal(23, Uint8Array.of(1, 2, 3)); r[r.length - 1]! ^= 1; return r; }, 20],
  ];
  for (const [name, forge, alert] of cases) {
    it(name, () => {
      const { server, clientApp, serverApp } = established();
      const r = server.open(forge(clientApp));
      expect(r.error?.alert).toBe(alert);
      expect(r.output.length).toBeGreaterThan(0);
      // The server's NewSessionTickets took its first sequence numbers: the alert opens at the
      // first sequence number that authenticates it.
      let found: number[] | null = null;
      for (let seq = 0; seq < 8 && found === null; seq++) {
        serverApp.seq = seq;
        try {
          found = alertOf(r.output, serverApp);
        } catch {
          found = null;
        }
      }
      expect(found).toEqual([2, alert]);
    });
  }
});
