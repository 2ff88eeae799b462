/**
 * Test harness: Schannel through Security.dll's function table, written the way Microsoft's
 * Schannel samples write their handshake and read loops, with every buffer in device memory.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Device, getProfile, type Process } from '../../device/index.js';
import {
  InitSecurityInterface,
  SecBuffer,
  SecBufferDesc,
  SecHandle,
  TimeStamp,
  SCHANNEL_CRED,
  SCHANNEL_CRED_VERSION,
  UNISP_NAME,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECBUFFER_TOKEN,
  SECBUFFER_EMPTY,
  SECBUFFER_EXTRA,
  SECBUFFER_DATA,
  SECBUFFER_STREAM_HEADER,
  SECBUFFER_STREAM_TRAILER,
  SECBUFFER_APPLICATION_PROTOCOLS,
  SECPKG_ATTR_STREAM_SIZES,
  SecPkgContext_StreamSizes,
  ISC_REQ_SEQUENCE_DETECT,
  ISC_REQ_REPLAY_DETECT,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_EXTENDED_ERROR,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_STREAM,
  ISC_REQ_USE_SUPPLIED_CREDS,
  ASC_REQ_SEQUENCE_DETECT,
  ASC_REQ_REPLAY_DETECT,
  ASC_REQ_CONFIDENTIALITY,
  ASC_REQ_EXTENDED_ERROR,
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_REQ_STREAM,
  SECURITY_NATIVE_DREP,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SEC_I_INCOMPLETE_CREDENTIALS,
  SEC_E_INCOMPLETE_MESSAGE,
  type SecurityFunctionTableW,
} from '../../sspi/index.js';
import { registerSchannel, loadCertificateWithKey, schannelRootStore, CertAddEncodedCertificateToStore, parseCertificates, encodeAlpnBuffer, type CertContext } from '../../schannel/index.js';

registerSchannel();

/** The committed PKI fixtures. */
export const PKI = join(import.meta.dirname, '..', 'fixtures', 'pki');

/** Reads a fixture file as text. */
export function pem(name: string): string {
  return readFileSync(join(PKI, name), 'utf8');
}

/** The client's default request flags (curl's: 0x811C plus EXTENDED_ERROR). */
export const ISC_FLAGS =
  ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_EXTENDED_ERROR | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;
/** The server's default request flags. */
export const ASC_FLAGS =
  ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY | ASC_REQ_EXTENDED_ERROR | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM;

/** A device with the fixture roots installed in its ROOT store. */
export function makeDevice(seed: number | string = 1, profile = 'ce210-handheld', name = 'dev', timeSource?: () => number): Device {
  const device = new Device(getProfile(profile), timeSource ? { seed, name, timeSource } : { seed, name });
  const roots = parseCertificates(pem('roots.pem'));
  if (!roots.ok) throw new Error('fixture roots');
  for (const c of roots.value) CertAddEncodedCertificateToStore(schannelRootStore(device), 0x10001, c.der, 4);
  return device;
}

/** A certificate context with its key from the fixtures (e.g. `server-p256`). */
export function certWithKey(name: string): CertContext {
  const r = loadCertificateWithKey(pem(`${name}.chain.pem`), pem(`${name}.key.pem`));
  if (!r.ok) throw new Error(`fixture ${name}: ${r.error.detail}`);
  return r.value;
}

/** One SSPI endpoint: a process, its function table, credential and context. */
export class Endpoint {
  readonly sspi: SecurityFunctionTableW;
  readonly cred = new SecHandle();
  readonly ctx = new SecHandle();
  hasCtx = false;
  attrs = { value: 0 };
  readonly expiry = new TimeStamp();
  /** Bytes received and not yet consumed. */
  inbox = new Uint8Array(0);
  statuses: number[] = [];

  constructor(
    readonly process: Process,
    readonly role: 'client' | 'server',
    readonly targetName: string | null = 'localhost',
    public flags = role === 'client' ? ISC_FLAGS : ASC_FLAGS,
  ) {
    this.sspi = InitSecurityInterface(process);
  }

  /** AcquireCredentialsHandle with an SCHANNEL_CRED. */
  acquire(cred: Partial<SCHANNEL_CRED> = {}): number {
    const sc = new SCHANNEL_CRED({ dwVersion: SCHANNEL_CRED_VERSION, ...cred });
    return this.sspi.AcquireCredentialsHandle(null, UNISP_NAME, this.role === 'client' ? SECPKG_CRED_OUTBOUND : SECPKG_CRED_INBOUND, null, sc, null, null, this.cred, new TimeStamp());
  }

