// inproc:// between two threads: 64 B PUSH (in a worker) -> PULL (main
// thread), msg/s, next to the same within one thread. Runs on the runtime
// that runs it; `--all` runs it on Deno, Bun and Node in turn.
//
//   node bench/threads.mjs [--all] [N=1000000]
//   node_modules/.bin/deno run -A bench/threads.mjs
//   node_modules/.bin/bun bench/threads.mjs
// Node loads the npm build (npm/esm/mod.js: scripts/build_npm.ts first);
// Deno and Bun the TypeScript source.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const lib = new URL(runtime === "node" ? "../npm/esm/mod.js" : "../mod.ts", import.meta.url).href;
const SIZE = 64;
const HWM = Number(process.env.BENCH_HWM ?? 0);
const NAME = "inproc://bench-threads";

// A Web Worker (Deno, Bun) sets its handler before any await: Bun drops a
// message that comes before.
const webWorker = runtime === "bun"
  ? !globalThis.Bun.isMainThread
  : runtime === "deno" && typeof globalThis.WorkerGlobalScope !== "undefined";
const task = webWorker ? new Promise((resolve) => globalThis.onmessage = (e) => resolve(e.data)) : null;
const inWorker = webWorker || (runtime === "node" && !(await import("node:worker_threads")).isMainThread);

// Sends `n` messages of SIZE bytes as fast as the PUSH takes them.
async function pushAll(zmq, n) {
  const push = new zmq.Push(HWM ? { sendHighWaterMark: HWM } : {});
  push.connect(NAME);
  const msg = new Uint8Array(SIZE);
  for (let i = 0; i < n; i++) await push.send(msg);
  push.close();
}

async function pullAll(pull, n) {
  await pull.receive();
  const t0 = performance.now();
  for (let i = 1; i < n; i++) await pull.receive();
  return (n - 1) / ((performance.now() - t0) / 1000);
}

async function main(n) {
  const zmq = await import(lib);
  // Within one thread, for reference.
  {
    const pull = new zmq.Pull(HWM ? { receiveHighWaterMark: HWM } : {});
    await pull.bind(NAME);
    const [rate] = await Promise.all([pullAll(pull, n), pushAll(zmq, n)]);
    pull.close();
    console.log(`${runtime}: inproc, one thread:   ${(rate / 1e6).toFixed(2)} M msg/s`);
  }
  const pull = new zmq.Pull(HWM ? { receiveHighWaterMark: HWM } : {});
  await pull.bind(NAME);
  let worker;
  if (runtime === "node") {
    const { Worker } = await import("node:worker_threads");
    worker = new Worker(new URL(import.meta.url), { workerData: n });
  } else {
    worker = new Worker(new URL(import.meta.url), { type: "module" });
    worker.postMessage(n);
  }
  const rate = await pullAll(pull, n);
  pull.close();
  console.log(`${runtime}: inproc, two threads:  ${(rate / 1e6).toFixed(2)} M msg/s`);
  await worker.terminate();
}

if (inWorker) {
  const zmq = await import(lib);
  await pushAll(zmq, webWorker ? await task : (await import("node:worker_threads")).workerData);
} else if (process.argv.includes("--all")) {
  const n = process.argv.find((a) => /^\d+$/.test(a)) ?? "1000000";
  const root = fileURLToPath(new URL("..", import.meta.url));
  const me = fileURLToPath(import.meta.url);
  for (
    const [bin, args] of [
      [`${root}node_modules/.bin/deno`, ["run", "-A", me, n]],
      [`${root}node_modules/.bin/bun`, [me, n]],
      ["node", [me, n]],
    ]
  ) {
    const r = spawnSync(bin, args, { cwd: root, stdio: "inherit" });
    if (r.status !== 0) process.exitCode = 1;
  }
} else {
  await main(Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000));
}
