/**
 * The device image's security packages: a profile names the DLLs its registry lists under
 * `HKLM\Comm\SecurityProviders`; importing `cesim/schannel`, `cesim/ntlm` and `cesim/negotiate`
 * registers their modules, so a new device from a built-in profile has Schannel, NTLM and
 * Negotiate with no registration call; a custom profile can leave them out or add the user's own
 * module.
 */
import { describe, expect, it } from 'vitest';
import '../../schannel/index.js';
import { NTLMSP_NAME, NTLM_DLL } from '../../ntlm/index.js';
import { NEGOSSP_NAME, NEGOTIATE_DLL } from '../../negotiate/index.js';
import {
  BUILTIN_PROFILES,
  CE_IMAGE_SECURITY_PACKAGES,
  Device,
  getProfile,
  listedSecurityProviders,
  loadProfile,
  ProfileError,
  SECURITY_PROVIDERS_KEY,
  type DeviceProfile,
} from '../../device/index.js';
import {
  CredHandle,
  InitSecurityInterface,
  readSecPkgInfo,
  SCHANNEL_CRED,
  SCHANNEL_CRED_VERSION,
  SECPKG_CRED_OUTBOUND,
  SEC_WINNT_AUTH_IDENTITY,
  SEC_WINNT_AUTH_IDENTITY_UNICODE,
  SEC_E_OK,
  SEC_E_SECPKG_NOT_FOUND,
  sspiState,
  TimeStamp,
  UNISP_NAME,
  statusName,
} from '../../sspi/index.js';
import { TWO_LEG, TWO_LEG_DLL } from '../sspi/packages/two-leg.js';

/** The packages schannel.dll's tables name (Schannel answers to both). */
const SCHANNEL_PACKAGES = [UNISP_NAME, 'Schannel'];
/** The packages a built-in image carries, in its registry's order: schannel.dll, ntlmssp.dll, spnego.dll. */
const IMAGE_PACKAGES = [...SCHANNEL_PACKAGES, NTLMSP_NAME, NEGOSSP_NAME];

function packages(device: Device): string[] {
  const p = device.createProcess('enum.exe');
  const sspi = InitSecurityInterface(p);
  const count = { value: 0 };
  const list = { value: 0 };
  expect(statusName(sspi.EnumerateSecurityPackages(count, list))).toBe('SEC_E_OK');
  const names = Array.from({ length: count.value }, (_, i) => readSecPkgInfo(p, list.value, i).Name);
  sspi.FreeContextBuffer(list.value);
  return names;
}

function acquireUnisp(device: Device): number {
  const p = device.createProcess('tls.exe');
  const sspi = InitSecurityInterface(p);
  const h = new CredHandle();
  const st = sspi.AcquireCredentialsHandle(null, UNISP_NAME, SECPKG_CRED_OUTBOUND, null, new SCHANNEL_CRED({ dwVersion: SCHANNEL_CRED_VERSION }), null, null, h, new TimeStamp());
  if (st === SEC_E_OK) sspi.FreeCredentialsHandle(h);
  return st;
}

function acquireNtlm(device: Device): number {
  const p = device.createProcess('smb.exe');
  const sspi = InitSecurityInterface(p);
  const h = new CredHandle();
  const id = new SEC_WINNT_AUTH_IDENTITY({ User: 'alice', UserLength: 5, Domain: 'CESIM', DomainLength: 5, Password: 'Secret1', PasswordLength: 7, Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE });
  const st = sspi.AcquireCredentialsHandle(null, NTLMSP_NAME, SECPKG_CRED_OUTBOUND, null, id, null, null, h, new TimeStamp());
  if (st === SEC_E_OK) sspi.FreeCredentialsHandle(h);
  return st;
}

