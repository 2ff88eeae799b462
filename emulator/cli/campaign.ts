/**
 * `cesim campaign [scenario] --seeds A..B`: runs a scenario once per seed, with seeded link
 * faults and forced allocation failures, on `node:worker_threads` workers, with a progress bar
 * on standard error. Prints the runs, successes, failures by status, leaks, device faults,
 * memory budgets broken (the scenario's budget assertions and `--budget FILE`, on every seed),
 * exceptions and hangs, and for each problem the one command that replays it. Leaks, device
 * faults, broken budgets, exceptions and hangs exit 1.
 */
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import cliProgress from 'cli-progress';
import { hostMonotonicMs } from '../bridge/realtime.js';
import { loadScenario, applyOverrides, budgetsFromFile, BudgetError, DEFAULT_SCENARIO } from '../scenario/index.js';
import { helpText, intOption, parseAllocFailureSpec, parseCommand, parseFaultSpec, seedRange, UsageError, type CommandSpec } from './args.js';
import { cliWorker } from '../package-root.js';
import { tally, type CampaignTotals, type CampaignWorkerData, type RunVerdict } from './campaign-core.js';
import { digits } from './format.js';
import type { CliIo } from './io.js';
import { profileOption, withGroupProfiles } from './run.js';

/** The `campaign` command. */
export const CAMPAIGN_COMMAND: CommandSpec = {
  name: 'campaign',
  synopsis: 'cesim campaign [SCENARIO | FILE.json | MODULE.ts] --seeds A..B [options]',
  summary:
    'Runs the scenario once per seed with seeded link faults and forced allocation failures, on worker threads, and reports successes, failures by status, leaks, device faults, memory budgets broken, exceptions and hangs, with the command that replays each problem. Leaks, device faults, broken budgets, exceptions and hangs exit 1.',
  maxPositionals: 1,
  options: {
    seeds: { type: 'string', value: 'A..B', description: 'the seeds to run (inclusive), e.g. 1..500' },
    faults: { type: 'string', value: 'SPEC', description: 'link impairments on every link: loss=P,reorder=P,duplicate=P,corrupt=P,jitter=MS' },
    'alloc-failures': { type: 'string', value: 'SPEC', description: 'forced allocation failures: p=P or nth=A..B, with tag=GLOB, pool=NAME, devices=a+b' },
    workers: { type: 'string', value: 'N', description: 'worker threads (default: the machine\'s cores, at most one per seed)' },
    profile: { type: 'string', value: 'P', description: 'device profile for the client devices' },
    profiles: { type: 'string', value: 'DIR', description: 'build each device group from DIR/GROUP.profile.json where it exists (what cesim advise --write DIR writes)' },
    set: { type: 'string', multiple: true, value: 'PATH=VALUE', description: 'override a scenario field, e.g. devices[1].count=50' },
    budget: { type: 'string', value: 'FILE.json', description: 'memory budgets every seed\'s run is checked against (docs/memory-diagnostics.md); a breach is a problem with its replay command, and exits 1' },
    json: { type: 'boolean', description: 'print the totals and every problem as JSON' },
    'no-progress': { type: 'boolean', description: 'no progress bar' },
  },
  notes: 'Example: cesim campaign default --seeds 1..500 --faults loss=0.03,reorder=0.05 --alloc-failures p=0.002',
};

/** The one command that replays a run of the campaign. */
export function replayCommand(ref: string, seed: number, values: Record<string, unknown>): string {
  const q = (s: string): string => (/^[A-Za-z0-9_./:=,+\-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const parts = ['cesim', 'run', q(ref), '--seed', String(seed)];
  if (typeof values.faults === 'string') parts.push('--faults', q(values.faults));
  if (typeof values['alloc-failures'] === 'string') parts.push('--alloc-failures', q(values['alloc-failures']));
  if (typeof values.profile === 'string') parts.push('--profile', q(values.profile));
  if (typeof values.profiles === 'string') parts.push('--profiles', q(values.profiles));
  for (const s of (values.set as string[] | undefined) ?? []) parts.push('--set', q(s));
  if (typeof values.budget === 'string') parts.push('--budget', q(values.budget));
  return parts.join(' ');
}

/** Runs seeds on `workers` threads; `onVerdict` is called as each run ends. */
export async function runCampaign(data: Omit<CampaignWorkerData, 'entry'>, seeds: [number, number], workers: number, onVerdict: (v: RunVerdict) => void): Promise<RunVerdict[]> {
  const verdicts: RunVerdict[] = [];
  let next = seeds[0];
  const { script, entry } = cliWorker('campaign-worker');
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = new Worker(script, { workerData: { ...data, entry } satisfies CampaignWorkerData });
      let current: number | null = null;
      const feed = (): void => {
        if (next > seeds[1]) {
          current = null;
          void w.terminate().then(() => resolve());
          return;
        }
        current = next++;
        w.postMessage({ seed: current });
      };
      w.on('message', (m: RunVerdict | { ready: true }) => {
        if ('ready' in m) return feed();
        verdicts.push(m);
        onVerdict(m);
        feed();
      });
      w.on('error', (e) => {
        if (current !== null) {
          const v: RunVerdict = { seed: current, class: 'exception', status: 'EXCEPTION', detail: `worker died: ${e.message}`, leakedBlocks: 0, faults: 0, traceHash: '', virtualTimeNs: 0, hostMs: 0 };
          verdicts.push(v);
          onVerdict(v);
        }
        reject(e);
      });
    });
  await Promise.all(Array.from({ length: workers }, one));
  return verdicts;
}

