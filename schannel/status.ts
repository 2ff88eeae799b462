/**
 * The one mapping from a TLS engine error to the `SECURITY_STATUS` Schannel returns.
 *
 * The engine's table (`tls/errors.ts`) gives each error code its kind and the alert sent to the
 * peer; this table adds the status column on the same codes. Alerts received from the peer map
 * through {@link RECEIVED_ALERT_STATUS}. `test/schannel/status.test.ts` covers every row.
 */

import {
  SEC_E_ALGORITHM_MISMATCH,
  SEC_E_CERT_EXPIRED,
  SEC_E_CERT_UNKNOWN,
  SEC_E_DECRYPT_FAILURE,
  SEC_E_ILLEGAL_MESSAGE,
  SEC_E_INSUFFICIENT_MEMORY,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INVALID_TOKEN,
  SEC_E_MESSAGE_ALTERED,
  SEC_E_NO_CREDENTIALS,
  SEC_E_UNSUPPORTED_FUNCTION,
  SEC_E_UNTRUSTED_ROOT,
  SEC_E_WRONG_PRINCIPAL,
  SEC_I_CONTEXT_EXPIRED,
} from '../sspi/index.js';
import { certFailureStatus, type CertFailure } from './cert/index.js';
import type { TlsError, TlsErrorCode } from './tls/errors.js';

/**
 * `SEC_E_APPLICATION_PROTOCOL_MISMATCH` (winerror.h 0x80090367): no ALPN protocol in common.
 * Later than CE 2.10, but it is what Schannel returns for RFC 7301's no_application_protocol.
 */
export const SEC_E_APPLICATION_PROTOCOL_MISMATCH = 0x80090367;

/** TLS error code → status (every code of the engine's table has a row). */
export const TLS_ERROR_STATUS: Readonly<Record<TlsErrorCode, number>> = {
  // Checks 38–39: bytes that are not TLS records → SEC_E_INVALID_TOKEN.
  'decode.malformed': SEC_E_INVALID_TOKEN,
  'decode.record_overflow': SEC_E_INVALID_TOKEN,
  'decode.message_too_large': SEC_E_INVALID_TOKEN,
  'peer.unexpected_message': SEC_E_ILLEGAL_MESSAGE,
  // A record that fails AEAD authentication (RFC 8446 §5.2): the data could not be decrypted.
  'peer.bad_record_mac': SEC_E_DECRYPT_FAILURE,
  'peer.illegal_parameter': SEC_E_ILLEGAL_MESSAGE,
  // Finished, binder or CertificateVerify did not verify: the peer's proof was altered.
  'peer.decrypt_error': SEC_E_MESSAGE_ALTERED,
  'peer.missing_extension': SEC_E_ILLEGAL_MESSAGE,
  'peer.unsupported_extension': SEC_E_ILLEGAL_MESSAGE,
  'incompatible.handshake_failure': SEC_E_ALGORITHM_MISMATCH,
  'incompatible.protocol_version': SEC_E_ALGORITHM_MISMATCH,
  'incompatible.no_application_protocol': SEC_E_APPLICATION_PROTOCOL_MISMATCH,
  'incompatible.inappropriate_fallback': SEC_E_ALGORITHM_MISMATCH,
  'incompatible.insufficient_security': SEC_E_ALGORITHM_MISMATCH,
  'certificate.bad': SEC_E_CERT_UNKNOWN,
  'certificate.unsupported': SEC_E_CERT_UNKNOWN,
  'certificate.revoked': SEC_E_CERT_UNKNOWN,
  'certificate.expired': SEC_E_CERT_EXPIRED,
  'certificate.unknown': SEC_E_CERT_UNKNOWN,
  'certificate.unknown_ca': SEC_E_UNTRUSTED_ROOT,
  'certificate.name_mismatch': SEC_E_WRONG_PRINCIPAL,
  'certificate.required': SEC_E_NO_CREDENTIALS,
  // Resolved through RECEIVED_ALERT_STATUS; this is the fallback for an unlisted alert.
  'alert.received': SEC_E_ILLEGAL_MESSAGE,
  'api.misuse': SEC_E_INTERNAL_ERROR,
  'api.config': SEC_E_INTERNAL_ERROR,
  'memory.exhausted': SEC_E_INSUFFICIENT_MEMORY,
  'internal.error': SEC_E_INTERNAL_ERROR,
};

/**
 * Alert received from the peer → status. Check 68: close_notify is `SEC_I_CONTEXT_EXPIRED`
 * (clean EOF), bad_record_mac `SEC_E_MESSAGE_ALTERED`, decrypt_error `SEC_E_DECRYPT_FAILURE`.
 */
export const RECEIVED_ALERT_STATUS: Readonly<Record<number, number>> = {
  0: SEC_I_CONTEXT_EXPIRED, // close_notify
  10: SEC_E_ILLEGAL_MESSAGE, // unexpected_message
  20: SEC_E_MESSAGE_ALTERED, // bad_record_mac
  22: SEC_E_ILLEGAL_MESSAGE, // record_overflow
  40: SEC_E_ALGORITHM_MISMATCH, // handshake_failure
  42: SEC_E_CERT_UNKNOWN, // bad_certificate
  43: SEC_E_CERT_UNKNOWN, // unsupported_certificate
  44: SEC_E_CERT_UNKNOWN, // certificate_revoked
  45: SEC_E_CERT_EXPIRED, // certificate_expired
  46: SEC_E_CERT_UNKNOWN, // certificate_unknown
  47: SEC_E_ILLEGAL_MESSAGE, // illegal_parameter
  48: SEC_E_UNTRUSTED_ROOT, // unknown_ca
  49: SEC_E_UNSUPPORTED_FUNCTION, // access_denied
  50: SEC_E_ILLEGAL_MESSAGE, // decode_error
  51: SEC_E_DECRYPT_FAILURE, // decrypt_error
  70: SEC_E_ALGORITHM_MISMATCH, // protocol_version
  71: SEC_E_ALGORITHM_MISMATCH, // insufficient_security
  80: SEC_E_INTERNAL_ERROR, // internal_error
  90: SEC_I_CONTEXT_EXPIRED, // user_canceled (followed by close_notify)
  109: SEC_E_ILLEGAL_MESSAGE, // missing_extension
  110: SEC_E_ILLEGAL_MESSAGE, // unsupported_extension
  112: SEC_E_WRONG_PRINCIPAL, // unrecognized_name
  116: SEC_E_NO_CREDENTIALS, // certificate_required
  120: SEC_E_APPLICATION_PROTOCOL_MISMATCH, // no_application_protocol
};

/**
 * The status for an engine error. A certificate failure that the certificate engine diagnosed
 * keeps its precise status (`SEC_E_UNTRUSTED_ROOT`, `SEC_E_CERT_EXPIRED`, …).
 */
export function statusForTlsError(error: TlsError, certFailure?: CertFailure | null): number {
  if (error.kind === 'certificate' && certFailure) return certFailureStatus(certFailure);
  if (error.code === 'alert.received' && error.receivedAlert !== undefined) {
    return RECEIVED_ALERT_STATUS[error.receivedAlert] ?? TLS_ERROR_STATUS['alert.received'];
  }
  return TLS_ERROR_STATUS[error.code];
}
