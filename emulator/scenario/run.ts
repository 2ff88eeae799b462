/**
 * Runs a scenario on the emulated loop: builds the simulation (devices, links, faults, forced
 * allocation failures), spawns each process's program, runs to the end or the time limit,
 * and gathers what a user asks of a run: status per program, negotiated protocol and suite,
 * handshake time split into CPU and network, peak bytes per pool beside its size, leaks,
 * faults, the trace hash, and the assertions' verdicts. Optional captures: pcap segments, the
 * NSS key log, the trace as JSON lines, and the HTML report's data.
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import * as schannel from '../../schannel/index.js';
// Importing the NTLM and Negotiate modules registers `ntlmssp.dll` and `spnego.dll`, which every
// built-in device image lists.
import '../../ntlm/index.js';
import '../../negotiate/index.js';
import { SspiProcessDetach, onSspiReport } from '../../sspi/index.js';
import { MemoryDiagnostics, SeededRandom, getProfile, loadProfile, type AllocRecord, type Device, type DeviceProfile, type DeviceFault, type FreeSeries, type LeakEntry } from '../../device/index.js';
import { Simulation, type EmulatedDevice } from '../loop/simulation.js';
import type { TaskContext } from '../loop/task.js';
import type { LinkOptions, WireSegment } from '../net/network.js';
import type { CapturedSegment } from '../capture/index.js';
import { tcpFlagsFromBits } from '../capture/index.js';
import type { RunReportData, MemoryTimeline, SequenceMessage } from '../report/index.js';
import { BUILTIN_PROGRAMS, emptyOutcome, parseTarget, validateParams, type ProgramDefinition, type ProgramOutcome, type ProgramRunContext } from '../programs/index.js';
import { RecordSequencer } from './tls-records.js';
import { memorySummary, type DeviceMemorySummary } from './memory.js';
import { assertionName, validateScenario } from './validate.js';
import { evaluateBudget } from './budget.js';
import type { AssertionResult, AssertionSpec, DeviceSpec, FailureSpec, LinkSpec, LoadedScenario, ProcessSpec, Scenario } from './types.js';

/** Link impairments applied to every link on top of the scenario's (campaign `--faults`). */
export interface LinkFaultOverride {
  loss?: number;
  reorder?: number;
  duplicate?: number;
  corrupt?: number;
  jitterMs?: number;
}

/** Forced allocation failures added to every device (campaign `--alloc-failures`). */
export interface AllocFailureOverride {
  /** Fail each allocation with this probability. */
  probability?: number;
  /** Fail the nth allocation, n drawn per device from this inclusive range with the run's seed. */
  nthRange?: [number, number];
  tag?: string;
  pool?: string;
  /** Only devices whose name is in this list (default: every device). */
  devices?: string[];
}

/** Options of {@link runScenario}. */
export interface RunOptions {
  /** Root seed (overrides the scenario's). */
  seed?: number | string;
  /** Profile for every device that runs a client program (overrides the scenario's). */
  clientProfile?: string | DeviceProfile;
  linkFaults?: LinkFaultOverride;
  allocFailures?: AllocFailureOverride;
  /** Collect pcap segments. */
  pcap?: boolean;
  /** Collect NSS key log lines (needs Schannel's key log hook, see {@link attachKeyLog}). */
  keylog?: boolean;
  /** Keep every trace event (for `--trace` and the report). */
  keepTrace?: boolean;
  /** Build the HTML report's data. */
  report?: boolean;
  /** Each device's profile as built (the advisor's unbounded shadow replaces it here). */
  mapProfile?: (profile: DeviceProfile, group: string) => DeviceProfile;
  /** Called with each device once it is built, before any program runs (the advisor records demand here). */
  onDevice?: (name: string, group: string, device: Device) => void;
  /** Called with every allocation on every device (`--alloc-trace`). */
  allocTrace?: (device: string, r: AllocRecord) => void;
}

/** Devices that carry a memory-diagnostics recorder (free-space series, bucket table); the rest report end figures. */
export const DIAGNOSED_DEVICES = 16;

/** One program's line in the summary. */
export interface ProgramSummary {
  device: string;
  process: string;
  pid: number;
  program: string;
  /** The task's end state: `done`, `failed` (threw), or `blocked`/`running` (hung). */
  task: string;
  ok: boolean;
  status: string;
  protocol?: string;
  cipherSuite?: string;
  alpn?: string;
  handshake?: { totalNs: number; cpuNs: number; networkNs: number };
  bytesSent: number;
  bytesReceived: number;
  wireBytesSent: number;
  wireBytesReceived: number;
  connections: number;
  connectionStatuses?: Record<string, number>;
  /** A server's admission limits and counts (see the tls-server program). */
  admission?: { maxHandshakes: number; maxConnections: number; waited: number; peakHandshakes: number; peakConnections: number };
  firstLine?: string;
  detail?: string;
  /** The exception a custom program threw. */
  exception?: string;
  /** Blocks the process still held when it exited. */
  leakedBlocks: number;
  leakedBytes: number;
}

