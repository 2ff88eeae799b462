/**
 * The TLS engine's one error taxonomy and its one mapping to TLS alerts.
 *
 * Every failure the engine reports is a {@link TlsError} whose `code` is a stable string keyed
 * into {@link TLS_ERROR_TABLE}. The table gives the error's kind and the alert the engine sends
 * (or `null`: nothing is sent). The Schannel layer adds its `SECURITY_STATUS` column keyed on the
 * same codes. No raw exception leaves the engine's public methods: they are wrapped with
 * {@link toTlsError}.
 */
import { AlertDescription } from './codec/alert.js';

/** The kinds of failure (STYLE.md §5). */
export type TlsErrorKind =
  | 'decode'
  | 'peer-misbehaved'
  | 'peer-incompatible'
  | 'certificate'
  | 'alert-received'
  | 'api-misuse'
  | 'out-of-memory'
  | 'internal';

/** Sub-kinds of certificate errors (what the certificate engine decided). */
export type CertificateErrorKind =
  | 'bad'
  | 'unsupported'
  | 'revoked'
  | 'expired'
  | 'unknown'
  | 'unknown-ca'
  | 'name-mismatch'
  | 'required';

/** One row of the mapping. */
export interface TlsErrorRow {
  readonly kind: TlsErrorKind;
  /** The alert sent to the peer, or null when none is sent. */
  readonly alert: AlertDescription | null;
  /** For kind `certificate`: the sub-kind. */
  readonly certificate?: CertificateErrorKind;
  /** One line on when it happens. */
  readonly doc: string;
}

/**
 * The one table: every error code, its kind and its alert (RFC 8446 §6.2 for the alert choices).
 * Codes are stable: the Schannel layer keys its SECURITY_STATUS mapping on them.
 */
export const TLS_ERROR_TABLE = {
  'decode.malformed': { kind: 'decode', alert: AlertDescription.decode_error, doc: 'a message or record does not parse, or has trailing bytes' },
  'decode.record_overflow': { kind: 'decode', alert: AlertDescription.record_overflow, doc: 'a record longer than the protocol or record_size_limit allows' },
  'decode.message_too_large': { kind: 'decode', alert: AlertDescription.decode_error, doc: 'a handshake message larger than the engine will buffer' },
  'peer.unexpected_message': { kind: 'peer-misbehaved', alert: AlertDescription.unexpected_message, doc: 'a message or record type not allowed in the current state' },
  'peer.bad_record_mac': { kind: 'peer-misbehaved', alert: AlertDescription.bad_record_mac, doc: 'a protected record fails AEAD authentication' },
  'peer.illegal_parameter': { kind: 'peer-misbehaved', alert: AlertDescription.illegal_parameter, doc: 'a field is syntactically valid but not allowed' },
  'peer.decrypt_error': { kind: 'peer-misbehaved', alert: AlertDescription.decrypt_error, doc: 'Finished, binder or CertificateVerify does not verify' },
  'peer.missing_extension': { kind: 'peer-misbehaved', alert: AlertDescription.missing_extension, doc: 'a mandatory extension is absent' },
  'peer.unsupported_extension': { kind: 'peer-misbehaved', alert: AlertDescription.unsupported_extension, doc: 'an extension the peer may not send here' },
  'incompatible.handshake_failure': { kind: 'peer-incompatible', alert: AlertDescription.handshake_failure, doc: 'no common cipher suite, group or signature scheme' },
  'incompatible.protocol_version': { kind: 'peer-incompatible', alert: AlertDescription.protocol_version, doc: 'the peer does not do TLS 1.3' },
  'incompatible.no_application_protocol': { kind: 'peer-incompatible', alert: AlertDescription.no_application_protocol, doc: 'no ALPN protocol in common' },
  'incompatible.inappropriate_fallback': { kind: 'peer-incompatible', alert: AlertDescription.inappropriate_fallback, doc: 'TLS_FALLBACK_SCSV from a client below the highest version the server supports (RFC 7507)' },
  'incompatible.insufficient_security': { kind: 'peer-incompatible', alert: AlertDescription.insufficient_security, doc: 'the peer offers only parameters weaker than required' },
  'certificate.bad': { kind: 'certificate', certificate: 'bad', alert: AlertDescription.bad_certificate, doc: 'the certificate is corrupt or its signature fails' },
  'certificate.unsupported': { kind: 'certificate', certificate: 'unsupported', alert: AlertDescription.unsupported_certificate, doc: 'the certificate has an unsupported type or key' },
  'certificate.revoked': { kind: 'certificate', certificate: 'revoked', alert: AlertDescription.certificate_revoked, doc: 'the certificate was revoked' },
  'certificate.expired': { kind: 'certificate', certificate: 'expired', alert: AlertDescription.certificate_expired, doc: 'the certificate is expired or not yet valid' },
  'certificate.unknown': { kind: 'certificate', certificate: 'unknown', alert: AlertDescription.certificate_unknown, doc: 'another certificate problem' },
  'certificate.unknown_ca': { kind: 'certificate', certificate: 'unknown-ca', alert: AlertDescription.unknown_ca, doc: 'the chain does not lead to a trusted root' },
  'certificate.name_mismatch': { kind: 'certificate', certificate: 'name-mismatch', alert: AlertDescription.bad_certificate, doc: 'the certificate does not name the server' },
  'certificate.required': { kind: 'certificate', certificate: 'required', alert: AlertDescription.certificate_required, doc: 'the server requires a client certificate and got none' },
  'alert.received': { kind: 'alert-received', alert: null, doc: 'the peer sent a fatal alert (or a warning other than close_notify/user_canceled)' },
  'api.misuse': { kind: 'api-misuse', alert: null, doc: 'the caller used the engine in a way its state does not allow' },
  'api.config': { kind: 'api-misuse', alert: null, doc: 'the configuration is invalid' },
  'memory.exhausted': { kind: 'out-of-memory', alert: AlertDescription.internal_error, doc: 'a device pool allocation failed' },
  'internal.error': { kind: 'internal', alert: AlertDescription.internal_error, doc: 'a bug or an unexpected exception inside the engine' },
} as const satisfies Record<string, TlsErrorRow>;

