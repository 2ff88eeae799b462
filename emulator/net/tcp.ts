/**
 * The reliable transport under the stream sockets: a small TCP (RFC 793) over the emulated
 * network.
 *
 * What it does: three-way handshake with the MSS option; byte sequence numbers (32-bit, wrapping)
 * and cumulative ACKs; retransmission on a timer with exponential backoff and the RFC 6298 RTO
 * estimator (Karn's rule: no RTT sample from a retransmitted segment); fast retransmit on three
 * duplicate ACKs and NewReno-style retransmission of the next hole on a partial ACK (RFC 6582);
 * an out-of-order buffer, so reordering costs no retransmission and delivery stays in order;
 * receive-window flow control with zero-window probes; FIN/RST teardown and TIME_WAIT.
 *
 * What it leaves out (documented simplifications): congestion control (a sender may fill the
 * peer's window at once), window scaling, SACK, urgent data, simultaneous open and delayed ACKs
 * (every segment that carries data or FIN is ACKed at once).
 *
 * The connection states and the events that move between them are one table,
 * {@link TCP_TRANSITIONS}; {@link Tcb.transition} is the only place a state changes, and a
 * segment a state cannot take goes through the one helper {@link Tcb.unexpected}.
 */
import type { QueuedEvent, Scheduler } from '../loop/scheduler.js';
import { Signal } from '../loop/signal.js';
import type { Trace } from '../loop/trace.js';
import type { RandomStream } from '../loop/random.js';
import { ByteQueue } from './bytequeue.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, flagNames, formatIpv4, type Segment } from './segment.js';
import { WSAEADDRINUSE, WSAECONNREFUSED, WSAECONNRESET, WSAETIMEDOUT, wsaErrorName } from './winsock.js';

/** Connection states (RFC 793 §3.2; FIN-WAIT-1/2 spelled with underscores). */
export type TcpState =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RCVD'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSING'
  | 'TIME_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK';

/** What moves a connection between states. */
export type TcpEvent =
  | 'connect' // active open: SYN sent
  | 'listen' // passive open
  | 'rcv-syn' // a listener took a SYN: the child connection is born here
  | 'rcv-syn-ack' // our SYN answered
  | 'rcv-ack-of-syn' // the handshake's last ACK
  | 'close' // the application closed its sending side: FIN queued
  | 'rcv-fin' // the peer's FIN arrived in order
  | 'rcv-ack-of-fin' // our FIN acknowledged
  | 'rcv-rst' // an acceptable RST
  | 'time-wait-expired' // 2 × MSL passed
  | 'abort'; // retransmission limit, or an RST we sent

/**
 * The state table: `[from, event, to]`. RFC 793 §3.2 figure 6, without simultaneous open; a
 * transition not listed here is a bug in the transport, not a peer's fault.
 */
export const TCP_TRANSITIONS: readonly (readonly [TcpState, TcpEvent, TcpState])[] = [
  ['CLOSED', 'connect', 'SYN_SENT'],
  ['CLOSED', 'listen', 'LISTEN'],
  ['LISTEN', 'rcv-syn', 'SYN_RCVD'],
  ['LISTEN', 'close', 'CLOSED'],
  ['SYN_SENT', 'rcv-syn-ack', 'ESTABLISHED'],
  ['SYN_SENT', 'close', 'CLOSED'],
  ['SYN_RCVD', 'rcv-ack-of-syn', 'ESTABLISHED'],
  ['SYN_RCVD', 'close', 'FIN_WAIT_1'],
  ['ESTABLISHED', 'close', 'FIN_WAIT_1'],
  ['ESTABLISHED', 'rcv-fin', 'CLOSE_WAIT'],
  ['FIN_WAIT_1', 'rcv-ack-of-fin', 'FIN_WAIT_2'],
  ['FIN_WAIT_1', 'rcv-fin', 'CLOSING'],
  ['FIN_WAIT_2', 'rcv-fin', 'TIME_WAIT'],
  ['CLOSING', 'rcv-ack-of-fin', 'TIME_WAIT'],
  ['CLOSE_WAIT', 'close', 'LAST_ACK'],
  ['LAST_ACK', 'rcv-ack-of-fin', 'CLOSED'],
  ['TIME_WAIT', 'time-wait-expired', 'CLOSED'],
  // RFC 793 §3.4: an acceptable RST, or giving up, closes any synchronised or opening connection.
  ...(['SYN_SENT', 'SYN_RCVD', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSING', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT'] as const).flatMap(
    (s) =>
      [
        [s, 'rcv-rst', 'CLOSED'],
        [s, 'abort', 'CLOSED'],
      ] as const,
  ),
];

const TRANSITION_MAP = new Map<string, TcpState>(TCP_TRANSITIONS.map(([f, e, t]) => [`${f} ${e}`, t]));

