/**
 * `Schannel.lib`: the Schannel security package (TLS 1.3 through SSPI), its credentials,
 * certificates and session cache. This file is the module's only public face.
 *
 * Importing this module registers Schannel's package module under `schannel.dll`; every
 * built-in device profile lists that DLL among its security providers, so Security.dll's
 * function table serves `UNISP_NAME` on a new device with no registration call.
 */
export {
  registerSchannel,
  createSchannelModule,
  schannelRootStore,
  schannelSystemStore,
  installDeviceCertificate,
  onSchannelLog,
  onSchannelKeyLog,
  queryContextAttribute,
  SCHANNEL_DLL,
  SCHANNEL_CAPABILITIES,
  SCHANNEL_CB_MAX_TOKEN,
  CREDENTIAL_OBJECT_BYTES,
} from './package.js';
/** `SEC_APPLICATION_PROTOCOLS` bytes for an ALPN list (sspi's `encodeApplicationProtocols`), and its parser. */
export { encodeApplicationProtocols as encodeAlpnBuffer, parseApplicationProtocols as parseAlpnBuffer } from '../sspi/index.js';
export { recordSizeLimitSetting, SCHANNEL_REGISTRY_KEY, SCHANNEL_PHASE_MOVES, schannelPhaseMermaid, type SchannelPhase } from './context.js';
export {
  validateSchannelCred,
  IMPLEMENTED_PROTOCOLS,
  DEFAULT_POLICY,
  protocolPolicy,
  type ProtocolPolicy,
  CIPHER_STRENGTH,
  DEFAULT_SESSION_LIFESPAN_MS,
  type SchannelCredential,
} from './credentials.js';
export { TLS_ERROR_STATUS, RECEIVED_ALERT_STATUS, statusForTlsError, SEC_E_APPLICATION_PROTOCOL_MISMATCH } from './status.js';
export { SUITE_POLICY_KEY, ALL_SUITES, ALL_GROUPS, resolveSuiteName, resolveGroupName, cngCurveName, type ResolvedSuite } from './suite-names.js';
export { SessionCache, SESSION_CACHE_MAX_ENTRIES, SERVER_SESSION_CACHE_MAX_ENTRIES, SESSION_ENTRY_HEADER_BYTES } from './session-cache.js';
export * from './cert/index.js';
