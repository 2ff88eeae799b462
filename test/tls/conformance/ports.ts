/**
 * The server under test, as the conformance scripts reach it: either the TLS engine in process
 * (`createServer` / the TLS 1.2 server over a test environment), or a Schannel server context
 * on an emulated device driven through Security.dll's function table exactly as `cesim serve`
 * drives it (emulator/programs/tls-session.ts): the `AcceptSecurityContext` loop with
 * `SECBUFFER_EXTRA`, then the `DecryptMessage` read loop, `SEC_I_RENEGOTIATE` answered by one
 * more ASC, and after a failed `DecryptMessage` one more ASC whose token is the fatal alert.
 *
 * Every port says what went out on the wire and whether the connection failed, and can list
 * the blocks it still holds once it is disposed (the leak check).
 */
import {
  ASC_RET_EXTENDED_ERROR, SecBuffer, SecBufferDesc, SECBUFFER_DATA, SECBUFFER_EMPTY, SECBUFFER_EXTRA, SEC_E_INCOMPLETE_MESSAGE, SEC_E_INVALID_TOKEN, SEC_E_OK,
  SEC_I_CONTEXT_EXPIRED, SEC_I_CONTINUE_NEEDED, SEC_I_RENEGOTIATE, SCH_CRED_NO_DEFAULT_CREDS, statusName,
} from '../../../sspi/index.js';
import type { Device } from '../../../device/index.js';
import type { TlsError } from '../../../schannel/tls/index.js';
import { SCHANNEL_REGISTRY_KEY } from '../../../schannel/index.js';
import { certWithKey, Endpoint, makeDevice } from '../../schannel/harness.js';

/** What a server said in answer to one batch of bytes. */
export interface PortAnswer {
  /** Bytes the server sent. */
  output: Uint8Array;
  /** Whether the connection failed in this batch (or before). */
  failed: boolean;
  /** The engine error (engine ports) or the SSPI status name (SSPI ports) of the failure. */
  error?: TlsError;
  status?: string;
  /** Application data the server read. */
  plaintext: Uint8Array[];
  /** Whether the peer's close_notify was seen. */
  closed: boolean;
}

/** One server connection the script talks to. */
export interface ServerPort {
  /** Feeds bytes as they arrive from the client; returns what went out. */
  feed(bytes: Uint8Array): PortAnswer;
  /** Whether the server considers the handshake complete. */
  readonly complete: boolean;
  /** Frees the connection; returns a description of every block still held (must be empty). */
  dispose(): string[];
}

/** The engine-shaped surface an {@link EnginePort} drives (TLS 1.3 and TLS 1.2 servers share it). */
export interface EngineLike {
  readonly handshakeComplete: boolean;
  readonly failed: boolean;
  receive(input: Uint8Array): { consumed: number; output: Uint8Array; error?: TlsError };
  open(input: Uint8Array): { consumed: number; output: Uint8Array; plaintext: Uint8Array; contentType?: number; events: readonly { type: string }[]; error?: TlsError };
  dispose(): void;
}

const cat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** The engine in process: receive() during the handshake, open() record by record after it. */
export class EnginePort implements ServerPort {
  private pending = new Uint8Array(0);
  private error: TlsError | undefined;

  constructor(readonly engine: EngineLike, private readonly leaks: () => string[]) {}

  get complete(): boolean {
    return this.engine.handshakeComplete;
  }

  feed(bytes: Uint8Array): PortAnswer {
    const out: Uint8Array[] = [];
    const plaintext: Uint8Array[] = [];
    let closed = false;
    let rest = cat([this.pending, bytes]);
    while (!this.error && rest.length > 0) {
      if (!this.engine.handshakeComplete) {
        const r = this.engine.receive(rest);
        out.push(r.output);
        this.error = r.error;
        rest = rest.subarray(r.consumed);
        if (r.consumed === 0 || (!this.engine.handshakeComplete && !r.error)) break;
      } else {
        const o = this.engine.open(rest);
        out.push(o.output);
        this.error = o.error;
        if (o.contentType === 23 && !o.error) plaintext.push(o.plaintext);
        if (o.events.some((e) => e.type === 'closeNotify')) closed = true;
        if (o.consumed === 0) break;
        rest = rest.subarray(o.consumed);
      }
    }
    this.pending = this.error ? new Uint8Array(0) : rest.slice();
    const a: PortAnswer = { output: cat(out), failed: this.error !== undefined, plaintext, closed };
    if (this.error) a.error = this.error;
    return a;
  }