/** One pool's line in the summary. */
export interface PoolSummary {
  name: string;
  /** Usable capacity: Σ count × blockSize. */
  sizeBytes: number;
  /** The pool's region on the device (blocks, headers, guards). */
  regionBytes: number;
  peakBytesRequested: number;
  peakBytesAtBlockSize: number;
  peakBlocks: number;
  currentBytesRequested: number;
  failedAllocs: number;
  forcedFailures: number;
}

/** One device's line in the summary. */
export interface DeviceSummary {
  name: string;
  /** The device group it belongs to (its spec's name). */
  group: string;
  profile: string;
  address: string;
  /** The device CPU, its total virtual CPU time and the time per primitive (most expensive first). */
  cpu: { name: string; mhz: number; totalNs: number; byPrimitive: { primitive: string; calls: number; cycles: number; ns: number }[] };
  pools: PoolSummary[];
  heapPeakBytes: number;
  /** Blocks leaked by programs' processes (held at exit, or left by SSPI packages). */
  leaks: LeakEntry[];
  /** Blocks still held at the end by processes that had not exited (LSA: session cache, credentials). */
  retained: { blocks: number; bytes: number };
  faults: DeviceFault[];
  /** Host bytes backing the device's regions. */
  hostCommittedBytes: number;
  /** Fragmentation, largest free block, stack high-water, bucket table (docs/run-json.md). */
  memory: DeviceMemorySummary;
}

export type { AssertionResult };

/** The whole summary of a run: what `cesim run` prints, and `--json` as one document. */
export interface RunSummary {
  scenario: string;
  description?: string;
  source: string;
  seed: string | number;
  result: 'pass' | 'fail' | 'error';
  stop: { reason: string; virtualTimeNs: number; hung: string[]; failed: string | null };
  traceHash: string;
  traceEvents: number;
  schedulerEvents: number;
  programs: ProgramSummary[];
  devices: DeviceSummary[];
  assertions: AssertionResult[];
  totals: { leakedBlocks: number; leakedBytes: number; faults: number; exceptions: number };
}

/** A run's summary and whatever captures were asked for. */
export interface RunOutcome {
  summary: RunSummary;
  /** pcap segments (with `pcap`). */
  segments?: CapturedSegment[];
  /** NSS key log lines (with `keylog`); null when Schannel has no key log hook yet. */
  keylogLines?: string[] | null;
  /** Canonical JSON lines of the trace (with `keepTrace`). */
  traceLines?: string;
  /** The HTML report's data (with `report`). */
  report?: RunReportData;
}

/**
 * Makes sure Schannel's package module is registered in this host process. Importing the
 * emulator (which imports `cesim/schannel`) already does it; devices list `schannel.dll` through
 * their profile's `securityPackages`.
 * @deprecated No longer needed.
 */
export function ensureSchannel(): void {
  schannel.registerSchannel();
}

type KeyLogHook = (device: EmulatedDevice['device'], cb: (line: string) => void) => () => void;

/**
 * Subscribes to a device's TLS secrets as NSS key log lines. Schannel's hook is
 * `onSchannelKeyLog(device, cb)` in `schannel/index.ts`; until the lead adds it this returns
 * null and `--keylog` writes a file with only a comment saying so.
 */
export function attachKeyLog(device: EmulatedDevice['device'], cb: (line: string) => void): (() => void) | null {
  const hook = (schannel as unknown as Record<string, unknown>).onSchannelKeyLog;
  if (typeof hook !== 'function') return null;
  return (hook as KeyLogHook)(device, cb);
}

const ms = (v: number | undefined, dflt: number): number => Math.round((v ?? dflt) * 1_000_000);

