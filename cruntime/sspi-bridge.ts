/**
 * Security.dll for C: each SSPI import reads the C structures from linear memory (32-bit
 * layouts), calls cesim's dispatcher (`InitSecurityInterface(process)`) with the same
 * arguments as TypeScript would pass, and writes what the call filled back into the C
 * structures. Buffers (`pvBuffer`) are device addresses in both worlds, so a token the package
 * allocates with `ISC_REQ_ALLOCATE_MEMORY` is a token-pool block that C reads through the
 * pointer and hands back with `FreeContextBuffer`. A bad pointer is a status, never a throw.
 */
import type { Process } from '../device/index.js';
import {
  InitSecurityInterface,
  SecBuffer,
  SecBufferDesc,
  SecHandle,
  TimeStamp,
  SCHANNEL_CRED,
  SEC_WINNT_AUTH_IDENTITY,
  SecPkgContext_StreamSizes,
  SecPkgContext_Sizes,
  SecPkgContext_ConnectionInfo,
  SecPkgContext_Flags,
  SECPKG_ATTR_STREAM_SIZES,
  SECPKG_ATTR_SIZES,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_FLAGS,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_E_INVALID_PARAMETER,
  UNISP_NAME,
  MAX_SECBUFFERS,
  type Out,
  type SecurityFunctionTableW,
} from '../sspi/index.js';
import { BadPointer, type CMemory } from './cmem.js';
import type { CertRegistry } from './wincrypt.js';

/** Package names whose `pAuthData` is an `SCHANNEL_CRED` (sspi-behaviour.md §3: Schannel's names). */
const SCHANNEL_PACKAGES = new Set([UNISP_NAME, 'Schannel', 'Microsoft TLS 1.0', 'Microsoft SSL 3.0', 'Microsoft SSL 2.0', 'Microsoft PCT 1.0', 'Default TLS SSP']);

/** sizeof(SecHandle) on a 32-bit device: two ULONG_PTRs. */
const SECHANDLE_BYTES = 8;
/** sizeof(SecBuffer): cbBuffer, BufferType, pvBuffer. */
const SECBUFFER_BYTES = 12;
/** sizeof(SecBufferDesc): ulVersion, cBuffers, pBuffers. */
const SECBUFFERDESC_BYTES = 12;
/** sizeof(SCHANNEL_CRED): fourteen 4-byte fields. */
const SCHANNEL_CRED_BYTES = 56;
/** sizeof(SEC_WINNT_AUTH_IDENTITY_W): three (pointer, length) pairs and Flags. */
const AUTH_IDENTITY_BYTES = 28;

type Imports = Record<string, (...a: number[]) => number>;

/** A C `SecBufferDesc` marshalled to the dispatcher's class, remembering where it came from. */
interface MarshalledDesc {
  addr: number;
  desc: SecBufferDesc;
  buffersAt: number;
}

