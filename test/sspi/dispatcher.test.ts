/** Dispatcher-level checks of ../shared/reference/sspi-behaviour.md §2.1–2.3, by number. */
import { describe, expect, it } from 'vitest';
import {
  ASC_REQ_ALLOCATE_MEMORY,
  CredHandle,
  CtxtHandle,
  InitSecurityInterface,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONNECTION,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
  SECPKG_ATTR_SIZES,
  SECPKG_CRED_OUTBOUND,
  SECPKG_FLAG_CONNECTION,
  SECPKG_FLAG_INTEGRITY,
  SECPKG_FLAG_MUTUAL_AUTH,
  SECURITY_NATIVE_DREP,
  SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_OK,
  SEC_E_SECPKG_NOT_FOUND,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  SECURITY_FUNCTION_NAMES,
  SecBuffer,
  SecBufferDesc,
  SecInvalidateHandle,
  SecIsValidHandle,
  SecPkgContext_Sizes,
  SIZEOF_SECPKGINFO,
  TimeStamp,
  PKGINFO_TAG,
  readSecPkgInfo,
  statusName,
  statusText,
} from '../../sspi/index.js';
import { LPTR } from '../../device/index.js';
import { newDevice, runExchange } from './helpers.js';

describe('§2.1 dispatcher, handles, package lookup', () => {
  it('check 1: AcquireCredentialsHandle with a NULL package → SEC_E_SECPKG_NOT_FOUND', () => {
    const d = newDevice();
    const t = InitSecurityInterface(d.createProcess('app.exe'));
    const cred = new CredHandle();
    expect(t.AcquireCredentialsHandle(null, null, SECPKG_CRED_OUTBOUND, null, null, null, null, cred, null)).toBe(0x80090305);
    expect(t.AcquireCredentialsHandle(null, 'Winetest', SECPKG_CRED_OUTBOUND, null, null, null, null, cred, null)).toBe(SEC_E_SECPKG_NOT_FOUND);
  });

  it('check 2: QuerySecurityPackageInfo("Winetest") → 0x80090305 and the out pointer untouched', () => {
    const d = newDevice();
    const t = InitSecurityInterface(d.createProcess('app.exe'));
    const p = { value: 0xdeadbeef };
    expect(t.QuerySecurityPackageInfo('Winetest', p)).toBe(0x80090305);
    expect(p.value).toBe(0xdeadbeef);
    expect(t.QuerySecurityPackageInfo(null, p)).toBe(SEC_E_SECPKG_NOT_FOUND);
    expect(p.value).toBe(0xdeadbeef);
  });

  it('check 3: QuerySecurityPackageInfo (case-insensitive) → one readable block, wVersion 1, FreeContextBuffer → SEC_E_OK', () => {
    const d = newDevice();
    const app = d.createProcess('app.exe');
    const t = InitSecurityInterface(app);
    const p = { value: 0 };
    expect(t.QuerySecurityPackageInfo('threeleg', p)).toBe(SEC_E_OK);
    const info = readSecPkgInfo(app, p.value);
    expect(info.wVersion).toBe(1);
    expect(info.Name).toBe('ThreeLeg');
    // The strings live inside the block (check 12's layout).
    const blk = app.blockOf(p.value)!;
    expect(blk.pool).toBe('token');
    expect(blk.owner.tag).toBe(PKGINFO_TAG);
    expect(blk.size).toBe(SIZEOF_SECPKGINFO + (info.Name.length + 1) * 2 + (info.Comment.length + 1) * 2);
    expect(info.pName).toBeGreaterThanOrEqual(p.value);
    expect(info.pComment + (info.Comment.length + 1) * 2).toBe(p.value + blk.size);
    expect(t.FreeContextBuffer(p.value)).toBe(SEC_E_OK);
    expect(app.blockOf(p.value)).toBeNull();
  });

  it('check 4: EnumerateSecurityPackages → n>0, one block freed by one FreeContextBuffer', () => {
    const d = newDevice();
    const app = d.createProcess('app.exe');
    const t = InitSecurityInterface(app);
    const n = { value: 0 };
    const p = { value: 0 };
    const before = d.leakReport({ pid: app.pid }).length;
    expect(t.EnumerateSecurityPackages(n, p)).toBe(SEC_E_OK);
    expect(n.value).toBeGreaterThan(0);
    expect(p.value).not.toBe(0);
    expect(d.leakReport({ pid: app.pid }).length).toBe(before + 1);
    const namesSeen = Array.from({ length: n.value }, (_, i) => readSecPkgInfo(app, p.value, i).Name);
    expect(namesSeen).toEqual(expect.arrayContaining(['TwoLeg', 'ThreeLeg']));
    expect(t.FreeContextBuffer(p.value)).toBe(SEC_E_OK);
    expect(d.leakReport({ pid: app.pid }).length).toBe(before);
  });

  it('check 5: InitSecurityInterface → dwVersion 1, Reserved2 NULL, Reserved3 === EncryptMessage, Reserved4 === DecryptMessage', () => {
    const d = newDevice();
    const t = InitSecurityInterface(d.createProcess('app.exe'));
    expect(t.dwVersion).toBe(SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION);
    expect(t.dwVersion).toBe(1);
    expect(t.Reserved2).toBeNull();
    expect(t.Reserved3).toBe(t.EncryptMessage);
    expect(t.Reserved4).toBe(t.DecryptMessage);
    for (const name of SECURITY_FUNCTION_NAMES) expect(typeof t[name]).toBe('function');
  });

  it('check 6: every context/credential entry point with a NULL handle → SEC_E_INVALID_HANDLE', () => {
    const d = newDevice();
    const t = InitSecurityInterface(d.createProcess('app.exe'));
    const desc = new SecBufferDesc([]);
    expect(t.FreeCredentialsHandle(null)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.QueryCredentialsAttributes(null, 1, {})).toBe(SEC_E_INVALID_HANDLE);
    expect(t.InitializeSecurityContext(null, null, 'x', 0, 0, 0, null, 0, new CtxtHandle(), null, null, null)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.AcceptSecurityContext(null, null, null, 0, 0, new CtxtHandle(), null, null, null)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.CompleteAuthToken(null, desc)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.DeleteSecurityContext(null)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.ApplyControlToken(null, desc)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.QueryContextAttributes(null, 0, {})).toBe(SEC_E_INVALID_HANDLE);
    expect(t.SetContextAttributes(null, 0, {}, 0)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.ImpersonateSecurityContext(null)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.RevertSecurityContext(null)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.MakeSignature(null, 0, desc, 0)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.VerifySignature(null, desc, 0, null)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.EncryptMessage(null, 0, desc, 0)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.DecryptMessage(null, desc, 0, null)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.ExportSecurityContext(null, 0, new SecBuffer(), { value: 0 })).toBe(SEC_E_INVALID_HANDLE);
    expect(t.AddCredentials(null, null, 'TwoLeg', 2, null, null, null, null)).toBe(SEC_E_INVALID_HANDLE);
    expect(t.QuerySecurityContextToken(null, { value: 0 })).toBe(SEC_E_INVALID_HANDLE);
  });

  it('check 7: QueryContextAttributes after DeleteSecurityContext → SEC_E_INVALID_HANDLE; a deleted handle is never valid again', () => {
    const d = newDevice();
    const r = runExchange(d, { pkg: 'ThreeLeg', clientReq: ISC_REQ_CONNECTION, serverReq: 0, allocate: false, freeTokens: true });
    expect(r.failure).toBe(0);
    expect(r.C.QueryContextAttributes(r.cctx, SECPKG_ATTR_SIZES, new SecPkgContext_Sizes())).toBe(SEC_E_OK);
    const old = { ...r.cctx };
    expect(r.C.DeleteSecurityContext(r.cctx)).toBe(SEC_E_OK);
    expect(r.C.QueryContextAttributes(r.cctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, {})).toBe(SEC_E_INVALID_HANDLE);
    expect(r.C.DeleteSecurityContext(r.cctx)).toBe(SEC_E_INVALID_HANDLE);
    // Many new contexts later, the old handle still names nothing.
    for (let i = 0; i < 20; i++) {
      const h = new CtxtHandle();
      const out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
      expect(r.C.InitializeSecurityContext(r.ccred, null, 's', ISC_REQ_ALLOCATE_MEMORY, 0, 0, null, 0, h, out, null, null)).toBe(SEC_I_CONTINUE_NEEDED);
      expect(h.dwLower === old.dwLower && h.dwUpper === old.dwUpper).toBe(false);
      r.C.FreeContextBuffer(out.pBuffers[0]!.pvBuffer);
      r.C.DeleteSecurityContext(h);
    }
    expect(r.C.QueryContextAttributes(old, SECPKG_ATTR_SIZES, new SecPkgContext_Sizes())).toBe(SEC_E_INVALID_HANDLE);
  });

  it('check 7: a handle from another process is invalid', () => {
    const d = newDevice();
    const r = runExchange(d, { pkg: 'TwoLeg', clientReq: 0, serverReq: 0, allocate: false, freeTokens: true });
    expect(r.failure).toBe(0);
    expect(r.S.QueryContextAttributes(r.cctx, SECPKG_ATTR_SIZES, new SecPkgContext_Sizes())).toBe(SEC_E_INVALID_HANDLE);
    expect(r.S.FreeCredentialsHandle(r.ccred)).toBe(SEC_E_INVALID_HANDLE);
    expect(r.C.FreeCredentialsHandle(r.ccred)).toBe(SEC_E_OK);
  });

  it('check 8: DeleteSecurityContext(valid) → 0; FreeCredentialsHandle(valid) → 0', () => {
    const d = newDevice();
    const r = runExchange(d, { pkg: 'ThreeLeg', clientReq: 0, serverReq: 0, allocate: false, freeTokens: true });
    expect(r.C.DeleteSecurityContext(r.cctx)).toBe(0);
    expect(r.S.DeleteSecurityContext(r.sctx)).toBe(0);
    expect(r.C.FreeCredentialsHandle(r.ccred)).toBe(0);
    expect(r.S.FreeCredentialsHandle(r.scred)).toBe(0);
  });

  it('check 9: SecInvalidateHandle sets both words to 0xFFFFFFFF; continuation writes *phNewContext == *phContext; failures leave it untouched', () => {
    const h = new CtxtHandle(1, 2);
    expect(SecIsValidHandle(h)).toBe(true);
    SecInvalidateHandle(h);
    expect(h).toMatchObject({ dwLower: 0xffffffff, dwUpper: 0xffffffff });
    expect(SecIsValidHandle(h)).toBe(false);

    const d = newDevice();
    const r = runExchange(d, { pkg: 'ThreeLeg', clientReq: ISC_REQ_ALLOCATE_MEMORY, serverReq: ASC_REQ_ALLOCATE_MEMORY, allocate: true, freeTokens: true });
    expect(r.failure).toBe(0);
    // The exchange passed the same CtxtHandle as phContext and phNewContext: still equal, valid.
    expect(SecIsValidHandle(r.cctx)).toBe(true);
    // A failing continuation call leaves phNewContext untouched.
    const ctx2 = new CtxtHandle(0x1234, 0x5678);
    const bad = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    const st = r.C.InitializeSecurityContext(r.ccred, r.cctx, 's', 0, 0, SECURITY_NATIVE_DREP, bad, 0, ctx2, null, null, null);
    expect(st).not.toBe(SEC_E_OK);
    expect(ctx2).toMatchObject({ dwLower: 0x1234, dwUpper: 0x5678 });
    // A bad descriptor → SEC_E_INVALID_TOKEN, phNewContext untouched.
    const st2 = r.C.InitializeSecurityContext(r.ccred, r.cctx, 's', 0, 0, 0, { ulVersion: 1, cBuffers: 0, pBuffers: [] }, 0, ctx2, null, null, null);
    expect(st2).toBe(SEC_E_INVALID_TOKEN);
    expect(ctx2).toMatchObject({ dwLower: 0x1234, dwUpper: 0x5678 });
  });

  it('check 9: on a continuation call phNewContext receives the same handle as phContext', () => {
    const d = newDevice();
    const app = d.createProcess('client.exe');
    const srv = d.createProcess('server.exe');
    const C = InitSecurityInterface(app);
    const S = InitSecurityInterface(srv);
    const cc = new CredHandle();
    const sc = new CredHandle();
    expect(C.AcquireCredentialsHandle('alice', 'ThreeLeg', 2, null, null, null, null, cc, null)).toBe(0);
    expect(S.AcquireCredentialsHandle(null, 'ThreeLeg', 1, null, { users: ['alice'] }, null, null, sc, null)).toBe(0);
    const ctx = new CtxtHandle();
    const out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    expect(C.InitializeSecurityContext(cc, null, 's', ISC_REQ_ALLOCATE_MEMORY, 0, 0, null, 0, ctx, out, null, null)).toBe(SEC_I_CONTINUE_NEEDED);
    const hello = app.read(out.pBuffers[0]!.pvBuffer, out.pBuffers[0]!.cbBuffer);
    const a = srv.LocalAlloc(LPTR, hello.length);
    srv.write(a, hello);
    const sctx = new CtxtHandle();
    const sout = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    expect(S.AcceptSecurityContext(sc, null, new SecBufferDesc([new SecBuffer(hello.length, SECBUFFER_TOKEN, a)]), ASC_REQ_ALLOCATE_MEMORY, 0, sctx, sout, null, null)).toBe(SEC_I_CONTINUE_NEEDED);
    const ch = srv.read(sout.pBuffers[0]!.pvBuffer, sout.pBuffers[0]!.cbBuffer);
    const b = app.LocalAlloc(LPTR, ch.length);
    app.write(b, ch);
    const ctx2 = new CtxtHandle(7, 7);
    const out2 = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    expect(C.InitializeSecurityContext(cc, ctx, 's', ISC_REQ_ALLOCATE_MEMORY, 0, 0, new SecBufferDesc([new SecBuffer(ch.length, SECBUFFER_TOKEN, b)]), 0, ctx2, out2, null, null)).toBe(SEC_E_OK);
    expect(ctx2).toEqual(ctx);
  });

  it('check 10: one credential backs several concurrent contexts; both deletes → 0', () => {
    const d = newDevice();
    const t = InitSecurityInterface(d.createProcess('app.exe'));
    const cred = new CredHandle();
    expect(t.AcquireCredentialsHandle('alice', 'ThreeLeg', SECPKG_CRED_OUTBOUND, null, null, null, null, cred, new TimeStamp())).toBe(0);
    const c1 = new CtxtHandle();
    const c2 = new CtxtHandle();
    const o1 = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    const o2 = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    expect(t.InitializeSecurityContext(cred, null, 'x', ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONNECTION, 0, 0, null, 0, c1, o1, null, null)).toBe(0x00090312);
    expect(t.InitializeSecurityContext(cred, null, 'x', ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONNECTION, 0, 0, null, 0, c2, o2, null, null)).toBe(0x00090312);
    expect(c1).not.toEqual(c2);
    expect(t.FreeContextBuffer(o1.pBuffers[0]!.pvBuffer)).toBe(0);
    expect(t.FreeContextBuffer(o2.pBuffers[0]!.pvBuffer)).toBe(0);
    expect(t.DeleteSecurityContext(c1)).toBe(0);
    expect(t.DeleteSecurityContext(c2)).toBe(0);
    expect(t.FreeCredentialsHandle(cred)).toBe(0);
  });

  it('an empty slot in a package table → SEC_E_UNSUPPORTED_FUNCTION', () => {
    const d = newDevice();
    const r = runExchange(d, { pkg: 'ThreeLeg', clientReq: 0, serverReq: 0, allocate: false, freeTokens: true });
    const desc = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    expect(r.C.ApplyControlToken(r.cctx, desc)).toBe(SEC_E_UNSUPPORTED_FUNCTION);
    expect(r.C.ImpersonateSecurityContext(r.cctx)).toBe(SEC_E_UNSUPPORTED_FUNCTION);
    expect(r.C.QuerySecurityContextToken(r.cctx, { value: 0 })).toBe(SEC_E_UNSUPPORTED_FUNCTION);
    expect(r.C.ExportSecurityContext(r.cctx, 0, new SecBuffer(), { value: 0 })).toBe(SEC_E_UNSUPPORTED_FUNCTION);
    expect(r.C.QueryContextAttributes(r.cctx, 0x9999, {})).toBe(SEC_E_UNSUPPORTED_FUNCTION);
  });

  it('SecBufferDesc checking: version, count, type, memory behind pvBuffer', () => {
    const d = newDevice();
    const r = runExchange(d, { pkg: 'ThreeLeg', clientReq: 0, serverReq: 0, allocate: false, freeTokens: true });
    const p = r.client;
    const a = p.LocalAlloc(LPTR, 16);
    const sig = p.LocalAlloc(LPTR, 8);
    const mk = (bufs: SecBuffer[], over: Partial<SecBufferDesc> = {}): SecBufferDesc => Object.assign(new SecBufferDesc(bufs), over);
    const ok = mk([new SecBuffer(16, 1, a), new SecBuffer(8, SECBUFFER_TOKEN, sig)]);
    expect(r.C.MakeSignature(r.cctx, 0, ok, 0)).toBe(SEC_E_OK);
    expect(r.C.MakeSignature(r.cctx, 0, mk([new SecBuffer(16, 1, a), new SecBuffer(8, 2, sig)], { ulVersion: 1 }), 0)).toBe(SEC_E_INVALID_TOKEN);
    expect(r.C.MakeSignature(r.cctx, 0, mk([new SecBuffer(16, 1, a)], { cBuffers: 2 }), 0)).toBe(SEC_E_INVALID_TOKEN);
    expect(r.C.MakeSignature(r.cctx, 0, mk([new SecBuffer(16, 0x77, a), new SecBuffer(8, 2, sig)]), 0)).toBe(SEC_E_INVALID_TOKEN);
    // cbBuffer larger than the block behind pvBuffer.
    expect(r.C.MakeSignature(r.cctx, 0, mk([new SecBuffer(17, 1, a), new SecBuffer(8, 2, sig)]), 0)).toBe(SEC_E_INVALID_TOKEN);
    // Inside the block: fine; pvBuffer in the middle of a block with enough room: fine.
    expect(r.C.MakeSignature(r.cctx, 0, mk([new SecBuffer(8, 1, a + 8), new SecBuffer(8, 2, sig)]), 0)).toBe(SEC_E_OK);
    expect(r.C.MakeSignature(r.cctx, 0, mk([new SecBuffer(9, 1, a + 8), new SecBuffer(8, 2, sig)]), 0)).toBe(SEC_E_INVALID_TOKEN);
    // Attribute bits are ignored when matching types (§3.4).
    expect(r.C.MakeSignature(r.cctx, 0, mk([new SecBuffer(16, 1 | 0x80000000, a), new SecBuffer(8, 2, sig)]), 0)).toBe(SEC_E_OK);
    // NULL with 0 bytes is fine for the dispatcher (the package then says what it needs).
    expect(r.C.MakeSignature(r.cctx, 0, mk([new SecBuffer(0, 1, 0), new SecBuffer(8, 2, sig)]), 0)).toBe(SEC_E_OK);
  });
});

