/**
 * The pool-size advisor: from the allocation demand of many runs, the smallest bucket
 * configuration of each pool under which every run's allocations succeed.
 *
 * The model is wolfSSL's static memory (`WOLFSSL_STATIC_MEMORY`, `memory.c`): a pool is a few
 * buckets of equal blocks, a request takes the smallest free block that fits and, under
 * `fallthrough`, a larger one when its own bucket is empty. A block costs its stride (header +
 * block + guard, padded to the alignment), so the cost of a configuration is its region size.
 *
 * The algorithm (docs/memory-diagnostics.md says it in prose):
 * 1. Demand: each run's allocations and frees in one pool, recorded against an unbounded shadow
 *    of the pool (a profile with far more blocks, so nothing fails and the program's behaviour is
 *    that of a run with enough memory). Requests are grouped into size classes: the largest block
 *    size with the same stride as the request (bigger blocks cost no more bytes).
 * 2. Sizes and strict counts: for classes `i..j` sharing one bucket of class `j`'s size, the
 *    count needed is the peak number of simultaneously live requests in `i..j` over every run.
 *    A dynamic programme over the sorted classes picks at most `maxBuckets` buckets minimising
 *    Σ count × stride. This configuration is enough under either policy (no request ever needs to
 *    fall through).
 * 3. Fall-through: under `fallthrough`, a bucket may hold fewer blocks when its peaks meet free
 *    blocks of a larger bucket. From the smallest bucket up, each count is lowered while replaying
 *    every run's demand against the configuration still succeeds (a bucket lowered to none is
 *    dropped), until no count can be lowered: taking one block from any bucket makes a run fail.
 * 4. Headroom: each count is multiplied by `1 + headroom/100` and rounded up.
 *
 * The replay assumes that a run's demand does not depend on the pool's layout (addresses and
 * bucket choice do not change what the program asks for), which holds while no allocation fails;
 * the emulator checks the advice by running the scenario on it.
 */
import type { Device } from './device.js';
import { FixedPool, GUARD_BYTES } from './pool.js';
import { BUILTIN_PROFILES } from './profiles.js';
import type { BucketProfile, DeviceProfile, PoolPolicy, PoolProfile } from './types.js';

/**
 * One pool's demand in one run: `+size` for an allocation (numbered 0, 1, … in order), `−(n + 1)`
 * for the free of allocation `n`. Forced failures are not demand and are not recorded.
 */
export interface PoolDemand {
  pool: string;
  events: number[];
  /** Allocations the shadow could not serve (should be 0; otherwise the advice is incomplete). */
  shadowFailures: number;
}

/** The demand of one device in one run. */
export interface DeviceDemand {
  /** Who it was, for the report (e.g. `seed 17 client`). */
  run: string;
  pools: PoolDemand[];
}

/** Records a device's pool demand from its alloc/free events; `demand()` returns it. */
export class DemandRecorder {
  private readonly perPool = new Map<string, { events: number[]; ids: Map<number, number>; next: number; failures: number }>();
  private readonly off: (() => void)[];

  /** Subscribes to `device`'s allocation events. */
  constructor(readonly device: Device) {
    for (const p of device.profile.pools) this.perPool.set(p.name, { events: [], ids: new Map(), next: 0, failures: 0 });
    this.off = [
      device.on('alloc', (e) => {
        const d = this.perPool.get(e.pool);
        if (!d) return;
        if (!e.ok) {
          if (!e.forced) d.failures++;
          return;
        }
        d.ids.set(e.addr, d.next++);
        d.events.push(e.size);
      }),
      device.on('free', (e) => {
        const d = this.perPool.get(e.pool);
        const id = d?.ids.get(e.addr);
        if (!d || id === undefined) return;
        d.ids.delete(e.addr);
        d.events.push(-(id + 1));
      }),
    ];
  }

  /** Stops recording. */
  detach(): void {
    for (const f of this.off) f();
    this.off.length = 0;
  }

  /** The demand per pool so far. */
  demand(run: string): DeviceDemand {
    return { run, pools: [...this.perPool.entries()].map(([pool, d]) => ({ pool, events: [...d.events], shadowFailures: d.failures })) };
  }
}

