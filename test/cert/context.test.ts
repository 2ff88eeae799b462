/**
 * schannel/cert/context.ts: CERT_CONTEXT fields and reference counting, stores (add
 * dispositions, find, enum), CertGetNameString, loading a credential with its key, the
 * SECPKG_ATTR_REMOTE_CERT_CONTEXT chain context (sspi-behaviour.md §2.7 item 51), memory estimate.
 */
import { describe, expect, it } from 'vitest';
import {
  CERT_CLOSE_STORE_CHECK_FLAG,
  CERT_ENCODING_TYPE,
  CERT_NAME_ATTR_TYPE,
  CERT_NAME_DNS_TYPE,
  CERT_NAME_ISSUER_FLAG,
  CERT_NAME_RDN_TYPE,
  CERT_NAME_SIMPLE_DISPLAY_TYPE,
  CERT_STORE_ADD_ALWAYS,
  CERT_STORE_ADD_NEW,
  CERT_STORE_ADD_REPLACE_EXISTING,
  CERT_STORE_ADD_USE_EXISTING,
  CERT_STRUCT_BYTES,
  CertAddEncodedCertificateToStore,
  CertCloseStore,
  CertContext,
  CertCreateCertificateContext,
  CertDuplicateCertificateContext,
  CertEnumCertificatesInStore,
  CertFindCertificateInStore,
  CertFreeCertificateContext,
  CertGetNameString,
  CertOpenStore,
  CertOpenSystemStore,
  CertSystemStores,
  certContextMemoryBytes,
  createChainContext,
  decodePem,
  loadCertificateWithKey,
  X509_ASN_ENCODING,
} from '../../schannel/cert/index.js';
import { cert, fixtureText } from './helpers.js';

function der(name: string, index = 0): Uint8Array {
  const pem = decodePem(fixtureText(name));
  if (!pem.ok) throw new Error(name);
  return (pem.value[index] as { der: Uint8Array }).der;
}

function create(name: string): CertContext {
  const r = CertCreateCertificateContext(CERT_ENCODING_TYPE, der(name));
  if (!r.ok) throw new Error(r.error.detail);
  return r.value;
}

describe('CERT_CONTEXT', () => {
  it('CertCreateCertificateContext: dwCertEncodingType 0x10001, cbCertEncoded, pCertInfo, no store', () => {
    const ctx = create('server-p256.pem');
    expect(ctx.dwCertEncodingType).toBe(0x10001);
    expect(ctx.cbCertEncoded).toBe(der('server-p256.pem').length);
    expect(ctx.pbCertEncoded).toEqual(der('server-p256.pem'));
    expect(ctx.pCertInfo.subject.text).toBe('O=cesim test PKI, CN=localhost');
    expect(ctx.hCertStore).toBeNull();
    expect(ctx.refCount).toBe(1);
  });

  it('copies the caller\'s bytes', () => {
    const bytes = new Uint8Array(der('server-p256.pem'));
    const r = CertCreateCertificateContext(X509_ASN_ENCODING, bytes);
    bytes.fill(0);
    expect(r.ok && r.value.pbCertEncoded[0]).toBe(0x30);
  });

  it('bad bytes or an encoding type without X509_ASN_ENCODING fail with a typed error', () => {
    expect(CertCreateCertificateContext(CERT_ENCODING_TYPE, new Uint8Array([1, 2, 3])).ok).toBe(false);
    expect(CertCreateCertificateContext(0x10000, der('server-p256.pem')).ok).toBe(false);
  });

  it('Duplicate adds a reference to the same object; Free drops one; a double free is false', () => {
    const ctx = create('server-p256.pem');
    expect(CertDuplicateCertificateContext(ctx)).toBe(ctx);
    expect(ctx.refCount).toBe(2);
    expect(CertFreeCertificateContext(ctx)).toBe(true);
    expect(CertFreeCertificateContext(ctx)).toBe(true);
    expect(ctx.refCount).toBe(0);
    expect(CertFreeCertificateContext(ctx)).toBe(false);
    expect(CertFreeCertificateContext(null)).toBe(true);
  });
});

