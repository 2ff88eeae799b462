/**
 * The asynchronous SSPI calls (sspi.h, `../shared/reference/windows-docs/SspiInitializeSecurityContextAsyncA.txt`).
 *
 * A call queues its work on the device's loop and returns `SEC_E_OK` ("the async request …
 * was successfully queued for execution"); `SspiGetAsyncCallStatus` answers
 * `SEC_I_ASYNC_CALL_PENDING` until the loop has run it and its modelled CPU cost has passed in
 * virtual time, then the call's status; the notify callback runs on the loop at that moment.
 * `ISC_REQ_DELEGATE` and `ISC_REQ_PROMPT_FOR_CREDS` are refused with `SEC_E_UNSUPPORTED_FUNCTION`
 * (the docs' fatal-error table).
 *
 * sspi/ does not import the emulator: the loop is reached through `AsyncScheduler`, registered
 * per device with `setAsyncScheduler` (the emulator registers its own; tests use a tiny one).
 *
 * cesim deviation: `SspiCreateAsyncContext(process)` takes the calling process (Win32's takes
 * none; there the process is implicit), and the context's calls run in it.
 */

import type { Device, Process } from '../device/index.js';
import {
  ISC_REQ_DELEGATE,
  ISC_REQ_PROMPT_FOR_CREDS,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_HANDLE,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_ASYNC_CALL_PENDING,
} from './constants.js';
import { InitSecurityInterface } from './dispatcher.js';
import type { Out } from './package.js';
import type { SecBufferDesc, SecHandle, TimeStamp } from './structures.js';
import { toStatus } from './status.js';

/** The loop sspi/ queues async work on: run `fn` after `delayNs` of virtual time. */
export interface AsyncScheduler {
  /** Runs `fn` on the loop `delayNs` nanoseconds of virtual time from now. */
  schedule(delayNs: number, fn: () => void): void;
}

const schedulers = new WeakMap<Device, AsyncScheduler>();

/** Registers the loop of `device` (null removes it). */
export function setAsyncScheduler(device: Device, scheduler: AsyncScheduler | null): void {
  if (scheduler) schedulers.set(device, scheduler);
  else schedulers.delete(device);
}

/** The loop registered for `device`, or null. */
export function getAsyncScheduler(device: Device): AsyncScheduler | null {
  return schedulers.get(device) ?? null;
}

/** `SspiAsyncNotifyCallback(Handle, CallbackData)`. */
export type SspiAsyncNotifyCallback = (Handle: SspiAsyncContext, CallbackData: unknown) => void;

/** `SspiAsyncContext`: one outstanding asynchronous call at a time. */
export class SspiAsyncContext {
  /** Status of the last call (`SEC_I_ASYNC_CALL_PENDING` while it runs). */
  status = SEC_E_OK;
  /** True while a call is queued or running. */
  pending = false;
  /** True after `SspiFreeAsyncContext`. */
  freed = false;
  /** The notify callback. */
  callback: SspiAsyncNotifyCallback | null = null;
  /** The callback's data. */
  callbackData: unknown = null;
  /** Virtual time at which the last call completed (ns). */
  completedAtNs = 0;
  /** Modelled CPU cost of the last call (ns). */
  costNs = 0;
  /** Use `SspiCreateAsyncContext`. */
  constructor(readonly process: Process) {}
}

/** `SspiCreateAsyncContext()`: an async context whose calls run in `process`. */
export function SspiCreateAsyncContext(process: Process): SspiAsyncContext | null {
  try {
    return new SspiAsyncContext(process);
  } catch {
    return null;
  }
}

/** `SspiFreeAsyncContext(Handle)`: a pending call still completes, without notification. */
export function SspiFreeAsyncContext(Handle: SspiAsyncContext | null): void {
  if (Handle instanceof SspiAsyncContext) {
    Handle.freed = true;
    Handle.callback = null;
  }
}

/** `SspiReinitAsyncContext(Handle)`: ready for another call (refused while one is pending). */
export function SspiReinitAsyncContext(Handle: SspiAsyncContext | null): number {
  if (!(Handle instanceof SspiAsyncContext) || Handle.freed || Handle.pending) return SEC_E_INVALID_HANDLE;
  Handle.status = SEC_E_OK;
  return SEC_E_OK;
}

/** `SspiSetAsyncNotifyCallback(Context, Callback, CallbackData)`. */
export function SspiSetAsyncNotifyCallback(Context: SspiAsyncContext | null, Callback: SspiAsyncNotifyCallback | null, CallbackData: unknown): number {
  if (!(Context instanceof SspiAsyncContext) || Context.freed) return SEC_E_INVALID_HANDLE;
  Context.callback = typeof Callback === 'function' ? Callback : null;
  Context.callbackData = CallbackData;
  return SEC_E_OK;
}

/** `SspiAsyncContextRequiresNotify(AsyncContext)`: whether a notify callback is set. */
export function SspiAsyncContextRequiresNotify(AsyncContext: SspiAsyncContext | null): boolean {
  return AsyncContext instanceof SspiAsyncContext && AsyncContext.callback !== null;
}

/** `SspiGetAsyncCallStatus(Handle)`: `SEC_I_ASYNC_CALL_PENDING` (0x00090368) or the call's status. */
export function SspiGetAsyncCallStatus(Handle: SspiAsyncContext | null): number {
  if (!(Handle instanceof SspiAsyncContext)) return SEC_E_INVALID_HANDLE;
  return Handle.pending ? SEC_I_ASYNC_CALL_PENDING : Handle.status;
}

