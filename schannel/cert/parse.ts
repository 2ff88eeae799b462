/**
 * X.509 certificates (RFC 5280) and private keys from DER or PEM (RFC 7468).
 *
 * `@peculiar/asn1-x509` decodes the structures; a bounded DER reader ({@link ./der.ts}) slices
 * the exact bytes that are signed or matched (TBSCertificate, issuer and subject Names, the
 * SubjectPublicKeyInfo) and rejects what a lenient decoder lets through (trailing bytes).
 *
 * Nothing exported here throws: every failure is a {@link ParseResult} with `ok: false`.
 *
 * @module
 */
import { ECParameters, ECPrivateKey } from '@peculiar/asn1-ecc';
import { PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { RSAPrivateKey, RSAPublicKey, RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  Name,
  SubjectKeyIdentifier,
  AlgorithmIdentifier,
  type Time,
} from '@peculiar/asn1-x509';
import { derivePublicKeyBytes, isValidPublicKey, type SignatureAlgorithm } from '../crypto/signatures.js';
import type { HashName, PrivateKey, PublicKey, SignatureScheme } from '../crypto/types.js';
import { bytesEqual, toHex } from '../../common/index.js';
import { bitStringBytes, bytesToBigInt, children, readWhole, TAG, type DerElement } from './der.js';

// ---------------------------------------------------------------------------------------------
// Results

/** Why a certificate or key could not be parsed. */
export interface CertParseError {
  /**
   * `malformed`: not valid DER/PEM or violates RFC 5280 structure rules;
   * `unsupported-algorithm`: well-formed but uses a key type or curve cesim does not implement;
   * `empty`: the input held no certificate or key;
   * `key-mismatch`: a private key that does not belong to the certificate.
   */
  kind: 'malformed' | 'unsupported-algorithm' | 'empty' | 'key-mismatch';
  detail: string;
}

/** A value or a typed parse error; the public API returns this instead of throwing. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: CertParseError };

function fail<T>(kind: CertParseError['kind'], detail: string): ParseResult<T> {
  return { ok: false, error: { kind, detail } };
}

/** Internal: thrown inside a parse and turned into a result at the public boundary. */
class ParseFailure extends Error {
  constructor(
    readonly kind: CertParseError['kind'],
    detail: string,
  ) {
    super(detail);
  }
}

function guard<T>(fn: () => T): ParseResult<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof ParseFailure) return fail(e.kind, e.message);
    // asn1js / asn1-schema throw plain Errors (or worse) on bad input.
    return fail('malformed', e instanceof Error ? e.message : String(e));
  }
}

function malformed(detail: string): never {
  throw new ParseFailure('malformed', detail);
}

// ---------------------------------------------------------------------------------------------
// Model

/** An X.500 distinguished name as the certificate encodes it. */
export interface X509Name {
  /** `O=cesim test PKI, CN=localhost`: RDNs in encoded order, as `CertNameToStr(CERT_X500_NAME_STR)` gives. */
  text: string;
  /** The encoded `Name` (a view into the certificate): what issuer/subject matching compares. */
  der: Uint8Array;
  /** Each attribute in encoded order (multi-valued RDNs flattened). */
  attributes: readonly { type: string; shortName: string | null; value: string }[];
}

/** Key usage bits by their RFC 5280 §4.2.1.3 names. */
export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

