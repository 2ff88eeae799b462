/**
 * Conformance: the client Finished (RFC 8446 §4.4.4), KeyUpdate (§4.6.3), NewSessionTicket
 * (§4.6.1) and PSK resumption with its binders (§4.2.9, §4.2.11), through the engine and
 * through SSPI as `cesim serve` drives it.
 */
import { describe, expect, it } from 'vitest';
import {
  CT, EXT, HS, SUITE, Script, type ScriptOptions, VIAS, type Via, alert, cat, ext, handshake, serverConfig, vec16, vec8, verdict,
} from './script.js';
import { SspiServerHost } from './ports.js';
import type { TlsServerConfig } from '../../../schannel/tls/index.js';

/** A completed connection. */
function established(via: Via, opts: ScriptOptions = {}): Script {
  const s = new Script({ via, seed: 'post', ...opts });
  s.complete13();
  expect(s.complete).toBe(true);
  return s;
}

/**
 * A server both connections of a resumption test reach: one engine configuration (one ticket
 * key) or one device credential. `next()` opens a connection on it; `end()` checks for leaks.
 */
function resumptionServer(via: Via): { next: (seed: string) => Script; end: () => string[] } {
  if (via === 'engine') {
    const config: TlsServerConfig = serverConfig();
    return { next: (seed) => new Script({ via, config, seed }), end: () => [] };
  }
  const host = new SspiServerHost('resumption');
  return { next: (seed) => new Script({ via, host, seed }), end: () => host.release() };
}

