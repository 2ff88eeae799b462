/**
 * Rebuilds one TCP connection's segments from what each side wrote, for a capture.
 *
 * cesim's emulated stream transport and recorded byte streams know who sent which bytes when,
 * but not TCP sequence numbers; this keeps the two sequence spaces (RFC 9293 §3.4) so the
 * segments it makes form a conversation Wireshark's TCP analysis accepts: SYN and FIN each
 * take one sequence number, data is cut at the MSS, and every segment after the SYN
 * acknowledges all the peer has sent so far.
 */

import type { CaptureNanos, CapturedSegment, TcpFlags } from './pcap.js';

/** One end of a connection. */
export interface TcpEndpoint {
  ip: string;
  port: number;
}

/** Which end of the connection sends. */
export type TcpSide = 'client' | 'server';

/** Options of a `TcpFlow`. */
export interface TcpFlowOptions {
  client: TcpEndpoint;
  server: TcpEndpoint;
  /** Client's initial sequence number (default 1000). */
  clientIsn?: number;
  /** Server's initial sequence number (default 5000). */
  serverIsn?: number;
  /**
   * Largest payload per segment (default 1460: a 1500-byte Ethernet MTU less 40 bytes of
   * IPv4 and TCP headers, RFC 9293 §3.7.1).
   */
  mss?: number;
  /** Advertised window on every segment (default 65535; no window scaling). */
  window?: number;
}

interface SideState {
  readonly ep: TcpEndpoint;
  /** Next sequence number this side will send (not reduced modulo 2^32: the writer does that). */
  nextSeq: number;
}

/**
 * A builder for one TCP connection's segments. Call `open`, then `send` for each write in
 * the order the bytes went out, then `close`; `segments` holds the result in that order.
 */
export class TcpFlow {
  /** Segments made so far, in the order they were made. */
  readonly segments: CapturedSegment[] = [];
  private readonly client: SideState;
  private readonly server: SideState;
  private readonly mss: number;
  private readonly window: number;
  private opened = false;

  /** Starts a connection that has not yet sent anything. */
  constructor(opts: TcpFlowOptions) {
    this.client = { ep: opts.client, nextSeq: opts.clientIsn ?? 1000 };
    this.server = { ep: opts.server, nextSeq: opts.serverIsn ?? 5000 };
    this.mss = opts.mss ?? 1460;
    this.window = opts.window ?? 65535;
    if (!Number.isInteger(this.mss) || this.mss < 1) throw new RangeError(`mss must be a positive integer, got ${this.mss}`);
  }

  private side(s: TcpSide): SideState {
    return s === 'client' ? this.client : this.server;
  }

  private peer(s: TcpSide): SideState {
    return s === 'client' ? this.server : this.client;
  }

  private emit(from: TcpSide, timeNs: CaptureNanos, flags: TcpFlags, payload: Uint8Array, ackNumber?: number): void {
    const me = this.side(from);
    const them = this.peer(from);
    this.segments.push({
      timeNs,
      srcIp: me.ep.ip,
      dstIp: them.ep.ip,
      srcPort: me.ep.port,
      dstPort: them.ep.port,
      seq: me.nextSeq,
      ack: ackNumber ?? (flags.ack ? them.nextSeq : 0),
      flags,
      window: this.window,
      payload,
    });
  }

  /**
   * The three-way handshake (RFC 9293 §3.5): client SYN at `synNs`, server SYN-ACK at
   * `synAckNs`, client ACK at `ackNs` (each defaults to the one before).
   */
  open(synNs: CaptureNanos, synAckNs: CaptureNanos = synNs, ackNs: CaptureNanos = synAckNs): void {
    if (this.opened) throw new Error('TcpFlow.open called twice');
    this.opened = true;
    this.emit('client', synNs, { syn: true }, new Uint8Array(0));
    this.client.nextSeq += 1; // RFC 9293 §3.4: SYN occupies one sequence number
    this.emit('server', synAckNs, { syn: true, ack: true }, new Uint8Array(0));
    this.server.nextSeq += 1;
    this.emit('client', ackNs, { ack: true }, new Uint8Array(0));
  }

  /**
   * One write by `from`: cut into MSS-sized segments, PSH on the last. When `ackNs` is
   * given, the peer's pure ACK of the whole write follows at that time.
   */
  send(from: TcpSide, data: Uint8Array, timeNs: CaptureNanos, ackNs?: CaptureNanos): void {
    if (!this.opened) throw new Error('TcpFlow.send before open');
    for (let off = 0; off < data.length; off += this.mss) {
      const chunk = data.slice(off, Math.min(off + this.mss, data.length));
      const last = off + this.mss >= data.length;
      this.emit(from, timeNs, last ? { ack: true, psh: true } : { ack: true }, chunk);
      this.side(from).nextSeq += chunk.length;
    }
    if (ackNs !== undefined) this.ack(from === 'client' ? 'server' : 'client', ackNs);
  }

  /** A pure ACK from `from` of all the peer has sent so far. */
  ack(from: TcpSide, timeNs: CaptureNanos): void {
    this.emit(from, timeNs, { ack: true }, new Uint8Array(0));
  }

  /** A FIN (with ACK) from `from`; it takes one sequence number (RFC 9293 §3.4). */
  fin(from: TcpSide, timeNs: CaptureNanos): void {
    this.emit(from, timeNs, { fin: true, ack: true }, new Uint8Array(0));
    this.side(from).nextSeq += 1;
  }

  /**
   * An orderly close started by `from` (RFC 9293 §3.6): its FIN at `timeNs`, the peer's
   * FIN-ACK at `peerNs`, and the final ACK at `lastAckNs` (each defaults to the one before).
   */
  close(from: TcpSide, timeNs: CaptureNanos, peerNs: CaptureNanos = timeNs, lastAckNs: CaptureNanos = peerNs): void {
    const other: TcpSide = from === 'client' ? 'server' : 'client';
    this.fin(from, timeNs);
    this.fin(other, peerNs);
    this.ack(from, lastAckNs);
  }
}
