/**
 * Memory budgets that gate CI: checks on a finished run's memory figures (heap peak, largest
 * free block, fragmentation, stack high-water, fragmentation failures, and "no peak above a
 * committed baseline run"). One evaluator serves both places a budget can come from: a
 * scenario's `assertions` (validate.ts checks them with {@link budgetErrors}, run.ts evaluates
 * them) and `cesim run|campaign --budget FILE` ({@link applyBudgets}). Each verdict names the
 * device, pool, thread or owner that broke it, so a pull request that grows a peak fails with
 * the owner that grew.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { DeviceMemorySummary } from './memory.js';
import type { AssertionResult, MemoryBudgetSpec } from './types.js';

/** One memory budget (the same shape as a scenario's budget assertion). */
export type BudgetSpec = MemoryBudgetSpec;

/** The budget kinds. */
export const BUDGET_KINDS = ['heap-peak-under', 'largest-free-block-over', 'fragmentation-under', 'stack-peak-under', 'no-fragmentation-failures', 'peak-not-above-baseline'] as const;

/** Whether an assertion kind is a memory budget's. */
export function isBudgetKind(kind: unknown): kind is BudgetSpec['kind'] {
  return typeof kind === 'string' && (BUDGET_KINDS as readonly string[]).includes(kind);
}

/** A budget file that does not validate; the message names the bad field. */
export class BudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetError';
  }
}

const isRec = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields each kind takes besides `kind`, `name` and `device`. */
const FIELDS: Record<BudgetSpec['kind'], readonly string[]> = {
  'heap-peak-under': ['bytes'],
  'largest-free-block-over': ['pool', 'bytes'],
  'fragmentation-under': ['pool', 'max'],
  'stack-peak-under': ['bytes'],
  'no-fragmentation-failures': [],
  'peak-not-above-baseline': ['file', 'tolerancePct'],
};

/**
 * The problems of one budget given as parsed JSON, each as `path.field: what was expected`
 * (empty when it is valid). `at` is the budget's path, e.g. `assertions[3]` or `b.json[0]`.
 */
export function budgetErrors(b: unknown, at: string): string[] {
  if (!isRec(b)) return [`${at}: expected an object`];
  const kind = b.kind;
  if (!isBudgetKind(kind)) return [`${at}.kind: expected one of ${BUDGET_KINDS.join(', ')}, got ${JSON.stringify(kind)}`];
  const errors: string[] = [];
  const allowed = ['kind', 'name', 'device', ...FIELDS[kind]];
  for (const k of Object.keys(b)) if (!allowed.includes(k)) errors.push(`${at}.${k}: unknown field for ${kind} (expected ${allowed.join(', ')})`);
  const nonNeg = (k: string, optional = false): void => {
    const v = b[k];
    if (optional && v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) errors.push(`${at}.${k}: expected a non-negative number, got ${JSON.stringify(v)}`);
  };
  const str = (k: string, optional = false): void => {
    const v = b[k];
    if (optional && v === undefined) return;
    if (typeof v !== 'string' || v === '') errors.push(`${at}.${k}: expected a non-empty string, got ${JSON.stringify(v)}`);
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
    if (typeof b.max === 'number' && b.max > 1) errors.push(`${at}.max: expected a fraction in [0, 1], got ${String(b.max)}`);
  }
  if (kind === 'peak-not-above-baseline') {
    str('file');
    nonNeg('tolerancePct', true);
  }
  return errors;
}