  dispose(): string[] {
    this.engine.dispose();
    return this.leaks();
  }
}

/** A device with a server credential, shared by the connections of a test (one ticket key). */
export class SspiServerHost {
  readonly device: Device;
  readonly cred: Endpoint;
  /** Live pool blocks before the credential was acquired: anything else left at the end is a leak. */
  private readonly baseline: Set<string>;
  private connections = 0;

  /**
   * @param seed device seed
   * @param opts `cert`: a fixture name (server-p256, server-rsa2048 …); `protocols`: grbitEnabledProtocols (0: the
   *   package default, TLS 1.2 and 1.3 for a server, as `cesim serve` runs)
   */
  constructor(seed: string, readonly opts: { cert?: string; protocols?: number; registry?: [string, string, number][] } = {}) {
    this.device = makeDevice(seed);
    // Schannel settings (`[subkey of SCHANNEL, value name, DWORD]`), as an installer writes them.
    for (const [sub, name, value] of opts.registry ?? []) {
      const key = sub ? `${SCHANNEL_REGISTRY_KEY}\\${sub}` : SCHANNEL_REGISTRY_KEY;
      this.device.registry.createKey(key);
      this.device.registry.setValue(key, name, value);
    }
    this.baseline = new Set(this.device.leakReport().map((e) => `${e.pool}@${e.addr}`));
    this.cred = new Endpoint(this.device.createProcess('serve.exe'), 'server');
    const st = this.cred.acquire({ cCreds: 1, paCred: [certWithKey(opts.cert ?? 'server-p256')], grbitEnabledProtocols: opts.protocols ?? 0, dwFlags: SCH_CRED_NO_DEFAULT_CREDS });
    if (st !== SEC_E_OK) throw new Error(`AcquireCredentialsHandle: ${statusName(st)}`);
  }

  /** A new connection on the shared credential. */
  connect(): SspiPort {
    this.connections++;
    return new SspiPort(this);
  }

  /** Frees the credential once every connection is gone; returns blocks left behind. */
  release(): string[] {
    this.cred.sspi.FreeCredentialsHandle(this.cred.cred);
    return this.device
      .leakReport()
      .filter((e) => !this.baseline.has(`${e.pool}@${e.addr}`))
      .map((e) => `${e.pool} ${e.size} B ${e.owner.tag}`);
  }
}

/** One server context driven as `cesim serve` drives it. */
export class SspiPort implements ServerPort {
  private readonly ep: Endpoint;
  private phase: 'handshake' | 'established' | 'failed' | 'closed' = 'handshake';
  private status: string | undefined;

  constructor(readonly host: SspiServerHost, private readonly ownsHost = false) {
    this.ep = new Endpoint(host.cred.process, 'server');
    this.ep.cred.dwLower = host.cred.cred.dwLower;
    this.ep.cred.dwUpper = host.cred.cred.dwUpper;
  }

  /** A port on its own device and credential, released with it. */
  static standalone(seed: string, opts: { cert?: string; protocols?: number; registry?: [string, string, number][] } = {}): SspiPort {
    return new SspiPort(new SspiServerHost(seed, opts), true);
  }

  get complete(): boolean {
    return this.phase === 'established' || this.phase === 'closed';
  }

  /** This context's tag prefix (`schannel.context#N.`), learnt at the first ASC. */
  private tagPrefix: string | null = null;
  /** Whether the failure left the context usable (see feed). */
  private contextAlive = false;
  private started = false;

  private contextIds(): Set<string> {
    const ids = new Set<string>();
    for (const e of this.host.device.leakReport()) {
      const m = /^schannel\.context#(\d+)\./.exec(e.owner.tag);
      if (m) ids.add(m[1]!);
    }
    return ids;
  }

  /** This context's blocks (tagged `schannel.context#N.…`), still held now. */
  contextBlocks(): string[] {
    const prefix = this.tagPrefix;
    if (prefix === null) return [];
    return this.host.device.leakReport().filter((e) => e.owner.tag.startsWith(prefix)).map((e) => `${e.size} B ${e.owner.tag}`);
  }

