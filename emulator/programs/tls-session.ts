/**
 * A TLS session over SSPI, written the way Microsoft's Schannel samples write it (WebClient.c,
 * the SSPI server sample): the `InitializeSecurityContext` / `AcceptSecurityContext` loop,
 * `EncryptMessage` with `[STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY]` in one buffer, the
 * `DecryptMessage` read loop with `[DATA, EMPTY, EMPTY, EMPTY]`, and the shutdown with
 * `ApplyControlToken(SCHANNEL_SHUTDOWN)`. Every buffer lives in device memory (`LocalAlloc`),
 * so a port back to C reads line for line the same.
 *
 * The session is independent of where its bytes go: a {@link ByteStream} is the emulated
 * socket in a scenario and a real `net.Socket` through the bridge.
 */
import { LMEM_FIXED } from '../../device/index.js';
import {
  InitSecurityInterface,
  SecBuffer,
  SecBufferDesc,
  SecHandle,
  TimeStamp,
  SCHANNEL_CRED,
  SecPkgContext_StreamSizes,
  SecPkgContext_ConnectionInfo,
  SecPkgContext_CipherInfo,
  SecPkgContext_ApplicationProtocol,
  SecIsValidHandle,
  statusName,
  UNISP_NAME,
  SCHANNEL_CRED_VERSION,
  SCHANNEL_SHUTDOWN,
  SCH_CRED_NO_DEFAULT_CREDS,
  SCH_CRED_MANUAL_CRED_VALIDATION,
  SCH_CRED_NO_SERVERNAME_CHECK,
  SECPKG_CRED_INBOUND,
  SECPKG_CRED_OUTBOUND,
  SECPKG_ATTR_STREAM_SIZES,
  SECPKG_ATTR_CONNECTION_INFO,
  SECPKG_ATTR_CIPHER_INFO,
  SECPKG_ATTR_APPLICATION_PROTOCOL,
  SECURITY_NATIVE_DREP,
  ISC_REQ_SEQUENCE_DETECT,
  ISC_REQ_REPLAY_DETECT,
  ISC_REQ_CONFIDENTIALITY,
  ISC_REQ_EXTENDED_ERROR,
  ISC_REQ_ALLOCATE_MEMORY,
  ISC_REQ_STREAM,
  ISC_RET_EXTENDED_ERROR,
  ASC_REQ_SEQUENCE_DETECT,
  ASC_REQ_REPLAY_DETECT,
  ASC_REQ_CONFIDENTIALITY,
  ASC_REQ_EXTENDED_ERROR,
  ASC_REQ_ALLOCATE_MEMORY,
  ASC_REQ_STREAM,
  ASC_REQ_MUTUAL_AUTH,
  ASC_RET_EXTENDED_ERROR,
  SECBUFFER_TOKEN,
  SECBUFFER_EMPTY,
  SECBUFFER_EXTRA,
  SECBUFFER_DATA,
  SECBUFFER_STREAM_HEADER,
  SECBUFFER_STREAM_TRAILER,
  SECBUFFER_APPLICATION_PROTOCOLS,
  SEC_E_OK,
  SEC_E_INTERNAL_ERROR,
  SEC_E_INSUFFICIENT_MEMORY,
  SEC_E_INCOMPLETE_MESSAGE,
  SEC_I_CONTINUE_NEEDED,
  SEC_I_INCOMPLETE_CREDENTIALS,
  SEC_I_CONTEXT_EXPIRED,
  SEC_I_RENEGOTIATE,
  type Process,
  type SecurityFunctionTableW,
} from '../../sspi/index.js';
import {
  schannelRootStore,
  loadCertificateWithKey,
  encodeAlpnBuffer,
  CertAddEncodedCertificateToStore,
  CertFreeCertificateContext,
  decodePem,
  X509_ASN_ENCODING,
  CERT_STORE_ADD_USE_EXISTING,
  recordSizeLimitSetting,
  type CertContext,
} from '../../schannel/index.js';
import type { ByteStream, ProgramHost } from './types.js';

/**
 * Size of the handshake receive buffer. Microsoft's WebClient sample uses `IO_BUFFER_SIZE`
 * 0x10000; a CE device cannot spare 64 KiB of a 384 KiB heap per connection, and a TLS 1.3
 * handshake flight from a server with a P-256 chain is a few KiB, so one full record plus its
 * header (16384 + 256 + 5) is enough here.
 */
export const HANDSHAKE_IO_BUFFER_BYTES = 16384 + 256 + 5;

