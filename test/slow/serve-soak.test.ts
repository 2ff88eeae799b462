/**
 * Slow tier: `cesim serve` holds no host memory per finished connection. Runs the soak bench
 * (`bench/serve-soak.ts`, live heap after full GC before and after 2,000 connections past a
 * warm-up) and requires its verdict; the bench prints the figure the README quotes.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('cesim serve host-memory soak', () => {
  it('3,000 connections: the live heap after GC grows by less than 512 B per connection after warm-up', () => {
    const root = join(import.meta.dirname, '..', '..');
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'bench', 'serve-soak.ts'), '3000'], { cwd: root, encoding: 'utf8' });
    const m = /: (-?[\d.]+) B per connection/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(512);
  });
});