/** Blocks per bucket in the shadow: this many times the profile's, at least `SHADOW_MIN_COUNT`. */
export const SHADOW_FACTOR = 8;
/** Least blocks per bucket in the shadow. */
export const SHADOW_MIN_COUNT = 32;
/** The shadow adds a bucket of this many bytes (× {@link SHADOW_OVERSIZE_COUNT}) above the largest, for requests no bucket fits. */
export const SHADOW_OVERSIZE_BYTES = 65_536;
/** Blocks in the shadow's added bucket. */
export const SHADOW_OVERSIZE_COUNT = 4;

/** The unbounded shadow of a profile: same buckets, many more blocks, and a large bucket above them. */
export function shadowProfile(p: DeviceProfile, factor = SHADOW_FACTOR): DeviceProfile {
  return {
    ...p,
    name: `${p.name}+shadow`,
    pools: p.pools.map((pool) => {
      const buckets = pool.buckets.map((b) => ({ blockSize: b.blockSize, count: Math.max(b.count * factor, SHADOW_MIN_COUNT) }));
      const top = buckets[buckets.length - 1]!.blockSize;
      if (top < SHADOW_OVERSIZE_BYTES) buckets.push({ blockSize: SHADOW_OVERSIZE_BYTES, count: SHADOW_OVERSIZE_COUNT * factor });
      return { ...pool, policy: 'fallthrough' as PoolPolicy, buckets };
    }),
  };
}

/** Options of {@link advisePools}. */
export interface AdviseOptions {
  /** Percent of extra blocks over the minimum (default 0). */
  headroomPct?: number;
  /** Most buckets per pool (default 9: wolfSSL's `WOLFMEM_MAX_BUCKETS`). */
  maxBuckets?: number;
}

/** One advised bucket and the run that set its count. */
export interface AdvisedBucket extends BucketProfile {
  /** The minimum count before headroom. */
  minCount: number;
  /** The requests it serves: sizes from `minRequest` to `maxRequest`. */
  minRequest: number;
  maxRequest: number;
  /** The run whose demand set the count (a run that fails with one block fewer). */
  worstRun: string;
}

/** A configuration replayed against every run. */
export interface ReplayResult {
  /** Runs with at least one failed allocation, and the failures. */
  failedRuns: number;
  failures: number;
  /** The first run that failed, and the request. */
  firstFailure: { run: string; size: number } | null;
  /** Peak blocks in use per bucket over every run. */
  peakUsed: number[];
}

