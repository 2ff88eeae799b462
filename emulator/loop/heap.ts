/**
 * The scheduler's event queue: a binary min-heap keyed on (time, seq).
 *
 * `seq` is the insertion order, so two events at the same virtual time leave the heap in the
 * order they were scheduled. The heap holds plain objects in one array and does no allocation
 * per operation beyond the event itself; a cancelled event stays in the heap with `fn === null`
 * and is skipped when it surfaces (lazy deletion keeps `cancel` O(1)).
 */

/** One scheduled event. */
export interface QueuedEvent {
  /** Virtual time in nanoseconds at which the event fires. */
  readonly time: number;
  /** Insertion order: the tie-breaker between events at the same time. */
  readonly seq: number;
  /** What to run; `null` once cancelled or fired. */
  fn: (() => void) | null;
  /** A daemon event does not keep the loop alive (like Node's unref'd timers). */
  readonly daemon: boolean;
}

/** `a` fires before `b`. */
function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** A binary min-heap of events ordered by (time, seq). */
export class EventHeap {
  private readonly items: QueuedEvent[] = [];

  /** Number of events in the heap, cancelled ones included. */
  get size(): number {
    return this.items.length;
  }

  /** The earliest event, or `undefined` when empty. */
  peek(): QueuedEvent | undefined {
    return this.items[0];
  }

  /** Adds an event. */
  push(ev: QueuedEvent): void {
    const a = this.items;
    let i = a.length;
    a.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p]!;
      if (!before(ev, parent)) break;
      a[i] = parent;
      i = p;
    }
    a[i] = ev;
  }

  /** Removes and returns the earliest event, or `undefined` when empty. */
  pop(): QueuedEvent | undefined {
    const a = this.items;
    const n = a.length;
    if (n === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (n > 1) {
      const m = n - 1;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= m) break;
        const r = l + 1;
        let c = l;
        let child = a[l]!;
        if (r < m) {
          const right = a[r]!;
          if (before(right, child)) {
            c = r;
            child = right;
          }
        }
        if (!before(child, last)) break;
        a[i] = child;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
