import { describe, expect, it } from 'vitest';
import { Device, MemoryDiagnostics, fragmentation, loadProfile, type AllocRecord } from '../../device/index.js';
import { small } from './helpers.js';

describe('fragmentation versus exhaustion', () => {
  it('a heap whose free total would serve the request but no run does: a fragmentation failure, reported as such', () => {
    const d = small();
    const diag = new MemoryDiagnostics(d);
    const p = d.createProcess('a.exe');
    // 4096-byte heap: sixteen 200-byte items (216 heap bytes each), then every other one freed.
    const items = Array.from({ length: 16 }, () => p.LocalAlloc(0, 200));
    expect(items.every((a) => a !== 0)).toBe(true);
    for (let i = 0; i < 16; i += 2) expect(p.LocalFree(items[i]!)).toBe(0);
    const before = d.stats().heaps[0]!;
    expect(before.freeBytes).toBeGreaterThan(1000);
    expect(before.largestFreeBytes).toBeLessThan(1000);
    expect(before.fragmentation).toBeGreaterThan(0.5);
    expect(p.LocalAlloc(0, 1000, 'big')).toBe(0);
    const h = d.stats().heaps[0]!;
    expect(h.failedAllocs).toBe(1);
    expect(h.fragmentationFailures).toBe(1);
    expect(d.stats().failures.recent.at(-1)).toMatchObject({ pool: 'heap', size: 1000, tag: 'big', cause: 'fragmented', forced: false });
    const r = diag.report();
    expect(r.failures).toEqual({ forced: 0, oversize: 0, fragmented: 1, exhausted: 0 });
    expect(r.fragmentationFailures).toEqual([expect.objectContaining({ pool: 'heap', tag: 'big', size: 1000, freeBytes: before.freeBytes, largestFreeBytes: before.largestFreeBytes })]);
    // More than the free total: exhaustion, not fragmentation.
    expect(p.LocalAlloc(0, 8000, 'huge')).toBe(0);
    expect(d.stats().heaps[0]!.fragmentationFailures).toBe(1);
    expect(d.stats().failures.recent.at(-1)!.cause).toBe('exhausted');
    // The series' worst largest-free-block is the fragmented one.
    const hs = diag.report().series.find((s) => s.pool === 'heap')!;
    expect(hs.minLargestFreeBytes).toBe(before.largestFreeBytes);
    expect(hs.maxFragmentation).toBe(before.fragmentation);
  });

  it('a pool with free small blocks but no free block that fits: fragmented; larger than every bucket: oversize; nothing left: exhausted', () => {
    const d = small(); // p: 32×2, 64×2, 128×1
    const diag = new MemoryDiagnostics(d);
    const p = d.createProcess('a.exe');
    const big = p.poolAlloc('p', 100, 'big');
    expect(big).not.toBe(0);
    const s0 = d.stats().pools[0]!;
    expect(s0).toMatchObject({ freeBytes: 192, largestFreeBytes: 64, freeBlocks: 4, fragmentation: fragmentation(192, 64) });
    expect(p.poolAlloc('p', 100, 'x')).toBe(0); // 192 free bytes, largest 64: fragmentation
    expect(p.poolAlloc('p', 500, 'x')).toBe(0); // oversize
    for (let i = 0; i < 4; i++) expect(p.poolAlloc('p', 30, 'fill')).not.toBe(0);
    expect(p.poolAlloc('p', 30, 'x')).toBe(0); // nothing free: exhausted
    const s = d.stats().pools[0]!;
    expect(s.fragmentationFailures).toBe(1);
    expect(s.failedOversize).toBe(1);
    expect(s.failedAllocs).toBe(3);
    expect(s).toMatchObject({ freeBytes: 0, largestFreeBytes: 0, freeBlocks: 0, fragmentation: 0 });
    expect(d.stats().failures.recent.map((f) => f.cause)).toEqual(['fragmented', 'oversize', 'exhausted']);
    expect(diag.report().failures).toEqual({ forced: 0, oversize: 1, fragmented: 1, exhausted: 1 });
    d.failures.failNth(1, { pool: 'p' });
    p.poolFree(big);
    expect(p.poolAlloc('p', 10, 'x')).toBe(0);
    expect(diag.report().failures.forced).toBe(1);
  });
});

