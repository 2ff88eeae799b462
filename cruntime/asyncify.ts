/**
 * Suspending a WebAssembly process inside a blocking import, with binaryen's Asyncify.
 *
 * `cesim cc` instruments the module for the imports in `SUSPENDING_IMPORTS`. When such an import
 * returns a promise, the wrapper here starts an unwind: the module saves its call stack into
 * the Asyncify buffer and returns from the export. The driver then waits for the promise (the
 * loop runs the rest of the device and the network meanwhile), stores its value, starts a
 * rewind and calls the export again; the module rebuilds its stack and re-enters the import,
 * which now returns the value. Node 20 has no JavaScript-promise integration (JSPI), and a worker
 * thread per process would put a thread hop (and a copy of the loop's state) in every call;
 * Asyncify keeps the whole run on the loop's one thread, which is what makes it deterministic.
 */

/** Asyncify's exports (binaryen's names). */
interface AsyncifyExports {
  asyncify_start_unwind(dataAddr: number): void;
  asyncify_stop_unwind(): void;
  asyncify_start_rewind(dataAddr: number): void;
  asyncify_stop_rewind(): void;
  asyncify_get_state(): number;
}

const STATE_NORMAL = 0;
const STATE_UNWINDING = 1;
const STATE_REWINDING = 2;

/** An import's host function: a value, or a promise of one for a blocking call. */
export type HostFunction = (...args: number[]) => number | bigint | void | Promise<number | void>;

/** Runs an Asyncify-instrumented instance: wraps its suspending imports and drives its exports. */
export class AsyncifyDriver {
  private exports: AsyncifyExports | null = null;
  private pending: Promise<number | void> | null = null;
  private resumeValue: number | void = undefined;
  /** Times the module was suspended (one per blocking call that blocked). */
  suspensions = 0;

  /**
   * Address of the Asyncify buffer in linear memory (its first 8 bytes are the current and end
   * pointers of the save area that follows); set once the module's layout is known.
   */
  dataAddr = 0;

  /** @param dataBytes size of the buffer */
  constructor(
    private readonly memory: () => DataView,
    readonly dataBytes: number,
  ) {}

  /** Binds the instance's Asyncify exports; throws when the module was not instrumented. */
  bind(exports: WebAssembly.Exports): void {
    for (const n of ['asyncify_start_unwind', 'asyncify_stop_unwind', 'asyncify_start_rewind', 'asyncify_stop_rewind', 'asyncify_get_state']) {
      if (typeof exports[n] !== 'function') throw new Error(`the module has no ${n} export: build it with cesim cc (it runs the Asyncify pass)`);
    }
    this.exports = exports as unknown as AsyncifyExports;
  }

  private resetData(): void {
    const dv = this.memory();
    dv.setUint32(this.dataAddr, this.dataAddr + 8, true);
    dv.setUint32(this.dataAddr + 4, this.dataAddr + this.dataBytes, true);
  }

  /** Wraps a host function that may return a promise, for use as a suspending import. */
  wrap(fn: HostFunction): (...args: number[]) => number | bigint | void {
    return (...args: number[]) => {
      const ex = this.exports!;
      if (ex.asyncify_get_state() === STATE_REWINDING) {
        ex.asyncify_stop_rewind();
        const v = this.resumeValue;
        this.resumeValue = undefined;
        return v;
      }
      const r = fn(...args);
      if (!(r instanceof Promise)) return r;
      this.pending = r;
      this.resetData();
      ex.asyncify_start_unwind(this.dataAddr);
      return 0; // ignored: the module is unwinding
    };
  }

  /** Calls an export to completion, waiting out every suspension. */
  async call(fn: (...args: number[]) => unknown, ...args: number[]): Promise<unknown> {
    const ex = this.exports!;
    let result = fn(...args);
    while (ex.asyncify_get_state() === STATE_UNWINDING) {
      ex.asyncify_stop_unwind();
      this.suspensions++;
      const p = this.pending!;
      this.pending = null;
      this.resumeValue = await p;
      ex.asyncify_start_rewind(this.dataAddr);
      result = fn(...args);
    }
    if (ex.asyncify_get_state() !== STATE_NORMAL) throw new Error('asyncify: the module ended in an unexpected state');
    return result;
  }
}