/** The next state for `event` in `from`, or null when the table has no such transition. */
export function nextState(from: TcpState, event: TcpEvent): TcpState | null {
  return TRANSITION_MAP.get(`${from} ${event}`) ?? null;
}

/** The state table as a Mermaid `stateDiagram-v2` (for the docs). */
export function tcpStateDiagram(): string {
  const lines = ['stateDiagram-v2', '  [*] --> CLOSED'];
  const seen = new Set<string>();
  for (const [f, e, t] of TCP_TRANSITIONS) {
    if ((e === 'rcv-rst' || e === 'abort') && f !== 'SYN_SENT' && f !== 'ESTABLISHED') continue;
    const l = `  ${f} --> ${t}: ${e}`;
    if (!seen.has(l)) lines.push(l);
    seen.add(l);
  }
  lines.push('  note right of CLOSED: rcv-rst and abort lead to CLOSED from every state after SYN_SENT');
  return lines.join('\n');
}

/** States in which data from the peer is still accepted. */
const RECEIVES_DATA: ReadonlySet<TcpState> = new Set(['ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2']);
/** States in which the application may still send. */
export const SENDS_DATA: ReadonlySet<TcpState> = new Set(['ESTABLISHED', 'CLOSE_WAIT']);

/** Transport tuning. Defaults follow the Windows TCP/IP registry parameters where one exists. */
export interface TransportOptions {
  /** RTO before any RTT sample, ns. Windows `TcpInitialRtt`: 3 s. */
  initialRtoNs: number;
  /** Floor of the computed RTO, ns (cesim: 200 ms). */
  minRtoNs: number;
  /** Ceiling of the backed-off RTO, ns (cesim: 60 s, RFC 6298 §2.5's allowed maximum). */
  maxRtoNs: number;
  /** SYN retransmissions before `connect` fails with WSAETIMEDOUT. Windows `TcpMaxConnectRetransmissions`: 2. */
  maxConnectRetries: number;
  /** Data retransmissions before the connection fails with WSAETIMEDOUT. Windows `TcpMaxDataRetransmissions`: 5. */
  maxDataRetries: number;
  /** Receive buffer, the most the receive window can offer (≤ 65535 without window scaling). */
  recvBufferBytes: number;
  /** Send buffer: `send` blocks while it is full. */
  sendBufferBytes: number;
  /** Time in TIME_WAIT (2 × MSL), ns. Windows `TcpTimedWaitDelay`: 240 s. Does not keep the loop alive. */
  timeWaitNs: number;
  /** Duplicate ACKs that trigger a fast retransmit (RFC 5681 §3.2: 3). */
  dupAckThreshold: number;
  /** First and last ephemeral port (Windows: 1025–5000). */
  ephemeralPorts: readonly [number, number];
}

/** The default {@link TransportOptions}. */
export function defaultTransportOptions(): TransportOptions {
  return {
    initialRtoNs: 3_000_000_000,
    minRtoNs: 200_000_000,
    maxRtoNs: 60_000_000_000,
    maxConnectRetries: 2,
    maxDataRetries: 5,
    recvBufferBytes: 65535,
    sendBufferBytes: 65536,
    timeWaitNs: 240_000_000_000,
    dupAckThreshold: 3,
    ephemeralPorts: [1025, 5000],
  };
}

/** What the transport needs from the host it runs on. */
export interface TcpHost {
  readonly name: string;
  readonly address: string;
  readonly ip: number;
  /** Encodes and sends a segment toward `dstIp`. */
  transmit(seg: Segment, dstIp: number): void;
  /** The largest payload the route toward `dstIp` carries (MTU − 40). */
  mssTo(dstIp: number): number;
}

function connKey(localPort: number, remoteIp: number, remotePort: number): string {
  return `${localPort}|${remoteIp}|${remotePort}`;
}

/** One host's transport: its connections, listeners and ports. */
export class TcpStack {
  private readonly conns = new Map<string, Tcb>();
  private readonly listeners = new Map<number, Listener>();
  private nextPort: number;

  constructor(
    readonly host: TcpHost,
    readonly scheduler: Scheduler,
    readonly trace: Trace,
    private readonly random: RandomStream,
    readonly options: TransportOptions,
  ) {
    this.nextPort = options.ephemeralPorts[0];
  }

  /** Traces an event on this host. */
  emit(kind: string, details: Parameters<Trace['emit']>[2]): void {
    this.trace.emit(this.host.name, kind, details);
  }

  /** A fresh initial sequence number from the host's seeded stream. */
  newIss(): number {
    return this.random.u32();
  }

  /** Opens a connection to `remoteIp:remotePort` (SYN sent). */
  connect(remoteIp: number, remotePort: number): Tcb {
    const port = this.allocPort(remoteIp, remotePort);
    const tcb = new Tcb(this, port, remoteIp, remotePort);
    this.conns.set(connKey(port, remoteIp, remotePort), tcb);
    tcb.openActive();
    return tcb;
  }

