// The outbound side every transport adapter shares: the chunks it accepted
// but could not hand to its runtime yet, the bytes in flight, and the
// backpressure latch of the Connection contract (write() returns false at
// the high-water mark; onDrain fires once the level is below half of it).
// How the bytes reach the runtime (an async write loop, a synchronous write
// that takes part of a chunk, a WebSocket's own buffer) stays the
// adapter's; so do end() and destroy().

/** write() reports backpressure from this many pending bytes on. */
export const HIGH_WATER = 1 << 20;

// Chunks smaller than this may be merged into one write by take(true).
const MERGE_BELOW = 16384;

/** A transport's pending outbound bytes and its drain signal. */
export class WriteQueue {
  /** The high-water mark. */
  readonly high: number;
  #chunks: Uint8Array[] = [];
  #head = 0;
  #queued = 0;
  #inFlight = 0;
  #needDrain = false;
  #onDrain: () => void;
  #external: (() => number) | undefined;

  /**
   * @param onDrain Called once the level fell below half the mark after a
   * write that reported backpressure.
   * @param options `high`: the mark; `external`: bytes buffered outside the
   * queue that count too (a WebSocket's bufferedAmount).
   */
  constructor(onDrain: () => void, options: { high?: number; external?: () => number } = {}) {
    this.#onDrain = onDrain;
    this.high = options.high ?? HIGH_WATER;
    this.#external = options.external;
  }

  /** Pending bytes: queued, in flight and external. */
  get level(): number {
    return this.#queued + this.#inFlight + (this.#external?.() ?? 0);
  }

  /** True when no chunk is queued (some may still be in flight). */
  get empty(): boolean {
    return this.#head === this.#chunks.length;
  }

  /** True when a write reported backpressure and onDrain has not fired yet. */
  get waiting(): boolean {
    return this.#needDrain;
  }

  /** True when nothing is queued or in flight. */
  get idle(): boolean {
    return this.empty && this.#inFlight === 0;
  }

  /**
   * Queues a chunk for the adapter to write later.
   *
   * @returns False once the level reached the mark: the writer waits for onDrain.
   */
  push(chunk: Uint8Array): boolean {
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
    return this.#latch();
  }

  /**
   * Counts bytes the adapter handed straight to its runtime, until `done()`.
   *
   * @returns False once the level reached the mark.
   */
  sent(bytes: number): boolean {
    this.#inFlight += bytes;
    return this.#latch();
  }

  /**
   * Takes the next queued chunk to write; it counts as in flight until
   * `done()`. With `merge`, small chunks queued behind each other come out
   * as one (a copy); large ones always come alone.
   */
  take(merge = false): Uint8Array | undefined {
    const chunks = this.#chunks;
    let h = this.#head;
    if (h === chunks.length) return undefined;
    let chunk = chunks[h];
    if (merge && chunk.length < MERGE_BELOW && h + 1 < chunks.length && chunks[h + 1].length < MERGE_BELOW) {
      let end = h, total = 0;
      while (end < chunks.length && chunks[end].length < MERGE_BELOW) total += chunks[end++].length;
      chunk = new Uint8Array(total);
      let at = 0;
      for (; h < end; h++) {
        chunk.set(chunks[h], at);
        at += chunks[h].length;
      }
    } else h++;
    this.#advance(h);
    this.#queued -= chunk.length;
    this.#inFlight += chunk.length;
    return chunk;
  }

  /**
   * Writes queued chunks through a synchronous writer that returns how many
   * bytes it took; stops at the first partial write, keeping the rest first.
   */
  flush(write: (chunk: Uint8Array) => number): void {
    while (this.#head < this.#chunks.length) {
      const c = this.#chunks[this.#head];
      const n = Math.max(0, write(c));
      if (n < c.length) {
        this.#chunks[this.#head] = c.subarray(n);
        this.#queued -= n;
        break;
      }
      this.#queued -= c.length;
      this.#advance(this.#head + 1);
    }
    this.check();
  }

  /** `bytes` in flight were written. */
  done(bytes: number): void {
    this.#inFlight -= bytes;
    this.check();
  }

  /** Fires onDrain if a writer waits and the level is below half the mark (an external buffer drained). */
  check(): void {
    if (!this.#needDrain || this.level >= this.high / 2) return;
    this.#needDrain = false;
    this.#onDrain();
  }

  /** Drops every queued chunk and what is in flight. */
  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#queued = 0;
    this.#inFlight = 0;
    this.#needDrain = false;
  }

  #latch(): boolean {
    if (this.level < this.high) return true;
    this.#needDrain = true;
    return false;
  }

  #advance(head: number): void {
    if (head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (head > 1024 && head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(head);
      this.#head = 0;
    } else this.#head = head;
  }
}
