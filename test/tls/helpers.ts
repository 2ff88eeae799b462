/**
 * Test helpers for the TLS engine: deterministic randomness, environments over the in-memory
 * TlsMemory, certificates made with openssl (parsed with Node's crypto in TEST code only),
 * and an in-process pump between a client and a server.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NobleCryptoProvider, TallyCostSink } from '../../schannel/crypto/provider.js';
import type { PrivateKey, PublicKey, RandomSource } from '../../schannel/crypto/types.js';
import {
  InMemoryTlsMemory, TlsError, type TlsClient, type TlsEnv, type TlsEvent, type TlsServer, certificateError,
} from '../../schannel/tls/index.js';

/** A deterministic random source: SHA-256 in counter mode over a seed. */
export class TestRandom implements RandomSource {
  private counter = 0;
  private buf = new Uint8Array(0);
  private pos = 0;
  constructor(private readonly seed: string) {}
  fill(out: Uint8Array): void {
    for (let i = 0; i < out.length; i++) {
      if (this.pos >= this.buf.length) {
        this.buf = createHash('sha256').update(`${this.seed}/${this.counter++}`).digest();
        this.pos = 0;
      }
      out[i] = this.buf[this.pos++]!;
    }
  }
}

/** An environment for one endpoint. */
export interface TestEnv extends TlsEnv {
  memory: InMemoryTlsMemory;
  cost: TallyCostSink;
  crypto: NobleCryptoProvider;
  clock: { now: number };
}

/** Builds an environment with its own memory, cost tally and clock. */
export function makeEnv(seed: string, start = 1_700_000_000_000): TestEnv {
  const cost = new TallyCostSink();
  const clock = { now: start };
  const memory = new InMemoryTlsMemory();
  const crypto = new NobleCryptoProvider({ cost, random: new TestRandom(seed) });
  return { crypto, memory, cost, clock, nowMs: () => clock.now };
}

/** A certificate with its key, made by openssl. */
export interface TestCert {
  chain: Uint8Array[];
  privateKey: PrivateKey;
  publicKey: PublicKey;
  certPem: string;
  keyPem: string;
}

const b64u = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'));
const toBig = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);

/** Parses a PEM private key into the engine's PrivateKey (Node crypto, test only). */
export function parsePrivateKey(pem: string): PrivateKey {
  const jwk = createPrivateKey(pem).export({ format: 'jwk' });
  if (jwk.kty === 'EC') {
    const x = b64u(jwk.x!), y = b64u(jwk.y!);
    const point = new Uint8Array(1 + x.length + y.length);
    point[0] = 4; point.set(x, 1); point.set(y, 1 + x.length);
    return { kind: 'ec', curve: jwk.crv === 'P-384' ? 'P-384' : 'P-256', d: b64u(jwk.d!), point };
  }
  if (jwk.kty === 'OKP') return { kind: 'ed25519', seed: b64u(jwk.d!), key: b64u(jwk.x!) };
  const n = toBig(b64u(jwk.n!));
  return { kind: 'rsa', n, e: toBig(b64u(jwk.e!)), d: toBig(b64u(jwk.d!)), p: toBig(b64u(jwk.p!)), q: toBig(b64u(jwk.q!)), bits: n.toString(2).length };
}

/** The leaf's public key (Node crypto, test only). */
export function publicKeyOfDer(der: Uint8Array): PublicKey | TlsError {
  try {
    const jwk = new X509Certificate(Buffer.from(der)).publicKey.export({ format: 'jwk' });
    if (jwk.kty === 'EC') {
      const x = b64u(jwk.x!), y = b64u(jwk.y!);
      const point = new Uint8Array(1 + x.length + y.length);
      point[0] = 4; point.set(x, 1); point.set(y, 1 + x.length);
      return { kind: 'ec', curve: jwk.crv === 'P-384' ? 'P-384' : 'P-256', point };
    }
    if (jwk.kty === 'OKP') return { kind: 'ed25519', key: b64u(jwk.x!) };
    const n = toBig(b64u(jwk.n!));
    return { kind: 'rsa', n, e: toBig(b64u(jwk.e!)), bits: n.toString(2).length };
  } catch (e) {
    return certificateError('bad', String(e));
  }
}

let dir: string | null = null;
const certCache = new Map<string, TestCert>();

