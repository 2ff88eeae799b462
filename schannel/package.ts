/**
 * The Schannel security package (`schannel.dll`): the SSP/AP tables that Security.dll's
 * dispatcher calls, registered as `Microsoft Unified Security Protocol Provider` (`UNISP_NAME`)
 * and `Schannel` with the package info of sspi-behaviour.md check 15.
 *
 * LSA-mode functions (credentials, the handshake, control tokens) run in the device's LSA
 * process; once a handshake completes the context is mapped into the caller (MappedContext),
 * and `EncryptMessage`/`DecryptMessage`/`QueryContextAttributes` run in the caller's process.
 */

import {
  SEC_E_OK,
  SEC_E_INVALID_HANDLE,
  SEC_E_INVALID_TOKEN,
  SEC_E_INSUFFICIENT_MEMORY,
  SEC_E_INTERNAL_ERROR,
  SEC_E_NO_CREDENTIALS,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_I_CONTINUE_NEEDED,
  SEC_I_INCOMPLETE_CREDENTIALS,
  SEC_SUCCESS,
  SECBUFFER_EMPTY,
  SECBUFFER_TOKEN,
  SECBUFFER_ALERT,
  SECBUFFER_EXTRA,
  SECBUFFER_MISSING,
  SECBUFFER_APPLICATION_PROTOCOLS,
  SECBUFFER_ATTRMASK,
  ISC_REQ_EXTENDED_ERROR,
  ISC_REQ_USE_SUPPLIED_CREDS,
  ISC_RET_EXTENDED_ERROR,
  ASC_REQ_EXTENDED_ERROR,
  ASC_RET_EXTENDED_ERROR,
  ASC_REQ_MUTUAL_AUTH,
  SECPKG_FLAG_INTEGRITY,
  SECPKG_FLAG_PRIVACY,
  SECPKG_FLAG_CONNECTION,
  SECPKG_FLAG_MULTI_REQUIRED,
  SECPKG_FLAG_EXTENDED_ERROR,
  SECPKG_FLAG_IMPERSONATION,
  SECPKG_FLAG_ACCEPT_WIN32_NAME,
  SECPKG_FLAG_STREAM,
  UNISP_RPC_ID,
  UNISP_NAME,
  SCHANNEL_NAME,
  SECPKG_ATTR_STREAM_SIZES,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_KEY_INFO,
  SECPKG_ATTR_REMOTE_CERT_CONTEXT,
  SECPKG_ATTR_ENDPOINT_BINDINGS,
  SECPKG_ATTR_UNIQUE_BINDINGS,
  SECPKG_ATTR_APPLICATION_PROTOCOL,
  SECPKG_ATTR_SESSION_INFO,
  SSL_SESSION_RECONNECT,
  SecPkgContext_SessionInfo,
  SECPKG_ATTR_SUPPORTED_PROTOCOLS,
  SECPKG_ATTR_CIPHER_STRENGTHS,
  SECPKG_ATTR_SUPPORTED_ALGS,
  SECPKG_CRED_ATTR_NAMES,
  SP_PROT_TLS1_3_CLIENT,
  SP_PROT_TLS1_2_CLIENT,
  SP_PROT_TLS1_2_SERVER,
  CALG_SHA1,
  CALG_SHA_256,
  CALG_SHA_384,
  CALG_RSA_KEYX,
  SP_PROT_TLS1_3_SERVER,
  CALG_AES_128,
  CALG_AES_256,
  CALG_ECDH_EPHEM,
  CALG_ECDSA,
  CALG_RSA_SIGN,
  SecPkgInfo,
  SecPkgContext_StreamSizes,
  SecPkgContext_ConnectionInfo,
  SecPkgContext_CipherInfo,
  SecPkgContext_KeyInfo,
  SecPkgContext_Bindings,
  SecPkgContext_ApplicationProtocol,
  SecPkgCred_SupportedProtocols,
  SecPkgCred_CipherStrengths,
  registerPackageModule,
  encodeWide,
  ContextBufferPlan,
  StreamSealPlan,
  StreamOpenPlan,
  controlTokenOf,
  type Out,
  type LSA_SEC_HANDLE,
  type SecBufferDesc,
  type SecpkgSupportFunctions,
  type SECPKG_FUNCTION_TABLE,
  type SECPKG_USER_FUNCTION_TABLE,
  type SecurityPackageModule,
  type TimeStamp,
} from '../sspi/index.js';
import type { Device } from '../device/index.js';
import { certContextMemoryBytes, type CertContext, type CertStore } from './cert/index.js';
import { schannelRootStore } from './stores.js';

