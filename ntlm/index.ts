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
