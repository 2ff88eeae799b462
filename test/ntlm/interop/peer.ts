/**
 * A line-speaking child process (test/ntlm/interop/peer.py, Samba's ntlm_auth) for the NTLM
 * interop tests. The gates go through test/support/peers.ts: under CI a missing tool fails the
 * suite; elsewhere the suites that need it are skipped.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireFile, requirePython } from '../../support/peers.js';

/** Debian's python3 (the python3-ntlm-auth and python3-gssapi packages install there). */
export const PYTHON = '/usr/bin/python3';
/** The peer script. */
export const PEER = join(import.meta.dirname, 'peer.py');

/** python3-ntlm-auth is importable (under CI its absence throws: test/support/peers.ts). */
export const HAVE_NTLM_AUTH = requirePython('ntlm_auth', 'python3-ntlm-auth');
/** python3-gssapi with gss-ntlmssp's mechanism. */
export const HAVE_GSS_NTLMSSP = requirePython('gssapi', 'python3-gssapi') && requireFile('/usr/lib/x86_64-linux-gnu/gssntlmssp/gssntlmssp.so', 'gss-ntlmssp');
/** Samba's ntlm_auth (winbind). */
export const HAVE_SAMBA_NTLM_AUTH = requireFile('/usr/bin/ntlm_auth', 'winbind');

/**
 * An OpenSSL configuration that loads the legacy provider: Debian's OpenSSL 3 has MD4 (which
 * python3-ntlm-auth takes from hashlib) only there.
 */
export function legacyOpenSslEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'cesim-ossl-'));
  const f = join(dir, 'openssl.cnf');
  writeFileSync(f, 'openssl_conf = openssl_init\n[openssl_init]\nproviders = provider_sect\n[provider_sect]\ndefault = default_sect\nlegacy = legacy_sect\n[default_sect]\nactivate = 1\n[legacy_sect]\nactivate = 1\n');
  return { OPENSSL_CONF: f };
}

/** A child process read line by line. */
export class LinePeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private buf = '';
  private readonly lines: string[] = [];
  private waiting: ((l: string | null) => void) | null = null;
  private closed = false;
  /** Everything it wrote to stderr. */
  stderr = '';

  /** Spawns `cmd args` with `env` added. */
  constructor(cmd: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(cmd, args, { env: { ...process.env, ...env } });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d: string) => {
      this.buf += d;
      for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
        this.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
    });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.on('close', () => {
      this.closed = true;
      this.waiting?.(null);
      this.waiting = null;
    });
  }

  private push(l: string): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w(l);
    } else this.lines.push(l);
  }

  /** The next line (null once the process has exited). Times out after `ms`. */
  read(ms = 10_000): Promise<string | null> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`peer silent for ${ms} ms; stderr: ${this.stderr}`)), ms);
      this.waiting = (x) => {
        clearTimeout(t);
        resolve(x);
      };
    });
  }

  /** `KIND <base64>` → [KIND, bytes]. */
  async message(): Promise<[string, Uint8Array, string]> {
    const l = await this.read();
    if (l === null) throw new Error(`peer exited; stderr: ${this.stderr}`);
    const i = l.indexOf(' ');
    const kind = i < 0 ? l : l.slice(0, i);
    const rest = i < 0 ? '' : l.slice(i + 1);
    return [kind, new Uint8Array(Buffer.from(rest, 'base64')), rest];
  }

  /** Writes one line. */
  send(kind: string, data: Uint8Array | string = new Uint8Array(0)): void {
    this.child.stdin.write(`${kind} ${typeof data === 'string' ? data : Buffer.from(data).toString('base64')}\n`);
  }

  /** Writes one line as it is (a verb without a blob, such as ntlm_auth's bare `YR`). */
  sendLine(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Ends the process. */
  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
