/**
 * Forced allocation failures, to test what code does when memory runs out: fail the Nth
 * allocation (by the device's global call counter, or the Nth matching one from now), every
 * allocation whose owner tag matches a pattern, or each with a seeded probability.
 */
import { toMatcher } from './account.js';
import { SeededRandom, type Seed } from './random.js';

/** Which allocations a rule applies to; every given field must match. */
export interface FailureMatch {
  /** Owner tag: exact, glob (`schannel.*`) or RegExp. `LocalAlloc` blocks have the tag given to it (default `LocalAlloc`). */
  tag?: string | RegExp;
  /** Pool name (`heap` for `LocalAlloc`), exact, glob or RegExp. */
  pool?: string | RegExp;
  pid?: number;
  /** The API call named by `withCall`, exact, glob or RegExp. */
  call?: string | RegExp;
}

/** A forced-failure rule as added. */
export interface FailureRule {
  readonly id: number;
  readonly kind: 'at-call' | 'nth' | 'match' | 'probability';
  /** Allocations this rule has failed. */
  fired: number;
  /** Failures left (Infinity: unlimited). */
  remaining: number;
}

interface RuleImpl extends FailureRule {
  tag: RegExp | null;
  pool: RegExp | null;
  pid: number | null;
  call: RegExp | null;
  /** at-call: the global call number; nth: matching attempts left before the first failure. */
  n: number;
  probability: number;
  rng: SeededRandom | null;
}

/** Options common to the rule builders. */
export interface FailureOptions extends FailureMatch {
  /** How many allocations to fail once the rule triggers (default 1 for Nth rules, unlimited otherwise). */
  times?: number;
}

/** The device's forced-failure rules. */
export class AllocationFailures {
  /** Allocation attempts seen since the device was made (pool and heap), the global counter. */
  calls = 0;
  /** Allocations failed by a rule. */
  forced = 0;
  private rules: RuleImpl[] = [];
  private nextId = 1;

  /** @param rng stream for probability rules without their own seed (the device's, derived) */
  constructor(private readonly rng: SeededRandom) {}

  /** Whether any rule is armed. */
  get active(): boolean {
    return this.rules.length > 0;
  }

  /** The armed rules. */
  list(): readonly FailureRule[] {
    return this.rules;
  }

  private add(kind: RuleImpl['kind'], opts: FailureOptions, defaultTimes: number, n: number, probability: number, rng: SeededRandom | null): FailureRule {
    const times = opts.times ?? defaultTimes;
    if (!(times > 0)) throw new RangeError(`times: expected a positive count, got ${times}`);
    const r: RuleImpl = {
      id: this.nextId++,
      kind,
      fired: 0,
      remaining: times,
      tag: opts.tag === undefined ? null : toMatcher(opts.tag),
      pool: opts.pool === undefined ? null : toMatcher(opts.pool),
      pid: opts.pid ?? null,
      call: opts.call === undefined ? null : toMatcher(opts.call),
      n,
      probability,
      rng,
    };
    this.rules.push(r);
    return r;
  }

  /** Fails the allocation whose global call number (1-based, `calls` after counting it) is `n`. */
  failAtCall(n: number, opts: FailureOptions = {}): FailureRule {
    if (!Number.isInteger(n) || n <= this.calls) throw new RangeError(`n: expected a call number after ${this.calls}, got ${n}`);
    return this.add('at-call', opts, 1, n, 0, null);
  }

  /** Fails the `n`th (1-based) allocation from now that matches `opts` (and `times - 1` more after it). */
  failNth(n: number, opts: FailureOptions = {}): FailureRule {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`n: expected a positive integer, got ${n}`);
    return this.add('nth', opts, 1, n, 0, null);
  }

  /** Fails every allocation whose owner tag matches `tag` (glob or RegExp), up to `times`. */
  failMatching(tag: string | RegExp, opts: FailureOptions = {}): FailureRule {
    return this.add('match', { ...opts, tag }, Infinity, 0, 0, null);
  }

  /**
   * Fails each matching allocation with probability `p`, drawn from a seeded stream: `seed`'s
   * own stream when given, else a stream derived from the device's seed. Reproducible by seed.
   */
  failWithProbability(p: number, opts: FailureOptions & { seed?: Seed } = {}): FailureRule {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p: expected a probability in [0, 1], got ${p}`);
    const rng = opts.seed !== undefined ? new SeededRandom(opts.seed) : this.rng.derive(`rule#${this.nextId}`);
    return this.add('probability', opts, Infinity, 0, p, rng);
  }

  /** Disarms one rule. */
  remove(rule: FailureRule): void {
    this.rules = this.rules.filter((r) => r.id !== rule.id);
  }

  /** Disarms every rule (the call counter keeps counting). */
  clear(): void {
    this.rules = [];
  }

  /**
   * Counts one allocation attempt and says whether a rule fails it.
   * @internal called by the device on every pool and heap allocation
   */
  check(pool: string, pid: number, tag: string, call: string): boolean {
    const callNo = ++this.calls;
    if (this.rules.length === 0) return false;
    let fail = false;
    for (const r of this.rules) {
      if (r.pool !== null && !r.pool.test(pool)) continue;
      if (r.tag !== null && !r.tag.test(tag)) continue;
      if (r.pid !== null && r.pid !== pid) continue;
      if (r.call !== null && !r.call.test(call)) continue;
      let hit: boolean;
      switch (r.kind) {
        case 'at-call':
          hit = callNo >= r.n;
          break;
        case 'nth':
          hit = --r.n <= 0;
          break;
        case 'match':
          hit = true;
          break;
        case 'probability':
          hit = r.rng!.float() < r.probability;
          break;
      }
      if (hit && !fail) {
        fail = true;
        r.fired++;
        r.remaining--;
      }
    }
    if (fail) {
      this.forced++;
      this.rules = this.rules.filter((r) => r.remaining > 0);
    }
    return fail;
  }
}
