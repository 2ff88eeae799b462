/**
 * Memory budgets that gate CI: checks on a finished run's memory figures (heap peak, largest
 * free block, fragmentation, stack high-water, fragmentation failures, and "no peak above a
 * committed baseline run"). `cesim run --budget FILE` evaluates a file of them; each verdict
 * names the device, pool or owner that broke it, so a pull request that grows a peak fails
 * with the owner that grew.
 */
import { readFileSync } from 'node:fs';
import type { AssertionResult, RunSummary } from './run.js';

/** One memory budget. `device` limits it to a device or group (default every device). */
export type BudgetSpec = { name?: string; device?: string } & (
  | { kind: 'heap-peak-under'; bytes: number }
  | { kind: 'largest-free-block-over'; pool: string; bytes: number }
  | { kind: 'fragmentation-under'; pool: string; max: number }
  | { kind: 'stack-peak-under'; bytes: number }
  | { kind: 'no-fragmentation-failures' }
  | { kind: 'peak-not-above-baseline'; file: string; tolerancePct?: number }
);

/** The budget kinds. */
export const BUDGET_KINDS = ['heap-peak-under', 'largest-free-block-over', 'fragmentation-under', 'stack-peak-under', 'no-fragmentation-failures', 'peak-not-above-baseline'] as const;

/** A budget file that does not validate; the message names the bad field. */
export class BudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetError';
  }
}

