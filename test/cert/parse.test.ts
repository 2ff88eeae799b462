/**
 * schannel/cert/parse.ts: every fixture in test/fixtures/pki parses with the expected keys,
 * names, extensions and signature algorithms; private keys in PKCS#8, SEC1 and PKCS#1 forms;
 * typed errors instead of exceptions.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  OID,
  decodePem,
  keyMatchesCertificate,
  parseCertificate,
  parseCertificates,
  parsePrivateKey,
  type ParsedCertificate,
} from '../../schannel/cert/index.js';
import { PKI_DIR, cert, certs, fixtureText, key } from './helpers.js';

const SERVER_SANS = ['localhost', 'device.test', '*.devices.test'];

/** [fixture, key kind/curve, signature scheme of the certificate, RSA bits] */
const LEAVES: readonly [string, string, string, number?][] = [
  ['server-p256', 'ec:P-256', 'ecdsa_secp256r1_sha256'],
  ['server-p384', 'ec:P-384', 'ecdsa_secp384r1_sha384'],
  ['server-ed25519', 'ed25519', 'ecdsa_secp256r1_sha256'],
  ['server-rsa2048', 'rsa', 'rsa_pkcs1_sha256', 2048],
  ['server-rsapss2048', 'rsa-pss', 'rsa_pss_rsae_sha256', 2048],
  ['server-rsa3072', 'rsa', 'rsa_pkcs1_sha384', 3072],
  ['server-rsa4096', 'rsa', 'rsa_pss_rsae_sha512', 4096],
];

function keyDesc(c: ParsedCertificate): string {
  const k = c.publicKey;
  if (k === null) return 'none';
  if (k.kind === 'ec') return `ec:${k.curve}`;
  if (k.kind === 'rsa') return k.pssOnly === true ? 'rsa-pss' : 'rsa';
  return k.kind;
}

describe('every fixture certificate parses', () => {
  const files = readdirSync(PKI_DIR).filter((f) => f.endsWith('.pem') && !f.includes('key'));
  for (const f of files) {
    it(f, () => {
      const r = parseCertificates(fixtureText(f));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      for (const c of r.value) {
        expect(c.version).toBe(3);
        expect(c.publicKey).not.toBeNull();
        expect(c.signatureAlgorithm.algorithm).not.toBeNull();
        expect(c.tbs.length).toBeLessThan(c.der.length);
      }
    });
  }
});

describe('server leaves', () => {
  for (const [name, kind, scheme, bits] of LEAVES) {
    it(`${name}: ${kind} key, ${scheme}, SANs, EKU serverAuth, CA:FALSE`, () => {
      const c = cert(`${name}.pem`);
      expect(keyDesc(c)).toBe(kind);
      if (bits !== undefined && c.publicKey?.kind === 'rsa') expect(c.publicKey.bits).toBe(bits);
      expect(c.signatureAlgorithm.scheme).toBe(scheme);
      expect(c.subject.text).toBe('O=cesim test PKI, CN=localhost');
      expect(c.extensions.subjectAltName?.dns).toEqual(SERVER_SANS);
      expect(c.extensions.subjectAltName?.ip).toEqual([new Uint8Array([127, 0, 0, 1])]);
      expect(c.extensions.extKeyUsage).toEqual([OID.serverAuth]);
      expect(c.extensions.basicConstraints).toEqual({ cA: false, critical: true });
      expect(c.extensions.keyUsage).toContain('digitalSignature');
      expect(c.notBefore).toBe(Date.UTC(2025, 0, 1));
      expect(c.notAfter).toBe(Date.UTC(2045, 0, 1));
      expect(c.selfIssued).toBe(false);
    });
  }

  it('RSA leaves signed by rsa-root; RSASSA-PSS signature parameters carry the salt length (RFC 4055 §3.1)', () => {
    const pss = cert('server-rsapss2048.pem');
    expect(pss.signatureAlgorithm.oid).toBe(OID.rsassaPss);
    expect(pss.signatureAlgorithm.algorithm).toEqual({ family: 'rsa-pss', hash: 'sha256', saltLength: 32 });
    expect(cert('server-rsa4096.pem').signatureAlgorithm.algorithm).toEqual({ family: 'rsa-pss', hash: 'sha512', saltLength: 64 });
    expect(cert('server-rsa2048.pem').issuer.text).toBe('O=cesim test PKI, CN=cesim Root CA RSA');
  });
});

