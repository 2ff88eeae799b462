/**
 * `ntlmssp.dll`: the NTLM security package (`NTLMSP_NAME` = "NTLM") behind the SSP/AP interface.
 * The LSA-mode half runs the three-leg exchange (`NtlmClient`/`NtlmServer` of `core/engine.ts`)
 * in the device's LSA process; on the final leg the context is mapped into the caller
 * (`MappedContext`), whose user-mode half signs and seals (MS-NLMP §3.4) against the caller's
 * memory.
 *
 * Reference checks (sspi-behaviour.md): 13 (package info), 81–93 (credentials, ISC buffers,
 * flags, the exchange), 94–99 (attributes), 100–106 (signatures and sealing).
 */
import {
  ASC_REQ_CONFIDENTIALITY,
  ASC_REQ_CONNECTION,
  ASC_REQ_EXTENDED_ERROR,
  ASC_REQ_INTEGRITY,
  ASC_REQ_REPLAY_DETECT,
  ASC_REQ_SEQUENCE_DETECT,
  ASC_RET_CONFIDENTIALITY,
  ASC_RET_CONNECTION,
  ASC_RET_EXTENDED_ERROR,
  ASC_RET_INTEGRITY,
  ASC_RET_REPLAY_DETECT,
  ASC_RET_SEQUENCE_DETECT,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_CONNECTION,
  ISC_REQ_DATAGRAM,
  ISC_REQ_EXTENDED_ERROR,
  ISC_REQ_INTEGRITY,
  ISC_REQ_REPLAY_DETECT,
  ISC_REQ_SEQUENCE_DETECT,
  ISC_REQ_USE_SUPPLIED_CREDS,
  ISC_RET_CONFIDENTIALITY,
  ISC_RET_CONNECTION,
  ISC_RET_EXTENDED_ERROR,
  ISC_RET_INTEGRITY,
  ISC_RET_REPLAY_DETECT,
  ISC_RET_SEQUENCE_DETECT,
  ISC_RET_USED_SUPPLIED_CREDS,
  SECBUFFER_ATTRMASK,
  SECBUFFER_CHANNEL_BINDINGS,
  SECBUFFER_DATA,
  SECBUFFER_PKG_PARAMS,
  SECBUFFER_READONLY,
  SECBUFFER_READONLY_WITH_CHECKSUM,
  SECBUFFER_TOKEN,
  SECPKG_ATTR_FLAGS,
  SECPKG_ATTR_KEY_INFO,
  SECPKG_ATTR_LIFESPAN,
  SECPKG_ATTR_NAMES,
  SECPKG_ATTR_NATIVE_NAMES,
  SECPKG_ATTR_NEGOTIATION_INFO,
  SECPKG_ATTR_PACKAGE_INFO,
  SECPKG_ATTR_SESSION_KEY,
  SECPKG_ATTR_SIZES,
  SECPKG_ATTR_CESIM_MECHLIST_MIC_REQUIRED,
  SECPKG_ATTR_CESIM_RESET_CRYPTO,
  SECPKG_CRED_BOTH,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SEC_E_BAD_BINDINGS,
  SEC_E_BUFFER_TOO_SMALL,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_E_INSUFFICIENT_MEMORY,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_PARAMETER,
  SEC_E_INVALID_TOKEN,
  SEC_E_LOGON_DENIED,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_OK,
  SEC_E_OUT_OF_SEQUENCE,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_I_CONTINUE_NEEDED,
  SEC_WINNT_AUTH_IDENTITY,
  SEC_WINNT_AUTH_IDENTITY_ANSI,
  SEC_WINNT_AUTH_IDENTITY_UNICODE,
  SecBufferDesc,
  SecPkgContext_Flags,
  SecPkgContext_KeyInfo,
  SecPkgContext_Lifespan,
  SecPkgContext_Names,
  SecPkgContext_NegotiationInfo,
  SecPkgContext_MechListMicRequired,
  SecPkgContext_ResetCrypto,
  SecPkgContext_SessionKey,
  SecPkgContext_Sizes,
  SecPkgInfo,
  TimeStamp,
  bufferType,
  encodeSecPkgInfoBlock,
  encodeWide,
  findBuffer,
  localExpiry,
  registerPackageModule,
  secPkgInfoBlockSize,
  type LSA_SEC_HANDLE,
  type Out,
  type SECPKG_FUNCTION_TABLE,
  type SECPKG_USER_FUNCTION_TABLE,
  type SecpkgSupportFunctions,
  type SecurityPackageModule,
} from '../sspi/index.js';
import { createNtlmCrypto, type NtlmCrypto } from './crypto/primitives.js';
import { NtlmError, type NtlmErrorKind } from './core/errors.js';
import { NtlmClient, NtlmServer, type NtlmIdentity, type NtlmLeg, type NtlmResponseKind } from './core/engine.js';
import { NtlmSession, type SealPart } from './core/session.js';
import { concat, fromUtf16le, getU32, putU32, utf16le } from './core/bytes.js';
import { lmowfv1 } from './core/compute.js';
import * as K from './core/constants.js';
import { findNtlmAccount, ntlmDefaultCredentials, ntlmLevels } from './accounts.js';

/** `NTLMSP_NAME`. */
export const NTLMSP_NAME = 'NTLM';
/** The module's DLL name on a CE image (CE docs: `ntlmssp.dll`). */
export const NTLM_DLL = 'ntlmssp.dll';
/** Check 13: INTEGRITY|PRIVACY|TOKEN_ONLY|CONNECTION|MULTI_REQUIRED|IMPERSONATION|ACCEPT_WIN32_NAME|NEGOTIABLE|LOGON. */
export const NTLM_CAPABILITIES = 0x2b37;
/** Check 13/94: `cbMaxToken` (Windows reports 1904 or 2888; Wine 1904). */
export const NTLM_CB_MAX_TOKEN = 1904;
/** Check 13: RPC_C_AUTHN_WINNT. */
export const NTLM_RPC_ID = 10;
/** Check 13 (Wine's comment). */
export const NTLM_COMMENT = 'NTLM Security Package';
/** Check 94: `cbMaxSignature`, `cbSecurityTrailer`. */
export const NTLM_SIGNATURE_SIZE = K.NTLM_SIGNATURE_BYTES;

