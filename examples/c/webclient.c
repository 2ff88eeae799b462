/*
 * webclient.c: an HTTPS client written the way Microsoft's Schannel samples (WebClient.c) write
 * one, compiled by `cesim cc` and run on an emulated CE device:
 *
 *   cesim cc examples/c/webclient.c -o /tmp/w.wasm && cesim run --program /tmp/w.wasm
 *
 * Credentials with UNISP_NAME, the InitializeSecurityContext loop with ISC_REQ_ALLOCATE_MEMORY
 * (SECBUFFER_EXTRA, SEC_E_INCOMPLETE_MESSAGE), QueryContextAttributes(STREAM_SIZES),
 * EncryptMessage, the DecryptMessage read loop, SCHANNEL_SHUTDOWN. Every buffer is LocalAlloc'ed
 * (the device heap); every token is a block of the device's token pool, given back with
 * FreeContextBuffer. The exit code is the first failing SECURITY_STATUS (0 is SEC_E_OK).
 *
 * Usage: webclient [SERVER [PORT [PATH [SERVERNAME]]]] (defaults: server 443 /index.html device.test)
 */
#define SECURITY_WIN32
#include <windows.h>
#include <winsock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <security.h>
#include <schannel.h>

/* One TLS record and its header: what a handshake message or a record needs at most. */
#define IO_BUFFER_SIZE (16384 + 256 + 5)

static PSecurityFunctionTableW g_pSSPI;
static CredHandle hClientCreds;
static CtxtHandle hContext;
static SOCKET Socket = INVALID_SOCKET;

static void ToWide(const char *s, WCHAR *w, int cap) {
  int i = 0;
  for (; s[i] && i < cap - 1; i++) w[i] = (WCHAR)(unsigned char)s[i];
  w[i] = 0;
}

static SECURITY_STATUS CreateCredentials(void) {
  SCHANNEL_CRED SchannelCred;
  TimeStamp tsExpiry;
  SECURITY_STATUS Status;

  ZeroMemory(&SchannelCred, sizeof(SchannelCred));
  SchannelCred.dwVersion = SCHANNEL_CRED_VERSION;
  SchannelCred.grbitEnabledProtocols = SP_PROT_TLS1_3_CLIENT;
  SchannelCred.dwFlags = SCH_CRED_NO_DEFAULT_CREDS;

  Status = g_pSSPI->AcquireCredentialsHandleW(NULL, UNISP_NAME, SECPKG_CRED_OUTBOUND, NULL, &SchannelCred, NULL, NULL, &hClientCreds, &tsExpiry);
  if (Status != SEC_E_OK) printf("**** Error 0x%lx returned by AcquireCredentialsHandle\n", (unsigned long)Status);
  return Status;
}

static int SendToken(SecBuffer *pToken) {
  if (pToken->cbBuffer == 0 || pToken->pvBuffer == NULL) return 1;
  int cbData = send(Socket, (const char *)pToken->pvBuffer, (int)pToken->cbBuffer, 0);
  g_pSSPI->FreeContextBuffer(pToken->pvBuffer);
  pToken->pvBuffer = NULL;
  if (cbData == SOCKET_ERROR || cbData == 0) {
    printf("**** Error %d sending data to server\n", WSAGetLastError());
    return 0;
  }
  return 1;
}