const KEY_USAGE_BITS: readonly KeyUsageName[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

/** Object identifiers cesim recognises. */
export const OID = {
  // RFC 5280 §4.2.1.12
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  anyExtendedKeyUsage: '2.5.29.37.0',
  // RFC 5280 §4.2.1
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  // RFC 8017 Appendix C, RFC 4055, RFC 5480, RFC 5758, RFC 8410
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',
  ecdsaWithSHA1: '1.2.840.10045.4.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

/** The certificate's signature algorithm (RFC 5280 §4.1.1.2). */
export interface CertSignatureAlgorithm {
  oid: string;
  /**
   * The TLS name for it (RFC 8446 §4.2.3 uses these for `signature_algorithms_cert`), or `null`
   * when it has none (RSASSA-PSS with SHA-1 or a salt other than the hash length). RSASSA-PSS is
   * named `rsa_pss_rsae_*` here: which of rsae/pss applies depends on the issuer's key.
   */
  scheme: SignatureScheme | null;
  /** What verification needs; `null` when cesim does not implement the algorithm. */
  algorithm: SignatureAlgorithm | null;
}

/** The extensions cesim interprets (RFC 5280 §4.2), decoded. */
export interface CertExtensions {
  basicConstraints?: { cA: boolean; pathLenConstraint?: number; critical: boolean };
  /** Asserted bits; absent when the extension is absent (any usage allowed). */
  keyUsage?: readonly KeyUsageName[];
  /** Key purpose OIDs; absent when the extension is absent (any purpose allowed). */
  extKeyUsage?: readonly string[];
  subjectAltName?: {
    /** dNSName entries, as encoded (IA5String). */
    dns: readonly string[];
    /** iPAddress entries: 4 (IPv4) or 16 (IPv6) bytes. */
    ip: readonly Uint8Array[];
    /** How many other GeneralName forms (rfc822Name, URI, …) were present. */
    otherCount: number;
  };
  subjectKeyIdentifier?: Uint8Array;
  authorityKeyIdentifier?: Uint8Array;
  /** Every extension, in order (values are the OCTET STRING contents). */
  all: readonly { oid: string; critical: boolean; value: Uint8Array }[];
  /** OIDs of critical extensions cesim does not understand (RFC 5280 §4.2: MUST reject). */
  unhandledCritical: readonly string[];
}

/** A parsed certificate: what `CERT_INFO` holds, plus the bytes verification needs. */
export interface ParsedCertificate {
  /** The whole encoded certificate. */
  der: Uint8Array;
  /** The encoded TBSCertificate: what the issuer signed. */
  tbs: Uint8Array;
  /** 1, 2 or 3. */
  version: number;
  /** The serial number's contents octets, big-endian two's complement as encoded. */
  serialNumber: Uint8Array;
  /** The serial number in lower-case hex. */
  serialHex: string;
  issuer: X509Name;
  subject: X509Name;
  /** Validity, in ms since the Unix epoch. */
  notBefore: number;
  notAfter: number;
  /** The encoded SubjectPublicKeyInfo. */
  spki: Uint8Array;
  publicKeyAlgorithm: string;
  /** The subject's key; `null` for a key type or curve cesim does not implement. */
  publicKey: PublicKey | null;
  signatureAlgorithm: CertSignatureAlgorithm;
  /** The signature value (BIT STRING contents): DER `Ecdsa-Sig-Value`, 64-byte Ed25519, or RSA s. */
  signature: Uint8Array;
  extensions: CertExtensions;
  /** True when subject and issuer are the same encoded name. */
  selfIssued: boolean;
}

// ---------------------------------------------------------------------------------------------
// PEM (RFC 7468)

/** One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`…) and the decoded bytes. */
export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/**
 * Decodes every PEM block in `text` (RFC 7468 §2: text outside blocks is ignored; the base64 is
 * strict, whitespace allowed between characters). A block whose base64 is invalid is an error.
 */
export function decodePem(text: string): ParseResult<PemBlock[]> {
  const blocks: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const [, label, body, endLabel] = m as unknown as [string, string, string, string];
    if (label !== endLabel) return fail('malformed', `PEM BEGIN ${label} closed by END ${endLabel}`);
    // RFC 7468 §5.2 / §3: explanatory headers (Proc-Type…) mean encrypted legacy PEM.
    if (/^[A-Za-z-]+:/m.test(body)) return fail('unsupported-algorithm', `encrypted or annotated PEM ${label}`);
    const b64 = body.replace(/\s+/g, '');
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) {
      return fail('malformed', `bad base64 in PEM ${label}`);
    }
    blocks.push({ label, der: new Uint8Array(Buffer.from(b64, 'base64')) });
  }
  return { ok: true, value: blocks };
}

