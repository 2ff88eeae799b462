/**
 * `Security.dll`'s dispatcher: `InitSecurityInterface(process)` and the function table
 * `SecurityFunctionTableW` bound to one process.
 *
 * After Wine's `secur32/wrapper.c`: each member finds the package from the handle
 * (`phContext`, else `phCredential`; reference §2.1) and forwards to the package's table; a
 * NULL slot is `SEC_E_UNSUPPORTED_FUNCTION`, decided in `SspiState.callLsa`/`callUser`. Every
 * member runs inside one guard (`guarded`) that turns any exception into a status and releases
 * what the call had allocated: no member throws, whatever it is given.
 */

import { DeviceFaultError, type Device, type Process } from '../device/index.js';
import {
  ASC_RET_ALLOCATED_MEMORY,
  ASC_RET_EXTENDED_ERROR,
  ISC_RET_EXTENDED_ERROR,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_PROMPT_FOR_CREDS,
  ISC_RET_ALLOCATED_MEMORY,
  ASC_REQ_ALLOCATE_MEMORY,
  SEC_E_INSUFFICIENT_MEMORY,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_OK,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNSUPPORTED_FUNCTION,
  SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
} from './constants.js';
import { CallerDescriptors } from './buffer-plan.js';
import { ContextEvent, ContextState, eventForStatus } from './lifecycle.js';
import type { LSA_SEC_HANDLE, Out } from './package.js';
import { encodeSecPkgInfoBlock, secPkgInfoBlockSize } from './pkginfo.js';
import {
  PKGINFO_TAG,
  SspiOutOfMemory,
  sspiState,
  type CallFrame,
  type ContextObject,
  type CredentialObject,
  type LoadedPackage,
  type ProcessState,
  type SspiLeakReport,
  type SspiState,
} from './state.js';
import { SecBuffer, SecBufferDesc, SecHandle, TimeStamp, type SecPkgInfo } from './structures.js';
import { SEC_SUCCESS, toStatus } from './status.js';

// ----------------------------------------------------------------------------- shapes

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Whether property `k` of `o` can be written (own writable, or absent on an extensible object). */
function writable(o: object, k: string): boolean {
  if (Object.isFrozen(o)) return false;
  const d = Object.getOwnPropertyDescriptor(o, k);
  if (d) return d.writable === true || typeof d.set === 'function';
  if (k in o) return false; // inherited accessor or read-only
  return Object.isExtensible(o);
}

/** A handle the caller passes in: `{ dwLower, dwUpper }` of unsigned 32-bit numbers. */
function asHandle(h: unknown): { dwLower: number; dwUpper: number } | null {
  if (!isObj(h)) return null;
  const lo = h['dwLower'];
  const up = h['dwUpper'];
  return isU32(lo) && isU32(up) ? { dwLower: lo, dwUpper: up } : null;
}

function isOutHandle(h: unknown): h is SecHandle {
  return isObj(h) && writable(h, 'dwLower') && writable(h, 'dwUpper');
}

function isOut(o: unknown): o is Out<unknown> {
  return isObj(o) && writable(o, 'value');
}

function isOutTime(t: unknown): t is TimeStamp {
  return isObj(t) && writable(t, 'LowPart') && writable(t, 'HighPart');
}

function optString(v: unknown): v is string | null {
  return v === null || v === undefined || typeof v === 'string';
}

/** The status an exception inside a call stands for. */
function statusOfError(e: unknown): number {
  if (e instanceof SspiOutOfMemory) return SEC_E_INSUFFICIENT_MEMORY;
  if (e instanceof DeviceFaultError) return SEC_E_INVALID_TOKEN;
  return SEC_E_INTERNAL_ERROR;
}

// ----------------------------------------------------------------------------- table type

