import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBudgets } from '../../emulator/scenario/budget.js';
import { cesim } from './helpers.js';

const PATTERN = 'test/scenario/fixtures/mem-pattern.ts';

interface Json {
  result: string;
  assertions: { name: string; passed: boolean; detail: string }[];
  devices: { memory: { pools: { name: string; fragmentationFailures: number }[]; ownerPeaks: { tag: string; peakBytes: number }[] } }[];
}

describe('memory budgets that gate CI (cesim run --budget)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cesim-budget-'));
  const budget = (name: string, b: unknown[]): string => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify({ budgets: b }));
    return f;
  };

  it('a breach exits 1 naming the device, pool or owner; the JSON carries every verdict', async () => {
    const f = budget('b1.json', [
      { kind: 'no-fragmentation-failures' },
      { kind: 'stack-peak-under', bytes: 100 },
      { kind: 'heap-peak-under', bytes: 1_000_000 },
      { kind: 'largest-free-block-over', pool: 'heap', bytes: 8192 },
      { kind: 'fragmentation-under', pool: 'general', max: 0.95 },
    ]);
    const r = await cesim('run', PATTERN, '--budget', f, '--json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/assertion failed: budget no-fragmentation-failures: dev\/heap \(frag\.exe\): 1 allocation\(s\) failed although the free total would have served them/);
    const j = JSON.parse(r.stdout) as Json;
    expect(j.result).toBe('fail');
    const v = Object.fromEntries(j.assertions.filter((a) => a.name.startsWith('budget ')).map((a) => [a.name, a]));
    expect(v['budget no-fragmentation-failures']!.passed).toBe(false);
    expect(v['budget stack-peak-under 100 B']).toMatchObject({ passed: false, detail: expect.stringMatching(/^stack peak 384 B on dev\/frag\.exe/) });
    expect(v['budget heap-peak-under 1000000 B']!.passed).toBe(true);
    expect(v['budget largest-free-block-over heap 8192 B']).toMatchObject({ passed: false, detail: expect.stringMatching(/^largest free block fell to [\d,]+ B on dev\/heap \(frag\.exe\)/) });
    expect(v['budget fragmentation-under general 0.95']!.passed).toBe(true);
    expect(j.devices[0]!.memory.pools.find((p) => p.name === 'heap')!.fragmentationFailures).toBe(1);
    const ok = await cesim('run', PATTERN, '--budget', budget('b2.json', [{ kind: 'heap-peak-under', bytes: 1_000_000 }, { kind: 'stack-peak-under', bytes: 65536 }]));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/ok {3}budget heap-peak-under 1000000 B: heap peak 389,120 B on dev\/frag\.exe < 1,000,000 B/);
  }, 120_000);

  it('peak-not-above-baseline fails when one owner grows, naming it; holds within the tolerance', async () => {
    const base = await cesim('run', PATTERN, '--json');
    expect(base.code).toBe(0);
    writeFileSync(join(dir, 'baseline.json'), base.stdout);
    expect((JSON.parse(base.stdout) as Json).devices[0]!.memory.ownerPeaks).toContainEqual({ process: 'frag.exe', tag: 'app.buffer', peakBytes: 400 });
    const f = budget('b3.json', [{ kind: 'peak-not-above-baseline', file: 'baseline.json' }]);
    const same = await cesim('run', PATTERN, '--budget', f);
    expect(same.code, same.stderr).toBe(0);
    const grown = await cesim('run', PATTERN, '--budget', f, '--set', 'devices[0].processes[0].params.bufferBytes=440');
    expect(grown.code).toBe(1);
    expect(grown.stderr).toMatch(/budget peak-not-above-baseline baseline\.json: 2 peak\(s\) above the baseline: dev owner app\.buffer \(frag\.exe\) 400 → 440 B; dev pool general peak 400 → 440 B/);
    const tolerant = await cesim('run', PATTERN, '--budget', budget('b4.json', [{ kind: 'peak-not-above-baseline', file: 'baseline.json', tolerancePct: 10 }]), '--set', 'devices[0].processes[0].params.bufferBytes=440');
    expect(tolerant.code, tolerant.stderr).toBe(0);
  }, 120_000);

  it('a bad budget file is a usage error naming the field', async () => {
    expect(() => parseBudgets([{ kind: 'fragmentation-under', pool: 'general', max: 2 }])).toThrow(/budgets\[0\]\.max: expected a fraction/);
    expect(() => parseBudgets([{ kind: 'stack-peak-under' }])).toThrow(/budgets\[0\]\.bytes/);
    expect(() => parseBudgets([{ kind: 'heap-peak-under', bytes: 1, pool: 'x' }])).toThrow(/budgets\[0\]\.pool: unknown field/);
    const r = await cesim('run', PATTERN, '--budget', budget('bad.json', [{ kind: 'nope' }]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--budget: .*bad\.json\[0\]\.kind: expected one of/);
  }, 60_000);

  it('--alloc-trace writes one JSON line per allocation; the per-owner sums equal the run JSON', async () => {
    const t = join(dir, 'allocs.jsonl');
    const r = await cesim('run', PATTERN, '--alloc-trace', t, '--json');
    expect(r.code).toBe(0);
    const lines = readFileSync(t, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { device: string; tag: string; pool: string; size: number; blockSize: number; result: string });
    expect(lines.find((l) => l.tag === 'app.buffer')).toMatchObject({ device: 'dev', pool: 'general', size: 400, blockSize: 512, result: 'ok' });
    expect(lines.filter((l) => l.tag === 'app.big').map((l) => l.result)).toEqual(['fragmented']);
    expect(lines.filter((l) => l.tag === 'app.item' && l.result === 'exhausted')).toHaveLength(1);
    const j = JSON.parse(r.stdout) as { devices: { memory: { owners: { pool: string; tag: string; allocs: number; requestedBytes: number; failed: number }[] } }[] };
    for (const o of j.devices[0]!.memory.owners) {
      const mine = lines.filter((l) => l.pool === o.pool && l.tag === o.tag);
      expect(mine.filter((l) => l.result === 'ok').length).toBe(o.allocs);
      expect(mine.filter((l) => l.result === 'ok').reduce((n, l) => n + l.size, 0)).toBe(o.requestedBytes);
      expect(mine.filter((l) => l.result !== 'ok').length).toBe(o.failed);
    }
  }, 60_000);
});
