/**
 * External TLS peers as child processes (TEST harness only; the engine does no I/O): `openssl`
 * and GnuTLS (`gnutls-cli`, `gnutls-serv`) started, waited for, talked to and stopped the same
 * way in every interop test; a PKI made with openssl when the test runs (valid from now, as a
 * user's certificates are); and the engine driven over a socket.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether `cmd args…` runs and exits 0 (a probe; suites gate on {@link requireTool}, never on this). */
export function toolAvailable(cmd: string, args: string[] = ['--version']): boolean {
  try {
    return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
}

/** Whether the suite runs under CI: `.ci/run` exports `CI=1`; GitHub and others set `CI=true`. */
export function underCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/**
 * The one gate for every tool-dependent suite: `ok` says whether `what` is there. Under CI a
 * missing tool throws (the test file fails to load, so the suite fails instead of skipping);
 * elsewhere it warns and returns false for `describe.skipIf(!…)`.
 */
export function required(ok: boolean, what: string, install: string): boolean {
  if (ok) return true;
  if (underCi()) throw new Error(`${what} is required under CI: .ci/run installs it (${install})`);
  console.warn(`${what} is missing: skipping the suites that need it (${install}; .ci/run does this)`);
  return false;
}

/**
 * Whether a tool is there; under CI a missing tool throws (the suite fails instead of skipping).
 * Use with `describe.skipIf(!requireTool(…))`.
 */
export function requireTool(cmd: string, args: string[] = ['--version'], install = `apt-get install the package with ${cmd}`): boolean {
  return required(toolAvailable(cmd, args), cmd, install);
}

/** Debian's python3 (python3-ntlm-auth, python3-gssapi and python3-requests-ntlm install there). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Whether Debian's python3 imports `mod`, through {@link required}. */
export function requirePython(mod: string, pkg: string): boolean {
  return required(existsSync(DEBIAN_PYTHON) && toolAvailable(DEBIAN_PYTHON, ['-c', `import ${mod}`]), `python module ${mod}`, `apt-get install ${pkg}`);
}

/** Whether the file at `path` exists, through {@link required}. */
export function requireFile(path: string, pkg: string): boolean {
  return required(existsSync(path), path, `apt-get install ${pkg}`);
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Polls `cond` every 10 ms; throws with `what()` after `ms`. */
export async function waitFor(cond: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  for (let t = 0; t < ms && !cond(); t += 10) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out: ${what()}`);
}

/** Connects to 127.0.0.1:port, retrying while nothing listens yet (a peer process starting). */
export async function connectWhenListening(port: number, ms = 10_000): Promise<net.Socket> {
  const until = Date.now() + ms;
  for (;;) {
    const s = net.connect(port, '127.0.0.1');
    // once() rejects on 'error' (a refused connect): that is a retry, not a failure.
    if (await once(s, 'connect').then(() => true, () => false)) return s;
    s.destroy();
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A running peer process with its output collected. */
export class PeerProcess {
  /** Everything the process wrote to stderr. */
  stderr = '';
  /** Exit code once it exited (null: killed by a signal), undefined while running. */
  code: number | null | undefined = undefined;
  readonly exited: Promise<number | null>;
  private readonly out: Buffer[] = [];
  private outBytes = 0;

  constructor(readonly proc: ChildProcessWithoutNullStreams, readonly label: string) {
    proc.stdout.on('data', (d: Buffer) => {
      this.out.push(d);
      this.outBytes += d.length;
    });
    proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    proc.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => proc.on('close', (c) => { this.code = c; resolve(c); }));
  }

  /** Everything the process wrote to stdout. */
  get stdout(): Buffer {
    if (this.out.length > 1) this.out.splice(0, this.out.length, Buffer.concat(this.out));
    return this.out[0] ?? Buffer.alloc(0);
  }

  /** Bytes written to stdout so far. */
  get stdoutBytes(): number {
    return this.outBytes;
  }

  /** Starts `cmd args…`. */
  static start(cmd: string, args: string[]): PeerProcess {
    return new PeerProcess(spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] }), `${cmd} ${args.join(' ')}`);
  }

  /** stdout and stderr as text (for assertions and failure messages). */
  text(): string {
    return `${this.stdout.toString('latin1')}\n${this.stderr}`;
  }

  /** Waits until the output contains `s` (or matches it). */
  async waitForOutput(s: string | RegExp, ms = 10_000): Promise<void> {
    const has = (): boolean => (typeof s === 'string' ? this.text().includes(s) : s.test(this.text()));
    await waitFor(() => has() || this.code !== undefined, () => `${this.label}: no ${String(s)} in: ${this.text().slice(-800)}`, ms);
    if (!has()) throw new Error(`${this.label} exited (${String(this.code)}) before ${String(s)}: ${this.text().slice(-800)}`);
  }

  /** Waits until stdout holds at least `n` bytes. */
  async waitForBytes(n: number, ms = 20_000): Promise<void> {
    await waitFor(() => this.outBytes >= n || this.code !== undefined, () => `${this.label}: ${this.outBytes} of ${n} bytes; ${this.stderr.slice(-600)}`, ms);
    if (this.outBytes < n) throw new Error(`${this.label} exited (${String(this.code)}) after ${this.outBytes} of ${n} bytes: ${this.stderr.slice(-800)}`);
  }

  /** Writes to the process's stdin. */
  write(data: string | Uint8Array): void {
    if (!this.proc.stdin.destroyed) this.proc.stdin.write(data);
  }

  /** Closes stdin. */
  end(): void {
    if (!this.proc.stdin.destroyed) this.proc.stdin.end();
  }

  /** Stops the process (SIGTERM) and waits for it. */
  async stop(): Promise<void> {
    if (this.code === undefined) this.proc.kill();
    await this.exited;
  }
}

/** Runs `cmd args…` to its end with `input` on stdin. */
export async function runToEnd(cmd: string, args: string[], input: string | Uint8Array = '', ms = 30_000): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const p = PeerProcess.start(cmd, args);
  p.write(input);
  p.end();
  const timer = setTimeout(() => p.proc.kill(), ms);
  await p.exited;
  clearTimeout(timer);
  return { code: p.code ?? null, stdout: p.stdout, stderr: p.stderr };
}

/** Certificate key types the interop tests use. */
export type KeyKind = 'rsa2048' | 'p256' | 'p384' | 'ed25519';

/** A key and certificate as files and PEM text. */
export interface PkiEntry {
  certFile: string;
  keyFile: string;
  /** Leaf followed by its CA (for servers that send the chain). */
  chainFile: string;
  certPem: string;
  keyPem: string;
  chainPem: string;
}

const KEY_ARGS: Record<KeyKind, string[]> = {
  rsa2048: ['-newkey', 'rsa:2048'],
  p256: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  p384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  ed25519: ['-newkey', 'ed25519'],
};

/**
 * A PKI made with openssl when the test runs: one CA (P-256) and leaves it signs, each valid
 * from now for 30 days, with `subjectAltName=DNS:localhost`.
 */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'cesim-pki-'));
  readonly ca: PkiEntry;
  private readonly leaves = new Map<string, PkiEntry>();

  constructor() {
    const f = (n: string): string => join(this.dir, n);
    openssl('req', '-x509', ...KEY_ARGS.p256, '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '30', '-subj', '/CN=cesim test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    this.ca = entry(f('ca.pem'), f('ca.key'), f('ca.pem'));
  }

  /** A leaf of `kind` for `usage` (cached per PKI). */
  leaf(kind: KeyKind, usage: 'serverAuth' | 'clientAuth' = 'serverAuth'): PkiEntry {
    const name = `${usage}-${kind}`;
    const hit = this.leaves.get(name);
    if (hit) return hit;
    const f = (n: string): string => join(this.dir, n);
    openssl('req', ...KEY_ARGS[kind], '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${usage === 'serverAuth' ? 'localhost' : `client-${kind}`}`);
    const ku = kind === 'rsa2048' ? 'digitalSignature,keyEncipherment' : 'digitalSignature';
    writeFileSync(f(`${name}.ext`), `subjectAltName=DNS:localhost\nextendedKeyUsage=${usage}\nkeyUsage=critical,${ku}\nbasicConstraints=CA:FALSE\n`);
    openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', this.ca.certFile, '-CAkey', this.ca.keyFile, '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '30', '-extfile', f(`${name}.ext`));
    writeFileSync(f(`${name}.chain.pem`), readFileSync(f(`${name}.pem`), 'utf8') + this.ca.certPem);
    const e = entry(f(`${name}.pem`), f(`${name}.key`), f(`${name}.chain.pem`));
    this.leaves.set(name, e);
    return e;
  }
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

