/**
 * The emulated network: hosts with IPv4 addresses, point-to-point links between them, and
 * scheduled faults.
 *
 * A link has two directions, each with its own options and its own random stream. Sending a
 * segment on a direction models, in order: a fault check (link down, "drop the Nth"), the
 * seeded draws (loss, corruption, duplication, reordering, jitter), the transmit queue
 * (serialisation at the link's bandwidth, FIFO after what is already queued, tail drop past
 * `queueBytes`) and propagation (`latencyNs`). Sizes on the wire are IPv4 + TCP headers plus
 * payload; link-layer framing is not counted.
 *
 * Every segment is reported as it goes on the wire to {@link Network.onSegment} listeners (a
 * pcap writer frames these as Ethernet/IPv4/TCP) and to the trace.
 */
import type { Scheduler } from '../loop/scheduler.js';
import type { Trace } from '../loop/trace.js';
import { hostStreamLabel, linkStreamLabel, type RandomStream } from '../loop/random.js';
import {
  decodeSegment,
  encodeSegment,
  flagNames,
  formatIpv4,
  parseIpv4,
  verifySegmentChecksum,
  IPV4_HEADER_BYTES,
  type Segment,
} from './segment.js';
import { TcpStack, defaultTransportOptions, type TcpHost, type TransportOptions } from './tcp.js';

/** Options of a link (both directions unless set per direction with {@link Link.configure}). */
export interface LinkOptions {
  /** One-way propagation delay in ns (default 1 ms). */
  latencyNs?: number;
  /** Bandwidth in bits per second (default 10 Mbit/s, classic Ethernet); `Infinity` for none. */
  bandwidthBps?: number;
  /** Largest IPv4 packet in bytes (default 1500); the transport's MSS is `mtu - 40`. */
  mtu?: number;
  /** Probability that a segment is lost (default 0). */
  loss?: number;
  /** Probability that a segment is held back by `reorderDelayNs`, so later ones overtake it. */
  reorder?: number;
  /** Extra delay of a held-back segment in ns (default 2 × latency, at least 1 ms). */
  reorderDelayNs?: number;
  /** Probability that a segment is delivered twice. */
  duplicate?: number;
  /** Probability that one bit of a segment is flipped (the checksum then fails at the receiver). */
  corrupt?: number;
  /** Uniform extra delay in [0, jitterNs) per segment (default 0). */
  jitterNs?: number;
  /** Transmit-queue limit in bytes; a segment that would exceed it is tail-dropped (default unlimited). */
  queueBytes?: number;
}

/** The options of one link direction with every field resolved. */
export type ResolvedLinkOptions = Required<LinkOptions>;

/** Defaults for {@link LinkOptions} (`reorderDelayNs: -1` means 2 × latency, at least 1 ms). */
export const DEFAULT_LINK_OPTIONS: ResolvedLinkOptions = {
  latencyNs: 1_000_000,
  bandwidthBps: 10_000_000,
  mtu: 1500,
  loss: 0,
  reorder: 0,
  duplicate: 0,
  corrupt: 0,
  jitterNs: 0,
  queueBytes: Infinity,
  reorderDelayNs: -1,
};

function resolveLinkOptions(o: LinkOptions, base?: ResolvedLinkOptions): ResolvedLinkOptions {
  const b = base ?? DEFAULT_LINK_OPTIONS;
  const r: ResolvedLinkOptions = { ...b };
  for (const k of Object.keys(o) as (keyof LinkOptions)[]) {
    const v = o[k];
    if (v !== undefined) r[k] = v;
  }
  for (const k of ['loss', 'reorder', 'duplicate', 'corrupt'] as const) {
    if (!(r[k] >= 0 && r[k] <= 1)) throw new RangeError(`link option ${k}: expected a probability in [0, 1], got ${r[k]}`);
  }
  if (!(r.latencyNs >= 0)) throw new RangeError(`link option latencyNs: expected >= 0, got ${r.latencyNs}`);
  if (!(r.bandwidthBps > 0)) throw new RangeError(`link option bandwidthBps: expected > 0, got ${r.bandwidthBps}`);
  if (!(Number.isInteger(r.mtu) && r.mtu >= 68 && r.mtu <= 65535)) throw new RangeError(`link option mtu: expected an integer in 68..65535, got ${r.mtu}`);
  return r;
}

/** The effective reorder delay of a direction. */
function reorderDelay(o: ResolvedLinkOptions): number {
  return o.reorderDelayNs >= 0 ? o.reorderDelayNs : Math.max(2 * o.latencyNs, 1_000_000);
}