/** A self-signed certificate for `cn` with the given key type (cached per process). */
export function makeCert(kind: 'p256' | 'p384' | 'ed25519' | 'rsa2048', cn = 'localhost'): TestCert {
  const key = `${kind}/${cn}`;
  const hit = certCache.get(key);
  if (hit) return hit;
  dir ??= mkdtempSync(join(tmpdir(), 'cesim-tls-'));
  const base = join(dir, key.replace(/[^a-z0-9]/gi, '_'));
  const keyArgs: Record<typeof kind, string[]> = {
    p256: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    p384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
    ed25519: ['-newkey', 'ed25519'],
    rsa2048: ['-newkey', 'rsa:2048'],
  };
  execFileSync('openssl', [
    'req', '-x509', ...keyArgs[kind], '-nodes', '-keyout', `${base}.key`, '-out', `${base}.crt`,
    '-days', '30', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn}`,
  ], { stdio: 'pipe' });
  const certPem = readFileSync(`${base}.crt`, 'utf8');
  const keyPem = readFileSync(`${base}.key`, 'utf8');
  const der = new Uint8Array(new X509Certificate(certPem).raw);
  const pub = publicKeyOfDer(der);
  if (pub instanceof TlsError) throw pub;
  const cert = { chain: [der], privateKey: parsePrivateKey(keyPem), publicKey: pub, certPem, keyPem };
  certCache.set(key, cert);
  return cert;
}

/** Certificate callbacks that accept any chain (manual validation) and read keys with Node. */
export const acceptAll = {
  verifyPeerCertificate: () => null,
  publicKeyOf: publicKeyOfDer,
};

/** Outcome of {@link pump}. */
export interface PumpResult {
  clientEvents: TlsEvent[];
  serverEvents: TlsEvent[];
  clientError?: TlsError;
  serverError?: TlsError;
  rounds: number;
}

/** Runs the handshake in process: ClientHello, then bytes back and forth until both are done or one fails. */
export function pump(client: TlsClient, server: TlsServer, opts: { chunk?: number } = {}): PumpResult {
  const res: PumpResult = { clientEvents: [], serverEvents: [], rounds: 0 };
  const start = client.start();
  if (start.error) res.clientError = start.error;
  let toServer = start.output;
  let toClient: Uint8Array = new Uint8Array(0);
  let serverBuf: Uint8Array = new Uint8Array(0);
  let clientBuf: Uint8Array = new Uint8Array(0);
  const cat = (a: Uint8Array, b: Uint8Array) => { const o = new Uint8Array(a.length + b.length); o.set(a); o.set(b, a.length); return o; };
  for (let i = 0; i < 50 && !res.clientError && !res.serverError; i++) {
    res.rounds++;
    serverBuf = cat(serverBuf, toServer);
    toServer = new Uint8Array(0);
    if (!server.handshakeComplete && serverBuf.length > 0) {
      const r = server.receive(serverBuf);
      res.serverEvents.push(...r.events);
      serverBuf = serverBuf.subarray(r.consumed);
      toClient = cat(toClient, r.output);
      if (r.error) {
        res.serverError = r.error;
        const c = client.handshakeComplete ? client.open(toClient) : client.receive(cat(clientBuf, toClient));
        res.clientEvents.push(...c.events);
        if (c.error) res.clientError = c.error;
        break;
      }
    }
    clientBuf = cat(clientBuf, toClient);
    toClient = new Uint8Array(0);
    if (!client.handshakeComplete && clientBuf.length > 0) {
      const r = client.receive(clientBuf);
      res.clientEvents.push(...r.events);
      if (r.error) { res.clientError = r.error; toServer = cat(toServer, r.output); break; }
      clientBuf = clientBuf.subarray(r.consumed);
      toServer = cat(toServer, r.output);
    }
    if (client.handshakeComplete && server.handshakeComplete && toServer.length === 0 && serverBuf.length === 0) break;
  }
  // Anything left for the server after its completion (none expected), and for the client
  // (NewSessionTickets) is processed with open().
  while (clientBuf.length > 0 && client.handshakeComplete && !res.clientError) {
    const r = client.open(clientBuf);
    res.clientEvents.push(...r.events);
    if (r.error) { res.clientError = r.error; break; }
    if (r.consumed === 0) break;
    clientBuf = clientBuf.subarray(r.consumed);
  }
  if (res.clientError && toServer.length > 0 && !server.failed) {
    const r = server.handshakeComplete ? server.open(toServer) : server.receive(cat(serverBuf, toServer));
    if (r.error) res.serverError = r.error;
  }
  return res;
}

/** Sends application data from one side to the other through seal/open, record by record. */
export function transfer(from: TlsClient | TlsServer, to: TlsClient | TlsServer, data: Uint8Array): Uint8Array {
  const max = from.streamSizes().maximumMessage;
  const out: Uint8Array[] = [];
  for (let off = 0; off < data.length; off += max) {
    const s = from.seal(data.subarray(off, off + max));
    if (s.error) throw s.error;
    let rec = s.record;
    while (rec.length > 0) {
      const r = to.open(rec);
      if (r.error) throw r.error;
      out.push(r.plaintext.slice());
      rec = rec.subarray(r.consumed);
    }
  }
  const total = new Uint8Array(out.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of out) { total.set(p, at); at += p.length; }
  return total;
}

/** Hex helpers. */
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
