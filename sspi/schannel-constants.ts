/**
 * Schannel (schannel.h) and wincrypt.h constants, with their Win32 names and values.
 *
 * Source: ../shared/reference/sspi-behaviour.md §3.7–3.8. The Schannel package (`schannel/`)
 * imports these from `sspi/index.js`.
 */

/** Package name `UNISP_NAME` (schannel.h): "Microsoft Unified Security Protocol Provider". */
export const UNISP_NAME = 'Microsoft Unified Security Protocol Provider';
/** Wide form of `UNISP_NAME` (CE is Unicode; same string). */
export const UNISP_NAME_W = UNISP_NAME;
/** Package name `SSL2SP_NAME` (schannel.h): "Microsoft SSL 2.0". */
export const SSL2SP_NAME = 'Microsoft SSL 2.0';
/** Wide form of `SSL2SP_NAME` (CE is Unicode; same string). */
export const SSL2SP_NAME_W = SSL2SP_NAME;
/** Package name `SSL3SP_NAME` (schannel.h): "Microsoft SSL 3.0". */
export const SSL3SP_NAME = 'Microsoft SSL 3.0';
/** Wide form of `SSL3SP_NAME` (CE is Unicode; same string). */
export const SSL3SP_NAME_W = SSL3SP_NAME;
/** Package name `TLS1SP_NAME` (schannel.h): "Microsoft TLS 1.0". */
export const TLS1SP_NAME = 'Microsoft TLS 1.0';
/** Wide form of `TLS1SP_NAME` (CE is Unicode; same string). */
export const TLS1SP_NAME_W = TLS1SP_NAME;
/** Package name `PCT1SP_NAME` (schannel.h): "Microsoft PCT 1.0". */
export const PCT1SP_NAME = 'Microsoft PCT 1.0';
/** Wide form of `PCT1SP_NAME` (CE is Unicode; same string). */
export const PCT1SP_NAME_W = PCT1SP_NAME;
/** Package name `SCHANNEL_NAME` (schannel.h): "Schannel". */
export const SCHANNEL_NAME = 'Schannel';
/** Wide form of `SCHANNEL_NAME` (CE is Unicode; same string). */
export const SCHANNEL_NAME_W = SCHANNEL_NAME;

// SP_PROT_* (grbitEnabledProtocols, dwProtocol)

