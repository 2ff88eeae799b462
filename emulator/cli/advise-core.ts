/**
 * The pool-size advisor over a scenario: each seed runs with every device on the unbounded
 * shadow of its profile, each device's pool demand is recorded, and the demand of every device
 * of a group over every seed goes to `device/advisor.ts`, which picks the bucket configuration.
 * One seed's work ({@link demandOfSeed}) is what a worker thread does.
 */
import {
  DemandRecorder,
  advisePools,
  advisedProfileJson,
  shadowProfile,
  type DeviceDemand,
  type DeviceProfile,
  type PoolAdvice,
} from '../../device/index.js';
import { runScenario, type LoadedScenario, type RunOptions } from '../scenario/index.js';

/** One seed's demand: per device, with its group and the group's (unshadowed) profile. */
export interface SeedDemand {
  seed: number;
  /** The shadow run's result: `pass`, `fail` or `error` (a failing run's demand still counts). */
  result: string;
  detail: string;
  groups: { group: string; profile: DeviceProfile }[];
  devices: { group: string; device: string; demand: DeviceDemand }[];
}

/** Runs one seed on shadow pools and returns the demand. */
export async function demandOfSeed(loaded: LoadedScenario, seed: number, base: RunOptions = {}): Promise<SeedDemand> {
  const groups = new Map<string, DeviceProfile>();
  const recorders: { group: string; device: string; rec: DemandRecorder }[] = [];
  const out = await runScenario(loaded, {
    ...base,
    seed,
    mapProfile: (p, group) => {
      groups.set(group, p);
      return shadowProfile(p);
    },
    onDevice: (name, group, device) => recorders.push({ group, device: name, rec: new DemandRecorder(device) }),
  });
  const s = out.summary;
  const bad = s.assertions.find((a) => !a.passed);
  return {
    seed,
    result: s.result,
    detail: s.stop.failed ?? (bad ? `${bad.name}: ${bad.detail}` : ''),
    groups: [...groups.entries()].map(([group, profile]) => ({ group, profile })),
    devices: recorders.map((r) => ({ group: r.group, device: r.device, demand: r.rec.demand(`seed ${seed} ${r.device}`) })),
  };
}

/** The advice for one device group. */
export interface GroupAdvice {
  group: string;
  /** The profile the group's devices are built from. */
  profile: string;
  /** Devices × seeds whose demand it covers. */
  runs: number;
  pools: PoolAdvice[];
  /** Region bytes of every pool: the profile's and the advice's. */
  builtInBytes: number;
  advisedBytes: number;
  /** The advised profile, in the profile JSON form (`--profile FILE`, or a scenario's `profile`). */
  advisedProfile: Record<string, unknown>;
}

/** Options of {@link adviseFromDemand}. */
export interface AdviseScenarioOptions {
  headroomPct?: number;
  maxBuckets?: number;
}

/** The advice per group from every seed's demand. */
export function adviseFromDemand(seeds: readonly SeedDemand[], opts: AdviseScenarioOptions = {}): GroupAdvice[] {
  const groups = new Map<string, DeviceProfile>();
  for (const s of seeds) for (const g of s.groups) if (!groups.has(g.group)) groups.set(g.group, g.profile);
  return [...groups.entries()].map(([group, profile]) => {
    const runs = seeds.flatMap((s) => s.devices.filter((d) => d.group === group).map((d) => d.demand));
    const pools = advisePools(profile, runs, opts);
    return {
      group,
      profile: profile.name,
      runs: runs.length,
      pools,
      builtInBytes: pools.reduce((n, p) => n + p.builtIn.regionBytes, 0),
      advisedBytes: pools.reduce((n, p) => n + p.advised.regionBytes, 0),
      advisedProfile: advisedProfileJson(profile, pools, `${profile.name}-advised-${group}`),
    };
  });
}

/** Runs `seeds` one after another in this thread and advises (the command spreads seeds over workers instead). */
export async function adviseScenario(loaded: LoadedScenario, seeds: readonly number[], opts: AdviseScenarioOptions & { run?: RunOptions } = {}): Promise<{ seeds: SeedDemand[]; groups: GroupAdvice[] }> {
  const all: SeedDemand[] = [];
  for (const seed of seeds) all.push(await demandOfSeed(loaded, seed, opts.run ?? {}));
  return { seeds: all, groups: adviseFromDemand(all, opts) };
}
