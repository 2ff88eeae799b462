/*
 * sspi.h for cesim: the Security Support Provider Interface of Security.dll on Windows CE,
 * every structure, constant and function of the SSPI surface cesim models, with the Win32
 * names, values and 32-bit layouts (ULONG and pointers 4 bytes). The functions are those of
 * cesim's dispatcher, bound to the calling process. Written for cesim from the published API.
 */
#ifndef __SSPI_H__
#define __SSPI_H__

#include "windows.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SEC_ENTRY
#define SEC_FAR
#define SEC_TEXT TEXT
#define SECURITY_ENTRYPOINTW TEXT("InitSecurityInterfaceW")
#define SECURITY_ENTRYPOINT SECURITY_ENTRYPOINTW

typedef WCHAR SEC_WCHAR;
typedef CHAR SEC_CHAR;
typedef LONG SECURITY_STATUS;

/* ---- handles ---- */
typedef struct _SecHandle {
  ULONG_PTR dwLower;
  ULONG_PTR dwUpper;
} SecHandle, *PSecHandle;
typedef SecHandle CredHandle, *PCredHandle;
typedef SecHandle CtxtHandle, *PCtxtHandle;

#define SecInvalidateHandle(x) ((PSecHandle)(x))->dwLower = ((PSecHandle)(x))->dwUpper = ((ULONG_PTR)((INT_PTR)-1))
#define SecIsValidHandle(x) ((((PSecHandle)(x))->dwLower != ((ULONG_PTR)((INT_PTR)-1))) && (((PSecHandle)(x))->dwUpper != ((ULONG_PTR)((INT_PTR)-1))))

/* ---- time stamps: a FILETIME in two 32-bit words ---- */
typedef struct _SECURITY_INTEGER {
  unsigned long LowPart;
  long HighPart;
} SECURITY_INTEGER, *PSECURITY_INTEGER;
typedef SECURITY_INTEGER TimeStamp, *PTimeStamp;

typedef struct _SECURITY_STRING {
  unsigned short Length;
  unsigned short MaximumLength;
  unsigned short *Buffer;
} SECURITY_STRING, *PSECURITY_STRING;

/* ---- package information ---- */
typedef struct _SecPkgInfoW {
  unsigned long fCapabilities;
  unsigned short wVersion;
  unsigned short wRPCID;
  unsigned long cbMaxToken;
  SEC_WCHAR *Name;
  SEC_WCHAR *Comment;
} SecPkgInfoW, *PSecPkgInfoW;
typedef SecPkgInfoW SecPkgInfo, *PSecPkgInfo;

/* ---- buffers ---- */
typedef struct _SecBuffer {
  unsigned long cbBuffer;
  unsigned long BufferType;
  void *pvBuffer;
} SecBuffer, *PSecBuffer;

typedef struct _SecBufferDesc {
  unsigned long ulVersion;
  unsigned long cBuffers;
  PSecBuffer pBuffers;
} SecBufferDesc, *PSecBufferDesc;

/* ---- context attributes ---- */
typedef struct _SecPkgContext_Sizes {
  unsigned long cbMaxToken;
  unsigned long cbMaxSignature;
  unsigned long cbBlockSize;
  unsigned long cbSecurityTrailer;
} SecPkgContext_Sizes, *PSecPkgContext_Sizes;

typedef struct _SecPkgContext_StreamSizes {
  unsigned long cbHeader;
  unsigned long cbTrailer;
  unsigned long cbMaximumMessage;
  unsigned long cBuffers;
  unsigned long cbBlockSize;
} SecPkgContext_StreamSizes, *PSecPkgContext_StreamSizes;

typedef struct _SecPkgContext_NamesW {
  SEC_WCHAR *sUserName;
} SecPkgContext_NamesW, *PSecPkgContext_NamesW;
typedef SecPkgContext_NamesW SecPkgContext_Names, *PSecPkgContext_Names;

typedef struct _SecPkgContext_Lifespan {
  TimeStamp tsStart;
  TimeStamp tsExpiry;
} SecPkgContext_Lifespan, *PSecPkgContext_Lifespan;

typedef struct _SecPkgContext_KeyInfoW {
  SEC_WCHAR *sSignatureAlgorithmName;
  SEC_WCHAR *sEncryptAlgorithmName;
  unsigned long KeySize;
  unsigned long SignatureAlgorithm;
  unsigned long EncryptAlgorithm;
} SecPkgContext_KeyInfoW, *PSecPkgContext_KeyInfoW;
typedef SecPkgContext_KeyInfoW SecPkgContext_KeyInfo, *PSecPkgContext_KeyInfo;

typedef struct _SecPkgContext_Flags {
  unsigned long Flags;
} SecPkgContext_Flags, *PSecPkgContext_Flags;

typedef struct _SecPkgContext_PackageInfoW {
  PSecPkgInfoW PackageInfo;
} SecPkgContext_PackageInfoW, *PSecPkgContext_PackageInfoW;
typedef SecPkgContext_PackageInfoW SecPkgContext_PackageInfo, *PSecPkgContext_PackageInfo;

typedef struct _SecPkgCredentials_NamesW {
  SEC_WCHAR *sUserName;
} SecPkgCredentials_NamesW, *PSecPkgCredentials_NamesW;
typedef SecPkgCredentials_NamesW SecPkgCredentials_Names, *PSecPkgCredentials_Names;

/* ---- identities for NTLM / Negotiate ---- */
typedef struct _SEC_WINNT_AUTH_IDENTITY_W {
  unsigned short *User;
  unsigned long UserLength;
  unsigned short *Domain;
  unsigned long DomainLength;
  unsigned short *Password;
  unsigned long PasswordLength;
  unsigned long Flags;
} SEC_WINNT_AUTH_IDENTITY_W, *PSEC_WINNT_AUTH_IDENTITY_W;
typedef SEC_WINNT_AUTH_IDENTITY_W SEC_WINNT_AUTH_IDENTITY, *PSEC_WINNT_AUTH_IDENTITY;

