/**
 * examples/c/webclient.c, compiled by `cesim cc`, on the default network against the built-in
 * TypeScript TLS server: TLS 1.3 and an HTTP exchange through the C SSPI bridge, the same
 * token-pool peak as the TypeScript client, no leaks, the same trace hash for the same seed.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compile, findToolchain } from '../../sdk/index.js';
import { required } from '../support/peers.js';
import { loadScenario, runScenario } from '../../emulator/index.js';
import { withWasmProgram } from '../../emulator/cli/run.js';

const tc = findToolchain();
// Under CI a missing toolchain fails the file (test/support/peers.ts); elsewhere the suite is skipped.
const HAVE_CC = required(tc.ok, `cesim cc's toolchain (missing: ${tc.ok ? '' : tc.missing.join(', ')})`, tc.ok ? '' : `apt-get install ${tc.install}`);
let module = '';

describe.skipIf(!HAVE_CC)('webclient.c on the emulated network', () => {
  beforeAll(() => {
    if (!tc.ok) throw new Error(`cesim cc needs ${tc.missing.join(', ')}`);
    const r = compile({ sources: [resolve(import.meta.dirname, '../../examples/c/webclient.c')], output: join(mkdtempSync(join(tmpdir(), 'cesim-wc-')), 'w.wasm'), toolchain: tc.toolchain });
    if (!r.ok) throw new Error(r.diagnostics);
    module = r.output;
  }, 120_000);

  it('completes TLS 1.3 and HTTP/1.0 with the TypeScript client\'s token-pool peak, no leaks, and a stable trace hash', async () => {
    const ts = (await runScenario(await loadScenario('default'))).summary;
    const loaded = await loadScenario('default');
    loaded.scenario = withWasmProgram(loaded.scenario, module);
    const c1 = (await runScenario(loaded)).summary;
    const c2 = (await runScenario(loaded)).summary;
    const client = c1.programs.find((p) => p.device === 'client')!;
    const server = c1.programs.find((p) => p.device === 'server')!;
    expect(client.status).toBe('SEC_E_OK');
    expect(server.status).toBe('SEC_E_OK');
    expect(server.protocol).toBe('TLS 1.3');
    expect(server.firstLine).toBe('GET /index.html HTTP/1.0');
    expect(client.detail).toContain('HTTP/1.0 200 OK');
    const token = (s: typeof c1) => s.devices.find((d) => d.name === 'client')!.pools.find((p) => p.name === 'token')!;
    expect(token(c1).peakBytesRequested).toBe(token(ts).peakBytesRequested);
    expect(c1.devices.flatMap((d) => d.leaks)).toEqual([]);
    expect(c1.devices.flatMap((d) => d.faults)).toEqual([]);
    expect(c1.assertions.every((a) => a.passed)).toBe(true);
    expect(c2.traceHash).toBe(c1.traceHash);
  }, 120_000);
});