  /** Starts listening on `port`; a Winsock error code when the port is taken. */
  listen(port: number, backlog: number): Listener | number {
    if (this.listeners.has(port)) return WSAEADDRINUSE;
    const l = new Listener(this, port, Math.max(1, backlog));
    this.listeners.set(port, l);
    return l;
  }

  /** True when `port` is in use by a listener or a connection. */
  portInUse(port: number): boolean {
    if (this.listeners.has(port)) return true;
    for (const c of this.conns.values()) if (c.localPort === port) return true;
    return false;
  }

  private allocPort(remoteIp: number, remotePort: number): number {
    const [lo, hi] = this.options.ephemeralPorts;
    for (let i = 0; i <= hi - lo; i++) {
      const p = this.nextPort;
      this.nextPort = p >= hi ? lo : p + 1;
      if (!this.listeners.has(p) && !this.conns.has(connKey(p, remoteIp, remotePort))) return p;
    }
    throw new Error(`${this.host.name}: no free ephemeral port`);
  }

  /** Registers a passive connection (called by a listener). */
  add(tcb: Tcb): void {
    this.conns.set(connKey(tcb.localPort, tcb.remoteIp, tcb.remotePort), tcb);
  }

  /** Forgets a closed connection. */
  remove(tcb: Tcb): void {
    const k = connKey(tcb.localPort, tcb.remoteIp, tcb.remotePort);
    if (this.conns.get(k) === tcb) this.conns.delete(k);
  }

  /** Forgets a closed listener. */
  removeListener(l: Listener): void {
    if (this.listeners.get(l.port) === l) this.listeners.delete(l.port);
  }

  /** A segment for this host arrives (checksum already verified). */
  input(seg: Segment, srcIp: number): void {
    const tcb = this.conns.get(connKey(seg.dstPort, srcIp, seg.srcPort));
    if (tcb) {
      tcb.input(seg);
      return;
    }
    const l = this.listeners.get(seg.dstPort);
    if (l) {
      l.input(seg, srcIp);
      return;
    }
    // RFC 793 §3.4 (Reset Generation, case 1): the connection does not exist.
    if (!(seg.flags & TCP_RST)) {
      this.emit('tcp.rst', { reason: 'no-listener', port: seg.dstPort, from: `${formatIpv4(srcIp)}:${seg.srcPort}` });
      this.sendReset(seg, srcIp);
    }
  }

  /** RFC 793 §3.4: the RST answering `seg` (seq from its ACK, or ACK of everything it occupied). */
  sendReset(seg: Segment, srcIp: number): void {
    const len = seg.payload.length + (seg.flags & TCP_SYN ? 1 : 0) + (seg.flags & TCP_FIN ? 1 : 0);
    const ackd = (seg.flags & TCP_ACK) !== 0;
    this.host.transmit(
      {
        srcPort: seg.dstPort,
        dstPort: seg.srcPort,
        seq: ackd ? seg.ack : 0,
        ack: ackd ? 0 : (seg.seq + len) >>> 0,
        flags: ackd ? TCP_RST : TCP_RST | TCP_ACK,
        window: 0,
        payload: EMPTY,
      },
      srcIp,
    );
  }
}

const EMPTY = new Uint8Array(0);

/** A listening port: half-open and established connections waiting for `accept`. */
export class Listener {
  /** `LISTEN`, or `CLOSED` once closed. */
  state: TcpState = 'LISTEN';
  /** Established connections not yet accepted, oldest first. */
  readonly acceptQueue: Tcb[] = [];
  /** Connections in SYN_RCVD. */
  readonly halfOpen = new Set<Tcb>();
  /** Notified when a connection is ready to accept or the listener closes. */
  readonly signal: Signal;

  constructor(
    readonly stack: TcpStack,
    readonly port: number,
    readonly backlog: number,
  ) {
    this.signal = new Signal(stack.scheduler);
    stack.emit('tcp.state', { conn: `${stack.host.address}:${port}`, from: 'CLOSED', to: 'LISTEN', event: 'listen' });
  }

  /** A segment for the listening port with no connection yet. */
  input(seg: Segment, srcIp: number): void {
    const stack = this.stack;
    // RFC 793 §3.9 (LISTEN): an RST is ignored, an ACK is answered with RST, a SYN opens.
    if (seg.flags & TCP_RST) return;
    if (seg.flags & TCP_ACK) {
      stack.emit('tcp.unexpected', { state: 'LISTEN', port: this.port, flags: flagNames(seg.flags), why: 'ACK on a listening port' });
      stack.sendReset(seg, srcIp);
      return;
    }
    if (!(seg.flags & TCP_SYN)) return;
    if (this.halfOpen.size + this.acceptQueue.length >= this.backlog) {
      // Windows answers a SYN beyond the backlog with RST, so the client sees WSAECONNREFUSED.
      stack.emit('tcp.rst', { reason: 'backlog-full', port: this.port, from: `${formatIpv4(srcIp)}:${seg.srcPort}` });
      stack.sendReset(seg, srcIp);
      return;
    }
    const tcb = new Tcb(stack, this.port, srcIp, seg.srcPort);
    tcb.listener = this;
    this.halfOpen.add(tcb);
    stack.add(tcb);
    tcb.openPassive(seg);
  }

