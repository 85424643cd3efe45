// The inproc:// names of one context: which socket is bound to each, and
// the connects waiting for a bind. Each thread (the main one, each Worker)
// has its own contexts, so a name bound in another thread is out of reach;
// such a connect is told so (see ThreadNotes) instead of waiting silently.

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
  #elsewhere = new Map<string, Set<() => void>>();

  /** Binds `name` to `socket`; throws EADDRINUSE if taken. */
  bind(name: string, socket: InprocSocket): void {
    if (this.#bound.has(name)) {
      throw new ZmqError("EADDRINUSE", `Address already in use: inproc://${name}`);
    }
    this.#bound.set(name, socket);
    notes.update(this);
    notes.post("bound", name);
    const w = this.#waiting.get(name);
    if (w) { for (const f of [...w]) f(); }
  }

  /** Releases `name` if `socket` holds it. */
  unbind(name: string, socket: InprocSocket): boolean {
    if (this.#bound.get(name) !== socket) return false;
    this.#bound.delete(name);
    notes.update(this);
    return true;
  }

  /** The socket bound to `name`, if any. */
  lookup(name: string): InprocSocket | undefined {
    return this.#bound.get(name);
  }

  /** Calls `f` each time `name` gets bound, until the returned function is called. */
  watch(name: string, f: () => void): () => void {
    return watchIn(this.#waiting, name, f);
  }

  /**
   * Calls `f` when another thread has `name` bound (now, or when it binds
   * it later) while it is not bound here, until the returned function is
   * called. Asks the other threads at once; their answers come
   * asynchronously. Does nothing where there is no BroadcastChannel.
   */
  watchElsewhere(name: string, f: () => void): () => void {
    const stop = watchIn(this.#elsewhere, name, f);
    notes.update(this);
    notes.post("query", name);
    return () => {
      stop();
      notes.update(this);
    };
  }

  /** True while the registry has names bound or connects asking other threads (internal). */
  get listening(): boolean {
    return this.#bound.size > 0 || this.#elsewhere.size > 0;
  }

  /** Another thread has `name` bound (internal, from ThreadNotes). */
  boundElsewhere(name: string): void {
    if (this.#bound.has(name)) return;
    const set = this.#elsewhere.get(name);
    if (set) { for (const f of [...set]) f(); }
  }
}

function watchIn(map: Map<string, Set<() => void>>, name: string, f: () => void): () => void {
  let set = map.get(name);
  if (!set) map.set(name, set = new Set());
  set.add(f);
  return () => {
    set!.delete(f);
    if (set!.size === 0 && map.get(name) === set) map.delete(name);
  };
}

interface Note {
  /** The thread that sent it. */
  from: string;
  /** "bound": `name` is bound in the sender's thread; "query": is `name` bound in yours? */
  op: "bound" | "query";
  name: string;
}

// This thread's id, shared by every copy of the library loaded in it (an
// ESM and a CommonJS copy would otherwise take each other for other threads).
const THREAD_KEY = Symbol.for("zmtp.inproc.thread");
const g = globalThis as unknown as Record<symbol, string | undefined>;
const THREAD: string = g[THREAD_KEY] ??= `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/**
 * Tells the other threads of the process about this thread's inproc names,
 * over a BroadcastChannel (a web standard: Deno, Bun, Node, browsers): a
 * bind says "bound", a connect waiting for a name asks, a thread holding it
 * answers. The channel is open only while some registry here has names
 * bound or connects asking, and never keeps the process alive.
 */
class ThreadNotes {
  #channel: BroadcastChannel | null = null;
  #listening = new Set<InprocRegistry>();
  #closing = false;

  /** Opens or closes the channel as `reg` starts or stops needing it. */
  update(reg: InprocRegistry): void {
    if (reg.listening) this.#listening.add(reg);
    else this.#listening.delete(reg);
    if (this.#listening.size > 0 && this.#channel === null) this.#open();
    else if (this.#listening.size === 0 && this.#channel !== null && !this.#closing) {
      // Closed after the current turn, if still unused: an unbind and a
      // bind in a row (tests, restarts) keep one channel rather than churn.
      this.#closing = true;
      setTimeout(() => {
        this.#closing = false;
        if (this.#listening.size > 0 || this.#channel === null) return;
        this.#channel.close();
        this.#channel = null;
      }, 0);
    }
  }

  // Best effort: a runtime's channel failing must not fail a bind or connect.
  post(op: Note["op"], name: string): void {
    try {
      this.#channel?.postMessage({ from: THREAD, op, name } satisfies Note);
    } catch {
      // The other threads go unwarned; nothing here depends on it.
    }
  }

  #open(): void {
    if (typeof BroadcastChannel !== "function") return;
    const ch = new BroadcastChannel("zmtp:inproc");
    ch.onmessage = (e: MessageEvent) => this.#receive(e.data as Note);
    unref(ch);
    this.#channel = ch;
  }

  #receive(note: Note): void {
    if (note === null || typeof note !== "object" || note.from === THREAD || typeof note.name !== "string") return;
    const regs = [...this.#listening];
    if (note.op === "query") {
      if (regs.some((r) => r.lookup(note.name) !== undefined)) this.post("bound", note.name);
    } else if (note.op === "bound") {
      for (const r of regs) r.boundElsewhere(note.name);
    }
  }
}

// A listening channel keeps the event loop alive unless unref'd: Node and
// Bun have unref(); Deno has no public one, but the method its own
// node:worker_threads calls (a symbol-keyed method of the prototype).
function unref(ch: BroadcastChannel): void {
  const c = ch as unknown as { unref?: () => void } & Record<symbol, (on: boolean) => void>;
  if (typeof c.unref === "function") {
    c.unref();
    return;
  }
  const key = Object.getOwnPropertySymbols(Object.getPrototypeOf(ch)).find((s) =>
    s.description === "refBroadcastChannel"
  );
  if (key !== undefined && typeof c[key] === "function") c[key](false);
}

const notes = new ThreadNotes();
