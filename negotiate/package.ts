/**
 * `spnego.dll`: the Negotiate security package (`NEGOSSP_NAME` = "Negotiate", RFC 4178 SPNEGO
 * with MS-SPNG's rules) behind the SSP/AP interface.
 *
 * Negotiate stands beside the other packages and reaches them only through Security.dll: its
 * LSA-mode half acquires the inner credentials and runs the inner package's
 * `InitializeSecurityContext`/`AcceptSecurityContext` through the function table of the process
 * that called it (so the inner context is mapped into that process, as Windows maps the
 * negotiated package's context into the client), and its user-mode half forwards the
 * per-message calls and the attributes to the inner context through the same table. It never
 * imports a package.
 *
 * Memory: the credential (the inner credential handles), the LSA context (state and the inner
 * context handle) and the copy of the DER mechTypes kept for the mechListMIC are charged to the
 * LSA process's pools (`Negotiate.credential`, `Negotiate.context`, `Negotiate.mechlist`); the
 * inner tokens pass through the caller's token pool (`sspi.ctxbuf.Negotiate` for the token handed
 * in, `sspi.token.<inner>` for the one the inner package hands out); the user-mode context is in
 * the caller (`Negotiate.usercontext`). The crypto is the inner package's, charged there.
 *
 * Reference checks (sspi-behaviour.md): 14 and 107 (package info), 108 (the exchange), 109
 * (SIZES as check 94 and NEGOTIATION_INFO naming the inner package), 110 (no default
 * credentials under Negotiate).
 */
import {
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_REQ_INTEGRITY,
  ASC_RET_ALLOCATED_MEMORY,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_INTEGRITY,
  ISC_RET_ALLOCATED_MEMORY,
  InitSecurityInterface,
  SECBUFFER_CHANNEL_BINDINGS,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_CESIM_MECHLIST_MIC_REQUIRED,
  SECPKG_ATTR_CESIM_RESET_CRYPTO,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_SIZES,
  SECPKG_CRED_BOTH,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECPKG_NEGOTIATION_IN_PROGRESS,
  SEC_E_BUFFER_TOO_SMALL,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_E_INSUFFICIENT_MEMORY,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SecBufferDesc,
  SecHandle,
  SecPkgContext_MechListMicRequired,
  SecPkgContext_NegotiationInfo,
  SecPkgContext_ResetCrypto,
  SecPkgContext_Sizes,
  TimeStamp,
  findBuffer,
  registerPackageModule,
  type LSA_SEC_HANDLE,
  type Out,
  type SECPKG_FUNCTION_TABLE,
  type SECPKG_USER_FUNCTION_TABLE,
  type SecPkgInfo,
  type SecpkgSupportFunctions,
  type SecurityFunctionTableW,
  type SecurityPackageModule,
} from '../sspi/index.js';
import type { Device } from '../device/index.js';
import { NegotiateError, type NegotiateErrorKind } from './core/errors.js';
import { KERBEROS_OID, MS_KERBEROS_OID, NTLMSSP_OID } from './core/codec.js';
import { SpnegoAcceptor, SpnegoInitiator, type InnerMechanism, type InnerStep } from './core/engine.js';

/** `NEGOSSP_NAME`. */
export const NEGOSSP_NAME = 'Negotiate';
/**
 * The module's DLL name on a CE image. CE 5.0/6.0 "Authentication Services Registry Settings":
 * `HKLM\Comm\SecurityProviders` `Providers` defaults to "schannel.dll, ntlmssp.dll, kerberos.dll,
 * spnego.dll"; the Negotiate SSP is the one in `spnego.dll`.
 */
export const NEGOTIATE_DLL = 'spnego.dll';
/**
 * Check 14: INTEGRITY|PRIVACY|CONNECTION|MULTI_REQUIRED|EXTENDED_ERROR|IMPERSONATION|
 * ACCEPT_WIN32_NAME|NEGOTIABLE|GSS_COMPATIBLE|LOGON.
 */
export const NEGOTIATE_CAPABILITIES = 0x3bb3;
/** Check 14: RPC_C_AUTHN_GSS_NEGOTIATE. */
export const NEGOTIATE_RPC_ID = 9;
/** Check 14 (Wine's value): the largest token, which bounds an input token too. */
export const NEGOTIATE_CB_MAX_TOKEN = 12000;
/** Check 14 (Wine's comment). */
export const NEGOTIATE_COMMENT = 'Microsoft Package Negotiator';
/**
 * The package's registry key. CE's Negotiate page: "You can specify the list as a string value
 * named Packages in HKEY_LOCAL_MACHINE\Comm\SecurityProviders\Negotiate" (ordered,
 * comma-separated).
 */
