/**
 * The run report: one self-contained HTML file built from `RunReportData`.
 *
 * Self-contained means it loads nothing: styles are inline, charts are inline SVG, there is
 * no script, and a Content-Security-Policy of `default-src 'none'` makes the browser refuse
 * anything else. The same data always renders the same bytes (no clock, no locale).
 */

import { writeFile } from 'node:fs/promises';
import { cpuChart, fragmentationChart, memoryChart, sequenceChart } from './charts.js';
import { escapeHtml, formatAddr, formatBytes, formatNs, formatPercent, groupDigits, slug } from './format.js';
import type { RunReportData } from './types.js';

/** The problems that make `data` unfit to render; empty when it is fine. */
export function validateReportData(data: RunReportData): string[] {
  const problems: string[] = [];
  const time = (where: string, v: number): void => {
    if (!Number.isFinite(v) || v < 0) problems.push(`${where}: time ${v} is not a non-negative number`);
  };
  const count = (where: string, v: number): void => {
    if (!Number.isFinite(v) || v < 0) problems.push(`${where}: ${v} is not a non-negative number`);
  };
  const names = new Set<string>();
  for (const d of data.devices) {
    if (names.has(d.name)) problems.push(`devices: the name ${JSON.stringify(d.name)} is used twice`);
    names.add(d.name);
    count(`devices[${d.name}].cpuMhz`, d.cpuMhz);
    for (const p of d.pools) {
      count(`devices[${d.name}].pools[${p.name}].sizeBytes`, p.sizeBytes);
      count(`devices[${d.name}].pools[${p.name}].peakBytes`, p.peakBytes);
    }
  }
  const known = (where: string, device: string): void => {
    if (!names.has(device)) problems.push(`${where}: no device is named ${JSON.stringify(device)}`);
  };
  time('meta.endTimeNs', data.meta.endTimeNs);
  data.messages.forEach((m, i) => time(`messages[${i}]`, m.timeNs));
  data.memory.forEach((t, i) => {
    known(`memory[${i}]`, t.device);
    count(`memory[${i}].sizeBytes`, t.sizeBytes);
    t.samples.forEach((s, j) => {
      time(`memory[${i}].samples[${j}]`, s.timeNs);
      count(`memory[${i}].samples[${j}].bytes`, s.bytes);
    });
  });
  data.cpu.forEach((c, i) => {
    known(`cpu[${i}]`, c.device);
    c.primitives.forEach((p, j) => {
      count(`cpu[${i}].primitives[${j}].calls`, p.calls);
      count(`cpu[${i}].primitives[${j}].cycles`, p.cycles);
      count(`cpu[${i}].primitives[${j}].ns`, p.ns);
    });
  });
  (data.memoryDiagnostics ?? []).forEach((m, i) => {
    known(`memoryDiagnostics[${i}]`, m.device);
    m.series.forEach((sr, j) =>
      sr.samples.forEach((x, k) => {
        time(`memoryDiagnostics[${i}].series[${j}].samples[${k}]`, x.timeNs);
        count(`memoryDiagnostics[${i}].series[${j}].samples[${k}].freeBytes`, x.freeBytes);
        if (!(x.fragmentation >= 0 && x.fragmentation <= 1)) problems.push(`memoryDiagnostics[${i}].series[${j}].samples[${k}].fragmentation: ${x.fragmentation} is not in [0, 1]`);
      }),
    );
  });
  data.leaks.forEach((l, i) => known(`leaks[${i}]`, l.device));
  data.faults.forEach((f, i) => known(`faults[${i}]`, f.device));
  return problems;
}