export { schannelRootStore, schannelSystemStore, installDeviceCertificate } from './stores.js';
import { protocolPolicy, validateSchannelCred, SUITE_ALGS, type SchannelCredential } from './credentials.js';
import { Tls12Client } from './tls/v12/client.js';
import { Tls12Server } from './tls/v12/server.js';
import type { Tls12Suite } from './tls/v12/suites.js';
import {
  SchannelContext,
  ProcessTlsMemory,
  iscRetFlags,
  ascRetFlags,
  ISC_RET_ON_FAILURE,
  wantsAllocation,
  type SchannelDeviceState,
  SCHANNEL_REGISTRY_KEY,
} from './context.js';
import { SessionCache } from './session-cache.js';
import { GROUP_EXCHANGE } from './tls/index.js';

/** The DLL name Schannel is registered under in the device registry. */
export const SCHANNEL_DLL = 'schannel.dll';

/** `cbMaxToken` of Schannel (check 15): 16384 + record overhead, as Wine reports 16384. */
export const SCHANNEL_CB_MAX_TOKEN = 16384;

/** Schannel's capabilities (check 15): 0x7B3. */
export const SCHANNEL_CAPABILITIES =
  SECPKG_FLAG_INTEGRITY |
  SECPKG_FLAG_PRIVACY |
  SECPKG_FLAG_CONNECTION |
  SECPKG_FLAG_MULTI_REQUIRED |
  SECPKG_FLAG_EXTENDED_ERROR |
  SECPKG_FLAG_IMPERSONATION |
  SECPKG_FLAG_ACCEPT_WIN32_NAME |
  SECPKG_FLAG_STREAM;

/**
 * Modelled size of Schannel's credential object on a 32-bit device: the SCHANNEL_CRED copy
 * (56 B), protocol and algorithm lists, flags and references (≈ 96 B in all), plus the local
 * certificate context when there is one.
 */
export const CREDENTIAL_OBJECT_BYTES = 96;

interface CredEntry {
  cred: SchannelCredential;
  block: number;
  /** One block per certificate of `paCred`. */
  certBlocks: number[];
  keyBlock: number;
}

/** Bytes of a session-ticket key (the default sealer's AES-256-GCM key). */
export const TICKET_KEY_BYTES = 32;

/** The Schannel state of one device (shared by the UNISP and Schannel names). */
class SchannelPackageState {
  readonly dev: SchannelDeviceState;
  readonly creds = new Map<number, CredEntry>();
  nextCred = 1;
  readonly messages: string[] = [];

  constructor(readonly support: SecpkgSupportFunctions) {
    const device = support.device;
    const lsa = support.lsaProcess;
    this.dev = {
      device,
      lsa,
      nextContextId: 1,
      contexts: new Map(),
      cache: new SessionCache(new ProcessTlsMemory(lsa, '')),
      roots: schannelRootStore(device),
      get keyLog() {
        const set = keyLogListeners.get(device);
        return set && set.size ? (line: string) => set.forEach((cb) => cb(line)) : null;
      },
      log: (message: string) => {
        this.messages.push(message);
        if (this.messages.length > 256) this.messages.shift();
        schannelLog(device, message);
      },
    };
  }
}

const logListeners = new WeakMap<Device, Set<(m: string) => void>>();

const keyLogListeners = new WeakMap<Device, Set<(line: string) => void>>();

/**
 * Subscribes to the NSS key log of every TLS connection Schannel makes on a device (one
 * SSLKEYLOGFILE line per secret), so that Wireshark can decrypt the emulated network's capture.
 */
export function onSchannelKeyLog(device: Device, cb: (line: string) => void): () => void {
  let set = keyLogListeners.get(device);
  if (!set) {
    set = new Set();
    keyLogListeners.set(device, set);
  }
  set.add(cb);
  return () => set!.delete(cb);
}

/** Subscribes to Schannel's trace messages on a device (protocol refusals, handshake failures). */
export function onSchannelLog(device: Device, cb: (message: string) => void): () => void {
  let set = logListeners.get(device);
  if (!set) {
    set = new Set();
    logListeners.set(device, set);
  }
  set.add(cb);
  return () => set!.delete(cb);
}

function schannelLog(device: Device, message: string): void {
  for (const cb of logListeners.get(device) ?? []) cb(message);
}

