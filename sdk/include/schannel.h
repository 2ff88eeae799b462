/*
 * schannel.h for cesim: SCHANNEL_CRED, the SP_PROT_* protocol bits, the SCH_CRED_* flags,
 * the control tokens (SCHANNEL_SHUTDOWN, SCHANNEL_ALERT) and Schannel's SecPkgContext_*
 * structures, with the Win32 values and 32-bit layouts. Written for cesim from the published API.
 */
#ifndef __SCHANNEL_H__
#define __SCHANNEL_H__

#include "windows.h"
#include "wincrypt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UNISP_NAME_A "Microsoft Unified Security Protocol Provider"
#define UNISP_NAME_W u"Microsoft Unified Security Protocol Provider"
#define SSL2SP_NAME_W u"Microsoft SSL 2.0"
#define SSL3SP_NAME_W u"Microsoft SSL 3.0"
#define TLS1SP_NAME_W u"Microsoft TLS 1.0"
#define PCT1SP_NAME_W u"Microsoft PCT 1.0"
#define SCHANNEL_NAME_W u"Schannel"
#define UNISP_NAME UNISP_NAME_W
#define SCHANNEL_NAME SCHANNEL_NAME_W

struct _HMAPPER;

typedef struct _SCHANNEL_CRED {
  DWORD dwVersion;
  DWORD cCreds;
  PCCERT_CONTEXT *paCred;
  HCERTSTORE hRootStore;
  DWORD cMappers;
  struct _HMAPPER **aphMappers;
  DWORD cSupportedAlgs;
  ALG_ID *palgSupportedAlgs;
  DWORD grbitEnabledProtocols;
  DWORD dwMinimumCipherStrength;
  DWORD dwMaximumCipherStrength;
  DWORD dwSessionLifespan;
  DWORD dwFlags;
  DWORD dwCredFormat;
} SCHANNEL_CRED, *PSCHANNEL_CRED;

typedef struct _SecPkgContext_ConnectionInfo {
  DWORD dwProtocol;
  ALG_ID aiCipher;
  DWORD dwCipherStrength;
  ALG_ID aiHash;
  DWORD dwHashStrength;
  ALG_ID aiExch;
  DWORD dwExchStrength;
} SecPkgContext_ConnectionInfo, *PSecPkgContext_ConnectionInfo;

typedef struct _SecPkgContext_CipherInfo {
  DWORD dwVersion;
  DWORD dwProtocol;
  DWORD dwCipherSuite;
  DWORD dwBaseCipherSuite;
  WCHAR szCipherSuite[SZ_ALG_MAX_SIZE];
  WCHAR szCipher[SZ_ALG_MAX_SIZE];
  DWORD dwCipherLen;
  DWORD dwCipherBlockLen;
  WCHAR szHash[SZ_ALG_MAX_SIZE];
  DWORD dwHashLen;
  WCHAR szExchange[SZ_ALG_MAX_SIZE];
  DWORD dwMinExchangeLen;
  DWORD dwMaxExchangeLen;
  WCHAR szCertificate[SZ_ALG_MAX_SIZE];
  DWORD dwKeyType;
} SecPkgContext_CipherInfo, *PSecPkgContext_CipherInfo;

typedef struct _SCHANNEL_ALERT_TOKEN {
  DWORD dwTokenType; /* SCHANNEL_ALERT */
  DWORD dwAlertType; /* TLS1_ALERT_WARNING or TLS1_ALERT_FATAL */
  DWORD dwAlertNumber;
} SCHANNEL_ALERT_TOKEN;