function ipAdd(addr: string, n: number): string {
  const a = addr.split('.').reduce((x, o) => x * 256 + Number(o), 0) + n;
  return `${Math.floor(a / 2 ** 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

interface Member {
  name: string;
  group: string;
  index: number;
  address: string;
  spec: DeviceSpec;
}

interface ProgramRecord {
  member: Member;
  proc: ProcessSpec;
  def: ProgramDefinition | null;
  name: string;
  pid: number;
  outcome: ProgramOutcome | null;
  exception?: string;
  leaks: LeakEntry[];
  taskIndex: number;
}

function programOf(p: ProcessSpec): { def: ProgramDefinition | null; label: string } {
  if (typeof p.program === 'string') return { def: BUILTIN_PROGRAMS[p.program]!, label: p.program };
  if (typeof p.program === 'function') return { def: null, label: p.program.name || 'custom' };
  return { def: p.program, label: p.program.name };
}

function isIpv4(s: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(s);
}

/** Expands groups into members. */
function members(s: Scenario): Member[] {
  const out: Member[] = [];
  for (const d of s.devices) {
    const n = d.count ?? 1;
    for (let i = 0; i < n; i++) out.push({ name: n === 1 ? d.name : `${d.name}-${i + 1}`, group: d.name, index: i, address: ipAdd(d.address, i), spec: d });
  }
  return out;
}

/** Runs a loaded scenario. Throws a ScenarioError when it does not validate. */
export async function runScenario(loaded: LoadedScenario, opts: RunOptions = {}): Promise<RunOutcome> {
  const scenario = validateScenario(loaded.scenario);
  ensureSchannel();
  const seed = opts.seed ?? scenario.seed ?? 1;
  const timeLimitNs = ms(scenario.timeLimitMs, 600_000);
  const sim = new Simulation({ seed, timeLimitNs, trace: { keep: opts.keepTrace === true || opts.report === true } });
  const all = members(scenario);
  const byName = new Map<string, Member[]>();
  for (const m of all) {
    byName.set(m.name, [m]);
    const g = byName.get(m.group);
    if (m.group !== m.name) {
      if (g) g.push(m);
      else byName.set(m.group, [m]);
    }
  }
  const addressOf = new Map(all.map((m) => [m.name, m.address]));
  const resolveAddress = (target: string): string => {
    if (isIpv4(target)) return target;
    const a = addressOf.get(target);
    if (!a) throw new Error(`no device ${JSON.stringify(target)} (a group's members are <name>-1 … <name>-N)`);
    return a;
  };
  const fileCache = new Map<string, string>();
  const readFile = (p: string): string => {
    const full = resolvePath(loaded.baseDir, p);
    let t = fileCache.get(full);
    if (t === undefined) {
      t = readFileSync(full, 'utf8');
      fileCache.set(full, t);
    }
    return t;
  };

  const readBinary = (p: string): Uint8Array => new Uint8Array(readFileSync(resolvePath(loaded.baseDir, p)));
  const resolveFile = (p: string): string => resolvePath(loaded.baseDir, p);

  // Profiles: one object per spec (a group shares it).
  const isClientSpec = (d: DeviceSpec): boolean => (d.processes ?? []).some((p) => programOf(p).def?.role === 'client');
  const profiles = new Map<DeviceSpec, DeviceProfile>();
  for (const d of scenario.devices) {
    let p: DeviceProfile;
    if (opts.clientProfile !== undefined && isClientSpec(d)) p = typeof opts.clientProfile === 'string' ? getProfile(opts.clientProfile) : opts.clientProfile;
    else p = typeof d.profile === 'string' ? getProfile(d.profile) : loadProfile(d.profile);
    profiles.set(d, opts.mapProfile ? opts.mapProfile(p, d.name) : p);
  }

  const emulated = new Map<string, EmulatedDevice>();
  for (const m of all) {
    const e = sim.addDevice(m.name, profiles.get(m.spec)!, { address: m.address, stackCheck: m.spec.stackCheck ?? false });
    if (m.spec.recordSizeLimit !== undefined) e.device.registry.setValue(schannel.SCHANNEL_REGISTRY_KEY, 'RecordSizeLimit', m.spec.recordSizeLimit);
    // Why Schannel refused a protocol or failed a handshake, and what SSPI found still held when
    // a context, credential or process went away, go to the run's trace.
    schannel.onSchannelLog(e.device, (message) => sim.trace.emit(m.name, 'schannel.log', { message }));
    onSspiReport(e.device, (r) => {
      if (r.packageBlocks.length || r.outstandingBuffers.length) {
        sim.trace.emit(m.name, 'sspi.held', {
          event: r.event,
          process: r.processName,
          owner: r.owner,
          packageBlocks: r.packageBlocks.map((b) => `${b.owner.tag} ${b.size} B (${b.owner.call})`),
          outstandingBuffers: r.outstandingBuffers.map((b) => `${b.owner.tag} ${b.size} B (${b.owner.call})`),
        });
      }
    });
    emulated.set(m.name, e);
  }

  // Memory diagnostics: host-side, outside the trace (device/diagnostics.ts).
  const diags = new Map<string, MemoryDiagnostics>();
  all.forEach((m, i) => {
    const dev = emulated.get(m.name)!.device;
    opts.onDevice?.(m.name, m.group, dev);
    const trace = opts.allocTrace;
    if (i < DIAGNOSED_DEVICES || trace) diags.set(m.name, new MemoryDiagnostics(dev, { maxSamples: i < DIAGNOSED_DEVICES ? 256 : 4, ...(trace ? { onAlloc: (r: AllocRecord) => trace(m.name, r) } : {}) }));
  });

  // Forced allocation failures.
  const failureRng = new SeededRandom(`${String(seed)}/alloc-failures`);
  for (const m of all) {
    const dev = emulated.get(m.name)!.device;
    for (const f of m.spec.failures ?? []) applyFailure(dev.failures, f);
    const o = opts.allocFailures;
    if (o && (!o.devices || o.devices.includes(m.name) || o.devices.includes(m.group))) {
      const match = { ...(o.tag ? { tag: o.tag } : {}), ...(o.pool ? { pool: o.pool } : {}) };
      if (o.probability !== undefined && o.probability > 0) dev.failures.failWithProbability(o.probability, { ...match, seed: `${String(seed)}/${m.name}/p` });
      if (o.nthRange) {
        const [a, b] = o.nthRange;
        const n = a + Math.floor(failureRng.float() * (b - a + 1));
        dev.failures.failNth(n, match);
      }
    }
  }

  // Links.
  for (const l of scenario.links ?? []) {
    for (const a of byName.get(l.between[0])!) for (const b of byName.get(l.between[1])!) sim.link(emulated.get(a.name)!, emulated.get(b.name)!, linkOptions(l, opts.linkFaults));
  }

  // Scheduled faults.
  for (const f of scenario.faults ?? []) {
    if (f.kind === 'drop') for (const a of byName.get(f.from)!) for (const b of byName.get(f.to)!) sim.faults.dropSegment(a.name, b.name, f.n);
    else if (f.kind === 'cut') for (const a of byName.get(f.between[0])!) for (const b of byName.get(f.between[1])!) sim.faults.cutLink(a.name, b.name, ms(f.atMs, 0), f.durationMs === undefined ? Infinity : ms(f.durationMs, 0));
    else for (const a of byName.get(f.from)!) for (const b of byName.get(f.to)!) sim.faults.partition(a.name, b.name, ms(f.atMs, 0), f.durationMs === undefined ? Infinity : ms(f.durationMs, 0));
  }

  // Captures.
  const segments: CapturedSegment[] | undefined = opts.pcap ? [] : undefined;
  const established = new Map<string, number[]>();
  const sequencer = opts.report
    ? new RecordSequencer((device, since, at) => (established.get(device) ?? []).some((t) => t > since && t <= at))
    : null;
  if (segments || sequencer) {
    sim.onSegment((w: WireSegment) => {
      if (segments && w.dropped !== 'link-down' && w.dropped !== 'queue-full' && w.dropped !== 'no-route') segments.push(toCaptured(w));
      sequencer?.add(w);
    });
  }
  if (sequencer) {
    sim.trace.on((e) => {
      if (e.kind === 'tls.established') {
        let l = established.get(e.device);
        if (!l) established.set(e.device, (l = []));
        l.push(e.t);
      }
    });
  }
  let keylogLines: string[] | null | undefined;
  if (opts.keylog) {
    const lines: string[] = [];
    let hooked = true;
    for (const d of emulated.values()) if (attachKeyLog(d.device, (line) => lines.push(line)) === null) hooked = false;
    keylogLines = hooked ? lines : null;
  }
  const memory = opts.report ? memoryRecorder([...emulated.values()].slice(0, 16)) : null;

  // Programs. Servers without `connections` serve every client that targets them.
  const clientTargets = new Map<string, number>();
  for (const m of all) {
    for (const p of m.spec.processes ?? []) {
      const { def } = programOf(p);
      if (def?.role !== 'client') continue;
      const params = validateParams(def, p.params, 'params');
      if (!params.ok || typeof params.params.connect !== 'string') continue;
      const t = parseTarget(params.params.connect);
      if (!t) continue;
      let addr: string;
      try {
        addr = resolveAddress(t.host);
      } catch {
        continue;
      }
      const key = `${addr}:${t.port}`;
      clientTargets.set(key, (clientTargets.get(key) ?? 0) + Number(params.params.connections ?? 1));
    }
  }
  const records: ProgramRecord[] = [];
  let taskIndex = 0;
  for (const m of all) {
    const dev = emulated.get(m.name)!;
    for (const p of m.spec.processes ?? []) {
      const { def, label } = programOf(p);
      let params: Record<string, unknown> = (p.params ?? {}) as Record<string, unknown>;
      if (def) {
        const v = validateParams(def, p.params, 'params');
        if (!v.ok) throw new Error(v.error);
        params = v.params;
        if (def.role === 'server' && params.connections === undefined && typeof params.port === 'number') {
          params.connections = clientTargets.get(`${m.address}:${params.port}`) ?? 1;
        }
      }
      const rec: ProgramRecord = { member: m, proc: p, def, name: label, pid: 0, outcome: null, leaks: [], taskIndex: taskIndex++ };
      records.push(rec);
      const usesSspi = def === null || label.startsWith('tls-') || label === 'wasm' || !BUILTIN_PROGRAMS[label];
      const startNs = ms(p.startMs, 0) + m.index * ms(p.staggerMs, 0);
      const task = dev.spawn(
        p.name ?? `${label}.exe`,
        async (ctx: TaskContext) => {
          const rc: ProgramRunContext = { ctx, params, resolveAddress, readFile, readBinary, resolveFile };
          try {
            if (def) rec.outcome = await def.run(rc);
            else {
              const v = await (p.program as (rc: ProgramRunContext) => Promise<unknown>)(rc);
              rec.outcome = asOutcome(label, v);
            }
          } catch (e) {
            rec.exception = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
            rec.outcome = { ...emptyOutcome(label), status: 'EXCEPTION', detail: rec.exception };
          }
          await ctx.compute();
          const leaked = new Map<string, LeakEntry>();
          if (usesSspi) {
            const r = SspiProcessDetach(ctx.process);
            for (const e of [...r.packageBlocks, ...r.outstandingBuffers]) leaked.set(`${e.pool}@${e.addr}`, e);
          }
          const exit = ctx.process.exit();
          for (const e of [...exit.poolBlocks, ...exit.heapBlocks]) leaked.set(`${e.pool}@${e.addr}`, e);
          rec.leaks = [...leaked.values()];
        },
        { atNs: startNs },
      );
      rec.pid = task.process.pid;
    }
  }

  const result = await sim.run();

  // Gather.
  const taskResults = result.tasks;
  const programs: ProgramSummary[] = records.map((r) => {
    const o = r.outcome ?? { ...emptyOutcome(r.name), status: 'HUNG' };
    const tr = taskResults.find((t) => t.device === r.member.name && t.pid === r.pid && t.name.endsWith(`#${r.pid}`));
    const s: ProgramSummary = {
      device: r.member.name,
      process: r.proc.name ?? `${r.name}.exe`,
      pid: r.pid,
      program: r.name,
      task: r.outcome ? (tr?.status ?? 'done') : (tr?.status ?? 'pending'),
      ok: o.ok,
      status: o.status,
      bytesSent: o.bytesSent,
      bytesReceived: o.bytesReceived,
      wireBytesSent: o.wireBytesSent,
      wireBytesReceived: o.wireBytesReceived,
      connections: o.connections,
      leakedBlocks: r.leaks.length,
      leakedBytes: r.leaks.reduce((n, e) => n + e.size, 0),
    };
    if (o.protocol) s.protocol = o.protocol;
    if (o.cipherSuite) s.cipherSuite = o.cipherSuite;
    if (o.alpn) s.alpn = o.alpn;
    if (o.handshakeNs !== undefined && o.handshakeNs > 0) s.handshake = { totalNs: o.handshakeNs, cpuNs: o.handshakeCpuNs ?? 0, networkNs: o.handshakeNetNs ?? 0 };
    if (o.connectionStatuses) s.connectionStatuses = o.connectionStatuses;
    if (o.admission) s.admission = o.admission;
    if (o.firstLine) s.firstLine = o.firstLine;
    if (o.detail) s.detail = o.detail;
    if (r.exception) s.exception = r.exception;
    return s;
  });

  const leaksByDevice = new Map<string, LeakEntry[]>();
  for (const r of records) {
    const l = leaksByDevice.get(r.member.name) ?? [];
    l.push(...r.leaks);
    leaksByDevice.set(r.member.name, l);
  }
  const seriesByDevice = new Map<string, FreeSeries[]>();
  const devices: DeviceSummary[] = all.map((m, i) => {
    const d = emulated.get(m.name)!.device;
    const mem = memorySummary(d, i < DIAGNOSED_DEVICES ? (diags.get(m.name) ?? null) : null);
    if (mem.series.length > 0) seriesByDevice.set(m.name, mem.series);
    const st = d.stats();
    const retained = d.leakReport();
    return {
      name: m.name,
      group: m.group,
      profile: d.profile.name,
      address: m.address,
      cpu: {
        name: d.profile.cpu.name,
        mhz: d.profile.cpu.mhz,
        totalNs: st.cpu.totalNs,
        byPrimitive: [...st.cpu.byPrimitive].sort((a, b) => b.ns - a.ns).map((x) => ({ primitive: x.primitive, calls: x.calls, cycles: x.cycles, ns: x.ns })),
      },
      pools: st.pools.map((p) => {
        const spec = d.profile.pools.find((x) => x.name === p.name)!;
        return {
          name: p.name,
          sizeBytes: spec.buckets.reduce((n, b) => n + b.blockSize * b.count, 0),
          regionBytes: p.regionBytes,
          peakBytesRequested: p.peakBytesRequested,
          peakBytesAtBlockSize: p.peakBytesAtBlockSize,
          peakBlocks: p.peakBlocks,
          currentBytesRequested: p.currentBytesRequested,
          failedAllocs: p.failedAllocs,
          forcedFailures: p.forcedFailures,
        };
      }),
      heapPeakBytes: st.heaps.reduce((n, h) => Math.max(n, h.peakBytesRequested), 0),
      leaks: leaksByDevice.get(m.name) ?? [],
      retained: { blocks: retained.length, bytes: retained.reduce((n, e) => n + e.size, 0) },
      faults: [...d.faults],
      hostCommittedBytes: st.hostCommittedBytes,
      memory: mem.summary,
    };
  });

  const hung = result.hung.map((t) => `${t.name} blocked on ${t.blockedOn ?? '?'}`);
  const summary: RunSummary = {
    scenario: scenario.name,
    source: loaded.source,
    seed,
    result: 'pass',
    stop: { reason: result.reason, virtualTimeNs: result.timeNs, hung, failed: result.failed ? `${result.failed.task}: ${result.failed.message}` : null },
    traceHash: result.traceHash,
    traceEvents: result.traceEvents,
    schedulerEvents: result.events,
    programs,
    devices,
    assertions: [],
    totals: {
      leakedBlocks: devices.reduce((n, d) => n + d.leaks.length, 0),
      leakedBytes: devices.reduce((n, d) => n + d.leaks.reduce((x, e) => x + e.size, 0), 0),
      faults: devices.reduce((n, d) => n + d.faults.length, 0),
      exceptions: programs.filter((p) => p.exception !== undefined).length + (result.failed ? 1 : 0),
    },
  };
  if (scenario.description) summary.description = scenario.description;
  summary.assertions = (scenario.assertions ?? []).map((a) => evaluate(a, summary, byName, loaded.baseDir));
  if (result.failed || hung.length > 0 || result.reason === 'time-limit' || summary.totals.exceptions > 0) summary.result = 'error';
  else if (summary.assertions.some((a) => !a.passed)) summary.result = 'fail';

  const outcome: RunOutcome = { summary };
  if (segments) outcome.segments = segments;
  if (keylogLines !== undefined) outcome.keylogLines = keylogLines;
  if (opts.keepTrace) outcome.traceLines = sim.trace.toJsonLines();
  if (opts.report) outcome.report = reportData(summary, [...emulated.values()], sequencer!.messages, memory!.timelines(), seriesByDevice);
  return outcome;
}

