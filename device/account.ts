/** Current/peak counters for one owner (pid + tag) or one process, over pools and heap. */
export class Account {
  currentBytes = 0;
  peakBytes = 0;
  currentBlocks = 0;
  peakBlocks = 0;
  totalAllocs = 0;
  totalFrees = 0;
  failedAllocs = 0;

  /** Counts an allocation of `size` requested bytes. */
  add(size: number): void {
    const b = (this.currentBytes += size);
    if (b > this.peakBytes) this.peakBytes = b;
    const n = ++this.currentBlocks;
    if (n > this.peakBlocks) this.peakBlocks = n;
    this.totalAllocs++;
  }

  /** Counts the release of a block of `size` requested bytes. */
  sub(size: number): void {
    this.currentBytes -= size;
    this.currentBlocks--;
    this.totalFrees++;
  }
}

/** Glob (`*` any run, `?` one character) or RegExp → RegExp; a plain string matches exactly. */
export function toMatcher(p: string | RegExp): RegExp {
  if (p instanceof RegExp) return p;
  const esc = p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${esc}$`);
}
