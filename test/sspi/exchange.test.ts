/**
 * The generic calling sequences of InitializeSecurityContext-CE210.txt end to end, with the
 * ISC_REQ_ALLOCATE_MEMORY rule on the token pool (reference checks 11, 33) and leak reports.
 */
import { describe, expect, it } from 'vitest';
import { LPTR } from '../../device/index.js';
import {
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_RET_ALLOCATED_MEMORY,
  ContextState,
  CredHandle,
  CtxtHandle,
  InitSecurityInterface,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  ISC_REQ_MUTUAL_AUTH,
  ISC_REQ_PROMPT_FOR_CREDS,
  ISC_REQ_USE_DCE_STYLE,
  ISC_REQ_USE_SUPPLIED_CREDS,
  ISC_RET_ALLOCATED_MEMORY,
  ISC_RET_CONNECTION,
  ISC_RET_INTEGRITY,
  ISC_RET_MUTUAL_AUTH,
  ISC_RET_USED_COLLECTED_CREDS,
  ISC_RET_USED_SUPPLIED_CREDS,
  SECBUFFER_DATA,
  SECBUFFER_PKG_PARAMS,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_SESSION_KEY,
  SEC_E_BUFFER_TOO_SMALL,
  SEC_E_INVALID_HANDLE,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SecBufferDesc,
  SecPkgContext_Names,
  SecPkgContext_SessionKey,
  SspiProcessDetach,
  TimeStamp,
  contextLifecycleMermaid,
  getSspiReports,
  sspiState,
  statusName,
} from '../../sspi/index.js';
import { TOY_LIFETIME_S } from './packages/toy.js';
import { names, newDevice, runExchange } from './helpers.js';

const ALLOC_C = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION;

