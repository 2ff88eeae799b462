/**
 * Schannel credentials: `SCHANNEL_CRED` validation and the credential object that
 * `AcquireCredentialsHandle` creates, with the outcomes of sspi-behaviour.md checks 17–31.
 *
 * The checks run in the order Windows applies them (version, certificate count, certificate,
 * private key, protocol bits for the direction), so that each bad input gives the status the
 * reference lists for it.
 */

import {
  SEC_E_OK,
  SEC_E_NO_CREDENTIALS,
  SEC_E_UNKNOWN_CREDENTIALS,
  SEC_E_ALGORITHM_MISMATCH,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SCHANNEL_CRED,
  SCH_CRED_V3,
  SCHANNEL_CRED_VERSION,
  SP_PROT_TLS1_3_CLIENT,
  SP_PROT_TLS1_3_SERVER,
  SP_PROT_DTLS1_X_CLIENT,
  SP_PROT_DTLS1_X_SERVER,
  SP_PROT_PCT1_CLIENT,
  SP_PROT_PCT1_SERVER,
  SP_PROT_SSL2_CLIENT,
  SP_PROT_SSL2_SERVER,
  SP_PROT_SSL3_CLIENT,
  SP_PROT_SSL3_SERVER,
  SP_PROT_TLS1_0_CLIENT,
  SP_PROT_TLS1_0_SERVER,
  SP_PROT_TLS1_1_CLIENT,
  SP_PROT_TLS1_1_SERVER,
  SP_PROT_TLS1_2_CLIENT,
  SP_PROT_TLS1_2_SERVER,
  SP_PROT_UNI_CLIENT,
  SP_PROT_UNI_SERVER,
  CALG_AES_128,
  CALG_AES_256,
} from '../sspi/index.js';
import { CertContext, type CertStore } from './cert/index.js';
import type { PrivateKey } from './crypto/types.js';
import type { GroupName } from './crypto/types.js';
import { TLS12_SUITES } from './tls/v12/suites.js';
import { resolveGroupName, resolveSuiteName, SUITE_POLICY_KEY } from './suite-names.js';

/** Every client-direction `SP_PROT_*` bit (schannel.h). */
const CLIENT_BITS = 0xaaaaaaaa;
/** Every server-direction `SP_PROT_*` bit (schannel.h). */
const SERVER_BITS = 0x55555555;

/** The protocols cesim implements, per direction: TLS 1.2 (RFC 5246) and TLS 1.3 (RFC 8446). */
export const IMPLEMENTED_PROTOCOLS = {
  client: SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT,
  server: SP_PROT_TLS1_2_SERVER | SP_PROT_TLS1_3_SERVER,
} as const;

/**
 * The device's protocol settings, from `HKLM\Comm\SecurityProviders\SCHANNEL\Protocols\
 * TLS 1.x\{Client,Server}` (`Enabled`, `DisabledByDefault`) and the SCHANNEL key's
 * `RequireExtendedMasterSecret`. As documented for Schannel: `Enabled = 0` removes a protocol
 * even when `grbitEnabledProtocols` asks for it; `DisabledByDefault = 1` only keeps it out of
 * the default set (grbitEnabledProtocols 0), an explicit request still gets it.
 */
export interface ProtocolPolicy {
  /** Bits allowed at all (Enabled ≠ 0), both directions. */
  enabled: number;
  /** Bits of the default set (Enabled ≠ 0 and DisabledByDefault ≠ 1). */
  byDefault: number;
  /** RFC 7627: abort TLS 1.2 full handshakes without the extended master secret (default true). */
  requireExtendedMasterSecret: boolean;
  /**
   * The suite order policy (`SUITE_POLICY_KEY\\Functions`): IANA names, in order; only these
   * suites are offered or accepted. Null: every implemented suite, in cesim's order.
   */
  suiteOrder?: readonly string[] | null;
  /** The curve order policy (`SUITE_POLICY_KEY\\EccCurves`): groups, in order. Null: the engines' defaults. */
  curveOrder?: readonly GroupName[] | null;
}

/**
 * cesim's defaults with no registry values: both versions enabled; the default set of a client
 * is TLS 1.3 only (TLS 1.2\Client DisabledByDefault = 1, so an existing program's ClientHello
 * and the built-in scenarios' traces do not change), a server's is TLS 1.2 and 1.3.
 */
