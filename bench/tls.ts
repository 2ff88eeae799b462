/**
 * TLS engine benchmark: full TLS 1.3 handshakes per second (cesim client + cesim server in one
 * process, in-memory TlsMemory, ECDSA P-256 certificate, x25519, AES-128-GCM), beside Node's own
 * TLS over loopback in the same run, beside the summed cost of the handshake's primitives
 * measured alone (the floor for a pure-JS stack).
 *
 * Run alone: `npx tsx bench/tls.ts`.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { pathToFileURL } from 'node:url';
import { NobleCryptoProvider, TallyCostSink } from '../schannel/crypto/provider.js';
import type { CostSink, PrivateKey, PublicKey, RandomSource } from '../schannel/crypto/types.js';
import { InMemoryTlsMemory, type TlsClient, type TlsServer, createClient, createServer } from '../schannel/tls/index.js';

/** One benchmark figure. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

class BenchRandom implements RandomSource {
  private n = 0;
  fill(out: Uint8Array): void {
    for (let i = 0; i < out.length; i += 32) {
      const h = createHash('sha256').update(`bench/${this.n++}`).digest();
      out.set(h.subarray(0, Math.min(32, out.length - i)), i);
    }
  }
}

function makeCert(): { certPem: string; keyPem: string; der: Uint8Array; key: PrivateKey; pub: PublicKey } {
  const dir = mkdtempSync(join(tmpdir(), 'cesim-bench-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'),
    '-out', join(dir, 'c.pem'), '-days', '2', '-subj', '/CN=localhost'], { stdio: 'pipe' });
  const certPem = readFileSync(join(dir, 'c.pem'), 'utf8');
  const keyPem = readFileSync(join(dir, 'k.pem'), 'utf8');
  const jwk = createPrivateKey(keyPem).export({ format: 'jwk' });
  const b = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));
  const point = new Uint8Array([4, ...b(jwk.x!), ...b(jwk.y!)]);
  return {
    certPem, keyPem, der: new Uint8Array(new X509Certificate(certPem).raw),
    key: { kind: 'ec', curve: 'P-256', d: b(jwk.d!), point }, pub: { kind: 'ec', curve: 'P-256', point },
  };
}

function handshake(cert: ReturnType<typeof makeCert>, cost: CostSink): void {
  const env = (seed: RandomSource) => ({ crypto: new NobleCryptoProvider({ cost, random: seed }), memory: new InMemoryTlsMemory(), nowMs: () => 0 });
  const random = new BenchRandom();
  const client: TlsClient = createClient({ serverName: 'localhost', verifyPeerCertificate: () => null, publicKeyOf: () => cert.pub }, env(random));
  const server: TlsServer = createServer({ certificateChain: [cert.der], privateKey: cert.key }, env(random));
  const ch = client.start().output;
  const s1 = server.receive(ch);
  const c1 = client.receive(s1.output);
  const s2 = server.receive(c1.output);
  if (!client.handshakeComplete || !server.handshakeComplete || s2.error) throw new Error('bench handshake failed');
  client.dispose();
  server.dispose();
}

async function nodeHandshakes(cert: ReturnType<typeof makeCert>, n: number): Promise<number> {
  const server = tls.createServer({ key: cert.keyPem, cert: cert.certPem, minVersion: 'TLSv1.3', ecdhCurve: 'X25519', ciphers: 'TLS_AES_128_GCM_SHA256' }, (s) => s.on('error', () => {}).end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert.certPem, minVersion: 'TLSv1.3', ecdhCurve: 'X25519', ciphers: 'TLS_AES_128_GCM_SHA256' });
    await once(s, 'secureConnect');
    s.destroy();
  }
  const dt = performance.now() - t0;
  server.close();
  return (n * 1000) / dt;
}

/** Milliseconds per call: the best of five batches of at least 40 ms each (noise only adds time). */
function time(fn: () => void, batchMs = 40): number {
  fn();
  let best = Infinity;
  for (let b = 0; b < 5; b++) {
    let n = 0;
    const t0 = performance.now();
    let dt = 0;
    do { fn(); n++; dt = performance.now() - t0; } while (dt < batchMs);
    best = Math.min(best, dt / n);
  }
  return best;
}

