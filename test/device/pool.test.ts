import { describe, expect, it } from 'vitest';
import { DeviceFaultError, GUARD_BYTE, type AllocEvent, type DeviceFault, type FreeEvent } from '../../device/index.js';
import { handheld, small } from './helpers.js';

describe('pool policies', () => {
  it("fallthrough (wolfSSL's rule): smallest free bucket that fits, then larger ones, then fail", () => {
    const d = small('fallthrough');
    const p = d.createProcess('a.exe');
    const sizes = [20, 20, 20, 20, 20].map((n) => p.poolAlloc('p', n, 't'));
    expect(sizes.map((a) => p.blockOf(a)?.blockSize)).toEqual([32, 32, 64, 64, 128]);
    expect(p.poolAlloc('p', 1, 't')).toBe(0);
    const s = d.stats().pools[0]!;
    expect(s.buckets.map((b) => b.fallthroughAllocs)).toEqual([0, 2, 1]);
    expect(s.buckets[0]!.failedAllocs).toBe(1);
    expect(s.failedAllocs).toBe(1);
  });

  it('strict: only the smallest fitting bucket; exhausted means failure', () => {
    const d = small('strict');
    const p = d.createProcess('a.exe');
    expect(p.poolAlloc('p', 20, 't')).not.toBe(0);
    expect(p.poolAlloc('p', 20, 't')).not.toBe(0);
    expect(p.poolAlloc('p', 20, 't')).toBe(0);
    const big = p.poolAlloc('p', 60, 't');
    expect(p.blockOf(big)?.blockSize).toBe(64);
    const s = d.stats().pools[0]!;
    expect(s.policy).toBe('strict');
    expect(s.buckets.map((b) => b.failedAllocs)).toEqual([1, 0, 0]);
  });

  it('policy can be switched at run time, per pool', () => {
    const d = small('fallthrough');
    d.pools.get('p')!.policy = 'strict';
    const p = d.createProcess('a.exe');
    p.poolAlloc('p', 1, 't');
    p.poolAlloc('p', 1, 't');
    expect(p.poolAlloc('p', 1, 't')).toBe(0);
  });

  it('a request larger than every block fails and counts as oversize', () => {
    const d = small();
    const p = d.createProcess('a.exe');
    expect(p.poolAlloc('p', 129, 't')).toBe(0);
    const s = d.stats().pools[0]!;
    expect(s.failedOversize).toBe(1);
    expect(s.failedAllocs).toBe(1);
  });

  it('exhausting the handheld io pool: two 16,709-byte input buffers, then failure', () => {
    const d = handheld();
    const p = d.createProcess('a.exe');
    expect(p.poolAlloc('io', 16709, 'conn1.in')).not.toBe(0);
    expect(p.poolAlloc('io', 16709, 'conn2.in')).not.toBe(0);
    expect(p.poolAlloc('io', 16709, 'conn3.in')).toBe(0);
  });

  it('unknown pool is a programming error (RangeError)', () => {
    const p = small().createProcess('a.exe');
    expect(() => p.poolAlloc('nope', 1, 't')).toThrow(RangeError);
  });
});

