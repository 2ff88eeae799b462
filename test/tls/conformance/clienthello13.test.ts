/**
 * Conformance: every field of a TLS 1.3 ClientHello truncated, fuzzed, shuffled, duplicated and
 * emptied, and what the server must answer (RFC 8446 §4.1.2, §4.2, §4.2.8, §9.2; RFC 6066 §3;
 * RFC 7301 §3.1), through the engine and through SSPI as `cesim serve` drives it.
 */
import { describe, expect, it } from 'vitest';
import {
  CCS_RECORD, CT, EXT, GROUP, HRR_RANDOM, HS, SIG, SUITE, Script, VIAS, type Via, alert, cat, ext, findExt, handshake,
  u16list, vec16, vec8, verdict,
} from './script.js';
import type { ClientHello } from '../../../schannel/tls/codec/handshake.js';
import type { Extension } from '../../../schannel/tls/codec/extensions.js';

/** The hello with extension `type` replaced by `data` (or removed when null). */
function withExt(ch: ClientHello, type: number, data: Uint8Array | null): ClientHello {
  const exts = ch.extensions!;
  const i = exts.findIndex((e) => e.type === type);
  const next = [...exts];
  if (data === null) next.splice(i, 1);
  else if (i < 0) next.push({ type, data });
  else next[i] = { type, data };
  return { ...ch, extensions: next };
}

/** Deterministic shuffle (xorshift). */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let x = seed || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const isHrr = (s: Script): boolean => s.serverMessages.some((m) => m[0] === HS.server_hello && m.subarray(6, 38).every((b, i) => b === HRR_RANDOM[i]));

/** The cookie of the HelloRetryRequest the server sent. */
function hrrCookie(s: Script): Uint8Array {
  const hrr = s.serverMessages.find((m) => m[0] === HS.server_hello)!;
  const body = hrr.subarray(4);
  const sid = body[34]!;
  return findExt(body.subarray(37 + sid + 1), EXT.cookie)!;
}

/** Offset of the extensions block in an encoded ClientHello body. */
function extensionsOffset(ch: ClientHello): number {
  return 2 + 32 + 1 + ch.legacySessionId.length + 2 + 2 * ch.cipherSuites.length + 1 + ch.legacyCompressionMethods.length;
}

/** Runs a hello and returns the verdict, checking nothing leaked. */
function answer(via: Via, make: (s: Script) => ClientHello | Uint8Array, seed = 'ch'): string {
  const s = new Script({ via, seed });
  const v = verdict(s.sendHello(make(s)));
  expect(s.dispose()).toEqual([]);
  return v;
}

/** Runs a hello and the client Finished; returns the Finished's verdict. */
function completes(via: Via, make: (s: Script) => ClientHello, seed = 'ch'): string {
  const s = new Script({ via, seed });
  const h = s.sendHello(make(s));
  const v = h.failed ? verdict(h) : verdict(s.sendFinished());
  const ok = v === 'carries on' && s.complete;
  expect(s.dispose()).toEqual([]);
  return ok ? 'completes' : v;
}

