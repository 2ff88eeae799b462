/**
 * Schannel through SSPI over a real socket (TEST harness only): the Microsoft-sample-style
 * InitializeSecurityContext / AcceptSecurityContext loop and the DecryptMessage read loop
 * (SECBUFFER_EXTRA, SEC_I_RENEGOTIATE), on the {@link Endpoint} of test/schannel/harness.ts,
 * and a device that lives in real time with a test-time CA in its ROOT store.
 */
import net from 'node:net';
import { once } from 'node:events';
import { Device, getProfile } from '../../device/index.js';
import { CertAddEncodedCertificateToStore, parseCertificates, schannelRootStore } from '../../schannel/index.js';
import {
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SEC_I_INCOMPLETE_CREDENTIALS,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_I_CONTEXT_EXPIRED,
  SEC_I_RENEGOTIATE,
  ISC_REQ_USE_SUPPLIED_CREDS,
} from '../../sspi/index.js';
import type { Endpoint } from '../schannel/harness.js';

/** Reads from a socket into an endpoint's inbox; callers wait for more with {@link Pump.more}. */
export class Pump {
  private waiters: (() => void)[] = [];
  closed = false;
  constructor(
    readonly sock: net.Socket,
    readonly ep: Endpoint,
  ) {
    sock.on('data', (d: Buffer) => {
      ep.receive(new Uint8Array(d));
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    sock.on('error', () => {
      this.closed = true;
      this.wake();
    });
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }
  /** Waits for more bytes (or close). */
  more(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }
  /** Writes bytes to the socket (nothing when empty or closed). */
  send(b: Uint8Array): void {
    if (b.length && !this.sock.destroyed) this.sock.write(b);
  }
}

/** The Microsoft-sample handshake loop over a real socket. Returns the final status (-1: peer closed). */
export async function sspiHandshake(ep: Endpoint, pump: Pump, alpn?: string[]): Promise<number> {
  let first = true;
  let again = false;
  for (let i = 0; i < 50; i++) {
    if (!first && !again && ep.inbox.length === 0) {
      await pump.more();
      if (pump.closed && ep.inbox.length === 0) return -1;
    }
    const r = ep.step(first || ep.role === 'server' ? alpn : undefined);
    first = false;
    again = false;
    pump.send(r.token);
    if (r.status === SEC_E_OK) return r.status;
    if (r.status === SEC_I_INCOMPLETE_CREDENTIALS) {
      // Check 49: call again (now with USE_SUPPLIED_CREDS) without reading the socket.
      ep.flags |= ISC_REQ_USE_SUPPLIED_CREDS;
      again = true;
      continue;
    }
    if (r.status === SEC_E_INCOMPLETE_MESSAGE) {
      if (pump.closed) return r.status;
      await pump.more();
      continue;
    }
    if (r.status !== SEC_I_CONTINUE_NEEDED) return r.status;
    if (ep.inbox.length) continue; // EXTRA: call again without reading
  }
  return -2;
}

/** The read loop: decrypts until `want` bytes arrived or the peer closed. */
export async function sspiRead(ep: Endpoint, pump: Pump, want: number): Promise<{ data: Uint8Array; status: number; seen: number[] }> {
  const chunks: Uint8Array[] = [];
  const seen: number[] = [];
  let n = 0;
  let status = SEC_E_OK;
  while (n < want) {
    if (ep.inbox.length === 0) {
      if (pump.closed) break;
      await pump.more();
      continue;
    }
    const r = ep.decryptAll();
    if (r.plaintext.length) {
      chunks.push(r.plaintext);
      n += r.plaintext.length;
    }
    status = r.status;
    seen.push(...r.statuses);
    if (status === SEC_I_RENEGOTIATE) {
      // A post-handshake message needs an answer: ISC/ASC returns it.
      const s = ep.step();
      pump.send(s.token);
      continue;
    }
    if (status === SEC_I_CONTEXT_EXPIRED) break;
    if (status !== SEC_E_OK && status !== SEC_E_INCOMPLETE_MESSAGE) break;
    if (status === SEC_E_INCOMPLETE_MESSAGE) {
      if (pump.closed) break;
      await pump.more();
    }
  }
  const data = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    data.set(c, o);
    o += c.length;
  }
  return { data, status, seen };
}

/** Connects an endpoint to 127.0.0.1:port and returns the socket and its pump. */
export async function connectEndpoint(ep: Endpoint, port: number): Promise<{ sock: net.Socket; pump: Pump }> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  return { sock, pump: new Pump(sock, ep) };
}

/**
 * A device whose wall clock boots at the host's current time (so certificates made by the test
 * are valid), with `rootsPem` in its ROOT store.
 */
export function liveDevice(seed: number | string, name: string, rootsPem: string[], profile = 'ce210-handheld'): Device {
  const base = getProfile(profile);
  const device = new Device({ ...base, clock: { ...base.clock, bootTimeUtc: new Date().toISOString() } }, { seed, name });
  for (const pem of rootsPem) {
    const roots = parseCertificates(pem);
    if (!roots.ok) throw new Error('roots PEM');
    for (const c of roots.value) CertAddEncodedCertificateToStore(schannelRootStore(device), 0x10001, c.der, 4);
  }
  return device;
}
