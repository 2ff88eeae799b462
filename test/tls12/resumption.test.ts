/**
 * TLS 1.2 resumption in the engine: the abbreviated handshake (RFC 5246 §7.3 Figure 2) by
 * session ID and by session ticket (RFC 5077 §3.1, §3.3, §3.4), and the rules that send a
 * ClientHello to a full handshake or to an alert instead (RFC 7627 §5.3, RFC 6066 §3, lifetimes).
 */
import { describe, expect, it } from 'vitest';
import type { ClientHello } from '../../schannel/tls/codec/handshake.js';
import type { Tls12Session, TlsEvent } from '../../schannel/tls/config.js';
import { Tls12Client } from '../../schannel/tls/v12/client.js';
import type { Tls12ClientConfig, Tls12ServerConfig } from '../../schannel/tls/v12/config.js';
import { Tls12Server } from '../../schannel/tls/v12/server.js';
import { acceptAll, makeCert, makeEnv, type TestEnv } from '../tls/helpers.js';
import { pump12, transfer12 } from './helpers12.js';

const cert = makeCert('p256');
const TICKET_KEY = new Uint8Array(32).fill(7);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A server "credential": its ticket key and session-ID cache, shared by its connections. */
class ServerSide {
  readonly cache = new Map<string, Tls12Session>();
  readonly env: TestEnv = makeEnv('server-side');
  constructor(readonly opts: { tickets?: boolean; ids?: boolean } = { tickets: true, ids: true }) {}
  make(extra: Partial<Tls12ServerConfig> = {}): Tls12Server {
    const s = new Tls12Server({
      certificateChain: cert.chain,
      privateKey: cert.privateKey,
      ...acceptAll,
      ...(this.opts.tickets ? { tickets: { key: TICKET_KEY } } : {}),
      ...(this.opts.ids ? { findSession12: (id: Uint8Array) => this.cache.get(hex(id)) ?? null } : {}),
      ...extra,
    }, this.env);
    s.start();
    return s;
  }
  keep(events: readonly TlsEvent[]): void {
    for (const e of events) if (e.type === 'session12') this.cache.set(hex(e.session.sessionId), e.session);
  }
}

let seq = 0;

function run(side: ServerSide, client: Partial<Tls12ClientConfig> = {}, server: Partial<Tls12ServerConfig> = {}, now?: number) {
  const cenv = makeEnv(`c-${seq++}`);
  if (now !== undefined) {
    cenv.clock.now = now;
    side.env.clock.now = now;
  }
  const c = new Tls12Client({ ...acceptAll, serverName: 'localhost', ...client }, cenv);
  const s = side.make(server);
  const r = pump12(c, s, c.start().output);
  side.keep(r.serverEvents);
  const session = r.clientEvents.find((e): e is Extract<TlsEvent, { type: 'session12' }> => e.type === 'session12')?.session;
  return { c, s, r, session, cenv };
}

