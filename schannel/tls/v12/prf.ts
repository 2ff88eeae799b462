/**
 * The TLS 1.2 pseudorandom function and what is derived with it (RFC 5246 §5, §6.3, §7.4.9,
 * §8.1; RFC 7627 §4): P_hash, master secret (extended or not), key block, Finished
 * verify_data. Every computation charges a `tls12.prf` block for the HMAC state a C stack keeps
 * while it runs (freed at the end), so the pool peak shows it.
 */
import type { CryptoProvider, HashName } from '../../crypto/types.js';
import { TRANSCRIPT_CONTEXT_SIZE, type TlsMemory, allocOrThrow } from '../memory.js';

/** Owner tags of the TLS 1.2 engine's own blocks (beside {@link TLS_TAGS}). */
export const TLS12_TAGS = {
  prf: 'tls12.prf',
  masterSecret: 'tls12.masterSecret',
  keyBlock: 'tls12.keyBlock',
  serverKeyExchange: 'tls12.serverKeyExchange',
  premaster: 'tls12.premaster',
  sessionCacheEntry: 'tls12.sessionCacheEntry',
  sessionTicket: 'tls12.sessionTicket',
} as const;

/** RFC 5246 §8.1: the master secret is always 48 bytes. */
export const MASTER_SECRET_LENGTH = 48;
/** RFC 5246 §7.4.9: verify_data_length is 12 for every suite cesim implements. */
export const VERIFY_DATA_LENGTH = 12;

const encoder = new TextEncoder();

/**
 * Modelled size of the PRF's working state: an HMAC context (inner and outer hash states, as a
 * C stack keeps them after absorbing ipad/opad) plus the running A(i) and one output block.
 */
export function prfStateSize(hash: HashName): number {
  const ctx = hash === 'sha384' || hash === 'sha512' ? TRANSCRIPT_CONTEXT_SIZE.sha384 : TRANSCRIPT_CONTEXT_SIZE.sha256;
  const len = hash === 'sha1' ? 20 : hash === 'sha256' ? 32 : hash === 'sha384' ? 48 : 64;
  return 2 * ctx + 2 * len;
}

/**
 * RFC 5246 §5: P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + …
 * with A(0) = seed, A(i) = HMAC(secret, A(i-1)), truncated to `length`.
 */
export function pHash(crypto: CryptoProvider, hash: HashName, secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed;
  let pos = 0;
  while (pos < length) {
    a = crypto.hmac(hash, secret, a);
    const input = new Uint8Array(a.length + seed.length);
    input.set(a, 0);
    input.set(seed, a.length);
    const block = crypto.hmac(hash, secret, input);
    const take = Math.min(block.length, length - pos);
    out.set(block.subarray(0, take), pos);
    block.fill(0);
    pos += take;
  }
  a.fill(0);
  return out;
}

/** The TLS 1.2 PRF (RFC 5246 §5): PRF(secret, label, seed) = P_<hash>(secret, label + seed). */
export class Prf {
  /**
   * @param crypto the provider (its HMAC is charged to the CPU model)
   * @param memory where the working state is charged while it runs
   * @param hash the suite's PRF hash (RFC 5246 §5; SHA-384 suites, RFC 5289 §3)
   */
  constructor(private readonly crypto: CryptoProvider, private readonly memory: TlsMemory, readonly hash: HashName) {}

  /** PRF(secret, label, seed)[0..length). Throws the out-of-memory TlsError if the state block cannot be had. */
  derive(secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
    const block = allocOrThrow(this.memory, 'general', prfStateSize(this.hash), TLS12_TAGS.prf);
    try {
      const l = encoder.encode(label);
      const labelSeed = new Uint8Array(l.length + seed.length);
      labelSeed.set(l, 0);
      labelSeed.set(seed, l.length);
      return pHash(this.crypto, this.hash, secret, labelSeed, length);
    } finally {
      block.bytes.fill(0);
      this.memory.free(block);
    }
  }

  /**
   * The master secret (RFC 5246 §8.1): PRF(pre_master_secret, "master secret",
   * ClientHello.random + ServerHello.random)[0..47]; with extended_master_secret (RFC 7627 §4)
   * PRF(pre_master_secret, "extended master secret", session_hash)[0..47], where session_hash
   * is the transcript hash through ClientKeyExchange.
   */
  masterSecret(premaster: Uint8Array, from: { extended: true; sessionHash: Uint8Array } | { extended: false; clientRandom: Uint8Array; serverRandom: Uint8Array }): Uint8Array {
    if (from.extended) return this.derive(premaster, 'extended master secret', from.sessionHash, MASTER_SECRET_LENGTH);
    return this.derive(premaster, 'master secret', concat(from.clientRandom, from.serverRandom), MASTER_SECRET_LENGTH);
  }

  /** RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion", server_random + client_random). */
  keyBlock(master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, length: number): Uint8Array {
    return this.derive(master, 'key expansion', concat(serverRandom, clientRandom), length);
  }

  /**
   * RFC 5246 §7.4.9: verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))
   * [0..11], finished_label "client finished" or "server finished".
   */
  verifyData(master: Uint8Array, sender: 'client' | 'server', handshakeHash: Uint8Array): Uint8Array {
    return this.derive(master, `${sender} finished`, handshakeHash, VERIFY_DATA_LENGTH);
  }
}

/** Concatenates two byte strings. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The key block of a suite split into its parts (RFC 5246 §6.3 order). */
export interface KeyMaterial {
  clientMacKey: Uint8Array;
  serverMacKey: Uint8Array;
  clientKey: Uint8Array;
  serverKey: Uint8Array;
  clientIv: Uint8Array;
  serverIv: Uint8Array;
}

/**
 * Splits a key block: client_write_MAC_key, server_write_MAC_key, client_write_key,
 * server_write_key, client_write_IV, server_write_IV (RFC 5246 §6.3). Views into `block`.
 */
export function splitKeyBlock(block: Uint8Array, macLength: number, keyLength: number, fixedIvLength: number): KeyMaterial {
  let at = 0;
  const take = (n: number): Uint8Array => {
    const v = block.subarray(at, at + n);
    at += n;
    return v;
  };
  return {
    clientMacKey: take(macLength),
    serverMacKey: take(macLength),
    clientKey: take(keyLength),
    serverKey: take(keyLength),
    clientIv: take(fixedIvLength),
    serverIv: take(fixedIvLength),
  };
}
