/**
 * Conformance: the TLS 1.2 server's answers to ClientHellos and to the client's second flight
 * (RFC 5246 §7.4, RFC 8422 §5, RFC 7627 §5.3, RFC 5746 §3, RFC 7507 §3, RFC 8446 §4.1.3),
 * through the TLS 1.2 engine and through SSPI as `cesim serve` drives it (both versions on).
 */
import { describe, expect, it } from 'vitest';
import { CCS_RECORD, CT, EXT, GROUP, SIG, VIAS, type Via, alert, cat, ext, handshake, plainRecord, u16list, vec8, verdict } from './script.js';
import { EXT12, HS12, SUITE12, Script12, server12Config, withExt12 } from './script12.js';
import { SspiServerHost } from './ports.js';

/** Offset of the extensions block in an encoded ClientHello body. */
function extensionsOffset(ch: { legacySessionId: Uint8Array; cipherSuites: number[]; legacyCompressionMethods: Uint8Array }): number {
  return 2 + 32 + 1 + ch.legacySessionId.length + 2 + 2 * ch.cipherSuites.length + 1 + ch.legacyCompressionMethods.length;
}

function answer(via: Via, make: (s: Script12) => Parameters<Script12['sendHello']>[0], seed = 'h12'): string {
  const s = new Script12({ via, seed });
  const v = verdict(s.sendHello(make(s)));
  expect(s.dispose()).toEqual([]);
  return v;
}

function completes(via: Via, make: (s: Script12) => ReturnType<Script12['hello']>, seed = 'h12'): string {
  const s = new Script12({ via, seed });
  const h = s.sendHello(make(s));
  const v = h.failed ? verdict(h) : verdict(s.send(s.secondFlight()));
  const ok = v === 'carries on' && s.complete && s.serverFinished;
  expect(s.dispose()).toEqual([]);
  return ok ? 'completes' : v;
}

/** A second flight after a normal hello; returns its verdict. */
function second(via: Via, edit: (s: Script12) => Uint8Array, seed = 'h12'): string {
  const s = new Script12({ via, seed });
  expect(s.sendHello().failed).toBe(false);
  const v = verdict(s.send(edit(s)));
  expect(s.dispose()).toEqual([]);
  return v;
}

