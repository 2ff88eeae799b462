import { describe, expect, it } from 'vitest';
import {
  DeviceFaultError,
  ERROR_INVALID_HANDLE,
  ERROR_INVALID_PARAMETER,
  ERROR_NOT_ENOUGH_MEMORY,
  LMEM_FIXED,
  LMEM_MOVEABLE,
  LMEM_ZEROINIT,
  LPTR,
  MAX_PROCESSES,
  type FreeEvent,
} from '../../device/index.js';
import { handheld, small } from './helpers.js';

describe('LocalAlloc / LocalFree / LocalSize (CE heap)', () => {
  it('flag values are the winbase.h ones', () => {
    expect([LMEM_FIXED, LMEM_ZEROINIT, LPTR]).toEqual([0, 0x40, 0x40]);
  });

  it('LocalAlloc returns an 8-byte aligned block; LocalSize is the request rounded to 8', () => {
    const p = handheld().createProcess('a.exe');
    const h = p.LocalAlloc(LMEM_FIXED, 10);
    expect(h).not.toBe(0);
    expect(h % 8).toBe(0);
    expect(p.LocalSize(h)).toBe(16);
    expect(p.LocalSize(p.LocalAlloc(0, 24))).toBe(24);
    expect(p.LocalFree(h)).toBe(0);
    expect(p.LocalSize(h)).toBe(0);
    expect(p.GetLastError()).toBe(ERROR_INVALID_HANDLE);
  });

  it('LMEM_ZEROINIT / LPTR zero the block; LMEM_FIXED leaves what was there', () => {
    const p = handheld().createProcess('a.exe');
    const a = p.LocalAlloc(0, 32);
    p.write(a, new Uint8Array(32).fill(0xaa));
    p.LocalFree(a);
    const b = p.LocalAlloc(LMEM_FIXED, 32);
    expect(b).toBe(a); // first fit reuses the hole
    expect(p.read(b, 32).every((x) => x === 0xaa)).toBe(true);
    p.LocalFree(b);
    const c = p.LocalAlloc(LPTR, 32);
    expect(p.read(c, 32).every((x) => x === 0)).toBe(true);
  });

  it('first fit with coalescing: freed neighbours merge into one run', () => {
    const d = small();
    const p = d.createProcess('a.exe');
    const a = p.LocalAlloc(0, 100);
    const b = p.LocalAlloc(0, 100);
    const c = p.LocalAlloc(0, 100);
    expect(b).toBeGreaterThan(a);
    p.LocalFree(a);
    p.LocalFree(b);
    const big = p.LocalAlloc(0, 200); // fits only in the merged a+b run
    expect(big).toBe(a);
    p.LocalFree(big);
    p.LocalFree(c);
    const s = d.stats().heaps[0]!;
    expect(s.freeSegments).toBe(1);
    expect(s.freeBytes).toBe(4096);
    expect(s.currentBlocks).toBe(0);
  });

  it('exhaustion returns NULL with ERROR_NOT_ENOUGH_MEMORY; unsupported flags ERROR_INVALID_PARAMETER', () => {
    const d = small(); // 4 KB heap
    const p = d.createProcess('a.exe');
    expect(p.LocalAlloc(0, 5000)).toBe(0);
    expect(p.GetLastError()).toBe(ERROR_NOT_ENOUGH_MEMORY);
    expect(p.LocalAlloc(LMEM_MOVEABLE, 10)).toBe(0);
    expect(p.GetLastError()).toBe(ERROR_INVALID_PARAMETER);
    expect(d.stats().heaps[0]!.failedAllocs).toBe(1);
  });

  it('LocalFree faults: double, bad, foreign, damaged guard, each returning the handle', () => {
    const d = handheld();
    const p = d.createProcess('a.exe');
    const q = d.createProcess('b.exe');
    const a = p.LocalAlloc(0, 16);
    expect(p.LocalFree(a)).toBe(0);
    expect(p.LocalFree(a)).toBe(a);
    const b = p.LocalAlloc(0, 16);
    expect(p.LocalFree(b + 8)).toBe(b + 8);
    expect(q.LocalFree(b)).toBe(b);
    expect(p.LocalFree(0x1234)).toBe(0x1234);
    expect(() => p.write(b, new Uint8Array(17))).toThrow(DeviceFaultError); // 16 usable
    p.heap.region.bytes![b - p.heap.region.base + 16] = 0; // a stray write past LocalSize
    expect(p.LocalFree(b)).toBe(b);
    expect(d.faults.map((f) => f.kind)).toEqual(['double-free', 'bad-free', 'foreign-free', 'bad-free', 'overflow', 'overflow']);
  });
});

