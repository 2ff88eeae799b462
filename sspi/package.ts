/**
 * The security-package interface (SSP/AP), after the Windows SDK's `ntsecpkg.h` and
 * `../shared/reference/windows-docs/User-Mode-Initialization.txt`.
 *
 * A package is a module (the CE analogue of an SSP/AP DLL such as `schannel.dll`) with:
 * - `SpLsaModeInitialize`, returning one LSA-mode table (`SECPKG_FUNCTION_TABLE`) per package
 *   the module provides. LSA-mode functions run in the device's LSA process (`lsass.exe`) and
 *   are charged there.
 * - `SpUserModeInitialize`, returning the user-mode tables (`SECPKG_USER_FUNCTION_TABLE`, same
 *   order). The dispatcher calls it once in each process that gets a mapped context, then each
 *   table's `SpInstanceInit`. When `SpInitLsaModeContext`/`SpAcceptLsaModeContext` succeed with
 *   `MappedContext.value === true` and `ContextData.value` set, the dispatcher calls
 *   `SpInitUserModeContext` in the caller's process; from then on the per-message calls
 *   (`MakeSignature`, `VerifySignature`, `EncryptMessage`, `DecryptMessage`,
 *   `QueryContextAttributes`, `CompleteAuthToken`) run there, against the caller's memory.
 *
 * The signatures are those of ntsecpkg.h with handles as numbers (`LSA_SEC_HANDLE`), out
 * parameters as `{ value }` objects, and `PSecBufferDesc` as `SecBufferDesc`. A missing member
 * is a NULL slot: the dispatcher answers `SEC_E_UNSUPPORTED_FUNCTION` for it, in one place.
 *
 * A package reaches the caller's memory and the device's pools only through the
 * `SecpkgSupportFunctions` it is handed (the LSA function table of ntsecpkg.h, with cesim's
 * additions), which is how the `ISC_REQ_ALLOCATE_MEMORY` rule is enforced: see
 * `WriteOutputToken`.
 */

import type { Device, Process } from '../device/index.js';
import type { SecBuffer, SecBufferDesc, SecPkgInfo, TimeStamp } from './structures.js';

/** A package-side handle (`LSA_SEC_HANDLE`): any number the package chooses, never 0. */
export type LSA_SEC_HANDLE = number;

/** A scalar out parameter: the callee writes `value`. */
export interface Out<T> {
  value: T;
}

/** `SECPKG_CALL_INFO`: what `GetCallInfo` says about the call being served. */
export interface SecpkgCallInfo {
  /** Pid of the calling process. */
  readonly ProcessId: number;
  /** Thread id (cesim has one thread per process: the pid). */
  readonly ThreadId: number;
  /** `SECPKG_CALL_*` bits; cesim never sets `SECPKG_CALL_IS_INTERACTIVE` (no UI on the device). */
  readonly Attributes: number;
  /** Number of SSPI calls the dispatcher has served on this device so far. */
  readonly CallCount: number;
  /** cesim: the calling process. */
  readonly process: Process;
  /** cesim: the SSPI call being served, e.g. `InitializeSecurityContextW`. */
  readonly call: string;
  /** cesim: true while an LSA-mode function runs (in `lsass.exe`), false in user mode. */
  readonly lsaMode: boolean;
}

/** `SECPKG_CALL_IS_INTERACTIVE` (not set by cesim: CE devices here run without a logon UI). */
export const SECPKG_CALL_IS_INTERACTIVE = 0x00000040;

/**
 * The support functions a package gets from the dispatcher (`SpInitialize`'s `FunctionTable`
 * and `SpInstanceInit`'s `FunctionTable`): ntsecpkg.h's `LSA_SECPKG_FUNCTION_TABLE` /
 * `SECPKG_DLL_FUNCTIONS` members that cesim models, plus buffer helpers.
 *
 * Every function acts for the call being served: the caller's memory is that of the process
 * that called SSPI; `AllocateHeap` draws in the process that runs the current function (the
 * LSA process for LSA-mode functions, the caller for user-mode ones) and the block is owned by
 * the context or credential the call is about, so that deleting it reports what is still held.
 * Outside a call they throw; the dispatcher's guard turns that into a status.
 */
