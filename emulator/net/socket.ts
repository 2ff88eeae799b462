/**
 * Stream sockets with Winsock-style results over the emulated transport.
 *
 * Calls answer as Winsock does: `0` or a byte count on success, `SOCKET_ERROR` on failure with
 * the reason in {@link StreamSocket.lastError} (what `WSAGetLastError()` gives). Blocking calls
 * are async and block the calling task in virtual time; `recv` and `accept` take an optional
 * timeout (as `SO_RCVTIMEO` would), after which they fail with `WSAETIMEDOUT` and the socket
 * stays usable.
 */
import type { Host } from './network.js';
import { parseIpv4, formatIpv4 } from './segment.js';
import { SENDS_DATA, type Listener, type Tcb, type TcpState } from './tcp.js';
import {
  SD_BOTH,
  SD_RECEIVE,
  SD_SEND,
  SOCKET_ERROR,
  WSAEINVAL,
  WSAEISCONN,
  WSAENETUNREACH,
  WSAENOTCONN,
  WSAENOTSOCK,
  WSAESHUTDOWN,
  WSAETIMEDOUT,
  wsaErrorName,
} from './winsock.js';

/**
 * The task a socket belongs to: sockets call these around every blocking point, so computation
 * done before the call costs virtual time and the task's blocked state is known.
 */
export interface SocketOwner {
  /** Drains the task's pending CPU time (sleeps it) before the call proceeds. */
  settle(): Promise<void>;
  /** The task is about to block on `what`. */
  blocked(what: string): void;
  /** The task runs again. */
  resumed(): void;
}

/** An owner that does nothing (sockets used outside any task, e.g. in tests of the transport). */
export const NO_OWNER: SocketOwner = {
  settle: () => Promise.resolve(),
  blocked: () => {},
  resumed: () => {},
};

/** What `recv` returns. */
export interface RecvResult {
  /** Bytes received (`data.length`), `0` when the peer closed gracefully, or `SOCKET_ERROR`. */
  result: number;
  /** The bytes received (empty unless `result > 0`). */
  data: Uint8Array;
  /** `0`, or the Winsock error when `result` is `SOCKET_ERROR`. */
  error: number;
}

const EMPTY = new Uint8Array(0);

/** A Winsock stream socket on one host. */
export class StreamSocket {
  /** The error of the last failed call (`WSAGetLastError()`); 0 after a success. */
  lastError = 0;
  private tcb: Tcb | null;
  private listener: Listener | null = null;
  private handleClosed = false;
  private recvShut = false;
  private sendShut = false;

  constructor(
    /** The host the socket lives on. */
    readonly host: Host,
    private readonly owner: SocketOwner = NO_OWNER,
    tcb: Tcb | null = null,
  ) {
    this.tcb = tcb;
  }

  /** The transport state: `LISTEN` for a listening socket, `CLOSED` for a fresh or closed one. */
  get state(): TcpState {
    if (this.listener) return this.listener.state;
    return this.tcb?.state ?? 'CLOSED';
  }

  /** The local port (0 while unbound). */
  get localPort(): number {
    return this.listener?.port ?? this.tcb?.localPort ?? 0;
  }

  /** The peer's address, or `''`. */
  get remoteAddress(): string {
    return this.tcb ? formatIpv4(this.tcb.remoteIp) : '';
  }

  /** The peer's port, or 0. */
  get remotePort(): number {
    return this.tcb?.remotePort ?? 0;
  }

  private fail(error: number): number {
    this.lastError = error;
    return SOCKET_ERROR;
  }

  private ok<T>(v: T): T {
    this.lastError = 0;
    return v;
  }

  private emit(kind: string, details: Record<string, string | number | null>): void {
    this.host.tcp.emit(kind, details);
  }