/** Makes one module instance (one per device that loads `schannel.dll`). */
export function createSchannelModule(): SecurityPackageModule {
  let state: SchannelPackageState | null = null;
  const st = (): SchannelPackageState => {
    if (!state) throw new Error('schannel: SpInitialize was not called');
    return state;
  };

  const getInfo =
    (name: string, comment: string) =>
    (info: SecPkgInfo): number => {
      info.fCapabilities = SCHANNEL_CAPABILITIES;
      info.wVersion = 1;
      info.wRPCID = UNISP_RPC_ID;
      info.cbMaxToken = SCHANNEL_CB_MAX_TOKEN;
      info.Name = name;
      info.Comment = comment;
      return SEC_E_OK;
    };

  const acquire: SECPKG_FUNCTION_TABLE['SpAcquireCredentialsHandle'] = (_principal, use, _logon, authData, _gk, _ga, handle, expiry) => {
    const s = st();
    const r = validateSchannelCred(use, authData, protocolPolicy((k, n) => s.dev.device.registry.get(k, n), SCHANNEL_REGISTRY_KEY));
    if (r.status !== SEC_E_OK || !('credential' in r)) {
      s.dev.log(`AcquireCredentialsHandle refused: ${'reason' in r ? r.reason : ''}`);
      return r.status;
    }
    for (const why of r.credential.refusals) s.dev.log(why);
    const proc = s.support.CurrentProcess();
    const id = s.nextCred++;
    const block = proc.poolAlloc('general', CREDENTIAL_OBJECT_BYTES, `schannel.cred#${id}`);
    if (block === 0) return SEC_E_INSUFFICIENT_MEMORY;
    // Each certificate of paCred is copied into the credential (the first keeps the tag
    // `.certificate`; further ones `.certificate2`, `.certificate3` …).
    const certBlocks: number[] = [];
    const certs = r.credential.certificates;
    for (let i = 0; i < certs.length; i++) {
      const c = certs[i]!;
      const est = certContextMemoryBytes(c);
      const b = proc.poolAlloc('general', est.total, `schannel.cred#${id}.certificate${i === 0 ? '' : String(i + 1)}`);
      if (b === 0) {
        proc.poolFree(block);
        for (const x of certBlocks) proc.poolFree(x);
        return SEC_E_INSUFFICIENT_MEMORY;
      }
      proc.write(b, c.pbCertEncoded.subarray(0, Math.min(est.total, c.cbCertEncoded)));
      certBlocks.push(b);
    }
    let keyBlock = 0;
    if (r.credential.role === 'server') {
      // RFC 8446 §4.6.1 tickets are sealed under a per-credential key from the seeded stream.
      keyBlock = proc.poolAlloc('general', TICKET_KEY_BYTES, `schannel.cred#${id}.ticketKey`);
      if (keyBlock === 0) {
        proc.poolFree(block);
        for (const x of certBlocks) proc.poolFree(x);
        return SEC_E_INSUFFICIENT_MEMORY;
      }
      r.credential.ticketKey = proc.view(keyBlock, TICKET_KEY_BYTES);
      s.support.device.rng.fill(r.credential.ticketKey);
    }
    s.creds.set(id, { cred: r.credential, block, certBlocks, keyBlock });
    handle.value = id;
    // Check 19: Wine writes 0 for an outbound credential; cesim does the same for both.
    expiry.LowPart = 0;
    expiry.HighPart = 0;
    return SEC_E_OK;
  };

  const freeCred = (h: LSA_SEC_HANDLE): number => {
    const s = st();
    const e = s.creds.get(h);
    if (!e) return SEC_E_INVALID_HANDLE;
    s.creds.delete(h);
    const lsa = s.support.lsaProcess;
    lsa.poolFree(e.block);
    for (const x of e.certBlocks) lsa.poolFree(x);
    if (e.keyBlock) {
      e.cred.ticketKey?.fill(0);
      e.cred.ticketKey = null;
      lsa.poolFree(e.keyBlock);
    }
    // Sessions cached under this credential handle can never be used again.
    s.dev.cache.purge((k) => k.credential === `cred#${h}`);
    return SEC_E_OK;
  };

  const queryCred = (h: LSA_SEC_HANDLE, attr: number, buf: unknown): number => {
    const e = st().creds.get(h);
    if (!e) return SEC_E_INVALID_HANDLE;
    // Check 20: Schannel credentials have no name.
    if (attr === SECPKG_CRED_ATTR_NAMES) return SEC_E_NO_CREDENTIALS;
    // Check 21: a NULL buffer is SEC_E_INTERNAL_ERROR.
    if (buf === null || buf === undefined || typeof buf !== 'object') return SEC_E_INTERNAL_ERROR;
    if (attr === SECPKG_ATTR_SUPPORTED_PROTOCOLS) {
      // Check 22: the credential's enabled set (for its direction, as cesim will negotiate it).
      (buf as SecPkgCred_SupportedProtocols).grbitProtocol = e.cred.protocols >>> 0;
      return SEC_E_OK;
    }
    if (attr === SECPKG_ATTR_CIPHER_STRENGTHS) {
      // Check 31: both non-zero.
      (buf as SecPkgCred_CipherStrengths).dwMinimumCipherStrength = e.cred.minStrength;
      (buf as SecPkgCred_CipherStrengths).dwMaximumCipherStrength = e.cred.maxStrength;
      return SEC_E_OK;
    }
    if (attr === SECPKG_ATTR_SUPPORTED_ALGS) {
      const algs = [...new Set(e.cred.suites.map((n) => SUITE_ALGS[n] ?? 0).filter((a) => a !== 0))];
      const o = buf as { cSupportedAlgs?: number; palgSupportedAlgs?: number[] };
      o.cSupportedAlgs = algs.length;
      o.palgSupportedAlgs = algs;
      return SEC_E_OK;
    }
    return SEC_E_UNSUPPORTED_FUNCTION;
  };

  /** The ISC/ASC body: the buffer plan names the roles and writes the results back. */
  const contextCall = (
    kind: 'isc' | 'asc',
    credH: LSA_SEC_HANDLE,
    ctxH: LSA_SEC_HANDLE,
    target: string | null,
    req: number,
    input: SecBufferDesc | null,
    newH: Out<LSA_SEC_HANDLE>,
    output: SecBufferDesc | null,
    attrs: Out<number>,
    expiry: TimeStamp,
    mapped: Out<boolean>,
    data: Out<Uint8Array | null>,
  ): number => {
    const s = st();
    const support = s.support;
    support.device.cpu.charge('message');
    const extended = (req & (kind === 'isc' ? ISC_REQ_EXTENDED_ERROR : ASC_REQ_EXTENDED_ERROR)) !== 0;
    let ctx = ctxH ? s.dev.contexts.get(ctxH) : undefined;
    if (ctxH && !ctx) return SEC_E_INVALID_HANDLE;
    const plan = ContextBufferPlan.parse(support, input, output, wantsAllocation(req, kind));
    const refuse = (status: number): number => {
      attrs.value = ISC_RET_ON_FAILURE;
      return status;
    };
    // Check 35: Schannel rejects a missing output descriptor or one without a TOKEN.
    if (!plan.hasOutputToken) return refuse(SEC_E_INVALID_TOKEN);
    // Check 32: a zero-length TOKEN or ALERT output buffer without ALLOCATE_MEMORY.
    if (plan.outputSlotEmpty) return refuse(SEC_E_INSUFFICIENT_MEMORY);
    // Check 46 and a malformed SEC_APPLICATION_PROTOCOLS.
    if (plan.inputProblem) return refuse(SEC_E_INVALID_TOKEN);
    let created = false;
    if (!ctx) {
      const e = s.creds.get(credH);
      if (!e) return SEC_E_INVALID_HANDLE;
      if (e.cred.role !== (kind === 'isc' ? 'client' : 'server')) return SEC_E_NO_CREDENTIALS;
      const proc = support.GetCallInfo()?.process ?? support.CurrentProcess();
      ctx = new SchannelContext(s.dev, e.cred, { pid: proc.pid, logonId: proc.logonId, credentialKey: `cred#${credH}` });
      ctx.targetName = kind === 'isc' ? target : null;
      created = true;
      if (kind === 'asc' && (!plan.inputToken || plan.inputToken.length === 0)) {
        ctx.dispose();
        return SEC_E_INCOMPLETE_MESSAGE;
      }
    }
    const r = ctx.step(plan.inputToken, plan.applicationProtocols, {
      mutualAuth: kind === 'asc' && (req & ASC_REQ_MUTUAL_AUTH) !== 0,
      supplyCreds: kind === 'isc' && (req & ISC_REQ_USE_SUPPLIED_CREDS) !== 0,
    });
    const w = plan.write({ status: r.status, token: r.output, extra: r.extra, missing: r.missing, sendOnFailure: extended });
    // The flight is lost: the context cannot go on (reference: Schannel fails it cleanly).
    if (w.tokenLost) ctx.moveTo('failed');
    if (!SEC_SUCCESS(w.status)) {
      if (created) ctx.dispose();
      // With EXTENDED_ERROR a failure's alert record is the output token (sent to the peer by
      // the caller), and the ret flags say so.
      attrs.value = extended && w.tokenWritten ? ISC_RET_ON_FAILURE | (kind === 'isc' ? ISC_RET_EXTENDED_ERROR : ASC_RET_EXTENDED_ERROR) : ISC_RET_ON_FAILURE;
      return w.status;
    }
    attrs.value = kind === 'isc' ? iscRetFlags(req) : ascRetFlags(req);
    ctx.writeExpiry(expiry);
    if (created) s.dev.contexts.set(ctx.id, ctx);
    newH.value = ctx.id;
    if (w.status === SEC_E_OK && ctx.phase === 'established' && !ctx.userBlock) {
      mapped.value = true;
      data.value = ctx.packUserState();
    }
    return w.status;
  };

  const deleteContext = (h: LSA_SEC_HANDLE): number => {
    const s = st();
    const ctx = s.dev.contexts.get(h);
    if (!ctx) return SEC_E_INVALID_HANDLE;
    s.dev.contexts.delete(h);
    ctx.dispose();
    return SEC_E_OK;
  };

  const applyControl = (h: LSA_SEC_HANDLE, desc: SecBufferDesc): number => {
    const s = st();
    const ctx = s.dev.contexts.get(h);
    if (!ctx) return SEC_E_INVALID_HANDLE;
    // Check 71: a NULL descriptor → SEC_E_INTERNAL_ERROR.
    if (!desc) return SEC_E_INTERNAL_ERROR;
    const t = controlTokenOf(s.support, desc);
    return 'status' in t ? t.status : ctx.applyControlToken(t.token);
  };

  const queryContext = (h: LSA_SEC_HANDLE, attr: number, buf: unknown): number => {
    const s = st();
    const ctx = s.dev.contexts.get(h);
    if (!ctx) return SEC_E_INVALID_HANDLE;
    s.support.device.cpu.charge('message');
    return queryContextAttribute(s.support, ctx, attr, buf);
  };

  const lsaTable = (name: string, comment: string): SECPKG_FUNCTION_TABLE => ({
    OutputTooSmallStatus: SEC_E_INSUFFICIENT_MEMORY,
    SpInitialize: (_id, _params, fns) => {
      if (!state) state = new SchannelPackageState(fns);
      return SEC_E_OK;
    },
    SpGetInfo: getInfo(name, comment),
    SpAcquireCredentialsHandle: acquire,
    SpFreeCredentialsHandle: freeCred,
    SpQueryCredentialsAttributes: queryCred,
    SpInitLsaModeContext: (credH, ctxH, target, req, _drep, input, newH, output, attrs, expiry, mapped, data) =>
      contextCall('isc', credH, ctxH, target, req, input, newH, output, attrs, expiry, mapped, data),
    SpAcceptLsaModeContext: (credH, ctxH, input, req, _drep, newH, output, attrs, expiry, mapped, data) =>
      contextCall('asc', credH, ctxH, null, req, input, newH, output, attrs, expiry, mapped, data),
    SpDeleteContext: deleteContext,
    SpApplyControlToken: applyControl,
    SpQueryContextAttributes: queryContext,
  });

  const userTable: SECPKG_USER_FUNCTION_TABLE = {
    SpInstanceInit: () => SEC_E_OK,
    SpInitUserModeContext: (h, packed) => {
      const s = st();
      const ctx = s.dev.contexts.get(h);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      const proc = s.support.CurrentProcess();
      const addr = proc.poolAlloc('general', packed.length, `schannel.context#${ctx.id}.user`);
      if (addr === 0) return SEC_E_INSUFFICIENT_MEMORY;
      proc.write(addr, packed);
      ctx.userBlock = { process: proc, addr };
      return SEC_E_OK;
    },
    SpSealMessage: (h, _qop, desc) => {
      const s = st();
      const ctx = s.dev.contexts.get(h);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      s.support.device.cpu.charge('message');
      return ctx.encrypt(StreamSealPlan.parse(s.support, desc));
    },
    SpUnsealMessage: (h, desc) => {
      const s = st();
      const ctx = s.dev.contexts.get(h);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      s.support.device.cpu.charge('message');
      return ctx.decrypt(StreamOpenPlan.parse(s.support, desc));
    },
    SpQueryContextAttributes: queryContext,
    SpDeleteUserModeContext: (h) => {
      const s = st();
      const ctx = s.dev.contexts.get(h);
      if (!ctx) return SEC_E_INVALID_HANDLE;
      if (ctx.userBlock) {
        ctx.userBlock.process.poolFree(ctx.userBlock.addr);
        ctx.userBlock = null;
      }
      return SEC_E_OK;
    },
  };

  return {
    SpLsaModeInitialize: (_v, pkgVersion, tables, count) => {
      pkgVersion.value = 1;
      tables.value = [lsaTable(UNISP_NAME, UNISP_NAME), lsaTable(SCHANNEL_NAME, 'Schannel Security Package')];
      count.value = 2;
      return SEC_E_OK;
    },
    SpUserModeInitialize: (_v, pkgVersion, tables, count) => {
      pkgVersion.value = 1;
      tables.value = [userTable, userTable];
      count.value = 2;
      return SEC_E_OK;
    },
  };
}

