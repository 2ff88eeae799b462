/** No member of the function table throws, whatever it is given; pools stay as they were. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LPTR } from '../../device/index.js';
import { CredHandle, CtxtHandle, InitSecurityInterface, SECURITY_FUNCTION_NAMES, SecBuffer, SecBufferDesc, sspiState } from '../../sspi/index.js';
import { newDevice, poolUse } from './helpers.js';

const HOSTILE = new Set(['dwLower', 'dwUpper', 'value', 'ulVersion', 'cBuffers', 'pBuffers', 'cbBuffer', 'BufferType', 'pvBuffer', 'LowPart', 'HighPart']);

describe('no-throw fuzz over every member', () => {
  it('malformed arguments of every kind: a number status, pools unchanged', () => {
    const d = newDevice(7);
    sspiState(d).ensureLoaded();
    const app = d.createProcess('fuzz.exe');
    const t = InitSecurityInterface(app);
    const heap = app.LocalAlloc(LPTR, 16);
    const frozen = Object.freeze({ value: 0 });
    const weird = fc.oneof(
      fc.anything(),
      fc.constantFrom(undefined, null, NaN, Infinity, -1, 0, 0xffffffff, 2 ** 53, -(2 ** 31), 1e308, '', 'TwoLeg', 'threeleg', frozen, heap, 0xdeadbeef),
      fc.record({ dwLower: fc.oneof(fc.integer(), fc.constant(0xffffffff)), dwUpper: fc.oneof(fc.integer(), fc.constant(0xffffffff)) }),
      fc.constant(new CredHandle(0, 0)),
      fc.constant(new CtxtHandle()),
      fc.record({ ulVersion: fc.integer(), cBuffers: fc.integer(), pBuffers: fc.array(fc.anything(), { maxLength: 3 }) }),
      fc.constant(new SecBufferDesc([new SecBuffer(0xffff, 2, heap)])),
      fc.constant(new SecBufferDesc([new SecBuffer(16, 1, heap + 8)])),
      fc.constant(Object.freeze(new SecBufferDesc([new SecBuffer(0, 2, 0)]))),
      fc.constant(
        new Proxy(
          { [fc.toStringMethod]: () => 'hostileProxy' },
          {
            get(_t, k) {
              if (typeof k === 'string' && HOSTILE.has(k)) throw new Error('hostile getter');
              return typeof k === 'symbol' ? (_t as Record<symbol, unknown>)[k] : undefined;
            },
          },
        ),
      ),
    );
    const before = poolUse(d);
    fc.assert(
      fc.property(fc.constantFrom(...SECURITY_FUNCTION_NAMES), fc.array(weird, { minLength: 0, maxLength: 12 }), (name, args) => {
        const fn = t[name] as (...a: unknown[]) => unknown;
        let status: unknown;
        expect(() => {
          status = fn(...args);
        }).not.toThrow();
        expect(typeof status).toBe('number');
        expect(Number.isInteger(status) && (status as number) >= 0 && (status as number) <= 0xffffffff).toBe(true);
        // A well-formed EnumerateSecurityPackages/QuerySecurityPackageInfo can succeed by chance: free its block.
        if (status === 0) {
          for (const a of [...args, ...args.map((x) => (typeof x === 'object' && x ? Object.getPrototypeOf(x) : null))]) {
            const v = Object.getOwnPropertyDescriptor(a ?? {}, 'value')?.value;
            if (typeof v === 'number' && v !== 0 && app.blockOf(v)?.owner.tag === 'sspi.pkginfo') t.FreeContextBuffer(v);
          }
        }
        // The sspi/package pools are as they were (the caller's own heap block stays).
        expect(poolUse(d)).toEqual(before);
      }),
      { numRuns: 3000, seed: 42, endOnFailure: true },
    );
  });
});