function asOutcome(label: string, v: unknown): ProgramOutcome {
  if (typeof v === 'object' && v !== null && 'status' in v && 'ok' in v) return { ...emptyOutcome(label), ...(v as Partial<ProgramOutcome>) } as ProgramOutcome;
  return { ...emptyOutcome(label), ok: true, status: 'OK', ...(v !== undefined ? { detail: String(v) } : {}) };
}

function applyFailure(f: EmulatedDevice['device']['failures'], s: FailureSpec): void {
  const o = { ...(s.tag ? { tag: s.tag } : {}), ...(s.pool ? { pool: s.pool } : {}), ...(s.call ? { call: s.call } : {}), ...(s.times ? { times: s.times } : {}) };
  if (s.nth !== undefined) f.failNth(s.nth, o);
  else if (s.atCall !== undefined) f.failAtCall(s.atCall, o);
  else if (s.probability !== undefined) f.failWithProbability(s.probability, o);
  else if (s.match) f.failMatching(s.tag ?? '*', o);
}

function linkOptions(l: LinkSpec, extra: LinkFaultOverride | undefined): LinkOptions {
  const o: LinkOptions = {};
  if (l.latencyMs !== undefined) o.latencyNs = ms(l.latencyMs, 0);
  if (l.bandwidthBps !== undefined) o.bandwidthBps = l.bandwidthBps;
  if (l.mtu !== undefined) o.mtu = l.mtu;
  if (l.loss !== undefined) o.loss = l.loss;
  if (l.reorder !== undefined) o.reorder = l.reorder;
  if (l.reorderDelayMs !== undefined) o.reorderDelayNs = ms(l.reorderDelayMs, 0);
  if (l.duplicate !== undefined) o.duplicate = l.duplicate;
  if (l.corrupt !== undefined) o.corrupt = l.corrupt;
  if (l.jitterMs !== undefined) o.jitterNs = ms(l.jitterMs, 0);
  if (l.queueBytes !== undefined) o.queueBytes = l.queueBytes;
  if (extra) {
    for (const k of ['loss', 'reorder', 'duplicate', 'corrupt'] as const) if (extra[k] !== undefined) o[k] = Math.max(o[k] ?? 0, extra[k]!);
    if (extra.jitterMs !== undefined) o.jitterNs = ms(extra.jitterMs, 0);
  }
  return o;
}

