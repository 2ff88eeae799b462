/**
 * Negotiate's one error taxonomy. The codec and the engine throw {@link NegotiateError}; the
 * package maps each kind to one SECURITY_STATUS in one place (`NEGOTIATE_ERROR_STATUS`), so no
 * raw exception reaches an SSPI caller. A failure of the inner package keeps that package's own
 * status (`inner`), so SEC_E_LOGON_DENIED from NTLM reaches the caller as it is.
 */

/** What went wrong, by who is to blame. */
export type NegotiateErrorKind =
  /** A token does not parse as DER SPNEGO (RFC 4178 §4.2): SEC_E_INVALID_TOKEN. */
  | 'decode'
  /** A token parses but breaks a rule or comes at the wrong time: SEC_E_INVALID_TOKEN. */
  | 'peer'
  /** No mechanism in common: SEC_E_INVALID_TOKEN. */
  | 'nomech'
  /** The peer answered negState reject (RFC 4178 §4.2.2): SEC_E_LOGON_DENIED. */
  | 'rejected'
  /** The mechListMIC is missing where RFC 4178 §5 requires it: SEC_E_MESSAGE_ALTERED. */
  | 'mic'
  /** The inner package failed: its own status ({@link NegotiateError.status}). */
  | 'inner'
  /** A pool is out of memory: SEC_E_INSUFFICIENT_MEMORY. */
  | 'oom'
  /** A bug. */
  | 'internal';

/** A Negotiate failure with its kind (and, for `inner`, the inner package's status). */
export class NegotiateError extends Error {
  /** Who is to blame. */
  readonly kind: NegotiateErrorKind;
  /** The inner package's SECURITY_STATUS when `kind` is `inner`. */
  readonly status: number;
  /**
   * @param kind the kind
   * @param message what happened, with the RFC 4178 / MS-SPNG section
   * @param status the inner package's status (kind `inner`)
   */
  constructor(kind: NegotiateErrorKind, message: string, status = 0) {
    super(message);
    this.name = 'NegotiateError';
    this.kind = kind;
    this.status = status >>> 0;
  }
}
