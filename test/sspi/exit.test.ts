/**
 * A process that exits with SSPI objects still open: Security.dll's DLL_PROCESS_DETACH deletes
 * them and reports what each held, named by owner and call, before the device reclaims the rest
 * (sspi-behaviour.md §2.2; the "a process exiting reports what is still held").
 */
import { describe, it, expect } from 'vitest';
import { Device, getProfile } from '../../device/index.js';
import { InitSecurityInterface, getSspiReports, SecBuffer, SecBufferDesc, SecHandle, SECBUFFER_TOKEN, SECPKG_CRED_OUTBOUND, TimeStamp, UNISP_NAME } from '../../sspi/index.js';
import { registerSchannel } from '../../schannel/index.js';

describe('process exit', () => {
  it('deletes the contexts and credentials the process left open and reports each leaked buffer', () => {
    registerSchannel();
    const device = new Device(getProfile('ce210-handheld'), { seed: 5 });
    const app = device.createProcess('app.exe');
    const sspi = InitSecurityInterface(app);
    const cred = new SecHandle();
    expect(sspi.AcquireCredentialsHandle(null, UNISP_NAME, SECPKG_CRED_OUTBOUND, null, null, null, null, cred, new TimeStamp())).toBe(0);
    const ctx = new SecHandle();
    const out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    expect(sspi.InitializeSecurityContext(cred, null, 'localhost', 0x811c, 0, 0, null, 0, ctx, out, { value: 0 }, null)).toBe(0x00090312);
    // The application exits without FreeContextBuffer, DeleteSecurityContext or FreeCredentialsHandle.
    const exit = app.exit();
    const reports = getSspiReports(device);
    expect(reports.length).toBeGreaterThan(0);
    const text = JSON.stringify(reports);
    expect(text).toContain('sspi.token');
    expect(text).toContain('InitializeSecurityContext');
    // Security.dll released the LSA-side state of the context and the credential.
    expect(device.leakReport().filter((l) => l.owner.tag.startsWith('schannel.'))).toEqual([]);
    // The output token the application never freed is what its exit report still lists.
    expect(exit.poolBlocks.map((b) => b.owner.tag)).toEqual([expect.stringMatching(/^sspi\.token/)]);
    expect(exit.poolBlocks[0]!.addr).toBe(out.pBuffers[0]!.pvBuffer);
  });
});
