/**
 * `Ntlmssp.dll` for cesim: the NTLM security package (MS-NLMP). This file is the module's only
 * public face. The protocol core (codecs, computations, session security) is exported for tests
 * and tools; SSPI callers use the package through Security.dll's function table.
 */
export * from './core/constants.js';
export * from './core/codec.js';
export * from './core/compute.js';
export { NtlmSession, type NtlmRole, type SealPart } from './core/session.js';
export { NtlmError, type NtlmErrorKind } from './core/errors.js';
export { createNtlmCrypto, expandDesKey, Rc4, NTLM_PRIMITIVES, type NtlmCrypto, type CostSink, type RandomSource, type Rc4Handle } from './crypto/primitives.js';
export {
  NtlmClient,
  NtlmServer,
  CLIENT_TABLE,
  SERVER_TABLE,
  clientOfferFlags,
  identityFromPassword,
  fileTimeBytes,
  type ClientConfig,
  type ServerConfig,
  type NtlmIdentity,
  type NtlmAccount,
  type NtlmLeg,
  type NtlmResponseKind,
  type Established,
  type ClientState,
  type ServerState,
} from './core/engine.js';
export {
  NTLMSP_NAME,
  NTLM_DLL,
  NTLM_CAPABILITIES,
  NTLM_CB_MAX_TOKEN,
  NTLM_RPC_ID,
  NTLM_COMMENT,
  NTLM_SIGNATURE_SIZE,
  NTLM_CREDENTIAL_BYTES,
  NTLM_CONTEXT_BYTES,
  NTLM_USER_CONTEXT_BYTES,
  RC4_STATE_BYTES,
  NTLM_ERROR_STATUS,
  statusForNtlmError,
  createNtlmModule,
  registerNtlm,
  onNtlmLeg,
  type NtlmTraceEvent,
} from './package.js';
export {
  NTLM_REGISTRY_KEY,
  NTLM_ACCOUNTS_KEY,
  DEFAULT_LM_COMPATIBILITY_CLIENT,
  DEFAULT_LM_COMPATIBILITY_SERVER,
  addNtlmAccount,
  removeNtlmAccount,
  setNtlmLevel,
  setNtlmDefaultCredentials,
  ntlmLevels,
  findNtlmAccount,
  ntlmDefaultCredentials,
  type NtlmAccountSecret,
  type StoredAccount,
} from './accounts.js';