/** `SecurityFunctionTableW` bound to one process. Members keep the Win32 parameter order. */
export interface SecurityFunctionTableW {
  /** `SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION` (1). */
  readonly dwVersion: number;
  /** `EnumerateSecurityPackagesW(pcPackages, ppPackageInfo)`. */
  EnumerateSecurityPackages(pcPackages: Out<number>, ppPackageInfo: Out<number>): number;
  /** `QueryCredentialsAttributesW(phCredential, ulAttribute, pBuffer)`. */
  QueryCredentialsAttributes(phCredential: SecHandle | null, ulAttribute: number, pBuffer: unknown): number;
  /** `AcquireCredentialsHandleW(…)`. */
  AcquireCredentialsHandle(
    pszPrincipal: string | null,
    pszPackage: string | null,
    fCredentialUse: number,
    pvLogonId: number | null,
    pAuthData: unknown,
    pGetKeyFn: unknown,
    pvGetKeyArgument: unknown,
    phCredential: SecHandle | null,
    ptsExpiry: TimeStamp | null,
  ): number;
  /** `FreeCredentialsHandle(phCredential)`. */
  FreeCredentialsHandle(phCredential: SecHandle | null): number;
  /** Reserved (NULL). */
  readonly Reserved2: null;
  /** `InitializeSecurityContextW(…)`. */
  InitializeSecurityContext(
    phCredential: SecHandle | null,
    phContext: SecHandle | null,
    pszTargetName: string | null,
    fContextReq: number,
    Reserved1: number,
    TargetDataRep: number,
    pInput: SecBufferDesc | null,
    Reserved2: number,
    phNewContext: SecHandle | null,
    pOutput: SecBufferDesc | null,
    pfContextAttr: Out<number> | null,
    ptsExpiry: TimeStamp | null,
  ): number;
  /** `AcceptSecurityContext(…)`. */
  AcceptSecurityContext(
    phCredential: SecHandle | null,
    phContext: SecHandle | null,
    pInput: SecBufferDesc | null,
    fContextReq: number,
    TargetDataRep: number,
    phNewContext: SecHandle | null,
    pOutput: SecBufferDesc | null,
    pfContextAttr: Out<number> | null,
    ptsExpiry: TimeStamp | null,
  ): number;
  /** `CompleteAuthToken(phContext, pToken)`. */
  CompleteAuthToken(phContext: SecHandle | null, pToken: SecBufferDesc | null): number;
  /** `DeleteSecurityContext(phContext)`. */
  DeleteSecurityContext(phContext: SecHandle | null): number;
  /** `ApplyControlToken(phContext, pInput)`. */
  ApplyControlToken(phContext: SecHandle | null, pInput: SecBufferDesc | null): number;
  /** `QueryContextAttributesW(phContext, ulAttribute, pBuffer)`. */
  QueryContextAttributes(phContext: SecHandle | null, ulAttribute: number, pBuffer: unknown): number;
  /** `ImpersonateSecurityContext(phContext)`. */
  ImpersonateSecurityContext(phContext: SecHandle | null): number;
  /** `RevertSecurityContext(phContext)`. */
  RevertSecurityContext(phContext: SecHandle | null): number;
  /** `MakeSignature(phContext, fQOP, pMessage, MessageSeqNo)`. */
  MakeSignature(phContext: SecHandle | null, fQOP: number, pMessage: SecBufferDesc | null, MessageSeqNo: number): number;
  /** `VerifySignature(phContext, pMessage, MessageSeqNo, pfQOP)`. */
  VerifySignature(phContext: SecHandle | null, pMessage: SecBufferDesc | null, MessageSeqNo: number, pfQOP: Out<number> | null): number;
  /** `FreeContextBuffer(pvContextBuffer)`. */
  FreeContextBuffer(pvContextBuffer: number): number;
  /** `QuerySecurityPackageInfoW(pszPackageName, ppPackageInfo)`. */
  QuerySecurityPackageInfo(pszPackageName: string | null, ppPackageInfo: Out<number>): number;
  /** Reserved3: the same function as `EncryptMessage` (check 5). */
  readonly Reserved3: SecurityFunctionTableW['EncryptMessage'];
  /** Reserved4: the same function as `DecryptMessage` (check 5). */
  readonly Reserved4: SecurityFunctionTableW['DecryptMessage'];
  /** `ExportSecurityContext(phContext, fFlags, pPackedContext, pToken)`. */
  ExportSecurityContext(phContext: SecHandle | null, fFlags: number, pPackedContext: SecBuffer | null, pToken: Out<number> | null): number;
  /** `ImportSecurityContextW(pszPackage, pPackedContext, Token, phContext)`. */
  ImportSecurityContext(pszPackage: string | null, pPackedContext: SecBuffer | null, Token: number, phContext: SecHandle | null): number;
  /** `AddCredentialsW(hCredentials, pszPrincipal, pszPackage, fCredentialUse, pAuthData, pGetKeyFn, pvGetKeyArgument, ptsExpiry)`. */
  AddCredentials(
    hCredentials: SecHandle | null,
    pszPrincipal: string | null,
    pszPackage: string | null,
    fCredentialUse: number,
    pAuthData: unknown,
    pGetKeyFn: unknown,
    pvGetKeyArgument: unknown,
    ptsExpiry: TimeStamp | null,
  ): number;
  /** Reserved8 (NULL). */
  readonly Reserved8: null;
  /** `QuerySecurityContextToken(phContext, Token)`. */
  QuerySecurityContextToken(phContext: SecHandle | null, Token: Out<number> | null): number;
  /** `EncryptMessage(phContext, fQOP, pMessage, MessageSeqNo)`. */
  EncryptMessage(phContext: SecHandle | null, fQOP: number, pMessage: SecBufferDesc | null, MessageSeqNo: number): number;
  /** `DecryptMessage(phContext, pMessage, MessageSeqNo, pfQOP)`. */
  DecryptMessage(phContext: SecHandle | null, pMessage: SecBufferDesc | null, MessageSeqNo: number, pfQOP: Out<number> | null): number;
  /** `SetContextAttributesW(phContext, ulAttribute, pBuffer, cbBuffer)`. */
  SetContextAttributes(phContext: SecHandle | null, ulAttribute: number, pBuffer: unknown, cbBuffer: number): number;
}

/** The member names of `SecurityFunctionTableW` that are functions. */
export const SECURITY_FUNCTION_NAMES = [
  'EnumerateSecurityPackages',
  'QuerySecurityPackageInfo',
  'AcquireCredentialsHandle',
  'FreeCredentialsHandle',
  'QueryCredentialsAttributes',
  'InitializeSecurityContext',
  'AcceptSecurityContext',
  'CompleteAuthToken',
  'DeleteSecurityContext',
  'ApplyControlToken',
  'QueryContextAttributes',
  'SetContextAttributes',
  'ImpersonateSecurityContext',
  'RevertSecurityContext',
  'MakeSignature',
  'VerifySignature',
  'EncryptMessage',
  'DecryptMessage',
  'FreeContextBuffer',
  'ExportSecurityContext',
  'ImportSecurityContext',
  'AddCredentials',
  'QuerySecurityContextToken',
] as const;

// ----------------------------------------------------------------------------- the binder

/** Resolved handles of a context call. */
interface Resolved {
  ctx: ContextObject | null;
  cred: CredentialObject | null;
  pkg: LoadedPackage;
}

/**
 * Modelled stack frame of one SSPI call through Security.dll (the stack high-water model): the
 * exported function's frame (on MIPS o32 the 16-byte argument area, the saved s0–s8, gp and ra,
 * a few SecBufferDesc/SecBuffer copies) plus the dispatcher's frame that finds the package and
 * calls its table. A modelled figure, not a measured one; primitives' stack runs on top of it.
 */
export const SSPI_CALL_FRAME_BYTES = 384;

class Dispatcher {
  constructor(
    readonly st: SspiState,
    readonly process: Process,
  ) {}

  /** The single guard every member runs in. */
  guarded(call: string, fn: (f: CallFrame) => number): number {
    const st = this.st;
    const device = this.process.device;
    try {
      if (this.process.exited) return SEC_E_INTERNAL_ERROR;
      return device.withCall(call, () =>
        device.runAs(this.process, () =>
          device.cpu.withStack(SSPI_CALL_FRAME_BYTES, () => st.withFrame(this.process, call, (f) => {
            try {
              st.ensureLoaded();
              return toStatus(fn(f));
            } catch (e) {
              try {
                st.rollback(f);
              } catch {
                // Nothing more can be released.
              }
              return statusOfError(e);
            }
          })),
        ),
      );
    } catch (e) {
      return statusOfError(e);
    }
  }

  private ctxOf(ps: ProcessState, h: unknown): ContextObject | null {
    const w = asHandle(h);
    if (!w) return null;
    const o = ps.handles.get('context', w.dwLower, w.dwUpper);
    return o && o.kind === 'context' ? o : null;
  }

  private credOf(ps: ProcessState, h: unknown): CredentialObject | null {
    const w = asHandle(h);
    if (!w) return null;
    const o = ps.handles.get('credential', w.dwLower, w.dwUpper);
    return o && o.kind === 'credential' ? o : null;
  }