export const NEGOTIATE_REGISTRY_KEY = 'HKEY_LOCAL_MACHINE\\Comm\\SecurityProviders\\Negotiate';
/** The packages Negotiate offers when the registry names none, in CE's order (Kerberos first). */
export const DEFAULT_NEGOTIATE_PACKAGES: readonly string[] = Object.freeze(['Kerberos', 'NTLM']);
/** The mechanism OIDs of the packages Negotiate knows (MS-SPNG §1.9), first = the one it offers. */
export const NEGOTIATE_MECH_OIDS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  Kerberos: [MS_KERBEROS_OID, KERBEROS_OID],
  NTLM: [NTLMSSP_OID],
});
/** Bytes of a credential, without the inner handles: use flags, reference count, list link. */
export const NEGOTIATE_CREDENTIAL_BYTES = 12;
/** Bytes per inner credential handle kept in the credential (a SecHandle and its package index). */
export const NEGOTIATE_INNER_CREDENTIAL_BYTES = 12;
/**
 * Bytes of an LSA context: state, role, requested flags (12), the inner context handle (8), the
 * inner package index and MIC state (8), the mechTypes pointer and length (8), expiry (8), the
 * pending-token pointer for a retry after SEC_E_BUFFER_TOO_SMALL (4).
 */
export const NEGOTIATE_CONTEXT_BYTES = 48;
/** Bytes of a user-mode context: the inner context handle (8), the package index and flags (8). */
export const NEGOTIATE_USER_CONTEXT_BYTES = 16;

/** The one mapping from a Negotiate error kind to a SECURITY_STATUS (`inner` keeps its own). */
export const NEGOTIATE_ERROR_STATUS: Record<Exclude<NegotiateErrorKind, 'inner'>, number> = {
  decode: SEC_E_INVALID_TOKEN,
  peer: SEC_E_INVALID_TOKEN,
  nomech: SEC_E_INVALID_TOKEN,
  rejected: SEC_E_LOGON_DENIED,
  mic: SEC_E_MESSAGE_ALTERED,
  oom: SEC_E_INSUFFICIENT_MEMORY,
  internal: SEC_E_INTERNAL_ERROR,
};

/** The status of any exception (NegotiateError by kind; anything else is an internal error). */
export function statusForNegotiateError(e: unknown): number {
  if (!(e instanceof NegotiateError)) return SEC_E_INTERNAL_ERROR;
  return e.kind === 'inner' ? e.status || SEC_E_INTERNAL_ERROR : NEGOTIATE_ERROR_STATUS[e.kind];
}

/** The packages the device's registry lists for Negotiate (`Packages`), or the default order. */
export function negotiatePackages(device: Device): string[] {
  const v = device.registry.get(NEGOTIATE_REGISTRY_KEY, 'Packages');
  const list = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : [...DEFAULT_NEGOTIATE_PACKAGES];
  return list.map((s) => s.trim()).filter((s) => s !== '' && s.toLowerCase() !== NEGOSSP_NAME.toLowerCase());
}

/** Sets the ordered list of packages Negotiate offers (`...\Negotiate` `Packages`). */
export function setNegotiatePackages(device: Device, packages: readonly string[]): void {
  device.registry.createKey(NEGOTIATE_REGISTRY_KEY);
  device.registry.setValue(NEGOTIATE_REGISTRY_KEY, 'Packages', packages.join(','));
}

/** One inner credential: the package, its mechanism OID and the handle in the caller's table. */
interface InnerCred {
  name: string;
  oid: string;
  handle: SecHandle;
}

interface Cred {
  use: number;
  /** Whether an outbound identity was supplied (check 110: no default credentials under Negotiate). */
  outbound: boolean;
  inner: InnerCred[];
  block: number;
  /** The process whose table holds the inner handles. */
  owner: number;
}

interface LsaCtx {
  server: boolean;
  initiator: SpnegoInitiator | null;
  acceptor: SpnegoAcceptor | null;
  mechs: DispatchedMechanism[];
  block: number;
  mechList: number;
  pending: { input: Uint8Array; out: Uint8Array; complete: boolean } | null;
  cred: number;
}