/** The floor: each charged primitive of one handshake, timed alone, summed. */
function primitiveFloorMs(cert: ReturnType<typeof makeCert>, tally: TallyCostSink['tally'], handshakes: number): { total: number; parts: Record<string, number> } {
  const crypto = new NobleCryptoProvider({ cost: { charge() {} }, random: new BenchRandom() });
  const big = new Uint8Array(16384);
  const perByte = {
    sha256: time(() => crypto.hash('sha256', big)) / big.length,
    sha384: time(() => crypto.hash('sha384', big)) / big.length,
    aes128gcm: time(() => crypto.aead('aes128gcm', new Uint8Array(16)).seal(new Uint8Array(12), new Uint8Array(5), big)) / big.length,
    random: time(() => crypto.random(1024)) / 1024,
  };
  const x = crypto.generateKeyShare('x25519');
  const peer = crypto.generateKeyShare('x25519').publicKey;
  const msg = new Uint8Array(130);
  const sig = crypto.sign('ecdsa_secp256r1_sha256', cert.key, msg);
  const perCall: Record<string, number> = {
    'x25519.keygen': time(() => crypto.generateKeyShare('x25519').destroy()),
    x25519: time(() => x.agree(peer)),
    'p256.sign': time(() => crypto.sign('ecdsa_secp256r1_sha256', cert.key, msg)) - perByte.sha256 * msg.length,
    'p256.verify': time(() => crypto.verify('ecdsa_secp256r1_sha256', cert.pub, msg, sig)) - perByte.sha256 * msg.length,
    // HMAC's two hash passes are charged as sha256 bytes; this is its fixed overhead per call.
    hmac: Math.max(0, time(() => crypto.hmac('sha256', new Uint8Array(32), new Uint8Array(32))) - perByte.sha256 * (2 * 64 + 32 + 32)),
  };
  const parts: Record<string, number> = {};
  for (const [name, { calls, bytes }] of tally) {
    const unit = perCall[name];
    const byte = (perByte as Record<string, number>)[name];
    const ms = (unit !== undefined ? unit * calls : 0) + (byte !== undefined ? byte * bytes : 0);
    parts[name] = ms / handshakes;
  }
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

/** Runs the TLS benchmark. */
export async function benchTls(): Promise<BenchResult[]> {
  const cert = makeCert();
  const warm = new TallyCostSink();
  for (let i = 0; i < 5; i++) handshake(cert, warm);
  const tally = new TallyCostSink();
  const n = 40;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) handshake(cert, tally);
  const cesimMs = (performance.now() - t0) / n;
  const nodeRate = await nodeHandshakes(cert, 40);
  const floor = primitiveFloorMs(cert, tally.tally, n);
  const results: BenchResult[] = [
    { name: 'tls13.handshake.cesim (client+server, P-256 cert, x25519, AES-128-GCM)', value: 1000 / cesimMs, unit: 'handshakes/s' },
    { name: 'tls13.handshake.cesim.time', value: cesimMs, unit: 'ms/handshake' },
    { name: 'tls13.handshake.node (loopback, OpenSSL)', value: nodeRate, unit: 'handshakes/s' },
    { name: 'tls13.handshake.primitive-floor', value: 1000 / floor.total, unit: 'handshakes/s' },
    { name: 'tls13.handshake.primitive-floor.time', value: floor.total, unit: 'ms/handshake' },
  ];
  for (const [k, v] of Object.entries(floor.parts)) results.push({ name: `tls13.handshake.primitive.${k}`, value: v, unit: 'ms/handshake' });
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchTls().then((rs) => {
    for (const r of rs) console.log(`${r.name.padEnd(72)} ${r.value.toFixed(3).padStart(10)} ${r.unit}`);
  }, (e) => { console.error(e); process.exit(1); });
}
