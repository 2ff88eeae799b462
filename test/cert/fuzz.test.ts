/**
 * Property tests (fast-check): malformed DER and PEM never make the certificate code throw;
 * every failure is a typed result. Mutations start from real fixtures so they reach deep into
 * the decoder, not just the first tag check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  certContextMemoryBytes,
  createChainContext,
  decodePem,
  matchHostname,
  parseCertificate,
  parseCertificates,
  parsePrivateKey,
  verifyCertificateChain,
} from '../../schannel/cert/index.js';
import { NO_COST, NOW, certs, fixtureText } from './helpers.js';

function firstDer(name: string): Uint8Array {
  const pem = decodePem(fixtureText(name));
  if (!pem.ok) throw new Error(name);
  return (pem.value[0] as { der: Uint8Array }).der;
}

const SEEDS = ['server-p256.pem', 'server-rsapss2048.pem', 'server-ed25519.pem', 'ec-int.pem'].map(firstDer);
const KEY_SEEDS = ['server-p256.key.pem', 'server-p256.sec1.key.pem', 'server-rsa2048.pkcs1.key.pem', 'server-ed25519.key.pem'].map(firstDer);
const ROOTS = certs('roots.pem');
const INT = certs('ec-int.pem');

/** A mutation: flip, set, insert or delete bytes, or truncate. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
);
type Mutation = { op: 'set' | 'flip' | 'insert' | 'delete' | 'truncate'; at: number; value: number };

function mutate(seed: Uint8Array, muts: readonly Mutation[]): Uint8Array {
  let b = Array.from(seed);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.op === 'set') b[at] = m.value;
    else if (m.op === 'flip') b[at] = (b[at] ?? 0) ^ m.value;
    else if (m.op === 'insert') b.splice(at, 0, m.value);
    else if (m.op === 'delete') b.splice(at, 1);
    else b = b.slice(0, at);
  }
  return new Uint8Array(b);
}

describe('malformed DER never throws', () => {
  it('mutated certificates: parse gives a result; a parsed one verifies to null or a typed failure', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, muts) => {
        const bytes = mutate(seed, muts);
        const r = parseCertificate(bytes);
        if (!r.ok) {
          expect(['malformed', 'unsupported-algorithm', 'empty']).toContain(r.error.kind);
          return;
        }
        certContextMemoryBytes(r.value);
        const f = verifyCertificateChain([r.value, ...INT], { now: NOW, roots: ROOTS, usage: 'server', targetName: 'localhost', cost: NO_COST });
        if (f !== null) expect(typeof f.kind).toBe('string');
      }),
      { numRuns: 400 },
    );
  });

  it('mutated private keys give a result', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KEY_SEEDS), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, muts) => {
        const r = parsePrivateKey(mutate(seed, muts));
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 400 },
    );
  });

  it('random bytes and random text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 200 }), (bytes, text) => {
        expect(typeof parseCertificate(bytes).ok).toBe('boolean');
        expect(typeof parseCertificates(bytes).ok).toBe('boolean');
        expect(typeof parsePrivateKey(bytes).ok).toBe('boolean');
        expect(typeof parseCertificates(`-----BEGIN CERTIFICATE-----\n${text}\n-----END CERTIFICATE-----`).ok).toBe('boolean');
        expect(typeof createChainContext([bytes]).ok).toBe('boolean');
        expect(typeof matchHostname(text, text)).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('a re-wrapped valid certificate with its outer SEQUENCE length changed is rejected', () => {
    const d = new Uint8Array(SEEDS[0] as Uint8Array);
    // 30 82 LL LL: bump the length so the element runs past the end.
    d[3] = (d[3] as number) + 1;
    expect(parseCertificate(d).ok).toBe(false);
  });
});