const SUITE_INFO: Readonly<Record<string, { id: number; cipher: string; alg: number; bits: number; hashBits: number }>> = {
  TLS_AES_128_GCM_SHA256: { id: 0x1301, cipher: 'AES', alg: CALG_AES_128, bits: 128, hashBits: 256 },
  TLS_AES_256_GCM_SHA384: { id: 0x1302, cipher: 'AES', alg: CALG_AES_256, bits: 256, hashBits: 384 },
  TLS_CHACHA20_POLY1305_SHA256: { id: 0x1303, cipher: 'CHACHA20_POLY1305', alg: 0, bits: 256, hashBits: 256 },
};

function suiteName(ctx: SchannelContext): string {
  const c = ctx.connection;
  if (c instanceof Tls12Client || c instanceof Tls12Server) return c.tls12Suite?.name ?? '';
  return c?.cipherSuite?.name ?? '';
}

/** The TLS 1.2 view of a context for the attributes, or null for TLS 1.3 / no engine. */
function tls12Of(ctx: SchannelContext): { suite: Tls12Suite; conn: Tls12Client | Tls12Server } | null {
  const c = ctx.connection;
  if (!(c instanceof Tls12Client || c instanceof Tls12Server) || c.tls12Suite === null) return null;
  return { suite: c.tls12Suite, conn: c };
}