describe.each(VIAS)('%s', (via: Via) => {
  describe('RFC 8446 §4.4.4: the client Finished', () => {
    it('§4.4.4: the Finished with any one of its 256 verify_data bits flipped → decrypt_error', () => {
      const wrong: string[] = [];
      for (let bit = 0; bit < 256; bit++) {
        const s = new Script({ via, seed: `fin-${bit}` });
        s.sendHello();
        const fin = s.finishedMessage();
        fin[4 + (bit >> 3)]! ^= 0x80 >> (bit & 7);
        const v = verdict(s.sendFinished(fin));
        if (v !== alert('decrypt_error')) wrong.push(`bit ${bit}: ${v}`);
        const left = s.dispose();
        if (left.length > 0) wrong.push(`bit ${bit}: leaked ${left.join(', ')}`);
      }
      expect(wrong).toEqual([]);
    });
    it('§4.4.4: with TLS_AES_256_GCM_SHA384 the 48-byte Finished verifies; a flipped last bit → decrypt_error', () => {
      const ok = new Script({ via });
      ok.complete13(ok.hello({ cipherSuites: [SUITE.TLS_AES_256_GCM_SHA384] }));
      expect(ok.complete).toBe(true);
      expect(ok.dispose()).toEqual([]);
      const s = new Script({ via });
      s.sendHello(s.hello({ cipherSuites: [SUITE.TLS_AES_256_GCM_SHA384] }));
      const fin = s.finishedMessage();
      expect(fin.length).toBe(4 + 48);
      fin[fin.length - 1]! ^= 1;
      expect(verdict(s.sendFinished(fin))).toBe(alert('decrypt_error'));
      expect(s.dispose()).toEqual([]);
    });
    it('§4.4.4: a Finished computed over the wrong transcript (the server’s key) → decrypt_error', () => {
      const s = new Script({ via });
      s.sendHello();
      const fk = s.serverHs!.finishedKey();
      const fin = handshake(HS.finished, fk.verifyData(s.hash()));
      expect(verdict(s.sendFinished(fin))).toBe(alert('decrypt_error'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.2: the Finished protected under the wrong keys (the server’s handshake keys) → bad_record_mac', () => {
      const s = new Script({ via });
      s.sendHello();
      s.record.installWriteKeys(s.suite, s.serverHs!);
      expect(verdict(s.send(s.seal(CT.handshake, s.finishedMessage())))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
    it('§4.4.4: a second Finished after the handshake → unexpected_message', () => {
      const s = established(via);
      expect(verdict(s.send(s.seal(CT.handshake, handshake(HS.finished, new Uint8Array(32)))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§4.4.2: a client Certificate when none was requested → unexpected_message', () => {
      const s = new Script({ via });
      s.sendHello();
      expect(verdict(s.send(s.seal(CT.handshake, handshake(HS.certificate, Uint8Array.of(0, 0, 0, 0)))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§4.5: EndOfEarlyData when early data was not accepted → unexpected_message', () => {
      const s = new Script({ via });
      s.sendHello();
      expect(verdict(s.send(s.seal(CT.handshake, handshake(HS.end_of_early_data, new Uint8Array(0)))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 8446 §4.6.3: KeyUpdate', () => {
    it('§4.6.3: request_update = update_not_requested (0): the server updates its read keys and carries on', () => {
      const s = established(via);
      const a = s.sendKeyUpdate(0);
      expect(verdict(a)).toBe('carries on');
      expect(a.records).toEqual([]);
      const d = s.sendData(Uint8Array.of(1, 2, 3));
      expect(verdict(d)).toBe('carries on');
      expect(d.plaintext.filter((p) => p.length > 0)).toEqual([Uint8Array.of(1, 2, 3)]);
      expect(s.dispose()).toEqual([]);
    });
    it('§4.6.3: request_update = update_requested (1): the server answers with its own KeyUpdate(update_not_requested) and carries on', () => {
      const s = established(via);
      const a = s.sendKeyUpdate(1);
      expect(verdict(a)).toBe('carries on');
      const kus = s.serverMessages.filter((m) => m[0] === HS.key_update);
      expect(kus.map((m) => [...m])).toEqual([[HS.key_update, 0, 0, 1, 0]]);
      const d = s.sendData(Uint8Array.of(4, 5));
      expect(verdict(d)).toBe('carries on');
      expect(d.plaintext.filter((p) => p.length > 0)).toEqual([Uint8Array.of(4, 5)]);
      if (s.engine) {
        // The server's next record is under its next secret, which the script switched to.
        const r = s.engine.seal(Uint8Array.of(9));
        expect(s.record.open(r.record).content).toEqual(Uint8Array.of(9));
      }
      expect(s.dispose()).toEqual([]);
    });
    for (const v of [2, 3, 127, 255]) {
      it(`§4.6.3: request_update = ${v} → illegal_parameter`, () => {
        const s = established(via);
        expect(verdict(s.sendKeyUpdate(v))).toBe(alert('illegal_parameter'));
        expect(s.dispose()).toEqual([]);
      });
    }
    for (const body of [new Uint8Array(0), Uint8Array.of(0, 0)]) {
      it(`§4.6.3 / §6: a KeyUpdate of ${body.length} bytes → decode_error`, () => {
        const s = established(via);
        expect(verdict(s.sendKeyUpdate(body))).toBe(alert('decode_error'));
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§4.6.3: a KeyUpdate before the client Finished (under handshake keys) → unexpected_message', () => {
      const s = new Script({ via });
      s.sendHello();
      expect(verdict(s.send(s.seal(CT.handshake, handshake(HS.key_update, Uint8Array.of(0)))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§4.6.3: a KeyUpdate before the client Finished with update_requested → unexpected_message', () => {
      const s = new Script({ via });
      s.sendHello();
      expect(verdict(s.send(s.seal(CT.handshake, handshake(HS.key_update, Uint8Array.of(1)))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§7.2: data under the old keys after a KeyUpdate → bad_record_mac', () => {
      const s = established(via);
      const old = s.clientApp!;
      s.sendKeyUpdate(0);
      s.record.installWriteKeys(s.suite, old);
      expect(verdict(s.sendData(Uint8Array.of(1)))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
    it('§4.6.3: 100 KeyUpdates in a row (half requesting an update) are all honoured', () => {
      const s = established(via);
      for (let i = 0; i < 100; i++) expect(verdict(s.sendKeyUpdate(i & 1))).toBe('carries on');
      expect(s.serverMessages.filter((m) => m[0] === HS.key_update).length).toBe(50);
      const d = s.sendData(Uint8Array.of(7));
      expect(d.plaintext.filter((p) => p.length > 0)).toEqual([Uint8Array.of(7)]);
      expect(s.dispose()).toEqual([]);
    });
    it('§5.1: a KeyUpdate split over two records is reassembled and honoured', () => {
      const s = established(via);
      const ku = handshake(HS.key_update, Uint8Array.of(0));
      const recs = cat(s.seal(CT.handshake, ku.subarray(0, 3)), s.seal(CT.handshake, ku.subarray(3)));
      s.clientApp = s.clientApp!.next();
      s.record.installWriteKeys(s.suite, s.clientApp);
      expect(verdict(s.send(recs))).toBe('carries on');
      expect(verdict(s.sendData(Uint8Array.of(1)))).toBe('carries on');
      expect(s.dispose()).toEqual([]);
    });
    it('§5.1: a KeyUpdate and application data in one handshake record (key change not on a record boundary) → unexpected_message', () => {
      const s = established(via);
      const two = cat(handshake(HS.key_update, Uint8Array.of(0)), handshake(HS.key_update, Uint8Array.of(0)));
      expect(verdict(s.send(s.seal(CT.handshake, two)))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 8446 §4.6.1: NewSessionTicket', () => {
    it('§4.6.1: the server issues its configured number of tickets after the client Finished (engine: 2, Schannel: 1), each ≤ 7 days, nonces distinct', () => {
      const s = established(via);
      expect(s.tickets.length).toBe(via === 'engine' ? 2 : 1);
      for (const t of s.tickets) {
        expect(t.lifetime).toBeGreaterThan(0);
        expect(t.lifetime).toBeLessThanOrEqual(604800);
        expect(t.ticket.length).toBeGreaterThan(0);
      }
      expect(new Set(s.tickets.map((t) => Buffer.from(t.nonce).toString('hex'))).size).toBe(s.tickets.length);
      expect(s.dispose()).toEqual([]);
    });
    it('§4.6.1: no tickets for a client without psk_key_exchange_modes (it could not use them)', () => {
      const s = new Script({ via });
      const ch = s.hello();
      s.complete13({ ...ch, extensions: ch.extensions!.filter((e) => e.type !== EXT.psk_key_exchange_modes) });
      expect(s.tickets).toEqual([]);
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 8446 §4.2.11: PSK resumption and binders', () => {
    /** A first connection: returns the server, its ticket and resumption secret. */
    function first() {
      const srv = resumptionServer(via);
      const a = srv.next('res-1');
      a.complete13();
      const ticket = a.tickets[0]!;
      const secret = a.resumption!;
      return { srv, a, ticket, secret };
    }

    it('§4.2.11: a valid ticket and binder resumes (pre_shared_key in the ServerHello, no Certificate)', () => {
      const { srv, a, ticket, secret } = first();
      const b = srv.next('res-2');
      const msg = b.resumptionHello(ticket, secret);
      expect(verdict(b.sendHello(msg))).toBe('carries on');
      expect(b.resumed).toBe(true);
      expect(b.serverMessages.some((m) => m[0] === HS.certificate)).toBe(false);
      expect(verdict(b.sendFinished())).toBe('carries on');
      expect(b.complete).toBe(true);
      expect(a.dispose()).toEqual([]);
      expect(b.dispose()).toEqual([]);
      expect(srv.end()).toEqual([]);
    });
    for (const [where, at] of [['first', 0], ['middle', 15], ['last', 31]] as const) {
      it(`§4.2.11.2: the binder with its ${where} byte altered → decrypt_error`, () => {
        const { srv, a, ticket, secret } = first();
        const b = srv.next('res-2');
        const msg = b.resumptionHello(ticket, secret, { mutateBinder: (x) => { x[at]! ^= 0x01; } });
        expect(verdict(b.sendHello(msg))).toBe(alert('decrypt_error'));
        expect(a.dispose()).toEqual([]);
        expect(b.dispose()).toEqual([]);
        expect(srv.end()).toEqual([]);
      });
    }
    for (const [len, want] of [[31, 'decode_error'], [48, 'decrypt_error']] as const) {
      it(`§4.2.11.2: a binder of ${len} bytes for the SHA-256 ticket → ${want}${len < 32 ? ' (PskBinderEntry<32..255>)' : ' (does not verify)'}`, () => {
        const { srv, a, ticket } = first();
        const b = srv.next('res-2');
        const ch = b.hello();
        const identity = cat(vec16(ticket.ticket), Uint8Array.of(0, 0, 0, 0));
        const psk = { type: EXT.pre_shared_key, data: cat(vec16(identity), vec16(vec8(new Uint8Array(len).fill(1)))) };
        expect(verdict(b.sendHello({ ...ch, extensions: [...ch.extensions!, psk] }))).toBe(alert(want));
        expect(a.dispose()).toEqual([]);
        expect(b.dispose()).toEqual([]);
        expect(srv.end()).toEqual([]);
      });
    }
    it('§4.2.11: more binders than identities → illegal_parameter', () => {
      const { srv, a, ticket } = first();
      const b = srv.next('res-2');
      const ch = b.hello();
      const identity = cat(vec16(ticket.ticket), Uint8Array.of(0, 0, 0, 0));
      const psk = { type: EXT.pre_shared_key, data: cat(vec16(identity), vec16(cat(vec8(new Uint8Array(32)), vec8(new Uint8Array(32))))) };
      expect(verdict(b.sendHello({ ...ch, extensions: [...ch.extensions!, psk] }))).toBe(alert('illegal_parameter'));
      expect(a.dispose()).toEqual([]);
      expect(b.dispose()).toEqual([]);
      expect(srv.end()).toEqual([]);
    });
    it('§4.2.11: pre_shared_key not the last extension → illegal_parameter', () => {
      const { srv, a, ticket } = first();
      const b = srv.next('res-2');
      const ch = b.hello();
      const identity = cat(vec16(ticket.ticket), Uint8Array.of(0, 0, 0, 0));
      const psk = { type: EXT.pre_shared_key, data: cat(vec16(identity), vec16(vec8(new Uint8Array(32)))) };
      expect(verdict(b.sendHello({ ...ch, extensions: [psk, ...ch.extensions!] }))).toBe(alert('illegal_parameter'));
      expect(a.dispose()).toEqual([]);
      expect(b.dispose()).toEqual([]);
      expect(srv.end()).toEqual([]);
    });
    it('§4.2.9: pre_shared_key without psk_key_exchange_modes → missing_extension', () => {
      const s = new Script({ via });
      const ch = s.hello();
      const psk = { type: EXT.pre_shared_key, data: cat(vec16(cat(vec16(Uint8Array.of(1, 2, 3)), Uint8Array.of(0, 0, 0, 0))), vec16(vec8(new Uint8Array(32)))) };
      const exts = [...ch.extensions!.filter((e) => e.type !== EXT.psk_key_exchange_modes), psk];
      expect(verdict(s.sendHello({ ...ch, extensions: exts }))).toBe(alert('missing_extension'));
      expect(s.dispose()).toEqual([]);
    });
    it('§4.2.11: an unknown ticket (with a binder that cannot verify) is ignored: a full handshake', () => {
      const s = new Script({ via });
      const ch = s.hello();
      const psk = { type: EXT.pre_shared_key, data: cat(vec16(cat(vec16(new Uint8Array(64).fill(0x42)), Uint8Array.of(0, 0, 0, 9))), vec16(vec8(new Uint8Array(32).fill(1)))) };
      s.complete13({ ...ch, extensions: [...ch.extensions!, psk] });
      expect(s.resumed).toBe(false);
      expect(s.complete).toBe(true);
      expect(s.dispose()).toEqual([]);
    });
    it('§4.2.9: psk_ke only (cesim resumes with psk_dhe_ke): the ticket is not used, a full handshake', () => {
      const { srv, a, ticket, secret } = first();
      const b = srv.next('res-2');
      const msg = b.resumptionHello(ticket, secret, { over: { extensions: b.hello().extensions!.map((e) => (e.type === EXT.psk_key_exchange_modes ? ext.pskModes([0]) : e)) } });
      expect(verdict(b.sendHello(msg))).toBe('carries on');
      expect(b.resumed).toBe(false);
      expect(verdict(b.sendFinished())).toBe('carries on');
      expect(a.dispose()).toEqual([]);
      expect(b.dispose()).toEqual([]);
      expect(srv.end()).toEqual([]);
    });
    it('§4.2.11: a ticket from a SHA-256 suite offered with only a SHA-384 suite is not used: a full handshake', () => {
      const { srv, a, ticket, secret } = first();
      const b = srv.next('res-2');
      const msg = b.resumptionHello(ticket, secret, { over: { cipherSuites: [SUITE.TLS_AES_256_GCM_SHA384] } });
      expect(verdict(b.sendHello(msg))).toBe('carries on');
      expect(b.resumed).toBe(false);
      expect(verdict(b.sendFinished())).toBe('carries on');
      expect(a.dispose()).toEqual([]);
      expect(b.dispose()).toEqual([]);
      expect(srv.end()).toEqual([]);
    });
    it('§4.2.11: psk_key_exchange_modes with unknown modes beside psk_dhe_ke still resumes', () => {
      const { srv, a, ticket, secret } = first();
      const b = srv.next('res-2');
      const msg = b.resumptionHello(ticket, secret, { over: { extensions: b.hello().extensions!.map((e) => (e.type === EXT.psk_key_exchange_modes ? ext.pskModes([7, 1, 200]) : e)) } });
      expect(verdict(b.sendHello(msg))).toBe('carries on');
      expect(b.resumed).toBe(true);
      expect(a.dispose()).toEqual([]);
      expect(b.dispose()).toEqual([]);
      expect(srv.end()).toEqual([]);
    });
  });
});
