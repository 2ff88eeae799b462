/**
 * `spnego.dll` for cesim: the Negotiate security package (SPNEGO, RFC 4178 with MS-SPNG's rules).
 * This file is the module's only public face; importing it registers the module. The SPNEGO codec
 * and engine are exported for tests and tools; SSPI callers use the package by its name,
 * `Negotiate` (`NEGOSSP_NAME`), through Security.dll's function table.
 */
export {
  SPNEGO_OID,
  NTLMSSP_OID,
  KERBEROS_OID,
  MS_KERBEROS_OID,
  NegState,
  encodeMechTypeList,
  encodeNegotiationToken,
  decodeNegotiationToken,
  encodeInitialToken,
  decodeInitialToken,
  frameInitialContextToken,
  unframeInitialContextToken,
  type NegTokenInit,
  type NegTokenResp,
  type NegotiationToken,
} from './core/codec.js';
export { NegotiateError, type NegotiateErrorKind } from './core/errors.js';
export {
  SpnegoInitiator,
  SpnegoAcceptor,
  INITIATOR_TABLE,
  ACCEPTOR_TABLE,
  isRawNtlm,
  type InnerMechanism,
  type InnerStep,
  type SpnegoStep,
  type InitiatorState,
  type AcceptorState,
  type SpnegoEvent,
} from './core/engine.js';
export {
  NEGOSSP_NAME,
  NEGOTIATE_DLL,
  NEGOTIATE_CAPABILITIES,
  NEGOTIATE_RPC_ID,
  NEGOTIATE_CB_MAX_TOKEN,
  NEGOTIATE_COMMENT,
  NEGOTIATE_REGISTRY_KEY,
  DEFAULT_NEGOTIATE_PACKAGES,
  NEGOTIATE_MECH_OIDS,
  NEGOTIATE_CREDENTIAL_BYTES,
  NEGOTIATE_INNER_CREDENTIAL_BYTES,
  NEGOTIATE_CONTEXT_BYTES,
  NEGOTIATE_USER_CONTEXT_BYTES,
  NEGOTIATE_ERROR_STATUS,
  statusForNegotiateError,
  negotiatePackages,
  setNegotiatePackages,
  createNegotiateModule,
  registerNegotiate,
} from './package.js';