/** CALG_* and strength of a TLS 1.2 suite's MAC (AEAD suites: none, check 54). */
function tls12Mac(suite: Tls12Suite): { alg: number; bits: number; name: string } {
  const p = suite.protection;
  if (p.kind === 'aead') return { alg: 0, bits: 0, name: '' };
  if (p.mac === 'sha1') return { alg: CALG_SHA1, bits: 160, name: 'SHA1' };
  if (p.mac === 'sha256') return { alg: CALG_SHA_256, bits: 256, name: 'SHA256' };
  return { alg: CALG_SHA_384, bits: 384, name: 'SHA384' };
}

/** SUITE_INFO for a TLS 1.2 suite. */
function tls12Info(suite: Tls12Suite): { id: number; cipher: string; alg: number; bits: number } {
  const p = suite.protection;
  const chacha = p.kind === 'aead' && p.aead === 'chacha20poly1305';
  return { id: suite.code, cipher: chacha ? 'CHACHA20_POLY1305' : 'AES', alg: chacha ? 0 : p.keyLength === 16 ? CALG_AES_128 : CALG_AES_256, bits: p.keyLength * 8 };
}

/** The certificate key type name (`szCertificate`) and CALG of a certificate's key. */
function certKeyInfo(cert: CertContext | null): { name: string; alg: number; bits: number } {
  const k = cert?.pCertInfo.publicKey;
  if (!k) return { name: '', alg: 0, bits: 0 };
  if (k.kind === 'rsa') return { name: 'RSA', alg: CALG_RSA_SIGN, bits: k.bits };
  if (k.kind === 'ec') return { name: 'ECDSA', alg: CALG_ECDSA, bits: k.curve === 'P-256' ? 256 : k.curve === 'P-384' ? 384 : 521 };
  return { name: 'Ed25519', alg: 0, bits: 256 };
}

