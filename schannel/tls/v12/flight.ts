/**
 * The TLS 1.2 flight being built: handshake messages (coalesced), ChangeCipherSpec (which makes
 * the pending write state current, RFC 5246 §7.1), alerts. {@link Flight12.flush} sizes the
 * whole flight, seals it into one `tls.outputFlight` block of the `io` pool and hands a copy
 * out before freeing the block, as the TLS 1.3 outbox does.
 */
import { ContentType } from '../codec/constants.js';
import { MAX_PLAINTEXT } from '../codec/record.js';
import { TLS_TAGS, type TlsMemory, allocOrThrow } from '../memory.js';
import type { Tls12RecordLayer } from './record.js';

type Item = { kind: 'data'; type: ContentType; bytes: Uint8Array; legacyVersion?: number } | { kind: 'ccs' };

/** The queue of one flight. */
export class Flight12 {
  private items: Item[] = [];

  /** Whether anything is queued. */
  get empty(): boolean {
    return this.items.length === 0;
  }
  /** Queues a handshake message (coalesced with the previous one under the same keys). */
  handshake(message: Uint8Array, legacyVersion?: number): void {
    const last = this.items[this.items.length - 1];
    if (last?.kind === 'data' && last.type === ContentType.handshake && last.legacyVersion === legacyVersion) {
      const merged = new Uint8Array(last.bytes.length + message.length);
      merged.set(last.bytes, 0);
      merged.set(message, last.bytes.length);
      last.bytes = merged;
      return;
    }
    this.items.push({ kind: 'data', type: ContentType.handshake, bytes: message, ...(legacyVersion !== undefined ? { legacyVersion } : {}) });
  }
  /** Queues ChangeCipherSpec: the write state switches right after it. */
  changeCipherSpec(): void {
    this.items.push({ kind: 'ccs' });
  }
  /** Queues one alert record. */
  alert(level: number, description: number): void {
    this.items.push({ kind: 'data', type: ContentType.alert, bytes: Uint8Array.of(level, description) });
  }
  /** Drops the queue. */
  clear(): void {
    this.items = [];
  }

  /** Seals the flight; throws the out-of-memory error when the block cannot be had. */
  flush(record: Tls12RecordLayer, memory: TlsMemory): Uint8Array {
    const items = this.items;
    this.items = [];
    if (items.length === 0) return new Uint8Array(0);
    let pending = false;
    let total = 0;
    for (const it of items) {
      if (it.kind === 'ccs') {
        total += record.recordSizeFor(1, pending);
        pending = true;
        continue;
      }
      const limit = pending || record.writeProtected ? record.maxSendPlaintext : MAX_PLAINTEXT;
      for (let off = 0; off < it.bytes.length; off += limit) total += record.recordSizeFor(Math.min(limit, it.bytes.length - off), pending);
    }
    const block = allocOrThrow(memory, 'io', total, TLS_TAGS.outputFlight);
    try {
      let at = 0;
      for (const it of items) {
        if (it.kind === 'ccs') {
          // RFC 5246 §7.1: ChangeCipherSpec is one byte of value 1, under the current write state.
          at += record.seal(ContentType.change_cipher_spec, Uint8Array.of(1), { out: block.bytes, offset: at }).length;
          record.activateWrite();
          continue;
        }
        const limit = record.writeProtected ? record.maxSendPlaintext : MAX_PLAINTEXT;
        for (let off = 0; off < it.bytes.length; off += limit) {
          const chunk = it.bytes.subarray(off, Math.min(it.bytes.length, off + limit));
          at += record.seal(it.type, chunk, { out: block.bytes, offset: at, ...(it.legacyVersion !== undefined ? { legacyVersion: it.legacyVersion } : {}) }).length;
        }
      }
      return block.bytes.slice(0, at);
    } finally {
      block.bytes.fill(0);
      memory.free(block);
    }
  }
}