/**
 * Bytes of a credential in the LSA: use flags, reference count and list links (16), the NT and LM
 * one-way functions (32), the user and domain string pointers (8); the names follow in UTF-16.
 */
export const NTLM_CREDENTIAL_BYTES = 56;
/**
 * Bytes of an LSA context: state, flags, requested flags (12), server challenge (8), client
 * challenge (8), ExportedSessionKey (16), credential and message pointers (16), expiry (8), the
 * authenticated name pointer (4), padding (8). The NEGOTIATE and CHALLENGE messages are kept
 * beside it (owner tag `message`) until the MIC is made or checked.
 */
export const NTLM_CONTEXT_BYTES = 80;
/** One RC4 state: the 256-byte permutation and two indices. */
export const RC4_STATE_BYTES = 258;
/**
 * Bytes of a user-mode context without its RC4 states: flags, role, two sequence numbers (16), the
 * ExportedSessionKey (16), two signing keys (32), expiry and start (16), name pointer (4).
 */
export const NTLM_USER_CONTEXT_BYTES = 84;
/** Context lifetime: NTLM contexts do not expire; cesim reports the credential's "never" as CE does. */
const NTLM_CONTEXT_LIFETIME_S = 0x7fffffff;

/** The one mapping from an NTLM error kind to a SECURITY_STATUS. */
export const NTLM_ERROR_STATUS: Record<NtlmErrorKind, number> = {
  decode: SEC_E_INVALID_TOKEN,
  peer: SEC_E_INVALID_TOKEN,
  // The reference gives no status for a challenge the level cannot answer; Windows answers a
  // server below NtlmMinClientSec with SEC_E_UNSUPPORTED_FUNCTION, which cesim uses.
  incompatible: SEC_E_UNSUPPORTED_FUNCTION,
  logon: SEC_E_LOGON_DENIED,
  altered: SEC_E_MESSAGE_ALTERED,
  sequence: SEC_E_OUT_OF_SEQUENCE,
  bindings: SEC_E_BAD_BINDINGS,
  misuse: SEC_E_OUT_OF_SEQUENCE,
  oom: SEC_E_INSUFFICIENT_MEMORY,
  internal: SEC_E_INTERNAL_ERROR,
};

/** The status of any exception (NtlmError by kind; anything else is an internal error). */
export function statusForNtlmError(e: unknown): number {
  return e instanceof NtlmError ? NTLM_ERROR_STATUS[e.kind] : SEC_E_INTERNAL_ERROR;
}

/** One NTLM leg as the trace and report show it. */
export interface NtlmTraceEvent {
  /** Device name. */
  device: string;
  /** client or server. */
  role: 'client' | 'server';
  /** The leg. */
  leg: NtlmLeg;
  /** Response kind, on the last leg. */
  response?: NtlmResponseKind;
}

const traceListeners = new Set<(e: NtlmTraceEvent) => void>();

/** Listens to every NTLM leg on every device; returns the function that stops listening. */
export function onNtlmLeg(fn: (e: NtlmTraceEvent) => void): () => void {
  traceListeners.add(fn);
  return () => traceListeners.delete(fn);
}

interface Cred {
  use: number;
  identity: NtlmIdentity | null;
  block: number;
  supplied: boolean;
}

interface LsaCtx {
  server: boolean;
  req: number;
  client: NtlmClient | null;
  srv: NtlmServer | null;
  block: number;
  messages: number[];
  pending: { challenge: Uint8Array; out: Uint8Array } | null;
  attrs: number;
  emitted: number;
  cred: number;
}

interface UserCtx {
  session: NtlmSession;
  flags: number;
  attrs: number;
  server: boolean;
  /** The AUTHENTICATE message carried a MIC: SPNEGO must exchange the mechListMIC (MS-SPNG §3.1.5.1). */
  mic: boolean;
  name: string;
  sessionKey: Uint8Array;
  start: TimeStamp;
  expiry: TimeStamp;
  block: number;
}

function identityFromAuthData(c: NtlmCrypto, auth: SEC_WINNT_AUTH_IDENTITY): NtlmIdentity | number {
  if (auth.Flags !== SEC_WINNT_AUTH_IDENTITY_ANSI && auth.Flags !== SEC_WINNT_AUTH_IDENTITY_UNICODE) return SEC_E_INVALID_PARAMETER;
  const part = (s: string | null, n: number): string | null => {
    if (s === null) return n === 0 ? '' : null;
    if (!Number.isInteger(n) || n < 0 || n > s.length) return null;
    return s.slice(0, n);
  };
  const user = part(auth.User, auth.UserLength);
  const domain = part(auth.Domain, auth.DomainLength);
  const password = part(auth.Password, auth.PasswordLength);
  if (user === null || domain === null || password === null) return SEC_E_INVALID_PARAMETER;
  return { user, domain, ntHash: c.md4(utf16le(password)), lmHash: password.length <= 14 ? lmowfv1(c, password) : null };
}

