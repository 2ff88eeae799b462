import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES, Device, FixedPool, getProfile, loadProfile, ProfileError, profileFromFile } from '../../device/index.js';

const REQUIRED_PRIMITIVES = [
  'sha1', 'sha256', 'sha384', 'sha512', 'md5', 'hmac', 'aes128gcm', 'aes256gcm', 'chacha20poly1305',
  'x25519.keygen', 'x25519', 'p256.keygen', 'p256.ecdh', 'p256.sign', 'p256.verify', 'p384.keygen',
  'p384.ecdh', 'p384.sign', 'p384.verify', 'p521.keygen', 'p521.ecdh', 'x448.keygen', 'x448', 'ed25519.sign', 'ed25519.verify', 'rsa2048.public',
  'rsa2048.private', 'rsa3072.public', 'rsa3072.private', 'rsa4096.public', 'rsa4096.private', 'random', 'message',
];

function buckets(name: string, pool: string): [number, number][] {
  return getProfile(name).pools.find((p) => p.name === pool)!.buckets.map((b) => [b.blockSize, b.count]);
}

describe('built-in profiles (device-profiles.md §7)', () => {
  it('lists ce210-handheld and ce210-tight', () => {
    expect(Object.keys(BUILTIN_PROFILES).sort()).toEqual(['ce210-handheld', 'ce210-tight']);
  });

  it('§7.1 ce210-handheld pools match the table', () => {
    expect(buckets('ce210-handheld', 'token')).toEqual([[64, 4], [512, 4], [2048, 2], [4096, 1]]);
    expect(buckets('ce210-handheld', 'general')).toEqual([[64, 32], [128, 16], [256, 12], [512, 10], [1024, 6], [2432, 4], [4544, 2]]);
    expect(buckets('ce210-handheld', 'io')).toEqual([[2133, 2], [16709, 2]]);
    // §7.1 sizes (usable bytes plus the 16-byte per-block overhead): token ≈ 10.7 KB, general ≈ 38.6 KB, io ≈ 37.7 KB
    const usable = (pool: string): number => buckets('ce210-handheld', pool).reduce((n, [s, c]) => n + (s + 16) * c, 0);
    expect(usable('token') / 1000).toBeCloseTo(10.7, 0);
    expect(usable('general') / 1000).toBeCloseTo(38.6, 0);
    expect(usable('io') / 1000).toBeCloseTo(37.7, 0);
  });

  it('§7.1 ce210-tight: token 64×2/512×2/2048×1, general minus 4544×1, io 16,709 + 2,133, ≈ 56 KB', () => {
    expect(buckets('ce210-tight', 'token')).toEqual([[64, 2], [512, 2], [2048, 1]]);
    expect(buckets('ce210-tight', 'general')).toEqual([[64, 32], [128, 16], [256, 12], [512, 10], [1024, 6], [2432, 4], [4544, 1]]);
    expect(buckets('ce210-tight', 'io')).toEqual([[2133, 1], [16709, 1]]);
    // "→ ≈56 KB": usable bytes plus 16 bytes of overhead per block
    const total = getProfile('ce210-tight').pools.flatMap((p) => p.buckets).reduce((n, b) => n + (b.blockSize + 16) * b.count, 0);
    expect(total / 1000).toBeCloseTo(56, 0);
    expect(getProfile('ce210-tight').ramBytes).toBe(8 * 1024 * 1024);
  });

  it('§6/§7 device figures: VR4121 @ 131 MHz, 384 KB heap, 64 KB stack, 16-byte overhead, UTC boot 2026-01-01', () => {
    for (const name of Object.keys(BUILTIN_PROFILES)) {
      const p = getProfile(name);
      expect(p.cpu).toMatchObject({ name: 'NEC VR4121', mhz: 131 });
      expect(p.heapBytes).toBe(393216);
      expect(p.stackBytes).toBe(65536);
      expect(p.clock).toMatchObject({ bootTimeUtc: '2026-01-01T00:00:00Z', utcOffsetMinutes: 0 });
      for (const pool of p.pools) {
        expect(pool.overheadBytes).toBe(16);
        expect(pool.policy).toBe('fallthrough');
      }
      for (const k of ['pools.token', 'pools.general', 'pools.io', 'cpu', 'heapBytes', 'stackBytes']) expect(p.sources?.[k]).toMatch(/device-profiles\.md/);
    }
  });

  it('§7.2 cycle table: every primitive the crypto layer charges is costed, with stack bytes', () => {
    const c = getProfile('ce210-handheld').cpu.costs;
    for (const name of REQUIRED_PRIMITIVES) {
      expect(c[name], name).toBeDefined();
      expect(c[name]!.stackBytes, name).toBeGreaterThan(0);
    }
    expect(c['rsa2048.public']!.cycles).toBe(4e6);
    expect(c['rsa2048.private']!.cycles).toBe(150e6);
    expect(c['p256.ecdh']!.cycles).toBe(35e6);
    expect(c['p256.verify']!.cycles).toBe(45e6);
    expect(c['x25519']!.cycles).toBe(5e6);
    expect(c['ed25519.sign']!.cycles).toBe(3e6);
    expect(c['ed25519.verify']!.cycles).toBe(6e6);
    expect(c['sha1']!.cyclesPerByte).toBe(40);
    expect(c['sha256']!.cyclesPerByte).toBe(100);
    expect(c['md5']!.cyclesPerByte).toBe(23);
    expect(c['aes128gcm']!.cyclesPerByte).toBe(150);
    expect(c['chacha20poly1305']!.cyclesPerByte).toBe(38);
    expect(c['random']!.cyclesPerByte).toBe(27);
    expect(c['message']!.cycles).toBe(20_000);
    expect(c['rsa4096.private']!.stackBytes).toBeGreaterThanOrEqual(10 * 1024);
  });

  it('getProfile returns independent copies and names an unknown profile', () => {
    const a = getProfile('ce210-handheld');
    a.pools[0]!.buckets[0]!.count = 99;
    expect(getProfile('ce210-handheld').pools[0]!.buckets[0]!.count).toBe(4);
    expect(() => getProfile('nope')).toThrow(/unknown built-in profile "nope"/);
  });

  it('pool regions are sized by their buckets, not by RAM', () => {
    const d = new Device(getProfile('ce210-handheld'));
    const general = d.pools.get('general')!;
    // 64+16+8 = 88 → 96 per 64-byte block; 4544+24 → 4576 per 4544 block, …
    expect(general.regionBytes).toBe(FixedPool.regionSize(getProfile('ce210-handheld').pools[1]!));
    expect(general.regionBytes).toBeLessThan(50_000);
    expect(d.stats().pools.every((p) => p.committedBytes === 0)).toBe(true);
  });
});

