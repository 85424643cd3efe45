// The pattern table's "inproc-threads" column: each row of _pattern_rows.ts
// over inproc with some of its sockets in a worker thread (one row run per
// entry of its `threads`), so that the same assertions hold across threads.
// A socket in the worker is driven through a stand-in here (Remote) that
// forwards its calls to _threads_peer.ts and mirrors its events.

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import * as zmq from "../mod.ts";
import { startWorker, WAIT, withTimeout } from "./_helpers.ts";
import { type Make, ROWS } from "./_pattern_rows.ts";
import type { PeerCall, PeerReply } from "./_threads_peer.ts";

// This file's siblings, compiled alongside it for Node (npm/esm/tests/*.js).
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

type Outcome = Extract<PeerReply, { seq: number }>;
// A call without its seq (Omit over each member of the union).
type Unnumbered = PeerCall extends infer C ? C extends unknown ? Omit<C, "seq"> : never : never;
type Listener = (e: { type: string; address?: string }) => void;

/** A worker running _threads_peer.ts. */
class Thread {
  #seq = 0;
  #ids = 0;
  #pending = new Map<number, (r: Outcome) => void>();
  #remotes = new Map<number, Remote>();
  #send!: (m: PeerCall) => void;
  #stop!: () => Promise<void>;
  /** What failed without anyone waiting for it (a call not awaited, the worker itself). */
  readonly failures: string[] = [];