describe('addresses', () => {
  it('0 is NULL: never returned, never mapped, free(NULL) is a no-op', () => {
    const d = small();
    const p = d.createProcess('a.exe');
    expect(p.poolFree(0)).toBe(true);
    expect(p.LocalFree(0)).toBe(0);
    expect(() => p.read(0, 1)).toThrow(DeviceFaultError);
    expect(d.faults.map((f) => f.kind)).toEqual(['unmapped-access']);
  });

  it('blocks lie inside their pool region, 16-byte aligned, without overlap (including header and guard)', () => {
    const d = handheld();
    const p = d.createProcess('a.exe');
    const blocks: { lo: number; hi: number; pool: string }[] = [];
    for (const [name, pool] of d.pools) {
      for (;;) {
        const a = p.poolAlloc(name, 1, 'fill');
        if (a === 0) break;
        const b = p.blockOf(a)!;
        expect(a % 16).toBe(0);
        expect(a - 16).toBeGreaterThanOrEqual(pool.region.base);
        expect(a + b.blockSize + 8).toBeLessThanOrEqual(pool.region.base + pool.region.size);
        blocks.push({ lo: a - 16, hi: a + b.blockSize + 8, pool: name });
      }
      expect(blocks.filter((b) => b.pool === name)).toHaveLength(pool.blockCount);
    }
    blocks.sort((x, y) => x.lo - y.lo);
    for (let i = 1; i < blocks.length; i++) expect(blocks[i]!.lo).toBeGreaterThanOrEqual(blocks[i - 1]!.hi);
  });

  it('pools and heaps sit in separate ranges; heap host memory is committed lazily', () => {
    const d = handheld();
    const p = d.createProcess('a.exe');
    const q = d.createProcess('b.exe');
    const regions = d.memory.regions();
    expect(regions.map((r) => r.kind).sort()).toEqual(['heap', 'heap', 'pool', 'pool', 'pool']);
    expect(d.memory.committedBytes()).toBe(0);
    const h = p.LocalAlloc(0, 100);
    expect(h).toBeGreaterThan(0);
    expect(q.heap.region.base).not.toBe(p.heap.region.base);
    expect(p.heap.region.committed).toBeLessThanOrEqual(8192);
    expect(q.heap.region.committed).toBe(0);
  });

  it('read/write/view round-trip and little-endian U16/U32', () => {
    const p = handheld().createProcess('a.exe');
    const a = p.poolAlloc('general', 16, 't');
    p.write(a, Uint8Array.of(1, 2, 3, 4));
    expect([...p.read(a, 4)]).toEqual([1, 2, 3, 4]);
    expect(p.readU32(a)).toBe(0x04030201);
    expect(p.readU16(a + 2)).toBe(0x0403);
    p.writeU32(a + 4, 0xdeadbeef);
    expect([...p.read(a + 4, 4)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
    p.writeU16(a + 8, 0x1234);
    expect(p.readU16(a + 8)).toBe(0x1234);
    const v = p.view(a, 16);
    v[15] = 9;
    expect(p.read(a + 15, 1)[0]).toBe(9);
    const copy = p.read(a, 4);
    copy[0] = 77;
    expect(p.read(a, 1)[0]).toBe(1);
  });
});

describe('device faults', () => {
  function faultsOf(run: (d: ReturnType<typeof handheld>) => void): DeviceFault[] {
    const d = handheld();
    const seen: DeviceFault[] = [];
    d.on('fault', (f) => seen.push(f));
    run(d);
    expect(d.faults).toEqual(seen);
    expect(d.stats().faults.total).toBe(seen.length);
    return seen;
  }

  it('double free', () => {
    const f = faultsOf((d) => {
      const p = d.createProcess('a.exe');
      const a = d.withCall('FreeContextBuffer', () => {
        const a = p.poolAlloc('token', 10, 't');
        expect(p.poolFree(a)).toBe(true);
        expect(p.poolFree(a)).toBe(false);
        return a;
      });
      expect(d.stats().faults.byKind['double-free']).toBe(1);
      expect(a).toBeGreaterThan(0);
    });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'double-free', pid: 1, call: 'FreeContextBuffer' });
  });

  it('bad free: an address that is not a block start, or outside every pool', () => {
    const f = faultsOf((d) => {
      const p = d.createProcess('a.exe');
      const a = p.poolAlloc('general', 10, 't');
      expect(p.poolFree(a + 4)).toBe(false);
      expect(p.poolFree(0x1234)).toBe(false);
      const fresh = d.pools.get('general')!.addrOf(40);
      expect(p.poolFree(fresh)).toBe(false); // never allocated
      expect(p.blockOf(a)).not.toBeNull(); // still allocated
    });
    expect(f.map((x) => x.kind)).toEqual(['bad-free', 'bad-free', 'bad-free']);
  });

  it('foreign free: the block belongs to another process and stays allocated', () => {
    const f = faultsOf((d) => {
      const p = d.createProcess('a.exe');
      const q = d.createProcess('b.exe');
      const a = p.poolAlloc('general', 10, 't');
      expect(q.poolFree(a)).toBe(false);
      expect(p.blockOf(a)?.owner.pid).toBe(p.pid);
      expect(p.poolFree(a)).toBe(true);
    });
    expect(f.map((x) => [x.kind, x.pid])).toEqual([['foreign-free', 2]]);
  });

  it('overflow: write() past the requested end faults and writes nothing', () => {
    const f = faultsOf((d) => {
      const p = d.createProcess('a.exe');
      const a = p.poolAlloc('general', 10, 't');
      let err: unknown;
      try {
        p.write(a + 8, new Uint8Array(4).fill(1));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DeviceFaultError);
      expect((err as DeviceFaultError).fault.kind).toBe('overflow');
      expect([...p.read(a + 8, 4)]).not.toEqual([1, 1, 1, 1]);
      expect(() => p.view(a, 11)).toThrow(DeviceFaultError);
      expect(() => p.writeU32(a + 8, 0)).toThrow(DeviceFaultError);
      expect(p.poolFree(a)).toBe(true);
    });
    expect(f.map((x) => x.kind)).toEqual(['overflow', 'overflow', 'overflow']);
  });

  it('overflow: damaged guard bytes are found by checkGuards() and at free', () => {
    const f = faultsOf((d) => {
      const p = d.createProcess('a.exe');
      const a = p.poolAlloc('general', 64, 'victim');
      // Reach past the block through the raw region (as a stray pointer would).
      const pool = d.pools.get('general')!;
      const mem = pool.region.bytes!;
      expect(mem[a - pool.region.base + 64]).toBe(GUARD_BYTE);
      mem[a - pool.region.base + 64] = 0;
      expect(d.checkGuards().map((x) => x.kind)).toEqual(['overflow']);
      expect(p.poolFree(a)).toBe(false); // freed, but reported
      expect(p.blockOf(a)).toBeNull();
      expect(d.checkGuards()).toEqual([]);
    });
    expect(f.map((x) => x.kind)).toEqual(['overflow', 'overflow']);
    expect(f[0]!.detail).toMatch(/victim/);
  });

  it('overflow: a write before the block start damages the header guard', () => {
    faultsOf((d) => {
      const p = d.createProcess('a.exe');
      const pool = d.pools.get('token')!;
      const a = p.poolAlloc('token', 64, 't');
      pool.region.bytes![a - pool.region.base - 1] = 0;
      expect(p.poolFree(a)).toBe(false);
    });
  });

  it('unmapped access: read or write outside any region, or running off a region', () => {
    const f = faultsOf((d) => {
      const p = d.createProcess('a.exe');
      expect(() => p.read(0x10, 4)).toThrow(DeviceFaultError);
      expect(() => p.write(0x7000_0000, new Uint8Array(1))).toThrow(DeviceFaultError);
      const pool = d.pools.get('io')!;
      expect(() => p.read(pool.region.base + pool.region.size - 2, 4)).toThrow(DeviceFaultError);
      expect(() => p.readU32(0xffff_fff0)).toThrow(DeviceFaultError);
    });
    expect(f.map((x) => x.kind)).toEqual(['unmapped-access', 'unmapped-access', 'unmapped-access', 'unmapped-access']);
  });
});

