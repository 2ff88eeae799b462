/** Out of memory at every allocation of a three-leg ALLOCATE_MEMORY exchange: a status, never an exception, no leak. */
import { describe, expect, it } from 'vitest';
import { ASC_REQ_ALLOCATE_MEMORY, ISC_REQ_ALLOCATE_MEMORY, ISC_REQ_MUTUAL_AUTH, SEC_E_INSUFFICIENT_MEMORY, SEC_E_OK, sspiState, toStatus } from '../../sspi/index.js';
import { newDevice, runExchange } from './helpers.js';

describe('forced allocation failures', () => {
  it('every allocation index of the exchange: status (never a throw), then no leak after Delete/Free', () => {
    let sawForced = true;
    const seen = new Set<number>();
    for (let n = 1; sawForced && n < 200; n++) {
      const d = newDevice(n);
      sspiState(d).ensureLoaded();
      // Only pool allocations (the heap is the test's own transport).
      const rule = d.failures.failNth(n, { pool: /^(token|general|io)$/ });
      let r: ReturnType<typeof runExchange> | null = null;
      expect(() => {
        r = runExchange(d, { pkg: 'ThreeLeg', clientReq: ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH, serverReq: ASC_REQ_ALLOCATE_MEMORY, allocate: true, freeTokens: true });
      }).not.toThrow();
      sawForced = rule.fired > 0;
      const res = r!;
      if (res.failure !== 0) {
        expect(toStatus(res.failure)).toBe(res.failure);
        seen.add(res.failure);
      }
      if (sawForced) expect(res.failure).not.toBe(0);
      // Clean up whatever exists: invalid handles just answer SEC_E_INVALID_HANDLE.
      res.C?.DeleteSecurityContext(res.cctx);
      res.S?.DeleteSecurityContext(res.sctx);
      res.C?.FreeCredentialsHandle(res.ccred);
      res.S?.FreeCredentialsHandle(res.scred);
      expect(d.leakReport({ tag: /^(sspi|ThreeLeg)\./ })).toEqual([]);
      if (!sawForced) expect(res.failure).toBe(0);
    }
    expect(sawForced).toBe(false);
    expect([...seen]).toContain(SEC_E_INSUFFICIENT_MEMORY);
    expect(seen.has(SEC_E_OK)).toBe(false);
  });
});
