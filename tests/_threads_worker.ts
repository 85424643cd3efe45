// The Worker side of threads_test.ts: this library's sockets in a worker
// thread, driven by calls from the test ({ seq, op, ... } -> { seq, ok,
// value | error }). Runs as a Node worker_threads Worker or a Deno/Bun Web
// Worker (the only runtime-specific part is how it talks to its parent).

import * as zmq from "../mod.ts";

type Call =
  | { seq: number; op: "open"; type: string; options?: Record<string, unknown> }
  | { seq: number; op: "bind" | "connect"; id: number; endpoint: string; handshake?: boolean }
  | { seq: number; op: "send"; id: number; messages: string[][] }
  | { seq: number; op: "sendUntilFull"; id: number }
  | { seq: number; op: "receive"; id: number; count: number }
  | { seq: number; op: "subscribe"; id: number; topic: string }
  | { seq: number; op: "echo"; id: number; count: number; upper?: boolean }
  | { seq: number; op: "events"; id: number; type: string }
  | { seq: number; op: "close"; id: number };

type Reply = { seq: number; ok: true; value?: unknown } | { seq: number; ok: false; error: string };

let post: (m: Reply) => void;
const handle = (c: Call) =>
  run(c).then(
    (value) => post({ seq: c.seq, ok: true, value }),
    (e) => post({ seq: c.seq, ok: false, error: String(e?.stack ?? e) }),
  );

if ("Deno" in globalThis || "Bun" in globalThis) {
  const self = globalThis as unknown as { postMessage(m: unknown): void; onmessage: (e: { data: Call }) => void };
  post = (m) => self.postMessage(m);
  self.onmessage = (e) => handle(e.data);
} else {
  const { parentPort } = await import("node:worker_threads");
  post = (m) => parentPort!.postMessage(m);
  parentPort!.on("message", handle);
}

const dec = new TextDecoder();
// deno-lint-ignore no-explicit-any
const sockets = new Map<number, any>();
let next = 1;

// deno-lint-ignore no-explicit-any
type Any = any;

async function run(c: Call): Promise<unknown> {
  if (c.op === "open") {
    const Class = (zmq as Any)[c.type] as new (o?: unknown) => zmq.Socket;
    const s = new Class(c.options);
    sockets.set(next, s);
    return next++;
  }
  const s = sockets.get(c.id) as Any;
  switch (c.op) {
    case "bind":
      await s.bind(c.endpoint);
      return null;
    case "connect": {
      // With `handshake`, returns once the connection is up.
      const up = c.handshake ? new Promise((resolve) => s.events.on("handshake", resolve)) : null;
      s.connect(c.endpoint);
      await up;
      return null;
    }
    case "send":
      for (const m of c.messages) await s.send(m);
      return null;
    case "sendUntilFull": {
      // Counts the messages queued before a send would block (sendTimeout set by the caller).
      let n = 0;
      for (;;) {
        try {
          await s.send(String(n));
        } catch (e) {
          if ((e as { code?: string }).code === "EAGAIN") return n;
          throw e;
        }
        n++;
      }
    }
    case "receive": {
      const got: string[][] = [];
      for (let i = 0; i < c.count; i++) got.push(((await s.receive()) as Uint8Array[]).map((f) => dec.decode(f)));
      return got;
    }
    case "subscribe":
      s.subscribe(c.topic);
      return null;
    case "echo": {
      // Answers `count` requests: frames back as they came (upper-cased for REP).
      for (let i = 0; i < c.count; i++) {
        const m = (await s.receive()) as Uint8Array[];
        await s.send(c.upper ? m.map((f) => dec.decode(f).toUpperCase()) : m);
      }
      return null;
    }
    case "events": {
      const e = await new Promise<Any>((resolve) => s.events.on(c.type, resolve));
      return { type: e.type, address: e.address };
    }
    case "close":
      s.close();
      sockets.delete(c.id);
      return null;
  }
}
