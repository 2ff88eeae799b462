/**
 * NTLM's one error taxonomy. Core functions throw {@link NtlmError}; the package maps each kind
 * to one SECURITY_STATUS in one place ({@link statusForNtlmError}), so no raw exception reaches
 * an SSPI caller.
 */

/** What went wrong, by who is to blame. */
export type NtlmErrorKind =
  /** A message does not parse (MS-NLMP §2.2): SEC_E_INVALID_TOKEN. */
  | 'decode'
  /** A message parses but comes at the wrong time or breaks a rule: SEC_E_INVALID_TOKEN. */
  | 'peer'
  /** The peer's offer cannot be answered at this device's configured level. */
  | 'incompatible'
  /** The response does not prove the password / unknown account: SEC_E_LOGON_DENIED. */
  | 'logon'
  /** The MIC or a signature does not match: SEC_E_MESSAGE_ALTERED. */
  | 'altered'
  /** A sequence number is not the expected one: SEC_E_OUT_OF_SEQUENCE. */
  | 'sequence'
  /** Channel bindings do not match: SEC_E_BAD_BINDINGS. */
  | 'bindings'
  /** The caller's buffers or call order are wrong. */
  | 'misuse'
  /** A pool is out of memory: SEC_E_INSUFFICIENT_MEMORY. */
  | 'oom'
  /** A bug. */
  | 'internal';

/** An NTLM failure with its kind. */
export class NtlmError extends Error {
  /** Who is to blame. */
  readonly kind: NtlmErrorKind;
  /** @param kind the kind @param message what happened, with the MS-NLMP section */
  constructor(kind: NtlmErrorKind, message: string) {
    super(message);
    this.name = 'NtlmError';
    this.kind = kind;
  }
}

/** Throws a decode error unless `cond` holds. */
export function need(cond: boolean, message: string): asserts cond {
  if (!cond) throw new NtlmError('decode', message);
}