/** Validates budgets given as parsed JSON: an array, or `{ "budgets": [...] }`. Throws a {@link BudgetError} naming the first bad field. */
export function parseBudgets(json: unknown, where = 'budgets'): BudgetSpec[] {
  const list = Array.isArray(json) ? json : isRec(json) && Array.isArray(json.budgets) ? json.budgets : null;
  if (!list) throw new BudgetError(`${where}: expected an array of budgets or { "budgets": [...] }`);
  return list.map((b: unknown, i: number) => {
    const errors = budgetErrors(b, `${where}[${i}]`);
    if (errors.length > 0) throw new BudgetError(errors[0]!);
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

/** What a budget reads of a run: the devices' pool peaks and memory diagnostics (a `RunSummary` is one). */
export interface BudgetSubject {
  devices: readonly {
    name: string;
    group: string;
    pools: readonly { name: string; peakBytesRequested: number }[];
    heapPeakBytes: number;
    memory: DeviceMemorySummary;
  }[];
}

/** A baseline device: what `peak-not-above-baseline` compares (a full `--json` run has these fields too). */
export interface BaselineDevice {
  name: string;
  pools: { name: string; peakBytesRequested: number }[];
  heapPeakBytes: number;
  memory?: { stack?: { peakBytes?: number }; ownerPeaks?: { process: string; tag: string; peakBytes: number }[] };
}

/** A baseline document: `cesim run --write-baseline FILE` writes it; a `cesim run --json` document is one too. */
export interface Baseline {
  /** `1` in a file `--write-baseline` wrote. */
  cesimBaseline?: number;
  scenario?: string;
  seed?: string | number;
  devices: BaselineDevice[];
}

/** The baseline of a run: per device its pool, heap, stack and owner peaks (what `--write-baseline` writes). */
export function baselineOf(s: BudgetSubject & { scenario: string; seed: string | number }): Baseline {
  return {
    cesimBaseline: 1,
    scenario: s.scenario,
    seed: s.seed,
    devices: s.devices.map((d) => ({
      name: d.name,
      heapPeakBytes: d.heapPeakBytes,
      pools: d.pools.map((p) => ({ name: p.name, peakBytesRequested: p.peakBytesRequested })),
      memory: {
        stack: { peakBytes: d.memory.stack.peakBytes },
        ownerPeaks: d.memory.ownerPeaks.map((o) => ({ process: o.process, tag: o.tag, peakBytes: o.peakBytes })),
      },
    })),
  };
}

/** Reads a baseline file; throws a {@link BudgetError} saying what is wrong with it. */
export function readBaseline(file: string): Baseline {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BudgetError(`baseline ${file}: ${(e as Error).message}`);
  }
  if (!isRec(j) || !Array.isArray(j.devices)) throw new BudgetError(`baseline ${file}: expected a cesim baseline (cesim run --write-baseline) or a cesim run --json document (with "devices")`);
  return j as unknown as Baseline;
}

/** Where a pool or heap figure is: `device/pool (process)`. */
const poolAt = (d: { name: string }, p: { name: string; process?: string; pid?: number }): string => `${d.name}/${p.name}${p.process ? ` (${p.process})` : p.pid !== undefined ? ` (pid ${p.pid})` : ''}`;

/**
 * Evaluates one budget on a run. `baseDir` resolves a baseline's relative `file` (the budget
 * file's folder, or the scenario's). A baseline that cannot be read is a failed verdict that
 * says why, not an exception.
 */
export function evaluateBudget(b: BudgetSpec, s: BudgetSubject, baseDir = '.'): AssertionResult {
  const name = budgetName(b);
  const res = (passed: boolean, detail: string): AssertionResult => ({ name, passed, detail, budget: true });
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
      for (const d of devices) for (const p of d.memory.pools.filter((x) => x.name === b.pool)) if (p.minLargestFreeBytes < worst.v) worst = { v: p.minLargestFreeBytes, where: poolAt(d, p) };
      if (worst.v === Infinity) return res(false, `no pool ${b.pool} in scope`);
      return worst.v > b.bytes ? res(true, `smallest largest-free-block ${fmt(worst.v)} B on ${worst.where} > ${fmt(b.bytes)} B`) : res(false, `largest free block fell to ${fmt(worst.v)} B on ${worst.where}, expected over ${fmt(b.bytes)} B`);
    }
    case 'fragmentation-under': {
      let worst = { v: -1, where: '' };
      for (const d of devices) for (const p of d.memory.pools.filter((x) => x.name === b.pool)) if (p.maxFragmentation > worst.v) worst = { v: p.maxFragmentation, where: poolAt(d, p) };
      if (worst.v < 0) return res(false, `no pool ${b.pool} in scope`);
      return worst.v < b.max ? res(true, `fragmentation at most ${worst.v} on ${worst.where} < ${b.max}`) : res(false, `fragmentation reached ${worst.v} on ${worst.where}, expected under ${b.max}`);
    }
    case 'no-fragmentation-failures': {
      const bad = devices.flatMap((d) => d.memory.pools.filter((x) => x.fragmentationFailures > 0).map((p) => ({ d, p })));
      if (bad.length === 0) return res(true, 'no allocation failed for fragmentation');
      const { d, p } = bad[0]!;
      const more = bad.length > 1 ? ` (and ${bad.length - 1} more pool(s) or heap(s))` : '';
      return res(false, `${poolAt(d, p)}: ${p.fragmentationFailures} allocation(s) failed although the free total would have served them${more}`);
    }
    case 'peak-not-above-baseline': {
      const file = isAbsolute(b.file) ? b.file : join(baseDir, b.file);
      let base: Baseline;
      try {
        base = readBaseline(file);
      } catch (e) {
        return res(false, (e as Error).message);
      }
      const tol = 1 + (b.tolerancePct ?? 0) / 100;
      const grew: string[] = [];
      const missing: string[] = [];
      for (const d of devices) {
        const bd = base.devices.find((x) => x.name === d.name);
        if (!bd) {
          missing.push(d.name);
          continue;
        }
        // Owners first: the owner that grew is what the pull request has to explain.
        const bo = new Map((bd.memory?.ownerPeaks ?? []).map((o) => [`${o.process}\u0000${o.tag}`, o.peakBytes]));
        for (const o of d.memory.ownerPeaks) {
          const before = bo.get(`${o.process}\u0000${o.tag}`);
          if (before === undefined) grew.push(`${d.name} owner ${o.tag} (${o.process}) new: ${fmt(o.peakBytes)} B`);
          else if (o.peakBytes > before * tol) grew.push(`${d.name} owner ${o.tag} (${o.process}) ${fmt(before)} → ${fmt(o.peakBytes)} B`);
        }
        for (const p of d.pools) {
          const bp = bd.pools.find((x) => x.name === p.name);
          if (bp && p.peakBytesRequested > bp.peakBytesRequested * tol) grew.push(`${d.name} pool ${p.name} peak ${fmt(bp.peakBytesRequested)} → ${fmt(p.peakBytesRequested)} B`);
        }
        if (d.heapPeakBytes > bd.heapPeakBytes * tol) grew.push(`${d.name} heap peak ${fmt(bd.heapPeakBytes)} → ${fmt(d.heapPeakBytes)} B`);
        const was = bd.memory?.stack?.peakBytes;
        if (was !== undefined && d.memory.stack.peakBytes > was * tol) {
          const t = d.memory.stack.threads.reduce((a, x) => (x.peakBytes > a.peakBytes ? x : a));
          grew.push(`${d.name} stack peak ${fmt(was)} → ${fmt(d.memory.stack.peakBytes)} B (${t.name} in ${t.call}, ${t.at})`);
        }
      }
      const within = b.tolerancePct ? ` + ${b.tolerancePct}%` : '';
      if (missing.length === devices.length) return res(false, `the baseline ${b.file} has none of the devices (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}): is it this scenario's?`);
      if (grew.length === 0 && missing.length === 0) return res(true, `no pool, heap, stack or owner peak above ${b.file}${within}`);
      const parts = [...grew.slice(0, 5), ...(grew.length > 5 ? ['…'] : []), ...(missing.length ? [`not in the baseline: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}`] : [])];
      return res(false, `${grew.length} peak(s) above the baseline${within}: ${parts.join('; ')}`);
    }
  }
}

/**
 * Evaluates `budgets` on a finished run and adds their verdicts to its assertions (named
 * `budget …`); a breach turns a passing run into a failed one. Returns the verdicts.
 */
export function applyBudgets(s: BudgetSubject & { result: 'pass' | 'fail' | 'error'; assertions: AssertionResult[] }, budgets: readonly BudgetSpec[], baseDir: string): AssertionResult[] {
  const verdicts = budgets.map((b) => {
    const v = evaluateBudget(b, s, baseDir);
    return { ...v, name: `budget ${v.name}` };
  });
  s.assertions.push(...verdicts);
  if (s.result === 'pass' && verdicts.some((v) => !v.passed)) s.result = 'fail';
  return verdicts;
}