/** Why a segment did not arrive. */
export type DropReason = 'loss' | 'link-down' | 'fault-drop' | 'queue-full' | 'no-route' | 'checksum' | 'malformed';

/** One segment as it goes on the wire, for capture (pcap) and inspection. */
export interface WireSegment {
  /** Virtual time the first bit leaves the sender, in ns. */
  timeNs: number;
  /** Virtual time it arrives (or would have), in ns. */
  arriveNs: number;
  /** The link's name, `a<->b`, or `''` when there was no route. */
  link: string;
  /** Sending and receiving host names. */
  from: string;
  to: string;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** `TCP_*` bits. */
  flags: number;
  window: number;
  /** The MSS option, on SYN segments. */
  mss?: number;
  /** The payload as sent (before any corruption). */
  payload: Uint8Array;
  /** The TCP segment bytes as they travel (header with checksum, options, payload; corrupted if `corrupted`). */
  tcp: Uint8Array;
  /** Set when the segment never arrives, with the reason. */
  dropped: DropReason | null;
  /** A bit was flipped in transit. */
  corrupted: boolean;
  /** This record is the second copy of a duplicated segment. */
  duplicated: boolean;
  /** Held back so later segments overtake it. */
  reordered: boolean;
}

/** One direction of a link: its options, its random stream, its transmit queue and its faults. */
export class LinkDirection {
  /** Options in force (change with {@link Link.configure}). */
  options: ResolvedLinkOptions;
  /** Segments handed to this direction so far. */
  sent = 0;
  /** The transmitter is busy until this virtual time. */
  private busyUntil = 0;
  /** Active cuts and partitions (the direction is down while > 0). */
  downCount = 0;
  /** 1-based segment numbers to drop (see {@link NetworkFaults.dropSegment}). */
  readonly dropNth = new Set<number>();

  constructor(
    readonly link: Link,
    readonly from: Host,
    readonly to: Host,
    options: ResolvedLinkOptions,
    readonly random: RandomStream,
  ) {
    this.options = options;
  }

  /** True while a cut or partition holds. */
  get down(): boolean {
    return this.downCount > 0;
  }

  /** Serialisation time of `wireBytes` on this direction, in ns (rounded up). */
  serialisationNs(wireBytes: number): number {
    const bps = this.options.bandwidthBps;
    return bps === Infinity ? 0 : Math.ceil((wireBytes * 8e9) / bps);
  }

  /** Puts one encoded segment on this direction. */
  transmit(seg: Segment, tcp: Uint8Array): void {
    const net = this.link.network;
    const sched = net.scheduler;
    const o = this.options;
    const now = sched.now;
    const n = ++this.sent;
    const wireBytes = IPV4_HEADER_BYTES + tcp.length;

    let dropped: DropReason | null = null;
    if (this.downCount > 0) dropped = 'link-down';
    else if (this.dropNth.has(n)) {
      this.dropNth.delete(n);
      dropped = 'fault-drop';
      net.trace.emit(this.from.name, 'fault.drop', { link: this.link.name, from: this.from.name, to: this.to.name, n });
    }
    // The draws happen for every segment in a fixed order, so the stream stays aligned whatever the faults do.
    const r = this.random;
    const lost = o.loss > 0 && r.float() < o.loss;
    const corrupted = o.corrupt > 0 && r.float() < o.corrupt;
    const duplicated = o.duplicate > 0 && r.float() < o.duplicate;
    const reordered = o.reorder > 0 && r.float() < o.reorder;
    const jitter = o.jitterNs > 0 ? Math.floor(r.float() * o.jitterNs) : 0;
    if (dropped === null && lost) dropped = 'loss';

    const start = this.busyUntil > now ? this.busyUntil : now;
    if (dropped === null && o.queueBytes !== Infinity) {
      const backlogBytes = ((start - now) * o.bandwidthBps) / 8e9;
      if (backlogBytes + wireBytes > o.queueBytes) dropped = 'queue-full';
    }
    // A lost or corrupted segment still took its time on the wire; one refused by a down link or a full queue did not.
    const ser = dropped === 'link-down' || dropped === 'queue-full' ? 0 : this.serialisationNs(wireBytes);
    if (ser > 0) this.busyUntil = start + ser;
    const arrive = start + ser + o.latencyNs + jitter + (reordered ? reorderDelay(o) : 0);

    let bytes = tcp;
    if (corrupted && dropped === null) {
      bytes = tcp.slice();
      const bit = Math.floor(r.float() * bytes.length * 8);
      bytes[bit >>> 3] ^= 1 << (bit & 7);
    }

    const report = (dup: boolean, at: number, arriveAt: number): void => {
      net.report(this, seg, bytes, at, arriveAt, dropped, corrupted && dropped === null, dup, reordered);
    };
    if (start > now) sched.at(start, () => report(false, start, arrive));
    else report(false, start, arrive);
    if (dropped !== null) return;

    sched.at(arrive, () => this.deliver(bytes));
    if (duplicated) {
      const dupArrive = arrive + ser;
      report(true, start + ser, dupArrive);
      sched.at(dupArrive, () => this.deliver(bytes));
    }
  }