  /** Writes bytes into a fresh LocalAlloc block; returns its address. */
  alloc(data: Uint8Array): number {
    const addr = this.process.LocalAlloc(0x40, Math.max(1, data.length));
    if (addr === 0) throw new Error('LocalAlloc failed');
    if (data.length) this.process.write(addr, data);
    return addr;
  }

  /**
   * One ISC/ASC call with the inbox as input. Returns the status and the token to send (read
   * from device memory and released with FreeContextBuffer). Handles SECBUFFER_EXTRA.
   */
  step(alpn?: string[]): { status: number; token: Uint8Array } {
    const inAddr = this.inbox.length ? this.alloc(this.inbox) : 0;
    const inBufs = [new SecBuffer(this.inbox.length, SECBUFFER_TOKEN, inAddr), new SecBuffer(0, SECBUFFER_EMPTY, 0)];
    let alpnAddr = 0;
    if (alpn && (!this.hasCtx || this.role === 'server')) {
      const b = encodeAlpnBuffer(alpn);
      alpnAddr = this.alloc(b);
      inBufs.push(new SecBuffer(b.length, SECBUFFER_APPLICATION_PROTOCOLS, alpnAddr));
    }
    const input = new SecBufferDesc(inBufs);
    const output = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    let status: number;
    if (this.role === 'client') {
      status = this.sspi.InitializeSecurityContext(
        this.hasCtx ? null : this.cred,
        this.hasCtx ? this.ctx : null,
        this.targetName,
        this.flags,
        0,
        SECURITY_NATIVE_DREP,
        this.hasCtx && this.inbox.length === 0 && !alpn ? null : input,
        0,
        this.ctx,
        output,
        this.attrs,
        this.expiry,
      );
    } else {
      status = this.sspi.AcceptSecurityContext(this.cred, this.hasCtx ? this.ctx : null, input, this.flags, SECURITY_NATIVE_DREP, this.ctx, output, this.attrs, this.expiry);
    }
    this.statuses.push(status);
    if (status === SEC_E_OK || status === SEC_I_CONTINUE_NEEDED || status === SEC_I_INCOMPLETE_CREDENTIALS) this.hasCtx = true;
    const out = output.pBuffers[0]!;
    const token = out.cbBuffer && out.pvBuffer ? this.process.read(out.pvBuffer, out.cbBuffer) : new Uint8Array(0);
    if (out.pvBuffer && this.flags & (this.role === 'client' ? ISC_REQ_ALLOCATE_MEMORY : ASC_REQ_ALLOCATE_MEMORY)) this.sspi.FreeContextBuffer(out.pvBuffer);
    if (status !== SEC_E_INCOMPLETE_MESSAGE) {
      const extra = inBufs[1]!.BufferType === SECBUFFER_EXTRA ? inBufs[1]!.cbBuffer : 0;
      this.inbox = extra ? this.inbox.slice(this.inbox.length - extra) : new Uint8Array(0);
    }
    if (inAddr) this.process.LocalFree(inAddr);
    if (alpnAddr) this.process.LocalFree(alpnAddr);
    return { status, token };
  }

  /** Stream sizes of the established context. */
  streamSizes(): SecPkgContext_StreamSizes {
    const s = new SecPkgContext_StreamSizes();
    this.sspi.QueryContextAttributes(this.ctx, SECPKG_ATTR_STREAM_SIZES, s);
    return s;
  }

  /** EncryptMessage of `data` as one record: [HEADER, DATA, TRAILER, EMPTY] in one block. */
  encrypt(data: Uint8Array): { status: number; record: Uint8Array } {
    const z = this.streamSizes();
    const addr = this.process.LocalAlloc(0x40, z.cbHeader + data.length + z.cbTrailer);
    this.process.write(addr + z.cbHeader, data);
    const desc = new SecBufferDesc([
      new SecBuffer(z.cbHeader, SECBUFFER_STREAM_HEADER, addr),
      new SecBuffer(data.length, SECBUFFER_DATA, addr + z.cbHeader),
      new SecBuffer(z.cbTrailer, SECBUFFER_STREAM_TRAILER, addr + z.cbHeader + data.length),
      new SecBuffer(0, SECBUFFER_EMPTY, 0),
    ]);
    const status = this.sspi.EncryptMessage(this.ctx, 0, desc, 0);
    const len = desc.pBuffers[0]!.cbBuffer + desc.pBuffers[1]!.cbBuffer + desc.pBuffers[2]!.cbBuffer;
    const record = status === SEC_E_OK ? this.process.read(addr, len) : new Uint8Array(0);
    this.process.LocalFree(addr);
    return { status, record };
  }

