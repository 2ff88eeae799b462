/** STYLE.md §1, leaves import leaves: no module imports itself back, directly or around a loop. */
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph, importsOf, sourceModules } from './graph.js';

describe('the source import graph', () => {
  it('has no cycle (type-only and dynamic imports count too)', () => {
    const cycles = findCycles(importGraph()).map((c) => c.join(' → '));
    expect(cycles).toEqual([]);
  });
  it('covers every source folder and resolves every relative import to a module', () => {
    const g = importGraph();
    const missing: string[] = [];
    for (const [f, deps] of g) for (const d of deps) if (!g.has(d)) missing.push(`${f} → ${d}`);
    expect(missing).toEqual([]);
    for (const top of ['common/', 'device/', 'sspi/', 'schannel/', 'emulator/']) expect([...g.keys()].some((f) => f.startsWith(top))).toBe(true);
  });
});

describe('the cycle finder', () => {
  it('finds a three-module loop and names it in import order', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
    ]);
    expect(findCycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });
  it('finds a self-import and two separate loops, and nothing in a tree', () => {
    expect(findCycles(new Map([['s.ts', ['s.ts']]]))).toEqual([['s.ts', 's.ts']]);
    const two = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['a.ts']],
      ['x.ts', ['y.ts']],
      ['y.ts', ['x.ts']],
    ]);
    expect(findCycles(two)).toHaveLength(2);
    expect(findCycles(new Map([['a.ts', ['b.ts', 'c.ts']], ['b.ts', ['c.ts']], ['c.ts', []]]))).toEqual([]);
  });
  it('reads type-only, re-export and dynamic imports, and not imports inside comments', () => {
    const src = "import type { A } from './a.js';\nexport { B } from '../b.js';\nconst c = await import('./c.js');\n// import z from './z.js'\nimport x from 'node:fs';";
    expect(importsOf(src, 'dir/m.ts')).toEqual(['dir/a.ts', 'b.ts', 'dir/c.ts']);
  });
  it('sees the whole tree', () => {
    expect(sourceModules().length).toBeGreaterThan(100);
  });
});
