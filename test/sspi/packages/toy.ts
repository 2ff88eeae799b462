/**
 * A toy authentication protocol behind the SSP/AP interface, for the dispatcher's tests: two
 * legs or three, per InitializeSecurityContext-CE210.txt's generic calling sequences. Not
 * cryptography: the "MAC" is FNV-1a, and the key a mix of two nonces from the device's RNG.
 *
 * Tokens (first byte = message type, last 4 bytes = FNV-1a checksum of what precedes them):
 *   1 HELLO    client → server: cnonce(8) | nameLen(1) | name
 *   2 CHALLENGE server → client: snonce(8)
 *   3 PROOF    client → server: mac(key, "client")(8)              (three-leg only)
 * Two legs:   ISC → HELLO (CONTINUE) ; ASC → CHALLENGE (OK) ; ISC ← CHALLENGE (OK)
 * Three legs: ISC → HELLO (CONTINUE) ; ASC → CHALLENGE (CONTINUE) ; ISC → PROOF (OK) ; ASC ← PROOF (OK)
 * With ISC_REQ_USE_DCE_STYLE the client leaves the checksum for CompleteAuthToken (user mode):
 * SEC_I_COMPLETE_AND_CONTINUE on HELLO, SEC_I_COMPLETE_NEEDED on PROOF.
 */
import {
  ASC_RET_CONNECTION,
  ASC_RET_MUTUAL_AUTH,
  ISC_REQ_CONNECTION,
  ISC_REQ_INTEGRITY,
  ISC_REQ_MUTUAL_AUTH,
  ISC_REQ_PROMPT_FOR_CREDS,
  ISC_REQ_USE_DCE_STYLE,
  ISC_REQ_USE_SUPPLIED_CREDS,
  ISC_RET_CONNECTION,
  ISC_RET_INTEGRITY,
  ISC_RET_MUTUAL_AUTH,
  ISC_RET_USED_COLLECTED_CREDS,
  ISC_RET_USED_SUPPLIED_CREDS,
  SECBUFFER_DATA,
  SECBUFFER_PKG_PARAMS,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_FLAGS,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_ATTR_SIZES,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECPKG_FLAG_CONNECTION,
  SECPKG_FLAG_INTEGRITY,
  SECPKG_FLAG_MUTUAL_AUTH,
  SEC_E_BUFFER_TOO_SMALL,
  SEC_E_INSUFFICIENT_MEMORY,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_COMPLETE_AND_CONTINUE,
  SEC_I_COMPLETE_NEEDED,
  SEC_I_CONTINUE_NEEDED,
  SecBufferDesc,
  SecPkgContext_Flags,
  SecPkgContext_Names,
  SecPkgContext_SessionKey,
  SecPkgContext_Sizes,
  SecPkgInfo,
  TimeStamp,
  findBuffer,
  localExpiry,
  type LSA_SEC_HANDLE,
  type Out,
  type SECPKG_FUNCTION_TABLE,
  type SECPKG_USER_FUNCTION_TABLE,
  type SecpkgSupportFunctions,
  type SecurityPackageModule,
} from '../../../sspi/index.js';

/** Options of a toy package. */
export interface ToyOptions {
  name: string;
  comment: string;
  legs: 2 | 3;
  rpcId: number;
}

/** Largest toy token. */
export const TOY_MAX_TOKEN = 64;
/** Bytes of the per-context state block in the LSA. */
export const TOY_CONTEXT_BLOCK = 48;
/** Bytes of the per-credential block in the LSA. */
export const TOY_CREDENTIAL_BLOCK = 32;
/** Bytes of the user-mode context block in the caller. */
export const TOY_USER_BLOCK = 24;
/** Context lifetime in seconds (ptsExpiry = local now + this). */
export const TOY_LIFETIME_S = 3600;

/** Server credentials: who may log on. */
export interface ToyServerAuth {
  users: string[];
}

function fnv(data: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of data) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

