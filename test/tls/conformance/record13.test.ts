/**
 * Conformance: the TLS 1.3 record layer of the server (RFC 8446 §5), driven by the scripted raw
 * client through both paths (the engine, and the Schannel context as `cesim serve` drives it).
 * Each rule is one test named by its section; expected alerts are the RFC's values.
 */
import { describe, expect, it } from 'vitest';
import {
  CCS_RECORD, CT, EXT, HS, Script, VIAS, type Via, alert, cat, ext, handshake, plainRecord, verdict,
} from './script.js';

const MAX = 1 << 14;

/** Splits a message into plaintext records of `size` bytes. */
function plainFragments(type: number, msg: Uint8Array, size: number, version = 0x0303): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < msg.length; at += size) out.push(plainRecord(type, msg.subarray(at, at + size), version));
  return out;
}

/** A ClientHello padded (RFC 7685 padding extension) so its handshake message is exactly `total` bytes. */
function paddedHello(s: Script, total: number): Uint8Array {
  const ch = s.hello();
  const base = s.helloMessage({ ...ch, extensions: [...ch.extensions!, ext.raw(EXT.padding)] }).length;
  return s.helloMessage({ ...ch, extensions: [...ch.extensions!, ext.raw(EXT.padding, new Uint8Array(total - base))] });
}

/** A completed connection (client Finished sent, server in traffic). */
function established(via: Via, seed = 'rec'): Script {
  const s = new Script({ via, seed });
  s.complete13();
  expect(s.complete).toBe(true);
  return s;
}

/**
 * A protected record built by hand under the client's current write keys (the record layer's
 * own seal refuses oversize records): inner plaintext = content || type || zeros.
 */
function sealRaw(s: Script, type: number, content: Uint8Array, padding: number, secret: { keys(k: number, iv: number): { key: Uint8Array; iv: Uint8Array } }): Uint8Array {
  const { key, iv } = secret.keys(s.suite.keyLength, s.suite.ivLength);
  const aead = s.clientEnv.crypto.aead(s.suite.aead, key);
  const seq = s.record.sequenceNumbers.write;
  const nonce = iv.slice();
  for (let i = 0; i < 8; i++) nonce[nonce.length - 1 - i]! ^= Number((seq >> BigInt(8 * i)) & 0xffn);
  const inner = cat(content, Uint8Array.of(type), new Uint8Array(padding));
  const len = inner.length + 16;
  const header = Uint8Array.of(CT.application_data, 3, 3, len >> 8, len & 0xff);
  return cat(header, aead.seal(nonce, header, inner));
}

