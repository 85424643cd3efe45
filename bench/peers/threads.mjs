// The threads stage's peer (bench/run.ts): inproc:// between Worker threads
// of one process, on the runtime that runs it. Cases, each with its own
// fresh workers and a count/4 untimed warm-up:
//
//   pipe       64 B PUSH (a worker) -> PULL (main thread), msg/s
//   vent<N>    ventilator (main) -> N workers -> sink (main), the zguide's
//              "divide and conquer": each task is a fixed busy loop of
//              TASK_ITERS iterations (the same work in every cell), tasks/s
//   lat        REQ (main) -> REP (a worker), 64 B, p50 / p99 round trip
//   bare<N>    the control for vent<N>: N workers run the same tasks with
//              no sockets (count/N each, told to start and reporting by
//              postMessage), tasks/s: how far the machine lets N threads
//              scale at that moment
//
//   node bench/peers/threads.mjs <case,...> <count,...>
//   deno run -A bench/peers/threads.mjs ...; bun bench/peers/threads.mjs ...
// Deno and Bun load mod.ts; Node the module ZMTP_BENCH_LIB names (the npm
// build), else npm/esm/mod.js. Prints one JSON line: {"results": [...]}.
import process from "node:process";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const SIZE = 64;
const TASK_ITERS = 40_000;

// A Web Worker (Deno, Bun) sets its handler before any await: Bun drops a
// message that comes before.
const webWorker = runtime === "bun"
  ? !globalThis.Bun.isMainThread
  : runtime === "deno" && typeof globalThis.WorkerGlobalScope !== "undefined";
const firstMessage = webWorker ? new Promise((resolve) => globalThis.onmessage = (e) => resolve(e.data)) : null;
const nodeThreads = runtime === "node" ? await import("node:worker_threads") : null;
const inWorker = webWorker || (nodeThreads !== null && !nodeThreads.isMainThread);

// The CPU-bound task: xorshift rounds, its result sent back so that the
// loop cannot be optimized away.
function task(seed) {
  let h = seed | 1;
  for (let i = 0; i < TASK_ITERS; i++) {
    h ^= h << 13;
    h ^= h >>> 17;
    h ^= h << 5;
  }
  return h;
}

// -- workers ---------------------------------------------------------------------

async function worker({ lib, role, name, index, count }) {
  if (role === "bare") {
    // No sockets: runs `count` tasks per message from the main thread and
    // says when done, by the runtime's own worker messages.
    const post = nodeThreads ? (m) => nodeThreads.parentPort.postMessage(m) : (m) => globalThis.postMessage(m);
    const run = (n) => {
      let h = 0;
      for (let i = 0; i < n; i++) h ^= task(i);
      post({ done: n, h });
    };
    if (nodeThreads) nodeThreads.parentPort.on("message", (m) => run(m.count));
    else globalThis.onmessage = (e) => run(e.data.count);
    run(count);
    return;
  }
  const zmq = await import(lib);
  if (role === "push") {
    const push = new zmq.Push();
    push.connect(`inproc://${name}`);
    const msg = new Uint8Array(SIZE);
    for (let i = 0; i < count; i++) await push.send(msg);
    push.close();
  } else if (role === "rep") {
    const rep = new zmq.Reply();
    rep.connect(`inproc://${name}`);
    for (;;) {
      const [m] = await rep.receive();
      await rep.send(m);
    }
  } else if (role === "vent") {
    const pull = new zmq.Pull();
    pull.connect(`inproc://${name}-vent`);
    const push = new zmq.Push();
    push.connect(`inproc://${name}-sink`);
    // Ready: the sink waits for every worker before the first task.
    await push.send(new Uint8Array([index, 0, 0, 0, 0, 0, 0, 0, 0]));
    const out = new Uint8Array(9);
    const view = new DataView(out.buffer);
    out[0] = index;
    for (;;) {
      const [m] = await pull.receive();
      view.setInt32(1, task(m[0] | (m[1] << 8)));
      view.setInt32(5, 1);
      await push.send(out);
    }
  }
}

// -- main thread -------------------------------------------------------------------

function spawn(lib, data) {
  const msg = { lib, ...data };
  if (runtime === "node") return new nodeThreads.Worker(new URL(import.meta.url), { workerData: msg });
  const w = new Worker(new URL(import.meta.url), { type: "module" });
  w.postMessage(msg);
  return w;
}

const warmupOf = (n) => Math.floor(n / 4);

async function pipe(zmq, lib, name, count) {
  const warm = warmupOf(count);
  const pull = new zmq.Pull();
  await pull.bind(`inproc://${name}`);
  const w = spawn(lib, { role: "push", name, count: warm + count });
  for (let i = 0; i < warm; i++) await pull.receive();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const [m] = await pull.receive();
    if (m.length !== SIZE) throw new Error(`message ${i} has ${m.length} bytes, expected ${SIZE}`);
  }
  const secs = (performance.now() - t0) / 1000;
  pull.close();
  await w.terminate();
  return { count, secs, msgPerSec: count / secs };
}