describe.each(VIAS)('%s', (via: Via) => {
  describe('RFC 8446 §4.1.2 / §6: ClientHello encoding', () => {
    it('§4.1.2: the ClientHello body truncated at every length (length field adjusted) → decode_error', () => {
      const s0 = new Script({ via: 'engine' });
      const ch = s0.hello();
      const full = s0.helloMessage(ch).subarray(4);
      s0.dispose();
      const noExtensions = extensionsOffset(ch);
      const wrong: string[] = [];
      for (let len = 0; len < full.length; len++) {
        const v = answer(via, () => handshake(HS.client_hello, full.subarray(0, len)));
        // Cut right before the extensions block, the hello is a well-formed pre-TLS 1.3 one with
        // only TLS 1.3 suites: protocol_version from a TLS 1.3-only server (RFC 8446 §4.2.1),
        // handshake_failure from the TLS 1.2 engine that takes it through SSPI (RFC 5246 §7.4.1.3).
        const want = len === noExtensions ? alert(via === 'engine' ? 'protocol_version' : 'handshake_failure') : alert('decode_error');
        if (v !== want) wrong.push(`${len}: ${v}`);
      }
      expect(wrong).toEqual([]);
    });
    it('§4.1.2: trailing bytes after the extensions block → decode_error', () => {
      expect(answer(via, (s) => {
        const m = s.helloMessage(s.hello());
        return handshake(HS.client_hello, cat(m.subarray(4), Uint8Array.of(0)));
      })).toBe(alert('decode_error'));
    });
    it('§4.2: an extension whose length runs past the extensions block → decode_error', () => {
      expect(answer(via, (s) => {
        const m = s.helloMessage(s.hello()).slice();
        const off = 4 + extensionsOffset(s.hello()) + 2; // first extension header
        m[off + 2] = 0xff;
        return m;
      })).toBe(alert('decode_error'));
    });
    it('§4.1.2: legacy_session_id longer than 32 bytes → decode_error', () => {
      expect(answer(via, (s) => s.hello({ legacySessionId: new Uint8Array(33) }))).toBe(alert('decode_error'));
    });
    for (const n of [0, 1, 31, 32]) {
      it(`§4.1.3: a legacy_session_id of ${n} bytes is echoed in the ServerHello`, () => {
        const s = new Script({ via });
        const sid = new Uint8Array(n).fill(0x3c);
        s.sendHello(s.hello({ legacySessionId: sid }));
        const sh = s.serverMessages[0]!.subarray(4);
        expect(sh[34]).toBe(n);
        expect(sh.subarray(35, 35 + n)).toEqual(sid);
        expect(verdict(s.sendFinished())).toBe('carries on');
        expect(s.dispose()).toEqual([]);
      });
    }
    it('§4.1.2: an odd-length cipher_suites vector → decode_error', () => {
      expect(answer(via, (s) => {
        const ch = s.hello();
        const m = s.helloMessage(ch).slice();
        const off = 4 + 2 + 32 + 1 + ch.legacySessionId.length;
        m[off + 1]! -= 1;
        return m;
      })).toBe(alert('decode_error'));
    });
    it('§4.1.2: an empty cipher_suites vector → decode_error', () => {
      expect(answer(via, (s) => s.hello({ cipherSuites: [] }))).toBe(alert('decode_error'));
    });
    it('§4.1.2: empty legacy_compression_methods → decode_error', () => {
      expect(answer(via, (s) => s.hello({ legacyCompressionMethods: new Uint8Array(0) }))).toBe(alert('decode_error'));
    });
    for (const cm of [[1], [0, 1], [1, 0], [0, 0]]) {
      it(`§4.1.2: legacy_compression_methods [${cm.join(',')}] (not exactly one null) → illegal_parameter`, () => {
        expect(answer(via, (s) => s.hello({ legacyCompressionMethods: Uint8Array.from(cm) }))).toBe(alert('illegal_parameter'));
      });
    }
    it('§4.1.2: a random of all zeros is accepted', () => {
      expect(completes(via, (s) => s.hello({ random: new Uint8Array(32) }))).toBe('completes');
    });
    it('§4: a ClientHello followed by a second ClientHello (not after HRR) → unexpected_message', () => {
      const s = new Script({ via });
      s.sendHello();
      expect(verdict(s.send(s.seal(CT.handshake, s.helloMessage(s.hello()))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
    for (const t of [HS.server_hello, HS.finished, HS.certificate, HS.key_update, 99]) {
      it(`§4: a handshake message of type ${t} instead of a ClientHello → unexpected_message`, () => {
        expect(answer(via, () => handshake(t, new Uint8Array(4)))).toBe(alert('unexpected_message'));
      });
    }
  });

  describe('RFC 8446 §4.2: extensions', () => {
    it('§4.2: extensions in 20 shuffled orders are all accepted', () => {
      const wrong: string[] = [];
      for (let i = 1; i <= 20; i++) {
        const v = completes(via, (s) => {
          const ch = s.hello();
          return { ...ch, extensions: shuffled(ch.extensions!, i * 7919) };
        }, `shuffle-${i}`);
        if (v !== 'completes') wrong.push(`${i}: ${v}`);
      }
      expect(wrong).toEqual([]);
    });
    for (const [name, type] of [['server_name', EXT.server_name], ['supported_groups', EXT.supported_groups], ['signature_algorithms', EXT.signature_algorithms],
      ['key_share', EXT.key_share], ['supported_versions', EXT.supported_versions], ['psk_key_exchange_modes', EXT.psk_key_exchange_modes]] as const) {
      it(`§4.2: ${name} twice → illegal_parameter`, () => {
        expect(answer(via, (s) => {
          const ch = s.hello();
          const e = ch.extensions!.find((x) => x.type === type)!;
          return { ...ch, extensions: [...ch.extensions!, e] };
        })).toBe(alert('illegal_parameter'));
      });
    }
    it('§4.2: an unknown extension type twice → illegal_parameter', () => {
      expect(answer(via, (s) => {
        const ch = s.hello();
        return { ...ch, extensions: [ext.raw(0x4444, Uint8Array.of(1)), ...ch.extensions!, ext.raw(0x4444, Uint8Array.of(2))] };
      })).toBe(alert('illegal_parameter'));
    });
    it('§4.2: 300 unknown extensions (types not assigned, 0–3 bytes each) are ignored and the handshake completes', () => {
      expect(completes(via, (s) => {
        const ch = s.hello();
        const junk: Extension[] = [];
        for (let i = 0; i < 300; i++) junk.push(ext.raw(0x7000 + i, new Uint8Array(i % 4).fill(i & 0xff)));
        return { ...ch, extensions: [...junk.slice(0, 150), ...ch.extensions!, ...junk.slice(150)] };
      })).toBe('completes');
    });
    it('§4.2: GREASE extensions (RFC 8701 values) are ignored', () => {
      expect(completes(via, (s) => {
        const ch = s.hello();
        return { ...ch, extensions: [ext.raw(0x0a0a), ...ch.extensions!, ext.raw(0xfafa, Uint8Array.of(0))] };
      })).toBe('completes');
    });
    it('RFC 7685: an empty padding extension and a large one are accepted', () => {
      expect(completes(via, (s) => withExt(s.hello(), EXT.padding, new Uint8Array(0)))).toBe('completes');
      expect(completes(via, (s) => withExt(s.hello(), EXT.padding, new Uint8Array(512)))).toBe('completes');
    });
    const emptyDecodeError: [string, number][] = [
      ['server_name (RFC 6066 §3: server_name_list<1..2^16-1>)', EXT.server_name],
      ['supported_groups (§4.2.7: named_group_list<2..2^16-1>)', EXT.supported_groups],
      ['signature_algorithms (§4.2.3: <2..2^16-2>)', EXT.signature_algorithms],
      ['signature_algorithms_cert (§4.2.3: <2..2^16-2>)', EXT.signature_algorithms_cert],
      ['key_share (§4.2.8: client_shares vector missing)', EXT.key_share],
      ['supported_versions (§4.2.1: versions<2..254>)', EXT.supported_versions],
      ['psk_key_exchange_modes (§4.2.9: ke_modes<1..255>)', EXT.psk_key_exchange_modes],
      ['application_layer_protocol_negotiation (RFC 7301 §3.1)', EXT.alpn],
      ['record_size_limit (RFC 8449 §4: uint16)', EXT.record_size_limit],
    ];
    for (const [name, type] of emptyDecodeError) {
      it(`§4.2: an empty ${name} → decode_error`, () => {
        expect(answer(via, (s) => withExt(s.hello(), type, new Uint8Array(0)))).toBe(alert('decode_error'));
      });
    }
    it('§4.2.3: signature_algorithms of odd length → decode_error', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.signature_algorithms, Uint8Array.of(0, 3, 4, 3, 8)))).toBe(alert('decode_error'));
    });
    it('§4.2.3: signature_algorithms whose inner length disagrees with the extension length → decode_error', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.signature_algorithms, Uint8Array.of(0, 4, 4, 3)))).toBe(alert('decode_error'));
    });
    it('§4.2.1: supported_versions of odd length → decode_error', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.supported_versions, Uint8Array.of(3, 3, 4, 3)))).toBe(alert('decode_error'));
    });
    it('RFC 6066 §3: a server_name with an empty HostName → decode_error', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.server_name, vec16(cat(Uint8Array.of(0), vec16(new Uint8Array(0))))))).toBe(alert('decode_error'));
    });
    it('RFC 7301 §3.1: an ALPN list with an empty protocol name → decode_error', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.alpn, vec16(cat(vec8(new TextEncoder().encode('h2')), Uint8Array.of(0)))))).toBe(alert('decode_error'));
    });
    it('RFC 7301 §3.1: an ALPN extension with an empty list → decode_error', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.alpn, Uint8Array.of(0, 0)))).toBe(alert('decode_error'));
    });
    it('RFC 8449 §4: record_size_limit of 63 → illegal_parameter', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.record_size_limit, Uint8Array.of(0, 63)))).toBe(alert('illegal_parameter'));
    });
    it('§4.2.10: early_data offered (not accepted) still completes with 1-RTT', () => {
      expect(completes(via, (s) => withExt(s.hello(), EXT.early_data, new Uint8Array(0)))).toBe('completes');
    });
  });

  describe('RFC 8446 §4.1.1 / §4.2.1 / §4.2.7: unknown values are ignored', () => {
    it('§4.1.2: unknown and TLS 1.2 cipher suites beside a TLS 1.3 one are ignored', () => {
      expect(completes(via, (s) => s.hello({ cipherSuites: [0x0a0a, 0xc02b, 0x00ff, 0xfefe, SUITE.TLS_AES_128_GCM_SHA256] }))).toBe('completes');
    });
    it('§4.1.1: only TLS 1.2 and unknown cipher suites with TLS 1.3 offered → handshake_failure', () => {
      expect(answer(via, (s) => s.hello({ cipherSuites: [0x0a0a, 0xc02b, 0xc02f] }))).toBe(alert('handshake_failure'));
    });
    it('§4.2.7: unknown groups beside x25519 are ignored', () => {
      expect(completes(via, (s) => withExt(s.hello(), EXT.supported_groups, u16list([0x0a0a, 0xfefe, 0x0105, GROUP.x25519])))).toBe('completes');
    });
    it('§4.2.8: a key share for an unknown group (listed) beside the x25519 share is ignored', () => {
      expect(completes(via, (s) => {
        const ch = withExt(s.hello(), EXT.supported_groups, u16list([0x0a0a, GROUP.x25519]));
        return withExt(ch, EXT.key_share, ext.keyShare([{ group: 0x0a0a, key: Uint8Array.of(0) }, { group: GROUP.x25519, key: s.share.publicKey }]).data);
      })).toBe('completes');
    });
    it('§4.2.1: unknown versions (GREASE, drafts, 0x0305) beside 0x0304 in supported_versions are ignored', () => {
      expect(completes(via, (s) => withExt(s.hello(), EXT.supported_versions, ext.supportedVersions([0x0a0a, 0x7f1c, 0x0305, 0x0304]).data))).toBe('completes');
    });
    it('§4.2.1: supported_versions without 0x0304 → protocol_version (TLS 1.3 only) or TLS 1.2 (both enabled, through SSPI)', () => {
      const v = answer(via, (s) => withExt(s.hello(), EXT.supported_versions, ext.supportedVersions([0x0a0a, 0x0305]).data));
      expect(v).toBe(alert('protocol_version'));
    });
  });

  describe('RFC 8446 §4.2.8 / §4.1.4 / §9.2: key_share', () => {
    it('§9.2: supported_groups without key_share → missing_extension', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.key_share, null))).toBe(alert('missing_extension'));
    });
    it('§9.2: key_share without supported_groups → missing_extension', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.supported_groups, null))).toBe(alert('missing_extension'));
    });
    it('§4.2.8: an empty client_shares list → HelloRetryRequest, and the second ClientHello completes', () => {
      const s = new Script({ via });
      const ch1 = withExt(s.hello(), EXT.key_share, Uint8Array.of(0, 0));
      expect(verdict(s.sendHello(ch1))).toBe('carries on');
      expect(isHrr(s)).toBe(true);
      const cookie = hrrCookie(s);
      // §D.4: the client's compatibility CCS after the HRR is dropped.
      expect(verdict(s.send(CCS_RECORD))).toBe('carries on');
      const ch2 = withExt(s.hello(), EXT.cookie, cookie);
      expect(verdict(s.sendHello(ch2))).toBe('carries on');
      expect(verdict(s.sendFinished())).toBe('carries on');
      expect(s.complete).toBe(true);
      expect(s.dispose()).toEqual([]);
    });
    it('§4.1.4: after an HRR, a ClientHello without the cookie → illegal_parameter', () => {
      const s = new Script({ via });
      s.sendHello(withExt(s.hello(), EXT.key_share, Uint8Array.of(0, 0)));
      expect(verdict(s.sendHello(s.hello()))).toBe(alert('illegal_parameter'));
      expect(s.dispose()).toEqual([]);
    });
    it('§4.1.4: after an HRR, a ClientHello still without a share for the selected group → illegal_parameter', () => {
      const s = new Script({ via });
      s.sendHello(withExt(s.hello(), EXT.key_share, Uint8Array.of(0, 0)));
      const ch2 = withExt(withExt(s.hello(), EXT.key_share, Uint8Array.of(0, 0)), EXT.cookie, hrrCookie(s));
      expect(verdict(s.sendHello(ch2))).toBe(alert('illegal_parameter'));
      expect(s.dispose()).toEqual([]);
    });
    it('§4.1.4: after an HRR, a ClientHello whose suites no longer include the selected one → illegal_parameter', () => {
      const s = new Script({ via });
      s.sendHello(withExt(s.hello(), EXT.key_share, Uint8Array.of(0, 0)));
      const ch2 = withExt({ ...s.hello(), cipherSuites: [SUITE.TLS_AES_256_GCM_SHA384] }, EXT.cookie, hrrCookie(s));
      expect(verdict(s.sendHello(ch2))).toBe(alert('illegal_parameter'));
      expect(s.dispose()).toEqual([]);
    });
    it('§4.1.4: after an HRR, a ClientHello with a forged cookie → illegal_parameter', () => {
      const s = new Script({ via });
      s.sendHello(withExt(s.hello(), EXT.key_share, Uint8Array.of(0, 0)));
      const cookie = hrrCookie(s).slice();
      cookie[cookie.length - 1]! ^= 1;
      expect(verdict(s.sendHello(withExt(s.hello(), EXT.cookie, cookie)))).toBe(alert('illegal_parameter'));
      expect(s.dispose()).toEqual([]);
    });
    it('§4.2.8: a key share for a group not in supported_groups → illegal_parameter', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.supported_groups, u16list([GROUP.secp256r1])))).toBe(alert('illegal_parameter'));
    });
    it('§4.2.8: two key shares for the same group → illegal_parameter', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.key_share, ext.keyShare([{ group: GROUP.x25519, key: s.share.publicKey }, { group: GROUP.x25519, key: s.share.publicKey }]).data))).toBe(alert('illegal_parameter'));
    });
    for (const len of [31, 33]) {
      it(`§4.2.8.2: an x25519 share of ${len} bytes → illegal_parameter`, () => {
        expect(answer(via, (s) => withExt(s.hello(), EXT.key_share, ext.keyShare([{ group: GROUP.x25519, key: new Uint8Array(len).fill(9) }]).data))).toBe(alert('illegal_parameter'));
      });
    }
    it('§7.4.2: an x25519 share giving the all-zero shared secret (the zero point) → illegal_parameter', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.key_share, ext.keyShare([{ group: GROUP.x25519, key: new Uint8Array(32) }]).data))).toBe(alert('illegal_parameter'));
    });
    it('§4.2.8.2: a secp256r1 point not on the curve → illegal_parameter', () => {
      expect(answer(via, (s) => {
        const ch = withExt(s.hello(), EXT.supported_groups, u16list([GROUP.secp256r1]));
        const bad = new Uint8Array(65).fill(1);
        bad[0] = 4;
        return withExt(ch, EXT.key_share, ext.keyShare([{ group: GROUP.secp256r1, key: bad }]).data);
      })).toBe(alert('illegal_parameter'));
    });
    it('§4.2.8.2: a compressed secp256r1 point (only uncompressed is allowed) → illegal_parameter', () => {
      expect(answer(via, (s) => {
        const ch = withExt(s.hello(), EXT.supported_groups, u16list([GROUP.secp256r1]));
        const p = s.clientEnv.crypto.generateKeyShare('secp256r1');
        const compressed = cat(Uint8Array.of(2 + (p.publicKey[64]! & 1)), p.publicKey.subarray(1, 33));
        p.destroy();
        return withExt(ch, EXT.key_share, ext.keyShare([{ group: GROUP.secp256r1, key: compressed }]).data);
      })).toBe(alert('illegal_parameter'));
    });
    it('§4.2.8: a share with an empty key_exchange → decode_error', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.key_share, vec16(cat(Uint8Array.of(0, GROUP.x25519), Uint8Array.of(0, 0)))))).toBe(alert('decode_error'));
    });
  });

  describe('RFC 8446 §4.2.3 / §4.4.3: signature schemes', () => {
    it('§4.2.3: RSA-PKCS1 and SHA-1 schemes only, for an ECDSA certificate → handshake_failure', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.signature_algorithms, u16list([SIG.rsa_pkcs1_sha256, 0x0201, 0x0203])))).toBe(alert('handshake_failure'));
    });
    it('§4.2.3: ecdsa_secp384r1_sha384 only, for a P-256 certificate (the curve is bound in TLS 1.3) → handshake_failure', () => {
      expect(answer(via, (s) => withExt(s.hello(), EXT.signature_algorithms, u16list([SIG.ecdsa_secp384r1_sha384])))).toBe(alert('handshake_failure'));
    });
  });
});
