/**
 * Certificate path building and validation (RFC 5280 §6, simplified to what a TLS client or
 * server on the device needs) and server-identity checking (RFC 6125 §6).
 *
 * The result is `null` on success or one {@link CertFailure}; {@link CERT_FAILURE_MAP} turns its
 * kind into the `SECURITY_STATUS` Schannel returns and the TLS alert it sends. Checks run in a
 * fixed order so one chain always gives the same answer: structure and algorithms, signatures
 * and the trust anchor, CA constraints, validity, usage, and finally the name.
 *
 * Time is the device clock, handed in as ms since the Unix epoch; nothing here reads a clock.
 *
 * @module
 */
import { verifySignature } from '../crypto/signatures.js';
import type { CostSink } from '../crypto/types.js';
import { CertContext, CertStore } from './context.js';
import { bytesEqual } from '../../common/index.js';
import { OID, type ParsedCertificate } from './parse.js';

/** Why a certificate chain was rejected. */
export type CertFailureKind =
  | 'untrusted-root'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-principal'
  | 'bad-signature'
  | 'wrong-usage'
  | 'bad-chain'
  | 'malformed'
  | 'unsupported-algorithm';

/** A chain validation failure. */
export interface CertFailure {
  kind: CertFailureKind;
  detail: string;
  /** Position in the built path of the certificate at fault (0 = the end-entity), when one is. */
  depth?: number;
}

/** The Win32 status and TLS alert for one failure kind. */
export interface CertFailureMapping {
  /** The `SECURITY_STATUS` (as an unsigned 32-bit number). */
  status: number;
  statusName: string;
  /** The TLS AlertDescription (RFC 8446 §6.2). */
  alert: number;
  alertName: string;
}

/**
 * Failure kind → `SECURITY_STATUS` (sspi-behaviour.md §3.1) and TLS alert (§3.7, RFC 8446 §6.2).
 * One table; `test/cert/verify.test.ts` checks every row.
 */
export const CERT_FAILURE_MAP: Readonly<Record<CertFailureKind, CertFailureMapping>> = {
  'untrusted-root': { status: 0x80090325, statusName: 'SEC_E_UNTRUSTED_ROOT', alert: 48, alertName: 'unknown_ca' },
  expired: { status: 0x80090328, statusName: 'SEC_E_CERT_EXPIRED', alert: 45, alertName: 'certificate_expired' },
  'not-yet-valid': { status: 0x80090328, statusName: 'SEC_E_CERT_EXPIRED', alert: 45, alertName: 'certificate_expired' },
  'wrong-principal': { status: 0x80090322, statusName: 'SEC_E_WRONG_PRINCIPAL', alert: 42, alertName: 'bad_certificate' },
  'wrong-usage': { status: 0x80090349, statusName: 'SEC_E_CERT_WRONG_USAGE', alert: 43, alertName: 'unsupported_certificate' },
  'bad-signature': { status: 0x80090327, statusName: 'SEC_E_CERT_UNKNOWN', alert: 42, alertName: 'bad_certificate' },
  // RFC 8446 §6.2 certificate_unknown: "some other (unspecified) issue arose in processing the certificate".
  'bad-chain': { status: 0x80090327, statusName: 'SEC_E_CERT_UNKNOWN', alert: 46, alertName: 'certificate_unknown' },
  malformed: { status: 0x80090327, statusName: 'SEC_E_CERT_UNKNOWN', alert: 42, alertName: 'bad_certificate' },
  'unsupported-algorithm': {
    status: 0x80090327,
    statusName: 'SEC_E_CERT_UNKNOWN',
    alert: 43,
    alertName: 'unsupported_certificate',
  },
};

/** The `SECURITY_STATUS` for a failure (see {@link CERT_FAILURE_MAP}). */
export function certFailureStatus(failure: CertFailure | CertFailureKind): number {
  return CERT_FAILURE_MAP[typeof failure === 'string' ? failure : failure.kind].status;
}

