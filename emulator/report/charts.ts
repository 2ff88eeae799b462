/**
 * The report's charts, as inline SVG strings: the message sequence over virtual time, a
 * pool's memory use as a step chart with its limit, and CPU cost per primitive as bars.
 *
 * Each chart is an `<svg>` with `data-chart` (`sequence`, `memory` or `cpu`) and the `id` the
 * caller gives, so tests and readers can find it. All text goes through `escapeHtml`.
 */

import {
  byteTicks,
  ellipsize,
  escapeHtml,
  formatBytes,
  formatNs,
  formatPercent,
  formatTimeTick,
  groupDigits,
  niceTicks,
  px,
  timeUnitFor,
} from './format.js';
import type { CpuPrimitiveCost, MemoryTimeline, ReportFreeSeries, ReportNanos, SequenceMessage } from './types.js';

/** Series colours (colour-blind friendly, after Okabe & Ito). */
const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'];
const LIMIT_COLOUR = '#c0392b';
const AXIS_COLOUR = '#6b7280';
const GRID_COLOUR = '#e5e7eb';

/** Average advance of a 12 px sans-serif character, for fitting labels without measuring. */
const CHAR_PX = 6.6;

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeHtml(typeof v === 'number' ? px(v) : v)}"`)
    .join('');
}

function svgOpen(kind: 'sequence' | 'memory' | 'cpu' | 'fragmentation', id: string, width: number, height: number, title: string): string {
  return (
    `<svg${attrs({ xmlns: 'http://www.w3.org/2000/svg', id, 'data-chart': kind, class: `chart chart-${kind}`, width, height, viewBox: `0 0 ${px(width)} ${px(height)}`, role: 'img', 'aria-labelledby': `${id}-title` })}>` +
    `<title id="${escapeHtml(id)}-title">${escapeHtml(title)}</title>`
  );
}