function toCaptured(w: WireSegment): CapturedSegment {
  return {
    timeNs: w.timeNs,
    srcIp: w.srcIp,
    dstIp: w.dstIp,
    srcPort: w.srcPort,
    dstPort: w.dstPort,
    seq: w.seq,
    ack: w.ack,
    flags: tcpFlagsFromBits(w.flags),
    window: w.window,
    payload: w.payload.slice(),
  };
}

/** Pool use over time from the devices' alloc/free events (report). */
function memoryRecorder(devs: EmulatedDevice[]): { timelines(): MemoryTimeline[] } {
  const lines = new Map<string, MemoryTimeline & { bytes: number }>();
  const MAX_SAMPLES = 4000;
  for (const ed of devs) {
    const d = ed.device;
    for (const p of d.profile.pools) {
      lines.set(`${ed.name}/${p.name}`, { device: ed.name, pool: p.name, sizeBytes: p.buckets.reduce((n, b) => n + b.blockSize * b.count, 0), samples: [], bytes: 0 });
    }
    const bump = (pool: string, delta: number, t: number): void => {
      const l = lines.get(`${ed.name}/${pool}`);
      if (!l) return;
      l.bytes += delta;
      // Several changes at one instant keep two samples there: the instant's highest value, then
      // its last one, so a block allocated and freed within one call still shows its peak.
      const n = l.samples.length;
      const last = l.samples[n - 1];
      if (last && last.timeNs === t) {
        const prev = l.samples[n - 2];
        if (prev && prev.timeNs === t) {
          prev.bytes = Math.max(prev.bytes, l.bytes);
          last.bytes = l.bytes;
          return;
        }
        if (delta > 0) {
          last.bytes = l.bytes;
          return;
        }
      }
      if (n < MAX_SAMPLES) l.samples.push({ timeNs: t, bytes: l.bytes });
    };
    // The device clock includes CPU time not yet drained into the loop, so the allocations of
    // one long SSPI call spread over the time the call takes.
    d.on('alloc', (e) => {
      if (e.ok) bump(e.pool, e.size, d.clock.nowNs());
    });
    d.on('free', (e) => bump(e.pool, -e.size, d.clock.nowNs()));
  }
  return {
    timelines: () => [...lines.values()].filter((l) => l.samples.length > 0).map(({ device, pool, sizeBytes, samples }) => ({ device, pool, sizeBytes, samples })),
  };
}