/** Reads SEC_CHANNEL_BINDINGS (32-byte header, then data) and returns MD5 of gss_channel_bindings_struct. */
function channelBindingsHash(c: NtlmCrypto, b: Uint8Array): Uint8Array | null {
  if (b.length < 32) return null;
  const field = (lenAt: number, offAt: number): Uint8Array | null => {
    const len = getU32(b, lenAt);
    const off = getU32(b, offAt);
    if (len === 0) return new Uint8Array(0);
    return off + len <= b.length ? b.subarray(off, off + len) : null;
  };
  const ini = field(4, 8);
  const acc = field(16, 20);
  const app = field(24, 28);
  if (!ini || !acc || !app) return null;
  const u = (v: number): Uint8Array => {
    const x = new Uint8Array(4);
    putU32(x, 0, v);
    return x;
  };
  // MS-NLMP §2.2.2.1 MsvAvChannelBindings: MD5 of the gss_channel_bindings_struct (RFC 2744 §3.11).
  return c.md5(concat(u(getU32(b, 0)), u(ini.length), ini, u(getU32(b, 12)), u(acc.length), acc, u(app.length), app));
}

/** Makes the module (one instance per device). */
export function createNtlmModule(): SecurityPackageModule {
  let sup: SecpkgSupportFunctions | null = null;
  let crypto: NtlmCrypto | null = null;
  const creds = new Map<number, Cred>();
  const ctxs = new Map<number, LsaCtx>();
  let next = 1;
  const S = (): SecpkgSupportFunctions => {
    if (!sup) throw new NtlmError('internal', 'NTLM package not initialised');
    return sup;
  };
  const C = (): NtlmCrypto => {
    if (!crypto) throw new NtlmError('internal', 'NTLM package not initialised');
    return crypto;
  };
  const now = (): bigint => S().device.clock.getSystemTimeAsFileTime();
  const computerName = (): string => (S().device.name || 'CEDEVICE').toUpperCase().slice(0, 15);

  const emit = (ctx: LsaCtx, legs: readonly NtlmLeg[], response?: NtlmResponseKind): void => {
    for (; ctx.emitted < legs.length; ctx.emitted++) {
      const leg = legs[ctx.emitted]!;
      const e: NtlmTraceEvent = { device: S().device.name, role: ctx.server ? 'server' : 'client', leg, ...(response && ctx.emitted === legs.length - 1 ? { response } : {}) };
      for (const fn of traceListeners) fn(e);
    }
  };

  /** Keeps a copy of a message in the LSA for the MIC (owner tag `message`). */
  const keep = (ctx: LsaCtx, msg: Uint8Array): boolean => {
    const a = S().AllocateHeap(msg.length || 1, 'message');
    if (a === 0) return false;
    S().lsaProcess.write(a, msg);
    ctx.messages.push(a);
    return true;
  };
  const dropMessages = (ctx: LsaCtx): void => {
    for (const a of ctx.messages) S().FreeHeap(a);
    ctx.messages = [];
  };
  const freeCtx = (h: number): void => {
    const ctx = ctxs.get(h);
    if (!ctx) return;
    dropMessages(ctx);
    S().FreeHeap(ctx.block);
    ctx.client?.result?.session.wipe();
    ctx.srv?.result?.session.wipe();
    ctxs.delete(h);
  };

  const packed = (flags: number, attrs: number, server: boolean, mic: boolean, key: Uint8Array, name: string, start: TimeStamp, expiry: TimeStamp): Uint8Array => {
    const n = utf16le(name);
    const p = new Uint8Array(4 + 4 + 1 + 16 + 16 + n.length);
    putU32(p, 0, flags);
    putU32(p, 4, attrs);
    // Bit 0: server; bit 1: the AUTHENTICATE message carried a MIC (MS-SPNG §3.1.5.1).
    p[8] = (server ? 1 : 0) | (mic ? 2 : 0);
    p.set(key, 9);
    putU32(p, 25, start.LowPart);
    putU32(p, 29, start.HighPart >>> 0);
    putU32(p, 33, expiry.LowPart);
    putU32(p, 37, expiry.HighPart >>> 0);
    p.set(n, 41);
    return p;
  };

  const setExpiry = (out: TimeStamp): TimeStamp => {
    const e = localExpiry(S().device, NTLM_CONTEXT_LIFETIME_S);
    out.LowPart = e.LowPart;
    out.HighPart = e.HighPart;
    return e;
  };

  const iscSign = (req: number): number =>
    (req & (ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT) ? K.NTLMSSP_NEGOTIATE_SIGN : 0) | (req & ISC_REQ_CONFIDENTIALITY ? K.NTLMSSP_NEGOTIATE_SEAL : 0);

  const iscRet = (req: number, flags: number, supplied: boolean): number => {
    let r = 0;
    if (req & ISC_REQ_CONNECTION) r |= ISC_RET_CONNECTION;
    if (req & ISC_REQ_EXTENDED_ERROR) r |= ISC_RET_EXTENDED_ERROR;
    if (flags & K.NTLMSSP_NEGOTIATE_SIGN) {
      r |= ISC_RET_INTEGRITY;
      if (req & ISC_REQ_REPLAY_DETECT) r |= ISC_RET_REPLAY_DETECT;
      if (req & ISC_REQ_SEQUENCE_DETECT) r |= ISC_RET_SEQUENCE_DETECT;
    }
    if (flags & K.NTLMSSP_NEGOTIATE_SEAL) r |= ISC_RET_CONFIDENTIALITY;
    if (supplied) r |= ISC_RET_USED_SUPPLIED_CREDS;
    return r >>> 0;
  };
  const ascRet = (req: number, flags: number): number => {
    let r = ASC_RET_CONNECTION & (req & ASC_REQ_CONNECTION ? ~0 : 0);
    if (req & ASC_REQ_EXTENDED_ERROR) r |= ASC_RET_EXTENDED_ERROR;
    if (flags & K.NTLMSSP_NEGOTIATE_SIGN) {
      r |= ASC_RET_INTEGRITY & (req & ASC_REQ_INTEGRITY ? ~0 : ASC_RET_INTEGRITY);
      if (req & ASC_REQ_REPLAY_DETECT) r |= ASC_RET_REPLAY_DETECT;
      if (req & ASC_REQ_SEQUENCE_DETECT) r |= ASC_RET_SEQUENCE_DETECT;
    }
    if (flags & K.NTLMSSP_NEGOTIATE_SEAL && req & ASC_REQ_CONFIDENTIALITY) r |= ASC_RET_CONFIDENTIALITY;
    return r >>> 0;
  };

  const readToken = (desc: SecBufferDesc | null): Uint8Array | number => {
    const i = findBuffer(desc, SECBUFFER_TOKEN);
    if (i < 0) return SEC_E_INVALID_TOKEN;
    const b = desc!.pBuffers[i]!;
    // Check 92: an input over cbMaxToken is SEC_E_INVALID_TOKEN.
    if (b.cbBuffer > NTLM_CB_MAX_TOKEN) return SEC_E_INVALID_TOKEN;
    return S().ReadBuffer(b);
  };
  const bindingsOf = (desc: SecBufferDesc | null): Uint8Array | null => {
    const i = findBuffer(desc, SECBUFFER_CHANNEL_BINDINGS);
    return i < 0 ? null : channelBindingsHash(C(), S().ReadBuffer(desc!.pBuffers[i]!));
  };

  const guard = (fn: () => number): number => {
    try {
      return fn();
    } catch (e) {
      return statusForNtlmError(e);
    }
  };

  const lsa: SECPKG_FUNCTION_TABLE = {
    // Check 86: a TOKEN buffer too small for the message is SEC_E_BUFFER_TOO_SMALL.
    OutputTooSmallStatus: SEC_E_BUFFER_TOO_SMALL,
    SpInitialize(_id, _params, table) {
      sup = table;
      crypto = createNtlmCrypto({ cost: table.device.cpu, random: table.device.rng });
      return SEC_E_OK;
    },
    SpShutdown() {
      for (const h of [...ctxs.keys()]) freeCtx(h);
      return SEC_E_OK;
    },
    SpGetInfo(info: SecPkgInfo) {
      info.fCapabilities = NTLM_CAPABILITIES;
      info.wVersion = 1;
      info.wRPCID = NTLM_RPC_ID;
      info.cbMaxToken = NTLM_CB_MAX_TOKEN;
      info.Name = NTLMSP_NAME;
      info.Comment = NTLM_COMMENT;
      return SEC_E_OK;
    },
    SpAcquireCredentialsHandle(_principal, use, _logon, auth, _f, _a, handle: Out<LSA_SEC_HANDLE>, expiry: TimeStamp) {
      return guard(() => {
        const s = S();
        if (use !== SECPKG_CRED_INBOUND && use !== SECPKG_CRED_OUTBOUND && use !== SECPKG_CRED_BOTH) return SEC_E_NO_CREDENTIALS;
        let identity: NtlmIdentity | null = null;
        let supplied = false;
        if (auth !== null && auth !== undefined) {
          if (!(auth instanceof SEC_WINNT_AUTH_IDENTITY)) return SEC_E_INVALID_PARAMETER;
          const id = identityFromAuthData(C(), auth);
          if (typeof id === 'number') return id;
          identity = id;
          supplied = true;
        } else if (use & SECPKG_CRED_OUTBOUND) {
          // Check 83 / CE docs: with no auth data, the logon session's default credentials.
          const d = ntlmDefaultCredentials(s.device);
          const acct = d ? findNtlmAccount(s.device, d.user) : null;
          if (!d || !acct) return SEC_E_NO_CREDENTIALS;
          identity = {
            user: acct.user,
            domain: d.domain,
            ntHash: acct.ntHash ?? C().md4(utf16le(acct.password!)),
            lmHash: acct.password !== null && acct.password.length <= 14 ? lmowfv1(C(), acct.password) : null,
          };
        }
        const names = identity ? utf16le(identity.user + identity.domain) : new Uint8Array(0);
        const block = s.AllocateHeap(NTLM_CREDENTIAL_BYTES + names.length, 'credential');
        if (block === 0) return SEC_E_INSUFFICIENT_MEMORY;
        if (identity) {
          s.lsaProcess.write(block + 16, identity.ntHash);
          if (identity.lmHash) s.lsaProcess.write(block + 32, identity.lmHash);
          s.lsaProcess.write(block + NTLM_CREDENTIAL_BYTES, names);
        }
        const h = next++;
        creds.set(h, { use, identity, block, supplied });
        handle.value = h;
        // CE docs: "the credentials handle does not expire".
        const e = localExpiry(s.device, NTLM_CONTEXT_LIFETIME_S);
        expiry.LowPart = e.LowPart;
        expiry.HighPart = e.HighPart;
        return SEC_E_OK;
      });
    },
    SpFreeCredentialsHandle(h) {
      const c = creds.get(h);
      if (!c) return SEC_E_INVALID_HANDLE;
      c.identity?.ntHash.fill(0);
      c.identity?.lmHash?.fill(0);
      S().FreeHeap(c.block);
      creds.delete(h);
      return SEC_E_OK;
    },
    SpQueryCredentialsAttributes() {
      return SEC_E_UNSUPPORTED_FUNCTION;
    },
    SpInitLsaModeContext(credH, ctxH, target, req, _rep, input, newH, output, attrs, expiry, mapped, data) {
      return guard(() => {
        const s = S();
        const out = findBuffer(output, SECBUFFER_TOKEN);
        // Checks 84 and 87: no output descriptor, or no TOKEN in it.
        if (!output || out < 0) return SEC_E_BUFFER_TOO_SMALL;
        if (req & ISC_REQ_DATAGRAM) return SEC_E_UNSUPPORTED_FUNCTION; // connectionless NTLM is left out
        if (ctxH === 0) {
          const cred = creds.get(credH);
          if (!cred || !(cred.use & SECPKG_CRED_OUTBOUND)) return SEC_E_NO_CREDENTIALS;
          let identity = cred.identity;
          let supplied = cred.supplied;
          // CE page: with ISC_REQ_USE_SUPPLIED_CREDS look for SECBUFFER_PKG_PARAMS in pInput;
          // cesim reads "user\0domain\0password" (UTF-16LE) there.
          const pp = req & ISC_REQ_USE_SUPPLIED_CREDS ? findBuffer(input, SECBUFFER_PKG_PARAMS) : -1;
          if (pp >= 0) {
            const parts = fromUtf16le(s.ReadBuffer(input!.pBuffers[pp]!)).split('\u0000');
            if (parts.length < 3) return SEC_E_INVALID_TOKEN;
            identity = { user: parts[0]!, domain: parts[1]!, ntHash: C().md4(utf16le(parts[2]!)), lmHash: parts[2]!.length <= 14 ? lmowfv1(C(), parts[2]!) : null };
            supplied = true;
          }
          if (!identity) return SEC_E_NO_CREDENTIALS;
          const levels = ntlmLevels(s.device);
          const block = s.AllocateHeap(NTLM_CONTEXT_BYTES, 'context');
          if (block === 0) return SEC_E_INSUFFICIENT_MEMORY;
          const client = new NtlmClient(C(), {
            level: levels.client,
            identity,
            workstation: computerName(),
            targetName: target,
            channelBindingsHash: bindingsOf(input),
            requestFlags: iscSign(req),
            version: null,
            now,
          });
          const ctx: LsaCtx = { server: false, req, client, srv: null, block, messages: [], pending: null, attrs: iscRet(req, 0, supplied), emitted: 0, cred: credH };
          const msg = client.negotiate();
          if (!keep(ctx, msg)) {
            dropMessages(ctx);
            s.FreeHeap(block);
            return SEC_E_INSUFFICIENT_MEMORY;
          }
          const st = s.WriteOutputToken(output, out, msg);
          if (st !== SEC_E_OK) {
            // Check 88: a failed first call consumes nothing.
            dropMessages(ctx);
            s.FreeHeap(block);
            return st;
          }
          const h = next++;
          ctxs.set(h, ctx);
          newH.value = h;
          attrs.value = ctx.attrs;
          emit(ctx, client.legs);
          return SEC_I_CONTINUE_NEEDED;
        }
        const ctx = ctxs.get(ctxH);
        if (!ctx || ctx.server || !ctx.client) return SEC_E_INVALID_HANDLE;
        const tok = readToken(input);
        if (typeof tok === 'number') return tok;
        let msg: Uint8Array;
        if (ctx.pending && ctx.client.state === 'Established') {
          // A retry after SEC_E_BUFFER_TOO_SMALL on the last leg: the same AUTHENTICATE.
          if (!bytesEqual(ctx.pending.challenge, tok)) return SEC_E_OUT_OF_SEQUENCE;
          msg = ctx.pending.out;
        } else {
          if (ctx.client.state !== 'ExpectChallenge') return SEC_E_OUT_OF_SEQUENCE;
          if (!keep(ctx, tok)) return SEC_E_INSUFFICIENT_MEMORY;
          try {
            msg = ctx.client.authenticate(tok);
          } catch (e) {
            const a = ctx.messages.pop();
            if (a !== undefined) s.FreeHeap(a);
            emit(ctx, ctx.client.legs);
            return statusForNtlmError(e);
          }
          ctx.pending = { challenge: tok.slice(), out: msg };
          emit(ctx, ctx.client.legs, ctx.client.result!.response);
        }
        const st = s.WriteOutputToken(output, out, msg);
        if (st !== SEC_E_OK) return st;
        ctx.pending = null;
        dropMessages(ctx);
        const r = ctx.client.result!;
        const cred = creds.get(ctx.cred);
        ctx.attrs = iscRet(ctx.req, r.flags, cred?.supplied === true || (ctx.attrs & ISC_RET_USED_SUPPLIED_CREDS) !== 0);
        attrs.value = ctx.attrs;
        const e = setExpiry(expiry);
        const start = localExpiry(s.device, 0);
        s.lsaProcess.write(block4(ctx.block), r.sessionKey);
        mapped.value = true;
        data.value = packed(r.flags, ctx.attrs, false, r.mic, r.sessionKey, r.domain ? `${r.domain}\\${r.user}` : r.user, start, e);
        return SEC_E_OK;
      });
    },
    SpAcceptLsaModeContext(credH, ctxH, input, req, _rep, newH, output, attrs, expiry, mapped, data) {
      return guard(() => {
        const s = S();
        // Check 92 (Wine): ASC with no input token is SEC_E_INCOMPLETE_MESSAGE.
        if (findBuffer(input, SECBUFFER_TOKEN) < 0) return SEC_E_INCOMPLETE_MESSAGE;
        const tok = readToken(input);
        if (typeof tok === 'number') return tok;
        const out = findBuffer(output, SECBUFFER_TOKEN);
        if (ctxH === 0) {
          const cred = creds.get(credH);
          if (!cred || !(cred.use & SECPKG_CRED_INBOUND)) return SEC_E_NO_CREDENTIALS;
          if (!output || out < 0) return SEC_E_BUFFER_TOO_SMALL;
          const levels = ntlmLevels(s.device);
          const device = s.device;
          const c = C();
          const srv = new NtlmServer(c, {
            level: levels.server,
            computerName: computerName(),
            domainName: computerName(),
            lookup: (user) => {
              const a = findNtlmAccount(device, user);
              if (!a) return null;
              return { user: a.user, ntHash: a.ntHash ?? c.md4(utf16le(a.password!)), lmHash: a.password !== null && a.password.length <= 14 ? lmowfv1(c, a.password) : null };
            },
            channelBindingsHash: bindingsOf(input),
            version: null,
            now,
          });
          const block = s.AllocateHeap(NTLM_CONTEXT_BYTES, 'context');
          if (block === 0) return SEC_E_INSUFFICIENT_MEMORY;
          const ctx: LsaCtx = { server: true, req, client: null, srv, block, messages: [], pending: null, attrs: 0, emitted: 0, cred: credH };
          let msg: Uint8Array;
          try {
            msg = srv.challenge(tok);
          } catch (e) {
            s.FreeHeap(block);
            return statusForNtlmError(e);
          }
          if (!keep(ctx, tok) || !keep(ctx, msg)) {
            dropMessages(ctx);
            s.FreeHeap(block);
            return SEC_E_INSUFFICIENT_MEMORY;
          }
          const st = s.WriteOutputToken(output, out, msg);
          if (st !== SEC_E_OK) {
            dropMessages(ctx);
            s.FreeHeap(block);
            return st;
          }
          const h = next++;
          ctxs.set(h, ctx);
          newH.value = h;
          attrs.value = ascRet(req, 0);
          emit(ctx, srv.legs);
          return SEC_I_CONTINUE_NEEDED;
        }
        const ctx = ctxs.get(ctxH);
        if (!ctx || !ctx.server || !ctx.srv) return SEC_E_INVALID_HANDLE;
        if (ctx.srv.state !== 'ExpectAuthenticate') return SEC_E_OUT_OF_SEQUENCE;
        let r;
        try {
          r = ctx.srv.authenticate(tok);
        } catch (e) {
          emit(ctx, ctx.srv.legs);
          dropMessages(ctx);
          return statusForNtlmError(e);
        }
        emit(ctx, ctx.srv.legs, r.response);
        dropMessages(ctx);
        if (output && out >= 0) output.pBuffers[out]!.cbBuffer = 0;
        ctx.attrs = ascRet(ctx.req, r.flags);
        attrs.value = ctx.attrs;
        const e = setExpiry(expiry);
        const start = localExpiry(s.device, 0);
        s.lsaProcess.write(block4(ctx.block), r.sessionKey);
        mapped.value = true;
        data.value = packed(r.flags, ctx.attrs, true, r.mic, r.sessionKey, `${r.domain || computerName()}\\${r.user}`, start, e);
        return SEC_E_OK;
      });
    },
    SpDeleteContext(h) {
      if (!ctxs.has(h)) return SEC_E_INVALID_HANDLE;
      freeCtx(h);
      return SEC_E_OK;
    },
    SpQueryContextAttributes(h, attr, buf) {
      // Before the context is complete only SIZES and PACKAGE_INFO/NEGOTIATION_INFO make sense.
      if (!ctxs.has(h)) return SEC_E_INVALID_HANDLE;
      if (attr === SECPKG_ATTR_SIZES && buf instanceof SecPkgContext_Sizes) return fillSizes(buf);
      return SEC_E_UNSUPPORTED_FUNCTION;
    },
    SpImpersonateSecurityContext(h) {
      const c = ctxs.get(h);
      if (!c || !c.server || c.srv?.state !== 'Established') return SEC_E_INVALID_HANDLE;
      return SEC_E_OK;
    },
    SpRevertSecurityContext(h) {
      const c = ctxs.get(h);
      if (!c || !c.server) return SEC_E_INVALID_HANDLE;
      return SEC_E_OK;
    },
  };

  const userTables = (): SECPKG_USER_FUNCTION_TABLE => {
    let usup: SecpkgSupportFunctions | null = null;
    let ucrypto: NtlmCrypto | null = null;
    const uctx = new Map<number, UserCtx>();
    const U = (): SecpkgSupportFunctions => {
      if (!usup) throw new NtlmError('internal', 'NTLM user mode not initialised');
      return usup;
    };
    const get = (h: number): UserCtx | null => uctx.get(h) ?? null;
    const tokenIndex = (m: SecBufferDesc): number => findBuffer(m, SECBUFFER_TOKEN);
    const dataParts = (m: SecBufferDesc): { index: number; encrypt: boolean }[] => {
      const out: { index: number; encrypt: boolean }[] = [];
      for (let i = 0; i < m.cBuffers; i++) {
        const b = m.pBuffers[i]!;
        if (bufferType(b) !== SECBUFFER_DATA) continue;
        const attrBits = b.BufferType & SECBUFFER_ATTRMASK;
        out.push({ index: i, encrypt: (attrBits & (SECBUFFER_READONLY | SECBUFFER_READONLY_WITH_CHECKSUM)) === 0 });
      }
      return out;
    };
    // Checks 100 and 106: fewer than two buffers or no TOKEN is SEC_E_INVALID_TOKEN; a TOKEN of
    // fewer than 16 bytes is SEC_E_BUFFER_TOO_SMALL.
    const checkDesc = (m: SecBufferDesc): number => {
      if (m.cBuffers < 2) return SEC_E_INVALID_TOKEN;
      const t = tokenIndex(m);
      if (t < 0) return SEC_E_INVALID_TOKEN;
      if (m.pBuffers[t]!.cbBuffer < NTLM_SIGNATURE_SIZE) return SEC_E_BUFFER_TOO_SMALL;
      return SEC_E_OK;
    };
    const message = (m: SecBufferDesc): Uint8Array => concat(...dataParts(m).map((p) => U().ReadBuffer(m.pBuffers[p.index]!)));
    const signing = (u: UserCtx): boolean => (u.flags & (K.NTLMSSP_NEGOTIATE_SIGN | K.NTLMSSP_NEGOTIATE_SEAL)) !== 0;
    // Check 101: with neither SIGN nor SEAL negotiated the signature is version 1 and 12 zeros.
    const DUMMY = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    const uguard = (fn: () => number): number => {
      try {
        return fn();
      } catch (e) {
        return statusForNtlmError(e);
      }
    };

    return {
      SpInstanceInit(_v, table) {
        usup = table;
        ucrypto = createNtlmCrypto({ cost: table.device.cpu, random: table.device.rng });
        return SEC_E_OK;
      },
      SpInitUserModeContext(h, p) {
        return uguard(() => {
          if (p.length < 41) return SEC_E_INVALID_TOKEN;
          const flags = getU32(p, 0);
          const server = (p[8]! & 1) === 1;
          const mic = (p[8]! & 2) === 2;
          const key = p.slice(9, 25);
          const start = new TimeStamp();
          start.LowPart = getU32(p, 25);
          start.HighPart = getU32(p, 29) | 0;
          const exp = new TimeStamp();
          exp.LowPart = getU32(p, 33);
          exp.HighPart = getU32(p, 37) | 0;
          const name = fromUtf16le(p.subarray(41));
          const ess = (flags & K.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) !== 0;
          const size = NTLM_USER_CONTEXT_BYTES + RC4_STATE_BYTES * (ess ? 2 : 1);
          const old = uctx.get(h);
          if (old) U().FreeHeap(old.block);
          const block = U().AllocateHeap(size, 'usercontext');
          if (block === 0) return SEC_E_INSUFFICIENT_MEMORY;
          U().CurrentProcess().write(block + 16, key);
          uctx.set(h, { session: new NtlmSession(ucrypto!, flags, key, server ? 'server' : 'client'), flags, attrs: getU32(p, 4), server, mic, name, sessionKey: key, start, expiry: exp, block });
          return SEC_E_OK;
        });
      },
      SpDeleteUserModeContext(h) {
        const u = uctx.get(h);
        if (!u) return SEC_E_INVALID_HANDLE;
        u.session.wipe();
        u.sessionKey.fill(0);
        U().FreeHeap(u.block);
        uctx.delete(h);
        return SEC_E_OK;
      },
      SpMakeSignature(h, _qop, m) {
        return uguard(() => {
          const u = get(h);
          if (!u) return SEC_E_INVALID_HANDLE;
          const st = checkDesc(m);
          if (st !== SEC_E_OK) return st;
          const t = m.pBuffers[tokenIndex(m)]!;
          const sig = signing(u) ? u.session.sign(message(m)) : DUMMY;
          U().WriteBuffer(t, sig);
          t.cbBuffer = NTLM_SIGNATURE_SIZE;
          return SEC_E_OK;
        });
      },
      SpVerifySignature(h, m) {
        return uguard(() => {
          const u = get(h);
          if (!u) return SEC_E_INVALID_HANDLE;
          const st = checkDesc(m);
          if (st !== SEC_E_OK) return st;
          const sig = U().ReadBuffer(m.pBuffers[tokenIndex(m)]!).subarray(0, NTLM_SIGNATURE_SIZE);
          // Check 102: pfQOP is not written.
          if (!signing(u)) return bytesEqual(sig, DUMMY) ? SEC_E_OK : SEC_E_MESSAGE_ALTERED;
          u.session.verify(message(m), sig);
          return SEC_E_OK;
        });
      },
      SpSealMessage(h, _qop, m) {
        return uguard(() => {
          const u = get(h);
          if (!u) return SEC_E_INVALID_HANDLE;
          const st = checkDesc(m);
          if (st !== SEC_E_OK) return st;
          const parts = dataParts(m);
          const plain: SealPart[] = parts.map((p) => ({ data: U().ReadBuffer(m.pBuffers[p.index]!), encrypt: p.encrypt }));
          const r = u.session.seal(plain);
          parts.forEach((p, i) => {
            if (p.encrypt) U().WriteBuffer(m.pBuffers[p.index]!, r.parts[i]!);
          });
          const t = m.pBuffers[tokenIndex(m)]!;
          U().WriteBuffer(t, r.signature);
          t.cbBuffer = NTLM_SIGNATURE_SIZE;
          return SEC_E_OK;
        });
      },
      SpUnsealMessage(h, m) {
        return uguard(() => {
          const u = get(h);
          if (!u) return SEC_E_INVALID_HANDLE;
          const st = checkDesc(m);
          if (st !== SEC_E_OK) return st;
          const parts = dataParts(m);
          const sealed: SealPart[] = parts.map((p) => ({ data: U().ReadBuffer(m.pBuffers[p.index]!), encrypt: p.encrypt }));
          const sig = U().ReadBuffer(m.pBuffers[tokenIndex(m)]!).subarray(0, NTLM_SIGNATURE_SIZE);
          const plain = u.session.unseal(sealed, sig);
          parts.forEach((p, i) => {
            if (p.encrypt) U().WriteBuffer(m.pBuffers[p.index]!, plain[i]!);
          });
          // Check 104: qop untouched.
          return SEC_E_OK;
        });
      },
      SpGetContextToken(h, token) {
        const u = get(h);
        if (!u || !u.server) return SEC_E_INVALID_HANDLE;
        // cesim has no access tokens: the token is the context's user-mode block, a stable handle.
        token.value = u.block;
        return SEC_E_OK;
      },
      SpQueryContextAttributes(h, attr, buf) {
        return uguard(() => {
          const u = get(h);
          if (!u) return SEC_E_INVALID_HANDLE;
          switch (attr) {
            case SECPKG_ATTR_SIZES:
              if (!(buf instanceof SecPkgContext_Sizes)) return SEC_E_INVALID_PARAMETER;
              return fillSizes(buf);
            case SECPKG_ATTR_FLAGS:
              if (!(buf instanceof SecPkgContext_Flags)) return SEC_E_INVALID_PARAMETER;
              buf.Flags = u.attrs;
              return SEC_E_OK;
            case SECPKG_ATTR_NAMES:
            case SECPKG_ATTR_NATIVE_NAMES:
              if (!(buf instanceof SecPkgContext_Names)) return SEC_E_INVALID_PARAMETER;
              buf.sUserName = u.name;
              return SEC_E_OK;
            case SECPKG_ATTR_LIFESPAN:
              if (!(buf instanceof SecPkgContext_Lifespan)) return SEC_E_INVALID_PARAMETER;
              buf.tsStart = u.start;
              buf.tsExpiry = u.expiry;
              return SEC_E_OK;
            case SECPKG_ATTR_SESSION_KEY: {
              if (!(buf instanceof SecPkgContext_SessionKey)) return SEC_E_INVALID_PARAMETER;
              const a = U().AllocateClientBuffer(16);
              if (a === 0) return SEC_E_INSUFFICIENT_MEMORY;
              U().CopyToClientBuffer(a, u.sessionKey);
              buf.SessionKey = a;
              buf.SessionKeyLength = 16;
              return SEC_E_OK;
            }
            case SECPKG_ATTR_KEY_INFO: {
              if (!(buf instanceof SecPkgContext_KeyInfo)) return SEC_E_INVALID_PARAMETER;
              // Check 96.
              const hmac = (u.flags & K.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) !== 0;
              const sigName = encodeWide(hmac ? 'HMAC-MD5' : 'RSADSI RC4-CRC32');
              const encName = encodeWide('RSADSI RC4');
              const a = U().AllocateClientBuffer(sigName.length);
              if (a === 0) return SEC_E_INSUFFICIENT_MEMORY;
              const b = U().AllocateClientBuffer(encName.length);
              if (b === 0) {
                U().FreeClientBuffer(a);
                return SEC_E_INSUFFICIENT_MEMORY;
              }
              U().CopyToClientBuffer(a, sigName);
              U().CopyToClientBuffer(b, encName);
              buf.sSignatureAlgorithmName = a;
              buf.sEncryptAlgorithmName = b;
              buf.SignatureAlgorithm = hmac ? 0xffffff76 : 0xffffff7c;
              buf.EncryptAlgorithm = 0x6801; // CALG_RC4
              buf.KeySize = (u.flags & K.NTLMSSP_NEGOTIATE_128) !== 0 ? 128 : (u.flags & K.NTLMSSP_NEGOTIATE_56) !== 0 ? 56 : 40;
              return SEC_E_OK;
            }
            case SECPKG_ATTR_PACKAGE_INFO:
            case SECPKG_ATTR_NEGOTIATION_INFO: {
              if (!(buf instanceof SecPkgContext_NegotiationInfo) && !(attr === SECPKG_ATTR_PACKAGE_INFO && isPackageInfoOut(buf))) return SEC_E_INVALID_PARAMETER;
              const info = new SecPkgInfo();
              lsa.SpGetInfo(info);
              const size = secPkgInfoBlockSize([info]);
              const a = U().AllocateClientBuffer(size);
              if (a === 0) return SEC_E_INSUFFICIENT_MEMORY;
              U().CopyToClientBuffer(a, encodeSecPkgInfoBlock([info], a));
              // Check 98: one block, state SECPKG_NEGOTIATION_COMPLETE (0).
              if (buf instanceof SecPkgContext_NegotiationInfo) {
                buf.PackageInfo = a;
                buf.NegotiationState = 0;
              } else (buf as { PackageInfo: number }).PackageInfo = a;
              return SEC_E_OK;
            }
            case SECPKG_ATTR_CESIM_MECHLIST_MIC_REQUIRED:
              if (!(buf instanceof SecPkgContext_MechListMicRequired)) return SEC_E_INVALID_PARAMETER;
              buf.fRequired = u.mic ? 1 : 0;
              return SEC_E_OK;
            default:
              // Check 95: STREAM_SIZES and the rest are SEC_E_UNSUPPORTED_FUNCTION.
              return SEC_E_UNSUPPORTED_FUNCTION;
          }
        });
      },
      SpSetContextAttributes(h, attr, buf) {
        return uguard(() => {
          const u = get(h);
          if (!u) return SEC_E_INVALID_HANDLE;
          if (attr !== SECPKG_ATTR_CESIM_RESET_CRYPTO) return SEC_E_UNSUPPORTED_FUNCTION;
          if (!(buf instanceof SecPkgContext_ResetCrypto)) return SEC_E_INVALID_PARAMETER;
          // MS-SPNG §3.3.5.1, only when there is seal state to put back (as gss-ntlmssp does).
          if (signing(u)) u.session.resetRc4(buf.fVerifier === 1);
          return SEC_E_OK;
        });
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

function fillSizes(buf: SecPkgContext_Sizes): number {
  // Check 94.
  buf.cbMaxToken = NTLM_CB_MAX_TOKEN;
  buf.cbMaxSignature = NTLM_SIGNATURE_SIZE;
  buf.cbBlockSize = 0;
  buf.cbSecurityTrailer = NTLM_SIGNATURE_SIZE;
  return SEC_E_OK;
}

function isPackageInfoOut(b: unknown): b is { PackageInfo: number } {
  return typeof b === 'object' && b !== null && 'PackageInfo' in b;
}

/** Where the ExportedSessionKey sits in the LSA context block. */
function block4(block: number): number {
  return block + 40;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Registers NTLM's package module under `ntlmssp.dll`. Importing `cesim/ntlm` does this, so a
 * device whose profile lists `ntlmssp.dll` (every built-in profile does, as CE images carry it)
 * has NTLM with no call; a custom profile that leaves the DLL out has no NTLM. Calling it again
 * is harmless.
 * @deprecated No longer needed: the import registers the module.
 */
export function registerNtlm(): void {
  registerPackageModule(NTLM_DLL, createNtlmModule);
}

// ntlmssp.dll is on the image as soon as this module is loaded into the host process.
registerNtlm();
