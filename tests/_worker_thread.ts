// The Worker side of workers_test.ts: this library's sockets inside a
// worker thread, driven by messages from the test. Runs as a Node
// worker_threads Worker or a Deno/Bun Web Worker (the only runtime-specific
// part is how it talks to its parent).

import * as zmq from "../mod.ts";

type Task =
  | { task: "push"; endpoint: string; messages: string[] }
  | { task: "rep"; bind: string }
  | { task: "inproc"; endpoint: string };

type Reply = { ok: true; value?: unknown } | { ok: false; error: string };

let post: (m: Reply) => void;
const handle = (t: Task) =>
  run(t).then((value) => post({ ok: true, value }), (e) => post({ ok: false, error: String(e?.stack ?? e) }));

if ("Deno" in globalThis || "Bun" in globalThis) {
  const self = globalThis as unknown as { postMessage(m: unknown): void; onmessage: (e: { data: Task }) => void };
  post = (m) => self.postMessage(m);
  self.onmessage = (e) => handle(e.data);
} else {
  const { parentPort } = await import("node:worker_threads");
  post = (m) => parentPort!.postMessage(m);
  parentPort!.on("message", handle);
}

const dec = new TextDecoder();

async function run(t: Task): Promise<unknown> {
  switch (t.task) {
    case "push": {
      // Sends, then closes: the default linger delivers what is queued first.
      const push = new zmq.Push();
      push.connect(t.endpoint);
      for (const m of t.messages) await push.send(m);
      push.close();
      return null;
    }
    case "rep": {
      // Binds, tells the endpoint (a message of its own), answers one request
      // upper-cased, closes (the default linger delivers the reply).
      const rep = new zmq.Reply();
      await rep.bind(t.bind);
      post({ ok: true, value: rep.lastEndpoint });
      const [q] = await rep.receive();
      await rep.send(dec.decode(q).toUpperCase());
      rep.close();
      return "answered";
    }
    case "inproc": {
      // Connects to an inproc name of the main thread (bound before or
      // after), sends, closes: the default linger delivers it first.
      const push = new zmq.Push();
      push.connect(t.endpoint);
      post({ ok: true, value: "connected" });
      await push.send("across");
      push.close();
      return "sent";
    }
  }
}
