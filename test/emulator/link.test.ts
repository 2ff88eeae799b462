import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../device/index.js';
import { Network, Scheduler, TCP_ACK, TCP_SYN, Trace, type LinkOptions, type Segment, type WireSegment } from '../../emulator/index.js';
import { pattern, readAll, twoDevices } from './helpers.js';

function net(opts: LinkOptions, seed = 1) {
  const scheduler = new Scheduler();
  const trace = new Trace(() => scheduler.now);
  const network = new Network(scheduler, trace, new SeededRandom(seed));
  const a = network.addHost('a', '10.0.0.1');
  const b = network.addHost('b', '10.0.0.2');
  const link = network.link(a, b, opts);
  const wire: WireSegment[] = [];
  network.onSegment((w) => wire.push(w));
  const arrivals = () => trace.filter('net.deliver').filter((e) => e.device === 'b').map((e) => e.t);
  return { scheduler, trace, network, a, b, link, wire, arrivals };
}

function seg(payloadLen: number, seq = 0): Segment {
  // An ACK to a port nobody uses: b answers with RST, which these tests ignore.
  return { srcPort: 1000, dstPort: 2000, seq, ack: 0, flags: TCP_ACK, window: 1000, payload: pattern(payloadLen, seq) };
}

describe('link timing', () => {
  it('latency + serialisation: 1000-byte payload (1040 bytes on the wire) at 1 Mbit/s over 10 ms', async () => {
    const n = net({ latencyNs: 10_000_000, bandwidthBps: 1_000_000 });
    expect(n.link.ab.serialisationNs(1040)).toBe(8_320_000);
    n.scheduler.at(0, () => {
      n.a.transmit(seg(1000, 1), n.b.ip);
      n.a.transmit(seg(1000, 2), n.b.ip); // queues behind the first
    });
    n.scheduler.at(50_000_000, () => n.a.transmit(seg(1000, 3), n.b.ip)); // the queue is empty again
    await n.scheduler.run();
    expect(n.arrivals()).toEqual([18_320_000, 26_640_000, 68_320_000]);
    const fromA = n.wire.filter((w) => w.from === 'a');
    expect(fromA.map((w) => [w.timeNs, w.arriveNs])).toEqual([
      [0, 18_320_000],
      [8_320_000, 26_640_000],
      [50_000_000, 68_320_000],
    ]);
  });

  it('infinite bandwidth gives pure latency', async () => {
    const n = net({ latencyNs: 3_000, bandwidthBps: Infinity });
    n.scheduler.at(0, () => {
      n.a.transmit(seg(1460, 1), n.b.ip);
      n.a.transmit(seg(1460, 2), n.b.ip);
    });
    await n.scheduler.run();
    expect(n.arrivals()).toEqual([3_000, 3_000]);
  });

  it('tail-drops past queueBytes', async () => {
    const n = net({ latencyNs: 0, bandwidthBps: 1_000_000, queueBytes: 3000 });
    n.scheduler.at(0, () => {
      for (let i = 1; i <= 4; i++) n.a.transmit(seg(1000, i), n.b.ip);
    });
    await n.scheduler.run();
    expect(n.wire.filter((w) => w.from === 'a').map((w) => w.dropped)).toEqual([null, null, 'queue-full', 'queue-full']);
    expect(n.arrivals().length).toBe(2);
  });

  it('loss draws follow the configured probability, from the link direction\'s own stream', async () => {
    const n = net({ latencyNs: 1000, bandwidthBps: Infinity, loss: 0.25 });
    n.scheduler.at(0, () => {
      for (let i = 0; i < 4000; i++) n.a.transmit(seg(10, i), n.b.ip);
    });
    await n.scheduler.run();
    const lost = n.wire.filter((w) => w.from === 'a' && w.dropped === 'loss').length;
    expect(lost / 4000).toBeGreaterThan(0.22);
    expect(lost / 4000).toBeLessThan(0.28);
    // b's replies (RST) travel b→a on a separate stream with the same loss rate.
    expect(n.wire.filter((w) => w.from === 'b').length).toBe(4000 - lost);
  });

  it('corruption is caught by the checksum; duplication delivers twice; reordering lets later segments overtake', async () => {
    const n = net({ latencyNs: 1_000_000, bandwidthBps: Infinity, corrupt: 0.3, duplicate: 0.3, reorder: 0.3 });
    n.scheduler.at(0, () => {
      for (let i = 0; i < 300; i++) n.scheduler.at(i * 10_000, () => n.a.transmit(seg(100, i), n.b.ip));
    });
    await n.scheduler.run();
    const sent = n.wire.filter((w) => w.from === 'a');
    const corrupted = sent.filter((w) => w.corrupted && !w.duplicated).length;
    const dups = sent.filter((w) => w.duplicated).length;
    const checksumDrops = n.trace.filter('net.drop').filter((e) => e.device === 'b' && e.details['reason'] === 'checksum').length;
    expect(corrupted).toBeGreaterThan(50);
    expect(dups).toBeGreaterThan(50);
    // every corrupted copy (a duplicate of a corrupted segment is corrupted too) fails the checksum
    expect(checksumDrops).toBe(sent.filter((w) => w.corrupted).length);
    const delivered = n.trace.filter('net.deliver').filter((e) => e.device === 'b').map((e) => e.details['seq'] as number);
    expect(delivered.length).toBe(300 + dups - checksumDrops);
    const firstSeen = [...new Set(delivered)];
    expect(firstSeen).not.toEqual([...firstSeen].sort((x, y) => x - y));
  });

  it('a segment with no link toward its destination is dropped as no-route', async () => {
    const n = net({});
    n.scheduler.at(0, () => n.a.transmit(seg(10), 0x0a000009));
    await n.scheduler.run();
    expect(n.wire.map((w) => w.dropped)).toEqual(['no-route']);
  });
});

describe('MTU', () => {
  it('bounds every segment to MTU − 40 and announces that MSS on the SYN', async () => {
    const sizes: number[] = [];
    const syns: (number | undefined)[] = [];
    const payload = pattern(10_000);
    const r = twoDevices({ mtu: 576 }, { seed: 3 });
    r.sim.onSegment((w) => {
      sizes.push(w.payload.length);
      if (w.flags & TCP_SYN) syns.push(w.mss);
      expect(20 + w.tcp.length).toBeLessThanOrEqual(576);
    });
    let received: Uint8Array | null = null;
    r.server.spawn('sink.exe', async (ctx) => {
      const s = await ctx.listen(7).accept();
      received = await readAll(s!);
    });
    r.client.spawn('source.exe', async (ctx) => {
      const s = await ctx.connect('10.0.0.1', 7);
      await s.send(payload);
      s.close();
    });
    expect((await r.sim.run()).reason).toBe('idle');
    expect(received).toEqual(payload);
    expect(Math.max(...sizes)).toBe(536);
    expect(syns).toEqual([536, 536]);
  });
});
