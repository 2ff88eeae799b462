/**
 * The one state-machine helper of cesim: a table of transitions `(from, on, to)` with
 * {@link StateTable.check} (may `from` take `on`?), {@link StateTable.move} (is `from --on--> to`
 * a row?), {@link StateTable.mermaid} (the diagram the docs show, generated, never hand-drawn) and
 * {@link StateTable.analyse} (reachability and dead ends, for tests).
 *
 * A live machine ({@link Machine}) runs on typescript-fsm's `SyncStateMachine`, the project's
 * chosen state-machine library: its `can`/`syncDispatch` gate each event, so a call in the wrong
 * state is refused by the machine itself. A row may name several targets (a TLS handshake
 * message can lead to more than one state; the handler decides which): typescript-fsm keys
 * transitions by `(from, event)`, so such rows are checked with {@link StateTable.move} and the
 * live machine is offered only for tables whose `(from, on)` pairs have one target each.
 *
 * Nothing here throws for a refused move: callers turn a refusal into their own error (a TLS
 * alert, a SECURITY_STATUS, a Winsock error).
 */
import { SyncStateMachine, t, type ITransition } from 'typescript-fsm';

/** One row: in `from`, `on` leads to one of `to`. */
export interface Transition<S extends string, E extends string | number> {
  readonly from: S;
  readonly on: E;
  readonly to: S | readonly S[];
  /** Shown on the diagram's edge after the event's label. */
  readonly note?: string;
}

/** What {@link StateTable.analyse} finds. */
export interface TableAnalysis<S extends string> {
  /** States reachable from the initial state. */
  reachable: S[];
  /** States named by the table but not reachable from the initial state. */
  unreachable: S[];
  /** Reachable states with no way out that are not declared final. */
  deadEnds: S[];
  /** `(from, on)` pairs that appear in more than one row. */
  duplicates: string[];
}

/** Options of a table. */
export interface TableOptions<S extends string, E extends string | number> {
  /** States where a run may legitimately stop (no outgoing rows needed). */
  final?: readonly S[];
  /** Renders an event on the diagram (default: `String(on)`). */
  label?: (on: E) => string;
  /** Extra Mermaid lines appended to the diagram (entry and exit arrows, notes). */
  extraDiagramLines?: readonly string[];
}

const asList = <S>(to: S | readonly S[]): readonly S[] => (Array.isArray(to) ? (to as readonly S[]) : [to as S]);

/** A transition table. */
export class StateTable<S extends string, E extends string | number> {
  private readonly index = new Map<string, readonly S[]>();

  /**
   * @param name the machine's name (the diagram's title)
   * @param initial where every machine of this table starts
   * @param rows the transitions
   */
  constructor(
    readonly name: string,
    readonly initial: S,
    readonly rows: readonly Transition<S, E>[],
    private readonly options: TableOptions<S, E> = {},
  ) {
    for (const r of rows) {
      const key = StateTable.key(r.from, r.on);
      this.index.set(key, [...(this.index.get(key) ?? []), ...asList(r.to)]);
    }
  }

  private static key(from: string, on: string | number): string {
    return `${from}\u0000${String(on)}`;
  }

  /** The states `from` may move to on `on` (empty: the table refuses it). */
  targets(from: S, on: E): readonly S[] {
    return this.index.get(StateTable.key(from, on)) ?? [];
  }

  /** Whether `from` accepts `on` at all. */
  check(from: S, on: E): boolean {
    return this.targets(from, on).length > 0;
  }

  /**
   * The state after `on` in `from`: `to` when the table has the row `from --on--> to`, the only
   * target when `to` is omitted and there is exactly one, else null (refused).
   */
  move(from: S, on: E, to?: S): S | null {
    const targets = this.targets(from, on);
    if (to !== undefined) return targets.includes(to) ? to : null;
    return targets.length === 1 ? targets[0]! : null;
  }