describe('stores', () => {
  it('add dispositions: NEW fails on a duplicate, USE_EXISTING returns it, ALWAYS adds another', () => {
    const store = CertOpenStore('memory');
    const a = CertAddEncodedCertificateToStore(store, CERT_ENCODING_TYPE, der('ec-root.pem'), CERT_STORE_ADD_NEW);
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    expect(a.value.hCertStore).toBe(store);
    expect(a.value.refCount).toBe(2); // the store's and the caller's
    expect(CertAddEncodedCertificateToStore(store, CERT_ENCODING_TYPE, der('ec-root.pem'), CERT_STORE_ADD_NEW).ok).toBe(false);
    const b = CertAddEncodedCertificateToStore(store, CERT_ENCODING_TYPE, der('ec-root.pem'), CERT_STORE_ADD_USE_EXISTING);
    expect(b.ok && b.value).toBe(a.value);
    const c = CertAddEncodedCertificateToStore(store, CERT_ENCODING_TYPE, der('ec-root.pem'), CERT_STORE_ADD_REPLACE_EXISTING);
    expect(c.ok && c.value).not.toBe(a.value);
    expect(store.size).toBe(1);
    CertAddEncodedCertificateToStore(store, CERT_ENCODING_TYPE, der('ec-root.pem'), CERT_STORE_ADD_ALWAYS);
    expect(store.size).toBe(2);
  });

  it('find by subject, issuer and key identifier; enumerate frees prev and references the next', () => {
    const store = CertOpenStore('memory');
    for (const f of ['ec-root.pem', 'ec-int.pem', 'server-p256.pem']) {
      const r = CertAddEncodedCertificateToStore(store, CERT_ENCODING_TYPE, der(f), CERT_STORE_ADD_NEW);
      if (r.ok) CertFreeCertificateContext(r.value);
    }
    const int = cert('ec-int.pem');
    expect(store.findBySubject(int.subject.der).map((c) => c.pCertInfo.serialHex)).toEqual([int.serialHex]);
    expect(store.findByIssuer(int.subject.der).length).toBe(1);
    expect(store.findBySubjectKeyId(int.extensions.subjectKeyIdentifier as Uint8Array).length).toBe(1);
    const found = CertFindCertificateInStore(store, { type: 'issuer-name', name: cert('ec-root.pem').subject.der }, null);
    // ec-root is self-issued, so it and ec-int both have the root as issuer.
    expect(found?.pCertInfo.subject.text).toBe('O=cesim test PKI, CN=cesim Root CA P-256');
    const next = CertFindCertificateInStore(store, { type: 'issuer-name', name: cert('ec-root.pem').subject.der }, found);
    expect(next?.pCertInfo.subject.text).toBe('O=cesim test PKI, CN=cesim Intermediate CA P-256');
    expect(found?.refCount).toBe(1);
    CertFreeCertificateContext(next);

    const seen: string[] = [];
    let e: CertContext | null = null;
    while ((e = CertEnumCertificatesInStore(store, e)) !== null) seen.push(e.pCertInfo.serialHex);
    expect(seen.length).toBe(3);
    expect(store.certificates().every((c) => c.refCount === 1)).toBe(true);
  });

  it('CertCloseStore with CERT_CLOSE_STORE_CHECK_FLAG reports contexts still referenced', () => {
    const store = CertOpenStore('memory');
    const r = CertAddEncodedCertificateToStore(store, CERT_ENCODING_TYPE, der('ec-root.pem'), CERT_STORE_ADD_NEW);
    expect(CertCloseStore(store, CERT_CLOSE_STORE_CHECK_FLAG)).toBe(false);
    expect(r.ok && r.value.refCount).toBe(1);
    const s2 = CertOpenStore('memory');
    const r2 = CertAddEncodedCertificateToStore(s2, CERT_ENCODING_TYPE, der('ec-root.pem'), CERT_STORE_ADD_NEW);
    if (r2.ok) CertFreeCertificateContext(r2.value);
    expect(CertCloseStore(s2, CERT_CLOSE_STORE_CHECK_FLAG)).toBe(true);
  });

  it('system stores are per CertSystemStores instance (per device) and case-insensitive', () => {
    const dev1 = new CertSystemStores();
    const dev2 = new CertSystemStores();
    const root = CertOpenSystemStore(dev1, 'ROOT');
    CertAddEncodedCertificateToStore(root, CERT_ENCODING_TYPE, der('ec-root.pem'), CERT_STORE_ADD_NEW);
    expect(CertOpenSystemStore(dev1, 'root').size).toBe(1);
    expect(CertOpenSystemStore(dev2, 'ROOT').size).toBe(0);
    expect(CertOpenSystemStore(dev1, 'MY').size).toBe(0);
  });
});

