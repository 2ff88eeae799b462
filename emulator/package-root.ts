/**
 * Where the cesim package is on disk, from the sources (`emulator/…`) and from the build
 * (`dist/emulator/…`) alike: the nearest folder above this file whose `package.json` names
 * `cesim`. The built-in scenarios, their certificates and the package version are found from it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { root: string; version: string } | null = null;

function find(): { root: string; version: string } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      const p = JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown; version?: unknown };
      if (p.name === 'cesim') return (cached = { root: dir, version: typeof p.version === 'string' ? p.version : '0.0.0' });
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cesim: no package.json naming cesim above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The folder holding cesim's `package.json` (the clone, or `node_modules/cesim` when installed). */
export function packageRoot(): string {
  return find().root;
}

/** cesim's version, from its `package.json` (what `cesim --version` prints). */
export function packageVersion(): string {
  return find().version;
}

/** True when this code runs from the compiled JavaScript in `dist/`, false from the TypeScript sources. */
export function runningFromBuild(): boolean {
  return import.meta.url.endsWith('.js');
}

/**
 * How to start the worker thread module `name` (e.g. `campaign-worker`) of `emulator/cli/`:
 * from the build, the compiled worker itself; from the sources, `worker-boot.mjs`, which
 * registers tsx in the worker first (a worker thread does not inherit the main thread's loader)
 * and then imports `entry`.
 */
export function cliWorker(name: string): { script: URL; entry: string } {
  const cli = new URL('./cli/', import.meta.url);
  const entry = new URL(`${name}${runningFromBuild() ? '.js' : '.ts'}`, cli);
  return { script: runningFromBuild() ? entry : new URL('worker-boot.mjs', cli), entry: entry.href };
}
