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