/** Lifelines left to right: `data.participants`, else devices in order then other names as they first appear. */
function participantsOf(data: RunReportData): string[] {
  const out: string[] = [...(data.participants ?? data.devices.map((d) => d.name))];
  for (const m of data.messages) {
    for (const p of [m.from, m.to]) if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** Hands out ids that are unique within one report. */
class Ids {
  private readonly used = new Set<string>();
  take(base: string): string {
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}-${n}`;
    this.used.add(id);
    return id;
  }
}

const e = escapeHtml;

/** A table; `numeric` lists the columns whose header aligns right over right-aligned numbers. */
function table(head: string[], rows: string[][], emptyText: string, cls = '', numeric: number[] = []): string {
  if (rows.length === 0) return `<p class="empty">${e(emptyText)}</p>`;
  const th = head.map((h, i) => `<th${numeric.includes(i) ? ' class="num"' : ''}>${e(h)}</th>`).join('');
  // Cells arrive already escaped (some carry markup such as <code>).
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${e(cls)}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

const STYLE = `
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --pass: #15803d; --fail: #b91c1c; --error: #b45309; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 16px 0 6px; }
p.lede { margin: 0 0 14px; color: var(--muted); }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; color: #fff; font-weight: 700; font-size: 13px; vertical-align: middle; letter-spacing: .04em; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.error { background: var(--error); }
dl.summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 8px 20px; margin: 14px 0 0; }
dl.summary div { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
dl.summary dt { color: var(--muted); font-size: 12px; } dl.summary dd { margin: 2px 0 0; font-weight: 600; word-break: break-all; }
dl.summary div.wide { grid-column: span 2; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
th.num { text-align: right; }
span.num { display: block; text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { color: var(--fail); }
.ok { color: var(--pass); font-weight: 700; } .bad { color: var(--fail); font-weight: 700; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 20px; }
figure { margin: 0; } figcaption { font-size: 12px; color: var(--muted); }
svg.chart { display: block; max-width: 100%; height: auto; font-size: 12px; }
svg.chart text { fill: var(--fg); }
svg.chart .tick, svg.chart .axis-title { fill: var(--muted); font-size: 11px; }
svg.chart .chart-title { font-weight: 600; font-size: 13px; }
svg.chart .empty, p.empty { fill: var(--muted); color: var(--muted); font-style: italic; }
svg.chart text.limit-label { fill: #c0392b; font-size: 11px; }
svg.chart .participant + text { fill: #fff; }
svg.chart .peak-label, svg.chart .limit-label, svg.chart .msg-label, svg.chart .bar-value { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg.chart g.message:hover line, svg.chart g.bar:hover rect { opacity: .75; }
.scroll { overflow-x: auto; }
`;

function tdNum(v: string): string {
  return `<span class="num">${v}</span>`;
}

/**
 * Renders the report as one self-contained HTML document.
 * @throws RangeError listing every problem `validateReportData` finds.
 */
export function renderReport(data: RunReportData): string {
  const problems = validateReportData(data);
  if (problems.length > 0) throw new RangeError(`report data is not valid:\n  ${problems.join('\n  ')}`);
  const ids = new Ids();
  const { meta } = data;
  const passed = data.assertions.filter((a) => a.passed).length;
  const failed = data.assertions.length - passed;
  const leakedBytes = data.leaks.reduce((n, l) => n + l.size, 0);

  const out: string[] = [];
  out.push('<!DOCTYPE html>');
  out.push('<html lang="en">');
  out.push('<head>');
  out.push('<meta charset="utf-8">');
  out.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push('<meta name="generator" content="cesim emulator/report">');
  out.push(`<title>${e(`cesim run: ${meta.scenario} (${meta.result})`)}</title>`);
  out.push(`<style>${STYLE}</style>`);
  out.push('</head>');
  out.push('<body>');

  // Header summary.
  out.push('<header id="summary">');
  out.push(`<h1>${e(meta.scenario)} <span class="badge ${e(meta.result)}" id="result">${e(meta.result.toUpperCase())}</span></h1>`);
  out.push(`<p class="lede">cesim emulated run report${meta.description ? ` — ${e(meta.description)}` : ''}</p>`);
  const cell = (dt: string, dd: string, wide = false): string => `<div${wide ? ' class="wide"' : ''}><dt>${e(dt)}</dt><dd>${dd}</dd></div>`;
  out.push('<dl class="summary">');
  out.push(cell('Result', `<span class="${meta.result === 'pass' ? 'ok' : 'bad'}">${e(meta.result)}</span>`));
  out.push(cell('Virtual end time', e(formatNs(meta.endTimeNs))));
  out.push(cell('Seed', `<code>${e(String(meta.seed))}</code>`));
  out.push(cell('Trace hash', `<code>${e(meta.traceHash)}</code>`, true));
  out.push(cell('Devices', e(String(data.devices.length))));
  out.push(cell('Messages', e(String(data.messages.length))));
  out.push(cell('Assertions', `${e(`${passed} passed`)}${failed ? `, <span class="bad">${e(`${failed} failed`)}</span>` : ''}`));
  out.push(cell('Leaks', data.leaks.length ? `<span class="bad">${e(`${data.leaks.length} ${data.leaks.length === 1 ? 'block' : 'blocks'}, ${formatBytes(leakedBytes)}`)}</span>` : 'none'));
  out.push(cell('Faults', data.faults.length ? `<span class="bad">${e(String(data.faults.length))}</span>` : 'none'));
  out.push('</dl>');
  out.push('</header>');

  // Devices.
  out.push('<section id="devices"><h2>Devices</h2>');
  out.push(
    table(
      ['Device', 'Profile', 'CPU', 'Pool', 'Size', 'Peak', 'Peak / size'],
      data.devices.flatMap((d) => {
        const pools = d.pools.length > 0 ? d.pools : [null];
        return pools.map((p, i) => [
          i === 0 ? `<strong>${e(d.name)}</strong>` : '',
          i === 0 ? `<code>${e(d.profile)}</code>` : '',
          i === 0 ? e(`${groupDigits(d.cpuMhz)} MHz`) : '',
          p ? e(p.name) : '—',
          p ? tdNum(e(formatBytes(p.sizeBytes))) : '',
          p ? tdNum(e(formatBytes(p.peakBytes))) : '',
          p ? tdNum(e(formatPercent(p.peakBytes, p.sizeBytes))) : '',
        ]);
      }),
      'No devices.',
      'devices',
      [4, 5, 6],
    ),
  );
  out.push('</section>');

  // Sequence.
  out.push('<section id="sequence"><h2>Message sequence</h2>');
  out.push('<p class="lede">Time runs down; every message gets a row and gaps grow with their share of the run, so the left axis gives exact virtual send times. Hover an arrow for details.</p>');
  out.push(`<div class="scroll">${sequenceChart(ids.take('chart-sequence'), participantsOf(data), data.messages)}</div>`);
  out.push('</section>');

  // Memory.
  out.push('<section id="memory"><h2>Memory per pool</h2>');
  out.push('<p class="lede">Bytes in use over virtual time (a step chart); the dashed red line is the pool size.</p>');
  if (data.memory.length === 0) out.push('<p class="empty">No memory timelines recorded.</p>');
  for (const d of data.devices) {
    const timelines = data.memory.filter((t) => t.device === d.name);
    if (timelines.length === 0) continue;
    out.push(`<h3>${e(d.name)}</h3><div class="charts">`);
    for (const t of timelines) {
      out.push(`<figure>${memoryChart(ids.take(`chart-memory-${slug(d.name)}-${slug(t.pool)}`), t, meta.endTimeNs)}</figure>`);
    }
    out.push('</div>');
  }
  out.push('</section>');

  // Memory diagnostics: fragmentation over time, stack high-water, the bucket table, the advisor.
  const diags = (data.memoryDiagnostics ?? []).filter((m) => m.series.length + m.pools.length + m.stack.threads.length > 0);
  out.push('<section id="fragmentation"><h2>Fragmentation and stack</h2>');
  out.push('<p class="lede">Free bytes and the largest free block over virtual time (a gap between them is fragmentation, drawn dashed on the right axis as 1 − largest/free; each point is the worst of the allocations it covers), the worst figures per pool and heap, the stack high-water mark per thread, and which bucket each owner’s allocations used.</p>');
  if (diags.length === 0) out.push('<p class="empty">No memory diagnostics recorded.</p>');
  for (const m of diags) {
    out.push(`<h3>${e(m.device)}</h3>`);
    const shownSeries = m.series.filter((sr) => sr.samples.length > 0);
    if (shownSeries.length > 0) {
      out.push('<div class="charts">');
      for (const sr of shownSeries) out.push(`<figure>${fragmentationChart(ids.take(`chart-frag-${slug(m.device)}-${slug(sr.pool === 'heap' ? `heap-${sr.pid ?? ''}` : sr.pool)}`), m.device, sr, meta.endTimeNs)}</figure>`);
      out.push('</div>');
    }
    out.push(
      table(
        ['Pool', 'Free at end', 'Largest free at end', 'Smallest largest-free', 'Worst fragmentation', 'Fragmentation failures', 'Failed allocations'],
        m.pools.map((p) => [
          e(p.name === 'heap' ? `heap (${p.process ?? `pid ${p.pid}`})` : p.name),
          tdNum(e(formatBytes(p.freeBytes))),
          tdNum(e(formatBytes(p.largestFreeBytes))),
          tdNum(e(formatBytes(p.minLargestFreeBytes))),
          tdNum(e(p.maxFragmentation.toFixed(2))),
          tdNum(p.fragmentationFailures > 0 ? `<span class="bad">${e(groupDigits(p.fragmentationFailures))}</span>` : '0'),
          tdNum(e(groupDigits(p.failedAllocs))),
        ]),
        'No pools.',
        'fragmentation',
        [1, 2, 3, 4, 5, 6],
      ),
    );
    out.push(
      table(
        ['Thread', 'Stack high-water', 'Of budget', 'Deepest in', 'Call'],
        m.stack.threads.map((t) => [
          e(`${t.name} (pid ${t.pid})`),
          tdNum(e(formatBytes(t.peakBytes))),
          tdNum(t.peakBytes > m.stack.budgetBytes ? `<span class="bad">${e(formatPercent(t.peakBytes, m.stack.budgetBytes))}</span>` : e(formatPercent(t.peakBytes, m.stack.budgetBytes))),
          `<code>${e(t.at)}</code>`,
          `<code>${e(t.call)}</code>`,
        ]),
        'No stack use modelled.',
        'stack',
        [1, 2],
      ),
    );
    out.push(`<p class="lede">Stack budget ${e(formatBytes(m.stack.budgetBytes))} per thread (CE default 64 KiB)${m.stack.checked ? ', enforced: overflow is a device fault' : ', not enforced (stackCheck off)'}.</p>`);
    const rows = [...m.buckets].sort((a, b) => b.wasteBytes - a.wasteBytes || (a.tag < b.tag ? -1 : 1)).slice(0, 40);
    out.push(
      table(
        ['Pool', 'Owner tag', 'Bucket', 'Allocations', 'Requested', 'At block size', 'Waste', 'Fall-through', 'Requests'],
        rows.map((b) => [
          e(b.pool),
          `<code>${e(b.tag)}</code>`,
          tdNum(e(formatBytes(b.blockSize))),
          tdNum(e(groupDigits(b.allocs))),
          tdNum(e(formatBytes(b.requestedBytes))),
          tdNum(e(formatBytes(b.blockBytes))),
          tdNum(e(`${formatBytes(b.wasteBytes)} (${formatPercent(b.wasteBytes, b.blockBytes)})`)),
          tdNum(e(groupDigits(b.fallthrough))),
          tdNum(e(b.minRequest === b.maxRequest ? formatBytes(b.minRequest) : `${formatBytes(b.minRequest)}–${formatBytes(b.maxRequest)}`)),
        ]),
        'No allocations recorded.',
        'buckets',
        [2, 3, 4, 5, 6, 7, 8],
      ),
    );
    if (m.buckets.length > rows.length) out.push(`<p class="lede">${e(`The ${rows.length} rows that waste most of ${m.buckets.length}; cesim run --json has them all.`)}</p>`);
  }
  if (data.advice && data.advice.length > 0) {
    out.push('<h3>Pool-size advisor</h3>');
    out.push('<p class="lede">The smallest buckets under which this run’s allocations all succeed (cesim advise runs many seeds), beside the profile’s.</p>');
    const bk = (bs: { blockSize: number; count: number }[]): string => bs.map((b) => `${groupDigits(b.blockSize)}×${b.count}`).join(', ');
    out.push(
      table(
        ['Group', 'Pool', 'Profile buckets', 'Profile bytes', 'Profile lacks', 'Unused at peak', 'Advised buckets', 'Advised bytes'],
        data.advice.flatMap((a) =>
          a.pools.map((p, i) => [
            i === 0 ? `<strong>${e(a.group)}</strong> <code>${e(a.profile)}</code>` : '',
            e(p.pool),
            `<code>${e(bk(p.builtIn.buckets))}</code>`,
            tdNum(e(formatBytes(p.builtIn.regionBytes))),
            tdNum(p.builtIn.failures > 0 ? `<span class="bad">${e(`${p.builtIn.failures} failed`)}</span>` : 'nothing'),
            tdNum(e(formatBytes(p.builtIn.unusedBytes))),
            `<code>${e(bk(p.advised.buckets))}</code>`,
            tdNum(e(formatBytes(p.advised.regionBytes))),
          ]),
        ),
        'No advice.',
        'advice',
        [3, 4, 5, 7],
      ),
    );
  }
  out.push('</section>');

  // CPU.
  out.push('<section id="cpu"><h2>CPU cost per primitive</h2>');
  out.push('<p class="lede">Virtual CPU time each primitive cost on the device’s modelled CPU.</p>');
  if (data.cpu.length === 0) out.push('<p class="empty">No CPU cost recorded.</p>');
  for (const c of data.cpu) {
    const mhz = data.devices.find((d) => d.name === c.device)?.cpuMhz ?? 0;
    out.push(`<h3>${e(`${c.device} (${groupDigits(mhz)} MHz)`)}</h3>`);
    out.push(`<div class="scroll">${cpuChart(ids.take(`chart-cpu-${slug(c.device)}`), c.device, c.primitives)}</div>`);
    const total = c.primitives.reduce((n, p) => n + p.ns, 0);
    out.push(
      table(
        ['Primitive', 'Calls', 'Cycles', 'Time', 'Share'],
        [...c.primitives]
          .sort((a, b) => b.ns - a.ns)
          .map((p) => [`<code>${e(p.primitive)}</code>`, tdNum(e(groupDigits(p.calls))), tdNum(e(groupDigits(p.cycles))), tdNum(e(formatNs(p.ns))), tdNum(e(formatPercent(p.ns, total)))]),
        'No primitives charged.',
        'cpu',
        [1, 2, 3, 4],
      ),
    );
  }
  out.push('</section>');

  // Leaks, faults, assertions.
  out.push('<section id="leaks"><h2>Leaks</h2>');
  out.push(
    table(
      ['Device', 'Pool', 'Address', 'Size', 'Owner tag', 'Process', 'Call', 'Allocated at'],
      data.leaks.map((l) => [
        e(l.device),
        e(l.pool),
        `<code>${e(formatAddr(l.addr))}</code>`,
        tdNum(e(formatBytes(l.size))),
        `<code>${e(l.owner.tag)}</code>`,
        e(`${l.processName ?? ''} (pid ${l.owner.pid})`.trim()),
        `<code>${e(l.owner.call)}</code>`,
        e(formatNs(l.owner.timeNs)),
      ]),
      'No leaks: every block was freed.',
      'leaks',
      [3],
    ),
  );
  out.push('</section>');

  out.push('<section id="faults"><h2>Faults</h2>');
  out.push(
    table(
      ['Device', 'Kind', 'Time', 'pid', 'Address', 'Call', 'Detail'],
      data.faults.map((f) => [e(f.device), `<strong>${e(f.kind)}</strong>`, e(formatNs(f.timeNs)), e(String(f.pid)), `<code>${e(formatAddr(f.addr))}</code>`, `<code>${e(f.call)}</code>`, e(f.detail)]),
      'No device faults.',
      'faults',
    ),
  );
  out.push('</section>');

  out.push('<section id="assertions"><h2>Assertions</h2>');
  if (data.assertions.length === 0) out.push('<p class="empty">No assertions.</p>');
  else {
    const rows = data.assertions
      .map(
        (a) =>
          `<tr${a.passed ? '' : ' class="failed"'}><td>${a.passed ? '<span class="ok">✓ pass</span>' : '<span class="bad">✗ fail</span>'}</td><td>${e(a.name)}</td><td>${e(a.detail ?? '')}</td></tr>`,
      )
      .join('\n');
    out.push(`<table class="assertions"><thead><tr><th>Result</th><th>Assertion</th><th>Detail</th></tr></thead><tbody>\n${rows}\n</tbody></table>`);
  }
  out.push('</section>');

  out.push('</body>');
  out.push('</html>');
  return `${out.join('\n')}\n`;
}

/** Renders the report and writes it to `path` (UTF-8). */
export async function writeReport(path: string, data: RunReportData): Promise<void> {
  await writeFile(path, renderReport(data), 'utf8');
}
