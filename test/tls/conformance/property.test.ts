/**
 * Conformance, property-based: mutated client flights (bit flips, byte edits, cuts, insertions,
 * duplicated slices, records re-split) thrown at the server, TLS 1.3 and TLS 1.2, first and
 * second flight, through the engine and through SSPI as `cesim serve` drives it. Whatever the
 * bytes, the server answers with exactly one fatal alert (the last record it sends), or carries
 * on without any alert; it never throws, and once disposed it holds no memory (RFC 8446 §6.2,
 * RFC 5246 §7.2.2: a fatal alert closes the connection; nothing may follow it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CT, HS, Script, type ServerAnswer, VIAS, type Via, cat, plainRecord, verdict } from './script.js';
import { HS12, Script12 } from './script12.js';

/** One mutation of a byte string. */
type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'resplit'; size: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ kind: fc.constant('resplit' as const), size: fc.integer({ min: 1, max: 300 }) }),
);

/** Re-frames the records of `b` into records of `size` bytes of the same types (plaintext fragments). */
function resplit(b: Uint8Array, size: number): Uint8Array {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at + 5 <= b.length) {
    const len = (b[at + 3]! << 8) | b[at + 4]!;
    const frag = b.subarray(at + 5, at + 5 + len);
    if (b[at] !== CT.handshake) out.push(b.subarray(at, at + 5 + len));
    else for (let i = 0; i < frag.length; i += size) out.push(plainRecord(b[at]!, frag.subarray(i, i + size), (b[at + 1]! << 8) | b[at + 2]!));
    at += 5 + len;
  }
  out.push(b.subarray(at));
  return cat(...out);
}

function apply(b: Uint8Array, m: Mutation): Uint8Array {
  if (b.length === 0) return b;
  const at = 'at' in m ? m.at % b.length : 0;
  switch (m.kind) {
    case 'flip': {
      const c = b.slice();
      c[at]! ^= 1 << m.bit;
      return c;
    }
    case 'set': {
      const c = b.slice();
      c[at] = m.value;
      return c;
    }
    case 'delete':
      return cat(b.subarray(0, at), b.subarray(at + m.length));
    case 'insert':
      return cat(b.subarray(0, at), m.bytes, b.subarray(at));
    case 'truncate':
      return b.subarray(0, at);
    case 'duplicate':
      return cat(b.subarray(0, at + m.length), b.subarray(at));
    case 'resplit':
      return resplit(b, m.size);
  }
}

/** The first handshake message in the plaintext handshake records of `b` (what a server would hash), if whole. */
function firstHandshakeMessage(b: Uint8Array): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at + 5 <= b.length && b[at] === CT.handshake) {
    const len = (b[at + 3]! << 8) | b[at + 4]!;
    parts.push(b.subarray(at + 5, Math.min(b.length, at + 5 + len)));
    at += 5 + len;
  }
  const all = cat(...parts);
  if (all.length < 4) return null;
  const len = (all[1]! << 16) | (all[2]! << 8) | all[3]!;
  return all.length >= 4 + len ? all.slice(0, 4 + len) : null;
}

/**
 * What the server may do: one fatal alert, last; or carry on with no alert at all; or, through
 * SSPI, refuse bytes that are not a TLS record with SEC_E_INVALID_TOKEN and no token
 * (reference checks 38–39), or wait for more with nothing sent.
 */
function acceptable(a: ServerAnswer): boolean {
  const v = verdict(a);
  if (v.startsWith('alert ')) return true;
  if (v === 'carries on') return true;
  return a.status === 'SEC_E_INVALID_TOKEN' && a.output.length === 0;
}

interface Target {
  name: string;
  run(via: Via, seed: string, mutate: (b: Uint8Array) => Uint8Array): { answer: ServerAnswer; leaks: string[] };
}

const targets: Target[] = [
  {
    name: 'TLS 1.3 ClientHello',
    run(via, seed, mutate) {
      const s = new Script({ via, seed });
      const bytes = mutate(plainRecord(CT.handshake, s.helloMessage(s.hello()), 0x0301));
      const msg = firstHandshakeMessage(bytes);
      if (msg && msg[0] === HS.client_hello) s.noteSent(msg);
      const answer = s.send(bytes);
      return { answer, leaks: s.dispose() };
    },
  },
  {
    name: 'TLS 1.3 second flight (CCS + Finished)',
    run(via, seed, mutate) {
      const s = new Script({ via, seed });
      s.sendHello();
      const fin = s.finishedMessage();
      const bytes = mutate(cat(plainRecord(CT.change_cipher_spec, Uint8Array.of(1)), s.seal(CT.handshake, fin)));
      s.afterFinished(fin);
      const answer = s.send(bytes);
      return { answer, leaks: s.dispose() };
    },
  },
  {
    name: 'TLS 1.2 ClientHello',
    run(via, seed, mutate) {
      const s = new Script12({ via, seed });
      const bytes = mutate(plainRecord(CT.handshake, s.helloMessage(s.hello()), 0x0301));
      const msg = firstHandshakeMessage(bytes);
      if (msg && msg[0] === HS12.client_hello) s.transcript.push(msg);
      const answer = s.send(bytes);
      return { answer, leaks: s.dispose() };
    },
  },
  {
    name: 'TLS 1.2 second flight (ClientKeyExchange, CCS, Finished)',
    run(via, seed, mutate) {
      const s = new Script12({ via, seed });
      s.sendHello();
      const answer = s.send(mutate(s.secondFlight()));
      return { answer, leaks: s.dispose() };
    },
  },
];

describe.each(VIAS)('%s', (via: Via) => {
  for (const t of targets) {
    it(`RFC 8446 §6.2 / RFC 5246 §7.2.2: a mutated ${t.name} draws exactly one fatal alert or none, never an exception, and leaks nothing`, () => {
      let n = 0;
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
          const seed = `prop-${t.name}-${n++}`;
          let result: ReturnType<Target['run']>;
          try {
            result = t.run(via, seed, (b) => muts.reduce(apply, b));
          } catch (e) {
            throw new Error(`threw: ${(e as Error).stack}`);
          }
          expect(acceptable(result.answer), verdict(result.answer)).toBe(true);
          expect(result.leaks).toEqual([]);
        }),
        { numRuns: 120, seed: 14 },
      );
    });
  }
});