/** Receive timeout of every blocking read, ns (as SO_RCVTIMEO): 30 s of (virtual) time. */
export const DEFAULT_RECV_TIMEOUT_NS = 30_000_000_000;

/** `SEC_E_*` failures that are not SECURITY_STATUS values: what a session reports when the stream failed. */
export type SessionStatus = string;

/** Options of a TLS credential. */
export interface TlsCredentialOptions {
  /** `SCHANNEL_CRED.grbitEnabledProtocols` (0: the package default). */
  protocols?: number;
  /** PEM of the credential certificate (chain) and key: required for servers, optional for clients. */
  certPem?: string;
  keyPem?: string;
  /** PEM trust anchors added to the device's ROOT store. */
  rootsPem?: string[];
  /** Client: do not check the server's name (`SCH_CRED_NO_SERVERNAME_CHECK`). */
  noServerNameCheck?: boolean;
  /** Client: accept any certificate (`SCH_CRED_MANUAL_CRED_VALIDATION`, then no validation: `--insecure`). */
  manualValidation?: boolean;
}

/** What the handshake negotiated. */
export interface Negotiated {
  protocol: string;
  cipherSuite: string;
  alpn?: string;
}

/** How a session ended or failed: a status name and, when it failed, why. */
export interface SessionResult {
  status: number;
  statusName: string;
  detail?: string;
}

/** The name of a negotiated protocol from `SecPkgContext_ConnectionInfo.dwProtocol` (`SP_PROT_*`). */
export function protocolName(dwProtocol: number): string {
  const bits: [number, string][] = [
    [0x00003000, 'TLS 1.3'],
    [0x00000c00, 'TLS 1.2'],
    [0x00000300, 'TLS 1.1'],
    [0x000000c0, 'TLS 1.0'],
    [0x00000030, 'SSL 3.0'],
  ];
  for (const [mask, name] of bits) if ((dwProtocol & mask) !== 0) return name;
  return `protocol 0x${dwProtocol.toString(16)}`;
}

/**
 * Adds PEM certificates to the device's ROOT store (what an installer does on a CE device
 * with `CertAddEncodedCertificateToStore`).
 */
export function addRootCertificates(host: ProgramHost, pems: readonly string[]): void {
  const store = schannelRootStore(host.device);
  for (const pem of pems) {
    const blocks = decodePem(pem);
    if (!blocks.ok) continue;
    for (const block of blocks.value) {
      if (block.label !== 'CERTIFICATE') continue;
      const r = CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, block.der, CERT_STORE_ADD_USE_EXISTING);
      if (r.ok) CertFreeCertificateContext(r.value);
    }
  }
}

/** A stream that is not connected: for a session that only holds a credential (a server's). */
export const NO_STREAM: ByteStream = {
  lastError: 'WSAENOTCONN',
  send: () => Promise.resolve(-1),
  recv: () => Promise.resolve({ result: -1, data: new Uint8Array(0), error: 'WSAENOTCONN' }),
  shutdownSend: () => {},
  close: () => {},
};

/** One end of a TLS connection over SSPI: credentials, context, and the stream's buffered bytes. */
export class TlsSession {
  /** Security.dll's function table for this process. */
  readonly sspi: SecurityFunctionTableW;
  readonly hCred = new SecHandle();
  readonly hCtx = new SecHandle();
  /** Receive buffer in device memory (`LocalAlloc`), and how many bytes it holds. */
  private ioBuffer = 0;
  private ioBufferBytes = 0;
  private cbIoBuffer = 0;
  /** The EncryptMessage buffer: header + maximum message + trailer. */
  private sendBuffer = 0;
  private sendBufferBytes = 0;
  private sizes = new SecPkgContext_StreamSizes();
  private credCert: CertContext | null = null;
  private credAcquired = false;
  /** Wire bytes moved. */
  wireBytesSent = 0;
  wireBytesReceived = 0;
  /** Handshake time split, ns. */
  handshakeNs = 0;
  handshakeCpuNs = 0;
  /** The stream error name when a read or write failed. */
  streamError = '';
  /** The peer closed with close_notify. */
  peerClosed = false;

  constructor(
    readonly host: ProgramHost,
    readonly stream: ByteStream,
    readonly role: 'client' | 'server',
    readonly recvTimeoutNs = DEFAULT_RECV_TIMEOUT_NS,
  ) {
    this.sspi = InitSecurityInterface(host.process);
  }

  private get process(): Process {
    return this.host.process;
  }

