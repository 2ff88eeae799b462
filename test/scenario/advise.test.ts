import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../device/index.js';
import { adviseScenario } from '../../emulator/cli/advise-core.js';
import { loadScenario, runScenario, type LoadedScenario, type RunSummary } from '../../emulator/scenario/index.js';
import { cesim } from '../cli/helpers.js';

/** The scenario with each device group built from `profiles[group]`. */
function withProfiles(loaded: LoadedScenario, profiles: Record<string, unknown>): LoadedScenario {
  const scenario = structuredClone(loaded.scenario);
  for (const d of scenario.devices) if (profiles[d.name]) d.profile = profiles[d.name] as typeof d.profile;
  return { ...loaded, scenario };
}

const failedAllocs = (s: RunSummary): number => s.devices.reduce((n, d) => n + d.pools.reduce((x, p) => x + p.failedAllocs, 0), 0);
const poolBytes = (s: RunSummary, group: string): number => s.devices.filter((d) => d.group === group).reduce((n, d) => n + d.pools.reduce((x, p) => x + p.regionBytes, 0), 0);

describe('pool-size advisor on a scenario', () => {
  it('default: the advice, applied as custom profiles, passes every seed with no failed allocation and less pool memory; one block fewer fails', async () => {
    const loaded = await loadScenario('default');
    const seeds = [1, 2];
    const { groups } = await adviseScenario(loaded, seeds);
    expect(groups.map((g) => g.group).sort()).toEqual(['client', 'server']);
    const profiles = Object.fromEntries(groups.map((g) => [g.group, g.advisedProfile]));
    for (const g of groups) {
      expect(g.advisedBytes).toBeLessThan(g.builtInBytes);
      expect(() => loadProfile(g.advisedProfile)).not.toThrow();
    }
    const builtIn = (await runScenario(loaded, { seed: 1 })).summary;
    for (const seed of seeds) {
      const s = (await runScenario(withProfiles(loaded, profiles), { seed })).summary;
      expect(s.result, `seed ${seed}`).toBe('pass');
      expect(failedAllocs(s)).toBe(0);
      for (const g of groups) {
        expect(poolBytes(s, g.group)).toBe(g.advisedBytes);
        expect(poolBytes(s, g.group)).toBeLessThan(poolBytes(builtIn, g.group));
      }
    }
    // Take one block from the client's busiest general bucket: the real run now fails an allocation.
    const client = groups.find((g) => g.group === 'client')!;
    const shrunk = structuredClone(client.advisedProfile) as { pools: { name: string; buckets: { blockSize: number; count: number }[] }[] };
    const general = shrunk.pools.find((p) => p.name === 'general')!;
    const busiest = general.buckets.reduce((a, b) => (b.count > a.count ? b : a));
    expect(busiest.count).toBeGreaterThan(1);
    busiest.count--;
    const s = (await runScenario(withProfiles(loaded, { ...profiles, client: shrunk }), { seed: 1 })).summary;
    expect(failedAllocs(s)).toBeGreaterThan(0);
    expect(s.result).not.toBe('pass');
  }, 240_000);

  it('default: taking one block from any advised bucket of any pool of either group makes some seed fail an allocation', async () => {
    const loaded = await loadScenario('default');
    const seeds = [1, 2];
    const { groups } = await adviseScenario(loaded, seeds);
    const profiles = Object.fromEntries(groups.map((g) => [g.group, g.advisedProfile]));
    type Prof = { pools: { name: string; buckets: { blockSize: number; count: number }[] }[] };
    let checked = 0;
    for (const g of groups) {
      const prof = g.advisedProfile as unknown as Prof;
      for (const [pi, pool] of prof.pools.entries()) {
        for (const [bi, bucket] of pool.buckets.entries()) {
          const shrunk = structuredClone(prof);
          const b = shrunk.pools[pi]!.buckets[bi]!;
          b.count--;
          if (b.count === 0) shrunk.pools[pi]!.buckets.splice(bi, 1);
          // A pool needs a bucket: an emptied one-bucket pool keeps a block too small for any request.
          if (shrunk.pools[pi]!.buckets.length === 0) shrunk.pools[pi]!.buckets.push({ blockSize: 8, count: 1 });
          let failed = false;
          for (const seed of seeds) {
            const s = (await runScenario(withProfiles(loaded, { ...profiles, [g.group]: shrunk }), { seed })).summary;
            if (failedAllocs(s) > 0) {
              failed = true;
              expect(s.result, `${g.group} ${pool.name} ${bucket.blockSize}×${bucket.count - 1}`).not.toBe('pass');
              break;
            }
          }
          expect(failed, `${g.group} ${pool.name}: ${bucket.blockSize} B ×${bucket.count - 1}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBe(groups.reduce((n, g) => n + g.pools.reduce((x, p) => x + p.advised.buckets.length, 0), 0));
  }, 240_000);

  it('cesim advise --json names the run that set each count with its replay command, and --write writes loadable profiles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cesim-advise-'));
    const r = await cesim('advise', 'default', '--seeds', '3..3', '--headroom', '50', '--json', '--write', dir, '--workers', '1');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { headroomPct: number; groups: { group: string; builtInBytes: number; advisedBytes: number; pools: { pool: string; advised: { buckets: { count: number; minCount: number; worstRun: string; replay?: string }[] } }[] }[] };
    expect(j.headroomPct).toBe(50);
    const general = j.groups.find((g) => g.group === 'server')!.pools.find((p) => p.pool === 'general')!;
    for (const b of general.advised.buckets) {
      expect(b.count).toBe(Math.ceil(b.minCount * 1.5));
      expect(b.worstRun).toBe('seed 3 server');
      expect(b.replay).toBe('cesim run default --seed 3');
    }
    const p = loadProfile(JSON.parse(readFileSync(join(dir, 'server.profile.json'), 'utf8')));
    expect(p.pools.map((x) => x.name)).toEqual(['token', 'general', 'io']);
    const text = await cesim('advise', 'default', '--workers', '1');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^cesim advise default, seeds 1\.\.1, headroom 0%/);
    expect(text.stdout).toMatch(/client \(ce210-handheld, 1 device run\(s\)\): [\d,]+ B of pools advised vs 88,512 B in the profile/);
  }, 240_000);

  it('--profiles DIR builds each group from what advise --write DIR wrote: a campaign on the advised pools passes every seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cesim-advise-profiles-'));
    const w = await cesim('advise', 'default', '--seeds', '1..2', '--write', dir, '--workers', '1');
    expect(w.code, w.stderr).toBe(0);
    const c = await cesim('campaign', 'default', '--seeds', '1..6', '--profiles', dir, '--workers', '2', '--json');
    expect(c.code, c.stdout).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ runs: 6, successes: 6, budgets: 0, leaks: 0 });
    const r = await cesim('run', 'default', '--profiles', dir, '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as RunSummary;
    expect(j.devices.map((d) => d.profile)).toEqual(['ce210-handheld-advised-server', 'ce210-handheld-advised-client']);
    expect(failedAllocs(j)).toBe(0);
    const none = await cesim('run', 'default', '--profiles', tmpdir());
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--profiles: .* holds none of server\.profile\.json, client\.profile\.json/);
  }, 240_000);

  it('cesim run --advise adds this seed\'s advice to the JSON and the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cesim-advise-run-'));
    const r = await cesim('run', 'default', '--advise', '--json', '--report', join(dir, 'r.html'));
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { advice: { group: string; advisedBytes: number; builtInBytes: number }[] };
    expect(j.advice.map((g) => g.group).sort()).toEqual(['client', 'server']);
    for (const g of j.advice) expect(g.advisedBytes).toBeLessThan(g.builtInBytes);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html).toContain('<table class="advice">');
    expect(html).toContain('data-chart="fragmentation"');
    expect(html).toContain('<table class="stack">');
  }, 240_000);
});