/** The SSPI imports for one C process. */
export function sspiImports(process: Process, mem: () => CMemory, certs: CertRegistry): Imports {
  let table: SecurityFunctionTableW | null = null;
  const sspi = (): SecurityFunctionTableW => (table ??= InitSecurityInterface(process));

  const readHandle = (addr: number): SecHandle | null => {
    if (addr === 0) return null;
    const m = mem();
    m.check(addr, SECHANDLE_BYTES);
    return new SecHandle(m.u32(addr), m.u32(addr + 4));
  };
  const writeHandle = (addr: number, h: SecHandle | null): void => {
    if (addr === 0 || h === null) return;
    const m = mem();
    m.setU32(addr, h.dwLower);
    m.setU32(addr + 4, h.dwUpper);
  };
  const readTime = (addr: number): TimeStamp | null => {
    if (addr === 0) return null;
    mem().check(addr, 8);
    return new TimeStamp();
  };
  const writeTime = (addr: number, t: TimeStamp | null): void => {
    if (addr === 0 || t === null) return;
    mem().setU32(addr, t.LowPart);
    mem().setU32(addr + 4, t.HighPart);
  };
  const readDesc = (addr: number): MarshalledDesc | null => {
    if (addr === 0) return null;
    const m = mem();
    m.check(addr, SECBUFFERDESC_BYTES);
    const ulVersion = m.u32(addr);
    const cBuffers = m.u32(addr + 4);
    const at = m.u32(addr + 8);
    // More buffers than any package reads is a bad descriptor, not a long walk through memory.
    if (cBuffers > MAX_SECBUFFERS) throw new BadPointer(at, cBuffers * SECBUFFER_BYTES);
    if (cBuffers > 0) m.check(at, cBuffers * SECBUFFER_BYTES);
    const bufs: SecBuffer[] = [];
    for (let i = 0; i < cBuffers; i++) {
      const b = at + i * SECBUFFER_BYTES;
      bufs.push(new SecBuffer(m.u32(b), m.u32(b + 4), m.u32(b + 8)));
    }
    return { addr, desc: new SecBufferDesc(bufs, ulVersion), buffersAt: at };
  };
  const writeDesc = (d: MarshalledDesc | null): void => {
    if (d === null) return;
    const m = mem();
    for (let i = 0; i < d.desc.pBuffers.length && i < d.desc.cBuffers; i++) {
      const b = d.desc.pBuffers[i]!;
      const a = d.buffersAt + i * SECBUFFER_BYTES;
      m.setU32(a, b.cbBuffer);
      m.setU32(a + 4, b.BufferType);
      m.setU32(a + 8, b.pvBuffer);
    }
  };
  const out = (addr: number): Out<number> | null => {
    if (addr === 0) return null;
    mem().check(addr, 4);
    return { value: 0 };
  };
  const writeOut = (addr: number, o: Out<number> | null): void => {
    if (addr !== 0 && o !== null) mem().setU32(addr, o.value);
  };
  const readSchannelCred = (addr: number): SCHANNEL_CRED => {
    const m = mem();
    m.check(addr, SCHANNEL_CRED_BYTES);
    const f = (i: number): number => m.u32(addr + 4 * i);
    const cCreds = f(1);
    const paCredAt = f(2);
    const paCred: unknown[] = [];
    if (cCreds > 0 && cCreds <= 16 && paCredAt !== 0) {
      for (let i = 0; i < cCreds; i++) paCred.push(certs.context(m.u32(paCredAt + 4 * i)));
    }
    const cAlgs = f(6);
    const algsAt = f(7);
    const algs: number[] = [];
    if (cAlgs > 0 && cAlgs <= 64 && algsAt !== 0) for (let i = 0; i < cAlgs; i++) algs.push(m.u32(algsAt + 4 * i));
    return new SCHANNEL_CRED({
      dwVersion: f(0),
      cCreds,
      paCred: paCredAt === 0 ? null : paCred,
      hRootStore: f(3) === 0 ? null : certs.store(f(3)),
      cMappers: f(4),
      aphMappers: null,
      cSupportedAlgs: cAlgs,
      palgSupportedAlgs: algsAt === 0 ? null : algs,
      grbitEnabledProtocols: f(8),
      dwMinimumCipherStrength: f(9),
      dwMaximumCipherStrength: f(10),
      dwSessionLifespan: f(11),
      dwFlags: f(12),
      dwCredFormat: f(13),
    });
  };
  const readIdentity = (addr: number): SEC_WINNT_AUTH_IDENTITY => {
    const m = mem();
    m.check(addr, AUTH_IDENTITY_BYTES);
    const str = (p: number, n: number): string | null => (p === 0 ? null : m.wideN(p, n));
    return new SEC_WINNT_AUTH_IDENTITY({
      User: str(m.u32(addr), m.u32(addr + 4)),
      UserLength: m.u32(addr + 4),
      Domain: str(m.u32(addr + 8), m.u32(addr + 12)),
      DomainLength: m.u32(addr + 12),
      Password: str(m.u32(addr + 16), m.u32(addr + 20)),
      PasswordLength: m.u32(addr + 20),
      Flags: m.u32(addr + 24),
    });
  };

  /** Runs one call; a bad pointer is `onBad` (the status Windows gives for that argument). */
  const call = (onBad: number, fn: () => number): number => {
    try {
      return fn() >>> 0;
    } catch (e) {
      if (e instanceof BadPointer) return onBad >>> 0;
      throw e;
    }
  };

  const unsupported = (): number => SEC_E_UNSUPPORTED_FUNCTION >>> 0;

  return {
    EnumerateSecurityPackagesW: (pc, pp) =>
      call(SEC_E_INVALID_PARAMETER, () => {
        const c = out(pc);
        const p = out(pp);
        const s = sspi().EnumerateSecurityPackages(c!, p!);
        writeOut(pc, c);
        writeOut(pp, p);
        return s;
      }),
    QuerySecurityPackageInfoW: (pName, pp) =>
      call(SEC_E_INVALID_PARAMETER, () => {
        const p = out(pp);
        const s = sspi().QuerySecurityPackageInfo(mem().wide(pName), p!);
        writeOut(pp, p);
        return s;
      }),
    AcquireCredentialsHandleW: (pPrincipal, pPackage, fUse, pLogon, pAuth, _getKey, _getKeyArg, phCred, pts) =>
      call(SEC_E_INVALID_HANDLE, () => {
        const m = mem();
        const pkg = m.wide(pPackage);
        let auth: unknown = null;
        if (pAuth !== 0) {
          try {
            auth = pkg !== null && SCHANNEL_PACKAGES.has(pkg) ? readSchannelCred(pAuth) : readIdentity(pAuth);
          } catch (e) {
            if (e instanceof BadPointer) return SEC_E_INVALID_TOKEN;
            throw e;
          }
        }
        const logon = pLogon === 0 ? null : m.u32(pLogon);
        const h = phCred === 0 ? null : (m.check(phCred, SECHANDLE_BYTES), new SecHandle());
        const ts = readTime(pts);
        const s = sspi().AcquireCredentialsHandle(m.wide(pPrincipal), pkg, fUse >>> 0, logon, auth, null, null, h, ts);
        writeHandle(phCred, h);
        writeTime(pts, ts);
        return s;
      }),
    FreeCredentialsHandle: (ph) =>
      call(SEC_E_INVALID_HANDLE, () => {
        const h = readHandle(ph);
        const s = sspi().FreeCredentialsHandle(h);
        writeHandle(ph, h);
        return s;
      }),
    InitializeSecurityContextW: (phCred, phCtx, pTarget, fReq, r1, drep, pIn, r2, phNew, pOut, pfAttr, pts) =>
      call(SEC_E_INVALID_TOKEN, () => {
        const m = mem();
        const cred = readHandle(phCred);
        const ctx = readHandle(phCtx);
        // C passes the same handle for phContext and phNewContext in the later calls of the loop.
        const neu = phNew === 0 ? null : phNew === phCtx ? ctx : (m.check(phNew, SECHANDLE_BYTES), new SecHandle());
        const din = readDesc(pIn);
        const dout = readDesc(pOut);
        const attr = out(pfAttr);
        const ts = readTime(pts);
        const s = sspi().InitializeSecurityContext(cred, ctx, m.wide(pTarget), fReq >>> 0, r1 >>> 0, drep >>> 0, din?.desc ?? null, r2 >>> 0, neu, dout?.desc ?? null, attr, ts);
        writeDesc(din);
        writeDesc(dout);
        writeHandle(phNew, neu);
        if (phCtx !== phNew) writeHandle(phCtx, ctx);
        writeOut(pfAttr, attr);
        writeTime(pts, ts);
        return s;
      }),
    AcceptSecurityContext: (phCred, phCtx, pIn, fReq, drep, phNew, pOut, pfAttr, pts) =>
      call(SEC_E_INVALID_TOKEN, () => {
        const m = mem();
        const cred = readHandle(phCred);
        const ctx = readHandle(phCtx);
        const neu = phNew === 0 ? null : phNew === phCtx ? ctx : (m.check(phNew, SECHANDLE_BYTES), new SecHandle());
        const din = readDesc(pIn);
        const dout = readDesc(pOut);
        const attr = out(pfAttr);
        const ts = readTime(pts);
        const s = sspi().AcceptSecurityContext(cred, ctx, din?.desc ?? null, fReq >>> 0, drep >>> 0, neu, dout?.desc ?? null, attr, ts);
        writeDesc(din);
        writeDesc(dout);
        writeHandle(phNew, neu);
        if (phCtx !== phNew) writeHandle(phCtx, ctx);
        writeOut(pfAttr, attr);
        writeTime(pts, ts);
        return s;
      }),
    CompleteAuthToken: (ph, pTok) =>
      call(SEC_E_INVALID_TOKEN, () => {
        const d = readDesc(pTok);
        const s = sspi().CompleteAuthToken(readHandle(ph), d?.desc ?? null);
        writeDesc(d);
        return s;
      }),
    DeleteSecurityContext: (ph) =>
      call(SEC_E_INVALID_HANDLE, () => {
        const h = readHandle(ph);
        const s = sspi().DeleteSecurityContext(h);
        writeHandle(ph, h);
        return s;
      }),
    ApplyControlToken: (ph, pIn) =>
      call(SEC_E_INVALID_TOKEN, () => {
        const d = readDesc(pIn);
        const s = sspi().ApplyControlToken(readHandle(ph), d?.desc ?? null);
        writeDesc(d);
        return s;
      }),
    QueryContextAttributesW: (ph, attr, pBuf) =>
      call(SEC_E_INVALID_PARAMETER, () => {
        const m = mem();
        const h = readHandle(ph);
        const a = attr >>> 0;
        const fields = (o: object, names: string[], at: number): void => {
          names.forEach((n, i) => m.setU32(at + 4 * i, (o as Record<string, number>)[n] ?? 0));
        };
        const query = (o: object, names: string[]): number => {
          if (pBuf === 0) return sspi().QueryContextAttributes(h, a, null);
          m.check(pBuf, 4 * names.length);
          const s = sspi().QueryContextAttributes(h, a, o);
          if (s === 0) fields(o, names, pBuf);
          return s;
        };
        switch (a) {
          case SECPKG_ATTR_STREAM_SIZES:
            return query(new SecPkgContext_StreamSizes(), ['cbHeader', 'cbTrailer', 'cbMaximumMessage', 'cBuffers', 'cbBlockSize']);
          case SECPKG_ATTR_SIZES:
            return query(new SecPkgContext_Sizes(), ['cbMaxToken', 'cbMaxSignature', 'cbBlockSize', 'cbSecurityTrailer']);
          case SECPKG_ATTR_CONNECTION_INFO:
            return query(new SecPkgContext_ConnectionInfo(), ['dwProtocol', 'aiCipher', 'dwCipherStrength', 'aiHash', 'dwHashStrength', 'aiExch', 'dwExchStrength']);
          case SECPKG_ATTR_FLAGS:
            return query(new SecPkgContext_Flags(), ['Flags']);
          default:
            // The attribute structures cesim's C bridge does not marshal yet.
            return SEC_E_UNSUPPORTED_FUNCTION;
        }
      }),
    ImpersonateSecurityContext: (ph) => call(SEC_E_INVALID_HANDLE, () => sspi().ImpersonateSecurityContext(readHandle(ph))),
    RevertSecurityContext: (ph) => call(SEC_E_INVALID_HANDLE, () => sspi().RevertSecurityContext(readHandle(ph))),
    MakeSignature: (ph, qop, pMsg, seq) =>
      call(SEC_E_INVALID_TOKEN, () => {
        const d = readDesc(pMsg);
        const s = sspi().MakeSignature(readHandle(ph), qop >>> 0, d?.desc ?? null, seq >>> 0);
        writeDesc(d);
        return s;
      }),
    VerifySignature: (ph, pMsg, seq, pQop) =>
      call(SEC_E_INVALID_TOKEN, () => {
        const d = readDesc(pMsg);
        const q = out(pQop);
        const s = sspi().VerifySignature(readHandle(ph), d?.desc ?? null, seq >>> 0, q);
        writeDesc(d);
        writeOut(pQop, q);
        return s;
      }),
    EncryptMessage: (ph, qop, pMsg, seq) =>
      call(SEC_E_INVALID_TOKEN, () => {
        const d = readDesc(pMsg);
        const s = sspi().EncryptMessage(readHandle(ph), qop >>> 0, d?.desc ?? null, seq >>> 0);
        writeDesc(d);
        return s;
      }),
    DecryptMessage: (ph, pMsg, seq, pQop) =>
      call(SEC_E_INVALID_TOKEN, () => {
        const d = readDesc(pMsg);
        const q = out(pQop);
        const s = sspi().DecryptMessage(readHandle(ph), d?.desc ?? null, seq >>> 0, q);
        writeDesc(d);
        writeOut(pQop, q);
        return s;
      }),
    FreeContextBuffer: (p) => call(SEC_E_INVALID_HANDLE, () => sspi().FreeContextBuffer(p >>> 0)),
    QueryCredentialsAttributesW: unsupported,
    ExportSecurityContext: unsupported,
    ImportSecurityContextW: unsupported,
    AddCredentialsW: unsupported,
    QuerySecurityContextToken: unsupported,
    SetContextAttributesW: unsupported,
  };
}
