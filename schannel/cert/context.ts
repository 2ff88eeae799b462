/**
 * Certificate contexts and stores: cesim's model of wincrypt's `CERT_CONTEXT`, `HCERTSTORE` and
 * the handful of `Cert*` functions Schannel and its callers use.
 *
 * A {@link CertContext} is reference counted as on Windows: `CertDuplicateCertificateContext`
 * returns the same object with one more reference, `CertFreeCertificateContext` drops one, and a
 * store holds one reference on each context it contains until `CertCloseStore`. Stores are plain
 * in-memory collections; the system stores (`ROOT`, `MY`, `CA`) live in a
 * {@link CertSystemStores} that the Schannel layer keeps per device (no global state).
 *
 * The private key attached to a context stands for `CERT_KEY_PROV_INFO` + the CSP key container
 * (CE 2.10 has no CNG): Schannel server and client credentials need it to sign.
 *
 * @module
 */
import { publicKeyOf } from '../crypto/signatures.js';
import type { PrivateKey, PublicKey } from '../crypto/types.js';
import { bytesEqual } from '../../common/index.js';
import {
  parseCertificate,
  parseCertificates,
  parsePrivateKey,
  type ParsedCertificate,
  type ParseResult,
} from './parse.js';

/** wincrypt `X509_ASN_ENCODING`. */
export const X509_ASN_ENCODING = 0x00000001;
/** wincrypt `PKCS_7_ASN_ENCODING`. */
export const PKCS_7_ASN_ENCODING = 0x00010000;
/** The encoding type every cesim context carries: `X509_ASN_ENCODING | PKCS_7_ASN_ENCODING`. */
export const CERT_ENCODING_TYPE = X509_ASN_ENCODING | PKCS_7_ASN_ENCODING;

/** `CertAdd*ToStore` dispositions (wincrypt.h). */
export const CERT_STORE_ADD_NEW = 1;
/** See {@link CERT_STORE_ADD_NEW}. */
export const CERT_STORE_ADD_USE_EXISTING = 2;
/** See {@link CERT_STORE_ADD_NEW}. */
export const CERT_STORE_ADD_REPLACE_EXISTING = 3;
/** See {@link CERT_STORE_ADD_NEW}. */
export const CERT_STORE_ADD_ALWAYS = 4;

/** `CertGetNameString` types (wincrypt.h). */
export const CERT_NAME_EMAIL_TYPE = 1;
/** See {@link CERT_NAME_EMAIL_TYPE}. */
export const CERT_NAME_RDN_TYPE = 2;
/** See {@link CERT_NAME_EMAIL_TYPE}. */
export const CERT_NAME_ATTR_TYPE = 3;
/** See {@link CERT_NAME_EMAIL_TYPE}. */
export const CERT_NAME_SIMPLE_DISPLAY_TYPE = 4;
/** See {@link CERT_NAME_EMAIL_TYPE}. */
export const CERT_NAME_FRIENDLY_DISPLAY_TYPE = 5;
/** See {@link CERT_NAME_EMAIL_TYPE}. */
export const CERT_NAME_DNS_TYPE = 6;
/** `CertGetNameString` flag: name the issuer instead of the subject. */
export const CERT_NAME_ISSUER_FLAG = 0x1;

/** `CertOpenStore` flag to fail `CertCloseStore` (here: report) when contexts are still referenced. */
export const CERT_CLOSE_STORE_CHECK_FLAG = 0x2;

/**
 * `CERT_CONTEXT`: the encoded certificate, its decoded `CERT_INFO`, and the store it lives in.
 * Field names are wincrypt's; `pCertInfo` is the parsed certificate.
 */
export class CertContext {
  /** Always `X509_ASN_ENCODING | PKCS_7_ASN_ENCODING` (0x10001). */
  readonly dwCertEncodingType: number = CERT_ENCODING_TYPE;
  /** The encoded certificate (owned by the context; do not mutate). */
  readonly pbCertEncoded: Uint8Array;
  /** The decoded certificate (`CERT_INFO`). */
  readonly pCertInfo: ParsedCertificate;
  /** The store holding this context, or `null` for a context made by `CertCreateCertificateContext`. */
  hCertStore: CertStore | null;
  /** The attached private key (`CERT_KEY_PROV_INFO` analogue), if any. */
  privateKey: PrivateKey | null = null;
  private refs = 1;