  private deliver(tcp: Uint8Array): void {
    if (this.downCount > 0) {
      this.link.network.trace.emit(this.to.name, 'net.drop', { link: this.link.name, from: this.from.name, reason: 'link-down', len: tcp.length });
      return;
    }
    this.to.receive(tcp, this.from.ip, this.link.name);
  }
}

/** A point-to-point link between two hosts. */
export class Link {
  /** `a<->b`. */
  readonly name: string;
  /** a → b. */
  readonly ab: LinkDirection;
  /** b → a. */
  readonly ba: LinkDirection;

  constructor(
    readonly network: Network,
    readonly a: Host,
    readonly b: Host,
    options: LinkOptions,
    root: RandomStream,
  ) {
    this.name = `${a.name}<->${b.name}`;
    const ro = resolveLinkOptions(options);
    this.ab = new LinkDirection(this, a, b, { ...ro }, root.derive(linkStreamLabel(a.name, b.name)));
    this.ba = new LinkDirection(this, b, a, { ...ro }, root.derive(linkStreamLabel(b.name, a.name)));
  }

  /** The direction that carries segments from `from`. */
  direction(from: Host | string): LinkDirection {
    const name = typeof from === 'string' ? from : from.name;
    if (name === this.a.name || name === this.a.address) return this.ab;
    if (name === this.b.name || name === this.b.address) return this.ba;
    throw new RangeError(`link ${this.name} has no end ${name}`);
  }

  /** Changes options from now on, on both directions or only the one leaving `from`. */
  configure(options: LinkOptions, from?: Host | string): void {
    for (const d of from === undefined ? [this.ab, this.ba] : [this.direction(from)]) {
      d.options = resolveLinkOptions(options, d.options);
    }
  }

  /** The MSS this link allows: MTU minus IPv4 and TCP headers. */
  get mss(): number {
    return Math.min(this.ab.options.mtu, this.ba.options.mtu) - 40;
  }
}

/** A network node: one IPv4 address and its transport stack. */
export class Host implements TcpHost {
  /** The address as a 32-bit number. */
  readonly ip: number;
  /** The transport (TCP-shaped) stack of this host. */
  readonly tcp: TcpStack;

  constructor(
    readonly network: Network,
    readonly name: string,
    readonly address: string,
    random: RandomStream,
  ) {
    this.ip = parseIpv4(address);
    this.tcp = new TcpStack(this, network.scheduler, network.trace, random, network.transport);
  }

  /** The link toward `dstIp`, or null (the emulated network routes over direct links only). */
  route(dstIp: number): LinkDirection | null {
    const l = this.network.linkBetween(this.ip, dstIp);
    return l === null ? null : l.direction(this);
  }

  /** The largest payload toward `dstIp`: the link's MTU − 40 (536, RFC 1122's default, without a route). */
  mssTo(dstIp: number): number {
    const d = this.route(dstIp);
    return d === null ? 536 : d.options.mtu - 40;
  }

  /** Sends a segment to `dstIp` (called by the transport). */
  transmit(seg: Segment, dstIp: number): void {
    const tcp = encodeSegment(seg, this.ip, dstIp);
    const d = this.route(dstIp);
    if (d === null) {
      const now = this.network.scheduler.now;
      this.network.reportUnrouted(this, dstIp, seg, tcp, now);
      return;
    }
    d.transmit(seg, tcp);
  }

