/**
 * schannel/crypto/signatures.ts: known-answer vectors (RFC 6979, RFC 8032), openssl-made
 * signatures (test/fixtures/pki/sig, see make.sh), round trips, openssl verifying ours, scheme/key
 * constraints (RFC 8446 §4.2.3), CPU charges, and never throwing on malformed input.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SignatureError,
  keyMatchesScheme,
  publicKeyOf,
  rsaCostName,
  signMessage,
  verifyMessage,
  verifySignature,
} from '../../schannel/crypto/signatures.js';
import type { PrivateKey, PublicKey, RandomSource, SignatureScheme } from '../../schannel/crypto/types.js';
import vectors from './vectors/signatures.json' with { type: 'json' };
import { NO_COST, PKI_DIR, RecordingCost, cert, fixtureBytes, key } from './helpers.js';
import { requireTool } from '../support/peers.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const MESSAGE = fixtureBytes('sig/message.bin');

function pub(name: string): PublicKey {
  const k = cert(`${name}.pem`).publicKey;
  if (k === null) throw new Error(`${name}: no key`);
  return k;
}

/** DER Ecdsa-Sig-Value from r and s (both < 2^255 here, so one leading zero at most). */
function derSig(r: Uint8Array, s: Uint8Array): Uint8Array {
  const int = (v: Uint8Array): number[] => {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    const body = [...v.subarray(i)];
    if ((body[0] as number) & 0x80) body.unshift(0);
    return [0x02, body.length, ...body];
  };
  const content = [...int(r), ...int(s)];
  return new Uint8Array([0x30, content.length, ...content]);
}

describe('known-answer vectors', () => {
  it('RFC 6979 §A.2.5: deterministic ECDSA P-256/SHA-256 over "sample"', () => {
    const v = vectors.rfc6979_p256_sha256;
    const point = new Uint8Array([4, ...hex(v.Ux), ...hex(v.Uy)]);
    const k: PrivateKey = { kind: 'ec', curve: 'P-256', d: hex(v.x), point };
    const sig = signMessage('ecdsa_secp256r1_sha256', k, utf8(v.message), NO_COST);
    expect(Buffer.from(sig).toString('hex')).toBe(Buffer.from(derSig(hex(v.r), hex(v.s))).toString('hex'));
    expect(verifyMessage('ecdsa_secp256r1_sha256', publicKeyOf(k), utf8(v.message), sig, NO_COST)).toBe(true);
  });

  it('RFC 8032 §7.1 TEST 1: Ed25519 over the empty message', () => {
    const v = vectors.rfc8032_ed25519_test1;
    const k: PrivateKey = { kind: 'ed25519', seed: hex(v.secret), key: hex(v.public) };
    const sig = signMessage('ed25519', k, utf8(v.message), NO_COST);
    expect(Buffer.from(sig).toString('hex')).toBe(v.signature);
    expect(verifyMessage('ed25519', { kind: 'ed25519', key: hex(v.public) }, new Uint8Array(0), sig, NO_COST)).toBe(true);
  });
});

/** [signature file, certificate fixture, scheme] — made by make.sh with `openssl dgst -sign`. */
const OPENSSL_SIGS: readonly [string, string, SignatureScheme][] = [
  ['ecdsa_secp256r1_sha256', 'server-p256', 'ecdsa_secp256r1_sha256'],
  ['ecdsa_secp384r1_sha384', 'server-p384', 'ecdsa_secp384r1_sha384'],
  ['ed25519', 'server-ed25519', 'ed25519'],
  ['rsa_pkcs1_sha1.rsa2048', 'server-rsa2048', 'rsa_pkcs1_sha1'],
  ['rsa_pkcs1_sha256.rsa2048', 'server-rsa2048', 'rsa_pkcs1_sha256'],
  ['rsa_pss_rsae_sha256.rsa2048', 'server-rsa2048', 'rsa_pss_rsae_sha256'],
  ['rsa_pss_pss_sha256.rsapss2048', 'server-rsapss2048', 'rsa_pss_pss_sha256'],
  ['rsa_pkcs1_sha384.rsa3072', 'server-rsa3072', 'rsa_pkcs1_sha384'],
  ['rsa_pss_rsae_sha384.rsa3072', 'server-rsa3072', 'rsa_pss_rsae_sha384'],
  ['rsa_pkcs1_sha512.rsa4096', 'server-rsa4096', 'rsa_pkcs1_sha512'],
  ['rsa_pss_rsae_sha512.rsa4096', 'server-rsa4096', 'rsa_pss_rsae_sha512'],
];