typedef void(SEC_ENTRY *SEC_GET_KEY_FN)(void *Arg, void *Principal, unsigned long KeyVer, void **Key, SECURITY_STATUS *Status);

/* ---- constants: status codes, request/return flags, buffer types, attributes ---- */
#define ASC_REQ_ALLOCATE_MEMORY                  0x00000100
#define ASC_REQ_ALLOW_CONTEXT_REPLAY             0x00400000
#define ASC_REQ_ALLOW_MISSING_BINDINGS           0x10000000
#define ASC_REQ_ALLOW_NON_USER_LOGONS            0x00200000
#define ASC_REQ_ALLOW_NULL_SESSION               0x00100000
#define ASC_REQ_CALL_LEVEL                       0x00001000
#define ASC_REQ_CONFIDENTIALITY                  0x00000010
#define ASC_REQ_CONNECTION                       0x00000800
#define ASC_REQ_DATAGRAM                         0x00000400
#define ASC_REQ_DELEGATE                         1
#define ASC_REQ_EXTENDED_ERROR                   0x00008000
#define ASC_REQ_FRAGMENT_NO_TOKEN                0x01000000
#define ASC_REQ_FRAGMENT_SUPPLIED                0x00002000
#define ASC_REQ_FRAGMENT_TO_FIT                  0x00800000
#define ASC_REQ_IDENTIFY                         0x00080000
#define ASC_REQ_INTEGRITY                        0x00020000
#define ASC_REQ_LICENSING                        0x00040000
#define ASC_REQ_MUTUAL_AUTH                      2
#define ASC_REQ_NO_TOKEN                         0x01000000
#define ASC_REQ_PROXY_BINDINGS                   0x04000000
#define ASC_REQ_REPLAY_DETECT                    4
#define ASC_REQ_SEQUENCE_DETECT                  8
#define ASC_REQ_STREAM                           0x00010000
#define ASC_REQ_USE_DCE_STYLE                    0x00000200
#define ASC_REQ_USE_SESSION_KEY                  0x00000020
#define ASC_RET_ALLOCATED_MEMORY                 0x00000100
#define ASC_RET_ALLOW_CONTEXT_REPLAY             0x00400000
#define ASC_RET_ALLOW_NON_USER_LOGONS            0x00200000
#define ASC_RET_CALL_LEVEL                       0x00002000
#define ASC_RET_CONFIDENTIALITY                  0x00000010
#define ASC_RET_CONNECTION                       0x00000800
#define ASC_RET_DATAGRAM                         0x00000400
#define ASC_RET_DELEGATE                         1
#define ASC_RET_EXTENDED_ERROR                   0x00008000
#define ASC_RET_FRAGMENT_ONLY                    0x00800000
#define ASC_RET_IDENTIFY                         0x00080000
#define ASC_RET_INTEGRITY                        0x00020000
#define ASC_RET_LICENSING                        0x00040000
#define ASC_RET_MISSING_BINDINGS                 0x10000000
#define ASC_RET_MUTUAL_AUTH                      2
#define ASC_RET_NO_PROXY_BINDINGS                0x04000000
#define ASC_RET_NO_TOKEN                         0x01000000
#define ASC_RET_NULL_SESSION                     0x00100000
#define ASC_RET_REPLAY_DETECT                    4
#define ASC_RET_SEQUENCE_DETECT                  8
#define ASC_RET_STREAM                           0x00010000
#define ASC_RET_THIRD_LEG_FAILED                 0x00004000
#define ASC_RET_USED_DCE_STYLE                   0x00000200
#define ASC_RET_USE_SESSION_KEY                  0x00000020
#define ISC_REQ_ALLOCATE_MEMORY                  0x00000100
#define ISC_REQ_CALL_LEVEL                       0x00001000
#define ISC_REQ_CONFIDENTIALITY                  0x00000010
#define ISC_REQ_CONNECTION                       0x00000800
#define ISC_REQ_DATAGRAM                         0x00000400
#define ISC_REQ_DELEGATE                         1
#define ISC_REQ_EXTENDED_ERROR                   0x00004000
#define ISC_REQ_FORWARD_CREDENTIALS              0x00400000
#define ISC_REQ_FRAGMENT_SUPPLIED                0x00002000
#define ISC_REQ_FRAGMENT_TO_FIT                  0x00200000
#define ISC_REQ_IDENTIFY                         0x00020000
#define ISC_REQ_INTEGRITY                        0x00010000
#define ISC_REQ_MANUAL_CRED_VALIDATION           0x00080000
#define ISC_REQ_MUTUAL_AUTH                      2
#define ISC_REQ_NO_INTEGRITY                     0x00800000
#define ISC_REQ_NULL_SESSION                     0x00040000
#define ISC_REQ_PROMPT_FOR_CREDS                 0x00000040
#define ISC_REQ_REPLAY_DETECT                    4
#define ISC_REQ_RESERVED1                        0x00100000
#define ISC_REQ_SEQUENCE_DETECT                  8
#define ISC_REQ_STREAM                           0x00008000
#define ISC_REQ_USE_DCE_STYLE                    0x00000200
#define ISC_REQ_USE_HTTP_STYLE                   0x01000000
#define ISC_REQ_USE_SESSION_KEY                  0x00000020
#define ISC_REQ_USE_SUPPLIED_CREDS               0x00000080
#define ISC_RET_ALLOCATED_MEMORY                 0x00000100
#define ISC_RET_CALL_LEVEL                       0x00002000
#define ISC_RET_CONFIDENTIALITY                  0x00000010
#define ISC_RET_CONNECTION                       0x00000800
#define ISC_RET_DATAGRAM                         0x00000400
#define ISC_RET_DELEGATE                         1
#define ISC_RET_EXTENDED_ERROR                   0x00004000
#define ISC_RET_FORWARD_CREDENTIALS              0x00400000
#define ISC_RET_FRAGMENT_ONLY                    0x00200000
#define ISC_RET_IDENTIFY                         0x00020000
#define ISC_RET_INTEGRITY                        0x00010000
#define ISC_RET_INTERMEDIATE_RETURN              0x00001000
#define ISC_RET_MANUAL_CRED_VALIDATION           0x00080000
#define ISC_RET_MUTUAL_AUTH                      2
#define ISC_RET_NULL_SESSION                     0x00040000
#define ISC_RET_REPLAY_DETECT                    4
#define ISC_RET_RESERVED1                        0x00100000
#define ISC_RET_SEQUENCE_DETECT                  8
#define ISC_RET_STREAM                           0x00008000
#define ISC_RET_USED_COLLECTED_CREDS             0x00000040
#define ISC_RET_USED_DCE_STYLE                   0x00000200
#define ISC_RET_USED_HTTP_STYLE                  0x01000000
#define ISC_RET_USED_SUPPLIED_CREDS              0x00000080
#define ISC_RET_USE_SESSION_KEY                  0x00000020
#define MAX_PROTOCOL_ID_SIZE                     0x000000FF
#define RPC_C_AUTHN_GSS_KERBEROS                 0x00000010
#define RPC_C_AUTHN_GSS_NEGOTIATE                9
#define RPC_C_AUTHN_GSS_SCHANNEL                 14
#define RPC_C_AUTHN_NONE                         0
#define RPC_C_AUTHN_WINNT                        10
#define SECBUFFER_ALERT                          0x00000011
#define SECBUFFER_APPLICATION_PROTOCOLS          0x00000012
#define SECBUFFER_ATTRMASK                       0xF0000000U
#define SECBUFFER_CHANGE_PASS_RESPONSE           15
#define SECBUFFER_CHANNEL_BINDINGS               14
#define SECBUFFER_DATA                           1
#define SECBUFFER_DTLS_MTU                       0x00000018
#define SECBUFFER_EMPTY                          0
#define SECBUFFER_EXTRA                          5
#define SECBUFFER_MECHLIST                       11
#define SECBUFFER_MECHLIST_SIGNATURE             12
#define SECBUFFER_MISSING                        4
#define SECBUFFER_NEGOTIATION_INFO               8
#define SECBUFFER_PADDING                        9
#define SECBUFFER_PKG_PARAMS                     3
#define SECBUFFER_READONLY                       0x80000000U
#define SECBUFFER_READONLY_WITH_CHECKSUM         0x10000000
#define SECBUFFER_RESERVED                       0x60000000
#define SECBUFFER_STREAM                         10
#define SECBUFFER_STREAM_HEADER                  7
#define SECBUFFER_STREAM_TRAILER                 6
#define SECBUFFER_TARGET                         13
#define SECBUFFER_TARGET_HOST                    0x00000010
#define SECBUFFER_TOKEN                          2
#define SECBUFFER_VERSION                        0
#define SECPKGCONTEXT_CIPHERINFO_V1              1
#define SECPKG_ATTR_ACCESS_TOKEN                 0x00000012
#define SECPKG_ATTR_APPLICATION_PROTOCOL         0x00000023
#define SECPKG_ATTR_APP_DATA                     0x0000005E
#define SECPKG_ATTR_AUTHENTICATION_ID            0x00000014
#define SECPKG_ATTR_AUTHORITY                    6
#define SECPKG_ATTR_CC_POLICY_RESULT             0x00000061
#define SECPKG_ATTR_CIPHER_INFO                  0x00000064
#define SECPKG_ATTR_CIPHER_STRENGTHS             0x00000057
#define SECPKG_ATTR_CLIENT_CERT_POLICY           0x00000060
#define SECPKG_ATTR_CLIENT_SPECIFIED_TARGET      0x0000001B
#define SECPKG_ATTR_CONNECTION_INFO              0x0000005A
#define SECPKG_ATTR_CONTEXT_DELETED              0x00000021
#define SECPKG_ATTR_CREDENTIAL_NAME              0x00000010
#define SECPKG_ATTR_DCE_INFO                     3
#define SECPKG_ATTR_EAP_KEY_BLOCK                0x0000005B
#define SECPKG_ATTR_EAP_PRF_INFO                 0x00000065
#define SECPKG_ATTR_ENDPOINT_BINDINGS            0x0000001A
#define SECPKG_ATTR_FLAGS                        14
#define SECPKG_ATTR_ISSUER_LIST                  0x00000050
#define SECPKG_ATTR_ISSUER_LIST_EX               0x00000059
#define SECPKG_ATTR_KEY_INFO                     5
#define SECPKG_ATTR_LAST_CLIENT_TOKEN_STATUS     0x0000001E
#define SECPKG_ATTR_LIFESPAN                     2
#define SECPKG_ATTR_LOCAL_CERT_CONTEXT           0x00000054
#define SECPKG_ATTR_LOCAL_CERT_INFO              0x00000063
#define SECPKG_ATTR_LOCAL_CRED                   0x00000052
#define SECPKG_ATTR_LOGOFF_TIME                  0x00000015
#define SECPKG_ATTR_MAPPED_CRED_ATTR             0x0000005C
#define SECPKG_ATTR_NAMES                        1
#define SECPKG_ATTR_NATIVE_NAMES                 13
#define SECPKG_ATTR_NEGOTIATION_INFO             12
#define SECPKG_ATTR_NEGO_KEYS                    0x00000016
#define SECPKG_ATTR_NEGO_PKG_INFO                0x0000001F
#define SECPKG_ATTR_NEGO_STATUS                  0x00000020
#define SECPKG_ATTR_PACKAGE_INFO                 10
#define SECPKG_ATTR_PASSWORD_EXPIRY              8
#define SECPKG_ATTR_PROMPTING_NEEDED             0x00000018
#define SECPKG_ATTR_PROTO_INFO                   7
#define SECPKG_ATTR_REMOTE_CERTIFICATES          0x0000005F
#define SECPKG_ATTR_REMOTE_CERT_CHAIN            0x00000067
#define SECPKG_ATTR_REMOTE_CERT_CONTEXT          0x00000053
#define SECPKG_ATTR_REMOTE_CRED                  0x00000051
#define SECPKG_ATTR_ROOT_STORE                   0x00000055
#define SECPKG_ATTR_SESSION_INFO                 0x0000005D
#define SECPKG_ATTR_SESSION_KEY                  9
#define SECPKG_ATTR_SIZES                        0
#define SECPKG_ATTR_STREAM_SIZES                 4
#define SECPKG_ATTR_SUBJECT_SECURITY_ATTRIBUTES  0x00000080
#define SECPKG_ATTR_SUPPORTED_ALGS               0x00000056
#define SECPKG_ATTR_SUPPORTED_PROTOCOLS          0x00000058
#define SECPKG_ATTR_SUPPORTED_SIGNATURES         0x00000066
#define SECPKG_ATTR_TARGET                       0x00000013
#define SECPKG_ATTR_TARGET_INFORMATION           0x00000011
#define SECPKG_ATTR_UNIQUE_BINDINGS              0x00000019
#define SECPKG_ATTR_USER_FLAGS                   11
#define SECPKG_ATTR_USE_NCRYPT                   0x00000062
#define SECPKG_ATTR_USE_VALIDATED                15
#define SECPKG_CRED_ATTR_NAMES                   1
#define SECPKG_CRED_AUTOLOGON_RESTRICTED         0x00000010
#define SECPKG_CRED_BOTH                         3
#define SECPKG_CRED_DEFAULT                      4
#define SECPKG_CRED_INBOUND                      1
#define SECPKG_CRED_OUTBOUND                     2
#define SECPKG_CRED_PROCESS_POLICY_ONLY          0x00000020
#define SECPKG_CRED_RESERVED                     0xF0000000U
#define SECPKG_FLAG_ACCEPT_WIN32_NAME            0x00000200
#define SECPKG_FLAG_APPCONTAINER_CHECKS          0x00800000
#define SECPKG_FLAG_APPCONTAINER_PASSTHROUGH     0x00400000
#define SECPKG_FLAG_APPLY_LOOPBACK               0x02000000
#define SECPKG_FLAG_ASCII_BUFFERS                0x00004000
#define SECPKG_FLAG_CLIENT_ONLY                  0x00000040
#define SECPKG_FLAG_CONNECTION                   0x00000010
#define SECPKG_FLAG_CREDENTIAL_ISOLATION_ENABLED 0x01000000
#define SECPKG_FLAG_DATAGRAM                     8
#define SECPKG_FLAG_DELEGATION                   0x00020000
#define SECPKG_FLAG_EXTENDED_ERROR               0x00000080
#define SECPKG_FLAG_FRAGMENT                     0x00008000
#define SECPKG_FLAG_GSS_COMPATIBLE               0x00001000
#define SECPKG_FLAG_IMPERSONATION                0x00000100
#define SECPKG_FLAG_INTEGRITY                    1
#define SECPKG_FLAG_LOGON                        0x00002000
#define SECPKG_FLAG_MULTI_REQUIRED               0x00000020
#define SECPKG_FLAG_MUTUAL_AUTH                  0x00010000
#define SECPKG_FLAG_NEGOTIABLE                   0x00000800
#define SECPKG_FLAG_NEGOTIABLE2                  0x00200000
#define SECPKG_FLAG_NEGO_EXTENDER                0x00100000
#define SECPKG_FLAG_PRIVACY                      2
#define SECPKG_FLAG_READONLY_WITH_CHECKSUM       0x00040000
#define SECPKG_FLAG_RESTRICTED_TOKENS            0x00080000
#define SECPKG_FLAG_STREAM                       0x00000400
#define SECPKG_FLAG_TOKEN_ONLY                   4
#define SECPKG_ID_NONE                           0x0000FFFF
#define SECPKG_NEGOTIATION_COMPLETE              0
#define SECPKG_NEGOTIATION_DIRECT                3
#define SECPKG_NEGOTIATION_IN_PROGRESS           2
#define SECPKG_NEGOTIATION_OPTIMISTIC            1
#define SECPKG_NEGOTIATION_TRY_MULTICRED         4
#define SECQOP_WRAP_NO_ENCRYPT                   0x80000001U
#define SECURITY_NATIVE_DREP                     0x00000010
#define SECURITY_NETWORK_DREP                    0
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION 1
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_2 2
#define SEC_E_ALGORITHM_MISMATCH                 ((SECURITY_STATUS)0x80090331L)
#define SEC_E_BAD_BINDINGS                       ((SECURITY_STATUS)0x80090346L)
#define SEC_E_BAD_PKGID                          ((SECURITY_STATUS)0x80090316L)
#define SEC_E_BUFFER_TOO_SMALL                   ((SECURITY_STATUS)0x80090321L)
#define SEC_E_CANNOT_INSTALL                     ((SECURITY_STATUS)0x80090307L)
#define SEC_E_CANNOT_PACK                        ((SECURITY_STATUS)0x80090309L)
#define SEC_E_CERT_EXPIRED                       ((SECURITY_STATUS)0x80090328L)
#define SEC_E_CERT_UNKNOWN                       ((SECURITY_STATUS)0x80090327L)
#define SEC_E_CERT_WRONG_USAGE                   ((SECURITY_STATUS)0x80090349L)
#define SEC_E_CONTEXT_EXPIRED                    ((SECURITY_STATUS)0x80090317L)
#define SEC_E_CROSSREALM_DELEGATION_FAILURE      ((SECURITY_STATUS)0x80090357L)
#define SEC_E_CRYPTO_SYSTEM_INVALID              ((SECURITY_STATUS)0x80090337L)
#define SEC_E_DECRYPT_FAILURE                    ((SECURITY_STATUS)0x80090330L)
#define SEC_E_DELEGATION_POLICY                  ((SECURITY_STATUS)0x8009035EL)
#define SEC_E_DELEGATION_REQUIRED                ((SECURITY_STATUS)0x80090345L)
#define SEC_E_DOWNGRADE_DETECTED                 ((SECURITY_STATUS)0x80090350L)
#define SEC_E_ENCRYPT_FAILURE                    ((SECURITY_STATUS)0x80090329L)
#define SEC_E_ILLEGAL_MESSAGE                    ((SECURITY_STATUS)0x80090326L)
#define SEC_E_INCOMPLETE_CREDENTIALS             ((SECURITY_STATUS)0x80090320L)
#define SEC_E_INCOMPLETE_MESSAGE                 ((SECURITY_STATUS)0x80090318L)
#define SEC_E_INSUFFICIENT_MEMORY                ((SECURITY_STATUS)0x80090300L)
#define SEC_E_INTERNAL_ERROR                     ((SECURITY_STATUS)0x80090304L)
#define SEC_E_INVALID_HANDLE                     ((SECURITY_STATUS)0x80090301L)
#define SEC_E_INVALID_PARAMETER                  ((SECURITY_STATUS)0x8009035DL)
#define SEC_E_INVALID_TOKEN                      ((SECURITY_STATUS)0x80090308L)
#define SEC_E_ISSUING_CA_UNTRUSTED               ((SECURITY_STATUS)0x80090352L)
#define SEC_E_ISSUING_CA_UNTRUSTED_KDC           ((SECURITY_STATUS)0x80090359L)
#define SEC_E_KDC_CERT_EXPIRED                   ((SECURITY_STATUS)0x8009035AL)
#define SEC_E_KDC_CERT_REVOKED                   ((SECURITY_STATUS)0x8009035BL)
#define SEC_E_KDC_INVALID_REQUEST                ((SECURITY_STATUS)0x80090340L)
#define SEC_E_KDC_UNABLE_TO_REFER                ((SECURITY_STATUS)0x80090341L)
#define SEC_E_KDC_UNKNOWN_ETYPE                  ((SECURITY_STATUS)0x80090342L)
#define SEC_E_LOGON_DENIED                       ((SECURITY_STATUS)0x8009030CL)
#define SEC_E_MAX_REFERRALS_EXCEEDED             ((SECURITY_STATUS)0x80090338L)
#define SEC_E_MESSAGE_ALTERED                    ((SECURITY_STATUS)0x8009030FL)
#define SEC_E_MULTIPLE_ACCOUNTS                  ((SECURITY_STATUS)0x80090347L)
#define SEC_E_MUST_BE_KDC                        ((SECURITY_STATUS)0x80090339L)
#define SEC_E_MUTUAL_AUTH_FAILED                 ((SECURITY_STATUS)0x80090363L)
#define SEC_E_NOT_OWNER                          ((SECURITY_STATUS)0x80090306L)
#define SEC_E_NOT_SUPPORTED                      ((SECURITY_STATUS)0x80090302L)
#define SEC_E_NO_AUTHENTICATING_AUTHORITY        ((SECURITY_STATUS)0x80090311L)
#define SEC_E_NO_CONTEXT                         ((SECURITY_STATUS)0x80090361L)
#define SEC_E_NO_CREDENTIALS                     ((SECURITY_STATUS)0x8009030EL)
#define SEC_E_NO_IMPERSONATION                   ((SECURITY_STATUS)0x8009030BL)
#define SEC_E_NO_IP_ADDRESSES                    ((SECURITY_STATUS)0x80090335L)
#define SEC_E_NO_KERB_KEY                        ((SECURITY_STATUS)0x80090348L)
#define SEC_E_NO_PA_DATA                         ((SECURITY_STATUS)0x8009033CL)
#define SEC_E_NO_S4U_PROT_SUPPORT                ((SECURITY_STATUS)0x80090356L)
#define SEC_E_NO_SPM                             ((SECURITY_STATUS)0x80090304L)
#define SEC_E_NO_TGT_REPLY                       ((SECURITY_STATUS)0x80090334L)
#define SEC_E_OK                                 ((SECURITY_STATUS)0x00000000L)
#define SEC_E_OUT_OF_SEQUENCE                    ((SECURITY_STATUS)0x80090310L)
#define SEC_E_PKINIT_CLIENT_FAILURE              ((SECURITY_STATUS)0x80090354L)
#define SEC_E_PKINIT_NAME_MISMATCH               ((SECURITY_STATUS)0x8009033DL)
#define SEC_E_PKU2U_CERT_FAILURE                 ((SECURITY_STATUS)0x80090362L)
#define SEC_E_POLICY_NLTM_ONLY                   ((SECURITY_STATUS)0x8009035FL)
#define SEC_E_QOP_NOT_SUPPORTED                  ((SECURITY_STATUS)0x8009030AL)
#define SEC_E_REVOCATION_OFFLINE_C               ((SECURITY_STATUS)0x80090353L)
#define SEC_E_REVOCATION_OFFLINE_KDC             ((SECURITY_STATUS)0x80090358L)
#define SEC_E_SECPKG_NOT_FOUND                   ((SECURITY_STATUS)0x80090305L)
#define SEC_E_SECURITY_QOS_FAILED                ((SECURITY_STATUS)0x80090332L)
#define SEC_E_SHUTDOWN_IN_PROGRESS               ((SECURITY_STATUS)0x8009033FL)
#define SEC_E_SMARTCARD_CERT_EXPIRED             ((SECURITY_STATUS)0x80090355L)
#define SEC_E_SMARTCARD_CERT_REVOKED             ((SECURITY_STATUS)0x80090351L)
#define SEC_E_SMARTCARD_LOGON_REQUIRED           ((SECURITY_STATUS)0x8009033EL)
#define SEC_E_STRONG_CRYPTO_NOT_SUPPORTED        ((SECURITY_STATUS)0x8009033AL)
#define SEC_E_TARGET_UNKNOWN                     ((SECURITY_STATUS)0x80090303L)
#define SEC_E_TIME_SKEW                          ((SECURITY_STATUS)0x80090324L)
#define SEC_E_TOO_MANY_PRINCIPALS                ((SECURITY_STATUS)0x8009033BL)
#define SEC_E_UNFINISHED_CONTEXT_DELETED         ((SECURITY_STATUS)0x80090333L)
#define SEC_E_UNKNOWN_CREDENTIALS                ((SECURITY_STATUS)0x8009030DL)
#define SEC_E_UNSUPPORTED_FUNCTION               ((SECURITY_STATUS)0x80090302L)
#define SEC_E_UNSUPPORTED_PREAUTH                ((SECURITY_STATUS)0x80090343L)
#define SEC_E_UNTRUSTED_ROOT                     ((SECURITY_STATUS)0x80090325L)
#define SEC_E_WRONG_CREDENTIAL_HANDLE            ((SECURITY_STATUS)0x80090336L)
#define SEC_E_WRONG_PRINCIPAL                    ((SECURITY_STATUS)0x80090322L)
#define SEC_I_ASYNC_CALL_PENDING                 ((SECURITY_STATUS)0x00090368L)
#define SEC_I_COMPLETE_AND_CONTINUE              ((SECURITY_STATUS)0x00090314L)
#define SEC_I_COMPLETE_NEEDED                    ((SECURITY_STATUS)0x00090313L)
#define SEC_I_CONTEXT_EXPIRED                    ((SECURITY_STATUS)0x00090317L)
#define SEC_I_CONTINUE_NEEDED                    ((SECURITY_STATUS)0x00090312L)
#define SEC_I_INCOMPLETE_CREDENTIALS             ((SECURITY_STATUS)0x00090320L)
#define SEC_I_LOCAL_LOGON                        ((SECURITY_STATUS)0x00090315L)
#define SEC_I_NO_LSA_CONTEXT                     ((SECURITY_STATUS)0x00090323L)
#define SEC_I_NO_RENEGOTIATION                   ((SECURITY_STATUS)0x00090360L)
#define SEC_I_RENEGOTIATE                        ((SECURITY_STATUS)0x00090321L)
#define SEC_I_SIGNATURE_NEEDED                   ((SECURITY_STATUS)0x0009035CL)
#define SEC_WINNT_AUTH_IDENTITY_ANSI             1
#define SEC_WINNT_AUTH_IDENTITY_UNICODE          2
#define SEC_WINNT_AUTH_IDENTITY_VERSION          0x00000200
#define SEC_WINNT_AUTH_IDENTITY_VERSION_2        0x00000201
#define SZ_ALG_MAX_SIZE                          0x00000040
#define UNISP_RPC_ID                             14

