/**
 * SSPI structures as classes with their Win32 field names (sspi.h, schannel.h).
 *
 * A call fills the structures it is given, as the C call fills the memory it points at.
 * Pointers into device memory (`pvBuffer`, `Name` of a `SecPkgInfo` read back from a block) are
 * plain numbers, `0` for NULL; the layouts used when a structure is written to device memory
 * are those of a 32-bit device (ULONG 4 bytes, pointers 4 bytes).
 */

import { SECBUFFER_EMPTY, SECBUFFER_VERSION } from './constants.js';

/** `SecHandle`: an SSPI handle. `dwUpper` names the package, `dwLower` the object. */
export class SecHandle {
  /** The object: table id, generation and slot (see `sspi/handles.ts`). */
  dwLower: number;
  /** The package: its index in the device's package list. */
  dwUpper: number;
  /** A new handle; with no arguments it is invalid (`SecInvalidateHandle`'s value). */
  constructor(dwLower = 0xffffffff, dwUpper = 0xffffffff) {
    this.dwLower = dwLower;
    this.dwUpper = dwUpper;
  }
}

/** `CredHandle`: a credential handle (same layout as `SecHandle`). */
export const CredHandle = SecHandle;
/** `CredHandle`: a credential handle (same layout as `SecHandle`). */
export type CredHandle = SecHandle;
/** `CtxtHandle`: a context handle (same layout as `SecHandle`). */
export const CtxtHandle = SecHandle;
/** `CtxtHandle`: a context handle (same layout as `SecHandle`). */
export type CtxtHandle = SecHandle;

/** `SecInvalidateHandle(x)`: sets both words to `(ULONG_PTR)-1` (check 9). */
export function SecInvalidateHandle(x: SecHandle): void {
  x.dwLower = 0xffffffff;
  x.dwUpper = 0xffffffff;
}

/** `SecIsValidHandle(x)`: false when both words are `(ULONG_PTR)-1` (sspi.h's macro). */
export function SecIsValidHandle(x: SecHandle): boolean {
  return !(x.dwLower === 0xffffffff && x.dwUpper === 0xffffffff);
}

/** `SecBuffer`: one buffer of a descriptor; `pvBuffer` is a device address in the caller's memory. */
export class SecBuffer {
  /** Size of the buffer in bytes. */
  cbBuffer: number;
  /** `SECBUFFER_*` type, possibly ORed with attribute bits (`SECBUFFER_READONLY`, …). */
  BufferType: number;
  /** Device address of the bytes, `0` for NULL. */
  pvBuffer: number;
  /** `new SecBuffer(cbBuffer, BufferType, pvBuffer)`, the field order of the C structure. */
  constructor(cbBuffer = 0, BufferType = SECBUFFER_EMPTY, pvBuffer = 0) {
    this.cbBuffer = cbBuffer;
    this.BufferType = BufferType;
    this.pvBuffer = pvBuffer;
  }
}

/** `SecBufferDesc`: a descriptor of `cBuffers` buffers. */
export class SecBufferDesc {
  /** `SECBUFFER_VERSION` (0). */
  ulVersion: number;
  /** Number of buffers in `pBuffers` that the call looks at. */
  cBuffers: number;
  /** The buffers. */
  pBuffers: SecBuffer[];
  /** `new SecBufferDesc(buffers)`: `cBuffers` is the array's length, `ulVersion` 0. */
  constructor(pBuffers: SecBuffer[] = [], ulVersion = SECBUFFER_VERSION) {
    this.ulVersion = ulVersion;
    this.cBuffers = pBuffers.length;
    this.pBuffers = pBuffers;
  }
}

/** `TimeStamp` (`SECURITY_INTEGER`): a FILETIME split into two unsigned 32-bit words. */
export class TimeStamp {
  /** Low 32 bits of the FILETIME. */
  LowPart: number;
  /** High 32 bits of the FILETIME. */
  HighPart: number;
  /** A time stamp of the given words (0/0 by default). */
  constructor(LowPart = 0, HighPart = 0) {
    this.LowPart = LowPart;
    this.HighPart = HighPart;
  }
  /** The 64-bit FILETIME value (100 ns units since 1601-01-01). */
  toFileTime(): bigint {
    return (BigInt(this.HighPart >>> 0) << 32n) | BigInt(this.LowPart >>> 0);
  }
  /** Sets both words from a FILETIME value. */
  setFileTime(ft: bigint): void {
    const v = BigInt.asUintN(64, ft);
    this.LowPart = Number(v & 0xffffffffn);
    this.HighPart = Number(v >> 32n);
  }
  /** A new time stamp holding a FILETIME value. */
  static fromFileTime(ft: bigint): TimeStamp {
    const ts = new TimeStamp();
    ts.setFileTime(ft);
    return ts;
  }
}

