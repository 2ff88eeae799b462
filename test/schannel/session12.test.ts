/**
 * TLS 1.2 resumption through SSPI (RFC 5246 §7.3 Figure 2 by session ID, RFC 5077 §3.1 by
 * ticket), from the session cache TLS 1.3 uses and under the same CE reuse rules (target name,
 * expiry, process, logon session, credential handle; SspiInitializeSecurityContextAsyncA.txt),
 * with SECPKG_ATTR_SESSION_INFO saying when it reconnected and every entry in a pool block.
 */
import { describe, it, expect } from 'vitest';
import { makeDevice, certWithKey, Endpoint, handshake } from './harness.js';
import {
  SECPKG_ATTR_SESSION_INFO,
  SecPkgContext_SessionInfo,
  SSL_SESSION_RECONNECT,
  SP_PROT_TLS1_2_CLIENT,
  SP_PROT_TLS1_2_SERVER,
  SP_PROT_TLS1_3_CLIENT,
  SP_PROT_TLS1_3_SERVER,
  SECPKG_ATTR_CONNECTION_INFO,
  SecPkgContext_ConnectionInfo,
  statusName,
  type Process,
} from '../../sspi/index.js';
import type { Device } from '../../device/index.js';
import { SERVER_SESSION_CACHE_MAX_ENTRIES } from '../../schannel/index.js';

const TLS12_SERVER = SP_PROT_TLS1_2_SERVER;

function server(device: Device, protocols = TLS12_SERVER, lifespanMs = 0) {
  const s = new Endpoint(device.createProcess('server.exe'), 'server', null);
  expect(s.acquire({ cCreds: 1, paCred: [certWithKey('server-p256')], grbitEnabledProtocols: protocols, dwSessionLifespan: lifespanMs })).toBe(0);
  return s;
}

interface Connected {
  c: Endpoint;
  resumed: boolean;
  serverResumed: boolean;
  sessionId: string;
  protocol: number;
}

/** One connection: the handshake, then both contexts deleted; what SESSION_INFO said. */
function connect(p: Process, srv: Endpoint, cli?: Endpoint, target = 'localhost', protocols = SP_PROT_TLS1_2_CLIENT): Connected {
  const c = cli ?? new Endpoint(p, 'client', target);
  if (!cli) expect(c.acquire({ grbitEnabledProtocols: protocols })).toBe(0);
  c.hasCtx = false;
  c.inbox = new Uint8Array(0);
  srv.hasCtx = false;
  srv.inbox = new Uint8Array(0);
  const r = handshake(c, srv);
  expect([statusName(r.client), statusName(r.server)]).toEqual(['SEC_E_OK', 'SEC_E_OK']);
  const info = new SecPkgContext_SessionInfo();
  expect(c.sspi.QueryContextAttributes(c.ctx, SECPKG_ATTR_SESSION_INFO, info)).toBe(0);
  const sinfo = new SecPkgContext_SessionInfo();
  expect(srv.sspi.QueryContextAttributes(srv.ctx, SECPKG_ATTR_SESSION_INFO, sinfo)).toBe(0);
  const ci = new SecPkgContext_ConnectionInfo();
  expect(c.sspi.QueryContextAttributes(c.ctx, SECPKG_ATTR_CONNECTION_INFO, ci)).toBe(0);
  const out: Connected = {
    c,
    resumed: (info.dwFlags & SSL_SESSION_RECONNECT) !== 0,
    serverResumed: (sinfo.dwFlags & SSL_SESSION_RECONNECT) !== 0,
    sessionId: Buffer.from(info.rgbSessionId.subarray(0, info.cbSessionId)).toString('hex'),
    protocol: ci.dwProtocol,
  };
  c.sspi.DeleteSecurityContext(c.ctx);
  srv.sspi.DeleteSecurityContext(srv.ctx);
  return out;
}

const cacheBlocks = (device: Device) => device.leakReport().filter((l) => l.owner.tag === 'schannel.sessionCache');