function mac(key: Uint8Array, data: Uint8Array, len = 8): Uint8Array {
  const out = new Uint8Array(len);
  let h = fnv(key);
  for (let i = 0; i < len; i += 4) {
    h = fnv(data, h ^ i);
    new DataView(out.buffer).setUint32(i, h, true);
  }
  return out;
}

function withChecksum(body: Uint8Array, fill: boolean): Uint8Array {
  const t = new Uint8Array(body.length + 4);
  t.set(body);
  if (fill) new DataView(t.buffer).setUint32(body.length, fnv(body), true);
  return t;
}

function checksumOk(t: Uint8Array): boolean {
  if (t.length < 5) return false;
  return new DataView(t.buffer, t.byteOffset).getUint32(t.length - 4, true) === fnv(t.subarray(0, t.length - 4));
}

interface Cred {
  use: number;
  principal: string;
  users: string[] | null;
  block: number;
}

interface Ctx {
  server: boolean;
  step: number; // next expected leg
  cnonce: Uint8Array;
  snonce: Uint8Array;
  name: string;
  key: Uint8Array;
  req: number;
  block: number;
}

function retFlags(req: number, server: boolean): number {
  if (server) return (req & ASC_RET_MUTUAL_AUTH) | ASC_RET_CONNECTION;
  let r = 0;
  if (req & ISC_REQ_MUTUAL_AUTH) r |= ISC_RET_MUTUAL_AUTH;
  if (req & ISC_REQ_INTEGRITY) r |= ISC_RET_INTEGRITY;
  if (req & ISC_REQ_CONNECTION) r |= ISC_RET_CONNECTION;
  return r;
}