  /** A child finished its handshake. */
  established(tcb: Tcb): void {
    this.halfOpen.delete(tcb);
    this.acceptQueue.push(tcb);
    this.signal.notify();
  }

  /** A child died before it was accepted. */
  forget(tcb: Tcb): void {
    this.halfOpen.delete(tcb);
    const i = this.acceptQueue.indexOf(tcb);
    if (i >= 0) this.acceptQueue.splice(i, 1);
  }

  /** Takes the oldest established connection, if any. */
  take(): Tcb | undefined {
    const t = this.acceptQueue.shift();
    if (t) t.listener = null;
    return t;
  }

  /** Stops listening; connections not yet accepted are reset. */
  close(): void {
    if (this.state === 'CLOSED') return;
    this.stack.emit('tcp.state', { conn: `${this.stack.host.address}:${this.port}`, from: 'LISTEN', to: 'CLOSED', event: 'close' });
    this.state = 'CLOSED';
    this.stack.removeListener(this);
    for (const t of [...this.halfOpen, ...this.acceptQueue]) t.reset('listener closed');
    this.halfOpen.clear();
    this.acceptQueue.length = 0;
    this.signal.notify();
  }
}

/**
 * A connection's control block (RFC 793 §3.2). Sequence positions are kept as offsets from the
 * initial sequence numbers (our SYN is send offset 0, the peer's SYN receive offset 0), so
 * comparisons are plain numbers; the 32-bit wrap happens only on the wire.
 */
export class Tcb {
  /** Current state; changes only through {@link transition}. */
  state: TcpState = 'CLOSED';
  /** The Winsock error that ended the connection (0 while none). */
  error = 0;
  /** The listener that spawned this connection, until it is accepted. */
  listener: Listener | null = null;
  /** Notified on any change the application may wait for: data, window space, state. */
  readonly signal: Signal;

  private readonly opts: TransportOptions;
  private iss = 0;
  private irs = 0;
  private mss: number;

  // Send side (offsets from iss).
  private sndUna = 0;
  private sndNxt = 0;
  private readonly sndBuf = new ByteQueue();
  /** Send offset of sndBuf's first byte (data starts after the SYN, at 1). */
  private sndBufBase = 1;
  private finQueued = false;
  /** Send offset of our FIN once it has a place in the sequence space, else -1. */
  private finOff = -1;
  private peerWindow = 0;

  // Retransmission (RFC 6298).
  private rto: number;
  private srtt = -1;
  private rttvar = 0;
  private retries = 0;
  /** Set by {@link orphan}: the handle is closed and received data has no reader. */
  private orphaned = false;
  private timer: QueuedEvent | null = null;
  private timingOff = -1;
  private timingAt = 0;
  private dupAcks = 0;
  private recover = 0;
  private timeWaitTimer: QueuedEvent | null = null;

  // Receive side (offsets from irs).
  private rcvNxt = 0;
  private readonly rcvBuf = new ByteQueue();
  private readonly outOfOrder = new Map<number, Uint8Array>();
  private peerFinOff = -1;
  /** The peer's FIN has been received in order: `recv` returns 0 once the buffer is empty. */
  finReceived = false;
  private lastWindow = 0;

  constructor(
    readonly stack: TcpStack,
    readonly localPort: number,
    readonly remoteIp: number,
    readonly remotePort: number,
  ) {
    this.opts = stack.options;
    this.signal = new Signal(stack.scheduler);
    this.rto = this.opts.initialRtoNs;
    this.mss = stack.host.mssTo(remoteIp);
  }

  /** `local:port->remote:port`, for traces. */
  get name(): string {
    return `${this.stack.host.address}:${this.localPort}->${formatIpv4(this.remoteIp)}:${this.remotePort}`;
  }

  /** The one place a state changes: looks the move up in {@link TCP_TRANSITIONS}. */
  transition(event: TcpEvent): void {
    const to = nextState(this.state, event);
    if (to === null) throw new Error(`tcp ${this.name}: no transition from ${this.state} on ${event}`);
    this.stack.emit('tcp.state', { conn: this.name, from: this.state, to, event });
    this.state = to;
    if (to === 'CLOSED') this.closed();
    else if (to === 'TIME_WAIT') this.enterTimeWait();
    this.signal.notify();
  }

