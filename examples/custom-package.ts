// A security package of your own: an SSP/AP module registered under a DLL name, listed in the
// device registry, loaded into lsass.exe and called through Security.dll's dispatcher.
import { Device, getProfile } from 'cesim/device';
import {
  AddSecurityPackage, CredHandle, CtxtHandle, InitSecurityInterface, registerPackageModule,
  SECBUFFER_TOKEN, SECPKG_CRED_OUTBOUND, SEC_E_INVALID_HANDLE, SEC_E_OK, SEC_I_CONTINUE_NEEDED,
  SecBuffer, SecBufferDesc, findBuffer, localExpiry,
  type SECPKG_FUNCTION_TABLE, type SecpkgSupportFunctions,
} from 'cesim/sspi';

// 1. The package: an LSA-mode table. This one says "HELLO" and is done after one leg.
function makeHelloPackage(): SECPKG_FUNCTION_TABLE {
  let lsa: SecpkgSupportFunctions | null = null;
  const contexts = new Map<number, number>(); // LSA handle -> state block in lsass.exe
  let next = 1;
  return {
    OutputTooSmallStatus: 0x80090321, // SEC_E_BUFFER_TOO_SMALL
    SpInitialize: (_id, _params, support) => { lsa = support; return SEC_E_OK; },
    SpGetInfo: (info) => {
      Object.assign(info, { fCapabilities: 0x10, wVersion: 1, wRPCID: 0xffff, cbMaxToken: 16, Name: 'Hello', Comment: 'Says hello' });
      return SEC_E_OK;
    },
    SpAcquireCredentialsHandle: (_p, _use, _l, _a, _f, _g, handle) => { handle.value = next++; return SEC_E_OK; },
    SpFreeCredentialsHandle: () => SEC_E_OK,
    SpInitLsaModeContext: (_cred, ctx, _t, _req, _rep, _in, newCtx, out, attrs, expiry) => {
      if (ctx !== 0) return SEC_E_INVALID_HANDLE;           // one leg only
      const i = findBuffer(out, SECBUFFER_TOKEN);
      const block = lsa!.AllocateHeap(16, 'context');       // per-context state, charged to lsass.exe
      if (block === 0) return 0x80090300;                   // SEC_E_INSUFFICIENT_MEMORY
      const st = lsa!.WriteOutputToken(out!, i, new TextEncoder().encode('HELLO'));
      if (st !== SEC_E_OK) { lsa!.FreeHeap(block); return st; }
      newCtx.value = next++;
      contexts.set(newCtx.value, block);
      attrs.value = 0x800;                                  // ISC_RET_CONNECTION
      Object.assign(expiry, localExpiry(lsa!.device, 60));  // device local time
      return SEC_I_CONTINUE_NEEDED;
    },
    SpDeleteContext: (ctx) => {
      const block = contexts.get(ctx);
      if (block === undefined) return SEC_E_INVALID_HANDLE;
      lsa!.FreeHeap(block);
      contexts.delete(ctx);
      return SEC_E_OK;
    },
  };
}

// 2. The module (the "DLL"), made known to cesim, then listed in a device's registry.
registerPackageModule('hello.dll', () => ({
  SpLsaModeInitialize: (_v, ver, tables, count) => {
    ver.value = 1; tables.value = [makeHelloPackage()]; count.value = 1;
    return SEC_E_OK;
  },
}));

// 3. Use it through Security.dll, as C code would.
function helloDemo(): { status: number; token: string; leaks: number } {
  const device = new Device(getProfile('ce210-handheld'), { seed: 1 });
  AddSecurityPackage(device, 'hello.dll');
  const app = device.createProcess('app.exe');
  const sspi = InitSecurityInterface(app);
  const cred = new CredHandle();
  sspi.AcquireCredentialsHandle(null, 'Hello', SECPKG_CRED_OUTBOUND, null, null, null, null, cred, null);
  const ctx = new CtxtHandle();
  const out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
  const attrs = { value: 0 };
  const status = sspi.InitializeSecurityContext(cred, null, 'peer', 0x100 /* ISC_REQ_ALLOCATE_MEMORY */, 0, 0x10, null, 0, ctx, out, attrs, null);
  const token = new TextDecoder().decode(app.read(out.pBuffers[0]!.pvBuffer, out.pBuffers[0]!.cbBuffer));
  sspi.FreeContextBuffer(out.pBuffers[0]!.pvBuffer);
  sspi.DeleteSecurityContext(ctx);
  sspi.FreeCredentialsHandle(cred);
  return { status, token, leaks: device.leakReport({ tag: /^(sspi|Hello)\./ }).length };
}

console.log(helloDemo()); // { status: 590610 (SEC_I_CONTINUE_NEEDED), token: 'HELLO', leaks: 0 }
