import { describe, expect, it } from 'vitest';
import {
  Device,
  DeviceFaultError,
  DeviceRegistry,
  FILETIME_UNIX_EPOCH,
  fileTimeToSystemTime,
  getProfile,
  loadProfile,
  SeededRandom,
  systemTimeToFileTime,
  type CpuEvent,
} from '../../device/index.js';
import { handheld } from './helpers.js';

describe('CPU cost model (device-profiles.md §7.2, 131 MHz)', () => {
  it('charge: cycles / MHz → ns, to the current process and to pending time', () => {
    const d = handheld();
    const p = d.createProcess('client.exe');
    const ns = d.runAs(p, () => d.cpu.charge('p256.ecdh'));
    expect(ns).toBeCloseTo((35e6 / 131e6) * 1e9, 3); // ≈ 267 ms
    d.runAs(p, () => d.cpu.charge('sha256', 1000)); // 100 cyc/B
    d.cpu.charge('x25519'); // no current process: the (kernel) bucket
    const r = d.cpu.report();
    expect(r.totalCycles).toBe(35e6 + 100_000 + 5e6);
    expect(r.byProcess).toEqual([
      { pid: 0, name: '(kernel)', calls: 1, cycles: 5e6, ns: (5e6 * 1000) / 131 },
      { pid: p.pid, name: 'client.exe', calls: 2, cycles: 35e6 + 100_000, ns: ((35e6 + 100_000) * 1000) / 131 },
    ]);
    expect(r.byPrimitive.find((x) => x.primitive === 'sha256')).toEqual({ primitive: 'sha256', calls: 1, bytes: 1000, cycles: 100_000, ns: (100_000 * 1000) / 131 });
    expect(d.cpu.pendingNs()).toBe(Math.floor((40.1e6 * 1000) / 131));
    expect(d.stats().processes[0]!.cpuCycles).toBe(35.1e6);
  });

  it('an unknown primitive costs nothing, does not throw, and is listed as uncosted', () => {
    const d = handheld();
    expect(d.cpu.charge('rsa8192.private', 3)).toBe(0);
    d.cpu.charge('rsa8192.private');
    expect(d.cpu.report().uncosted).toEqual([{ primitive: 'rsa8192.private', calls: 2, bytes: 3 }]);
  });

  it('pending CPU time drains into virtual time; a standalone clock is the CPU time spent', () => {
    const d = handheld();
    d.cpu.charge('rsa2048.private'); // 150 Mcyc ≈ 1.145 s
    const total = Math.floor((150e6 * 1000) / 131);
    expect(d.clock.nowNs()).toBe(total);
    expect(d.cpu.drainPendingNs()).toBe(total);
    expect(d.cpu.pendingNs()).toBe(0);
    expect(d.clock.nowNs()).toBe(total);
  });

  it('with a time source: nowNs = timeSource() + pending', () => {
    let t = 5_000;
    const d = new Device(getProfile('ce210-handheld'), { timeSource: () => t });
    expect(d.clock.nowNs()).toBe(5_000);
    d.cpu.charge('message'); // 20k cycles
    expect(d.clock.nowNs()).toBe(5_000 + Math.floor(20_000_000 / 131));
    t += d.cpu.drainPendingNs();
    expect(d.clock.nowNs()).toBe(t);
  });

  it('cpu events are emitted while someone listens', () => {
    const d = handheld();
    const seen: CpuEvent[] = [];
    const off = d.on('cpu', (e) => seen.push(e));
    d.cpu.charge('md5', 10);
    off();
    d.cpu.charge('md5', 10);
    expect(seen).toEqual([{ pid: 0, primitive: 'md5', bytes: 10, cycles: 230, ns: 230_000 / 131, costed: true }]);
  });

  it('stack-overflow: a primitive whose modelled stack does not fit the 64 KiB thread stack', () => {
    const d = handheld();
    const p = d.createProcess('a.exe');
    d.cpu.stackCheck = true;
    d.runAs(p, () => d.cpu.withStack(50_000, () => d.cpu.charge('rsa2048.private'))); // 7 KB fits
    let err: unknown;
    d.runAs(p, () => {
      try {
        d.cpu.withStack(60_000, () => d.cpu.charge('rsa4096.private')); // 10 KB does not
      } catch (e) {
        err = e;
      }
    });
    expect(err).toBeInstanceOf(DeviceFaultError);
    expect((err as DeviceFaultError).fault).toMatchObject({ kind: 'stack-overflow', pid: p.pid });
    expect(d.cpu.stackDepth).toBe(0);
    expect(() => d.cpu.withStack(70_000, () => 0)).toThrow(DeviceFaultError);
    expect(d.stats().faults.byKind['stack-overflow']).toBe(2);
    d.cpu.stackCheck = false;
    expect(() => d.cpu.withStack(70_000, () => d.cpu.charge('rsa4096.private'))).not.toThrow();
  });

  it('stack checking can be enabled from the device options or the profile', () => {
    const d = new Device(getProfile('ce210-tight'), { stackCheck: true });
    expect(d.cpu.stackCheck).toBe(true);
    expect(new Device(loadProfile({ extends: 'ce210-tight', stackCheck: true })).cpu.stackCheck).toBe(true);
    expect(new Device(getProfile('ce210-tight')).cpu.stackCheck).toBe(false);
    expect(() => loadProfile({ extends: 'ce210-tight', stackCheck: 'yes' })).toThrow(/^stackCheck: /);
  });
});