/** `SecPkgInfoW`: what a package says about itself. */
export class SecPkgInfo {
  /** `SECPKG_FLAG_*` capability bits. */
  fCapabilities = 0;
  /** Package version (1 for every package the reference lists). */
  wVersion = 1;
  /** RPC authentication id (`RPC_C_AUTHN_*`, `SECPKG_ID_NONE`). */
  wRPCID = 0;
  /** Largest token the package produces. */
  cbMaxToken = 0;
  /** Package name. */
  Name = '';
  /** Package comment. */
  Comment = '';
  /** Device address of the `Name` string when read from a block (0 otherwise). */
  pName = 0;
  /** Device address of the `Comment` string when read from a block (0 otherwise). */
  pComment = 0;
  /** A package info; fields may be given as an object. */
  constructor(init?: Partial<Pick<SecPkgInfo, 'fCapabilities' | 'wVersion' | 'wRPCID' | 'cbMaxToken' | 'Name' | 'Comment'>>) {
    if (init) Object.assign(this, init);
  }
}

/** `SecPkgContext_Sizes` (`SECPKG_ATTR_SIZES`). */
export class SecPkgContext_Sizes {
  /** Largest token. */
  cbMaxToken = 0;
  /** Largest signature. */
  cbMaxSignature = 0;
  /** Block size for padding. */
  cbBlockSize = 0;
  /** Size of the security trailer for EncryptMessage. */
  cbSecurityTrailer = 0;
}

/** `SecPkgContext_StreamSizes` (`SECPKG_ATTR_STREAM_SIZES`). */
export class SecPkgContext_StreamSizes {
  /** Record header size. */
  cbHeader = 0;
  /** Largest record trailer. */
  cbTrailer = 0;
  /** Largest message. */
  cbMaximumMessage = 0;
  /** Number of buffers EncryptMessage/DecryptMessage use. */
  cBuffers = 0;
  /** Cipher block size. */
  cbBlockSize = 0;
}

/** `SecPkgContext_ConnectionInfo` (`SECPKG_ATTR_CONNECTION_INFO`). */
export class SecPkgContext_ConnectionInfo {
  /** `SP_PROT_*` bit of the negotiated protocol. */
  dwProtocol = 0;
  /** `CALG_*` of the cipher. */
  aiCipher = 0;
  /** Cipher strength in bits. */
  dwCipherStrength = 0;
  /** `CALG_*` of the hash. */
  aiHash = 0;
  /** Hash strength in bits. */
  dwHashStrength = 0;
  /** `CALG_*` of the key exchange. */
  aiExch = 0;
  /** Key exchange strength in bits. */
  dwExchStrength = 0;
}

/**
 * `SecPkgContext_KeyInfoW` (`SECPKG_ATTR_KEY_INFO`). The two names are `SEC_WCHAR *`: device
 * addresses of NUL-terminated UTF-16 strings the package allocates, which the caller releases
 * with `FreeContextBuffer` each (sspi-behaviour.md checks 11 and 96); `readWideString` reads them.
 */
export class SecPkgContext_KeyInfo {
  /** Address of the signature algorithm's name. */
  sSignatureAlgorithmName = 0;
  /** Address of the encryption algorithm's name. */
  sEncryptAlgorithmName = 0;
  /** Key size in bits. */
  KeySize = 0;
  /** Signature algorithm id. */
  SignatureAlgorithm = 0;
  /** Encryption algorithm id. */
  EncryptAlgorithm = 0;
}

/** `SecPkgContext_CipherInfo` (`SECPKG_ATTR_CIPHER_INFO`, caller sets `dwVersion` = 1). */
export class SecPkgContext_CipherInfo {
  /** `SECPKGCONTEXT_CIPHERINFO_V1`. */
  dwVersion = 1;
  /** Protocol version number (e.g. 0x303). */
  dwProtocol = 0;
  /** IANA cipher suite number. */
  dwCipherSuite = 0;
  /** Base cipher suite number. */
  dwBaseCipherSuite = 0;
  /** Cipher suite name. */
  szCipherSuite = '';
  /** Cipher name. */
  szCipher = '';
  /** Cipher key length in bits. */
  dwCipherLen = 0;
  /** Cipher block length in bytes. */
  dwCipherBlockLen = 0;
  /** Hash name. */
  szHash = '';
  /** Hash length. */
  dwHashLen = 0;
  /** Key exchange name. */
  szExchange = '';
  /** Minimum key exchange length. */
  dwMinExchangeLen = 0;
  /** Maximum key exchange length. */
  dwMaxExchangeLen = 0;
  /** Certificate key type name. */
  szCertificate = '';
  /** Key type. */
  dwKeyType = 0;
}