  /** A segment arrives from the wire. */
  receive(tcp: Uint8Array, srcIp: number, linkName: string): void {
    const trace = this.network.trace;
    // RFC 793 §3.1: a segment whose checksum fails is discarded.
    if (!verifySegmentChecksum(tcp, srcIp, this.ip)) {
      trace.emit(this.name, 'net.drop', { link: linkName, reason: 'checksum', src: formatIpv4(srcIp), len: tcp.length });
      return;
    }
    let seg: Segment;
    try {
      seg = decodeSegment(tcp);
    } catch (e) {
      trace.emit(this.name, 'net.drop', { link: linkName, reason: 'malformed', detail: e instanceof Error ? e.message : String(e) });
      return;
    }
    trace.emit(this.name, 'net.deliver', {
      link: linkName,
      src: `${formatIpv4(srcIp)}:${seg.srcPort}`,
      dst: `${this.address}:${seg.dstPort}`,
      seq: seg.seq,
      ack: seg.ack,
      flags: flagNames(seg.flags),
      len: seg.payload.length,
    });
    this.tcp.input(seg, srcIp);
  }
}

/** Faults scheduled on the network. Fault events do not keep the loop alive. */
export class NetworkFaults {
  constructor(private readonly network: Network) {}

  /** Drops the `n`-th segment (1-based, counted from the start) sent from `from` to `to`. */
  dropSegment(from: Host | string, to: Host | string, n: number): void {
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`dropSegment: n must be an integer >= 1, got ${n}`);
    this.network.linkOf(from, to).direction(from).dropNth.add(n);
  }

  /** Cuts the link between `a` and `b` (both directions) at `atNs` for `durationNs` (default: for good). */
  cutLink(a: Host | string, b: Host | string, atNs: number, durationNs = Infinity): void {
    const link = this.network.linkOf(a, b);
    this.window(atNs, durationNs, [link.ab, link.ba], 'fault.cut', 'fault.restore', { link: link.name });
  }

  /** One-way partition: segments from `from` to `to` are dropped from `atNs` for `durationNs`. */
  partition(from: Host | string, to: Host | string, atNs: number, durationNs = Infinity): void {
    const link = this.network.linkOf(from, to);
    const d = link.direction(from);
    this.window(atNs, durationNs, [d], 'fault.partition', 'fault.heal', { link: link.name, from: d.from.name, to: d.to.name });
  }

  /** Runs `fn` at `atNs` (a custom fault), traced as `fault.custom` with `label`. */
  at(atNs: number, label: string, fn: () => void): void {
    const net = this.network;
    net.scheduler.at(
      atNs,
      () => {
        net.trace.emit('', 'fault.custom', { label });
        fn();
      },
      { daemon: true },
    );
  }

  private window(atNs: number, durationNs: number, dirs: LinkDirection[], startKind: string, endKind: string, details: Record<string, string>): void {
    const net = this.network;
    net.scheduler.at(
      atNs,
      () => {
        for (const d of dirs) d.downCount++;
        net.trace.emit('', startKind, { ...details, durationNs: durationNs === Infinity ? null : durationNs });
        if (durationNs !== Infinity) {
          net.scheduler.after(
            durationNs,
            () => {
              for (const d of dirs) d.downCount--;
              net.trace.emit('', endKind, details);
            },
            { daemon: true },
          );
        }
      },
      { daemon: true },
    );
  }
}

/** The network of one simulation. */
export class Network {
  /** Faults to schedule on links. */
  readonly faults: NetworkFaults;
  /** Transport options every host's stack uses. */
  readonly transport: TransportOptions;
  private readonly hosts = new Map<string, Host>();
  private readonly byIp = new Map<number, Host>();
  private readonly links = new Map<string, Link>();
  private readonly listeners = new Set<(w: WireSegment) => void>();

  constructor(
    readonly scheduler: Scheduler,
    readonly trace: Trace,
    private readonly random: RandomStream,
    transport: Partial<TransportOptions> = {},
  ) {
    this.faults = new NetworkFaults(this);
    this.transport = { ...defaultTransportOptions(), ...transport };
  }

  /** Adds a host with a unique name and IPv4 address. */
  addHost(name: string, address: string): Host {
    if (this.hosts.has(name)) throw new RangeError(`host ${name} already exists`);
    const h = new Host(this, name, address, this.random.derive(hostStreamLabel(name)));
    if (this.byIp.has(h.ip)) throw new RangeError(`address ${address} is already used by ${this.byIp.get(h.ip)!.name}`);
    this.hosts.set(name, h);
    this.byIp.set(h.ip, h);
    return h;
  }

  /** The host with this name or address. */
  host(nameOrAddress: Host | string): Host {
    if (typeof nameOrAddress !== 'string') return nameOrAddress;
    const h = this.hosts.get(nameOrAddress) ?? this.byIpText(nameOrAddress);
    if (!h) throw new RangeError(`no host ${nameOrAddress}`);
    return h;
  }