export interface SecpkgSupportFunctions {
  /** The device. */
  readonly device: Device;
  /** The LSA process (`lsass.exe`). */
  readonly lsaProcess: Process;
  /** `GetCallInfo`: the call being served, or null outside a call. */
  GetCallInfo(): SecpkgCallInfo | null;
  /** A copy of the `cbBuffer` bytes at a caller buffer's `pvBuffer` (empty when `cbBuffer` is 0). */
  ReadBuffer(buffer: SecBuffer): Uint8Array;
  /** Writes bytes into a caller buffer at `offset`; throws (→ a status) when they do not fit. */
  WriteBuffer(buffer: SecBuffer, data: Uint8Array, offset?: number): void;
  /** `CopyFromClientBuffer`: reads `length` bytes of the caller's memory. */
  CopyFromClientBuffer(address: number, length: number): Uint8Array;
  /** `CopyToClientBuffer`: writes bytes into the caller's memory. */
  CopyToClientBuffer(address: number, data: Uint8Array): void;
  /**
   * Puts an output token into `OutputBuffers.pBuffers[index]` (a TOKEN or ALERT buffer) under the
   * ALLOCATE_MEMORY rule: with `ISC_REQ_ALLOCATE_MEMORY`/`ASC_REQ_ALLOCATE_MEMORY` a block of
   * exactly `data.length` bytes comes from the caller's `token` pool (`SEC_E_INSUFFICIENT_MEMORY`
   * when it cannot), replacing `pvBuffer`; otherwise the bytes go into the caller's buffer in
   * place, and a buffer that is too small gives the package's `OutputTooSmallStatus`. Sets
   * `cbBuffer`. Returns `SEC_E_OK` or the failure. A package cannot write an output token any
   * other way under ALLOCATE_MEMORY: the descriptor it sees then has `pvBuffer` 0 in those buffers.
   */
  WriteOutputToken(OutputBuffers: SecBufferDesc, index: number, data: Uint8Array): number;
  /**
   * `AllocateClientBuffer`: a block of the caller's `token` pool that the caller releases with
   * `FreeContextBuffer` (attribute strings, session keys, bindings); 0 when the pool is out.
   */
  AllocateClientBuffer(size: number): number;
  /**
   * `FreeClientBuffer`: releases a block from `AllocateClientBuffer` that the package will not
   * hand out after all (a later step of the same call failed); false for any other address.
   */
  FreeClientBuffer(address: number): boolean;
  /**
   * `AllocateLsaHeap`/`AllocateHeap`: a block of `size` bytes from `pool` (`general` by default)
   * in the process that runs the current function, tagged `<package>.<tag>` and owned by the
   * current context/credential; 0 when the pool is out.
   */
  AllocateHeap(size: number, tag: string, pool?: string): number;
  /** `FreeLsaHeap`/`FreeHeap`: releases a block from `AllocateHeap`; false on a bad address. */
  FreeHeap(address: number): boolean;
  /** The process that runs the current function (LSA process or caller). */
  CurrentProcess(): Process;
}

/** `SECPKG_PARAMETERS` handed to `SpInitialize`. */
export interface SECPKG_PARAMETERS {
  /** `SECPKG_STATE_*` bits (0 on a standalone CE device). */
  readonly MachineState: number;
  /** `SetupMode` (0). */
  readonly SetupMode: number;
  /** The device's name (CE: the device name in `HKLM\Ident`). */
  readonly DomainName: string;
}