  /** Use {@link CertCreateCertificateContext} or a store's add function instead. */
  constructor(info: ParsedCertificate, store: CertStore | null) {
    this.pCertInfo = info;
    this.pbCertEncoded = info.der;
    this.hCertStore = store;
  }

  /** `cbCertEncoded`. */
  get cbCertEncoded(): number {
    return this.pbCertEncoded.length;
  }

  /** The current reference count (0 once the last reference is freed). */
  get refCount(): number {
    return this.refs;
  }

  /** @internal */
  addRef(): void {
    this.refs++;
  }

  private releaseHook: { at: number; fn: () => void } | null = null;

  /**
   * Runs `fn` once when the reference handed out now is given back (the count falls below what
   * it is now): a context that lives in device memory (the one `SECPKG_ATTR_REMOTE_CERT_CONTEXT`
   * hands out) releases its block there.
   */
  onRelease(fn: () => void): void {
    this.releaseHook = { at: this.refs - 1, fn };
  }

  /** @internal Drops one reference; false when there was none left (a double free). */
  release(): boolean {
    if (this.refs <= 0) return false;
    this.refs--;
    if (this.releaseHook && this.refs <= this.releaseHook.at) {
      const f = this.releaseHook.fn;
      this.releaseHook = null;
      f();
    }
    return true;
  }
}

/** What a store can be searched by (`CertFindCertificateInStore`'s dwFindType + pvFindPara). */
export type CertFindPara =
  /** `CERT_FIND_ANY` */
  | { type: 'any' }
  /** `CERT_FIND_SUBJECT_NAME`: the encoded subject Name equals `name`. */
  | { type: 'subject-name'; name: Uint8Array }
  /** `CERT_FIND_ISSUER_NAME`: the encoded issuer Name equals `name`. */
  | { type: 'issuer-name'; name: Uint8Array }
  /** `CERT_FIND_KEY_IDENTIFIER`: the subjectKeyIdentifier equals `keyId`. */
  | { type: 'key-identifier'; keyId: Uint8Array }
  /** `CERT_FIND_EXISTING`: the same encoded certificate. */
  | { type: 'existing'; cert: CertContext }
  /**
   * `CERT_FIND_SUBJECT_STR` / `CERT_FIND_ISSUER_STR`: `text` occurs, ignoring case, in the
   * subject's (or issuer's) name string (`CertNameToStr` form, e.g. `O=cesim, CN=device.test`),
   * as CryptoAPI's substring match does.
   */
  | { type: 'subject-str' | 'issuer-str'; text: string };

/** An in-memory certificate store (`HCERTSTORE`). */
export class CertStore {
  /** `MEMORY`, or the system store's name (`ROOT`, `MY`, `CA`). */
  readonly name: string;
  private readonly contexts: CertContext[] = [];
  private closed = false;

  /** Use {@link CertOpenStore} or {@link CertSystemStores.open}. */
  constructor(name: string) {
    this.name = name;
  }

  /** The contexts in the store, in insertion order (no references are taken). */
  certificates(): readonly CertContext[] {
    return this.contexts;
  }

  /** The number of certificates in the store. */
  get size(): number {
    return this.contexts.length;
  }

  /** Whether {@link CertCloseStore} has been called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Every context matching `para`, in store order (no references are taken). */
  findAll(para: CertFindPara): CertContext[] {
    return this.contexts.filter((c) => matches(c, para));
  }

  /** Certificates whose subject is `nameDer` (issuer candidates when building a chain). */
  findBySubject(nameDer: Uint8Array): CertContext[] {
    return this.findAll({ type: 'subject-name', name: nameDer });
  }

  /** Certificates whose issuer is `nameDer`. */
  findByIssuer(nameDer: Uint8Array): CertContext[] {
    return this.findAll({ type: 'issuer-name', name: nameDer });
  }

  /** Certificates whose subjectKeyIdentifier is `keyId`. */
  findBySubjectKeyId(keyId: Uint8Array): CertContext[] {
    return this.findAll({ type: 'key-identifier', keyId });
  }

