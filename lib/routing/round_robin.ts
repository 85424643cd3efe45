// Round-robin (load-balanced) sending over pipes (RFC 28, RFC 30): each
// message goes to the next pipe that has room under its high-water mark.

import type { Msg, Pipe } from "../pipe.ts";

/** Round-robin writing across pipes. */
export class RoundRobin {
  #pipes: Pipe[] = [];
  #next = 0;

  /** Adds a pipe. */
  add(pipe: Pipe): void {
    if (!this.#pipes.includes(pipe)) this.#pipes.push(pipe);
  }

  /** Removes a pipe. */
  remove(pipe: Pipe): void {
    const i = this.#pipes.indexOf(pipe);
    if (i < 0) return;
    this.#pipes.splice(i, 1);
    if (this.#next > i) this.#next--;
    if (this.#next >= this.#pipes.length) this.#next = 0;
  }

  /** Some pipe has room (libzmq's lb_t::has_out). */
  hasOut(): boolean {
    for (const p of this.#pipes) if (p.canWrite()) return true;
    return false;
  }

  /**
   * Sends to the next pipe with room. Returns that pipe, or undefined when
   * every pipe is full or there is none (the socket is in the mute state).
   */
  send(msg: Msg): Pipe | undefined {
    const pipes = this.#pipes;
    const n = pipes.length;
    // The turn wraps by comparison: `%` is a division, per message.
    let i = this.#next;
    for (let k = 0; k < n; k++) {
      const p = pipes[i];
      if (++i === n) i = 0;
      if (p.canWrite()) {
        p.write(msg);
        this.#next = i;
        return p;
      }
    }
    return undefined;
  }
}
