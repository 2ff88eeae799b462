/**
 * The C examples as users run them: the built-in `c-webclient` scenario (examples/c/webclient.c
 * compiled by `cesim cc` on first use) passes its budgets with the C code's own work charged to
 * the device CPU; examples/c/leak.c's forgotten FreeContextBuffer is a leak report naming the
 * token block, its owner and the C call site; and an out-of-memory sweep of the C client fails
 * each allocation in turn: a status from C every time, never a leak, fault or exception.
 * The toolchain is required under CI (.ci/run installs it).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { appendFileSync, copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, compileCached, findToolchain } from '../../sdk/index.js';
import { required } from '../support/peers.js';
import { loadScenario, runScenario, type LoadedScenario } from '../../emulator/index.js';
import { withWasmProgram } from '../../emulator/cli/run.js';
import { CODE_PRIMITIVE } from '../../cruntime/process.js';

const root = join(import.meta.dirname, '..', '..');
const tc = findToolchain();
// Under CI a missing toolchain fails the file (test/support/peers.ts); elsewhere the suite is skipped.
const HAVE_CC = required(tc.ok, `cesim cc's toolchain (missing: ${tc.ok ? '' : tc.missing.join(', ')})`, tc.ok ? '' : `apt-get install ${tc.install}`);
const work = mkdtempSync(join(tmpdir(), 'cesim-c-examples-'));

describe.skipIf(!HAVE_CC)('the C examples', () => {
  let scenario: LoadedScenario | null = null;
  beforeAll(async () => {
    if (!tc.ok) throw new Error(`cesim cc needs ${tc.missing.join(', ')}`);
    // A cache of this test's own, so the scenario's on-demand compile really runs here.
    process.env.CESIM_CC_CACHE = join(work, 'cache');
    scenario = await loadScenario('c-webclient');
  }, 60_000);

  it('cesim run c-webclient: webclient.c, compiled on first use, completes TLS 1.3 and HTTP within its budgets, the C code charged to the CPU', async () => {
    const a = (await runScenario(scenario!)).summary;
    const b = (await runScenario(scenario!)).summary;
    const client = a.programs.find((p) => p.device === 'client')!;
    expect(client.program).toBe('wasm');
    expect(client.status).toBe('SEC_E_OK');
    expect(a.programs.find((p) => p.device === 'server')!.protocol).toBe('TLS 1.3');
    expect(a.assertions.filter((x) => !x.passed)).toEqual([]);
    expect(a.assertions.map((x) => x.name)).toEqual(expect.arrayContaining([expect.stringMatching(/token pool/), expect.stringMatching(/^heap-peak-under/), expect.stringMatching(/^no-leaks/)]));
    const cpu = a.devices.find((d) => d.name === 'client')!.cpu.byPrimitive;
    const code = cpu.find((p) => p.primitive === CODE_PRIMITIVE)!;
    expect(code.calls).toBeGreaterThan(0);
    expect(code.cycles).toBeGreaterThan(0);
    expect(client.detail).toMatch(/\b[1-9]\d* blocks of C\b/);
    expect(b.traceHash).toBe(a.traceHash);
  }, 120_000);

  it('cesim run c-webserver: webserver.c finds its certificate in the MY store and serves TLS 1.3 through AcceptSecurityContext with the TypeScript server\'s token-pool peak', async () => {
    const web = await loadScenario('c-webserver');
    const ts = await loadScenario('default');
    const a = (await runScenario(web)).summary;
    const b = (await runScenario(web)).summary;
    const t = (await runScenario(ts)).summary;
    const server = a.programs.find((p) => p.device === 'server')!;
    expect(server.program).toBe('wasm');
    expect(server.status).toBe('SEC_E_OK');
    expect(server.firstLine).toBe('server certificate: 529 bytes, subject contains "localhost"');
    const client = a.programs.find((p) => p.device === 'client')!;
    expect(client.status).toBe('SEC_E_OK');
    expect(client.protocol).toBe('TLS 1.3');
    expect(client.firstLine).toBe('HTTP/1.0 200 OK');
    expect(a.assertions.filter((x) => !x.passed)).toEqual([]);
    const token = (s: typeof a) => s.devices.find((d) => d.name === 'server')!.pools.find((p) => p.name === 'token')!;
    // The same ASC_REQ_ALLOCATE_MEMORY calls from C and from TypeScript draw the same token blocks.
    expect(token(a).peakBytesRequested).toBe(token(t).peakBytesRequested);
    expect(b.traceHash).toBe(a.traceHash);
  }, 180_000);

  it('webserver.c with a subject the MY store does not hold: CertFindCertificateInStore fails with CRYPT_E_NOT_FOUND and the server exits with SEC_E_NO_CREDENTIALS, nothing leaked', async () => {
    const web = await loadScenario('c-webserver');
    const proc = web.scenario.devices.find((d) => d.name === 'server')!.processes![0]!;
    (proc.params as { args: string[] }).args = ['443', '1', '1024', 'no-such-subject'];
    const s = (await runScenario(web)).summary;
    const server = s.programs.find((p) => p.device === 'server')!;
    expect(server.status).toBe('SEC_E_NO_CREDENTIALS');
    expect(server.detail).toContain('Error 0x80092004 returned by CertFindCertificateInStore (no-such-subject)');
    expect(s.assertions.find((x) => x.name.startsWith('no-leaks'))!.passed).toBe(true);
  }, 120_000);

  it('compileCached reuses a module until its source changes', () => {
    const src = join(work, 'hello.c');
    copyFileSync(join(root, 'examples/c/hello.c'), src);
    const first = compileCached([src]);
    const again = compileCached([src]);
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(first.commands.length).toBeGreaterThan(0);
    expect(again.commands).toEqual([]);
    expect(again.output).toBe(first.output);
    appendFileSync(src, '\n/* changed */\n');
    const changed = compileCached([src]);
    expect(changed.ok && changed.output !== first.output && changed.commands.length > 0).toBe(true);
  }, 120_000);

  it('leak.c: the forgotten FreeContextBuffer is a leak of the token block, with its owner tag and C call site', async () => {
    const r = compile({ sources: [join(root, 'examples/c/leak.c')], output: join(work, 'leak.wasm'), toolchain: tc.ok ? tc.toolchain : undefined });
    if (!r.ok) throw new Error(r.diagnostics);
    const loaded = await loadScenario('default');
    loaded.scenario = withWasmProgram(loaded.scenario, r.output);
    const s = (await runScenario(loaded)).summary;
    const client = s.programs.find((p) => p.device === 'client')!;
    expect(client.status).toBe('SEC_E_OK');
    expect(client.firstLine).toMatch(/^ClientHello of \d+ bytes written \(and never freed\)$/);
    const leaks = s.devices.find((d) => d.name === 'client')!.leaks;
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ pool: 'token', owner: { tag: 'sspi.token.Microsoft Unified Security Protocol Provider' } });
    expect(leaks[0]!.owner.call).toMatch(/^InitializeSecurityContextW from (StartHandshake|main)\+0x[0-9a-f]+$/);
    expect(s.assertions.find((a) => a.name.startsWith('no-leaks'))!.passed).toBe(false);
  }, 120_000);

  it('out of memory at every allocation of the C client: a status in C each time, no leak, no fault, no exception', async () => {
    const seen = new Map<string, number>();
    let n = 1;
    for (; n <= 400; n++) {
      const s = (await runScenario(scenario!, { allocFailures: { nthRange: [n, n], devices: ['client'] } })).summary;
      const client = s.programs.find((p) => p.device === 'client')!;
      expect(s.devices.flatMap((d) => d.leaks), `nth=${n}`).toEqual([]);
      expect(s.devices.flatMap((d) => d.faults), `nth=${n}`).toEqual([]);
      expect(client.status, `nth=${n}`).toMatch(/^(SEC_[EI]_|WSA|ERROR_|exit \d+$)/);
      seen.set(client.status, (seen.get(client.status) ?? 0) + 1);
      const forced = s.devices.find((d) => d.name === 'client')!.memory.pools.reduce((t, p) => t + p.failedAllocs, 0);
      // Past the last allocation the forced failure never fires and the exchange succeeds.
      if (client.status === 'SEC_E_OK' && forced === 0) break;
    }
    expect(n).toBeLessThanOrEqual(400);
    expect(n).toBeGreaterThan(10);
    expect(seen.get('SEC_E_INSUFFICIENT_MEMORY') ?? 0).toBeGreaterThan(0);
  }, 300_000);
});