  /** The context holding exactly these encoded bytes, if any. */
  findEncoded(der: Uint8Array): CertContext | null {
    return this.contexts.find((c) => bytesEqual(c.pbCertEncoded, der)) ?? null;
  }

  /** @internal */
  insert(ctx: CertContext, replace: CertContext | null): void {
    if (replace !== null) {
      const i = this.contexts.indexOf(replace);
      if (i >= 0) {
        this.contexts.splice(i, 1, ctx);
        replace.hCertStore = null;
        replace.release();
        return;
      }
    }
    this.contexts.push(ctx);
  }

  /** @internal Releases the store's references; returns how many contexts are still referenced elsewhere. */
  close(): number {
    if (this.closed) return 0;
    this.closed = true;
    let stillReferenced = 0;
    for (const c of this.contexts) {
      c.release();
      if (c.refCount > 0) stillReferenced++;
    }
    this.contexts.length = 0;
    return stillReferenced;
  }
}

function matches(c: CertContext, para: CertFindPara): boolean {
  const info = c.pCertInfo;
  switch (para.type) {
    case 'any':
      return true;
    case 'subject-name':
      return bytesEqual(info.subject.der, para.name);
    case 'issuer-name':
      return bytesEqual(info.issuer.der, para.name);
    case 'key-identifier': {
      const ski = info.extensions.subjectKeyIdentifier;
      return ski !== undefined && bytesEqual(ski, para.keyId);
    }
    case 'existing':
      return bytesEqual(c.pbCertEncoded, para.cert.pbCertEncoded);
    case 'subject-str':
      return info.subject.text.toLowerCase().includes(para.text.toLowerCase());
    case 'issuer-str':
      return info.issuer.text.toLowerCase().includes(para.text.toLowerCase());
  }
}

/**
 * The named system stores of one device (`ROOT`, `MY`, `CA`, …), created empty on first open.
 * Keep one per device (e.g. `device.service('cert-stores', () => new CertSystemStores())`).
 */
export class CertSystemStores {
  private readonly stores = new Map<string, CertStore>();

  /** Opens (creating if needed) the system store `name`; names are case-insensitive as on Windows. */
  open(name: string): CertStore {
    const key = name.toUpperCase();
    let s = this.stores.get(key);
    if (s === undefined || s.isClosed) {
      s = new CertStore(key);
      this.stores.set(key, s);
    }
    return s;
  }

  /** The names of the stores opened so far. */
  names(): string[] {
    return [...this.stores.keys()];
  }
}

/** `CertOpenStore(CERT_STORE_PROV_MEMORY, …)`: a new, empty in-memory store. */
export function CertOpenStore(provider: 'memory'): CertStore {
  return new CertStore(provider === 'memory' ? 'MEMORY' : provider);
}

/** `CertOpenSystemStore(hProv, szSubsystemProtocol)`: the named store of `stores`. */
export function CertOpenSystemStore(stores: CertSystemStores, name: string): CertStore {
  return stores.open(name);
}

/**
 * `CertCloseStore`: drops the store's reference on each context. With
 * `CERT_CLOSE_STORE_CHECK_FLAG`, returns false when some context is still referenced
 * (Windows: `CRYPT_E_PENDING_CLOSE`); the store is closed either way.
 */
export function CertCloseStore(store: CertStore, flags = 0): boolean {
  const pending = store.close();
  return (flags & CERT_CLOSE_STORE_CHECK_FLAG) === 0 || pending === 0;
}

/**
 * `CertCreateCertificateContext`: parses an encoded certificate into a standalone context
 * (reference count 1, no store). The bytes are copied.
 */
export function CertCreateCertificateContext(
  dwCertEncodingType: number,
  pbCertEncoded: Uint8Array,
): ParseResult<CertContext> {
  if ((dwCertEncodingType & X509_ASN_ENCODING) === 0) {
    return { ok: false, error: { kind: 'malformed', detail: 'encoding type lacks X509_ASN_ENCODING' } };
  }
  const parsed = parseCertificate(pbCertEncoded);
  if (!parsed.ok) return parsed;
  return { ok: true, value: new CertContext(parsed.value, null) };
}

/** `CertDuplicateCertificateContext`: the same context with one more reference. */
export function CertDuplicateCertificateContext(ctx: CertContext): CertContext {
  ctx.addRef();
  return ctx;
}

