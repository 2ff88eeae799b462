/**
 * What a firmware program is: an async function that runs as one emulated process, talks
 * through a byte stream (an emulated socket in a scenario, a real one through the bridge) and
 * reports its outcome as plain JSON.
 */
import type { Device, Process } from '../../device/index.js';

/** The result of {@link ByteStream.recv}: bytes, `0` at the peer's graceful close, or an error. */
export interface StreamRead {
  /** Bytes received, 0 at end of stream, -1 (`SOCKET_ERROR`) on error. */
  result: number;
  data: Uint8Array;
  /** Winsock-style error name when `result` is -1 (`WSAETIMEDOUT`, `WSAECONNRESET`…). */
  error: string;
}

/**
 * A connected byte stream, as a program sees it: the emulated Winsock socket in a scenario, a
 * real `net.Socket` in the bridge. Every method is a blocking point where computation done
 * before it turns into (virtual) time.
 */
export interface ByteStream {
  /** Sends all of `data`: the byte count, or -1 with {@link lastError}. */
  send(data: Uint8Array): Promise<number>;
  /** Receives up to `maxBytes`, waiting at most `timeoutNs`. */
  recv(maxBytes: number, timeoutNs: number): Promise<StreamRead>;
  /** Half-closes the sending side (FIN). */
  shutdownSend(): void;
  /** Closes the stream. */
  close(): void;
  /** The error name of the last failed call. */
  readonly lastError: string;
}

/** Where a program runs: its process, its device's clock, and how computation becomes time. */
export interface ProgramHost {
  readonly process: Process;
  readonly device: Device;
  /** Current (virtual or bridged real) time in ns, CPU time charged so far included. */
  now(): number;
  /** Turns the CPU time charged so far into elapsed time (a no-op on the real-time bridge). */
  compute(): Promise<void>;
  /** Records an event in the run's trace (a no-op on the bridge). */
  trace(kind: string, details?: Record<string, string | number | boolean | null>): void;
  /** Blocks until `ready()` holds (true) or `timeoutNs` passes (false). */
  waitUntil(ready: () => boolean, timeoutNs: number): Promise<boolean>;
}

/**
 * Admission of handshakes on a server: a connection enters when its first bytes have arrived
 * (an idle connection holds no slot and no buffer) and leaves when its handshake ends.
 */
export interface HandshakeGate {
  /** Takes a slot if one is free (checked and taken at once, so two waiters never share one). */
  tryEnter(): boolean;
  /** A connection found no slot and waits for one. */
  waiting(): void;
  /** Gives the slot back; `established` when the handshake succeeded and the connection stays. */
  leave(established: boolean): void;
  /** A connection that was established ends. */
  closeEstablished(): void;
}

/** What a program reports when it ends; JSON-ready. */
export interface ProgramOutcome {
  /** A server's admission: its limits, and how many connections waited and how many ran at once. */
  admission?: { maxHandshakes: number; maxConnections: number; waited: number; peakHandshakes: number; peakConnections: number };
  /** The program's name, e.g. `tls-client`. */
  program: string;
  /** True when the program did what it set out to do. */
  ok: boolean;
  /**
   * The final status: a `SECURITY_STATUS` name for TLS programs (`SEC_E_OK`,
   * `SEC_E_INSUFFICIENT_MEMORY`…), a Winsock error name or `OK` for plain-socket ones.
   */
  status: string;
  /** Negotiated protocol, e.g. `TLS 1.3` (TLS programs). */
  protocol?: string;
  /** Negotiated cipher suite, e.g. `TLS_AES_128_GCM_SHA256` (TLS programs). */
  cipherSuite?: string;
  /** ALPN protocol chosen, when any. */
  alpn?: string;
  /** Set when the session was resumed (SECPKG_ATTR_SESSION_INFO: SSL_SESSION_RECONNECT). */
  resumed?: boolean;
  /** Handshake time from the first ISC/ASC call to SEC_E_OK, ns. */
  handshakeNs?: number;
  /** Of {@link handshakeNs}, the device CPU time (from `device.cpu.report()` deltas), ns. */
  handshakeCpuNs?: number;
  /** Of {@link handshakeNs}, the rest: network and waiting, ns. */
  handshakeNetNs?: number;
  /** Application bytes sent and received (plaintext). */
  bytesSent: number;
  bytesReceived: number;
  /** Bytes on the stream (TLS records included) sent and received. */
  wireBytesSent: number;
  wireBytesReceived: number;
  /** Connections served (servers), or made (clients). */
  connections: number;
  /** Per-connection outcomes of a server, by status name. */
  connectionStatuses?: Record<string, number>;
  /** The first line of the response (clients) or request (servers). */
  firstLine?: string;
  /** What went wrong, in words. */
  detail?: string;
}

/** A new outcome with every counter at zero. */
export function emptyOutcome(program: string): ProgramOutcome {
  return { program, ok: false, status: 'NOT_STARTED', bytesSent: 0, bytesReceived: 0, wireBytesSent: 0, wireBytesReceived: 0, connections: 0 };
}

