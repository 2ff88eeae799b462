/**
 * Schannel credentials: sspi-behaviour.md §2.4, checks 17–31, through Security.dll.
 */
import { describe, it, expect } from 'vitest';
import { makeDevice, certWithKey, pem } from './harness.js';
import {
  InitSecurityInterface,
  SecHandle,
  TimeStamp,
  SCHANNEL_CRED,
  SCHANNEL_CRED_VERSION,
  SCH_CRED_V1,
  SCH_CRED_V2,
  SCH_CRED_V3,
  SCH_CREDENTIALS_VERSION,
  UNISP_NAME,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECPKG_CRED_BOTH,
  SECPKG_CRED_ATTR_NAMES,
  SECPKG_ATTR_SUPPORTED_PROTOCOLS,
  SECPKG_ATTR_SUPPORTED_ALGS,
  SECPKG_ATTR_CIPHER_STRENGTHS,
  SP_PROT_TLS1_CLIENT,
  SP_PROT_TLS1_3_CLIENT,
  SP_PROT_TLS1_2_CLIENT,
  SP_PROT_TLS1_3_SERVER,
  SP_PROT_TLS1_X_CLIENT,
  SP_PROT_TLS1_X_SERVER,
  SP_PROT_DTLS_CLIENT,
  SP_PROT_DTLS1_2_CLIENT,
  SP_PROT_SSL3_CLIENT,
  CALG_AES_128,
  SecPkgCred_SupportedProtocols,
  SecPkgCred_CipherStrengths,
  SecPkgCredentials_Names,
  statusName,
} from '../../sspi/index.js';
import { onSchannelLog, CertCreateCertificateContext, parseCertificates } from '../../schannel/index.js';

function setup() {
  const device = makeDevice(3);
  const p = device.createProcess('app.exe');
  return { device, p, sspi: InitSecurityInterface(p) };
}

function acquire(use: number, auth: unknown, withHandle = true) {
  const { sspi, device } = setup();
  const h = new SecHandle();
  const s = sspi.AcquireCredentialsHandle(null, UNISP_NAME, use, null, auth, null, null, withHandle ? h : null, new TimeStamp());
  return { s, h, sspi, device, name: statusName(s) };
}

const cred = (init: Partial<SCHANNEL_CRED>) => new SCHANNEL_CRED({ dwVersion: SCHANNEL_CRED_VERSION, ...init });

