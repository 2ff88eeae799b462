/**
 * The one mapping: every TLS engine error code has its alert (the engine's table) and its
 * SECURITY_STATUS (Schannel's column), and every received alert maps to a status.
 */
import { describe, it, expect } from 'vitest';
import { TLS_ERROR_TABLE, TlsError, type TlsErrorCode } from '../../schannel/tls/errors.js';
import { TLS_ERROR_STATUS, RECEIVED_ALERT_STATUS, statusForTlsError, CERT_FAILURE_MAP } from '../../schannel/index.js';
import { statusName } from '../../sspi/index.js';

const expected: Record<TlsErrorCode, string> = {
  'decode.malformed': 'SEC_E_INVALID_TOKEN',
  'decode.record_overflow': 'SEC_E_INVALID_TOKEN',
  'decode.message_too_large': 'SEC_E_INVALID_TOKEN',
  'peer.unexpected_message': 'SEC_E_ILLEGAL_MESSAGE',
  'peer.bad_record_mac': 'SEC_E_DECRYPT_FAILURE',
  'peer.illegal_parameter': 'SEC_E_ILLEGAL_MESSAGE',
  'peer.decrypt_error': 'SEC_E_MESSAGE_ALTERED',
  'peer.missing_extension': 'SEC_E_ILLEGAL_MESSAGE',
  'peer.unsupported_extension': 'SEC_E_ILLEGAL_MESSAGE',
  'incompatible.handshake_failure': 'SEC_E_ALGORITHM_MISMATCH',
  'incompatible.protocol_version': 'SEC_E_ALGORITHM_MISMATCH',
  'incompatible.no_application_protocol': 'SEC_E_APPLICATION_PROTOCOL_MISMATCH',
  'incompatible.inappropriate_fallback': 'SEC_E_ALGORITHM_MISMATCH',
  'incompatible.insufficient_security': 'SEC_E_ALGORITHM_MISMATCH',
  'certificate.bad': 'SEC_E_CERT_UNKNOWN',
  'certificate.unsupported': 'SEC_E_CERT_UNKNOWN',
  'certificate.revoked': 'SEC_E_CERT_UNKNOWN',
  'certificate.expired': 'SEC_E_CERT_EXPIRED',
  'certificate.unknown': 'SEC_E_CERT_UNKNOWN',
  'certificate.unknown_ca': 'SEC_E_UNTRUSTED_ROOT',
  'certificate.name_mismatch': 'SEC_E_WRONG_PRINCIPAL',
  'certificate.required': 'SEC_E_NO_CREDENTIALS',
  'alert.received': 'SEC_E_ILLEGAL_MESSAGE',
  'api.misuse': 'SEC_E_INTERNAL_ERROR',
  'api.config': 'SEC_E_INTERNAL_ERROR',
  'memory.exhausted': 'SEC_E_INSUFFICIENT_MEMORY',
  'internal.error': 'SEC_E_INTERNAL_ERROR',
};

describe('error → alert → SECURITY_STATUS, one row per code', () => {
  it('the Schannel column covers exactly the engine table', () => {
    expect(Object.keys(TLS_ERROR_STATUS).sort()).toEqual(Object.keys(TLS_ERROR_TABLE).sort());
  });
  it.each(Object.keys(TLS_ERROR_TABLE) as TlsErrorCode[])('%s', (code) => {
    const e = new TlsError(code, 'test');
    expect(statusName(statusForTlsError(e)).replace(/^0x80090367$/, 'SEC_E_APPLICATION_PROTOCOL_MISMATCH')).toBe(expected[code]);
    // The alert the engine sends for it is the table's.
    expect(e.alert).toBe(TLS_ERROR_TABLE[code].alert);
  });
  it.each(Object.entries(RECEIVED_ALERT_STATUS))('received alert %s → a status', (alert, status) => {
    const e = new TlsError('alert.received', 'test', Number(alert));
    expect(statusForTlsError(e)).toBe(status);
  });
  it('check 68: close_notify received → SEC_I_CONTEXT_EXPIRED; bad_record_mac → SEC_E_MESSAGE_ALTERED', () => {
    expect(statusName(statusForTlsError(new TlsError('alert.received', 'x', 0)))).toBe('SEC_I_CONTEXT_EXPIRED');
    expect(statusName(statusForTlsError(new TlsError('alert.received', 'x', 20)))).toBe('SEC_E_MESSAGE_ALTERED');
  });
  it('a diagnosed certificate failure keeps its precise status', () => {
    for (const [kind, row] of Object.entries(CERT_FAILURE_MAP)) {
      expect(statusForTlsError(new TlsError('certificate.bad', 'x'), { kind: kind as keyof typeof CERT_FAILURE_MAP, detail: '' })).toBe(row.status);
    }
  });
});