interface UserCtx {
  inner: SecHandle;
  name: string;
  block: number;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The inner package of one Negotiate context, reached through the caller's Security.dll
 * function table. Its tokens pass through the caller's memory: the input as a block Negotiate
 * allocates there, the output as the inner package's `ISC_REQ_ALLOCATE_MEMORY` block.
 */
class DispatchedMechanism implements InnerMechanism {
  /** The inner context handle (in the caller's table). */
  readonly ctx = new SecHandle();
  /** Whether the inner context exists. */
  started = false;
  /** The inner package's last context attributes (without ALLOCATED_MEMORY). */
  attrs = 0;
  /** The inner package's expiry. */
  readonly expiry = new TimeStamp();

  constructor(
    private readonly sup: SecpkgSupportFunctions,
    private readonly T: SecurityFunctionTableW,
    readonly name: string,
    readonly oid: string,
    private readonly cred: SecHandle,
    private readonly server: boolean,
    private readonly req: number,
    private readonly target: string | null,
    private readonly dataRep: number,
    private readonly extra: SecBuffer[],
  ) {}

  /** A copy of `data` in the caller's memory; throws `oom`. */
  private stage(data: Uint8Array): number {
    const a = this.sup.AllocateClientBuffer(Math.max(1, data.length));
    if (a === 0) throw new NegotiateError('oom', `${data.length}-byte token for ${this.name}`);
    if (data.length) this.sup.CopyToClientBuffer(a, data);
    return a;
  }

  private innerFailure(call: string, status: number): never {
    throw new NegotiateError('inner', `${this.name} ${call}: 0x${(status >>> 0).toString(16)}`, status);
  }

  step(input: Uint8Array | null): InnerStep {
    const staged = input ? this.stage(input) : 0;
    const inBufs = [...(input ? [new SecBuffer(input.length, SECBUFFER_TOKEN, staged)] : []), ...this.extra.map((b) => new SecBuffer(b.cbBuffer, b.BufferType, b.pvBuffer))];
    const inDesc = inBufs.length ? new SecBufferDesc(inBufs) : null;
    const outDesc = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    const attrs: Out<number> = { value: 0 };
    let st: number;
    try {
      st = this.server
        ? this.T.AcceptSecurityContext(this.cred, this.started ? this.ctx : null, inDesc, this.req | ASC_REQ_ALLOCATE_MEMORY, this.dataRep, this.ctx, outDesc, attrs, this.expiry)
        : this.T.InitializeSecurityContext(this.cred, this.started ? this.ctx : null, this.target, this.req | ISC_REQ_ALLOCATE_MEMORY, 0, this.dataRep, inDesc, 0, this.ctx, outDesc, attrs, this.expiry);
    } finally {
      if (staged) this.sup.FreeClientBuffer(staged);
    }
    const b = outDesc.pBuffers[0]!;
    let token: Uint8Array = new Uint8Array(0);
    if (b.pvBuffer !== 0) {
      token = this.sup.CopyFromClientBuffer(b.pvBuffer, b.cbBuffer);
      this.T.FreeContextBuffer(b.pvBuffer);
    }
    if (st !== SEC_E_OK && st !== SEC_I_CONTINUE_NEEDED) this.innerFailure(this.server ? 'AcceptSecurityContext' : 'InitializeSecurityContext', st);
    this.started = true;
    this.attrs = (attrs.value & ~(this.server ? ASC_RET_ALLOCATED_MEMORY : ISC_RET_ALLOCATED_MEMORY)) >>> 0;
    return { complete: st === SEC_E_OK, token };
  }

  /** The inner package's cbMaxSignature (check 94: 16 for NTLM). */
  private signatureSize(): number {
    const s = new SecPkgContext_Sizes();
    const st = this.T.QueryContextAttributes(this.ctx, SECPKG_ATTR_SIZES, s);
    if (st !== SEC_E_OK) this.innerFailure('QueryContextAttributes(SIZES)', st);
    return s.cbMaxSignature;
  }

  /** Runs MakeSignature/VerifySignature over `[DATA data, TOKEN sig]` staged in the caller. */
  private signed(data: Uint8Array, mic: Uint8Array | null): Uint8Array {
    const size = mic ? mic.length : this.signatureSize();
    const d = this.stage(data);
    let t = 0;
    try {
      t = mic ? this.stage(mic) : this.stage(new Uint8Array(size));
      const desc = new SecBufferDesc([new SecBuffer(data.length, SECBUFFER_DATA, d), new SecBuffer(size, SECBUFFER_TOKEN, t)]);
      if (mic) {
        const st = this.T.VerifySignature(this.ctx, desc, 0, null);
        if (st !== SEC_E_OK) this.innerFailure('VerifySignature(mechListMIC)', st);
        return mic;
      }
      const st = this.T.MakeSignature(this.ctx, 0, desc, 0);
      if (st !== SEC_E_OK) this.innerFailure('MakeSignature(mechListMIC)', st);
      return this.sup.CopyFromClientBuffer(t, desc.pBuffers[1]!.cbBuffer);
    } finally {
      this.sup.FreeClientBuffer(d);
      if (t) this.sup.FreeClientBuffer(t);
    }
  }

