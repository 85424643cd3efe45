// A program for threads_test.ts: the main thread binds an inproc PAIR and
// starts a worker (itself on Node; _threads_exit_worker.ts on Deno and Bun,
// as Bun drops the query of a worker's URL), which connects to it; they exchange a message
// each, close their sockets, and the program must then end by itself (no
// terminate(), no process.exit()). A Web Worker (Deno, Bun) has no end of
// its own but self.close(); a Node worker ends when it has nothing to do.

import { Pair } from "../mod.ts";

const NAME = "inproc://threads-exit";
const isNode = !("Deno" in globalThis) && !("Bun" in globalThis);
const inWorker = isNode ? !(await import("node:worker_threads")).isMainThread : "worker" in globalThis;

if (inWorker) {
  const pair = new Pair();
  pair.connect(NAME);
  const [m] = await pair.receive();
  console.log(`worker: ${new TextDecoder().decode(m)}`);
  await pair.send("hello from the worker");
  // The default linger delivers it before the socket goes.
  pair.close();
  if (!isNode) (globalThis as unknown as { close(): void }).close();
} else {
  const pair = new Pair();
  await pair.bind(NAME);
  if (isNode) {
    const { Worker } = await import("node:worker_threads");
    new Worker(new URL(import.meta.url));
  } else {
    const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
    new Worker(new URL(`./_threads_exit_worker${ext}`, import.meta.url), { type: "module" });
  }
  await pair.send("hello from main");
  const [m] = await pair.receive();
  console.log(`main: ${new TextDecoder().decode(m)}`);
  pair.close();
}