describe('loadProfile validation', () => {
  const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(getProfile('ce210-handheld'))) as Record<string, unknown>;

  it('accepts a built-in profile as JSON', () => {
    expect(loadProfile(good())).toEqual(getProfile('ce210-handheld'));
  });

  it('names the bad bucket field', () => {
    const j = good();
    (j.pools as { buckets: { blockSize: number }[] }[])[1]!.buckets[0]!.blockSize = -3;
    expect(() => loadProfile(j)).toThrow('pools[1].buckets[0].blockSize: expected a positive integer, got -3');
    try {
      loadProfile(j);
    } catch (e) {
      expect(e).toBeInstanceOf(ProfileError);
      expect((e as ProfileError).field).toBe('pools[1].buckets[0].blockSize');
    }
  });

  it.each([
    [(j: Record<string, unknown>) => { (j.cpu as { mhz: unknown }).mhz = 0; }, 'cpu.mhz'],
    [(j: Record<string, unknown>) => { (j.cpu as { costs: Record<string, unknown> }).costs['sha256'] = { cyclesPerByte: 'x' }; }, 'cpu.costs["sha256"].cyclesPerByte'],
    [(j: Record<string, unknown>) => { j.ramBytes = 1.5; }, 'ramBytes'],
    [(j: Record<string, unknown>) => { (j.pools as { policy: string }[])[0]!.policy = 'best'; }, 'pools[0].policy'],
    [(j: Record<string, unknown>) => { (j.pools as { buckets: unknown[] }[])[2]!.buckets = []; }, 'pools[2].buckets'],
    [(j: Record<string, unknown>) => { (j.pools as { buckets: { blockSize: number }[] }[])[0]!.buckets[1]!.blockSize = 32; }, 'pools[0].buckets[1].blockSize'],
    [(j: Record<string, unknown>) => { (j.pools as { name: string }[])[1]!.name = 'token'; }, 'pools[1].name'],
    [(j: Record<string, unknown>) => { (j.clock as { bootTimeUtc: string }).bootTimeUtc = 'yesterday'; }, 'clock.bootTimeUtc'],
    [(j: Record<string, unknown>) => { (j.clock as { utcOffsetMinutes: number }).utcOffsetMinutes = 2000; }, 'clock.utcOffsetMinutes'],
    [(j: Record<string, unknown>) => { j.colour = 'blue'; }, 'colour'],
  ])('error names the field (%#: %s)', (mutate, field) => {
    const j = good();
    mutate(j);
    expect(() => loadProfile(j)).toThrow(new RegExp(`^${field.replace(/[[\]().*"]/g, '\\$&')}: `));
  });

  it('"extends" starts from a built-in and merges cpu costs', () => {
    const p = loadProfile({ extends: 'ce210-tight', name: 'my-device', cpu: { mhz: 190, costs: { sha256: { cyclesPerByte: 60 } } } });
    expect(p.name).toBe('my-device');
    expect(p.cpu.mhz).toBe(190);
    expect(p.cpu.costs['sha256']!.cyclesPerByte).toBe(60);
    expect(p.cpu.costs['x25519']!.cycles).toBe(5e6);
    expect(p.pools).toEqual(getProfile('ce210-tight').pools);
  });

  it('profileFromFile reads JSON and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cesim-profile-'));
    const ok = join(dir, 'ok.json');
    writeFileSync(ok, JSON.stringify({ extends: 'ce210-handheld', name: 'file-device' }));
    expect(profileFromFile(ok).name).toBe('file-device');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ extends: 'ce210-handheld', heapBytes: -1 }));
    expect(() => profileFromFile(bad)).toThrow(/^heapBytes: expected a positive integer, got -1 \(in .*bad\.json\)/);
    const notJson = join(dir, 'x.json');
    writeFileSync(notJson, '{');
    expect(() => profileFromFile(notJson)).toThrow(/x\.json: not JSON/);
  });
});