describe('stats', () => {
  it('per pool and per bucket: current/peak requested and at block size, blocks, allocs, frees', () => {
    const d = handheld();
    const p = d.createProcess('a.exe');
    const a = p.poolAlloc('general', 100, 'x'); // 128 bucket
    const b = p.poolAlloc('general', 120, 'x'); // 128 bucket
    const c = p.poolAlloc('general', 1000, 'y'); // 1024 bucket
    p.poolFree(b);
    const g = d.stats().pools.find((s) => s.name === 'general')!;
    expect(g).toMatchObject({
      currentBytesRequested: 1100,
      peakBytesRequested: 1220,
      currentBytesAtBlockSize: 128 + 1024,
      peakBytesAtBlockSize: 256 + 1024,
      currentBlocks: 2,
      peakBlocks: 3,
      totalAllocs: 3,
      totalFrees: 1,
      currentOverheadBytes: 32,
    });
    const b128 = g.buckets.find((x) => x.blockSize === 128)!;
    expect(b128).toMatchObject({ used: 1, free: 15, peakUsed: 2, currentBytesRequested: 100, peakBytesRequested: 220, totalAllocs: 2, totalFrees: 1 });
    expect(a && c).toBeTruthy();
  });

  it('per owner (pid + tag) and per process, current and peak, pools and heap together', () => {
    const d = handheld();
    const p = d.createProcess('a.exe');
    const q = d.createProcess('b.exe');
    const a1 = p.poolAlloc('general', 100, 'schannel.context#1.recordIn');
    const a2 = p.poolAlloc('general', 50, 'schannel.context#1.recordIn');
    p.poolFree(a1);
    q.poolAlloc('token', 30, 'schannel.context#1.recordIn');
    const h = p.LocalAlloc(0, 40, 'app.buffer');
    const s = d.stats();
    const own = (pid: number, tag: string) => s.owners.find((o) => o.pid === pid && o.tag === tag)!;
    expect(own(p.pid, 'schannel.context#1.recordIn')).toMatchObject({ currentBytes: 50, peakBytes: 150, currentBlocks: 1, peakBlocks: 2, totalAllocs: 2, totalFrees: 1 });
    expect(own(q.pid, 'schannel.context#1.recordIn')).toMatchObject({ currentBytes: 30, peakBytes: 30 });
    expect(own(p.pid, 'app.buffer')).toMatchObject({ currentBytes: 40 });
    expect(s.processes.find((x) => x.pid === p.pid)).toMatchObject({ currentBytes: 90, peakBytes: 150, currentBlocks: 2 });
    expect(s.heaps.find((x) => x.pid === p.pid)).toMatchObject({ currentBytesRequested: 40, currentBlocks: 1, totalAllocs: 1 });
    expect(JSON.parse(JSON.stringify(s))).toEqual(s); // JSON-ready
    expect(a2 && h).toBeTruthy();
  });

  it('leak report names owner, call and time of every live block', () => {
    const d = handheld();
    const p = d.createProcess('client.exe');
    d.cpu.charge('x25519'); // advance the clock
    const a = d.withCall('InitializeSecurityContextW', () => p.poolAlloc('general', 200, 'schannel.context#3.recordIn'));
    const h = d.withCall('AcquireCredentialsHandleW', () => p.LocalAlloc(0, 24, 'schannel.cred#1'));
    p.poolAlloc('token', 5, 'other');
    const leaks = d.leakReport();
    expect(leaks).toHaveLength(3);
    expect(leaks.find((l) => l.addr === a)).toEqual({
      pool: 'general',
      addr: a,
      size: 200,
      blockSize: 256,
      owner: { pid: p.pid, tag: 'schannel.context#3.recordIn', call: 'InitializeSecurityContextW', timeNs: d.clock.nowNs() },
      processName: 'client.exe',
    });
    expect(leaks.find((l) => l.addr === h)).toMatchObject({ pool: 'heap', size: 24, owner: { tag: 'schannel.cred#1', call: 'AcquireCredentialsHandleW' } });
    expect(leaks.find((l) => l.owner.tag === 'other')!.owner.call).toBe('(none)');
    expect(d.leakReport({ tag: 'schannel.*' })).toHaveLength(2);
    expect(d.leakReport({ tag: /recordIn$/ })).toHaveLength(1);
    expect(d.leakReport({ pool: 'heap' })).toHaveLength(1);
    expect(d.leakReport({ call: 'InitializeSecurityContextW' })).toHaveLength(1);
    expect(d.stats().leaks).toEqual({ blocks: 3, bytes: 229 });
  });

  it('alloc and free events carry the block and its owner', () => {
    const d = handheld();
    const p = d.createProcess('a.exe');
    const allocs: AllocEvent[] = [];
    const frees: FreeEvent[] = [];
    const off1 = d.on('alloc', (e) => allocs.push(e));
    const off2 = d.on('free', (e) => frees.push(e));
    const a = p.poolAlloc('general', 10, 'ev');
    p.poolFree(a);
    off1();
    off2();
    p.poolFree(p.poolAlloc('general', 10, 'ev'));
    expect(allocs).toEqual([{ pool: 'general', addr: a, size: 10, blockSize: 64, owner: { pid: p.pid, tag: 'ev', call: '(none)', timeNs: 0 }, ok: true, forced: false, fallthrough: false }]);
    expect(frees).toEqual([{ pool: 'general', addr: a, size: 10, blockSize: 64, pid: p.pid, tag: 'ev', timeNs: 0, atExit: false }]);
  });
});

