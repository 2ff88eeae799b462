/**
 * The run report: a self-contained HTML page (inline SVG charts, no script, no network) that
 * shows what an emulated run did: summary, devices, the message sequence over virtual time,
 * memory per pool, CPU cost per primitive, leaks, faults and assertions.
 */

export type {
  ReportNanos,
  ReportResult,
  RunMetadata,
  ReportPool,
  ReportDevice,
  SequenceMessage,
  MemorySample,
  MemoryTimeline,
  CpuPrimitiveCost,
  DeviceCpuCost,
  ReportLeak,
  ReportFault,
  ReportAssertion,
  RunReportData,
  ReportFreeSample,
  ReportFreeSeries,
  ReportPoolFragmentation,
  ReportStackThread,
  ReportBucketUse,
  ReportMemoryDiagnostics,
  ReportPoolAdvice,
  ReportAdvice,
} from './types.js';
export { renderReport, writeReport, validateReportData } from './html.js';
export { sequenceChart, memoryChart, cpuChart, fragmentationChart } from './charts.js';
export { escapeHtml, formatNs, formatBytes } from './format.js';
