import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Device, PoolStats, Process } from '../../device/index.js';
import { handheld } from './helpers.js';

type Cmd =
  | { op: 'alloc'; pool: number; size: number; proc: number; tag: number }
  | { op: 'free'; pick: number }
  | { op: 'local'; size: number; proc: number; zero: boolean }
  | { op: 'force'; n: number };

const POOLS = ['token', 'general', 'io'];

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('alloc' as const), pool: fc.nat(2), size: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 17_000 })), proc: fc.nat(1), tag: fc.nat(3) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('free' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('local' as const), size: fc.integer({ min: 0, max: 5000 }), proc: fc.nat(1), zero: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('force' as const), n: fc.integer({ min: 1, max: 4 }) }) },
);

interface Held {
  addr: number;
  proc: Process;
  heap: boolean;
}

/** Every live block with its full footprint (header, usable, guard). */
function footprints(d: Device): { lo: number; hi: number }[] {
  return d.leakReport().map((l) => {
    const head = l.pool === 'heap' ? 8 : 16;
    return { lo: l.addr - head, hi: l.addr + l.blockSize + 8 };
  });
}

function checkInvariants(d: Device): void {
  const s = d.stats();
  // No two live blocks overlap, and each lies in a mapped region.
  const fp = footprints(d).sort((a, b) => a.lo - b.lo);
  for (let i = 1; i < fp.length; i++) expect(fp[i]!.lo).toBeGreaterThanOrEqual(fp[i - 1]!.hi);
  for (const f of fp) {
    const r = d.memory.regionAt(f.lo);
    expect(r).not.toBeNull();
    expect(f.hi).toBeLessThanOrEqual(r!.base + r!.size);
  }
  // Sums over buckets equal the pool's figures; current = allocs − frees.
  for (const p of s.pools) {
    const sum = (k: keyof PoolStats['buckets'][number]): number => p.buckets.reduce((n, b) => n + (b[k] as number), 0);
    expect(sum('used')).toBe(p.currentBlocks);
    expect(sum('currentBytesRequested')).toBe(p.currentBytesRequested);
    expect(sum('currentBytesAtBlockSize')).toBe(p.currentBytesAtBlockSize);
    expect(sum('totalAllocs')).toBe(p.totalAllocs);
    expect(sum('totalFrees')).toBe(p.totalFrees);
    expect(sum('failedAllocs') + p.failedOversize).toBe(p.failedAllocs);
    expect(sum('forcedFailures')).toBeLessThanOrEqual(p.forcedFailures);
    expect(p.currentBlocks).toBe(p.totalAllocs - p.totalFrees);
    for (const b of p.buckets) {
      expect(b.used).toBe(b.totalAllocs - b.totalFrees);
      expect(b.used + b.free).toBe(b.count);
      expect(b.peakUsed).toBeGreaterThanOrEqual(b.used);
      expect(b.peakBytesRequested).toBeGreaterThanOrEqual(b.currentBytesRequested);
    }
    expect(p.peakBytesRequested).toBeGreaterThanOrEqual(p.currentBytesRequested);
  }
  for (const h of s.heaps) expect(h.currentBlocks).toBe(h.totalAllocs - h.totalFrees);
  // Owners and processes account for every live byte.
  const live = d.leakReport().reduce((n, l) => n + l.size, 0);
  expect(s.owners.reduce((n, o) => n + o.currentBytes, 0)).toBe(live);
  expect(s.processes.reduce((n, p) => n + p.currentBytes, 0)).toBe(live);
  for (const o of s.owners) expect(o.currentBlocks).toBe(o.totalAllocs - o.totalFrees);
}

/** Pool stats without the fields that only grow (peaks, totals, failures) or depend on host commit. */
function shape(p: PoolStats): unknown {
  const strip = (o: object): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).filter(([k]) => !/^(peak|total|failed|forced|fallthrough|committed|leaked)/.test(k) && k !== 'buckets'));
  return { ...strip(p), buckets: p.buckets.map(strip) };
}

function run(cmds: Cmd[], seed: number): { d: Device; held: Held[] } {
  const d = handheld(seed);
  const procs = [d.createProcess('a.exe'), d.createProcess('b.exe')];
  const held: Held[] = [];
  for (const c of cmds) {
    switch (c.op) {
      case 'alloc': {
        const p = procs[c.proc]!;
        const a = p.poolAlloc(POOLS[c.pool]!, c.size, `tag${c.tag}`);
        if (a !== 0) {
          expect(p.blockOf(a)!.size).toBe(Math.max(1, c.size));
          held.push({ addr: a, proc: p, heap: false });
        }
        break;
      }
      case 'free': {
        if (held.length === 0) break;
        const [h] = held.splice(c.pick % held.length, 1);
        if (h!.heap) expect(h!.proc.LocalFree(h!.addr)).toBe(0);
        else expect(h!.proc.poolFree(h!.addr)).toBe(true);
        break;
      }
      case 'local': {
        const p = procs[c.proc]!;
        const a = p.LocalAlloc(c.zero ? 0x40 : 0, c.size, 'heap.tag');
        if (a !== 0) {
          if (c.zero) expect(p.read(a, c.size).every((x) => x === 0)).toBe(true);
          held.push({ addr: a, proc: p, heap: true });
        }
        break;
      }
      case 'force':
        d.failures.failNth(c.n);
        break;
    }
    checkInvariants(d);
  }
  expect(d.faults).toEqual([]);
  return { d, held };
}

describe('allocator properties (fast-check)', () => {
  it('random alloc/free sequences never hand out overlapping blocks, and the stats add up', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 120 }), fc.nat(), (cmds, seed) => {
        run(cmds, seed);
      }),
      { numRuns: 60 },
    );
  });

  it('freeing everything returns every pool and heap to its initial state (apart from totals and peaks)', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 120 }), fc.nat(), (cmds, seed) => {
        const fresh = handheld(seed);
        fresh.createProcess('a.exe');
        fresh.createProcess('b.exe');
        const initial = fresh.stats();
        const { d, held } = run(cmds, seed);
        for (const h of held) {
          if (h.heap) expect(h.proc.LocalFree(h.addr)).toBe(0);
          else expect(h.proc.poolFree(h.addr)).toBe(true);
        }
        const after = d.stats();
        expect(after.pools.map(shape)).toEqual(initial.pools.map(shape));
        for (const h of after.heaps) {
          expect(h).toMatchObject({ currentBytesRequested: 0, currentBytesUsed: 0, currentBlocks: 0, freeSegments: 1, freeBytes: h.regionBytes, largestFreeBytes: h.regionBytes });
        }
        expect(d.leakReport()).toEqual([]);
        expect(after.owners.every((o) => o.currentBytes === 0 && o.currentBlocks === 0)).toBe(true);
        expect(d.checkGuards()).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('forced-failure rules never change which blocks are live, only whether an allocation succeeds', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4544 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 60 }), (sizes, nth) => {
        const d = handheld();
        const p = d.createProcess('a.exe');
        d.failures.failNth(nth);
        const got = sizes.map((n) => p.poolAlloc('general', n, 't'));
        const failedForced = d.stats().pools[1]!.forcedFailures;
        expect(failedForced).toBe(nth <= sizes.length ? 1 : 0);
        if (nth <= sizes.length) expect(got[nth - 1]).toBe(0);
        checkInvariants(d);
      }),
      { numRuns: 50 },
    );
  });
});
