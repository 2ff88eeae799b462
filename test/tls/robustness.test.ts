/** Failure paths: allocation failures at every point, mutated/random handshake input (fast-check),
 *  the state tables' invariants, and the error table. Nothing may throw or leak. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AlertDescription, CLIENT_TRANSITIONS, type ClientState, SERVER_TRANSITIONS, type ServerState, TLS_ERROR_TABLE, TLS_TAGS,
  TlsError, type TlsErrorCode, alertFor, createClient, createServer, mermaid,
} from '../../schannel/tls/index.js';
import { acceptAll, makeCert, makeEnv, pump } from './helpers.js';

function fresh(seed: string, s: { tickets?: boolean; clientAuth?: boolean; recordSizeLimit?: number } = {}) {
  const cert = makeCert('p256');
  const ce = makeEnv(`c-${seed}`), se = makeEnv(`s-${seed}`);
  const client = createClient({ serverName: 'localhost', ...acceptAll, ...(s.clientAuth ? { certificateChain: cert.chain, privateKey: cert.privateKey } : {}), ...(s.recordSizeLimit ? { recordSizeLimit: s.recordSizeLimit } : {}) }, ce);
  const server = createServer({
    certificateChain: cert.chain, privateKey: cert.privateKey, ...acceptAll,
    ...(s.tickets ? { tickets: { key: new Uint8Array(32).fill(1) } } : {}),
    ...(s.clientAuth ? { clientAuth: 'require' as const } : {}),
  }, se);
  return { client, server, ce, se };
}

describe('out of memory at every allocation (STYLE §6)', () => {
  for (const side of ['client', 'server'] as const) {
    it(`${side}: each failing allocation ends in memory.exhausted, no throw, no leak`, () => {
      // Count the allocations of a successful run first.
      const probe = fresh('oom-probe', { tickets: true, clientAuth: true });
      pump(probe.client, probe.server);
      const total = (side === 'client' ? probe.ce : probe.se).memory.attempts;
      expect(total).toBeGreaterThan(5);
      for (let i = 0; i < total; i++) {
        const { client, server, ce, se } = fresh('oom', { tickets: true, clientAuth: true });
        const env = side === 'client' ? ce : se;
        env.memory.failWhen = (_p, _s, _t, idx) => idx === i;
        let r: ReturnType<typeof pump> | undefined;
        expect(() => { r = pump(client, server); }).not.toThrow();
        const err = side === 'client' ? r!.clientError : r!.serverError;
        expect(err?.code).toBe('memory.exhausted');
        client.dispose();
        server.dispose();
        expect(ce.memory.liveBlocks()).toEqual([]);
        expect(se.memory.liveBlocks()).toEqual([]);
      }
    });
  }
});

describe('mutated and random handshake input (RFC 8446 §6.2: errors, never exceptions)', () => {
  const base = fresh('fuzz-base');
  const ch = base.client.start().output;
  const flight = base.server.receive(ch).output;

  it('client: mutated server flights never throw and never leak', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat({ max: flight.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.option(fc.nat({ max: flight.length }), { nil: undefined }),
      (muts, cut) => {
        const { client, ce } = fresh('fuzz-c');
        client.start();
        const m = flight.slice(0, cut ?? flight.length);
        for (const [i, v] of muts) if (i < m.length) m[i] = v;
        let r: ReturnType<typeof client.receive> | undefined;
        expect(() => { r = client.receive(m); }).not.toThrow();
        if (r!.error) expect(r!.error).toBeInstanceOf(TlsError);
        client.dispose();
        expect(ce.memory.liveBlocks()).toEqual([]);
      },
    ), { numRuns: 150 });
  });

  it('server: mutated and random ClientHellos never throw and never leak', () => {
    const mutated = fc.array(fc.tuple(fc.nat({ max: ch.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
      .map((muts) => { const m = ch.slice(); for (const [i, v] of muts) m[i] = v; return m; });
    const random = fc.uint8Array({ minLength: 0, maxLength: 600 });
    const framed = fc.uint8Array({ minLength: 0, maxLength: 300 }).map((b) => Uint8Array.from([22, 3, 1, b.length >> 8, b.length & 0xff, ...b]));
    fc.assert(fc.property(fc.oneof(mutated, random, framed), (input) => {
      const { server, se } = fresh('fuzz-s');
      let r: ReturnType<typeof server.receive> | undefined;
      expect(() => { r = server.receive(input); }).not.toThrow();
      if (r!.error) expect(r!.error).toBeInstanceOf(TlsError);
      server.dispose();
      expect(se.memory.liveBlocks()).toEqual([]);
    }), { numRuns: 300 });
  });

  it('8192 bytes of 0xFA or of zeros are refused at once (sspi-behaviour #38/#39)', () => {
    for (const fill of [0xfa, 0]) {
      const { client } = fresh('garbage');
      client.start();
      const r = client.receive(new Uint8Array(8192).fill(fill));
      expect(r.error?.code).toBe('peer.unexpected_message');
    }
  });
});

describe('state tables (STYLE §4)', () => {
  function check<S extends string>(table: readonly { from: S; on: number | null; to: readonly S[] }[], initial: S, final: S) {
    const states = new Set<S>([initial]);
    for (const t of table) { states.add(t.from); t.to.forEach((s) => states.add(s)); }
    // Every state but the final one has a way out; every state is reachable from the initial one.
    for (const s of states) if (s !== final) expect(table.some((t) => t.from === s), `${s} has no exit`).toBe(true);
    const seen = new Set<S>([initial]);
    let grew = true;
    while (grew) { grew = false; for (const t of table) if (seen.has(t.from)) for (const to of t.to) if (!seen.has(to)) { seen.add(to); grew = true; } }
    expect([...seen].sort()).toEqual([...states].sort());
    // No two rows for the same (state, message).
    const keys = table.map((t) => `${t.from}/${t.on}`);
    expect(new Set(keys).size).toBe(keys.length);
  }
  it('client table: reachable, no dead ends, deterministic', () => check<ClientState>(CLIENT_TRANSITIONS, 'Start', 'ExpectTraffic'));
  it('server table: reachable, no dead ends, deterministic', () => check<ServerState>(SERVER_TRANSITIONS, 'ExpectClientHello', 'ExpectTraffic'));
  it('renders as Mermaid', () => {
    expect(mermaid(CLIENT_TRANSITIONS, 'Start')).toContain('ExpectServerHello --> ExpectEncryptedExtensions: server_hello');
  });
  it('a message out of order is unexpected_message (RFC 8446 §6.2)', () => {
    const { client } = fresh('order');
    client.start();
    // A Finished handshake message where a ServerHello is expected.
    const r = client.receive(Uint8Array.from([22, 3, 3, 0, 8, 20, 0, 0, 4, 1, 2, 3, 4]));
    expect(r.error?.code).toBe('peer.unexpected_message');
    expect(r.output).toEqual(Uint8Array.from([21, 3, 3, 0, 2, 2, AlertDescription.unexpected_message]));
  });
});

describe('error taxonomy: one table, one mapping (STYLE §5)', () => {
  for (const code of Object.keys(TLS_ERROR_TABLE) as TlsErrorCode[]) {
    it(`${code}`, () => {
      const e = new TlsError(code, 'test');
      const row = TLS_ERROR_TABLE[code];
      expect(e.kind).toBe(row.kind);
      expect(alertFor(e)).toBe(row.alert);
      expect(e.code).toBe(code);
      if (row.kind === 'certificate') expect(e.certificateKind).toBeDefined();
      if (row.kind === 'alert-received' || row.kind === 'api-misuse') expect(row.alert).toBeNull();
      else expect(row.alert).not.toBeNull();
    });
  }
});

describe('memory accounting (STYLE §6)', () => {
  it('RFC 8446 §5.1: a message split across records is reassembled in the io pool, sized to the message', () => {
    // A 256-byte record_size_limit (RFC 8449) makes the server split its Certificate message.
    const { client, server, ce } = fresh('frag', { recordSizeLimit: 256 });
    const r = pump(client, server);
    expect(r.clientError).toBeUndefined();
    expect(client.handshakeComplete).toBe(true);
    const peak = ce.memory.peakByTag.get(TLS_TAGS.handshakeBuffer) ?? 0;
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2048);
    expect(ce.memory.liveBlocks().some((b) => b.tag === TLS_TAGS.handshakeBuffer)).toBe(false);
    client.dispose();
    server.dispose();
  });

  it('charges every tag, frees transients after the handshake, frees all at dispose', () => {
    const { client, server, ce, se } = fresh('mem', { tickets: true });
    pump(client, server);
    for (const tag of [TLS_TAGS.transcript, TLS_TAGS.keySchedule, TLS_TAGS.trafficKeys, TLS_TAGS.keyShare, TLS_TAGS.peerCertChain, TLS_TAGS.outputFlight]) {
      expect(ce.memory.peakByTag.get(tag), tag).toBeGreaterThan(0);
    }
    // Every message arrived whole in its record: none was copied into the reassembly buffer.
    expect(ce.memory.peakByTag.get(TLS_TAGS.handshakeBuffer) ?? 0).toBe(0);
    expect(se.memory.peakByTag.get(TLS_TAGS.ticket)).toBeGreaterThan(0);
    // After the handshake only the long-lived blocks remain.
    const liveTags = new Set(ce.memory.liveBlocks().map((b) => b.tag));
    expect([...liveTags].sort()).toEqual([TLS_TAGS.keySchedule, TLS_TAGS.peerCertChain, TLS_TAGS.trafficKeys].sort());
    expect(new Set(se.memory.liveBlocks().map((b) => b.tag))).toEqual(new Set([TLS_TAGS.keySchedule, TLS_TAGS.trafficKeys]));
    const report = (m: typeof ce.memory) => ({ general: m.pools.general.peak, io: m.pools.io.peak, byTag: Object.fromEntries(m.peakByTag) });
    console.log('P-256 handshake peak bytes', JSON.stringify({ client: report(ce.memory), server: report(se.memory) }));
    client.dispose(); server.dispose();
    expect(ce.memory.liveBlocks()).toEqual([]);
    expect(se.memory.liveBlocks()).toEqual([]);
  });
});
