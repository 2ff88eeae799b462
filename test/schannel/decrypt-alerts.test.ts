/**
 * A fatal error found by DecryptMessage reaches the peer as an alert (RFC 8446 §6.2: the
 * implementation MUST send the alert): the next ISC/ASC call on the failed context hands the
 * sealed alert out as its output token with SEC_E_OK, once, before anything else — the path the
 * Microsoft samples take on a read failure (shutdown, then one more ISC for the token to send).
 * Statuses are the reference's (sspi-behaviour §2.8 check 68 and §3.1), written here by value.
 */
import { describe, expect, it } from 'vitest';
import {
  SCH_CRED_NO_DEFAULT_CREDS, SCHANNEL_SHUTDOWN, SecBuffer, SecBufferDesc, SECBUFFER_TOKEN, statusName,
} from '../../sspi/index.js';
import { certWithKey, Endpoint, handshake, makeDevice } from './harness.js';

function established(seed: number) {
  const device = makeDevice(seed);
  const client = new Endpoint(device.createProcess('client.exe'), 'client', 'localhost');
  const server = new Endpoint(device.createProcess('server.exe'), 'server');
  expect(client.acquire({ dwFlags: SCH_CRED_NO_DEFAULT_CREDS })).toBe(0);
  expect(server.acquire({ cCreds: 1, paCred: [certWithKey('server-p256')] })).toBe(0);
  const r = handshake(client, server);
  expect([statusName(r.client), statusName(r.server)]).toEqual(['SEC_E_OK', 'SEC_E_OK']);
  // The server's NewSessionTickets reach the client.
  expect(statusName(client.decryptAll().status)).toBe('SEC_E_OK');
  return { device, client, server };
}

const cases: [string, (client: Endpoint) => Uint8Array, string][] = [
  ['a tampered record (bad_record_mac)', (c) => { const r = c.encrypt(new TextEncoder().encode('secret')).record.slice(); r[r.length - 3]! ^= 1; return r; }, 'SEC_E_DECRYPT_FAILURE'],
  ['a change_cipher_spec after the handshake (unexpected_message)', () => Uint8Array.of(0x14, 3, 3, 0, 1, 1), 'SEC_E_ILLEGAL_MESSAGE'],
  ['a record longer than 2^14 + 256 (record_overflow)', () => Uint8Array.of(0x17, 3, 3, 0x41, 0x01, ...new Uint8Array(0x4101)), 'SEC_E_INVALID_TOKEN'],
  ['a plaintext handshake record after the keys (unexpected_message)', () => Uint8Array.of(0x16, 3, 3, 0, 5, 24, 0, 0, 1, 0), 'SEC_E_ILLEGAL_MESSAGE'],
];

describe('DecryptMessage failures hand their fatal alert to the caller (RFC 8446 §6.2)', () => {
  cases.forEach(([name, forge, status], i) => {
    it(`${name} → ${status}; the next ASC gives the protected alert, which fails the peer`, () => {
      const { device, client, server } = established(40 + i);
      server.receive(forge(client));
      expect(statusName(server.decryptAll().status)).toBe(status);
      // The samples' shutdown path: SCHANNEL_SHUTDOWN, then one ASC without input.
      const tok = new Uint8Array(4);
      new DataView(tok.buffer).setUint32(0, SCHANNEL_SHUTDOWN, true);
      const tokAddr = server.alloc(tok);
      server.sspi.ApplyControlToken(server.ctx, new SecBufferDesc([new SecBuffer(4, SECBUFFER_TOKEN, tokAddr)]));
      server.process.LocalFree(tokAddr);
      const a = server.step();
      expect(statusName(a.status)).toBe('SEC_E_OK');
      // One protected alert record (not a close_notify after a fatal alert).
      expect(a.token[0]).toBe(0x17);
      expect(a.token.length).toBe(5 + ((a.token[3]! << 8) | a.token[4]!));
      // The peer opens it as a fatal alert: a failure status, never SEC_E_OK or a clean close.
      client.receive(a.token);
      const seen = statusName(client.decryptAll().status);
      expect(seen).not.toBe('SEC_E_OK');
      expect(seen).not.toBe('SEC_I_CONTEXT_EXPIRED');
      expect(seen).toMatch(/^SEC_E_/);
      // The alert goes out once.
      const again = server.step();
      expect(again.token.length).toBe(0);
      // Nothing is leaked once both sides clean up.
      for (const e of [client, server]) {
        e.sspi.DeleteSecurityContext(e.ctx);
        e.sspi.FreeCredentialsHandle(e.cred);
      }
      const held = device.leakReport().filter((l) => l.owner.tag.startsWith('tls.') || l.owner.tag.startsWith('schannel.'));
      expect(held).toEqual([]);
    });
  });
  it('the alert of a tampered record names bad_record_mac: the client sees SEC_E_MESSAGE_ALTERED or SEC_E_DECRYPT_FAILURE (check 68)', () => {
    const { client, server } = established(60);
    const r = client.encrypt(new TextEncoder().encode('x')).record.slice();
    r[r.length - 1]! ^= 0x80;
    server.receive(r);
    expect(statusName(server.decryptAll().status)).toBe('SEC_E_DECRYPT_FAILURE');
    const a = server.step();
    client.receive(a.token);
    expect(['SEC_E_MESSAGE_ALTERED', 'SEC_E_DECRYPT_FAILURE']).toContain(statusName(client.decryptAll().status));
  });
});
