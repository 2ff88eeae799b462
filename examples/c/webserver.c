/*
 * webserver.c: an HTTPS server written the way Microsoft's Schannel samples (WebServer.c) write
 * one, compiled by `cesim cc` and run on an emulated CE device (the built-in c-webserver
 * scenario runs it against the TypeScript TLS client):
 *
 *   cesim cc examples/c/webserver.c -o /tmp/s.wasm
 *
 * The server certificate comes from the device's MY store (CertOpenSystemStore(TEXT("MY")) and
 * CertFindCertificateInStore by subject string, as the sample finds it; the scenario's `cert`
 * and `key` provision the store). Credentials with UNISP_NAME and SECPKG_CRED_INBOUND, the
 * AcceptSecurityContext loop with ASC_REQ_ALLOCATE_MEMORY (SECBUFFER_EXTRA,
 * SEC_E_INCOMPLETE_MESSAGE), DecryptMessage for the request, EncryptMessage for the response,
 * SCHANNEL_SHUTDOWN and the close_notify from AcceptSecurityContext. Every buffer is LocalAlloc'ed
 * (the device heap); every token is a block of the device's token pool, given back with
 * FreeContextBuffer. The exit code is the first failing SECURITY_STATUS (0 is SEC_E_OK).
 *
 * Usage: webserver [PORT [CONNECTIONS [RESPONSEBYTES [SUBJECT]]]]
 *        (defaults: 443 1 1024 localhost)
 */
#define SECURITY_WIN32
#include <windows.h>
#include <winsock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <security.h>
#include <schannel.h>
#include <wincrypt.h>

/* One TLS record and its header: what a handshake message or a record needs at most. */
#define IO_BUFFER_SIZE (16384 + 256 + 5)

static PSecurityFunctionTableW g_pSSPI;
static CredHandle hServerCreds;
static HCERTSTORE hMyCertStore = NULL;
static PCCERT_CONTEXT pCertContext = NULL;

static void ToWide(const char *s, WCHAR *w, int cap) {
  int i = 0;
  for (; s[i] && i < cap - 1; i++) w[i] = (WCHAR)(unsigned char)s[i];
  w[i] = 0;
}

static SECURITY_STATUS CreateCredentials(const char *pszSubject) {
  SCHANNEL_CRED SchannelCred;
  TimeStamp tsExpiry;
  SECURITY_STATUS Status;
  WCHAR wSubject[256];

  hMyCertStore = CertOpenSystemStore(0, TEXT("MY"));
  if (hMyCertStore == NULL) {
    printf("**** Error 0x%lx returned by CertOpenSystemStore\n", (unsigned long)GetLastError());
    return SEC_E_NO_CREDENTIALS;
  }
  ToWide(pszSubject, wSubject, 256);
  pCertContext = CertFindCertificateInStore(hMyCertStore, X509_ASN_ENCODING, 0, CERT_FIND_SUBJECT_STR_W, wSubject, NULL);
  if (pCertContext == NULL) {
    printf("**** Error 0x%lx returned by CertFindCertificateInStore (%s)\n", (unsigned long)GetLastError(), pszSubject);
    return SEC_E_NO_CREDENTIALS;
  }
  printf("server certificate: %lu bytes, subject contains \"%s\"\n", pCertContext->cbCertEncoded, pszSubject);

  ZeroMemory(&SchannelCred, sizeof(SchannelCred));
  SchannelCred.dwVersion = SCHANNEL_CRED_VERSION;
  SchannelCred.cCreds = 1;
  SchannelCred.paCred = &pCertContext;
  SchannelCred.grbitEnabledProtocols = SP_PROT_TLS1_3_SERVER;

  Status = g_pSSPI->AcquireCredentialsHandleW(NULL, UNISP_NAME, SECPKG_CRED_INBOUND, NULL, &SchannelCred, NULL, NULL, &hServerCreds, &tsExpiry);
  if (Status != SEC_E_OK) printf("**** Error 0x%lx returned by AcquireCredentialsHandle\n", (unsigned long)Status);
  return Status;
}

