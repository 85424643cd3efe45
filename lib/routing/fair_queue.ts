// Fair-queueing over pipes (RFC 28 §"Overall Goals", RFC 30): read one
// message from each pipe with input, in turn.

import { isMsg, type Msg, type Pipe, type PipeItem } from "../pipe.ts";

/** Fair-queued reading across pipes. */
export class FairQueue {
  #pipes: Pipe[] = [];
  #next = 0;

  /** Adds a pipe. */
  add(pipe: Pipe): void {
    if (!this.#pipes.includes(pipe)) this.#pipes.push(pipe);
  }

  /** Removes a pipe at once (its unread messages are dropped). */
  remove(pipe: Pipe): void {
    const i = this.#pipes.indexOf(pipe);
    if (i < 0) return;
    this.#pipes.splice(i, 1);
    if (this.#next > i) this.#next--;
    if (this.#next >= this.#pipes.length) this.#next = 0;
  }

  /**
   * A pipe is gone: it leaves now if it has nothing unread, else once its
   * last message is read (libzmq delivers what a peer sent before it left).
   */
  detach(pipe: Pipe): void {
    if (pipe.inQ.length === 0) this.remove(pipe);
  }

  /** Some pipe has input (libzmq's fq_t::has_in). */
  hasIn(): boolean {
    for (const p of this.#pipes) if (p.inQ.length > 0) return true;
    return false;
  }

  /** Reads the next message and the pipe it came from, or undefined. */
  recvFrom(): [Msg, Pipe] | undefined {
    for (let p = this.#nextPipe(); p !== undefined; p = this.#nextPipe()) {
      const m = this.#read(p);
      if (isMsg(m)) return [m, p];
    }
    return undefined;
  }

  /** Reads the next message, or undefined (no pair allocated, unlike recvFrom). */
  recv(): Msg | undefined {
    for (let p = this.#nextPipe(); p !== undefined; p = this.#nextPipe()) {
      const m = this.#read(p);
      if (isMsg(m)) return m;
    }
    return undefined;
  }

  // The next pipe with a message, in turn; the turn moves past it.
  #nextPipe(): Pipe | undefined {
    const pipes = this.#pipes;
    const n = pipes.length;
    // The turn wraps by comparison: `%` is a division, per message.
    let i = this.#next;
    for (let k = 0; k < n; k++) {
      const p = pipes[i];
      if (++i === n) i = 0;
      if (p.inQ.length > 0) {
        this.#next = i;
        return p;
      }
    }
    return undefined;
  }

  // A terminated pipe leaves once its last message is read. (A command
  // here would be a stray: only PUB/XPUB and RADIO take them, and not
  // through a fair queue; the callers skip it.)
  #read(p: Pipe): PipeItem {
    const m = p.read()!;
    if (p.terminated && p.inQ.length === 0) this.remove(p);
    return m;
  }
}
