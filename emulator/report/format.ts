/**
 * Text helpers of the report: escaping, number and unit formatting, axis ticks.
 *
 * Everything here is deterministic (no locale, no clock), so the same data always renders
 * the same bytes.
 */

/** Escapes text for HTML and SVG element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&#39;';
    }
  });
}

/** A coordinate rounded to 0.01 px, so the SVG stays small and stable. */
export function px(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Groups an integer's digits in threes with thin spaces: `1 234 567`. */
export function groupDigits(n: number): string {
  const s = String(Math.round(Math.abs(n)));
  const out = s.replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
  return n < 0 ? `-${out}` : out;
}

/** A time unit for virtual nanoseconds. */
export interface TimeUnit {
  /** Symbol, e.g. `ms`. */
  name: string;
  /** Nanoseconds per unit. */
  ns: number;
}

const TIME_UNITS: readonly TimeUnit[] = [
  { name: 'ns', ns: 1 },
  { name: 'µs', ns: 1e3 },
  { name: 'ms', ns: 1e6 },
  { name: 's', ns: 1e9 },
];

/** The largest unit in which `ns` is at least 1 (nanoseconds for 0). */
export function timeUnitFor(ns: number): TimeUnit {
  let unit = TIME_UNITS[0]!;
  for (const u of TIME_UNITS) if (Math.abs(ns) >= u.ns) unit = u;
  return unit;
}

/** A virtual time with a fitting unit and up to `digits` decimals: `12.345 ms`. */
export function formatNs(ns: number, digits = 3): string {
  const u = timeUnitFor(ns);
  if (u.ns === 1) return `${Math.round(ns)} ns`;
  return `${trimZeros((ns / u.ns).toFixed(digits))} ${u.name}`;
}

/** A byte count: `512 B`, `12.5 KiB`, `1.25 MiB`. */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${Math.round(bytes)} B`;
  if (abs < 1024 * 1024) return `${trimZeros((bytes / 1024).toFixed(1))} KiB`;
  return `${trimZeros((bytes / (1024 * 1024)).toFixed(2))} MiB`;
}

/** A percentage with one decimal: `42.5%`. */
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '—';
  return `${trimZeros(((100 * part) / whole).toFixed(1))}%`;
}

function trimZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** `0x0001a2b0`: an address as 8 hex digits, as on a 32-bit device. */
export function formatAddr(addr: number): string {
  return `0x${(addr >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * "Nice" axis ticks from 0 to at least `max`: about `count` steps of 1, 2 or 5 × 10^k.
 * Returns the ticks (the last one ≥ max) and the step.
 */
export function niceTicks(max: number, count = 5): { ticks: number[]; step: number } {
  if (!(max > 0)) return { ticks: [0, 1], step: 1 };
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag);
  const ticks: number[] = [];
  for (let i = 0; i * step < max + step * 1e-9 || ticks.length < 2; i++) ticks.push(i * step);
  if (ticks[ticks.length - 1]! < max) ticks.push(ticks.length * step);
  return { ticks, step };
}

/** Byte-axis ticks: powers-of-two friendly steps (1, 2, 4, 8 … KiB) when the range is in KiB or more. */
export function byteTicks(max: number, count = 5): { ticks: number[]; step: number } {
  if (!(max > 0)) return { ticks: [0, 1024], step: 1024 };
  if (max < 2048) return niceTicks(max, count);
  const raw = max / count;
  let step = 256;
  while (step < raw) step *= 2;
  const ticks: number[] = [];
  for (let v = 0; v < max + step; v += step) {
    ticks.push(v);
    if (v >= max) break;
  }
  return { ticks, step };
}

/** Formats a tick value `ns` in `unit` with just enough decimals for `step`. */
export function formatTimeTick(ns: number, unit: TimeUnit, step: number): string {
  const decimals = Math.max(0, Math.min(6, Math.ceil(-Math.log10(step / unit.ns) - 1e-9)));
  return `${(ns / unit.ns).toFixed(decimals)}`;
}

/** A lower-case identifier fragment: letters, digits and `-` only (never empty). */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s || 'x';
}

/** Shortens `text` to at most `max` characters, ending in `…` when it was cut. */
export function ellipsize(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(1, max - 1))}…`;
}