  static async start(): Promise<Thread> {
    const t = new Thread();
    const url = new URL(`./_threads_peer${ext}`, import.meta.url);
    const got = (m: PeerReply) => {
      if ("event" in m) return t.#remotes.get(m.id)?.emit(m.event);
      const w = t.#pending.get(m.seq);
      t.#pending.delete(m.seq);
      w?.(m);
    };
    const failed = (error: string) => {
      t.failures.push(`the worker: ${error}`);
      for (const [seq, w] of t.#pending) w({ seq, ok: false, name: "Error", message: error });
      t.#pending.clear();
    };
    const port = await startWorker(url, got, failed);
    t.#send = port.send;
    t.#stop = port.stop;
    return t;
  }

  /** Sends `call` (given its seq here); resolves with its outcome, rejects with the worker's error. */
  request(call: Unnumbered, onOutcome?: (r: Outcome) => void, background = false): Promise<unknown> {
    const seq = ++this.#seq;
    const r = new Promise<Outcome>((res) => this.#pending.set(seq, res));
    this.#send({ ...call, seq } as PeerCall);
    const p = withTimeout(r, WAIT, `the worker's ${call.op} ${"method" in call ? call.method : ""}`).then((o) => {
      onOutcome?.(o);
      if (o.ok) return o.value;
      const e = o.name === "TypeError" ? new TypeError(o.message) : new Error(`in the worker: ${o.message}`);
      throw Object.assign(e, { code: o.code });
    });
    // What the row need not await (connect, subscribe, a property): keep what failed.
    if (background) p.catch((e) => this.failures.push(`${call.op} ${"method" in call ? call.method : ""}: ${e}`));
    return p;
  }

  /** A socket of class `type` in the worker, and its stand-in here. */
  open(type: string, options?: Record<string, unknown>): Remote {
    const id = ++this.#ids;
    const r = new Remote(this, id, options ?? {});
    this.#remotes.set(id, r);
    void this.request({ op: "open", id, type, options }, undefined, true);
    return r;
  }

  stop(): Promise<void> {
    return this.#stop();
  }
}

// Properties a row reads back, with their defaults; the rest are only set.
const READABLE: Record<string, unknown> = { receiveTimeout: -1, sendTimeout: -1 };
const SETTABLE = ["linger", "receiveTimeout", "sendTimeout", "mandatory"];

/** Stands in for a socket in the worker: the calls, properties and events the rows use. */
class Remote {
  readonly #thread: Thread;
  readonly #id: number;
  readonly #props: Record<string, unknown>;
  readonly #listeners = new Map<string, Set<Listener>>();
  lastEndpoint: string | null = null;
  closed = false;
  readonly events = {
    on: (type: string, f: Listener) => {
      let set = this.#listeners.get(type);
      if (!set) this.#listeners.set(type, set = new Set());
      set.add(f);
      return this.events;
    },
    off: (type: string, f: Listener) => {
      this.#listeners.get(type)?.delete(f);
      return this.events;
    },
  };

  constructor(thread: Thread, id: number, options: Record<string, unknown>) {
    this.#thread = thread;
    this.#id = id;
    this.#props = { ...READABLE, ...options };
    for (const prop of SETTABLE) {
      Object.defineProperty(this, prop, {
        get: () => {
          if (!(prop in this.#props)) throw new Error(`the stand-in does not know ${prop}`);
          return this.#props[prop];
        },
        set: (value: unknown) => {
          this.#props[prop] = value;
          void this.#thread.request({ op: "set", id: this.#id, prop, value }, undefined, true);
        },
      });
    }
  }

  emit(e: { type: string; address?: string }): void {
    for (const f of this.#listeners.get(e.type) ?? []) f(e);
  }

  #call(method: string, args: unknown[], background = false): Promise<unknown> {
    return this.#thread.request({ op: "call", id: this.#id, method, args }, (o) => {
      if (o.ok) this.lastEndpoint = o.lastEndpoint;
    }, background);
  }

  async bind(endpoint: string): Promise<void> {
    await this.#call("bind", [endpoint]);
  }
  // The synchronous ones return the call, for a row that must know it took effect.
  connect(endpoint: string, options?: unknown): Promise<unknown> {
    return options === undefined
      ? this.#call("connect", [endpoint], true)
      : this.#call("connect", [endpoint, options], true);
  }
  subscribe(...topics: unknown[]): Promise<unknown> {
    return this.#call("subscribe", topics, true);
  }
  unsubscribe(...topics: unknown[]): Promise<unknown> {
    return this.#call("unsubscribe", topics, true);
  }
  async send(message: unknown): Promise<void> {
    await this.#call("send", [message]);
  }
  receive(): Promise<Uint8Array[]> {
    return this.#call("receive", []) as Promise<Uint8Array[]>;
  }
  close(): void {
    this.closed = true;
    void this.#call("close", [], true);
  }
  /** Like a socket's: ends when it is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array[]> {
    while (!this.closed) {
      try {
        yield await this.receive();
      } catch (e) {
        if (this.closed) return;
        throw e;
      }
    }
  }
}

/** Makes the sockets at `inWorker` (by the order they are made) in `thread`, the rest here. */
function placing(thread: Thread, inWorker: number[]): { make: Make; made: () => number } {
  let n = 0;
  const make = ((cls: unknown, options?: Record<string, unknown>) => {
    const i = n++;
    if (!inWorker.includes(i)) return new (cls as new (o?: unknown) => unknown)(options);
    const name = Object.entries(zmq).find(([, v]) => v === cls)?.[0];
    if (name === undefined) throw new Error("not a socket class of mod.ts");
    return thread.open(name, options);
  }) as Make;
  return { make, made: () => n };
}

const T = { timeout: 15000 };

describe("patterns over inproc-threads", () => {
  // One worker for the file (starting one takes a while): every row closes
  // its sockets, and each uses inproc names of its own.
  let shared: Promise<Thread> | undefined;
  after(async () => await (await shared)?.stop());
  for (const row of ROWS) {
    if (row.transports && !row.transports.includes("inproc")) continue;
    for (const [where, inWorker] of Object.entries(row.threads)) {
      test(`${row.name} (inproc-threads, ${where})`, T, async () => {
        const thread = await (shared ??= Thread.start());
        thread.failures.length = 0;
        const { make, made } = placing(thread, inWorker);
        await row.run("inproc", make);
        assert.ok(made() > Math.max(...inWorker), "the row made the sockets its `threads` names");
        assert.deepEqual(thread.failures, []);
      });
    }
  }
});