/**
 * `CertFreeCertificateContext`: drops one reference. `null` is accepted (TRUE, as on Windows);
 * freeing a context with no references left returns false (a double free).
 */
export function CertFreeCertificateContext(ctx: CertContext | null): boolean {
  if (ctx === null) return true;
  return ctx.release();
}

/**
 * `CertAddEncodedCertificateToStore`: parses and adds, returning the store's context with a
 * reference for the caller (free it with {@link CertFreeCertificateContext}).
 * A duplicate is the same encoded certificate; `CERT_STORE_ADD_NEW` fails on one
 * (`CRYPT_E_EXISTS`, reported as `malformed` with that detail).
 */
export function CertAddEncodedCertificateToStore(
  store: CertStore,
  dwCertEncodingType: number,
  pbCertEncoded: Uint8Array,
  dwAddDisposition: number,
): ParseResult<CertContext> {
  const created = CertCreateCertificateContext(dwCertEncodingType, pbCertEncoded);
  if (!created.ok) return created;
  const result = CertAddCertificateContextToStore(store, created.value, dwAddDisposition);
  created.value.release();
  return result;
}

/**
 * `CertAddCertificateContextToStore`: adds a copy of `ctx` (keeping its private key) to `store`;
 * returns the store's context with a reference for the caller.
 */
export function CertAddCertificateContextToStore(
  store: CertStore,
  ctx: CertContext,
  dwAddDisposition: number,
): ParseResult<CertContext> {
  if (store.isClosed) return { ok: false, error: { kind: 'malformed', detail: 'store is closed' } };
  const existing = store.findEncoded(ctx.pbCertEncoded);
  if (existing !== null) {
    switch (dwAddDisposition) {
      case CERT_STORE_ADD_NEW:
        return { ok: false, error: { kind: 'malformed', detail: 'CRYPT_E_EXISTS: already in the store' } };
      case CERT_STORE_ADD_USE_EXISTING:
        existing.addRef();
        return { ok: true, value: existing };
      case CERT_STORE_ADD_REPLACE_EXISTING:
      case CERT_STORE_ADD_ALWAYS:
        break;
      default:
        return { ok: false, error: { kind: 'malformed', detail: `bad disposition ${dwAddDisposition}` } };
    }
  }
  const copy = new CertContext(ctx.pCertInfo, store);
  copy.privateKey = ctx.privateKey;
  store.insert(copy, dwAddDisposition === CERT_STORE_ADD_REPLACE_EXISTING ? existing : null);
  copy.addRef(); // one for the store, one for the caller
  return { ok: true, value: copy };
}

/**
 * `CertEnumCertificatesInStore`: the context after `prev` (or the first), with a new reference;
 * `prev` is freed, as on Windows. `null` at the end.
 */
export function CertEnumCertificatesInStore(store: CertStore, prev: CertContext | null): CertContext | null {
  return CertFindCertificateInStore(store, { type: 'any' }, prev);
}

/**
 * `CertFindCertificateInStore`: the next context after `prev` matching `para`, with a new
 * reference; `prev` is freed. `null` when there is no further match.
 */
export function CertFindCertificateInStore(
  store: CertStore,
  para: CertFindPara,
  prev: CertContext | null,
): CertContext | null {
  const all = store.certificates();
  const start = prev === null ? 0 : all.indexOf(prev) + 1;
  if (prev !== null) prev.release();
  if (prev !== null && start === 0) return null;
  for (let i = start; i < all.length; i++) {
    const c = all[i] as CertContext;
    if (matches(c, para)) {
      c.addRef();
      return c;
    }
  }
  return null;
}

/**
 * `CertGetNameString` for the types cesim's callers use:
 * - `CERT_NAME_DNS_TYPE`: the first subjectAltName dNSName, else the CN;
 * - `CERT_NAME_SIMPLE_DISPLAY_TYPE` / `FRIENDLY_DISPLAY`: CN, else OU, else O, else the first
 *   SAN DNS name, else the e-mail attribute;
 * - `CERT_NAME_ATTR_TYPE`: the value of the attribute OID `attrOid` (default CN);
 * - `CERT_NAME_RDN_TYPE`: the whole name as `O=…, CN=…`;
 * - `CERT_NAME_EMAIL_TYPE`: the `E` attribute.
 * With `CERT_NAME_ISSUER_FLAG` the issuer is named (SANs are then not consulted). Returns `''`
 * when there is nothing to return (Windows returns the empty string too).
 */