export const DEFAULT_POLICY: ProtocolPolicy = {
  enabled: IMPLEMENTED_PROTOCOLS.client | IMPLEMENTED_PROTOCOLS.server,
  byDefault: SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_2_SERVER | SP_PROT_TLS1_3_SERVER,
  requireExtendedMasterSecret: true,
};

/** Reads {@link ProtocolPolicy} through a registry getter (`get(key, value)`). */
export function protocolPolicy(get: (key: string, name: string) => unknown, schannelKey: string): ProtocolPolicy {
  let enabled = DEFAULT_POLICY.enabled;
  let byDefault = DEFAULT_POLICY.byDefault;
  const rows: [string, 'Client' | 'Server', number][] = [
    ['TLS 1.2', 'Client', SP_PROT_TLS1_2_CLIENT], ['TLS 1.2', 'Server', SP_PROT_TLS1_2_SERVER],
    ['TLS 1.3', 'Client', SP_PROT_TLS1_3_CLIENT], ['TLS 1.3', 'Server', SP_PROT_TLS1_3_SERVER],
  ];
  for (const [proto, side, bit] of rows) {
    const key = `${schannelKey}\\Protocols\\${proto}\\${side}`;
    const en = get(key, 'Enabled');
    const dbd = get(key, 'DisabledByDefault');
    if (typeof en === 'number') enabled = en === 0 ? enabled & ~bit : enabled | bit;
    if (typeof dbd === 'number') byDefault = dbd !== 0 ? byDefault & ~bit : byDefault | bit;
  }
  const ems = get(schannelKey, 'RequireExtendedMasterSecret');
  // The suite and curve order policy, as Windows' Group Policy writes it; unknown names are skipped.
  const functions = get(SUITE_POLICY_KEY, 'Functions');
  const fnames = typeof functions === 'string' ? functions.split(',') : Array.isArray(functions) ? functions : null;
  const suiteOrder = fnames === null ? null : fnames.map((n) => resolveSuiteName(String(n))?.iana).filter((n): n is string => n !== undefined);
  const curves = get(SUITE_POLICY_KEY, 'EccCurves');
  const cnames = typeof curves === 'string' ? curves.split(',') : Array.isArray(curves) ? curves : null;
  const curveOrder = cnames === null ? null : [...new Set(cnames.map((n) => resolveGroupName(String(n))).filter((g): g is GroupName => g !== null))];
  return { enabled, byDefault: byDefault & enabled, requireExtendedMasterSecret: typeof ems === 'number' ? ems !== 0 : true, suiteOrder, curveOrder };
}

/** Names of the protocol bits cesim refuses, for the trace message that says why. */
const UNIMPLEMENTED: readonly [number, string][] = [
  [SP_PROT_PCT1_CLIENT | SP_PROT_PCT1_SERVER, 'PCT 1.0'],
  [SP_PROT_SSL2_CLIENT | SP_PROT_SSL2_SERVER, 'SSL 2.0'],
  [SP_PROT_SSL3_CLIENT | SP_PROT_SSL3_SERVER, 'SSL 3.0'],
  [SP_PROT_TLS1_0_CLIENT | SP_PROT_TLS1_0_SERVER, 'TLS 1.0'],
  [SP_PROT_TLS1_1_CLIENT | SP_PROT_TLS1_1_SERVER, 'TLS 1.1'],
  [SP_PROT_DTLS1_X_CLIENT | SP_PROT_DTLS1_X_SERVER, 'DTLS'],
  [SP_PROT_UNI_CLIENT | SP_PROT_UNI_SERVER, 'Unified (PCT/SSL2 hello)'],
];

/** TLS 1.2 suites by the `ALG_ID` of their bulk cipher (ChaCha20: 0, as for TLS 1.3). */
export const TLS12_SUITE_ALGS: Readonly<Record<string, number>> = Object.fromEntries(
  TLS12_SUITES.map((x) => [x.name, x.protection.kind === 'aead' && x.protection.aead === 'chacha20poly1305' ? 0 : x.protection.keyLength === 16 ? CALG_AES_128 : CALG_AES_256]),
);

/** Cipher strengths cesim's suites have (bits): AES-128-GCM … AES-256-GCM / ChaCha20. */
export const CIPHER_STRENGTH = { min: 128, max: 256 } as const;