/** The TLS alert for a failure (see {@link CERT_FAILURE_MAP}). */
export function certFailureAlert(failure: CertFailure | CertFailureKind): number {
  return CERT_FAILURE_MAP[typeof failure === 'string' ? failure : failure.kind].alert;
}

/** How to validate. */
export interface VerifyOptions {
  /** The device's current time, ms since the Unix epoch. */
  now: number;
  /** Trust anchors: the device's `ROOT` store or a list of certificates. */
  roots: CertStore | readonly (ParsedCertificate | CertContext)[];
  /** What the end-entity must be good for: a TLS server's or a TLS client's certificate. */
  usage: 'server' | 'client';
  /**
   * The expected server name (DNS name or IP literal). Omitted, `null` or empty: no name check
   * (as with `SCH_CRED_NO_SERVERNAME_CHECK` or on the server side).
   */
  targetName?: string | null;
  /**
   * TLS 1.3 (RFC 8446 §4.4.2.4): the end-entity signs the handshake, so a keyUsage extension, if
   * present, must assert digitalSignature. Otherwise a leaf needs digitalSignature or
   * keyEncipherment (RSA key transport).
   */
  tls13?: boolean;
  /** Where the CPU cost of the signature checks goes. */
  cost: CostSink;
  /** The longest path accepted, end-entity and anchor included (default 8). */
  maxPathLength?: number;
}

/** The default {@link VerifyOptions.maxPathLength}. */
export const DEFAULT_MAX_PATH_LENGTH = 8;

type Cert = ParsedCertificate;

function infoOf(c: ParsedCertificate | CertContext): ParsedCertificate {
  return c instanceof CertContext ? c.pCertInfo : c;
}

/**
 * Validates `chain` (what the peer sent: end-entity first, then any intermediates in any order,
 * possibly including a root) against the trust anchors in `options.roots`.
 *
 * @returns `null` when the chain is acceptable, else the first failure found. Nothing about the
 *   certificates makes it throw; an exception raised by `options.cost` (a device fault from the
 *   CPU model) propagates.
 */
export function verifyCertificateChain(
  chain: readonly (ParsedCertificate | CertContext)[],
  options: VerifyOptions,
): CertFailure | null {
  return verifyInner(chain.map(infoOf), options);
}

/**
 * Validates a peer's certificate context whose `hCertStore` holds the chain it sent (as
 * {@link createChainContext} makes it, and `SECPKG_ATTR_REMOTE_CERT_CONTEXT` returns).
 */
export function verifyCertContext(ctx: CertContext, options: VerifyOptions): CertFailure | null {
  const rest = ctx.hCertStore?.certificates().filter((c) => c !== ctx) ?? [];
  return verifyCertificateChain([ctx, ...rest], options);
}

