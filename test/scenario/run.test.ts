import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyOverrides, loadScenario, runScenario } from '../../emulator/scenario/index.js';

describe('running scenarios', () => {
  it('echo-lossy: the same seed gives the same trace hash; another seed a different one', async () => {
    const s = await loadScenario('echo-lossy');
    const a = await runScenario(s, { seed: 7 });
    const b = await runScenario(s, { seed: 7 });
    const c = await runScenario(s, { seed: 8 });
    expect(a.summary.result).toBe('pass');
    expect(a.summary.traceHash).toBe(b.summary.traceHash);
    expect(c.summary.traceHash).not.toBe(a.summary.traceHash);
  });

  it('default: TLS 1.3 through SSPI, an HTTP/1.0 exchange, no leaks, no faults', async () => {
    const { summary } = await runScenario(await loadScenario('default'));
    expect(summary.result).toBe('pass');
    const client = summary.programs.find((p) => p.device === 'client')!;
    expect(client.status).toBe('SEC_E_OK');
    expect(client.protocol).toBe('TLS 1.3');
    expect(client.cipherSuite).toMatch(/^TLS_/);
    expect(client.firstLine).toBe('HTTP/1.0 200 OK');
    expect(client.handshake!.cpuNs + client.handshake!.networkNs).toBe(client.handshake!.totalNs);
    expect(summary.totals).toEqual({ leakedBlocks: 0, leakedBytes: 0, faults: 0, exceptions: 0 });
  });

  it('lossy-tls: cesim against cesim over loss, reordering and duplication, replayable by seed', async () => {
    const s = await loadScenario('lossy-tls');
    for (const seed of [1, 2, 3]) {
      const a = await runScenario(s, { seed });
      expect(a.summary.result, `seed ${seed}`).toBe('pass');
      const client = a.summary.programs.find((p) => p.device === 'client')!;
      expect(client.status).toBe('SEC_E_OK');
      expect(client.firstLine).toBe('HTTP/1.0 200 OK');
      expect(a.summary.totals).toEqual({ leakedBlocks: 0, leakedBytes: 0, faults: 0, exceptions: 0 });
      expect((await runScenario(s, { seed })).summary.traceHash).toBe(a.summary.traceHash);
    }
  });

  it('small-records: a 1 KiB record_size_limit (RFC 8449) shrinks the application\'s buffers', async () => {
    // A response larger than one record: lazy receive buffers grow only when a record needs it.
    const big = (s: Awaited<ReturnType<typeof loadScenario>>) => {
      s.scenario = applyOverrides(s.scenario, ['devices[0].processes[0].params.responseBytes=20000']);
      return s;
    };
    const small = (await runScenario(big(await loadScenario('small-records')))).summary;
    const full = (await runScenario(big(await loadScenario('default')))).summary;
    expect(small.result).toBe('pass');
    const heap = (x: typeof small) => x.devices.find((d) => d.name === 'client')!.heapPeakBytes;
    expect(heap(small)).toBeLessThan(4096);
    expect(heap(full)).toBeGreaterThan(16384);
  });

  it('a TLS-1.2-only client against a TLS-1.3-only server: protocol_version, SEC_E_ALGORITHM_MISMATCH, and the trace says why', async () => {
    const s = await loadScenario('default');
    s.scenario = applyOverrides(s.scenario, ['devices[1].processes[0].params.protocols=["tls1.2"]']);
    const out = await runScenario(s, { keepTrace: true });
    const client = out.summary.programs.find((p) => p.device === 'client')!;
    expect(client.status).toBe('SEC_E_ALGORITHM_MISMATCH');
    expect(out.traceLines).toMatch(/peer sent protocol_version.*"kind":"schannel\.log"/);
  });

  it('TLS 1.2 on both ends: the default scenario negotiates TLS 1.2', async () => {
    const s = await loadScenario('default');
    s.scenario = applyOverrides(s.scenario, ['devices[0].processes[0].params.protocols=["tls1.2"]', 'devices[1].processes[0].params.protocols=["tls1.2"]']);
    const { summary } = await runScenario(s);
    const client = summary.programs.find((p) => p.device === 'client')!;
    expect(client.status).toBe('SEC_E_OK');
    expect(client.protocol).toBe('TLS 1.2');
    expect(summary.totals.leakedBlocks).toBe(0);
  });

  it('fleet with a small N runs, and the server reports where its memory ran out', async () => {
    const s = await loadScenario('fleet');
    s.scenario = applyOverrides(s.scenario, ['devices[1].count=6']);
    const { summary } = await runScenario(s);
    expect(summary.programs.filter((p) => p.program === 'tls-client')).toHaveLength(6);
    const server = summary.programs.find((p) => p.device === 'server')!;
    expect(server.connections).toBe(6);
    expect(summary.stop.hung).toEqual([]);
    expect(summary.totals.leakedBlocks).toBe(0);
    expect(summary.totals.faults).toBe(0);
  });

  it('a TypeScript scenario runs a custom task written against SSPI', async () => {
    const { summary } = await runScenario(await loadScenario(join(import.meta.dirname, 'fixtures', 'custom-sspi.ts')));
    expect(summary.result).toBe('pass');
    expect(summary.programs[0]!.detail).toContain('Microsoft Unified Security Protocol Provider');
  });

  it('a failed budget assertion fails the run and names itself', async () => {
    const s = await loadScenario('default');
    s.scenario = { ...s.scenario, assertions: [{ kind: 'pool-peak-under', device: 'client', pool: 'io', bytes: 100 }] };
    const { summary } = await runScenario(s);
    expect(summary.result).toBe('fail');
    expect(summary.assertions[0]).toMatchObject({ name: 'pool-peak-under client.io < 100 bytes', passed: false });
  });

  it('captures: pcap segments, the trace lines and report data with TLS record labels', async () => {
    const out = await runScenario(await loadScenario('default'), { pcap: true, keepTrace: true, report: true });
    expect(out.segments!.length).toBeGreaterThan(5);
    expect(out.traceLines!.split('\n').filter(Boolean)).toHaveLength(out.summary.traceEvents);
    const labels = out.report!.messages.map((m) => m.label);
    expect(labels).toContain('ClientHello');
    expect(labels).toContain('ServerHello');
    expect(labels).toContain('Application Data');
    expect(out.report!.memory.length).toBeGreaterThan(0);
  });
});
