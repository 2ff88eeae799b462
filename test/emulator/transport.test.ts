import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  SD_SEND,
  SOCKET_ERROR,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_SYN,
  TCP_TRANSITIONS,
  WSAEADDRINUSE,
  WSAECONNREFUSED,
  WSAECONNRESET,
  WSAENETUNREACH,
  WSAENOTCONN,
  WSAESHUTDOWN,
  WSAETIMEDOUT,
  WSAEWOULDBLOCK,
  decodeSegment,
  encodeSegment,
  nextState,
  tcpStateDiagram,
  verifySegmentChecksum,
  type Segment,
  type TcpState,
} from '../../emulator/index.js';
import { pattern, readAll, transfer, twoDevices } from './helpers.js';

describe('Winsock constants', () => {
  it('have the winsock.h values', () => {
    expect([WSAECONNREFUSED, WSAETIMEDOUT, WSAECONNRESET, WSAENOTCONN, WSAEADDRINUSE, WSAESHUTDOWN, WSAEWOULDBLOCK, SOCKET_ERROR]).toEqual([
      10061, 10060, 10054, 10057, 10048, 10058, 10035, -1,
    ]);
  });
});

describe('segment codec', () => {
  const segArb = fc.record({
    srcPort: fc.integer({ min: 0, max: 65535 }),
    dstPort: fc.integer({ min: 0, max: 65535 }),
    seq: fc.integer({ min: 0, max: 0xffffffff }),
    ack: fc.integer({ min: 0, max: 0xffffffff }),
    flags: fc.integer({ min: 0, max: 0x1f }),
    window: fc.integer({ min: 0, max: 65535 }),
    mss: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
    payload: fc.uint8Array({ maxLength: 300 }),
  });

  it('decode(encode(s)) equals s, and encode(decode(b)) equals b (property)', () => {
    fc.assert(
      fc.property(segArb, fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (s, src, dst) => {
        const seg: Segment = { ...s };
        if (s.mss === undefined) delete seg.mss;
        const b = encodeSegment(seg, src, dst);
        expect(verifySegmentChecksum(b, src, dst)).toBe(true);
        const d = decodeSegment(b);
        expect({ ...d, payload: [...d.payload] }).toEqual({ ...seg, payload: [...seg.payload] });
        expect(encodeSegment(d, src, dst)).toEqual(b);
      }),
    );
  });

  it('RFC 793 §3.1: the checksum catches every single-bit error (property)', () => {
    fc.assert(
      fc.property(segArb, fc.nat(), (s, bitSeed) => {
        const b = encodeSegment(s, 0x0a000001, 0x0a000002);
        const bit = bitSeed % (b.length * 8);
        b[bit >>> 3] ^= 1 << (bit & 7);
        expect(verifySegmentChecksum(b, 0x0a000001, 0x0a000002)).toBe(false);
      }),
    );
  });
});

describe('transport state table', () => {
  it('has at most one target per (state, event) and every state is reachable from CLOSED', () => {
    const seen = new Set<string>();
    for (const [f, e] of TCP_TRANSITIONS) {
      expect(seen.has(`${f} ${e}`)).toBe(false);
      seen.add(`${f} ${e}`);
    }
    const reach = new Set<TcpState>(['CLOSED']);
    for (let changed = true; changed; ) {
      changed = false;
      for (const [f, , t] of TCP_TRANSITIONS) if (reach.has(f) && !reach.has(t)) (reach.add(t), (changed = true));
    }
    expect(reach.size).toBe(11);
    expect(nextState('ESTABLISHED', 'rcv-fin')).toBe('CLOSE_WAIT');
    expect(nextState('CLOSED', 'rcv-fin')).toBeNull();
    expect(tcpStateDiagram()).toContain('SYN_SENT --> ESTABLISHED: rcv-syn-ack');
  });
});

