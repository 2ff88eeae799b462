/**
 * Conformance: the TLS 1.2 record layer of the server (RFC 5246 §6.2), its CBC MAC and padding
 * checks without an oracle (RFC 5246 §6.2.3.2, RFC 7366), AES-GCM nonces (RFC 5288 §3), and
 * ECDHE premaster secrets with leading zeros (RFC 8422 §5.10, RFC 5246 §8.1.2), through the
 * TLS 1.2 engine and through SSPI as `cesim serve` drives it.
 */
import { describe, expect, it } from 'vitest';
import { CCS_RECORD, CT, EXT, GROUP, VIAS, type Via, alert, cat, plainRecord, u16list, verdict } from './script.js';
import { EXT12, SUITE12, Script12, withExt12 } from './script12.js';

const MAX = 1 << 14;

/** An established TLS 1.2 connection with the given suite (and encrypt_then_mac when asked). */
function established(via: Via, suite: number = SUITE12.ECDHE_ECDSA_AES_128_GCM_SHA256, opts: { etm?: boolean; seed?: string } = {}): Script12 {
  const s = new Script12({ via, seed: opts.seed ?? 'rec12' });
  let ch = s.hello({ cipherSuites: [suite] });
  if (opts.etm) ch = withExt12(ch, EXT12.encrypt_then_mac, new Uint8Array(0));
  s.complete12(ch);
  expect(s.complete).toBe(true);
  expect(s.etm).toBe(opts.etm === true);
  return s;
}

/** Valid padding for `n` bytes of content + MAC in 16-byte blocks, with `extra` more blocks of padding. */
function goodPadding(n: number, extraBlocks = 0): Uint8Array {
  const len = 16 - ((n + 1) % 16 === 0 ? 16 : (n + 1) % 16) + 16 * extraBlocks;
  return new Uint8Array(len + 1).fill(len % 256);
}