describe.each(VIAS)('%s', (via: Via) => {
  describe('RFC 5246 §7.4.1.2: ClientHello', () => {
    it('§7.4.1.2: a full ECDHE-ECDSA handshake with EMS and renegotiation_info completes', () => {
      expect(completes(via, (s) => s.hello())).toBe('completes');
    });
    it('§7.4.1.2: the ClientHello body truncated at every length → decode_error', () => {
      const s0 = new Script12({ via: 'engine', config: server12Config() });
      const ch = s0.hello();
      const full = s0.helloMessage(ch).subarray(4);
      s0.dispose();
      const noExtensions = extensionsOffset(ch);
      const wrong: string[] = [];
      for (let len = 0; len < full.length; len++) {
        const v = answer(via, () => handshake(HS12.client_hello, full.subarray(0, len)));
        // Cut before the extensions: a well-formed hello without EMS, which cesim requires (RFC 7627 §5.3).
        const want = len === noExtensions ? alert('handshake_failure') : alert('decode_error');
        if (v !== want) wrong.push(`${len}: ${v}`);
      }
      expect(wrong).toEqual([]);
    });
    it('§7.4.1.2: trailing bytes after the extensions → decode_error', () => {
      expect(answer(via, (s) => handshake(HS12.client_hello, cat(s.helloMessage(s.hello()).subarray(4), Uint8Array.of(0))))).toBe(alert('decode_error'));
    });
    it('§7.4.1.2: session_id longer than 32 bytes → decode_error', () => {
      expect(answer(via, (s) => s.hello({ legacySessionId: new Uint8Array(33) }))).toBe(alert('decode_error'));
    });
    it('§7.4.1.2: an empty cipher_suites vector → decode_error', () => {
      expect(answer(via, (s) => s.hello({ cipherSuites: [] }))).toBe(alert('decode_error'));
    });
    it('§7.4.1.2: compression methods without null → illegal_parameter', () => {
      expect(answer(via, (s) => s.hello({ legacyCompressionMethods: Uint8Array.of(1) }))).toBe(alert('illegal_parameter'));
    });
    it('§7.4.1.2: compression methods [deflate, null]: null is chosen', () => {
      expect(completes(via, (s) => s.hello({ legacyCompressionMethods: Uint8Array.of(1, 0) }))).toBe('completes');
    });
    it('§7.4.1.2: unknown suites beside a supported one are ignored', () => {
      expect(completes(via, (s) => s.hello({ cipherSuites: [0x0a0a, 0xfefe, 0x0005, SUITE12.ECDHE_ECDSA_AES_128_GCM_SHA256] }))).toBe('completes');
    });
    it('§7.4.1.3: no suite in common (RSA-only suites for an ECDSA certificate) → handshake_failure', () => {
      expect(answer(via, (s) => s.hello({ cipherSuites: [SUITE12.ECDHE_RSA_AES_128_GCM_SHA256, 0x009c] }))).toBe(alert('handshake_failure'));
    });
    it('§7.4.1.4: 300 unknown extensions are ignored', () => {
      expect(completes(via, (s) => {
        const ch = s.hello();
        const junk = Array.from({ length: 300 }, (_, i) => ext.raw(0x7000 + i, new Uint8Array(i % 3)));
        return { ...ch, extensions: [...junk, ...ch.extensions!] };
      })).toBe('completes');
    });
    it('§7.4.1.4: extensions in reverse order are accepted', () => {
      expect(completes(via, (s) => {
        const ch = s.hello();
        return { ...ch, extensions: [...ch.extensions!].reverse() };
      })).toBe('completes');
    });
    for (const [name, type] of [['supported_groups', EXT.supported_groups], ['extended_master_secret', EXT12.extended_master_secret], ['ec_point_formats', EXT12.ec_point_formats], ['renegotiation_info', EXT12.renegotiation_info]] as const) {
      it(`§7.4.1.4: ${name} twice → illegal_parameter`, () => {
        expect(answer(via, (s) => {
          const ch = s.hello();
          const e = ch.extensions!.find((x) => x.type === type)!;
          return { ...ch, extensions: [...ch.extensions!, e] };
        })).toBe(alert('illegal_parameter'));
      });
    }
    for (const [name, type] of [['supported_groups (RFC 8422 §5.1.1)', EXT.supported_groups], ['signature_algorithms (§7.4.1.4.1)', EXT.signature_algorithms], ['ec_point_formats (RFC 8422 §5.1.2)', EXT12.ec_point_formats], ['renegotiation_info (RFC 5746 §3.2)', EXT12.renegotiation_info], ['server_name (RFC 6066 §3)', EXT.server_name]] as const) {
      it(`§7.4.1.4: an empty ${name} → decode_error`, () => {
        expect(answer(via, (s) => withExt12(s.hello(), type, new Uint8Array(0)))).toBe(alert('decode_error'));
      });
    }
    it('RFC 7627 §5.1: extended_master_secret with a non-empty body → decode_error', () => {
      expect(answer(via, (s) => withExt12(s.hello(), EXT12.extended_master_secret, Uint8Array.of(0)))).toBe(alert('decode_error'));
    });
    it('RFC 7366 §2: encrypt_then_mac with a non-empty body → decode_error', () => {
      expect(answer(via, (s) => withExt12(s.hello(), EXT12.encrypt_then_mac, Uint8Array.of(0)))).toBe(alert('decode_error'));
    });
    it('RFC 8422 §5.1.1: unknown curves beside x25519 and secp256r1 are ignored', () => {
      expect(completes(via, (s) => withExt12(s.hello(), EXT.supported_groups, u16list([0x0a0a, 0xfefe, GROUP.x25519, GROUP.secp256r1])))).toBe('completes');
    });
    it('RFC 8422 §5.3: a P-256 ECDSA certificate when the client lists only x25519 (the certificate curve is not listed) → handshake_failure', () => {
      expect(answer(via, (s) => withExt12(s.hello(), EXT.supported_groups, u16list([GROUP.x25519])))).toBe(alert('handshake_failure'));
    });
    it('RFC 8422 §5.1.1: only unsupported curves and only ECDHE suites → handshake_failure', () => {
      expect(answer(via, (s) => withExt12(s.hello(), EXT.supported_groups, u16list([0x0a0a, 0x0016])))).toBe(alert('handshake_failure'));
    });
    it('RFC 8422 §5.1.2: ec_point_formats without uncompressed (only ECC suites offered) → handshake_failure', () => {
      expect(answer(via, (s) => withExt12(s.hello(), EXT12.ec_point_formats, vec8(Uint8Array.of(1, 2))))).toBe(alert('handshake_failure'));
    });
    it('RFC 8422 §5.2: the ServerHello answers ec_point_formats with uncompressed', () => {
      const s = new Script12({ via });
      s.sendHello();
      expect(s.flight!.extensions.get(EXT12.ec_point_formats)).toEqual(vec8(Uint8Array.of(0)));
      expect(s.dispose()).toEqual([]);
    });
    it('§7.4.1.4.1: unknown signature schemes beside ECDSA-SHA256 are ignored', () => {
      expect(completes(via, (s) => withExt12(s.hello(), EXT.signature_algorithms, u16list([0x0a0a, 0xfefe, SIG.ecdsa_secp256r1_sha256])))).toBe('completes');
    });
    it('§7.4.1.4.1: only RSA schemes for an ECDSA certificate → handshake_failure', () => {
      expect(answer(via, (s) => withExt12(s.hello(), EXT.signature_algorithms, u16list([SIG.rsa_pss_rsae_sha256, SIG.rsa_pkcs1_sha256])))).toBe(alert('handshake_failure'));
    });
    it('§7.4.1.4.1: no signature_algorithms: the SHA-1 default ({sha1, ecdsa}) is used and the handshake completes', () => {
      const s = new Script12({ via });
      s.sendHello(withExt12(s.hello(), EXT.signature_algorithms, null));
      const ske = s.serverMessages.find((m) => m[0] === HS12.server_key_exchange)!;
      const params = 4 + 4 + ske[7]!;
      expect([ske[params], ske[params + 1]]).toEqual([0x02, 0x03]);
      expect(verdict(s.send(s.secondFlight()))).toBe('carries on');
      expect(s.dispose()).toEqual([]);
    });
    for (const [v, want] of [[0x0302, 'protocol_version'], [0x0301, 'protocol_version'], [0x0300, 'protocol_version']] as const) {
      it(`App. E.1: client_version 0x${v.toString(16)} (below TLS 1.2) → ${want}`, () => {
        expect(answer(via, (s) => s.hello({ legacyVersion: v }))).toBe(alert(want));
      });
    }
    for (const v of [0x0304, 0x0400, 0x03ff]) {
      it(`App. E.1: client_version 0x${v.toString(16)} without supported_versions: the server answers TLS 1.2`, () => {
        const s = new Script12({ via });
        s.sendHello(s.hello({ legacyVersion: v }));
        const sh = s.serverMessages[0]!;
        expect([sh[4], sh[5]]).toEqual([3, 3]);
        expect(verdict(s.send(s.secondFlight()))).toBe('carries on');
        expect(s.dispose()).toEqual([]);
      });
    }
    if (via === 'sspi') {
      it('RFC 8446 §4.1.3: a TLS 1.3-capable server negotiating TLS 1.2 ends ServerHello.random with DOWNGRD\\x01', () => {
        const s = new Script12({ via });
        s.sendHello();
        expect([...s.flight!.random.subarray(24)]).toEqual([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
        expect(s.dispose()).toEqual([]);
      });
      it('RFC 7507 §3: TLS_FALLBACK_SCSV from a TLS 1.2 client to a TLS 1.3-capable server → inappropriate_fallback', () => {
        expect(answer(via, (s) => s.hello({ cipherSuites: [SUITE12.ECDHE_ECDSA_AES_128_GCM_SHA256, SUITE12.FALLBACK_SCSV] }))).toBe('alert 86');
      });
    }
  });

  describe('RFC 7627 §5.3 / RFC 5746 §3: extended master secret and secure renegotiation', () => {
    it('RFC 7627 §5.3: a client without extended_master_secret → handshake_failure (required by default)', () => {
      expect(answer(via, (s) => withExt12(s.hello(), EXT12.extended_master_secret, null))).toBe(alert('handshake_failure'));
    });
    it('RFC 7627 §5.3: with the requirement relaxed, a client without EMS completes with the RFC 5246 master secret', () => {
      let s: Script12;
      let host: SspiServerHost | null = null;
      if (via === 'engine') s = new Script12({ via, config: server12Config({ requireExtendedMasterSecret: false }) });
      else {
        host = new SspiServerHost('ems-off', { registry: [['', 'RequireExtendedMasterSecret', 0]] });
        s = new Script12({ via, host });
      }
      s.sendHello(withExt12(s.hello(), EXT12.extended_master_secret, null));
      expect(s.ems).toBe(false);
      expect(verdict(s.send(s.secondFlight()))).toBe('carries on');
      expect(s.serverFinished).toBe(true);
      expect(s.dispose()).toEqual([]);
      if (host) expect(host.release()).toEqual([]);
    });
    it('RFC 7627 §4: the master secret is the extended one: a client computing the RFC 5246 one fails Finished → decrypt_error... or bad_record_mac first', () => {
      const v = second(via, (s) => s.secondFlight({ extended: false }));
      // The client's keys come from the wrong master secret, so its Finished record does not authenticate.
      expect(v).toBe(alert('bad_record_mac'));
    });
    it('RFC 7627 §5.1: the ServerHello echoes extended_master_secret (empty)', () => {
      const s = new Script12({ via });
      s.sendHello();
      expect(s.flight!.extensions.get(EXT12.extended_master_secret)).toEqual(new Uint8Array(0));
      expect(s.dispose()).toEqual([]);
    });
    it('RFC 5746 §3.6: an empty renegotiation_info is answered with an empty one', () => {
      const s = new Script12({ via });
      s.sendHello();
      expect(s.flight!.extensions.get(EXT12.renegotiation_info)).toEqual(Uint8Array.of(0));
      expect(s.dispose()).toEqual([]);
    });
    it('RFC 5746 §3.6: TLS_EMPTY_RENEGOTIATION_INFO_SCSV alone is answered with an empty renegotiation_info', () => {
      const s = new Script12({ via });
      s.sendHello(withExt12(s.hello({ cipherSuites: [SUITE12.EMPTY_RENEGOTIATION_INFO_SCSV, SUITE12.ECDHE_ECDSA_AES_128_GCM_SHA256] }), EXT12.renegotiation_info, null));
      expect(s.flight!.extensions.get(EXT12.renegotiation_info)).toEqual(Uint8Array.of(0));
      expect(verdict(s.send(s.secondFlight()))).toBe('carries on');
      expect(s.dispose()).toEqual([]);
    });
    it('RFC 5746 §3.6: a non-empty renegotiated_connection in an initial ClientHello → handshake_failure', () => {
      expect(answer(via, (s) => withExt12(s.hello(), EXT12.renegotiation_info, vec8(new Uint8Array(12).fill(1))))).toBe(alert('handshake_failure'));
    });
    it('RFC 5746 §4.4 / RFC 5246 §7.4.1.2: a ClientHello after the handshake is declined with a warning no_renegotiation and the connection carries on', () => {
      const s = new Script12({ via });
      s.complete12();
      const a = s.send(s.seal(CT.handshake, s.helloMessage(s.hello())));
      expect(verdict(a)).toBe('carries on after warning 100');
      const d = s.sendData(Uint8Array.of(1, 2));
      expect(d.plaintext.filter((p) => p.length > 0)).toEqual([Uint8Array.of(1, 2)]);
      expect(s.dispose()).toEqual([]);
    });
    it('§7.4.1.1: a HelloRequest from the client → unexpected_message', () => {
      const s = new Script12({ via });
      s.complete12();
      expect(verdict(s.send(s.seal(CT.handshake, handshake(HS12.hello_request, new Uint8Array(0)))))).toBe(alert('unexpected_message'));
      expect(s.dispose()).toEqual([]);
    });
  });

  describe('RFC 5246 §7.4.7 / §7.4.9 / §7.1: the client’s second flight', () => {
    it('§7.4.9: the Finished with any one of its 96 verify_data bits flipped → decrypt_error', () => {
      const wrong: string[] = [];
      for (let bit = 0; bit < 96; bit++) {
        const v = second(via, (s) => s.secondFlight({ finished: (f) => { const g = f.slice(); g[4 + (bit >> 3)]! ^= 0x80 >> (bit & 7); return g; } }), `f12-${bit}`);
        if (v !== alert('decrypt_error')) wrong.push(`bit ${bit}: ${v}`);
      }
      expect(wrong).toEqual([]);
    });
    for (const len of [0, 11, 13, 32]) {
      it(`§7.4.9: a Finished of ${len} bytes (verify_data is 12) → decode_error`, () => {
        expect(second(via, (s) => s.secondFlight({ finished: () => handshake(HS12.finished, new Uint8Array(len)) }))).toBe(alert('decode_error'));
      });
    }
    it('§7.4.9: a Finished before the ChangeCipherSpec (plaintext) → unexpected_message', () => {
      expect(second(via, (s) => {
        const cke = s.clientKeyExchange();
        s.transcript.push(cke.message);
        s.deriveKeys(cke.premaster);
        return cat(plainRecord(CT.handshake, cke.message), plainRecord(CT.handshake, s.finishedMessage()));
      })).toBe(alert('unexpected_message'));
    });
    it('§7.1: ChangeCipherSpec before the ClientKeyExchange → unexpected_message', () => {
      expect(second(via, () => CCS_RECORD)).toBe(alert('unexpected_message'));
    });
    it('§7.1 / §6.2.3: a second, plaintext ChangeCipherSpec (read under the new keys) → bad_record_mac', () => {
      expect(second(via, (s) => {
        const cke = s.clientKeyExchange();
        s.transcript.push(cke.message);
        s.deriveKeys(cke.premaster);
        return cat(plainRecord(CT.handshake, cke.message), CCS_RECORD, CCS_RECORD);
      })).toBe(alert('bad_record_mac'));
    });
    it('§7.1: a second, protected ChangeCipherSpec before the Finished → unexpected_message', () => {
      expect(second(via, (s) => {
        const cke = s.clientKeyExchange();
        s.transcript.push(cke.message);
        s.deriveKeys(cke.premaster);
        const r = cat(plainRecord(CT.handshake, cke.message), CCS_RECORD);
        s.record.activateWrite();
        return cat(r, s.seal(CT.change_cipher_spec, Uint8Array.of(1)));
      })).toBe(alert('unexpected_message'));
    });
    it('§7.1: a ChangeCipherSpec of value 2 → decode_error', () => {
      expect(second(via, (s) => {
        const cke = s.clientKeyExchange();
        return cat(plainRecord(CT.handshake, cke.message), plainRecord(CT.change_cipher_spec, Uint8Array.of(2)));
      })).toBe(alert('decode_error'));
    });
    it('§7.4.7: application data before the Finished → unexpected_message', () => {
      expect(second(via, (s) => {
        const cke = s.clientKeyExchange();
        s.transcript.push(cke.message);
        s.deriveKeys(cke.premaster);
        const r = cat(plainRecord(CT.handshake, cke.message), CCS_RECORD);
        s.record.activateWrite();
        return cat(r, s.seal(CT.application_data, Uint8Array.of(1)));
      })).toBe(alert('unexpected_message'));
    });
    it('RFC 8422 §5.7: an empty ClientKeyExchange → decode_error', () => {
      expect(second(via, () => plainRecord(CT.handshake, handshake(HS12.client_key_exchange, new Uint8Array(0))))).toBe(alert('decode_error'));
    });
    it('RFC 8422 §5.7: a ClientKeyExchange with trailing bytes → decode_error', () => {
      expect(second(via, (s) => plainRecord(CT.handshake, handshake(HS12.client_key_exchange, cat(vec8(new Uint8Array(32).fill(9)), Uint8Array.of(0)))))).toBe(alert('decode_error'));
    });
    for (const len of [1, 31, 33, 65]) {
      it(`RFC 8422 §5.7 / RFC 7748 §6.1: an x25519 ClientKeyExchange point of ${len} bytes → illegal_parameter`, () => {
        expect(second(via, () => plainRecord(CT.handshake, handshake(HS12.client_key_exchange, vec8(new Uint8Array(len).fill(9)))))).toBe(alert('illegal_parameter'));
      });
    }
    it('RFC 7748 §6.1: an x25519 point giving the all-zero shared secret → illegal_parameter', () => {
      expect(second(via, () => plainRecord(CT.handshake, handshake(HS12.client_key_exchange, vec8(new Uint8Array(32)))))).toBe(alert('illegal_parameter'));
    });
    it('RFC 8422 §5.7: a secp256r1 point not on the curve → illegal_parameter', () => {
      const s = new Script12({ via });
      s.sendHello(withExt12(s.hello(), EXT.supported_groups, u16list([GROUP.secp256r1])));
      const bad = new Uint8Array(65).fill(3);
      bad[0] = 4;
      expect(verdict(s.send(plainRecord(CT.handshake, handshake(HS12.client_key_exchange, vec8(bad)))))).toBe(alert('illegal_parameter'));
      expect(s.dispose()).toEqual([]);
    });
    it('§7.4: a second ClientHello instead of the ClientKeyExchange → unexpected_message', () => {
      expect(second(via, (s) => plainRecord(CT.handshake, s.helloMessage(s.hello())))).toBe(alert('unexpected_message'));
    });
    it('§7.4.8: a CertificateVerify nobody asked for → unexpected_message', () => {
      expect(second(via, () => plainRecord(CT.handshake, handshake(HS12.certificate_verify, Uint8Array.of(4, 3, 0, 0))))).toBe(alert('unexpected_message'));
    });
  });
});