  /** Encrypts `data` in records of at most cbMaximumMessage bytes; returns them concatenated. */
  encryptAll(data: Uint8Array): { status: number; records: Uint8Array } {
    const max = this.streamSizes().cbMaximumMessage;
    const parts: Uint8Array[] = [];
    let status = 0;
    for (let o = 0; o < data.length && status === 0; o += max) {
      const r = this.encrypt(data.subarray(o, Math.min(data.length, o + max)));
      status = r.status;
      parts.push(r.record);
    }
    const records = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      records.set(p, o);
      o += p.length;
    }
    return { status, records };
  }

  /**
   * The DecryptMessage read loop over the inbox: returns the plaintext of every whole record and
   * the last status (SEC_E_INCOMPLETE_MESSAGE when bytes remain for a later call).
   */
  decryptAll(): { status: number; plaintext: Uint8Array; statuses: number[] } {
    const chunks: Uint8Array[] = [];
    const statuses: number[] = [];
    let status = SEC_E_OK;
    while (this.inbox.length > 0) {
      const addr = this.alloc(this.inbox);
      const desc = new SecBufferDesc([
        new SecBuffer(this.inbox.length, SECBUFFER_DATA, addr),
        new SecBuffer(0, SECBUFFER_EMPTY, 0),
        new SecBuffer(0, SECBUFFER_EMPTY, 0),
        new SecBuffer(0, SECBUFFER_EMPTY, 0),
      ]);
      status = this.sspi.DecryptMessage(this.ctx, desc, 0, null);
      statuses.push(status);
      if (status === SEC_E_INCOMPLETE_MESSAGE) {
        this.process.LocalFree(addr);
        break;
      }
      if (status !== SEC_E_OK && status !== 0x00090321 && status !== 0x00090317) {
        // A failure leaves the buffers as they were: there is no plaintext to read.
        this.process.LocalFree(addr);
        break;
      }
      const data = desc.pBuffers.find((b) => b.BufferType === SECBUFFER_DATA);
      if (data && data.cbBuffer) chunks.push(this.process.read(data.pvBuffer, data.cbBuffer));
      const extra = desc.pBuffers.find((b) => b.BufferType === SECBUFFER_EXTRA);
      this.inbox = extra ? this.inbox.slice(this.inbox.length - extra.cbBuffer) : new Uint8Array(0);
      this.process.LocalFree(addr);
      if (status !== SEC_E_OK) break;
    }
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const plaintext = new Uint8Array(total);
    let o = 0;
    for (const c of chunks) {
      plaintext.set(c, o);
      o += c.length;
    }
    return { status, plaintext, statuses };
  }

  /** Appends received bytes. */
  receive(bytes: Uint8Array): void {
    const n = new Uint8Array(this.inbox.length + bytes.length);
    n.set(this.inbox);
    n.set(bytes, this.inbox.length);
    this.inbox = n;
  }
}

/**
 * Runs the handshake between two endpoints in memory. Returns the final statuses and the number
 * of round trips. `incompleteCreds` re-calls ISC after SEC_I_INCOMPLETE_CREDENTIALS with
 * ISC_REQ_USE_SUPPLIED_CREDS (check 49).
 */
export function handshake(client: Endpoint, server: Endpoint, opts: { alpnClient?: string[]; alpnServer?: string[]; maxLegs?: number } = {}) {
  let c = client.step(opts.alpnClient);
  let sStatus = SEC_I_CONTINUE_NEEDED;
  let cStatus = c.status;
  let legs = 0;
  while (legs++ < (opts.maxLegs ?? 20)) {
    if (c.token.length) server.receive(c.token);
    if (sStatus !== SEC_E_OK || server.inbox.length) {
      if (server.inbox.length) {
        const s = server.step(opts.alpnServer);
        sStatus = s.status;
        if (s.token.length) client.receive(s.token);
        if (sStatus !== SEC_E_OK && sStatus !== SEC_I_CONTINUE_NEEDED) break;
      }
    }
    if (cStatus === SEC_E_OK && sStatus === SEC_E_OK) break;
    if (cStatus === SEC_E_OK) {
      c = { status: SEC_E_OK, token: new Uint8Array(0) };
      if (!server.inbox.length) break;
      continue;
    }
    if (cStatus === SEC_I_INCOMPLETE_CREDENTIALS) {
      client.flags |= ISC_REQ_USE_SUPPLIED_CREDS;
      c = client.step();
    } else {
      if (!client.inbox.length) break;
      c = client.step();
    }
    cStatus = c.status;
    if (cStatus !== SEC_E_OK && cStatus !== SEC_I_CONTINUE_NEEDED && cStatus !== SEC_I_INCOMPLETE_CREDENTIALS) break;
    if (cStatus === SEC_E_OK && c.token.length) server.receive(c.token), (c = { status: SEC_E_OK, token: new Uint8Array(0) });
  }
  return { client: cStatus, server: sStatus, legs };
}