/** A stable error code (a key of {@link TLS_ERROR_TABLE}). */
export type TlsErrorCode = keyof typeof TLS_ERROR_TABLE;

/** The error value every engine method returns (never throws past the public API). */
export class TlsError extends Error {
  /** The stable code. */
  readonly code: TlsErrorCode;
  /** The kind, from the table. */
  readonly kind: TlsErrorKind;
  /** The alert sent to the peer for this error, or null. */
  readonly alert: AlertDescription | null;
  /** For `alert.received`: the alert description the peer sent. */
  readonly receivedAlert?: AlertDescription;

  /**
   * @param code the table row
   * @param detail human-readable detail (not stable)
   * @param receivedAlert for `alert.received`, the peer's alert
   */
  constructor(code: TlsErrorCode, detail: string, receivedAlert?: AlertDescription) {
    super(`${code}: ${detail}`);
    this.name = 'TlsError';
    this.code = code;
    const row: TlsErrorRow = TLS_ERROR_TABLE[code];
    this.kind = row.kind;
    this.alert = row.alert;
    if (receivedAlert !== undefined) this.receivedAlert = receivedAlert;
  }

  /** For certificate errors: the sub-kind. */
  get certificateKind(): CertificateErrorKind | undefined {
    const row: TlsErrorRow = TLS_ERROR_TABLE[this.code];
    return row.certificate;
  }
}

/** Maps an error to the alert to send (the one mapping; null = send nothing). */
export function alertFor(error: TlsError): AlertDescription | null {
  const row: TlsErrorRow = TLS_ERROR_TABLE[error.code];
  return row.alert;
}

/** Builds a certificate error of the given sub-kind (for `verifyPeerCertificate` callbacks). */
export function certificateError(kind: CertificateErrorKind, detail: string): TlsError {
  const code: Record<CertificateErrorKind, TlsErrorCode> = {
    bad: 'certificate.bad',
    unsupported: 'certificate.unsupported',
    revoked: 'certificate.revoked',
    expired: 'certificate.expired',
    unknown: 'certificate.unknown',
    'unknown-ca': 'certificate.unknown_ca',
    'name-mismatch': 'certificate.name_mismatch',
    required: 'certificate.required',
  };
  return new TlsError(code[kind], detail);
}

/** Shorthand for a decode error (used by the codecs). */
export function decodeError(detail: string): TlsError {
  return new TlsError('decode.malformed', detail);
}

/** Wraps anything thrown inside the engine into a TlsError (`internal.error` if foreign). */
export function toTlsError(e: unknown): TlsError {
  if (e instanceof TlsError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new TlsError('internal.error', msg);
}
