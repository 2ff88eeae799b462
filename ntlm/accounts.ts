/**
 * The device's NTLM settings and local account database, kept in the device registry as a CE
 * image keeps them:
 *
 * - `HKLM\Comm\SecurityProviders\NTLM`: `LmCompatibilityLevelClient` (REG_DWORD, CE's documented
 *   default 1: LM and NTLM responses, NTLMv2 session security if the server supports it) and
 *   `LmCompatibilityLevelServer` (cesim's, default 3: accept LM, NTLM and NTLMv2).
 * - `...\NTLM\Accounts\<user>`: one key per local account, with `Password` (REG_SZ) or `NtHash`
 *   (REG_BINARY, 16 bytes: NTOWFv1).
 * - `...\NTLM` `DefaultUser` / `DefaultDomain`: the logon session's default credentials, the
 *   account `AcquireCredentialsHandle` uses with no `pAuthData` (CE: "If the NTLM SSP cannot find
 *   the cached credentials, the function returns SEC_E_NO_CREDENTIALS").
 *
 * Set them from code with {@link addNtlmAccount} / {@link setNtlmLevel}, from a scenario, or by
 * writing the registry.
 */
import type { Device } from '../device/index.js';

/** The NTLM package's registry key (CE: "Authentication Services Registry Settings"). */
export const NTLM_REGISTRY_KEY = 'HKEY_LOCAL_MACHINE\\Comm\\SecurityProviders\\NTLM';
/** Local accounts. */
export const NTLM_ACCOUNTS_KEY = `${NTLM_REGISTRY_KEY}\\Accounts`;
/** CE's default `LmCompatibilityLevelClient` (CE 5.0/6.0 docs: "Default setting is 1"). */
export const DEFAULT_LM_COMPATIBILITY_CLIENT = 1;
/** cesim's default `LmCompatibilityLevelServer`: accept every response kind. */
export const DEFAULT_LM_COMPATIBILITY_SERVER = 3;

/** A stored account: a password, or only its NT hash. */
export type NtlmAccountSecret = { password: string } | { ntHash: Uint8Array };

/** Adds or replaces a local account of the device. */
export function addNtlmAccount(device: Device, user: string, secret: NtlmAccountSecret): void {
  const key = `${NTLM_ACCOUNTS_KEY}\\${user}`;
  const reg = device.registry;
  reg.createKey(key);
  reg.deleteValue(key, 'Password');
  reg.deleteValue(key, 'NtHash');
  if ('password' in secret) reg.setValue(key, 'Password', secret.password);
  else reg.setValue(key, 'NtHash', secret.ntHash);
}

/** Removes a local account; false when there was none. */
export function removeNtlmAccount(device: Device, user: string): boolean {
  return device.registry.deleteKey(`${NTLM_ACCOUNTS_KEY}\\${user}`);
}

/** Sets `LmCompatibilityLevelClient` / `LmCompatibilityLevelServer`. */
export function setNtlmLevel(device: Device, which: 'client' | 'server', level: number): void {
  device.registry.createKey(NTLM_REGISTRY_KEY);
  device.registry.setValue(NTLM_REGISTRY_KEY, which === 'client' ? 'LmCompatibilityLevelClient' : 'LmCompatibilityLevelServer', level >>> 0);
}

/** Sets the logon session's default credentials (an account name, and a domain). */
export function setNtlmDefaultCredentials(device: Device, user: string, domain = ''): void {
  device.registry.createKey(NTLM_REGISTRY_KEY);
  device.registry.setValue(NTLM_REGISTRY_KEY, 'DefaultUser', user);
  device.registry.setValue(NTLM_REGISTRY_KEY, 'DefaultDomain', domain);
}

/** The configured levels (a missing or out-of-range value is the default). */
export function ntlmLevels(device: Device): { client: number; server: number } {
  const read = (name: string, d: number): number => {
    const v = device.registry.get(NTLM_REGISTRY_KEY, name);
    return typeof v === 'number' && v >= 0 && v <= 5 ? v : d;
  };
  return { client: read('LmCompatibilityLevelClient', DEFAULT_LM_COMPATIBILITY_CLIENT), server: read('LmCompatibilityLevelServer', DEFAULT_LM_COMPATIBILITY_SERVER) };
}

/** A stored account as found: its name as stored and its secret. */
export interface StoredAccount {
  /** The name as stored (lookups are case-insensitive, as SAM's). */
  user: string;
  /** The password, when stored. */
  password: string | null;
  /** The NT hash, when stored instead. */
  ntHash: Uint8Array | null;
}

/** Looks up a local account, case-insensitively. */
export function findNtlmAccount(device: Device, user: string): StoredAccount | null {
  const reg = device.registry;
  if (!reg.keyExists(NTLM_ACCOUNTS_KEY)) return null;
  const name = reg.enumKeys(NTLM_ACCOUNTS_KEY).find((k) => k.toLowerCase() === user.toLowerCase());
  if (name === undefined) return null;
  const key = `${NTLM_ACCOUNTS_KEY}\\${name}`;
  const pw = reg.get(key, 'Password');
  const h = reg.get(key, 'NtHash');
  if (typeof pw === 'string') return { user: name, password: pw, ntHash: null };
  if (h instanceof Uint8Array && h.length === 16) return { user: name, password: null, ntHash: h.slice() };
  return null;
}

/** The default credentials' account and domain, or null when none is set. */
export function ntlmDefaultCredentials(device: Device): { user: string; domain: string } | null {
  const u = device.registry.get(NTLM_REGISTRY_KEY, 'DefaultUser');
  if (typeof u !== 'string' || u === '') return null;
  const d = device.registry.get(NTLM_REGISTRY_KEY, 'DefaultDomain');
  return { user: u, domain: typeof d === 'string' ? d : '' };
}