describe('clock: FILETIME and local time', () => {
  it('boots at 2026-01-01T00:00:00Z as FILETIME (100-ns since 1601)', () => {
    const d = handheld();
    // 2026-01-01T00:00:00Z = 1767225600 s after 1970
    expect(d.clock.getSystemTimeAsFileTime()).toBe(1767225600n * 10_000_000n + FILETIME_UNIX_EPOCH);
    expect(d.clock.getSystemTimeAsFileTime()).toBe(134116992000000000n);
    expect(d.clock.getLocalTime()).toEqual({ wYear: 2026, wMonth: 1, wDayOfWeek: 4, wDay: 1, wHour: 0, wMinute: 0, wSecond: 0, wMilliseconds: 0 });
    expect(d.clock.getTimeZoneInformation().Bias).toBe(0);
  });

  it('advances with virtual time; local time applies the zone offset', () => {
    let t = 0;
    const d = new Device(loadProfile({ extends: 'ce210-handheld', clock: { bootTimeUtc: '2026-01-01T00:00:00Z', utcOffsetMinutes: -480, timeZoneName: 'Pacific Standard Time' } }), { timeSource: () => t });
    t = 90_061_001_000_000; // 1 day 1 h 1 min 1.001 s
    expect(d.clock.getSystemTime()).toEqual({ wYear: 2026, wMonth: 1, wDayOfWeek: 5, wDay: 2, wHour: 1, wMinute: 1, wSecond: 1, wMilliseconds: 1 });
    expect(d.clock.getLocalTime()).toEqual({ wYear: 2026, wMonth: 1, wDayOfWeek: 4, wDay: 1, wHour: 17, wMinute: 1, wSecond: 1, wMilliseconds: 1 });
    expect(d.clock.getTimeZoneInformation()).toMatchObject({ Bias: 480, StandardName: 'Pacific Standard Time' });
    expect(d.clock.getTickCount()).toBe(90_061_001);
    expect(d.clock.getSystemTimeAsFileTime() - d.clock.bootFileTime).toBe(900_610_010_000n);
  });

  it('fileTimeToSystemTime and systemTimeToFileTime round-trip', () => {
    const ft = 134116992012345670n;
    expect(systemTimeToFileTime(fileTimeToSystemTime(ft))).toBe(ft - (ft % 10000n));
    expect(fileTimeToSystemTime(0n)).toMatchObject({ wYear: 1601, wMonth: 1, wDay: 1 });
  });
});