/** `QueryContextAttributes` for Schannel (checks 51–59). */
export function queryContextAttribute(support: SecpkgSupportFunctions, ctx: SchannelContext, attr: number, buf: unknown): number {
  if (buf === null || buf === undefined || typeof buf !== 'object') return SEC_E_INTERNAL_ERROR;
  const conn = ctx.connection;
  const established = ctx.phase === 'established' || ctx.phase === 'closed';
  switch (attr) {
    case SECPKG_ATTR_STREAM_SIZES: {
      // Check 57.
      const z = ctx.streamSizes();
      const o = buf as SecPkgContext_StreamSizes;
      o.cbHeader = z.header;
      o.cbTrailer = z.trailer;
      o.cbMaximumMessage = z.maximumMessage;
      o.cBuffers = z.buffers;
      o.cbBlockSize = z.blockSize;
      return SEC_E_OK;
    }
    case SECPKG_ATTR_CONNECTION_INFO: {
      if (!established) return SEC_E_INVALID_HANDLE;
      const o = buf as SecPkgContext_ConnectionInfo;
      const t12 = tls12Of(ctx);
      if (t12 !== null) {
        // Check 54 for TLS 1.2: the protocol bit, the bulk cipher, the MAC (0 for AEAD), the exchange.
        const info = tls12Info(t12.suite);
        const mac = tls12Mac(t12.suite);
        o.dwProtocol = ctx.role === 'client' ? SP_PROT_TLS1_2_CLIENT : SP_PROT_TLS1_2_SERVER;
        o.aiCipher = info.alg;
        o.dwCipherStrength = info.bits;
        o.aiHash = mac.alg;
        o.dwHashStrength = mac.bits;
        o.aiExch = t12.suite.keyExchange === 'rsa' ? CALG_RSA_KEYX : CALG_ECDH_EPHEM;
        o.dwExchStrength = t12.suite.keyExchange === 'rsa' ? certKeyInfo(ctx.role === 'client' ? ctx.remoteCertContext() : ctx.localCertificate()).bits : t12.conn.group === 'x25519' ? 255 : t12.conn.group === 'secp384r1' ? 384 : 256;
        return SEC_E_OK;
      }
      const info = SUITE_INFO[suiteName(ctx)];
      o.dwProtocol = ctx.role === 'client' ? SP_PROT_TLS1_3_CLIENT : SP_PROT_TLS1_3_SERVER;
      o.aiCipher = info?.alg ?? 0;
      o.dwCipherStrength = info?.bits ?? 0;
      // Check 54: an AEAD suite has no separate MAC: aiHash 0, dwHashStrength 0.
      o.aiHash = 0;
      o.dwHashStrength = 0;
      o.aiExch = CALG_ECDH_EPHEM;
      o.dwExchStrength = conn?.group ? GROUP_EXCHANGE[conn.group].bits : 0;
      return SEC_E_OK;
    }
    case SECPKG_ATTR_CIPHER_INFO: {
      const o = buf as SecPkgContext_CipherInfo;
      if (o.dwVersion !== 1) return SEC_E_UNSUPPORTED_FUNCTION;
      if (!established) return SEC_E_INVALID_HANDLE;
      const name = suiteName(ctx);
      const local = ctx.localCertificate();
      const cert = ctx.role === 'client' ? ctx.remoteCertContext() : local;
      const t12 = tls12Of(ctx);
      if (t12 !== null) {
        // Check 55 (TLS 1.2 ECDHE-RSA-AES256-GCM: dwProtocol 0x303, the suite id, "AES" 256/16, no hash, "ECDH", "RSA").
        const info = tls12Info(t12.suite);
        const mac = tls12Mac(t12.suite);
        o.dwProtocol = 0x303;
        o.dwCipherSuite = info.id;
        o.dwBaseCipherSuite = info.id;
        o.szCipherSuite = name;
        o.szCipher = info.cipher;
        o.dwCipherLen = info.bits;
        o.dwCipherBlockLen = info.cipher === 'AES' ? 16 : 1;
        o.szHash = mac.name;
        o.dwHashLen = mac.bits;
        const rsaKx = t12.suite.keyExchange === 'rsa';
        o.szExchange = rsaKx ? 'RSA' : t12.conn.group === 'x25519' ? 'ECDH_X25519' : 'ECDH';
        o.dwMinExchangeLen = rsaKx ? certKeyInfo(cert).bits : t12.conn.group === 'x25519' ? 255 : t12.conn.group === 'secp384r1' ? 384 : 256;
        o.dwMaxExchangeLen = o.dwMinExchangeLen;
        o.szCertificate = certKeyInfo(cert).name;
        o.dwKeyType = 0;
        return SEC_E_OK;
      }
      const info = SUITE_INFO[name];
      o.dwProtocol = 0x304;
      o.dwCipherSuite = info?.id ?? 0;
      o.dwBaseCipherSuite = info?.id ?? 0;
      o.szCipherSuite = name;
      o.szCipher = info?.cipher ?? '';
      o.dwCipherLen = info?.bits ?? 0;
      o.dwCipherBlockLen = info?.cipher === 'AES' ? 16 : 1;
      o.szHash = '';
      o.dwHashLen = 0;
      o.szExchange = conn?.group ? GROUP_EXCHANGE[conn.group].name : '';
      o.dwMinExchangeLen = conn?.group ? GROUP_EXCHANGE[conn.group].bits : 0;
      o.dwMaxExchangeLen = o.dwMinExchangeLen;
      o.szCertificate = certKeyInfo(cert).name;
      o.dwKeyType = 0;
      return SEC_E_OK;
    }
    case SECPKG_ATTR_KEY_INFO: {
      if (!established) return SEC_E_INVALID_HANDLE;
      const t12k = tls12Of(ctx);
      const info = t12k !== null ? tls12Info(t12k.suite) : SUITE_INFO[suiteName(ctx)];
      const peer = ctx.role === 'client' ? ctx.remoteCertContext() : ctx.localCertificate();
      const k = certKeyInfo(peer);
      const o = buf as SecPkgContext_KeyInfo;
      // Check 11: each name is a FreeContextBuffer block in the caller's token pool.
      const sig = allocWideString(support, k.name);
      if (sig === 0) return SEC_E_INSUFFICIENT_MEMORY;
      const enc = allocWideString(support, info?.cipher ?? '');
      if (enc === 0) {
        support.FreeClientBuffer(sig);
        return SEC_E_INSUFFICIENT_MEMORY;
      }
      o.sSignatureAlgorithmName = sig;
      o.sEncryptAlgorithmName = enc;
      o.KeySize = info?.bits ?? 0;
      o.SignatureAlgorithm = k.alg;
      o.EncryptAlgorithm = info?.alg ?? 0;
      return SEC_E_OK;
    }
    case SECPKG_ATTR_REMOTE_CERT_CONTEXT: {
      // Check 51: a context whose store holds the whole peer chain, leaf included. It lives in
      // the caller's memory (CryptoAPI's CERT_CONTEXT, CERT_INFO and encoded bytes for each
      // certificate of the store) until the caller's last CertFreeCertificateContext.
      const c = ctx.remoteCertContext();
      if (!c) return SEC_E_NO_CREDENTIALS;
      const caller = support.CurrentProcess();
      const bytes = (c.hCertStore?.certificates() ?? [c]).reduce((n, x) => n + certContextMemoryBytes(x).total, 0);
      const addr = caller.poolAlloc('general', bytes, 'crypt32.remoteCertContext');
      if (addr === 0) return SEC_E_INSUFFICIENT_MEMORY;
      caller.write(addr, c.pbCertEncoded.subarray(0, Math.min(bytes, c.cbCertEncoded)));
      c.onRelease(() => void caller.poolFree(addr));
      (buf as Out<CertContext | null>).value = c;
      return SEC_E_OK;
    }
    case SECPKG_ATTR_ENDPOINT_BINDINGS: {
      // Check 52: SEC_CHANNEL_BINDINGS + "tls-server-end-point:" + hash of the server certificate
      // (RFC 5929 §4.1: the certificate's signature hash, SHA-256 for MD5/SHA-1).
      if (!established) return SEC_E_INVALID_HANDLE;
      const server = ctx.role === 'client' ? ctx.remoteCertContext() : ctx.localCertificate();
      if (!server) return SEC_E_NO_CREDENTIALS;
      const hashName = server.pCertInfo.signatureAlgorithm.algorithm?.hash === 'sha384' ? 'sha384' : server.pCertInfo.signatureAlgorithm.algorithm?.hash === 'sha512' ? 'sha512' : 'sha256';
      const digest = ctx.crypto.hash(hashName, server.pbCertEncoded);
      return writeBindings(support, buf as SecPkgContext_Bindings, 'tls-server-end-point:', digest);
    }
    case SECPKG_ATTR_UNIQUE_BINDINGS: {
      // Check 53: "tls-unique:" + the first Finished's verify_data (RFC 5929 §3.1), TLS 1.2 only;
      // RFC 9266 §1: tls-unique is not defined for TLS 1.3.
      const t12u = tls12Of(ctx);
      if (t12u === null) return SEC_E_UNSUPPORTED_FUNCTION;
      if (!established) return SEC_E_INVALID_HANDLE;
      const u = t12u.conn.tlsUnique();
      if (!(u instanceof Uint8Array)) return SEC_E_INTERNAL_ERROR;
      return writeBindings(support, buf as SecPkgContext_Bindings, 'tls-unique:', u);
    }
    case SECPKG_ATTR_APPLICATION_PROTOCOL: {
      // Check 59.
      if (!established) return SEC_E_INVALID_HANDLE;
      const o = buf as SecPkgContext_ApplicationProtocol;
      const p = conn?.alpnProtocol ?? null;
      const id = p ? new TextEncoder().encode(p) : new Uint8Array(0);
      o.ProtoNegoStatus = p ? 1 : 0;
      o.ProtoNegoExt = p ? 2 : 0;
      o.ProtocolIdSize = id.length;
      o.ProtocolId = id;
      return SEC_E_OK;
    }
    case SECPKG_ATTR_SESSION_INFO: {
      // Whether the session came from the session cache (a TLS 1.3 PSK resumption, a TLS 1.2
      // abbreviated handshake by session ID or ticket); TLS 1.2 also gives its session ID.
      if (!established) return SEC_E_INVALID_HANDLE;
      const o = buf as SecPkgContext_SessionInfo;
      o.dwFlags = ctx.resumed ? SSL_SESSION_RECONNECT : 0;
      const c = ctx.connection;
      const id = c instanceof Tls12Client || c instanceof Tls12Server ? c.sessionId.subarray(0, 32) : new Uint8Array(0);
      o.cbSessionId = id.length;
      o.rgbSessionId = id;
      return SEC_E_OK;
    }
    default:
      // Check 58 and the rest: SEC_E_UNSUPPORTED_FUNCTION.
      return SEC_E_UNSUPPORTED_FUNCTION;
  }
}

