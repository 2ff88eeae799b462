/**
 * The campaign's bookkeeping: how one run is classified (success, failure by status, leak,
 * device fault, memory budget breached, exception, hang) and how the verdicts add up.
 */
import type { RunSummary } from '../scenario/index.js';

/** What a worker is given once. */
export interface CampaignWorkerData {
  entry: string;
  ref: string;
  sets: string[];
  faults?: string;
  allocFailures?: string;
  profile?: string;
  /** `--profiles DIR` (absolute path): per-group profiles. */
  profiles?: string;
  /** A `--budget` file (absolute path) every run is checked against. */
  budget?: string;
}

/** One job: a seed to run. */
export interface CampaignJob {
  seed: number;
}

/** How one run went. */
export type RunClass = 'success' | 'failure' | 'budget' | 'leak' | 'fault' | 'exception' | 'hang';

/** One run's verdict, as a worker reports it. */
export interface RunVerdict {
  seed: number;
  class: RunClass;
  /** For failures: the first non-OK program status or failed assertion, e.g. `client: SEC_E_INSUFFICIENT_MEMORY`. */
  status: string;
  /** One line on what went wrong. */
  detail: string;
  leakedBlocks: number;
  faults: number;
  traceHash: string;
  virtualTimeNs: number;
  hostMs: number;
}

/**
 * Classifies a run (or a run that threw outside the simulation, `error`). Worst first:
 * exception, hang, fault, leak, budget (a memory budget failed: a scenario's budget assertion or
 * `--budget`), failure.
 */
export function classifyRun(seed: number, s: RunSummary | null, hostMs: number, error?: string): RunVerdict {
  if (!s) return { seed, class: 'exception', status: 'EXCEPTION', detail: error ?? 'unknown error', leakedBlocks: 0, faults: 0, traceHash: '', virtualTimeNs: 0, hostMs };
  const v: RunVerdict = { seed, class: 'success', status: 'OK', detail: '', leakedBlocks: s.totals.leakedBlocks, faults: s.totals.faults, traceHash: s.traceHash, virtualTimeNs: s.stop.virtualTimeNs, hostMs };
  const bad = s.programs.find((p) => !p.ok);
  if (bad) v.status = `${s.devices.find((d) => d.name === bad.device)?.group ?? bad.device}: ${bad.status}`;
  const ex = s.programs.find((p) => p.exception);
  if (s.totals.exceptions > 0) {
    v.class = 'exception';
    v.detail = ex ? `${ex.device}/${ex.process}: ${ex.exception}` : (s.stop.failed ?? 'exception');
  } else if (s.stop.reason === 'time-limit' || s.stop.hung.length > 0) {
    v.class = 'hang';
    v.detail = s.stop.hung[0] ?? `time limit at ${s.stop.virtualTimeNs} ns`;
  } else if (s.totals.faults > 0) {
    v.class = 'fault';
    const d = s.devices.find((x) => x.faults.length > 0)!;
    v.detail = `${d.name}: ${d.faults[0]!.kind} in ${d.faults[0]!.call}: ${d.faults[0]!.detail}`;
  } else if (s.totals.leakedBlocks > 0) {
    v.class = 'leak';
    const d = s.devices.find((x) => x.leaks.length > 0)!;
    const e = d.leaks[0]!;
    v.detail = `${d.name}: ${s.totals.leakedBlocks} block(s), e.g. ${e.pool} ${e.size} B tag ${e.owner.tag} from ${e.owner.call}`;
  } else if (s.assertions.some((a) => a.budget && !a.passed)) {
    v.class = 'budget';
    const a = s.assertions.find((x) => x.budget && !x.passed)!;
    v.status = `budget ${a.name.replace(/^budget /, '')}`;
    v.detail = a.detail;
  } else if (s.result !== 'pass') {
    v.class = 'failure';
    const a = s.assertions.find((x) => !x.passed);
    if (!bad && a) v.status = `assertion ${a.name}`;
    v.detail = bad?.detail ?? a?.detail ?? '';
  }
  return v;
}

/** The campaign's totals. */
export interface CampaignTotals {
  runs: number;
  successes: number;
  /** Failures (the program reported a status other than success, or an assertion failed) by status. */
  failuresByStatus: Record<string, number>;
  leaks: number;
  faults: number;
  /** Runs that broke a memory budget. */
  budgets: number;
  exceptions: number;
  hangs: number;
  /** Every run that was not a success, by seed. */
  problems: RunVerdict[];
  hostMs: number;
}

/** Adds up verdicts. */
export function tally(vs: readonly RunVerdict[]): CampaignTotals {
  const t: CampaignTotals = { runs: vs.length, successes: 0, failuresByStatus: {}, leaks: 0, faults: 0, budgets: 0, exceptions: 0, hangs: 0, problems: [], hostMs: 0 };
  for (const v of [...vs].sort((a, b) => a.seed - b.seed)) {
    t.hostMs += v.hostMs;
    if (v.class === 'success') {
      t.successes++;
      continue;
    }
    t.problems.push(v);
    if (v.class === 'failure') t.failuresByStatus[v.status] = (t.failuresByStatus[v.status] ?? 0) + 1;
    else if (v.class === 'leak') t.leaks++;
    else if (v.class === 'fault') t.faults++;
    else if (v.class === 'budget') t.budgets++;
    else if (v.class === 'exception') t.exceptions++;
    else t.hangs++;
  }
  return t;
}