describe('three-leg exchange between two processes with ISC_REQ_ALLOCATE_MEMORY', () => {
  it('checks 11, 33: tokens come from the caller\'s token pool; peak and final token-pool bytes', () => {
    const d = newDevice();
    sspiState(d).ensureLoaded();
    const tokenPool = (): { cur: number; peak: number } => {
      const p = d.stats().pools.find((x) => x.name === 'token')!;
      return { cur: p.currentBytesRequested, peak: p.peakBytesRequested };
    };
    expect(tokenPool()).toEqual({ cur: 0, peak: 0 });
    const r = runExchange(d, { pkg: 'ThreeLeg', clientReq: ALLOC_C, serverReq: ASC_REQ_ALLOCATE_MEMORY, allocate: true, freeTokens: true });
    expect(names(r.clientStatuses)).toEqual(['SEC_I_CONTINUE_NEEDED', 'SEC_E_OK']);
    expect(names(r.serverStatuses)).toEqual(['SEC_I_CONTINUE_NEEDED', 'SEC_E_OK']);
    // HELLO = 1+8+1+"alice"(5)+4 = 19 bytes; CHALLENGE 13; PROOF 13; each freed before the next.
    expect(tokenPool()).toEqual({ cur: 0, peak: 19 });
    // ISC_RET_ALLOCATED_MEMORY on every success; the security flags only on the last (CE210 remarks).
    expect(r.clientAttrs[0]).toBe(ISC_RET_ALLOCATED_MEMORY);
    expect(r.clientAttrs[1]).toBe(ISC_RET_ALLOCATED_MEMORY | ISC_RET_MUTUAL_AUTH | ISC_RET_INTEGRITY | ISC_RET_CONNECTION);
    expect(r.serverAttrs.every((a) => (a & ASC_RET_ALLOCATED_MEMORY) !== 0)).toBe(true);
    for (const [C, ctx, cred] of [[r.C, r.cctx, r.ccred], [r.S, r.sctx, r.scred]] as const) {
      expect(C.DeleteSecurityContext(ctx)).toBe(SEC_E_OK);
      expect(C.FreeCredentialsHandle(cred)).toBe(SEC_E_OK);
    }
    expect(d.leakReport({ pid: r.client.pid })).toEqual([]);
    expect(d.leakReport({ pid: r.server.pid })).toEqual([]);
    expect(d.leakReport({ pid: sspiState(d).lsa.pid })).toEqual([]);
    expect(getSspiReports(d).every((x) => x.packageBlocks.length === 0 && x.outstandingBuffers.length === 0)).toBe(true);
  });

  it('check 33: with ALLOCATE_MEMORY the provider replaces even a non-NULL pvBuffer (0xdeadbeef)', () => {
    const d = newDevice();
    const app = d.createProcess('app.exe');
    const t = InitSecurityInterface(app);
    const cred = new CredHandle();
    expect(t.AcquireCredentialsHandle('alice', 'ThreeLeg', 2, null, null, null, null, cred, null)).toBe(0);
    const out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0xdeadbeef)]);
    const ctx = new CtxtHandle();
    expect(t.InitializeSecurityContext(cred, null, 's', ISC_REQ_ALLOCATE_MEMORY, 0, 0, null, 0, ctx, out, null, null)).toBe(SEC_I_CONTINUE_NEEDED);
    const b = out.pBuffers[0]!;
    expect(b.pvBuffer).not.toBe(0xdeadbeef);
    expect(app.blockOf(b.pvBuffer)).toMatchObject({ pool: 'token', size: b.cbBuffer, owner: { pid: app.pid, tag: 'sspi.token.ThreeLeg', call: 'InitializeSecurityContextW' } });
    expect(t.FreeContextBuffer(b.pvBuffer)).toBe(0);
    expect(t.DeleteSecurityContext(ctx)).toBe(0);
    expect(t.FreeCredentialsHandle(cred)).toBe(0);
  });

  it('without FreeContextBuffer the reports and the leak report name each buffer, its owner and call', () => {
    const d = newDevice();
    const r = runExchange(d, { pkg: 'ThreeLeg', clientReq: ALLOC_C, serverReq: ASC_REQ_ALLOCATE_MEMORY, allocate: true, freeTokens: false });
    expect(r.failure).toBe(0);
    expect(r.heldTokens).toHaveLength(3);
    expect(r.C.DeleteSecurityContext(r.cctx)).toBe(0);
    const rep = getSspiReports(d).find((x) => x.event === 'DeleteSecurityContext' && x.pid === r.client.pid)!;
    expect(rep.packageBlocks).toEqual([]);
    expect(rep.outstandingBuffers.map((e) => [e.owner.tag, e.owner.call, e.processName])).toEqual([
      ['sspi.token.ThreeLeg', 'InitializeSecurityContextW', 'client.exe'],
      ['sspi.token.ThreeLeg', 'InitializeSecurityContextW', 'client.exe'],
    ]);
    const leaks = d.leakReport({ tag: 'sspi.token.*' });
    expect(leaks.map((e) => [e.processName, e.owner.call, e.size])).toEqual([
      ['client.exe', 'InitializeSecurityContextW', 19],
      ['server.exe', 'AcceptSecurityContext', 13],
      ['client.exe', 'InitializeSecurityContextW', 13],
    ]);
    // A process exiting: SspiProcessDetach deletes what is left and reports the unfreed buffers.
    const det = SspiProcessDetach(r.server);
    expect(det.outstandingBuffers.map((e) => e.owner.tag)).toEqual(['sspi.token.ThreeLeg']);
    const exit = r.server.exit();
    expect(exit.poolBlocks.map((e) => e.owner.tag)).toEqual(['sspi.token.ThreeLeg']);
    for (const h of r.heldTokens.filter((x) => x.process === r.client)) expect(r.C.FreeContextBuffer(h.addr)).toBe(0);
    expect(r.C.FreeCredentialsHandle(r.ccred)).toBe(0);
    expect(d.leakReport({ tag: 'sspi.*' })).toEqual([]);
    expect(d.leakReport({ tag: 'ThreeLeg.*' })).toEqual([]);
  });

  it('FreeContextBuffer of something a package did not allocate is a device fault and SEC_E_INVALID_HANDLE', () => {
    const d = newDevice();
    const app = d.createProcess('app.exe');
    const t = InitSecurityInterface(app);
    const mine = app.LocalAlloc(LPTR, 32);
    const faults = d.faults.length;
    expect(t.FreeContextBuffer(mine)).toBe(SEC_E_INVALID_HANDLE);
    expect(d.faults.length).toBe(faults + 1);
    expect(app.blockOf(mine)).not.toBeNull(); // not freed behind the caller's back
    expect(t.FreeContextBuffer(0x1234)).toBe(SEC_E_INVALID_HANDLE);
    expect(d.faults.length).toBe(faults + 2);
    const n = { value: 0 };
    const p = { value: 0 };
    expect(t.EnumerateSecurityPackages(n, p)).toBe(0);
    expect(t.FreeContextBuffer(p.value)).toBe(0);
    expect(t.FreeContextBuffer(p.value)).toBe(SEC_E_INVALID_HANDLE); // double free
    expect(d.faults.at(-1)!.kind).toMatch(/free/);
    expect(t.FreeContextBuffer(0)).toBe(SEC_E_OK);
  });

  it('without ALLOCATE_MEMORY the caller\'s buffer is used in place; too small → the package\'s code', () => {
    const d = newDevice();
    const app = d.createProcess('app.exe');
    const t = InitSecurityInterface(app);
    const cred = new CredHandle();
    expect(t.AcquireCredentialsHandle('alice', 'ThreeLeg', 2, null, null, null, null, cred, null)).toBe(0);
    const small = app.LocalAlloc(LPTR, 8);
    const ctx = new CtxtHandle(1, 1);
    const out = new SecBufferDesc([new SecBuffer(8, SECBUFFER_TOKEN, small)]);
    expect(t.InitializeSecurityContext(cred, null, 's', 0, 0, 0, null, 0, ctx, out, null, null)).toBe(SEC_E_BUFFER_TOO_SMALL);
    expect(ctx).toMatchObject({ dwLower: 1, dwUpper: 1 });
    const big = app.LocalAlloc(LPTR, 64);
    const out2 = new SecBufferDesc([new SecBuffer(64, SECBUFFER_TOKEN, big)]);
    expect(t.InitializeSecurityContext(cred, null, 's', 0, 0, 0, null, 0, ctx, out2, null, null)).toBe(SEC_I_CONTINUE_NEEDED);
    expect(out2.pBuffers[0]).toMatchObject({ pvBuffer: big, cbBuffer: 19 });
    expect(app.read(big, 1)[0]).toBe(1);
    expect(t.DeleteSecurityContext(ctx)).toBe(0);
    expect(t.FreeCredentialsHandle(cred)).toBe(0);
    expect(d.leakReport({ pid: sspiState(d).lsa.pid })).toEqual([]);
  });
});