function verifyInner(chain: readonly Cert[], opts: VerifyOptions): CertFailure | null {
  const leaf = chain[0];
  if (leaf === undefined) return { kind: 'malformed', detail: 'empty certificate chain' };
  const roots: Cert[] = opts.roots instanceof CertStore ? opts.roots.certificates().map(infoOf) : opts.roots.map(infoOf);
  const maxLen = opts.maxPathLength ?? DEFAULT_MAX_PATH_LENGTH;

  // --- Build the path, verifying each signature as the issuer is chosen. ---------------------
  const path: Cert[] = [leaf];
  let anchored = roots.some((r) => bytesEqual(r.der, leaf.der));
  const unused = chain.slice(1);
  while (!anchored) {
    const cur = path[path.length - 1] as Cert;
    if (path.length >= maxLen) {
      return { kind: 'bad-chain', detail: `no trust anchor within ${maxLen} certificates`, depth: path.length - 1 };
    }
    const step = findIssuer(cur, roots, unused, path, opts.cost);
    if (step.kind === 'failure') return { ...step.failure, depth: path.length - 1 };
    if (step.kind === 'none') {
      return {
        kind: 'untrusted-root',
        detail: cur.selfIssued
          ? `self-signed "${cur.subject.text}" is not a trusted root`
          : `no trusted issuer for "${cur.issuer.text}"`,
        depth: path.length - 1,
      };
    }
    path.push(step.cert);
    if (step.isRoot) anchored = true;
    else unused.splice(unused.indexOf(step.cert), 1);
  }

  // --- Per-certificate checks, leaf to anchor. ------------------------------------------------
  for (let depth = 0; depth < path.length; depth++) {
    const cert = path[depth] as Cert;
    // RFC 5280 §4.2: a certificate with an unrecognised critical extension MUST be rejected.
    if (cert.extensions.unhandledCritical.length > 0) {
      return { kind: 'bad-chain', detail: `unhandled critical extension ${cert.extensions.unhandledCritical.join(', ')}`, depth };
    }
  }
  const ca = checkCaConstraints(path);
  if (ca !== null) return ca;
  for (let depth = 0; depth < path.length; depth++) {
    const cert = path[depth] as Cert;
    // RFC 5280 §6.1.3 (a)(2): the current time is within the validity period.
    if (opts.now < cert.notBefore) {
      return { kind: 'not-yet-valid', detail: `"${cert.subject.text}" is not valid before ${new Date(cert.notBefore).toISOString()}`, depth };
    }
    if (opts.now > cert.notAfter) {
      return { kind: 'expired', detail: `"${cert.subject.text}" expired ${new Date(cert.notAfter).toISOString()}`, depth };
    }
  }
  const usage = checkUsage(path, opts);
  if (usage !== null) return usage;

  const name = opts.targetName;
  if (name !== undefined && name !== null && name !== '' && !certMatchesName(leaf, name)) {
    return { kind: 'wrong-principal', detail: `certificate is not valid for "${name}"`, depth: 0 };
  }
  return null;
}

type IssuerStep =
  | { kind: 'found'; cert: Cert; isRoot: boolean }
  | { kind: 'none' }
  | { kind: 'failure'; failure: CertFailure };

/**
 * Finds `cur`'s issuer: trust anchors first, then the peer's other certificates. A candidate's
 * subject must equal `cur`'s issuer (RFC 5280 §6.1.3 (a)(4)), and when both key identifiers are
 * present they must agree (§4.2.1.1). The first candidate whose signature verifies wins; when
 * candidates exist but none verifies, the failure of the first is reported.
 */
function findIssuer(cur: Cert, roots: readonly Cert[], unused: readonly Cert[], path: readonly Cert[], cost: CostSink): IssuerStep {
  const fits = (c: Cert): boolean => {
    if (!bytesEqual(c.subject.der, cur.issuer.der)) return false;
    const aki = cur.extensions.authorityKeyIdentifier;
    const ski = c.extensions.subjectKeyIdentifier;
    return aki === undefined || ski === undefined || bytesEqual(aki, ski);
  };
  const candidates: { cert: Cert; isRoot: boolean }[] = [
    ...roots.filter(fits).map((cert) => ({ cert, isRoot: true })),
    // A peer certificate already on the path would make a loop.
    ...unused.filter((c) => fits(c) && !path.includes(c)).map((cert) => ({ cert, isRoot: false })),
  ];
  let firstFailure: CertFailure | null = null;
  for (const cand of candidates) {
    const f = checkSignature(cur, cand.cert, cost);
    if (f === null) return { kind: 'found', cert: cand.cert, isRoot: cand.isRoot };
    firstFailure ??= f;
  }
  return firstFailure !== null ? { kind: 'failure', failure: firstFailure } : { kind: 'none' };
}

