/*
 * wincrypt.h for cesim: the certificate-context subset Schannel's API uses (CERT_CONTEXT,
 * a memory or system store, adding an encoded certificate, finding and enumerating a store's
 * certificates, freeing a context) and the ALG_IDs.
 * Written for cesim from the published API (names, values, 32-bit layouts).
 */
#ifndef __WINCRYPT_H__
#define __WINCRYPT_H__

#include "windows.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned int ALG_ID;
typedef void *HCERTSTORE;

typedef struct _CRYPTOAPI_BLOB {
  DWORD cbData;
  BYTE *pbData;
} CRYPT_INTEGER_BLOB, CRYPT_DATA_BLOB, CERT_NAME_BLOB, *PCERT_NAME_BLOB;

/* cesim keeps the decoded certificate inside Schannel; pCertInfo is NULL. */
typedef struct _CERT_INFO CERT_INFO, *PCERT_INFO;

typedef struct _CERT_CONTEXT {
  DWORD dwCertEncodingType;
  BYTE *pbCertEncoded;
  DWORD cbCertEncoded;
  PCERT_INFO pCertInfo;
  HCERTSTORE hCertStore;
} CERT_CONTEXT, *PCERT_CONTEXT;
typedef const CERT_CONTEXT *PCCERT_CONTEXT;

#define X509_ASN_ENCODING 0x00000001
#define PKCS_7_ASN_ENCODING 0x00010000

#define CERT_STORE_PROV_MEMORY ((LPCSTR)2)
#define CERT_STORE_PROV_SYSTEM_W ((LPCSTR)10)
#define CERT_STORE_PROV_SYSTEM CERT_STORE_PROV_SYSTEM_W

#define CERT_STORE_ADD_NEW 1
#define CERT_STORE_ADD_USE_EXISTING 2
#define CERT_STORE_ADD_REPLACE_EXISTING 3
#define CERT_STORE_ADD_ALWAYS 4

#define CERT_CLOSE_STORE_FORCE_FLAG 0x00000001
#define CERT_CLOSE_STORE_CHECK_FLAG 0x00000002

/* CertFindCertificateInStore dwFindType: CERT_COMPARE_* << CERT_COMPARE_SHIFT | CERT_INFO_*_FLAG. */
#define CERT_COMPARE_SHIFT 16
#define CERT_COMPARE_ANY 0
#define CERT_COMPARE_NAME 2
#define CERT_COMPARE_NAME_STR_A 7
#define CERT_COMPARE_NAME_STR_W 8
#define CERT_INFO_ISSUER_FLAG 4
#define CERT_INFO_SUBJECT_FLAG 7
#define CERT_FIND_ANY (CERT_COMPARE_ANY << CERT_COMPARE_SHIFT)
#define CERT_FIND_SUBJECT_NAME (CERT_COMPARE_NAME << CERT_COMPARE_SHIFT | CERT_INFO_SUBJECT_FLAG)
#define CERT_FIND_ISSUER_NAME (CERT_COMPARE_NAME << CERT_COMPARE_SHIFT | CERT_INFO_ISSUER_FLAG)
#define CERT_FIND_SUBJECT_STR_A (CERT_COMPARE_NAME_STR_A << CERT_COMPARE_SHIFT | CERT_INFO_SUBJECT_FLAG)
#define CERT_FIND_SUBJECT_STR_W (CERT_COMPARE_NAME_STR_W << CERT_COMPARE_SHIFT | CERT_INFO_SUBJECT_FLAG)
#define CERT_FIND_SUBJECT_STR CERT_FIND_SUBJECT_STR_W
#define CERT_FIND_ISSUER_STR_A (CERT_COMPARE_NAME_STR_A << CERT_COMPARE_SHIFT | CERT_INFO_ISSUER_FLAG)
#define CERT_FIND_ISSUER_STR_W (CERT_COMPARE_NAME_STR_W << CERT_COMPARE_SHIFT | CERT_INFO_ISSUER_FLAG)
#define CERT_FIND_ISSUER_STR CERT_FIND_ISSUER_STR_W

