/**
 * `cesim advise [scenario] [--seeds A..B] [--headroom PCT]`: the pool-size advisor. Runs the
 * scenario once per seed (on worker threads, as a campaign does) with every pool replaced by an
 * unbounded shadow, and prints for each device group the smallest bucket configuration under
 * which every run's allocations succeed (device/advisor.ts has the algorithm), the run that set
 * each count with its replay command, and what the profile's buckets lack or leave unused.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadScenario, applyOverrides, DEFAULT_SCENARIO } from '../scenario/index.js';
import { helpText, intOption, parseAllocFailureSpec, parseCommand, parseFaultSpec, seedRange, type CommandSpec } from './args.js';
import { adviseFromDemand, type GroupAdvice, type SeedDemand } from './advise-core.js';
import type { CampaignWorkerData } from './campaign-core.js';
import { cliWorker } from '../package-root.js';
import { replayCommand } from './campaign.js';
import { digits } from './format.js';
import type { CliIo } from './io.js';
import { profileOption } from './run.js';

/** The `advise` command. */
export const ADVISE_COMMAND: CommandSpec = {
  name: 'advise',
  synopsis: 'cesim advise [SCENARIO | FILE.json | MODULE.ts] [--seeds A..B] [--headroom PCT] [options]',
  summary:
    'Pool-size advisor: runs the scenario per seed on unbounded shadow pools, records every allocation and free, and prints per device group the smallest bucket configuration (block sizes and counts per pool, in the profile JSON form) under which every run succeeds, the run that set each count (with its replay command), and what the profile lacks or leaves unused.',
  maxPositionals: 1,
  options: {
    seeds: { type: 'string', value: 'A..B', description: "the seeds to run (inclusive; default the scenario's seed)" },
    headroom: { type: 'string', value: 'PCT', description: 'extra blocks over the minimum, in percent (default 0)' },
    'max-buckets': { type: 'string', value: 'N', description: "most buckets per pool (default 9, wolfSSL's WOLFMEM_MAX_BUCKETS)" },
    faults: { type: 'string', value: 'SPEC', description: 'link impairments on every link: loss=P,reorder=P,duplicate=P,corrupt=P,jitter=MS' },
    'alloc-failures': { type: 'string', value: 'SPEC', description: 'forced allocation failures (not counted as demand): p=P or nth=A..B, with tag=GLOB, pool=NAME' },
    workers: { type: 'string', value: 'N', description: "worker threads (default: the machine's cores, at most one per seed)" },
    profile: { type: 'string', value: 'P', description: 'device profile for the client devices' },
    set: { type: 'string', multiple: true, value: 'PATH=VALUE', description: 'override a scenario field, e.g. devices[1].count=50' },
    write: { type: 'string', value: 'DIR', description: 'write each group\'s advised profile to DIR/GROUP.profile.json' },
    json: { type: 'boolean', description: 'print the advice as JSON' },
  },
  notes: 'Example: cesim advise default --seeds 1..200 --write advised/ && cesim run default --profile advised/client.profile.json',
};

type WorkerReply = { ready: true } | { seed: number; demand: SeedDemand } | { seed: number; error: string };

/** Runs the seeds on `workers` threads and collects their demand. */
export async function demandOnWorkers(data: Omit<CampaignWorkerData, 'entry'>, seeds: [number, number], workers: number): Promise<{ demand: SeedDemand[]; errors: { seed: number; error: string }[] }> {
  const demand: SeedDemand[] = [];
  const errors: { seed: number; error: string }[] = [];
  let next = seeds[0];
  const { script, entry } = cliWorker('advise-worker');
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = new Worker(script, { workerData: { ...data, entry } satisfies CampaignWorkerData });
      const feed = (): void => {
        if (next > seeds[1]) {
          void w.terminate().then(() => resolve());
          return;
        }
        w.postMessage({ seed: next++ });
      };
      w.on('message', (m: WorkerReply) => {
        if ('ready' in m) return feed();
        if ('error' in m) errors.push(m);
        else demand.push(m.demand);
        feed();
      });
      w.on('error', reject);
    });
  await Promise.all(Array.from({ length: workers }, one));
  demand.sort((a, b) => a.seed - b.seed);
  return { demand, errors };
}

const seedOf = (run: string): number => Number(/^seed (\d+)/.exec(run)?.[1] ?? NaN);

function buckets(bs: readonly { blockSize: number; count: number }[]): string {
  return bs.map((b) => `${digits(b.blockSize)}×${b.count}`).join(', ');
}

