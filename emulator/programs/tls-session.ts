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
  SecPkgContext_SessionInfo,
  SECPKG_ATTR_SESSION_INFO,
  SSL_SESSION_RECONNECT,
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
  SUITE_POLICY_KEY,
  type CertContext,
} from '../../schannel/index.js';
import type { ByteStream, HandshakeGate, ProgramHost } from './types.js';

/**
 * Size of the handshake receive buffer. Microsoft's WebClient sample uses `IO_BUFFER_SIZE`
 * 0x10000; a CE device cannot spare 64 KiB of a 384 KiB heap per connection, and a TLS 1.3
 * handshake flight from a server with a P-256 chain is a few KiB, so one full record plus its
 * header (16384 + 256 + 5) is enough here.
 */
export const HANDSHAKE_IO_BUFFER_BYTES = 16384 + 256 + 5;

/** Receive timeout of every blocking read, ns (as SO_RCVTIMEO): 30 s of (virtual) time. */
export const DEFAULT_RECV_TIMEOUT_NS = 30_000_000_000;

/** Bytes of a TLS record header (type, legacy version, length: RFC 8446 §5.1). */
const RECORD_HEADER_BYTES = 5;

const ms = (ns: number): number => Math.round(ns / 1e6);

/**
 * What a server session enforces against slow or hostile peers (all optional; unset means no
 * limit beyond the per-read timeout). Each expiry ends the session with its own status name:
 * `HANDSHAKE_TIMEOUT`, `IDLE_TIMEOUT`, `TOO_SLOW`, `HELLO_TOO_LONG`.
 */
export interface SessionLimits {
  /** The whole handshake must be done within this, ns (not each read). */
  handshakeTimeoutNs?: number;
  /** After the handshake: the longest wait for the next record, ns. */
  idleTimeoutNs?: number;
  /** The handshake must average at least this many bytes per second once past the grace period. */
  minHandshakeBytesPerSecond?: number;
  /** How long the minimum-progress rule waits before it applies, ns. */
  progressGraceNs?: number;
  /** Bytes accepted before a whole ClientHello has arrived. */
  maxHelloBytes?: number;
}

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
  /** Further certificates with their keys (`paCred[1…]`): a server picks by the client's signature_algorithms. */
  moreCertificates?: { certPem: string; keyPem: string }[];
  /** `SCHANNEL_CRED.palgSupportedAlgs` (`ALG_ID`s of the bulk ciphers allowed). */
  supportedAlgs?: number[];
  /**
   * The device's suite order policy (`SUITE_POLICY_KEY\Functions`, IANA names), written to the
   * registry before the credential is acquired, as an installer sets it.
   */
  suiteOrder?: string[];
  /** The device's curve order policy (`SUITE_POLICY_KEY\EccCurves`, CNG curve names), likewise. */
  curveOrder?: string[];
}