describe('CertGetNameString', () => {
  it('DNS type: first SAN dNSName, else CN; simple display: CN; issuer flag names the issuer', () => {
    const leaf = create('server-p256.pem');
    expect(CertGetNameString(leaf, CERT_NAME_DNS_TYPE)).toBe('localhost');
    expect(CertGetNameString(create('cn-only.pem'), CERT_NAME_DNS_TYPE)).toBe('cn-only.test');
    expect(CertGetNameString(leaf, CERT_NAME_SIMPLE_DISPLAY_TYPE)).toBe('localhost');
    expect(CertGetNameString(leaf, CERT_NAME_SIMPLE_DISPLAY_TYPE, CERT_NAME_ISSUER_FLAG)).toBe('cesim Intermediate CA P-256');
    expect(CertGetNameString(leaf, CERT_NAME_ATTR_TYPE, 0, '2.5.4.10')).toBe('cesim test PKI');
    expect(CertGetNameString(leaf, CERT_NAME_RDN_TYPE)).toBe('O=cesim test PKI, CN=localhost');
    expect(CertGetNameString(leaf, 99)).toBe('');
  });
});

describe('credentials and the peer chain context', () => {
  it('loadCertificateWithKey attaches the key; the store holds the chain leaf first', () => {
    const r = loadCertificateWithKey(fixtureText('server-p256.chain.pem'), fixtureText('server-p256.key.pem'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.privateKey?.kind).toBe('ec');
    expect(r.value.hCertStore?.certificates().map((c) => c.pCertInfo.subject.text)).toEqual([
      'O=cesim test PKI, CN=localhost',
      'O=cesim test PKI, CN=cesim Intermediate CA P-256',
    ]);
  });

  it('loadCertificateWithKey with someone else\'s key is key-mismatch; with a bad key, its parse error', () => {
    expect(loadCertificateWithKey(fixtureText('server-p256.pem'), fixtureText('client-p256.key.pem'))).toMatchObject({
      ok: false,
      error: { kind: 'key-mismatch' },
    });
    expect(loadCertificateWithKey(fixtureText('server-p256.pem'), 'nothing')).toMatchObject({ ok: false, error: { kind: 'empty' } });
  });

  it('§2.7 item 51: the remote cert context\'s hCertStore holds the whole peer chain including the leaf', () => {
    const r = createChainContext([der('bad-nonca.chain.pem', 0), der('bad-nonca.chain.pem', 1), der('bad-nonca.chain.pem', 2)]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const store = r.value.hCertStore;
    expect(store?.size).toBe(3);
    expect(store?.certificates()[0]).toBe(r.value);
    expect(r.value.refCount).toBe(2);
    expect(CertFreeCertificateContext(r.value)).toBe(true);
    expect(createChainContext([])).toMatchObject({ ok: false, error: { kind: 'empty' } });
  });
});

describe('memory accounting', () => {
  it('DER + CERT_CONTEXT 20 + CERT_INFO 112 + decoded names/extensions', () => {
    const ctx = create('server-p256.pem');
    const m = certContextMemoryBytes(ctx);
    expect(CERT_STRUCT_BYTES.CERT_CONTEXT).toBe(20);
    expect(CERT_STRUCT_BYTES.CERT_INFO).toBe(112);
    expect(m.certContext).toBe(20);
    expect(m.certInfo).toBe(112);
    expect(m.encoded).toBeGreaterThanOrEqual(ctx.cbCertEncoded);
    expect(m.total).toBe(m.encoded + 20 + 112 + m.decoded);
    const info = ctx.pCertInfo;
    expect(m.decoded).toBeGreaterThan(info.issuer.der.length + info.subject.der.length + info.extensions.all.length * 16);
    // A bigger certificate costs more.
    expect(certContextMemoryBytes(cert('server-rsa4096.pem')).total).toBeGreaterThan(m.total);
  });
});