const isRec = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates budgets given as parsed JSON: an array, or `{ "budgets": [...] }`. */
export function parseBudgets(json: unknown, where = 'budgets'): BudgetSpec[] {
  const list = Array.isArray(json) ? json : isRec(json) && Array.isArray(json.budgets) ? json.budgets : null;
  if (!list) throw new BudgetError(`${where}: expected an array of budgets or { "budgets": [...] }`);
  return list.map((b: unknown, i: number) => {
    const at = `${where}[${i}]`;
    if (!isRec(b)) throw new BudgetError(`${at}: expected an object`);
    const kind = b.kind;
    if (typeof kind !== 'string' || !(BUDGET_KINDS as readonly string[]).includes(kind)) throw new BudgetError(`${at}.kind: expected one of ${BUDGET_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
    const allowed: Record<string, string[]> = {
      'heap-peak-under': ['bytes'],
      'largest-free-block-over': ['pool', 'bytes'],
      'fragmentation-under': ['pool', 'max'],
      'stack-peak-under': ['bytes'],
      'no-fragmentation-failures': [],
      'peak-not-above-baseline': ['file', 'tolerancePct'],
    };
    for (const k of Object.keys(b)) if (!['kind', 'name', 'device', ...allowed[kind]!].includes(k)) throw new BudgetError(`${at}.${k}: unknown field for ${kind}`);
    const nonNeg = (k: string, optional = false): void => {
      const v = b[k];
      if (optional && v === undefined) return;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new BudgetError(`${at}.${k}: expected a non-negative number, got ${JSON.stringify(v)}`);
    };
    const str = (k: string, optional = false): void => {
      const v = b[k];
      if (optional && v === undefined) return;
      if (typeof v !== 'string' || v === '') throw new BudgetError(`${at}.${k}: expected a non-empty string, got ${JSON.stringify(v)}`);
    };
    str('name', true);
    str('device', true);
    if (kind === 'heap-peak-under' || kind === 'stack-peak-under') nonNeg('bytes');
    if (kind === 'largest-free-block-over') {
      str('pool');
      nonNeg('bytes');
    }
    if (kind === 'fragmentation-under') {
      str('pool');
      nonNeg('max');
      if ((b.max as number) > 1) throw new BudgetError(`${at}.max: expected a fraction in [0, 1], got ${String(b.max)}`);
    }
    if (kind === 'peak-not-above-baseline') {
      str('file');
      nonNeg('tolerancePct', true);
    }
    return b as BudgetSpec;
  });
}

/** Reads and validates a budget file; a baseline's `file` is taken relative to it. */
export function budgetsFromFile(path: string): { budgets: BudgetSpec[]; baseDir: string } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new BudgetError(`${path}: ${(e as Error).message}`);
  }
  return { budgets: parseBudgets(json, path), baseDir: path.replace(/[^/\\]*$/, '') || '.' };
}

/** The name a budget's verdict carries. */
export function budgetName(b: BudgetSpec): string {
  if (b.name) return b.name;
  const on = b.device ? ` (${b.device})` : '';
  switch (b.kind) {
    case 'heap-peak-under':
    case 'stack-peak-under':
      return `${b.kind} ${b.bytes} B${on}`;
    case 'largest-free-block-over':
      return `${b.kind} ${b.pool} ${b.bytes} B${on}`;
    case 'fragmentation-under':
      return `${b.kind} ${b.pool} ${b.max}${on}`;
    case 'peak-not-above-baseline':
      return `${b.kind} ${b.file}${b.tolerancePct ? ` ±${b.tolerancePct}%` : ''}${on}`;
    default:
      return `${b.kind}${on}`;
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A baseline: a previous run's `cesim run --json` document (only `devices` is read). */
interface Baseline {
  devices: { name: string; pools: { name: string; peakBytesRequested: number }[]; heapPeakBytes: number; memory?: { owners?: { process: string; tag: string; peakBytes: number }[]; ownerPeaks?: { process: string; tag: string; peakBytes: number }[] } }[];
}

function readBaseline(file: string): Baseline {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BudgetError(`baseline ${file}: ${(e as Error).message}`);
  }
  if (!isRec(j) || !Array.isArray(j.devices)) throw new BudgetError(`baseline ${file}: expected a cesim run --json document (with "devices")`);
  return j as unknown as Baseline;
}

/**
 * Evaluates one budget on a run. `inGroup(device)` says whether a device belongs to the budget's
 * `device` (a device name or a group); `baseDir` resolves a baseline's file.
 */
export function evaluateBudget(b: BudgetSpec, s: RunSummary, baseDir = '.'): AssertionResult {
  const name = budgetName(b);
  const res = (passed: boolean, detail: string): AssertionResult => ({ name, passed, detail });
  const devices = s.devices.filter((d) => b.device === undefined || d.name === b.device || d.group === b.device);
  if (devices.length === 0) return res(false, `no device ${b.device}`);
  switch (b.kind) {
    case 'heap-peak-under': {
      let worst = { v: -1, where: '' };
      for (const d of devices) for (const h of d.memory.pools.filter((p) => p.name === 'heap')) if (h.peakBytesRequested > worst.v) worst = { v: h.peakBytesRequested, where: `${d.name}/${h.process ?? `pid ${h.pid}`}` };
      if (worst.v < 0) return res(false, 'no process heap in scope');
      return worst.v < b.bytes ? res(true, `heap peak ${fmt(worst.v)} B on ${worst.where} < ${fmt(b.bytes)} B`) : res(false, `heap peak ${fmt(worst.v)} B on ${worst.where}, expected under ${fmt(b.bytes)} B`);
    }
    case 'stack-peak-under': {
      let worst = { v: -1, where: '' };
      for (const d of devices) for (const t of d.memory.stack.threads) if (t.peakBytes > worst.v) worst = { v: t.peakBytes, where: `${d.name}/${t.name} in ${t.call} (${t.at})` };
      if (worst.v < 0) return res(true, 'no stack use modelled');
      return worst.v < b.bytes ? res(true, `stack peak ${fmt(worst.v)} B on ${worst.where} < ${fmt(b.bytes)} B`) : res(false, `stack peak ${fmt(worst.v)} B on ${worst.where}, expected under ${fmt(b.bytes)} B`);
    }
    case 'largest-free-block-over': {
      let worst = { v: Infinity, where: '' };
      for (const d of devices) for (const p of d.memory.pools.filter((x) => x.name === b.pool)) if (p.minLargestFreeBytes < worst.v) worst = { v: p.minLargestFreeBytes, where: `${d.name}/${p.name}${p.process ? ` (${p.process})` : ''}` };
      if (worst.v === Infinity) return res(false, `no pool ${b.pool} in scope`);
      return worst.v > b.bytes ? res(true, `smallest largest-free-block ${fmt(worst.v)} B on ${worst.where} > ${fmt(b.bytes)} B`) : res(false, `largest free block fell to ${fmt(worst.v)} B on ${worst.where}, expected over ${fmt(b.bytes)} B`);
    }
    case 'fragmentation-under': {
      let worst = { v: -1, where: '' };
      for (const d of devices) for (const p of d.memory.pools.filter((x) => x.name === b.pool)) if (p.maxFragmentation > worst.v) worst = { v: p.maxFragmentation, where: `${d.name}/${p.name}${p.process ? ` (${p.process})` : ''}` };
      if (worst.v < 0) return res(false, `no pool ${b.pool} in scope`);
      return worst.v < b.max ? res(true, `fragmentation at most ${worst.v} on ${worst.where} < ${b.max}`) : res(false, `fragmentation reached ${worst.v} on ${worst.where}, expected under ${b.max}`);
    }
    case 'no-fragmentation-failures': {
      for (const d of devices) {
        const p = d.memory.pools.find((x) => x.fragmentationFailures > 0);
        if (p) return res(false, `${d.name}/${p.name}${p.process ? ` (${p.process})` : ''}: ${p.fragmentationFailures} allocation(s) failed although the free total would have served them`);
      }
      return res(true, 'no allocation failed for fragmentation');
    }
    case 'peak-not-above-baseline': {
      const file = /^([A-Za-z]:)?[/\\]/.test(b.file) ? b.file : `${baseDir.replace(/[/\\]?$/, '/')}${b.file}`;
      const base = readBaseline(file);
      const tol = 1 + (b.tolerancePct ?? 0) / 100;
      const grew: string[] = [];
      for (const d of devices) {
        const bd = base.devices.find((x) => x.name === d.name);
        if (!bd) continue;
        for (const p of d.pools) {
          const bp = bd.pools.find((x) => x.name === p.name);
          if (bp && p.peakBytesRequested > bp.peakBytesRequested * tol) grew.push(`${d.name} pool ${p.name} peak ${fmt(bp.peakBytesRequested)} → ${fmt(p.peakBytesRequested)} B`);
        }
        if (d.heapPeakBytes > bd.heapPeakBytes * tol) grew.push(`${d.name} heap peak ${fmt(bd.heapPeakBytes)} → ${fmt(d.heapPeakBytes)} B`);
        const bo = new Map((bd.memory?.ownerPeaks ?? []).map((o) => [`${o.process}\u0000${o.tag}`, o.peakBytes]));
        for (const o of d.memory.ownerPeaks) {
          const was = bo.get(`${o.process}\u0000${o.tag}`) ?? 0;
          if (o.peakBytes > was * tol) grew.push(`${d.name} owner ${o.tag} (${o.process}) ${fmt(was)} → ${fmt(o.peakBytes)} B`);
        }
      }
      if (grew.length === 0) return res(true, `no pool, heap or owner peak above ${b.file}${b.tolerancePct ? ` + ${b.tolerancePct}%` : ''}`);
      return res(false, `${grew.length} peak(s) above the baseline${b.tolerancePct ? ` + ${b.tolerancePct}%` : ''}: ${grew.slice(0, 5).join('; ')}${grew.length > 5 ? '; …' : ''}`);
    }
  }
}
