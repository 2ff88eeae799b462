/**
 * The Negotiate package through Security.dll: the reference's Negotiate checks (sspi-behaviour.md
 * §2.14 and check 14, each test named by its number), the SPNEGO exchange over NTLM with and
 * without ISC_REQ_ALLOCATE_MEMORY, signing and sealing after it (with and without the
 * mechListMIC), out of memory at every allocation and mutated tokens into every leg.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LPTR, type Process } from '../../device/index.js';
import {
  ASC_REQ_ALLOCATE_MEMORY,
  CredHandle,
  CtxtHandle,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_CONFIDENTIALITY,
  ISC_RET_ALLOCATED_MEMORY,
  InitSecurityInterface,
  SECBUFFER_DATA,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_SIZES,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECPKG_NEGOTIATION_COMPLETE,
  SECPKG_NEGOTIATION_IN_PROGRESS,
  SECURITY_NETWORK_DREP,
  SEC_E_BUFFER_TOO_SMALL,
  SEC_E_INSUFFICIENT_MEMORY,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_I_CONTINUE_NEEDED,
  SecBuffer,
  SecBufferDesc,
  SecPkgContext_Names,
  SecPkgContext_NegotiationInfo,
  SecPkgContext_Sizes,
  TimeStamp,
  readSecPkgInfo,
  sspiState,
  toStatus,
  type SecurityFunctionTableW,
} from '../../sspi/index.js';
import {
  ACCEPTOR_TABLE,
  INITIATOR_TABLE,
  NEGOSSP_NAME,
  NTLMSSP_OID,
  NegState,
  decodeInitialToken,
  decodeNegotiationToken,
  encodeNegotiationToken,
  setNegotiatePackages,
} from '../../negotiate/index.js';
import { NEGO_TAGS, aliceId, cleanup, negoDevice, negoLoop, tokenIn, tokenOut, type LoopResult } from './helpers.js';

const OK4 = [SEC_I_CONTINUE_NEEDED, SEC_I_CONTINUE_NEEDED, SEC_I_CONTINUE_NEEDED, SEC_E_OK, SEC_E_OK];

describe('Negotiate package info', () => {
  it('checks 14 and 107: QuerySecurityPackageInfo("Negotiate"): caps 0x3BB3, wVersion 1, wRPCID 9, cbMaxToken 12000, Wine\'s comment', () => {
    const d = negoDevice();
    const p = d.createProcess('app.exe');
    const T = InitSecurityInterface(p);
    for (const name of [NEGOSSP_NAME, 'negotiate']) {
      const out = { value: 0 };
      expect(T.QuerySecurityPackageInfo(name, out)).toBe(SEC_E_OK);
      expect(readSecPkgInfo(p, out.value)).toMatchObject({ fCapabilities: 0x3bb3, wVersion: 1, wRPCID: 9, cbMaxToken: 12000, Name: 'Negotiate', Comment: 'Microsoft Package Negotiator' });
      expect(T.FreeContextBuffer(out.value)).toBe(SEC_E_OK);
    }
    expect(NEGOSSP_NAME).toBe('Negotiate');
  });
});

describe('Negotiate credentials', () => {
  it('check 110: an outbound credential with no auth data is SEC_E_NO_CREDENTIALS (no default credentials under Negotiate); fCredentialUse 0 too (check 17\'s rule)', () => {
    const d = negoDevice();
    const T = InitSecurityInterface(d.createProcess('app.exe'));
    expect(T.AcquireCredentialsHandle(null, 'Negotiate', SECPKG_CRED_OUTBOUND, null, null, null, null, new CredHandle(), new TimeStamp())).toBe(SEC_E_NO_CREDENTIALS);
    expect(T.AcquireCredentialsHandle(null, 'Negotiate', 0, null, aliceId(), null, null, new CredHandle(), new TimeStamp())).toBe(SEC_E_NO_CREDENTIALS);
    expect(d.leakReport({ tag: NEGO_TAGS })).toEqual([]);
  });
  it('CE Negotiate page: the registry\'s Packages list decides what is offered; Kerberos alone (absent on this image) leaves no credential', () => {
    const d = negoDevice();
    setNegotiatePackages(d, ['Kerberos']);
    const T = InitSecurityInterface(d.createProcess('app.exe'));
    expect(T.AcquireCredentialsHandle(null, 'Negotiate', SECPKG_CRED_INBOUND, null, null, null, null, new CredHandle(), new TimeStamp())).toBe(SEC_E_NO_CREDENTIALS);
  });
});

describe('Negotiate exchange over NTLM (§2.14)', () => {
  it.each([
    [undefined, 'CE 2.10 default level: no MIC, no mechListMIC'],
    [3, 'NTLMv2: the NTLM MIC makes the mechListMIC required (MS-SPNG §3.1.5.1)'],
  ])('check 108 (level %s, %s): flags 0, SECURITY_NETWORK_DREP → both SEC_E_OK; every output token is TOKEN and < cbMaxToken; nothing leaks', (level, _what) => {
    const d = negoDevice(2, level);
    const r = negoLoop(d);
    expect(r.acquire).toBe(SEC_E_OK);
    expect(r.statuses).toEqual(OK4);
    for (const t of r.tokens) expect(t.length).toBeLessThan(12000);
    const first = decodeInitialToken(r.tokens[0]!);
    expect(first.mechTypes).toEqual([NTLMSSP_OID]);
    expect(first.mechToken![8]).toBe(1);
    const second = decodeNegotiationToken(r.tokens[1]!);
    expect(second).toMatchObject({ negState: NegState.AcceptIncomplete, supportedMech: NTLMSSP_OID });
    const third = decodeNegotiationToken(r.tokens[2]!);
    const last = decodeNegotiationToken(r.tokens[3]!);
    expect(last).toMatchObject({ negState: NegState.AcceptCompleted });
    expect(third.mechListMIC !== undefined).toBe(level === 3);
    expect(last.mechListMIC !== undefined).toBe(level === 3);
    cleanup(r);
    expect(d.leakReport({ tag: NEGO_TAGS })).toEqual([]);
  });
  it('check 108: a wrong password and an unknown account are SEC_E_LOGON_DENIED on the server', () => {
    for (const id of [aliceId('wrong'), aliceId('Secret1', 'bob')]) {
      const d = negoDevice(3, 3);
      const r = negoLoop(d, { auth: id });
      expect(r.statuses).toEqual([SEC_I_CONTINUE_NEEDED, SEC_I_CONTINUE_NEEDED, SEC_I_CONTINUE_NEEDED, SEC_E_LOGON_DENIED]);
      cleanup(r);
      expect(d.leakReport({ tag: NEGO_TAGS })).toEqual([]);
    }
  });
  it('check 109: after NTLM was negotiated SIZES are check 94\'s and NEGOTIATION_INFO names the inner package (NTLM, caps 0x2B37, wRPCID 10, state 0), in one FreeContextBuffer block', () => {
    const d = negoDevice(4, 3);
    const r = negoLoop(d);
    expect(r.statuses).toEqual(OK4);
    for (const [T, h, p] of [[r.C, r.cctx, r.client], [r.S, r.sctx, r.server]] as const) {
      const sz = new SecPkgContext_Sizes();
      expect(T.QueryContextAttributes(h, SECPKG_ATTR_SIZES, sz)).toBe(SEC_E_OK);
      expect(sz).toMatchObject({ cbMaxToken: 1904, cbMaxSignature: 16, cbSecurityTrailer: 16, cbBlockSize: 0 });
      const ni = new SecPkgContext_NegotiationInfo();
      expect(T.QueryContextAttributes(h, SECPKG_ATTR_NEGOTIATION_INFO, ni)).toBe(SEC_E_OK);
      expect(ni.NegotiationState).toBe(SECPKG_NEGOTIATION_COMPLETE);
      expect(readSecPkgInfo(p, ni.PackageInfo)).toMatchObject({ Name: 'NTLM', fCapabilities: 0x2b37, wRPCID: 10, wVersion: 1 });
      expect(T.FreeContextBuffer(ni.PackageInfo)).toBe(SEC_E_OK);
    }
    const n = new SecPkgContext_Names();
    expect(r.S.QueryContextAttributes(r.sctx, SECPKG_ATTR_NAMES, n)).toBe(SEC_E_OK);
    expect(n.sUserName).toBe('CESIM\\alice');
    cleanup(r);
    expect(d.leakReport({ tag: NEGO_TAGS })).toEqual([]);
  });
  it('NEGOTIATION_INFO during the exchange: SECPKG_NEGOTIATION_IN_PROGRESS with the chosen package', () => {
    const d = negoDevice(5);
    const p = d.createProcess('c.exe');
    const T = InitSecurityInterface(p);
    const cred = new CredHandle();
    expect(T.AcquireCredentialsHandle(null, 'Negotiate', SECPKG_CRED_OUTBOUND, null, aliceId(), null, null, cred, new TimeStamp())).toBe(SEC_E_OK);
    const ctx = new CtxtHandle();
    const out = tokenOut(p, 12000);
    expect(T.InitializeSecurityContext(cred, null, 'HTTP/x', 0, 0, 0, null, 0, ctx, out.desc, { value: 0 }, new TimeStamp())).toBe(SEC_I_CONTINUE_NEEDED);
    const ni = new SecPkgContext_NegotiationInfo();
    expect(T.QueryContextAttributes(ctx, SECPKG_ATTR_NEGOTIATION_INFO, ni)).toBe(SEC_E_OK);
    expect(ni.NegotiationState).toBe(SECPKG_NEGOTIATION_IN_PROGRESS);
    expect(readSecPkgInfo(p, ni.PackageInfo).Name).toBe('NTLM');
    expect(T.FreeContextBuffer(ni.PackageInfo)).toBe(SEC_E_OK);
    out.free();
    expect(T.DeleteSecurityContext(ctx)).toBe(SEC_E_OK);
    expect(T.FreeCredentialsHandle(cred)).toBe(SEC_E_OK);
    expect(d.leakReport({ tag: NEGO_TAGS })).toEqual([]);
  });
  it('with ISC_REQ_ALLOCATE_MEMORY / ASC_REQ_ALLOCATE_MEMORY every token is an exact-size block freed with FreeContextBuffer', () => {
    const d = negoDevice(6, 3);
    const c = d.createProcess('c.exe');
    const s = d.createProcess('s.exe');
    const C = InitSecurityInterface(c);
    const S = InitSecurityInterface(s);
    const cc = new CredHandle();
    const sc = new CredHandle();
    expect(C.AcquireCredentialsHandle(null, 'Negotiate', SECPKG_CRED_OUTBOUND, null, aliceId(), null, null, cc, new TimeStamp())).toBe(SEC_E_OK);
    expect(S.AcquireCredentialsHandle(null, 'Negotiate', SECPKG_CRED_INBOUND, null, null, null, null, sc, new TimeStamp())).toBe(SEC_E_OK);
    const cx = new CtxtHandle();
    const sx = new CtxtHandle();
    const blank = (): SecBufferDesc => new SecBufferDesc([new SecBuffer(0, SECBUFFER_TOKEN, 0)]);
    const take = (p: Process, T: SecurityFunctionTableW, o: SecBufferDesc): Uint8Array => {
      const b = o.pBuffers[0]!;
      if (b.cbBuffer === 0) return new Uint8Array(0);
      expect(p.blockOf(b.pvBuffer)?.size).toBe(b.cbBuffer);
      const t = p.read(b.pvBuffer, b.cbBuffer);
      expect(T.FreeContextBuffer(b.pvBuffer)).toBe(SEC_E_OK);
      return t;
    };
    const a = { value: 0 };
    let o = blank();
    expect(C.InitializeSecurityContext(cc, null, 'HTTP/s', ISC_REQ_ALLOCATE_MEMORY, 0, 0, null, 0, cx, o, a, new TimeStamp())).toBe(SEC_I_CONTINUE_NEEDED);
    expect(a.value & ISC_RET_ALLOCATED_MEMORY).toBe(ISC_RET_ALLOCATED_MEMORY);
    let t = take(c, C, o);
    const steps: [boolean, number][] = [[false, SEC_I_CONTINUE_NEEDED], [true, SEC_I_CONTINUE_NEEDED], [false, SEC_E_OK], [true, SEC_E_OK]];
    for (const [client, want] of steps) {
      const p = client ? c : s;
      const inp = tokenIn(p, t);
      o = blank();
      const st = client
        ? C.InitializeSecurityContext(cc, cx, 'HTTP/s', ISC_REQ_ALLOCATE_MEMORY, 0, 0, inp.desc, 0, cx, o, a, new TimeStamp())
        : S.AcceptSecurityContext(sc, want === SEC_I_CONTINUE_NEEDED ? null : sx, inp.desc, ASC_REQ_ALLOCATE_MEMORY, 0, sx, o, a, new TimeStamp());
      inp.free();
      expect(st).toBe(want);
      t = take(p, client ? C : S, o);
    }
    for (const [T, h] of [[C, cx], [S, sx]] as const) expect(T.DeleteSecurityContext(h)).toBe(SEC_E_OK);
    C.FreeCredentialsHandle(cc);
    S.FreeCredentialsHandle(sc);
    expect(d.leakReport({ tag: NEGO_TAGS })).toEqual([]);
  });
  it('caller buffers too small: the first ISC and the AUTHENTICATE leg give SEC_E_BUFFER_TOO_SMALL; a retry with room goes on (check 86/88 through Negotiate)', () => {
    const d = negoDevice(7, 3);
    const c = d.createProcess('c.exe');
    const s = d.createProcess('s.exe');
    const C = InitSecurityInterface(c);
    const S = InitSecurityInterface(s);
    const cc = new CredHandle();
    const sc = new CredHandle();
    C.AcquireCredentialsHandle(null, 'Negotiate', SECPKG_CRED_OUTBOUND, null, aliceId(), null, null, cc, new TimeStamp());
    S.AcquireCredentialsHandle(null, 'Negotiate', SECPKG_CRED_INBOUND, null, null, null, null, sc, new TimeStamp());
    const cx = new CtxtHandle();
    const sx = new CtxtHandle();
    const a = { value: 0 };
    const small = tokenOut(c, 10);
    expect(C.InitializeSecurityContext(cc, null, 'HTTP/s', 0, 0, 0, null, 0, cx, small.desc, a, new TimeStamp())).toBe(SEC_E_BUFFER_TOO_SMALL);
    expect(C.InitializeSecurityContext(cc, null, 'HTTP/s', 0, 0, 0, null, 0, cx, null, a, new TimeStamp())).toBe(SEC_E_BUFFER_TOO_SMALL);
    small.free();
    const read = (p: Process, o: SecBufferDesc) => p.read(o.pBuffers[0]!.pvBuffer, o.pBuffers[0]!.cbBuffer);
    let o = tokenOut(c, 12000);
    expect(C.InitializeSecurityContext(cc, null, 'HTTP/s', 0, 0, 0, null, 0, cx, o.desc, a, new TimeStamp())).toBe(SEC_I_CONTINUE_NEEDED);
    let inp = tokenIn(s, read(c, o.desc));
    o.free();
    o = tokenOut(s, 12000);
    expect(S.AcceptSecurityContext(sc, null, inp.desc, 0, 0, sx, o.desc, a, new TimeStamp())).toBe(SEC_I_CONTINUE_NEEDED);
    inp.free();
    const chal = read(s, o.desc);
    o.free();
    inp = tokenIn(c, chal);
    const tiny = tokenOut(c, 32);
    expect(C.InitializeSecurityContext(cc, cx, 'HTTP/s', 0, 0, 0, inp.desc, 0, cx, tiny.desc, a, new TimeStamp())).toBe(SEC_E_BUFFER_TOO_SMALL);
    tiny.free();
    o = tokenOut(c, 12000);
    expect(C.InitializeSecurityContext(cc, cx, 'HTTP/s', 0, 0, 0, inp.desc, 0, cx, o.desc, a, new TimeStamp())).toBe(SEC_I_CONTINUE_NEEDED);
    inp.free();
    inp = tokenIn(s, read(c, o.desc));
    o.free();
    o = tokenOut(s, 12000);
    expect(S.AcceptSecurityContext(sc, sx, inp.desc, 0, 0, sx, o.desc, a, new TimeStamp())).toBe(SEC_E_OK);
    inp.free();
    inp = tokenIn(c, read(s, o.desc));
    o.free();
    o = tokenOut(c, 12000);
    expect(C.InitializeSecurityContext(cc, cx, 'HTTP/s', 0, 0, 0, inp.desc, 0, cx, o.desc, a, new TimeStamp())).toBe(SEC_E_OK);
    inp.free();
    o.free();
    for (const [T, h] of [[C, cx], [S, sx]] as const) expect(T.DeleteSecurityContext(h)).toBe(SEC_E_OK);
    C.FreeCredentialsHandle(cc);
    S.FreeCredentialsHandle(sc);
    expect(d.leakReport({ tag: NEGO_TAGS })).toEqual([]);
  });
  it('CE Negotiate page: a client that speaks bare NTLM is answered by a Negotiate server', () => {
    const d = negoDevice(8, 3);
    const c = d.createProcess('c.exe');
    const s = d.createProcess('s.exe');
    const C = InitSecurityInterface(c);
    const S = InitSecurityInterface(s);
    const cc = new CredHandle();
    const sc = new CredHandle();
    C.AcquireCredentialsHandle(null, 'NTLM', SECPKG_CRED_OUTBOUND, null, aliceId(), null, null, cc, new TimeStamp());
    S.AcquireCredentialsHandle(null, 'Negotiate', SECPKG_CRED_INBOUND, null, null, null, null, sc, new TimeStamp());
    const cx = new CtxtHandle();
    const sx = new CtxtHandle();
    const a = { value: 0 };
    const read = (p: Process, o: SecBufferDesc) => p.read(o.pBuffers[0]!.pvBuffer, o.pBuffers[0]!.cbBuffer);
    let o = tokenOut(c, 2000);
    expect(C.InitializeSecurityContext(cc, null, 'HTTP/s', 0, 0, 0, null, 0, cx, o.desc, a, new TimeStamp())).toBe(SEC_I_CONTINUE_NEEDED);
    let inp = tokenIn(s, read(c, o.desc));
    o.free();
    o = tokenOut(s, 2000);
    expect(S.AcceptSecurityContext(sc, null, inp.desc, 0, 0, sx, o.desc, a, new TimeStamp())).toBe(SEC_I_CONTINUE_NEEDED);
    inp.free();
    const chal = read(s, o.desc);
    expect(new TextDecoder().decode(chal.subarray(0, 7))).toBe('NTLMSSP');
    o.free();
    inp = tokenIn(c, chal);
    o = tokenOut(c, 2000);
    expect(C.InitializeSecurityContext(cc, cx, 'HTTP/s', 0, 0, 0, inp.desc, 0, cx, o.desc, a, new TimeStamp())).toBe(SEC_E_OK);
    inp.free();
    inp = tokenIn(s, read(c, o.desc));
    o.free();
    o = tokenOut(s, 2000);
    expect(S.AcceptSecurityContext(sc, sx, inp.desc, 0, 0, sx, o.desc, a, new TimeStamp())).toBe(SEC_E_OK);
    inp.free();
    o.free();
    for (const [T, h] of [[C, cx], [S, sx]] as const) expect(T.DeleteSecurityContext(h)).toBe(SEC_E_OK);
    C.FreeCredentialsHandle(cc);
    S.FreeCredentialsHandle(sc);
    expect(d.leakReport({ tag: NEGO_TAGS })).toEqual([]);
  });
});

describe('Negotiate per-message calls, forwarded to NTLM', () => {
  const msg = new TextEncoder().encode('Hello, world!');
  const send = (from: Process, T: SecurityFunctionTableW, h: CtxtHandle, seal: boolean) => {
    const t = from.LocalAlloc(LPTR, 16);
    const m = from.LocalAlloc(LPTR, msg.length);
    from.write(m, msg);
    const desc = new SecBufferDesc([new SecBuffer(16, SECBUFFER_TOKEN, t), new SecBuffer(msg.length, SECBUFFER_DATA, m)]);
    expect(seal ? T.EncryptMessage(h, 0, desc, 0) : T.MakeSignature(h, 0, desc, 0)).toBe(SEC_E_OK);
    return { sig: from.read(t, 16), body: from.read(m, msg.length) };
  };
  const recv = (to: Process, T: SecurityFunctionTableW, h: CtxtHandle, sig: Uint8Array, body: Uint8Array, seal: boolean) => {
    const t = to.LocalAlloc(LPTR, 16);
    const m = to.LocalAlloc(LPTR, body.length);
    to.write(t, sig);
    to.write(m, body);
    const desc = new SecBufferDesc([new SecBuffer(16, SECBUFFER_TOKEN, t), new SecBuffer(body.length, SECBUFFER_DATA, m)]);
    const st = seal ? T.DecryptMessage(h, desc, 0, null) : T.VerifySignature(h, desc, 0, null);
    return { st, body: to.read(m, body.length) };
  };
  it.each([undefined, 3])('level %s: EncryptMessage/DecryptMessage and MakeSignature/VerifySignature both ways after the exchange (MS-SPNG §3.3.5.1 key state after the mechListMIC); tampering is SEC_E_MESSAGE_ALTERED', (level) => {
    const d = negoDevice(9, level);
    const r = negoLoop(d, { clientReq: ISC_REQ_CONFIDENTIALITY });
    expect(r.statuses).toEqual(OK4);
    for (let i = 0; i < 2; i++) {
      const s1 = send(r.client, r.C, r.cctx, true);
      expect(s1.body).not.toEqual(msg);
      const d1 = recv(r.server, r.S, r.sctx, s1.sig, s1.body, true);
      expect(d1.st).toBe(SEC_E_OK);
      expect(d1.body).toEqual(msg);
      const s2 = send(r.server, r.S, r.sctx, true);
      const d2 = recv(r.client, r.C, r.cctx, s2.sig, s2.body, true);
      expect(d2.st).toBe(SEC_E_OK);
      expect(d2.body).toEqual(msg);
    }
    const s3 = send(r.server, r.S, r.sctx, false);
    expect(recv(r.client, r.C, r.cctx, s3.sig, s3.body, false).st).toBe(SEC_E_OK);
    const s4 = send(r.client, r.C, r.cctx, false);
    const bad = s4.body.slice();
    bad[0] ^= 1;
    expect(recv(r.server, r.S, r.sctx, s4.sig, bad, false).st).toBe(SEC_E_MESSAGE_ALTERED);
    cleanup(r);
    expect(d.leakReport({ tag: NEGO_TAGS })).toEqual([]);
  });
});

describe('Negotiate robustness', () => {
  it('RFC 4178 §5: a tampered mechListMIC is refused, from the client (server: SEC_E_MESSAGE_ALTERED) and from the server (client: SEC_E_MESSAGE_ALTERED)', () => {
    const flipMic = (t: Uint8Array): Uint8Array => {
      const n = decodeNegotiationToken(t);
      if (n.kind !== 'resp' || !n.mechListMIC) throw new Error('no mechListMIC to tamper with');
      n.mechListMIC[6] ^= 0x40;
      return encodeNegotiationToken(n);
    };
    for (const leg of [2, 3]) {
      const d = negoDevice(10, 3);
      const r = negoLoop(d, { mutate: (l, t) => (l === leg ? flipMic(t) : t) });
      expect(r.statuses.at(-1)).toBe(SEC_E_MESSAGE_ALTERED);
      cleanup(r);
      expect(d.leakReport({ tag: NEGO_TAGS })).toEqual([]);
    }
  });
  it('RFC 4178 §5: a client that drops the required mechListMIC is refused (SEC_E_MESSAGE_ALTERED)', () => {
    const d = negoDevice(11, 3);
    const r = negoLoop(d, {
      mutate: (l, t) => {
        if (l !== 2) return t;
        const n = decodeNegotiationToken(t);
        if (n.kind === 'resp') delete n.mechListMIC;
        return encodeNegotiationToken(n);
      },
    });
    expect(r.statuses.at(-1)).toBe(SEC_E_MESSAGE_ALTERED);
    cleanup(r);
  });
  it('a token that is not SPNEGO is SEC_E_INVALID_TOKEN on either side', () => {
    const d = negoDevice(12);
    const r = negoLoop(d, { mutate: (l, t) => (l === 1 ? t.subarray(0, t.length - 1) : t) });
    expect(r.statuses.at(-1)).toBe(SEC_E_INVALID_TOKEN);
    cleanup(r);
    const r2 = negoLoop(d, { mutate: (l, t) => (l === 0 ? Uint8Array.of(0x60, 0x00) : t) });
    expect(r2.statuses.at(-1)).toBe(SEC_E_INVALID_TOKEN);
    cleanup(r2);
    expect(d.leakReport({ tag: NEGO_TAGS })).toEqual([]);
  });
  it('out of memory at every allocation of the exchange: a status, never a throw, nothing leaked', () => {
    let fired = true;
    const seen = new Set<number>();
    for (let n = 1; fired && n < 400; n++) {
      const d = negoDevice(n, 3);
      sspiState(d).ensureLoaded();
      const rule = d.failures.failNth(n, { pool: /^(token|general|io)$/ });
      let r: LoopResult | null = null;
      expect(() => {
        r = negoLoop(d, { clientReq: ISC_REQ_CONFIDENTIALITY });
      }).not.toThrow();
      fired = rule.fired > 0;
      const res = r!;
      const last = res.acquire !== SEC_E_OK ? res.acquire : res.statuses.at(-1)!;
      if (fired) {
        expect(last === SEC_E_OK && res.statuses.length === 5).toBe(false);
        expect(toStatus(last)).toBe(last);
        seen.add(last);
      }
      cleanup(res);
      expect(d.leakReport({ tag: NEGO_TAGS })).toEqual([]);
    }
    expect(fired).toBe(false);
    expect([...seen]).toContain(SEC_E_INSUFFICIENT_MEMORY);
  });
  it('mutated tokens into every leg never throw and never leak', () => {
    fc.assert(
      fc.property(fc.nat(3), fc.nat(600), fc.nat(255), fc.boolean(), (leg, pos, val, cut) => {
        const d = negoDevice(13, 3);
        let r: LoopResult | null = null;
        expect(() => {
          r = negoLoop(d, {
            mutate: (l, t) => {
              if (l !== leg) return t;
              const b = cut ? t.slice(0, pos % (t.length + 1)) : t.slice();
              if (!cut && b.length) b[pos % b.length] = val;
              return b;
            },
          });
        }).not.toThrow();
        for (const s of r!.statuses) expect(toStatus(s)).toBe(s);
        cleanup(r!);
        expect(d.leakReport({ tag: NEGO_TAGS })).toEqual([]);
      }),
      { numRuns: 120 },
    );
  });
});

describe('Negotiate structure', () => {
  it('the state tables have no unreachable states, dead ends or duplicate rows', () => {
    for (const t of [INITIATOR_TABLE, ACCEPTOR_TABLE]) {
      const a = t.analyse();
      expect(a.unreachable).toEqual([]);
      expect(a.deadEnds).toEqual([]);
      expect(a.duplicates).toEqual([]);
    }
  });
  it('negotiate/ reaches NTLM only through Security.dll: no file imports ntlm/', () => {
    const root = join(import.meta.dirname, '../../negotiate');
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    for (const f of files(root)) expect(readFileSync(f, 'utf8'), f).not.toMatch(/from ['"][./]*ntlm\//);
  });
});
void SECURITY_NETWORK_DREP;