/** The cipher suites by `ALG_ID` of their bulk cipher, for `palgSupportedAlgs` filtering. */
export const SUITE_ALGS: Readonly<Record<string, number>> = {
  TLS_AES_128_GCM_SHA256: CALG_AES_128,
  TLS_AES_256_GCM_SHA384: CALG_AES_256,
  // ChaCha20 has no CryptoAPI ALG_ID; cesim lets it through unless algorithms are restricted.
  TLS_CHACHA20_POLY1305_SHA256: 0,
};

/** A validated Schannel credential (the object behind a `CredHandle`). */
export interface SchannelCredential {
  /** `SECPKG_CRED_INBOUND` (server) or `SECPKG_CRED_OUTBOUND` (client). */
  readonly use: number;
  readonly role: 'client' | 'server';
  /** The credential's enabled protocol bits for its direction, as given (0 = default). */
  readonly requestedProtocols: number;
  /** The bits cesim will actually negotiate. */
  readonly protocols: number;
  /** Why some requested bits are not used (one line each), for the trace. */
  readonly refusals: readonly string[];
  /** `SCH_CRED_*` flags. */
  readonly flags: number;
  /** The local certificate (with its private key), or null: the first of {@link certificates}. */
  readonly certificate: CertContext | null;
  readonly privateKey: PrivateKey | null;
  /**
   * Every certificate of `paCred` (each with its private key), in order: a server picks among
   * them by the client's signature_algorithms and, in TLS 1.2, the suite's authentication.
   */
  readonly certificates: readonly CertContext[];
  /** Key-exchange groups in order (the curve order policy), or null for the engines' defaults. */
  readonly groups: readonly GroupName[] | null;
  /** Root store given in the credential (`hRootStore`), or null for the device's ROOT store. */
  readonly rootStore: CertStore | null;
  /** TLS 1.3 cipher suites allowed by `palgSupportedAlgs` and the strength bounds. */
  readonly suites: readonly string[];
  /** TLS 1.2 cipher suites allowed the same way. */
  readonly tls12Suites: readonly string[];
  /** RFC 7627: require the extended master secret in TLS 1.2 (registry `RequireExtendedMasterSecret`). */
  readonly requireExtendedMasterSecret: boolean;
  readonly minStrength: number;
  readonly maxStrength: number;
  /** Session cache lifespan in ms (`dwSessionLifespan`; 0 = Schannel's 10-hour default). */
  readonly sessionLifespanMs: number;
  /**
   * An inbound credential's session-ticket key (32 bytes in a device pool block, set by the
   * package when it keeps the credential; null when none could be allocated: no tickets).
   */
  ticketKey: Uint8Array | null;
}

/**
 * Most certificates cesim takes in one `SCHANNEL_CRED` (the docs: "typically one for each key
 * exchange method supported by the application"; RSA, ECDSA P-256/P-384, Ed25519 fit).
 */
export const MAX_CREDENTIAL_CERTIFICATES = 8;

/** Schannel's default client session-cache lifetime: 10 hours. */
export const DEFAULT_SESSION_LIFESPAN_MS = 10 * 60 * 60 * 1000;

/** The outcome of validating `AcquireCredentialsHandle` input. */
export type CredentialResult = { status: typeof SEC_E_OK; credential: SchannelCredential } | { status: number; reason: string };

/**
 * Validates `AcquireCredentialsHandle(UNISP_NAME, fCredentialUse, …, pAuthData, …)` for Schannel.
 * Never throws.
 */