describe('stream sockets', () => {
  it('a clean transfer is TCP-shaped on the wire: SYN, SYN|ACK, ACK, data with PSH, FIN', async () => {
    const t = twoDevices({ latencyNs: 1_000_000 }, { seed: 5 });
    const flags: number[] = [];
    t.sim.onSegment((w) => flags.push(w.flags));
    t.server.spawn('s', async (ctx) => {
      const s = await ctx.listen(80).accept();
      expect(s!.remoteAddress).toBe('10.0.0.2');
      expect(s!.remotePort).toBe(1025);
      expect(new TextDecoder().decode(await readAll(s!))).toBe('hello');
      s!.close();
    });
    t.client.spawn('c', async (ctx) => {
      const s = await ctx.connect('10.0.0.1', 80);
      expect(s.state).toBe('ESTABLISHED');
      expect(await s.send(new TextEncoder().encode('hello'))).toBe(5);
      s.close();
    });
    expect((await t.sim.run()).reason).toBe('idle');
    expect(flags.slice(0, 4)).toEqual([TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK, TCP_ACK | TCP_PSH]);
    expect(flags.filter((f) => f & TCP_FIN).length).toBe(2);
  });

  it('random payloads over a lossy, reordering, duplicating, corrupting link arrive byte-identical and in order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 40_000 }),
        fc.record({
          loss: fc.double({ min: 0, max: 0.15, noNaN: true }),
          reorder: fc.double({ min: 0, max: 0.3, noNaN: true }),
          duplicate: fc.double({ min: 0, max: 0.2, noNaN: true }),
          corrupt: fc.double({ min: 0, max: 0.15, noNaN: true }),
          jitterNs: fc.integer({ min: 0, max: 3_000_000 }),
          mtu: fc.integer({ min: 100, max: 1500 }),
        }),
        fc.integer(),
        async (payload, link, seed) => {
          const r = await transfer(payload, { latencyNs: 2_000_000, ...link }, { seed, transport: { maxDataRetries: 20, maxConnectRetries: 20 } });
          expect(r.result.reason).toBe('idle');
          expect(r.result.hung).toEqual([]);
          expect(r.received).toEqual(payload);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('loss shows as delay, not as damage: the same transfer takes longer over a lossy link', async () => {
    const payload = pattern(30_000);
    const clean = await transfer(payload, { latencyNs: 5_000_000 }, { seed: 9 });
    const lossy = await transfer(payload, { latencyNs: 5_000_000, loss: 0.1 }, { seed: 9 });
    expect(clean.received).toEqual(payload);
    expect(lossy.received).toEqual(payload);
    expect(lossy.result.timeNs).toBeGreaterThan(clean.result.timeNs);
    expect(lossy.sim.trace.filter('tcp.retransmit').length).toBeGreaterThan(0);
  });

  it('connect to a port nobody listens on fails with WSAECONNREFUSED (RST)', async () => {
    const t = twoDevices({}, { seed: 1 });
    let rc = 0;
    let err = 0;
    t.client.spawn('c', async (ctx) => {
      const s = ctx.socket();
      rc = await s.connect('10.0.0.1', 443);
      err = s.lastError;
    });
    const r = await t.sim.run();
    expect(r.reason).toBe('idle');
    expect(rc).toBe(SOCKET_ERROR);
    expect(err).toBe(WSAECONNREFUSED);
    expect(t.sim.trace.filter('tcp.rst')[0]!.details['reason']).toBe('no-listener');
  });

  it('connect across a link that is cut for good fails with WSAETIMEDOUT after the SYN retries', async () => {
    const t = twoDevices({ latencyNs: 1_000_000 }, { seed: 1 });
    t.sim.faults.cutLink('client', 'server', 0);
    let err = 0;
    let at = 0;
    t.client.spawn('c', async (ctx) => {
      const s = await ctx.connect('10.0.0.1', 443);
      err = s.lastError;
      at = ctx.now();
    });
    await t.sim.run();
    expect(err).toBe(WSAETIMEDOUT);
    // initial RTO 3 s, doubled on each of the 2 retries: 3 + 6 + 12 s
    expect(at).toBe(21_000_000_000);
    expect(t.sim.trace.filter('net.send').length).toBe(3);
  });

  it('a link cut mid-transfer makes send/recv fail with WSAETIMEDOUT after the data retries, never with bad data', async () => {
    const t = twoDevices({ latencyNs: 2_000_000, bandwidthBps: 1_000_000 }, { seed: 2 });
    t.sim.faults.cutLink('client', 'server', 100_000_000);
    let clientErr = 0;
    let serverErr = 0;
    let got = 0;
    const payload = pattern(200_000);
    t.server.spawn('s', async (ctx) => {
      const s = (await ctx.listen(9).accept())!;
      for (;;) {
        const r = await s.recv(65536, 1_000_000_000_000);
        if (r.result <= 0) {
          serverErr = r.error;
          break;
        }
        // in-order prefix of the payload, never anything else
        expect(r.data).toEqual(payload.subarray(got, got + r.result));
        got += r.result;
      }
    });
    t.client.spawn('c', async (ctx) => {
      const s = await ctx.connect('10.0.0.1', 9);
      if ((await s.send(payload)) === SOCKET_ERROR) clientErr = s.lastError;
      else {
        const r = await s.recv();
        clientErr = r.error;
      }
    });
    const r = await t.sim.run();
    expect(r.reason).toBe('idle');
    expect(clientErr).toBe(WSAETIMEDOUT);
    expect(serverErr).toBe(WSAETIMEDOUT); // the receive timeout: the server never hears again
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(payload.length);
    expect(t.sim.trace.filter('tcp.timeout').length).toBe(1);
  });

  it('listen on a port in use fails with WSAEADDRINUSE', async () => {
    const t = twoDevices();
    const errs: number[] = [];
    t.server.spawn('s', async (ctx) => {
      const a = ctx.listen(80);
      const b = ctx.socket();
      errs.push(a.lastError, b.listen(80), b.lastError);
      a.close();
      errs.push(b.listen(80));
      b.close();
    });
    await t.sim.run();
    expect(errs).toEqual([0, SOCKET_ERROR, WSAEADDRINUSE, 0]);
  });

  it('recv times out in virtual time with WSAETIMEDOUT and the socket stays usable', async () => {
    const t = twoDevices({ latencyNs: 1_000_000 });
    const log: string[] = [];
    t.server.spawn('s', async (ctx) => {
      const s = (await ctx.listen(7).accept())!;
      const start = ctx.now();
      const r1 = await s.recv(100, 50_000_000);
      log.push(`${r1.result} ${r1.error} after ${ctx.now() - start}`);
      const r2 = await s.recv(100, 500_000_000);
      log.push(`${r2.result} ${new TextDecoder().decode(r2.data)}`);
    });
    t.client.spawn('c', async (ctx) => {
      const s = await ctx.connect('10.0.0.1', 7);
      await ctx.sleep(200_000_000);
      await s.send(new TextEncoder().encode('late'));
      await ctx.sleep(1_000_000_000);
      s.close();
    });
    await t.sim.run();
    expect(log).toEqual([`-1 ${WSAETIMEDOUT} after 50000000`, '4 late']);
  });

  it('half-close: after shutdown(SD_SEND) the peer reads 0, can still answer; send after shutdown is WSAESHUTDOWN', async () => {
    const t = twoDevices();
    const log: (string | number)[] = [];
    t.server.spawn('s', async (ctx) => {
      const s = (await ctx.listen(7).accept())!;
      const req = await readAll(s);
      await s.send(new TextEncoder().encode(`got ${req.length}`));
      s.close();
    });
    t.client.spawn('c', async (ctx) => {
      const s = await ctx.connect('10.0.0.1', 7);
      await s.send(pattern(3000));
      s.shutdown(SD_SEND);
      log.push(await s.send(new Uint8Array(1)), s.lastError);
      log.push(new TextDecoder().decode(await readAll(s)));
      s.close();
    });
    expect((await t.sim.run()).hung).toEqual([]);
    expect(log).toEqual([SOCKET_ERROR, WSAESHUTDOWN, 'got 3000']);
  });

  it('closing with unread data resets the connection: the peer sees WSAECONNRESET', async () => {
    const t = twoDevices();
    let err = 0;
    t.server.spawn('s', async (ctx) => {
      const s = (await ctx.listen(7).accept())!;
      await ctx.sleep(100_000_000); // the client's bytes arrive, unread
      s.close();
    });
    t.client.spawn('c', async (ctx) => {
      const s = await ctx.connect('10.0.0.1', 7);
      await s.send(pattern(100));
      const r = await s.recv();
      err = r.error;
    });
    await t.sim.run();
    expect(err).toBe(WSAECONNRESET);
  });

  it('a slow reader throttles the sender through the window (zero-window probes) without loss', async () => {
    const payload = pattern(300_000);
    const t = twoDevices({ latencyNs: 1_000_000, bandwidthBps: Infinity }, { seed: 4 });
    let got: Uint8Array | null = null;
    t.server.spawn('s', async (ctx) => {
      const s = (await ctx.listen(7).accept())!;
      await ctx.sleep(5_000_000_000); // let the window fill to zero
      const parts: Uint8Array[] = [];
      for (;;) {
        const r = await s.recv(4096);
        if (r.result <= 0) break;
        parts.push(r.data);
        await ctx.sleep(1_000_000);
      }
      got = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) (got.set(p, o), (o += p.length));
    });
    t.client.spawn('c', async (ctx) => {
      const s = await ctx.connect('10.0.0.1', 7);
      expect(await s.send(payload)).toBe(payload.length);
      s.close();
    });
    const r = await t.sim.run();
    expect(r.hung).toEqual([]);
    expect(got).toEqual(payload);
    expect(t.sim.trace.filter('net.send').some((e) => e.details['win'] === 0)).toBe(true);
  });

  it('a full backlog refuses further connections; accept times out with WSAETIMEDOUT', async () => {
    const t = twoDevices();
    const errs: number[] = [];
    let acceptErr = 0;
    t.server.spawn('s', async (ctx) => {
      const l = ctx.listen(7, 1);
      await ctx.sleep(1_000_000_000);
      const a = await l.accept();
      const b = await l.accept(10_000_000);
      acceptErr = l.lastError;
      expect(a).not.toBeNull();
      expect(b).toBeNull();
    });
    t.client.spawn('c', async (ctx) => {
      const a = await ctx.connect('10.0.0.1', 7);
      const b = await ctx.connect('10.0.0.1', 7);
      errs.push(a.lastError, b.lastError);
    });
    await t.sim.run();
    expect(errs).toEqual([0, WSAECONNREFUSED]);
    expect(acceptErr).toBe(WSAETIMEDOUT);
  });

  it('connect to an address with no link is WSAENETUNREACH', async () => {
    const t = twoDevices();
    let err = 0;
    t.client.spawn('c', async (ctx) => {
      err = (await ctx.connect('192.168.1.1', 7)).lastError;
    });
    await t.sim.run();
    expect(err).toBe(WSAENETUNREACH);
  });

  it('send on an unconnected socket is WSAENOTCONN', async () => {
    const t = twoDevices();
    const out: number[] = [];
    t.client.spawn('c', async (ctx) => {
      const s = ctx.socket();
      out.push(await s.send(new Uint8Array(1)), s.lastError);
    });
    await t.sim.run();
    expect(out).toEqual([SOCKET_ERROR, WSAENOTCONN]);
  });
});