/** Queues `work` for `ctx` on its device's loop; the status says whether it was queued. */
function queue(ctx: unknown, work: () => number): number {
  try {
    if (!(ctx instanceof SspiAsyncContext) || ctx.freed || ctx.pending) return SEC_E_INVALID_HANDLE;
    const device = ctx.process.device;
    const loop = schedulers.get(device);
    if (!loop) return SEC_E_INTERNAL_ERROR;
    ctx.pending = true;
    ctx.status = SEC_I_ASYNC_CALL_PENDING;
    loop.schedule(0, () => {
      const t0 = device.clock.nowNs();
      const status = toStatus(work());
      const cost = Math.max(0, device.clock.nowNs() - t0);
      ctx.costNs = cost;
      loop.schedule(cost, () => {
        ctx.pending = false;
        ctx.status = status;
        ctx.completedAtNs = device.clock.nowNs();
        const cb = ctx.callback;
        if (cb && !ctx.freed) {
          try {
            cb(ctx, ctx.callbackData);
          } catch {
            // A callback's exception stays on the loop side; the status is already set.
          }
        }
      });
    });
    return SEC_E_OK;
  } catch {
    if (ctx instanceof SspiAsyncContext) {
      ctx.pending = false;
      ctx.status = SEC_E_INTERNAL_ERROR;
    }
    return SEC_E_INTERNAL_ERROR;
  }
}

/** Refuses the flags the async docs list as not valid, recording the status in the context too. */
function refuseFlags(ctx: unknown, fContextReq: unknown): number {
  if (typeof fContextReq === 'number' && (fContextReq & (ISC_REQ_DELEGATE | ISC_REQ_PROMPT_FOR_CREDS)) !== 0) {
    if (ctx instanceof SspiAsyncContext && !ctx.pending) ctx.status = SEC_E_UNSUPPORTED_FUNCTION;
    return SEC_E_UNSUPPORTED_FUNCTION;
  }
  return SEC_E_OK;
}

/** `SspiAcquireCredentialsHandleAsync(AsyncContext, …)`: AcquireCredentialsHandle on the loop. */
export function SspiAcquireCredentialsHandleAsync(
  AsyncContext: SspiAsyncContext | null,
  pszPrincipal: string | null,
  pszPackage: string | null,
  fCredentialUse: number,
  pvLogonId: number | null,
  pAuthData: unknown,
  pGetKeyFn: unknown,
  pvGetKeyArgument: unknown,
  phCredential: SecHandle | null,
  ptsExpiry: TimeStamp | null,
): number {
  return queue(AsyncContext, () =>
    InitSecurityInterface(AsyncContext!.process).AcquireCredentialsHandle(
      pszPrincipal,
      pszPackage,
      fCredentialUse,
      pvLogonId,
      pAuthData,
      pGetKeyFn,
      pvGetKeyArgument,
      phCredential,
      ptsExpiry,
    ),
  );
}

/** `SspiInitializeSecurityContextAsync(AsyncContext, …)`: InitializeSecurityContext on the loop. */
export function SspiInitializeSecurityContextAsync(
  AsyncContext: SspiAsyncContext | null,
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
): number {
  const refused = refuseFlags(AsyncContext, fContextReq);
  if (refused !== SEC_E_OK) return refused;
  return queue(AsyncContext, () =>
    InitSecurityInterface(AsyncContext!.process).InitializeSecurityContext(
      phCredential,
      phContext,
      pszTargetName,
      fContextReq,
      Reserved1,
      TargetDataRep,
      pInput,
      Reserved2,
      phNewContext,
      pOutput,
      pfContextAttr,
      ptsExpiry,
    ),
  );
}

/** `SspiAcceptSecurityContextAsync(AsyncContext, …)`: AcceptSecurityContext on the loop. */
export function SspiAcceptSecurityContextAsync(
  AsyncContext: SspiAsyncContext | null,
  phCredential: SecHandle | null,
  phContext: SecHandle | null,
  pInput: SecBufferDesc | null,
  fContextReq: number,
  TargetDataRep: number,
  phNewContext: SecHandle | null,
  pOutput: SecBufferDesc | null,
  pfContextAttr: Out<number> | null,
  ptsExpiry: TimeStamp | null,
): number {
  return queue(AsyncContext, () =>
    InitSecurityInterface(AsyncContext!.process).AcceptSecurityContext(
      phCredential,
      phContext,
      pInput,
      fContextReq,
      TargetDataRep,
      phNewContext,
      pOutput,
      pfContextAttr,
      ptsExpiry,
    ),
  );
}

/** `SspiDeleteSecurityContextAsync(AsyncContext, phContext)`. */
export function SspiDeleteSecurityContextAsync(AsyncContext: SspiAsyncContext | null, phContext: SecHandle | null): number {
  return queue(AsyncContext, () => InitSecurityInterface(AsyncContext!.process).DeleteSecurityContext(phContext));
}

/** `SspiFreeCredentialsHandleAsync(AsyncContext, phCredential)`. */
export function SspiFreeCredentialsHandleAsync(AsyncContext: SspiAsyncContext | null, phCredential: SecHandle | null): number {
  return queue(AsyncContext, () => InitSecurityInterface(AsyncContext!.process).FreeCredentialsHandle(phCredential));
}