/** `SecPkgContext_ApplicationProtocol` (`SECPKG_ATTR_APPLICATION_PROTOCOL`). */
export class SecPkgContext_ApplicationProtocol {
  /** `SecApplicationProtocolNegotiationStatus_*`. */
  ProtoNegoStatus = 0;
  /** `SecApplicationProtocolNegotiationExt_*`. */
  ProtoNegoExt = 0;
  /** Length of `ProtocolId`. */
  ProtocolIdSize = 0;
  /** The protocol id bytes (up to `MAX_PROTOCOL_ID_SIZE`). */
  ProtocolId: Uint8Array = new Uint8Array(0);
}

/** `SecPkgContext_Bindings` (`SECPKG_ATTR_ENDPOINT_BINDINGS`, `UNIQUE_BINDINGS`). */
export class SecPkgContext_Bindings {
  /** Length of the block at `Bindings`. */
  BindingsLength = 0;
  /** Device address of a `SEC_CHANNEL_BINDINGS` block (freed with FreeContextBuffer). */
  Bindings = 0;
}

/** `SecPkgContext_NegotiationInfoW` (`SECPKG_ATTR_NEGOTIATION_INFO`). */
export class SecPkgContext_NegotiationInfo {
  /** Device address of a `SecPkgInfo` block (freed with FreeContextBuffer, check 12). */
  PackageInfo = 0;
  /** `SECPKG_NEGOTIATION_*`. */
  NegotiationState = 0;
}

/** cesim: `SECPKG_ATTR_CESIM_MECHLIST_MIC_REQUIRED`'s buffer. */
export class SecPkgContext_MechListMicRequired {
  /** 1 when the SPNEGO mechListMIC must be exchanged (MS-SPNG §3.1.5.1), else 0. */
  fRequired = 0;
}

/** cesim: `SECPKG_ATTR_CESIM_RESET_CRYPTO`'s buffer. */
export class SecPkgContext_ResetCrypto {
  /** 0: reset the sending seal state (after making a MIC); 1: the receiving one (after verifying). */
  fVerifier = 0;
}

/** `SecPkgContext_Flags` (`SECPKG_ATTR_FLAGS`). */
export class SecPkgContext_Flags {
  /** The context's `ISC_RET_*`/`ASC_RET_*` bits. */
  Flags = 0;
}

/** `SecPkgContext_SessionKey` (`SECPKG_ATTR_SESSION_KEY`). */
export class SecPkgContext_SessionKey {
  /** Key length in bytes. */
  SessionKeyLength = 0;
  /** Device address of the key bytes (freed with FreeContextBuffer). */
  SessionKey = 0;
}

/** `SecPkgContext_Lifespan` (`SECPKG_ATTR_LIFESPAN`). */
export class SecPkgContext_Lifespan {
  /** Start of validity (local time). */
  tsStart = new TimeStamp();
  /** End of validity (local time). */
  tsExpiry = new TimeStamp();
}

/** `SecPkgContext_NamesW` (`SECPKG_ATTR_NAMES`). */
export class SecPkgContext_Names {
  /** The peer's user name. */
  sUserName = '';
}

/** `SecPkgCred_SupportedProtocols` (`SECPKG_ATTR_SUPPORTED_PROTOCOLS`). */
export class SecPkgCred_SupportedProtocols {
  /** `SP_PROT_*` bits. */
  grbitProtocol = 0;
}

/** `SecPkgCred_CipherStrengths` (`SECPKG_ATTR_CIPHER_STRENGTHS`). */
export class SecPkgCred_CipherStrengths {
  /** Minimum cipher strength in bits. */
  dwMinimumCipherStrength = 0;
  /** Maximum cipher strength in bits. */
  dwMaximumCipherStrength = 0;
}

/** `SecPkgCredentials_NamesW` (`SECPKG_CRED_ATTR_NAMES`). */
export class SecPkgCredentials_Names {
  /** The credential's user name. */
  sUserName = '';
}