function entry(certFile: string, keyFile: string, chainFile: string): PkiEntry {
  return { certFile, keyFile, chainFile, certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8'), chainPem: readFileSync(chainFile, 'utf8') };
}

/** What {@link driveEngine} needs of an engine connection (TLS 1.3 or TLS 1.2, client or server). */
export interface SocketEngine {
  readonly handshakeComplete: boolean;
  receive(input: Uint8Array): { output: Uint8Array; consumed: number; error?: Error; missing?: number };
  open(input: Uint8Array): { output: Uint8Array; consumed: number; plaintext: Uint8Array; error?: Error };
}

/**
 * Drives an engine connection over a socket: the handshake, then application data to `onData`.
 * Resolves when the handshake completes; rejects (and destroys the socket) on an engine error.
 */
export function driveEngine(conn: SocketEngine, sock: net.Socket, onData: (d: Uint8Array) => void): Promise<void> {
  let buf = new Uint8Array(0);
  return new Promise((resolve, reject) => {
    const fail = (e: Error): void => {
      sock.destroy();
      reject(e);
    };
    sock.on('data', (chunk: Buffer) => {
      const nb = new Uint8Array(buf.length + chunk.length);
      nb.set(buf);
      nb.set(chunk, buf.length);
      buf = nb;
      try {
        while (buf.length > 0) {
          if (!conn.handshakeComplete) {
            const r = conn.receive(buf);
            if (r.output.length) sock.write(r.output);
            if (r.error) return fail(r.error);
            buf = buf.subarray(r.consumed);
            if (conn.handshakeComplete) {
              resolve();
              continue;
            }
            if (r.consumed === 0) break;
            continue;
          }
          const r = conn.open(buf);
          if (r.output.length) sock.write(r.output);
          if (r.error) return fail(r.error);
          if (r.consumed === 0) break;
          buf = buf.subarray(r.consumed);
          if (r.plaintext.length) onData(r.plaintext.slice());
        }
      } catch (e) {
        fail(e as Error);
      }
    });
    sock.on('error', fail);
  });
}
