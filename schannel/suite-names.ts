/**
 * Names of cipher suites and key-exchange groups as people type them: IANA names
 * (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`), OpenSSL names (`ECDHE-RSA-AES128-GCM-SHA256`),
 * and for groups the IANA, OpenSSL and Windows CNG names (`x25519`, `X25519`, `curve25519`).
 * The command line and the suite/curve order policy (`SUITE_POLICY_KEY`) resolve through here.
 */
import type { GroupName } from './crypto/types.js';
import { CIPHER_SUITES, NAMED_GROUPS } from './tls/codec/constants.js';
import { TLS12_SUITES } from './tls/v12/suites.js';

/**
 * The registry key of Schannel's suite and curve order policy: what Windows' Group Policy
 * "SSL Cipher Suite Order" (`Functions`, REG_SZ, comma-separated IANA names) and "ECC Curve
 * Order" (`EccCurves`, REG_MULTI_SZ, CNG curve names) write. A device (or an installer) sets
 * them to restrict and order the suites and groups every credential of the device offers.
 */
export const SUITE_POLICY_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002';

/** A resolved suite name. */
export interface ResolvedSuite {
  /** The IANA name cesim uses internally. */
  iana: string;
  /** The OpenSSL name. */
  openssl: string;
  version: 'tls1.2' | 'tls1.3';
}

/** OpenSSL's name for a TLS 1.2 suite (its `ciphers -stdname` column). */
function opensslName12(iana: string): string {
  const m = /^TLS_(ECDHE_(?:ECDSA|RSA)_|RSA_)WITH_(AES_(128|256)_(GCM|CBC)|CHACHA20_POLY1305)_(SHA\d*)$/.exec(iana);
  if (!m) return iana;
  const kx = m[1] === 'RSA_' ? '' : m[1] === 'ECDHE_ECDSA_' ? 'ECDHE-ECDSA-' : 'ECDHE-RSA-';
  if (m[2] === 'CHACHA20_POLY1305') return `${kx}CHACHA20-POLY1305`;
  const bulk = `AES${m[3]}`;
  if (m[4] === 'GCM') return `${kx}${bulk}-GCM-${m[5]}`;
  // CBC: OpenSSL writes AES128-SHA, AES128-SHA256, ECDHE-RSA-AES128-SHA256.
  return `${kx}${bulk}-${m[5]}`;
}

/** Every suite cesim implements, TLS 1.3 first, in cesim's default preference. */
export const ALL_SUITES: readonly ResolvedSuite[] = [
  ...Object.keys(CIPHER_SUITES).map((n) => ({ iana: n, openssl: n, version: 'tls1.3' as const })),
  ...TLS12_SUITES.map((s) => ({ iana: s.name, openssl: opensslName12(s.name), version: 'tls1.2' as const })),
];

/** A suite by its IANA or OpenSSL name (case-insensitive), or null. */
export function resolveSuiteName(name: string): ResolvedSuite | null {
  const n = name.trim().toUpperCase();
  return ALL_SUITES.find((s) => s.iana === n || s.openssl.toUpperCase() === n) ?? null;
}

/** The names each group answers to (IANA / OpenSSL / Windows CNG). */
const GROUP_ALIASES: Readonly<Record<GroupName, readonly string[]>> = {
  x25519: ['x25519', 'curve25519'],
  secp256r1: ['secp256r1', 'p-256', 'prime256v1', 'nistp256'],
  secp384r1: ['secp384r1', 'p-384', 'nistp384'],
  secp521r1: ['secp521r1', 'p-521', 'nistp521'],
  x448: ['x448', 'curve448'],
};

/** Every group cesim implements (both versions), in default preference. */
export const ALL_GROUPS: readonly GroupName[] = ['x25519', 'secp256r1', 'secp384r1', 'secp521r1', 'x448'];

/** A group by any of its names (case-insensitive), or null. */
export function resolveGroupName(name: string): GroupName | null {
  const n = name.trim().toLowerCase();
  for (const g of ALL_GROUPS) if (GROUP_ALIASES[g].includes(n) && g in NAMED_GROUPS) return g;
  return null;
}

/** The Windows CNG name of a group (the `EccCurves` policy's spelling). */
export function cngCurveName(g: GroupName): string {
  return { x25519: 'curve25519', secp256r1: 'NistP256', secp384r1: 'NistP384', secp521r1: 'NistP521', x448: 'curve448' }[g];
}