/* ---- constants ---- */
#define NTLM_ALG_HMAC_MD5                        0xFFFFFF76U
#define NTLM_ALG_RC4_CRC32                       0xFFFFFF7CU
#define SCHANNEL_ALERT                           2
#define SCHANNEL_CRED_VERSION                    4
#define SCHANNEL_RENEGOTIATE                     0
#define SCHANNEL_SESSION                         3
#define SCHANNEL_SHUTDOWN                        1
#define SCH_CREDENTIALS_VERSION                  5
#define SCH_CRED_AUTO_CRED_VALIDATION            0x00000020
#define SCH_CRED_CACHE_ONLY_URL_RETRIEVAL        0x00008000
#define SCH_CRED_DISABLE_RECONNECTS              0x00000080
#define SCH_CRED_FORMAT_CERT_CONTEXT             0
#define SCH_CRED_IGNORE_NO_REVOCATION_CHECK      0x00000800
#define SCH_CRED_IGNORE_REVOCATION_OFFLINE       0x00001000
#define SCH_CRED_MANUAL_CRED_VALIDATION          8
#define SCH_CRED_MEMORY_STORE_CERT               0x00010000
#define SCH_CRED_NO_DEFAULT_CREDS                0x00000010
#define SCH_CRED_NO_SERVERNAME_CHECK             4
#define SCH_CRED_NO_SYSTEM_MAPPER                2
#define SCH_CRED_REVOCATION_CHECK_CACHE_ONLY     0x00004000
#define SCH_CRED_REVOCATION_CHECK_CHAIN          0x00000200
#define SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT 0x00000400
#define SCH_CRED_REVOCATION_CHECK_END_CERT       0x00000100
#define SCH_CRED_USE_DEFAULT_CREDS               0x00000040
#define SCH_CRED_USE_STRONG_CRYPTO               0x00400000
#define SCH_CRED_V1                              1
#define SCH_CRED_V2                              2
#define SCH_CRED_V3                              3
#define SCH_CRED_VERSION                         2
#define SP_PROT_ALL                              0xFFFFFFFFU
#define SP_PROT_CLIENTS                          0x800000AAU
#define SP_PROT_DTLS1_0_CLIENT                   0x00020000
#define SP_PROT_DTLS1_0_SERVER                   0x00010000
#define SP_PROT_DTLS1_2_CLIENT                   0x00080000
#define SP_PROT_DTLS1_2_SERVER                   0x00040000
#define SP_PROT_DTLS1_X_CLIENT                   0x000A0000
#define SP_PROT_DTLS1_X_SERVER                   0x00050000
#define SP_PROT_DTLS_CLIENT                      0x00020000
#define SP_PROT_DTLS_SERVER                      0x00010000
#define SP_PROT_NONE                             0
#define SP_PROT_PCT1_CLIENT                      2
#define SP_PROT_PCT1_SERVER                      1
#define SP_PROT_SERVERS                          0x40000055
#define SP_PROT_SSL2_CLIENT                      8
#define SP_PROT_SSL2_SERVER                      4
#define SP_PROT_SSL3TLS1_CLIENTS                 0x000000A0
#define SP_PROT_SSL3_CLIENT                      0x00000020
#define SP_PROT_SSL3_SERVER                      0x00000010
#define SP_PROT_TLS1_0_CLIENT                    0x00000080
#define SP_PROT_TLS1_0_SERVER                    0x00000040
#define SP_PROT_TLS1_1_CLIENT                    0x00000200
#define SP_PROT_TLS1_1_SERVER                    0x00000100
#define SP_PROT_TLS1_2_CLIENT                    0x00000800
#define SP_PROT_TLS1_2_SERVER                    0x00000400
#define SP_PROT_TLS1_3_CLIENT                    0x00002000
#define SP_PROT_TLS1_3_SERVER                    0x00001000
#define SP_PROT_TLS1_CLIENT                      0x00000080
#define SP_PROT_TLS1_SERVER                      0x00000040
#define SP_PROT_TLS1_X_CLIENT                    0x00002A80
#define SP_PROT_TLS1_X_SERVER                    0x00001540
#define SP_PROT_UNI_CLIENT                       0x80000000U
#define SP_PROT_UNI_SERVER                       0x40000000
#define TLS1_ALERT_ACCESS_DENIED                 0x00000031
#define TLS1_ALERT_BAD_CERTIFICATE               0x0000002A
#define TLS1_ALERT_BAD_RECORD_MAC                0x00000014
#define TLS1_ALERT_CERTIFICATE_EXPIRED           0x0000002D
#define TLS1_ALERT_CERTIFICATE_REVOKED           0x0000002C
#define TLS1_ALERT_CERTIFICATE_UNKNOWN           0x0000002E
#define TLS1_ALERT_CLOSE_NOTIFY                  0
#define TLS1_ALERT_DECODE_ERROR                  0x00000032
#define TLS1_ALERT_DECOMPRESSION_FAIL            0x0000001E
#define TLS1_ALERT_DECRYPTION_FAILED             0x00000015
#define TLS1_ALERT_DECRYPT_ERROR                 0x00000033
#define TLS1_ALERT_EXPORT_RESTRICTION            0x0000003C
#define TLS1_ALERT_FATAL                         2
#define TLS1_ALERT_HANDSHAKE_FAILURE             0x00000028
#define TLS1_ALERT_ILLEGAL_PARAMETER             0x0000002F
#define TLS1_ALERT_INSUFFIENT_SECURITY           0x00000047
#define TLS1_ALERT_INTERNAL_ERROR                0x00000050
#define TLS1_ALERT_NO_APP_PROTOCOL               0x00000078
#define TLS1_ALERT_NO_RENEGOTIATION              0x00000064
#define TLS1_ALERT_PROTOCOL_VERSION              0x00000046
#define TLS1_ALERT_RECORD_OVERFLOW               0x00000016
#define TLS1_ALERT_UNEXPECTED_MESSAGE            10
#define TLS1_ALERT_UNKNOWN_CA                    0x00000030
#define TLS1_ALERT_UNKNOWN_PSK_IDENTITY          0x00000073
#define TLS1_ALERT_UNSUPPORTED_CERT              0x0000002B
#define TLS1_ALERT_UNSUPPORTED_EXT               0x0000006E
#define TLS1_ALERT_USER_CANCELED                 0x0000005A
#define TLS1_ALERT_WARNING                       1

#ifdef __cplusplus
}
#endif

#endif /* __SCHANNEL_H__ */