  /** `AcquireCredentialsHandle(NULL, UNISP_NAME, INBOUND/OUTBOUND, NULL, &SchannelCred, …)`. */
  acquireCredentials(opts: TlsCredentialOptions): SessionResult {
    if (opts.rootsPem && opts.rootsPem.length > 0) addRootCertificates(this.host, opts.rootsPem);
    const cred = new SCHANNEL_CRED({ dwVersion: SCHANNEL_CRED_VERSION, grbitEnabledProtocols: opts.protocols ?? 0 });
    if (opts.certPem && opts.keyPem) {
      const c = loadCertificateWithKey(opts.certPem, opts.keyPem);
      if (!c.ok) return { status: SEC_E_INTERNAL_ERROR, statusName: 'SEC_E_INTERNAL_ERROR', detail: `certificate: ${c.error.kind}: ${c.error.detail}` };
      this.credCert = c.value;
      cred.cCreds = 1;
      cred.paCred = [c.value];
    }
    if (this.role === 'client') {
      cred.dwFlags |= SCH_CRED_NO_DEFAULT_CREDS;
      if (opts.manualValidation) cred.dwFlags |= SCH_CRED_MANUAL_CRED_VALIDATION;
      if (opts.noServerNameCheck) cred.dwFlags |= SCH_CRED_NO_SERVERNAME_CHECK;
    }
    const ts = new TimeStamp();
    const st = this.sspi.AcquireCredentialsHandle(
      null,
      UNISP_NAME,
      this.role === 'client' ? SECPKG_CRED_OUTBOUND : SECPKG_CRED_INBOUND,
      null,
      cred,
      null,
      null,
      this.hCred,
      ts,
    );
    if (st !== SEC_E_OK) return this.result(st, 'AcquireCredentialsHandle');
    this.credAcquired = true;
    return this.result(SEC_E_OK);
  }

  private result(status: number, where?: string): SessionResult {
    const r: SessionResult = { status: status >>> 0, statusName: statusName(status >>> 0) };
    if (where) r.detail = `${where} returned ${r.statusName}`;
    return r;
  }

  /**
   * The receive buffer for the handshake: one full record. With a record_size_limit set on the
   * device (RFC 8449 §4: the peer's protected records then carry at most limit − 1 bytes of
   * content), one limited record plus header and AEAD expansion; the plaintext ServerHello and
   * HelloRetryRequest fit in that too.
   */
  private handshakeBufferBytes(): number {
    const limit = recordSizeLimitSetting(this.process.device);
    return limit === null ? HANDSHAKE_IO_BUFFER_BYTES : Math.max(limit + 5 + 256, 1024);
  }

  private ensureIoBuffer(bytes: number): boolean {
    if (this.ioBuffer !== 0 && this.ioBufferBytes >= bytes) return true;
    const addr = this.process.LocalAlloc(LMEM_FIXED, bytes);
    if (addr === 0) return false;
    if (this.ioBuffer !== 0) {
      if (this.cbIoBuffer > 0) this.process.write(addr, this.process.read(this.ioBuffer, this.cbIoBuffer));
      this.process.LocalFree(this.ioBuffer);
    }
    this.ioBuffer = addr;
    this.ioBufferBytes = bytes;
    return true;
  }

  /** Reads more bytes from the stream to the end of the receive buffer; false when the stream failed or closed. */
  private async readMore(): Promise<boolean> {
    const room = this.ioBufferBytes - this.cbIoBuffer;
    if (room <= 0) {
      this.streamError = 'receive buffer full';
      return false;
    }
    const r = await this.stream.recv(room, this.recvTimeoutNs);
    if (r.result < 0) {
      this.streamError = r.error;
      return false;
    }
    if (r.result === 0) {
      this.streamError = 'connection closed by peer';
      return false;
    }
    this.process.write(this.ioBuffer + this.cbIoBuffer, r.data);
    this.cbIoBuffer += r.result;
    this.wireBytesReceived += r.result;
    return true;
  }

  /** Sends an output token the package allocated, then frees it with FreeContextBuffer. */
  private async sendToken(buf: SecBuffer): Promise<boolean> {
    if (buf.cbBuffer === 0 || buf.pvBuffer === 0) return true;
    const bytes = this.process.read(buf.pvBuffer, buf.cbBuffer);
    this.sspi.FreeContextBuffer(buf.pvBuffer);
    buf.pvBuffer = 0;
    const n = await this.stream.send(bytes);
    if (n < 0) {
      this.streamError = this.stream.lastError;
      return false;
    }
    this.wireBytesSent += bytes.length;
    return true;
  }