/* Sends a token-pool block and gives it back; 0 when the send failed. */
static int SendToken(SOCKET Socket, SecBuffer *pToken) {
  int ok = 1;
  if (pToken->cbBuffer != 0 && pToken->pvBuffer != NULL) {
    int cbData = send(Socket, (const char *)pToken->pvBuffer, (int)pToken->cbBuffer, 0);
    if (cbData == SOCKET_ERROR || cbData == 0) {
      printf("**** Error %d sending data to client\n", WSAGetLastError());
      ok = 0;
    }
  }
  if (pToken->pvBuffer) g_pSSPI->FreeContextBuffer(pToken->pvBuffer);
  pToken->pvBuffer = NULL;
  return ok;
}

/*
 * The AcceptSecurityContext loop. The first call makes the context; bytes the client sent after
 * its Finished (the HTTP request, often in the same segment) are handed back in pExtraData.
 */
static SECURITY_STATUS ServerHandshakeLoop(SOCKET Socket, CtxtHandle *phContext, SecBuffer *pExtraData) {
  SecBufferDesc InBuffer, OutBuffer;
  SecBuffer InBuffers[2], OutBuffers[1];
  DWORD dwSSPIFlags, dwSSPIOutFlags, cbIoBuffer = 0;
  TimeStamp tsExpiry;
  SECURITY_STATUS scRet;
  PUCHAR IoBuffer;
  BOOL fInitContext = TRUE;
  int cbData;

  dwSSPIFlags = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY | ASC_REQ_EXTENDED_ERROR | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM;

  IoBuffer = (PUCHAR)LocalAlloc(LMEM_FIXED, IO_BUFFER_SIZE);
  if (IoBuffer == NULL) return SEC_E_INSUFFICIENT_MEMORY;

  scRet = SEC_E_INCOMPLETE_MESSAGE;
  while (scRet == SEC_I_CONTINUE_NEEDED || scRet == SEC_E_INCOMPLETE_MESSAGE || scRet == SEC_I_INCOMPLETE_CREDENTIALS) {
    if (cbIoBuffer == 0 || scRet == SEC_E_INCOMPLETE_MESSAGE) {
      cbData = recv(Socket, (char *)IoBuffer + cbIoBuffer, (int)(IO_BUFFER_SIZE - cbIoBuffer), 0);
      if (cbData == SOCKET_ERROR) {
        printf("**** Error %d reading data from client\n", WSAGetLastError());
        scRet = SEC_E_INTERNAL_ERROR;
        break;
      } else if (cbData == 0) {
        printf("**** Client unexpectedly disconnected\n");
        scRet = SEC_E_INTERNAL_ERROR;
        break;
      }
      cbIoBuffer += (DWORD)cbData;
    }

    InBuffers[0].pvBuffer = IoBuffer;
    InBuffers[0].cbBuffer = cbIoBuffer;
    InBuffers[0].BufferType = SECBUFFER_TOKEN;
    InBuffers[1].pvBuffer = NULL;
    InBuffers[1].cbBuffer = 0;
    InBuffers[1].BufferType = SECBUFFER_EMPTY;
    InBuffer.cBuffers = 2;
    InBuffer.pBuffers = InBuffers;
    InBuffer.ulVersion = SECBUFFER_VERSION;

    OutBuffers[0].pvBuffer = NULL;
    OutBuffers[0].BufferType = SECBUFFER_TOKEN;
    OutBuffers[0].cbBuffer = 0;
    OutBuffer.cBuffers = 1;
    OutBuffer.pBuffers = OutBuffers;
    OutBuffer.ulVersion = SECBUFFER_VERSION;

    scRet = g_pSSPI->AcceptSecurityContext(&hServerCreds, fInitContext ? NULL : phContext, &InBuffer, dwSSPIFlags, SECURITY_NATIVE_DREP, fInitContext ? phContext : NULL, &OutBuffer, &dwSSPIOutFlags, &tsExpiry);
    if (scRet != SEC_E_INCOMPLETE_MESSAGE) fInitContext = FALSE;

    /* A token to send (also after a failure with extended errors: the alert). */
    if (scRet == SEC_E_OK || scRet == SEC_I_CONTINUE_NEEDED || (FAILED(scRet) && (dwSSPIOutFlags & ASC_RET_EXTENDED_ERROR))) {
      if (!SendToken(Socket, &OutBuffers[0])) {
        if (!fInitContext) g_pSSPI->DeleteSecurityContext(phContext);
        LocalFree(IoBuffer);
        return SEC_E_INTERNAL_ERROR;
      }
    } else if (OutBuffers[0].pvBuffer) {
      g_pSSPI->FreeContextBuffer(OutBuffers[0].pvBuffer);
    }

    if (scRet == SEC_E_INCOMPLETE_MESSAGE) continue;

    if (scRet == SEC_E_OK) {
      if (InBuffers[1].BufferType == SECBUFFER_EXTRA) {
        pExtraData->pvBuffer = LocalAlloc(LMEM_FIXED, InBuffers[1].cbBuffer);
        if (pExtraData->pvBuffer == NULL) {
          LocalFree(IoBuffer);
          return SEC_E_INSUFFICIENT_MEMORY;
        }
        MoveMemory(pExtraData->pvBuffer, IoBuffer + (cbIoBuffer - InBuffers[1].cbBuffer), InBuffers[1].cbBuffer);
        pExtraData->cbBuffer = InBuffers[1].cbBuffer;
        pExtraData->BufferType = SECBUFFER_TOKEN;
      } else {
        pExtraData->pvBuffer = NULL;
        pExtraData->cbBuffer = 0;
        pExtraData->BufferType = SECBUFFER_EMPTY;
      }
      break;
    }

    if (FAILED(scRet)) {
      printf("**** Error 0x%lx returned by AcceptSecurityContext\n", (unsigned long)scRet);
      break;
    }

    if (InBuffers[1].BufferType == SECBUFFER_EXTRA) {
      MoveMemory(IoBuffer, IoBuffer + (cbIoBuffer - InBuffers[1].cbBuffer), InBuffers[1].cbBuffer);
      cbIoBuffer = InBuffers[1].cbBuffer;
    } else {
      cbIoBuffer = 0;
    }
  }

  if (FAILED(scRet) && !fInitContext) g_pSSPI->DeleteSecurityContext(phContext);
  LocalFree(IoBuffer);
  return scRet;
}