describe('processes', () => {
  it('pids increase, logon sessions are shared by default and can be chosen', () => {
    const d = handheld();
    const a = d.createProcess('a.exe');
    const b = d.createProcess('b.exe');
    const other = d.newLogonSession();
    const c = d.createProcess('c.exe', { logonId: other });
    const e = d.createProcess('e.exe', { logonId: other });
    expect([a.pid, b.pid, c.pid, e.pid]).toEqual([1, 2, 3, 4]);
    expect(a.logonId).toBe(d.interactiveLogonId);
    expect(b.logonId).toBe(a.logonId);
    expect(c.logonId).toBe(e.logonId);
    expect(c.logonId).not.toBe(a.logonId);
    expect(d.processes().map((p) => p.name)).toEqual(['a.exe', 'b.exe', 'c.exe', 'e.exe']);
  });

  it('CE 2.x runs at most 32 processes; an exited one frees its slot', () => {
    const d = handheld();
    const ps = Array.from({ length: MAX_PROCESSES }, (_, i) => d.createProcess(`p${i}.exe`));
    expect(() => d.createProcess('one-too-many.exe')).toThrow(/at most 32/);
    ps[5]!.exit();
    expect(d.createProcess('next.exe').pid).toBe(MAX_PROCESSES + 1);
  });

  it('exit() reports what the process still held, then releases it as leaked', () => {
    const d = handheld();
    const p = d.createProcess('client.exe');
    const q = d.createProcess('other.exe');
    const frees: FreeEvent[] = [];
    d.on('free', (e) => frees.push(e));
    const a = d.withCall('InitializeSecurityContextW', () => p.poolAlloc('general', 300, 'schannel.context#1.hs'));
    const h = d.withCall('AcquireCredentialsHandleW', () => p.LocalAlloc(0, 50, 'schannel.cred#1'));
    const kept = q.poolAlloc('general', 20, 'other');
    p.poolFree(p.poolAlloc('token', 10, 'freed'));
    const r = p.exit();
    expect(r).toMatchObject({ pid: p.pid, name: 'client.exe', leakedBlocks: 2, leakedBytes: 350 });
    expect(r.poolBlocks).toEqual([expect.objectContaining({ pool: 'general', addr: a, size: 300, owner: expect.objectContaining({ tag: 'schannel.context#1.hs', call: 'InitializeSecurityContextW' }) })]);
    expect(r.heapBlocks).toEqual([expect.objectContaining({ pool: 'heap', addr: h, size: 50, owner: expect.objectContaining({ tag: 'schannel.cred#1', call: 'AcquireCredentialsHandleW' }) })]);
    expect(frees.filter((e) => e.atExit).map((e) => e.addr).sort()).toEqual([a, h].sort());
    const s = d.stats();
    expect(s.pools.find((x) => x.name === 'general')).toMatchObject({ currentBlocks: 1, leakedAtExitBlocks: 1, leakedAtExitBytes: 300 });
    expect(s.heaps.find((x) => x.pid === p.pid)).toMatchObject({ leakedAtExitBlocks: 1, leakedAtExitBytes: 50, currentBlocks: 0 });
    expect(s.processes.find((x) => x.pid === p.pid)).toMatchObject({ exited: true, currentBytes: 0 });
    expect(d.leakReport().map((l) => l.addr)).toEqual([kept]);
    // Its heap is unmapped and it can no longer allocate.
    expect(() => q.read(h, 1)).toThrow(DeviceFaultError);
    expect(p.poolAlloc('general', 1, 'x')).toBe(0);
    expect(() => p.exit()).toThrow(/already exited/);
  });

  it('exit() also reports damaged guards of the blocks it releases', () => {
    const d = handheld();
    const p = d.createProcess('a.exe');
    const a = p.poolAlloc('general', 64, 'x');
    const pool = d.pools.get('general')!;
    pool.region.bytes![a - pool.region.base + 64] = 1;
    p.exit();
    expect(d.faults.map((f) => [f.kind, f.addr])).toEqual([['overflow', a]]);
  });

  it('runAs sets the current process (re-entrant); withCall names the call (re-entrant)', () => {
    const d = handheld();
    const p = d.createProcess('a.exe');
    const q = d.createProcess('b.exe');
    expect(d.current).toBeNull();
    d.runAs(p, () => {
      expect(d.current).toBe(p);
      d.runAs(q, () => expect(d.current).toBe(q));
      expect(d.current).toBe(p);
      expect(d.call).toBe('(none)');
      d.withCall('Outer', () => {
        d.withCall('Inner', () => expect(d.call).toBe('Inner'));
        expect(d.call).toBe('Outer');
      });
    });
    expect(() => d.runAs(p, () => { throw new Error('boom'); })).toThrow('boom');
    expect(d.current).toBeNull();
  });

  it('service() is a per-device singleton', () => {
    const d = handheld();
    let made = 0;
    const a = d.service('sspi', () => ({ n: ++made }));
    const b = d.service('sspi', () => ({ n: ++made }));
    expect(a).toBe(b);
    expect(made).toBe(1);
    expect(handheld().service('sspi', () => ({ n: 99 })).n).toBe(99);
  });

  it('1,000 idle devices stay small in host memory (lazy regions)', () => {
    const devices = Array.from({ length: 1000 }, (_, i) => {
      const d = handheld(i);
      d.createProcess('idle.exe');
      return d;
    });
    expect(devices.reduce((n, d) => n + d.memory.committedBytes(), 0)).toBe(0);
  });
});