  /**
   * The one helper for a segment the current state cannot take: traces it and answers as
   * RFC 793 §3.9 says for that case (`rst`: reset generation §3.4; `ack`: re-send our ACK;
   * `drop`: silently discard).
   */
  unexpected(seg: Segment, why: string, answer: 'rst' | 'ack' | 'drop'): void {
    this.stack.emit('tcp.unexpected', { conn: this.name, state: this.state, flags: flagNames(seg.flags), seq: seg.seq, why, answer });
    if (answer === 'rst') this.stack.sendReset(seg, this.remoteIp);
    else if (answer === 'ack') this.sendAck();
  }

  // ---- opening ----

  /** Active open: sends SYN. */
  openActive(): void {
    this.iss = this.stack.newIss();
    this.transition('connect');
    this.sndUna = 0;
    this.sndNxt = 1;
    this.startTiming(0);
    this.sendSyn();
    this.armTimer();
  }

  /** Passive open from a listener's SYN: sends SYN-ACK. */
  openPassive(syn: Segment): void {
    this.state = 'LISTEN'; // a child starts in its listener's state; the SYN moves it on

    this.iss = this.stack.newIss();
    this.irs = syn.seq;
    this.rcvNxt = 1;
    this.peerWindow = syn.window;
    if (syn.mss !== undefined) this.mss = Math.min(this.mss, syn.mss);
    this.transition('rcv-syn');
    this.sndUna = 0;
    this.sndNxt = 1;
    this.startTiming(0);
    this.sendSyn();
    this.armTimer();
  }

  // ---- application side ----

  /** Bytes the application can read now. */
  get readable(): number {
    return this.rcvBuf.length;
  }

  /** Removes up to `max` received bytes; may open the window (and say so to the peer). */
  read(max: number): Uint8Array {
    const out = this.rcvBuf.take(max);
    if (out.length > 0 && RECEIVES_DATA.has(this.state)) {
      // RFC 1122 §4.2.3.3: announce the window only once it has grown usefully (receiver-side SWS avoidance).
      const w = this.window();
      if (w - this.lastWindow >= Math.min(this.opts.recvBufferBytes >>> 1, this.mss)) this.sendAck();
    }
    return out;
  }

  /** Room in the send buffer. */
  get sendSpace(): number {
    return this.finQueued ? 0 : Math.max(0, this.opts.sendBufferBytes - this.sndBuf.length);
  }

  /** Appends to the send buffer (the caller checked {@link sendSpace}) and sends what the window allows. */
  write(data: Uint8Array): void {
    this.sndBuf.push(data);
    this.output();
  }

  /** True once the application can no longer send (FIN queued or the connection is gone). */
  get sendClosed(): boolean {
    return this.finQueued || this.state === 'CLOSED';
  }

  /** Graceful close of the sending side: FIN after the queued data. */
  shutdownSend(): void {
    if (this.finQueued) return;
    switch (this.state) {
      case 'SYN_SENT':
        this.transition('close');
        return;
      case 'SYN_RCVD':
      case 'ESTABLISHED':
      case 'CLOSE_WAIT':
        this.finQueued = true;
        this.transition('close');
        this.output();
        return;
      default:
        return;
    }
  }

  /**
   * The application closed its handle (`closesocket`): nothing will read again, so new data
   * from the peer ends the connection with RST (RFC 1122 §4.2.2.13).
   */
  orphan(): void {
    this.orphaned = true;
  }

  /** Abortive close: sends RST and forgets the connection (closing with unread data does this, RFC 2525 §2.17). */
  reset(why: string): void {
    if (this.state === 'CLOSED') return;
    if (this.state !== 'SYN_SENT' && this.state !== 'TIME_WAIT') {
      this.stack.emit('tcp.rst', { conn: this.name, reason: why });
      this.sendSegment(TCP_RST | TCP_ACK, this.sndNxt, EMPTY);
    }
    this.abort(WSAECONNRESET, why);
  }

  // ---- sending ----

  /** The window we advertise: free room in the receive buffer, at most 65535. */
  private window(): number {
    return Math.max(0, Math.min(65535, this.opts.recvBufferBytes - this.rcvBuf.length));
  }

  private sendSegment(flags: number, off: number, payload: Uint8Array, mss?: number): void {
    const w = this.window();
    this.lastWindow = w;
    const seg: Segment = {
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq: (this.iss + off) >>> 0,
      ack: flags & TCP_ACK ? (this.irs + this.rcvNxt) >>> 0 : 0,
      flags,
      window: w,
      payload,
    };
    if (mss !== undefined) seg.mss = mss;
    this.stack.host.transmit(seg, this.remoteIp);
  }

  private sendSyn(): void {
    const flags = this.state === 'SYN_SENT' ? TCP_SYN : TCP_SYN | TCP_ACK;
    this.sendSegment(flags, 0, EMPTY, this.stack.host.mssTo(this.remoteIp));
  }

  private sendAck(): void {
    this.sendSegment(TCP_ACK, this.sndNxt, EMPTY);
  }

  private get dataEnd(): number {
    return this.sndBufBase + this.sndBuf.length;
  }