  /** §2.1: the package from `phContext`, else `phCredential`; NULL/stale → null (SEC_E_INVALID_HANDLE). */
  private resolve(ps: ProcessState, phCredential: unknown, phContext: unknown): Resolved | null {
    if (phContext !== null && phContext !== undefined) {
      const ctx = this.ctxOf(ps, phContext);
      if (!ctx) return null;
      const cred = this.credOf(ps, phCredential);
      return { ctx, cred: cred && cred.pkg === ctx.pkg ? cred : null, pkg: ctx.pkg };
    }
    const cred = this.credOf(ps, phCredential);
    return cred ? { ctx: null, cred, pkg: cred.pkg } : null;
  }

  // --------------------------------------------------------------------------- packages

  EnumerateSecurityPackages(pcPackages: unknown, ppPackageInfo: unknown): number {
    return this.guarded('EnumerateSecurityPackagesW', (f) => {
      if (!isOut(pcPackages) || !isOut(ppPackageInfo)) return SEC_E_INTERNAL_ERROR;
      const infos = this.st.packages.map((p) => p.info);
      const addr = this.pkgInfoBlock(f, infos);
      pcPackages.value = infos.length;
      ppPackageInfo.value = addr;
      return SEC_E_OK;
    });
  }

  QuerySecurityPackageInfo(pszPackageName: unknown, ppPackageInfo: unknown): number {
    return this.guarded('QuerySecurityPackageInfoW', (f) => {
      // Check 2: unknown or NULL name → SEC_E_SECPKG_NOT_FOUND, out pointer untouched.
      if (typeof pszPackageName !== 'string') return SEC_E_SECPKG_NOT_FOUND;
      const pkg = this.st.findPackage(pszPackageName);
      if (!pkg) return SEC_E_SECPKG_NOT_FOUND;
      if (!isOut(ppPackageInfo)) return SEC_E_INTERNAL_ERROR;
      ppPackageInfo.value = this.pkgInfoBlock(f, [pkg.info]);
      return SEC_E_OK;
    });
  }

  /** One token-pool block: the SecPkgInfo array followed by its strings (checks 4, 11, 12). */
  private pkgInfoBlock(f: CallFrame, infos: SecPkgInfo[]): number {
    const size = secPkgInfoBlockSize(infos);
    const addr = this.st.allocContextBuffer(f, Math.max(size, 1), PKGINFO_TAG, null);
    if (addr === 0) throw new SspiOutOfMemory(`SecPkgInfo block of ${size} bytes`);
    this.process.write(addr, encodeSecPkgInfoBlock(infos, addr));
    return addr;
  }

  // --------------------------------------------------------------------------- credentials

  AcquireCredentialsHandle(
    pszPrincipal: unknown,
    pszPackage: unknown,
    fCredentialUse: unknown,
    pvLogonId: unknown,
    pAuthData: unknown,
    pGetKeyFn: unknown,
    pvGetKeyArgument: unknown,
    phCredential: unknown,
    ptsExpiry: unknown,
  ): number {
    return this.guarded('AcquireCredentialsHandleW', (f) => {
      // Check 1: NULL or unknown package → SEC_E_SECPKG_NOT_FOUND.
      if (typeof pszPackage !== 'string') return SEC_E_SECPKG_NOT_FOUND;
      const pkg = this.st.findPackage(pszPackage);
      if (!pkg) return SEC_E_SECPKG_NOT_FOUND;
      if (!this.st.hasLsa(pkg, 'SpAcquireCredentialsHandle')) return SEC_E_UNSUPPORTED_FUNCTION;
      if (!optString(pszPrincipal) || !isU32(fCredentialUse)) return SEC_E_INTERNAL_ERROR;
      if (pvLogonId !== null && pvLogonId !== undefined && !isU32(pvLogonId)) return SEC_E_INTERNAL_ERROR;
      if (phCredential !== null && phCredential !== undefined && !isOutHandle(phCredential)) return SEC_E_INVALID_HANDLE;
      if (ptsExpiry !== null && ptsExpiry !== undefined && !isOutTime(ptsExpiry)) return SEC_E_INTERNAL_ERROR;
      const cred = this.st.newCredential(pkg, 0);
      f.owner = cred;
      const handle: Out<LSA_SEC_HANDLE> = { value: 0 };
      const expiry = new TimeStamp();
      const status = this.st.callLsa(
        f,
        pkg,
        'SpAcquireCredentialsHandle',
        pszPrincipal ?? null,
        fCredentialUse,
        (pvLogonId as number | null | undefined) ?? null,
        pAuthData,
        pGetKeyFn,
        pvGetKeyArgument,
        handle,
        expiry,
      );
      if (!SEC_SUCCESS(status)) return status;
      cred.lsaHandle = handle.value;
      const h = phCredential ? f.ps.handles.add('credential', pkg.index, cred) : null;
      if (!h) {
        // No out handle (Windows would crash) or a full table: release what the package made.
        this.st.callLsa(f, pkg, 'SpFreeCredentialsHandle', handle.value);
        return phCredential ? SEC_E_INSUFFICIENT_MEMORY : SEC_E_INVALID_HANDLE;
      }
      cred.dwLower = h.dwLower;
      cred.dwUpper = h.dwUpper;
      const out = phCredential as SecHandle;
      out.dwLower = h.dwLower;
      out.dwUpper = h.dwUpper;
      if (ptsExpiry) {
        (ptsExpiry as TimeStamp).LowPart = expiry.LowPart >>> 0;
        (ptsExpiry as TimeStamp).HighPart = expiry.HighPart >>> 0;
      }
      return status;
    });
  }

  FreeCredentialsHandle(phCredential: unknown): number {
    return this.guarded('FreeCredentialsHandle', (f) => {
      const cred = this.credOf(f.ps, phCredential);
      if (!cred) return SEC_E_INVALID_HANDLE;
      if (!this.st.hasLsa(cred.pkg, 'SpFreeCredentialsHandle')) return SEC_E_UNSUPPORTED_FUNCTION;
      f.owner = cred;
      const status = this.st.callLsa(f, cred.pkg, 'SpFreeCredentialsHandle', cred.lsaHandle);
      f.ps.handles.remove('credential', cred.dwLower, cred.dwUpper);
      this.st.report('FreeCredentialsHandle', f.ps, cred);
      return status;
    });
  }

  QueryCredentialsAttributes(phCredential: unknown, ulAttribute: unknown, pBuffer: unknown): number {
    return this.guarded('QueryCredentialsAttributesW', (f) => {
      const cred = this.credOf(f.ps, phCredential);
      if (!cred) return SEC_E_INVALID_HANDLE;
      if (!isU32(ulAttribute)) return SEC_E_UNSUPPORTED_FUNCTION;
      f.owner = cred;
      return this.st.callLsa(f, cred.pkg, 'SpQueryCredentialsAttributes', cred.lsaHandle, ulAttribute, pBuffer ?? null);
    });
  }

