/** Slow: the fleet of the issue: 1000 clients against one server device. */
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../../emulator/scenario/index.js';

describe('fleet of 1000', () => {
  it('completes; the server runs out of memory at a few concurrent handshakes and says so; no leaks, no faults', async () => {
    const t0 = performance.now();
    const { summary } = await runScenario(await loadScenario('fleet'));
    const server = summary.programs.find((p) => p.device === 'server')!;
    const clients = summary.programs.filter((p) => p.program === 'tls-client');
    const statuses: Record<string, number> = {};
    for (const c of clients) statuses[c.status] = (statuses[c.status] ?? 0) + 1;
    const perDevice = summary.devices.filter((d) => d.group === 'client').reduce((n, d) => n + d.hostCommittedBytes, 0) / clients.length;
    console.log(`fleet: ${((performance.now() - t0) / 1000).toFixed(1)} s, server ${JSON.stringify(server.connectionStatuses)}, clients ${JSON.stringify(statuses)}, ${server.detail}, host committed per client ${Math.round(perDevice)} B`);
    expect(clients).toHaveLength(1000);
    expect(server.connections).toBe(1000);
    expect(summary.stop.hung).toEqual([]);
    expect(summary.totals.leakedBlocks).toBe(0);
    expect(summary.totals.faults).toBe(0);
    expect(statuses.SEC_E_OK).toBeGreaterThan(0);
    // Host memory per idle device stays near its modelled bytes: regions are committed lazily.
    expect(perDevice).toBeLessThan(200_000);
  });
});