  /** Sends new data (and the FIN) as far as the peer's window allows. */
  private output(): void {
    if (this.state === 'CLOSED' || this.state === 'SYN_SENT' || this.state === 'SYN_RCVD' || this.state === 'LISTEN') return;
    const wndEnd = this.sndUna + this.peerWindow;
    for (;;) {
      const dataEnd = this.dataEnd;
      if (this.sndNxt < dataEnd && this.sndNxt < wndEnd) {
        const len = Math.min(this.mss, dataEnd - this.sndNxt, wndEnd - this.sndNxt);
        const last = this.sndNxt + len === dataEnd;
        this.sendData(this.sndNxt, len, last);
        this.startTiming(this.sndNxt);
        this.sndNxt += len;
        continue;
      }
      if (this.finQueued && this.finOff < 0 && this.sndNxt === dataEnd) {
        this.finOff = dataEnd;
        this.sendSegment(TCP_FIN | TCP_ACK, this.finOff, EMPTY);
        this.sndNxt = this.finOff + 1;
      }
      break;
    }
    if (this.sndNxt > this.sndUna || (this.peerWindow === 0 && this.dataEnd > this.sndNxt)) this.armTimer();
  }

  private sendData(off: number, len: number, push: boolean): void {
    const payload = this.sndBuf.view(off - this.sndBufBase, len);
    this.sendSegment(push ? TCP_ACK | TCP_PSH : TCP_ACK, off, payload);
  }

  /** Re-sends the first unacknowledged segment (SYN, data or FIN). */
  private retransmitFirst(why: string): void {
    const off = this.sndUna;
    let len = 0;
    if (off === 0) this.sendSyn();
    else if (off < this.dataEnd) {
      len = Math.min(this.mss, this.dataEnd - off, Math.max(1, this.sndNxt - off));
      this.sendData(off, len, off + len === this.dataEnd);
    } else if (off === this.finOff) this.sendSegment(TCP_FIN | TCP_ACK, off, EMPTY);
    else return;
    this.stack.emit('tcp.retransmit', { conn: this.name, seq: (this.iss + off) >>> 0, len, why, rto: this.rto, retries: this.retries });
  }

  // ---- timers ----

  private startTiming(off: number): void {
    if (this.timingOff < 0) {
      this.timingOff = off;
      this.timingAt = this.stack.scheduler.now;
    }
  }