  AddCredentials(
    hCredentials: unknown,
    pszPrincipal: unknown,
    pszPackage: unknown,
    fCredentialUse: unknown,
    pAuthData: unknown,
    pGetKeyFn: unknown,
    pvGetKeyArgument: unknown,
    ptsExpiry: unknown,
  ): number {
    return this.guarded('AddCredentialsW', (f) => {
      const cred = this.credOf(f.ps, hCredentials);
      if (!cred) return SEC_E_INVALID_HANDLE;
      if (typeof pszPackage !== 'string' || this.st.findPackage(pszPackage) === null) return SEC_E_SECPKG_NOT_FOUND;
      if (!optString(pszPrincipal) || !isU32(fCredentialUse)) return SEC_E_INTERNAL_ERROR;
      if (ptsExpiry !== null && ptsExpiry !== undefined && !isOutTime(ptsExpiry)) return SEC_E_INTERNAL_ERROR;
      f.owner = cred;
      const expiry = new TimeStamp();
      const status = this.st.callLsa(
        f,
        cred.pkg,
        'SpAddCredentials',
        cred.lsaHandle,
        pszPrincipal ?? null,
        pszPackage,
        fCredentialUse,
        pAuthData,
        pGetKeyFn,
        pvGetKeyArgument,
        expiry,
      );
      if (SEC_SUCCESS(status) && ptsExpiry) {
        (ptsExpiry as TimeStamp).LowPart = expiry.LowPart;
        (ptsExpiry as TimeStamp).HighPart = expiry.HighPart;
      }
      return status;
    });
  }

  // --------------------------------------------------------------------------- contexts

  InitializeSecurityContext(
    phCredential: unknown,
    phContext: unknown,
    pszTargetName: unknown,
    fContextReq: unknown,
    Reserved1: unknown,
    TargetDataRep: unknown,
    pInput: unknown,
    Reserved2: unknown,
    phNewContext: unknown,
    pOutput: unknown,
    pfContextAttr: unknown,
    ptsExpiry: unknown,
  ): number {
    void Reserved1;
    void Reserved2;
    return this.guarded('InitializeSecurityContextW', (f) =>
      this.contextCall(f, 'isc', phCredential, phContext, pszTargetName, fContextReq, TargetDataRep, pInput, phNewContext, pOutput, pfContextAttr, ptsExpiry),
    );
  }

  AcceptSecurityContext(
    phCredential: unknown,
    phContext: unknown,
    pInput: unknown,
    fContextReq: unknown,
    TargetDataRep: unknown,
    phNewContext: unknown,
    pOutput: unknown,
    pfContextAttr: unknown,
    ptsExpiry: unknown,
  ): number {
    return this.guarded('AcceptSecurityContext', (f) =>
      this.contextCall(f, 'asc', phCredential, phContext, null, fContextReq, TargetDataRep, pInput, phNewContext, pOutput, pfContextAttr, ptsExpiry),
    );
  }