#define CRYPT_E_EXISTS ((HRESULT)0x80092005L)
#define CRYPT_E_NOT_FOUND ((HRESULT)0x80092004L)
#define CRYPT_E_ASN1_BADTAG ((HRESULT)0x8009310BL)

/* ALG_IDs (SecPkgContext_ConnectionInfo, SCHANNEL_CRED.palgSupportedAlgs) */
#define CALG_3DES                                0x00006603
#define CALG_AES_128                             0x0000660E
#define CALG_AES_192                             0x0000660F
#define CALG_AES_256                             0x00006610
#define CALG_DES                                 0x00006601
#define CALG_DH_EPHEM                            0x0000AA02
#define CALG_DH_SF                               0x0000AA01
#define CALG_DSS_SIGN                            0x00002200
#define CALG_ECDH                                0x0000AA05
#define CALG_ECDH_EPHEM                          0x0000AE06
#define CALG_ECDSA                               0x00002203
#define CALG_MD5                                 0x00008003
#define CALG_RC2                                 0x00006602
#define CALG_RC4                                 0x00006801
#define CALG_RSA_KEYX                            0x0000A400
#define CALG_RSA_SIGN                            0x00002400
#define CALG_SHA1                                0x00008004
#define CALG_SHA_256                             0x0000800C
#define CALG_SHA_384                             0x0000800D
#define CALG_SHA_512                             0x0000800E

/* A memory store (CERT_STORE_PROV_MEMORY) or, with CERT_STORE_PROV_SYSTEM and L"ROOT" as pvPara,
   the device's root store that Schannel validates servers against. */
CESIM_IMPORT(CertOpenStore) HCERTSTORE WINAPI CertOpenStore(LPCSTR lpszStoreProvider, DWORD dwEncodingType, ULONG_PTR hCryptProv, DWORD dwFlags, const void *pvPara);
/* szSubsystemProtocol L"ROOT" (or L"CA", L"MY"): the device's system store of that name. */
CESIM_IMPORT(CertOpenSystemStoreW) HCERTSTORE WINAPI CertOpenSystemStoreW(ULONG_PTR hProv, LPCWSTR szSubsystemProtocol);
#define CertOpenSystemStore CertOpenSystemStoreW
CESIM_IMPORT(CertCloseStore) BOOL WINAPI CertCloseStore(HCERTSTORE hCertStore, DWORD dwFlags);
CESIM_IMPORT(CertAddEncodedCertificateToStore) BOOL WINAPI CertAddEncodedCertificateToStore(HCERTSTORE hCertStore, DWORD dwCertEncodingType, const BYTE *pbCertEncoded, DWORD cbCertEncoded, DWORD dwAddDisposition, PCCERT_CONTEXT *ppCertContext);
CESIM_IMPORT(CertCreateCertificateContext) PCCERT_CONTEXT WINAPI CertCreateCertificateContext(DWORD dwCertEncodingType, const BYTE *pbCertEncoded, DWORD cbCertEncoded);
CESIM_IMPORT(CertDuplicateCertificateContext) PCCERT_CONTEXT WINAPI CertDuplicateCertificateContext(PCCERT_CONTEXT pCertContext);
CESIM_IMPORT(CertFreeCertificateContext) BOOL WINAPI CertFreeCertificateContext(PCCERT_CONTEXT pCertContext);
/* The next certificate after pPrevCertContext (NULL: the first) that matches; pPrevCertContext is
   freed, found or not. NULL with GetLastError() CRYPT_E_NOT_FOUND at the end. The string finds
   match a case-insensitive substring of the name string ("O=cesim, CN=device.test"). */
CESIM_IMPORT(CertFindCertificateInStore) PCCERT_CONTEXT WINAPI CertFindCertificateInStore(HCERTSTORE hCertStore, DWORD dwCertEncodingType, DWORD dwFindFlags, DWORD dwFindType, const void *pvFindPara, PCCERT_CONTEXT pPrevCertContext);
CESIM_IMPORT(CertEnumCertificatesInStore) PCCERT_CONTEXT WINAPI CertEnumCertificatesInStore(HCERTSTORE hCertStore, PCCERT_CONTEXT pPrevCertContext);

#ifdef __cplusplus
}
#endif

#endif /* __WINCRYPT_H__ */