  /** RFC 6298 §2: update SRTT, RTTVAR and RTO from one sample. */
  private sampleRtt(r: number): void {
    if (this.srtt < 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.rto = Math.min(this.opts.maxRtoNs, Math.max(this.opts.minRtoNs, Math.round(this.srtt + Math.max(1, 4 * this.rttvar))));
  }

  private armTimer(): void {
    if (this.timer !== null && this.timer.fn !== null) return;
    this.timer = this.stack.scheduler.after(this.rto, () => this.onTimeout());
  }

  private restartTimer(): void {
    this.stopTimer();
    this.armTimer();
  }

  private stopTimer(): void {
    this.stack.scheduler.cancel(this.timer);
    this.timer = null;
  }

  private onTimeout(): void {
    this.timer = null;
    if (this.state === 'CLOSED' || this.state === 'TIME_WAIT') return;
    const outstanding = this.sndNxt > this.sndUna;
    const probe = !outstanding && this.peerWindow === 0 && this.dataEnd > this.sndNxt;
    if (!outstanding && !probe) return;
    this.retries++;
    const opening = this.state === 'SYN_SENT' || this.state === 'SYN_RCVD';
    const limit = opening ? this.opts.maxConnectRetries : this.opts.maxDataRetries;
    if (this.retries > limit) {
      this.stack.emit('tcp.timeout', { conn: this.name, state: this.state, retries: this.retries - 1 });
      this.abort(WSAETIMEDOUT, 'retransmission limit');
      return;
    }
    // RFC 6298 §5.5–5.6: back off the timer, retransmit the earliest unacknowledged segment.
    this.rto = Math.min(this.opts.maxRtoNs, this.rto * 2);
    this.timingOff = -1; // Karn: no sample from a retransmitted segment
    this.dupAcks = 0;
    if (probe) {
      // RFC 1122 §4.2.2.17: probe a zero window with one byte.
      this.sendData(this.sndNxt, 1, false);
      this.sndNxt += 1;
      this.stack.emit('tcp.probe', { conn: this.name, seq: (this.iss + this.sndNxt - 1) >>> 0 });
    } else {
      this.recover = this.sndNxt;
      this.retransmitFirst('timeout');
    }
    this.armTimer();
  }

  // ---- receiving ----

  /** A segment for this connection (checksum verified). RFC 793 §3.9, "SEGMENT ARRIVES". */
  input(seg: Segment): void {
    switch (this.state) {
      case 'CLOSED':
        return;
      case 'SYN_SENT':
        this.inputSynSent(seg);
        return;
      default:
        this.inputSynchronised(seg);
    }
  }

  private ackOffset(ack: number): number {
    return this.sndUna + ((ack - ((this.iss + this.sndUna) >>> 0)) | 0);
  }

  private seqOffset(seq: number): number {
    return this.rcvNxt + ((seq - ((this.irs + this.rcvNxt) >>> 0)) | 0);
  }

  private inputSynSent(seg: Segment): void {
    const hasAck = (seg.flags & TCP_ACK) !== 0;
    // RFC 793 §3.9 (SYN-SENT), first: an ACK for something we never sent is answered with RST.
    if (hasAck && this.ackOffset(seg.ack) !== this.sndNxt) {
      if (seg.flags & TCP_RST) return;
      this.unexpected(seg, 'unacceptable ACK in SYN_SENT', 'rst');
      return;
    }
    if (seg.flags & TCP_RST) {
      // Second: an acceptable RST means nothing listens there.
      if (hasAck) this.abort(WSAECONNREFUSED, 'connection refused', 'rcv-rst');
      return;
    }
    if (!(seg.flags & TCP_SYN)) return;
    if (!hasAck) {
      this.unexpected(seg, 'simultaneous open is not modelled', 'rst');
      return;
    }
    this.irs = seg.seq;
    this.rcvNxt = 1;
    this.sndUna = 1;
    this.peerWindow = seg.window;
    if (seg.mss !== undefined) this.mss = Math.min(this.mss, seg.mss);
    if (this.timingOff === 0) this.sampleRtt(this.stack.scheduler.now - this.timingAt);
    this.timingOff = -1;
    this.retries = 0;
    this.stopTimer();
    this.transition('rcv-syn-ack');
    this.sendAck();
    this.output();
  }

  private inputSynchronised(seg: Segment): void {
    const segOff = this.seqOffset(seg.seq);
    const len = seg.payload.length;
    const rstFlag = (seg.flags & TCP_RST) !== 0;

    if (rstFlag) {
      // RFC 5961 §3.2: only an RST at exactly RCV.NXT resets; one elsewhere in the window is challenged.
      if (segOff === this.rcvNxt) {
        this.abort(WSAECONNRESET, 'reset by peer', 'rcv-rst');
      } else if (segOff > this.rcvNxt && segOff < this.rcvNxt + Math.max(1, this.window())) {
        this.unexpected(seg, 'RST not at RCV.NXT', 'ack');
      }
      return;
    }

    if (seg.flags & TCP_SYN) {
      // A retransmitted SYN (our SYN-ACK was lost) or SYN-ACK (our ACK was lost): answer again.
      if (segOff === 0 && this.state === 'SYN_RCVD' && !(seg.flags & TCP_ACK)) {
        this.sendSyn();
        return;
      }
      if (segOff === 0 && (seg.flags & TCP_ACK) !== 0 && this.state !== 'SYN_RCVD') {
        this.sendAck();
        return;
      }
      this.unexpected(seg, 'SYN in a synchronised state', 'ack');
      return;
    }

    if (!(seg.flags & TCP_ACK)) {
      this.unexpected(seg, 'segment without ACK', 'drop');
      return;
    }

    if (this.state === 'SYN_RCVD') {
      if (seg.ack !== ((this.iss + 1) >>> 0)) {
        this.unexpected(seg, 'unacceptable ACK in SYN_RCVD', 'rst');
        return;
      }
      this.sndUna = 1;
      this.peerWindow = seg.window;
      if (this.timingOff === 0) this.sampleRtt(this.stack.scheduler.now - this.timingAt);
      this.timingOff = -1;
      this.retries = 0;
      this.stopTimer();
      this.transition('rcv-ack-of-syn');
      this.listener?.established(this);
    } else {
      this.processAck(seg);
      if (this.state === 'CLOSED') return;
    }

    let needAck = false;
    let delivered = false;
    if (len > 0 && this.orphaned && segOff + len > this.rcvNxt) {
      // RFC 1122 §4.2.2.13: new data received after CLOSE is lost; the TCP sends RST to say so
      // (Windows does), so a peer still sending sees WSAECONNRESET instead of probing a
      // closed window for ever.
      this.reset('data after close');
      return;
    }
    if (len > 0) {
      needAck = true;
      if (RECEIVES_DATA.has(this.state) || segOff + len <= this.rcvNxt) delivered = this.acceptData(segOff, seg.payload);
      else {
        this.unexpected(seg, 'data after the peer FIN', 'drop');
        needAck = false;
      }
    }
    if (seg.flags & TCP_FIN) {
      needAck = true;
      if (this.peerFinOff < 0 && RECEIVES_DATA.has(this.state)) this.peerFinOff = segOff + len;
      // RFC 793 §3.9: a FIN retransmitted into TIME_WAIT restarts the 2 MSL timeout.
      if (this.state === 'TIME_WAIT') this.enterTimeWait();
    }
    if (this.peerFinOff >= 0 && !this.finReceived && this.rcvNxt === this.peerFinOff) {
      this.rcvNxt += 1;
      this.finReceived = true;
      this.transition('rcv-fin');
      delivered = true;
    }
    if (needAck) this.sendAck();
    if (delivered) this.signal.notify();
  }

  /** Cumulative ACK processing: RTT, send buffer, window, fast retransmit, FIN acknowledged. */
  private processAck(seg: Segment): void {
    const ackOff = this.ackOffset(seg.ack);
    if (ackOff > this.sndNxt) {
      // RFC 793 §3.9: an ACK for something not yet sent is answered with an ACK and dropped.
      this.unexpected(seg, 'ACK beyond SND.NXT', 'ack');
      return;
    }
    if (ackOff < this.sndUna) return; // an old duplicate
    const windowChanged = seg.window !== this.peerWindow;
    this.peerWindow = seg.window;
    if (ackOff > this.sndUna) {
      if (this.timingOff >= 0 && ackOff > this.timingOff) {
        this.sampleRtt(this.stack.scheduler.now - this.timingAt);
        this.timingOff = -1;
      }
      const dataAcked = Math.min(ackOff, this.dataEnd) - this.sndBufBase;
      if (dataAcked > 0) {
        this.sndBuf.drop(dataAcked);
        this.sndBufBase += dataAcked;
      }
      this.sndUna = ackOff;
      this.retries = 0;
      this.dupAcks = 0;
      // RFC 6582 §3.2 step 3: a partial ACK during recovery retransmits the next hole at once.
      if (this.sndUna < this.recover && this.sndUna < this.sndNxt) this.retransmitFirst('partial-ack');
      if (this.sndUna === this.sndNxt) this.stopTimer();
      else this.restartTimer();
      this.signal.notify();
      if (this.finOff >= 0 && ackOff > this.finOff) {
        this.stopTimer();
        this.transition('rcv-ack-of-fin');
        if (this.state === 'CLOSED') return;
      }
    } else if (this.peerWindow === 0) {
      this.retries = 0; // the peer answers our zero-window probes: it is alive
    } else if (this.sndNxt > this.sndUna && seg.payload.length === 0 && !(seg.flags & TCP_FIN) && !windowChanged) {
      // RFC 5681 §3.2: the third duplicate ACK triggers a fast retransmit.
      if (++this.dupAcks === this.opts.dupAckThreshold) {
        this.recover = this.sndNxt;
        this.retransmitFirst('fast');
      }
    }
    this.output();
  }

  /** Places data in the receive buffer (in order) or the out-of-order store. True when new bytes became readable. */
  private acceptData(segOff: number, payload: Uint8Array): boolean {
    let start = segOff;
    let data = payload;
    if (start < this.rcvNxt) {
      const cut = this.rcvNxt - start;
      if (cut >= data.length) return false;
      data = data.subarray(cut);
      start = this.rcvNxt;
    }
    // RFC 793 §3.3: only bytes inside the receive window are accepted.
    const wndEnd = this.rcvNxt + this.window();
    if (start + data.length > wndEnd) data = data.subarray(0, Math.max(0, wndEnd - start));
    if (data.length === 0) return false;
    if (start !== this.rcvNxt) {
      const have = this.outOfOrder.get(start);
      if (have === undefined || have.length < data.length) this.outOfOrder.set(start, data);
      return false;
    }
    this.rcvBuf.push(data);
    this.rcvNxt += data.length;
    let progressed = this.outOfOrder.size > 0;
    while (progressed) {
      progressed = false;
      for (const [off, d] of this.outOfOrder) {
        if (off > this.rcvNxt) continue;
        this.outOfOrder.delete(off);
        if (off + d.length > this.rcvNxt) {
          this.rcvBuf.push(d.subarray(this.rcvNxt - off));
          this.rcvNxt = off + d.length;
        }
        progressed = true;
      }
    }
    return true;
  }

  // ---- closing ----

  private enterTimeWait(): void {
    const sched = this.stack.scheduler;
    sched.cancel(this.timeWaitTimer);
    this.stopTimer();
    this.timeWaitTimer = sched.after(this.opts.timeWaitNs, () => this.transition('time-wait-expired'), { daemon: true });
  }

  /** Gives up on the connection with a Winsock error. */
  abort(error: number, why: string, event: TcpEvent = 'abort'): void {
    if (this.state === 'CLOSED') return;
    this.error = error;
    this.stack.emit('tcp.abort', { conn: this.name, state: this.state, error: wsaErrorName(error), why });
    this.transition(event);
  }

  private closed(): void {
    this.stopTimer();
    this.stack.scheduler.cancel(this.timeWaitTimer);
    this.timeWaitTimer = null;
    this.stack.remove(this);
    if (this.listener) {
      this.listener.forget(this);
      this.listener = null;
    }
  }
}
