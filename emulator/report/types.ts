/**
 * The input of the run report: everything a finished emulated run tells its user, as plain
 * JSON-ready data. The emulator fills it from the trace and the devices' statistics; the
 * report renders it and reads nothing else.
 *
 * Times are virtual nanoseconds since the run began (the unit of `device/`'s `Nanos`); sizes
 * are bytes. Devices are named by `ReportDevice.name`, and every other list refers to them by
 * that name.
 */

/** Virtual time in nanoseconds since the start of the run. */
export type ReportNanos = number;

/** How the run ended: its assertions all held, one failed, or the run itself broke. */
export type ReportResult = 'pass' | 'fail' | 'error';

/** What ran and how it ended. */
export interface RunMetadata {
  /** The scenario's name, e.g. `tls13-handshake-ce210-tight`. */
  scenario: string;
  /** The root seed the run was started from. */
  seed: string | number;
  /** Hash of the run's trace (what makes two runs comparable), as hex. */
  traceHash: string;
  /** Virtual time when the run ended. */
  endTimeNs: ReportNanos;
  result: ReportResult;
  /** One or two sentences on what the scenario does; optional. */
  description?: string;
}

/** One fixed pool (or a process heap) of a device, with its size and the peak use seen. */
export interface ReportPool {
  name: string;
  /** The pool's capacity in bytes: the limit its use is measured against. */
  sizeBytes: number;
  /** The highest use seen during the run, in bytes. */
  peakBytes: number;
}

/** One emulated device. */
export interface ReportDevice {
  /** Unique within the report; other lists refer to the device by this name. */
  name: string;
  /** Name of the device profile it was built from, e.g. `ce210-handheld`. */
  profile: string;
  cpuMhz: number;
  pools: ReportPool[];
}

/**
 * One message between participants, drawn as an arrow in the sequence diagram: e.g. a TLS
 * handshake message or record derived from the trace. `from` and `to` are usually device
 * names; a name that is no device (a peer outside the emulation, "network") still gets a
 * lifeline. `from === to` draws a note-like self-arrow (e.g. "derive handshake keys").
 */
export interface SequenceMessage {
  /** Virtual time the message was sent. */
  timeNs: ReportNanos;
  from: string;
  to: string;
  /** Short text on the arrow, e.g. `ClientHello`. */
  label: string;
  /** Longer text shown as the arrow's tooltip, e.g. the record's size and cipher suite. */
  detail?: string;
}

/**
 * One point of a pool's use over time: from `timeNs` on, `bytes` are in use, until the next
 * sample. Use before the first sample is taken to be 0; the last sample holds to the end of
 * the run.
 */
export interface MemorySample {
  timeNs: ReportNanos;
  bytes: number;
}

/** A pool's use over the run, drawn as a step chart with its size as the limit line. */
export interface MemoryTimeline {
  device: string;
  pool: string;
  /** The pool's capacity in bytes (the limit line). */
  sizeBytes: number;
  /** Samples in time order. */
  samples: MemorySample[];
}

/** The modelled CPU cost of one primitive on one device (as `cpu.report().byPrimitive` gives it). */
export interface CpuPrimitiveCost {
  /** e.g. `x25519`, `p256.verify`, `sha256`. */
  primitive: string;
  calls: number;
  cycles: number;
  /** Virtual time the calls took on the device's CPU. */
  ns: number;
}

/** A device's CPU cost, one line per primitive. */
export interface DeviceCpuCost {
  device: string;
  primitives: CpuPrimitiveCost[];
}

/**
 * A block still live at the end of the run. The fields after `device` are those of
 * `device/`'s `LeakEntry`, so `{ device: d.name, ...entry }` fits.
 */
export interface ReportLeak {
  device: string;
  /** `heap` for a `LocalAlloc` block, else the pool's name. */
  pool: string;
  addr: number;
  /** Bytes requested. */
  size: number;
  owner: { pid: number; tag: string; call: string; timeNs: ReportNanos };
  /** The owning process's name, when known. */
  processName?: string;
}