/** Protocol bit(s) `SP_PROT_PCT1_SERVER`. */
export const SP_PROT_PCT1_SERVER = 0x00000001;
/** Protocol bit(s) `SP_PROT_PCT1_CLIENT`. */
export const SP_PROT_PCT1_CLIENT = 0x00000002;
/** Protocol bit(s) `SP_PROT_SSL2_SERVER`. */
export const SP_PROT_SSL2_SERVER = 0x00000004;
/** Protocol bit(s) `SP_PROT_SSL2_CLIENT`. */
export const SP_PROT_SSL2_CLIENT = 0x00000008;
/** Protocol bit(s) `SP_PROT_SSL3_SERVER`. */
export const SP_PROT_SSL3_SERVER = 0x00000010;
/** Protocol bit(s) `SP_PROT_SSL3_CLIENT`. */
export const SP_PROT_SSL3_CLIENT = 0x00000020;
/** Protocol bit(s) `SP_PROT_TLS1_SERVER`. */
export const SP_PROT_TLS1_SERVER = 0x00000040;
/** Protocol bit(s) `SP_PROT_TLS1_CLIENT`. */
export const SP_PROT_TLS1_CLIENT = 0x00000080;
/** Protocol bit(s) `SP_PROT_TLS1_0_SERVER`. */
export const SP_PROT_TLS1_0_SERVER = 0x00000040;
/** Protocol bit(s) `SP_PROT_TLS1_0_CLIENT`. */
export const SP_PROT_TLS1_0_CLIENT = 0x00000080;
/** Protocol bit(s) `SP_PROT_TLS1_1_SERVER`. */
export const SP_PROT_TLS1_1_SERVER = 0x00000100;
/** Protocol bit(s) `SP_PROT_TLS1_1_CLIENT`. */
export const SP_PROT_TLS1_1_CLIENT = 0x00000200;
/** Protocol bit(s) `SP_PROT_TLS1_2_SERVER`. */
export const SP_PROT_TLS1_2_SERVER = 0x00000400;
/** Protocol bit(s) `SP_PROT_TLS1_2_CLIENT`. */
export const SP_PROT_TLS1_2_CLIENT = 0x00000800;
/** Protocol bit(s) `SP_PROT_TLS1_3_SERVER`. */
export const SP_PROT_TLS1_3_SERVER = 0x00001000;
/** Protocol bit(s) `SP_PROT_TLS1_3_CLIENT`. */
export const SP_PROT_TLS1_3_CLIENT = 0x00002000;
/** Protocol bit(s) `SP_PROT_DTLS_SERVER`. */
export const SP_PROT_DTLS_SERVER = 0x00010000;
/** Protocol bit(s) `SP_PROT_DTLS_CLIENT`. */
export const SP_PROT_DTLS_CLIENT = 0x00020000;
/** Protocol bit(s) `SP_PROT_DTLS1_0_SERVER`. */
export const SP_PROT_DTLS1_0_SERVER = 0x00010000;
/** Protocol bit(s) `SP_PROT_DTLS1_0_CLIENT`. */
export const SP_PROT_DTLS1_0_CLIENT = 0x00020000;
/** Protocol bit(s) `SP_PROT_DTLS1_2_SERVER`. */
export const SP_PROT_DTLS1_2_SERVER = 0x00040000;
/** Protocol bit(s) `SP_PROT_DTLS1_2_CLIENT`. */
export const SP_PROT_DTLS1_2_CLIENT = 0x00080000;
/** Protocol bit(s) `SP_PROT_UNI_SERVER`. */
export const SP_PROT_UNI_SERVER = 0x40000000;
/** Protocol bit(s) `SP_PROT_UNI_CLIENT`. */
export const SP_PROT_UNI_CLIENT = 0x80000000;
/** Protocol bit(s) `SP_PROT_ALL`. */
export const SP_PROT_ALL = 0xFFFFFFFF;
/** Protocol bit(s) `SP_PROT_NONE`. */
export const SP_PROT_NONE = 0x00000000;
/** Protocol bit(s) `SP_PROT_CLIENTS`. */
export const SP_PROT_CLIENTS = 0x800000AA;
/** Protocol bit(s) `SP_PROT_SERVERS`. */
export const SP_PROT_SERVERS = 0x40000055;
/** Protocol bit(s) `SP_PROT_TLS1_X_CLIENT`. */
export const SP_PROT_TLS1_X_CLIENT = 0x00002A80;
/** Protocol bit(s) `SP_PROT_TLS1_X_SERVER`. */
export const SP_PROT_TLS1_X_SERVER = 0x00001540;
/** Protocol bit(s) `SP_PROT_DTLS1_X_CLIENT`. */
export const SP_PROT_DTLS1_X_CLIENT = 0x000A0000;
/** Protocol bit(s) `SP_PROT_DTLS1_X_SERVER`. */
export const SP_PROT_DTLS1_X_SERVER = 0x00050000;
/** Protocol bit(s) `SP_PROT_SSL3TLS1_CLIENTS`. */
export const SP_PROT_SSL3TLS1_CLIENTS = 0x000000A0;

// SCHANNEL_CRED versions

/** `SCHANNEL_CRED.dwVersion` value `SCH_CRED_V1`. */
export const SCH_CRED_V1 = 1;
/** `SCHANNEL_CRED.dwVersion` value `SCH_CRED_V2`. */
export const SCH_CRED_V2 = 2;
/** `SCHANNEL_CRED.dwVersion` value `SCH_CRED_VERSION`. */
export const SCH_CRED_VERSION = 2;
/** `SCHANNEL_CRED.dwVersion` value `SCH_CRED_V3`. */
export const SCH_CRED_V3 = 3;
/** `SCHANNEL_CRED.dwVersion` value `SCHANNEL_CRED_VERSION`. */
export const SCHANNEL_CRED_VERSION = 4;
/** `SCHANNEL_CRED.dwVersion` value `SCH_CREDENTIALS_VERSION`. */
export const SCH_CREDENTIALS_VERSION = 5;

// SCH_CRED_* (SCHANNEL_CRED.dwFlags)

