/**
 * C compiled by `cesim cc` and run as a device process: printf to the console, LocalAlloc from
 * the device heap, exit codes, leaks with the C owner tag and call site, pointer misuse as the
 * device fault it is, the structure layouts of 32-bit CE, and determinism.
 * The toolchain (clang, wasm-ld, wasi-libc, binaryen) is required under CI (.ci/run installs it).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, findToolchain } from '../../sdk/index.js';
import { required } from '../support/peers.js';
import { runScenario, type LoadedScenario } from '../../emulator/index.js';

const root = join(import.meta.dirname, '..', '..');
const fixture = (n: string): string => join(import.meta.dirname, 'fixtures', n);
const tc = findToolchain();
// Under CI a missing toolchain fails the file (test/support/peers.ts); elsewhere the suite is skipped.
const HAVE_CC = required(tc.ok, `cesim cc's toolchain (missing: ${tc.ok ? '' : tc.missing.join(', ')})`, tc.ok ? '' : `apt-get install ${tc.install}`);
const out = mkdtempSync(join(tmpdir(), 'cesim-c-test-'));

function build(src: string, name: string): string {
  if (!tc.ok) throw new Error(`cesim cc needs ${tc.missing.join(', ')}`);
  const r = compile({ sources: [src], output: join(out, `${name}.wasm`), toolchain: tc.toolchain });
  if (!r.ok) throw new Error(`${r.stage}: ${r.diagnostics}`);
  return r.output;
}

function scenario(module: string, seed = 1): LoadedScenario {
  return {
    source: 'test',
    baseDir: out,
    scenario: {
      name: 'c-test',
      seed,
      timeLimitMs: 60_000,
      devices: [{ name: 'dev', profile: 'ce210-handheld', address: '10.0.0.2', processes: [{ name: 'app.exe', program: 'wasm', params: { module } }] }],
    },
  };
}

const modules: Record<string, string> = {};

describe.skipIf(!HAVE_CC)('cesim cc and the C runtime', () => {
  it('finds the toolchain (under CI it must be installed)', () => {
    expect(tc.ok ? [] : tc.missing).toEqual([]);
  });

  beforeAll(() => {
    modules.hello = build(join(root, 'examples/c/hello.c'), 'hello');
    for (const n of ['leak', 'double-free', 'overflow', 'wild', 'layout']) modules[n] = build(fixture(`${n}.c`), n);
  }, 120_000);

  const run = async (name: string, seed = 1) => (await runScenario(scenario(modules[name]!, seed))).summary;

  it('hello.c: printf reaches the console, Sleep is virtual time, LocalAlloc is the device heap, main returns the exit code', async () => {
    const s = await run('hello');
    const p = s.programs[0]!;
    expect(p.status).toBe('exit 7');
    expect(p.firstLine).toMatch(/^hello from app\.exe on CE 210 \(block at 0x41000[0-9a-f]{2}, 64 usable bytes\)$/);
    expect(p.detail).toContain('slept 250 ms of virtual time');
    expect(p.detail).toContain('bye');
    expect(s.stop.virtualTimeNs).toBeGreaterThanOrEqual(250e6);
    expect(s.devices[0]!.heapPeakBytes).toBeGreaterThanOrEqual(64 + 32);
    expect(s.devices[0]!.leaks).toEqual([]);
    expect(s.devices[0]!.faults).toEqual([]);
  });

  it('a forgotten LocalFree is a leak with the C owner tag and the C function that allocated it', async () => {
    const s = await run("leak");
    expect(s.programs[0]!.status).toBe('SEC_E_OK');
    const leaks = s.devices[0]!.leaks;
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ pool: 'heap', size: 40, owner: { tag: 'c.LocalAlloc' } });
    expect(leaks[0]!.owner.call).toMatch(/^LocalAlloc from (keep_forever|main)\+0x[0-9a-f]+$/);
  });

  it('a double free from C is the double-free device fault, and LocalFree fails as on CE', async () => {
    const s = await run('double-free');
    expect(s.programs[0]!.status).toBe('SEC_E_OK');
    expect(s.devices[0]!.faults.map((f) => f.kind)).toEqual(['double-free']);
  });

  it('a heap overflow from C is found by the guard bytes at free: an overflow fault', async () => {
    const s = await run('overflow');
    expect(s.devices[0]!.faults.map((f) => f.kind)).toEqual(['overflow']);
  });

  it('a wild pointer traps and is an unmapped-access fault naming the C function', async () => {
    const s = await run('wild');
    const p = s.programs[0]!;
    expect(p.ok).toBe(false);
    expect(p.status).toBe('unmapped-access');
    expect(p.detail).toMatch(/in wild_read\+0x[0-9a-f]+/);
    expect(s.devices[0]!.faults).toHaveLength(1);
    expect(s.devices[0]!.faults[0]!.kind).toBe('unmapped-access');
  });

  it('structure sizes and offsets are those of 32-bit Windows CE (compile-time assertions)', () => {
    expect(modules.layout).toMatch(/layout\.wasm$/);
  });

  it('is deterministic: the same seed gives the same trace hash', async () => {
    const a = await run('hello', 5);
    const b = await run('hello', 5);
    expect(a.traceHash).toBe(b.traceHash);
  });
});