function reportData(s: RunSummary, devs: EmulatedDevice[], messages: SequenceMessage[], memory: MemoryTimeline[], freeSeries: Map<string, FreeSeries[]>): RunReportData {
  const shown = devs.slice(0, 16);
  const byName = new Map(s.devices.map((d) => [d.name, d]));
  return {
    meta: {
      scenario: s.scenario,
      seed: s.seed,
      traceHash: s.traceHash,
      endTimeNs: s.stop.virtualTimeNs,
      result: s.result,
      ...(s.description ? { description: s.description } : {}),
    },
    devices: shown.map((ed) => {
      const d = byName.get(ed.name)!;
      return { name: d.name, profile: d.profile, cpuMhz: d.cpu.mhz, pools: d.pools.map((p) => ({ name: p.name, sizeBytes: p.sizeBytes, peakBytes: p.peakBytesRequested })) };
    }),
    messages: messages.filter((m) => shown.some((d) => d.name === m.from) || shown.some((d) => d.name === m.to)),
    memory,
    cpu: shown.map((ed) => ({
      device: ed.name,
      primitives: ed.device.cpu.report().byPrimitive.map((p) => ({ primitive: p.primitive, calls: p.calls, cycles: p.cycles, ns: p.ns })),
    })),
    leaks: s.devices.flatMap((d) => d.leaks.map((e) => ({ device: d.name, pool: e.pool, addr: e.addr, size: e.size, owner: e.owner, processName: e.processName }))),
    faults: s.devices.flatMap((d) => d.faults.map((f) => ({ device: d.name, ...f }))),
    assertions: s.assertions.map((a) => ({ name: a.name, passed: a.passed, detail: a.detail })),
    memoryDiagnostics: shown.map((ed) => {
      const d = byName.get(ed.name)!;
      return { device: ed.name, series: freeSeries.get(ed.name) ?? [], pools: d.memory.pools, stack: d.memory.stack, buckets: d.memory.buckets ?? [] };
    }),
  };
}