  /** Binds to `port` and listens (`bind` + `listen`). 0, or `SOCKET_ERROR` (`WSAEADDRINUSE`, `WSAEISCONN`). */
  listen(port: number, backlog = 5): number {
    if (this.handleClosed) return this.fail(WSAENOTSOCK);
    if (this.tcb || this.listener) return this.fail(WSAEISCONN);
    if (!(Number.isInteger(port) && port > 0 && port <= 65535)) return this.fail(WSAEINVAL);
    const l = this.host.tcp.listen(port, backlog);
    if (typeof l === 'number') {
      this.emit('sock.listen', { port, result: wsaErrorName(l) });
      return this.fail(l);
    }
    this.listener = l;
    this.emit('sock.listen', { port, backlog: l.backlog, result: 'ok' });
    return this.ok(0);
  }

  /** Waits for a connection. The new socket, or `null` with `lastError` set (`WSAETIMEDOUT`, `WSAEINVAL`). */
  async accept(timeoutNs = Infinity): Promise<StreamSocket | null> {
    await this.owner.settle();
    const l = this.listener;
    if (this.handleClosed) return this.failNull(WSAENOTSOCK);
    if (!l) return this.failNull(WSAEINVAL);
    const sched = this.host.network.scheduler;
    const deadline = sched.now + timeoutNs;
    for (;;) {
      const tcb = l.take();
      if (tcb) {
        const s = new StreamSocket(this.host, this.owner, tcb);
        this.emit('sock.accept', { port: l.port, remote: `${s.remoteAddress}:${s.remotePort}` });
        return this.ok(s);
      }
      if (l.state === 'CLOSED') return this.failNull(WSAENOTSOCK);
      const left = deadline - sched.now;
      if (left <= 0) return this.failNull(WSAETIMEDOUT);
      this.owner.blocked(`accept :${l.port}`);
      await l.signal.wait(left);
      this.owner.resumed();
    }
  }

  private failNull(error: number): null {
    this.lastError = error;
    return null;
  }

  /**
   * Connects to `address:port`. 0 once established, or `SOCKET_ERROR` with `WSAECONNREFUSED`
   * (RST: nothing listens), `WSAETIMEDOUT` (no answer after the SYN retries), `WSAENETUNREACH`
   * (no link toward the address), `WSAEISCONN`.
   */
  async connect(address: string, port: number): Promise<number> {
    await this.owner.settle();
    if (this.handleClosed) return this.fail(WSAENOTSOCK);
    if (this.tcb || this.listener) return this.fail(WSAEISCONN);
    let ip: number;
    try {
      ip = parseIpv4(address);
    } catch {
      return this.fail(WSAEINVAL);
    }
    if (!(Number.isInteger(port) && port > 0 && port <= 65535)) return this.fail(WSAEINVAL);
    if (this.host.route(ip) === null) {
      this.emit('sock.connect', { remote: `${address}:${port}`, result: 'WSAENETUNREACH' });
      return this.fail(WSAENETUNREACH);
    }
    const tcb = this.host.tcp.connect(ip, port);
    this.tcb = tcb;
    while (tcb.state === 'SYN_SENT') {
      this.owner.blocked(`connect ${address}:${port}`);
      await tcb.signal.wait();
      this.owner.resumed();
    }
    if (tcb.state !== 'CLOSED') {
      this.emit('sock.connect', { local: tcb.localPort, remote: `${address}:${port}`, result: 'ok' });
      return this.ok(0);
    }
    const err = tcb.error !== 0 ? tcb.error : WSAENOTCONN;
    this.emit('sock.connect', { local: tcb.localPort, remote: `${address}:${port}`, result: wsaErrorName(err) });
    return this.fail(err);
  }