  feed(bytes: Uint8Array): PortAnswer {
    const out: Uint8Array[] = [];
    const plaintext: Uint8Array[] = [];
    let closed = false;
    if (this.phase === 'failed' || this.phase === 'closed') return { output: new Uint8Array(0), failed: this.phase === 'failed', status: this.status, plaintext, closed };
    this.ep.receive(bytes);
    while (this.phase === 'handshake' && this.ep.inbox.length > 0) {
      const before = this.started ? null : this.contextIds();
      const r = this.ep.step();
      if (before !== null) {
        this.started = true;
        const mine = [...this.contextIds()].find((id) => !before.has(id));
        if (mine !== undefined) this.tagPrefix = `schannel.context#${mine}.`;
      }
      const failure = (r.status & 0x80000000) !== 0;
      if (r.status === SEC_E_OK || r.status === SEC_I_CONTINUE_NEEDED || (failure && (this.ep.attrs.value & ASC_RET_EXTENDED_ERROR) !== 0)) out.push(r.token);
      if (r.status === SEC_E_INCOMPLETE_MESSAGE) break;
      if (failure) {
        this.fail(r.status);
        // Bytes that are not a TLS record: SEC_E_INVALID_TOKEN with no token, and the context
        // stays usable (sspi-behaviour.md checks 38–41); its state goes at DeleteSecurityContext.
        if (r.status === SEC_E_INVALID_TOKEN && r.token.length === 0) this.contextAlive = true;
        break;
      }
      if (r.status === SEC_E_OK) this.phase = 'established';
    }
    while (this.phase === 'established' && this.ep.inbox.length > 0) {
      const addr = this.ep.alloc(this.ep.inbox);
      const desc = new SecBufferDesc([
        new SecBuffer(this.ep.inbox.length, SECBUFFER_DATA, addr),
        new SecBuffer(0, SECBUFFER_EMPTY, 0),
        new SecBuffer(0, SECBUFFER_EMPTY, 0),
        new SecBuffer(0, SECBUFFER_EMPTY, 0),
      ]);
      const st = this.ep.sspi.DecryptMessage(this.ep.ctx, desc, 0, null);
      if (st === SEC_E_INCOMPLETE_MESSAGE) {
        this.ep.process.LocalFree(addr);
        break;
      }
      if (st !== SEC_E_OK && st !== SEC_I_RENEGOTIATE && st !== SEC_I_CONTEXT_EXPIRED) {
        this.ep.process.LocalFree(addr);
        this.ep.inbox = new Uint8Array(0);
        // The serve loop's sendFailureAlert: one more ASC without input hands out the alert.
        const a = this.ep.step();
        if (a.status === SEC_E_OK) out.push(a.token);
        this.fail(st);
        break;
      }
      const data = desc.pBuffers.find((b, i) => i > 0 && b.BufferType === SECBUFFER_DATA);
      if (data && st !== SEC_I_CONTEXT_EXPIRED) plaintext.push(this.ep.process.read(data.pvBuffer, data.cbBuffer));
      const extra = desc.pBuffers.find((b) => b.BufferType === SECBUFFER_EXTRA);
      this.ep.inbox = extra ? this.ep.inbox.slice(this.ep.inbox.length - extra.cbBuffer) : new Uint8Array(0);
      this.ep.process.LocalFree(addr);
      if (st === SEC_I_CONTEXT_EXPIRED) {
        closed = true;
        this.phase = 'closed';
        break;
      }
      if (st === SEC_I_RENEGOTIATE) {
        // The serve loop's postHandshake: one ASC with the buffered bytes; its token is sent.
        const r = this.ep.step();
        if (r.status !== SEC_E_OK && r.status !== SEC_I_CONTINUE_NEEDED) {
          this.fail(r.status);
          break;
        }
        out.push(r.token);
      }
    }
    const a: PortAnswer = { output: cat(out), failed: this.isFailed(), plaintext, closed };
    if (this.status) a.status = this.status;
    return a;
  }

  private isFailed(): boolean {
    return this.phase === 'failed';
  }

  private fail(status: number): void {
    this.phase = 'failed';
    this.status = statusName(status);
  }

  dispose(): string[] {
    // A failed context has released its TLS state already (before DeleteSecurityContext).
    // (The user-mode half, `.user`, belongs to the handle and goes with DeleteSecurityContext.)
    const heldAfterFailure = this.phase === 'failed' && !this.contextAlive ? this.contextBlocks().filter((h) => !h.endsWith('.user')).map((h) => `held after failure: ${h}`) : [];
    this.ep.sspi.DeleteSecurityContext(this.ep.ctx);
    const left = [...heldAfterFailure, ...this.contextBlocks()];
    return this.ownsHost ? [...left, ...this.host.release()] : left;
  }
}
