/**
 * The flight being built. Handshake messages, alerts and key changes are queued in order; at
 * {@link Outbox.flush} the whole flight is sized, one `tls.outputFlight` block (`io` pool) is
 * allocated, every record is sealed into it (installing write keys at the queued points),
 * and a copy is handed to the caller before the block is freed.
 *
 * Consecutive handshake messages under the same keys are coalesced into as few records as the
 * peer's limit allows (RFC 8446 §5.1 allows coalescing; RFC 8448's server flight is one record).
 */
import type { CipherSuite } from './codec/constants.js';
import { ContentType } from './codec/constants.js';
import { MAX_PLAINTEXT, RECORD_HEADER_LENGTH } from './codec/record.js';
import type { TrafficSecret } from './keyschedule.js';
import { TLS_TAGS, type TlsMemory, allocOrThrow } from './memory.js';
import type { RecordLayer } from './record.js';

/** AEAD tag length of every TLS 1.3 suite (RFC 8446 §B.4). */
const TAG_LENGTH = 16;

/** RFC 8446 §5 / §D.4: the compatibility change_cipher_spec record, always plaintext. */
const COMPAT_CCS_RECORD = Uint8Array.of(ContentType.change_cipher_spec, 0x03, 0x03, 0x00, 0x01, 0x01);

type Item =
  | { kind: 'data'; type: ContentType; bytes: Uint8Array; legacyVersion?: number }
  | { kind: 'ccs' }
  | { kind: 'writeKeys'; suite: CipherSuite; secret: TrafficSecret; onInstalled?: () => void };

/** The queue of one flight. */
export class Outbox {
  private items: Item[] = [];

  /** Whether anything is queued. */
  get empty(): boolean {
    return this.items.length === 0;
  }

  /** Queues a handshake message (coalesced with the previous one if the keys are the same). */
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

  /** Queues one alert record (never coalesced, RFC 8446 §5.1). */
  alert(level: number, description: number): void {
    this.items.push({ kind: 'data', type: ContentType.alert, bytes: Uint8Array.from([level, description]) });
  }

  /**
   * Queues the dummy change_cipher_spec of middlebox compatibility mode (RFC 8446 §D.4): one
   * plaintext record of the single byte 0x01, never protected, whatever the write keys.
   */
  changeCipherSpec(): void {
    this.items.push({ kind: 'ccs' });
  }

  /** Queues an application data record (already within the record limit). */
  applicationData(bytes: Uint8Array): void {
    this.items.push({ kind: 'data', type: ContentType.application_data, bytes });
  }

  /** Queues a switch of write keys (applied when the flight is sealed). */
  writeKeys(suite: CipherSuite, secret: TrafficSecret, onInstalled?: () => void): void {
    this.items.push({ kind: 'writeKeys', suite, secret, ...(onInstalled ? { onInstalled } : {}) });
  }

  /** Drops everything queued (on failure). */
  clear(): void {
    this.items = [];
  }

  /**
   * Seals the queued flight through `record` into one `tls.outputFlight` block and returns a
   * copy of the bytes. Throws the out-of-memory error if the block cannot be had.
   */
  flush(record: RecordLayer, memory: TlsMemory): Uint8Array {
    const items = this.items;
    this.items = [];
    if (items.length === 0) return new Uint8Array(0);
    // Pass 1: size the flight, simulating the key changes.
    let protectedNow = record.writeProtected;
    let limit = protectedNow ? record.maxSendPlaintext : MAX_PLAINTEXT;
    let total = 0;
    for (const it of items) {
      if (it.kind === 'writeKeys') {
        protectedNow = true;
        limit = record.maxSendPlaintext;
        continue;
      }
      if (it.kind === 'ccs') {
        total += COMPAT_CCS_RECORD.length;
        continue;
      }
      for (let off = 0; off < it.bytes.length || (off === 0 && it.bytes.length === 0); off += limit) {
        const n = Math.min(limit, it.bytes.length - off);
        total += RECORD_HEADER_LENGTH + n + (protectedNow ? 1 + TAG_LENGTH : 0);
        if (it.bytes.length === 0) break;
      }
    }
    const block = allocOrThrow(memory, 'io', total, TLS_TAGS.outputFlight);
    try {
      // Pass 2: seal for real into the block.
      let at = 0;
      for (const it of items) {
        if (it.kind === 'writeKeys') {
          record.installWriteKeys(it.suite, it.secret);
          it.onInstalled?.();
          continue;
        }
        if (it.kind === 'ccs') {
          block.bytes.set(COMPAT_CCS_RECORD, at);
          at += COMPAT_CCS_RECORD.length;
          continue;
        }
        const max = record.writeProtected ? record.maxSendPlaintext : MAX_PLAINTEXT;
        for (let off = 0; off < it.bytes.length || (off === 0 && it.bytes.length === 0); off += max) {
          const chunk = it.bytes.subarray(off, Math.min(it.bytes.length, off + max));
          const rec = record.seal(it.type, chunk, {
            out: block.bytes,
            offset: at,
            ...(it.legacyVersion !== undefined ? { legacyVersion: it.legacyVersion } : {}),
          });
          at += rec.length;
          if (it.bytes.length === 0) break;
        }
      }
      return block.bytes.slice(0, at);
    } finally {
      block.bytes.fill(0);
      memory.free(block);
    }
  }
}
