// The inproc:// names of one context: which socket is bound to each, and
// the connects waiting for a bind. A name is also reachable from the other
// threads of the process (Workers) when the context is shared by them: the
// default context is (it stands for libzmq's one context of a process);
// a Context made with `new Context()` lives in one thread, and its names are
// not seen elsewhere. Threads find each other's names over a
// BroadcastChannel (ThreadNotes below); the connection itself is made by
// lib/inproc_threads.ts.

import type { EngineHost } from "./engine.ts";
import { ZmqError } from "./errors.ts";
import { unrefChannel } from "./keepalive.ts";

/** What an inproc endpoint needs from a socket. */
export interface InprocSocket extends EngineHost {
  readonly type: string;
  /** The Identity this socket announces (REQ, DEALER, ROUTER), if any. */
  inprocIdentity(): Uint8Array;
  /** The socket's options; a peer in another thread is told the receive HWM. */
  readonly opts: { readonly receiveHighWaterMark: number };
}

/** A connect from another thread, as ThreadNotes passes it to the thread link (internal). */
export interface ConnectNote {
  from: string;
  to: string;
  op: "connect";
  /** The context's key, then "/", then the name. */
  key: string;
  /** The connection's own channel. */
  cid: string;
  /** The connecting socket: type, Identity, receive HWM. */
  info: ThreadPeer;
}

/** A socket as a peer in another thread sees it. */
export interface ThreadPeer {
  type: string;
  identity: Uint8Array;
  hwm: number;
  /** Where the peer's messages to this socket go, when shared memory is there (lib/inproc_threads.ts). */
  ring?: SharedArrayBuffer;
}

let contexts = 0;

/** The inproc names bound in one context, and connects waiting for a bind. */
export class InprocRegistry {
  /**
   * Names this context announces to other threads under (internal): the
   * default context's is the same in every thread, any other's is its own.
   */
  key: string = `${THREAD}.${++contexts}`;
  #bound = new Map<string, InprocSocket>();
  #waiting = new Map<string, Set<() => void>>();
  #elsewhere = new Map<string, Set<(thread: string) => void>>();

  /** Binds `name` to `socket`; throws EADDRINUSE if taken. */
  bind(name: string, socket: InprocSocket): void {
    if (this.#bound.has(name)) {
      throw new ZmqError("EADDRINUSE", `Address already in use: inproc://${name}`);
    }
    this.#bound.set(name, socket);
    notes.update(this);
    notes.post({ op: "bound", key: `${this.key}/${name}` });
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
   * Calls `f` with the thread's id each time another thread tells it has
   * `name` bound in this context (asked at once, or when it binds it later),
   * until the returned function is called. Does nothing where there is no
   * BroadcastChannel.
   */
  watchElsewhere(name: string, f: (thread: string) => void): () => void {
    const stop = watchIn(this.#elsewhere, name, f);
    notes.update(this);
    notes.post({ op: "query", key: `${this.key}/${name}` });
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
  boundElsewhere(name: string, thread: string): void {
    const set = this.#elsewhere.get(name);
    if (set) { for (const f of [...set]) f(thread); }
  }
}

function watchIn<F>(map: Map<string, Set<F>>, name: string, f: F): () => void {
  let set = map.get(name);
  if (!set) map.set(name, set = new Set());
  set.add(f);
  return () => {
    set!.delete(f);
    if (set!.size === 0 && map.get(name) === set) map.delete(name);
  };
}

type Note =
  | { from: string; op: "bound" | "query"; key: string }
  | ConnectNote;

// This thread's id, shared by every copy of the library loaded in it (an
// ESM and a CommonJS copy would otherwise take each other for other threads).
const THREAD_KEY = Symbol.for("zmtp.inproc.thread");
const g = globalThis as unknown as Record<symbol, string | undefined>;
/** This thread's id (internal). */
export const THREAD: string = g[THREAD_KEY] ??= `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/**
 * Tells the other threads of the process about this thread's inproc names,
 * over a BroadcastChannel (a web standard: Deno, Bun, Node, browsers): a
 * bind says "bound", a connect waiting for a name asks ("query"), a thread
 * holding it answers "bound"; the connecting thread then sends "connect"
 * to that thread, which answers on the connection's own channel. The
 * channel opens when a name is first bound or asked for here, and never
 * keeps the process alive.
 */
class ThreadNotes {
  #channel: BroadcastChannel | null = null;
  #listening = new Set<InprocRegistry>();
  /** Serves a connect from another thread to a name bound here (set by lib/inproc_threads.ts). */
  onConnect: ((binder: InprocSocket, name: string, note: ConnectNote) => void) | null = null;

  /**
   * Opens the channel when `reg` first needs it. It stays open then (it
   * keeps no process alive): Deno (2.x) drops the messages of a channel
   * opened right after the thread's last one closed, and the connections'
   * own channels (lib/inproc_threads.ts) come and go.
   */
  update(reg: InprocRegistry): void {
    if (reg.listening) this.#listening.add(reg);
    else this.#listening.delete(reg);
    if (this.#listening.size > 0 && this.#channel === null) this.#open();
  }

  // Best effort: a runtime's channel failing must not fail a bind or connect.
  post(note: { op: "bound" | "query"; key: string } | Omit<ConnectNote, "from">): void {
    try {
      this.#channel?.postMessage({ ...note, from: THREAD });
    } catch {
      // The other threads go unwarned; a waiting connect goes on waiting.
    }
  }

  #open(): void {
    if (typeof BroadcastChannel !== "function") return;
    const ch = new BroadcastChannel("zmtp:inproc");
    ch.onmessage = (e: MessageEvent) => this.#receive(e.data as Note);
    unrefChannel(ch);
    this.#channel = ch;
  }

  // The registry and name a key stands for, among the registries listening here.
  #find(key: string): [InprocRegistry, string] | undefined {
    const slash = key.indexOf("/");
    if (slash < 0) return undefined;
    const ctx = key.slice(0, slash);
    for (const r of this.#listening) if (r.key === ctx) return [r, key.slice(slash + 1)];
    return undefined;
  }

  #receive(note: Note): void {
    if (note === null || typeof note !== "object" || note.from === THREAD || typeof note.key !== "string") return;
    const found = this.#find(note.key);
    if (found === undefined) return;
    const [reg, name] = found;
    if (note.op === "query") {
      if (reg.lookup(name) !== undefined) this.post({ op: "bound", key: note.key });
    } else if (note.op === "bound") {
      reg.boundElsewhere(name, note.from);
    } else if (note.op === "connect" && note.to === THREAD) {
      const binder = reg.lookup(name);
      // Unbound since it said so: the connect hears nothing and asks again.
      if (binder !== undefined) this.onConnect?.(binder, name, note);
    }
  }
}

/** This thread's announcements (internal). */
export const notes: ThreadNotes = new ThreadNotes();