describe('forced failures', () => {
  it('fails the Nth allocation by the global counter', () => {
    const d = handheld();
    const p = d.createProcess('a.exe');
    p.poolAlloc('general', 1, 'a');
    d.failures.failAtCall(3);
    expect(p.poolAlloc('general', 1, 'a')).not.toBe(0); // call 2
    expect(p.LocalAlloc(0, 1)).toBe(0); // call 3: heap allocations count too
    expect(p.poolAlloc('general', 1, 'a')).not.toBe(0);
    expect(d.failures.calls).toBe(4);
    expect(d.stats().heaps[0]!.forcedFailures).toBe(1);
  });

  it('fails the Nth matching allocation from now, counted failed with the forced flag', () => {
    const d = handheld();
    const p = d.createProcess('a.exe');
    const rule = d.failures.failNth(2, { tag: 'schannel.*' });
    expect(p.poolAlloc('general', 1, 'other')).not.toBe(0);
    expect(p.poolAlloc('general', 1, 'schannel.x')).not.toBe(0);
    expect(p.poolAlloc('general', 1, 'other')).not.toBe(0);
    expect(p.poolAlloc('general', 1, 'schannel.y')).toBe(0);
    expect(p.poolAlloc('general', 1, 'schannel.z')).not.toBe(0);
    expect(rule.fired).toBe(1);
    const g = d.stats().pools.find((s) => s.name === 'general')!;
    expect(g).toMatchObject({ failedAllocs: 1, forcedFailures: 1 });
    expect(g.buckets[0]).toMatchObject({ failedAllocs: 1, forcedFailures: 1 });
    expect(d.stats().failures.recent).toEqual([{ pool: 'general', size: 1, pid: p.pid, tag: 'schannel.y', call: '(none)', timeNs: 0, forced: true, cause: 'forced' }]);
    expect(d.stats().owners.find((o) => o.tag === 'schannel.y')!.failedAllocs).toBe(1);
  });

  it('fails every allocation whose tag matches a pattern until cleared', () => {
    const d = handheld();
    const p = d.createProcess('a.exe');
    d.failures.failMatching('schannel.context#*.recordIn');
    d.failures.failMatching(/^sspi\./, { pool: 'token' });
    expect(p.poolAlloc('io', 100, 'schannel.context#7.recordIn')).toBe(0);
    expect(p.poolAlloc('io', 100, 'schannel.context#7.recordOut')).not.toBe(0);
    expect(p.poolAlloc('token', 10, 'sspi.pkginfo')).toBe(0);
    expect(p.poolAlloc('general', 10, 'sspi.pkginfo')).not.toBe(0);
    d.failures.clear();
    expect(p.poolAlloc('io', 100, 'schannel.context#7.recordIn')).not.toBe(0);
    expect(d.failures.forced).toBe(2);
  });

  it('seeded probability is reproducible by seed and differs across seeds', () => {
    const run = (seed: number | undefined, deviceSeed = 1): string => {
      const d = handheld(deviceSeed);
      const p = d.createProcess('a.exe');
      d.failures.failWithProbability(0.3, seed === undefined ? {} : { seed });
      let out = '';
      for (let i = 0; i < 200; i++) {
        const a = p.poolAlloc('general', 10, 't');
        out += a === 0 ? 'x' : '.';
        if (a) p.poolFree(a);
      }
      return out;
    };
    expect(run(42)).toBe(run(42));
    expect(run(42)).not.toBe(run(43));
    expect(run(42, 1)).toBe(run(42, 2)); // an explicit seed is independent of the device's
    expect(run(undefined, 5)).toBe(run(undefined, 5)); // derived from the device seed
    expect(run(undefined, 5)).not.toBe(run(undefined, 6));
    const fails = run(42).split('').filter((c) => c === 'x').length;
    expect(fails).toBeGreaterThan(30);
    expect(fails).toBeLessThan(90);
  });
});