function asText(input: string | Uint8Array): string | null {
  if (typeof input === 'string') return input;
  // A DER encoding starts with a SEQUENCE; anything else is taken as PEM text.
  if (input.length > 0 && input[0] === TAG.SEQUENCE) return null;
  return new TextDecoder('latin1').decode(input);
}

// ---------------------------------------------------------------------------------------------
// Certificates

/**
 * Parses one DER-encoded certificate (RFC 5280 §4.1).
 *
 * Enforced: exactly one Certificate with no trailing bytes; `signatureAlgorithm` equal to
 * `tbsCertificate.signature` (§4.1.1.2); extensions only in v3 and no duplicates (§4.2); a
 * decodable key for the algorithms cesim implements.
 */
export function parseCertificate(der: Uint8Array): ParseResult<ParsedCertificate> {
  return guard(() => parseCertificateInner(der));
}

/**
 * Parses every certificate in `input`: PEM text with one or more `CERTIFICATE` blocks (other
 * blocks are skipped), or a single DER certificate. `empty` when none is found.
 */
export function parseCertificates(input: string | Uint8Array): ParseResult<ParsedCertificate[]> {
  const text = asText(input);
  if (text === null) {
    const one = parseCertificate(input as Uint8Array);
    return one.ok ? { ok: true, value: [one.value] } : one;
  }
  const pem = decodePem(text);
  if (!pem.ok) return pem;
  const out: ParsedCertificate[] = [];
  for (const block of pem.value) {
    if (block.label !== 'CERTIFICATE' && block.label !== 'X509 CERTIFICATE') continue;
    const c = parseCertificate(block.der);
    if (!c.ok) return c;
    out.push(c.value);
  }
  if (out.length === 0) return fail('empty', 'no CERTIFICATE block found');
  return { ok: true, value: out };
}

function parseCertificateInner(input: Uint8Array): ParsedCertificate {
  // Own the bytes: later views point into this copy, never the caller's buffer.
  const der = new Uint8Array(input);
  // RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
  const cert = readWhole(der);
  if (cert === null || cert.tag !== TAG.SEQUENCE) malformed('not a DER SEQUENCE');
  const top = children(cert);
  if (top === null || top.length !== 3) malformed('Certificate must have 3 fields');
  const [tbsEl, sigAlgEl, sigEl] = top as [DerElement, DerElement, DerElement];
  if (tbsEl.tag !== TAG.SEQUENCE || sigAlgEl.tag !== TAG.SEQUENCE) malformed('bad Certificate fields');
  const signature = bitStringBytes(sigEl);
  if (signature === null) malformed('signatureValue is not a whole-octet BIT STRING');

  const tbsFields = children(tbsEl);
  if (tbsFields === null) malformed('bad TBSCertificate');
  let i = 0;
  if (tbsFields[0]?.tag === TAG.CONTEXT_0) i = 1; // [0] EXPLICIT Version
  const innerSigAlg = tbsFields[i + 1];
  const issuerEl = tbsFields[i + 2];
  const subjectEl = tbsFields[i + 4];
  const spkiEl = tbsFields[i + 5];
  if (innerSigAlg === undefined || issuerEl === undefined || subjectEl === undefined || spkiEl === undefined) {
    malformed('TBSCertificate is missing fields');
  }
  // RFC 5280 §4.1.1.2: signatureAlgorithm MUST contain the same identifier as tbsCertificate.signature.
  if (!bytesEqual(innerSigAlg.encoded, sigAlgEl.encoded)) {
    malformed('signatureAlgorithm differs from tbsCertificate.signature');
  }

  const c = AsnConvert.parse(der, Certificate);
  const t = c.tbsCertificate;
  const version = t.version + 1;
  if (version < 1 || version > 3) malformed(`unknown version ${version}`);
  // RFC 5280 §4.1.2.2: the serial is a positive INTEGER of at most 20 octets (we accept ≤ 32
  // and non-positive ones, as CryptoAPI does, but it must be present).
  const serialNumber = new Uint8Array(t.serialNumber);
  if (serialNumber.length === 0 || serialNumber.length > 32) malformed('bad serialNumber length');

  const issuer = decodeName(t.issuer, issuerEl.encoded);
  const subject = decodeName(t.subject, subjectEl.encoded);
  const notBefore = timeMs(t.validity.notBefore);
  const notAfter = timeMs(t.validity.notAfter);

  const spkiParts = children(spkiEl);
  if (spkiParts === null || spkiParts.length !== 2) malformed('bad SubjectPublicKeyInfo');
  const keyBits = bitStringBytes(spkiParts[1] as DerElement);
  if (keyBits === null) malformed('subjectPublicKey is not a whole-octet BIT STRING');
  const pk = decodePublicKey(t.subjectPublicKeyInfo.algorithm, keyBits);

  if (version < 3 && t.extensions !== undefined) malformed('extensions in a v1/v2 certificate');
  const extensions = decodeExtensions(t.extensions ?? []);

  return {
    der,
    tbs: tbsEl.encoded,
    version,
    serialNumber,
    serialHex: toHex(serialNumber),
    issuer,
    subject,
    notBefore,
    notAfter,
    spki: spkiEl.encoded,
    publicKeyAlgorithm: t.subjectPublicKeyInfo.algorithm.algorithm,
    publicKey: pk,
    signatureAlgorithm: decodeSignatureAlgorithm(c.signatureAlgorithm),
    signature,
    extensions,
    selfIssued: bytesEqual(issuer.der, subject.der),
  };
}

