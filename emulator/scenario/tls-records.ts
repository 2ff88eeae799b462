/**
 * Labels for the message sequence of a run: the TCP byte streams seen on the emulated network
 * are reassembled per direction and cut into TLS records, whose content type (and, for
 * plaintext handshake records, handshake type) names the arrow: `ClientHello`, `ServerHello`,
 * `encrypted handshake`, `Application Data`, `Alert`.
 */
import type { WireSegment } from '../net/network.js';
import type { SequenceMessage } from '../report/index.js';

/** RFC 8446 §5.1 ContentType. */
const CONTENT_CHANGE_CIPHER_SPEC = 20;
const CONTENT_ALERT = 21;
const CONTENT_HANDSHAKE = 22;
const CONTENT_APPLICATION_DATA = 23;
/** RFC 8446 §5.1: TLSPlaintext/TLSCiphertext header: type, legacy_record_version, length. */
const RECORD_HEADER_BYTES = 5;
/** RFC 8446 §5.2: a TLSCiphertext fragment is at most 2^14 + 256 bytes. */
const MAX_RECORD_BYTES = 16384 + 256;
/** RFC 8446 §4.1.3: the ServerHello random that marks a HelloRetryRequest (SHA-256 of "HelloRetryRequest"). */
const HRR_RANDOM_PREFIX = [0xcf, 0x21, 0xad, 0x74];

/** RFC 8446 §4 HandshakeType names. */
const HANDSHAKE_NAMES: Record<number, string> = {
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  5: 'EndOfEarlyData',
  8: 'EncryptedExtensions',
  11: 'Certificate',
  13: 'CertificateRequest',
  15: 'CertificateVerify',
  20: 'Finished',
  24: 'KeyUpdate',
};

/** The name of a plaintext handshake record's messages. */
export function handshakeLabel(fragment: Uint8Array): string {
  const names: string[] = [];
  let off = 0;
  while (off + 4 <= fragment.length) {
    const type = fragment[off]!;
    const len = (fragment[off + 1]! << 16) | (fragment[off + 2]! << 8) | fragment[off + 3]!;
    let name = HANDSHAKE_NAMES[type] ?? `handshake ${type}`;
    // ServerHello: legacy_version(2) then random(32); an HRR has the special random.
    if (type === 2 && off + 10 <= fragment.length && HRR_RANDOM_PREFIX.every((b, i) => fragment[off + 6 + i] === b)) name = 'HelloRetryRequest';
    names.push(name);
    off += 4 + len;
  }
  return names.length > 0 ? names.join(' + ') : 'handshake fragment';
}

interface Direction {
  from: string;
  to: string;
  /** Sequence number of the first data byte (SYN + 1), once seen. */
  isn: number | null;
  /** Stream offset of the next byte to parse. */
  next: number;
  /** Out-of-order chunks by stream offset. */
  pending: Map<number, Uint8Array>;
  /** Bytes received in order and not yet cut into records. */
  buf: Uint8Array;
  /** Not TLS: labelled as plain data. */
  plain: boolean;
  startNs: number;
}

/**
 * Builds the sequence of TLS records (or plain data) from wire segments, in arrival order.
 * `established(device, sinceNs, atNs)` says whether the sending device finished a handshake
 * in that window (its encrypted records after it are application data).
 */
export class RecordSequencer {
  readonly messages: SequenceMessage[] = [];
  private readonly dirs = new Map<string, Direction>();
  private dropped = 0;

  constructor(
    private readonly established: (device: string, sinceNs: number, atNs: number) => boolean,
    /** Most messages kept (the rest are counted). */
    readonly maxMessages = 2000,
  ) {}

  /** Messages not kept because of {@link maxMessages}. */
  get droppedMessages(): number {
    return this.dropped;
  }

  /** Feeds one wire segment (dropped ones are ignored: they never arrived). */
  add(w: WireSegment): void {
    if (w.dropped !== null || w.corrupted) return;
    const key = `${w.srcIp}:${w.srcPort}>${w.dstIp}:${w.dstPort}`;
    let d = this.dirs.get(key);
    const SYN = 0x02;
    if ((w.flags & SYN) !== 0) {
      if (!d || d.isn === null) {
        d = { from: w.from, to: w.to, isn: (w.seq + 1) >>> 0, next: 0, pending: new Map(), buf: new Uint8Array(0), plain: false, startNs: w.timeNs };
        this.dirs.set(key, d);
      }
      return;
    }
    if (!d || d.isn === null || w.payload.length === 0) return;
    const off = ((w.seq - d.isn) >>> 0) as number;
    if (off + w.payload.length <= d.next) return; // a retransmission of what we have
    d.pending.set(off, w.payload);
    // Take every chunk that now continues the stream.
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const [o, p] of d.pending) {
        if (o <= d.next && o + p.length > d.next) {
          const fresh = p.subarray(d.next - o);
          const nb = new Uint8Array(d.buf.length + fresh.length);
          nb.set(d.buf);
          nb.set(fresh, d.buf.length);
          d.buf = nb;
          d.next += fresh.length;
          d.pending.delete(o);
          progressed = true;
        } else if (o + p.length <= d.next) d.pending.delete(o);
      }
    }
    this.cut(d, w.arriveNs > w.timeNs ? w.timeNs : w.timeNs);
  }

  private push(m: SequenceMessage): void {
    if (this.messages.length < this.maxMessages) this.messages.push(m);
    else this.dropped++;
  }

  private cut(d: Direction, timeNs: number): void {
    if (d.plain) {
      if (d.buf.length > 0) this.push({ timeNs, from: d.from, to: d.to, label: `data (${d.buf.length} B)` });
      d.buf = new Uint8Array(0);
      return;
    }
    let off = 0;
    while (d.buf.length - off >= RECORD_HEADER_BYTES) {
      const type = d.buf[off]!;
      const major = d.buf[off + 1]!;
      const len = (d.buf[off + 3]! << 8) | d.buf[off + 4]!;
      if (type < CONTENT_CHANGE_CIPHER_SPEC || type > CONTENT_APPLICATION_DATA || major !== 3 || len > MAX_RECORD_BYTES) {
        d.plain = true;
        d.buf = d.buf.subarray(off);
        this.cut(d, timeNs);
        return;
      }
      if (d.buf.length - off < RECORD_HEADER_BYTES + len) break;
      const frag = d.buf.subarray(off + RECORD_HEADER_BYTES, off + RECORD_HEADER_BYTES + len);
      let label: string;
      if (type === CONTENT_HANDSHAKE) label = handshakeLabel(frag);
      else if (type === CONTENT_CHANGE_CIPHER_SPEC) label = 'ChangeCipherSpec (compat)';
      else if (type === CONTENT_ALERT) label = frag.length === 2 ? `Alert ${frag[0] === 2 ? 'fatal' : 'warning'} ${frag[1]}` : 'Alert';
      else label = this.established(d.from, d.startNs, timeNs) ? 'Application Data' : 'encrypted handshake';
      this.push({ timeNs, from: d.from, to: d.to, label, detail: `TLS record type ${type}, ${len} bytes` });
      off += RECORD_HEADER_BYTES + len;
    }
    d.buf = d.buf.slice(off);
  }
}