/** What the handshake negotiated. */
export interface Negotiated {
  protocol: string;
  cipherSuite: string;
  alpn?: string;
  /** The session was resumed from the session cache (SECPKG_ATTR_SESSION_INFO: SSL_SESSION_RECONNECT). */
  resumed?: boolean;
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
  private moreCerts: CertContext[] = [];
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
  private limits: SessionLimits = {};
  /** Virtual time the handshake must be done by (Infinity: no deadline; −1: not in a handshake). */
  private handshakeDeadline = -1;
  private handshakeStart = 0;
  /** Where the minimum-progress rule starts counting (the handshake's start, or its admission). */
  private progressStart = 0;
  /** The server has seen a whole ClientHello (its first AcceptSecurityContext that wanted no more). */
  private helloDone = false;
  /** The buffer length at which an over-long record header was last handed to Schannel. */
  private oversizeSeenAt = -1;
  private gate: HandshakeGate | null = null;
  private inGate = false;
  /** The gate counts this session among its established connections. */
  private countedEstablished = false;

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
      const pairs = [{ certPem: opts.certPem, keyPem: opts.keyPem }, ...(opts.moreCertificates ?? [])];
      const certs: CertContext[] = [];
      for (const [i, pair] of pairs.entries()) {
        const c = loadCertificateWithKey(pair.certPem, pair.keyPem);
        if (!c.ok) {
          for (const x of certs) CertFreeCertificateContext(x);
          return { status: SEC_E_INTERNAL_ERROR, statusName: 'SEC_E_INTERNAL_ERROR', detail: `certificate ${i + 1}: ${c.error.kind}: ${c.error.detail}` };
        }
        certs.push(c.value);
      }
      this.credCert = certs[0]!;
      this.moreCerts = certs.slice(1);
      cred.cCreds = certs.length;
      cred.paCred = certs;
    }
    if (opts.supportedAlgs && opts.supportedAlgs.length > 0) {
      cred.cSupportedAlgs = opts.supportedAlgs.length;
      cred.palgSupportedAlgs = [...opts.supportedAlgs];
    }
    const reg = this.process.device.registry;
    if (opts.suiteOrder) reg.setValue(SUITE_POLICY_KEY, 'Functions', { type: 'REG_SZ', data: opts.suiteOrder.join(',') });
    if (opts.curveOrder) reg.setValue(SUITE_POLICY_KEY, 'EccCurves', { type: 'REG_MULTI_SZ', data: [...opts.curveOrder] });
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

  /**
   * Grows the receive buffer to `bytes` (`LocalAlloc` a new one, copy, `LocalFree` the old, as
   * `LocalReAlloc` would); the buffer never shrinks while the session lives.
   */
  private growIoBuffer(bytes: number): boolean {
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

  /**
   * Where the buffer must end to hold one more whole record: the records already whole in it
   * are walked; then either the next record's 5-byte header is still missing (`headerKnown`
   * false: read the header first) or its length says where the record ends.
   */
  private nextRecord(): { end: number; length: number; headerKnown: boolean } {
    let off = 0;
    for (;;) {
      if (this.cbIoBuffer - off < RECORD_HEADER_BYTES) return { end: off + RECORD_HEADER_BYTES, length: 0, headerKnown: false };
      const h = this.process.read(this.ioBuffer + off + 3, 2);
      const length = (h[0]! << 8) | h[1]!;
      const end = off + RECORD_HEADER_BYTES + length;
      if (end > this.cbIoBuffer) return { end, length, headerKnown: true };
      off = end;
    }
  }

  /** Limits this session enforces while it reads (a server's defences; see {@link SessionLimits}). */
  setLimits(limits: SessionLimits): void {
    this.limits = { ...this.limits, ...limits };
  }

  /** Admits this session's handshake through `gate` once its first bytes arrive. */
  setGate(gate: HandshakeGate): void {
    this.gate = gate;
  }

  /** Marks the handshake over: reads are then held to the idle deadline, not the handshake's. */
  private endHandshakePhase(): void {
    this.handshakeDeadline = -1;
    this.leaveGate(true);
  }

  private leaveGate(established: boolean): void {
    if (!this.inGate) return;
    this.inGate = false;
    this.countedEstablished = established;
    this.gate!.leave(established);
  }

  /**
   * The first record header of a connection: read into 5 bytes on the stack (as C firmware
   * would), so an idle or trickling peer holds no heap; then wait for a handshake slot (time
   * spent waiting does not count against the peer's progress), and only then allocate the
   * record buffer.
   */
  private async firstBytes(): Promise<SessionResult | null> {
    const header = new Uint8Array(RECORD_HEADER_BYTES);
    let have = 0;
    while (have < RECORD_HEADER_BYTES) {
      const limit = this.readLimitNs();
      if (limit.ns <= 0) return this.limitFailure(limit.kind);
      const r = await this.stream.recv(RECORD_HEADER_BYTES - have, limit.ns);
      if (r.result < 0) {
        if (r.error === 'WSAETIMEDOUT' && limit.kind !== 'recv') return this.limitFailure(limit.kind);
        this.streamError = r.error;
        return this.streamFailure();
      }
      if (r.result === 0) {
        this.streamError = 'connection closed by peer';
        return this.streamFailure();
      }
      header.set(r.data, have);
      have += r.result;
      this.wireBytesReceived += r.result;
      const slow = this.progressFailure();
      if (slow) return slow;
    }
    if (this.gate && this.handshakeDeadline >= 0 && !this.inGate) {
      const gate = this.gate;
      if (!gate.tryEnter()) {
        this.host.trace('tls.admission-wait', {});
        gate.waiting();
        const waitStart = this.host.now();
        const left = this.readLimitNs();
        const admitted = await this.host.waitUntil(() => gate.tryEnter(), Math.max(0, left.ns));
        this.progressStart += this.host.now() - waitStart;
        if (!admitted) return { status: SEC_E_INTERNAL_ERROR, statusName: 'HANDSHAKE_TIMEOUT', detail: 'no handshake slot came free before the deadline' };
      }
      this.inGate = true;
    }
    if (!this.growIoBuffer(RECORD_HEADER_BYTES)) return this.result(SEC_E_INSUFFICIENT_MEMORY, 'LocalAlloc');
    this.process.write(this.ioBuffer, header);
    this.cbIoBuffer = RECORD_HEADER_BYTES;
    return null;
  }

  /**
   * Reads from the stream until the buffer ends with one more whole record, lazily: the buffer
   * is allocated when the first bytes are due, sized to the record being read (its header
   * first), and grown only when a record needs more, up to {@link handshakeBufferBytes}. A
   * header whose length exceeds that is left for Schannel to judge (it answers
   * record_overflow). Null on success, otherwise why the read ended.
   */
  private async readMore(): Promise<SessionResult | null> {
    const cap = this.handshakeBufferBytes();
    if (this.ioBuffer === 0) {
      const failed = await this.firstBytes();
      if (failed) return failed;
    }
    for (;;) {
      const next = this.nextRecord();
      if (next.headerKnown && next.end > cap) {
        // A record longer than the buffer may hold: Schannel sees its header once and answers
        // record_overflow for a length no TLS version allows (RFC 8446 §5.2); if it wants the
        // record after all, it cannot be read.
        if (this.oversizeSeenAt !== this.cbIoBuffer) {
          this.oversizeSeenAt = this.cbIoBuffer;
          return null;
        }
        this.streamError = 'receive buffer full';
        return this.streamFailure();
      }
      const end = next.end;
      const want = end;
      if (!this.growIoBuffer(want)) return this.result(SEC_E_INSUFFICIENT_MEMORY, 'LocalAlloc');
      const limit = this.readLimitNs();
      if (limit.ns <= 0) return this.limitFailure(limit.kind);
      const r = await this.stream.recv(want - this.cbIoBuffer, limit.ns);
      if (r.result < 0) {
        if (r.error === 'WSAETIMEDOUT' && limit.kind !== 'recv') return this.limitFailure(limit.kind);
        this.streamError = r.error;
        return this.streamFailure();
      }
      if (r.result === 0) {
        this.streamError = 'connection closed by peer';
        return this.streamFailure();
      }
      this.process.write(this.ioBuffer + this.cbIoBuffer, r.data);
      this.cbIoBuffer += r.result;
      this.wireBytesReceived += r.result;
      const slow = this.progressFailure();
      if (slow) return slow;
      if (this.cbIoBuffer >= end) return null;
    }
  }

  /** The timeout of the next read: the per-read timeout, or what is left of a deadline if sooner. */
  private readLimitNs(): { ns: number; kind: 'recv' | 'handshake' | 'idle' } {
    let ns = this.recvTimeoutNs;
    let kind: 'recv' | 'handshake' | 'idle' = 'recv';
    const now = this.host.now();
    if (this.handshakeDeadline >= 0) {
      const left = this.handshakeDeadline - now;
      if (left < ns) {
        ns = left;
        kind = 'handshake';
      }
    } else if (this.limits.idleTimeoutNs !== undefined && this.limits.idleTimeoutNs < ns) {
      ns = this.limits.idleTimeoutNs;
      kind = 'idle';
    }
    return { ns, kind };
  }

  private limitFailure(kind: 'recv' | 'handshake' | 'idle'): SessionResult {
    if (kind === 'handshake') {
      return { status: SEC_E_INTERNAL_ERROR, statusName: 'HANDSHAKE_TIMEOUT', detail: `handshake not done within ${ms(this.limits.handshakeTimeoutNs ?? 0)} ms (${this.wireBytesReceived} B received)` };
    }
    if (kind === 'idle') return { status: SEC_E_INTERNAL_ERROR, statusName: 'IDLE_TIMEOUT', detail: `no record within ${ms(this.limits.idleTimeoutNs ?? 0)} ms` };
    return { status: SEC_E_INTERNAL_ERROR, statusName: 'WSAETIMEDOUT', detail: 'stream: WSAETIMEDOUT' };
  }

  /**
   * The minimum-progress rule and the bound on bytes before the ClientHello is whole: a peer
   * that sends a byte a second, or kilobytes of something that never becomes a hello, is cut.
   */
  private progressFailure(): SessionResult | null {
    if (this.handshakeDeadline < 0) return null;
    const { minHandshakeBytesPerSecond: rate, progressGraceNs, maxHelloBytes } = this.limits;
    if (!this.helloDone && maxHelloBytes !== undefined && this.wireBytesReceived > maxHelloBytes) {
      return { status: SEC_E_INTERNAL_ERROR, statusName: 'HELLO_TOO_LONG', detail: `${this.wireBytesReceived} B received before a whole ClientHello (limit ${maxHelloBytes} B)` };
    }
    if (rate !== undefined && rate > 0) {
      const elapsed = this.host.now() - this.progressStart;
      if (elapsed > (progressGraceNs ?? 0) && (this.wireBytesReceived * 1e9) / elapsed < rate) {
        return { status: SEC_E_INTERNAL_ERROR, statusName: 'TOO_SLOW', detail: `${this.wireBytesReceived} B in ${ms(elapsed)} ms: under ${rate} B/s` };
      }
    }
    return null;
  }

  /** Starts the handshake clock and its deadline. */
  private startHandshakePhase(): void {
    this.handshakeStart = this.host.now();
    this.progressStart = this.handshakeStart;
    this.helloDone = false;
    const t = this.limits.handshakeTimeoutNs;
    this.handshakeDeadline = t === undefined ? Infinity : this.handshakeStart + t;
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
    this.startHandshakePhase();
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
          const failed = await this.readMore();
          if (failed) return failed;
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
    this.startHandshakePhase();
    let fContextReq =
      ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY | ASC_REQ_EXTENDED_ERROR | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM;
    if (mutualAuth) fContextReq |= ASC_REQ_MUTUAL_AUTH;
    const attr = { value: 0 };
    const ts = new TimeStamp();
    let scRet = SEC_I_CONTINUE_NEEDED;
    while (scRet === SEC_I_CONTINUE_NEEDED || scRet === SEC_E_INCOMPLETE_MESSAGE || scRet === SEC_I_INCOMPLETE_CREDENTIALS) {
      if (this.cbIoBuffer === 0 || scRet === SEC_E_INCOMPLETE_MESSAGE) {
        const failed = await this.readMore();
        if (failed) return failed;
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
      if (scRet !== SEC_E_INCOMPLETE_MESSAGE) this.helloDone = true;
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
    // SECPKG_ATTR_SESSION_INFO: SSL_SESSION_RECONNECT when the session came from the cache.
    const si = new SecPkgContext_SessionInfo();
    if (this.sspi.QueryContextAttributes(this.hCtx, SECPKG_ATTR_SESSION_INFO, si) === SEC_E_OK && (si.dwFlags & SSL_SESSION_RECONNECT) !== 0) n.resumed = true;
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
    this.endHandshakePhase();
    let scRet = SEC_E_OK;
    for (;;) {
      if (this.cbIoBuffer === 0 || scRet === SEC_E_INCOMPLETE_MESSAGE) {
        const failed = await this.readMore();
        if (failed) {
          if (this.streamError === 'connection closed by peer' && this.cbIoBuffer === 0) {
            // The peer closed the stream without close_notify: the data so far stands (HTTP/1.0 reads to EOF).
            return { status: SEC_E_OK, statusName: 'SEC_E_OK', detail: 'closed without close_notify' };
          }
          return failed;
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
    this.leaveGate(false);
    if (this.countedEstablished) this.gate!.closeEstablished();
    this.countedEstablished = false;
    if (SecIsValidHandle(this.hCtx)) this.sspi.DeleteSecurityContext(this.hCtx);
    if (this.credAcquired) this.sspi.FreeCredentialsHandle(this.hCred);
    this.credAcquired = false;
    if (this.credCert) CertFreeCertificateContext(this.credCert);
    this.credCert = null;
    for (const c of this.moreCerts) CertFreeCertificateContext(c);
    this.moreCerts = [];
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
