// The inproc:// names of one context: which socket is bound to each, and
// the connects waiting for a bind.

import type { EngineHost } from "./engine.ts";
import { ZmqError } from "./errors.ts";

/** What an inproc endpoint needs from a socket. */
export interface InprocSocket extends EngineHost {
  readonly type: string;
  /** The Identity this socket announces (REQ, DEALER, ROUTER), if any. */
  inprocIdentity(): Uint8Array;
}

/** The inproc names bound in one context, and connects waiting for a bind. */
export class InprocRegistry {
  #bound = new Map<string, InprocSocket>();
  #waiting = new Map<string, Set<() => void>>();

  /** Binds `name` to `socket`; throws EADDRINUSE if taken. */
  bind(name: string, socket: InprocSocket): void {
    if (this.#bound.has(name)) {
      throw new ZmqError("EADDRINUSE", `Address already in use: inproc://${name}`);
    }
    this.#bound.set(name, socket);
    const w = this.#waiting.get(name);
    if (w) { for (const f of [...w]) f(); }
  }

  /** Releases `name` if `socket` holds it. */
  unbind(name: string, socket: InprocSocket): boolean {
    if (this.#bound.get(name) !== socket) return false;
    this.#bound.delete(name);
    return true;
  }

  /** The socket bound to `name`, if any. */
  lookup(name: string): InprocSocket | undefined {
    return this.#bound.get(name);
  }

  /** Calls `f` each time `name` gets bound, until the returned function is called. */
  watch(name: string, f: () => void): () => void {
    let set = this.#waiting.get(name);
    if (!set) this.#waiting.set(name, set = new Set());
    set.add(f);
    return () => {
      set!.delete(f);
      if (set!.size === 0) this.#waiting.delete(name);
    };
  }
}
