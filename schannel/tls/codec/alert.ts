/**
 * Alert messages (RFC 8446 §6).
 */
import { decodeError } from '../errors.js';
import { Reader, encodeWith } from './reader.js';

/** AlertLevel (RFC 8446 §6). */
export enum AlertLevel {
  warning = 1,
  fatal = 2,
}

/** AlertDescription (RFC 8446 §6, RFC 8449 has none, RFC 7301 §3.2 no_application_protocol). */
export enum AlertDescription {
  close_notify = 0,
  unexpected_message = 10,
  bad_record_mac = 20,
  record_overflow = 22,
  handshake_failure = 40,
  bad_certificate = 42,
  unsupported_certificate = 43,
  certificate_revoked = 44,
  certificate_expired = 45,
  certificate_unknown = 46,
  illegal_parameter = 47,
  unknown_ca = 48,
  access_denied = 49,
  decode_error = 50,
  decrypt_error = 51,
  protocol_version = 70,
  insufficient_security = 71,
  internal_error = 80,
  inappropriate_fallback = 86,
  user_canceled = 90,
  /** RFC 5246 §7.2.2 (TLS 1.2 only): a renegotiation is declined; a warning. */
  no_renegotiation = 100,
  missing_extension = 109,
  unsupported_extension = 110,
  unrecognized_name = 112,
  bad_certificate_status_response = 113,
  unknown_psk_identity = 115,
  certificate_required = 116,
  no_application_protocol = 120,
}

/** An alert as on the wire. `level` and `description` keep unknown values as numbers. */
export interface Alert {
  level: number;
  description: number;
}

/** Alert codec: exactly two bytes. */
export const AlertCodec = {
  /** Decodes; anything but exactly two bytes is a decode error. */
  decode(b: Uint8Array): Alert {
    const r = new Reader(b);
    const level = r.u8('alert level');
    const description = r.u8('alert description');
    r.end('Alert');
    return { level, description };
  },
  /** Encodes. */
  encode(a: Alert): Uint8Array {
    return encodeWith((w) => w.u8(a.level).u8(a.description));
  },
};

/** Name of an alert description (for messages), or its number. */
export function alertName(d: number): string {
  return AlertDescription[d] ?? `alert(${d})`;
}

/** Throws unless the description is known (used where the engine must act on it). */
export function assertKnownAlert(d: number): AlertDescription {
  if (AlertDescription[d] === undefined) throw decodeError(`unknown alert ${d}`);
  return d as AlertDescription;
}