describe('CAs and special certificates', () => {
  it('ec-root: self-signed CA without pathLen; keyCertSign, cRLSign', () => {
    const c = cert('ec-root.pem');
    expect(c.selfIssued).toBe(true);
    expect(c.extensions.basicConstraints).toEqual({ cA: true, critical: true });
    expect(c.extensions.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(c.serialHex).toBe('1000');
    expect(c.extensions.authorityKeyIdentifier).toBeUndefined();
  });

  it('ec-int: pathLen 0; its SKI is the leaf AKI; its issuer DER is the root subject DER', () => {
    const int = cert('ec-int.pem');
    const leaf = cert('server-p256.pem');
    expect(int.extensions.basicConstraints).toEqual({ cA: true, critical: true, pathLenConstraint: 0 });
    expect(leaf.extensions.authorityKeyIdentifier).toEqual(int.extensions.subjectKeyIdentifier);
    expect(int.issuer.der).toEqual(cert('ec-root.pem').subject.der);
    expect(leaf.issuer.der).toEqual(int.subject.der);
  });

  it('client-p256: clientAuth EKU, no SAN', () => {
    const c = cert('client-p256.pem');
    expect(c.extensions.extKeyUsage).toEqual([OID.clientAuth]);
    expect(c.extensions.subjectAltName).toBeUndefined();
    expect(c.subject.text).toBe('O=cesim test PKI, CN=cesim client');
  });

  it('bad-expired and bad-notyet carry the fixed windows', () => {
    expect(cert('bad-expired.pem').notBefore).toBe(Date.UTC(2020, 0, 1));
    expect(cert('bad-expired.pem').notAfter).toBe(Date.UTC(2021, 0, 1));
    expect(cert('bad-notyet.pem').notBefore).toBe(Date.UTC(2030, 0, 1));
  });

  it('bad-noserverauth: codeSigning only; cn-only: no SAN; bad-wrongname: other.test', () => {
    expect(cert('bad-noserverauth.pem').extensions.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.3']);
    expect(cert('cn-only.pem').extensions.subjectAltName).toBeUndefined();
    expect(cert('bad-wrongname.pem').extensions.subjectAltName?.dns).toEqual(['other.test']);
  });

  it('chain files hold leaf then intermediates; roots.pem holds both roots', () => {
    expect(certs('server-p256.chain.pem').map((c) => c.subject.text)).toEqual([
      'O=cesim test PKI, CN=localhost',
      'O=cesim test PKI, CN=cesim Intermediate CA P-256',
    ]);
    expect(certs('roots.pem').length).toBe(2);
    expect(certs('bad-nonca.chain.pem').length).toBe(3);
  });
});

describe('private keys', () => {
  const pairs: readonly [string, string, string][] = [
    ['server-p256.key.pem', 'server-p256.pem', 'ec'],
    ['server-p256.sec1.key.pem', 'server-p256.pem', 'ec'],
    ['server-p384.key.pem', 'server-p384.pem', 'ec'],
    ['server-p384.sec1.key.pem', 'server-p384.pem', 'ec'],
    ['server-ed25519.key.pem', 'server-ed25519.pem', 'ed25519'],
    ['server-rsa2048.key.pem', 'server-rsa2048.pem', 'rsa'],
    ['server-rsa2048.pkcs1.key.pem', 'server-rsa2048.pem', 'rsa'],
    ['server-rsapss2048.key.pem', 'server-rsapss2048.pem', 'rsa'],
    ['server-rsa3072.key.pem', 'server-rsa3072.pem', 'rsa'],
    ['server-rsa4096.key.pem', 'server-rsa4096.pem', 'rsa'],
    ['client-p256.key.pem', 'client-p256.pem', 'ec'],
    ['rsa-root.key.pem', 'rsa-root.pem', 'rsa'],
  ];
  for (const [k, c, kind] of pairs) {
    it(`${k} is a ${kind} key matching ${c}`, () => {
      const priv = key(k);
      expect(priv.kind).toBe(kind);
      expect(keyMatchesCertificate(priv, cert(c).publicKey)).toBe(true);
    });
  }

  it('SEC1 and PKCS#8 encodings of one EC key agree; PKCS#1 and PKCS#8 of one RSA key agree', () => {
    expect(key('server-p256.sec1.key.pem')).toEqual(key('server-p256.key.pem'));
    expect(key('server-rsa2048.pkcs1.key.pem')).toEqual(key('server-rsa2048.key.pem'));
  });

  it('an RSASSA-PSS PKCS#8 key is marked pssOnly', () => {
    const k = key('server-rsapss2048.key.pem');
    expect(k.kind === 'rsa' && k.pssOnly).toBe(true);
  });

  it('a key that is not the certificate\'s does not match', () => {
    expect(keyMatchesCertificate(key('client-p256.key.pem'), cert('server-p256.pem').publicKey)).toBe(false);
    expect(keyMatchesCertificate(key('server-rsa2048.key.pem'), cert('server-p256.pem').publicKey)).toBe(false);
  });

  it('DER input works for keys (PKCS#8, SEC1, PKCS#1 tried in turn)', () => {
    for (const f of ['server-p256.key.pem', 'server-p256.sec1.key.pem', 'server-rsa2048.pkcs1.key.pem']) {
      const pem = decodePem(fixtureText(f));
      expect(pem.ok).toBe(true);
      if (!pem.ok) continue;
      const r = parsePrivateKey((pem.value[0] as { der: Uint8Array }).der);
      expect(r.ok).toBe(true);
    }
  });
});

describe('typed errors, never exceptions', () => {
  const der = (): Uint8Array => {
    const pem = decodePem(fixtureText('server-p256.pem'));
    if (!pem.ok) throw new Error('fixture');
    return (pem.value[0] as { der: Uint8Array }).der;
  };

  it('DER certificate input parses (single certificate)', () => {
    const r = parseCertificates(der());
    expect(r.ok && r.value.length).toBe(1);
  });

  it('RFC 5280 §4.1: trailing bytes after the Certificate are malformed', () => {
    const d = der();
    const r = parseCertificate(new Uint8Array([...d, 0, 0]));
    expect(r).toMatchObject({ ok: false, error: { kind: 'malformed' } });
  });

  it('truncated DER is malformed', () => {
    expect(parseCertificate(der().subarray(0, 100))).toMatchObject({ ok: false, error: { kind: 'malformed' } });
  });

  it('RFC 5280 §4.1.1.2: signatureAlgorithm must equal tbsCertificate.signature', () => {
    const d = new Uint8Array(der());
    // ecdsa-with-SHA256 OID 2a8648ce3d040302 occurs twice; change only the outer one (the last).
    const oid = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    let last = -1;
    for (let i = 0; i + oid.length <= d.length; i++) if (oid.every((b, j) => d[i + j] === b)) last = i;
    d[last + 7] = 0x03;
    expect(parseCertificate(d)).toMatchObject({ ok: false, error: { kind: 'malformed' } });
  });

  it('no certificate in the text is `empty`; bad base64 is `malformed`', () => {
    expect(parseCertificates('hello')).toMatchObject({ ok: false, error: { kind: 'empty' } });
    expect(parseCertificates('-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----')).toMatchObject({
      ok: false,
      error: { kind: 'malformed' },
    });
    expect(parsePrivateKey('')).toMatchObject({ ok: false, error: { kind: 'empty' } });
  });

  it('encrypted PKCS#8 is unsupported-algorithm', () => {
    expect(parsePrivateKey('-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----')).toMatchObject({
      ok: false,
      error: { kind: 'unsupported-algorithm' },
    });
  });

  it('a certificate passed as a key is malformed, not a throw', () => {
    const r = parsePrivateKey(der());
    expect(r.ok).toBe(false);
  });
});
