/**
 * Defects found by a hostile-load trial, each replayed as the run that found it. Each test names
 * the defect; it failed before its fix (the run hung to its time limit, or reported NO_ERROR).
 */
import { describe, expect, it } from 'vitest';
import { SOCKET_ERROR, WSAECONNRESET } from '../../emulator/index.js';
import { loadScenario, runScenario, type RunOptions } from '../../emulator/scenario/index.js';
import { pattern, twoDevices } from '../emulator/helpers.js';

/** The campaign's impairments: `--faults loss=0.05,reorder=0.1,duplicate=0.02,corrupt=0.01 --alloc-failures p=0.005`. */
const HOSTILE: RunOptions = {
  linkFaults: { loss: 0.05, reorder: 0.1, duplicate: 0.02, corrupt: 0.01 },
  allocFailures: { probability: 0.005 },
};

describe('a closed socket does not keep a peer waiting', () => {
  it('RFC 1122 §4.2.2.13: data arriving after closesocket is answered with RST, so a sender blocked on a zero window sees WSAECONNRESET', async () => {
    const t = twoDevices();
    let sendResult = 0;
    let sendError = 0;
    t.server.spawn('closer.exe', async (ctx) => {
      const s = (await ctx.listen(7).accept())!;
      s.close(); // nothing unread yet: a graceful FIN, and the handle is gone
    });
    t.client.spawn('sender.exe', async (ctx) => {
      const s = await ctx.connect('10.0.0.1', 7);
      // Far more than the peer's receive window: without the RST this send blocks for ever.
      sendResult = await s.send(pattern(1 << 20));
      sendError = s.lastError;
      s.close();
    });
    const r = await t.sim.run({ timeLimitNs: 600_000_000_000 });
    expect(r.reason).not.toBe('time-limit');
    expect(sendResult).toBe(SOCKET_ERROR);
    expect(sendError).toBe(WSAECONNRESET);
  });

  it('echo-lossy seed 107 (echo server out of memory, client still sending) ends long before the 600 s limit', async () => {
    const { summary } = await runScenario(await loadScenario('echo-lossy'), { ...HOSTILE, seed: 107 });
    const server = summary.programs.find((p) => p.device === 'server')!;
    expect(server.status).toBe('ERROR_NOT_ENOUGH_MEMORY');
    expect(summary.stop.reason).not.toBe('time-limit');
    expect(summary.stop.hung).toEqual([]);
    expect(summary.stop.virtualTimeNs).toBeLessThan(60_000_000_000);
    expect(summary.totals.leakedBlocks).toBe(0);
  });
});

describe('a failed connect reports its Winsock error', () => {
  it('default seed 5: the TLS client whose connect timed out reports WSAETIMEDOUT, not NO_ERROR', async () => {
    const { summary } = await runScenario(await loadScenario('default'), { ...HOSTILE, seed: 5 });
    const client = summary.programs.find((p) => p.device === 'client')!;
    expect(client.status).toBe('WSAETIMEDOUT');
    expect(client.detail).toContain('WSAETIMEDOUT');
  });
});