/* ---- functions (the W forms; the undecorated names are macros, as with UNICODE) ---- */
CESIM_IMPORT(EnumerateSecurityPackagesW) SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesW(unsigned long *pcPackages, PSecPkgInfoW *ppPackageInfo);
CESIM_IMPORT(QueryCredentialsAttributesW) SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesW(PCredHandle phCredential, unsigned long ulAttribute, void *pBuffer);
CESIM_IMPORT(AcquireCredentialsHandleW) SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleW(SEC_WCHAR *pszPrincipal, SEC_WCHAR *pszPackage, unsigned long fCredentialUse, void *pvLogonId, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn, void *pvGetKeyArgument, PCredHandle phCredential, PTimeStamp ptsExpiry);
CESIM_IMPORT(FreeCredentialsHandle) SECURITY_STATUS SEC_ENTRY FreeCredentialsHandle(PCredHandle phCredential);
CESIM_IMPORT(InitializeSecurityContextW) SECURITY_STATUS SEC_ENTRY InitializeSecurityContextW(PCredHandle phCredential, PCtxtHandle phContext, SEC_WCHAR *pszTargetName, unsigned long fContextReq, unsigned long Reserved1, unsigned long TargetDataRep, PSecBufferDesc pInput, unsigned long Reserved2, PCtxtHandle phNewContext, PSecBufferDesc pOutput, unsigned long *pfContextAttr, PTimeStamp ptsExpiry);
CESIM_IMPORT(AcceptSecurityContext) SECURITY_STATUS SEC_ENTRY AcceptSecurityContext(PCredHandle phCredential, PCtxtHandle phContext, PSecBufferDesc pInput, unsigned long fContextReq, unsigned long TargetDataRep, PCtxtHandle phNewContext, PSecBufferDesc pOutput, unsigned long *pfContextAttr, PTimeStamp ptsExpiry);
CESIM_IMPORT(CompleteAuthToken) SECURITY_STATUS SEC_ENTRY CompleteAuthToken(PCtxtHandle phContext, PSecBufferDesc pToken);
CESIM_IMPORT(DeleteSecurityContext) SECURITY_STATUS SEC_ENTRY DeleteSecurityContext(PCtxtHandle phContext);
CESIM_IMPORT(ApplyControlToken) SECURITY_STATUS SEC_ENTRY ApplyControlToken(PCtxtHandle phContext, PSecBufferDesc pInput);
CESIM_IMPORT(QueryContextAttributesW) SECURITY_STATUS SEC_ENTRY QueryContextAttributesW(PCtxtHandle phContext, unsigned long ulAttribute, void *pBuffer);
CESIM_IMPORT(ImpersonateSecurityContext) SECURITY_STATUS SEC_ENTRY ImpersonateSecurityContext(PCtxtHandle phContext);
CESIM_IMPORT(RevertSecurityContext) SECURITY_STATUS SEC_ENTRY RevertSecurityContext(PCtxtHandle phContext);
CESIM_IMPORT(MakeSignature) SECURITY_STATUS SEC_ENTRY MakeSignature(PCtxtHandle phContext, unsigned long fQOP, PSecBufferDesc pMessage, unsigned long MessageSeqNo);
CESIM_IMPORT(VerifySignature) SECURITY_STATUS SEC_ENTRY VerifySignature(PCtxtHandle phContext, PSecBufferDesc pMessage, unsigned long MessageSeqNo, unsigned long *pfQOP);
CESIM_IMPORT(FreeContextBuffer) SECURITY_STATUS SEC_ENTRY FreeContextBuffer(void *pvContextBuffer);
CESIM_IMPORT(QuerySecurityPackageInfoW) SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoW(SEC_WCHAR *pszPackageName, PSecPkgInfoW *ppPackageInfo);
CESIM_IMPORT(ExportSecurityContext) SECURITY_STATUS SEC_ENTRY ExportSecurityContext(PCtxtHandle phContext, unsigned long fFlags, PSecBuffer pPackedContext, void **pToken);
CESIM_IMPORT(ImportSecurityContextW) SECURITY_STATUS SEC_ENTRY ImportSecurityContextW(SEC_WCHAR *pszPackage, PSecBuffer pPackedContext, void *Token, PCtxtHandle phContext);
CESIM_IMPORT(AddCredentialsW) SECURITY_STATUS SEC_ENTRY AddCredentialsW(PCredHandle hCredentials, SEC_WCHAR *pszPrincipal, SEC_WCHAR *pszPackage, unsigned long fCredentialUse, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn, void *pvGetKeyArgument, PTimeStamp ptsExpiry);
CESIM_IMPORT(QuerySecurityContextToken) SECURITY_STATUS SEC_ENTRY QuerySecurityContextToken(PCtxtHandle phContext, void **Token);
CESIM_IMPORT(EncryptMessage) SECURITY_STATUS SEC_ENTRY EncryptMessage(PCtxtHandle phContext, unsigned long fQOP, PSecBufferDesc pMessage, unsigned long MessageSeqNo);
CESIM_IMPORT(DecryptMessage) SECURITY_STATUS SEC_ENTRY DecryptMessage(PCtxtHandle phContext, PSecBufferDesc pMessage, unsigned long MessageSeqNo, unsigned long *pfQOP);
CESIM_IMPORT(SetContextAttributesW) SECURITY_STATUS SEC_ENTRY SetContextAttributesW(PCtxtHandle phContext, unsigned long ulAttribute, void *pBuffer, unsigned long cbBuffer);