/** The LSA-mode function table of one package (`SECPKG_FUNCTION_TABLE`). Missing = NULL slot. */
export interface SECPKG_FUNCTION_TABLE {
  /**
   * cesim: the status an output TOKEN/ALERT buffer that is too small gives without
   * ALLOCATE_MEMORY (`SEC_E_INSUFFICIENT_MEMORY` for Schannel, check 32; `SEC_E_BUFFER_TOO_SMALL`
   * for NTLM, check 86). Default `SEC_E_BUFFER_TOO_SMALL`.
   */
  readonly OutputTooSmallStatus?: number;
  /** Called once when the package is loaded on a device. */
  SpInitialize?(PackageId: number, Parameters: SECPKG_PARAMETERS, FunctionTable: SecpkgSupportFunctions): number;
  /** Called when the device's SSPI state is shut down. */
  SpShutdown?(): number;
  /** Fills the package's `SecPkgInfo` (required). */
  SpGetInfo(PackageInfo: SecPkgInfo): number;
  /** `AcquireCredentialsHandle`. */
  SpAcquireCredentialsHandle?(
    PrincipalName: string | null,
    CredentialUseFlags: number,
    LogonId: number | null,
    AuthorizationData: unknown,
    GetKeyFunction: unknown,
    GetKeyArgument: unknown,
    CredentialHandle: Out<LSA_SEC_HANDLE>,
    ExpirationTime: TimeStamp,
  ): number;
  /** `FreeCredentialsHandle`. */
  SpFreeCredentialsHandle?(CredentialHandle: LSA_SEC_HANDLE): number;
  /** `QueryCredentialsAttributes`: fills `Buffer` (a structure of the attribute's class). */
  SpQueryCredentialsAttributes?(CredentialHandle: LSA_SEC_HANDLE, CredentialAttribute: number, Buffer: unknown): number;
  /** `AddCredentials`. */
  SpAddCredentials?(
    CredentialHandle: LSA_SEC_HANDLE,
    PrincipalName: string | null,
    Package: string,
    CredentialUseFlags: number,
    AuthorizationData: unknown,
    GetKeyFunction: unknown,
    GetKeyArgument: unknown,
    ExpirationTime: TimeStamp,
  ): number;
  /** `InitializeSecurityContext`. `ContextHandle` is 0 on the first call. */
  SpInitLsaModeContext?(
    CredentialHandle: LSA_SEC_HANDLE,
    ContextHandle: LSA_SEC_HANDLE,
    TargetName: string | null,
    ContextRequirements: number,
    TargetDataRep: number,
    InputBuffers: SecBufferDesc | null,
    NewContextHandle: Out<LSA_SEC_HANDLE>,
    OutputBuffers: SecBufferDesc | null,
    ContextAttributes: Out<number>,
    ExpirationTime: TimeStamp,
    MappedContext: Out<boolean>,
    ContextData: Out<Uint8Array | null>,
  ): number;
  /** `AcceptSecurityContext`. `ContextHandle` is 0 on the first call. */
  SpAcceptLsaModeContext?(
    CredentialHandle: LSA_SEC_HANDLE,
    ContextHandle: LSA_SEC_HANDLE,
    InputBuffer: SecBufferDesc | null,
    ContextRequirements: number,
    TargetDataRep: number,
    NewContextHandle: Out<LSA_SEC_HANDLE>,
    OutputBuffer: SecBufferDesc | null,
    ContextAttributes: Out<number>,
    ExpirationTime: TimeStamp,
    MappedContext: Out<boolean>,
    ContextData: Out<Uint8Array | null>,
  ): number;
  /** `DeleteSecurityContext` (LSA half). */
  SpDeleteContext?(ContextHandle: LSA_SEC_HANDLE): number;
  /** `ApplyControlToken`. */
  SpApplyControlToken?(ContextHandle: LSA_SEC_HANDLE, ControlToken: SecBufferDesc): number;
  /** `QueryContextAttributes` for a context that is not mapped into the caller. */
  SpQueryContextAttributes?(ContextHandle: LSA_SEC_HANDLE, ContextAttribute: number, Buffer: unknown): number;
  /** `SetContextAttributes`. */
  SpSetContextAttributes?(ContextHandle: LSA_SEC_HANDLE, ContextAttribute: number, Buffer: unknown, BufferSize: number): number;
  /** `ImpersonateSecurityContext` (cesim has no tokens; a package may model it). */
  SpImpersonateSecurityContext?(ContextHandle: LSA_SEC_HANDLE): number;
  /** `RevertSecurityContext`. */
  SpRevertSecurityContext?(ContextHandle: LSA_SEC_HANDLE): number;
}