describe('SeededRandom', () => {
  it('is deterministic by seed and independent across seeds and labels', () => {
    expect(new SeededRandom(1).bytes(64)).toEqual(new SeededRandom(1).bytes(64));
    expect(new SeededRandom(1).bytes(64)).not.toEqual(new SeededRandom(2).bytes(64));
    expect(new SeededRandom('x').bytes(8)).toEqual(new SeededRandom(new TextEncoder().encode('x')).bytes(8));
    const r = new SeededRandom(7);
    const a = r.derive('a').bytes(16);
    r.bytes(100); // deriving does not depend on the parent's position
    expect(r.derive('a').bytes(16)).toEqual(a);
    expect(r.derive('b').bytes(16)).not.toEqual(a);
  });

  it('streams across refills the same as one long read', () => {
    const one = new SeededRandom(3).bytes(5000);
    const r = new SeededRandom(3);
    const parts = [r.bytes(1), r.bytes(1023), r.bytes(1), r.bytes(3975)];
    const joined = new Uint8Array(5000);
    let o = 0;
    for (const p of parts) {
      joined.set(p, o);
      o += p.length;
    }
    expect(joined).toEqual(one);
  });

  it('is the RFC 8439 ChaCha20 keystream under SHA-256(seed), nonce 0, counter 0', async () => {
    const { chacha20 } = await import('@noble/ciphers/chacha.js');
    const { sha256 } = await import('@noble/hashes/sha2.js');
    const key = sha256(new TextEncoder().encode('42'));
    expect(new SeededRandom(42).bytes(128)).toEqual(chacha20(key, new Uint8Array(12), new Uint8Array(128)));
  });

  it('u32, float and int stay in range; int is roughly uniform', () => {
    const r = new SeededRandom('range');
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) {
      const u = r.u32();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(2 ** 32);
      const f = r.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      counts[r.int(6)]!++;
    }
    for (const c of counts) expect(c).toBeGreaterThan(850);
    expect(() => r.int(0)).toThrow(RangeError);
    expect(r.int(2 ** 40)).toBeLessThan(2 ** 40);
  });
});

describe('registry', () => {
  it('keys and values, case-insensitive, with HKLM shorthand', () => {
    const reg = new DeviceRegistry();
    const key = 'HKEY_LOCAL_MACHINE\\Comm\\Security\\SecurityProviders';
    reg.setValue(key, 'SecurityProviders', 'schannel.dll');
    reg.setValue(key, 'Count', 1);
    reg.setValue(`${key}\\SCHANNEL`, 'Protocols', ['TLS 1.2', 'TLS 1.3']);
    expect(reg.get('HKLM\\comm\\security\\securityproviders', 'securityproviders')).toBe('schannel.dll');
    expect(reg.getValue(key, 'Count')).toEqual({ type: 'REG_DWORD', data: 1 });
    expect(reg.get(`${key}\\SCHANNEL`, 'Protocols')).toEqual(['TLS 1.2', 'TLS 1.3']);
    expect(reg.enumKeys('HKEY_LOCAL_MACHINE\\Comm\\Security')).toEqual(['SecurityProviders']);
    expect(reg.enumValues(key).map((v) => v.name)).toEqual(['SecurityProviders', 'Count']);
    expect(reg.deleteValue(key, 'count')).toBe(true);
    expect(reg.get(key, 'Count')).toBeNull();
    expect(reg.deleteKey('HKLM\\Comm')).toBe(true);
    expect(reg.keyExists(key)).toBe(false);
    expect(() => reg.setValue('HKEY_NOWHERE\\x', 'a', 1)).toThrow(/must start with/);
    expect(() => reg.setValue(key, 'bad', -1)).toThrow(RangeError);
  });

  it('each device has its own registry', () => {
    const a = handheld();
    const b = handheld();
    a.registry.setValue('HKLM\\X', 'v', 1);
    expect(b.registry.get('HKLM\\X', 'v')).toBeNull();
  });
});