  /** Moves a SECBUFFER_EXTRA tail to the front of the receive buffer. */
  private keepExtra(inBuf: SecBuffer | undefined): void {
    if (inBuf && inBuf.BufferType === SECBUFFER_EXTRA && inBuf.cbBuffer > 0) {
      const tail = this.process.read(this.ioBuffer + (this.cbIoBuffer - inBuf.cbBuffer), inBuf.cbBuffer);
      this.process.write(this.ioBuffer, tail);
      this.cbIoBuffer = inBuf.cbBuffer;
    } else {
      this.cbIoBuffer = 0;
    }
  }

  private cpuTotalNs(): number {
    return this.host.device.cpu.report().totalNs;
  }

  /**
   * The client handshake: `InitializeSecurityContext` until `SEC_E_OK` (WebClient.c's
   * `PerformClientHandshake` and `ClientHandshakeLoop`). `alpn` goes in a
   * `SECBUFFER_APPLICATION_PROTOCOLS` input buffer on the first call.
   */
  async clientHandshake(targetName: string | null, alpn: readonly string[] = []): Promise<SessionResult> {
    const start = this.host.now();
    const cpu0 = this.cpuTotalNs();
    const r = await this.clientHandshakeInner(targetName, alpn);
    this.handshakeNs = this.host.now() - start;
    this.handshakeCpuNs = Math.min(this.handshakeNs, this.cpuTotalNs() - cpu0);
    return r;
  }

  private async clientHandshakeInner(targetName: string | null, alpn: readonly string[]): Promise<SessionResult> {
    if (!this.ensureIoBuffer(this.handshakeBufferBytes())) return this.result(SEC_E_INSUFFICIENT_MEMORY, 'LocalAlloc');
    const fContextReq =
      ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_EXTENDED_ERROR | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;
    const attr = { value: 0 };
    const ts = new TimeStamp();

    // First call: no input (but the ALPN list, if any).
    let alpnAddr = 0;
    let inDesc: SecBufferDesc | null = null;
    if (alpn.length > 0) {
      const alpnBytes = encodeAlpnBuffer(alpn);
      alpnAddr = this.process.LocalAlloc(LMEM_FIXED, alpnBytes.length);
      if (alpnAddr === 0) return this.result(SEC_E_INSUFFICIENT_MEMORY, 'LocalAlloc');
      this.process.write(alpnAddr, alpnBytes);
      inDesc = new SecBufferDesc([new SecBuffer(alpnBytes.length, SECBUFFER_APPLICATION_PROTOCOLS, alpnAddr)]);
    }
    const out0 = new SecBuffer(0, SECBUFFER_TOKEN, 0);
    let scRet = this.sspi.InitializeSecurityContext(this.hCred, null, targetName, fContextReq, 0, SECURITY_NATIVE_DREP, inDesc, 0, this.hCtx, new SecBufferDesc([out0]), attr, ts);
    if (alpnAddr !== 0) this.process.LocalFree(alpnAddr);
    this.host.trace('tls.isc', { status: statusName(scRet) });
    if (scRet !== SEC_I_CONTINUE_NEEDED) {
      if (out0.pvBuffer !== 0) this.sspi.FreeContextBuffer(out0.pvBuffer);
      return this.result(scRet, 'InitializeSecurityContext');
    }
    if (!(await this.sendToken(out0))) return this.streamFailure();
    return this.clientHandshakeLoop(targetName, fContextReq, true);
  }

  /** WebClient.c's `ClientHandshakeLoop`; `doInitialRead` false when the buffer already holds input. */
  private async clientHandshakeLoop(targetName: string | null, fContextReq: number, doInitialRead: boolean): Promise<SessionResult> {
    const attr = { value: 0 };
    const ts = new TimeStamp();
    let doRead = doInitialRead;
    let scRet = SEC_I_CONTINUE_NEEDED;
    while (scRet === SEC_I_CONTINUE_NEEDED || scRet === SEC_E_INCOMPLETE_MESSAGE || scRet === SEC_I_INCOMPLETE_CREDENTIALS) {
      if (this.cbIoBuffer === 0 || scRet === SEC_E_INCOMPLETE_MESSAGE) {
        if (doRead) {
          if (!(await this.readMore())) return this.streamFailure();
        } else doRead = true;
      }
      const inBufs = [new SecBuffer(this.cbIoBuffer, SECBUFFER_TOKEN, this.ioBuffer), new SecBuffer(0, SECBUFFER_EMPTY, 0)];
      const out0 = new SecBuffer(0, SECBUFFER_TOKEN, 0);
      scRet = this.sspi.InitializeSecurityContext(
        this.hCred,
        this.hCtx,
        targetName,
        fContextReq,
        0,
        SECURITY_NATIVE_DREP,
        new SecBufferDesc(inBufs),
        0,
        null,
        new SecBufferDesc([out0]),
        attr,
        ts,
      );
      this.host.trace('tls.isc', { status: statusName(scRet), input: inBufs[0]!.cbBuffer, output: out0.cbBuffer });
      if (scRet === SEC_E_OK || scRet === SEC_I_CONTINUE_NEEDED || (isFailure(scRet) && (attr.value & ISC_RET_EXTENDED_ERROR) !== 0)) {
        if (!(await this.sendToken(out0))) {
          if (!isFailure(scRet)) return this.streamFailure();
        }
      }
      if (out0.pvBuffer !== 0) this.sspi.FreeContextBuffer(out0.pvBuffer);
      if (scRet === SEC_E_INCOMPLETE_MESSAGE) continue;
      if (scRet === SEC_E_OK) {
        this.keepExtra(inBufs[1]);
        break;
      }
      if (isFailure(scRet)) break;
      if (scRet === SEC_I_INCOMPLETE_CREDENTIALS) {
        // The server asked for a client certificate the credential does not have: call again,
        // and Schannel sends an empty Certificate (sspi-behaviour.md check 49).
        doRead = false;
        scRet = SEC_I_CONTINUE_NEEDED;
        continue;
      }
      this.keepExtra(inBufs[1]);
    }
    if (isFailure(scRet)) return this.result(scRet, 'InitializeSecurityContext');
    return this.result(scRet);
  }

