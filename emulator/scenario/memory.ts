/**
 * A run's memory diagnostics per device, for the summary, `--json`, the report and the budgets:
 * the fragmentation figures of each pool and heap, stack high-water marks per thread, and (for
 * the devices that carried a {@link MemoryDiagnostics}) the worst largest-free-block over the
 * run, the bucket table and the free-space time series. Nothing here touches the trace.
 */
import type { BucketUse, Device, FreeSeries, MemoryDiagnostics, OwnerWaste, StackHighWater } from '../../device/index.js';

/** One pool's (or heap's) fragmentation figures. */
export interface PoolMemorySummary {
  /** Pool name, or `heap` (with `pid`, `process`). */
  name: string;
  pid?: number;
  process?: string;
  /** Free bytes and largest free block at the end. */
  freeBytes: number;
  largestFreeBytes: number;
  /** External fragmentation `1 − largest / free` at the end. */
  fragmentation: number;
  /** The lowest largest-free-block and the highest fragmentation over the run (diagnosed devices; otherwise the end figures). */
  minLargestFreeBytes: number;
  maxFragmentation: number;
  /** Failed allocations that the free total would have served. */
  fragmentationFailures: number;
  /** Failed allocations (forced ones included). */
  failedAllocs: number;
  /** Peak bytes requested. */
  peakBytesRequested: number;
}

/** A device's memory diagnostics in the run summary. */
export interface DeviceMemorySummary {
  pools: PoolMemorySummary[];
  stack: { budgetBytes: number; checked: boolean; peakBytes: number; threads: StackHighWater[] };
  /** Peak bytes per owner tag (pools and heap together), by process name: what `peak-not-above-baseline` compares. */
  ownerPeaks: { process: string; tag: string; peakBytes: number }[];
  /** Whether the figures over time come from a diagnostics recorder (the first 16 devices). */
  sampled: boolean;
  /** Allocations per owner and bucket: requested versus block bytes (sampled devices only). */
  buckets?: BucketUse[];
  /** Per owner: requested versus block bytes, and failures (sampled devices only). */
  owners?: OwnerWaste[];
  /** Failures by cause (sampled devices only). */
  failures?: { forced: number; oversize: number; fragmented: number; exhausted: number };
}

/** The memory summary of `device`, with the figures over time from `diag` when it has one. */
export function memorySummary(device: Device, diag: MemoryDiagnostics | null): { summary: DeviceMemorySummary; series: FreeSeries[] } {
  const st = device.stats();
  const rep = diag?.report() ?? null;
  const seriesOf = (name: string, pid?: number): FreeSeries | undefined => rep?.series.find((s) => s.pool === name && s.pid === pid);
  const pools: PoolMemorySummary[] = st.pools.map((p) => {
    const s = seriesOf(p.name);
    return {
      name: p.name,
      freeBytes: p.freeBytes,
      largestFreeBytes: p.largestFreeBytes,
      fragmentation: p.fragmentation,
      minLargestFreeBytes: s && s.samples.length > 0 ? Math.min(s.minLargestFreeBytes, p.largestFreeBytes) : p.largestFreeBytes,
      maxFragmentation: Math.max(s?.maxFragmentation ?? 0, p.fragmentation),
      fragmentationFailures: p.fragmentationFailures,
      failedAllocs: p.failedAllocs,
      peakBytesRequested: p.peakBytesRequested,
    };
  });
  for (const h of st.heaps) {
    const s = seriesOf('heap', h.pid);
    pools.push({
      name: 'heap',
      pid: h.pid,
      process: h.name,
      freeBytes: h.freeBytes,
      largestFreeBytes: h.largestFreeBytes,
      fragmentation: h.fragmentation,
      minLargestFreeBytes: s && s.samples.length > 0 ? Math.min(s.minLargestFreeBytes, h.largestFreeBytes) : h.largestFreeBytes,
      maxFragmentation: Math.max(s?.maxFragmentation ?? 0, h.fragmentation),
      fragmentationFailures: h.fragmentationFailures,
      failedAllocs: h.failedAllocs,
      peakBytesRequested: h.peakBytesRequested,
    });
  }
  const procName = new Map(st.processes.map((p) => [p.pid, p.name]));
  const summary: DeviceMemorySummary = {
    pools,
    ownerPeaks: st.owners.filter((o) => o.peakBytes > 0).map((o) => ({ process: procName.get(o.pid) ?? `pid ${o.pid}`, tag: o.tag, peakBytes: o.peakBytes })),
    stack: { ...st.stack, peakBytes: st.stack.threads.reduce((n, t) => Math.max(n, t.peakBytes), 0) },
    sampled: rep !== null,
  };
  if (rep) {
    summary.buckets = rep.buckets;
    summary.owners = rep.owners;
    summary.failures = rep.failures;
  }
  return { summary, series: rep?.series ?? [] };
}