  /** Every state the table names, initial first, in order of appearance. */
  states(): S[] {
    const seen = new Set<S>([this.initial]);
    for (const r of this.rows) {
      seen.add(r.from);
      for (const s of asList(r.to)) seen.add(s);
    }
    return [...seen];
  }

  /** Reachability, dead ends and duplicate rows. */
  analyse(): TableAnalysis<S> {
    const reach = new Set<S>([this.initial]);
    for (let grew = true; grew;) {
      grew = false;
      for (const r of this.rows) {
        if (!reach.has(r.from)) continue;
        for (const s of asList(r.to)) {
          if (!reach.has(s)) {
            reach.add(s);
            grew = true;
          }
        }
      }
    }
    const final = new Set(this.options.final ?? []);
    const hasExit = new Set(this.rows.filter((r) => asList(r.to).some((s) => s !== r.from)).map((r) => r.from));
    const count = new Map<string, number>();
    for (const r of this.rows) count.set(StateTable.key(r.from, r.on), (count.get(StateTable.key(r.from, r.on)) ?? 0) + 1);
    return {
      reachable: this.states().filter((s) => reach.has(s)),
      unreachable: this.states().filter((s) => !reach.has(s)),
      deadEnds: this.states().filter((s) => reach.has(s) && !hasExit.has(s) && !final.has(s)),
      duplicates: [...count].filter(([, n]) => n > 1).map(([k]) => k.replace('\u0000', ' on ')),
    };
  }

  /** The table as a Mermaid `stateDiagram-v2`, one edge per (from, to, event). */
  mermaid(): string {
    const label = this.options.label ?? ((on: E) => String(on));
    const lines = ['stateDiagram-v2', `  %% ${this.name}`, `  [*] --> ${this.initial}`];
    const seen = new Set<string>();
    for (const r of this.rows) {
      for (const to of asList(r.to)) {
        const text = r.note ? `${label(r.on)} (${r.note})` : label(r.on);
        const line = `  ${r.from} --> ${to}: ${text}`;
        if (!seen.has(line)) lines.push(line);
        seen.add(line);
      }
    }
    for (const s of this.options.final ?? []) lines.push(`  ${s} --> [*]`);
    lines.push(...(this.options.extraDiagramLines ?? []));
    return lines.join('\n');
  }

  /**
   * A live machine in the initial state (or `at`). Needs every `(from, on)` pair to have one
   * target; a table with multi-target rows is checked with {@link move} instead.
   */
  machine(at: S = this.initial): Machine<S, E> {
    return new Machine(this, at);
  }
}

type NoCallbacks<E extends string | number> = Record<E, () => void>;
const quiet = { error: () => {} };

/**
 * One live machine over a {@link StateTable}, on typescript-fsm's `SyncStateMachine`: `fire`
 * moves only along a row of the table and says whether it did.
 */
export class Machine<S extends string, E extends string | number> {
  private readonly fsm: SyncStateMachine<S, E, NoCallbacks<E>>;

  /** @internal use {@link StateTable.machine} */
  constructor(readonly table: StateTable<S, E>, at: S) {
    const transitions: ITransition<S, E, () => void>[] = [];
    for (const r of table.rows) {
      const targets = asList(r.to);
      if (targets.length !== 1 || table.targets(r.from, r.on).length !== 1) {
        throw new Error(`${table.name}: ${r.from} on ${String(r.on)} has several targets; use StateTable.move`);
      }
      transitions.push(t(r.from, r.on, targets[0]!, () => {}));
    }
    this.fsm = new SyncStateMachine<S, E, NoCallbacks<E>>(at, transitions, quiet);
  }

  /** The current state. */
  get state(): S {
    return this.fsm.getState();
  }

  /** Whether the current state accepts `on`. */
  can(on: E): boolean {
    return this.fsm.can(on);
  }

  /** Moves along the row for `on`; false (and no move) when the table refuses it. */
  fire(on: E): boolean {
    if (!this.fsm.can(on)) return false;
    return this.fsm.syncDispatch(on);
  }
}
