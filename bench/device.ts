/**
 * Allocator benchmark: alloc+free pairs per second on the `ce210-handheld` general pool.
 * Run with `npx tsx bench/device.ts`; `bench/run.ts` imports {@link benchDevice}.
 */
import { pathToFileURL } from 'node:url';
import { Device, getProfile, LMEM_FIXED } from '../device/index.js';

/** One benchmark figure. */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
}

/** Sizes cycled through: one per general-pool bucket, each below its block size. */
const SIZES = [40, 100, 200, 400, 900, 2000, 4000];

/** Best of five timed runs of `run(n)`, in pairs per second (the best run is the least disturbed by other load). */
function pairsPerSecond(run: (n: number) => void, n: number): number {
  run(Math.min(n, 200_000)); // warm-up: let the JIT settle
  let best = 0;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    run(n);
    const ns = Number(process.hrtime.bigint() - t0);
    best = Math.max(best, (n * 1e9) / ns);
  }
  return Math.round(best);
}

/** Measures the device allocator; returns figures for the bench report. */
export async function benchDevice(): Promise<BenchFigure[]> {
  const device = new Device(getProfile('ce210-handheld'), { seed: 'bench' });
  const p = device.createProcess('bench.exe');
  const tag = 'bench.block';
  // Same size each time: the fast path.
  const single = pairsPerSecond((n) => {
    for (let i = 0; i < n; i++) p.poolFree(p.poolAlloc('general', 100, tag));
  }, 2_000_000);
  // Mixed sizes with 8 blocks held, so the free lists move.
  const held = new Array<number>(8).fill(0);
  const mixed = pairsPerSecond((n) => {
    for (let i = 0; i < n; i++) {
      const k = i & 7;
      if (held[k] !== 0) p.poolFree(held[k]!);
      held[k] = p.poolAlloc('general', SIZES[i % SIZES.length]!, tag);
    }
  }, 2_000_000);
  for (let k = 0; k < 8; k++) if (held[k] !== 0) p.poolFree(held[k]!);
  const heap = pairsPerSecond((n) => {
    for (let i = 0; i < n; i++) p.LocalFree(p.LocalAlloc(LMEM_FIXED, 100));
  }, 500_000);
  if (device.faults.length > 0) throw new Error(`benchmark caused device faults: ${device.faults[0]!.detail}`);
  return [
    { name: 'device: general pool alloc+free (same size)', value: single, unit: 'pairs/s' },
    { name: 'device: general pool alloc+free (mixed sizes, 8 held)', value: mixed, unit: 'pairs/s' },
    { name: 'device: LocalAlloc+LocalFree (100 B)', value: heap, unit: 'pairs/s' },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of await benchDevice()) console.log(`${f.name}: ${f.value.toLocaleString('en-US')} ${f.unit}`);
}