  /** InitializeSecurityContext and AcceptSecurityContext: the shared sequence. */
  private contextCall(
    f: CallFrame,
    kind: 'isc' | 'asc',
    phCredential: unknown,
    phContext: unknown,
    pszTargetName: unknown,
    fContextReq: unknown,
    TargetDataRep: unknown,
    pInput: unknown,
    phNewContext: unknown,
    pOutput: unknown,
    pfContextAttr: unknown,
    ptsExpiry: unknown,
  ): number {
    const st = this.st;
    const r = this.resolve(f.ps, phCredential, phContext);
    if (!r) return SEC_E_INVALID_HANDLE;
    const slot = kind === 'isc' ? 'SpInitLsaModeContext' : 'SpAcceptLsaModeContext';
    if (!st.hasLsa(r.pkg, slot)) return SEC_E_UNSUPPORTED_FUNCTION;
    if (!isU32(fContextReq) || !isU32(TargetDataRep) || !optString(pszTargetName)) return SEC_E_INTERNAL_ERROR;
    if (phNewContext !== null && phNewContext !== undefined && !isOutHandle(phNewContext)) return SEC_E_INVALID_HANDLE;
    if (!r.ctx && !phNewContext) return SEC_E_INVALID_HANDLE; // nowhere to return a new context
    if (pfContextAttr !== null && pfContextAttr !== undefined && !isOut(pfContextAttr)) return SEC_E_INTERNAL_ERROR;
    if (ptsExpiry !== null && ptsExpiry !== undefined && !isOutTime(ptsExpiry)) return SEC_E_INTERNAL_ERROR;
    const allocate = (fContextReq & (kind === 'isc' ? ISC_REQ_ALLOCATE_MEMORY : ASC_REQ_ALLOCATE_MEMORY)) !== 0;
    const bufs = CallerDescriptors.forContextCall(this.process, pInput, pOutput, allocate);
    if (!bufs) return SEC_E_INVALID_TOKEN;

    // InitializeSecurityContext-CE210.txt: "If the caller is not an interactive user (for
    // example, a noninteractive service), this flag is ignored." No cesim process is interactive.
    const req = kind === 'isc' ? (fContextReq & ~ISC_REQ_PROMPT_FOR_CREDS) >>> 0 : fContextReq;
    const inCopy = bufs.input;
    const outCopy = bufs.output;
    f.owner = r.ctx;
    f.allocateTokens = allocate;
    const credHandle = r.cred?.lsaHandle ?? r.ctx?.credLsaHandle ?? 0;
    const newHandle: Out<LSA_SEC_HANDLE> = { value: 0 };
    const attrs: Out<number> = { value: 0 };
    const expiry = new TimeStamp();
    const mapped: Out<boolean> = { value: false };
    const data: Out<Uint8Array | null> = { value: null };
    let status =
      kind === 'isc'
        ? st.callLsa(f, r.pkg, 'SpInitLsaModeContext', credHandle, r.ctx?.lsaHandle ?? 0, (pszTargetName as string | null | undefined) ?? null, req, TargetDataRep, inCopy, newHandle, outCopy, attrs, expiry, mapped, data)
        : st.callLsa(f, r.pkg, 'SpAcceptLsaModeContext', credHandle, r.ctx?.lsaHandle ?? 0, inCopy, req, TargetDataRep, newHandle, outCopy, attrs, expiry, mapped, data);
    if (SEC_SUCCESS(status) && f.tokenFailure !== 0) status = f.tokenFailure;

    let ctx = r.ctx;
    if (SEC_SUCCESS(status) && !ctx) {
      if (!isU32(newHandle.value) || newHandle.value === 0) status = SEC_E_INTERNAL_ERROR;
      else {
        ctx = st.newContext(r.pkg, newHandle.value, credHandle);
        const h = f.ps.handles.add('context', r.pkg.index, ctx);
        if (!h) status = SEC_E_INSUFFICIENT_MEMORY;
        else {
          ctx.dwLower = h.dwLower;
          ctx.dwUpper = h.dwUpper;
          st.adopt(f, ctx);
          for (const a of f.tokenBlocks) {
            const rec = f.ps.contextBuffers.get(a);
            if (rec) rec.owner = ctx;
            ctx.buffers.add(a);
          }
          f.owner = ctx;
        }
      }
    } else if (SEC_SUCCESS(status) && ctx && isU32(newHandle.value) && newHandle.value !== 0) {
      ctx.lsaHandle = newHandle.value;
    }

    if (SEC_SUCCESS(status) && ctx) {
      const ev = eventForStatus(status);
      if (ev) ctx.fsm.fire(ev);
      // User-Mode-Initialization.txt: MappedContext → SpUsermodeInitialize, SpInstanceInit,
      // then the context is mapped into the caller's process.
      if (mapped.value === true && data.value instanceof Uint8Array) {
        const m = st.callUser(f, r.pkg, 'SpInitUserModeContext', ctx.lsaHandle, data.value);
        if (!SEC_SUCCESS(m)) status = m;
        else {
          ctx.mapped = true;
          ctx.fsm.fire(ContextEvent.MapToUser);
        }
      }
    }

    // A failed call that sets ISC_RET_EXTENDED_ERROR/ASC_RET_EXTENDED_ERROR hands the caller an
    // error token (Schannel: the alert record to send to the peer); it keeps that token, and
    // frees it with FreeContextBuffer like any other. Otherwise nothing of a failed call stays.
    const errorToken = !SEC_SUCCESS(status) && f.tokenBlocks.length > 0 && (attrs.value & (kind === 'isc' ? ISC_RET_EXTENDED_ERROR : ASC_RET_EXTENDED_ERROR)) !== 0;
    if (!SEC_SUCCESS(status)) {
      if (!errorToken) for (const a of f.tokenBlocks) st.releaseContextBuffer(f.ps, a);
      if (!r.ctx && ctx) {
        // A new context that could not be returned: the package and the table forget it.
        this.teardown(f, ctx, 'FailedContextCall');
      } else if (!r.ctx && isU32(newHandle.value) && newHandle.value !== 0) {
        st.callLsa(f, r.pkg, 'SpDeleteContext', newHandle.value);
        if (f.pending.size) st.report('FailedContextCall', f.ps, null, `new ${r.pkg.name} context`, []);
      }
    }
    bufs.finish(SEC_SUCCESS(status), errorToken);

    let ret = attrs.value >>> 0;
    if (SEC_SUCCESS(status) && allocate) ret |= kind === 'isc' ? ISC_RET_ALLOCATED_MEMORY : ASC_RET_ALLOCATED_MEMORY;
    if (pfContextAttr) (pfContextAttr as Out<number>).value = ret >>> 0;
    if (ptsExpiry) {
      (ptsExpiry as TimeStamp).LowPart = expiry.LowPart >>> 0;
      (ptsExpiry as TimeStamp).HighPart = expiry.HighPart >>> 0;
    }
    // Check 9, 41, 44: phNewContext is written only when the call succeeded; on continuation it
    // equals *phContext.
    if (SEC_SUCCESS(status) && ctx && phNewContext) {
      const out = phNewContext as SecHandle;
      out.dwLower = ctx.dwLower;
      out.dwUpper = ctx.dwUpper;
    }
    return status;
  }

  /** Deletes a context: user half in the caller, LSA half in the LSA, then the report. */
  private teardown(f: CallFrame, ctx: ContextObject, event: SspiLeakReport['event']): number {
    const st = this.st;
    f.owner = ctx;
    f.ps.handles.remove('context', ctx.dwLower, ctx.dwUpper);
    let status = SEC_E_OK;
    if (ctx.mapped) {
      const u = st.callUser(f, ctx.pkg, 'SpDeleteUserModeContext', ctx.lsaHandle);
      if (u !== SEC_E_UNSUPPORTED_FUNCTION && !SEC_SUCCESS(u)) status = u;
    }
    const l = st.callLsa(f, ctx.pkg, 'SpDeleteContext', ctx.lsaHandle);
    if (!SEC_SUCCESS(l)) status = l;
    ctx.fsm.fire(ContextEvent.Delete);
    st.report(event, f.ps, ctx);
    // Token buffers stay the caller's until FreeContextBuffer; they no longer name a context.
    for (const a of ctx.buffers) {
      const rec = f.ps.contextBuffers.get(a);
      if (rec) rec.owner = null;
    }
    return status;
  }

  DeleteSecurityContext(phContext: unknown): number {
    return this.guarded('DeleteSecurityContext', (f) => {
      const ctx = this.ctxOf(f.ps, phContext);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      if (!this.st.hasLsa(ctx.pkg, 'SpDeleteContext')) return SEC_E_UNSUPPORTED_FUNCTION;
      return this.teardown(f, ctx, 'DeleteSecurityContext');
    });
  }

  CompleteAuthToken(phContext: unknown, pToken: unknown): number {
    return this.guarded('CompleteAuthToken', (f) => {
      const ctx = this.ctxOf(f.ps, phContext);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      if (!ctx.mapped || !this.st.hasUser(f, ctx.pkg, 'SpCompleteAuthToken')) return SEC_E_UNSUPPORTED_FUNCTION;
      const bufs = CallerDescriptors.forMessage(this.process, pToken);
      if (!bufs) return SEC_E_INVALID_TOKEN;
      f.owner = ctx;
      const status = this.st.callUser(f, ctx.pkg, 'SpCompleteAuthToken', ctx.lsaHandle, bufs.input!);
      bufs.finish(true);
      if (SEC_SUCCESS(status)) {
        ctx.fsm.fire(ContextEvent.CompleteAuthToken);
        if (ctx.fsm.state === ContextState.Established && ctx.mapped) ctx.fsm.fire(ContextEvent.MapToUser);
      }
      return status;
    });
  }