#define EnumerateSecurityPackages EnumerateSecurityPackagesW
#define QueryCredentialsAttributes QueryCredentialsAttributesW
#define AcquireCredentialsHandle AcquireCredentialsHandleW
#define InitializeSecurityContext InitializeSecurityContextW
#define QueryContextAttributes QueryContextAttributesW
#define QuerySecurityPackageInfo QuerySecurityPackageInfoW
#define ImportSecurityContext ImportSecurityContextW
#define AddCredentials AddCredentialsW
#define SetContextAttributes SetContextAttributesW

/* ---- the function table (SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION, as Security.dll fills it) ---- */
typedef SECURITY_STATUS(SEC_ENTRY *ENUMERATE_SECURITY_PACKAGES_FN_W)(unsigned long *, PSecPkgInfoW *);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_CREDENTIALS_ATTRIBUTES_FN_W)(PCredHandle, unsigned long, void *);
typedef SECURITY_STATUS(SEC_ENTRY *ACQUIRE_CREDENTIALS_HANDLE_FN_W)(SEC_WCHAR *, SEC_WCHAR *, unsigned long, void *, void *, SEC_GET_KEY_FN, void *, PCredHandle, PTimeStamp);
typedef SECURITY_STATUS(SEC_ENTRY *FREE_CREDENTIALS_HANDLE_FN)(PCredHandle);
typedef SECURITY_STATUS(SEC_ENTRY *INITIALIZE_SECURITY_CONTEXT_FN_W)(PCredHandle, PCtxtHandle, SEC_WCHAR *, unsigned long, unsigned long, unsigned long, PSecBufferDesc, unsigned long, PCtxtHandle, PSecBufferDesc, unsigned long *, PTimeStamp);
typedef SECURITY_STATUS(SEC_ENTRY *ACCEPT_SECURITY_CONTEXT_FN)(PCredHandle, PCtxtHandle, PSecBufferDesc, unsigned long, unsigned long, PCtxtHandle, PSecBufferDesc, unsigned long *, PTimeStamp);
typedef SECURITY_STATUS(SEC_ENTRY *COMPLETE_AUTH_TOKEN_FN)(PCtxtHandle, PSecBufferDesc);
typedef SECURITY_STATUS(SEC_ENTRY *DELETE_SECURITY_CONTEXT_FN)(PCtxtHandle);
typedef SECURITY_STATUS(SEC_ENTRY *APPLY_CONTROL_TOKEN_FN)(PCtxtHandle, PSecBufferDesc);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_CONTEXT_ATTRIBUTES_FN_W)(PCtxtHandle, unsigned long, void *);
typedef SECURITY_STATUS(SEC_ENTRY *IMPERSONATE_SECURITY_CONTEXT_FN)(PCtxtHandle);
typedef SECURITY_STATUS(SEC_ENTRY *REVERT_SECURITY_CONTEXT_FN)(PCtxtHandle);
typedef SECURITY_STATUS(SEC_ENTRY *MAKE_SIGNATURE_FN)(PCtxtHandle, unsigned long, PSecBufferDesc, unsigned long);
typedef SECURITY_STATUS(SEC_ENTRY *VERIFY_SIGNATURE_FN)(PCtxtHandle, PSecBufferDesc, unsigned long, unsigned long *);
typedef SECURITY_STATUS(SEC_ENTRY *FREE_CONTEXT_BUFFER_FN)(void *);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_SECURITY_PACKAGE_INFO_FN_W)(SEC_WCHAR *, PSecPkgInfoW *);
typedef SECURITY_STATUS(SEC_ENTRY *EXPORT_SECURITY_CONTEXT_FN)(PCtxtHandle, unsigned long, PSecBuffer, void **);
typedef SECURITY_STATUS(SEC_ENTRY *IMPORT_SECURITY_CONTEXT_FN_W)(SEC_WCHAR *, PSecBuffer, void *, PCtxtHandle);
typedef SECURITY_STATUS(SEC_ENTRY *ADD_CREDENTIALS_FN_W)(PCredHandle, SEC_WCHAR *, SEC_WCHAR *, unsigned long, void *, SEC_GET_KEY_FN, void *, PTimeStamp);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_SECURITY_CONTEXT_TOKEN_FN)(PCtxtHandle, void **);
typedef SECURITY_STATUS(SEC_ENTRY *ENCRYPT_MESSAGE_FN)(PCtxtHandle, unsigned long, PSecBufferDesc, unsigned long);
typedef SECURITY_STATUS(SEC_ENTRY *DECRYPT_MESSAGE_FN)(PCtxtHandle, PSecBufferDesc, unsigned long, unsigned long *);
typedef SECURITY_STATUS(SEC_ENTRY *SET_CONTEXT_ATTRIBUTES_FN_W)(PCtxtHandle, unsigned long, void *, unsigned long);