describe('generic calling sequences (InitializeSecurityContext-CE210.txt)', () => {
  it('two-leg: ISC → CONTINUE, ASC → OK with a token, ISC → OK', () => {
    const d = newDevice();
    const r = runExchange(d, { pkg: 'TwoLeg', clientReq: ALLOC_C, serverReq: ASC_REQ_ALLOCATE_MEMORY, allocate: true, freeTokens: true });
    expect(names(r.clientStatuses)).toEqual(['SEC_I_CONTINUE_NEEDED', 'SEC_E_OK']);
    expect(names(r.serverStatuses)).toEqual(['SEC_E_OK']);
    // The context is mapped into each caller: per-message calls run there.
    const st = sspiState(d);
    const ctxObj = st.proc(r.client).handles.get('context', r.cctx.dwLower, r.cctx.dwUpper)!;
    expect(ctxObj.kind === 'context' && ctxObj.fsm.state).toBe(ContextState.MappedToUser);
    const data = r.client.LocalAlloc(LPTR, 16);
    const sig = r.client.LocalAlloc(LPTR, 8);
    r.client.write(data, new TextEncoder().encode('hello, device!!!'));
    const msg = new SecBufferDesc([new SecBuffer(16, SECBUFFER_DATA, data), new SecBuffer(8, SECBUFFER_TOKEN, sig)]);
    expect(r.C.MakeSignature(r.cctx, 0, msg, 0)).toBe(SEC_E_OK);
    // Same message in the server's memory verifies there.
    const sd = r.server.LocalAlloc(LPTR, 16);
    const ss = r.server.LocalAlloc(LPTR, 8);
    r.server.write(sd, r.client.read(data, 16));
    r.server.write(ss, r.client.read(sig, 8));
    const smsg = new SecBufferDesc([new SecBuffer(16, SECBUFFER_DATA, sd), new SecBuffer(8, SECBUFFER_TOKEN, ss)]);
    const qop = { value: 0xdeadbeef };
    expect(r.S.VerifySignature(r.sctx, smsg, 0, qop)).toBe(SEC_E_OK);
    expect(qop.value).toBe(0xdeadbeef);
    r.server.write(sd, new Uint8Array([0]));
    expect(r.S.VerifySignature(r.sctx, smsg, 0, null)).toBe(SEC_E_MESSAGE_ALTERED);
    // Encrypt in the client, decrypt in the server.
    r.client.write(data, new TextEncoder().encode('secret message!!'));
    expect(r.C.EncryptMessage(r.cctx, 0, msg, 0)).toBe(SEC_E_OK);
    r.server.write(sd, r.client.read(data, 16));
    r.server.write(ss, r.client.read(sig, 8));
    expect(r.S.DecryptMessage(r.sctx, smsg, 0, null)).toBe(SEC_E_OK);
    expect(new TextDecoder().decode(r.server.read(sd, 16))).toBe('secret message!!');
    // Session key: a FreeContextBuffer block (check 11).
    const key = new SecPkgContext_SessionKey();
    expect(r.C.QueryContextAttributes(r.cctx, SECPKG_ATTR_SESSION_KEY, key)).toBe(SEC_E_OK);
    expect(r.client.blockOf(key.SessionKey)).toMatchObject({ pool: 'token', size: 16, owner: { tag: 'sspi.ctxbuf.TwoLeg' } });
    expect(r.C.FreeContextBuffer(key.SessionKey)).toBe(SEC_E_OK);
    for (const [C, ctx, cred] of [[r.C, r.cctx, r.ccred], [r.S, r.sctx, r.scred]] as const) {
      expect(C.DeleteSecurityContext(ctx)).toBe(0);
      expect(C.FreeCredentialsHandle(cred)).toBe(0);
    }
    expect(d.leakReport({ tag: /^(sspi|TwoLeg)\./ })).toEqual([]);
  });

  it('SEC_I_COMPLETE_AND_CONTINUE (two-leg) and SEC_I_COMPLETE_NEEDED (three-leg) with CompleteAuthToken', () => {
    for (const pkg of ['TwoLeg', 'ThreeLeg']) {
      const d = newDevice();
      const r = runExchange(d, { pkg, clientReq: ALLOC_C | ISC_REQ_USE_DCE_STYLE, serverReq: ASC_REQ_ALLOCATE_MEMORY, allocate: true, freeTokens: true });
      expect(r.failure).toBe(0);
      if (pkg === 'TwoLeg') expect(names(r.clientStatuses)).toEqual(['SEC_I_COMPLETE_AND_CONTINUE', 'SEC_E_OK']);
      else expect(names(r.clientStatuses)).toEqual(['SEC_I_COMPLETE_AND_CONTINUE', 'SEC_I_COMPLETE_NEEDED']);
      expect(r.serverFinal).toBe(SEC_E_OK);
      const obj = sspiState(d).proc(r.client).handles.get('context', r.cctx.dwLower, r.cctx.dwUpper)!;
      expect(obj.kind === 'context' && obj.fsm.state).toBe(ContextState.MappedToUser);
    }
  });

  it('without CompleteAuthToken the server rejects the token (the completion really runs in user mode)', () => {
    const d = newDevice();
    const client = d.createProcess('c.exe');
    const server = d.createProcess('s.exe');
    const C = InitSecurityInterface(client);
    const S = InitSecurityInterface(server);
    const cc = new CredHandle();
    const sc = new CredHandle();
    C.AcquireCredentialsHandle('alice', 'TwoLeg', 2, null, null, null, null, cc, null);
    S.AcquireCredentialsHandle(null, 'TwoLeg', 1, null, { users: ['alice'] }, null, null, sc, null);
    const ctx = new CtxtHandle();
    const out = new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    expect(statusName(C.InitializeSecurityContext(cc, null, 's', ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_USE_DCE_STYLE, 0, 0, null, 0, ctx, out, null, null))).toBe('SEC_I_COMPLETE_AND_CONTINUE');
    const tok = client.read(out.pBuffers[0]!.pvBuffer, out.pBuffers[0]!.cbBuffer);
    const a = server.LocalAlloc(LPTR, tok.length);
    server.write(a, tok);
    const sctx = new CtxtHandle();
    expect(statusName(S.AcceptSecurityContext(sc, null, new SecBufferDesc([new SecBuffer(tok.length, SECBUFFER_TOKEN, a)]), 0, 0, sctx, new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]), null, null))).toBe('SEC_E_INVALID_TOKEN');
    expect(C.FreeContextBuffer(out.pBuffers[0]!.pvBuffer)).toBe(0);
    expect(C.DeleteSecurityContext(ctx)).toBe(0);
  });

  it('ISC_REQ_PROMPT_FOR_CREDS is ignored for a non-interactive process; USE_SUPPLIED_CREDS reads SECBUFFER_PKG_PARAMS', () => {
    const d = newDevice();
    const r = runExchange(d, {
      pkg: 'ThreeLeg',
      clientReq: ALLOC_C | ISC_REQ_PROMPT_FOR_CREDS | ISC_REQ_USE_SUPPLIED_CREDS,
      serverReq: ASC_REQ_ALLOCATE_MEMORY,
      allocate: true,
      freeTokens: true,
      principal: 'nobody',
      users: ['bob'],
      firstExtra: (p) => {
        const a = p.LocalAlloc(LPTR, 3);
        p.write(a, new TextEncoder().encode('bob'));
        return [new SecBuffer(3, SECBUFFER_PKG_PARAMS, a)];
      },
    });
    expect(r.failure).toBe(0);
    expect(r.clientAttrs.every((a) => (a & ISC_RET_USED_COLLECTED_CREDS) === 0)).toBe(true);
    expect(r.clientAttrs.at(-1)! & ISC_RET_USED_SUPPLIED_CREDS).toBe(ISC_RET_USED_SUPPLIED_CREDS);
    const n = new SecPkgContext_Names();
    expect(r.S.QueryContextAttributes(r.sctx, SECPKG_ATTR_NAMES, n)).toBe(0);
    expect(n.sUserName).toBe('bob');
  });

  it('ptsExpiry is in device local time (FILETIME as LowPart/HighPart)', () => {
    const d = newDevice();
    const r = runExchange(d, { pkg: 'ThreeLeg', clientReq: ALLOC_C, serverReq: ASC_REQ_ALLOCATE_MEMORY, allocate: true, freeTokens: true });
    const exp = r.clientExpiry.toFileTime();
    const local = d.clock.getLocalTimeAsFileTime();
    const utc = d.clock.getSystemTimeAsFileTime();
    const life = BigInt(TOY_LIFETIME_S) * 10_000_000n;
    expect(exp).toBeGreaterThan(local);
    expect(exp).toBeLessThanOrEqual(local + life);
    expect(exp - (local + life)).toBeGreaterThan(-10_000_000n); // within a second of local now + lifetime
    const offset = BigInt(d.profile.clock.utcOffsetMinutes) * 60n * 10_000_000n;
    expect(local - utc).toBe(offset);
    expect(r.clientExpiry).toBeInstanceOf(TimeStamp);
  });

  it('a rejected connection ends with DeleteSecurityContext and nothing held', () => {
    const d = newDevice();
    const r = runExchange(d, { pkg: 'ThreeLeg', clientReq: ALLOC_C, serverReq: ASC_REQ_ALLOCATE_MEMORY, allocate: true, freeTokens: true, users: ['mallory'] });
    expect(r.serverFinal).toBe(SEC_E_LOGON_DENIED);
    expect(r.C.DeleteSecurityContext(r.cctx)).toBe(0);
    expect(r.S.DeleteSecurityContext(r.sctx)).toBe(0);
    expect(r.C.FreeCredentialsHandle(r.ccred)).toBe(0);
    expect(r.S.FreeCredentialsHandle(r.scred)).toBe(0);
    expect(d.leakReport({ tag: /^(sspi|ThreeLeg)\./ })).toEqual([]);
    expect(getSspiReports(d).every((x) => x.packageBlocks.length === 0 && x.outstandingBuffers.length === 0)).toBe(true);
  });
});

describe('context lifecycle', () => {
  it('the Mermaid diagram is generated from the transition table', () => {
    const m = contextLifecycleMermaid();
    expect(m).toContain('stateDiagram-v2');
    expect(m).toContain('CompleteNeeded --> Established: completeAuthToken');
    expect(m).toContain('Established --> MappedToUser: mapToUser');
    expect(m).toContain('Deleted --> [*]');
  });
});