/* Reads the request (DecryptMessage until the blank line) and sends the response. */
static SECURITY_STATUS ServeRequest(SOCKET Socket, CtxtHandle *phContext, SecBuffer *pExtraData, DWORD cbBody) {
  SecPkgContext_StreamSizes Sizes;
  SECURITY_STATUS scRet;
  SecBufferDesc Message;
  SecBuffer Buffers[4];
  SecBuffer *pDataBuffer, *pExtraBuffer;
  PBYTE pbIoBuffer, pbMessage;
  DWORD cbIoBufferLength, cbIoBuffer = 0, cbRequest = 0, cbSent = 0, cbHead;
  char tail[4] = {0, 0, 0, 0};
  BOOL fHaveRequest = FALSE;
  int cbData, i;
  DWORD n;

  scRet = g_pSSPI->QueryContextAttributesW(phContext, SECPKG_ATTR_STREAM_SIZES, &Sizes);
  if (scRet != SEC_E_OK) {
    printf("**** Error 0x%lx reading SECPKG_ATTR_STREAM_SIZES\n", (unsigned long)scRet);
    return scRet;
  }
  cbIoBufferLength = Sizes.cbHeader + Sizes.cbMaximumMessage + Sizes.cbTrailer;
  pbIoBuffer = (PBYTE)LocalAlloc(LMEM_FIXED, cbIoBufferLength);
  if (pbIoBuffer == NULL) return SEC_E_INSUFFICIENT_MEMORY;

  if (pExtraData->pvBuffer) {
    MoveMemory(pbIoBuffer, pExtraData->pvBuffer, pExtraData->cbBuffer);
    cbIoBuffer = pExtraData->cbBuffer;
    LocalFree(pExtraData->pvBuffer);
    pExtraData->pvBuffer = NULL;
  }

  /* The DecryptMessage read loop, until the request's blank line. */
  scRet = cbIoBuffer ? SEC_E_OK : SEC_E_INCOMPLETE_MESSAGE;
  while (!fHaveRequest) {
    if (cbIoBuffer == 0 || scRet == SEC_E_INCOMPLETE_MESSAGE) {
      cbData = recv(Socket, (char *)pbIoBuffer + cbIoBuffer, (int)(cbIoBufferLength - cbIoBuffer), 0);
      if (cbData == SOCKET_ERROR || cbData == 0) {
        printf("**** Error %d reading the request\n", cbData == 0 ? 0 : WSAGetLastError());
        LocalFree(pbIoBuffer);
        return SEC_E_INTERNAL_ERROR;
      }
      cbIoBuffer += (DWORD)cbData;
    }
    Buffers[0].pvBuffer = pbIoBuffer;
    Buffers[0].cbBuffer = cbIoBuffer;
    Buffers[0].BufferType = SECBUFFER_DATA;
    Buffers[1].BufferType = SECBUFFER_EMPTY;
    Buffers[2].BufferType = SECBUFFER_EMPTY;
    Buffers[3].BufferType = SECBUFFER_EMPTY;
    Message.ulVersion = SECBUFFER_VERSION;
    Message.cBuffers = 4;
    Message.pBuffers = Buffers;

    scRet = g_pSSPI->DecryptMessage(phContext, &Message, 0, NULL);
    if (scRet == SEC_E_INCOMPLETE_MESSAGE) continue;
    if (scRet != SEC_E_OK) {
      printf("**** Error 0x%lx returned by DecryptMessage\n", (unsigned long)scRet);
      LocalFree(pbIoBuffer);
      return scRet;
    }
    pDataBuffer = NULL;
    pExtraBuffer = NULL;
    for (i = 1; i < 4; i++) {
      if (pDataBuffer == NULL && Buffers[i].BufferType == SECBUFFER_DATA) pDataBuffer = &Buffers[i];
      if (pExtraBuffer == NULL && Buffers[i].BufferType == SECBUFFER_EXTRA) pExtraBuffer = &Buffers[i];
    }
    if (pDataBuffer) {
      const char *p = (const char *)pDataBuffer->pvBuffer;
      if (cbRequest == 0 && pDataBuffer->cbBuffer > 0) {
        char line[80];
        n = 0;
        while (n < pDataBuffer->cbBuffer && n < sizeof line - 1 && p[n] != '\r' && p[n] != '\n') {
          line[n] = p[n];
          n++;
        }
        line[n] = 0;
        printf("request: %s\n", line);
      }
      for (n = 0; n < pDataBuffer->cbBuffer && !fHaveRequest; n++) {
        tail[0] = tail[1];
        tail[1] = tail[2];
        tail[2] = tail[3];
        tail[3] = p[n];
        if (tail[0] == '\r' && tail[1] == '\n' && tail[2] == '\r' && tail[3] == '\n') fHaveRequest = TRUE;
      }
      cbRequest += pDataBuffer->cbBuffer;
    }
    if (pExtraBuffer) {
      MoveMemory(pbIoBuffer, pExtraBuffer->pvBuffer, pExtraBuffer->cbBuffer);
      cbIoBuffer = pExtraBuffer->cbBuffer;
    } else {
      cbIoBuffer = 0;
    }
  }

  /* The response: headers, then the body, each record EncryptMessage'd in place. */
  pbMessage = pbIoBuffer + Sizes.cbHeader;
  snprintf((char *)pbMessage, Sizes.cbMaximumMessage, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %lu\r\nServer: webserver.c (cesim)\r\n\r\n", (unsigned long)cbBody);
  cbHead = (DWORD)strlen((char *)pbMessage);
  for (;;) {
    DWORD cbMessage = cbHead;
    DWORD room = Sizes.cbMaximumMessage - cbHead;
    DWORD cbChunk = cbBody - cbSent < room ? cbBody - cbSent : room;
    for (n = 0; n < cbChunk; n++) pbMessage[cbMessage + n] = (BYTE)('a' + (cbSent + n) % 26);
    cbMessage += cbChunk;
    cbSent += cbChunk;
    cbHead = 0;

    Buffers[0].pvBuffer = pbIoBuffer;
    Buffers[0].cbBuffer = Sizes.cbHeader;
    Buffers[0].BufferType = SECBUFFER_STREAM_HEADER;
    Buffers[1].pvBuffer = pbMessage;
    Buffers[1].cbBuffer = cbMessage;
    Buffers[1].BufferType = SECBUFFER_DATA;
    Buffers[2].pvBuffer = pbMessage + cbMessage;
    Buffers[2].cbBuffer = Sizes.cbTrailer;
    Buffers[2].BufferType = SECBUFFER_STREAM_TRAILER;
    Buffers[3].BufferType = SECBUFFER_EMPTY;
    Buffers[3].pvBuffer = NULL;
    Buffers[3].cbBuffer = 0;
    Message.ulVersion = SECBUFFER_VERSION;
    Message.cBuffers = 4;
    Message.pBuffers = Buffers;
    scRet = g_pSSPI->EncryptMessage(phContext, 0, &Message, 0);
    if (FAILED(scRet)) {
      printf("**** Error 0x%lx returned by EncryptMessage\n", (unsigned long)scRet);
      break;
    }
    cbData = send(Socket, (const char *)pbIoBuffer, (int)(Buffers[0].cbBuffer + Buffers[1].cbBuffer + Buffers[2].cbBuffer), 0);
    if (cbData == SOCKET_ERROR || cbData == 0) {
      printf("**** Error %d sending the response\n", WSAGetLastError());
      scRet = SEC_E_INTERNAL_ERROR;
      break;
    }
    if (cbSent >= cbBody) break;
  }
  if (scRet == SEC_E_OK) printf("response sent: %lu bytes of body\n", (unsigned long)cbSent);
  LocalFree(pbIoBuffer);
  return scRet;
}

/* SCHANNEL_SHUTDOWN, then the close_notify from AcceptSecurityContext. */
static SECURITY_STATUS DisconnectFromClient(SOCKET Socket, CtxtHandle *phContext) {
  DWORD dwType = SCHANNEL_SHUTDOWN;
  SecBufferDesc OutBuffer;
  SecBuffer OutBuffers[1];
  DWORD dwSSPIFlags, dwSSPIOutFlags;
  TimeStamp tsExpiry;
  SECURITY_STATUS Status;

  OutBuffers[0].pvBuffer = &dwType;
  OutBuffers[0].BufferType = SECBUFFER_TOKEN;
  OutBuffers[0].cbBuffer = sizeof(dwType);
  OutBuffer.cBuffers = 1;
  OutBuffer.pBuffers = OutBuffers;
  OutBuffer.ulVersion = SECBUFFER_VERSION;
  Status = g_pSSPI->ApplyControlToken(phContext, &OutBuffer);
  if (FAILED(Status)) {
    printf("**** Error 0x%lx returned by ApplyControlToken\n", (unsigned long)Status);
    goto cleanup;
  }

  dwSSPIFlags = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY | ASC_REQ_EXTENDED_ERROR | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM;
  OutBuffers[0].pvBuffer = NULL;
  OutBuffers[0].BufferType = SECBUFFER_TOKEN;
  OutBuffers[0].cbBuffer = 0;
  Status = g_pSSPI->AcceptSecurityContext(&hServerCreds, phContext, NULL, dwSSPIFlags, SECURITY_NATIVE_DREP, NULL, &OutBuffer, &dwSSPIOutFlags, &tsExpiry);
  if (FAILED(Status)) {
    printf("**** Error 0x%lx returned by AcceptSecurityContext (close_notify)\n", (unsigned long)Status);
    if (OutBuffers[0].pvBuffer) g_pSSPI->FreeContextBuffer(OutBuffers[0].pvBuffer);
    goto cleanup;
  }
  SendToken(Socket, &OutBuffers[0]);

cleanup:
  g_pSSPI->DeleteSecurityContext(phContext);
  return Status;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 443;
  int connections = argc > 2 ? atoi(argv[2]) : 1;
  DWORD cbBody = argc > 3 ? (DWORD)atoi(argv[3]) : 1024;
  const char *subject = argc > 4 ? argv[4] : "localhost";
  WSADATA WsaData;
  struct sockaddr_in sin;
  SOCKET ListenSocket, Socket;
  SECURITY_STATUS Status = SEC_E_OK;
  int served;

  g_pSSPI = InitSecurityInterface();
  if (g_pSSPI == NULL) return (int)SEC_E_INTERNAL_ERROR;
  if (WSAStartup(0x0101, &WsaData) != 0) return (int)SEC_E_INTERNAL_ERROR;

  Status = CreateCredentials(subject);
  if (Status != SEC_E_OK) goto done;

  ListenSocket = socket(PF_INET, SOCK_STREAM, 0);
  if (ListenSocket == INVALID_SOCKET) {
    printf("**** Error %d creating socket\n", WSAGetLastError());
    Status = SEC_E_INTERNAL_ERROR;
    goto freecreds;
  }
  ZeroMemory(&sin, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((u_short)port);
  sin.sin_addr.s_addr = INADDR_ANY;
  if (bind(ListenSocket, (struct sockaddr *)&sin, sizeof(sin)) == SOCKET_ERROR || listen(ListenSocket, 5) == SOCKET_ERROR) {
    printf("**** Error %d listening on port %d\n", WSAGetLastError(), port);
    closesocket(ListenSocket);
    Status = SEC_E_INTERNAL_ERROR;
    goto freecreds;
  }
  printf("listening on port %d for %d connection(s)\n", port, connections);

  for (served = 0; served < connections; served++) {
    CtxtHandle hContext;
    SecBuffer ExtraData;
    SECURITY_STATUS s;

    Socket = accept(ListenSocket, NULL, NULL);
    if (Socket == INVALID_SOCKET) {
      printf("**** Error %d accepting a connection\n", WSAGetLastError());
      Status = SEC_E_INTERNAL_ERROR;
      break;
    }
    s = ServerHandshakeLoop(Socket, &hContext, &ExtraData);
    if (s == SEC_E_OK) {
      s = ServeRequest(Socket, &hContext, &ExtraData, cbBody);
      if (ExtraData.pvBuffer) LocalFree(ExtraData.pvBuffer);
      if (s == SEC_E_OK) s = DisconnectFromClient(Socket, &hContext);
      else g_pSSPI->DeleteSecurityContext(&hContext);
    }
    closesocket(Socket);
    printf("connection %d: 0x%lx\n", served + 1, (unsigned long)s);
    if (s != SEC_E_OK && Status == SEC_E_OK) Status = s;
  }
  closesocket(ListenSocket);

freecreds:
  g_pSSPI->FreeCredentialsHandle(&hServerCreds);
done:
  if (pCertContext) CertFreeCertificateContext(pCertContext);
  if (hMyCertStore) CertCloseStore(hMyCertStore, 0);
  WSACleanup();
  return (int)Status;
}