  ApplyControlToken(phContext: unknown, pInput: unknown): number {
    return this.guarded('ApplyControlToken', (f) => {
      const ctx = this.ctxOf(f.ps, phContext);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      if (!this.st.hasLsa(ctx.pkg, 'SpApplyControlToken')) return SEC_E_UNSUPPORTED_FUNCTION;
      // Check 71: ApplyControlToken(ctx, NULL) → SEC_E_INTERNAL_ERROR.
      if (pInput === null || pInput === undefined) return SEC_E_INTERNAL_ERROR;
      const bufs = CallerDescriptors.forMessage(this.process, pInput);
      if (!bufs) return SEC_E_INVALID_TOKEN;
      f.owner = ctx;
      const status = this.st.callLsa(f, ctx.pkg, 'SpApplyControlToken', ctx.lsaHandle, bufs.input!);
      bufs.finish(true);
      return status;
    });
  }

  QueryContextAttributes(phContext: unknown, ulAttribute: unknown, pBuffer: unknown): number {
    return this.guarded('QueryContextAttributesW', (f) => {
      const ctx = this.ctxOf(f.ps, phContext);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      if (!isU32(ulAttribute)) return SEC_E_UNSUPPORTED_FUNCTION;
      f.owner = ctx;
      // A mapped context answers in the caller (user mode); otherwise the LSA half does.
      if (ctx.mapped && this.st.hasUser(f, ctx.pkg, 'SpQueryContextAttributes')) {
        return this.st.callUser(f, ctx.pkg, 'SpQueryContextAttributes', ctx.lsaHandle, ulAttribute, pBuffer ?? null);
      }
      return this.st.callLsa(f, ctx.pkg, 'SpQueryContextAttributes', ctx.lsaHandle, ulAttribute, pBuffer ?? null);
    });
  }

  SetContextAttributes(phContext: unknown, ulAttribute: unknown, pBuffer: unknown, cbBuffer: unknown): number {
    return this.guarded('SetContextAttributesW', (f) => {
      const ctx = this.ctxOf(f.ps, phContext);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      if (!isU32(ulAttribute) || !isU32(cbBuffer)) return SEC_E_INTERNAL_ERROR;
      f.owner = ctx;
      if (ctx.mapped && this.st.hasUser(f, ctx.pkg, 'SpSetContextAttributes')) {
        return this.st.callUser(f, ctx.pkg, 'SpSetContextAttributes', ctx.lsaHandle, ulAttribute, pBuffer ?? null, cbBuffer);
      }
      return this.st.callLsa(f, ctx.pkg, 'SpSetContextAttributes', ctx.lsaHandle, ulAttribute, pBuffer ?? null, cbBuffer);
    });
  }

  ImpersonateSecurityContext(phContext: unknown): number {
    return this.guarded('ImpersonateSecurityContext', (f) => {
      const ctx = this.ctxOf(f.ps, phContext);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      f.owner = ctx;
      return this.st.callLsa(f, ctx.pkg, 'SpImpersonateSecurityContext', ctx.lsaHandle);
    });
  }

  RevertSecurityContext(phContext: unknown): number {
    return this.guarded('RevertSecurityContext', (f) => {
      const ctx = this.ctxOf(f.ps, phContext);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      f.owner = ctx;
      return this.st.callLsa(f, ctx.pkg, 'SpRevertSecurityContext', ctx.lsaHandle);
    });
  }

  QuerySecurityContextToken(phContext: unknown, Token: unknown): number {
    return this.guarded('QuerySecurityContextToken', (f) => {
      const ctx = this.ctxOf(f.ps, phContext);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      if (!ctx.mapped || !this.st.hasUser(f, ctx.pkg, 'SpGetContextToken')) return SEC_E_UNSUPPORTED_FUNCTION;
      if (!isOut(Token)) return SEC_E_INTERNAL_ERROR;
      f.owner = ctx;
      const out: Out<number> = { value: 0 };
      const status = this.st.callUser(f, ctx.pkg, 'SpGetContextToken', ctx.lsaHandle, out);
      if (SEC_SUCCESS(status)) (Token as Out<number>).value = out.value;
      return status;
    });
  }

  // --------------------------------------------------------------------------- messages

  /** MakeSignature / EncryptMessage: a mapped context's user-mode slot, in the caller. */
  private messageCall(
    call: string,
    slot: 'SpMakeSignature' | 'SpSealMessage' | 'SpVerifySignature' | 'SpUnsealMessage',
    phContext: unknown,
    fQOP: unknown,
    pMessage: unknown,
    MessageSeqNo: unknown,
    pfQOP: unknown,
  ): number {
    return this.guarded(call, (f) => {
      const ctx = this.ctxOf(f.ps, phContext);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      if (!ctx.mapped || !this.st.hasUser(f, ctx.pkg, slot)) return SEC_E_UNSUPPORTED_FUNCTION;
      const bufs = CallerDescriptors.forMessage(this.process, pMessage);
      if (!bufs) return SEC_E_INVALID_TOKEN;
      if (!isU32(MessageSeqNo) || (fQOP !== null && !isU32(fQOP))) return SEC_E_INTERNAL_ERROR;
      if (pfQOP !== null && pfQOP !== undefined && !isOut(pfQOP)) return SEC_E_INTERNAL_ERROR;
      f.owner = ctx;
      const desc = bufs.input!;
      let status: number;
      if (slot === 'SpMakeSignature' || slot === 'SpSealMessage') {
        status = this.st.callUser(f, ctx.pkg, slot, ctx.lsaHandle, fQOP as number, desc, MessageSeqNo);
      } else {
        // Check 102: a package may leave *pfQOP unwritten; copy only what it wrote.
        const q: Out<number> | null = pfQOP ? { value: (pfQOP as Out<number>).value } : null;
        const before = q?.value;
        status = this.st.callUser(f, ctx.pkg, slot, ctx.lsaHandle, desc, MessageSeqNo, q);
        if (q && q.value !== before) (pfQOP as Out<number>).value = q.value;
      }
      bufs.finish(true);
      return status;
    });
  }

  MakeSignature(phContext: unknown, fQOP: unknown, pMessage: unknown, MessageSeqNo: unknown): number {
    return this.messageCall('MakeSignature', 'SpMakeSignature', phContext, fQOP, pMessage, MessageSeqNo, null);
  }

  VerifySignature(phContext: unknown, pMessage: unknown, MessageSeqNo: unknown, pfQOP: unknown): number {
    return this.messageCall('VerifySignature', 'SpVerifySignature', phContext, null, pMessage, MessageSeqNo, pfQOP);
  }

