/**
 * Every module loads on its own: each is imported first, in a fresh module registry, so a module
 * that only works when something else happened to load before it (an import cycle resolved in
 * the "right" order) fails here.
 */
import { describe, expect, it, vi } from 'vitest';
import { sourceModules } from './graph.js';

// Scripts that run when loaded (benchmarks, examples, the campaign and advisor worker threads) are
// loaded by their own tests; here only modules meant to be imported.
const RUNS_WHEN_LOADED = /^(bench\/|examples\/|emulator\/cli\/(campaign|advise)-worker\.ts$)/;

describe('each module loaded first, on its own', () => {
  const modules = sourceModules().filter((m) => !RUNS_WHEN_LOADED.test(m));
  it('there are modules to load', () => expect(modules.length).toBeGreaterThan(100));
  for (const m of modules) {
    it(m, async () => {
      vi.resetModules();
      const mod: Record<string, unknown> = await import(`../../${m}`);
      expect(typeof mod).toBe('object');
    });
  }
});
