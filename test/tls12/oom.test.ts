/**
 * Out of memory at every allocation of a TLS 1.2 handshake (STYLE §6), as the TLS 1.3 sweep in
 * test/tls/robustness.test.ts does it: client and server, ECDHE (ECDSA and RSA certificates, AEAD
 * and CBC with encrypt-then-MAC), static RSA, and client authentication. Each failing allocation
 * ends in memory.exhausted (a status), never an exception, and nothing stays allocated.
 */
import { describe, expect, it } from 'vitest';
import { Tls12Client } from '../../schannel/tls/v12/client.js';
import { Tls12Server } from '../../schannel/tls/v12/server.js';
import type { Tls12SuiteName } from '../../schannel/tls/v12/suites.js';
import { acceptAll, makeCert, makeEnv, type TestEnv } from '../tls/helpers.js';
import { pump12 } from './helpers12.js';

type Kind = 'p256' | 'rsa2048';

/** A client and a server for `suite`; `fail` makes allocation number `index` of one side fail. */
function build(suite: Tls12SuiteName, kind: Kind, clientAuth: boolean, fail?: { side: 'client' | 'server'; index: number }) {
  const cert = makeCert(kind);
  const ce: TestEnv = makeEnv(`oom12-c-${suite}`);
  const se: TestEnv = makeEnv(`oom12-s-${suite}`);
  if (fail) (fail.side === 'client' ? ce : se).memory.failWhen = (_p, _s, _t, idx) => idx === fail.index;
  let client: Tls12Client | null = null;
  let server: Tls12Server | null = null;
  let thrown: unknown = null;
  let error: { code: string } | undefined;
  try {
    client = new Tls12Client({ ...acceptAll, serverName: 'localhost', tls12Suites: [suite], ...(clientAuth ? { certificateChain: cert.chain, privateKey: cert.privateKey } : {}) }, ce);
    server = new Tls12Server({ certificateChain: cert.chain, privateKey: cert.privateKey, ...acceptAll, ...(clientAuth ? { clientAuth: 'require' as const } : {}) }, se);
    server.start();
    const st = client.start();
    if (st.error) error = st.error;
    else if (server.error) error = server.error;
    else {
      const r = pump12(client, server, st.output);
      error = fail?.side === 'client' ? r.clientError : fail?.side === 'server' ? r.serverError ?? server.error ?? undefined : r.clientError ?? r.serverError;
    }
  } catch (e) {
    thrown = e;
  }
  const complete = (client?.handshakeComplete ?? false) && (server?.handshakeComplete ?? false);
  client?.dispose();
  server?.dispose();
  return { ce, se, thrown, error, complete };
}

const CASES: [Tls12SuiteName, Kind, boolean, string][] = [
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'p256', false, 'ECDHE-ECDSA, AES-GCM'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'rsa2048', false, 'ECDHE-RSA, CBC with encrypt-then-MAC'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA', 'rsa2048', false, 'static RSA (RFC 5246 §7.4.7.1), CBC'],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'rsa2048', false, 'static RSA, AES-GCM'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'p256', true, 'ECDHE-ECDSA, ChaCha20, client authentication'],
];

describe('TLS 1.2: out of memory at every allocation of the handshake (STYLE §6)', () => {
  for (const [suite, kind, clientAuth, what] of CASES) {
    for (const side of ['client', 'server'] as const) {
      it(`${side}, ${what} (${suite}): each failing allocation ends in memory.exhausted, no throw, no leak`, () => {
        // Count the allocations of a successful run first.
        const probe = build(suite, kind, clientAuth);
        expect(probe.thrown).toBeNull();
        expect(probe.complete).toBe(true);
        const total = (side === 'client' ? probe.ce : probe.se).memory.attempts;
        expect(total).toBeGreaterThan(5);
        for (let i = 0; i < total; i++) {
          const r = build(suite, kind, clientAuth, { side, index: i });
          expect(r.thrown, `allocation ${i} of ${total}`).toBeNull();
          expect(r.complete, `allocation ${i} of ${total}`).toBe(false);
          expect(r.error?.code, `allocation ${i} of ${total}`).toBe('memory.exhausted');
          expect(r.ce.memory.liveBlocks()).toEqual([]);
          expect(r.se.memory.liveBlocks()).toEqual([]);
        }
      });
    }
  }
});