function formatTotals(t: CampaignTotals, ref: string, seeds: [number, number], values: Record<string, unknown>, wallMs: number, workers: number): string {
  const lines = [
    `cesim campaign ${ref}, seeds ${seeds[0]}..${seeds[1]}${values.faults ? `, faults ${String(values.faults)}` : ''}${values['alloc-failures'] ? `, allocation failures ${String(values['alloc-failures'])}` : ''}`,
    `  runs        ${digits(t.runs)} in ${(wallMs / 1000).toFixed(1)} s on ${workers} worker(s) (${(t.runs / (wallMs / 1000)).toFixed(1)} runs/s)`,
    `  successes   ${digits(t.successes)}`,
    `  failures    ${digits(Object.values(t.failuresByStatus).reduce((a, b) => a + b, 0))}${Object.keys(t.failuresByStatus).length ? ` (${Object.entries(t.failuresByStatus).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`).join(', ')})` : ''}`,
    `  leaks       ${digits(t.leaks)}`,
    `  faults      ${digits(t.faults)}`,
    `  budgets     ${digits(t.budgets)}${t.budgets ? ' run(s) broke a memory budget' : ''}`,
    `  exceptions  ${digits(t.exceptions)}`,
    `  hangs       ${digits(t.hangs)}`,
  ];
  if (t.problems.length > 0) {
    lines.push('', 'Replay:');
    const shown = [...t.problems.filter((p) => p.class !== 'failure'), ...t.problems.filter((p) => p.class === 'failure')].slice(0, 50);
    for (const p of shown) lines.push(`  ${replayCommand(ref, p.seed, values)}    # ${p.class}: ${p.status}${p.detail ? ` — ${p.detail}` : ''}`);
    if (t.problems.length > shown.length) lines.push(`  … and ${t.problems.length - shown.length} more (--json lists all)`);
  }
  return lines.join('\n') + '\n';
}

/** `cesim campaign`. */
export async function campaignCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(CAMPAIGN_COMMAND, argv);
  if (values.help) {
    io.stdout(helpText(CAMPAIGN_COMMAND));
    return 0;
  }
  if (values.seeds === undefined) throw new UsageError('campaign: --seeds A..B is required');
  const seeds = seedRange('campaign', values.seeds);
  const count = seeds[1] - seeds[0] + 1;
  // Check everything here, so that a bad option fails once, not in every worker.
  if (typeof values.faults === 'string') parseFaultSpec('campaign', values.faults);
  if (typeof values['alloc-failures'] === 'string') parseAllocFailureSpec('campaign', values['alloc-failures']);
  if (typeof values.profile === 'string') profileOption('campaign', values.profile);
  if (typeof values.budget === 'string') {
    try {
      budgetsFromFile(values.budget);
    } catch (e) {
      if (e instanceof BudgetError) throw new UsageError(`campaign: --budget: ${e.message}`);
      throw e;
    }
  }
  const workers = Math.max(1, Math.min(intOption('campaign', 'workers', values.workers, 1, 1024) ?? availableParallelism(), count));
  const ref = positionals[0] ?? DEFAULT_SCENARIO;
  const sets = (values.set as string[] | undefined) ?? [];
  const loaded = await loadScenario(ref);
  if (typeof values.profiles === 'string') loaded.scenario = withGroupProfiles('campaign', loaded.scenario, values.profiles);
  if (sets.length > 0) applyOverrides(loaded.scenario, sets);
  const data: Omit<CampaignWorkerData, 'entry'> = { ref: loaded.source.startsWith('builtin:') ? ref : loaded.source, sets };
  if (typeof values.faults === 'string') data.faults = values.faults;
  if (typeof values['alloc-failures'] === 'string') data.allocFailures = values['alloc-failures'];
  if (typeof values.profile === 'string') data.profile = values.profile;
  if (typeof values.budget === 'string') data.budget = resolve(values.budget);
  if (typeof values.profiles === 'string') data.profiles = resolve(values.profiles);

  const showBar = !values['no-progress'] && !values.json;
  const bar = showBar
    ? new cliProgress.SingleBar(
        {
          format: 'campaign [{bar}] {value}/{total} runs | {ok} ok, {bad} not ok | {eta_formatted} left',
          stream: { write: (s: string) => io.stderr(s), isTTY: io.stderrIsTTY } as unknown as NodeJS.WritableStream,
          noTTYOutput: !io.stderrIsTTY,
          notTTYSchedule: 5000,
          hideCursor: io.stderrIsTTY,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let ok = 0;
  let bad = 0;
  bar?.start(count, 0, { ok, bad });
  const t0 = hostMonotonicMs();
  const verdicts = await runCampaign(data, seeds, workers, (v) => {
    if (v.class === 'success') ok++;
    else bad++;
    bar?.increment(1, { ok, bad });
  });
  bar?.stop();
  const wallMs = hostMonotonicMs() - t0;
  const t = tally(verdicts);
  const ref2 = data.ref;
  if (values.json) io.stdout(JSON.stringify({ scenario: ref2, seeds, workers, wallMs: Math.round(wallMs), ...t, problems: t.problems.map((p) => ({ ...p, replay: replayCommand(ref2, p.seed, values) })) }, null, 2) + '\n');
  else io.stdout(formatTotals(t, ref2, seeds, values, wallMs, workers));
  return t.leaks + t.faults + t.budgets + t.exceptions + t.hangs > 0 ? 1 : 0;
}
