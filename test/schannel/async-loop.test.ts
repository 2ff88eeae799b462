/**
 * The async API (SspiInitializeSecurityContextAsync …) for Schannel on the emulated loop:
 * the client's ClientHello computed asynchronously; the task observes
 * SEC_I_ASYNC_CALL_PENDING, the notify callback runs on the loop after the call's modelled CPU
 * cost in virtual time.
 */
import { describe, it, expect } from 'vitest';
import { Simulation } from '../../emulator/index.js';
import {
  SspiCreateAsyncContext,
  SspiSetAsyncNotifyCallback,
  SspiGetAsyncCallStatus,
  SspiAcquireCredentialsHandleAsync,
  SspiInitializeSecurityContextAsync,
  SspiFreeAsyncContext,
  SEC_I_ASYNC_CALL_PENDING,
  SEC_E_OK,
  SecBuffer,
  SecBufferDesc,
  SecHandle,
  SECBUFFER_TOKEN,
  SECPKG_CRED_OUTBOUND,
  SCHANNEL_CRED,
  SCHANNEL_CRED_VERSION,
  SCH_CRED_MANUAL_CRED_VALIDATION,
  UNISP_NAME,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_STREAM,
  ISC_REQ_DELEGATE,
  SEC_E_UNSUPPORTED_FUNCTION,
  statusName,
  type SspiAsyncContext,
} from '../../sspi/index.js';
import { registerSchannel } from '../../schannel/index.js';

registerSchannel();

describe('async Schannel on the emulated loop', () => {
  it('SspiInitializeSecurityContextAsync: pending, then the ClientHello after its CPU cost', async () => {
    const sim = new Simulation({ seed: 9, timeLimitNs: 10e9 });
    const dev = sim.addDevice('client', 'ce210-handheld', { address: '10.0.0.2' });
    const seen: string[] = [];
    let costNs = 0;
    let token: Uint8Array = new Uint8Array(0);
    dev.spawn('client.exe', async (ctx) => {
      const a = SspiCreateAsyncContext(ctx.process)!;
      let notifiedAt = -1;
      SspiSetAsyncNotifyCallback(a, (h: SspiAsyncContext) => {
        notifiedAt = ctx.now();
        seen.push(`notify ${statusName(SspiGetAsyncCallStatus(h))}`);
      }, null);
      const cred = new SecHandle();
      expect(SspiAcquireCredentialsHandleAsync(a, null, UNISP_NAME, SECPKG_CRED_OUTBOUND, null, new SCHANNEL_CRED({ dwVersion: SCHANNEL_CRED_VERSION, dwFlags: SCH_CRED_MANUAL_CRED_VALIDATION }), null, null, cred, null)).toBe(SEC_E_OK);
      seen.push(statusName(SspiGetAsyncCallStatus(a)));
      await ctx.waitFor(() => SspiGetAsyncCallStatus(a) !== SEC_I_ASYNC_CALL_PENDING, 1e9);
      seen.push(statusName(SspiGetAsyncCallStatus(a)));
      const b = SspiCreateAsyncContext(ctx.process)!;
      // The async API refuses ISC_REQ_DELEGATE (the CE docs).
      expect(SspiInitializeSecurityContextAsync(b, cred, null, 'device.test', ISC_REQ_DELEGATE, 0, 0, null, 0, new SecHandle(), new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]), null, null)).toBe(SEC_E_UNSUPPORTED_FUNCTION);
      const out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
      const hctx = new SecHandle();
      const t0 = ctx.now();
      expect(SspiInitializeSecurityContextAsync(b, cred, null, 'device.test', ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM, 0, 0, null, 0, hctx, out, null, null)).toBe(SEC_E_OK);
      expect(SspiGetAsyncCallStatus(b)).toBe(SEC_I_ASYNC_CALL_PENDING);
      seen.push('isc pending');
      await ctx.waitFor(() => SspiGetAsyncCallStatus(b) !== SEC_I_ASYNC_CALL_PENDING, 5e9);
      costNs = ctx.now() - t0;
      seen.push(`isc ${statusName(SspiGetAsyncCallStatus(b))}`);
      token = ctx.process.read(out.pBuffers[0]!.pvBuffer, out.pBuffers[0]!.cbBuffer);
      expect(notifiedAt).toBeGreaterThanOrEqual(0);
      SspiFreeAsyncContext(a);
      SspiFreeAsyncContext(b);
    });
    const r = await sim.run();
    expect(r.reason).toBe('idle');
    expect(seen).toEqual(['SEC_I_ASYNC_CALL_PENDING', 'notify SEC_E_OK', 'SEC_E_OK', 'isc pending', 'isc SEC_I_CONTINUE_NEEDED']);
    // The ClientHello's x25519 key generation alone is 5 Mcycles: about 38 ms at 131 MHz.
    expect(costNs).toBeGreaterThan(30e6);
    expect(token[0]).toBe(0x16);
  });
});