  /** The server handshake: `AcceptSecurityContext` until `SEC_E_OK`. */
  async serverHandshake(mutualAuth = false, alpn: readonly string[] = []): Promise<SessionResult> {
    const start = this.host.now();
    const cpu0 = this.cpuTotalNs();
    let alpnAddr = 0;
    let alpnLen = 0;
    if (alpn.length > 0) {
      const bytes = encodeAlpnBuffer(alpn);
      alpnAddr = this.process.LocalAlloc(LMEM_FIXED, bytes.length);
      if (alpnAddr === 0) return this.result(SEC_E_INSUFFICIENT_MEMORY, 'LocalAlloc');
      this.process.write(alpnAddr, bytes);
      alpnLen = bytes.length;
    }
    const r = await this.serverHandshakeLoop(mutualAuth, alpnAddr, alpnLen);
    if (alpnAddr !== 0) this.process.LocalFree(alpnAddr);
    this.handshakeNs = this.host.now() - start;
    this.handshakeCpuNs = Math.min(this.handshakeNs, this.cpuTotalNs() - cpu0);
    return r;
  }

  private async serverHandshakeLoop(mutualAuth: boolean, alpnAddr: number, alpnLen: number): Promise<SessionResult> {
    if (!this.ensureIoBuffer(this.handshakeBufferBytes())) return this.result(SEC_E_INSUFFICIENT_MEMORY, 'LocalAlloc');
    let fContextReq =
      ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY | ASC_REQ_EXTENDED_ERROR | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM;
    if (mutualAuth) fContextReq |= ASC_REQ_MUTUAL_AUTH;
    const attr = { value: 0 };
    const ts = new TimeStamp();
    let scRet = SEC_I_CONTINUE_NEEDED;
    while (scRet === SEC_I_CONTINUE_NEEDED || scRet === SEC_E_INCOMPLETE_MESSAGE || scRet === SEC_I_INCOMPLETE_CREDENTIALS) {
      if (this.cbIoBuffer === 0 || scRet === SEC_E_INCOMPLETE_MESSAGE) {
        if (!(await this.readMore())) return this.streamFailure();
      }
      const inBufs = [new SecBuffer(this.cbIoBuffer, SECBUFFER_TOKEN, this.ioBuffer), new SecBuffer(0, SECBUFFER_EMPTY, 0)];
      // The server's ALPN list rides along as a third input buffer, as on Windows.
      if (alpnAddr !== 0) inBufs.push(new SecBuffer(alpnLen, SECBUFFER_APPLICATION_PROTOCOLS, alpnAddr));
      const out0 = new SecBuffer(0, SECBUFFER_TOKEN, 0);
      const first = !SecIsValidHandle(this.hCtx);
      scRet = this.sspi.AcceptSecurityContext(
        this.hCred,
        first ? null : this.hCtx,
        new SecBufferDesc(inBufs),
        fContextReq,
        SECURITY_NATIVE_DREP,
        first ? this.hCtx : null,
        new SecBufferDesc([out0]),
        attr,
        ts,
      );
      this.host.trace('tls.asc', { status: statusName(scRet), input: inBufs[0]!.cbBuffer, output: out0.cbBuffer });
      if (scRet === SEC_E_OK || scRet === SEC_I_CONTINUE_NEEDED || (isFailure(scRet) && (attr.value & ASC_RET_EXTENDED_ERROR) !== 0)) {
        if (!(await this.sendToken(out0))) {
          if (!isFailure(scRet)) return this.streamFailure();
        }
      }
      if (out0.pvBuffer !== 0) this.sspi.FreeContextBuffer(out0.pvBuffer);
      if (scRet === SEC_E_INCOMPLETE_MESSAGE) continue;
      if (scRet === SEC_E_OK) {
        this.keepExtra(inBufs[1]);
        break;
      }
      if (isFailure(scRet)) break;
      this.keepExtra(inBufs[1]);
    }
    if (isFailure(scRet)) return this.result(scRet, 'AcceptSecurityContext');
    return this.result(scRet);
  }

