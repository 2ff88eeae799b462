/** The async API (SspiInitializeSecurityContextAsyncA.txt) on a minimal virtual-time loop. */
import { describe, expect, it } from 'vitest';
import { LPTR } from '../../device/index.js';
import {
  CredHandle,
  CtxtHandle,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_DELEGATE,
  ISC_REQ_PROMPT_FOR_CREDS,
  ASC_REQ_ALLOCATE_MEMORY,
  InitSecurityInterface,
  SECBUFFER_TOKEN,
  SEC_E_OK,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_ASYNC_CALL_PENDING,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SecBufferDesc,
  SspiAcceptSecurityContextAsync,
  SspiAcquireCredentialsHandleAsync,
  SspiAsyncContextRequiresNotify,
  SspiCreateAsyncContext,
  SspiDeleteSecurityContextAsync,
  SspiFreeAsyncContext,
  SspiFreeCredentialsHandleAsync,
  SspiGetAsyncCallStatus,
  SspiInitializeSecurityContextAsync,
  SspiReinitAsyncContext,
  SspiSetAsyncNotifyCallback,
  setAsyncScheduler,
  type AsyncScheduler,
  type SspiAsyncContext,
} from '../../sspi/index.js';
import { newDevice } from './helpers.js';

/** A minimal loop: events ordered by virtual time, then insertion. */
class TestLoop implements AsyncScheduler {
  now = 0;
  private q: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;
  schedule(delayNs: number, fn: () => void): void {
    this.q.push({ at: this.now + delayNs, seq: this.seq++, fn });
    this.q.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
  step(): boolean {
    const e = this.q.shift();
    if (!e) return false;
    this.now = e.at;
    e.fn();
    return true;
  }
  run(): void {
    while (this.step());
  }
}

describe('async API', () => {
  it('SEC_I_ASYNC_CALL_PENDING is 0x00090368 (winerror.h)', () => {
    expect(SEC_I_ASYNC_CALL_PENDING).toBe(0x00090368);
  });

  it('completes a three-leg exchange: pending observed before completion, notify on the loop, cost in virtual time', () => {
    const d = newDevice();
    const loop = new TestLoop();
    setAsyncScheduler(d, loop);
    const client = d.createProcess('client.exe');
    const server = d.createProcess('server.exe');
    const ca = SspiCreateAsyncContext(client)!;
    const sa = SspiCreateAsyncContext(server)!;
    const notified: number[] = [];
    expect(SspiAsyncContextRequiresNotify(ca)).toBe(false);
    expect(SspiSetAsyncNotifyCallback(ca, (h: SspiAsyncContext) => notified.push(SspiGetAsyncCallStatus(h)), null)).toBe(SEC_E_OK);
    expect(SspiAsyncContextRequiresNotify(ca)).toBe(true);
    const await_ = (a: SspiAsyncContext): number => {
      expect(SspiGetAsyncCallStatus(a)).toBe(SEC_I_ASYNC_CALL_PENDING);
      loop.run();
      const s = SspiGetAsyncCallStatus(a);
      expect(SspiReinitAsyncContext(a)).toBe(SEC_E_OK);
      return s;
    };
    const cc = new CredHandle();
    const sc = new CredHandle();
    expect(SspiAcquireCredentialsHandleAsync(ca, 'alice', 'ThreeLeg', 2, null, null, null, null, cc, null)).toBe(SEC_E_OK);
    expect(await_(ca)).toBe(SEC_E_OK);
    expect(SspiAcquireCredentialsHandleAsync(sa, null, 'ThreeLeg', 1, null, { users: ['alice'] }, null, null, sc, null)).toBe(SEC_E_OK);
    expect(await_(sa)).toBe(SEC_E_OK);

    const cctx = new CtxtHandle();
    const sctx = new CtxtHandle();
    const move = (from: SecBufferDesc, src: typeof client, dst: typeof client): SecBufferDesc => {
      const b = from.pBuffers[0]!;
      const bytes = src.read(b.pvBuffer, b.cbBuffer);
      InitSecurityInterface(src).FreeContextBuffer(b.pvBuffer);
      const a = dst.LocalAlloc(LPTR, bytes.length);
      dst.write(a, bytes);
      return new SecBufferDesc([new SecBuffer(bytes.length, SECBUFFER_TOKEN, a)]);
    };
    const tok = (): SecBufferDesc => new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    let out = tok();
    const t0 = loop.now;
    expect(SspiInitializeSecurityContextAsync(ca, cc, null, 'server', ISC_REQ_ALLOCATE_MEMORY, 0, 0, null, 0, cctx, out, null, null)).toBe(SEC_E_OK);
    expect(await_(ca)).toBe(SEC_I_CONTINUE_NEEDED);
    expect(loop.now - t0).toBeGreaterThan(0); // the package's modelled CPU cost passed in virtual time
    expect(ca.costNs).toBe(loop.now - t0);
    let sout = tok();
    expect(SspiAcceptSecurityContextAsync(sa, sc, null, move(out, client, server), ASC_REQ_ALLOCATE_MEMORY, 0, sctx, sout, null, null)).toBe(SEC_E_OK);
    expect(await_(sa)).toBe(SEC_I_CONTINUE_NEEDED);
    out = tok();
    expect(SspiInitializeSecurityContextAsync(ca, cc, cctx, 'server', ISC_REQ_ALLOCATE_MEMORY, 0, 0, move(sout, server, client), 0, cctx, out, null, null)).toBe(SEC_E_OK);
    expect(await_(ca)).toBe(SEC_E_OK);
    sout = tok();
    expect(SspiAcceptSecurityContextAsync(sa, sc, sctx, move(out, client, server), ASC_REQ_ALLOCATE_MEMORY, 0, sctx, sout, null, null)).toBe(SEC_E_OK);
    expect(await_(sa)).toBe(SEC_E_OK);
    expect(notified).toEqual([SEC_E_OK, SEC_I_CONTINUE_NEEDED, SEC_E_OK]);

    // ISC_REQ_DELEGATE / ISC_REQ_PROMPT_FOR_CREDS are refused.
    expect(SspiInitializeSecurityContextAsync(ca, cc, null, 's', ISC_REQ_DELEGATE, 0, 0, null, 0, new CtxtHandle(), tok(), null, null)).toBe(SEC_E_UNSUPPORTED_FUNCTION);
    expect(SspiInitializeSecurityContextAsync(ca, cc, null, 's', ISC_REQ_PROMPT_FOR_CREDS, 0, 0, null, 0, new CtxtHandle(), tok(), null, null)).toBe(SEC_E_UNSUPPORTED_FUNCTION);
    expect(SspiGetAsyncCallStatus(ca)).toBe(SEC_E_UNSUPPORTED_FUNCTION);
    expect(SspiReinitAsyncContext(ca)).toBe(SEC_E_OK);

    expect(SspiDeleteSecurityContextAsync(ca, cctx)).toBe(SEC_E_OK);
    expect(await_(ca)).toBe(SEC_E_OK);
    expect(SspiFreeCredentialsHandleAsync(ca, cc)).toBe(SEC_E_OK);
    expect(await_(ca)).toBe(SEC_E_OK);
    expect(SspiDeleteSecurityContextAsync(sa, sctx)).toBe(SEC_E_OK);
    expect(await_(sa)).toBe(SEC_E_OK);
    expect(SspiFreeCredentialsHandleAsync(sa, sc)).toBe(SEC_E_OK);
    expect(await_(sa)).toBe(SEC_E_OK);
    SspiFreeAsyncContext(ca);
    SspiFreeAsyncContext(sa);
    expect(d.leakReport({ tag: /^(sspi|ThreeLeg)\./ })).toEqual([]);
  });
});
