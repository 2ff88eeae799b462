/*
 * leak.c: the bug a memory budget exists to find. It starts a TLS handshake the way
 * Microsoft's samples do (UNISP_NAME credentials, InitializeSecurityContext with
 * ISC_REQ_ALLOCATE_MEMORY) and then forgets the FreeContextBuffer of the ClientHello token
 * Schannel allocated for it. Everything else is released. Run it and the leak report names
 * the token-pool block, its owner tag and the C function whose call allocated it:
 *
 *   cesim cc examples/c/leak.c -o /tmp/leak.wasm && cesim run --program /tmp/leak.wasm
 *
 * The exit code is the first failing SECURITY_STATUS (0 is SEC_E_OK).
 */
#define SECURITY_WIN32
#include <windows.h>
#include <stdio.h>
#include <string.h>
#include <security.h>
#include <schannel.h>

static PSecurityFunctionTableW g_pSSPI;

/* Writes the first handshake token (the ClientHello) and, by mistake, keeps it. */
static SECURITY_STATUS StartHandshake(CredHandle *phCreds, CtxtHandle *phContext, DWORD *pcbHello) {
  SecBuffer OutBuffers[1];
  SecBufferDesc OutBuffer;
  DWORD dwSSPIFlags = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_RET_EXTENDED_ERROR | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;
  DWORD dwSSPIOutFlags;
  TimeStamp tsExpiry;
  SECURITY_STATUS scRet;

  OutBuffers[0].pvBuffer = NULL;
  OutBuffers[0].BufferType = SECBUFFER_TOKEN;
  OutBuffers[0].cbBuffer = 0;
  OutBuffer.cBuffers = 1;
  OutBuffer.pBuffers = OutBuffers;
  OutBuffer.ulVersion = SECBUFFER_VERSION;

  scRet = g_pSSPI->InitializeSecurityContextW(phCreds, NULL, (SEC_WCHAR *)TEXT("device.test"), dwSSPIFlags, 0, SECURITY_NATIVE_DREP, NULL, 0, phContext, &OutBuffer, &dwSSPIOutFlags, &tsExpiry);
  if (scRet != SEC_I_CONTINUE_NEEDED) return scRet;
  *pcbHello = OutBuffers[0].cbBuffer;
  /* The bug: the sample frees the token once it is sent; this program never does.
   *   g_pSSPI->FreeContextBuffer(OutBuffers[0].pvBuffer);
   */
  return SEC_E_OK;
}

int main(void) {
  SCHANNEL_CRED SchannelCred;
  CredHandle hCreds;
  CtxtHandle hContext;
  TimeStamp tsExpiry;
  DWORD cbHello = 0;
  SECURITY_STATUS Status;

  g_pSSPI = InitSecurityInterface();
  if (g_pSSPI == NULL) return (int)SEC_E_INTERNAL_ERROR;

  memset(&SchannelCred, 0, sizeof(SchannelCred));
  SchannelCred.dwVersion = SCHANNEL_CRED_VERSION;
  SchannelCred.dwFlags = SCH_CRED_NO_DEFAULT_CREDS | SCH_CRED_MANUAL_CRED_VALIDATION;
  Status = g_pSSPI->AcquireCredentialsHandleW(NULL, UNISP_NAME, SECPKG_CRED_OUTBOUND, NULL, &SchannelCred, NULL, NULL, &hCreds, &tsExpiry);
  if (Status != SEC_E_OK) return (int)Status;

  Status = StartHandshake(&hCreds, &hContext, &cbHello);
  if (Status == SEC_E_OK) {
    printf("ClientHello of %lu bytes written (and never freed)\n", (unsigned long)cbHello);
    g_pSSPI->DeleteSecurityContext(&hContext);
  }
  g_pSSPI->FreeCredentialsHandle(&hCreds);
  return (int)Status;
}
