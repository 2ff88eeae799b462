/** Shared helpers of the SSPI tests: devices, processes, buffers in device memory, exchanges. */
import { Device, getProfile, LPTR, type Process } from '../../device/index.js';
import {
  AddSecurityPackage,
  CredHandle,
  CtxtHandle,
  InitSecurityInterface,
  SECBUFFER_TOKEN,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECURITY_NATIVE_DREP,
  SEC_E_OK,
  SEC_I_COMPLETE_AND_CONTINUE,
  SEC_I_COMPLETE_NEEDED,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SecBufferDesc,
  SecInvalidateHandle,
  TimeStamp,
  statusName,
  type SecurityFunctionTableW,
} from '../../sspi/index.js';
import { TWO_LEG_DLL } from './packages/two-leg.js';
import { THREE_LEG_DLL } from './packages/three-leg.js';

/** A device with both test packages listed in its registry. */
export function newDevice(seed = 1): Device {
  const d = new Device(getProfile('ce210-handheld'), { seed });
  AddSecurityPackage(d, TWO_LEG_DLL);
  AddSecurityPackage(d, THREE_LEG_DLL);
  return d;
}

/** A copy of `data` in `p`'s heap, as a one-TOKEN input descriptor; `free()` releases it. */
export function inputToken(p: Process, data: Uint8Array, extra: SecBuffer[] = []): { desc: SecBufferDesc; free: () => void } {
  const addr = data.length ? p.LocalAlloc(LPTR, data.length) : 0;
  if (data.length) p.write(addr, data);
  const desc = new SecBufferDesc([new SecBuffer(data.length, SECBUFFER_TOKEN, addr), ...extra]);
  return { desc, free: () => void (addr && p.LocalFree(addr)) };
}

/** Per-pool current blocks and requested bytes. */
export function poolUse(d: Device): Record<string, { blocks: number; bytes: number }> {
  const r: Record<string, { blocks: number; bytes: number }> = {};
  for (const p of d.stats().pools) r[p.name] = { blocks: p.currentBlocks, bytes: p.currentBytesRequested };
  return r;
}

/** Options of `runExchange`. */
export interface ExchangeOptions {
  pkg: string;
  clientReq: number;
  serverReq: number;
  allocate: boolean;
  /** Release each token with FreeContextBuffer right after sending it. */
  freeTokens: boolean;
  users?: string[];
  principal?: string;
  /** Extra input buffers for the client's first call (e.g. PKG_PARAMS). */
  firstExtra?: (client: Process) => SecBuffer[];
}

/** What an exchange saw. */
export interface ExchangeResult {
  client: Process;
  server: Process;
  C: SecurityFunctionTableW;
  S: SecurityFunctionTableW;
  ccred: CredHandle;
  scred: CredHandle;
  cctx: CtxtHandle;
  sctx: CtxtHandle;
  clientStatuses: number[];
  serverStatuses: number[];
  clientAttrs: number[];
  serverAttrs: number[];
  clientExpiry: TimeStamp;
  /** Token addresses handed out (ALLOCATE_MEMORY) and not freed when `freeTokens` is false. */
  heldTokens: { process: Process; addr: number }[];
  /** Final statuses, or the first failure. */
  clientFinal: number;
  serverFinal: number;
  /** First status that was neither a success nor expected (else 0). */
  failure: number;
}

const SUCCESSES = new Set([SEC_E_OK, SEC_I_CONTINUE_NEEDED, SEC_I_COMPLETE_NEEDED, SEC_I_COMPLETE_AND_CONTINUE]);

/**
 * Runs ISC/ASC between a client and a server process of `d` until both sides are done or a
 * call fails. Tokens travel by copying bytes into the peer's heap.
 */
