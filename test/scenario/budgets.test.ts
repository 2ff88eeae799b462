/**
 * Memory budgets as scenario assertions (issue 13): `heap-peak-under`, `largest-free-block-over`,
 * `fragmentation-under`, `stack-peak-under`, `no-fragmentation-failures` and
 * `peak-not-above-baseline`, validated like every assertion, evaluated by the same code as
 * `cesim run --budget`, in TypeScript, JSON and built-in scenarios and on every seed of a campaign.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIOS_DIR, ScenarioError, baselineOf, loadScenario, runScenario, validateScenario, type AssertionSpec, type LoadedScenario, type RunSummary } from '../../emulator/scenario/index.js';
import { cesim } from '../cli/helpers.js';

const PATTERN = 'test/scenario/fixtures/mem-pattern.ts';
const SEEDED = 'test/scenario/fixtures/seeded-peak.ts';
const BASELINE = resolve('test/fixtures/baselines/default.json');

/** The loaded scenario with `assertions` instead of its own. */
function withAssertions(l: LoadedScenario, assertions: unknown[], params?: Record<string, unknown>): LoadedScenario {
  const scenario = { ...l.scenario, assertions: assertions as AssertionSpec[] };
  if (params) scenario.devices = scenario.devices.map((d, i) => (i === 0 ? { ...d, processes: d.processes!.map((p) => ({ ...p, params: { ...p.params, ...params } })) } : d));
  return { ...l, scenario };
}

const verdicts = (s: RunSummary): Record<string, { passed: boolean; detail: string; budget?: true }> => Object.fromEntries(s.assertions.map((a) => [a.name, a]));