describe.each(VIAS)('%s', (via: Via) => {
  describe('RFC 5246 §6.2.1 / §6.2.3: record limits', () => {
    it('§6.2.1: a plaintext record of 2^14 + 1 bytes → record_overflow', () => {
      const s = new Script12({ via });
      const ch = withExt12(s.hello(), EXT.padding, new Uint8Array(MAX));
      const msg = s.helloMessage(ch);
      expect(verdict(s.send(plainRecord(CT.handshake, msg.subarray(0, MAX + 1))))).toBe(alert('record_overflow'));
      expect(s.dispose()).toEqual([]);
    });
    it('§6.2.3: application data of 2^14 bytes is accepted', () => {
      const s = established(via);
      const a = s.sendData(new Uint8Array(MAX).fill(1));
      expect(verdict(a)).toBe('carries on');
      expect(a.plaintext.reduce((n, p) => n + p.length, 0)).toBe(MAX);
      expect(s.dispose()).toEqual([]);
    });
    it('§6.2.3: an authentic GCM record of 2^14 + 1 bytes of plaintext → record_overflow', () => {
      const s = established(via);
      expect(verdict(s.send(s.gcmRecord(CT.application_data, new Uint8Array(MAX + 1), new Uint8Array(8))))).toBe(alert('record_overflow'));
      expect(s.dispose()).toEqual([]);
    });
    it('§6.2.3: a record header announcing 2^14 + 2049 bytes → record_overflow', () => {
      const s = established(via);
      expect(verdict(s.send(plainRecord(CT.application_data, new Uint8Array(MAX + 2049))))).toBe(alert('record_overflow'));
      expect(s.dispose()).toEqual([]);
    });
    it('§6.2.3: 2^14 + 2048 bytes of garbage ciphertext (length allowed) → bad_record_mac', () => {
      const s = established(via);
      expect(verdict(s.send(plainRecord(CT.application_data, new Uint8Array(MAX + 2048).fill(3))))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
    it('§6.2.1: zero-length application data after the handshake is accepted', () => {
      const s = established(via);
      expect(verdict(s.sendData(new Uint8Array(0)))).toBe('carries on');
      expect(verdict(s.sendData(Uint8Array.of(5)))).toBe('carries on');
      expect(s.dispose()).toEqual([]);
    });
    for (const [name, type] of [['handshake', CT.handshake], ['alert', CT.alert], ['change_cipher_spec', CT.change_cipher_spec]] as const) {
      it(`§6.2.1: a zero-length ${name} record before the ClientHello → unexpected_message`, () => {
        const s = new Script12({ via });
        const a = s.send(plainRecord(type, new Uint8Array(0)));
        expect(verdict(a)).toBe(alert('unexpected_message'));
        expect(s.dispose()).toEqual([]);
      });
      it(`§6.2.1: a zero-length protected ${name} record after the handshake → unexpected_message`, () => {
        const s = established(via);
        expect(verdict(s.send(s.seal(type, new Uint8Array(0))))).toBe(alert('unexpected_message'));
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§6.2.1: the ClientHello in one-byte records is accepted', () => {
      const s = new Script12({ via });
      const msg = s.helloMessage(s.hello());
      s.transcript.push(msg);
      const recs: Uint8Array[] = [];
      for (let i = 0; i < msg.length; i++) recs.push(plainRecord(CT.handshake, msg.subarray(i, i + 1)));
      expect(verdict(s.send(cat(...recs)))).toBe('carries on');
      expect(verdict(s.send(s.secondFlight()))).toBe('carries on');
      expect(s.complete).toBe(true);
      expect(s.dispose()).toEqual([]);
    });
    it('§6.2.1: a ClientHello fragment, an alert, then the rest → unexpected_message', () => {
      const s = new Script12({ via });
      const msg = s.helloMessage(s.hello());
      expect(verdict(s.send(cat(plainRecord(CT.handshake, msg.subarray(0, 30)), plainRecord(CT.alert, Uint8Array.of(1, 90)), plainRecord(CT.handshake, msg.subarray(30)))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    it('§6.2.1: a ClientHello fragment, a ChangeCipherSpec, then the rest → unexpected_message', () => {
      const s = new Script12({ via });
      const msg = s.helloMessage(s.hello());
      expect(verdict(s.send(cat(plainRecord(CT.handshake, msg.subarray(0, 30)), CCS_RECORD, plainRecord(CT.handshake, msg.subarray(30)))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    for (const t of [0, 24, 255]) {
      it(`§6: a record of unknown type ${t} after the handshake → unexpected_message`, () => {
        const s = established(via);
        expect(verdict(s.send(plainRecord(t, Uint8Array.of(1, 2, 3))))).toBe(alert('unexpected_message'));
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§6: a ChangeCipherSpec after the handshake → unexpected_message', () => {
      const s = established(via);
      expect(verdict(s.send(s.seal(CT.change_cipher_spec, Uint8Array.of(1))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    for (const len of [1, 3]) {
      it(`§7.2: a protected alert of ${len} byte(s) → decode_error`, () => {
        const s = established(via);
        expect(verdict(s.send(s.seal(CT.alert, new Uint8Array(len).fill(1))))).toBe(alert('decode_error'));
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§7.2.1: a warning alert after the handshake (user_canceled) is reported and the connection carries on', () => {
      const s = established(via);
      expect(verdict(s.send(s.seal(CT.alert, Uint8Array.of(1, 90))))).toBe('carries on');
      expect(verdict(s.sendData(Uint8Array.of(1)))).toBe('carries on');
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 5246 §6.2.3.2: CBC MAC-then-encrypt without a padding oracle', () => {
    const suite = SUITE12.ECDHE_ECDSA_AES_128_CBC_SHA;
    const content = new Uint8Array(20).fill(0x41);
    const macLen = 20;
    /** Each broken record must draw the same single alert; a good one is accepted. */
    const broken: [string, (s: Script12) => Uint8Array][] = [
      ['the MAC’s first bit flipped', (s) => s.cbcRecord(CT.application_data, content, goodPadding(content.length + macLen), { macFlip: 0 })],
      ['the MAC’s last bit flipped', (s) => s.cbcRecord(CT.application_data, content, goodPadding(content.length + macLen), { macFlip: macLen * 8 - 1 })],
      ['a padding byte wrong (first of the padding)', (s) => { const p = goodPadding(content.length + macLen, 1); p[0]! ^= 1; return s.cbcRecord(CT.application_data, content, p); }],
      ['a padding byte wrong (just before the length)', (s) => { const p = goodPadding(content.length + macLen, 1); p[p.length - 2]! ^= 1; return s.cbcRecord(CT.application_data, content, p); }],
      ['padding_length larger than the record', (s) => { const p = goodPadding(content.length + macLen); p.fill(200); return s.cbcRecord(CT.application_data, content, p); }],
      ['padding_length 255 in a short record', (s) => { const p = goodPadding(content.length + macLen); p[p.length - 1] = 255; return s.cbcRecord(CT.application_data, content, p); }],
      ['padding_length one too small (MAC misplaced)', (s) => { const p = goodPadding(content.length + macLen, 1); p.fill(p.length - 2); return s.cbcRecord(CT.application_data, content, p); }],
      ['padding_length one too large', (s) => { const p = goodPadding(content.length + macLen, 1); p.fill(p.length); return s.cbcRecord(CT.application_data, content, p); }],
      ['the IV altered (first plaintext block changes)', (s) => { const r = s.cbcRecord(CT.application_data, content, goodPadding(content.length + macLen)); r[5]! ^= 1; return r; }],
      ['the last ciphertext block altered', (s) => { const r = s.cbcRecord(CT.application_data, content, goodPadding(content.length + macLen)); r[r.length - 1]! ^= 1; return r; }],
      ['a ciphertext not a multiple of the block length', (s) => { const r = s.cbcRecord(CT.application_data, content, goodPadding(content.length + macLen)); return plainRecord(CT.application_data, r.subarray(5, r.length - 1)); }],
      ['a ciphertext of the IV only', () => plainRecord(CT.application_data, new Uint8Array(16))],
      ['a ciphertext of one block (no room for the MAC)', () => plainRecord(CT.application_data, new Uint8Array(32))],
      ['no content and a bad MAC', (s) => s.cbcRecord(CT.application_data, new Uint8Array(0), goodPadding(macLen), { macFlip: 5 })],
    ];
    for (const [name, make] of broken) {
      it(`§6.2.3.2: ${name} → bad_record_mac`, () => {
        const s = established(via, suite);
        const a = s.send(make(s));
        expect(verdict(a)).toBe(alert('bad_record_mac'));
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§6.2.3.2: every failure is answered with byte-for-byte the same alert record length and the same alert', () => {
      const seen = new Set<string>();
      for (const [, make] of broken) {
        const s = established(via, suite);
        const a = s.send(make(s));
        seen.add(`${a.output.length}:${verdict(a)}`);
        s.dispose();
      }
      expect([...seen]).toEqual([[...seen][0]]);
    });
    for (const extra of [0, 1, 15]) {
      it(`§6.2.3.2: valid padding of ${extra} extra block(s) is accepted and removed`, () => {
        const s = established(via, suite);
        const a = s.send(s.cbcRecord(CT.application_data, content, goodPadding(content.length + macLen, extra)));
        expect(verdict(a)).toBe('carries on');
        expect(a.plaintext).toEqual([content]);
        expect(s.dispose()).toEqual([]);
      });
    }
    if (via === 'engine') {
      it('§6.2.3.2 ("Lucky 13"): for records of one length the server hashes the same number of bytes whatever the padding length and whether it is valid', () => {
        // Six blocks of plaintext: content + 20-byte MAC + padding + padding_length = 96. The
        // rejected records all draw the same alert (whose sealing costs the same), so the work
        // of the rejected ones must be equal among them, as must that of the accepted ones.
        const cases: [string, number, number, 'good' | 'badPad' | 'badMac'][] = [
          ['ok', 64, 11, 'good'], ['ok', 16, 59, 'good'],
          ['bad', 64, 11, 'badMac'], ['bad', 16, 59, 'badMac'], ['bad', 16, 59, 'badPad'], ['bad', 70, 5, 'badPad'], ['bad', 0, 75, 'badMac'],
        ];
        const work = new Map<string, number[]>();
        for (const [group, c, padLen, how] of cases) {
          const s = established(via, suite, { seed: 'lucky' });
          const tally = s.serverEnv!.cost.tally;
          const before = new Map([...tally].map(([k, v]) => [k, v.bytes]));
          const pad = new Uint8Array(padLen + 1).fill(padLen);
          if (how === 'badPad') pad[0]! ^= 0x10;
          s.send(s.cbcRecord(CT.application_data, new Uint8Array(c).fill(0x41), pad, how === 'badMac' ? { macFlip: 9 } : {}));
          let hashed = 0;
          for (const [k, v] of tally) if (/sha|hmac|hash/i.test(k)) hashed += v.bytes - (before.get(k) ?? 0);
          work.set(group, [...(work.get(group) ?? []), hashed]);
          s.dispose();
        }
        expect(new Set(work.get('ok')).size, JSON.stringify([...work])).toBe(1);
        expect(new Set(work.get('bad')).size, JSON.stringify([...work])).toBe(1);
      });
    }
  });

  describe('RFC 7366: encrypt_then_mac', () => {
    const suite = SUITE12.ECDHE_ECDSA_AES_128_CBC_SHA;
    const content = new Uint8Array(20).fill(0x42);
    it('RFC 7366 §3: the server agrees to encrypt_then_mac for a CBC suite and accepts an ETM record', () => {
      const s = established(via, suite, { etm: true });
      const a = s.send(s.etmRecord(CT.application_data, content, goodPadding(content.length)));
      expect(verdict(a)).toBe('carries on');
      expect(a.plaintext).toEqual([content]);
      expect(s.dispose()).toEqual([]);
    });
    it('RFC 7366 §3: a bad MAC → bad_record_mac', () => {
      const s = established(via, suite, { etm: true });
      expect(verdict(s.send(s.etmRecord(CT.application_data, content, goodPadding(content.length), { macFlip: 3 })))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
    it('RFC 7366 §3: a good MAC over bad padding → bad_record_mac', () => {
      const s = established(via, suite, { etm: true });
      const p = goodPadding(content.length, 1);
      p[0]! ^= 1;
      expect(verdict(s.send(s.etmRecord(CT.application_data, content, p)))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
    it('RFC 7366 §3: an ETM record too short for IV, one block and the MAC → bad_record_mac', () => {
      const s = established(via, suite, { etm: true });
      expect(verdict(s.send(plainRecord(CT.application_data, new Uint8Array(16 + 20))))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
    it('RFC 7366 §2: encrypt_then_mac offered with only an AEAD suite is not echoed', () => {
      const s = new Script12({ via });
      s.sendHello(withExt12(s.hello(), EXT12.encrypt_then_mac, new Uint8Array(0)));
      expect(s.etm).toBe(false);
      expect(verdict(s.send(s.secondFlight()))).toBe('carries on');
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 5288 §3 / RFC 7905 §2: AEAD nonces', () => {
    it('RFC 5288 §3: an explicit nonce of the client’s choosing (not the sequence number) is accepted', () => {
      const s = established(via);
      const a = s.send(s.gcmRecord(CT.application_data, Uint8Array.of(1, 2, 3), Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4)));
      expect(verdict(a)).toBe('carries on');
      expect(a.plaintext).toEqual([Uint8Array.of(1, 2, 3)]);
      expect(s.dispose()).toEqual([]);
    });
    it('RFC 5288 §3: the explicit nonce altered after sealing → bad_record_mac', () => {
      const s = established(via);
      const r = s.gcmRecord(CT.application_data, Uint8Array.of(1), new Uint8Array(8));
      r[5]! ^= 1;
      expect(verdict(s.send(r))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
    it('RFC 5288 §3: the tag altered → bad_record_mac', () => {
      const s = established(via);
      const r = s.gcmRecord(CT.application_data, Uint8Array.of(1), new Uint8Array(8));
      r[r.length - 1]! ^= 1;
      expect(verdict(s.send(r))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
    it('RFC 5288 §3: a GCM record shorter than explicit nonce + tag → bad_record_mac', () => {
      const s = established(via);
      expect(verdict(s.send(plainRecord(CT.application_data, new Uint8Array(23))))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
    it('§6.2.3.3: a record replayed (same bytes, next sequence number) → bad_record_mac', () => {
      const s = established(via);
      const r = s.seal(CT.application_data, Uint8Array.of(1));
      expect(verdict(s.send(r))).toBe('carries on');
      expect(verdict(s.send(r))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
    it('RFC 5288 §3: the server’s explicit nonces are distinct across its records', () => {
      const s = established(via);
      const a = s.send(s.seal(CT.handshake, s.helloMessage(s.hello())));
      const fin = s.serverMessages.length;
      expect(fin).toBeGreaterThan(0);
      // The server's protected records so far: its Finished and the no_renegotiation warning.
      const nonces = new Set<string>();
      let at = 0;
      const out = cat(a.output);
      while (at + 5 <= out.length) {
        const len = (out[at + 3]! << 8) | out[at + 4]!;
        if (out[at] !== CT.change_cipher_spec) nonces.add(Buffer.from(out.subarray(at + 5, at + 13)).toString('hex'));
        at += 5 + len;
      }
      if (s.engine) for (let i = 0; i < 5; i++) nonces.add(Buffer.from(s.engine.seal(Uint8Array.of(i)).record.subarray(5, 13)).toString('hex'));
      expect(nonces.size).toBe(s.engine ? 6 : 1);
      expect(s.dispose()).toEqual([]);
    });
    it('RFC 7905 §2: ChaCha20-Poly1305 records carry no explicit nonce and a tampered one → bad_record_mac', () => {
      const s = established(via, SUITE12.ECDHE_ECDSA_CHACHA20_POLY1305);
      const r = s.seal(CT.application_data, Uint8Array.of(1, 2));
      expect(r.length).toBe(5 + 2 + 16);
      const bad = r.slice();
      bad[5]! ^= 1;
      expect(verdict(s.send(bad))).toBe(alert('bad_record_mac'));
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 8422 §5.10 / RFC 5246 §8.1.2: ECDHE premaster secrets with leading zeros', () => {
    // (secp256r1 is listed for the P-256 certificate, RFC 8422 §5.3; the server prefers x25519 for ECDHE.)
    for (const [name, groups] of [['x25519', [GROUP.x25519, GROUP.secp256r1]], ['secp256r1', [GROUP.secp256r1]]] as const) {
      it(`RFC 8422 §5.10: a ${name} shared secret starting with a zero byte is used in full (zeros kept) and the handshake completes`, () => {
        const s = new Script12({ via, seed: `lz-${name}` });
        s.sendHello(withExt12(s.hello(), EXT.supported_groups, u16list([...groups])));
        const cke = s.clientKeyExchange({ tries: 4000, pick: (pm) => pm[0] === 0 });
        expect(cke.premaster[0]).toBe(0);
        expect(cke.premaster.length).toBe(32);
        const a = s.send(s.secondFlight({ cke }));
        expect(verdict(a)).toBe('carries on');
        expect(s.serverFinished).toBe(true);
        expect(s.dispose()).toEqual([]);
      });
    }
  });
});
