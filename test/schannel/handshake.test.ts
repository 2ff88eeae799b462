import { describe, it, expect } from 'vitest';
import { makeDevice, certWithKey, Endpoint, handshake } from './harness.js';
import { SEC_E_OK, SEC_I_CONTEXT_EXPIRED, statusName } from '../../sspi/index.js';

describe('Schannel TLS 1.3 through SSPI (one device, two processes)', () => {
  it('completes a handshake with ISC_REQ_ALLOCATE_MEMORY and exchanges data', () => {
    const device = makeDevice(7);
    const client = new Endpoint(device.createProcess('client.exe'), 'client', 'localhost');
    const server = new Endpoint(device.createProcess('server.exe'), 'server');
    expect(statusName(client.acquire())).toBe('SEC_E_OK');
    expect(statusName(server.acquire({ cCreds: 1, paCred: [certWithKey('server-p256')] }))).toBe('SEC_E_OK');
    const r = handshake(client, server);
    expect([statusName(r.client), statusName(r.server)]).toEqual(['SEC_E_OK', 'SEC_E_OK']);
    const msg = new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n');
    const e = client.encrypt(msg);
    expect(statusName(e.status)).toBe('SEC_E_OK');
    server.receive(e.record);
    const d = server.decryptAll();
    expect(new TextDecoder().decode(d.plaintext)).toBe('GET / HTTP/1.0\r\n\r\n');
    expect(d.status).toBe(SEC_E_OK);
    void SEC_I_CONTEXT_EXPIRED;
  });
});