describe('the bucket each allocation used', () => {
  it("records requested size → bucket and waste per owner tag, like wolfSSL's \"Alloc'd 848 bytes using bucket size 1024\"", () => {
    const d = new Device(loadProfile({ extends: 'ce210-handheld', name: 'b', pools: [{ name: 'g', buckets: [{ blockSize: 512, count: 1 }, { blockSize: 1024, count: 2 }] }] }));
    const trace: AllocRecord[] = [];
    const diag = new MemoryDiagnostics(d, { onAlloc: (r) => trace.push(r) });
    const p = d.createProcess('c.exe');
    const a = d.withCall('InitializeSecurityContextW', () => p.poolAlloc('g', 848, 'schannel.ctx'));
    p.poolAlloc('g', 300, 'schannel.ctx'); // 512
    p.poolAlloc('g', 200, 'schannel.ctx'); // 512 full: falls through to 1024
    expect(p.poolAlloc('g', 100, 'other')).toBe(0);
    p.poolFree(a);
    expect(trace[0]).toEqual({ timeNs: 0, pid: p.pid, process: 'c.exe', tag: 'schannel.ctx', call: 'InitializeSecurityContextW', pool: 'g', size: 848, blockSize: 1024, fallthrough: false, result: 'ok' });
    expect(trace.map((r) => [r.size, r.blockSize, r.fallthrough, r.result])).toEqual([
      [848, 1024, false, 'ok'],
      [300, 512, false, 'ok'],
      [200, 1024, true, 'ok'],
      [100, 0, false, 'exhausted'],
    ]);
    expect(diag.bucketsOf('schannel.ctx')).toEqual([
      { pool: 'g', tag: 'schannel.ctx', blockSize: 1024, allocs: 2, fallthrough: 1, requestedBytes: 1048, blockBytes: 2048, wasteBytes: 1000, minRequest: 200, maxRequest: 848 },
      { pool: 'g', tag: 'schannel.ctx', blockSize: 512, allocs: 1, fallthrough: 0, requestedBytes: 300, blockBytes: 512, wasteBytes: 212, minRequest: 300, maxRequest: 300 },
    ]);
    expect(diag.bucketsOf(/^schannel\./, 'g')).toHaveLength(2);
    expect(diag.report().owners.find((o) => o.tag === 'other')).toMatchObject({ allocs: 0, failed: 1 });
  });

  it("the trace's per-owner sums equal the device's owner statistics", () => {
    const d = small();
    const trace: AllocRecord[] = [];
    new MemoryDiagnostics(d, { onAlloc: (r) => trace.push(r) });
    const p = d.createProcess('a.exe');
    const live: number[] = [];
    for (let i = 0; i < 60; i++) {
      const tag = `t${i % 3}`;
      const a = i % 4 === 0 ? p.LocalAlloc(0, 10 + i, tag) : p.poolAlloc('p', 1 + ((i * 37) % 140), tag);
      if (a !== 0) live.push(a);
      if (i % 5 === 4) {
        const x = live.shift()!;
        if (d.blockOf(x)?.pool === 'heap') p.LocalFree(x);
        else p.poolFree(x);
      }
    }
    for (const o of d.stats().owners) {
      const mine = trace.filter((r) => r.pid === o.pid && r.tag === o.tag);
      expect(mine.filter((r) => r.result === 'ok').length).toBe(o.totalAllocs);
      expect(mine.filter((r) => r.result !== 'ok').length).toBe(o.failedAllocs);
    }
    expect(trace.length).toBe(60);
  });
});

describe('time series', () => {
  it('stay bounded (pairwise merge keeping the worst) while the exact extremes are kept', () => {
    const d = small();
    const diag = new MemoryDiagnostics(d, { maxSamples: 8 });
    const p = d.createProcess('a.exe');
    for (let i = 0; i < 500; i++) {
      const a = p.poolAlloc('p', 100, 't'); // the only 128 block
      const b = p.poolAlloc('p', 20, 't');
      p.poolFree(a);
      p.poolFree(b);
    }
    const s = diag.report().series.find((x) => x.pool === 'p')!;
    expect(s.samples.length).toBeLessThanOrEqual(8);
    expect(s.eventsPerSample).toBeGreaterThan(100);
    expect(s.minLargestFreeBytes).toBe(64);
    expect(Math.min(...s.samples.map((x) => x.largestFreeBytes))).toBe(64);
    expect(Math.max(...s.samples.map((x) => x.usedBytes))).toBe(160);
    expect(() => new MemoryDiagnostics(d, { maxSamples: 3 })).toThrow(RangeError);
  });

  it('charge nothing to the device: the same operations give the same device statistics with and without them', () => {
    const run = (withDiag: boolean) => {
      const d = small();
      if (withDiag) new MemoryDiagnostics(d, { onAlloc: () => undefined });
      const p = d.createProcess('a.exe');
      const a = p.poolAlloc('p', 50, 'x');
      const h = p.LocalAlloc(0, 300, 'y');
      p.poolFree(a);
      p.LocalFree(h);
      p.poolAlloc('p', 20, 'z');
      return d.stats();
    };
    expect(run(true)).toEqual(run(false));
  });
});

describe('stack high-water', () => {
  it('per thread: the deepest pushed frames plus primitive stack, with what ran there, whether or not stackCheck is on', () => {
    const d = small();
    const p = d.createProcess('a.exe');
    const q = d.createProcess('b.exe');
    d.runAs(p, () => d.withCall('AcceptSecurityContext', () => d.cpu.withStack(1000, () => d.cpu.charge('rsa2048.private'))));
    d.runAs(p, () => d.cpu.charge('sha256', 10));
    d.runAs(q, () => d.cpu.withStack(3000, () => 0));
    const st = d.stats().stack;
    expect(st.budgetBytes).toBe(65536);
    expect(st.checked).toBe(false);
    expect(st.threads).toEqual([
      { pid: p.pid, name: 'a.exe', peakBytes: 1000 + 7168, at: 'rsa2048.private', call: 'AcceptSecurityContext' },
      { pid: q.pid, name: 'b.exe', peakBytes: 3000, at: 'frame', call: '(none)' },
    ]);
    expect(d.cpu.stackPeakBytes()).toBe(8168);
  });
});