export function CertGetNameString(ctx: CertContext, dwType: number, dwFlags = 0, attrOid = '2.5.4.3'): string {
  const info = ctx.pCertInfo;
  const issuer = (dwFlags & CERT_NAME_ISSUER_FLAG) !== 0;
  const name = issuer ? info.issuer : info.subject;
  const attr = (oid: string): string | undefined => {
    // The most specific (last) attribute of that type, as CryptoAPI picks it.
    const found = name.attributes.filter((a) => a.type === oid);
    return found[found.length - 1]?.value;
  };
  const sanDns = issuer ? undefined : info.extensions.subjectAltName?.dns[0];
  switch (dwType) {
    case CERT_NAME_DNS_TYPE:
      return sanDns ?? attr('2.5.4.3') ?? '';
    case CERT_NAME_SIMPLE_DISPLAY_TYPE:
    case CERT_NAME_FRIENDLY_DISPLAY_TYPE:
      return (
        attr('2.5.4.3') ?? attr('2.5.4.11') ?? attr('2.5.4.10') ?? sanDns ?? attr('1.2.840.113549.1.9.1') ?? ''
      );
    case CERT_NAME_ATTR_TYPE:
      return attr(attrOid) ?? '';
    case CERT_NAME_RDN_TYPE:
      return name.text;
    case CERT_NAME_EMAIL_TYPE:
      return attr('1.2.840.113549.1.9.1') ?? '';
    default:
      return '';
  }
}

/** Whether `key` is the private half of `pub`. */
export function keyMatchesCertificate(key: PrivateKey, pub: PublicKey | null): boolean {
  if (pub === null) return false;
  const mine = publicKeyOf(key);
  if (mine.kind === 'ec' && pub.kind === 'ec') return mine.curve === pub.curve && bytesEqual(mine.point, pub.point);
  if (mine.kind === 'ed25519' && pub.kind === 'ed25519') return bytesEqual(mine.key, pub.key);
  if (mine.kind === 'rsa' && pub.kind === 'rsa') return mine.n === pub.n && mine.e === pub.e;
  return false;
}

/**
 * Attaches a private key to a context (what `CryptAcquireContext` + `CertSetCertificateContextProperty(
 * CERT_KEY_PROV_INFO_PROP_ID)` achieve). Fails with `key-mismatch` when the key is not the
 * certificate's.
 */
export function CertSetPrivateKey(ctx: CertContext, key: PrivateKey): ParseResult<CertContext> {
  if (!keyMatchesCertificate(key, ctx.pCertInfo.publicKey)) {
    return { ok: false, error: { kind: 'key-mismatch', detail: 'the private key does not match the certificate' } };
  }
  ctx.privateKey = key;
  return { ok: true, value: ctx };
}

/**
 * Loads a credential certificate and its private key: `certPemOrDer` is PEM (the first
 * certificate is the context's; any further ones are its chain) or one DER certificate;
 * `keyPemOrDer` is any format {@link parsePrivateKey} reads. The context's store (a memory store)
 * holds the whole chain, leaf first, so the server can send it.
 */
export function loadCertificateWithKey(
  certPemOrDer: string | Uint8Array,
  keyPemOrDer: string | Uint8Array,
): ParseResult<CertContext> {
  const key = parsePrivateKey(keyPemOrDer);
  if (!key.ok) return key;
  const ctx = createChainContext(certPemOrDer);
  if (!ctx.ok) return ctx;
  const attached = CertSetPrivateKey(ctx.value, key.value);
  if (!attached.ok) {
    CertFreeCertificateContext(ctx.value);
    return attached;
  }
  return attached;
}

/**
 * Makes the context `SECPKG_ATTR_REMOTE_CERT_CONTEXT` returns (sspi-behaviour.md §2.7 item 51):
 * the leaf's context (one reference, for the caller) whose `hCertStore` is a memory store holding
 * the whole chain including the leaf, in the order given. Accepts PEM text, a DER certificate,
 * or a list of DER certificates (a TLS Certificate message's entries).
 */
