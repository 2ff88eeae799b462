/**
 * How the TLS engine charges the bytes it holds to the device's pools.
 *
 * The engine never keeps protocol state in untracked memory that the firmware would hold in C:
 * each buffer is a {@link TlsBlock} from {@link TlsMemory.alloc}, with an owner tag and an
 * honest modelled size (the constants below say where each size comes from). Blocks whose
 * contents matter (handshake reassembly, the output flight, the peer chain) store their bytes
 * in the block for real.
 */
import { TlsError } from './errors.js';

/** The device pools the engine draws from: `io` for wire buffers, `general` for state. */
export type TlsPool = 'general' | 'io';

/** One allocated block. `bytes` is a live view of device memory. */
export interface TlsBlock {
  readonly addr: number;
  readonly size: number;
  readonly bytes: Uint8Array;
}

/** The allocator the SSPI layer injects (backed by device pools in the emulator). */
export interface TlsMemory {
  /** Returns null when the pool is exhausted (or a failure is forced). */
  alloc(pool: TlsPool, size: number, tag: string): TlsBlock | null;
  free(block: TlsBlock): void;
}

/** Owner tags the engine uses (one per kind of buffer). */
export const TLS_TAGS = {
  handshakeBuffer: 'tls.handshakeBuffer',
  transcript: 'tls.transcript',
  keySchedule: 'tls.keySchedule',
  trafficKeys: 'tls.trafficKeys',
  keyShare: 'tls.keyShare',
  peerCertChain: 'tls.peerCertChain',
  ticket: 'tls.ticket',
  outputFlight: 'tls.outputFlight',
} as const;

/**
 * Modelled size of one transcript hash context: the C structs of a small embedded stack
 * (wolfSSL `wc_Sha256` = 8×4 state + 64 buffer + counters ≈ 112 B; `wc_Sha512`/SHA-384 =
 * 8×8 state + 128 buffer + counters ≈ 208 B).
 */
export const TRANSCRIPT_CONTEXT_SIZE = { sha256: 112, sha384: 208 } as const;

/**
 * Modelled size of the key-schedule block: the current stage secret, the two traffic secrets of
 * the current epoch, the exporter and resumption master secrets (5 × Hash.length).
 */
export function keyScheduleSize(hashLength: number): number {
  return 5 * hashLength;
}

/**
 * Modelled size of one direction's traffic keys: AEAD key schedule + static IV (12) + sequence
 * number (8). AES-GCM: expanded round keys (176 B for AES-128, 240 B for AES-256) + H + a 4-bit
 * GHASH table (16 × 16 B) as wolfSSL's GCM_SMALL keeps; ChaCha20-Poly1305: the 32-byte key.
 */
export const TRAFFIC_KEYS_SIZE = {
  aes128gcm: 176 + 16 + 256 + 12 + 8,
  aes256gcm: 240 + 16 + 256 + 12 + 8,
  chacha20poly1305: 32 + 12 + 8,
} as const;

/** Modelled size of an ephemeral key pair: private scalar + public value as sent. */
export const KEY_SHARE_SIZE = { x25519: 32 + 32, x448: 56 + 56, secp256r1: 32 + 65, secp384r1: 48 + 97, secp521r1: 66 + 133 } as const;

/** Largest handshake message the engine buffers (a certificate chain of a few KiB fits easily). */
export const MAX_HANDSHAKE_MESSAGE = 65536;

/** Granularity of handshake-buffer growth (one allocation per 1 KiB step). */
export const HANDSHAKE_BUFFER_STEP = 1024;

/** Allocates or fails with the taxonomy's out-of-memory error. */
export function allocOrThrow(memory: TlsMemory, pool: TlsPool, size: number, tag: string): TlsBlock {
  const block = memory.alloc(pool, size, tag);
  if (block === null) throw new TlsError('memory.exhausted', `${pool} pool: ${size} bytes for ${tag}`);
  return block;
}

/** Statistics of {@link InMemoryTlsMemory}, per pool. */
export interface PoolStats {
  current: number;
  peak: number;
  allocs: number;
  frees: number;
}

/**
 * A plain in-memory {@link TlsMemory} for tests and benchmarks: tracks live blocks, current and
 * peak bytes per pool and per tag, and can be told to fail allocations.
 */
export class InMemoryTlsMemory implements TlsMemory {
  /** Live blocks by address. */
  readonly live = new Map<number, { block: TlsBlock; pool: TlsPool; tag: string }>();
  /** Per pool statistics. */
  readonly pools: Record<TlsPool, PoolStats> = {
    general: { current: 0, peak: 0, allocs: 0, frees: 0 },
    io: { current: 0, peak: 0, allocs: 0, frees: 0 },
  };
  /** Peak live bytes per tag. */
  readonly peakByTag = new Map<string, number>();
  private readonly currentByTag = new Map<string, number>();
  private nextAddr = 0x1000;
  /** When set, called before each allocation; returning true makes it fail. */
  failWhen: ((pool: TlsPool, size: number, tag: string, index: number) => boolean) | null = null;
  /** Number of allocation attempts so far. */
  attempts = 0;
  /** Optional cap per pool (bytes); allocations beyond it fail. */
  limits: Partial<Record<TlsPool, number>> = {};

  alloc(pool: TlsPool, size: number, tag: string): TlsBlock | null {
    const index = this.attempts++;
    if (this.failWhen?.(pool, size, tag, index)) return null;
    const limit = this.limits[pool];
    if (limit !== undefined && this.pools[pool].current + size > limit) return null;
    const addr = this.nextAddr;
    this.nextAddr += (size + 15) & ~15 || 16;
    const block: TlsBlock = { addr, size, bytes: new Uint8Array(size) };
    this.live.set(addr, { block, pool, tag });
    const p = this.pools[pool];
    p.current += size;
    p.allocs++;
    p.peak = Math.max(p.peak, p.current);
    const t = (this.currentByTag.get(tag) ?? 0) + size;
    this.currentByTag.set(tag, t);
    this.peakByTag.set(tag, Math.max(this.peakByTag.get(tag) ?? 0, t));
    return block;
  }

  free(block: TlsBlock): void {
    const entry = this.live.get(block.addr);
    if (entry === undefined || entry.block !== block) throw new Error(`double free or foreign block at 0x${block.addr.toString(16)}`);
    this.live.delete(block.addr);
    const p = this.pools[entry.pool];
    p.current -= block.size;
    p.frees++;
    this.currentByTag.set(entry.tag, (this.currentByTag.get(entry.tag) ?? 0) - block.size);
  }

  /** Live blocks as `{ pool, tag, size }` (for leak assertions). */
  liveBlocks(): { pool: TlsPool; tag: string; size: number }[] {
    return [...this.live.values()].map((e) => ({ pool: e.pool, tag: e.tag, size: e.block.size }));
  }
}