  EncryptMessage(phContext: unknown, fQOP: unknown, pMessage: unknown, MessageSeqNo: unknown): number {
    return this.messageCall('EncryptMessage', 'SpSealMessage', phContext, fQOP, pMessage, MessageSeqNo, null);
  }

  DecryptMessage(phContext: unknown, pMessage: unknown, MessageSeqNo: unknown, pfQOP: unknown): number {
    return this.messageCall('DecryptMessage', 'SpUnsealMessage', phContext, null, pMessage, MessageSeqNo, pfQOP);
  }

  // --------------------------------------------------------------------------- buffers

  /**
   * `FreeContextBuffer`. A block the dispatcher handed out is released. Anything else is a
   * device fault and `SEC_E_INVALID_HANDLE`: Wine's FreeContextBuffer returns SEC_E_OK always
   * (reference §1, [WINE]), but Microsoft documents "If the function fails, the return value is
   * a nonzero error code", and the memory handle passed is what is invalid; cesim reports the
   * misuse rather than hide it (API-CONTRACT.md: "released only by FreeContextBuffer").
   * `FreeContextBuffer(NULL)` is a no-op, as `LocalFree(NULL)` is.
   */
  FreeContextBuffer(pvContextBuffer: unknown): number {
    return this.guarded('FreeContextBuffer', (f) => {
      if (pvContextBuffer === 0) return SEC_E_OK;
      if (!isU32(pvContextBuffer)) return SEC_E_INVALID_HANDLE;
      const rec = f.ps.contextBuffers.get(pvContextBuffer);
      if (rec) {
        f.ps.contextBuffers.delete(pvContextBuffer);
        rec.owner?.buffers.delete(pvContextBuffer);
        return this.process.poolFree(pvContextBuffer) ? SEC_E_OK : SEC_E_INVALID_HANDLE;
      }
      const b = this.process.blockOf(pvContextBuffer);
      if (b) {
        // A live block that SSPI did not hand out (the caller's own, or a package's state):
        // freeing it would corrupt its owner, so record the fault without freeing.
        this.process.device.recordFault(
          'bad-free',
          this.process.pid,
          pvContextBuffer,
          `FreeContextBuffer: block at 0x${pvContextBuffer.toString(16)} (${b.pool}, tag ${b.owner.tag}) was not allocated by a security package`,
        );
        return SEC_E_INVALID_HANDLE;
      }
      // Not a live block: a double free or a wild pointer; the device records which.
      this.process.poolFree(pvContextBuffer);
      return SEC_E_INVALID_HANDLE;
    });
  }

  // --------------------------------------------------------------------------- export/import

  ExportSecurityContext(phContext: unknown, fFlags: unknown, pPackedContext: unknown, pToken: unknown): number {
    return this.guarded('ExportSecurityContext', (f) => {
      const ctx = this.ctxOf(f.ps, phContext);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      if (!ctx.mapped || !this.st.hasUser(f, ctx.pkg, 'SpExportSecurityContext')) return SEC_E_UNSUPPORTED_FUNCTION;
      if (!isU32(fFlags) || !isObj(pPackedContext) || !writable(pPackedContext, 'pvBuffer') || !writable(pPackedContext, 'cbBuffer')) {
        return SEC_E_INTERNAL_ERROR;
      }
      if (pToken !== null && pToken !== undefined && !isOut(pToken)) return SEC_E_INTERNAL_ERROR;
      f.owner = ctx;
      const packed = new SecBuffer();
      const token: Out<number> = { value: 0 };
      const status = this.st.callUser(f, ctx.pkg, 'SpExportSecurityContext', ctx.lsaHandle, fFlags, packed, token);
      if (SEC_SUCCESS(status)) {
        const p = pPackedContext as unknown as SecBuffer;
        p.cbBuffer = packed.cbBuffer;
        p.BufferType = packed.BufferType;
        p.pvBuffer = packed.pvBuffer;
        if (pToken) (pToken as Out<number>).value = token.value;
      }
      return status;
    });
  }

  ImportSecurityContext(pszPackage: unknown, pPackedContext: unknown, Token: unknown, phContext: unknown): number {
    return this.guarded('ImportSecurityContextW', (f) => {
      if (typeof pszPackage !== 'string') return SEC_E_SECPKG_NOT_FOUND;
      const pkg = this.st.findPackage(pszPackage);
      if (!pkg) return SEC_E_SECPKG_NOT_FOUND;
      if (!this.st.hasUser(f, pkg, 'SpImportSecurityContext')) return SEC_E_UNSUPPORTED_FUNCTION;
      if (!isOutHandle(phContext)) return SEC_E_INVALID_HANDLE;
      const packed = CallerDescriptors.forBuffer(this.process, pPackedContext);
      if (!packed) return SEC_E_INVALID_TOKEN;
      const out: Out<LSA_SEC_HANDLE> = { value: 0 };
      const status = this.st.callUser(f, pkg, 'SpImportSecurityContext', packed, isU32(Token) ? Token : 0, out);
      if (!SEC_SUCCESS(status)) return status;
      const ctx = this.st.newContext(pkg, out.value, 0);
      const h = f.ps.handles.add('context', pkg.index, ctx);
      if (!h) {
        this.st.callUser(f, pkg, 'SpDeleteUserModeContext', out.value);
        return SEC_E_INSUFFICIENT_MEMORY;
      }
      ctx.dwLower = h.dwLower;
      ctx.dwUpper = h.dwUpper;
      this.st.adopt(f, ctx);
      ctx.mapped = true;
      ctx.fsm.fire(ContextEvent.Ok);
      ctx.fsm.fire(ContextEvent.MapToUser);
      (phContext as SecHandle).dwLower = h.dwLower;
      (phContext as SecHandle).dwUpper = h.dwUpper;
      return status;
    });
  }

  /** Deletes everything a process still holds and reports it (see `SspiProcessDetach`). */
  detach(): SspiLeakReport {
    const st = this.st;
    let report: SspiLeakReport | null = null;
    const call = (): number =>
      this.guarded('SspiProcessDetach', (f) => {
        for (const e of f.ps.handles.entries()) {
          if (e.obj.kind === 'context') this.teardown(f, e.obj, 'ProcessDetach');
        }
        for (const e of f.ps.handles.entries()) {
          if (e.obj.kind === 'credential') {
            f.owner = e.obj;
            st.callLsa(f, e.obj.pkg, 'SpFreeCredentialsHandle', e.obj.lsaHandle);
            f.ps.handles.remove('credential', e.dwLower, e.dwUpper);
            st.report('ProcessDetach', f.ps, e.obj);
          }
        }
        report = st.report('ProcessDetach', f.ps, null, `process ${this.process.name}`, [...f.ps.contextBuffers.keys()]);
        return SEC_E_OK;
      });
    call();
    st.dropProc(this.process);
    return (
      report ?? {
        event: 'ProcessDetach',
        pid: this.process.pid,
        processName: this.process.name,
        owner: `process ${this.process.name}`,
        packageBlocks: [],
        outstandingBuffers: [],
        timeNs: this.process.device.clock.nowNs(),
      }
    );
  }
}

