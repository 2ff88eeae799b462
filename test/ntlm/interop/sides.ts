/** cesim's NTLM client and server through Security.dll, one call per leg, for the interop tests. */
import { LPTR, type Device, type Process } from '../../../device/index.js';
import {
  CredHandle,
  CtxtHandle,
  InitSecurityInterface,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NETWORK_DREP,
  SEC_E_OK,
  SecBuffer,
  SecBufferDesc,
  SecInvalidateHandle,
  TimeStamp,
  type SEC_WINNT_AUTH_IDENTITY,
  type SecurityFunctionTableW,
} from '../../../sspi/index.js';

/** One side of a context. */
export class CesimSide {
  readonly p: Process;
  readonly T: SecurityFunctionTableW;
  readonly cred = new CredHandle();
  readonly ctx = new CtxtHandle();
  private started = false;
  /** Status of AcquireCredentialsHandle. */
  readonly acquire: number;

  /** @param server ASC side (else ISC) */
  constructor(
    d: Device,
    readonly server: boolean,
    auth: SEC_WINNT_AUTH_IDENTITY | null,
    readonly req = 0,
    readonly pkg = 'NTLM',
  ) {
    this.p = d.createProcess(server ? 'srv.exe' : 'cli.exe');
    this.T = InitSecurityInterface(this.p);
    SecInvalidateHandle(this.ctx);
    this.acquire = this.T.AcquireCredentialsHandle(null, pkg, server ? SECPKG_CRED_INBOUND : SECPKG_CRED_OUTBOUND, null, auth, null, null, this.cred, new TimeStamp());
  }

  /** One ISC/ASC call with `input` (null on the client's first call). */
  step(input: Uint8Array | null): { status: number; out: Uint8Array } {
    const p = this.p;
    const ia = input && input.length ? p.LocalAlloc(LPTR, input.length) : 0;
    if (input && ia) p.write(ia, input);
    const inDesc = input ? new SecBufferDesc([new SecBuffer(input.length, SECBUFFER_TOKEN, ia)]) : null;
    const oa = p.LocalAlloc(LPTR, 4096);
    const outDesc = new SecBufferDesc([new SecBuffer(4096, SECBUFFER_TOKEN, oa)]);
    const attrs = { value: 0 };
    const first = !this.started;
    const status = this.server
      ? this.T.AcceptSecurityContext(this.cred, first ? null : this.ctx, inDesc, this.req, SECURITY_NETWORK_DREP, this.ctx, outDesc, attrs, new TimeStamp())
      : this.T.InitializeSecurityContext(this.cred, first ? null : this.ctx, 'HTTP/peer', this.req, 0, SECURITY_NETWORK_DREP, inDesc, 0, this.ctx, outDesc, attrs, new TimeStamp());
    this.started = true;
    const b = outDesc.pBuffers[0]!;
    const out = b.cbBuffer > 0 && b.cbBuffer <= 4096 ? p.read(oa, b.cbBuffer) : new Uint8Array(0);
    if (ia) p.LocalFree(ia);
    p.LocalFree(oa);
    return { status, out };
  }

  /** EncryptMessage over [TOKEN 16, DATA]: returns signature ‖ ciphertext (the GSS wrap layout). */
  seal(data: Uint8Array): { status: number; wrapped: Uint8Array } {
    const p = this.p;
    const t = p.LocalAlloc(LPTR, 16);
    const m = p.LocalAlloc(LPTR, Math.max(1, data.length));
    p.write(m, data);
    const status = this.T.EncryptMessage(this.ctx, 0, new SecBufferDesc([new SecBuffer(16, SECBUFFER_TOKEN, t), new SecBuffer(data.length, SECBUFFER_DATA, m)]), 0);
    const wrapped = new Uint8Array(16 + data.length);
    wrapped.set(p.read(t, 16));
    wrapped.set(p.read(m, data.length), 16);
    p.LocalFree(t);
    p.LocalFree(m);
    return { status, wrapped };
  }

  /** DecryptMessage of signature ‖ ciphertext. */
  unseal(wrapped: Uint8Array): { status: number; plain: Uint8Array } {
    const p = this.p;
    const n = wrapped.length - 16;
    const t = p.LocalAlloc(LPTR, 16);
    const m = p.LocalAlloc(LPTR, Math.max(1, n));
    p.write(t, wrapped.subarray(0, 16));
    p.write(m, wrapped.subarray(16));
    const status = this.T.DecryptMessage(this.ctx, new SecBufferDesc([new SecBuffer(16, SECBUFFER_TOKEN, t), new SecBuffer(n, SECBUFFER_DATA, m)]), 0, null);
    const plain = p.read(m, n);
    p.LocalFree(t);
    p.LocalFree(m);
    return { status, plain };
  }

  /** Deletes the context and the credential. */
  close(): void {
    this.T.DeleteSecurityContext(this.ctx);
    this.T.FreeCredentialsHandle(this.cred);
  }
}

export { SEC_E_OK };
