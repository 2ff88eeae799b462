import { describe, expect, it } from 'vitest';
import { WSAETIMEDOUT } from '../../emulator/index.js';
import { pattern, readAll, transfer, twoDevices } from './helpers.js';

describe('scheduled faults', () => {
  it('dropSegment drops exactly the Nth segment on that direction; the transport retransmits it', async () => {
    const payload = pattern(5000);
    const t = twoDevices({ latencyNs: 1_000_000 }, { seed: 1 });
    t.sim.faults.dropSegment('client', 'server', 4); // SYN, ACK, data#1, data#2 ← dropped
    const wire: { from: string; dropped: string | null; seq: number }[] = [];
    t.sim.onSegment((w) => wire.push({ from: w.from, dropped: w.dropped, seq: w.seq }));
    let got: Uint8Array | null = null;
    t.server.spawn('s', async (ctx) => {
      got = await readAll((await ctx.listen(7).accept())!);
    });
    t.client.spawn('c', async (ctx) => {
      const s = await ctx.connect('10.0.0.1', 7);
      await s.send(payload);
      s.close();
    });
    await t.sim.run();
    expect(got).toEqual(payload);
    const fromClient = wire.filter((w) => w.from === 'client');
    expect(fromClient.findIndex((w) => w.dropped !== null)).toBe(3);
    expect(fromClient.filter((w) => w.dropped !== null).length).toBe(1);
    expect(fromClient.filter((w) => w.seq === fromClient[3]!.seq).length).toBeGreaterThanOrEqual(2);
    expect(t.sim.trace.filter('fault.drop').length).toBe(1);
  });

  it('a cut for a while delays the transfer but it completes intact; fault.cut and fault.restore are traced at their times', async () => {
    const payload = pattern(100_000);
    const t = twoDevices({ latencyNs: 2_000_000, bandwidthBps: 2_000_000 }, { seed: 7 });
    t.sim.faults.cutLink('client', 'server', 50_000_000, 2_000_000_000);
    let got: Uint8Array | null = null;
    t.server.spawn('s', async (ctx) => {
      got = await readAll((await ctx.listen(7).accept())!);
    });
    t.client.spawn('c', async (ctx) => {
      const s = await ctx.connect('10.0.0.1', 7);
      await s.send(payload);
      s.close();
    });
    const r = await t.sim.run();
    expect(r.hung).toEqual([]);
    expect(got).toEqual(payload);
    expect(t.sim.trace.filter('fault.cut').map((e) => e.t)).toEqual([50_000_000]);
    expect(t.sim.trace.filter('fault.restore').map((e) => e.t)).toEqual([2_050_000_000]);
    expect(t.sim.trace.filter('net.drop').some((e) => e.details['reason'] === 'link-down')).toBe(true);
  });

  it('a one-way partition drops only that direction', async () => {
    const t = twoDevices({ latencyNs: 1_000_000 }, { seed: 1 });
    t.sim.faults.partition('server', 'client', 0);
    let err = 0;
    t.client.spawn('c', async (ctx) => {
      err = (await ctx.connect('10.0.0.1', 7)).lastError;
    });
    t.server.spawn('s', async (ctx) => {
      await ctx.listen(7).accept(30_000_000_000);
    });
    await t.sim.run();
    expect(err).toBe(WSAETIMEDOUT);
    const drops = t.sim.trace.filter('net.drop');
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.every((e) => e.device === 'server')).toBe(true);
    // the client's SYNs got through: the server answered each with a SYN|ACK
    expect(t.sim.trace.filter('net.deliver').filter((e) => e.device === 'server').length).toBe(3);
  });

  it('a custom fault runs at its time', async () => {
    const t = twoDevices();
    const seen: number[] = [];
    t.sim.faults.at(5_000_000, 'degrade', () => {
      t.link.configure({ loss: 0.5 });
      seen.push(t.sim.now());
    });
    t.client.spawn('c', async (ctx) => ctx.sleep(10_000_000));
    await t.sim.run();
    expect(seen).toEqual([5_000_000]);
    expect(t.link.ab.options.loss).toBe(0.5);
    expect(t.sim.trace.filter('fault.custom')[0]!.details['label']).toBe('degrade');
  });

  it('fault events alone do not keep the loop alive', async () => {
    const r = await transfer(pattern(10), {}, { seed: 1 });
    r.sim.faults.cutLink('client', 'server', 1_000_000_000_000);
    const again = await r.sim.run();
    expect(again.reason).toBe('idle');
    expect(again.timeNs).toBeLessThan(1_000_000_000_000);
  });
});
