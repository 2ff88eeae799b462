/** The run report's HTML, without a browser: structure, escaping, determinism, validation. */

import { describe, expect, it } from 'vitest';
import type { CpuPrimitiveReport, DeviceFault, LeakEntry } from '../../device/index.js';
import {
  type CpuPrimitiveCost,
  type ReportFault,
  type ReportLeak,
  escapeHtml,
  formatBytes,
  formatNs,
  renderReport,
  validateReportData,
} from '../../emulator/report/index.js';
import { tlsRunFixture } from './fixture.js';

describe('formatting', () => {
  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('formats virtual time and bytes with fitting units', () => {
    expect([formatNs(0), formatNs(999), formatNs(1_500), formatNs(2_000_000), formatNs(1_234_567_890)]).toEqual(['0 ns', '999 ns', '1.5 µs', '2 ms', '1.235 s']);
    expect([formatBytes(512), formatBytes(1024), formatBytes(41_216), formatBytes(3 * 1024 * 1024)]).toEqual(['512 B', '1 KiB', '40.3 KiB', '3 MiB']);
  });
});

describe('renderReport', () => {
  const html = renderReport(tlsRunFixture());

  it('is one self-contained document: no script, no external URL, a CSP that forbids loading', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('has one sequence chart, one memory chart per timeline and one CPU chart per device, each with a unique id', () => {
    const charts = [...html.matchAll(/<svg[^>]*\bid="([^"]+)"[^>]*\bdata-chart="([a-z]+)"/g)].map((m) => [m[2], m[1]]);
    expect(charts).toEqual([
      ['sequence', 'chart-sequence'],
      ['memory', 'chart-memory-handheld-tls'],
      ['memory', 'chart-memory-handheld-heap'],
      ['memory', 'chart-memory-gateway-tls'],
      ['fragmentation', 'chart-frag-handheld-tls'],
      ['fragmentation', 'chart-frag-handheld-heap-3'],
      ['cpu', 'chart-cpu-handheld'],
      ['cpu', 'chart-cpu-gateway'],
    ]);
  });

  it('escapes every piece of text it is given', () => {
    expect(html).not.toContain('<leaks>');
    expect(html).toContain('&lt;leaks&gt;');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('recordIn&lt;&amp;&gt;');
  });

  it('renders the same bytes for the same data', () => {
    expect(renderReport(tlsRunFixture())).toBe(html);
  });

  it('handles an empty run', () => {
    const d = tlsRunFixture();
    const empty = renderReport({ ...d, messages: [], memory: [], cpu: [], leaks: [], faults: [], assertions: [] });
    expect(empty).toContain('data-chart="sequence"');
    expect(empty).toContain('No leaks');
  });
});

describe('validateReportData', () => {
  it('accepts the fixture', () => {
    expect(validateReportData(tlsRunFixture())).toEqual([]);
  });

  it('names unknown devices, duplicate names and bad numbers', () => {
    const d = tlsRunFixture();
    d.devices.push({ ...d.devices[0]!, pools: [] });
    d.memory[0]!.device = 'nowhere';
    d.memory[1]!.samples[0]!.timeNs = -1;
    d.cpu[0]!.primitives[0]!.ns = Number.NaN;
    const problems = validateReportData(d);
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/used twice[\s\S]*nowhere[\s\S]*memory\[1\]\.samples\[0\][\s\S]*cpu\[0\]\.primitives\[0\]\.ns/);
    expect(() => renderReport(d)).toThrow(RangeError);
  });
});

describe('fit with device/', () => {
  it("takes device/'s LeakEntry, DeviceFault and CpuPrimitiveReport as they are (checked by tsc)", () => {
    const leak = (device: string, e: LeakEntry): ReportLeak => ({ device, ...e });
    const fault = (device: string, f: DeviceFault): ReportFault => ({ device, ...f });
    const cpu = (r: CpuPrimitiveReport): CpuPrimitiveCost => r;
    const owner = { pid: 1, tag: 't', call: 'c', timeNs: 5 };
    expect(leak('d', { pool: 'tls', addr: 16, size: 8, blockSize: 16, owner, processName: 'p' }).device).toBe('d');
    expect(fault('d', { kind: 'overflow', pid: 1, addr: 16, timeNs: 5, call: 'c', detail: 'x' }).kind).toBe('overflow');
    expect(cpu({ primitive: 'sha256', calls: 1, bytes: 64, cycles: 10, ns: 50 }).ns).toBe(50);
  });
});
