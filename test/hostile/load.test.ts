/**
 * Hostile load on the emulated server: lazy buffers, admission from the pools, deadlines and
 * the minimum-progress rule, through the built-in slowloris, flood and garbage scenarios.
 */
import { describe, expect, it } from 'vitest';
import { getProfile } from '../../device/index.js';
import { admissionDefaults } from '../../emulator/programs/index.js';
import { loadScenario, runScenario } from '../../emulator/scenario/index.js';

const run = async (name: string) => (await runScenario(await loadScenario(name))).summary;

describe('a device server under hostile load', () => {
  it('lazy buffers: a default handshake holds one record-sized buffer, not a 16 KiB one', async () => {
    const s = await run('default');
    const server = s.devices.find((d) => d.name === 'server')!;
    // Before: 17,796 B (a full 16,645 B record buffer allocated up front).
    expect(server.heapPeakBytes).toBeLessThan(4096);
  });

  it('admission defaults come from the profile: pools bound handshakes, the heap bounds connections', () => {
    const h = admissionDefaults(getProfile('ce210-handheld'));
    // io pool 2×2133 + 2×16709 (4 blocks); general 37,248 B / 3,072 B = 12; heap 0.9 × 384 KiB / (2 × 16,645 B) = 10.
    expect(h).toEqual({ maxHandshakes: 4, maxConnections: 10 });
    expect(admissionDefaults(getProfile('ce210-tight'))).toEqual({ maxHandshakes: 2, maxConnections: 10 });
  });

  it('slowloris: 60 idle and 20 trickling attackers are cut by the deadline and the progress rule; ordinary clients complete', async () => {
    const s = await run('slowloris');
    expect(s.result).toBe('pass');
    const server = s.programs.find((p) => p.device === 'server')!;
    expect(server.connectionStatuses).toMatchObject({ HANDSHAKE_TIMEOUT: 60, TOO_SLOW: 20, SEC_E_OK: 3 });
    expect(s.programs.filter((p) => p.program === 'idle-client').every((p) => p.status === 'CUT')).toBe(true);
    // Idle peers take no handshake slot: nobody waited.
    expect(server.admission!.waited).toBe(0);
    expect(s.totals.leakedBlocks).toBe(0);
  });

  it('flood: 1,000 connections opened and closed beside 3 ordinary clients, which complete', async () => {
    const s = await run('flood');
    expect(s.result).toBe('pass');
    const server = s.programs.find((p) => p.device === 'server')!;
    expect(server.connections).toBe(1003);
    expect(server.connectionStatuses!.SEC_E_OK).toBe(3);
  });

  it('garbage: random, oversize and noise records each end their connection; handshakes never exceed the admission limit', async () => {
    const s = await run('garbage');
    expect(s.result).toBe('pass');
    const server = s.programs.find((p) => p.device === 'server')!;
    expect(server.admission!.peakHandshakes).toBeLessThanOrEqual(server.admission!.maxHandshakes);
    expect(s.programs.filter((p) => p.program === 'garbage-client').every((p) => p.status === 'CUT')).toBe(true);
    expect(s.totals.exceptions).toBe(0);
  });
});