/** Makes a toy package module (fresh state per device). */
export function makeToyModule(opts: ToyOptions): SecurityPackageModule {
  let sup: SecpkgSupportFunctions | null = null;
  const creds = new Map<number, Cred>();
  const ctxs = new Map<number, Ctx>();
  let next = 1;
  const S = (): SecpkgSupportFunctions => {
    if (!sup) throw new Error('not initialised');
    return sup;
  };
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);

  const packed = (c: Ctx): Uint8Array => {
    const p = new Uint8Array(16 + 4 + c.name.length);
    p.set(c.key, 0);
    new DataView(p.buffer).setUint32(16, c.req >>> 0, true);
    p.set(text(c.name), 20);
    return p;
  };

  const freeCtx = (h: number): void => {
    const c = ctxs.get(h);
    if (!c) return;
    S().FreeHeap(c.block);
    ctxs.delete(h);
  };

  const lsa: SECPKG_FUNCTION_TABLE = {
    OutputTooSmallStatus: SEC_E_BUFFER_TOO_SMALL,
    SpInitialize(_id, _params, table) {
      sup = table;
      return SEC_E_OK;
    },
    SpGetInfo(info: SecPkgInfo) {
      info.fCapabilities = SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_CONNECTION | (opts.legs === 3 ? SECPKG_FLAG_MUTUAL_AUTH : 0);
      info.wVersion = 1;
      info.wRPCID = opts.rpcId;
      info.cbMaxToken = TOY_MAX_TOKEN;
      info.Name = opts.name;
      info.Comment = opts.comment;
      return SEC_E_OK;
    },
    SpAcquireCredentialsHandle(principal, use, _logon, auth, _f, _a, handle: Out<LSA_SEC_HANDLE>, expiry: TimeStamp) {
      if (use !== SECPKG_CRED_INBOUND && use !== SECPKG_CRED_OUTBOUND) return SEC_E_NO_CREDENTIALS;
      const users = use === SECPKG_CRED_INBOUND ? ((auth as ToyServerAuth | null)?.users ?? []) : null;
      const block = S().AllocateHeap(TOY_CREDENTIAL_BLOCK, 'credential');
      if (block === 0) return SEC_E_INSUFFICIENT_MEMORY;
      const h = next++;
      creds.set(h, { use, principal: principal ?? 'device-user', users, block });
      handle.value = h;
      const e = localExpiry(S().device, TOY_LIFETIME_S);
      expiry.LowPart = e.LowPart;
      expiry.HighPart = e.HighPart;
      return SEC_E_OK;
    },
    SpFreeCredentialsHandle(h) {
      const c = creds.get(h);
      if (!c) return SEC_E_INVALID_HANDLE;
      S().FreeHeap(c.block);
      creds.delete(h);
      return SEC_E_OK;
    },
    SpInitLsaModeContext(credH, ctxH, _target, req, _rep, input, newH, output, attrs, expiry, mapped, data) {
      const s = S();
      const dce = (req & ISC_REQ_USE_DCE_STYLE) !== 0;
      const out = findBuffer(output, SECBUFFER_TOKEN);
      if (!output || out < 0) return SEC_E_BUFFER_TOO_SMALL;
      if (ctxH === 0) {
        const cred = creds.get(credH);
        if (!cred || cred.use !== SECPKG_CRED_OUTBOUND) return SEC_E_NO_CREDENTIALS;
        let name = cred.principal;
        // ISC_REQ_USE_SUPPLIED_CREDS: "look for a SECBUFFER_PKG_PARAMS buffer type in the pInput input buffer".
        const pp = req & ISC_REQ_USE_SUPPLIED_CREDS ? findBuffer(input, SECBUFFER_PKG_PARAMS) : -1;
        if (pp >= 0) name = new TextDecoder().decode(s.ReadBuffer(input!.pBuffers[pp]!));
        const block = s.AllocateHeap(TOY_CONTEXT_BLOCK, 'context');
        if (block === 0) return SEC_E_INSUFFICIENT_MEMORY;
        s.device.cpu.charge('sha256', 64);
        const cnonce = s.device.rng.bytes(8);
        const body = new Uint8Array(10 + name.length);
        body[0] = 1;
        body.set(cnonce, 1);
        body[9] = name.length;
        body.set(text(name), 10);
        const st = s.WriteOutputToken(output, out, withChecksum(body, !dce));
        if (st !== SEC_E_OK) {
          s.FreeHeap(block);
          return st;
        }
        const c: Ctx = { server: false, step: 2, cnonce, snonce: new Uint8Array(8), name, key: new Uint8Array(16), req, block };
        const h = next++;
        ctxs.set(h, c);
        newH.value = h;
        attrs.value = (pp >= 0 ? ISC_RET_USED_SUPPLIED_CREDS : 0) | (req & ISC_REQ_PROMPT_FOR_CREDS ? ISC_RET_USED_COLLECTED_CREDS : 0);
        if (dce) {
          // CompleteAuthToken runs in the caller: map now.
          mapped.value = true;
          data.value = packed(c);
          return SEC_I_COMPLETE_AND_CONTINUE;
        }
        return SEC_I_CONTINUE_NEEDED;
      }
      const c = ctxs.get(ctxH);
      if (!c || c.server) return SEC_E_INVALID_HANDLE;
      if (c.step !== 2) return SEC_E_OUT_OF_SEQUENCE;
      const ti = findBuffer(input, SECBUFFER_TOKEN);
      if (ti < 0) return SEC_E_INVALID_TOKEN;
      const tok = s.ReadBuffer(input!.pBuffers[ti]!);
      if (tok.length !== 13 || tok[0] !== 2 || !checksumOk(tok)) return SEC_E_INVALID_TOKEN;
      s.device.cpu.charge('sha256', 64);
      const snonce = tok.slice(1, 9);
      const key = mac(c.cnonce, snonce, 16);
      let status: number = SEC_E_OK;
      if (opts.legs === 3) {
        const body = new Uint8Array(9);
        body[0] = 3;
        body.set(mac(key, text('client')), 1);
        const st = s.WriteOutputToken(output, out, withChecksum(body, !dce));
        if (st !== SEC_E_OK) return st; // nothing advanced: the context is still usable
        if (dce) status = SEC_I_COMPLETE_NEEDED;
      } else {
        const st = s.WriteOutputToken(output, out, new Uint8Array(0));
        if (st !== SEC_E_OK) return st;
      }
      c.snonce = snonce;
      c.key = key;
      c.step = 4;
      // The LSA half keeps the key in its context block.
      s.lsaProcess.write(c.block, key);
      // pfContextAttr: the context's flags only on the final success.
      attrs.value = retFlags(req, false) | (req & ISC_REQ_USE_SUPPLIED_CREDS ? ISC_RET_USED_SUPPLIED_CREDS : 0);
      const e = localExpiry(s.device, TOY_LIFETIME_S);
      expiry.LowPart = e.LowPart;
      expiry.HighPart = e.HighPart;
      mapped.value = true;
      data.value = packed(c);
      return status;
    },
    SpAcceptLsaModeContext(credH, ctxH, input, req, _rep, newH, output, attrs, expiry, mapped, data) {
      const s = S();
      const ti = findBuffer(input, SECBUFFER_TOKEN);
      if (ti < 0) return SEC_E_INVALID_TOKEN;
      const tok = s.ReadBuffer(input!.pBuffers[ti]!);
      if (!checksumOk(tok)) return SEC_E_INVALID_TOKEN;
      const out = findBuffer(output, SECBUFFER_TOKEN);
      if (ctxH === 0) {
        const cred = creds.get(credH);
        if (!cred || cred.use !== SECPKG_CRED_INBOUND) return SEC_E_NO_CREDENTIALS;
        if (tok[0] !== 1 || tok.length < 14 || tok.length !== 14 + tok[9]!) return SEC_E_INVALID_TOKEN;
        if (!output || out < 0) return SEC_E_BUFFER_TOO_SMALL;
        const name = new TextDecoder().decode(tok.subarray(10, 10 + tok[9]!));
        if (opts.legs === 2 && !cred.users!.includes(name)) return SEC_E_LOGON_DENIED;
        const block = s.AllocateHeap(TOY_CONTEXT_BLOCK, 'context');
        if (block === 0) return SEC_E_INSUFFICIENT_MEMORY;
        s.device.cpu.charge('sha256', 64);
        const snonce = s.device.rng.bytes(8);
        const body = new Uint8Array(9);
        body[0] = 2;
        body.set(snonce, 1);
        const st = s.WriteOutputToken(output, out, withChecksum(body, true));
        if (st !== SEC_E_OK) {
          s.FreeHeap(block);
          return st;
        }
        const cnonce = tok.slice(1, 9);
        const c: Ctx = { server: true, step: 3, cnonce, snonce, name, key: mac(cnonce, snonce, 16), req, block };
        const h = next++;
        ctxs.set(h, c);
        newH.value = h;
        if (opts.legs === 3) return SEC_I_CONTINUE_NEEDED;
        c.step = 5;
        attrs.value = retFlags(req, true);
        const e = localExpiry(s.device, TOY_LIFETIME_S);
        expiry.LowPart = e.LowPart;
        expiry.HighPart = e.HighPart;
        mapped.value = true;
        data.value = packed(c);
        return SEC_E_OK;
      }
      const c = ctxs.get(ctxH);
      if (!c || !c.server) return SEC_E_INVALID_HANDLE;
      if (c.step !== 3 || tok[0] !== 3 || tok.length !== 13) return SEC_E_INVALID_TOKEN;
      const cred = creds.get(credH);
      s.device.cpu.charge('sha256', 64);
      const want = mac(c.key, text('client'));
      if (!want.every((b, i) => b === tok[1 + i])) return SEC_E_LOGON_DENIED;
      if (cred && cred.users && !cred.users.includes(c.name)) return SEC_E_LOGON_DENIED;
      if (output && out >= 0) {
        const st = s.WriteOutputToken(output, out, new Uint8Array(0));
        if (st !== SEC_E_OK) return st;
      }
      c.step = 5;
      attrs.value = retFlags(req, true);
      const e = localExpiry(s.device, TOY_LIFETIME_S);
      expiry.LowPart = e.LowPart;
      expiry.HighPart = e.HighPart;
      mapped.value = true;
      data.value = packed(c);
      return SEC_E_OK;
    },
    SpDeleteContext(h) {
      if (!ctxs.has(h)) return SEC_E_INVALID_HANDLE;
      freeCtx(h);
      return SEC_E_OK;
    },
    SpQueryCredentialsAttributes(h, attr, buf) {
      const c = creds.get(h);
      if (!c) return SEC_E_INVALID_HANDLE;
      if (attr !== 1) return SEC_E_UNSUPPORTED_FUNCTION;
      if (!(buf instanceof SecPkgContext_Names)) return SEC_E_INTERNAL_ERROR;
      buf.sUserName = c.principal;
      return SEC_E_OK;
    },
  };

  /** User mode: one instance per process. */
  const userTables = (): SECPKG_USER_FUNCTION_TABLE => {
    let usup: SecpkgSupportFunctions | null = null;
    const uctx = new Map<number, { key: Uint8Array; req: number; name: string; block: number }>();
    const U = (): SecpkgSupportFunctions => usup!;
    const tokenAndData = (m: SecBufferDesc): { t: number; d: number } => ({ t: findBuffer(m, SECBUFFER_TOKEN), d: findBuffer(m, SECBUFFER_DATA) });
    return {
      SpInstanceInit(_v, table) {
        usup = table;
        return SEC_E_OK;
      },
      SpInitUserModeContext(h, p) {
        const have = uctx.get(h);
        const key = p.slice(0, 16);
        const req = new DataView(p.buffer, p.byteOffset).getUint32(16, true);
        const name = new TextDecoder().decode(p.subarray(20));
        if (have) {
          Object.assign(have, { key, req, name });
          U().CurrentProcess().write(have.block, key);
          return SEC_E_OK;
        }
        const block = U().AllocateHeap(TOY_USER_BLOCK, 'usercontext');
        if (block === 0) return SEC_E_INSUFFICIENT_MEMORY;
        U().CurrentProcess().write(block, key);
        uctx.set(h, { key, req, name, block });
        return SEC_E_OK;
      },
      SpDeleteUserModeContext(h) {
        const u = uctx.get(h);
        if (!u) return SEC_E_INVALID_HANDLE;
        U().FreeHeap(u.block);
        uctx.delete(h);
        return SEC_E_OK;
      },
      SpCompleteAuthToken(h, desc) {
        if (!uctx.has(h)) return SEC_E_INVALID_HANDLE;
        const t = findBuffer(desc, SECBUFFER_TOKEN);
        if (t < 0) return SEC_E_INVALID_TOKEN;
        const b = desc.pBuffers[t]!;
        const tok = U().ReadBuffer(b);
        if (tok.length < 5) return SEC_E_INVALID_TOKEN;
        const sum = new Uint8Array(4);
        new DataView(sum.buffer).setUint32(0, fnv(tok.subarray(0, tok.length - 4)), true);
        U().WriteBuffer(b, sum, tok.length - 4);
        return SEC_E_OK;
      },
      SpMakeSignature(h, _qop, m) {
        const u = uctx.get(h);
        if (!u) return SEC_E_INVALID_HANDLE;
        const { t, d } = tokenAndData(m);
        if (t < 0 || d < 0) return SEC_E_INVALID_TOKEN;
        if (m.pBuffers[t]!.cbBuffer < 8) return SEC_E_BUFFER_TOO_SMALL;
        U().device.cpu.charge('sha256', m.pBuffers[d]!.cbBuffer);
        U().WriteBuffer(m.pBuffers[t]!, mac(u.key, U().ReadBuffer(m.pBuffers[d]!)));
        m.pBuffers[t]!.cbBuffer = 8;
        return SEC_E_OK;
      },
      SpVerifySignature(h, m) {
        const u = uctx.get(h);
        if (!u) return SEC_E_INVALID_HANDLE;
        const { t, d } = tokenAndData(m);
        if (t < 0 || d < 0) return SEC_E_INVALID_TOKEN;
        const sig = U().ReadBuffer(m.pBuffers[t]!);
        const want = mac(u.key, U().ReadBuffer(m.pBuffers[d]!));
        return sig.length === 8 && want.every((b, i) => b === sig[i]) ? SEC_E_OK : SEC_E_MESSAGE_ALTERED;
      },
      SpSealMessage(h, _qop, m) {
        const u = uctx.get(h);
        if (!u) return SEC_E_INVALID_HANDLE;
        const { t, d } = tokenAndData(m);
        if (t < 0 || d < 0) return SEC_E_INVALID_TOKEN;
        if (m.pBuffers[t]!.cbBuffer < 8) return SEC_E_BUFFER_TOO_SMALL;
        const plain = U().ReadBuffer(m.pBuffers[d]!);
        U().WriteBuffer(m.pBuffers[t]!, mac(u.key, plain));
        m.pBuffers[t]!.cbBuffer = 8;
        const ks = mac(u.key, text('stream'), Math.ceil(plain.length / 4) * 4 || 4);
        U().WriteBuffer(m.pBuffers[d]!, plain.map((b, i) => b ^ ks[i]!));
        return SEC_E_OK;
      },
      SpUnsealMessage(h, m, _seq, qop) {
        const u = uctx.get(h);
        if (!u) return SEC_E_INVALID_HANDLE;
        const { t, d } = tokenAndData(m);
        if (t < 0 || d < 0) return SEC_E_INVALID_TOKEN;
        const ct = U().ReadBuffer(m.pBuffers[d]!);
        const ks = mac(u.key, text('stream'), Math.ceil(ct.length / 4) * 4 || 4);
        const plain = ct.map((b, i) => b ^ ks[i]!);
        const sig = U().ReadBuffer(m.pBuffers[t]!);
        const want = mac(u.key, plain);
        if (sig.length !== 8 || !want.every((b, i) => b === sig[i])) return SEC_E_MESSAGE_ALTERED;
        U().WriteBuffer(m.pBuffers[d]!, plain);
        if (qop) qop.value = 0;
        return SEC_E_OK;
      },
      SpQueryContextAttributes(h, attr, buf) {
        const u = uctx.get(h);
        if (!u) return SEC_E_INVALID_HANDLE;
        switch (attr) {
          case SECPKG_ATTR_SIZES:
            if (!(buf instanceof SecPkgContext_Sizes)) return SEC_E_INTERNAL_ERROR;
            buf.cbMaxToken = TOY_MAX_TOKEN;
            buf.cbMaxSignature = 8;
            buf.cbBlockSize = 0;
            buf.cbSecurityTrailer = 8;
            return SEC_E_OK;
          case SECPKG_ATTR_FLAGS:
            if (!(buf instanceof SecPkgContext_Flags)) return SEC_E_INTERNAL_ERROR;
            buf.Flags = retFlags(u.req, false);
            return SEC_E_OK;
          case SECPKG_ATTR_NAMES:
            if (!(buf instanceof SecPkgContext_Names)) return SEC_E_INTERNAL_ERROR;
            buf.sUserName = u.name;
            return SEC_E_OK;
          case SECPKG_ATTR_SESSION_KEY: {
            if (!(buf instanceof SecPkgContext_SessionKey)) return SEC_E_INTERNAL_ERROR;
            const a = U().AllocateClientBuffer(16);
            if (a === 0) return SEC_E_INSUFFICIENT_MEMORY;
            U().CopyToClientBuffer(a, u.key);
            buf.SessionKey = a;
            buf.SessionKeyLength = 16;
            return SEC_E_OK;
          }
          default:
            return SEC_E_UNSUPPORTED_FUNCTION;
        }
      },
    };
  };

  return {
    SpLsaModeInitialize(_v, ver, tables, count) {
      ver.value = 1;
      tables.value = [lsa];
      count.value = 1;
      return SEC_E_OK;
    },
    SpUserModeInitialize(_v, ver, tables, count) {
      ver.value = 1;
      tables.value = [userTables()];
      count.value = 1;
      return SEC_E_OK;
    },
  };
}