  /**
   * A failure of the stream, not of SSPI: the status name is the Winsock one (`WSAECONNRESET`,
   * `WSAETIMEDOUT`; `WSAEDISCON` when the peer closed gracefully in the middle of the exchange).
   */
  private streamFailure(): SessionResult {
    const why = this.streamError || this.stream.lastError;
    const name = why === 'connection closed by peer' ? 'WSAEDISCON' : /^WSA[A-Z_]+$/.test(why) ? why : 'WSAECONNABORTED';
    return { status: SEC_E_INTERNAL_ERROR, statusName: name, detail: `stream: ${why}` };
  }

  /** `QueryContextAttributes` CONNECTION_INFO, CIPHER_INFO and APPLICATION_PROTOCOL. */
  negotiated(): Negotiated {
    const ci = new SecPkgContext_ConnectionInfo();
    const st = this.sspi.QueryContextAttributes(this.hCtx, SECPKG_ATTR_CONNECTION_INFO, ci);
    const cipher = new SecPkgContext_CipherInfo();
    const st2 = this.sspi.QueryContextAttributes(this.hCtx, SECPKG_ATTR_CIPHER_INFO, cipher);
    const n: Negotiated = {
      protocol: st === SEC_E_OK ? protocolName(ci.dwProtocol) : `unknown (${statusName(st)})`,
      cipherSuite: st2 === SEC_E_OK ? cipher.szCipherSuite || `0x${cipher.dwCipherSuite.toString(16).padStart(4, '0')}` : `unknown (${statusName(st2)})`,
    };
    const ap = new SecPkgContext_ApplicationProtocol();
    if (this.sspi.QueryContextAttributes(this.hCtx, SECPKG_ATTR_APPLICATION_PROTOCOL, ap) === SEC_E_OK && ap.ProtocolIdSize > 0) {
      n.alpn = new TextDecoder().decode(ap.ProtocolId.subarray(0, ap.ProtocolIdSize));
    }
    return n;
  }

  /**
   * `QueryContextAttributes(STREAM_SIZES)` and the send buffer (header + message + trailer).
   * Unlike WebClient.c, which always allocates a full `cbMaximumMessage`, a firmware that counts
   * its bytes sizes the buffer to the largest record it actually sends (grown when needed).
   */
  private prepareSend(payloadBytes: number): number {
    if (this.sendBuffer === 0) {
      const st = this.sspi.QueryContextAttributes(this.hCtx, SECPKG_ATTR_STREAM_SIZES, this.sizes);
      if (st !== SEC_E_OK) return st;
    }
    const total = this.sizes.cbHeader + Math.min(this.sizes.cbMaximumMessage, Math.max(1, payloadBytes)) + this.sizes.cbTrailer;
    if (this.sendBuffer !== 0 && this.sendBufferBytes >= total) return SEC_E_OK;
    if (this.sendBuffer !== 0) this.process.LocalFree(this.sendBuffer);
    this.sendBuffer = this.process.LocalAlloc(LMEM_FIXED, total);
    this.sendBufferBytes = this.sendBuffer === 0 ? 0 : total;
    return this.sendBuffer === 0 ? SEC_E_INSUFFICIENT_MEMORY : SEC_E_OK;
  }