describe('TLS 1.2 session resumption through SSPI (RFC 5246 §7.3, RFC 5077)', () => {
  it('the same process, logon session, credential handle and target name reconnect: SESSION_INFO has SSL_SESSION_RECONNECT and the session ID', () => {
    const device = makeDevice(61);
    const srv = server(device);
    const p = device.createProcess('client.exe');
    const first = connect(p, srv);
    expect(first.resumed).toBe(false);
    expect(first.protocol).toBe(SP_PROT_TLS1_2_CLIENT);
    expect(first.sessionId).toMatch(/^[0-9a-f]{64}$/);
    // The client's entry and the server's (by session ID), each in a pool block.
    expect(cacheBlocks(device).length).toBe(2);
    const second = connect(p, srv, first.c);
    expect([second.resumed, second.serverResumed]).toEqual([true, true]);
    expect(second.sessionId).toBe(first.sessionId);
    // A third connection resumes again (a TLS 1.2 session may be resumed many times).
    expect(connect(p, srv, first.c).resumed).toBe(true);
  });

  it('every ticket and cache byte is in a pool block with an owner tag: the sealing state, the received ticket, the cache entries', () => {
    const device = makeDevice(83);
    const srv = server(device);
    const p = device.createProcess('client.exe');
    connect(p, srv);
    const peaks = new Map(device.stats().owners.filter((o) => o.peakBytes > 0).map((o) => [o.tag.replace(/#\d+/, '#N'), o.peakBytes]));
    // Server: the session state held while the ticket is sealed (master secret + 32).
    expect(peaks.get('schannel.context#N.ticket')).toBe(80);
    // Client: the NewSessionTicket's ticket while the handshake runs.
    expect(peaks.get('schannel.context#N.tls12.sessionTicket')).toBeGreaterThan(100);
    // Both entries: header, target name, ticket, master secret (48), session ID (32).
    expect(peaks.get('schannel.sessionCache')).toBeGreaterThan(2 * (48 + 48 + 32));
    expect(cacheBlocks(device).reduce((n, l) => n + l.size, 0)).toBe(peaks.get('schannel.sessionCache'));
  });

  it('a server keeps at most SERVER_SESSION_CACHE_MAX_ENTRIES sessions by ID', () => {
    const device = makeDevice(89);
    const srv = server(device);
    const p = device.createProcess('client.exe');
    for (let i = 0; i < SERVER_SESSION_CACHE_MAX_ENTRIES + 3; i++) {
      // A new client credential each time (a full handshake), freed after it (its entry goes).
      const { c } = connect(p, srv);
      expect(c.sspi.FreeCredentialsHandle(c.cred)).toBe(0);
    }
    expect(cacheBlocks(device).length).toBe(SERVER_SESSION_CACHE_MAX_ENTRIES);
  });

  it('another target name, another credential handle or another process do not reconnect', () => {
    const device = makeDevice(67);
    const srv = server(device);
    const p = device.createProcess('client.exe');
    const first = connect(p, srv);
    const other = new Endpoint(p, 'client', 'device.test');
    Object.assign(other.cred, first.c.cred);
    expect(connect(p, srv, other).resumed).toBe(false);
    expect(connect(p, srv).resumed).toBe(false);
    expect(connect(device.createProcess('other.exe'), srv).resumed).toBe(false);
  });

  it('by ticket alone (RFC 5077 §3.1): after the server\'s session-ID entry expired, the ticket still resumes', () => {
    let now = 0;
    const device = makeDevice(71, 'ce210-handheld', 'dev', () => now);
    // dwSessionLifespan 1 s: the server's cache forgets the session ID, the ticket (7200 s) stays valid.
    const srv = server(device, TLS12_SERVER, 1000);
    const p = device.createProcess('client.exe');
    const first = connect(p, srv);
    now += 5e9;
    const second = connect(p, srv, first.c);
    expect([second.resumed, second.serverResumed]).toEqual([true, true]);
  });

  it('an expired session is not used (ticket lifetime 7200 s), and freeing the credentials drops every entry', () => {
    let now = 0;
    const device = makeDevice(73, 'ce210-handheld', 'dev', () => now);
    const srv = server(device);
    const p = device.createProcess('client.exe');
    const first = connect(p, srv);
    now += 3 * 3600e9;
    expect(connect(p, srv, first.c).resumed).toBe(false);
    expect(first.c.sspi.FreeCredentialsHandle(first.c.cred)).toBe(0);
    expect(srv.sspi.FreeCredentialsHandle(srv.cred)).toBe(0);
    expect(cacheBlocks(device)).toEqual([]);
  });

  it('a dual-version client resumes a TLS 1.2 session from a TLS-1.2-only server (RFC 8446 §4.1.2 legacy_session_id); a TLS 1.3 server echoes that ID and the handshake is a new TLS 1.3 one', () => {
    const device = makeDevice(79);
    const srv12 = server(device);
    const p = device.createProcess('client.exe');
    const dual = SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT;
    const first = connect(p, srv12, undefined, 'localhost', dual);
    expect(first.protocol).toBe(SP_PROT_TLS1_2_CLIENT);
    const again = connect(p, srv12, first.c);
    expect(again.resumed).toBe(true);
    const srvDual = server(device, SP_PROT_TLS1_2_SERVER | SP_PROT_TLS1_3_SERVER);
    const next = connect(p, srvDual, first.c);
    expect(next.protocol).toBe(SP_PROT_TLS1_3_CLIENT);
    expect(next.resumed).toBe(false);
  });
});
