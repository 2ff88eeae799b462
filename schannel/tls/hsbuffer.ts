/**
 * Reassembly of handshake messages that span records (RFC 8446 §5.1: handshake messages may be
 * fragmented across records and coalesced into one). The pending bytes are stored in a
 * `tls.handshakeBuffer` block in the `io` pool, grown in {@link HANDSHAKE_BUFFER_STEP} steps.
 */
import { nextHandshakeMessage } from './codec/handshake.js';
import { TlsError } from './errors.js';
import { HANDSHAKE_BUFFER_STEP, MAX_HANDSHAKE_MESSAGE, TLS_TAGS, type TlsBlock, type TlsMemory, allocOrThrow } from './memory.js';

/** One complete handshake message, viewed inside the buffer (valid until the next append). */
export interface BufferedMessage {
  msgType: number;
  body: Uint8Array;
  raw: Uint8Array;
}

/** The reassembly buffer. */
export class HandshakeBuffer {
  private block: TlsBlock | null = null;
  private start = 0;
  private end = 0;

  /** @param memory where the buffer is charged */
  constructor(private readonly memory: TlsMemory) {}

  /** Bytes of an incomplete message waiting for more records. */
  get pendingBytes(): number {
    return this.end - this.start;
  }

  /**
   * Bytes still needed to complete the pending message: the rest of its 4-byte header, or, with
   * the header in, the rest of its body. 0 when nothing is pending.
   */
  missing(): number {
    const have = this.end - this.start;
    if (have === 0 || this.block === null) return 0;
    if (have < 4) return 4 - have;
    const b = this.block.bytes;
    const len = (b[this.start + 1]! << 16) | (b[this.start + 2]! << 8) | b[this.start + 3]!;
    return Math.max(0, 4 + len - have);
  }

  /** Capacity of the block currently held (0 when none). */
  get capacity(): number {
    return this.block?.size ?? 0;
  }

  /** Appends a record's handshake content. */
  append(content: Uint8Array): void {
    const pending = this.end - this.start;
    const need = pending + content.length;
    if (this.block === null || need > this.block.size) {
      const size = Math.ceil(need / HANDSHAKE_BUFFER_STEP) * HANDSHAKE_BUFFER_STEP;
      const block = allocOrThrow(this.memory, 'io', size, TLS_TAGS.handshakeBuffer);
      if (this.block !== null) {
        block.bytes.set(this.block.bytes.subarray(this.start, this.end), 0);
        this.block.bytes.fill(0);
        this.memory.free(this.block);
      }
      this.block = block;
      this.start = 0;
      this.end = pending;
    } else if (this.block.size - this.end < content.length) {
      this.block.bytes.copyWithin(0, this.start, this.end);
      this.start = 0;
      this.end = pending;
    }
    this.block.bytes.set(content, this.end);
    this.end += content.length;
  }

  /** The next complete message, or null (checks the size limit as soon as a header is in). */
  next(): BufferedMessage | null {
    if (this.block === null || this.end === this.start) return null;
    const view = this.block.bytes.subarray(0, this.end);
    const m = nextHandshakeMessage(view, this.start);
    if (m.kind === 'partial') {
      if (this.end - this.start >= 4) {
        const len = (view[this.start + 1]! << 16) | (view[this.start + 2]! << 8) | view[this.start + 3]!;
        if (len > MAX_HANDSHAKE_MESSAGE) throw new TlsError('decode.message_too_large', `handshake message of ${len} bytes`);
      }
      return null;
    }
    if (m.body.length > MAX_HANDSHAKE_MESSAGE) throw new TlsError('decode.message_too_large', `handshake message of ${m.body.length} bytes`);
    this.start = m.next;
    if (this.start === this.end) {
      // Everything consumed: the next append starts at the front again (the view stays valid).
      this.start = 0;
      this.end = 0;
    }
    return { msgType: m.msgType, body: m.body, raw: m.raw };
  }

  /** Frees the block (zeroed) if nothing is pending, or unconditionally with `force`. */
  release(force = false): void {
    if (this.block === null) return;
    if (!force && this.end !== this.start) return;
    this.block.bytes.fill(0);
    this.memory.free(this.block);
    this.block = null;
    this.start = 0;
    this.end = 0;
  }
}
