/**
 * `npm run bench:soak [-- CONNECTIONS]`: host-memory soak of `cesim serve`. Runs the server in
 * this process at host pace, drives it with Node TLS clients (8 at a time), and reads the live
 * heap after full garbage collections (hence `--expose-gc`) once warmed up and again at the end.
 * Exits 1 when the heap grew by more than {@link LIMIT_BYTES_PER_CONNECTION} per connection:
 * a long-running server must hold nothing per connection it has finished.
 *
 * A memory figure from a benchmark, not a timed test (STYLE: speed and memory come from
 * `npm run bench`); `test/slow/serve-soak.test.ts` runs a short one in the slow tier.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { main } from '../emulator/cli.js';
import { SCENARIOS_DIR } from '../emulator/scenario/index.js';

/**
 * Growth above this per connection after warm-up fails the soak. What is left below it is V8's
 * compiled code still settling (heap snapshots show only `code` growing after warm-up); before
 * the fix the server kept ~2 KB per connection (owner accounts and SSPI reports).
 */
export const LIMIT_BYTES_PER_CONNECTION = 512;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('serve-soak: run with node --expose-gc (npm run bench:soak)');
  process.exit(2);
}
const total = Number(process.argv[2] ?? 5000);
const warmup = Math.min(2000, Math.floor(total / 3));
const pki = (f: string): string => join(SCENARIOS_DIR, 'pki', f);
const ca = readFileSync(pki('ec-root.pem'));
const out: string[] = [];
const io = { stdout: (s: string) => void out.push(s), stderr: () => {}, stderrIsTTY: false };
const done = main(['serve', '--listen', '127.0.0.1:0', '--cert', pki('server-p256.chain.pem'), '--key', pki('server-p256.key.pem'),
  '--max-connections', String(total), '--quiet', '--pace', 'host'], io);
while (!out.join('').includes('listening on')) await new Promise((r) => setTimeout(r, 20));
const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out.join(''))![1]);

function get(): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: 'TLSv1.3' }, () => s.write('GET / HTTP/1.0\r\n\r\n'));
    s.on('data', () => {});
    s.on('close', () => resolve());
    s.on('error', reject);
  });
}
function liveHeap(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}
let n = 0;
async function runTo(target: number): Promise<void> {
  while (n < target) {
    const batch = Math.min(8, target - n);
    await Promise.all(Array.from({ length: batch }, get));
    n += batch;
  }
  await new Promise((r) => setTimeout(r, 100));
}
const t0 = performance.now();
await runTo(warmup);
const h1 = liveHeap();
await runTo(total - 1);
const h2 = liveHeap();
await runTo(total);
const code = await done;
const perConn = (h2 - h1) / (total - 1 - warmup);
const secs = (performance.now() - t0) / 1000;
console.log(`serve soak: ${total} connections in ${secs.toFixed(1)} s; live heap after GC ${(h1 / 1e6).toFixed(2)} MB at ${warmup}, ${(h2 / 1e6).toFixed(2)} MB at ${total - 1}: ${perConn.toFixed(1)} B per connection (limit ${LIMIT_BYTES_PER_CONNECTION}); serve exit ${code}`);
process.exit(perConn > LIMIT_BYTES_PER_CONNECTION || code !== 0 ? 1 : 0);