/** One assertion's verdict; `baseDir` (the scenario's folder) resolves a budget's baseline file. */
function evaluate(a: AssertionSpec, s: RunSummary, byName: Map<string, Member[]>, baseDir: string): AssertionResult {
  const name = assertionName(a);
  const inScope = (device: string | undefined) => {
    if (device === undefined) return () => true;
    const set = new Set((byName.get(device) ?? []).map((m) => m.name));
    return (d: string) => set.has(d);
  };
  const res = (passed: boolean, detail: string): AssertionResult => ({ name, passed, detail });
  switch (a.kind) {
    case 'completes': {
      const bad = s.programs.filter((p) => p.task !== 'done');
      if (s.stop.reason === 'time-limit') return res(false, `the time limit was reached at ${fmtMs(s.stop.virtualTimeNs)}`);
      if (s.stop.failed) return res(false, s.stop.failed);
      return bad.length === 0 ? res(true, `every program ended, at ${fmtMs(s.stop.virtualTimeNs)}`) : res(false, `${bad.length} program(s) did not end: ${bad.slice(0, 3).map((p) => `${p.device}/${p.process} (${p.task})`).join(', ')}`);
    }
    case 'handshake-within': {
      const scope = inScope(a.device);
      const ps = s.programs.filter((p) => scope(p.device) && (a.process === undefined || p.process === a.process) && (p.program.startsWith('tls-') || p.handshake));
      if (ps.length === 0) return res(false, 'no TLS program in scope');
      const limit = a.ms * 1e6;
      const bad = ps.filter((p) => !p.ok || !p.handshake || p.handshake.totalNs > limit);
      const worst = Math.max(...ps.map((p) => p.handshake?.totalNs ?? 0));
      if (bad.length === 0) return res(true, `slowest handshake ${fmtMs(worst)} ≤ ${a.ms} ms`);
      const b = bad[0]!;
      return res(false, `${bad.length} of ${ps.length}: ${b.device}/${b.process} ${b.handshake ? `took ${fmtMs(b.handshake.totalNs)}` : 'did not complete'} (${b.status})`);
    }
    case 'pool-peak-under': {
      const scope = inScope(a.device);
      let worst = -1;
      let where = '';
      let found = false;
      for (const d of s.devices) {
        if (!scope(d.name)) continue;
        const p = d.pools.find((x) => x.name === a.pool);
        if (!p) continue;
        found = true;
        if (p.peakBytesRequested > worst) {
          worst = p.peakBytesRequested;
          where = d.name;
        }
      }
      if (!found) return res(false, `no pool ${a.pool} on ${a.device}`);
      return worst < a.bytes ? res(true, `peak ${worst} bytes on ${where} < ${a.bytes}`) : res(false, `peak ${worst} bytes on ${where}, expected under ${a.bytes}`);
    }
    case 'no-leaks': {
      const scope = inScope(a.device);
      const ds = s.devices.filter((d) => scope(d.name) && d.leaks.length > 0);
      if (ds.length === 0) return res(true, 'no blocks held at exit');
      const e = ds[0]!.leaks[0]!;
      const n = ds.reduce((x, d) => x + d.leaks.length, 0);
      return res(false, `${n} block(s) leaked, e.g. ${ds[0]!.name} ${e.pool} ${e.size} B tag ${e.owner.tag} from ${e.owner.call}`);
    }
    case 'no-faults': {
      const scope = inScope(a.device);
      const ds = s.devices.filter((d) => scope(d.name) && d.faults.length > 0);
      if (ds.length === 0) return res(true, 'no device faults');
      const f = ds[0]!.faults[0]!;
      return res(false, `${ds.reduce((x, d) => x + d.faults.length, 0)} fault(s), e.g. ${ds[0]!.name}: ${f.kind} in ${f.call}: ${f.detail}`);
    }
    case 'status': {
      const scope = inScope(a.device);
      const want = Array.isArray(a.status) ? a.status : [a.status];
      const ps = s.programs.filter((p) => scope(p.device) && (a.process === undefined || p.process === a.process));
      if (ps.length === 0) return res(false, `no program on ${a.device}${a.process ? `/${a.process}` : ''}`);
      const bad = ps.filter((p) => !want.includes(p.status));
      if (bad.length === 0) return res(true, `${ps.length} program(s) ended with ${[...new Set(ps.map((p) => p.status))].join(', ')}`);
      const b = bad[0]!;
      return res(false, `${bad.length} of ${ps.length}: ${b.device}/${b.process} ended with ${b.status}${b.detail ? ` (${b.detail})` : ''}, expected ${want.join(' or ')}`);
    }
    default:
      // The memory budgets: one evaluator for these and `--budget FILE` (budget.ts).
      return evaluateBudget(a, s, baseDir);
  }
}

function fmtMs(ns: number): string {
  return `${(ns / 1e6).toFixed(3)} ms`;
}
