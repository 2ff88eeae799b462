/**
 * Schannel's package info through Security.dll: sspi-behaviour.md checks 3, 4 and 15.
 */
import { describe, it, expect } from 'vitest';
import { makeDevice } from './harness.js';
import { InitSecurityInterface, readSecPkgInfo, UNISP_NAME, SCHANNEL_NAME, statusName } from '../../sspi/index.js';

describe('Schannel package info', () => {
  it('check 4: EnumerateSecurityPackages lists "Microsoft Unified Security Protocol Provider" and "Schannel" in one block', () => {
    const device = makeDevice(61);
    const p = device.createProcess('app.exe');
    const sspi = InitSecurityInterface(p);
    const n = { value: 0 };
    const pp = { value: 0 };
    expect(sspi.EnumerateSecurityPackages(n, pp)).toBe(0);
    const infos = Array.from({ length: n.value }, (_, i) => readSecPkgInfo(p, pp.value, i));
    const names = infos.map((i) => i.Name);
    expect(names).toContain(UNISP_NAME);
    expect(names).toContain(SCHANNEL_NAME);
    expect(device.blockOf(pp.value)?.pool).toBe('token');
    expect(sspi.FreeContextBuffer(pp.value)).toBe(0);
  });
  it('check 15: fCapabilities 0x7B3, wVersion 1, wRPCID 14 (UNISP_RPC_ID), cbMaxToken 16384, and the comments', () => {
    const device = makeDevice(62);
    const p = device.createProcess('app.exe');
    const sspi = InitSecurityInterface(p);
    for (const [name, comment] of [
      [UNISP_NAME, UNISP_NAME],
      ['Schannel', 'Schannel Security Package'],
      ['microsoft unified security protocol provider', UNISP_NAME],
    ] as const) {
      const pp = { value: 0 };
      expect(statusName(sspi.QuerySecurityPackageInfo(name, pp))).toBe('SEC_E_OK');
      const info = readSecPkgInfo(p, pp.value, 0);
      expect([info.fCapabilities, info.wVersion, info.wRPCID, info.cbMaxToken]).toEqual([0x7b3, 1, 14, 16384]);
      expect(info.Comment).toBe(comment);
      expect(sspi.FreeContextBuffer(pp.value)).toBe(0);
    }
  });
});
