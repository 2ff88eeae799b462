/**
 * The handshake transcript hash (RFC 8446 §4.4.1). Before the cipher suite is known the client
 * keeps one state per candidate hash (SHA-256 and SHA-384, as embedded stacks do rather than
 * buffering the ClientHello); {@link Transcript.select} keeps the negotiated one. Each hash state
 * is charged to `tls.transcript` at its modelled C size.
 */
import type { CryptoProvider, HashState } from '../crypto/types.js';
import { HandshakeType } from './codec/constants.js';
import { TLS_TAGS, TRANSCRIPT_CONTEXT_SIZE, type TlsBlock, type TlsMemory, allocOrThrow } from './memory.js';

/** Transcript hashes the engine runs. */
export type TranscriptHash = 'sha256' | 'sha384';

interface Running {
  state: HashState;
  block: TlsBlock;
}

/** The running transcript of one handshake. */
export class Transcript {
  private readonly states = new Map<TranscriptHash, Running>();

  /**
   * @param crypto the provider
   * @param memory where hash contexts are charged
   * @param hashes the hashes to run from the start
   */
  constructor(private readonly crypto: CryptoProvider, private readonly memory: TlsMemory, hashes: readonly TranscriptHash[]) {
    try {
      for (const h of hashes) this.startHash(h);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  private startHash(h: TranscriptHash): Running {
    const block = allocOrThrow(this.memory, 'general', TRANSCRIPT_CONTEXT_SIZE[h], TLS_TAGS.transcript);
    const r = { state: this.crypto.newHash(h), block };
    this.states.set(h, r);
    return r;
  }

  /** Feeds a whole handshake message (header included). */
  add(message: Uint8Array): void {
    for (const r of this.states.values()) r.state.update(message);
  }

  /** Keeps only `hash` (frees the others). */
  select(hash: TranscriptHash): void {
    for (const [h, r] of this.states) {
      if (h !== hash) {
        this.memory.free(r.block);
        this.states.delete(h);
      }
    }
    if (!this.states.has(hash)) throw new Error(`transcript hash ${hash} not running`);
  }

  /** Transcript-Hash of the messages so far, under `hash` (default: the only one running). */
  current(hash?: TranscriptHash): Uint8Array {
    return this.running(hash).state.peek();
  }

  /** Transcript-Hash of the messages so far followed by `extra` (without adding it). */
  currentWith(extra: Uint8Array, hash?: TranscriptHash): Uint8Array {
    return this.running(hash).state.clone().update(extra).peek();
  }

  private running(hash?: TranscriptHash): Running {
    if (hash !== undefined) {
      const r = this.states.get(hash);
      if (r === undefined) throw new Error(`transcript hash ${hash} not running`);
      return r;
    }
    if (this.states.size !== 1) throw new Error('transcript hash not selected');
    return this.states.values().next().value as Running;
  }

  /**
   * RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by
   * message_hash(254) || 00 00 Hash.length || Hash(ClientHello1). Requires a selected hash.
   */
  replaceWithMessageHash(): void {
    const r = this.running();
    const h = r.state.peek();
    const hashName = [...this.states.keys()][0]!;
    r.state = this.crypto.newHash(hashName);
    const header = Uint8Array.from([HandshakeType.message_hash, 0, 0, h.length]);
    r.state.update(header).update(h);
  }

  /** Frees every hash context. */
  dispose(): void {
    for (const r of this.states.values()) this.memory.free(r.block);
    this.states.clear();
  }
}