function timeMs(t: Time): number {
  const d = t.getTime();
  const ms = d.getTime();
  if (!Number.isFinite(ms)) malformed('bad validity time');
  return ms;
}

const NAME_SHORT: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'S',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '2.5.4.42': 'G',
  '1.2.840.113549.1.9.1': 'E',
  '0.9.2342.19200300.100.1.25': 'DC',
};

function decodeName(name: Name, der: Uint8Array): X509Name {
  const attributes: { type: string; shortName: string | null; value: string }[] = [];
  const parts: string[] = [];
  for (const rdn of name) {
    const rdnParts: string[] = [];
    for (const atv of rdn) {
      const value = atv.value.toString();
      const shortName = NAME_SHORT[atv.type] ?? null;
      attributes.push({ type: atv.type, shortName, value });
      rdnParts.push(`${shortName ?? atv.type}=${quoteRdnValue(value)}`);
    }
    parts.push(rdnParts.join(' + '));
  }
  return { text: parts.join(', '), der, attributes };
}

/** CertNameToStr quoting: values with separators or edge spaces are put in double quotes. */
function quoteRdnValue(v: string): string {
  if (v === '' || /[,+=<>#;"\n]/.test(v) || v.trim() !== v) return `"${v.replace(/"/g, '""')}"`;
  return v;
}

function oidParams(alg: AlgorithmIdentifier): Uint8Array | null {
  return alg.parameters === undefined || alg.parameters === null ? null : new Uint8Array(alg.parameters);
}

/** NULL or absent parameters (RFC 4055 §2.1 says NULL; absent is common enough to accept). */
function nullOrAbsent(p: Uint8Array | null): boolean {
  return p === null || (p.length === 2 && p[0] === TAG.NULL && p[1] === 0);
}

function decodePublicKey(alg: AlgorithmIdentifier, keyBits: Uint8Array): PublicKey | null {
  const params = oidParams(alg);
  switch (alg.algorithm) {
    case OID.rsaEncryption:
    case OID.rsassaPss: {
      const pssOnly = alg.algorithm === OID.rsassaPss;
      // RFC 8017 §A.1.1: rsaEncryption has NULL parameters; RFC 4055 §3.1: RSASSA-PSS keys may
      // carry RSASSA-PSS-params restricting their use (cesim records only that it is PSS-only).
      if (!pssOnly && !nullOrAbsent(params)) malformed('rsaEncryption parameters must be NULL');
      if (pssOnly && params !== null) AsnConvert.parse(params, RsaSaPssParams);
      const rsa = AsnConvert.parse(keyBits, RSAPublicKey);
      const n = positiveInteger(new Uint8Array(rsa.modulus), 'modulus');
      const e = positiveInteger(new Uint8Array(rsa.publicExponent), 'publicExponent');
      const key: PublicKey = { kind: 'rsa', n, e, bits: n.toString(2).length };
      if (pssOnly) key.pssOnly = true;
      if (!isValidPublicKey(key)) malformed('invalid RSA public key');
      return key;
    }
    case OID.ecPublicKey: {
      // RFC 5480 §2.1.1: namedCurve only (implicitCurve and specifiedCurve MUST NOT be used).
      if (params === null) malformed('EC key without curve');
      const ecp = AsnConvert.parse(params, ECParameters);
      const curve = curveOf(ecp.namedCurve);
      if (curve === null) return null;
      const key: PublicKey = { kind: 'ec', curve, point: new Uint8Array(keyBits) };
      if (!isValidPublicKey(key)) malformed('EC point not on the curve');
      return key;
    }
    case OID.ed25519: {
      // RFC 8410 §3: the parameters MUST be absent.
      if (params !== null) malformed('Ed25519 parameters must be absent');
      if (keyBits.length !== 32) malformed('Ed25519 key is not 32 bytes');
      const key: PublicKey = { kind: 'ed25519', key: new Uint8Array(keyBits) };
      if (!isValidPublicKey(key)) malformed('invalid Ed25519 point');
      return key;
    }
    default:
      return null;
  }
}

function curveOf(oid: string | undefined): 'P-256' | 'P-384' | 'P-521' | null {
  return oid === OID.prime256v1 ? 'P-256' : oid === OID.secp384r1 ? 'P-384' : oid === OID.secp521r1 ? 'P-521' : null;
}

function positiveInteger(b: Uint8Array, what: string): bigint {
  if (b.length === 0 || ((b[0] as number) & 0x80) !== 0) malformed(`${what} is not a positive INTEGER`);
  const v = bytesToBigInt(b);
  if (v === 0n) malformed(`${what} is zero`);
  return v;
}

const HASH_BY_OID: Readonly<Record<string, HashName>> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

const HASH_LEN: Readonly<Record<HashName, number>> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

function decodeSignatureAlgorithm(alg: AlgorithmIdentifier): CertSignatureAlgorithm {
  const oid = alg.algorithm;
  const params = oidParams(alg);
  const pkcs1 = (hash: HashName, scheme: SignatureScheme): CertSignatureAlgorithm => {
    if (!nullOrAbsent(params)) malformed('RSA PKCS#1 signature parameters must be NULL');
    return { oid, scheme, algorithm: { family: 'rsa-pkcs1', hash } };
  };
  const ecdsa = (hash: HashName, scheme: SignatureScheme): CertSignatureAlgorithm => {
    // RFC 5758 §3.2: the parameters MUST be absent.
    if (params !== null) malformed('ECDSA signature parameters must be absent');
    return { oid, scheme, algorithm: { family: 'ecdsa', hash } };
  };
  switch (oid) {
    case OID.sha1WithRSAEncryption:
      return pkcs1('sha1', 'rsa_pkcs1_sha1');
    case OID.sha256WithRSAEncryption:
      return pkcs1('sha256', 'rsa_pkcs1_sha256');
    case OID.sha384WithRSAEncryption:
      return pkcs1('sha384', 'rsa_pkcs1_sha384');
    case OID.sha512WithRSAEncryption:
      return pkcs1('sha512', 'rsa_pkcs1_sha512');
    case OID.ecdsaWithSHA1:
      return ecdsa('sha1', 'ecdsa_sha1');
    case OID.ecdsaWithSHA256:
      return ecdsa('sha256', 'ecdsa_secp256r1_sha256');
    case OID.ecdsaWithSHA384:
      return ecdsa('sha384', 'ecdsa_secp384r1_sha384');
    case OID.ecdsaWithSHA512:
      return ecdsa('sha512', 'ecdsa_secp521r1_sha512');
    case OID.ed25519:
      if (params !== null) malformed('Ed25519 signature parameters must be absent');
      return { oid, scheme: 'ed25519', algorithm: { family: 'ed25519', hash: null } };
    case OID.rsassaPss: {
      // RFC 4055 §3.1: absent fields take the defaults sha1 / mgf1-sha1 / 20 / trailer 1.
      if (params === null) malformed('RSASSA-PSS signature without parameters');
      const p = AsnConvert.parse(params, RsaSaPssParams);
      const hash = HASH_BY_OID[p.hashAlgorithm.algorithm];
      const mgf = p.maskGenAlgorithm;
      const mgfHash =
        mgf.algorithm === OID.mgf1 && mgf.parameters
          ? HASH_BY_OID[AsnConvert.parse(mgf.parameters, AlgorithmIdentifier).algorithm]
          : undefined;
      if (p.trailerField !== 1) malformed('RSASSA-PSS trailerField must be 1');
      // cesim implements MGF1 with the message hash only (RFC 8446 §4.2.3, RFC 4055 §3.1 advice).
      if (hash === undefined || mgfHash !== hash) return { oid, scheme: null, algorithm: null };
      const saltLength = p.saltLength;
      if (!Number.isSafeInteger(saltLength) || saltLength < 0) malformed('bad RSASSA-PSS saltLength');
      const scheme =
        hash === 'sha1' || saltLength !== HASH_LEN[hash] ? null : (`rsa_pss_rsae_${hash}` as SignatureScheme);
      return { oid, scheme, algorithm: { family: 'rsa-pss', hash, saltLength } };
    }
    default:
      return { oid, scheme: null, algorithm: null };
  }
}

function decodeExtensions(
  exts: readonly { extnID: string; critical: boolean; extnValue: OctetString }[],
): CertExtensions {
  const out: {
    -readonly [K in keyof CertExtensions]: CertExtensions[K];
  } = { all: [], unhandledCritical: [] };
  const all: { oid: string; critical: boolean; value: Uint8Array }[] = [];
  const unhandled: string[] = [];
  const seen = new Set<string>();
  for (const ext of exts) {
    // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
    if (seen.has(ext.extnID)) malformed(`duplicate extension ${ext.extnID}`);
    seen.add(ext.extnID);
    const value = new Uint8Array(ext.extnValue.buffer);
    all.push({ oid: ext.extnID, critical: ext.critical, value });
    switch (ext.extnID) {
      case OID.basicConstraints: {
        const bc = AsnConvert.parse(value, BasicConstraints);
        out.basicConstraints = { cA: bc.cA, critical: ext.critical };
        if (bc.pathLenConstraint !== undefined) {
          if (!bc.cA || bc.pathLenConstraint < 0) malformed('pathLenConstraint without cA');
          out.basicConstraints.pathLenConstraint = bc.pathLenConstraint;
        }
        break;
      }
      case OID.keyUsage: {
        const ku = AsnConvert.parse(value, KeyUsage);
        const mask = ku.toNumber();
        out.keyUsage = KEY_USAGE_BITS.filter((_, bit) => (mask & (1 << bit)) !== 0);
        break;
      }
      case OID.extKeyUsage: {
        const eku = AsnConvert.parse(value, ExtendedKeyUsage);
        // RFC 5280 §4.2.1.12: KeyPurposeId SEQUENCE SIZE (1..MAX).
        if (eku.length === 0) malformed('empty extKeyUsage');
        out.extKeyUsage = [...eku];
        break;
      }
      case OID.subjectAltName:
        out.subjectAltName = decodeSubjectAltName(value);
        break;
      case OID.subjectKeyIdentifier:
        out.subjectKeyIdentifier = new Uint8Array(AsnConvert.parse(value, SubjectKeyIdentifier).buffer);
        break;
      case OID.authorityKeyIdentifier: {
        const aki = AsnConvert.parse(value, AuthorityKeyIdentifier);
        if (aki.keyIdentifier !== undefined) out.authorityKeyIdentifier = new Uint8Array(aki.keyIdentifier.buffer);
        break;
      }
      default:
        if (ext.critical) unhandled.push(ext.extnID);
    }
  }
  out.all = all;
  out.unhandledCritical = unhandled;
  return out;
}

/** RFC 5280 §4.2.1.6 GeneralNames, read directly so IP addresses stay bytes. */
function decodeSubjectAltName(value: Uint8Array): NonNullable<CertExtensions['subjectAltName']> {
  const seq = readWhole(value);
  if (seq === null || seq.tag !== TAG.SEQUENCE) malformed('subjectAltName is not a SEQUENCE');
  const names = children(seq);
  // GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName
  if (names === null || names.length === 0) malformed('empty or bad subjectAltName');
  const dns: string[] = [];
  const ip: Uint8Array[] = [];
  let otherCount = 0;
  for (const gn of names) {
    if (gn.tag === 0x82) {
      // dNSName [2] IA5String: 7-bit ASCII only.
      for (const b of gn.contents) if (b > 0x7f) malformed('non-IA5 dNSName');
      dns.push(String.fromCharCode(...gn.contents));
    } else if (gn.tag === 0x87) {
      // iPAddress [7] OCTET STRING: 4 or 16 octets (RFC 5280 §4.2.1.6).
      if (gn.contents.length !== 4 && gn.contents.length !== 16) malformed('iPAddress must be 4 or 16 octets');
      ip.push(new Uint8Array(gn.contents));
    } else if ((gn.tag & 0xc0) === 0x80 && (gn.tag & 0x1f) <= 8) {
      otherCount++;
    } else {
      malformed(`bad GeneralName tag 0x${gn.tag.toString(16)}`);
    }
  }
  return { dns, ip, otherCount };
}

// ---------------------------------------------------------------------------------------------
// Private keys

/**
 * Parses a private key: PEM (`PRIVATE KEY` = PKCS#8 (RFC 5208/5958), `EC PRIVATE KEY` = SEC1
 * (RFC 5915), `RSA PRIVATE KEY` = PKCS#1 (RFC 8017 §A.1.2)) or DER of any of those (PKCS#8 tried
 * first). The first key block in PEM text is used. Supported: EC P-256/P-384, Ed25519, RSA
 * (rsaEncryption or RSASSA-PSS keys; two-prime only). Encrypted keys are `unsupported-algorithm`.
 */
export function parsePrivateKey(input: string | Uint8Array): ParseResult<PrivateKey> {
  const text = asText(input);
  if (text === null) {
    const der = input as Uint8Array;
    const tries = [parsePkcs8, parseSec1, parsePkcs1];
    let first: ParseResult<PrivateKey> | null = null;
    for (const t of tries) {
      const r = guard(() => t(der));
      if (r.ok) return r;
      if (r.error.kind === 'unsupported-algorithm') return r;
      first ??= r;
    }
    return first as ParseResult<PrivateKey>;
  }
  const pem = decodePem(text);
  if (!pem.ok) return pem;
  for (const block of pem.value) {
    switch (block.label) {
      case 'PRIVATE KEY':
        return guard(() => parsePkcs8(block.der));
      case 'EC PRIVATE KEY':
        return guard(() => parseSec1(block.der));
      case 'RSA PRIVATE KEY':
        return guard(() => parsePkcs1(block.der));
      case 'ENCRYPTED PRIVATE KEY':
        return fail('unsupported-algorithm', 'encrypted PKCS#8 keys are not supported');
      default:
        break;
    }
  }
  return fail('empty', 'no private key block found');
}

function requireWhole(der: Uint8Array, what: string): void {
  const el = readWhole(der);
  if (el === null || el.tag !== TAG.SEQUENCE) malformed(`${what}: not one DER SEQUENCE`);
}

function parsePkcs8(der: Uint8Array): PrivateKey {
  requireWhole(der, 'PKCS#8');
  const info = AsnConvert.parse(der, PrivateKeyInfo);
  const alg = info.privateKeyAlgorithm;
  const inner = new Uint8Array(info.privateKey.buffer);
  switch (alg.algorithm) {
    case OID.rsaEncryption:
      return parsePkcs1(inner);
    case OID.rsassaPss: {
      const key = parsePkcs1(inner);
      if (key.kind === 'rsa') key.pssOnly = true;
      return key;
    }
    case OID.ecPublicKey: {
      const params = oidParams(alg);
      if (params === null) malformed('PKCS#8 EC key without curve');
      const curve = AsnConvert.parse(params, ECParameters).namedCurve;
      return parseSec1(inner, curve);
    }
    case OID.ed25519: {
      // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING (the 32-byte seed) inside privateKey.
      const el = readWhole(inner);
      if (el === null || el.tag !== TAG.OCTET_STRING || el.contents.length !== 32) malformed('bad Ed25519 private key');
      const seed = new Uint8Array(el.contents);
      const pub = derivePublicKeyBytes('ed25519', seed);
      if (pub === null) malformed('bad Ed25519 seed');
      return { kind: 'ed25519', seed, key: pub };
    }
    default:
      throw new ParseFailure('unsupported-algorithm', `private key algorithm ${alg.algorithm}`);
  }
}

function parseSec1(der: Uint8Array, outerCurve?: string): PrivateKey {
  requireWhole(der, 'ECPrivateKey');
  const k = AsnConvert.parse(der, ECPrivateKey);
  // RFC 5915 §3: version 1.
  if (k.version !== 1) malformed('ECPrivateKey version must be 1');
  const curveOid = k.parameters?.namedCurve ?? outerCurve;
  if (outerCurve !== undefined && k.parameters?.namedCurve !== undefined && k.parameters.namedCurve !== outerCurve) {
    malformed('ECPrivateKey curve differs from the PKCS#8 algorithm');
  }
  const curve = curveOf(curveOid);
  if (curve === null || curve === 'P-521') {
    throw new ParseFailure('unsupported-algorithm', `EC private key curve ${curveOid ?? '(none)'}`);
  }
  const size = curve === 'P-256' ? 32 : 48;
  let d = new Uint8Array(k.privateKey.buffer);
  // RFC 5915 §3: privateKey is ceiling(log2(n)/8) octets; tolerate short encodings by padding.
  if (d.length > size) malformed('EC private scalar too long');
  if (d.length < size) {
    const padded = new Uint8Array(size);
    padded.set(d, size - d.length);
    d = padded;
  }
  const point = derivePublicKeyBytes(curve, d);
  if (point === null) malformed('EC private scalar out of range');
  if (k.publicKey !== undefined) {
    const given = new Uint8Array(k.publicKey);
    // The [1] publicKey is a BIT STRING; asn1-schema hands back its bytes without the unused-bits octet.
    if (!bytesEqual(given, point) && !bytesEqual(given.subarray(1), point)) {
      malformed('ECPrivateKey publicKey does not match the private scalar');
    }
  }
  return { kind: 'ec', curve, d, point };
}

function parsePkcs1(der: Uint8Array): PrivateKey {
  requireWhole(der, 'RSAPrivateKey');
  const k = AsnConvert.parse(der, RSAPrivateKey);
  // RFC 8017 §A.1.2: version 0 is two-prime; 1 is multi-prime (not supported).
  if (k.version !== 0 || k.otherPrimeInfos !== undefined) {
    throw new ParseFailure('unsupported-algorithm', 'multi-prime RSA keys are not supported');
  }
  const n = positiveInteger(new Uint8Array(k.modulus), 'modulus');
  const e = positiveInteger(new Uint8Array(k.publicExponent), 'publicExponent');
  const d = positiveInteger(new Uint8Array(k.privateExponent), 'privateExponent');
  const p = positiveInteger(new Uint8Array(k.prime1), 'prime1');
  const q = positiveInteger(new Uint8Array(k.prime2), 'prime2');
  if (p * q !== n) malformed('RSA key: p·q ≠ n');
  return { kind: 'rsa', n, e, d, p, q, bits: n.toString(2).length };
}