  /** Encrypts and sends `data` in records of at most `cbMaximumMessage` bytes. */
  async send(data: Uint8Array): Promise<SessionResult> {
    const st = this.prepareSend(data.length);
    if (st !== SEC_E_OK) return this.result(st, 'QueryContextAttributes/LocalAlloc');
    const { cbHeader, cbTrailer, cbMaximumMessage } = this.sizes;
    for (let off = 0; off < data.length || (data.length === 0 && off === 0); ) {
      const n = Math.min(cbMaximumMessage, data.length - off);
      const pbMessage = this.sendBuffer + cbHeader;
      if (n > 0) this.process.write(pbMessage, data.subarray(off, off + n));
      const bufs = [
        new SecBuffer(cbHeader, SECBUFFER_STREAM_HEADER, this.sendBuffer),
        new SecBuffer(n, SECBUFFER_DATA, pbMessage),
        new SecBuffer(cbTrailer, SECBUFFER_STREAM_TRAILER, pbMessage + n),
        new SecBuffer(0, SECBUFFER_EMPTY, 0),
      ];
      const scRet = this.sspi.EncryptMessage(this.hCtx, 0, new SecBufferDesc(bufs), 0);
      if (scRet !== SEC_E_OK) return this.result(scRet, 'EncryptMessage');
      const len = bufs[0]!.cbBuffer + bufs[1]!.cbBuffer + bufs[2]!.cbBuffer;
      const sent = await this.stream.send(this.process.read(this.sendBuffer, len));
      if (sent < 0) {
        this.streamError = this.stream.lastError;
        return this.streamFailure();
      }
      this.wireBytesSent += len;
      off += n;
      if (data.length === 0) break;
    }
    return this.result(SEC_E_OK);
  }

  /**
   * The DecryptMessage read loop (WebClient.c's `ReadDecrypt`): calls `onData` with each
   * plaintext chunk until it returns true (enough), the peer's close_notify
   * (`SEC_I_CONTEXT_EXPIRED`), or a failure.
   */
  async receive(onData: (plaintext: Uint8Array) => boolean): Promise<SessionResult> {
    if (!this.ensureIoBuffer(this.handshakeBufferBytes())) return this.result(SEC_E_INSUFFICIENT_MEMORY, 'LocalAlloc');
    let scRet = SEC_E_OK;
    for (;;) {
      if (this.cbIoBuffer === 0 || scRet === SEC_E_INCOMPLETE_MESSAGE) {
        if (!(await this.readMore())) {
          if (this.streamError === 'connection closed by peer' && this.cbIoBuffer === 0) {
            // The peer closed the stream without close_notify: the data so far stands (HTTP/1.0 reads to EOF).
            return { status: SEC_E_OK, statusName: 'SEC_E_OK', detail: 'closed without close_notify' };
          }
          return this.streamFailure();
        }
      }
      const bufs = [
        new SecBuffer(this.cbIoBuffer, SECBUFFER_DATA, this.ioBuffer),
        new SecBuffer(0, SECBUFFER_EMPTY, 0),
        new SecBuffer(0, SECBUFFER_EMPTY, 0),
        new SecBuffer(0, SECBUFFER_EMPTY, 0),
      ];
      scRet = this.sspi.DecryptMessage(this.hCtx, new SecBufferDesc(bufs), 0, null);
      if (scRet === SEC_E_INCOMPLETE_MESSAGE) continue;
      if (scRet === SEC_I_CONTEXT_EXPIRED) {
        this.peerClosed = true;
        this.cbIoBuffer = 0;
        return this.result(SEC_E_OK);
      }
      if (scRet !== SEC_E_OK && scRet !== SEC_I_RENEGOTIATE) {
        await this.sendFailureAlert();
        return this.result(scRet, 'DecryptMessage');
      }
      let done = false;
      let extra: SecBuffer | undefined;
      for (let i = 1; i < 4; i++) {
        const b = bufs[i]!;
        if (b.BufferType === SECBUFFER_DATA && b.cbBuffer > 0 && !done) done = onData(this.process.read(b.pvBuffer, b.cbBuffer));
        if (b.BufferType === SECBUFFER_EXTRA) extra = b;
      }
      if (extra) {
        const tail = this.process.read(extra.pvBuffer, extra.cbBuffer);
        this.process.write(this.ioBuffer, tail);
        this.cbIoBuffer = extra.cbBuffer;
      } else this.cbIoBuffer = 0;
      if (scRet === SEC_I_RENEGOTIATE) {
        // A post-handshake message wants an answer (KeyUpdate): ISC/ASC with the extra bytes gives it.
        const r = await this.postHandshake();
        if (r.status !== SEC_E_OK) return r;
        scRet = SEC_E_OK;
      }
      if (done) return this.result(SEC_E_OK);
    }
  }