export function runExchange(d: Device, o: ExchangeOptions): ExchangeResult {
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
  const r: ExchangeResult = {
    client, server, C, S, ccred, scred, cctx, sctx,
    clientStatuses: [], serverStatuses: [], clientAttrs: [], serverAttrs: [],
    clientExpiry: new TimeStamp(), heldTokens: [], clientFinal: -1, serverFinal: -1, failure: 0,
  };
  let st = C.AcquireCredentialsHandle(o.principal ?? 'alice', o.pkg, SECPKG_CRED_OUTBOUND, null, null, null, null, ccred, new TimeStamp());
  if (st !== SEC_E_OK) return { ...r, failure: st };
  st = S.AcquireCredentialsHandle(null, o.pkg, SECPKG_CRED_INBOUND, null, { users: o.users ?? ['alice'] }, null, null, scred, new TimeStamp());
  if (st !== SEC_E_OK) return { ...r, failure: st };

  const takeToken = (p: Process, t: SecurityFunctionTableW, out: SecBufferDesc): Uint8Array => {
    const b = out.pBuffers[0]!;
    const bytes = b.cbBuffer ? p.read(b.pvBuffer, b.cbBuffer) : new Uint8Array(0);
    if (o.allocate && b.pvBuffer) {
      if (o.freeTokens) t.FreeContextBuffer(b.pvBuffer);
      else r.heldTokens.push({ process: p, addr: b.pvBuffer });
    }
    return bytes;
  };
  const outDesc = (p: Process): { desc: SecBufferDesc; free: () => void } => {
    if (o.allocate) return { desc: new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]), free: () => {} };
    const a = p.LocalAlloc(LPTR, 256);
    return { desc: new SecBufferDesc([new SecBuffer(256, SECBUFFER_TOKEN, a)]), free: () => void p.LocalFree(a) };
  };

  let toServer: Uint8Array | null = null;
  let toClient: Uint8Array | null = null;
  let clientDone = false;
  let serverDone = false;
  let first = true;
  let sfirst = true;
  for (let round = 0; round < 6 && !(clientDone && serverDone); round++) {
    if (!clientDone && (first || toClient)) {
      const inp = first ? null : inputToken(client, toClient!);
      const extra = first && o.firstExtra ? o.firstExtra(client) : [];
      const input = first ? (extra.length ? new SecBufferDesc(extra) : null) : inp!.desc;
      const out = outDesc(client);
      const attr = { value: 0 };
      st = C.InitializeSecurityContext(ccred, first ? null : cctx, 'server', o.clientReq, 0, SECURITY_NATIVE_DREP, input, 0, cctx, out.desc, attr, r.clientExpiry);
      inp?.free();
      r.clientStatuses.push(st);
      r.clientAttrs.push(attr.value);
      if (!SUCCESSES.has(st)) {
        out.free();
        r.clientFinal = st;
        r.failure = st;
        return r;
      }
      if (st === SEC_I_COMPLETE_NEEDED || st === SEC_I_COMPLETE_AND_CONTINUE) {
        const cs = C.CompleteAuthToken(cctx, out.desc);
        if (cs !== SEC_E_OK) {
          r.failure = cs;
          return r;
        }
      }
      first = false;
      toClient = null;
      const tok = takeToken(client, C, out.desc);
      out.free();
      toServer = tok.length ? tok : null;
      if (st === SEC_E_OK || st === SEC_I_COMPLETE_NEEDED) {
        clientDone = true;
        r.clientFinal = st;
      }
    }
    if (!serverDone && toServer) {
      const inp = inputToken(server, toServer);
      const out = outDesc(server);
      const attr = { value: 0 };
      st = S.AcceptSecurityContext(scred, sfirst ? null : sctx, inp.desc, o.serverReq, SECURITY_NATIVE_DREP, sctx, out.desc, attr, new TimeStamp());
      inp.free();
      r.serverStatuses.push(st);
      r.serverAttrs.push(attr.value);
      toServer = null;
      if (!SUCCESSES.has(st)) {
        out.free();
        r.serverFinal = st;
        r.failure = st;
        return r;
      }
      sfirst = false;
      const tok = takeToken(server, S, out.desc);
      out.free();
      toClient = tok.length ? tok : null;
      if (st === SEC_E_OK) {
        serverDone = true;
        r.serverFinal = st;
      }
    }
    if (!toServer && !toClient && !(clientDone && serverDone)) break;
  }
  return r;
}

/** `statusName` of each status, for readable assertion failures. */
export function names(s: number[]): string[] {
  return s.map(statusName);
}