export function validateSchannelCred(fCredentialUse: number, pAuthData: unknown, policy: ProtocolPolicy = DEFAULT_POLICY): CredentialResult {
  const inbound = (fCredentialUse & SECPKG_CRED_INBOUND) !== 0;
  const outbound = (fCredentialUse & SECPKG_CRED_OUTBOUND) !== 0;
  // Check 17: fCredentialUse 0 → SEC_E_NO_CREDENTIALS. Check 18: BOTH → SEC_E_NO_CREDENTIALS.
  if (inbound === outbound) {
    return { status: SEC_E_NO_CREDENTIALS, reason: 'fCredentialUse must be SECPKG_CRED_INBOUND or SECPKG_CRED_OUTBOUND' };
  }
  const role = inbound ? 'server' : 'client';
  if (pAuthData === null || pAuthData === undefined) {
    // Check 18: a server needs its certificate; check 19: a client may go without.
    if (inbound) return { status: SEC_E_NO_CREDENTIALS, reason: 'an inbound (server) credential needs an SCHANNEL_CRED with a certificate' };
    return { status: SEC_E_OK, credential: makeCredential(role, new SCHANNEL_CRED({ dwVersion: SCHANNEL_CRED_VERSION }), policy) };
  }
  if (typeof pAuthData !== 'object') return { status: SEC_E_UNKNOWN_CREDENTIALS, reason: 'pAuthData is not an SCHANNEL_CRED' };
  const cred = pAuthData as Partial<SCHANNEL_CRED>;
  // Checks 25, 29, 30: versions 0, 1, 2 and SCH_CREDENTIALS (5) are not understood by CE-era Schannel.
  const version = cred.dwVersion;
  if (version !== SCH_CRED_V3 && version !== SCHANNEL_CRED_VERSION) {
    return { status: SEC_E_UNKNOWN_CREDENTIALS, reason: `SCHANNEL_CRED.dwVersion ${String(version)} is not supported (use SCHANNEL_CRED_VERSION)` };
  }
  const cCreds = typeof cred.cCreds === 'number' ? cred.cCreds : 0;
  const paCred = Array.isArray(cred.paCred) ? cred.paCred : [];
  if (cCreds < 0 || !Number.isInteger(cCreds) || cCreds > MAX_CREDENTIAL_CERTIFICATES || paCred.length < cCreds) {
    return { status: SEC_E_UNKNOWN_CREDENTIALS, reason: `cCreds ${cCreds} with ${paCred.length} certificates (at most ${MAX_CREDENTIAL_CERTIFICATES})` };
  }
  for (let i = 0; i < cCreds; i++) {
    const cert = paCred[i];
    // Check 27: a bogus certificate → SEC_E_UNKNOWN_CREDENTIALS.
    if (!(cert instanceof CertContext)) return { status: SEC_E_UNKNOWN_CREDENTIALS, reason: `paCred[${i}] is not a certificate context` };
    if (!cert.privateKey) {
      // Check 28: the one certificate has no private key → SEC_E_NO_CREDENTIALS. Check 30: among
      // several, one without a key makes the array unusable → SEC_E_UNKNOWN_CREDENTIALS.
      return cCreds === 1
        ? { status: SEC_E_NO_CREDENTIALS, reason: 'the certificate has no private key' }
        : { status: SEC_E_UNKNOWN_CREDENTIALS, reason: `paCred[${i}] has no private key` };
    }
  }
  // Check 24: DTLS and TLS bits mixed → SEC_E_ALGORITHM_MISMATCH.
  const grbit = (cred.grbitEnabledProtocols ?? 0) >>> 0;
  const dtls = grbit & (SP_PROT_DTLS1_X_CLIENT | SP_PROT_DTLS1_X_SERVER);
  if (dtls !== 0 && (grbit & ~(SP_PROT_DTLS1_X_CLIENT | SP_PROT_DTLS1_X_SERVER)) !== 0) {
    return { status: SEC_E_ALGORITHM_MISMATCH, reason: 'DTLS and TLS protocol bits cannot be mixed in one credential' };
  }
  // Check 23: no enabled protocol for the credential's direction → SEC_E_ALGORITHM_MISMATCH.
  if (grbit !== 0) {
    const dirBits = grbit & (inbound ? SERVER_BITS : CLIENT_BITS);
    if (dirBits === 0) {
      return { status: SEC_E_ALGORITHM_MISMATCH, reason: `grbitEnabledProtocols 0x${grbit.toString(16)} enables no ${role} protocol` };
    }
    const usable = dirBits & IMPLEMENTED_PROTOCOLS[role] & policy.enabled;
    if (usable === 0) {
      const off = dirBits & IMPLEMENTED_PROTOCOLS[role] & ~policy.enabled;
      const why = [...describeRefusals(dirBits), ...(off ? ['the registry disables the requested TLS versions (Protocols\\TLS 1.x\\' + role + ' Enabled = 0)'] : [])];
      return { status: SEC_E_ALGORITHM_MISMATCH, reason: `${why.join('; ')}; cesim implements TLS 1.2 and TLS 1.3` };
    }
  } else if ((policy.byDefault & (inbound ? SERVER_BITS : CLIENT_BITS)) === 0) {
    return { status: SEC_E_ALGORITHM_MISMATCH, reason: `the registry leaves no ${role} protocol in the default set` };
  }
  const built = makeCredential(role, cred as SCHANNEL_CRED, policy);
  if (built.suites.length === 0 && built.tls12Suites.length === 0) {
    return { status: SEC_E_ALGORITHM_MISMATCH, reason: 'palgSupportedAlgs and the cipher strength bounds leave no cipher suite' };
  }
  return { status: SEC_E_OK, credential: built };
}