  getMic(data: Uint8Array): Uint8Array {
    return this.signed(data, null);
  }

  verifyMic(data: Uint8Array, mic: Uint8Array): void {
    this.signed(data, mic);
  }

  requiresMic(): boolean {
    const b = new SecPkgContext_MechListMicRequired();
    return this.T.QueryContextAttributes(this.ctx, SECPKG_ATTR_CESIM_MECHLIST_MIC_REQUIRED, b) === SEC_E_OK && b.fRequired === 1;
  }

  resetCrypto(receiving: boolean): void {
    const b = new SecPkgContext_ResetCrypto();
    b.fVerifier = receiving ? 1 : 0;
    const st = this.T.SetContextAttributes(this.ctx, SECPKG_ATTR_CESIM_RESET_CRYPTO, b, 4);
    // A package without the control has no seal state to put back (MIT ignores GSS_S_UNAVAILABLE).
    if (st !== SEC_E_OK && st !== SEC_E_UNSUPPORTED_FUNCTION) this.innerFailure('SetContextAttributes(RESET_CRYPTO)', st);
  }

  /** Deletes the inner context (if any). */
  delete(): void {
    if (this.started) this.T.DeleteSecurityContext(this.ctx);
    this.started = false;
  }
}

/** The packed user-mode context: the inner handle words, then the inner package name (UTF-16LE). */
function packContext(inner: SecHandle, name: string): Uint8Array {
  const p = new Uint8Array(8 + name.length * 2);
  const dv = new DataView(p.buffer);
  dv.setUint32(0, inner.dwLower >>> 0, true);
  dv.setUint32(4, inner.dwUpper >>> 0, true);
  for (let i = 0; i < name.length; i++) dv.setUint16(8 + 2 * i, name.charCodeAt(i), true);
  return p;
}

function unpackContext(p: Uint8Array): { inner: SecHandle; name: string } | null {
  if (p.length < 8 || p.length % 2 !== 0) return null;
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  let name = '';
  for (let i = 8; i < p.length; i += 2) name += String.fromCharCode(dv.getUint16(i, true));
  return { inner: new SecHandle(dv.getUint32(0, true), dv.getUint32(4, true)), name };
}

/** Makes the module (one instance per device). */
export function createNegotiateModule(): SecurityPackageModule {
  let sup: SecpkgSupportFunctions | null = null;
  const creds = new Map<number, Cred>();
  const ctxs = new Map<number, LsaCtx>();
  let next = 1;
  const S = (): SecpkgSupportFunctions => {
    if (!sup) throw new NegotiateError('internal', 'Negotiate package not initialised');
    return sup;
  };
  /** The caller's function table: where the inner packages' handles live. */
  const callerTable = (): SecurityFunctionTableW => {
    const info = S().GetCallInfo();
    if (!info) throw new NegotiateError('internal', 'Negotiate called outside an SSPI call');
    return InitSecurityInterface(info.process);
  };
  const guard = (fn: () => number): number => {
    try {
      return fn();
    } catch (e) {
      return statusForNegotiateError(e);
    }
  };

  const freeCtx = (h: number): void => {
    const c = ctxs.get(h);
    if (!c) return;
    for (const m of c.mechs) m.delete();
    if (c.mechList) S().FreeHeap(c.mechList);
    S().FreeHeap(c.block);
    ctxs.delete(h);
  };

  /** Keeps the DER mechTypes the mechListMIC covers in the LSA (owner tag `mechlist`). */
  const keepMechList = (c: LsaCtx, der: Uint8Array): void => {
    if (c.mechList || der.length === 0) return;
    const a = S().AllocateHeap(der.length, 'mechlist');
    if (a === 0) throw new NegotiateError('oom', 'mechTypes copy');
    S().lsaProcess.write(a, der);
    c.mechList = a;
  };
  const dropMechList = (c: LsaCtx): void => {
    if (c.mechList) S().FreeHeap(c.mechList);
    c.mechList = 0;
  };

  const readToken = (desc: SecBufferDesc | null): Uint8Array | number => {
    const i = findBuffer(desc, SECBUFFER_TOKEN);
    if (i < 0) return SEC_E_INVALID_TOKEN;
    const b = desc!.pBuffers[i]!;
    if (b.cbBuffer > NEGOTIATE_CB_MAX_TOKEN) return SEC_E_INVALID_TOKEN;
    return S().ReadBuffer(b);
  };
  /** SECBUFFER_CHANNEL_BINDINGS of the input, handed on to the inner package as they are. */
  const extrasOf = (desc: SecBufferDesc | null): SecBuffer[] => {
    const i = findBuffer(desc, SECBUFFER_CHANNEL_BINDINGS);
    return i < 0 ? [] : [desc!.pBuffers[i]!];
  };

  const setExpiry = (out: TimeStamp, from: TimeStamp): void => {
    out.LowPart = from.LowPart;
    out.HighPart = from.HighPart;
  };

  /**
   * Places the step's token and maps the context when the exchange is complete. Returns the
   * status; on SEC_E_BUFFER_TOO_SMALL the token waits in `pending` for the same input again.
   */
  const finishStep = (
    c: LsaCtx,
    input: Uint8Array,
    step: { token: Uint8Array; complete: boolean },
    output: SecBufferDesc,
    out: number,
    attrs: Out<number>,
    expiry: TimeStamp,
    mapped: Out<boolean>,
    data: Out<Uint8Array | null>,
  ): number => {
    const st = S().WriteOutputToken(output, out, step.token);
    if (st !== SEC_E_OK) {
      c.pending = { input: input.slice(), out: step.token, complete: step.complete };
      return st;
    }
    c.pending = null;
    const inner = c.server ? c.acceptor!.inner : c.mechs[0]!;
    const m = inner as DispatchedMechanism | null;
    attrs.value = m ? m.attrs : 0;
    if (m) setExpiry(expiry, m.expiry);
    if (!step.complete) return SEC_I_CONTINUE_NEEDED;
    dropMechList(c);
    // User-Mode-Initialization.txt: the context is mapped into the caller, where the per-message
    // calls run; the user-mode half forwards them to the inner context.
    mapped.value = true;
    data.value = packContext(m!.ctx, m!.name);
    return SEC_E_OK;
  };

  const lsa: SECPKG_FUNCTION_TABLE = {
    // Check 86 ("same values through Negotiate"): a short caller TOKEN is SEC_E_BUFFER_TOO_SMALL.
    OutputTooSmallStatus: SEC_E_BUFFER_TOO_SMALL,
    SpInitialize(_id, _params, table) {
      sup = table;
      return SEC_E_OK;
    },
    SpShutdown() {
      for (const h of [...ctxs.keys()]) freeCtx(h);
      return SEC_E_OK;
    },
    SpGetInfo(info: SecPkgInfo) {
      info.fCapabilities = NEGOTIATE_CAPABILITIES;
      info.wVersion = 1;
      info.wRPCID = NEGOTIATE_RPC_ID;
      info.cbMaxToken = NEGOTIATE_CB_MAX_TOKEN;
      info.Name = NEGOSSP_NAME;
      info.Comment = NEGOTIATE_COMMENT;
      return SEC_E_OK;
    },
    SpAcquireCredentialsHandle(principal, use, logon, auth, _f, _a, handle: Out<LSA_SEC_HANDLE>, expiry: TimeStamp) {
      return guard(() => {
        const s = S();
        if (use !== SECPKG_CRED_INBOUND && use !== SECPKG_CRED_OUTBOUND && use !== SECPKG_CRED_BOTH) return SEC_E_NO_CREDENTIALS;
        const supplied = auth !== null && auth !== undefined;
        // Check 110: under Negotiate NTLM refuses the cached/default credentials when no auth
        // data was passed; an outbound-only credential without an identity has nothing to use.
        if (use === SECPKG_CRED_OUTBOUND && !supplied) return SEC_E_NO_CREDENTIALS;
        const innerUse = supplied ? use : use & ~SECPKG_CRED_OUTBOUND;
        const T = callerTable();
        const inner: InnerCred[] = [];
        let firstFailure = 0;
        for (const name of negotiatePackages(s.device)) {
          const oid = NEGOTIATE_MECH_OIDS[name]?.[0];
          if (!oid) continue;
          const h = new SecHandle();
          const ts = new TimeStamp();
          const st = T.AcquireCredentialsHandle(principal, name, innerUse, logon, supplied ? auth : null, null, null, h, ts);
          if (st === SEC_E_OK) {
            if (inner.length === 0) setExpiry(expiry, ts);
            inner.push({ name, oid, handle: h });
          } else if (st !== SEC_E_SECPKG_NOT_FOUND && firstFailure === 0) firstFailure = st;
        }
        const release = (): void => {
          for (const c of inner) T.FreeCredentialsHandle(c.handle);
        };
        // Wine: "tries Kerberos then NTLM; OK if either succeeded".
        if (inner.length === 0) return firstFailure || SEC_E_NO_CREDENTIALS;
        const block = s.AllocateHeap(NEGOTIATE_CREDENTIAL_BYTES + NEGOTIATE_INNER_CREDENTIAL_BYTES * inner.length, 'credential');
        if (block === 0) {
          release();
          return SEC_E_INSUFFICIENT_MEMORY;
        }
        const h = next++;
        creds.set(h, { use, outbound: supplied && (use & SECPKG_CRED_OUTBOUND) !== 0, inner, block, owner: s.GetCallInfo()!.ProcessId });
        handle.value = h;
        return SEC_E_OK;
      });
    },
    SpFreeCredentialsHandle(h) {
      return guard(() => {
        const c = creds.get(h);
        if (!c) return SEC_E_INVALID_HANDLE;
        const T = callerTable();
        for (const i of c.inner) T.FreeCredentialsHandle(i.handle);
        S().FreeHeap(c.block);
        creds.delete(h);
        return SEC_E_OK;
      });
    },
    SpInitLsaModeContext(credH, ctxH, target, req, rep, input, newH, output, attrs, expiry, mapped, data) {
      return guard(() => {
        const s = S();
        const out = findBuffer(output, SECBUFFER_TOKEN);
        // Checks 84 and 87 (same through Negotiate): no output descriptor, or no TOKEN in it.
        if (!output || out < 0) return SEC_E_BUFFER_TOO_SMALL;
        if (ctxH === 0) {
          const cred = creds.get(credH);
          if (!cred || !cred.outbound) return SEC_E_NO_CREDENTIALS;
          const T = callerTable();
          // MIT SPNEGO asks the inner mechanism for integrity so that the mechListMIC can be made.
          const innerReq = ((req & ~ISC_REQ_ALLOCATE_MEMORY) | ISC_REQ_INTEGRITY) >>> 0;
          const mechs = cred.inner.map((i) => new DispatchedMechanism(s, T, i.name, i.oid, i.handle, false, innerReq, target, rep, extrasOf(input)));
          const block = s.AllocateHeap(NEGOTIATE_CONTEXT_BYTES, 'context');
          if (block === 0) return SEC_E_INSUFFICIENT_MEMORY;
          // The optimistic token is the first package's; the others are listed after it.
          const c: LsaCtx = { server: false, initiator: null, acceptor: null, mechs: mechs.slice(0, 1), block, mechList: 0, pending: null, cred: credH };
          try {
            c.initiator = new SpnegoInitiator(
              cred.inner.map((i) => i.oid),
              mechs[0]!,
            );
            const step = c.initiator.start();
            keepMechList(c, c.initiator.mechTypesDer);
            const st = s.WriteOutputToken(output, out, step.token);
            if (st !== SEC_E_OK) throw new NegotiateError('inner', 'output token', st);
          } catch (e) {
            // Check 88: a failed first call consumes nothing.
            for (const m of c.mechs) m.delete();
            dropMechList(c);
            s.FreeHeap(block);
            return statusForNegotiateError(e);
          }
          const h = next++;
          ctxs.set(h, c);
          newH.value = h;
          attrs.value = c.mechs[0]!.attrs;
          setExpiry(expiry, c.mechs[0]!.expiry);
          return SEC_I_CONTINUE_NEEDED;
        }
        const c = ctxs.get(ctxH);
        if (!c || c.server || !c.initiator) return SEC_E_INVALID_HANDLE;
        const tok = readToken(input);
        if (typeof tok === 'number') return tok;
        if (c.pending) {
          // A retry after SEC_E_BUFFER_TOO_SMALL: the same token again.
          if (!bytesEqual(c.pending.input, tok)) return SEC_E_OUT_OF_SEQUENCE;
          return finishStep(c, tok, { token: c.pending.out, complete: c.pending.complete }, output, out, attrs, expiry, mapped, data);
        }
        if (c.initiator.state === 'Established' || c.initiator.state === 'Failed') return SEC_E_OUT_OF_SEQUENCE;
        const step = c.initiator.next(tok);
        return finishStep(c, tok, step, output, out, attrs, expiry, mapped, data);
      });
    },
    SpAcceptLsaModeContext(credH, ctxH, input, req, rep, newH, output, attrs, expiry, mapped, data) {
      return guard(() => {
        const s = S();
        // Check 92 (same as NTLM): ASC with no input token is SEC_E_INCOMPLETE_MESSAGE.
        if (findBuffer(input, SECBUFFER_TOKEN) < 0) return SEC_E_INCOMPLETE_MESSAGE;
        const tok = readToken(input);
        if (typeof tok === 'number') return tok;
        const out = findBuffer(output, SECBUFFER_TOKEN);
        if (!output || out < 0) return SEC_E_BUFFER_TOO_SMALL;
        if (ctxH === 0) {
          const cred = creds.get(credH);
          if (!cred || !(cred.use & SECPKG_CRED_INBOUND)) return SEC_E_NO_CREDENTIALS;
          const T = callerTable();
          const innerReq = ((req & ~ASC_REQ_ALLOCATE_MEMORY) | ASC_REQ_INTEGRITY) >>> 0;
          const extras = extrasOf(input);
          const block = s.AllocateHeap(NEGOTIATE_CONTEXT_BYTES, 'context');
          if (block === 0) return SEC_E_INSUFFICIENT_MEMORY;
          const c: LsaCtx = { server: true, initiator: null, acceptor: null, mechs: [], block, mechList: 0, pending: null, cred: credH };
          c.acceptor = new SpnegoAcceptor(
            cred.inner.map((i) => i.oid),
            (oid) => {
              const i = cred.inner.find((x) => x.oid === oid)!;
              const m = new DispatchedMechanism(s, T, i.name, i.oid, i.handle, true, innerReq, null, rep, extras);
              c.mechs.push(m);
              return m;
            },
          );
          let status: number;
          try {
            const step = c.acceptor.accept(tok);
            keepMechList(c, c.acceptor.mechTypesDer);
            status = finishStep(c, tok, step, output, out, attrs, expiry, mapped, data);
            if (status !== SEC_I_CONTINUE_NEEDED) throw new NegotiateError('inner', 'first leg', status === SEC_E_OK ? SEC_E_INTERNAL_ERROR : status);
          } catch (e) {
            for (const m of c.mechs) m.delete();
            dropMechList(c);
            s.FreeHeap(block);
            return statusForNegotiateError(e);
          }
          const h = next++;
          ctxs.set(h, c);
          newH.value = h;
          return status;
        }
        const c = ctxs.get(ctxH);
        if (!c || !c.server || !c.acceptor) return SEC_E_INVALID_HANDLE;
        if (c.pending) {
          if (!bytesEqual(c.pending.input, tok)) return SEC_E_OUT_OF_SEQUENCE;
          return finishStep(c, tok, { token: c.pending.out, complete: c.pending.complete }, output, out, attrs, expiry, mapped, data);
        }
        if (c.acceptor.state === 'Established' || c.acceptor.state === 'Failed') return SEC_E_OUT_OF_SEQUENCE;
        const step = c.acceptor.accept(tok);
        if (c.acceptor.mechTypesDer.length) keepMechList(c, c.acceptor.mechTypesDer);
        return finishStep(c, tok, step, output, out, attrs, expiry, mapped, data);
      });
    },
    SpDeleteContext(h) {
      return guard(() => {
        if (!ctxs.has(h)) return SEC_E_INVALID_HANDLE;
        freeCtx(h);
        return SEC_E_OK;
      });
    },
    SpQueryContextAttributes(h, attr, buf) {
      // A context not yet mapped: the negotiation is in progress.
      return guard(() => {
        const c = ctxs.get(h);
        if (!c) return SEC_E_INVALID_HANDLE;
        const m = c.server ? (c.acceptor?.inner as DispatchedMechanism | null) : c.mechs[0] ?? null;
        const T = callerTable();
        if (attr === SECPKG_ATTR_NEGOTIATION_INFO && buf instanceof SecPkgContext_NegotiationInfo) {
          if (!m) return SEC_E_UNSUPPORTED_FUNCTION;
          const p: Out<number> = { value: 0 };
          const st = T.QuerySecurityPackageInfo(m.name, p);
          if (st !== SEC_E_OK) return st;
          buf.PackageInfo = p.value;
          buf.NegotiationState = SECPKG_NEGOTIATION_IN_PROGRESS;
          return SEC_E_OK;
        }
        if (m && m.started) return T.QueryContextAttributes(m.ctx, attr, buf);
        if (attr === SECPKG_ATTR_SIZES && buf instanceof SecPkgContext_Sizes) {
          buf.cbMaxToken = NEGOTIATE_CB_MAX_TOKEN;
          buf.cbMaxSignature = 0;
          buf.cbBlockSize = 0;
          buf.cbSecurityTrailer = 0;
          return SEC_E_OK;
        }
        return SEC_E_UNSUPPORTED_FUNCTION;
      });
    },
    SpImpersonateSecurityContext(h) {
      return guard(() => {
        const c = ctxs.get(h);
        const m = c?.server ? (c.acceptor?.inner as DispatchedMechanism | null) : null;
        if (!c || !m || c.acceptor?.state !== 'Established') return SEC_E_INVALID_HANDLE;
        return callerTable().ImpersonateSecurityContext(m.ctx);
      });
    },
    SpRevertSecurityContext(h) {
      return guard(() => {
        const c = ctxs.get(h);
        const m = c?.server ? (c.acceptor?.inner as DispatchedMechanism | null) : null;
        if (!c || !m) return SEC_E_INVALID_HANDLE;
        return callerTable().RevertSecurityContext(m.ctx);
      });
    },
  };

  const userTables = (): SECPKG_USER_FUNCTION_TABLE => {
    let usup: SecpkgSupportFunctions | null = null;
    const uctx = new Map<number, UserCtx>();
    const U = (): SecpkgSupportFunctions => {
      if (!usup) throw new NegotiateError('internal', 'Negotiate user mode not initialised');
      return usup;
    };
    /** Security.dll in this process: the inner context is mapped here. */
    const T = (): SecurityFunctionTableW => InitSecurityInterface(U().CurrentProcess());
    const forward = (h: number, fn: (T: SecurityFunctionTableW, inner: SecHandle) => number): number =>
      guard(() => {
        const u = uctx.get(h);
        if (!u) return SEC_E_INVALID_HANDLE;
        return fn(T(), u.inner);
      });
    return {
      SpInstanceInit(_v, table) {
        usup = table;
        return SEC_E_OK;
      },
      SpInitUserModeContext(h, p) {
        return guard(() => {
          const x = unpackContext(p);
          if (!x) return SEC_E_INVALID_TOKEN;
          const old = uctx.get(h);
          if (old) U().FreeHeap(old.block);
          const block = U().AllocateHeap(NEGOTIATE_USER_CONTEXT_BYTES, 'usercontext');
          if (block === 0) return SEC_E_INSUFFICIENT_MEMORY;
          uctx.set(h, { inner: x.inner, name: x.name, block });
          return SEC_E_OK;
        });
      },
      SpDeleteUserModeContext(h) {
        const u = uctx.get(h);
        if (!u) return SEC_E_INVALID_HANDLE;
        U().FreeHeap(u.block);
        uctx.delete(h);
        return SEC_E_OK;
      },
      // Reference §1: "forwarded to whichever package won".
      SpMakeSignature: (h, qop, m, seq) => forward(h, (t, i) => t.MakeSignature(i, qop, m, seq)),
      SpVerifySignature: (h, m, seq, qop) => forward(h, (t, i) => t.VerifySignature(i, m, seq, qop)),
      SpSealMessage: (h, qop, m, seq) => forward(h, (t, i) => t.EncryptMessage(i, qop, m, seq)),
      SpUnsealMessage: (h, m, seq, qop) => forward(h, (t, i) => t.DecryptMessage(i, m, seq, qop)),
      SpGetContextToken: (h, token) => forward(h, (t, i) => t.QuerySecurityContextToken(i, token)),
      // Check 109: SIZES as the inner package's (check 94) and NEGOTIATION_INFO naming it.
      SpQueryContextAttributes: (h, attr, buf) => forward(h, (t, i) => t.QueryContextAttributes(i, attr, buf)),
      SpSetContextAttributes: (h, attr, buf, size) => forward(h, (t, i) => t.SetContextAttributes(i, attr, buf, size)),
    };
  };

  return {
    SpLsaModeInitialize(_v, ver, tables, count) {
      ver.value = 1;
      tables.value = [lsa];
      count.value = 1;
      return SEC_E_OK;
    },
    SpUserModeInitialize(_v, ver, tables, count) {
      ver.value = 1;
      tables.value = [userTables()];
      count.value = 1;
      return SEC_E_OK;
    },
  };
}

/**
 * Registers Negotiate's package module under `spnego.dll`. Importing `cesim/negotiate` does this,
 * so a device whose profile lists `spnego.dll` has Negotiate with no call. Calling it again is
 * harmless.
 */
export function registerNegotiate(): void {
  registerPackageModule(NEGOTIATE_DLL, createNegotiateModule);
}

// spnego.dll is on the image as soon as this module is loaded into the host process.
registerNegotiate();
