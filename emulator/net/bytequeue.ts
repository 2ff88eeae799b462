/**
 * A FIFO of bytes in one growable buffer: the transport's send and receive buffers.
 */

/** A byte FIFO: append at the back, read or drop at the front. */
export class ByteQueue {
  private buf: Uint8Array;
  private head = 0;
  private tail = 0;

  constructor(initialCapacity = 4096) {
    this.buf = new Uint8Array(initialCapacity);
  }

  /** Bytes held. */
  get length(): number {
    return this.tail - this.head;
  }

  /** Appends a copy of `data`. */
  push(data: Uint8Array): void {
    const n = data.length;
    if (this.tail + n > this.buf.length) {
      const len = this.length;
      if (len + n <= this.buf.length >>> 1) {
        this.buf.copyWithin(0, this.head, this.tail);
      } else {
        let cap = this.buf.length * 2;
        while (cap < len + n) cap *= 2;
        const nb = new Uint8Array(cap);
        nb.set(this.buf.subarray(this.head, this.tail));
        this.buf = nb;
      }
      this.head = 0;
      this.tail = len;
    }
    this.buf.set(data, this.tail);
    this.tail += n;
  }

  /** A view of `len` bytes starting `offset` bytes from the front (valid until the next push). */
  view(offset: number, len: number): Uint8Array {
    return this.buf.subarray(this.head + offset, this.head + offset + len);
  }

  /** Removes and returns (a copy of) up to `n` bytes from the front. */
  take(n: number): Uint8Array {
    const k = Math.min(n, this.length);
    const out = this.buf.slice(this.head, this.head + k);
    this.drop(k);
    return out;
  }

  /** Drops `n` bytes from the front. */
  drop(n: number): void {
    this.head += Math.min(n, this.length);
    if (this.head === this.tail) this.head = this.tail = 0;
  }
}
