/**
 * Schannel's session cache: TLS 1.3 tickets and TLS 1.2 sessions (session ID, RFC 5077 ticket,
 * master secret) a client keeps for resumption, and the TLS 1.2 sessions a server keeps by
 * session ID (RFC 5246 §7.4.1.2; server entries have an empty target name and are found by ID).
 *
 * A client entry is reused only under the conditions of the CE docs
 * (`SspiInitializeSecurityContextAsyncA`, the Schannel/SSL row of `pszTargetName`): the same
 * target name, an entry not expired, the same process, the same logon session and the same
 * credential handle; a server entry under the same process, logon session and credential
 * handle. Every entry is charged to a device pool (tag `schannel.sessionCache`), with the
 * ticket, the secret and the session ID stored in the block for real.
 */

import type { TlsBlock, TlsMemory } from './tls/memory.js';

/**
 * Modelled fixed part of one entry on a 32-bit device: target-name pointer, pid, logon id,
 * credential handle (8), suite, lifetimes, age_add, creation time (8), lengths: 48 bytes.
 */
export const SESSION_ENTRY_HEADER_BYTES = 48;

/** The most entries one device keeps (Schannel's default client cache holds 100). */
export const SESSION_CACHE_MAX_ENTRIES = 100;

/**
 * The most TLS 1.2 sessions a server keeps by session ID (its entries are 128 B each; clients
 * that send tickets do not need them): a bound, so that a busy server's cache never takes the
 * general pool its handshakes need.
 */
export const SERVER_SESSION_CACHE_MAX_ENTRIES = 32;

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

/** One cached session: a TLS 1.3 ticket, or a TLS 1.2 session (and what resumption needs). */
export interface SessionTicket {
  /** Which protocol the session belongs to (default TLS 1.3). */
  version?: 'tls1.3' | 'tls1.2';
  /** The ticket (TLS 1.2: empty when the server gave none). */
  ticket: Uint8Array;
  /** TLS 1.3: the resumption PSK; TLS 1.2: the master secret. */
  resumptionSecret: Uint8Array;
  /** TLS 1.2: the session ID (RFC 5246 §7.4.1.3), empty when none. */
  sessionId?: Uint8Array;
  /** TLS 1.2: RFC 7627 §5.3, whether the session has the extended master secret. */
  extendedMasterSecret?: boolean;
  suite: string;
  ticketAgeAdd: number;
  lifetimeSeconds: number;
  alpn: string | null;
  maxEarlyData: number;
  /** TLS 1.2 server entries: the session's server_name (RFC 6066 §3: resumed only for the same name). */
  serverName?: string;
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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
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
    const sid = t.sessionId ?? new Uint8Array(0);
    const size = SESSION_ENTRY_HEADER_BYTES + key.targetName.length * 2 + t.ticket.length + t.resumptionSecret.length + sid.length;
    const block = this.memory.alloc('general', size, 'schannel.sessionCache');
    if (!block) return false;
    const at = (n: number) => SESSION_ENTRY_HEADER_BYTES + n;
    block.bytes.set(t.ticket, at(0));
    block.bytes.set(t.resumptionSecret, at(t.ticket.length));
    block.bytes.set(sid, at(t.ticket.length + t.resumptionSecret.length));
    if (this.entries.length >= SESSION_CACHE_MAX_ENTRIES) this.evict(0);
    if (key.targetName === '') {
      // A server's entries: the oldest goes once there are SERVER_SESSION_CACHE_MAX_ENTRIES.
      const servers = this.entries.filter((e) => e.targetName === '');
      if (servers.length >= SERVER_SESSION_CACHE_MAX_ENTRIES) this.evict(this.entries.indexOf(servers[0]!));
    }
    this.entries.push({
      ...key,
      ...t,
      ticket: block.bytes.subarray(at(0), at(t.ticket.length)),
      resumptionSecret: block.bytes.subarray(at(t.ticket.length), at(t.ticket.length + t.resumptionSecret.length)),
      sessionId: block.bytes.subarray(at(t.ticket.length + t.resumptionSecret.length), at(t.ticket.length + t.resumptionSecret.length + sid.length)),
      createdMs: nowMs,
      expiresMs: nowMs + Math.min(lifespanMs, t.lifetimeSeconds * 1000, MAX_TICKET_AGE_MS),
      block,
    });
    return true;
  }

  /** A server's TLS 1.2 session by its ID (RFC 5246 §7.4.1.2), under `key`; null when none is live. */
  findSessionId(key: SessionKey, sessionId: Uint8Array, nowMs: number): SessionEntry | null {
    this.expire(nowMs);
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.version === 'tls1.2' && sameKey(e, key) && e.sessionId !== undefined && sameBytes(e.sessionId, sessionId)) return e;
    }
    return null;
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
