import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Device, DemandRecorder, advisePool, advisedProfileJson, advisePools, getProfile, loadProfile, replay, shadowProfile, type PoolProfile } from '../../device/index.js';

const pool = (buckets: [number, number][], policy: 'fallthrough' | 'strict' = 'fallthrough'): PoolProfile => ({ name: 'g', policy, overheadBytes: 16, align: 16, buckets: buckets.map(([blockSize, count]) => ({ blockSize, count })) });

/** Demand: allocate `sizes` (all live at once), then free them all. */
function burst(sizes: number[], base = 0): number[] {
  return [...sizes, ...sizes.map((_, i) => -(base + i + 1))];
}

describe('pool-size advisor', () => {
  it('sizes buckets to stride classes and counts to the peak of simultaneous requests, over every run', () => {
    const runs = [
      { run: 'a', pool: 'g', shadowFailures: 0, events: burst([100, 100, 100, 1000]) },
      { run: 'b', pool: 'g', shadowFailures: 0, events: burst([100, 1000, 1000]) },
    ];
    const a = advisePool(pool([[128, 8], [2048, 8]], 'strict'), runs);
    // 100 B → the 104-byte class (16 + 104 + 8 = 128-byte stride); 1000 → 1000 (1024-byte stride).
    expect(a.advised.buckets.map((b) => [b.blockSize, b.count])).toEqual([[104, 3], [1000, 2]]);
    expect(a.advised.buckets.map((b) => b.worstRun)).toEqual(['a', 'b']);
    expect(a.advised.regionBytes).toBe(3 * 128 + 2 * 1024);
    expect(a.advised.replay.failures).toBe(0);
    expect(a.builtIn.regionBytes).toBe(8 * 160 + 8 * 2080);
    expect(a.builtIn.unusedBytes).toBe(5 * 160 + 6 * 2080);
  });

  it('with one bucket allowed, shares it when the peaks do not coincide', () => {
    // 100-byte requests peak at 3 while the 1000-byte ones are 0, then 2 of 1000 alone.
    const events = [100, 100, 100, -1, -2, -3, 1000, 1000, -4, -5];
    const a = advisePool(pool([[2048, 8]], 'strict'), [{ run: 'r', pool: 'g', shadowFailures: 0, events }], { maxBuckets: 1 });
    expect(a.advised.buckets.map((b) => [b.blockSize, b.count])).toEqual([[1000, 3]]);
  });

  it('under fall-through lowers a small bucket whose peak meets free large blocks; one block fewer anywhere fails', () => {
    // The small peak (4) comes when the large bucket is empty; the large peak (2) when no small is live.
    const events = [50, 50, 50, 50, -1, -2, -3, -4, 900, 900, -5, -6];
    const runs = [{ run: 'r', pool: 'g', shadowFailures: 0, events }];
    const strict = advisePool(pool([[64, 8], [1024, 8]], 'strict'), runs);
    expect(strict.advised.buckets.map((b) => b.count)).toEqual([4, 2]);
    const ft = advisePool(pool([[64, 8], [1024, 8]]), runs);
    expect(ft.advised.buckets.map((b) => b.count)).toEqual([2, 2]);
    expect(ft.advised.regionBytes).toBeLessThan(strict.advised.regionBytes);
    for (const adv of [strict, ft]) {
      expect(replay(runs, adv.advised.buckets, adv.policy).failures).toBe(0);
      adv.advised.buckets.forEach((_, i) => {
        const fewer = adv.advised.buckets.map((b, k) => ({ blockSize: b.blockSize, count: b.count - (k === i ? 1 : 0) }));
        expect(replay(runs, fewer, adv.policy).failures).toBeGreaterThan(0);
      });
    }
  });

  it('headroom rounds each count up by the percentage', () => {
    const runs = [{ run: 'r', pool: 'g', shadowFailures: 0, events: burst([100, 100, 100, 100, 100, 100, 100]) }];
    const a = advisePool(pool([[128, 8]], 'strict'), runs, { headroomPct: 25 });
    expect(a.advised.buckets[0]).toMatchObject({ minCount: 7, count: 9 });
    expect(() => advisePool(pool([[128, 8]]), runs, { headroomPct: -1 })).toThrow(RangeError);
  });

  it('property: the advice serves every run, and taking one block from any bucket fails some run', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.boolean()), { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom<'fallthrough' | 'strict'>('fallthrough', 'strict'),
        (runsSpec, policy) => {
          const runs = runsSpec.map((spec, ri) => {
            const events: number[] = [];
            const live: number[] = [];
            let n = 0;
            for (const [size, freeOne] of spec) {
              events.push(size);
              live.push(n++);
              if (freeOne && live.length > 1) events.push(-(live.splice(Math.floor(size % live.length), 1)[0]! + 1));
            }
            return { run: `r${ri}`, pool: 'g', shadowFailures: 0, events };
          });
          const a = advisePool(pool([[4096, 1]], policy), runs, { maxBuckets: 4 });
          expect(a.advised.replay.failures).toBe(0);
          expect(a.advised.buckets.length).toBeLessThanOrEqual(4);
          a.advised.buckets.forEach((_, i) => {
            const fewer = a.advised.buckets.map((b, k) => ({ blockSize: b.blockSize, count: b.count - (k === i ? 1 : 0) }));
            expect(replay(runs, fewer, policy).failures).toBeGreaterThan(0);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('records demand from a device against its shadow and writes a profile loadProfile accepts', () => {
    const base = getProfile('ce210-tight');
    const d = new Device(shadowProfile(base));
    const rec = new DemandRecorder(d);
    const p = d.createProcess('a.exe');
    const blocks = [40, 40, 3000, 70_000].map((n) => p.poolAlloc('general', n, 't'));
    expect(blocks.slice(0, 3).every((x) => x !== 0)).toBe(true);
    expect(blocks[3]).toBe(0); // larger than the shadow's added bucket: a shadow failure, reported
    p.poolFree(blocks[0]!);
    const dem = rec.demand('one');
    const g = dem.pools.find((x) => x.pool === 'general')!;
    expect(g.events).toEqual([40, 40, 3000, -1]);
    expect(g.shadowFailures).toBe(1);
    const advice = advisePools(base, [dem]);
    const json = advisedProfileJson(base, advice);
    const prof = loadProfile(json);
    expect(prof.name).toBe('ce210-tight-advised');
    expect(prof.pools.find((x) => x.name === 'general')!.buckets).toEqual([{ blockSize: 40, count: 2 }, { blockSize: 3000, count: 1 }]);
  });
});