describe('TLS 1.2 resumption (RFC 5246 §7.3 Figure 2, RFC 5077)', () => {
  it('RFC 5077 §3.1: a ticket resumes: ServerHello echoes the session ID, NewSessionTicket, ChangeCipherSpec, Finished; data flows and nothing is left', () => {
    const side = new ServerSide({ tickets: true, ids: false });
    const first = run(side);
    expect(first.r.clientError ?? first.r.serverError).toBeUndefined();
    expect(first.c.resumed).toBe(false);
    expect(first.session?.ticket?.length).toBeGreaterThan(0);
    // RFC 5077 §3.4: with a ticket the client sends a session ID to see whether it was accepted.
    const offered: Tls12Session = { ...first.session!, sessionId: new Uint8Array(32).fill(0xab) };
    const second = run(side, { session12: offered });
    expect(second.r.clientError ?? second.r.serverError).toBeUndefined();
    expect([second.c.resumed, second.s.resumed]).toEqual([true, true]);
    expect(hex(second.c.sessionId)).toBe('ab'.repeat(32));
    expect(second.c.tls12Suite?.name).toBe(first.c.tls12Suite?.name);
    // Server Finished first in an abbreviated handshake: it is tls-unique (RFC 5929 §3.1).
    expect(second.c.tlsUnique()).toEqual(second.s.tlsUnique());
    const msg = new TextEncoder().encode('resumed data');
    expect(transfer12(second.c, second.s, msg)).toEqual(msg);
    expect(transfer12(second.s, second.c, msg)).toEqual(msg);
    // The renewed ticket comes with the resumed session (RFC 5077 §3.1 Figure 2).
    expect(second.session?.ticket?.length).toBeGreaterThan(0);
    for (const x of [first, second]) {
      x.c.dispose();
      x.s.dispose();
      expect(x.cenv.memory.liveBlocks()).toEqual([]);
    }
    expect(side.env.memory.liveBlocks()).toEqual([]);
  });

  it('RFC 5246 §7.4.1.2: a session ID from the server cache resumes (no ticket extension)', () => {
    const side = new ServerSide({ tickets: false, ids: true });
    const first = run(side, { sessionTickets: false });
    expect(first.session?.ticket).toBeNull();
    expect(first.session?.sessionId.length).toBe(32);
    const second = run(side, { sessionTickets: false, session12: first.session! });
    expect([second.c.resumed, second.s.resumed]).toEqual([true, true]);
    expect(hex(second.s.sessionId)).toBe(hex(first.session!.sessionId));
    // An unknown session ID is a full handshake with a new ID.
    const third = run(side, { sessionTickets: false, session12: { ...first.session!, sessionId: new Uint8Array(32).fill(1) } });
    expect(third.c.resumed).toBe(false);
    expect(third.r.clientError ?? third.r.serverError).toBeUndefined();
    expect(hex(third.c.sessionId)).not.toBe('01'.repeat(32));
  });

  it('RFC 7627 §5.3: resuming an extended-master-secret session with a ClientHello without EMS → handshake_failure', () => {
    const side = new ServerSide();
    const first = run(side);
    const noEms = { clientHelloHook: (ch: ClientHello) => ({ ...ch, extensions: (ch.extensions ?? []).filter((e) => e.type !== 23) }), requireExtendedMasterSecret: false };
    const second = run(side, { ...noEms, session12: { ...first.session!, sessionId: new Uint8Array(32).fill(2) } });
    expect(second.r.serverError?.code).toBe('incompatible.handshake_failure');
  });

  it('RFC 7627 §5.3: a session without the extended master secret is not resumed (full handshake)', () => {
    const side = new ServerSide();
    const noEms = { clientHelloHook: (ch: ClientHello) => ({ ...ch, extensions: (ch.extensions ?? []).filter((e) => e.type !== 23) }), requireExtendedMasterSecret: false };
    const first = run(side, noEms, { requireExtendedMasterSecret: false });
    expect(first.c.extendedMasterSecret).toBe(false);
    const second = run(side, { session12: { ...first.session!, sessionId: first.session!.sessionId.length ? first.session!.sessionId : new Uint8Array(32).fill(3) } });
    expect(second.r.clientError ?? second.r.serverError).toBeUndefined();
    expect(second.c.resumed).toBe(false);
    expect(second.c.extendedMasterSecret).toBe(true);
  });

  it('RFC 6066 §3: another server_name does not resume; an expired ticket or session does not either', () => {
    const side = new ServerSide();
    const start = 1_700_000_000_000;
    const first = run(side, {}, {}, start);
    const other = run(side, { serverName: 'other.test', session12: first.session! }, {}, start + 1000);
    expect(other.r.clientError ?? other.r.serverError).toBeUndefined();
    expect(other.c.resumed).toBe(false);
    const late = run(side, { session12: first.session! }, {}, start + 7201_000);
    expect(late.r.clientError ?? late.r.serverError).toBeUndefined();
    expect(late.c.resumed).toBe(false);
    const inTime = run(side, { session12: first.session! }, {}, start + 60_000);
    expect(inTime.c.resumed).toBe(true);
  });
});