describe('verifying openssl-made signatures', () => {
  for (const [file, certName, scheme] of OPENSSL_SIGS) {
    it(`${scheme} (${file})`, () => {
      const sig = fixtureBytes(`sig/${file}.sig`);
      const k = pub(certName);
      expect(verifyMessage(scheme, k, MESSAGE, sig, NO_COST)).toBe(true);
      // A different message, or one flipped bit anywhere in the signature, fails.
      expect(verifyMessage(scheme, k, MESSAGE.subarray(1), sig, NO_COST)).toBe(false);
      for (const pos of [0, sig.length >> 1, sig.length - 1]) {
        const bad = new Uint8Array(sig);
        bad[pos] = (bad[pos] as number) ^ 0x01;
        expect(verifyMessage(scheme, k, MESSAGE, bad, NO_COST)).toBe(false);
      }
    });
  }
});

/** [scheme, key fixture (cert + key)] for sign → verify round trips. */
const ROUND_TRIPS: readonly [SignatureScheme, string][] = [
  ['ecdsa_secp256r1_sha256', 'server-p256'],
  ['ecdsa_secp384r1_sha384', 'server-p384'],
  ['ed25519', 'server-ed25519'],
  ['rsa_pss_rsae_sha256', 'server-rsa2048'],
  ['rsa_pss_rsae_sha384', 'server-rsa2048'],
  ['rsa_pss_rsae_sha512', 'server-rsa2048'],
  ['rsa_pss_pss_sha256', 'server-rsapss2048'],
  ['rsa_pkcs1_sha256', 'server-rsa2048'],
  ['rsa_pkcs1_sha384', 'server-rsa3072'],
  ['rsa_pss_rsae_sha512', 'server-rsa4096'],
];

describe('sign → verify round trips', () => {
  for (const [scheme, name] of ROUND_TRIPS) {
    it(`${scheme} with ${name}: verifies, is deterministic, rejects a changed message`, () => {
      const priv = key(`${name}.key.pem`);
      const msg = utf8(`round trip ${scheme}`);
      const sig = signMessage(scheme, priv, msg, NO_COST);
      expect(verifyMessage(scheme, pub(name), msg, sig, NO_COST)).toBe(true);
      expect(verifyMessage(scheme, publicKeyOf(priv), msg, sig, NO_COST)).toBe(true);
      expect(signMessage(scheme, priv, msg, NO_COST)).toEqual(sig);
      expect(verifyMessage(scheme, pub(name), utf8('another message'), sig, NO_COST)).toBe(false);
    });
  }

  it('RSA-PSS takes its salt from the RandomSource when one is given (RFC 8017 §9.1.1 step 4)', () => {
    const priv = key('server-rsa2048.key.pem');
    let counter = 0;
    const random: RandomSource = { fill: (out) => out.fill(++counter) };
    const a = signMessage('rsa_pss_rsae_sha256', priv, MESSAGE, NO_COST, random);
    const b = signMessage('rsa_pss_rsae_sha256', priv, MESSAGE, NO_COST, random);
    expect(a).not.toEqual(b);
    expect(counter).toBe(2);
    expect(verifyMessage('rsa_pss_rsae_sha256', pub('server-rsa2048'), MESSAGE, a, NO_COST)).toBe(true);
    expect(verifyMessage('rsa_pss_rsae_sha256', pub('server-rsa2048'), MESSAGE, b, NO_COST)).toBe(true);
  });
});

const opensslAvailable = requireTool('openssl', ['version'], 'apt-get install openssl');

