/** Helpers of the Negotiate tests: a device with NTLM and Negotiate, and the SPNEGO ISC/ASC loop. */
import { Device, getProfile, type Process } from '../../device/index.js';
import {
  AddSecurityPackage,
  CredHandle,
  CtxtHandle,
  InitSecurityInterface,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NETWORK_DREP,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SEC_WINNT_AUTH_IDENTITY,
  SecInvalidateHandle,
  TimeStamp,
  type SecurityFunctionTableW,
} from '../../sspi/index.js';
import { addNtlmAccount, setNtlmLevel } from '../../ntlm/index.js';
import { NEGOTIATE_DLL } from '../../negotiate/index.js';
import { aliceId, tokenIn, tokenOut } from '../ntlm/sspi-helpers.js';

/** A CE 2.10 handheld with NTLM and Negotiate and one local account alice/Secret1. */
export function negoDevice(seed = 1, level?: number, bootTimeUtc?: string): Device {
  const base = getProfile('ce210-handheld');
  const profile = bootTimeUtc ? { ...base, clock: { ...base.clock, bootTimeUtc } } : base;
  const d = new Device(profile, { seed });
  if (!(profile.securityPackages ?? []).includes(NEGOTIATE_DLL)) AddSecurityPackage(d, NEGOTIATE_DLL);
  addNtlmAccount(d, 'alice', { password: 'Secret1' });
  if (level !== undefined) setNtlmLevel(d, 'client', level);
  return d;
}

/** The account, identity and token-buffer helpers are the NTLM tests' own. */
export { aliceId, tokenIn, tokenOut };

/** Options of {@link negoLoop}. */
export interface LoopOptions {
  auth?: SEC_WINNT_AUTH_IDENTITY | null;
  clientReq?: number;
  serverReq?: number;
  /** Changes a token in flight: leg 0 (NegTokenInit), 1 (CHALLENGE), 2 (AUTHENTICATE), 3 (accept-completed). */
  mutate?: (leg: number, t: Uint8Array) => Uint8Array;
  /** Size of the caller's output buffers (default cbMaxToken 12000). */
  outSize?: number;
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

/** ACH both sides, then ISC → ASC → ISC → ASC → ISC until both are done (check 108's loop). */
export function negoLoop(d: Device, o: LoopOptions = {}): LoopResult {
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
  let st = C.AcquireCredentialsHandle(null, 'Negotiate', SECPKG_CRED_OUTBOUND, null, o.auth === undefined ? aliceId() : o.auth, null, null, ccred, new TimeStamp());
  if (st !== SEC_E_OK) return { ...r, acquire: st };
  st = S.AcquireCredentialsHandle(null, 'Negotiate', SECPKG_CRED_INBOUND, null, null, null, null, scred, new TimeStamp());
  if (st !== SEC_E_OK) return { ...r, acquire: st };
  const size = o.outSize ?? 12000;
  const cattr = { value: 0 };
  const sattr = { value: 0 };
  let input: Uint8Array | null = null;
  let clientDone = false;
  let serverDone = false;
  for (let leg = 0; leg < 6; leg++) {
    const clientTurn = leg % 2 === 0;
    if (clientTurn && clientDone) break;
    const p = clientTurn ? client : server;
    const inp = input ? tokenIn(p, input) : null;
    const out = tokenOut(p, size);
    if (clientTurn) {
      st = C.InitializeSecurityContext(ccred, leg === 0 ? null : cctx, 'HTTP/server', o.clientReq ?? 0, 0, SECURITY_NETWORK_DREP, inp?.desc ?? null, 0, cctx, out.desc, cattr, new TimeStamp());
      r.clientAttrs = cattr.value;
    } else {
      st = S.AcceptSecurityContext(scred, leg === 1 ? null : sctx, inp!.desc, o.serverReq ?? 0, SECURITY_NETWORK_DREP, sctx, out.desc, sattr, new TimeStamp());
      r.serverAttrs = sattr.value;
    }
    inp?.free();
    r.statuses.push(st);
    if (st !== SEC_E_OK && st !== SEC_I_CONTINUE_NEEDED) {
      out.free();
      return r;
    }
    if (clientTurn) clientDone = st === SEC_E_OK;
    else serverDone = st === SEC_E_OK;
    const b = out.desc.pBuffers[0]!;
    let t = p.read(b.pvBuffer, b.cbBuffer);
    out.free();
    if (t.length === 0) {
      input = null;
      if (clientDone && serverDone) break;
      if (!clientTurn) break;
      continue;
    }
    if (o.mutate) t = o.mutate(leg, t);
    r.tokens.push(t);
    input = t;
    if (clientDone && serverDone) break;
  }
  return r;
}

/** Deletes both contexts and frees both credentials. */
export function cleanup(r: LoopResult): void {
  r.C.DeleteSecurityContext(r.cctx);
  r.S.DeleteSecurityContext(r.sctx);
  r.C.FreeCredentialsHandle(r.ccred);
  r.S.FreeCredentialsHandle(r.scred);
}

/** A leak report filter covering Negotiate, the inner NTLM and Security.dll's own blocks. */
export const NEGO_TAGS = /^(Negotiate|NTLM|sspi)\./;