function describeRefusals(bits: number): string[] {
  const out: string[] = [];
  for (const [mask, name] of UNIMPLEMENTED) {
    if (bits & mask) out.push(`${name} is not implemented by cesim and is not offered`);
  }
  return out;
}

function makeCredential(role: 'client' | 'server', cred: SCHANNEL_CRED, policy: ProtocolPolicy): SchannelCredential {
  const grbit = (cred.grbitEnabledProtocols ?? 0) >>> 0;
  const dir = role === 'server' ? SERVER_BITS : CLIENT_BITS;
  const dirBits = grbit & dir;
  // grbitEnabledProtocols takes precedence over DisabledByDefault, not over Enabled = 0.
  const protocols = grbit === 0 ? policy.byDefault & dir & IMPLEMENTED_PROTOCOLS[role] : dirBits & IMPLEMENTED_PROTOCOLS[role] & policy.enabled;
  const refusals = grbit === 0 ? [] : describeRefusals(dirBits & ~IMPLEMENTED_PROTOCOLS[role]);
  const certificates = Array.isArray(cred.paCred) ? cred.paCred.slice(0, Math.max(0, cred.cCreds)).filter((c): c is CertContext => c instanceof CertContext) : [];
  const cert = certificates[0] ?? null;
  const minStrength = cred.dwMinimumCipherStrength > 0 ? cred.dwMinimumCipherStrength : CIPHER_STRENGTH.min;
  const maxStrength = cred.dwMaximumCipherStrength > 0 ? cred.dwMaximumCipherStrength : CIPHER_STRENGTH.max;
  const algs = cred.cSupportedAlgs > 0 && Array.isArray(cred.palgSupportedAlgs) ? cred.palgSupportedAlgs.slice(0, cred.cSupportedAlgs) : null;
  const allowed = ([name, alg]: [string, number]): boolean => {
    const bits = name.includes('AES_128') ? 128 : 256;
    if (bits < minStrength || bits > maxStrength) return false;
    if (policy.suiteOrder && !policy.suiteOrder.includes(name)) return false;
    return algs === null || algs.includes(alg);
  };
  // The suite order policy orders what it allows; without it cesim's order stands.
  const byPolicy = (a: [string, number], b: [string, number]): number => (policy.suiteOrder ? policy.suiteOrder.indexOf(a[0]) - policy.suiteOrder.indexOf(b[0]) : 0);
  const suites = Object.entries(SUITE_ALGS).filter(allowed).sort(byPolicy).map(([name]) => name);
  const tls12Suites = Object.entries(TLS12_SUITE_ALGS).filter(allowed).sort(byPolicy).map(([name]) => name);
  const rootStore = cred.hRootStore && typeof cred.hRootStore === 'object' && 'certificates' in cred.hRootStore ? (cred.hRootStore as CertStore) : null;
  return {
    use: role === 'server' ? SECPKG_CRED_INBOUND : SECPKG_CRED_OUTBOUND,
    role,
    requestedProtocols: grbit,
    protocols,
    refusals,
    flags: cred.dwFlags >>> 0,
    certificate: cert,
    privateKey: cert?.privateKey ?? null,
    certificates,
    groups: policy.curveOrder && policy.curveOrder.length > 0 ? policy.curveOrder : null,
    rootStore,
    suites,
    tls12Suites,
    requireExtendedMasterSecret: policy.requireExtendedMasterSecret,
    minStrength,
    maxStrength,
    sessionLifespanMs: cred.dwSessionLifespan > 0 ? cred.dwSessionLifespan : DEFAULT_SESSION_LIFESPAN_MS,
    ticketKey: null,
  };
}