/** A NUL-terminated UTF-16 string in a FreeContextBuffer block of the caller; 0 when the pool is out. */
function allocWideString(support: SecpkgSupportFunctions, text: string): number {
  const bytes = encodeWide(text);
  const addr = support.AllocateClientBuffer(bytes.length);
  if (addr !== 0) support.CopyToClientBuffer(addr, bytes);
  return addr;
}

/** Writes a `SEC_CHANNEL_BINDINGS` block (one FreeContextBuffer block in the caller's token pool). */
function writeBindings(support: SecpkgSupportFunctions, out: SecPkgContext_Bindings, prefix: string, value: Uint8Array): number {
  const app = new Uint8Array(prefix.length + value.length);
  app.set(new TextEncoder().encode(prefix));
  app.set(value, prefix.length);
  const total = 32 + app.length;
  const addr = support.AllocateClientBuffer(total);
  if (addr === 0) return SEC_E_INSUFFICIENT_MEMORY;
  const block = new Uint8Array(total);
  const dv = new DataView(block.buffer);
  // dwInitiatorAddrType … cbAcceptorLength all 0; dwApplicationDataOffset = 32.
  dv.setUint32(24, app.length, true);
  dv.setUint32(28, 32, true);
  block.set(app, 32);
  support.CopyToClientBuffer(addr, block);
  out.BindingsLength = total;
  out.Bindings = addr;
  return SEC_E_OK;
}

/**
 * Registers Schannel's package module under `schannel.dll`. Importing `cesim/schannel` does this,
 * so a device whose profile lists `schannel.dll` (every built-in profile does) has Schannel with
 * no call; calling it again is harmless.
 * @deprecated No longer needed: the import registers the module.
 */
export function registerSchannel(): void {
  registerPackageModule(SCHANNEL_DLL, createSchannelModule);
}

// schannel.dll is on the image as soon as this module is loaded into the host process.
registerSchannel();