export function createChainContext(
  chain: string | Uint8Array | readonly Uint8Array[] | readonly ParsedCertificate[],
): ParseResult<CertContext> {
  let certs: ParsedCertificate[];
  if (typeof chain === 'string' || chain instanceof Uint8Array) {
    const parsed = parseCertificates(chain);
    if (!parsed.ok) return parsed;
    certs = parsed.value;
  } else {
    certs = [];
    for (const c of chain) {
      if (c instanceof Uint8Array) {
        const p = parseCertificate(c);
        if (!p.ok) return p;
        certs.push(p.value);
      } else {
        certs.push(c);
      }
    }
  }
  if (certs.length === 0) return { ok: false, error: { kind: 'empty', detail: 'empty certificate chain' } };
  const store = CertOpenStore('memory');
  let leaf: CertContext | null = null;
  for (const info of certs) {
    const ctx = new CertContext(info, store);
    store.insert(ctx, null); // the store's reference
    if (leaf === null) {
      leaf = ctx;
      ctx.addRef(); // the caller's reference
    }
  }
  return { ok: true, value: leaf as CertContext };
}

// ---------------------------------------------------------------------------------------------
// Memory accounting

/** Sizes of wincrypt structures on a 32-bit device (pointers and DWORDs are 4 bytes). */
export const CERT_STRUCT_BYTES = {
  /** CERT_CONTEXT: dwCertEncodingType, pbCertEncoded, cbCertEncoded, pCertInfo, hCertStore. */
  CERT_CONTEXT: 20,
  /**
   * CERT_INFO: dwVersion 4, SerialNumber blob 8, SignatureAlgorithm 12, Issuer blob 8,
   * NotBefore/NotAfter FILETIMEs 16, Subject blob 8, SubjectPublicKeyInfo 24, two unique-id bit
   * blobs 24, cExtension 4, rgExtension 4 = 112.
   */
  CERT_INFO: 112,
  /** CERT_EXTENSION: pszObjId 4, fCritical 4, Value blob 8. */
  CERT_EXTENSION: 16,
} as const;

/** The modelled bytes a certificate context holds on the device, itemised. */
export interface CertMemoryEstimate {
  /** pbCertEncoded. */
  encoded: number;
  /** The CERT_CONTEXT structure. */
  certContext: number;
  /** The CERT_INFO structure. */
  certInfo: number;
  /** What CERT_INFO points to: serial, OIDs, names, key, extensions (each 4-byte aligned). */
  decoded: number;
  /** The sum. */
  total: number;
}

const align4 = (n: number): number => (n + 3) & ~3;

/**
 * The bytes a certificate context holds on a 32-bit CE device: the encoded certificate, the
 * `CERT_CONTEXT` (20 B), the `CERT_INFO` (112 B) and CryptoAPI's decoded copy of what it points
 * to (serial, algorithm OID strings and parameters, issuer and subject name blobs, the public
 * key, one `CERT_EXTENSION` + OID string + value per extension). The Schannel layer charges
 * this to a device pool per context (the store bookkeeping is not included).
 */
export function certContextMemoryBytes(cert: CertContext | ParsedCertificate): CertMemoryEstimate {
  const info = cert instanceof CertContext ? cert.pCertInfo : cert;
  const oidBytes = (oid: string): number => align4(oid.length + 1);
  // The SPKI's AlgorithmIdentifier parameters ≈ SPKI length − key bits − small headers.
  let decoded =
    align4(info.serialNumber.length) +
    oidBytes(info.signatureAlgorithm.oid) +
    align4(info.issuer.der.length) +
    align4(info.subject.der.length) +
    oidBytes(info.publicKeyAlgorithm) +
    align4(info.spki.length);
  for (const ext of info.extensions.all) {
    decoded += CERT_STRUCT_BYTES.CERT_EXTENSION + oidBytes(ext.oid) + align4(ext.value.length);
  }
  const encoded = align4(info.der.length);
  const total = encoded + CERT_STRUCT_BYTES.CERT_CONTEXT + CERT_STRUCT_BYTES.CERT_INFO + decoded;
  return {
    encoded,
    certContext: CERT_STRUCT_BYTES.CERT_CONTEXT,
    certInfo: CERT_STRUCT_BYTES.CERT_INFO,
    decoded,
    total,
  };
}
