/**
 * TLS 1.2 session tickets (RFC 5077): the session state sealed with AES-256-GCM under the
 * credential's 32-byte ticket key, with its own associated data so that a TLS 1.3 ticket
 * never opens as a TLS 1.2 one (RFC 5077 §4's recommended construction, minus the key name).
 * Layout: nonce(12) || AEAD(state) where state = version(1) suite(2) ems(1) master<1>
 * createdAt(8) lifetime(4) serverName<2> alpn<1>.
 */
import type { CryptoProvider } from '../../crypto/types.js';
import { Reader, encodeWith } from '../codec/reader.js';
import type { Tls12Session } from '../config.js';
import { fromUtf8, utf8 } from '../util.js';
import { tls12SuiteByCode, tls12Suite, type Tls12SuiteName } from './suites.js';

const FORMAT_VERSION = 1;
const AAD = utf8('cesim tls12 ticket');

/** Seals and opens TLS 1.2 session tickets. */
export interface Tls12TicketSealer {
  seal(s: Tls12Session): Uint8Array;
  /** Null for a ticket it did not issue or cannot open. */
  open(ticket: Uint8Array): Tls12Session | null;
}

/** Builds the sealer over `key` (32 bytes). */
export function createTls12TicketSealer(crypto: CryptoProvider, key: Uint8Array): Tls12TicketSealer {
  if (key.length !== 32) throw new RangeError('ticket key must be 32 bytes');
  const aead = crypto.aead('aes256gcm', key);
  return {
    seal(s) {
      const plain = encodeWith((w) => {
        w.u8(FORMAT_VERSION).u16(tls12Suite(s.suite as Tls12SuiteName).code).u8(s.extendedMasterSecret ? 1 : 0).vec8(s.masterSecret);
        w.u32(Math.floor(s.createdAtMs / 2 ** 32)).u32(s.createdAtMs >>> 0).u32(s.lifetimeSeconds);
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
    open(ticket) {
      if (ticket.length < 12 + 16) return null;
      const plain = aead.open(ticket.subarray(0, 12), AAD, ticket.subarray(12));
      if (plain === null) return null;
      try {
        const r = new Reader(plain);
        if (r.u8() !== FORMAT_VERSION) return null;
        const suite = tls12SuiteByCode(r.u16());
        if (suite === undefined) return null;
        const ems = r.u8() === 1;
        const masterSecret = r.vec8().slice();
        const createdAtMs = r.u32() * 2 ** 32 + r.u32();
        const lifetimeSeconds = r.u32();
        const serverName = fromUtf8(r.vec16());
        const alpn = fromUtf8(r.vec8());
        r.end();
        const s: Tls12Session = { sessionId: new Uint8Array(0), ticket: null, masterSecret, suite: suite.name, extendedMasterSecret: ems, lifetimeSeconds, createdAtMs };
        if (serverName) s.serverName = serverName;
        if (alpn) s.alpn = alpn;
        return s;
      } catch {
        return null;
      } finally {
        plain.fill(0);
      }
    },
  };
}