async function vent(zmq, lib, name, count, n) {
  const warm = warmupOf(count);
  const push = new zmq.Push();
  await push.bind(`inproc://${name}-vent`);
  const sink = new zmq.Pull();
  await sink.bind(`inproc://${name}-sink`);
  const ws = Array.from({ length: n }, (_, index) => spawn(lib, { role: "vent", name, index }));
  for (let i = 0; i < n; i++) await sink.receive();
  // Tasks done by each worker in the timed part: PUSH's round robin should
  // share them evenly.
  const perWorker = new Array(n).fill(0);
  const t = new Uint8Array(8);
  // The warm-up, then the timed part, each from its first task sent to its
  // last result in: the pipeline is empty at both ends of the clock (a
  // worker's results come in batches, so counting results would not be).
  const round = async (tasks, tally) => {
    const sending = (async () => {
      for (let i = 0; i < tasks; i++) {
        t[0] = i & 0xff;
        t[1] = (i >> 8) & 0xff;
        await push.send(t);
      }
    })();
    for (let i = 0; i < tasks; i++) {
      const [m] = await sink.receive();
      if (tally) perWorker[m[0]]++;
    }
    await sending;
  };
  await round(warm, false);
  const t0 = performance.now();
  await round(count, true);
  const secs = (performance.now() - t0) / 1000;
  await Promise.all(ws.map((w) => w.terminate()));
  push.close();
  sink.close();
  return { count, secs, tasksPerSec: count / secs, workers: n, perWorker };
}

async function lat(zmq, lib, name, count) {
  const warm = warmupOf(count);
  const req = new zmq.Request();
  await req.bind(`inproc://${name}`);
  const w = spawn(lib, { role: "rep", name });
  const msg = new Uint8Array(SIZE);
  for (let i = 0; i < warm; i++) {
    await req.send(msg);
    await req.receive();
  }
  const rtt = new Float64Array(count);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await req.send(msg);
    const [m] = await req.receive();
    rtt[i] = (performance.now() - t) * 1000;
    sum += rtt[i];
    if (m.length !== SIZE) throw new Error(`reply ${i} has ${m.length} bytes, expected ${SIZE}`);
  }
  rtt.sort();
  req.close();
  await w.terminate();
  return {
    count,
    secs: sum / 1e6,
    p50us: rtt[count >> 1],
    p99us: rtt[Math.floor(count * 0.99)],
    meanUs: sum / count,
  };
}

async function bare(lib, count, n) {
  const each = Math.ceil(count / n);
  const ws = Array.from({ length: n }, () => spawn(lib, { role: "bare", count: Math.max(1, warmupOf(each)) }));
  // The next message of each worker.
  const next = () =>
    Promise.all(ws.map((w) =>
      new Promise((resolve) => {
        if (runtime === "node") w.once("message", resolve);
        else w.onmessage = (e) => resolve(e.data);
      })
    ));
  // The warm-up (a quarter of the tasks, as the threads start), then the
  // timed part on the same threads.
  await next();
  const t0 = performance.now();
  const done = next();
  for (const w of ws) w.postMessage({ count: each });
  await done;
  const secs = (performance.now() - t0) / 1000;
  await Promise.all(ws.map((w) => w.terminate()));
  return { count: each * n, secs, tasksPerSec: each * n / secs, workers: n };
}

// The task's cost on this thread, alone: the median of 201 runs, µs.
function taskUs() {
  const xs = [];
  let sink = 0;
  for (let i = 0; i < 201; i++) {
    const t = performance.now();
    sink ^= task(i);
    xs.push((performance.now() - t) * 1000);
  }
  xs.sort((a, b) => a - b);
  return sink === 0.5 ? 0 : xs[100];
}

async function main() {
  const [casesArg, countsArg] = process.argv.slice(2);
  const cases = (casesArg ?? "").split(",");
  const counts = (countsArg ?? "").split(",").map(Number);
  if (
    cases.length !== counts.length || !cases.every((c) => /^(pipe|lat|vent\d+|bare\d+)$/.test(c)) ||
    !counts.every((c) => Number.isInteger(c) && c > 0)
  ) {
    console.error("usage: threads.mjs <pipe|vent<N>|lat|bare<N>,...> <count,...>");
    process.exit(2);
  }
  const lib = runtime === "node"
    ? process.env.ZMTP_BENCH_LIB || new URL("../../npm/esm/mod.js", import.meta.url).href
    : new URL("../../mod.ts", import.meta.url).href;
  const zmq = await import(lib);
  const results = [];
  for (const [k, c] of cases.entries()) {
    const name = `bench-threads-${process.pid}-${k}`;
    const count = counts[k];
    const r = c === "pipe"
      ? await pipe(zmq, lib, name, count)
      : c === "lat"
      ? await lat(zmq, lib, name, count)
      : c.startsWith("bare")
      ? await bare(lib, count, Number(c.slice(4)))
      : await vent(zmq, lib, name, count, Number(c.slice(4)));
    results.push({ case: c, ...r });
  }
  console.log(JSON.stringify({ results, taskIters: TASK_ITERS, taskUs: taskUs() }));
  // Workers are gone, sockets closed; exit without waiting for a lingering handle.
  process.exit(0);
}

if (inWorker) {
  await worker(webWorker ? await firstMessage : nodeThreads.workerData);
} else {
  // Whatever happens, this process ends: a stuck run exits after BENCH_TIMEOUT s.
  setTimeout(() => {
    console.error("threads.mjs: timed out");
    process.exit(3);
  }, Number(process.env.BENCH_TIMEOUT ?? 120) * 1000);
  await main();
}