/** The advice for one pool. */
export interface PoolAdvice {
  pool: string;
  policy: PoolPolicy;
  /** The profile's buckets, replayed: what they lack (failures) and waste (blocks never used at the worst run). */
  builtIn: { buckets: BucketProfile[]; regionBytes: number; replay: ReplayResult; unusedBytes: number };
  advised: { buckets: AdvisedBucket[]; regionBytes: number; replay: ReplayResult };
  /** Requests seen, and the largest. */
  requests: number;
  maxRequest: number;
  shadowFailures: number;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function strideOf(p: PoolProfile, blockSize: number): number {
  return alignUp((p.overheadBytes ?? 16) + blockSize + GUARD_BYTES, p.align ?? 16);
}

/** The largest block size with the same stride as `size`: a bucket of it costs no more. */
function classSize(p: PoolProfile, size: number): number {
  return strideOf(p, size) - (p.overheadBytes ?? 16) - GUARD_BYTES;
}

/** Replays every run's demand against `buckets` under `policy`. */
export function replay(runs: readonly { run: string; events: readonly number[] }[], buckets: readonly BucketProfile[], policy: PoolPolicy): ReplayResult {
  const nb = buckets.length;
  const peakUsed = new Array<number>(nb).fill(0);
  let failedRuns = 0;
  let failures = 0;
  let firstFailure: ReplayResult['firstFailure'] = null;
  const used = new Array<number>(nb);
  for (const r of runs) {
    used.fill(0);
    const where: number[] = [];
    let failed = 0;
    for (const ev of r.events) {
      if (ev > 0) {
        let b = 0;
        while (b < nb && buckets[b]!.blockSize < ev) b++;
        if (b < nb && used[b]! >= buckets[b]!.count) {
          if (policy === 'strict') b = nb;
          else while (++b < nb && used[b]! >= buckets[b]!.count);
        }
        if (b >= nb) {
          failed++;
          where.push(-1);
          if (!firstFailure) firstFailure = { run: r.run, size: ev };
          continue;
        }
        where.push(b);
        if (++used[b]! > peakUsed[b]!) peakUsed[b] = used[b]!;
      } else {
        const b = where[-ev - 1];
        if (b !== undefined && b >= 0) used[b]!--;
      }
    }
    if (failed > 0) failedRuns++;
    failures += failed;
  }
  return { failedRuns, failures, firstFailure, peakUsed };
}

/** Advises every pool of `profile` from the demand of `runs` (devices built from that profile). */
export function advisePools(profile: DeviceProfile, runs: readonly DeviceDemand[], opts: AdviseOptions = {}): PoolAdvice[] {
  return profile.pools.map((p) => advisePool(p, runs.map((r) => ({ run: r.run, ...(r.pools.find((x) => x.pool === p.name) ?? { pool: p.name, events: [], shadowFailures: 0 }) })), opts));
}

/** Advises one pool from the runs' demand in it. */
export function advisePool(p: PoolProfile, runs: readonly (PoolDemand & { run: string })[], opts: AdviseOptions = {}): PoolAdvice {
  const headroom = opts.headroomPct ?? 0;
  const maxBuckets = opts.maxBuckets ?? 9;
  if (!(headroom >= 0)) throw new RangeError(`headroomPct: expected >= 0, got ${headroom}`);
  if (!Number.isInteger(maxBuckets) || maxBuckets < 1) throw new RangeError(`maxBuckets: expected a positive integer, got ${maxBuckets}`);
  const policy = p.policy ?? 'fallthrough';
  // 1. Size classes.
  const sizes = new Set<number>();
  let requests = 0;
  let maxRequest = 0;
  for (const r of runs) {
    for (const ev of r.events) {
      if (ev > 0) {
        sizes.add(classSize(p, ev));
        requests++;
        if (ev > maxRequest) maxRequest = ev;
      }
    }
  }
  const classes = [...sizes].sort((a, b) => a - b);
  const m = classes.length;
  const classIdx = new Map(classes.map((c, i) => [c, i]));
  const asClasses = runs.map((r) => {
    const out: number[] = [];
    const ids: number[] = [];
    for (const ev of r.events) {
      if (ev > 0) {
        const c = classIdx.get(classSize(p, ev))!;
        ids.push(c);
        out.push(c);
      } else out.push(-1 - ids[-ev - 1]!);
    }
    return out;
  });
  // 2. peak[i][j]: most live requests of classes i..j at once, over every run; and the run.
  const peak: number[][] = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  const peakRun: string[][] = Array.from({ length: m }, () => new Array<string>(m).fill(''));
  const cur = new Array<number>(m);
  for (let i = 0; i < m; i++) {
    const pk = peak[i]!;
    const pr = peakRun[i]!;
    asClasses.forEach((evs, ri) => {
      cur.fill(0);
      for (const ev of evs) {
        const c = ev >= 0 ? ev : -1 - ev;
        if (c < i) continue;
        if (ev >= 0) {
          for (let j = c; j < m; j++) {
            const v = ++cur[j]!;
            if (v > pk[j]!) {
              pk[j] = v;
              pr[j] = runs[ri]!.run;
            }
          }
        } else for (let j = c; j < m; j++) cur[j]!--;
      }
    });
  }
  // The DP over classes: best[k][j] = least bytes covering classes 0..j with k+1 buckets, the last of class j.
  let buckets: AdvisedBucket[] = [];
  if (m > 0) {
    const K = Math.min(maxBuckets, m);
    const INF = Number.POSITIVE_INFINITY;
    const best: number[][] = Array.from({ length: K }, () => new Array<number>(m).fill(INF));
    const from: number[][] = Array.from({ length: K }, () => new Array<number>(m).fill(-1));
    for (let j = 0; j < m; j++) best[0]![j] = peak[0]![j]! * strideOf(p, classes[j]!);
    for (let k = 1; k < K; k++) {
      for (let j = k; j < m; j++) {
        const st = strideOf(p, classes[j]!);
        for (let i = k; i <= j; i++) {
          const v = best[k - 1]![i - 1]! + peak[i]![j]! * st;
          if (v < best[k]![j]!) {
            best[k]![j] = v;
            from[k]![j] = i;
          }
        }
      }
    }
    let k = 0;
    for (let kk = 1; kk < K; kk++) if (best[kk]![m - 1]! < best[k]![m - 1]!) k = kk;
    let j = m - 1;
    const picked: { lo: number; hi: number }[] = [];
    while (k >= 0) {
      const lo = k === 0 ? 0 : from[k]![j]!;
      picked.unshift({ lo, hi: j });
      j = lo - 1;
      k--;
    }
    const reqRange = (lo: number, hi: number): [number, number] => {
      let a = Infinity;
      let b = 0;
      for (const r of runs) for (const ev of r.events) if (ev > 0) {
        const c = classIdx.get(classSize(p, ev))!;
        if (c >= lo && c <= hi) {
          if (ev < a) a = ev;
          if (ev > b) b = ev;
        }
      }
      return [a, b];
    };
    buckets = picked.map(({ lo, hi }) => {
      const [a, b] = reqRange(lo, hi);
      return { blockSize: classes[hi]!, count: peak[lo]![hi]!, minCount: peak[lo]![hi]!, minRequest: a, maxRequest: b, worstRun: peakRun[lo]![hi]! };
    });
  }
  // 3. Fall-through: lower counts while every run still succeeds; then check one fewer fails.
  const flat = runs.map((r) => ({ run: r.run, events: r.events }));
  if (policy === 'fallthrough' && buckets.length > 1) {
    let changed = true;
    while (changed) {
      changed = false;
      for (const b of buckets) {
        while (b.count > 0) {
          b.count--;
          const rr = replay(flat, buckets, policy);
          if (rr.failures > 0) {
            b.count++;
            b.worstRun = rr.firstFailure!.run;
            break;
          }
          changed = true;
        }
      }
    }
  }
  // A bucket lowered to no blocks is one that fall-through makes unnecessary.
  buckets = buckets.filter((b) => b.count > 0);
  for (const b of buckets) {
    b.minCount = b.count;
    b.count = Math.ceil(b.count * (1 + headroom / 100) - 1e-9);
  }
  const region = (bs: readonly BucketProfile[]): number => FixedPool.regionSize({ ...p, buckets: bs.map((b) => ({ blockSize: b.blockSize, count: b.count })) });
  const builtInReplay = replay(flat, p.buckets, policy);
  const unusedBytes = p.buckets.reduce((n, b, i) => n + (b.count - builtInReplay.peakUsed[i]!) * strideOf(p, b.blockSize), 0);
  const advisedBuckets = buckets.length > 0 ? buckets : [{ blockSize: classSize(p, 1), count: 1, minCount: 0, minRequest: 0, maxRequest: 0, worstRun: '' }];
  return {
    pool: p.name,
    policy,
    builtIn: { buckets: p.buckets.map((b) => ({ ...b })), regionBytes: region(p.buckets), replay: builtInReplay, unusedBytes },
    advised: { buckets: advisedBuckets, regionBytes: region(advisedBuckets), replay: replay(flat, advisedBuckets, policy) },
    requests,
    maxRequest,
    shadowFailures: runs.reduce((n, r) => n + r.shadowFailures, 0),
  };
}

/** The advised profile in the profile's JSON form: `{ extends, name, pools }` (loadProfile reads it). */
export function advisedProfileJson(base: DeviceProfile, advice: readonly PoolAdvice[], name = `${base.name}-advised`): Record<string, unknown> {
  const head: Record<string, unknown> = BUILTIN_PROFILES[base.name] ? { extends: base.name } : { ...base };
  return {
    ...head,
    name,
    description: `${base.name} with pools sized by cesim advise`,
    pools: base.pools.map((p) => {
      const a = advice.find((x) => x.pool === p.name)!;
      return { name: p.name, policy: p.policy ?? 'fallthrough', overheadBytes: p.overheadBytes ?? 16, align: p.align ?? 16, buckets: a.advised.buckets.map((b) => ({ blockSize: b.blockSize, count: b.count })) };
    }),
  };
}
