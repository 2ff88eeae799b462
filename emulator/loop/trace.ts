/**
 * The simulation trace: every event (virtual time, device, kind, details) in the order it
 * happened, serialisable as canonical JSON lines, with a stable SHA-256 over those lines.
 *
 * The hash is SHA-256 over the lines (UTF-8). Canonical JSON: object keys sorted, bytes (`Uint8Array`) written as lowercase hex strings,
 * no whitespace, one event per line ending in `\n`. Two runs of the same scenario with the same
 * seed give the same lines and so the same {@link Trace.hash}.
 */
import { createHash } from 'node:crypto';
import { toHex as hex } from '../../common/index.js';

/** A value a trace event may carry. */
export type TraceValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | Uint8Array
  | readonly TraceValue[]
  | { readonly [key: string]: TraceValue };

/** The details of a trace event. */
export type TraceDetails = { readonly [key: string]: TraceValue };

/** One trace event. */
export interface TraceEvent {
  /** Virtual time in nanoseconds. */
  readonly t: number;
  /** The device (or network node) the event belongs to; `''` for the simulation itself. */
  readonly device: string;
  /** What happened: `task.start`, `net.send`, `sock.connect`, `fault.cut`… */
  readonly kind: string;
  readonly details: TraceDetails;
}

/** Options for a {@link Trace}. */
export interface TraceOptions {
  /** Keep events in memory (default true). When false, only listeners and the hash see them. */
  keep?: boolean;
}

const keyCache = new Map<string, string>();

/** `"key":`, memoised (trace details reuse a small set of keys). */
function quotedKey(k: string): string {
  let q = keyCache.get(k);
  if (q === undefined) {
    q = JSON.stringify(k) + ':';
    if (keyCache.size < 4096) keyCache.set(k, q);
  }
  return q;
}

/** Canonical JSON of a trace value (sorted keys, bytes as hex, `undefined` fields left out). */
export function canonicalJson(v: TraceValue): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Uint8Array) return `"${hex(v)}"`;
  if (Array.isArray(v)) return `[${(v as readonly TraceValue[]).map(canonicalJson).join(',')}]`;
  const o = v as { readonly [key: string]: TraceValue };
  const keys = Object.keys(o).sort();
  let out = '{';
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    if (out.length > 1) out += ',';
    out += quotedKey(k) + canonicalJson(x);
  }
  return out + '}';
}

/** The canonical JSON line of one event (without the newline). */
export function traceLine(e: TraceEvent): string {
  return `{"details":${canonicalJson(e.details)},"device":${JSON.stringify(e.device)},"kind":${JSON.stringify(e.kind)},"t":${e.t}}`;
}

const HASH_BATCH_CHARS = 1 << 16;

/** The event log of one simulation. */
export class Trace {
  private readonly events: TraceEvent[] = [];
  private readonly listeners = new Set<(e: TraceEvent) => void>();
  // Node's native SHA-256: the trace hash is a host-side fingerprint, not simulated crypto,
  // so it does not go through (or charge) the device's crypto provider.
  private readonly hasher = createHash('sha256');
  /** Lines not yet fed to the hasher (hashed in batches: one SHA-256 update per ~64 KiB). */
  private unhashed = '';
  private count = 0;
  private readonly keep: boolean;

  /** `now` gives the virtual time stamped on each event. */
  constructor(
    private readonly now: () => number,
    opts: TraceOptions = {},
  ) {
    this.keep = opts.keep !== false;
  }

  /** Records an event at the current virtual time. */
  emit(device: string, kind: string, details: TraceDetails = {}): void {
    const e: TraceEvent = { t: this.now(), device, kind, details };
    this.count++;
    this.unhashed += traceLine(e) + '\n';
    if (this.unhashed.length >= HASH_BATCH_CHARS) this.flushHash();
    if (this.keep) this.events.push(e);
    for (const l of this.listeners) l(e);
  }

  /** Calls `cb` for every event from now on. Returns a function that removes it. */
  on(cb: (e: TraceEvent) => void): () => void {
    this.listeners.add(cb);
    return () => {
      this.listeners.delete(cb);
    };
  }

  /** Number of events recorded. */
  get size(): number {
    return this.count;
  }

  /** The events kept so far (empty when `keep` is false). */
  all(): readonly TraceEvent[] {
    return this.events;
  }

  /** The kept events of one kind (or kinds starting with `prefix.` when the kind ends in `.*`). */
  filter(kind: string): TraceEvent[] {
    if (kind.endsWith('.*')) {
      const p = kind.slice(0, -1);
      return this.events.filter((e) => e.kind.startsWith(p));
    }
    return this.events.filter((e) => e.kind === kind);
  }

  /** The kept events as canonical JSON lines, each ending in `\n`. */
  toJsonLines(): string {
    let s = '';
    for (const e of this.events) s += traceLine(e) + '\n';
    return s;
  }

  /** SHA-256 (hex) of all canonical JSON lines so far, kept events or not. */
  hash(): string {
    this.flushHash();
    return this.hasher.copy().digest('hex');
  }

  private flushHash(): void {
    if (this.unhashed.length === 0) return;
    this.hasher.update(this.unhashed, 'utf8');
    this.unhashed = '';
  }
}