/** The advice as text. */
export function formatAdvice(groups: readonly GroupAdvice[], ref: string, seeds: [number, number], headroom: number, values: Record<string, unknown>, shadowRuns: { failed: SeedDemand[] }): string {
  const lines = [`cesim advise ${ref}, seeds ${seeds[0]}..${seeds[1]}, headroom ${headroom}%`];
  for (const g of groups) {
    lines.push('', `${g.group} (${g.profile}, ${g.runs} device run(s)): ${digits(g.advisedBytes)} B of pools advised vs ${digits(g.builtInBytes)} B in the profile (${g.advisedBytes <= g.builtInBytes ? `${digits(g.builtInBytes - g.advisedBytes)} B less` : `${digits(g.advisedBytes - g.builtInBytes)} B more`})`);
    for (const p of g.pools) {
      const bi = p.builtIn;
      lines.push(`  ${p.pool} (${p.policy}; ${digits(p.requests)} allocations, largest ${digits(p.maxRequest)} B)`);
      lines.push(`    profile  ${buckets(bi.buckets)} = ${digits(bi.regionBytes)} B; ${bi.replay.failures > 0 ? `LACKS: ${bi.replay.failures} allocation(s) fail in ${bi.replay.failedRuns} run(s), first ${digits(bi.replay.firstFailure!.size)} B in ${bi.replay.firstFailure!.run}` : 'every run fits'}; ${digits(bi.unusedBytes)} B never used at the worst run`);
      lines.push(`    advised  ${buckets(p.advised.buckets)} = ${digits(p.advised.regionBytes)} B`);
      for (const b of p.advised.buckets) {
        if (!b.worstRun) continue;
        const seed = seedOf(b.worstRun);
        lines.push(`      ${digits(b.blockSize)} B ×${b.count}${b.count !== b.minCount ? ` (min ${b.minCount})` : ''} for ${digits(b.minRequest)}–${digits(b.maxRequest)} B requests; set by ${b.worstRun}${Number.isFinite(seed) ? `: ${replayCommand(ref, seed, values)}` : ''}`);
      }
      if (p.shadowFailures > 0) lines.push(`    WARNING: ${p.shadowFailures} allocation(s) failed even on the shadow pool; the advice misses them`);
    }
    lines.push(`  profile JSON: ${JSON.stringify(g.advisedProfile)}`);
  }
  if (shadowRuns.failed.length > 0) lines.push('', `Note: ${shadowRuns.failed.length} shadow run(s) did not pass (e.g. seed ${shadowRuns.failed[0]!.seed}: ${shadowRuns.failed[0]!.result} ${shadowRuns.failed[0]!.detail}); their demand is included.`);
  return lines.join('\n') + '\n';
}

/** `cesim advise`. */
export async function adviseCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(ADVISE_COMMAND, argv);
  if (values.help) {
    io.stdout(helpText(ADVISE_COMMAND));
    return 0;
  }
  if (typeof values.faults === 'string') parseFaultSpec('advise', values.faults);
  if (typeof values['alloc-failures'] === 'string') parseAllocFailureSpec('advise', values['alloc-failures']);
  if (typeof values.profile === 'string') profileOption('advise', values.profile);
  const headroom = intOption('advise', 'headroom', values.headroom, 0, 1000) ?? 0;
  const maxBuckets = intOption('advise', 'max-buckets', values['max-buckets'], 1, 64) ?? 9;
  const ref = positionals[0] ?? DEFAULT_SCENARIO;
  const sets = (values.set as string[] | undefined) ?? [];
  const loaded = await loadScenario(ref);
  if (sets.length > 0) loaded.scenario = applyOverrides(loaded.scenario, sets);
  const scenarioSeed = typeof loaded.scenario.seed === 'number' ? loaded.scenario.seed : 1;
  const seeds: [number, number] = values.seeds === undefined ? [scenarioSeed, scenarioSeed] : seedRange('advise', values.seeds);
  const count = seeds[1] - seeds[0] + 1;
  const workers = Math.max(1, Math.min(intOption('advise', 'workers', values.workers, 1, 1024) ?? availableParallelism(), count));
  const data: Omit<CampaignWorkerData, 'entry'> = { ref: loaded.source.startsWith('builtin:') ? ref : loaded.source, sets };
  if (typeof values.faults === 'string') data.faults = values.faults;
  if (typeof values['alloc-failures'] === 'string') data.allocFailures = values['alloc-failures'];
  if (typeof values.profile === 'string') data.profile = values.profile;
  const { demand, errors } = await demandOnWorkers(data, seeds, workers);
  if (errors.length > 0) throw new Error(`seed ${errors[0]!.seed}: ${errors[0]!.error}`);
  const groups = adviseFromDemand(demand, { headroomPct: headroom, maxBuckets });
  if (typeof values.write === 'string') {
    await mkdir(values.write, { recursive: true });
    for (const g of groups) await writeFile(join(values.write, `${g.group}.profile.json`), JSON.stringify(g.advisedProfile, null, 2) + '\n');
  }
  const failed = demand.filter((d) => d.result !== 'pass');
  if (values.json) {
    io.stdout(
      JSON.stringify(
        {
          scenario: data.ref,
          seeds,
          headroomPct: headroom,
          maxBuckets,
          shadowRunsNotPassing: failed.map((d) => ({ seed: d.seed, result: d.result, detail: d.detail })),
          groups: groups.map((g) => ({
            ...g,
            pools: g.pools.map((p) => ({ ...p, advised: { ...p.advised, buckets: p.advised.buckets.map((b) => ({ ...b, ...(Number.isFinite(seedOf(b.worstRun)) ? { replay: replayCommand(data.ref, seedOf(b.worstRun), values) } : {}) })) } })),
          })),
        },
        null,
        2,
      ) + '\n',
    );
  } else io.stdout(formatAdvice(groups, data.ref, seeds, headroom, values, { failed }));
  return 0;
}
