/**
 * The long-running scenario (issue 13): `reconnect-soak` reconnects a client once a virtual
 * minute for two virtual hours with seeded response sizes, keeping the latest response on the
 * heap. The test runs it with fewer reconnects; `cesim run reconnect-soak` runs all 120.
 */
import { describe, expect, it } from 'vitest';
import { applyOverrides, loadScenario, runScenario } from '../../emulator/scenario/index.js';
import { cesim } from '../cli/helpers.js';

const FEW = (n: number): string[] => [`devices[0].processes[0].params.connections=${n}`, `devices[1].processes[0].params.connections=${n}`];

describe('reconnect-soak: does the heap fragment over hours of reconnects?', () => {
  it('with 5 reconnects: passes its budgets, varies the responses, keeps the latest one on the heap, and reports the heap over time', async () => {
    const loaded = await loadScenario('reconnect-soak');
    expect(loaded.scenario.assertions!.map((a) => a.kind)).toEqual(expect.arrayContaining(['no-fragmentation-failures', 'largest-free-block-over', 'stack-peak-under']));
    const kept: number[] = [];
    const s = (
      await runScenario({ ...loaded, scenario: applyOverrides(loaded.scenario, FEW(5)) }, { allocTrace: (device, r) => void (device === 'client' && r.tag === 'app.response' && kept.push(r.size)) })
    ).summary;
    expect(s.result, JSON.stringify(s.assertions.filter((a) => !a.passed))).toBe('pass');
    expect(s.assertions.filter((a) => a.budget).map((a) => a.name)).toEqual(['no-fragmentation-failures', 'largest-free-block-over heap 65536 B', 'stack-peak-under 65536 B']);
    // Four minutes between five connections: more than 4 virtual minutes.
    expect(s.stop.virtualTimeNs).toBeGreaterThan(4 * 60e9);
    const client = s.programs.find((p) => p.device === 'client')!;
    expect(client).toMatchObject({ status: 'SEC_E_OK', connections: 5 });
    // Each response is kept in its own block; their sizes are drawn from 512..24576 B of body (plus the HTTP header).
    expect(kept).toHaveLength(5);
    expect(new Set(kept).size).toBeGreaterThan(1);
    for (const n of kept) expect(n).toBeGreaterThan(512);
    const dev = s.devices.find((d) => d.name === 'client')!;
    // The newest block is allocated before the previous is freed: two live at the peak.
    const owner = dev.memory.ownerPeaks.find((o) => o.tag === 'app.response')!;
    expect(owner.process).toBe('poller.exe');
    expect(owner.peakBytes).toBe(Math.max(...kept.slice(1).map((n, i) => n + kept[i]!)));
    const heap = dev.memory.pools.find((p) => p.name === 'heap' && p.process === 'poller.exe')!;
    expect(heap.fragmentationFailures).toBe(0);
    expect(heap.maxFragmentation).toBeGreaterThan(0);
    expect(heap.minLargestFreeBytes).toBeLessThan(heap.freeBytes);
    expect(dev.memory.sampled).toBe(true);
  }, 120_000);

  it('the same seed gives the same run; another seed other response sizes', async () => {
    const args = ['run', 'reconnect-soak', '--json', ...FEW(3).flatMap((x) => ['--set', x])];
    const a = JSON.parse((await cesim(...args)).stdout) as { traceHash: string; programs: { bytesReceived: number }[] };
    const b = JSON.parse((await cesim(...args)).stdout) as { traceHash: string };
    const c = JSON.parse((await cesim(...args, '--seed', '2')).stdout) as { traceHash: string; programs: { bytesReceived: number }[] };
    expect(b.traceHash).toBe(a.traceHash);
    expect(c.programs[1]!.bytesReceived).not.toBe(a.programs[1]!.bytesReceived);
  }, 120_000);

  it('a heap too small for its 64 KiB free-block budget fails it, naming the heap', async () => {
    const small = JSON.stringify({ extends: 'ce210-handheld', name: 'small-heap', heapBytes: 65536 });
    const r = await cesim('run', 'reconnect-soak', ...FEW(2).flatMap((x) => ['--set', x]), '--set', `devices[1].profile=${small}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/assertion failed: largest-free-block-over heap 65536 B: largest free block fell to [\d,]+ B on client\/heap \((poller|lsass)\.exe\), expected over 65,536 B/);
  }, 120_000);
});