describe('Schannel AcquireCredentialsHandle (sspi-behaviour.md §2.4)', () => {
  it('check 17: fCredentialUse 0 with no auth data → SEC_E_NO_CREDENTIALS', () => {
    expect(acquire(0, null, false).name).toBe('SEC_E_NO_CREDENTIALS');
  });
  it('check 18: BOTH or INBOUND with no auth data → SEC_E_NO_CREDENTIALS', () => {
    expect(acquire(SECPKG_CRED_BOTH, null).name).toBe('SEC_E_NO_CREDENTIALS');
    expect(acquire(SECPKG_CRED_INBOUND, null).name).toBe('SEC_E_NO_CREDENTIALS');
    expect(acquire(SECPKG_CRED_INBOUND, null, false).name).toBe('SEC_E_NO_CREDENTIALS');
  });
  it('check 19: OUTBOUND with no auth data → SEC_E_OK, a valid handle', () => {
    const r = acquire(SECPKG_CRED_OUTBOUND, null);
    expect(r.name).toBe('SEC_E_OK');
    expect(r.sspi.FreeCredentialsHandle(r.h)).toBe(0);
  });
  it('check 20: QueryCredentialsAttributes(NAMES) on a Schannel credential → SEC_E_NO_CREDENTIALS', () => {
    const r = acquire(SECPKG_CRED_OUTBOUND, null);
    expect(statusName(r.sspi.QueryCredentialsAttributes(r.h, SECPKG_CRED_ATTR_NAMES, new SecPkgCredentials_Names()))).toBe('SEC_E_NO_CREDENTIALS');
  });
  it('check 21: SUPPORTED_PROTOCOLS or SUPPORTED_ALGS with a NULL buffer → SEC_E_INTERNAL_ERROR', () => {
    const r = acquire(SECPKG_CRED_OUTBOUND, null);
    expect(statusName(r.sspi.QueryCredentialsAttributes(r.h, SECPKG_ATTR_SUPPORTED_PROTOCOLS, null))).toBe('SEC_E_INTERNAL_ERROR');
    expect(statusName(r.sspi.QueryCredentialsAttributes(r.h, SECPKG_ATTR_SUPPORTED_ALGS, null))).toBe('SEC_E_INTERNAL_ERROR');
  });
  it('check 22: SUPPORTED_PROTOCOLS reflects the credential\'s enabled set', () => {
    const r = acquire(SECPKG_CRED_OUTBOUND, cred({ grbitEnabledProtocols: SP_PROT_TLS1_3_CLIENT }));
    const sp = new SecPkgCred_SupportedProtocols();
    expect(r.sspi.QueryCredentialsAttributes(r.h, SECPKG_ATTR_SUPPORTED_PROTOCOLS, sp)).toBe(0);
    expect(sp.grbitProtocol).toBe(SP_PROT_TLS1_3_CLIENT);
  });
  it('check 22 (cesim): protocols cesim does not implement are refused, with a trace saying why', () => {
    const { sspi, device } = setup();
    const log: string[] = [];
    onSchannelLog(device, (m) => log.push(m));
    const h = new SecHandle();
    const s = sspi.AcquireCredentialsHandle(null, UNISP_NAME, SECPKG_CRED_OUTBOUND, null, cred({ grbitEnabledProtocols: SP_PROT_TLS1_CLIENT }), null, null, h, new TimeStamp());
    expect(statusName(s)).toBe('SEC_E_ALGORITHM_MISMATCH');
    expect(log.join('\n')).toMatch(/TLS 1\.0 is not implemented/);
    const s3 = sspi.AcquireCredentialsHandle(null, UNISP_NAME, SECPKG_CRED_OUTBOUND, null, cred({ grbitEnabledProtocols: SP_PROT_SSL3_CLIENT }), null, null, h, new TimeStamp());
    expect(statusName(s3)).toBe('SEC_E_ALGORITHM_MISMATCH');
    // A mixed set keeps what is implemented and says what it drops.
    log.length = 0;
    const sx = sspi.AcquireCredentialsHandle(null, UNISP_NAME, SECPKG_CRED_OUTBOUND, null, cred({ grbitEnabledProtocols: SP_PROT_TLS1_X_CLIENT }), null, null, h, new TimeStamp());
    expect(sx).toBe(0);
    const sp = new SecPkgCred_SupportedProtocols();
    sspi.QueryCredentialsAttributes(h, SECPKG_ATTR_SUPPORTED_PROTOCOLS, sp);
    expect(sp.grbitProtocol).toBe(SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_2_CLIENT);
    expect(log.join('\n')).toMatch(/TLS 1\.1 is not implemented/);
    expect(log.join('\n')).not.toMatch(/TLS 1\.2 is not implemented/);
  });
  it('check 23: a credential with no protocol for its direction → SEC_E_ALGORITHM_MISMATCH', () => {
    const server = certWithKey('server-p256');
    expect(acquire(SECPKG_CRED_OUTBOUND, cred({ grbitEnabledProtocols: SP_PROT_TLS1_X_SERVER })).name).toBe('SEC_E_ALGORITHM_MISMATCH');
    expect(acquire(SECPKG_CRED_INBOUND, cred({ grbitEnabledProtocols: SP_PROT_TLS1_X_SERVER, cCreds: 1, paCred: [server] })).name).toBe('SEC_E_OK');
    expect(acquire(SECPKG_CRED_OUTBOUND, cred({ grbitEnabledProtocols: SP_PROT_TLS1_X_CLIENT })).name).toBe('SEC_E_OK');
    expect(acquire(SECPKG_CRED_INBOUND, cred({ grbitEnabledProtocols: SP_PROT_TLS1_X_CLIENT, cCreds: 1, paCred: [server] })).name).toBe('SEC_E_ALGORITHM_MISMATCH');
  });
  it('check 24: DTLS and TLS bits mixed → SEC_E_ALGORITHM_MISMATCH', () => {
    expect(acquire(SECPKG_CRED_OUTBOUND, cred({ grbitEnabledProtocols: SP_PROT_DTLS_CLIENT | SP_PROT_DTLS1_2_CLIENT | SP_PROT_TLS1_CLIENT })).name).toBe('SEC_E_ALGORITHM_MISMATCH');
  });
  it('check 25: an all-zero SCHANNEL_CRED → SEC_E_UNKNOWN_CREDENTIALS both ways', () => {
    expect(acquire(SECPKG_CRED_OUTBOUND, new SCHANNEL_CRED()).name).toBe('SEC_E_UNKNOWN_CREDENTIALS');
    expect(acquire(SECPKG_CRED_INBOUND, new SCHANNEL_CRED()).name).toBe('SEC_E_UNKNOWN_CREDENTIALS');
  });
  it('check 26: version 4 with no certificate → SEC_E_OK both ways', () => {
    expect(acquire(SECPKG_CRED_OUTBOUND, cred({})).name).toBe('SEC_E_OK');
    expect(acquire(SECPKG_CRED_INBOUND, cred({})).name).toBe('SEC_E_OK');
  });
  it('check 27: a bogus certificate → SEC_E_UNKNOWN_CREDENTIALS', () => {
    expect(acquire(SECPKG_CRED_OUTBOUND, cred({ cCreds: 1, paCred: [{ bogus: true }] })).name).toBe('SEC_E_UNKNOWN_CREDENTIALS');
    expect(acquire(SECPKG_CRED_INBOUND, cred({ cCreds: 1, paCred: [{ bogus: true }] })).name).toBe('SEC_E_UNKNOWN_CREDENTIALS');
  });
  it('check 28: a certificate without its private key → SEC_E_NO_CREDENTIALS', () => {
    const parsed = parseCertificates(pem('server-p256.pem'));
    if (!parsed.ok) throw new Error('fixture');
    const c = CertCreateCertificateContext(0x10001, parsed.value[0]!.der);
    if (!c.ok) throw new Error('fixture');
    expect(acquire(SECPKG_CRED_INBOUND, cred({ cCreds: 1, paCred: [c.value] })).name).toBe('SEC_E_NO_CREDENTIALS');
  });
  it('check 29: SCH_CRED_V1/V2 → SEC_E_UNKNOWN_CREDENTIALS; V3 and SCHANNEL_CRED_VERSION → SEC_E_OK', () => {
    const server = certWithKey('server-p256');
    for (const v of [SCH_CRED_V1, SCH_CRED_V2]) expect(acquire(SECPKG_CRED_INBOUND, cred({ dwVersion: v, cCreds: 1, paCred: [server] })).name).toBe('SEC_E_UNKNOWN_CREDENTIALS');
    for (const v of [SCH_CRED_V3, SCHANNEL_CRED_VERSION]) {
      expect(acquire(SECPKG_CRED_INBOUND, cred({ dwVersion: v, cCreds: 1, paCred: [server] })).name).toBe('SEC_E_OK');
      expect(acquire(SECPKG_CRED_OUTBOUND, cred({ dwVersion: v, cCreds: 1, paCred: [server] })).name).toBe('SEC_E_OK');
    }
  });
  it('check 30: two certificates where one has no private key (either order), or SCH_CREDENTIALS (v5) on CE-era Schannel → SEC_E_UNKNOWN_CREDENTIALS', () => {
    const a = certWithKey('server-p256');
    const parsed = parseCertificates(pem('server-p256.pem'));
    if (!parsed.ok) throw new Error('fixture');
    const c = CertCreateCertificateContext(0x10001, parsed.value[0]!.der);
    if (!c.ok) throw new Error('fixture');
    // Wine's test pairs a keyless certificate with a keyed one, both ways round.
    expect(acquire(SECPKG_CRED_INBOUND, cred({ cCreds: 2, paCred: [c.value, a] })).name).toBe('SEC_E_UNKNOWN_CREDENTIALS');
    expect(acquire(SECPKG_CRED_INBOUND, cred({ cCreds: 2, paCred: [a, c.value] })).name).toBe('SEC_E_UNKNOWN_CREDENTIALS');
    expect(acquire(SECPKG_CRED_OUTBOUND, cred({ cCreds: 2, paCred: [a, c.value] })).name).toBe('SEC_E_UNKNOWN_CREDENTIALS');
    expect(acquire(SECPKG_CRED_INBOUND, cred({ cCreds: 2, paCred: [a] })).name).toBe('SEC_E_UNKNOWN_CREDENTIALS');
    expect(acquire(SECPKG_CRED_INBOUND, cred({ dwVersion: SCH_CREDENTIALS_VERSION, cCreds: 1, paCred: [a] })).name).toBe('SEC_E_UNKNOWN_CREDENTIALS');
  });
  it('several certificates that all have keys (one per key type, as the SCHANNEL_CRED docs describe) → SEC_E_OK, each charged to the credential', () => {
    const r = acquire(SECPKG_CRED_INBOUND, cred({ cCreds: 2, paCred: [certWithKey('server-p256'), certWithKey('server-ed25519')] }));
    expect(r.name).toBe('SEC_E_OK');
    const tags = r.device.leakReport().filter((l) => l.owner.tag.startsWith('schannel.cred#')).map((l) => l.owner.tag.replace(/#\d+/, '#N')).sort();
    expect(tags).toEqual(['schannel.cred#N', 'schannel.cred#N.certificate', 'schannel.cred#N.certificate2', 'schannel.cred#N.ticketKey']);
    expect(r.sspi.FreeCredentialsHandle(r.h)).toBe(0);
    expect(r.device.leakReport().filter((l) => l.owner.tag.startsWith('schannel.cred#'))).toEqual([]);
  });
  it('check 31: CIPHER_STRENGTHS on an inbound credential → both non-zero', () => {
    const r = acquire(SECPKG_CRED_INBOUND, cred({ cCreds: 1, paCred: [certWithKey('server-p256')], grbitEnabledProtocols: SP_PROT_TLS1_3_SERVER }));
    const cs = new SecPkgCred_CipherStrengths();
    expect(r.sspi.QueryCredentialsAttributes(r.h, SECPKG_ATTR_CIPHER_STRENGTHS, cs)).toBe(0);
    expect(cs.dwMinimumCipherStrength).toBeGreaterThan(0);
    expect(cs.dwMaximumCipherStrength).toBeGreaterThanOrEqual(cs.dwMinimumCipherStrength);
  });
  it('palgSupportedAlgs restricts the suites; none left → SEC_E_ALGORITHM_MISMATCH', () => {
    const r = acquire(SECPKG_CRED_OUTBOUND, cred({ cSupportedAlgs: 1, palgSupportedAlgs: [CALG_AES_128] }));
    expect(r.name).toBe('SEC_E_OK');
    const algs: { cSupportedAlgs?: number; palgSupportedAlgs?: number[] } = {};
    expect(r.sspi.QueryCredentialsAttributes(r.h, SECPKG_ATTR_SUPPORTED_ALGS, algs)).toBe(0);
    expect(algs.palgSupportedAlgs).toEqual([CALG_AES_128]);
    expect(acquire(SECPKG_CRED_OUTBOUND, cred({ cSupportedAlgs: 1, palgSupportedAlgs: [0x6801] })).name).toBe('SEC_E_ALGORITHM_MISMATCH');
  });
  it('a credential is charged to the LSA process and released by FreeCredentialsHandle', () => {
    const r = acquire(SECPKG_CRED_INBOUND, cred({ cCreds: 1, paCred: [certWithKey('server-p256')] }));
    const held = r.device.leakReport().filter((l) => l.owner.tag.startsWith('schannel.cred#'));
    // The credential object, its certificate context and its session-ticket key.
    expect(held.map((l) => l.owner.tag.replace(/#\d+/, '#N')).sort()).toEqual(['schannel.cred#N', 'schannel.cred#N.certificate', 'schannel.cred#N.ticketKey']);
    expect(held.every((l) => l.owner.call.startsWith('AcquireCredentialsHandle'))).toBe(true);
    expect(r.sspi.FreeCredentialsHandle(r.h)).toBe(0);
    expect(r.device.leakReport().filter((l) => l.owner.tag.startsWith('schannel.cred#'))).toEqual([]);
  });
});