  /**
   * Sends all of `data` (blocking while the send buffer is full). The byte count, or
   * `SOCKET_ERROR` (`WSAENOTCONN`, `WSAESHUTDOWN`, `WSAECONNRESET`, `WSAETIMEDOUT`).
   */
  async send(data: Uint8Array): Promise<number> {
    await this.owner.settle();
    const tcb = this.tcb;
    if (this.handleClosed) return this.fail(WSAENOTSOCK);
    if (!tcb) return this.fail(WSAENOTCONN);
    let off = 0;
    for (;;) {
      if (tcb.error !== 0) return this.fail(tcb.error);
      if (this.sendShut || tcb.sendClosed) return this.fail(WSAESHUTDOWN);
      if (!SENDS_DATA.has(tcb.state)) return this.fail(WSAENOTCONN);
      if (off === data.length) return this.ok(data.length);
      const space = tcb.sendSpace;
      if (space > 0) {
        const n = Math.min(space, data.length - off);
        tcb.write(data.subarray(off, off + n));
        off += n;
        continue;
      }
      this.owner.blocked('send');
      await tcb.signal.wait();
      this.owner.resumed();
    }
  }

  /**
   * Receives up to `maxBytes`, waiting at most `timeoutNs`. See {@link RecvResult}: bytes,
   * `0` at the peer's graceful close, or `SOCKET_ERROR` (`WSAETIMEDOUT`, `WSAECONNRESET`,
   * `WSAENOTCONN`, `WSAESHUTDOWN`).
   */
  async recv(maxBytes = 65536, timeoutNs = Infinity): Promise<RecvResult> {
    await this.owner.settle();
    const tcb = this.tcb;
    if (this.handleClosed) return this.recvFail(WSAENOTSOCK);
    if (!tcb) return this.recvFail(WSAENOTCONN);
    if (this.recvShut) return this.recvFail(WSAESHUTDOWN);
    const sched = this.host.network.scheduler;
    const deadline = sched.now + timeoutNs;
    for (;;) {
      if (tcb.readable > 0) {
        const data = tcb.read(Math.max(1, maxBytes));
        return this.ok({ result: data.length, data, error: 0 });
      }
      if (tcb.finReceived) return this.ok({ result: 0, data: EMPTY, error: 0 });
      if (tcb.error !== 0) return this.recvFail(tcb.error);
      if (tcb.state === 'CLOSED' || tcb.state === 'SYN_SENT') return this.recvFail(WSAENOTCONN);
      const left = deadline - sched.now;
      if (left <= 0) return this.recvFail(WSAETIMEDOUT);
      this.owner.blocked('recv');
      await tcb.signal.wait(left);
      this.owner.resumed();
    }
  }

  private recvFail(error: number): RecvResult {
    this.lastError = error;
    return { result: SOCKET_ERROR, data: EMPTY, error };
  }

  /** `shutdown(how)`: `SD_SEND` sends FIN after the queued data; `SD_RECEIVE` stops `recv`. */
  shutdown(how: number): number {
    if (this.handleClosed) return this.fail(WSAENOTSOCK);
    if (how !== SD_RECEIVE && how !== SD_SEND && how !== SD_BOTH) return this.fail(WSAEINVAL);
    if (!this.tcb) return this.fail(WSAENOTCONN);
    if (how !== SD_SEND) this.recvShut = true;
    if (how !== SD_RECEIVE && !this.sendShut) {
      this.sendShut = true;
      this.tcb.shutdownSend();
    }
    this.emit('sock.shutdown', { local: this.tcb.localPort, how });
    return this.ok(0);
  }

  /**
   * `closesocket`: a graceful close (FIN after the queued data; the transport finishes in the
   * background), or an abortive one (RST) when received data was never read (RFC 2525 §2.17).
   */
  close(): number {
    if (this.handleClosed) return this.fail(WSAENOTSOCK);
    this.handleClosed = true;
    if (this.listener) {
      this.emit('sock.close', { port: this.listener.port });
      this.listener.close();
    } else if (this.tcb) {
      const tcb = this.tcb;
      const unread = tcb.readable;
      this.emit('sock.close', { local: tcb.localPort, remote: `${formatIpv4(tcb.remoteIp)}:${tcb.remotePort}`, unread });
      tcb.orphan();
      if (unread > 0) tcb.reset('closed with unread data');
      else tcb.shutdownSend();
    }
    return this.ok(0);
  }
}
