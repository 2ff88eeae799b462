/**
 * The default server ticket format: the resumption state sealed with AES-256-GCM under a
 * 32-byte ticket key (RFC 5077 §4's recommended construction, minus the key name). Layout:
 * nonce(12) || AEAD(state) where state = version(1) suite(2) psk<1> ageAdd(4) issuedAt(8)
 * lifetime(4) serverName<2> alpn<1>.
 */
import type { CryptoProvider } from '../crypto/types.js';
import { CIPHER_SUITES, type CipherSuiteName, cipherSuiteByCode } from './codec/constants.js';
import { Reader, encodeWith } from './codec/reader.js';
import type { ResumptionState, TicketSealer } from './config.js';
import { fromUtf8, utf8 } from './util.js';

const FORMAT_VERSION = 1;
const AAD = utf8('cesim tls13 ticket');

/** Builds the default sealer over `key` (32 bytes). */
export function createTicketSealer(crypto: CryptoProvider, key: Uint8Array): TicketSealer {
  if (key.length !== 32) throw new RangeError('ticket key must be 32 bytes');
  const aead = crypto.aead('aes256gcm', key);
  return {
    seal(s: ResumptionState): Uint8Array {
      const plain = encodeWith((w) => {
        w.u8(FORMAT_VERSION).u16(CIPHER_SUITES[s.cipherSuite].code).vec8(s.psk).u32(s.ageAdd >>> 0);
        w.u32(Math.floor(s.issuedAtMs / 2 ** 32)).u32(s.issuedAtMs >>> 0).u32(s.lifetimeSeconds);
        w.vec16(utf8(s.serverName ?? '')).vec8(utf8(s.alpn ?? ''));
      });
      const nonce = crypto.random(12);
      const sealed = aead.seal(nonce, AAD, plain);
      plain.fill(0);
      const out = new Uint8Array(12 + sealed.length);
      out.set(nonce, 0);
      out.set(sealed, 12);
      return out;
    },
    open(ticket: Uint8Array): ResumptionState | null {
      if (ticket.length < 12 + 16) return null;
      const plain = aead.open(ticket.subarray(0, 12), AAD, ticket.subarray(12));
      if (plain === null) return null;
      try {
        const r = new Reader(plain);
        if (r.u8() !== FORMAT_VERSION) return null;
        const suite = cipherSuiteByCode(r.u16());
        if (suite === undefined) return null;
        const psk = r.vec8().slice();
        const ageAdd = r.u32();
        const issuedAtMs = r.u32() * 2 ** 32 + r.u32();
        const lifetimeSeconds = r.u32();
        const serverName = fromUtf8(r.vec16());
        const alpn = fromUtf8(r.vec8());
        r.end();
        const state: ResumptionState = { cipherSuite: suite.name as CipherSuiteName, psk, ageAdd, issuedAtMs, lifetimeSeconds };
        if (serverName) state.serverName = serverName;
        if (alpn) state.alpn = alpn;
        return state;
      } catch {
        return null;
      } finally {
        plain.fill(0);
      }
    },
  };
}