describe('§2.3 package info values of the test packages', () => {
  it('checks 13–16 (test packages): fCapabilities, wVersion, wRPCID, cbMaxToken, Name', () => {
    const d = newDevice();
    const app = d.createProcess('app.exe');
    const t = InitSecurityInterface(app);
    const p = { value: 0 };
    expect(t.QuerySecurityPackageInfo('ThreeLeg', p)).toBe(0);
    const three = readSecPkgInfo(app, p.value);
    expect(three).toMatchObject({ fCapabilities: SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_CONNECTION | SECPKG_FLAG_MUTUAL_AUTH, wVersion: 1, wRPCID: 10, cbMaxToken: 64, Name: 'ThreeLeg', Comment: 'Three-leg test package' });
    expect(t.FreeContextBuffer(p.value)).toBe(0);
    expect(t.QuerySecurityPackageInfo('TWOLEG', p)).toBe(0);
    expect(readSecPkgInfo(app, p.value)).toMatchObject({ wRPCID: 0xffff, Name: 'TwoLeg' });
    expect(t.FreeContextBuffer(p.value)).toBe(0);
  });
});

describe('status names', () => {
  it('statusName / statusText follow winerror.h; values are unsigned', () => {
    expect(statusName(0x80090308)).toBe('SEC_E_INVALID_TOKEN');
    expect(statusName(-2146893048)).toBe('SEC_E_INVALID_TOKEN');
    expect(statusText(0x80090301)).toBe('SEC_E_INVALID_HANDLE (0x80090301): The handle specified is invalid.');
    expect(statusName(0x00090368)).toBe('SEC_I_ASYNC_CALL_PENDING');
    expect(statusName(0x12345678)).toBe('0x12345678');
  });
});