function text(x: number, y: number, content: string, a: Record<string, string | number | undefined> = {}): string {
  return `<text${attrs({ x, y, ...a })}>${escapeHtml(content)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, a: Record<string, string | number | undefined> = {}): string {
  return `<line${attrs({ x1, y1, x2, y2, ...a })}/>`;
}

// ---------------------------------------------------------------------------------------------
// Message sequence
// ---------------------------------------------------------------------------------------------

/** Layout constants of the sequence diagram. */
const SEQ = {
  /** Left gutter holding the time axis labels. */
  gutter: 96,
  /** Horizontal distance between lifelines. */
  column: 250,
  /** Participant header box height. */
  header: 34,
  /** Vertical room every message gets (label above, arrow below). */
  row: 30,
  /** Extra vertical room shared out over the run in proportion to elapsed time. */
  timeRoom: 160,
  right: 40,
  bottom: 26,
} as const;

/** Width of a self-message's loop, and the most characters its label shows. */
const SELF_LOOP = 26;
const SELF_LABEL_MAX = 40;

/**
 * Draws `messages` as a message-sequence diagram: one vertical lifeline per participant, one
 * horizontal arrow per message, top to bottom in time order (ties keep their given order).
 *
 * The vertical axis is virtual time, but not to scale: every message gets a row, and gaps add
 * room in proportion to their share of the run, so a burst of messages in one flight stays
 * legible next to a long computation. The left axis prints each message's exact send time.
 */
export function sequenceChart(id: string, participants: readonly string[], messages: readonly SequenceMessage[]): string {
  const ordered = messages.map((m, i) => ({ m, i })).sort((a, b) => a.m.timeNs - b.m.timeNs || a.i - b.i).map((e) => e.m);
  const column = new Map(participants.map((p, i) => [p, i]));
  const xOf = (p: string): number => SEQ.gutter + SEQ.column / 2 + (column.get(p) ?? 0) * SEQ.column;
  // A self-message's label runs right of its lifeline; on the last lifeline it needs room past the column.
  const lastColumn = participants.length - 1;
  const selfLabelRoom = ordered
    .filter((m) => m.from === m.to && column.get(m.from) === lastColumn)
    .reduce((w, m) => Math.max(w, SELF_LOOP + 6 + Math.min(m.label.length, SELF_LABEL_MAX) * CHAR_PX - SEQ.column / 2), 0);
  const width = SEQ.gutter + participants.length * SEQ.column + Math.max(SEQ.right, selfLabelRoom + 8);

  const t0 = ordered[0]?.timeNs ?? 0;
  const span = Math.max(1, (ordered[ordered.length - 1]?.timeNs ?? 0) - t0);
  const top = SEQ.header + 26;
  const ys: number[] = [];
  let y = top;
  ordered.forEach((m, k) => {
    if (k > 0) y += SEQ.row + ((m.timeNs - ordered[k - 1]!.timeNs) / span) * SEQ.timeRoom;
    ys.push(y);
  });
  const bottomY = (ys[ys.length - 1] ?? top) + SEQ.bottom;
  const height = bottomY + 8;

  const parts: string[] = [svgOpen('sequence', id, width, height, 'Message sequence over virtual time')];
  parts.push(text(8, 14, 'virtual time', { class: 'axis-title' }));
  parts.push(line(SEQ.gutter - 6, top - 10, SEQ.gutter - 6, bottomY, { stroke: AXIS_COLOUR, 'stroke-width': 1 }));

  // Participants: a header box and a dashed lifeline each.
  participants.forEach((p, i) => {
    const x = xOf(p);
    const colour = PALETTE[i % PALETTE.length]!;
    const boxW = Math.min(SEQ.column - 24, Math.max(90, p.length * CHAR_PX + 24));
    parts.push(line(x, SEQ.header, x, bottomY, { stroke: colour, 'stroke-width': 1.5, 'stroke-dasharray': '5 4', class: 'lifeline' }));
    parts.push(`<rect${attrs({ x: x - boxW / 2, y: 4, width: boxW, height: SEQ.header - 8, rx: 5, fill: colour, class: 'participant' })}/>`);
    parts.push(text(x, SEQ.header / 2 + 4, ellipsize(p, Math.floor((boxW - 12) / CHAR_PX)), { 'text-anchor': 'middle', fill: '#fff', 'font-weight': 600 }));
  });

  // The time axis: a tick and a label at each distinct send time.
  let lastLabelY = -Infinity;
  ordered.forEach((m, k) => {
    if (k > 0 && m.timeNs === ordered[k - 1]!.timeNs) return;
    const yy = ys[k]!;
    parts.push(line(SEQ.gutter - 10, yy, width - SEQ.right / 2, yy, { stroke: GRID_COLOUR, 'stroke-width': 1, class: 'grid' }));
    if (yy - lastLabelY >= 14) {
      parts.push(text(SEQ.gutter - 14, yy + 4, formatNs(m.timeNs), { 'text-anchor': 'end', class: 'tick' }));
      lastLabelY = yy;
    }
  });

  // Arrows.
  ordered.forEach((m, k) => {
    const yy = ys[k]!;
    const x1 = xOf(m.from);
    const x2 = xOf(m.to);
    const colour = PALETTE[(column.get(m.from) ?? 0) % PALETTE.length]!;
    const tip = `${m.from} → ${m.to} at ${formatNs(m.timeNs)}: ${m.label}${m.detail ? ` (${m.detail})` : ''}`;
    parts.push(`<g class="message"><title>${escapeHtml(tip)}</title>`);
    if (x1 === x2) {
      // A self-message: a small loop to the right of the lifeline, the label beside it.
      const w = SELF_LOOP;
      parts.push(`<path${attrs({ d: `M${px(x1)} ${px(yy - 8)} h${w} v14 h${-w + 7}`, fill: 'none', stroke: colour, 'stroke-width': 1.6 })}/>`);
      parts.push(`<path${attrs({ d: `M${px(x1)} ${px(yy + 6)} l8 -4 v8 z`, fill: colour })}/>`);
      const maxChars = column.get(m.from) === lastColumn ? SELF_LABEL_MAX : Math.min(SELF_LABEL_MAX, Math.floor((SEQ.column - w - 16) / CHAR_PX));
      parts.push(text(x1 + w + 6, yy + 3, ellipsize(m.label, maxChars), { class: 'msg-label' }));
    } else {
      const dir = x2 > x1 ? 1 : -1;
      parts.push(line(x1, yy, x2 - dir * 9, yy, { stroke: colour, 'stroke-width': 1.8 }));
      parts.push(`<path${attrs({ d: `M${px(x2)} ${px(yy)} l${-dir * 10} -5 v10 z`, fill: colour })}/>`);
      const room = Math.abs(x2 - x1) - 12;
      parts.push(text((x1 + x2) / 2, yy - 6, ellipsize(m.label, Math.floor(room / CHAR_PX)), { 'text-anchor': 'middle', class: 'msg-label' }));
    }
    parts.push('</g>');
  });

  if (ordered.length === 0) parts.push(text(width / 2, top + 4, 'no messages recorded', { 'text-anchor': 'middle', class: 'empty' }));
  parts.push('</svg>');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// Memory step chart
// ---------------------------------------------------------------------------------------------

const MEM = { width: 560, height: 230, left: 70, right: 18, top: 30, bottom: 38 } as const;

/**
 * Draws one pool's use over virtual time `0..endNs` as a step chart: the area under the use,
 * the pool size as a dashed limit line, and the peak marked.
 */
export function memoryChart(id: string, timeline: MemoryTimeline, endNs: ReportNanos): string {
  const samples = timeline.samples.map((s, i) => ({ s, i })).sort((a, b) => a.s.timeNs - b.s.timeNs || a.i - b.i).map((e) => e.s);
  const lastT = samples[samples.length - 1]?.timeNs ?? 0;
  const xMax = Math.max(endNs, lastT, 1);
  const peak = samples.reduce((m, s) => Math.max(m, s.bytes), 0);
  const yTicks = byteTicks(Math.max(timeline.sizeBytes, peak) * 1.08);
  const yMax = yTicks.ticks[yTicks.ticks.length - 1]!;
  const plotW = MEM.width - MEM.left - MEM.right;
  const plotH = MEM.height - MEM.top - MEM.bottom;
  const x = (t: number): number => MEM.left + (t / xMax) * plotW;
  const y = (b: number): number => MEM.top + plotH - (b / yMax) * plotH;
  const colour = PALETTE[0]!;

  const title = `${timeline.device} · ${timeline.pool}`;
  const parts: string[] = [svgOpen('memory', id, MEM.width, MEM.height, `Memory use of pool ${title} over virtual time`)];
  parts.push(text(MEM.left, 18, title, { class: 'chart-title' }));

  // Axes and grid.
  for (const v of yTicks.ticks) {
    parts.push(line(MEM.left, y(v), MEM.left + plotW, y(v), { stroke: GRID_COLOUR, 'stroke-width': 1, class: 'grid' }));
    parts.push(text(MEM.left - 6, y(v) + 4, formatBytes(v), { 'text-anchor': 'end', class: 'tick' }));
  }
  const unit = timeUnitFor(xMax);
  const xTicks = niceTicks(xMax, 5);
  for (const t of xTicks.ticks) {
    if (t > xMax * 1.0001) break;
    parts.push(line(x(t), MEM.top + plotH, x(t), MEM.top + plotH + 4, { stroke: AXIS_COLOUR }));
    parts.push(text(x(t), MEM.top + plotH + 16, formatTimeTick(t, unit, xTicks.step), { 'text-anchor': 'middle', class: 'tick' }));
  }
  parts.push(text(MEM.left + plotW, MEM.height - 4, `virtual time (${unit.name})`, { 'text-anchor': 'end', class: 'axis-title' }));
  parts.push(line(MEM.left, MEM.top, MEM.left, MEM.top + plotH, { stroke: AXIS_COLOUR }));
  parts.push(line(MEM.left, MEM.top + plotH, MEM.left + plotW, MEM.top + plotH, { stroke: AXIS_COLOUR }));

  // The step line: use before the first sample is 0, the last sample holds to the end.
  let d = `M${px(x(0))} ${px(y(0))}`;
  for (const s of samples) d += ` H${px(x(s.timeNs))} V${px(y(s.bytes))}`;
  d += ` H${px(x(xMax))}`;
  parts.push(`<path${attrs({ d: `${d} V${px(y(0))} Z`, fill: colour, 'fill-opacity': 0.15, stroke: 'none', class: 'area' })}/>`);
  parts.push(`<path${attrs({ d, fill: 'none', stroke: colour, 'stroke-width': 1.8, 'stroke-linejoin': 'round', class: 'step' })}/>`);

  // The pool size: the limit use can never pass.
  const ly = y(timeline.sizeBytes);
  parts.push(line(MEM.left, ly, MEM.left + plotW, ly, { stroke: LIMIT_COLOUR, 'stroke-width': 1.5, 'stroke-dasharray': '6 4', class: 'limit' }));
  parts.push(text(MEM.left + plotW - 4, ly - 5, `pool size ${formatBytes(timeline.sizeBytes)}`, { 'text-anchor': 'end', fill: LIMIT_COLOUR, class: 'limit-label' }));

  if (samples.length > 0) {
    const at = samples.find((s) => s.bytes === peak)!;
    const px0 = x(at.timeNs);
    const py = y(peak);
    parts.push(`<circle${attrs({ cx: px0, cy: py, r: 3.5, fill: colour, class: 'peak' })}><title>${escapeHtml(`peak ${formatBytes(peak)} at ${formatNs(at.timeNs)}`)}</title></circle>`);
    const label = `peak ${formatBytes(peak)} (${formatPercent(peak, timeline.sizeBytes)})`;
    const rightSide = px0 + 8 + label.length * CHAR_PX < MEM.left + plotW;
    // Keep the label clear of the limit line's own label when the peak is close to it.
    const labelY = Math.abs(py - ly) < 16 ? py + 15 : py - 6;
    parts.push(text(rightSide ? px0 + 6 : px0 - 6, labelY, label, { 'text-anchor': rightSide ? 'start' : 'end', class: 'peak-label' }));
  } else {
    parts.push(text(MEM.left + plotW / 2, MEM.top + plotH / 2, 'no samples', { 'text-anchor': 'middle', class: 'empty' }));
  }
  parts.push('</svg>');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// Fragmentation over time
// ---------------------------------------------------------------------------------------------

const FRAG = { width: 560, height: 240, left: 70, right: 46, top: 30, bottom: 52 } as const;
const FRAG_COLOURS = { free: PALETTE[0]!, largest: PALETTE[1]!, fragmentation: PALETTE[2]! } as const;

/**
 * Draws a pool's or heap's free space over virtual time `0..endNs`: the free total and the
 * largest free block as step lines (bytes, left axis) and the fragmentation `1 − largest/free`
 * as a dashed step line (0–1, right axis). A gap between the two byte lines is fragmentation.
 */
export function fragmentationChart(id: string, device: string, series: ReportFreeSeries, endNs: ReportNanos): string {
  const samples = [...series.samples].sort((a, b) => a.timeNs - b.timeNs);
  const lastT = samples[samples.length - 1]?.timeNs ?? 0;
  const xMax = Math.max(endNs, lastT, 1);
  const top = samples.reduce((m, s) => Math.max(m, s.freeBytes), 0);
  const yTicks = byteTicks(Math.max(top, 1) * 1.08);
  const yMax = yTicks.ticks[yTicks.ticks.length - 1]!;
  const plotW = FRAG.width - FRAG.left - FRAG.right;
  const plotH = FRAG.height - FRAG.top - FRAG.bottom;
  const x = (t: number): number => FRAG.left + (t / xMax) * plotW;
  const y = (b: number): number => FRAG.top + plotH - (b / yMax) * plotH;
  const yf = (f: number): number => FRAG.top + plotH - f * plotH;
  const what = series.pool === 'heap' ? `heap of ${series.process ?? `pid ${series.pid}`}` : series.pool;
  const title = `${device} · ${what}: free space`;
  const parts: string[] = [svgOpen('fragmentation', id, FRAG.width, FRAG.height, `Free bytes, largest free block and fragmentation of ${device} ${what} over virtual time`)];
  parts.push(text(FRAG.left, 18, title, { class: 'chart-title' }));
  for (const v of yTicks.ticks) {
    parts.push(line(FRAG.left, y(v), FRAG.left + plotW, y(v), { stroke: GRID_COLOUR, 'stroke-width': 1, class: 'grid' }));
    parts.push(text(FRAG.left - 6, y(v) + 4, formatBytes(v), { 'text-anchor': 'end', class: 'tick' }));
  }
  for (const f of [0, 0.5, 1]) parts.push(text(FRAG.left + plotW + 6, yf(f) + 4, f.toFixed(1), { 'text-anchor': 'start', class: 'tick' }));
  const unit = timeUnitFor(xMax);
  const xTicks = niceTicks(xMax, 5);
  for (const t of xTicks.ticks) {
    if (t > xMax * 1.0001) break;
    parts.push(line(x(t), FRAG.top + plotH, x(t), FRAG.top + plotH + 4, { stroke: AXIS_COLOUR }));
    parts.push(text(x(t), FRAG.top + plotH + 16, formatTimeTick(t, unit, xTicks.step), { 'text-anchor': 'middle', class: 'tick' }));
  }
  parts.push(text(FRAG.left + plotW, FRAG.top + plotH + 30, `virtual time (${unit.name})`, { 'text-anchor': 'end', class: 'axis-title' }));
  parts.push(line(FRAG.left, FRAG.top, FRAG.left, FRAG.top + plotH, { stroke: AXIS_COLOUR }));
  parts.push(line(FRAG.left, FRAG.top + plotH, FRAG.left + plotW, FRAG.top + plotH, { stroke: AXIS_COLOUR }));
  parts.push(line(FRAG.left + plotW, FRAG.top, FRAG.left + plotW, FRAG.top + plotH, { stroke: AXIS_COLOUR }));
  if (samples.length === 0) {
    parts.push(text(FRAG.left + plotW / 2, FRAG.top + plotH / 2, 'no samples', { 'text-anchor': 'middle', class: 'empty' }));
  } else {
    // Each value holds from its sample to the next; before the first sample nothing was recorded.
    const step = (f: (s: (typeof samples)[number]) => number): string => {
      let d = `M${px(x(samples[0]!.timeNs))} ${px(f(samples[0]!))}`;
      for (const s of samples.slice(1)) d += ` H${px(x(s.timeNs))} V${px(f(s))}`;
      return `${d} H${px(x(xMax))}`;
    };
    parts.push(`<path${attrs({ d: step((s) => y(s.freeBytes)), fill: 'none', stroke: FRAG_COLOURS.free, 'stroke-width': 1.8, class: 'free' })}/>`);
    parts.push(`<path${attrs({ d: step((s) => y(s.largestFreeBytes)), fill: 'none', stroke: FRAG_COLOURS.largest, 'stroke-width': 1.8, class: 'largest' })}/>`);
    parts.push(`<path${attrs({ d: step((s) => yf(s.fragmentation)), fill: 'none', stroke: FRAG_COLOURS.fragmentation, 'stroke-width': 1.4, 'stroke-dasharray': '5 3', class: 'fragmentation' })}/>`);
    const worst = samples.reduce((a, b) => (b.largestFreeBytes < a.largestFreeBytes ? b : a));
    parts.push(`<circle${attrs({ cx: x(worst.timeNs), cy: y(worst.largestFreeBytes), r: 3.5, fill: FRAG_COLOURS.largest, class: 'worst' })}><title>${escapeHtml(`largest free block ${formatBytes(series.minLargestFreeBytes)} at worst`)}</title></circle>`);
  }
  // Legend under the axis title.
  const ly = FRAG.height - 6;
  const legend: [string, string][] = [
    [FRAG_COLOURS.free, 'free bytes'],
    [FRAG_COLOURS.largest, `largest free block (min ${formatBytes(series.minLargestFreeBytes)})`],
    [FRAG_COLOURS.fragmentation, `fragmentation (max ${series.maxFragmentation.toFixed(2)})`],
  ];
  let lx = FRAG.left;
  for (const [c, label] of legend) {
    parts.push(line(lx, ly - 4, lx + 14, ly - 4, { stroke: c, 'stroke-width': 2.5 }));
    parts.push(text(lx + 18, ly, label, { class: 'tick' }));
    lx += 26 + label.length * 5.6;
  }
  parts.push('</svg>');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// CPU bars
// ---------------------------------------------------------------------------------------------

const CPU = { width: 760, left: 150, right: 190, top: 30, row: 24, bottom: 34 } as const;

/** Draws one device's CPU time per primitive as horizontal bars, longest first. */
export function cpuChart(id: string, device: string, primitives: readonly CpuPrimitiveCost[]): string {
  const rows = [...primitives].sort((a, b) => b.ns - a.ns || (a.primitive < b.primitive ? -1 : a.primitive > b.primitive ? 1 : 0));
  const total = rows.reduce((n, r) => n + r.ns, 0);
  const height = CPU.top + Math.max(1, rows.length) * CPU.row + CPU.bottom;
  const plotW = CPU.width - CPU.left - CPU.right;
  const ticks = niceTicks(Math.max(1, rows[0]?.ns ?? 0), 4);
  const xMax = ticks.ticks[ticks.ticks.length - 1]!;
  const x = (ns: number): number => CPU.left + (ns / xMax) * plotW;
  const plotBottom = CPU.top + Math.max(1, rows.length) * CPU.row;
  const unit = timeUnitFor(xMax);

  const parts: string[] = [svgOpen('cpu', id, CPU.width, height, `CPU time per primitive on ${device}`)];
  parts.push(text(CPU.left, 18, `${device} · CPU time per primitive (total ${formatNs(total)})`, { class: 'chart-title' }));
  for (const t of ticks.ticks) {
    parts.push(line(x(t), CPU.top - 4, x(t), plotBottom, { stroke: GRID_COLOUR, class: 'grid' }));
    parts.push(text(x(t), plotBottom + 16, formatTimeTick(t, unit, ticks.step), { 'text-anchor': 'middle', class: 'tick' }));
  }
  parts.push(text(CPU.left + plotW, height - 4, `virtual CPU time (${unit.name})`, { 'text-anchor': 'end', class: 'axis-title' }));
  rows.forEach((r, i) => {
    const yy = CPU.top + i * CPU.row;
    const colour = PALETTE[i % PALETTE.length]!;
    parts.push(`<g class="bar"><title>${escapeHtml(`${r.primitive}: ${groupDigits(r.calls)} calls, ${groupDigits(r.cycles)} cycles, ${formatNs(r.ns)}`)}</title>`);
    parts.push(text(CPU.left - 8, yy + CPU.row / 2 + 4, ellipsize(r.primitive, Math.floor((CPU.left - 12) / CHAR_PX)), { 'text-anchor': 'end', class: 'bar-label' }));
    parts.push(`<rect${attrs({ x: CPU.left, y: yy + 4, width: Math.max(1, x(r.ns) - CPU.left), height: CPU.row - 8, rx: 2, fill: colour })}/>`);
    parts.push(text(x(r.ns) + 6, yy + CPU.row / 2 + 4, `${formatNs(r.ns)} · ${groupDigits(r.calls)}×`, { class: 'bar-value' }));
    parts.push('</g>');
  });
  parts.push(line(CPU.left, CPU.top - 4, CPU.left, plotBottom, { stroke: AXIS_COLOUR }));
  if (rows.length === 0) parts.push(text(CPU.left + plotW / 2, CPU.top + CPU.row / 2 + 4, 'no CPU charged', { 'text-anchor': 'middle', class: 'empty' }));
  parts.push('</svg>');
  return parts.join('');
}
