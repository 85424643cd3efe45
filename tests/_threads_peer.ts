// The Worker side of patterns_threads_test.ts: sockets of this library in a
// worker thread, each standing in for one that a pattern row makes. The test
// calls their methods and sets their properties by message, and hears every
// event they emit. Runs as a Node worker_threads Worker or a Deno/Bun Web
// Worker (the only runtime-specific part is how it talks to its parent).

import * as zmq from "../mod.ts";

/** What the test sends. */
export type PeerCall =
  | { op: "open"; seq: number; id: number; type: string; options?: Record<string, unknown> }
  | { op: "call"; seq: number; id: number; method: string; args: unknown[] }
  | { op: "set"; seq: number; id: number; prop: string; value: unknown };

/** What the worker sends back: the outcome of a call, or an event of a socket. */
export type PeerReply =
  | { seq: number; ok: true; value?: unknown; lastEndpoint: string | null }
  | { seq: number; ok: false; name: string; message: string; code?: string }
  | { id: number; event: { type: string; address?: string } };

let post: (m: PeerReply) => void;
if ("Deno" in globalThis || "Bun" in globalThis) {
  const self = globalThis as unknown as { postMessage(m: unknown): void; onmessage: (e: { data: PeerCall }) => void };
  post = (m) => self.postMessage(m);
  self.onmessage = (e) => handle(e.data);
} else {
  const { parentPort } = await import("node:worker_threads");
  post = (m) => parentPort!.postMessage(m);
  parentPort!.on("message", handle);
}

// deno-lint-ignore no-explicit-any
type Any = any;
const sockets = new Map<number, Any>();

function handle(c: PeerCall): void {
  // Each call starts as it arrives, so the synchronous ones (connect,
  // subscribe, a property) take effect in the order the test made them.
  let out: unknown;
  try {
    out = run(c);
  } catch (e) {
    out = Promise.reject(e);
  }
  Promise.resolve(out).then(
    (value) => post({ seq: c.seq, ok: true, value: cloneable(value), lastEndpoint: sockets.get(c.id)?.lastEndpoint }),
    (e) => post({ seq: c.seq, ok: false, name: e?.name ?? "Error", message: String(e?.message ?? e), code: e?.code }),
  );
}

function run(c: PeerCall): unknown {
  if (c.op === "open") {
    const s = new (zmq as Any)[c.type](c.options);
    sockets.set(c.id, s);
    // Every event, as it comes; the iteration ends when the socket closes.
    (async () => {
      for await (const e of s.events as AsyncIterable<{ type: string; address?: string }>) {
        post({ id: c.id, event: { type: e.type, address: e.address } });
      }
    })().catch(() => {});
    return null;
  }
  const s = sockets.get(c.id);
  if (c.op === "set") {
    s[c.prop] = c.value;
    return null;
  }
  return s[c.method](...c.args);
}

/** A received message as plain copies (a Buffer's clone would carry its whole pool). */
function cloneable(v: unknown): unknown {
  if (Array.isArray(v) && v.every((f) => f instanceof Uint8Array)) return v.map((f) => new Uint8Array(f));
  return v ?? null;
}
