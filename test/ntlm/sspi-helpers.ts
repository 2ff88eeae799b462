/** SSPI-level helpers of the NTLM tests: a device with accounts, and the ISC/ASC loop. */
import { Device, getProfile, LPTR, type Process } from '../../device/index.js';
import {
  CredHandle,
  CtxtHandle,
  InitSecurityInterface,
  SECBUFFER_TOKEN,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NETWORK_DREP,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SEC_WINNT_AUTH_IDENTITY,
  SEC_WINNT_AUTH_IDENTITY_UNICODE,
  SecBuffer,
  SecBufferDesc,
  SecInvalidateHandle,
  TimeStamp,
  type SecurityFunctionTableW,
} from '../../sspi/index.js';
import { addNtlmAccount, registerNtlm, setNtlmLevel } from '../../ntlm/index.js';

registerNtlm();

/** A CE 2.10 handheld with the NTLM package and one local account alice/Secret1. */
export function ntlmDevice(seed = 1, level?: number, bootTimeUtc?: string): Device {
  const base = getProfile('ce210-handheld');
  // Interop peers check the NTLMv2 timestamps against their own clock: such tests boot the
  // device at the host's time.
  const profile = bootTimeUtc ? { ...base, clock: { ...base.clock, bootTimeUtc } } : base;
  const d = new Device(profile, { seed });
  addNtlmAccount(d, 'alice', { password: 'Secret1' });
  if (level !== undefined) setNtlmLevel(d, 'client', level);
  return d;
}

/** The identity of alice (or another password). */
export function aliceId(password = 'Secret1', user = 'alice', domain = 'CESIM'): SEC_WINNT_AUTH_IDENTITY {
  return new SEC_WINNT_AUTH_IDENTITY({ User: user, UserLength: user.length, Domain: domain, DomainLength: domain.length, Password: password, PasswordLength: password.length, Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE });
}

/** A copy of `data` in `p`'s heap as one TOKEN buffer. */
export function tokenIn(p: Process, data: Uint8Array): { desc: SecBufferDesc; free: () => void } {
  const a = data.length ? p.LocalAlloc(LPTR, data.length) : 0;
  if (data.length) p.write(a, data);
  return { desc: new SecBufferDesc([new SecBuffer(data.length, SECBUFFER_TOKEN, a)]), free: () => void (a && p.LocalFree(a)) };
}

/** An output descriptor with one caller TOKEN buffer of `size` bytes. */
export function tokenOut(p: Process, size: number): { desc: SecBufferDesc; free: () => void } {
  const a = size ? p.LocalAlloc(LPTR, size) : 0;
  return { desc: new SecBufferDesc([new SecBuffer(size, SECBUFFER_TOKEN, a)]), free: () => void (a && p.LocalFree(a)) };
}

/** Options of {@link ntlmLoop}. */
export interface LoopOptions {
  pkg?: string;
  auth?: SEC_WINNT_AUTH_IDENTITY | null;
  clientReq?: number;
  serverReq?: number;
  /** Changes a token in flight: leg index 0 (NEGOTIATE), 1 (CHALLENGE), 2 (AUTHENTICATE). */
  mutate?: (leg: number, t: Uint8Array) => Uint8Array;
  target?: string;
}

/** What the loop saw. */
export interface LoopResult {
  d: Device;
  client: Process;
  server: Process;
  C: SecurityFunctionTableW;
  S: SecurityFunctionTableW;
  ccred: CredHandle;
  scred: CredHandle;
  cctx: CtxtHandle;
  sctx: CtxtHandle;
  statuses: number[];
  tokens: Uint8Array[];
  clientAttrs: number;
  serverAttrs: number;
  acquire: number;
}

/** ACH both sides, then ISC → ASC → ISC → ASC with caller buffers of cbMaxToken. */
export function ntlmLoop(d: Device, o: LoopOptions = {}): LoopResult {
  const pkg = o.pkg ?? 'NTLM';
  const client = d.createProcess('client.exe');
  const server = d.createProcess('server.exe');
  const C = InitSecurityInterface(client);
  const S = InitSecurityInterface(server);
  const ccred = new CredHandle();
  const scred = new CredHandle();
  const cctx = new CtxtHandle();
  const sctx = new CtxtHandle();
  SecInvalidateHandle(cctx);
  SecInvalidateHandle(sctx);
  const r: LoopResult = { d, client, server, C, S, ccred, scred, cctx, sctx, statuses: [], tokens: [], clientAttrs: 0, serverAttrs: 0, acquire: SEC_E_OK };
  let st = C.AcquireCredentialsHandle(null, pkg, SECPKG_CRED_OUTBOUND, null, o.auth === undefined ? aliceId() : o.auth, null, null, ccred, new TimeStamp());
  if (st !== SEC_E_OK) return { ...r, acquire: st };
  st = S.AcquireCredentialsHandle(null, pkg, SECPKG_CRED_INBOUND, null, null, null, null, scred, new TimeStamp());
  if (st !== SEC_E_OK) return { ...r, acquire: st };
  const move = (from: Process, out: SecBufferDesc, to: Process, leg: number): { desc: SecBufferDesc; free: () => void } => {
    const b = out.pBuffers[0]!;
    let t = from.read(b.pvBuffer, b.cbBuffer);
    if (o.mutate) t = o.mutate(leg, t);
    r.tokens.push(t);
    return tokenIn(to, t);
  };
  const cattr = { value: 0 };
  const sattr = { value: 0 };
  let out = tokenOut(client, 1904);
  st = C.InitializeSecurityContext(ccred, null, o.target ?? 'HTTP/server', o.clientReq ?? 0, 0, SECURITY_NETWORK_DREP, null, 0, cctx, out.desc, cattr, new TimeStamp());
  r.statuses.push(st);
  if (st !== SEC_I_CONTINUE_NEEDED) return (out.free(), r);
  let inp = move(client, out.desc, server, 0);
  out.free();
  out = tokenOut(server, 1904);
  st = S.AcceptSecurityContext(scred, null, inp.desc, o.serverReq ?? 0, SECURITY_NETWORK_DREP, sctx, out.desc, sattr, new TimeStamp());
  inp.free();
  r.statuses.push(st);
  if (st !== SEC_I_CONTINUE_NEEDED) return (out.free(), r);
  inp = move(server, out.desc, client, 1);
  out.free();
  out = tokenOut(client, 1904);
  st = C.InitializeSecurityContext(ccred, cctx, o.target ?? 'HTTP/server', o.clientReq ?? 0, 0, SECURITY_NETWORK_DREP, inp.desc, 0, cctx, out.desc, cattr, new TimeStamp());
  inp.free();
  r.statuses.push(st);
  r.clientAttrs = cattr.value;
  if (st !== SEC_E_OK) return (out.free(), r);
  inp = move(client, out.desc, server, 2);
  out.free();
  out = tokenOut(server, 1904);
  st = S.AcceptSecurityContext(scred, sctx, inp.desc, o.serverReq ?? 0, SECURITY_NETWORK_DREP, sctx, out.desc, sattr, new TimeStamp());
  inp.free();
  out.free();
  r.statuses.push(st);
  r.serverAttrs = sattr.value;
  return r;
}

/** Deletes both contexts and frees both credentials. */
export function cleanup(r: LoopResult): void {
  r.C.DeleteSecurityContext(r.cctx);
  r.S.DeleteSecurityContext(r.sctx);
  r.C.FreeCredentialsHandle(r.ccred);
  r.S.FreeCredentialsHandle(r.scred);
}