/** RFC 5280 §6.1.3 (a)(1): the issuer's key verifies the subject's TBSCertificate signature. */
function checkSignature(subject: Cert, issuer: Cert, cost: CostSink): CertFailure | null {
  const alg = subject.signatureAlgorithm.algorithm;
  if (alg === null) {
    return { kind: 'unsupported-algorithm', detail: `signature algorithm ${subject.signatureAlgorithm.oid}` };
  }
  if (issuer.publicKey === null) {
    return { kind: 'unsupported-algorithm', detail: `issuer key algorithm ${issuer.publicKeyAlgorithm}` };
  }
  if (!verifySignature(alg, issuer.publicKey, subject.tbs, subject.signature, cost)) {
    return { kind: 'bad-signature', detail: `signature on "${subject.subject.text}" does not verify with "${issuer.subject.text}"'s key` };
  }
  return null;
}

/**
 * RFC 5280 §6.1.4: every issuer in the path is a CA (basicConstraints cA, (k)), may sign
 * certificates (keyUsage keyCertSign, (n)), and its pathLenConstraint covers the CA
 * certificates below it ((l), (m); self-issued ones do not count). A v1/v2 trust anchor without
 * extensions is accepted as a CA (RFC 5280 §6.1: the anchor is input, not checked).
 */
function checkCaConstraints(path: readonly Cert[]): CertFailure | null {
  for (let depth = 1; depth < path.length; depth++) {
    const cert = path[depth] as Cert;
    const isAnchor = depth === path.length - 1;
    const bc = cert.extensions.basicConstraints;
    const legacyAnchor = isAnchor && cert.version < 3;
    if (!legacyAnchor && (bc === undefined || !bc.cA)) {
      return { kind: 'bad-chain', detail: `issuer "${cert.subject.text}" is not a CA`, depth };
    }
    const ku = cert.extensions.keyUsage;
    if (ku !== undefined && !ku.includes('keyCertSign')) {
      return { kind: 'bad-chain', detail: `issuer "${cert.subject.text}" lacks keyCertSign`, depth };
    }
    const pathLen = bc?.pathLenConstraint;
    if (pathLen !== undefined) {
      // CA certificates strictly between this one and the end-entity, not counting self-issued ones.
      let below = 0;
      for (let j = 1; j < depth; j++) if (!(path[j] as Cert).selfIssued) below++;
      if (below > pathLen) {
        return { kind: 'bad-chain', detail: `"${cert.subject.text}" allows ${pathLen} CA(s) below it, path has ${below}`, depth };
      }
    }
  }
  return null;
}

/**
 * End-entity keyUsage and extendedKeyUsage (RFC 5280 §4.2.1.3, §4.2.1.12) and, as CryptoAPI
 * does, EKU restrictions on the CA certificates. An absent extension allows any use.
 */
