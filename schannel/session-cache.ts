/**
 * Schannel's client session cache: TLS 1.3 tickets kept for resumption.
 *
 * An entry is reused only under the conditions of the CE docs
 * (`SspiInitializeSecurityContextAsyncA`, the Schannel/SSL row of `pszTargetName`): the same
 * target name, an entry not expired, the same process, the same logon session and the same
 * credential handle. Every entry is charged to a device pool (tag `schannel.sessionCache`),
 * with the ticket and the resumption secret stored in the block for real.
 */

import type { TlsBlock, TlsMemory } from './tls/memory.js';

/**
 * Modelled fixed part of one entry on a 32-bit device: target-name pointer, pid, logon id,
 * credential handle (8), suite, lifetimes, age_add, creation time (8), lengths: 48 bytes.
 */
export const SESSION_ENTRY_HEADER_BYTES = 48;

/** The most entries one device keeps (Schannel's default client cache holds 100). */
export const SESSION_CACHE_MAX_ENTRIES = 100;

/** RFC 8446 §4.6.1: ticket lifetimes MUST NOT exceed 7 days; clients do not keep them longer. */
export const MAX_TICKET_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/** The lookup key: every condition the CE docs name. */
export interface SessionKey {
  targetName: string;
  pid: number;
  logonId: number;
  /** The credential handle's object word and generation, as one stable string. */
  credential: string;
}

/** One cached TLS 1.3 session (a ticket and what resumption needs). */
export interface SessionTicket {
  ticket: Uint8Array;
  resumptionSecret: Uint8Array;
  suite: string;
  ticketAgeAdd: number;
  lifetimeSeconds: number;
  alpn: string | null;
  maxEarlyData: number;
}

/** A live cache entry. */
export interface SessionEntry extends SessionKey, SessionTicket {
  /** Device time (ms) at which the entry was stored. */
  createdMs: number;
  /** Device time (ms) after which it is not used. */
  expiresMs: number;
  block: TlsBlock;
}

function sameKey(a: SessionKey, b: SessionKey): boolean {
  // The CE docs: the target name is compared as given (case-insensitively, as host names are).
  return a.targetName.toLowerCase() === b.targetName.toLowerCase() && a.pid === b.pid && a.logonId === b.logonId && a.credential === b.credential;
}

/** The per-device session cache. */
export class SessionCache {
  private readonly entries: SessionEntry[] = [];

  constructor(private readonly memory: TlsMemory) {}

  /** Number of live entries. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * Stores a ticket under `key`. The entry expires at the earlier of the ticket lifetime and the
   * credential's session lifespan. Returns false when the pool cannot hold it (nothing stored).
   */
  store(key: SessionKey, t: SessionTicket, nowMs: number, lifespanMs: number): boolean {
    const size = SESSION_ENTRY_HEADER_BYTES + key.targetName.length * 2 + t.ticket.length + t.resumptionSecret.length;
    const block = this.memory.alloc('general', size, 'schannel.sessionCache');
    if (!block) return false;
    block.bytes.set(t.ticket, SESSION_ENTRY_HEADER_BYTES);
    block.bytes.set(t.resumptionSecret, SESSION_ENTRY_HEADER_BYTES + t.ticket.length);
    if (this.entries.length >= SESSION_CACHE_MAX_ENTRIES) this.evict(0);
    this.entries.push({
      ...key,
      ...t,
      ticket: block.bytes.subarray(SESSION_ENTRY_HEADER_BYTES, SESSION_ENTRY_HEADER_BYTES + t.ticket.length),
      resumptionSecret: block.bytes.subarray(SESSION_ENTRY_HEADER_BYTES + t.ticket.length, SESSION_ENTRY_HEADER_BYTES + t.ticket.length + t.resumptionSecret.length),
      createdMs: nowMs,
      expiresMs: nowMs + Math.min(lifespanMs, t.lifetimeSeconds * 1000, MAX_TICKET_AGE_MS),
      block,
    });
    return true;
  }

  /**
   * The newest usable entry for `key`, or null. Expired entries met on the way are dropped.
   * RFC 8446 §4.6.1: clients MUST NOT cache tickets for longer than 7 days, whatever the lifetime.
   */
  find(key: SessionKey, nowMs: number): SessionEntry | null {
    this.expire(nowMs);
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (sameKey(e, key)) return e;
    }
    return null;
  }

  /**
   * Removes an entry after use: RFC 8446 §C.4 — clients SHOULD NOT reuse a ticket for multiple
   * connections.
   */
  take(entry: SessionEntry): void {
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.evict(i);
  }

  /** Drops expired entries. */
  expire(nowMs: number): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i]!.expiresMs <= nowMs) this.evict(i);
    }
  }

  /** Drops every entry of a credential (it was freed) or of a process (it exited). */
  purge(match: (e: SessionKey) => boolean): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (match(this.entries[i]!)) this.evict(i);
    }
  }

  private evict(i: number): void {
    const [e] = this.entries.splice(i, 1);
    if (!e) return;
    e.block.bytes.fill(0);
    this.memory.free(e.block);
  }
}