describe('memory budgets as scenario assertions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cesim-scenario-budgets-'));

  it('validation: each budget kind is an assertion kind; bad fields and unknown devices are named with their path', () => {
    const base = { name: 's', devices: [{ name: 'dev', profile: 'ce210-handheld', address: '10.0.0.1' }] };
    const ok = [
      { kind: 'heap-peak-under', bytes: 1000 },
      { kind: 'largest-free-block-over', pool: 'heap', bytes: 4096, device: 'dev' },
      { kind: 'fragmentation-under', pool: 'general', max: 0.9 },
      { kind: 'stack-peak-under', bytes: 65536, name: 'stack' },
      { kind: 'no-fragmentation-failures' },
      { kind: 'peak-not-above-baseline', file: 'b.json', tolerancePct: 5 },
    ];
    expect(() => validateScenario({ ...base, assertions: ok })).not.toThrow();
    const bad = [
      { kind: 'heap-peak-under' },
      { kind: 'largest-free-block-over', pool: 'heap', bytes: -1 },
      { kind: 'fragmentation-under', pool: 'general', max: 1.5 },
      { kind: 'stack-peak-under', bytes: 1, pool: 'x' },
      { kind: 'no-fragmentation-failures', device: 'nope' },
      { kind: 'peak-not-above-baseline', tolerancePct: 5 },
      { kind: 'heap-peak-over', bytes: 1 },
    ];
    let err: ScenarioError | null = null;
    try {
      validateScenario({ ...base, assertions: bad });
    } catch (e) {
      err = e as ScenarioError;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const errors = err!.errors;
    expect(errors).toContain('assertions[0].bytes: expected a non-negative number, got undefined');
    expect(errors).toContain('assertions[1].bytes: expected a non-negative number, got -1');
    expect(errors).toContain('assertions[2].max: expected a fraction in [0, 1], got 1.5');
    expect(errors.some((e) => e.startsWith('assertions[3].pool: unknown field for stack-peak-under'))).toBe(true);
    expect(errors.some((e) => e.startsWith('assertions[4].device: expected a device name (one of dev), got "nope"'))).toBe(true);
    expect(errors).toContain('assertions[5].file: expected a non-empty string, got undefined');
    expect(errors.some((e) => /^assertions\[6\]\.kind: expected one of completes, .*heap-peak-under, .*peak-not-above-baseline, got "heap-peak-over"$/.test(e))).toBe(true);
    expect(errors).toHaveLength(7);
  });

  it('each kind passes when the run keeps to it and fails, naming where, when it does not (TypeScript scenario)', async () => {
    const loaded = await loadScenario(PATTERN);
    const pass = (await runScenario(
      withAssertions(loaded, [
        { kind: 'heap-peak-under', bytes: 1_000_000 },
        { kind: 'largest-free-block-over', pool: 'general', bytes: 1024 },
        { kind: 'fragmentation-under', pool: 'general', max: 0.95 },
        { kind: 'stack-peak-under', bytes: 65536 },
      ]),
    )).summary;
    expect(pass.result, JSON.stringify(pass.assertions)).toBe('pass');
    expect(pass.assertions.every((a) => a.budget === true)).toBe(true);
    expect(verdicts(pass)['heap-peak-under 1000000 B']!.detail).toBe('heap peak 389,120 B on dev/frag.exe < 1,000,000 B');

    const fail = (await runScenario(
      withAssertions(loaded, [
        { kind: 'heap-peak-under', bytes: 300_000 },
        { kind: 'largest-free-block-over', pool: 'heap', bytes: 8192 },
        { kind: 'fragmentation-under', pool: 'heap', max: 0.4 },
        { kind: 'stack-peak-under', bytes: 100 },
        { kind: 'no-fragmentation-failures', name: 'heap stays whole' },
        { kind: 'no-leaks' },
      ]),
    )).summary;
    expect(fail.result).toBe('fail');
    const v = verdicts(fail);
    expect(v['heap-peak-under 300000 B']).toMatchObject({ passed: false, detail: 'heap peak 389,120 B on dev/frag.exe, expected under 300,000 B' });
    expect(v['largest-free-block-over heap 8192 B']).toMatchObject({ passed: false, detail: expect.stringMatching(/^largest free block fell to [\d,]+ B on dev\/heap \(frag\.exe\), expected over 8,192 B$/) });
    expect(v['fragmentation-under heap 0.4']).toMatchObject({ passed: false, detail: expect.stringMatching(/^fragmentation reached 0\.\d+ on dev\/heap \(frag\.exe\), expected under 0\.4$/) });
    expect(v['stack-peak-under 100 B']).toMatchObject({ passed: false, detail: expect.stringMatching(/^stack peak 384 B on dev\/frag\.exe in /) });
    // The constructed pattern: half the heap's 4 KiB items freed, 8 KiB asked for: a fragmentation failure, not exhaustion.
    expect(v['heap stays whole']).toMatchObject({ passed: false, budget: true, detail: 'dev/heap (frag.exe): 1 allocation(s) failed although the free total would have served them' });
    expect(v['no-leaks']).toMatchObject({ passed: true });
    expect(v['no-leaks']!.budget).toBeUndefined();
    expect(fail.devices[0]!.memory.failures).toMatchObject({ fragmented: 1, exhausted: 1 });
    // A run without the pattern has none.
    const def = (await runScenario(withAssertions(await loadScenario('default'), [{ kind: 'no-fragmentation-failures' }]))).summary;
    expect(verdicts(def)['no-fragmentation-failures']).toMatchObject({ passed: true, detail: 'no allocation failed for fragmentation' });
  }, 60_000);

  it('peak-not-above-baseline in a scenario: a grown owner fails naming it (and only it), a tolerance absorbs it', async () => {
    const loaded = await loadScenario(PATTERN);
    const base = (await runScenario(loaded)).summary;
    writeFileSync(join(dir, 'pattern-baseline.json'), JSON.stringify(baselineOf(base)));
    // A TypeScript scenario's relative baseline resolves against its folder.
    const inDir = { ...loaded, baseDir: dir };
    const same = (await runScenario(withAssertions(inDir, [{ kind: 'peak-not-above-baseline', file: 'pattern-baseline.json' }]))).summary;
    expect(same.assertions[0]).toMatchObject({ passed: true, detail: 'no pool, heap, stack or owner peak above pattern-baseline.json' });
    const grown = (await runScenario(withAssertions(inDir, [{ kind: 'peak-not-above-baseline', file: 'pattern-baseline.json' }], { bufferBytes: 480 }))).summary;
    expect(grown.result).toBe('fail');
    const d = grown.assertions[0]!.detail;
    expect(d).toBe('2 peak(s) above the baseline: dev owner app.buffer (frag.exe) 400 → 480 B; dev pool general peak 400 → 480 B');
    const tolerant = (await runScenario(withAssertions(inDir, [{ kind: 'peak-not-above-baseline', file: 'pattern-baseline.json', tolerancePct: 25 }], { bufferBytes: 480 }))).summary;
    expect(tolerant.result).toBe('pass');
    const missing = (await runScenario(withAssertions(inDir, [{ kind: 'peak-not-above-baseline', file: 'no-such.json' }]))).summary;
    expect(missing.assertions[0]).toMatchObject({ passed: false, detail: expect.stringMatching(/^baseline .*no-such\.json: ENOENT/) });
    const other = (await runScenario(withAssertions(inDir, [{ kind: 'peak-not-above-baseline', file: BASELINE }]))).summary;
    expect(other.assertions[0]).toMatchObject({ passed: false, detail: expect.stringMatching(/has none of the devices \(dev\): is it this scenario's\?$/) });
  }, 60_000);

  it('in a JSON scenario file: budgets validate, run, and a relative baseline resolves against the file', async () => {
    const sc = JSON.parse(readFileSync(join(SCENARIOS_DIR, 'default.json'), 'utf8')) as { devices: { processes: { params: Record<string, unknown> }[] }[]; assertions: unknown[] };
    const p0 = sc.devices[0]!.processes[0]!.params;
    p0.cert = join(SCENARIOS_DIR, String(p0.cert));
    p0.key = join(SCENARIOS_DIR, String(p0.key));
    const p1 = sc.devices[1]!.processes[0]!.params;
    p1.roots = (p1.roots as string[]).map((r) => join(SCENARIOS_DIR, r));
    writeFileSync(join(dir, 'default-baseline.json'), readFileSync(BASELINE));
    sc.assertions = [
      { kind: 'completes' },
      { kind: 'heap-peak-under', bytes: 4096 },
      { kind: 'largest-free-block-over', pool: 'io', bytes: 16000 },
      { kind: 'stack-peak-under', bytes: 65536, device: 'client' },
      { kind: 'no-fragmentation-failures' },
      { kind: 'peak-not-above-baseline', file: 'default-baseline.json' },
    ];
    const file = join(dir, 'default-budgets.json');
    writeFileSync(file, JSON.stringify(sc));
    const ok = await cesim('run', file, '--json');
    expect(ok.code, ok.stderr).toBe(0);
    const j = JSON.parse(ok.stdout) as RunSummary;
    expect(j.assertions.filter((a) => a.budget).map((a) => a.name)).toEqual([
      'heap-peak-under 4096 B',
      'largest-free-block-over io 16000 B',
      'stack-peak-under 65536 B (client)',
      'no-fragmentation-failures',
      'peak-not-above-baseline default-baseline.json',
    ]);
    const bad = await cesim('run', file, '--set', 'assertions[1].bytes=1000', '--set', 'assertions[3].device=nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/assertions\[3\]\.device: expected a device name \(one of server, client\), got "nope"/);
    const low = await cesim('run', file, '--set', 'assertions[1].bytes=1000');
    expect(low.code).toBe(1);
    expect(low.stderr).toMatch(/assertion failed: heap-peak-under 1000 B: heap peak 1,348 B on server\/httpsd\.exe, expected under 1,000 B/);
  }, 60_000);

  it('the committed baseline of the default scenario holds; a larger response grows the server\'s and client\'s buffers and fails naming the owners', async () => {
    // This is the CI gate: when a change grows a peak of the default scenario on purpose,
    // refresh the baseline with `cesim run default --write-baseline test/fixtures/baselines/default.json`.
    const budget = join(dir, 'default.budget.json');
    writeFileSync(budget, JSON.stringify({ budgets: [{ kind: 'peak-not-above-baseline', file: BASELINE }] }));
    const ok = await cesim('run', 'default', '--budget', budget);
    expect(ok.code, ok.stderr).toBe(0);
    const grown = await cesim('run', 'default', '--budget', budget, '--set', 'devices[0].processes[0].params.responseBytes=4096');
    expect(grown.code).toBe(1);
    expect(grown.stderr).toMatch(/assertion failed: budget peak-not-above-baseline .*default\.json: \d+ peak\(s\) above the baseline: server owner LocalAlloc \(httpsd\.exe\) 1,348 → [\d,]+ B; /);
    // A built-in scenario's relative baseline resolves against the scenarios folder; as a scenario assertion (added with --set) it gives the same verdict.
    const inline = await cesim('run', 'default', '--set', `assertions[6]={"kind":"peak-not-above-baseline","file":${JSON.stringify(BASELINE)}}`, '--set', 'devices[0].processes[0].params.responseBytes=4096');
    expect(inline.code).toBe(1);
    expect(inline.stderr).toMatch(/assertion failed: peak-not-above-baseline .*: \d+ peak\(s\) above the baseline: server owner LocalAlloc \(httpsd\.exe\) 1,348 → /);
  }, 60_000);

  it('--write-baseline writes the peaks per device; it reads back as a baseline and matches the committed one', async () => {
    const f = join(dir, 'written.json');
    const r = await cesim('run', 'default', '--write-baseline', f);
    expect(r.code, r.stderr).toBe(0);
    const written = JSON.parse(readFileSync(f, 'utf8')) as { cesimBaseline: number; scenario: string; devices: { name: string; memory: { ownerPeaks: unknown[] } }[] };
    expect(written).toMatchObject({ cesimBaseline: 1, scenario: 'default', seed: 1 });
    expect(written.devices.map((d) => d.name)).toEqual(['server', 'client']);
    expect(written).toEqual(JSON.parse(readFileSync(BASELINE, 'utf8')));
  }, 60_000);

  it('in a campaign every seed is checked: the seeds that break a budget are reported with their replay command and exit 1', async () => {
    const loaded = await loadScenario(SEEDED);
    const expected: number[] = [];
    for (let seed = 1; seed <= 8; seed++) if ((await runScenario(loaded, { seed })).summary.result !== 'pass') expected.push(seed);
    // The fixture's peak is seeded: some seeds break its heap-peak-under 400, not all.
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(8);
    const r = await cesim('campaign', SEEDED, '--seeds', '1..8', '--workers', '2', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as { budgets: number; successes: number; problems: { seed: number; class: string; status: string; detail: string; replay: string }[] };
    expect(j.budgets).toBe(expected.length);
    expect(j.successes).toBe(8 - expected.length);
    expect(j.problems.map((p) => p.seed)).toEqual(expected);
    for (const p of j.problems) {
      expect(p).toMatchObject({ class: 'budget', status: 'budget heap-peak-under 400 B', detail: expect.stringMatching(/^heap peak [\d,]+ B on dev\/peak\.exe, expected under 400 B$/) });
      expect(p.replay).toMatch(new RegExp(`^cesim run .*seeded-peak\\.ts --seed ${p.seed}$`));
    }
    // --budget FILE on a campaign: the same check from a file, and the replay carries it.
    const budget = join(dir, 'campaign.budget.json');
    writeFileSync(budget, JSON.stringify([{ kind: 'stack-peak-under', bytes: 100 }]));
    const text = await cesim('campaign', SEEDED, '--seeds', '1..2', '--workers', '1', '--budget', budget, '--set', 'assertions=[]', '--no-progress');
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/ {2}budgets {5}2 run\(s\) broke a memory budget/);
    expect(text.stdout).toMatch(/cesim run \S+seeded-peak\.ts --seed 1 --set 'assertions=\[\]' --budget \S+campaign\.budget\.json {4}# budget: budget stack-peak-under 100 B — stack peak \d+ B on dev\/peak\.exe/);
    const badFile = join(dir, 'bad.budget.json');
    writeFileSync(badFile, JSON.stringify([{ kind: 'stack-peak-under' }]));
    const usage = await cesim('campaign', SEEDED, '--seeds', '1..2', '--budget', badFile);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/campaign: --budget: .*bad\.budget\.json\[0\]\.bytes: expected a non-negative number/);
  }, 120_000);
});
