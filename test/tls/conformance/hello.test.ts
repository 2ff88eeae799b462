/**
 * Conformance: the server's answers to ClientHellos (RFC 8446 §4.1.2, §4.2, §D.5), driven by the
 * scripted raw client. Expected alerts are the RFC's values (script.ts `ALERT`).
 */
import { describe, expect, it } from 'vitest';
import { ALERT, EXT, GROUP, HRR_RANDOM, HS, SIG, Script, VIAS, type Via, ext, fatalAlert } from './script.js';

/** The ServerHello's random in an answer (null when there is none). */
function serverRandom(s: Script): Uint8Array | null {
  const sh = s.serverMessages.find((m) => m[0] === HS.server_hello);
  return sh ? sh.subarray(6, 38) : null;
}
const isHrr = (s: Script): boolean => {
  const r = serverRandom(s);
  return r !== null && r.every((b, i) => b === HRR_RANDOM[i]);
};

describe.each(VIAS)('%s', (via: Via) => {
  describe('RFC 8446 §4.1.2 / §D.5: ClientHello.legacy_version', () => {
    for (const v of [0x0000, 0x0002, 0x0200, 0x0300, 0x0301, 0x0302]) {
      it(`legacy_version 0x${v.toString(16).padStart(4, '0')} with TLS 1.3 in supported_versions → protocol_version`, () => {
        const s = new Script({ via });
        const a = s.sendHello(s.hello({ legacyVersion: v }));
        expect(fatalAlert(a)).toBe(ALERT.protocol_version);
        expect(s.serverMessages).toEqual([]);
        expect(s.dispose()).toEqual([]);
      });
    }
    for (const v of [0x0303, 0x0304, 0x7f7f, 0xffff]) {
      it(`legacy_version 0x${v.toString(16)} with supported_versions: negotiated by supported_versions (§4.2.1), handshake completes`, () => {
        const s = new Script({ via });
        s.complete13(s.hello({ legacyVersion: v }));
        expect(s.complete).toBe(true);
        expect(s.dispose()).toEqual([]);
      });
    }
  });

  describe('RFC 8446 §4.1.1 / §4.2.3: signature_algorithms', () => {
    it('only unknown signature schemes → handshake_failure (no scheme in common, not a missing extension)', () => {
      const s = new Script({ via });
      const ch = s.hello();
      ch.extensions = ch.extensions!.map((e) => (e.type === EXT.signature_algorithms ? ext.signatureAlgorithms([0x0a0a, 0xfefe, 0x0101]) : e));
      expect(fatalAlert(s.sendHello(ch))).toBe(ALERT.handshake_failure);
      expect(s.dispose()).toEqual([]);
    });
    it('only schemes the certificate cannot sign with (RSA for an ECDSA key) → handshake_failure', () => {
      const s = new Script({ via });
      const ch = s.hello();
      ch.extensions = ch.extensions!.map((e) => (e.type === EXT.signature_algorithms ? ext.signatureAlgorithms([SIG.rsa_pss_rsae_sha256, SIG.rsa_pss_pss_sha256]) : e));
      expect(fatalAlert(s.sendHello(ch))).toBe(ALERT.handshake_failure);
      expect(s.dispose()).toEqual([]);
    });
    it('§9.2: no signature_algorithms at all for a certificate handshake → missing_extension', () => {
      const s = new Script({ via });
      const ch = s.hello();
      ch.extensions = ch.extensions!.filter((e) => e.type !== EXT.signature_algorithms);
      expect(fatalAlert(s.sendHello(ch))).toBe(ALERT.missing_extension);
      expect(s.dispose()).toEqual([]);
    });
    it('unknown schemes beside a usable one are ignored', () => {
      const s = new Script({ via });
      const ch = s.hello();
      ch.extensions = ch.extensions!.map((e) => (e.type === EXT.signature_algorithms ? ext.signatureAlgorithms([0x0a0a, 0xfefe, SIG.ecdsa_secp256r1_sha256]) : e));
      s.complete13(ch);
      expect(s.serverScheme).toBe(SIG.ecdsa_secp256r1_sha256);
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 8446 §4.4.4: Finished', () => {
    for (const len of [0, 1, 31, 33, 48, 64]) {
      it(`a client Finished of ${len} bytes (SHA-256 suite: 32) → decode_error`, () => {
        const s = new Script({ via });
        const a = s.sendHello();
        expect(a.failed).toBe(false);
        const bad = Uint8Array.from([HS.finished, 0, 0, len, ...new Uint8Array(len).fill(0x5a)]);
        expect(fatalAlert(s.sendFinished(bad))).toBe(ALERT.decode_error);
        expect(s.dispose()).toEqual([]);
      });
    }
    it('a client Finished of the right length but wrong value → decrypt_error', () => {
      const s = new Script({ via });
      s.sendHello();
      const good = s.finishedMessage();
      good[good.length - 1]! ^= 1;
      expect(fatalAlert(s.sendFinished(good))).toBe(ALERT.decrypt_error);
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 8446 §4.2.7 / §4.2.8: groups', () => {
    for (const g of ['x25519', 'secp256r1', 'secp384r1', 'secp521r1', 'x448'] as const) {
      it(`${g} (0x${GROUP[g].toString(16).padStart(4, '0')}): a key share for it completes the handshake on a default server`, () => {
        const s = new Script({ via, seed: `group-${g}`, group: g });
        const ch = s.hello();
        ch.extensions = ch.extensions!.map((e) => (e.type === EXT.supported_groups ? ext.supportedGroups([GROUP[g]]) : e));
        s.complete13(ch);
        expect(s.serverGroup).toBe(g);
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§4.1.4: a key share only for a group the server does not implement (ffdhe2048), with a supported group listed → HelloRetryRequest for it', () => {
      const s = new Script({ via });
      const ch = s.hello();
      ch.extensions = ch.extensions!.map((e) => {
        if (e.type === EXT.supported_groups) return ext.supportedGroups([GROUP.ffdhe2048, GROUP.secp384r1]);
        if (e.type === EXT.key_share) return ext.keyShare([{ group: GROUP.ffdhe2048, key: new Uint8Array(256).fill(3) }]);
        return e;
      });
      const a = s.sendHello(ch);
      expect(a.failed).toBe(false);
      expect(isHrr(s)).toBe(true);
      const hrr = s.serverMessages[0]!;
      // The HRR's key_share names secp384r1: extension 51, length 2, 0x0018.
      expect(Buffer.from(hrr).includes(Buffer.from([0x00, EXT.key_share, 0x00, 0x02, 0x00, GROUP.secp384r1]))).toBe(true);
      expect(s.dispose()).toEqual([]);
    });
    it('§4.2.7: only groups the server does not implement → handshake_failure', () => {
      const s = new Script({ via });
      const ch = s.hello();
      ch.extensions = ch.extensions!.map((e) => {
        if (e.type === EXT.supported_groups) return ext.supportedGroups([GROUP.ffdhe2048, 0x0101, 0xfafa]);
        if (e.type === EXT.key_share) return ext.keyShare([{ group: GROUP.ffdhe2048, key: new Uint8Array(256).fill(3) }]);
        return e;
      });
      expect(fatalAlert(s.sendHello(ch))).toBe(ALERT.handshake_failure);
      expect(s.dispose()).toEqual([]);
    });
  });
});