  private byIpText(text: string): Host | undefined {
    try {
      return this.byIp.get(parseIpv4(text));
    } catch {
      return undefined;
    }
  }

  /** Links `a` and `b` (one link per pair). */
  link(a: Host | string, b: Host | string, options: LinkOptions = {}): Link {
    const ha = this.host(a);
    const hb = this.host(b);
    if (ha === hb) throw new RangeError(`cannot link ${ha.name} to itself`);
    const key = pairKey(ha.ip, hb.ip);
    if (this.links.has(key)) throw new RangeError(`${ha.name} and ${hb.name} are already linked`);
    const l = new Link(this, ha, hb, options, this.random);
    this.links.set(key, l);
    return l;
  }

  /** The link between two hosts; throws when there is none. */
  linkOf(a: Host | string, b: Host | string): Link {
    const ha = this.host(a);
    const hb = this.host(b);
    const l = this.links.get(pairKey(ha.ip, hb.ip));
    if (!l) throw new RangeError(`no link between ${ha.name} and ${hb.name}`);
    return l;
  }

  /** The link between two addresses, or null. */
  linkBetween(ipA: number, ipB: number): Link | null {
    return this.links.get(pairKey(ipA, ipB)) ?? null;
  }

  /** Calls `cb` for every segment as it goes on the wire. Returns a function that removes it. */
  onSegment(cb: (w: WireSegment) => void): () => void {
    this.listeners.add(cb);
    return () => {
      this.listeners.delete(cb);
    };
  }

  /** Traces a segment going on the wire and tells the listeners (called by {@link LinkDirection}). */
  report(
    d: LinkDirection,
    seg: Segment,
    tcp: Uint8Array,
    timeNs: number,
    arriveNs: number,
    dropped: DropReason | null,
    corrupted: boolean,
    duplicated: boolean,
    reordered: boolean,
  ): void {
    const details = {
      link: d.link.name,
      src: `${d.from.address}:${seg.srcPort}`,
      dst: `${d.to.address}:${seg.dstPort}`,
      seq: seg.seq,
      ack: seg.ack,
      flags: flagNames(seg.flags),
      win: seg.window,
      len: seg.payload.length,
      arrive: arriveNs,
      corrupt: corrupted || undefined,
      dup: duplicated || undefined,
      reorder: reordered || undefined,
    };
    this.trace.emit(d.from.name, 'net.send', details);
    if (dropped !== null) this.trace.emit(d.from.name, 'net.drop', { link: d.link.name, reason: dropped, seq: seg.seq, len: seg.payload.length });
    if (this.listeners.size === 0) return;
    this.tell({
      timeNs,
      arriveNs,
      link: d.link.name,
      from: d.from.name,
      to: d.to.name,
      srcIp: d.from.address,
      dstIp: d.to.address,
      srcPort: seg.srcPort,
      dstPort: seg.dstPort,
      seq: seg.seq,
      ack: seg.ack,
      flags: seg.flags,
      window: seg.window,
      ...(seg.mss === undefined ? {} : { mss: seg.mss }),
      payload: seg.payload,
      tcp,
      dropped,
      corrupted,
      duplicated,
      reordered,
    });
  }

  /** Traces a segment that has no link to go on. */
  reportUnrouted(from: Host, dstIp: number, seg: Segment, tcp: Uint8Array, now: number): void {
    this.trace.emit(from.name, 'net.drop', { reason: 'no-route', dst: formatIpv4(dstIp), seq: seg.seq, len: seg.payload.length });
    if (this.listeners.size === 0) return;
    const to = this.byIp.get(dstIp);
    this.tell({
      timeNs: now,
      arriveNs: now,
      link: '',
      from: from.name,
      to: to?.name ?? '',
      srcIp: from.address,
      dstIp: formatIpv4(dstIp),
      srcPort: seg.srcPort,
      dstPort: seg.dstPort,
      seq: seg.seq,
      ack: seg.ack,
      flags: seg.flags,
      window: seg.window,
      ...(seg.mss === undefined ? {} : { mss: seg.mss }),
      payload: seg.payload,
      tcp,
      dropped: 'no-route',
      corrupted: false,
      duplicated: false,
      reordered: false,
    });
  }

  private tell(w: WireSegment): void {
    for (const l of this.listeners) l(w);
  }
}

function pairKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}
