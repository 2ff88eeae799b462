/**
 * `Security.dll` for cesim: SSPI constants and structures with their Win32 names and values,
 * the dispatcher (`InitSecurityInterface(process)`), the security-package (SSP/AP) interface
 * and its registry, the async API, and the helpers a package (Schannel) needs. This file is the
 * module's only public face.
 */
export * from './constants.js';
export * from './schannel-constants.js';
export * from './structures.js';
export { statusName, statusText, SEC_SUCCESS, toStatus, hex32, type SECURITY_STATUS } from './status.js';
export {
  InitSecurityInterface,
  SspiProcessDetach,
  SECURITY_FUNCTION_NAMES,
  type SecurityFunctionTableW,
} from './dispatcher.js';
export {
  SECPKG_INTERFACE_VERSION,
  SECPKG_CALL_IS_INTERACTIVE,
  type LSA_SEC_HANDLE,
  type Out,
  type SecpkgCallInfo,
  type SecpkgSupportFunctions,
  type SECPKG_PARAMETERS,
  type SECPKG_FUNCTION_TABLE,
  type SECPKG_USER_FUNCTION_TABLE,
  type SecurityPackageModule,
  type SecurityPackageModuleFactory,
} from './package.js';
export {
  registerPackageModule,
  unregisterPackageModule,
  registeredPackageModules,
  AddSecurityPackage,
  getSspiReports,
  onSspiReport,
  sspiState,
  SECURITY_PROVIDERS_KEY,
  LSA_PROCESS_NAME,
  TOKEN_POOL,
  HANDLE_ENTRY_BYTES,
  TOKEN_TAG,
  CONTEXT_BUFFER_TAG,
  PKGINFO_TAG,
  type RegisterModuleOptions,
  type SspiLeakReport,
  type SspiState,
} from './state.js';
export {
  readBuffer,
  writeBuffer,
  bufferType,
  findBuffer,
  isOutputTokenType,
  checkDesc,
  bytesAvailableAt,
  encodeWide,
  readWideString,
  MAX_SECBUFFERS,
  type DescProblem,
  type DescCheckOptions,
} from './buffers.js';
export {
  ContextBufferPlan,
  StreamSealPlan,
  StreamOpenPlan,
  CallerDescriptors,
  controlTokenOf,
  parseApplicationProtocols,
  encodeApplicationProtocols,
  SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT_ALPN,
  type ContextCallOutcome,
  type ContextCallWritten,
  type OpenedRecord,
} from './buffer-plan.js';
export { readSecPkgInfo, encodeSecPkgInfoBlock, secPkgInfoBlockSize } from './pkginfo.js';
export { HandleTable, type HandleKind, type HandleStorage } from './handles.js';
export {
  ContextLifecycle,
  ContextState,
  ContextEvent,
  CONTEXT_TRANSITIONS,
  contextLifecycleMermaid,
  eventForStatus,
} from './lifecycle.js';
export {
  SspiCreateAsyncContext,
  SspiFreeAsyncContext,
  SspiReinitAsyncContext,
  SspiSetAsyncNotifyCallback,
  SspiAsyncContextRequiresNotify,
  SspiGetAsyncCallStatus,
  SspiAcquireCredentialsHandleAsync,
  SspiInitializeSecurityContextAsync,
  SspiAcceptSecurityContextAsync,
  SspiDeleteSecurityContextAsync,
  SspiFreeCredentialsHandleAsync,
  SspiAsyncContext,
  setAsyncScheduler,
  getAsyncScheduler,
  type AsyncScheduler,
  type SspiAsyncNotifyCallback,
} from './async.js';
export { localExpiry, neverExpires, FILETIME_TICKS_PER_SECOND } from './time.js';
/** The device types SSPI callers and packages use (re-exported from `device/`). */
export type { Device, Process } from '../device/index.js';