const tables = new WeakMap<Process, SecurityFunctionTableW>();

/**
 * `InitSecurityInterfaceW()`: the function table bound to `process`, the process that loaded
 * Security.dll. The same object is returned on every call for a process (check 5).
 */
export function InitSecurityInterface(process: Process): SecurityFunctionTableW {
  const cached = tables.get(process);
  if (cached) return cached;
  watchExits(process.device);
  const d = new Dispatcher(sspiState(process.device), process);
  const EncryptMessage = (phContext: SecHandle | null, fQOP: number, pMessage: SecBufferDesc | null, MessageSeqNo: number): number =>
    d.EncryptMessage(phContext, fQOP, pMessage, MessageSeqNo);
  const DecryptMessage = (phContext: SecHandle | null, pMessage: SecBufferDesc | null, MessageSeqNo: number, pfQOP: Out<number> | null): number =>
    d.DecryptMessage(phContext, pMessage, MessageSeqNo, pfQOP);
  const t: SecurityFunctionTableW = Object.freeze({
    dwVersion: SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
    EnumerateSecurityPackages: (a: Out<number>, b: Out<number>) => d.EnumerateSecurityPackages(a, b),
    QueryCredentialsAttributes: (a: SecHandle | null, b: number, c: unknown) => d.QueryCredentialsAttributes(a, b, c),
    AcquireCredentialsHandle: (
      a: string | null,
      b: string | null,
      c: number,
      e: number | null,
      g: unknown,
      h: unknown,
      i: unknown,
      j: SecHandle | null,
      k: TimeStamp | null,
    ) => d.AcquireCredentialsHandle(a, b, c, e, g, h, i, j, k),
    FreeCredentialsHandle: (a: SecHandle | null) => d.FreeCredentialsHandle(a),
    Reserved2: null,
    InitializeSecurityContext: (
      a: SecHandle | null,
      b: SecHandle | null,
      c: string | null,
      e: number,
      g: number,
      h: number,
      i: SecBufferDesc | null,
      j: number,
      k: SecHandle | null,
      l: SecBufferDesc | null,
      m: Out<number> | null,
      n: TimeStamp | null,
    ) => d.InitializeSecurityContext(a, b, c, e, g, h, i, j, k, l, m, n),
    AcceptSecurityContext: (
      a: SecHandle | null,
      b: SecHandle | null,
      c: SecBufferDesc | null,
      e: number,
      g: number,
      h: SecHandle | null,
      i: SecBufferDesc | null,
      j: Out<number> | null,
      k: TimeStamp | null,
    ) => d.AcceptSecurityContext(a, b, c, e, g, h, i, j, k),
    CompleteAuthToken: (a: SecHandle | null, b: SecBufferDesc | null) => d.CompleteAuthToken(a, b),
    DeleteSecurityContext: (a: SecHandle | null) => d.DeleteSecurityContext(a),
    ApplyControlToken: (a: SecHandle | null, b: SecBufferDesc | null) => d.ApplyControlToken(a, b),
    QueryContextAttributes: (a: SecHandle | null, b: number, c: unknown) => d.QueryContextAttributes(a, b, c),
    ImpersonateSecurityContext: (a: SecHandle | null) => d.ImpersonateSecurityContext(a),
    RevertSecurityContext: (a: SecHandle | null) => d.RevertSecurityContext(a),
    MakeSignature: (a: SecHandle | null, b: number, c: SecBufferDesc | null, e: number) => d.MakeSignature(a, b, c, e),
    VerifySignature: (a: SecHandle | null, b: SecBufferDesc | null, c: number, e: Out<number> | null) => d.VerifySignature(a, b, c, e),
    FreeContextBuffer: (a: number) => d.FreeContextBuffer(a),
    QuerySecurityPackageInfo: (a: string | null, b: Out<number>) => d.QuerySecurityPackageInfo(a, b),
    Reserved3: EncryptMessage,
    Reserved4: DecryptMessage,
    ExportSecurityContext: (a: SecHandle | null, b: number, c: SecBuffer | null, e: Out<number> | null) => d.ExportSecurityContext(a, b, c, e),
    ImportSecurityContext: (a: string | null, b: SecBuffer | null, c: number, e: SecHandle | null) => d.ImportSecurityContext(a, b, c, e),
    AddCredentials: (
      a: SecHandle | null,
      b: string | null,
      c: string | null,
      e: number,
      g: unknown,
      h: unknown,
      i: unknown,
      j: TimeStamp | null,
    ) => d.AddCredentials(a, b, c, e, g, h, i, j),
    Reserved8: null,
    QuerySecurityContextToken: (a: SecHandle | null, b: Out<number> | null) => d.QuerySecurityContextToken(a, b),
    EncryptMessage,
    DecryptMessage,
    SetContextAttributes: (a: SecHandle | null, b: number, c: unknown, e: number) => d.SetContextAttributes(a, b, c, e),
  });
  tables.set(process, t);
  detachers.set(process, () => d.detach());
  return t;
}

const detachers = new WeakMap<Process, () => SspiLeakReport>();
const watched = new WeakSet<Device>();

/**
 * Security.dll's DLL_PROCESS_DETACH on the device: when a process that loaded it exits, what it
 * still holds (contexts, credentials, FreeContextBuffer blocks) is deleted and reported
 * (`getSspiReports`, `onSspiReport`) before the device reclaims the rest.
 */
function watchExits(device: Device): void {
  if (watched.has(device)) return;
  watched.add(device);
  device.on('exit', (e) => {
    const p = device.process(e.pid);
    if (p && detachers.has(p)) SspiProcessDetach(p);
  });
}

/**
 * `DLL_PROCESS_DETACH` of Security.dll: deletes every context and credential `process` still
 * holds (each reported), and reports the `FreeContextBuffer` blocks it never freed. Call it
 * before `process.exit()`, which then reports whatever pool or heap blocks remain.
 */
export function SspiProcessDetach(process: Process): SspiLeakReport {
  InitSecurityInterface(process);
  const r = detachers.get(process)!();
  tables.delete(process);
  detachers.delete(process);
  return r;
}
