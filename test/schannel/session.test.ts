/**
 * Client authentication (ASC_REQ_MUTUAL_AUTH, SEC_I_INCOMPLETE_CREDENTIALS, check 49) and
 * session resumption from the Schannel session cache under CE's conditions
 * (SspiInitializeSecurityContextAsyncA.txt, the Schannel/SSL row of pszTargetName).
 */
import { describe, it, expect } from 'vitest';
import { makeDevice, certWithKey, Endpoint, handshake, ASC_FLAGS } from './harness.js';
import {
  ASC_REQ_MUTUAL_AUTH,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
  SECPKG_ATTR_SESSION_INFO,
  SecPkgContext_SessionInfo,
  SSL_SESSION_RECONNECT,
  ISC_RET_USED_SUPPLIED_CREDS,
  statusName,
  type Process,
} from '../../sspi/index.js';
import type { CertContext } from '../../schannel/index.js';
import type { Device } from '../../device/index.js';

function server(device: Device, mutual = false) {
  const s = new Endpoint(device.createProcess('server.exe'), 'server', null, mutual ? ASC_FLAGS | ASC_REQ_MUTUAL_AUTH : ASC_FLAGS);
  expect(s.acquire({ cCreds: 1, paCred: [certWithKey('server-p256')] })).toBe(0);
  return s;
}

describe('client authentication', () => {
  it('ASC_REQ_MUTUAL_AUTH with a client certificate: the server sees the client chain', () => {
    const device = makeDevice(31);
    const srv = server(device, true);
    const cli = new Endpoint(device.createProcess('client.exe'), 'client', 'localhost');
    expect(cli.acquire({ cCreds: 1, paCred: [certWithKey('client-p256')] })).toBe(0);
    const r = handshake(cli, srv);
    expect([statusName(r.client), statusName(r.server)]).toEqual(['SEC_E_OK', 'SEC_E_OK']);
    const out: { value: CertContext | null } = { value: null };
    expect(srv.sspi.QueryContextAttributes(srv.ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, out)).toBe(0);
    expect(out.value!.pCertInfo.extensions.extKeyUsage).toContain('1.3.6.1.5.5.7.3.2');
    expect(srv.attrs.value & 0x2).toBe(0x2); // ASC_RET_MUTUAL_AUTH
  });
  it('check 49: no client certificate → SEC_I_INCOMPLETE_CREDENTIALS, then ISC again sends an empty Certificate', () => {
    const device = makeDevice(37);
    const srv = server(device, true);
    const cli = new Endpoint(device.createProcess('client.exe'), 'client', 'localhost');
    expect(cli.acquire({})).toBe(0);
    const r = handshake(cli, srv);
    expect(cli.statuses.map(statusName)).toContain('SEC_I_INCOMPLETE_CREDENTIALS');
    expect([statusName(r.client), statusName(r.server)]).toEqual(['SEC_E_OK', 'SEC_E_OK']);
    // curl depends on ISC_RET_USED_SUPPLIED_CREDS after it asked with ISC_REQ_USE_SUPPLIED_CREDS.
    expect(cli.attrs.value & ISC_RET_USED_SUPPLIED_CREDS).toBe(ISC_RET_USED_SUPPLIED_CREDS);
    const out: { value: CertContext | null } = { value: null };
    expect(statusName(srv.sspi.QueryContextAttributes(srv.ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, out))).toBe('SEC_E_NO_CREDENTIALS');
  });
  it('a client certificate from an untrusted root is refused by the server', () => {
    const device = makeDevice(41);
    const srv = server(device, true);
    const cli = new Endpoint(device.createProcess('client.exe'), 'client', 'localhost');
    expect(cli.acquire({ cCreds: 1, paCred: [certWithKey('bad-untrusted')] })).toBe(0);
    const r = handshake(cli, srv);
    expect(statusName(r.server)).toBe('SEC_E_UNTRUSTED_ROOT');
  });
});

describe('session cache (TLS 1.3 tickets, psk_dhe_ke)', () => {
  /** One full connection: handshake, then the client reads the server's NewSessionTicket. */
  function connect(device: Device, cliProc: Process, srv: Endpoint, cli?: Endpoint, target = 'localhost') {
    const c = cli ?? new Endpoint(cliProc, 'client', target);
    if (!cli) expect(c.acquire({})).toBe(0);
    c.hasCtx = false;
    c.inbox = new Uint8Array(0);
    srv.hasCtx = false;
    srv.inbox = new Uint8Array(0);
    const r = handshake(c, srv);
    expect([statusName(r.client), statusName(r.server)]).toEqual(['SEC_E_OK', 'SEC_E_OK']);
    c.decryptAll(); // NewSessionTicket, handled inside DecryptMessage
    const info = new SecPkgContext_SessionInfo();
    expect(c.sspi.QueryContextAttributes(c.ctx, SECPKG_ATTR_SESSION_INFO, info)).toBe(0);
    const resumed = (info.dwFlags & SSL_SESSION_RECONNECT) !== 0;
    c.sspi.DeleteSecurityContext(c.ctx);
    srv.sspi.DeleteSecurityContext(srv.ctx);
    return { c, resumed };
  }
  it('the same process, logon session, credential handle and target name resume', () => {
    const device = makeDevice(43);
    const srv = server(device);
    const p = device.createProcess('client.exe');
    const first = connect(device, p, srv);
    expect(first.resumed).toBe(false);
    expect(device.leakReport().some((l) => l.owner.tag === 'schannel.sessionCache')).toBe(true);
    const second = connect(device, p, srv, first.c);
    expect(second.resumed).toBe(true);
  });
  it('another target name, another credential handle or another process do not', () => {
    const device = makeDevice(47);
    const srv = server(device);
    const p = device.createProcess('client.exe');
    const first = connect(device, p, srv);
    // Another target name (same cred).
    first.c.hasCtx = false;
    const other = new Endpoint(p, 'client', 'device.test');
    Object.assign(other.cred, first.c.cred);
    expect(connect(device, p, srv, other).resumed).toBe(false);
    // Another credential handle in the same process.
    expect(connect(device, p, srv).resumed).toBe(false);
    // Another process.
    expect(connect(device, device.createProcess('other.exe'), srv).resumed).toBe(false);
  });
  it('an expired entry is not used, and freeing the credential drops its entries', () => {
    let now = 0;
    const device = makeDevice(53, 'ce210-handheld', 'dev', () => now);
    const srv = server(device);
    const p = device.createProcess('client.exe');
    const first = connect(device, p, srv);
    now += 3 * 3600e9; // 3 hours of virtual time: past the default 2-hour ticket lifetime
    expect(connect(device, p, srv, first.c).resumed).toBe(false);
    expect(first.c.sspi.FreeCredentialsHandle(first.c.cred)).toBe(0);
    expect(device.leakReport().filter((l) => l.owner.tag === 'schannel.sessionCache')).toEqual([]);
  });
});