/** `SCHANNEL_CRED` (schannel.h), field order as in C. */
export class SCHANNEL_CRED {
  /** `SCHANNEL_CRED_VERSION` (4) or an older `SCH_CRED_V*`. */
  dwVersion = 0;
  /** Number of entries in `paCred`. */
  cCreds = 0;
  /** Certificate contexts (`PCCERT_CONTEXT*`); their type belongs to the Schannel package. */
  paCred: unknown[] | null = null;
  /** Root store (`HCERTSTORE`); opaque here. */
  hRootStore: unknown = null;
  /** Number of mappers. */
  cMappers = 0;
  /** Mappers (unused). */
  aphMappers: unknown[] | null = null;
  /** Number of entries in `palgSupportedAlgs`. */
  cSupportedAlgs = 0;
  /** `ALG_ID`s. */
  palgSupportedAlgs: number[] | null = null;
  /** `SP_PROT_*` bits. */
  grbitEnabledProtocols = 0;
  /** Minimum cipher strength in bits. */
  dwMinimumCipherStrength = 0;
  /** Maximum cipher strength in bits. */
  dwMaximumCipherStrength = 0;
  /** Session cache lifespan in milliseconds. */
  dwSessionLifespan = 0;
  /** `SCH_CRED_*` flags. */
  dwFlags = 0;
  /** Credential format. */
  dwCredFormat = 0;
  /** An SCHANNEL_CRED; fields may be given as an object. */
  constructor(init?: Partial<SCHANNEL_CRED>) {
    if (init) Object.assign(this, init);
  }
}

/** `SEC_WINNT_AUTH_IDENTITY_W`: user, domain, password for NTLM/Negotiate. */
export class SEC_WINNT_AUTH_IDENTITY {
  /** User name, or null. */
  User: string | null = null;
  /** Length of `User` in characters. */
  UserLength = 0;
  /** Domain, or null. */
  Domain: string | null = null;
  /** Length of `Domain` in characters. */
  DomainLength = 0;
  /** Password, or null. */
  Password: string | null = null;
  /** Length of `Password` in characters. */
  PasswordLength = 0;
  /** `SEC_WINNT_AUTH_IDENTITY_ANSI` or `_UNICODE`. */
  Flags = 0;
  /** An identity; fields may be given as an object. */
  constructor(init?: Partial<SEC_WINNT_AUTH_IDENTITY>) {
    if (init) Object.assign(this, init);
  }
}

/** `SCHANNEL_ALERT_TOKEN`: the 12-byte ApplyControlToken buffer for `SCHANNEL_ALERT`. */
export class SCHANNEL_ALERT_TOKEN {
  /** `SCHANNEL_ALERT` (2). */
  dwTokenType = 2;
  /** `TLS1_ALERT_WARNING` or `TLS1_ALERT_FATAL`. */
  dwAlertType = 0;
  /** `TLS1_ALERT_*` number. */
  dwAlertNumber = 0;
  /** Size of the structure in device memory. */
  static readonly SIZE = 12;
  /** An alert token; fields may be given as an object. */
  constructor(init?: Partial<Pick<SCHANNEL_ALERT_TOKEN, 'dwAlertType' | 'dwAlertNumber'>>) {
    if (init) Object.assign(this, init);
  }
  /** The 12 little-endian bytes a caller puts in the TOKEN buffer. */
  toBytes(): Uint8Array {
    const b = new Uint8Array(SCHANNEL_ALERT_TOKEN.SIZE);
    const v = new DataView(b.buffer);
    v.setUint32(0, this.dwTokenType >>> 0, true);
    v.setUint32(4, this.dwAlertType >>> 0, true);
    v.setUint32(8, this.dwAlertNumber >>> 0, true);
    return b;
  }
}

/** Size in bytes of a `SecPkgInfoW` in device memory (32-bit layout; see `sspi/pkginfo.ts`). */
export const SIZEOF_SECPKGINFO = 20;
/** Size in bytes of a `SEC_CHANNEL_BINDINGS` header (8 ULONGs). */
export const SIZEOF_SEC_CHANNEL_BINDINGS = 32;

/** `SSL_SESSION_RECONNECT` (schannel.h): the session was resumed from the session cache. */
export const SSL_SESSION_RECONNECT = 1;

/** `SecPkgContext_SessionInfo` (`SECPKG_ATTR_SESSION_INFO`, schannel.h). */
export class SecPkgContext_SessionInfo {
  /** `SSL_SESSION_RECONNECT` when the session was resumed. */
  dwFlags = 0;
  /** Length of `rgbSessionId` in bytes (at most 32). */
  cbSessionId = 0;
  /** The session identifier (for TLS 1.3: the first 32 bytes of the PSK identity, or empty). */
  rgbSessionId: Uint8Array = new Uint8Array(0);
}
