/**
 * The wincrypt.h subset for C: certificate stores and contexts. A store handle is an opaque
 * number; a `PCCERT_CONTEXT` is a real `CERT_CONTEXT` (20 bytes, then the encoded certificate)
 * in the process heap, tagged `wincrypt.CERT_CONTEXT`, that C can read (`pbCertEncoded`,
 * `cbCertEncoded`) and Schannel's credential code maps back to its context.
 */
import type { Device, Process } from '../device/index.js';
import {
  CertOpenStore,
  CertCloseStore,
  CertAddEncodedCertificateToStore,
  CertCreateCertificateContext,
  CertFreeCertificateContext,
  schannelSystemStore,
  type CertContext,
  type CertFindPara,
  type CertStore,
} from '../schannel/index.js';
import { BadPointer, type CMemory } from './cmem.js';

/** sizeof(CERT_CONTEXT) on a 32-bit device. */
const CERT_CONTEXT_BYTES = 20;
/** Store handles are opaque values above the device's mapped address space (never dereferenced by C). */
const STORE_HANDLE_BASE = 0x7e00_0000;
/** `CERT_STORE_PROV_MEMORY`. */
const CERT_STORE_PROV_MEMORY = 2;
/** `CERT_STORE_PROV_SYSTEM_W`. */
const CERT_STORE_PROV_SYSTEM_W = 10;
/** winerror.h `E_INVALIDARG`. */
const E_INVALIDARG = 0x80070057;
/** `CRYPT_E_ASN1_BADTAG`: the bytes are not a certificate. */
const CRYPT_E_ASN1_BADTAG = 0x8009310b;
/** `CRYPT_E_EXISTS`. */
const CRYPT_E_EXISTS = 0x80092005;
/** `CRYPT_E_NOT_FOUND`: no (further) certificate matches. */
const CRYPT_E_NOT_FOUND = 0x80092004;
/** wincrypt.h `dwFindType` values: `CERT_COMPARE_*` << `CERT_COMPARE_SHIFT` (16) | `CERT_INFO_*_FLAG`. */
const CERT_FIND_ANY = 0;
const CERT_FIND_SUBJECT_NAME = (2 << 16) | 7;
const CERT_FIND_ISSUER_NAME = (2 << 16) | 4;
const CERT_FIND_SUBJECT_STR_A = (7 << 16) | 7;
const CERT_FIND_SUBJECT_STR_W = (8 << 16) | 7;
const CERT_FIND_ISSUER_STR_A = (7 << 16) | 4;
const CERT_FIND_ISSUER_STR_W = (8 << 16) | 4;
/** Owner tag of the C copies of certificate contexts. */
export const CERT_CONTEXT_TAG = 'wincrypt.CERT_CONTEXT';

/** The C process's stores and certificate contexts. */
export class CertRegistry {
  private readonly stores = new Map<number, CertStore>();
  private readonly byAddr = new Map<number, { ctx: CertContext; refs: number }>();
  private readonly byCtx = new Map<CertContext, number>();
  private nextStore = STORE_HANDLE_BASE;

  constructor(
    private readonly process: Process,
    private readonly device: Device,
  ) {}

  /** The context a C `PCCERT_CONTEXT` stands for, or null. */
  context(addr: number): CertContext | null {
    return this.byAddr.get(addr)?.ctx ?? null;
  }

  /** The store a C `HCERTSTORE` stands for, or null. */
  store(h: number): CertStore | null {
    return this.stores.get(h) ?? null;
  }

  private newStore(s: CertStore): number {
    const h = this.nextStore;
    this.nextStore += 4;
    this.stores.set(h, s);
    return h;
  }