/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_NO_SYSTEM_MAPPER`. */
export const SCH_CRED_NO_SYSTEM_MAPPER = 0x00000002;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_NO_SERVERNAME_CHECK`. */
export const SCH_CRED_NO_SERVERNAME_CHECK = 0x00000004;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_MANUAL_CRED_VALIDATION`. */
export const SCH_CRED_MANUAL_CRED_VALIDATION = 0x00000008;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_NO_DEFAULT_CREDS`. */
export const SCH_CRED_NO_DEFAULT_CREDS = 0x00000010;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_AUTO_CRED_VALIDATION`. */
export const SCH_CRED_AUTO_CRED_VALIDATION = 0x00000020;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_USE_DEFAULT_CREDS`. */
export const SCH_CRED_USE_DEFAULT_CREDS = 0x00000040;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_DISABLE_RECONNECTS`. */
export const SCH_CRED_DISABLE_RECONNECTS = 0x00000080;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_REVOCATION_CHECK_END_CERT`. */
export const SCH_CRED_REVOCATION_CHECK_END_CERT = 0x00000100;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_REVOCATION_CHECK_CHAIN`. */
export const SCH_CRED_REVOCATION_CHECK_CHAIN = 0x00000200;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT`. */
export const SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT = 0x00000400;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_IGNORE_NO_REVOCATION_CHECK`. */
export const SCH_CRED_IGNORE_NO_REVOCATION_CHECK = 0x00000800;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_IGNORE_REVOCATION_OFFLINE`. */
export const SCH_CRED_IGNORE_REVOCATION_OFFLINE = 0x00001000;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_REVOCATION_CHECK_CACHE_ONLY`. */
export const SCH_CRED_REVOCATION_CHECK_CACHE_ONLY = 0x00004000;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_CACHE_ONLY_URL_RETRIEVAL`. */
export const SCH_CRED_CACHE_ONLY_URL_RETRIEVAL = 0x00008000;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_MEMORY_STORE_CERT`. */
export const SCH_CRED_MEMORY_STORE_CERT = 0x00010000;
/** `SCHANNEL_CRED.dwFlags` bit `SCH_CRED_USE_STRONG_CRYPTO`. */
export const SCH_CRED_USE_STRONG_CRYPTO = 0x00400000;
/** `SCHANNEL_CRED.dwCredFormat`: `paCred` holds certificate contexts. */
export const SCH_CRED_FORMAT_CERT_CONTEXT = 0;

// ApplyControlToken tokens (first DWORD of the buffer)

/** Control token `SCHANNEL_RENEGOTIATE` (0). */
export const SCHANNEL_RENEGOTIATE = 0;
/** Control token `SCHANNEL_SHUTDOWN` (1). */
export const SCHANNEL_SHUTDOWN = 1;
/** Control token `SCHANNEL_ALERT` (2). */
export const SCHANNEL_ALERT = 2;
/** Control token `SCHANNEL_SESSION` (3). */
export const SCHANNEL_SESSION = 3;

// TLS1_ALERT_* (SCHANNEL_ALERT_TOKEN)

/** `SCHANNEL_ALERT_TOKEN.dwAlertType`: warning. */
export const TLS1_ALERT_WARNING = 1;
/** `SCHANNEL_ALERT_TOKEN.dwAlertType`: fatal. */
export const TLS1_ALERT_FATAL = 2;
/** TLS alert number `close_notify` (0); the schannel.h spelling. */
export const TLS1_ALERT_CLOSE_NOTIFY = 0;
/** TLS alert number `unexpected_message` (10); the schannel.h spelling. */
export const TLS1_ALERT_UNEXPECTED_MESSAGE = 10;
/** TLS alert number `bad_record_mac` (20); the schannel.h spelling. */
export const TLS1_ALERT_BAD_RECORD_MAC = 20;
/** TLS alert number `decryption_failed` (21); the schannel.h spelling. */
export const TLS1_ALERT_DECRYPTION_FAILED = 21;
/** TLS alert number `record_overflow` (22); the schannel.h spelling. */
export const TLS1_ALERT_RECORD_OVERFLOW = 22;
/** TLS alert number `decompression_fail` (30); the schannel.h spelling. */
export const TLS1_ALERT_DECOMPRESSION_FAIL = 30;
/** TLS alert number `handshake_failure` (40); the schannel.h spelling. */
export const TLS1_ALERT_HANDSHAKE_FAILURE = 40;
/** TLS alert number `bad_certificate` (42); the schannel.h spelling. */
export const TLS1_ALERT_BAD_CERTIFICATE = 42;
/** TLS alert number `unsupported_cert` (43); the schannel.h spelling. */
export const TLS1_ALERT_UNSUPPORTED_CERT = 43;
/** TLS alert number `certificate_revoked` (44); the schannel.h spelling. */
export const TLS1_ALERT_CERTIFICATE_REVOKED = 44;
/** TLS alert number `certificate_expired` (45); the schannel.h spelling. */
export const TLS1_ALERT_CERTIFICATE_EXPIRED = 45;
/** TLS alert number `certificate_unknown` (46); the schannel.h spelling. */
export const TLS1_ALERT_CERTIFICATE_UNKNOWN = 46;
/** TLS alert number `illegal_parameter` (47); the schannel.h spelling. */
export const TLS1_ALERT_ILLEGAL_PARAMETER = 47;
/** TLS alert number `unknown_ca` (48); the schannel.h spelling. */
export const TLS1_ALERT_UNKNOWN_CA = 48;
/** TLS alert number `access_denied` (49); the schannel.h spelling. */
export const TLS1_ALERT_ACCESS_DENIED = 49;
/** TLS alert number `decode_error` (50); the schannel.h spelling. */
export const TLS1_ALERT_DECODE_ERROR = 50;
/** TLS alert number `decrypt_error` (51); the schannel.h spelling. */
export const TLS1_ALERT_DECRYPT_ERROR = 51;
/** TLS alert number `export_restriction` (60); the schannel.h spelling. */
export const TLS1_ALERT_EXPORT_RESTRICTION = 60;
/** TLS alert number `protocol_version` (70); the schannel.h spelling. */
export const TLS1_ALERT_PROTOCOL_VERSION = 70;
/** TLS alert number `insuffient_security` (71); the schannel.h spelling. */
export const TLS1_ALERT_INSUFFIENT_SECURITY = 71;
/** TLS alert number `internal_error` (80); the schannel.h spelling. */
export const TLS1_ALERT_INTERNAL_ERROR = 80;
/** TLS alert number `user_canceled` (90); the schannel.h spelling. */
export const TLS1_ALERT_USER_CANCELED = 90;
/** TLS alert number `no_renegotiation` (100); the schannel.h spelling. */
export const TLS1_ALERT_NO_RENEGOTIATION = 100;
/** TLS alert number `unsupported_ext` (110); the schannel.h spelling. */
export const TLS1_ALERT_UNSUPPORTED_EXT = 110;
/** TLS alert number `unknown_psk_identity` (115); the schannel.h spelling. */
export const TLS1_ALERT_UNKNOWN_PSK_IDENTITY = 115;
/** TLS alert number `no_app_protocol` (120); the schannel.h spelling. */
export const TLS1_ALERT_NO_APP_PROTOCOL = 120;

// §3.8 wincrypt.h ALG_IDs

/** wincrypt.h ALG_ID `CALG_RSA_SIGN`. */
export const CALG_RSA_SIGN = 0x2400;
/** wincrypt.h ALG_ID `CALG_DSS_SIGN`. */
export const CALG_DSS_SIGN = 0x2200;
/** wincrypt.h ALG_ID `CALG_ECDSA`. */
export const CALG_ECDSA = 0x2203;
/** wincrypt.h ALG_ID `CALG_RSA_KEYX`. */
export const CALG_RSA_KEYX = 0xA400;
/** wincrypt.h ALG_ID `CALG_DH_SF`. */
export const CALG_DH_SF = 0xAA01;
/** wincrypt.h ALG_ID `CALG_DH_EPHEM`. */
export const CALG_DH_EPHEM = 0xAA02;
/** wincrypt.h ALG_ID `CALG_ECDH`. */
export const CALG_ECDH = 0xAA05;
/** wincrypt.h ALG_ID `CALG_ECDH_EPHEM`. */
export const CALG_ECDH_EPHEM = 0xAE06;
/** wincrypt.h ALG_ID `CALG_DES`. */
export const CALG_DES = 0x6601;
/** wincrypt.h ALG_ID `CALG_RC2`. */
export const CALG_RC2 = 0x6602;
/** wincrypt.h ALG_ID `CALG_3DES`. */
export const CALG_3DES = 0x6603;
/** wincrypt.h ALG_ID `CALG_AES_128`. */
export const CALG_AES_128 = 0x660E;
/** wincrypt.h ALG_ID `CALG_AES_192`. */
export const CALG_AES_192 = 0x660F;
/** wincrypt.h ALG_ID `CALG_AES_256`. */
export const CALG_AES_256 = 0x6610;
/** wincrypt.h ALG_ID `CALG_RC4`. */
export const CALG_RC4 = 0x6801;
/** wincrypt.h ALG_ID `CALG_MD5`. */
export const CALG_MD5 = 0x8003;
/** wincrypt.h ALG_ID `CALG_SHA1`. */
export const CALG_SHA1 = 0x8004;
/** wincrypt.h ALG_ID `CALG_SHA_256`. */
export const CALG_SHA_256 = 0x800C;
/** wincrypt.h ALG_ID `CALG_SHA_384`. */
export const CALG_SHA_384 = 0x800D;
/** wincrypt.h ALG_ID `CALG_SHA_512`. */
export const CALG_SHA_512 = 0x800E;
/** NTLM pseudo ALG_ID reported as "RSADSI RC4-CRC32" (check 96). */
export const NTLM_ALG_RC4_CRC32 = 0xFFFFFF7C;
/** NTLM pseudo ALG_ID reported as "HMAC-MD5" (check 96). */
export const NTLM_ALG_HMAC_MD5 = 0xFFFFFF76;