describe.each(VIAS)('%s', (via: Via) => {
  describe('RFC 8446 §5.1: TLSPlaintext limits and fragments', () => {
    it('§5.1: a ClientHello record of exactly 2^14 bytes is accepted', () => {
      const s = new Script({ via });
      const msg = paddedHello(s, MAX);
      s.noteSent(msg);
      expect(verdict(s.send(plainRecord(CT.handshake, msg, 0x0301)))).toBe('carries on');
      expect(verdict(s.sendFinished())).toBe('carries on');
      expect(s.complete).toBe(true);
      expect(s.dispose()).toEqual([]);
    });
    it('§5.1: a plaintext record of 2^14 + 1 bytes → record_overflow', () => {
      const s = new Script({ via });
      const msg = paddedHello(s, MAX + 1);
      expect(verdict(s.send(plainRecord(CT.handshake, msg, 0x0301)))).toBe(alert('record_overflow'));
      expect(s.dispose()).toEqual([]);
    });
    if (via === 'engine') {
      it('§5.1: a ClientHello larger than one record (20000 bytes over two records) is reassembled and accepted', () => {
        const s = new Script({ via });
        const msg = paddedHello(s, 20000);
        s.noteSent(msg);
        expect(verdict(s.send(cat(...plainFragments(CT.handshake, msg, MAX))))).toBe('carries on');
        expect(verdict(s.sendFinished())).toBe('carries on');
        expect(s.dispose()).toEqual([]);
      });
    } else {
      // A handshake message that spans records is buffered in the device's io pool, whose largest
      // block (16,709 bytes, the profile's BearSSL-sized input buffer) bounds it: beyond it the
      // device is out of memory, which it says with internal_error (RFC 8446 §6.2) and
      // SEC_E_INSUFFICIENT_MEMORY, never an exception, nothing leaked.
      it('§5.1 / §6.2: a 20000-byte ClientHello over two records exceeds the device io buffer → internal_error, SEC_E_INSUFFICIENT_MEMORY', () => {
        const s = new Script({ via });
        const msg = paddedHello(s, 20000);
        const a = s.send(cat(...plainFragments(CT.handshake, msg, MAX)));
        expect(verdict(a)).toBe(alert('internal_error'));
        expect(a.status).toBe('SEC_E_INSUFFICIENT_MEMORY');
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§5.1: a ClientHello in one-byte records is reassembled and accepted', () => {
      const s = new Script({ via });
      const msg = s.helloMessage(s.hello());
      s.noteSent(msg);
      expect(verdict(s.send(cat(...plainFragments(CT.handshake, msg, 1, 0x0301))))).toBe('carries on');
      expect(verdict(s.sendFinished())).toBe('carries on');
      expect(s.dispose()).toEqual([]);
    });
    it('§5.1: a ClientHello fed to the server one byte at a time is accepted', () => {
      const s = new Script({ via });
      const msg = s.helloMessage(s.hello());
      s.noteSent(msg);
      const rec = plainRecord(CT.handshake, msg, 0x0301);
      let last = s.send(rec.subarray(0, 1));
      for (let i = 1; i < rec.length; i++) {
        expect(last.failed).toBe(false);
        last = s.send(rec.subarray(i, i + 1));
      }
      expect(s.serverFinished).toBe(true);
      expect(verdict(s.sendFinished())).toBe('carries on');
      expect(s.dispose()).toEqual([]);
    });
    for (const v of [0x0300, 0x0301, 0x0302, 0x0303, 0x0304]) {
      it(`§5.1: legacy_record_version 0x${v.toString(16)} of the ClientHello record is ignored`, () => {
        const s = new Script({ via });
        s.sendHello(s.hello(), v);
        expect(verdict(s.sendFinished())).toBe('carries on');
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§5.1: a zero-length handshake record before the ClientHello → unexpected_message', () => {
      const s = new Script({ via });
      expect(verdict(s.send(plainRecord(CT.handshake, new Uint8Array(0), 0x0301)))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.1: a zero-length handshake record between ClientHello fragments → unexpected_message', () => {
      const s = new Script({ via });
      const msg = s.helloMessage(s.hello());
      const rec = cat(plainRecord(CT.handshake, msg.subarray(0, 50)), plainRecord(CT.handshake, new Uint8Array(0)), plainRecord(CT.handshake, msg.subarray(50)));
      expect(verdict(s.send(rec))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.1 / §6: a zero-length alert record → unexpected_message', () => {
      const s = new Script({ via });
      expect(verdict(s.send(plainRecord(CT.alert, new Uint8Array(0))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5: a zero-length change_cipher_spec record → unexpected_message', () => {
      const s = new Script({ via });
      s.sendHello();
      expect(verdict(s.send(plainRecord(CT.change_cipher_spec, new Uint8Array(0))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5: application_data (even empty) before the handshake → unexpected_message', () => {
      const s = new Script({ via: 'engine' });
      expect(verdict(s.send(plainRecord(CT.application_data, new Uint8Array(0))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    for (const len of [1, 3]) {
      it(`§6: a plaintext alert of ${len} byte(s) → decode_error`, () => {
        const s = new Script({ via });
        expect(verdict(s.send(plainRecord(CT.alert, new Uint8Array(len).fill(2))))).toBe(alert('decode_error'));
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§5.1: a ClientHello fragment, then an alert, then the rest → unexpected_message (no interleaving)', () => {
      const s = new Script({ via });
      const msg = s.helloMessage(s.hello());
      const rec = cat(plainRecord(CT.handshake, msg.subarray(0, 40)), plainRecord(CT.alert, Uint8Array.of(1, 90)), plainRecord(CT.handshake, msg.subarray(40)));
      expect(verdict(s.send(rec))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5 / §5.1: a ClientHello fragment, then change_cipher_spec, then the rest → unexpected_message', () => {
      const s = new Script({ via });
      const msg = s.helloMessage(s.hello());
      const rec = cat(plainRecord(CT.handshake, msg.subarray(0, 40)), CCS_RECORD, plainRecord(CT.handshake, msg.subarray(40)));
      expect(verdict(s.send(rec))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.1: ClientHello and more handshake bytes in the same record (before the key change) → unexpected_message', () => {
      const s = new Script({ via });
      const msg = s.helloMessage(s.hello());
      const rec = plainRecord(CT.handshake, cat(msg, handshake(HS.finished, new Uint8Array(32))));
      expect(verdict(s.send(rec))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 8446 §5: unknown and misplaced record types', () => {
    for (const t of [0, 19, 24, 255]) {
      it(`§5: a record of unknown type ${t} after the handshake → unexpected_message`, () => {
        const s = established(via);
        expect(verdict(s.send(plainRecord(t, Uint8Array.of(1, 2, 3))))).toBe(alert('unexpected_message'));
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§5: a first record of unknown type → unexpected_message (engine; through SSPI, bytes that are not a record are SEC_E_INVALID_TOKEN with no token, reference checks 38–39)', () => {
      const s = new Script({ via });
      const a = s.send(plainRecord(24, Uint8Array.of(1, 2, 3)));
      if (via === 'engine') expect(verdict(a)).toBe(alert('unexpected_message'));
      else {
        expect(a.status).toBe('SEC_E_INVALID_TOKEN');
        expect(a.output.length).toBe(0);
      }
      expect(s.dispose()).toEqual([]);
    });
    for (const t of [0x00, 0x18, 0xff]) {
      it(`§5.4: a protected record whose inner content type is ${t} → unexpected_message`, () => {
        const s = established(via);
        expect(verdict(s.send(s.seal(t, Uint8Array.of(1, 2, 3))))).toBe(alert('unexpected_message'));
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§5.4: a protected record of zeros only (no content type) → unexpected_message', () => {
      const s = established(via);
      expect(verdict(s.send(sealRaw(s, 0, new Uint8Array(0), 20, s.clientApp!)))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5: a plaintext handshake record after the handshake keys (plaintext Finished) → unexpected_message', () => {
      const s = new Script({ via });
      s.sendHello();
      expect(verdict(s.send(plainRecord(CT.handshake, s.finishedMessage())))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5: application data under the handshake keys before the client Finished → unexpected_message', () => {
      const s = new Script({ via });
      s.sendHello();
      expect(verdict(s.send(s.seal(CT.application_data, Uint8Array.of(1))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.2: a protected record whose header version is altered (0x0301) fails authentication → bad_record_mac', () => {
      const s = established(via);
      const rec = s.seal(CT.application_data, Uint8Array.of(1, 2, 3)).slice();
      rec[2] = 0x01;
      expect(verdict(s.send(rec))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.2: a protected record with one ciphertext bit flipped → bad_record_mac', () => {
      const s = established(via);
      const rec = s.seal(CT.application_data, Uint8Array.of(1, 2, 3)).slice();
      rec[6]! ^= 0x40;
      expect(verdict(s.send(rec))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.2: a protected record shorter than the tag → bad_record_mac', () => {
      const s = established(via);
      expect(verdict(s.send(plainRecord(CT.application_data, new Uint8Array(15).fill(1))))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 8446 §5.2 / §5.4: TLSCiphertext limits and padding', () => {
    it('§5.4: application data of 2^14 bytes (inner plaintext 2^14 + 1) is accepted', () => {
      const s = established(via);
      const a = s.sendData(new Uint8Array(MAX).fill(0x61));
      expect(verdict(a)).toBe('carries on');
      expect(a.plaintext.reduce((n, p) => n + p.length, 0)).toBe(MAX);
      expect(s.dispose()).toEqual([]);
    });
    it('§5.4: application data of 2^14 + 1 bytes → record_overflow', () => {
      const s = established(via);
      expect(verdict(s.send(sealRaw(s, CT.application_data, new Uint8Array(MAX + 1), 0, s.clientApp!)))).toBe(alert('record_overflow'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.4: padding up to the limit (1 byte of data, type, 2^14 − 1 zeros) is accepted and removed', () => {
      const s = established(via);
      const a = s.sendData(Uint8Array.of(0x5a), MAX - 1);
      expect(verdict(a)).toBe('carries on');
      expect(a.plaintext).toEqual([Uint8Array.of(0x5a)]);
      expect(s.dispose()).toEqual([]);
    });
    it('§5.4: padding one byte past the limit (inner plaintext 2^14 + 2) → record_overflow', () => {
      const s = established(via);
      expect(verdict(s.send(sealRaw(s, CT.application_data, Uint8Array.of(0x5a), MAX, s.clientApp!)))).toBe(alert('record_overflow'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.2: an authentic record of 2^14 + 256 bytes of ciphertext (inner plaintext too long) → record_overflow', () => {
      const s = established(via);
      expect(verdict(s.send(sealRaw(s, CT.application_data, new Uint8Array(MAX + 256 - 16 - 1), 0, s.clientApp!)))).toBe(alert('record_overflow'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.2: a record header announcing 2^14 + 257 bytes → record_overflow', () => {
      const s = established(via);
      expect(verdict(s.send(plainRecord(CT.application_data, new Uint8Array(MAX + 257))))).toBe(alert('record_overflow'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.2: 2^14 + 256 bytes of garbage ciphertext (length allowed) → bad_record_mac', () => {
      const s = established(via);
      expect(verdict(s.send(plainRecord(CT.application_data, new Uint8Array(MAX + 256).fill(7))))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.1: zero-length application data is allowed after the handshake, and the connection carries on', () => {
      const s = established(via);
      expect(verdict(s.sendData(new Uint8Array(0)))).toBe('carries on');
      expect(verdict(s.sendData(new Uint8Array(0), 100))).toBe('carries on');
      const a = s.sendData(Uint8Array.of(1, 2, 3));
      expect(verdict(a)).toBe('carries on');
      expect(a.plaintext.filter((p) => p.length > 0)).toEqual([Uint8Array.of(1, 2, 3)]);
      expect(s.dispose()).toEqual([]);
    });
    it('§5.4: a zero-length protected handshake record (padding only) → unexpected_message', () => {
      const s = established(via);
      expect(verdict(s.send(s.seal(CT.handshake, new Uint8Array(0), 10)))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.4: a zero-length protected alert record → unexpected_message', () => {
      const s = established(via);
      expect(verdict(s.send(s.seal(CT.alert, new Uint8Array(0))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.4: a zero-length protected handshake record during the handshake → unexpected_message', () => {
      const s = new Script({ via });
      s.sendHello();
      expect(verdict(s.send(s.seal(CT.handshake, new Uint8Array(0))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    for (const len of [1, 3]) {
      it(`§6: a protected alert of ${len} byte(s) → decode_error`, () => {
        const s = established(via);
        expect(verdict(s.send(s.seal(CT.alert, new Uint8Array(len).fill(1))))).toBe(alert('decode_error'));
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§5.4: the client Finished with maximal padding is accepted', () => {
      const s = new Script({ via });
      s.sendHello();
      const fin = s.finishedMessage();
      const rec = s.seal(CT.handshake, fin, MAX - fin.length);
      s.afterFinished(fin);
      expect(verdict(s.send(rec))).toBe('carries on');
      expect(s.complete).toBe(true);
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 8446 §5.1: protected handshake fragments', () => {
    it('§5.1: the client Finished split over 1-byte protected records is accepted', () => {
      const s = new Script({ via });
      s.sendHello();
      const fin = s.finishedMessage();
      const recs: Uint8Array[] = [];
      for (let i = 0; i < fin.length; i++) recs.push(s.seal(CT.handshake, fin.subarray(i, i + 1)));
      s.afterFinished(fin);
      expect(verdict(s.send(cat(...recs)))).toBe('carries on');
      expect(s.complete).toBe(true);
      expect(s.dispose()).toEqual([]);
    });
    it('§5.1: a protected alert between two fragments of the Finished → unexpected_message', () => {
      const s = new Script({ via });
      s.sendHello();
      const fin = s.finishedMessage();
      const rec = cat(s.seal(CT.handshake, fin.subarray(0, 10)), s.seal(CT.alert, Uint8Array.of(1, 90)), s.seal(CT.handshake, fin.subarray(10)));
      expect(verdict(s.send(rec))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.1: a change_cipher_spec between two fragments of the Finished → unexpected_message', () => {
      const s = new Script({ via });
      s.sendHello();
      const fin = s.finishedMessage();
      const rec = cat(s.seal(CT.handshake, fin.subarray(0, 10)), CCS_RECORD, s.seal(CT.handshake, fin.subarray(10)));
      expect(verdict(s.send(rec))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.1: the client Finished followed by more handshake data in the same record (key change) → unexpected_message', () => {
      const s = new Script({ via });
      s.sendHello();
      const fin = s.finishedMessage();
      expect(verdict(s.send(s.seal(CT.handshake, cat(fin, handshake(HS.key_update, Uint8Array.of(0))))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5.1: a KeyUpdate fragment, then application data → unexpected_message', () => {
      const s = established(via);
      const ku = handshake(HS.key_update, Uint8Array.of(0));
      expect(verdict(s.send(cat(s.seal(CT.handshake, ku.subarray(0, 2)), s.seal(CT.application_data, Uint8Array.of(1)))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 8446 §5 / §D.4: change_cipher_spec', () => {
    it('§D.4: the client’s compatibility change_cipher_spec before its Finished is dropped', () => {
      const s = new Script({ via });
      s.sendHello();
      expect(verdict(s.send(CCS_RECORD))).toBe('carries on');
      expect(verdict(s.sendFinished())).toBe('carries on');
      expect(s.complete).toBe(true);
      expect(s.dispose()).toEqual([]);
    });
    it('§5: two change_cipher_spec records in the allowed window are both dropped', () => {
      const s = new Script({ via });
      s.sendHello();
      expect(verdict(s.send(cat(CCS_RECORD, CCS_RECORD)))).toBe('carries on');
      expect(verdict(s.sendFinished())).toBe('carries on');
      expect(s.dispose()).toEqual([]);
    });
    it('§5: change_cipher_spec before the ClientHello → unexpected_message', () => {
      const s = new Script({ via });
      expect(verdict(s.send(CCS_RECORD))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    for (const body of [Uint8Array.of(2), Uint8Array.of(0), Uint8Array.of(1, 1)]) {
      it(`§5: change_cipher_spec of [${[...body].join(',')}] (not the single byte 0x01) → unexpected_message`, () => {
        const s = new Script({ via });
        s.sendHello();
        expect(verdict(s.send(plainRecord(CT.change_cipher_spec, body)))).toBe(alert('unexpected_message'));
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§5: a protected change_cipher_spec (inner type 20) → unexpected_message', () => {
      const s = new Script({ via });
      s.sendHello();
      expect(verdict(s.send(s.seal(CT.change_cipher_spec, Uint8Array.of(1))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§5: change_cipher_spec after the client Finished → unexpected_message', () => {
      const s = established(via);
      expect(verdict(s.send(CCS_RECORD))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§D.4: the server sends one change_cipher_spec right after its ServerHello when the client sent a legacy_session_id', () => {
      const s = new Script({ via });
      const a = s.sendHello();
      expect(a.records[0]!.type).toBe(CT.handshake);
      expect(a.records[1]).toEqual({ type: CT.change_cipher_spec, content: Uint8Array.of(1) });
      expect(a.records.filter((r) => r.type === CT.change_cipher_spec).length).toBe(1);
      expect(s.dispose()).toEqual([]);
    });
    it('§D.4: no change_cipher_spec from the server when the legacy_session_id is empty', () => {
      const s = new Script({ via });
      const a = s.sendHello(s.hello({ legacySessionId: new Uint8Array(0) }));
      expect(a.records.filter((r) => r.type === CT.change_cipher_spec)).toEqual([]);
      expect(verdict(s.sendFinished())).toBe('carries on');
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 8446 §6: alerts', () => {
    it('§6.1: close_notify from the client is a clean close (no alert in answer is required)', () => {
      const s = established(via);
      const a = s.send(s.seal(CT.alert, Uint8Array.of(1, 0)));
      expect(a.failed).toBe(false);
      expect(a.alerts.every(([, d]) => d === 0)).toBe(true);
      expect(s.dispose()).toEqual([]);
    });
    it('§6.2: a fatal alert from the client ends the connection without an answer', () => {
      const s = established(via);
      const a = s.send(s.seal(CT.alert, Uint8Array.of(2, 40)));
      expect(a.failed).toBe(true);
      expect(a.alerts).toEqual([]);
      expect(s.dispose()).toEqual([]);
    });
    it('§6: an unknown alert description (warning level) is treated as fatal; the server does not go on', () => {
      const s = established(via);
      const a = s.send(s.seal(CT.alert, Uint8Array.of(1, 200)));
      expect(a.failed).toBe(true);
      expect(s.dispose()).toEqual([]);
    });
  });
});
