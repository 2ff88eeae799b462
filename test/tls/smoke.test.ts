import { describe, expect, it } from 'vitest';
import { createClient, createServer } from '../../schannel/tls/index.js';
import { acceptAll, makeCert, makeEnv, pump } from './helpers.js';

describe('smoke', () => {
  it('handshakes', () => {
    const cert = makeCert('p256');
    const ce = makeEnv('c'), se = makeEnv('s');
    const client = createClient({ serverName: 'localhost', ...acceptAll }, ce);
    const server = createServer({ certificateChain: cert.chain, privateKey: cert.privateKey }, se);
    const r = pump(client, server);
    expect(r.clientError).toBeUndefined();
    expect(r.serverError).toBeUndefined();
    expect(client.handshakeComplete).toBe(true);
    expect(server.handshakeComplete).toBe(true);
  });
});
