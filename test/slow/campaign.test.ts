/** Slow: the campaign of the "done when": 500 seeds of the default scenario with loss, reordering and forced allocation failures. */
import { describe, expect, it } from 'vitest';
import { cesim } from '../cli/helpers.js';

describe('cesim campaign over 500 seeds', () => {
  it('reports no leaks, no exceptions, no hangs, no device faults', async () => {
    const r = await cesim('campaign', 'default', '--seeds', '1..500', '--faults', 'loss=0.03,reorder=0.05', '--alloc-failures', 'p=0.002', '--json');
    const doc = JSON.parse(r.stdout) as { runs: number; successes: number; leaks: number; faults: number; exceptions: number; hangs: number; wallMs: number; failuresByStatus: Record<string, number> };
    console.log(`campaign: ${doc.runs} runs, ${doc.successes} ok, ${JSON.stringify(doc.failuresByStatus)}, ${(doc.runs / (doc.wallMs / 1000)).toFixed(1)} runs/s`);
    expect(doc.runs).toBe(500);
    expect({ leaks: doc.leaks, faults: doc.faults, exceptions: doc.exceptions, hangs: doc.hangs }).toEqual({ leaks: 0, faults: 0, exceptions: 0, hangs: 0 });
    expect(r.code).toBe(0);
  }, 1_800_000);
});