typedef struct _SECURITY_FUNCTION_TABLE_W {
  unsigned long dwVersion;
  ENUMERATE_SECURITY_PACKAGES_FN_W EnumerateSecurityPackagesW;
  QUERY_CREDENTIALS_ATTRIBUTES_FN_W QueryCredentialsAttributesW;
  ACQUIRE_CREDENTIALS_HANDLE_FN_W AcquireCredentialsHandleW;
  FREE_CREDENTIALS_HANDLE_FN FreeCredentialsHandle;
  void *Reserved2;
  INITIALIZE_SECURITY_CONTEXT_FN_W InitializeSecurityContextW;
  ACCEPT_SECURITY_CONTEXT_FN AcceptSecurityContext;
  COMPLETE_AUTH_TOKEN_FN CompleteAuthToken;
  DELETE_SECURITY_CONTEXT_FN DeleteSecurityContext;
  APPLY_CONTROL_TOKEN_FN ApplyControlToken;
  QUERY_CONTEXT_ATTRIBUTES_FN_W QueryContextAttributesW;
  IMPERSONATE_SECURITY_CONTEXT_FN ImpersonateSecurityContext;
  REVERT_SECURITY_CONTEXT_FN RevertSecurityContext;
  MAKE_SIGNATURE_FN MakeSignature;
  VERIFY_SIGNATURE_FN VerifySignature;
  FREE_CONTEXT_BUFFER_FN FreeContextBuffer;
  QUERY_SECURITY_PACKAGE_INFO_FN_W QuerySecurityPackageInfoW;
  void *Reserved3;
  void *Reserved4;
  EXPORT_SECURITY_CONTEXT_FN ExportSecurityContext;
  IMPORT_SECURITY_CONTEXT_FN_W ImportSecurityContextW;
  ADD_CREDENTIALS_FN_W AddCredentialsW;
  void *Reserved8;
  QUERY_SECURITY_CONTEXT_TOKEN_FN QuerySecurityContextToken;
  ENCRYPT_MESSAGE_FN EncryptMessage;
  DECRYPT_MESSAGE_FN DecryptMessage;
  SET_CONTEXT_ATTRIBUTES_FN_W SetContextAttributesW;
} SecurityFunctionTableW, *PSecurityFunctionTableW;
typedef SecurityFunctionTableW SecurityFunctionTable, *PSecurityFunctionTable;

/* The table of the process's Security.dll (sdk/lib/security.c fills it with the functions above). */
PSecurityFunctionTableW SEC_ENTRY InitSecurityInterfaceW(void);
#define InitSecurityInterface InitSecurityInterfaceW
typedef PSecurityFunctionTableW(SEC_ENTRY *INIT_SECURITY_INTERFACE_W)(void);

#ifdef __cplusplus
}
#endif

#endif /* __SSPI_H__ */
