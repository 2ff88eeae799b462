/**
 * Certificate validation in the client handshake: each failure has its own status; with
 * SCH_CRED_MANUAL_CRED_VALIDATION the handshake completes and the application validates through
 * SECPKG_ATTR_REMOTE_CERT_CONTEXT.
 */
import { describe, it, expect } from 'vitest';
import { makeDevice, certWithKey, Endpoint, handshake } from './harness.js';
import { SCH_CRED_MANUAL_CRED_VALIDATION, SCH_CRED_NO_SERVERNAME_CHECK, SECPKG_ATTR_REMOTE_CERT_CONTEXT, statusName } from '../../sspi/index.js';
import { verifyCertContext, schannelRootStore, type CertContext } from '../../schannel/index.js';

function run(serverCert: string, target = 'localhost', clientFlags = 0) {
  const device = makeDevice(29);
  const client = new Endpoint(device.createProcess('client.exe'), 'client', target);
  const server = new Endpoint(device.createProcess('server.exe'), 'server');
  expect(client.acquire({ dwFlags: clientFlags })).toBe(0);
  expect(server.acquire({ cCreds: 1, paCred: [certWithKey(serverCert)] })).toBe(0);
  const r = handshake(client, server);
  return { device, client, server, client_: statusName(r.client), server_: statusName(r.server) };
}

describe('server certificate validation (RFC 5280 paths, RFC 6125 names)', () => {
  it.each([
    ['server-p256', 'SEC_E_OK'],
    ['server-p384', 'SEC_E_OK'],
    ['server-ed25519', 'SEC_E_OK'],
    ['server-rsa2048', 'SEC_E_OK'],
    ['server-rsapss2048', 'SEC_E_OK'],
    ['bad-wrongname', 'SEC_E_WRONG_PRINCIPAL'],
    ['bad-expired', 'SEC_E_CERT_EXPIRED'],
    ['bad-notyet', 'SEC_E_CERT_EXPIRED'],
    ['bad-untrusted', 'SEC_E_UNTRUSTED_ROOT'],
    ['bad-badsig', 'SEC_E_CERT_UNKNOWN'],
    ['bad-noserverauth', 'SEC_E_CERT_WRONG_USAGE'],
    ['bad-nonca', 'SEC_E_CERT_UNKNOWN'],
  ])('%s → %s', (cert, expected) => {
    const r = run(cert);
    expect(r.client_).toBe(expected);
    if (expected !== 'SEC_E_OK') {
      // The failed context released its TLS state at once; the handles go with DeleteSecurityContext.
      expect(r.device.leakReport().filter((l) => l.owner.tag.startsWith(`schannel.context#${r.client.ctx.dwLower}`))).toEqual([]);
      expect(r.client.sspi.DeleteSecurityContext(r.client.ctx)).toBe(0);
      if (r.server.hasCtx) expect(r.server.sspi.DeleteSecurityContext(r.server.ctx)).toBe(0);
      expect(r.device.leakReport().filter((l) => l.owner.tag.startsWith('schannel.context'))).toEqual([]);
    }
  });
  it('a wildcard SAN (*.devices.test) matches one label only', () => {
    expect(run('server-p256', 'cam1.devices.test').client_).toBe('SEC_E_OK');
    expect(run('server-p256', 'a.b.devices.test').client_).toBe('SEC_E_WRONG_PRINCIPAL');
  });
  it('SCH_CRED_NO_SERVERNAME_CHECK skips the name, not the chain', () => {
    expect(run('bad-wrongname', 'localhost', SCH_CRED_NO_SERVERNAME_CHECK).client_).toBe('SEC_E_OK');
    expect(run('bad-untrusted', 'localhost', SCH_CRED_NO_SERVERNAME_CHECK).client_).toBe('SEC_E_UNTRUSTED_ROOT');
  });
  it('SCH_CRED_MANUAL_CRED_VALIDATION completes; the application validates REMOTE_CERT_CONTEXT itself', () => {
    const r = run('bad-untrusted', 'localhost', SCH_CRED_MANUAL_CRED_VALIDATION);
    expect(r.client_).toBe('SEC_E_OK');
    const out: { value: CertContext | null } = { value: null };
    expect(r.client.sspi.QueryContextAttributes(r.client.ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, out)).toBe(0);
    const failure = verifyCertContext(out.value!, {
      now: Date.UTC(2026, 0, 2),
      roots: schannelRootStore(r.device),
      usage: 'server',
      targetName: 'localhost',
      cost: { charge: () => {} },
    });
    expect(failure?.kind).toBe('untrusted-root');
  });
});

describe('ISC_REQ_EXTENDED_ERROR: a failed handshake hands back the alert to send', () => {
  it('the client rejects an untrusted server: the output token is its fatal alert, ISC_RET_EXTENDED_ERROR set', () => {
    const device = makeDevice(83);
    const client = new Endpoint(device.createProcess('client.exe'), 'client', 'localhost');
    const server = new Endpoint(device.createProcess('server.exe'), 'server');
    expect(client.acquire({})).toBe(0);
    expect(server.acquire({ cCreds: 1, paCred: [certWithKey('bad-untrusted')] })).toBe(0);
    server.receive(client.step().token);
    client.receive(server.step().token);
    const r = client.step();
    expect(statusName(r.status)).toBe('SEC_E_UNTRUSTED_ROOT');
    expect(client.attrs.value & 0x4000).toBe(0x4000); // ISC_RET_EXTENDED_ERROR
    // An encrypted alert record (handshake keys are in place): content type 0x17 on the wire.
    expect(r.token[0]).toBe(0x17);
    server.receive(r.token);
    const s = server.step();
    expect(statusName(s.status)).toBe('SEC_E_UNTRUSTED_ROOT'); // unknown_ca received
    // The alert token was released with FreeContextBuffer by the harness: nothing left in the token pool.
    expect(device.leakReport().filter((l) => l.pool === 'token')).toEqual([]);
  });
});