/** The user-mode function table of one package (`SECPKG_USER_FUNCTION_TABLE`). Missing = NULL slot. */
export interface SECPKG_USER_FUNCTION_TABLE {
  /** Called once per process, before any other user-mode function there. */
  SpInstanceInit?(Version: number, FunctionTable: SecpkgSupportFunctions, UserFunctions: Out<unknown>): number;
  /** Maps an LSA context into this process from the package's `ContextData`. */
  SpInitUserModeContext?(ContextHandle: LSA_SEC_HANDLE, PackedContext: Uint8Array): number;
  /** `MakeSignature`. */
  SpMakeSignature?(ContextHandle: LSA_SEC_HANDLE, QualityOfProtection: number, MessageBuffers: SecBufferDesc, MessageSequenceNumber: number): number;
  /** `VerifySignature`. `QualityOfProtection` may be null. */
  SpVerifySignature?(ContextHandle: LSA_SEC_HANDLE, MessageBuffers: SecBufferDesc, MessageSequenceNumber: number, QualityOfProtection: Out<number> | null): number;
  /** `EncryptMessage`. */
  SpSealMessage?(ContextHandle: LSA_SEC_HANDLE, QualityOfProtection: number, MessageBuffers: SecBufferDesc, MessageSequenceNumber: number): number;
  /** `DecryptMessage`. `QualityOfProtection` may be null. */
  SpUnsealMessage?(ContextHandle: LSA_SEC_HANDLE, MessageBuffers: SecBufferDesc, MessageSequenceNumber: number, QualityOfProtection: Out<number> | null): number;
  /** `QuerySecurityContextToken`. */
  SpGetContextToken?(ContextHandle: LSA_SEC_HANDLE, ImpersonationToken: Out<number>): number;
  /** `QueryContextAttributes` for a mapped context: fills `Buffer`. */
  SpQueryContextAttributes?(ContextHandle: LSA_SEC_HANDLE, ContextAttribute: number, Buffer: unknown): number;
  /** `CompleteAuthToken`. */
  SpCompleteAuthToken?(ContextHandle: LSA_SEC_HANDLE, InputBuffer: SecBufferDesc): number;
  /** `DeleteSecurityContext` (user half), called before the LSA half. */
  SpDeleteUserModeContext?(ContextHandle: LSA_SEC_HANDLE): number;
  /** `SpFormatCredentials`. */
  SpFormatCredentials?(Credentials: SecBuffer, FormattedCredentials: SecBuffer): number;
  /** `ExportSecurityContext`. */
  SpExportSecurityContext?(phContext: LSA_SEC_HANDLE, fFlags: number, pPackedContext: SecBuffer, pToken: Out<number>): number;
  /** `ImportSecurityContext`. */
  SpImportSecurityContext?(pPackedContext: SecBuffer, Token: number, phContext: Out<LSA_SEC_HANDLE>): number;
  /** `SetContextAttributes` for a mapped context. */
  SpSetContextAttributes?(ContextHandle: LSA_SEC_HANDLE, ContextAttribute: number, Buffer: unknown, BufferSize: number): number;
}

/** `SECPKG_INTERFACE_VERSION` handed to `SpLsaModeInitialize`/`SpUserModeInitialize`. */
export const SECPKG_INTERFACE_VERSION = 0x00010000;

/** A security-package module (an SSP/AP DLL). */
export interface SecurityPackageModule {
  /** Returns the LSA-mode tables of the packages this module provides. */
  SpLsaModeInitialize(
    LsaVersion: number,
    PackageVersion: Out<number>,
    ppTables: Out<SECPKG_FUNCTION_TABLE[]>,
    pcTables: Out<number>,
  ): number;
  /**
   * `SpUserModeInitialize` (the docs' `SpUsermodeInitialize`): the user-mode tables, in the same
   * order as the LSA-mode ones. Called once per process; absent = no package of this module
   * can map a context.
   */
  SpUserModeInitialize?(
    LsaVersion: number,
    PackageVersion: Out<number>,
    ppTables: Out<SECPKG_USER_FUNCTION_TABLE[]>,
    pcTables: Out<number>,
  ): number;
}

/** Makes a fresh module instance; called once per device that loads the module. */
export type SecurityPackageModuleFactory = () => SecurityPackageModule;