  /**
   * After a failed DecryptMessage: one more ISC/ASC call with no input hands back the fatal
   * alert Schannel produced for the failure (bad_record_mac, unexpected_message,
   * record_overflow, illegal_parameter …), which is sent to the peer before the socket closes.
   * The DecryptMessage status stays the session's result.
   */
  private async sendFailureAlert(): Promise<void> {
    if (!SecIsValidHandle(this.hCtx)) return;
    const out0 = new SecBuffer(0, SECBUFFER_TOKEN, 0);
    const st = this.callContext(null, out0);
    if (st !== SEC_E_OK || out0.cbBuffer === 0) {
      if (out0.pvBuffer !== 0) this.sspi.FreeContextBuffer(out0.pvBuffer);
      return;
    }
    await this.sendToken(out0);
  }

  /** After SEC_I_RENEGOTIATE: one ISC/ASC call with the buffered bytes; sends what it gives. */
  private async postHandshake(): Promise<SessionResult> {
    const inBufs = [new SecBuffer(this.cbIoBuffer, SECBUFFER_TOKEN, this.ioBuffer), new SecBuffer(0, SECBUFFER_EMPTY, 0)];
    const out0 = new SecBuffer(0, SECBUFFER_TOKEN, 0);
    const st = this.callContext(new SecBufferDesc(inBufs), out0);
    if (st !== SEC_E_OK && st !== SEC_I_CONTINUE_NEEDED) return this.result(st, this.role === 'client' ? 'InitializeSecurityContext' : 'AcceptSecurityContext');
    if (!(await this.sendToken(out0))) return this.streamFailure();
    return this.result(SEC_E_OK);
  }

  private callContext(input: SecBufferDesc | null, out0: SecBuffer): number {
    const attr = { value: 0 };
    const ts = new TimeStamp();
    if (this.role === 'client') {
      const req = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_EXTENDED_ERROR | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;
      return this.sspi.InitializeSecurityContext(this.hCred, this.hCtx, null, req, 0, SECURITY_NATIVE_DREP, input, 0, null, new SecBufferDesc([out0]), attr, ts);
    }
    const req = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY | ASC_REQ_EXTENDED_ERROR | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM;
    return this.sspi.AcceptSecurityContext(this.hCred, this.hCtx, input, req, SECURITY_NATIVE_DREP, null, new SecBufferDesc([out0]), attr, ts);
  }

  /** `ApplyControlToken(SCHANNEL_SHUTDOWN)`, then one more ISC/ASC for the close_notify, which is sent. */
  async shutdown(): Promise<SessionResult> {
    if (!SecIsValidHandle(this.hCtx)) return this.result(SEC_E_OK);
    const tokAddr = this.process.LocalAlloc(LMEM_FIXED, 4);
    if (tokAddr === 0) return this.result(SEC_E_INSUFFICIENT_MEMORY, 'LocalAlloc');
    this.process.writeU32(tokAddr, SCHANNEL_SHUTDOWN);
    const st = this.sspi.ApplyControlToken(this.hCtx, new SecBufferDesc([new SecBuffer(4, SECBUFFER_TOKEN, tokAddr)]));
    this.process.LocalFree(tokAddr);
    if (st !== SEC_E_OK) return this.result(st, 'ApplyControlToken');
    const out0 = new SecBuffer(0, SECBUFFER_TOKEN, 0);
    const st2 = this.callContext(null, out0);
    if (isFailure(st2)) {
      if (out0.pvBuffer !== 0) this.sspi.FreeContextBuffer(out0.pvBuffer);
      return this.result(st2, this.role === 'client' ? 'InitializeSecurityContext' : 'AcceptSecurityContext');
    }
    if (!(await this.sendToken(out0))) return this.streamFailure();
    return this.result(SEC_E_OK);
  }

  /** Uses another session's credential handle (a server's one credential for every connection); not freed by this session. */
  shareCredentials(from: TlsSession): void {
    this.hCred.dwLower = from.hCred.dwLower;
    this.hCred.dwUpper = from.hCred.dwUpper;
    this.credAcquired = false;
  }

  /** DeleteSecurityContext, FreeCredentialsHandle, and every buffer this session allocated. */
  dispose(): void {
    if (SecIsValidHandle(this.hCtx)) this.sspi.DeleteSecurityContext(this.hCtx);
    if (this.credAcquired) this.sspi.FreeCredentialsHandle(this.hCred);
    this.credAcquired = false;
    if (this.credCert) CertFreeCertificateContext(this.credCert);
    this.credCert = null;
    if (this.ioBuffer !== 0) this.process.LocalFree(this.ioBuffer);
    if (this.sendBuffer !== 0) this.process.LocalFree(this.sendBuffer);
    this.ioBuffer = 0;
    this.sendBuffer = 0;
    this.cbIoBuffer = 0;
  }
}

/** `FAILED(status)`: the severity bit. */
export function isFailure(status: number): boolean {
  return (status & 0x80000000) !== 0;
}
