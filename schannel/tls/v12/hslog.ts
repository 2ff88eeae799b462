/**
 * The handshake messages kept verbatim for a TLS 1.2 CertificateVerify (RFC 5246 §7.4.8: the
 * signature covers handshake_messages themselves, hashed with the scheme's hash, which need
 * not be the PRF hash). Held in one `tls12.handshakeLog` block, grown as messages arrive, only
 * while client authentication is possible, and freed as soon as it is not.
 */
import { type TlsBlock, type TlsMemory, allocOrThrow } from '../memory.js';

/** Owner tag of the log. */
export const HANDSHAKE_LOG_TAG = 'tls12.handshakeLog';

/** The log. */
export class HandshakeLog {
  private block: TlsBlock | null = null;
  private used = 0;

  /** @param memory where the log is charged */
  constructor(private readonly memory: TlsMemory) {}

  /** Appends a whole handshake message (header included). */
  add(message: Uint8Array): void {
    const need = this.used + message.length;
    if (this.block === null || this.block.size < need) {
      const grown = allocOrThrow(this.memory, 'general', Math.max(need, 2 * (this.block?.size ?? 0)), HANDSHAKE_LOG_TAG);
      if (this.block !== null) {
        grown.bytes.set(this.block.bytes.subarray(0, this.used), 0);
        this.block.bytes.fill(0);
        this.memory.free(this.block);
      }
      this.block = grown;
    }
    this.block.bytes.set(message, this.used);
    this.used = need;
  }

  /** The messages so far (a copy). */
  contents(): Uint8Array {
    return this.block === null ? new Uint8Array(0) : this.block.bytes.slice(0, this.used);
  }

  /** Frees the log. */
  release(): void {
    if (this.block === null) return;
    this.block.bytes.fill(0);
    this.memory.free(this.block);
    this.block = null;
    this.used = 0;
  }
}