/**
 * A device fault caught during the run. The fields after `device` are those of `device/`'s
 * `DeviceFault`, so `{ device: d.name, ...fault }` fits.
 */
export interface ReportFault {
  device: string;
  /** e.g. `double-free`, `overflow`. */
  kind: string;
  pid: number;
  addr: number;
  timeNs: ReportNanos;
  call: string;
  detail: string;
}

/** One check the scenario made on the run. */
export interface ReportAssertion {
  name: string;
  passed: boolean;
  /** Expected versus actual, or why it failed. */
  detail?: string;
}

/** Everything the run report shows. */
export interface RunReportData {
  meta: RunMetadata;
  devices: ReportDevice[];
  /** The message sequence (e.g. the TLS handshake), in any order; drawn in time order. */
  messages: SequenceMessage[];
  /** Lifeline order, left to right; default: devices in order, then other names as they first appear. */
  participants?: string[];
  memory: MemoryTimeline[];
  cpu: DeviceCpuCost[];
  leaks: ReportLeak[];
  faults: ReportFault[];
  assertions: ReportAssertion[];
  /** Fragmentation over time, stack high-water marks and the bucket table per device (optional). */
  memoryDiagnostics?: ReportMemoryDiagnostics[];
  /** The pool-size advisor's suggestion beside the profile (`cesim run --advise`; optional). */
  advice?: ReportAdvice[];
}

/** One point of a pool's or heap's free space (the worst of the allocation events it covers). */
export interface ReportFreeSample {
  timeNs: ReportNanos;
  usedBytes: number;
  freeBytes: number;
  largestFreeBytes: number;
  freeBlocks: number;
  /** `1 − largestFreeBytes / freeBytes`. */
  fragmentation: number;
}

/** A pool's or heap's free space over the run (device/diagnostics.ts `FreeSeries`). */
export interface ReportFreeSeries {
  /** Pool name, or `heap` (with `pid` and `process`). */
  pool: string;
  pid?: number;
  process?: string;
  sizeBytes: number;
  eventsPerSample: number;
  samples: ReportFreeSample[];
  minLargestFreeBytes: number;
  maxFragmentation: number;
}

/** A pool's or heap's fragmentation figures at the end and at worst. */
export interface ReportPoolFragmentation {
  name: string;
  pid?: number;
  process?: string;
  freeBytes: number;
  largestFreeBytes: number;
  fragmentation: number;
  minLargestFreeBytes: number;
  maxFragmentation: number;
  fragmentationFailures: number;
  failedAllocs: number;
  peakBytesRequested: number;
}

/** One thread's stack high-water mark. */
export interface ReportStackThread {
  pid: number;
  name: string;
  peakBytes: number;
  at: string;
  call: string;
}

/** One row of the bucket table: an owner's allocations in one bucket. */
export interface ReportBucketUse {
  pool: string;
  tag: string;
  blockSize: number;
  allocs: number;
  fallthrough: number;
  requestedBytes: number;
  blockBytes: number;
  wasteBytes: number;
  minRequest: number;
  maxRequest: number;
}

/** A device's memory diagnostics: free space over time, fragmentation, stack, buckets. */
export interface ReportMemoryDiagnostics {
  device: string;
  series: ReportFreeSeries[];
  pools: ReportPoolFragmentation[];
  stack: { budgetBytes: number; checked: boolean; peakBytes: number; threads: ReportStackThread[] };
  buckets: ReportBucketUse[];
}

/** One pool's advice beside the profile's buckets. */
export interface ReportPoolAdvice {
  pool: string;
  builtIn: { buckets: { blockSize: number; count: number }[]; regionBytes: number; failures: number; unusedBytes: number };
  advised: { buckets: { blockSize: number; count: number; minCount: number; worstRun: string }[]; regionBytes: number };
}

/** The advisor's suggestion for one device group. */
export interface ReportAdvice {
  group: string;
  profile: string;
  pools: ReportPoolAdvice[];
}