  /** A C `CERT_CONTEXT` for `ctx` (one more reference to an existing one); 0 when the heap is full. */
  private toC(ctx: CertContext, mem: CMemory): number {
    const have = this.byCtx.get(ctx);
    if (have !== undefined) {
      this.byAddr.get(have)!.refs++;
      return have;
    }
    const der = ctx.pbCertEncoded;
    const addr = this.device.withCall('CertAddEncodedCertificateToStore', () => this.process.LocalAlloc(0, CERT_CONTEXT_BYTES + der.length, CERT_CONTEXT_TAG));
    if (addr === 0) return 0;
    mem.setU32(addr, ctx.dwCertEncodingType);
    mem.setU32(addr + 4, addr + CERT_CONTEXT_BYTES);
    mem.setU32(addr + 8, der.length);
    mem.setU32(addr + 12, 0);
    mem.setU32(addr + 16, 0);
    mem.write(addr + CERT_CONTEXT_BYTES, der);
    this.byAddr.set(addr, { ctx, refs: 1 });
    this.byCtx.set(ctx, addr);
    return addr;
  }

  /** The wincrypt imports. */
  imports(mem: () => CMemory, setLastError: (e: number) => void): Record<string, (...a: number[]) => number> {
    const guard = (fn: () => number): number => {
      try {
        return fn();
      } catch (e) {
        if (e instanceof BadPointer) {
          setLastError(E_INVALIDARG);
          return 0;
        }
        throw e;
      }
    };
    // The device's system stores (ROOT, MY, CA…) are the image's: every handle to one names the
    // same store, and closing a handle closes nothing.
    const systemStore = (name: string | null): number => {
      if (name === null || name.length === 0) {
        setLastError(E_INVALIDARG);
        return 0;
      }
      return this.newStore(schannelSystemStore(this.device, name));
    };
    const isSystem = (s: CertStore): boolean => s.name !== 'MEMORY' && schannelSystemStore(this.device, s.name) === s;
    /** Frees one C reference (as `CertFreeCertificateContext`); false when `p` is no context. */
    const freeC = (p: number): boolean => {
      const e = this.byAddr.get(p);
      if (!e) return false;
      CertFreeCertificateContext(e.ctx);
      if (--e.refs === 0) {
        this.byAddr.delete(p);
        this.byCtx.delete(e.ctx);
        this.device.withCall('CertFreeCertificateContext', () => this.process.LocalFree(p));
      }
      return true;
    };
    /** The find criterion of `dwFindType`/`pvPara`, or null when cesim does not model that type. */
    const findPara = (m: CMemory, type: number, pvPara: number): CertFindPara | null => {
      switch (type >>> 0) {
        case CERT_FIND_ANY:
          return { type: 'any' };
        case CERT_FIND_SUBJECT_NAME:
        case CERT_FIND_ISSUER_NAME: {
          // pvPara: CERT_NAME_BLOB { DWORD cbData; BYTE *pbData; }
          const name = m.bytes(m.u32(pvPara + 4), m.u32(pvPara));
          return { type: type === CERT_FIND_SUBJECT_NAME ? 'subject-name' : 'issuer-name', name };
        }
        case CERT_FIND_SUBJECT_STR_W:
        case CERT_FIND_ISSUER_STR_W: {
          const text = m.wide(pvPara);
          return text === null ? null : { type: type === CERT_FIND_SUBJECT_STR_W ? 'subject-str' : 'issuer-str', text };
        }
        case CERT_FIND_SUBJECT_STR_A:
        case CERT_FIND_ISSUER_STR_A: {
          const text = m.cstr(pvPara, 1024);
          return text === null ? null : { type: type === CERT_FIND_SUBJECT_STR_A ? 'subject-str' : 'issuer-str', text };
        }
        default:
          return null;
      }
    };
    /**
     * `CertFindCertificateInStore`'s walk: the next context of `s` after `prev` that matches, as a
     * C context with a new reference; `prev` is freed, as on Windows, found or not.
     */
    const findNext = (s: CertStore, para: CertFindPara, prev: number): number => {
      const m = mem();
      const all = s.certificates();
      let start = 0;
      if (prev !== 0) {
        const e = this.byAddr.get(prev);
        if (!e) {
          setLastError(E_INVALIDARG);
          return 0;
        }
        start = all.indexOf(e.ctx) + 1;
        freeC(prev);
        if (start === 0) {
          setLastError(CRYPT_E_NOT_FOUND);
          return 0;
        }
      }
      const hit = s.findAll(para).find((c) => all.indexOf(c) >= start);
      if (!hit) {
        setLastError(CRYPT_E_NOT_FOUND);
        return 0;
      }
      hit.addRef();
      const c = this.toC(hit, m);
      if (c === 0) {
        CertFreeCertificateContext(hit);
        setLastError(0x8007000e); // E_OUTOFMEMORY
      }
      return c;
    };
    return {
      CertOpenStore: (prov, _enc, _hProv, _flags, pvPara) =>
        guard(() => {
          if (prov === CERT_STORE_PROV_MEMORY) return this.newStore(CertOpenStore('memory'));
          if (prov === CERT_STORE_PROV_SYSTEM_W) return systemStore(mem().wide(pvPara));
          setLastError(E_INVALIDARG);
          return 0;
        }),
      CertOpenSystemStoreW: (_hProv, pName) => guard(() => systemStore(mem().wide(pName))),
      CertCloseStore: (h, flags) => {
        const s = this.stores.get(h);
        if (!s) {
          setLastError(E_INVALIDARG);
          return 0;
        }
        this.stores.delete(h);
        // The device's system stores outlive the handle: closing a handle to one closes nothing.
        if (isSystem(s)) return 1;
        return CertCloseStore(s, flags >>> 0) ? 1 : 0;
      },
      CertAddEncodedCertificateToStore: (h, enc, pb, cb, disp, ppCtx) =>
        guard(() => {
          const s = this.stores.get(h);
          if (!s) {
            setLastError(E_INVALIDARG);
            return 0;
          }
          const m = mem();
          const der = m.bytes(pb, cb);
          if (ppCtx !== 0) m.check(ppCtx, 4);
          const r = CertAddEncodedCertificateToStore(s, enc >>> 0, der, disp >>> 0);
          if (!r.ok) {
            setLastError(r.error.detail.startsWith('CRYPT_E_EXISTS') ? CRYPT_E_EXISTS : CRYPT_E_ASN1_BADTAG);
            return 0;
          }
          if (ppCtx === 0) {
            CertFreeCertificateContext(r.value);
            return 1;
          }
          const c = this.toC(r.value, m);
          if (c === 0) {
            CertFreeCertificateContext(r.value);
            return 0;
          }
          m.setU32(ppCtx, c);
          return 1;
        }),
      CertCreateCertificateContext: (enc, pb, cb) =>
        guard(() => {
          const m = mem();
          const r = CertCreateCertificateContext(enc >>> 0, m.bytes(pb, cb));
          if (!r.ok) {
            setLastError(CRYPT_E_ASN1_BADTAG);
            return 0;
          }
          return this.toC(r.value, m);
        }),
      CertDuplicateCertificateContext: (p) => {
        const e = this.byAddr.get(p);
        if (!e) return 0;
        e.ctx.addRef();
        e.refs++;
        return p;
      },
      CertFreeCertificateContext: (p) => {
        if (p === 0) return 1;
        if (!freeC(p)) {
          setLastError(E_INVALIDARG);
          return 0;
        }
        return 1;
      },
      CertFindCertificateInStore: (h, _enc, _flags, type, pvPara, prev) =>
        guard(() => {
          const s = this.stores.get(h);
          if (!s) {
            setLastError(E_INVALIDARG);
            return 0;
          }
          const para = findPara(mem(), type, pvPara);
          if (para === null) {
            if (prev !== 0) freeC(prev);
            setLastError(E_INVALIDARG);
            return 0;
          }
          return findNext(s, para, prev);
        }),
      CertEnumCertificatesInStore: (h, prev) =>
        guard(() => {
          const s = this.stores.get(h);
          if (!s) {
            setLastError(E_INVALIDARG);
            return 0;
          }
          return findNext(s, { type: 'any' }, prev);
        }),
    };
  }
}