function checkUsage(path: readonly Cert[], opts: VerifyOptions): CertFailure | null {
  const leaf = path[0] as Cert;
  const ku = leaf.extensions.keyUsage;
  if (ku !== undefined) {
    // RFC 8446 §4.4.2.4: the key signs CertificateVerify; TLS 1.2 RSA key transport needs
    // keyEncipherment instead (RFC 5246 §7.4.2).
    const ok = opts.tls13 === true ? ku.includes('digitalSignature') : ku.includes('digitalSignature') || ku.includes('keyEncipherment') || ku.includes('keyAgreement');
    if (!ok) return { kind: 'wrong-usage', detail: `keyUsage ${ku.join(',') || '(none)'} does not allow TLS authentication`, depth: 0 };
  }
  const purpose = opts.usage === 'server' ? OID.serverAuth : OID.clientAuth;
  for (let depth = 0; depth < path.length; depth++) {
    const eku = (path[depth] as Cert).extensions.extKeyUsage;
    if (eku !== undefined && !eku.includes(purpose) && !eku.includes(OID.anyExtendedKeyUsage)) {
      return {
        kind: 'wrong-usage',
        detail: `extendedKeyUsage of "${(path[depth] as Cert).subject.text}" lacks ${opts.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
        depth,
      };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Names (RFC 6125 §6)

/**
 * Whether the certificate is valid for `name`. An IP literal is compared with the iPAddress
 * SANs only (RFC 6125 §1.7.2 leaves IPs to RFC 5280; RFC 2818 §3.1). A DNS name is compared with
 * the dNSName SANs (RFC 6125 §6.4); only when the certificate has none is the subject's most
 * specific CN used (§6.4.4).
 */
export function certMatchesName(cert: ParsedCertificate, name: string): boolean {
  const san = cert.extensions.subjectAltName;
  const ip = parseIp(name);
  if (ip !== null) return (san?.ip ?? []).some((a) => bytesEqual(a, ip));
  if (san !== undefined && san.dns.length > 0) return san.dns.some((p) => matchHostname(p, name));
  const cns = cert.subject.attributes.filter((a) => a.type === '2.5.4.3');
  const cn = cns[cns.length - 1];
  return cn !== undefined && matchHostname(cn.value, name);
}

/**
 * RFC 6125 §6.4 matching of one presented DNS identifier (`pattern`) against the reference
 * identifier (`host`): case-insensitive (§6.4.1), a trailing dot ignored, and a wildcard only
 * as the whole leftmost label (§6.4.3 rule 1; partial-label wildcards such as `f*o.example.com`
 * are rejected, as CA/Browser Forum BR §7.1.4.2 and modern clients do), standing for exactly
 * one non-empty label (§6.4.3 rule 2: it does not match across dots), and never over a
 * single-label base such as `*.com` (§7.2 advice against wildcards that cover a public suffix).
 */
export function matchHostname(pattern: string, host: string): boolean {
  const p = normaliseDns(pattern);
  const h = normaliseDns(host);
  if (p === null || h === null) return false;
  const pl = p.split('.');
  const hl = h.split('.');
  if (!p.includes('*')) return p === h;
  // Only `*` as the entire leftmost label.
  if (pl[0] !== '*' || pl.slice(1).some((l) => l.includes('*'))) return false;
  // `*.com`-style patterns (base of a single label) match nothing.
  if (pl.length < 3) return false;
  // Exactly one label for `*` (the host's labels are non-empty after normalisation). The §6.4.3
  // rule against wildcards inside an A-label (`xn--*`) is covered by the whole-label rule above.
  if (hl.length !== pl.length) return false;
  return pl.slice(1).join('.') === hl.slice(1).join('.');
}

/** Lower-cases, drops one trailing dot, and rejects empty labels and non-LDH-ish input. */
function normaliseDns(s: string): string | null {
  let v = s.toLowerCase();
  if (v.endsWith('.')) v = v.slice(0, -1);
  if (v === '' || v.length > 253) return null;
  for (const label of v.split('.')) {
    if (label === '' || label.length > 63) return null;
    if (!/^[a-z0-9_*-]+$/.test(label)) return null;
  }
  return v;
}

/** Parses an IPv4 dotted quad or an IPv6 literal (optionally in brackets) to bytes; else `null`. */
export function parseIp(s: string): Uint8Array | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4 !== null) {
    const parts = v4.slice(1).map((x) => Number(x));
    if (parts.some((x, i) => x > 255 || ((v4[i + 1] as string).length > 1 && (v4[i + 1] as string)[0] === '0'))) return null;
    return new Uint8Array(parts);
  }
  let t = s;
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  if (!t.includes(':') || !/^[0-9a-fA-F:.]+$/.test(t)) return null;
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as string;
      if (i === groups.length - 1 && g.includes('.')) {
        const tail = parseIp(g);
        if (tail === null || tail.length !== 4) return null;
        out.push(((tail[0] as number) << 8) | (tail[1] as number), ((tail[2] as number) << 8) | (tail[3] as number));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const head = parseGroups(halves[0] as string);
  const tail = halves.length === 2 ? parseGroups(halves[1] as string) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return null;
  const words = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}