describe.skipIf(!opensslAvailable)('openssl verifies cesim signatures', () => {
  const cases: readonly [SignatureScheme, string, string[]][] = [
    ['ecdsa_secp256r1_sha256', 'server-p256', ['-sha256']],
    ['ecdsa_secp384r1_sha384', 'server-p384', ['-sha384']],
    ['rsa_pkcs1_sha256', 'server-rsa2048', ['-sha256']],
    ['rsa_pss_rsae_sha256', 'server-rsa2048', ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest']],
    ['rsa_pss_rsae_sha512', 'server-rsa4096', ['-sha512', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest']],
  ];
  for (const [scheme, name, args] of cases) {
    it(`${scheme}`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'cesim-sig-'));
      try {
        const sig = signMessage(scheme, key(`${name}.key.pem`), MESSAGE, NO_COST);
        writeFileSync(join(dir, 'sig'), sig);
        execFileSync('openssl', ['x509', '-in', join(PKI_DIR, `${name}.pem`), '-pubkey', '-noout', '-out', join(dir, 'pub.pem')]);
        const out = execFileSync('openssl', ['dgst', ...args, '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig'), join(PKI_DIR, 'sig/message.bin')]);
        expect(out.toString()).toContain('Verified OK');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
  it('ed25519', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cesim-sig-'));
    try {
      writeFileSync(join(dir, 'sig'), signMessage('ed25519', key('server-ed25519.key.pem'), MESSAGE, NO_COST));
      execFileSync('openssl', ['x509', '-in', join(PKI_DIR, 'server-ed25519.pem'), '-pubkey', '-noout', '-out', join(dir, 'pub.pem')]);
      const out = execFileSync('openssl', ['pkeyutl', '-verify', '-rawin', '-pubin', '-inkey', join(dir, 'pub.pem'), '-sigfile', join(dir, 'sig'), '-in', join(PKI_DIR, 'sig/message.bin')]);
      expect(out.toString()).toContain('Signature Verified Successfully');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RFC 8446 §4.2.3 scheme/key constraints', () => {
  it('an ECDSA scheme needs its own curve', () => {
    const sig = fixtureBytes('sig/ecdsa_secp256r1_sha256.sig');
    expect(verifyMessage('ecdsa_secp384r1_sha384', pub('server-p256'), MESSAGE, sig, NO_COST)).toBe(false);
    expect(keyMatchesScheme('ecdsa_secp256r1_sha256', pub('server-p384'))).toBe(false);
    expect(() => signMessage('ecdsa_secp384r1_sha384', key('server-p256.key.pem'), MESSAGE, NO_COST)).toThrow(SignatureError);
  });

  it('rsa_pss_rsae_* needs an rsaEncryption key and rsa_pss_pss_* an RSASSA-PSS key', () => {
    const pssSig = fixtureBytes('sig/rsa_pss_pss_sha256.rsapss2048.sig');
    const pssKey = pub('server-rsapss2048');
    expect(pssKey.kind === 'rsa' && pssKey.pssOnly).toBe(true);
    expect(verifyMessage('rsa_pss_rsae_sha256', pssKey, MESSAGE, pssSig, NO_COST)).toBe(false);
    const rsaeSig = fixtureBytes('sig/rsa_pss_rsae_sha256.rsa2048.sig');
    expect(verifyMessage('rsa_pss_pss_sha256', pub('server-rsa2048'), MESSAGE, rsaeSig, NO_COST)).toBe(false);
    expect(() => signMessage('rsa_pss_rsae_sha256', key('server-rsapss2048.key.pem'), MESSAGE, NO_COST)).toThrow(SignatureError);
  });

  it('RFC 4055 §1.2: an RSASSA-PSS key is never used for PKCS#1 v1.5', () => {
    expect(keyMatchesScheme('rsa_pkcs1_sha256', pub('server-rsapss2048'))).toBe(false);
    expect(() => signMessage('rsa_pkcs1_sha256', key('server-rsapss2048.key.pem'), MESSAGE, NO_COST)).toThrow(SignatureError);
  });

  it('RFC 8017 §9.1.2: verifySignature (X.509) checks the salt length the parameters give', () => {
    const priv = key('server-rsa2048.key.pem');
    const salt: RandomSource = { fill: (out) => out.fill(7) };
    const sig = signMessage('rsa_pss_rsae_sha256', priv, MESSAGE, NO_COST, salt);
    expect(verifySignature({ family: 'rsa-pss', hash: 'sha256', saltLength: 32 }, pub('server-rsa2048'), MESSAGE, sig, NO_COST)).toBe(true);
    expect(verifySignature({ family: 'rsa-pss', hash: 'sha256', saltLength: 20 }, pub('server-rsa2048'), MESSAGE, sig, NO_COST)).toBe(false);
  });

  it('the wrong key family is false, not an exception', () => {
    const sig = fixtureBytes('sig/ed25519.sig');
    expect(verifyMessage('ed25519', pub('server-p256'), MESSAGE, sig, NO_COST)).toBe(false);
    expect(verifyMessage('rsa_pkcs1_sha256', pub('server-ed25519'), MESSAGE, sig, NO_COST)).toBe(false);
    expect(() => signMessage('ed25519', key('server-rsa2048.key.pem'), MESSAGE, NO_COST)).toThrow(SignatureError);
  });
});

describe('CPU cost model charges', () => {
  it('ECDSA P-256 verify: sha256 over the message, then p256.verify', () => {
    const cost = new RecordingCost();
    verifyMessage('ecdsa_secp256r1_sha256', pub('server-p256'), MESSAGE, fixtureBytes('sig/ecdsa_secp256r1_sha256.sig'), cost);
    expect(cost.charges).toEqual([{ primitive: 'sha256', bytes: MESSAGE.length }, { primitive: 'p256.verify' }]);
  });

  it('P-384 sign and Ed25519 sign/verify (SHA-512 passes charged as sha512)', () => {
    const cost = new RecordingCost();
    signMessage('ecdsa_secp384r1_sha384', key('server-p384.key.pem'), MESSAGE, cost);
    signMessage('ed25519', key('server-ed25519.key.pem'), MESSAGE, cost);
    verifyMessage('ed25519', pub('server-ed25519'), MESSAGE, fixtureBytes('sig/ed25519.sig'), cost);
    expect(cost.names()).toEqual(['sha384', 'p384.sign', 'sha512', 'ed25519.sign', 'sha512', 'ed25519.verify']);
    // RFC 8032 §5.1.6: signing hashes the message twice; §5.1.7: verifying once (plus R ‖ A).
    expect(cost.charges[2]?.bytes).toBe(2 * MESSAGE.length + 128);
    expect(cost.charges[4]?.bytes).toBe(64 + MESSAGE.length);
  });

  it('RSA charges the nearest modelled size: rsa2048.private, rsa3072.public, rsa4096.public', () => {
    const cost = new RecordingCost();
    signMessage('rsa_pkcs1_sha256', key('server-rsa2048.key.pem'), MESSAGE, cost);
    verifyMessage('rsa_pkcs1_sha384', pub('server-rsa3072'), MESSAGE, fixtureBytes('sig/rsa_pkcs1_sha384.rsa3072.sig'), cost);
    verifyMessage('rsa_pss_rsae_sha512', pub('server-rsa4096'), MESSAGE, fixtureBytes('sig/rsa_pss_rsae_sha512.rsa4096.sig'), cost);
    const names = cost.names();
    expect(names).toContain('rsa2048.private');
    expect(names).toContain('rsa3072.public');
    expect(names).toContain('rsa4096.public');
    expect(rsaCostName(2047)).toBe('rsa2048');
    expect(rsaCostName(3000)).toBe('rsa3072');
  });
});

describe('malformed input never throws', () => {
  const schemes: SignatureScheme[] = OPENSSL_SIGS.map(([, , s]) => s);
  const keys = ['server-p256', 'server-p384', 'server-ed25519', 'server-rsa2048', 'server-rsapss2048'].map(pub);

  it('random signatures against every scheme and key are false', () => {
    fc.assert(
      fc.property(fc.constantFrom(...schemes), fc.constantFrom(...keys), fc.uint8Array({ maxLength: 600 }), (scheme, k, sig) => {
        expect(verifyMessage(scheme, k, MESSAGE, sig, NO_COST)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('a CPU-model fault (e.g. modelled stack overflow) propagates instead of reading as a bad signature', () => {
    const faulty = { charge: (p: string): void => { if (p === 'p256.verify') throw new Error('stack-overflow'); } };
    const sig = fixtureBytes('sig/ecdsa_secp256r1_sha256.sig');
    expect(() => verifyMessage('ecdsa_secp256r1_sha256', pub('server-p256'), MESSAGE, sig, faulty)).toThrow('stack-overflow');
  });

  it('garbage keys are false', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.bigInt({ min: 0n, max: 1n << 2100n }), (bytes, n) => {
        expect(verifyMessage('ecdsa_secp256r1_sha256', { kind: 'ec', curve: 'P-256', point: bytes }, MESSAGE, bytes, NO_COST)).toBe(false);
        expect(verifyMessage('ed25519', { kind: 'ed25519', key: bytes }, MESSAGE, new Uint8Array(64), NO_COST)).toBe(false);
        expect(verifyMessage('rsa_pkcs1_sha256', { kind: 'rsa', n, e: 65537n, bits: 2048 }, MESSAGE, bytes, NO_COST)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