describe('the security packages of a device image', () => {
  it.each(Object.keys(BUILTIN_PROFILES))('built-in profile %s carries Schannel, NTLM and Negotiate', (name) => {
    expect(getProfile(name).securityPackages).toEqual(['schannel.dll', NTLM_DLL, NEGOTIATE_DLL]);
    expect(CE_IMAGE_SECURITY_PACKAGES).toEqual(['schannel.dll', 'ntlmssp.dll', 'spnego.dll']);
  });

  it('a new device lists its profile\'s packages under HKLM\\Comm\\SecurityProviders before Security.dll starts', () => {
    const d = new Device(getProfile('ce210-handheld'));
    expect(SECURITY_PROVIDERS_KEY).toBe('HKEY_LOCAL_MACHINE\\Comm\\SecurityProviders');
    expect(d.registry.enumKeys(SECURITY_PROVIDERS_KEY)).toEqual(['SCHANNEL', 'NTLMSSP', 'SPNEGO']);
    expect(d.registry.get(`${SECURITY_PROVIDERS_KEY}\\SCHANNEL`, 'DllName')).toBe('schannel.dll');
    expect(d.registry.get(`${SECURITY_PROVIDERS_KEY}\\NTLMSSP`, 'DllName')).toBe('ntlmssp.dll');
    expect(d.registry.get(`${SECURITY_PROVIDERS_KEY}\\SPNEGO`, 'DllName')).toBe('spnego.dll');
    expect(listedSecurityProviders(d.registry)).toEqual(['schannel.dll', 'ntlmssp.dll', 'spnego.dll']);
  });

  it('EnumerateSecurityPackages on a new device lists Schannel, NTLM and Negotiate, and AcquireCredentialsHandle(UNISP_NAME) works with no registration call', () => {
    const d = new Device(getProfile('ce210-handheld'), { seed: 3 });
    expect(packages(d)).toEqual(IMAGE_PACKAGES);
    expect(statusName(acquireUnisp(d))).toBe('SEC_E_OK');
    expect(sspiState(d).loadErrors).toEqual([]);
  });

  it('AcquireCredentialsHandle(NTLMSP_NAME) works on a new device with no registration call', () => {
    const d = new Device(getProfile('ce210-tight'), { seed: 4 });
    expect(statusName(acquireNtlm(d))).toBe('SEC_E_OK');
    expect(sspiState(d).loadErrors).toEqual([]);
  });

  it('a custom profile can leave NTLM out: NTLMSP_NAME is then SEC_E_SECPKG_NOT_FOUND while Schannel works', () => {
    const d = new Device(loadProfile({ extends: 'ce210-handheld', name: 'tls-only', securityPackages: ['schannel.dll'] }));
    expect(packages(d)).toEqual(SCHANNEL_PACKAGES);
    expect(acquireNtlm(d)).toBe(SEC_E_SECPKG_NOT_FOUND);
    expect(statusName(acquireUnisp(d))).toBe('SEC_E_OK');
  });

  it('a profile given in code without securityPackages gets the CE image list', () => {
    const { securityPackages: _, ...bare } = getProfile('ce210-tight');
    const d = new Device(bare as DeviceProfile);
    expect(statusName(acquireUnisp(d))).toBe('SEC_E_OK');
  });

  it('a custom profile can leave Schannel out: UNISP_NAME is then SEC_E_SECPKG_NOT_FOUND and nothing is listed', () => {
    const profile = loadProfile({ extends: 'ce210-handheld', name: 'no-tls', securityPackages: [] });
    expect(profile.securityPackages).toEqual([]);
    const d = new Device(profile);
    expect(packages(d)).toEqual([]);
    expect(acquireUnisp(d)).toBe(SEC_E_SECPKG_NOT_FOUND);
  });

  it("a custom profile can add the user's own module (registered with registerPackageModule) beside Schannel", () => {
    // two-leg.js registered TWO_LEG_DLL with registerPackageModule when it was imported.
    const profile = loadProfile({ extends: 'ce210-tight', name: 'with-toy', securityPackages: ['schannel.dll', TWO_LEG_DLL] });
    const d = new Device(profile);
    expect(packages(d)).toEqual([...SCHANNEL_PACKAGES, TWO_LEG]);
  });

  it('a listed DLL whose module is not registered is a load error naming it, and the rest still load', () => {
    const d = new Device(loadProfile({ extends: 'ce210-handheld', name: 'missing', securityPackages: ['nosuch.dll', 'schannel.dll'] }));
    expect(packages(d)).toEqual(SCHANNEL_PACKAGES);
    expect(sspiState(d).loadErrors).toEqual([{ dllName: 'nosuch.dll', reason: expect.stringMatching(/no package module registered/) }]);
  });

  it.each([
    [{ securityPackages: 'schannel.dll' }, /^securityPackages: expected an array of DLL names/],
    [{ securityPackages: [''] }, /^securityPackages\[0\]: expected a non-empty string/],
    [{ securityPackages: ['a\\b.dll'] }, /^securityPackages\[0\]: expected a DLL file name/],
    [{ securityPackages: ['schannel.dll', 'SCHANNEL.DLL'] }, /^securityPackages\[1\]: "SCHANNEL.DLL" is listed twice/],
  ])('loadProfile rejects a bad securityPackages %j', (extra, re) => {
    expect(() => loadProfile({ extends: 'ce210-handheld', ...extra })).toThrow(ProfileError);
    expect(() => loadProfile({ extends: 'ce210-handheld', ...extra })).toThrow(re);
  });
});