static SECURITY_STATUS ClientHandshakeLoop(BOOL fDoInitialRead, SecBuffer *pExtraData) {
  SecBufferDesc InBuffer, OutBuffer;
  SecBuffer InBuffers[2], OutBuffers[1];
  DWORD dwSSPIFlags, dwSSPIOutFlags, cbData, cbIoBuffer = 0;
  TimeStamp tsExpiry;
  SECURITY_STATUS scRet;
  PUCHAR IoBuffer;
  BOOL fDoRead = fDoInitialRead;

  dwSSPIFlags = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_RET_EXTENDED_ERROR | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;

  IoBuffer = (PUCHAR)LocalAlloc(LMEM_FIXED, IO_BUFFER_SIZE);
  if (IoBuffer == NULL) return SEC_E_INSUFFICIENT_MEMORY;

  scRet = SEC_I_CONTINUE_NEEDED;
  while (scRet == SEC_I_CONTINUE_NEEDED || scRet == SEC_E_INCOMPLETE_MESSAGE || scRet == SEC_I_INCOMPLETE_CREDENTIALS) {
    if (cbIoBuffer == 0 || scRet == SEC_E_INCOMPLETE_MESSAGE) {
      if (fDoRead) {
        cbData = (DWORD)recv(Socket, (char *)IoBuffer + cbIoBuffer, IO_BUFFER_SIZE - cbIoBuffer, 0);
        if (cbData == (DWORD)SOCKET_ERROR) {
          printf("**** Error %d reading data from server\n", WSAGetLastError());
          scRet = SEC_E_INTERNAL_ERROR;
          break;
        } else if (cbData == 0) {
          printf("**** Server unexpectedly disconnected\n");
          scRet = SEC_E_INTERNAL_ERROR;
          break;
        }
        cbIoBuffer += cbData;
      } else {
        fDoRead = TRUE;
      }
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

    scRet = g_pSSPI->InitializeSecurityContextW(&hClientCreds, &hContext, NULL, dwSSPIFlags, 0, SECURITY_NATIVE_DREP, &InBuffer, 0, NULL, &OutBuffer, &dwSSPIOutFlags, &tsExpiry);

    /* A token to send (also after a failure with extended errors: the alert). */
    if (scRet == SEC_E_OK || scRet == SEC_I_CONTINUE_NEEDED || (FAILED(scRet) && (dwSSPIOutFlags & ISC_RET_EXTENDED_ERROR))) {
      if (!SendToken(&OutBuffers[0])) {
        LocalFree(IoBuffer);
        return SEC_E_INTERNAL_ERROR;
      }
    } else if (OutBuffers[0].pvBuffer) {
      g_pSSPI->FreeContextBuffer(OutBuffers[0].pvBuffer);
    }

    if (scRet == SEC_E_INCOMPLETE_MESSAGE) continue;

    if (scRet == SEC_E_OK) {
      /* Bytes after the handshake (application data already sent by the server) stay for the read loop. */
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
      printf("**** Error 0x%lx returned by InitializeSecurityContext (2)\n", (unsigned long)scRet);
      break;
    }

    if (InBuffers[1].BufferType == SECBUFFER_EXTRA) {
      MoveMemory(IoBuffer, IoBuffer + (cbIoBuffer - InBuffers[1].cbBuffer), InBuffers[1].cbBuffer);
      cbIoBuffer = InBuffers[1].cbBuffer;
    } else {
      cbIoBuffer = 0;
    }
  }

  if (FAILED(scRet)) g_pSSPI->DeleteSecurityContext(&hContext);
  LocalFree(IoBuffer);
  return scRet;
}

static SECURITY_STATUS PerformClientHandshake(const WCHAR *pszServerName, SecBuffer *pExtraData) {
  SecBufferDesc OutBuffer;
  SecBuffer OutBuffers[1];
  DWORD dwSSPIFlags, dwSSPIOutFlags;
  TimeStamp tsExpiry;
  SECURITY_STATUS scRet;

  dwSSPIFlags = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_RET_EXTENDED_ERROR | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;

  OutBuffers[0].pvBuffer = NULL;
  OutBuffers[0].BufferType = SECBUFFER_TOKEN;
  OutBuffers[0].cbBuffer = 0;
  OutBuffer.cBuffers = 1;
  OutBuffer.pBuffers = OutBuffers;
  OutBuffer.ulVersion = SECBUFFER_VERSION;

  scRet = g_pSSPI->InitializeSecurityContextW(&hClientCreds, NULL, (SEC_WCHAR *)pszServerName, dwSSPIFlags, 0, SECURITY_NATIVE_DREP, NULL, 0, &hContext, &OutBuffer, &dwSSPIOutFlags, &tsExpiry);
  if (scRet != SEC_I_CONTINUE_NEEDED) {
    printf("**** Error 0x%lx returned by InitializeSecurityContext (1)\n", (unsigned long)scRet);
    if (OutBuffers[0].pvBuffer) g_pSSPI->FreeContextBuffer(OutBuffers[0].pvBuffer);
    return scRet;
  }
  printf("%lu bytes of handshake data sent (ClientHello, a token-pool block)\n", OutBuffers[0].cbBuffer);
  if (!SendToken(&OutBuffers[0])) {
    g_pSSPI->DeleteSecurityContext(&hContext);
    return SEC_E_INTERNAL_ERROR;
  }
  return ClientHandshakeLoop(TRUE, pExtraData);
}

static SECURITY_STATUS HttpsGetFile(const char *pszPath, const char *pszHost, SecBuffer *pExtraData, DWORD *pcbReceived) {
  SecPkgContext_StreamSizes Sizes;
  SECURITY_STATUS scRet;
  SecBufferDesc Message;
  SecBuffer Buffers[4];
  SecBuffer *pDataBuffer, *pExtraBuffer;
  PBYTE pbIoBuffer, pbMessage;
  DWORD cbIoBufferLength, cbMessage, cbData, cbIoBuffer;
  int i;

  scRet = g_pSSPI->QueryContextAttributesW(&hContext, SECPKG_ATTR_STREAM_SIZES, &Sizes);
  if (scRet != SEC_E_OK) {
    printf("**** Error 0x%lx reading SECPKG_ATTR_STREAM_SIZES\n", (unsigned long)scRet);
    return scRet;
  }
  cbIoBufferLength = Sizes.cbHeader + Sizes.cbMaximumMessage + Sizes.cbTrailer;
  pbIoBuffer = (PBYTE)LocalAlloc(LMEM_FIXED, cbIoBufferLength);
  if (pbIoBuffer == NULL) return SEC_E_INSUFFICIENT_MEMORY;

  pbMessage = pbIoBuffer + Sizes.cbHeader;
  snprintf((char *)pbMessage, Sizes.cbMaximumMessage, "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: webclient.c (cesim)\r\n\r\n", pszPath, pszHost);
  cbMessage = (DWORD)strlen((char *)pbMessage);

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

  scRet = g_pSSPI->EncryptMessage(&hContext, 0, &Message, 0);
  if (FAILED(scRet)) {
    printf("**** Error 0x%lx returned by EncryptMessage\n", (unsigned long)scRet);
    LocalFree(pbIoBuffer);
    return scRet;
  }
  cbData = (DWORD)send(Socket, (const char *)pbIoBuffer, (int)(Buffers[0].cbBuffer + Buffers[1].cbBuffer + Buffers[2].cbBuffer), 0);
  if (cbData == (DWORD)SOCKET_ERROR || cbData == 0) {
    printf("**** Error %d sending data to server\n", WSAGetLastError());
    LocalFree(pbIoBuffer);
    return SEC_E_INTERNAL_ERROR;
  }
  printf("%lu bytes of application data sent (GET %s)\n", cbData, pszPath);

  /* The DecryptMessage read loop. Bytes left over from the handshake come first. */
  cbIoBuffer = 0;
  if (pExtraData->pvBuffer) {
    MoveMemory(pbIoBuffer, pExtraData->pvBuffer, pExtraData->cbBuffer);
    cbIoBuffer = pExtraData->cbBuffer;
    LocalFree(pExtraData->pvBuffer);
    pExtraData->pvBuffer = NULL;
  }
  *pcbReceived = 0;
  scRet = cbIoBuffer ? SEC_E_OK : SEC_E_INCOMPLETE_MESSAGE;
  for (;;) {
    if (cbIoBuffer == 0 || scRet == SEC_E_INCOMPLETE_MESSAGE) {
      cbData = (DWORD)recv(Socket, (char *)pbIoBuffer + cbIoBuffer, (int)(cbIoBufferLength - cbIoBuffer), 0);
      if (cbData == (DWORD)SOCKET_ERROR) {
        printf("**** Error %d reading data from server\n", WSAGetLastError());
        scRet = SEC_E_INTERNAL_ERROR;
        break;
      } else if (cbData == 0) {
        /* The server closed the stream (HTTP/1.0 reads to the end). */
        scRet = cbIoBuffer ? SEC_E_INCOMPLETE_MESSAGE : SEC_E_OK;
        break;
      }
      cbIoBuffer += cbData;
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

    scRet = g_pSSPI->DecryptMessage(&hContext, &Message, 0, NULL);
    if (scRet == SEC_E_INCOMPLETE_MESSAGE) continue;
    if (scRet == SEC_I_CONTEXT_EXPIRED) {
      scRet = SEC_E_OK; /* the server's close_notify */
      break;
    }
    if (scRet != SEC_E_OK && scRet != SEC_I_RENEGOTIATE) {
      printf("**** Error 0x%lx returned by DecryptMessage\n", (unsigned long)scRet);
      break;
    }

    pDataBuffer = NULL;
    pExtraBuffer = NULL;
    for (i = 1; i < 4; i++) {
      if (pDataBuffer == NULL && Buffers[i].BufferType == SECBUFFER_DATA) pDataBuffer = &Buffers[i];
      if (pExtraBuffer == NULL && Buffers[i].BufferType == SECBUFFER_EXTRA) pExtraBuffer = &Buffers[i];
    }
    if (pDataBuffer && pDataBuffer->cbBuffer) {
      if (*pcbReceived == 0) {
        /* The status line of the response. */
        char line[80];
        DWORD n = 0;
        const char *p = (const char *)pDataBuffer->pvBuffer;
        while (n < pDataBuffer->cbBuffer && n < sizeof line - 1 && p[n] != '\r' && p[n] != '\n') {
          line[n] = p[n];
          n++;
        }
        line[n] = 0;
        printf("%s\n", line);
      }
      *pcbReceived += pDataBuffer->cbBuffer;
    }
    if (pExtraBuffer) {
      MoveMemory(pbIoBuffer, pExtraBuffer->pvBuffer, pExtraBuffer->cbBuffer);
      cbIoBuffer = pExtraBuffer->cbBuffer;
    } else {
      cbIoBuffer = 0;
    }

    if (scRet == SEC_I_RENEGOTIATE) {
      /* A post-handshake message (KeyUpdate) wants an answer: the handshake loop gives it. */
      SecBuffer ExtraData;
      printf("Server asked for a post-handshake answer\n");
      scRet = ClientHandshakeLoop(FALSE, &ExtraData);
      if (scRet != SEC_E_OK) break;
      if (ExtraData.pvBuffer) {
        MoveMemory(pbIoBuffer, ExtraData.pvBuffer, ExtraData.cbBuffer);
        cbIoBuffer = ExtraData.cbBuffer;
        LocalFree(ExtraData.pvBuffer);
      }
    }
  }
  LocalFree(pbIoBuffer);
  return scRet;
}

static SECURITY_STATUS DisconnectFromServer(void) {
  DWORD dwType = SCHANNEL_SHUTDOWN;
  SecBufferDesc OutBuffer;
  SecBuffer OutBuffers[1];
  DWORD dwSSPIFlags, dwSSPIOutFlags;
  TimeStamp tsExpiry;
  SECURITY_STATUS Status;

  OutBuffers[0].pvBuffer = &dwType; /* on the C stack: a device address like any other */
  OutBuffers[0].BufferType = SECBUFFER_TOKEN;
  OutBuffers[0].cbBuffer = sizeof(dwType);
  OutBuffer.cBuffers = 1;
  OutBuffer.pBuffers = OutBuffers;
  OutBuffer.ulVersion = SECBUFFER_VERSION;
  Status = g_pSSPI->ApplyControlToken(&hContext, &OutBuffer);
  if (FAILED(Status)) {
    printf("**** Error 0x%lx returned by ApplyControlToken\n", (unsigned long)Status);
    goto cleanup;
  }

  dwSSPIFlags = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_RET_EXTENDED_ERROR | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;
  OutBuffers[0].pvBuffer = NULL;
  OutBuffers[0].BufferType = SECBUFFER_TOKEN;
  OutBuffers[0].cbBuffer = 0;
  Status = g_pSSPI->InitializeSecurityContextW(&hClientCreds, &hContext, NULL, dwSSPIFlags, 0, SECURITY_NATIVE_DREP, NULL, 0, &hContext, &OutBuffer, &dwSSPIOutFlags, &tsExpiry);
  if (FAILED(Status)) {
    printf("**** Error 0x%lx returned by InitializeSecurityContext (close_notify)\n", (unsigned long)Status);
    if (OutBuffers[0].pvBuffer) g_pSSPI->FreeContextBuffer(OutBuffers[0].pvBuffer);
    goto cleanup;
  }
  SendToken(&OutBuffers[0]);

cleanup:
  g_pSSPI->DeleteSecurityContext(&hContext);
  closesocket(Socket);
  Socket = INVALID_SOCKET;
  return Status;
}

int main(int argc, char **argv) {
  const char *server = argc > 1 ? argv[1] : "server";
  int port = argc > 2 ? atoi(argv[2]) : 443;
  const char *path = argc > 3 ? argv[3] : "/index.html";
  const char *serverName = argc > 4 ? argv[4] : "device.test";
  WCHAR wServerName[256];
  WSADATA WsaData;
  struct sockaddr_in sin;
  struct hostent *hp;
  SecBuffer ExtraData;
  DWORD cbReceived = 0;
  SECURITY_STATUS Status;

  g_pSSPI = InitSecurityInterface();
  if (g_pSSPI == NULL) return (int)SEC_E_INTERNAL_ERROR;
  if (WSAStartup(0x0101, &WsaData) != 0) return (int)SEC_E_INTERNAL_ERROR;

  Status = CreateCredentials();
  if (Status != SEC_E_OK) goto done;

  Socket = socket(PF_INET, SOCK_STREAM, 0);
  ZeroMemory(&sin, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((u_short)port);
  if ((sin.sin_addr.s_addr = inet_addr(server)) == INADDR_NONE) {
    if ((hp = gethostbyname(server)) == NULL) {
      printf("**** Error %d returned by gethostbyname\n", WSAGetLastError());
      Status = SEC_E_INTERNAL_ERROR;
      goto free_creds;
    }
    memcpy(&sin.sin_addr, hp->h_addr, 4);
  }
  if (connect(Socket, (struct sockaddr *)&sin, sizeof sin) == SOCKET_ERROR) {
    printf("**** Error %d connecting to \"%s\" (%s)\n", WSAGetLastError(), server, inet_ntoa(sin.sin_addr));
    closesocket(Socket);
    Status = SEC_E_INTERNAL_ERROR;
    goto free_creds;
  }
  printf("Connected to %s (%s) port %d\n", server, inet_ntoa(sin.sin_addr), port);

  ToWide(serverName, wServerName, 256);
  Status = PerformClientHandshake(wServerName, &ExtraData);
  if (Status != SEC_E_OK) {
    closesocket(Socket);
    goto free_creds;
  }
  {
    SecPkgContext_ConnectionInfo ConnectionInfo;
    if (g_pSSPI->QueryContextAttributesW(&hContext, SECPKG_ATTR_CONNECTION_INFO, &ConnectionInfo) == SEC_E_OK)
      printf("Handshake done: protocol 0x%lx, cipher 0x%x (%lu bits)\n", ConnectionInfo.dwProtocol, ConnectionInfo.aiCipher, ConnectionInfo.dwCipherStrength);
  }

  Status = HttpsGetFile(path, serverName, &ExtraData, &cbReceived);
  printf("%lu bytes of application data received\n", cbReceived);
  {
    SECURITY_STATUS s2 = DisconnectFromServer();
    if (Status == SEC_E_OK) Status = s2;
  }

free_creds:
  g_pSSPI->FreeCredentialsHandle(&hClientCreds);
done:
  WSACleanup();
  return (int)Status;
}
