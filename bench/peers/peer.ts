// One benchmark peer for every JavaScript runtime and both JS libraries:
// this library on Deno and Bun (from mod.ts) and on Node (from compiled
// JS), and zeromq.js on Node (ZMTP_BENCH_LIB=zeromq). The same code drives
// every library, since the APIs match. Like bench/c, the socket roles take
// comma-separated lists of sizes and timed counts and measure them in
// order; each size starts with count/4 untimed warm-up messages.
//
//   recv     <bind-endpoint> <sizes> <counts>     PULL; msg/s and MB/s per size
//   send     <connect-endpoint> <sizes> <counts>  PUSH, awaiting each send()
//   rep      <bind-endpoint> <sizes> <counts>     REP; echoes every request
//   req      <connect-endpoint> <sizes> <counts>  REQ; per size p50, p99, mean round trip
//   hsreq    <connect-endpoint> <sizes> <counts>  per message a new REQ: connect, one round trip
//                                                 (the handshake done), close; handshakes/s per size
//   inproc   <name> <size> <count>                PUSH -> PULL over inproc:// in this process (count/4 warm-up);
//                                                 given an endpoint (tcp://127.0.0.1:0) instead of a name, over
//                                                 that: both ends' work per message on one thread
//   floor    <name> <size> <count>                no socket: a loop awaiting promises already resolved with
//                                                 a one-frame message (a Buffer view, as receive() hands out),
//                                                 the cost of the API's shape alone, per message
//   memsend  <connect-endpoint> <size> <count>    PUSH at full speed, sampling this process's memory
//   slowrecv <bind-endpoint> <size> <seconds>     PULL that reads about 20 k msg/s, for a while
//
// Binders print {"ready": endpoint} first; every role ends with one JSON
// line of results on stdout. BENCH_CURVE (four Z85 keys separated by
// spaces: server public, server secret, client public, client secret) makes
// the sockets of recv, send, rep, req and hsreq CURVE servers (binders) or
// clients; without it they keep NULL.

import process from "node:process";
import type * as Zmq from "../../mod.ts";
import type { Connection, Transport } from "../../lib/transport.ts";
import type { parseEndpoint as ParseEndpoint } from "../../lib/endpoint.ts";

type Lib = typeof Zmq;

const [role, endpoint, sizesArg, countsArg] = process.argv.slice(2);
const sizes = (sizesArg ?? "").split(",").map(Number);
const counts = (countsArg ?? "").split(",").map(Number);
if (
  !role || !endpoint || sizes.length !== counts.length || !sizes.every(Number.isInteger) ||
  !counts.every((c) => Number.isInteger(c) && c > 0)
) {
  console.error("usage: peer.ts <role> <endpoint> <size,...> <count,...>");
  process.exit(2);
}
const [size, count] = [sizes[0], counts[0]];

// Our library next to this file (mod.ts from source, mod.js when compiled),
// or what ZMTP_BENCH_LIB names: "zeromq", or a module URL (the npm build).
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const libSpec = process.env.ZMTP_BENCH_LIB || new URL(`../../mod${ext}`, import.meta.url).href;
const zmq: Lib = await import(libSpec);

const keys = (process.env.BENCH_CURVE ?? "").split(" ").filter((k) => k);
const server = keys.length ? { curveServer: true, curveSecretKey: keys[1] } : {};
const client = keys.length ? { curveServerKey: keys[0], curvePublicKey: keys[2], curveSecretKey: keys[3] } : {};

// Untimed messages or round trips first, so that the JIT is warm (as in bench/c).
const warmupOf = (n: number) => Math.floor(n / 4);
const out = (o: object) => console.log(JSON.stringify(o));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stdinClosed = () =>
  new Promise<void>((resolve) => {
    process.stdin.on("end", resolve);
    process.stdin.on("close", resolve);
    process.stdin.on("error", resolve);
    process.stdin.resume();
  });

async function recv(): Promise<void> {
  const pull = new zmq.Pull({ linger: 0, ...server });
  await pull.bind(endpoint);
  out({ ready: pull.lastEndpoint });
  const results = [];
  for (let k = 0; k < sizes.length; k++) {
    const [size, count] = [sizes[k], counts[k]];
    const warmup = warmupOf(count);
    let start = 0;
    for (let i = -warmup; i < count; i++) {
      const [m] = await pull.receive();
      if (m.length !== size) throw new Error(`message ${i} has ${m.length} bytes, expected ${size}`);
      if (i === -1 || (warmup === 0 && i === 0)) start = performance.now();
    }
    const secs = (performance.now() - start) / 1000;
    // Without warm-up the first message starts the clock: count - 1 timed.
    const rate = (warmup > 0 ? count : count - 1) / secs;
    results.push({ size, msgs: count, secs, msgPerSec: rate, mbPerSec: rate * size / 1e6 });
  }
  out({ results });
  pull.close();
}

async function send(): Promise<void> {
  const push = new zmq.Push(client);
  push.connect(endpoint);
  for (let k = 0; k < sizes.length; k++) {
    const body = new Uint8Array(sizes[k]);
    const total = counts[k] + warmupOf(counts[k]);
    for (let i = 0; i < total; i++) await push.send(body);
  }
  // As remote_thr: hold the connection until the harness has the receiver's
  // result (stdin closes); then close() with the default linger.
  if (process.env.BENCH_HOLD) await stdinClosed();
  push.close();
}

async function rep(): Promise<void> {
  const sock = new zmq.Reply({ linger: 0, ...server });
  await sock.bind(endpoint);
  out({ ready: sock.lastEndpoint });
  for (let k = 0; k < sizes.length; k++) {
    const total = counts[k] + warmupOf(counts[k]);
    for (let i = 0; i < total; i++) {
      const msg = await sock.receive();
      if (msg[0].length !== sizes[k]) throw new Error(`request has ${msg[0].length} bytes, expected ${sizes[k]}`);
      await sock.send(msg);
    }
  }
  // Let the last reply leave before the socket goes.
  await sleep(50);
  sock.close();
}

// Times `count` round trips per size after a quarter as many untimed ones;
// `once(body, size)` makes one and resolves when its reply is in.
async function roundTrips(once: (body: Uint8Array, size: number) => Promise<void>) {
  const results = [];
  for (let k = 0; k < sizes.length; k++) {
    const [size, count] = [sizes[k], counts[k]];
    const body = new Uint8Array(size);
    const rtt = new Float64Array(count);
    for (let i = -warmupOf(count); i < count; i++) {
      const t0 = performance.now();
      await once(body, size);
      if (i >= 0) rtt[i] = (performance.now() - t0) * 1000;
    }
    let sum = 0;
    for (const x of rtt) sum += x;
    rtt.sort();
    results.push({ size, count, p50us: rtt[count >> 1], p99us: rtt[Math.floor(count * 0.99)], meanUs: sum / count });
  }
  return results;
}

async function req(): Promise<void> {
  const sock = new zmq.Request({ linger: 0, ...client });
  sock.connect(endpoint);
  const results = await roundTrips(async (body, size) => {
    await sock.send(body);
    const [r] = await sock.receive();
    if (r.length !== size) throw new Error(`reply has ${r.length} bytes, expected ${size}`);
  });
  out({ results });
  sock.close();
}

// The transport floor of a round trip: rawreq and rawrep echo `size` bytes
// through this library's own transport for the runtime (transports/tcp.ts:
// Deno.connect, Bun.connect or node:net behind the Connection contract),
// with no ZMTP, socket or queue; one promise per round trip, as `await
// receive()` has. Next to req/rep it shows how much of a round trip is the
// runtime's sockets and event loop, and how much is the library above them.
async function rawTransport(): Promise<{ transport: Transport; parse: typeof ParseEndpoint }> {
  const libExt = libSpec.endsWith(".ts") ? ".ts" : ".js";
  const { autoTransport } = await import(new URL(`transports/tcp${libExt}`, libSpec).href);
  const { parseEndpoint } = await import(new URL(`lib/endpoint${libExt}`, libSpec).href);
  return { transport: autoTransport, parse: parseEndpoint };
}

async function rawrep(): Promise<void> {
  const { transport, parse } = await rawTransport();
  let closed: () => void;
  const done = new Promise<void>((r) => closed = r);
  const listener = await transport.listen(parse(endpoint, true), (c: Connection) => {
    c.start({ onData: (chunk) => c.write(chunk), onClose: () => closed(), onDrain: () => {} });
  });
  out({ ready: listener.endpoint });
  await done;
  await listener.close();
}

async function rawreq(): Promise<void> {
  const { transport, parse } = await rawTransport();
  const conn: Connection = await transport.connect(parse(endpoint, false));
  let have = 0, need = 0;
  let wake: (() => void) | null = null;
  conn.start({
    onData(chunk) {
      have += chunk.length;
      if (have >= need && wake) {
        const w = wake;
        wake = null;
        w();
      }
    },
    onClose() {},
    onDrain() {},
  });
  const results = await roundTrips((body, size) => {
    have = 0;
    need = size;
    const back = new Promise<void>((r) => wake = r);
    conn.write(body);
    return back;
  });
  out({ results });
  conn.destroy();
}

// The handshake rate: one REQ after the other, each until its first reply
// (the handshake is complete then), against rep. Timed from the first
// timed socket's creation to the last one's close.
async function hsreq(): Promise<void> {
  const results = [];
  for (let k = 0; k < sizes.length; k++) {
    const [size, count] = [sizes[k], counts[k]];
    const body = new Uint8Array(size);
    let start = performance.now();
    for (let i = -warmupOf(count); i < count; i++) {
      if (i === 0) start = performance.now();
      const sock = new zmq.Request({ linger: 0, ...client });
      sock.connect(endpoint);
      await sock.send(body);
      const [r] = await sock.receive();
      if (r.length !== size) throw new Error(`reply has ${r.length} bytes, expected ${size}`);
      sock.close();
    }
    const secs = (performance.now() - start) / 1000;
    results.push({ size, count, secs, perSec: count / secs });
  }
  out({ results });
}

async function inproc(): Promise<void> {
  const pull = new zmq.Pull({ linger: 0 });
  const push = new zmq.Push({ linger: 0 });
  await pull.bind(endpoint.includes("://") ? endpoint : `inproc://${endpoint}`);
  push.connect(pull.lastEndpoint!);
  const body = new Uint8Array(size);
  const warmup = warmupOf(count);
  const sending = (async () => {
    for (let i = 0; i < warmup + count; i++) await push.send(body);
  })();
  let start = 0;
  for (let i = -warmup; i < count; i++) {
    const [m] = await pull.receive();
    if (m.length !== size) throw new Error(`message ${i} has ${m.length} bytes, expected ${size}`);
    if (i === -1 || (warmup === 0 && i === 0)) start = performance.now();
  }
  const secs = (performance.now() - start) / 1000;
  await sending;
  const rate = (warmup > 0 ? count : count - 1) / secs;
  out({ msgs: count, size, secs, msgPerSec: rate, mbPerSec: rate * size / 1e6 });
  push.close();
  pull.close();
}

// What `for (;;) await sock.receive()` costs with no socket behind it: a
// promise per message, already resolved with [a Buffer view over received
// bytes]. The rest of a receiver's time per message is the library's.
async function floor(): Promise<void> {
  const { Buffer } = await import("node:buffer");
  const bytes = new ArrayBuffer(65536);
  const slots = Math.floor(65536 / Math.max(1, size));
  const receive = (i: number) => Promise.resolve([Buffer.from(bytes, (i % slots) * size, size)]);
  const warmup = warmupOf(count);
  let sum = 0;
  for (let i = 0; i < warmup; i++) sum += (await receive(i))[0].length;
  const start = performance.now();
  for (let i = 0; i < count; i++) sum += (await receive(i))[0].length;
  const secs = (performance.now() - start) / 1000;
  if (sum !== (warmup + count) * size) throw new Error("floor: lost a message");
  out({ msgs: count, size, secs, msgPerSec: count / secs, nsPerMsg: secs * 1e9 / count });
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const MB = 1 / (1 << 20);
const rss = () => process.memoryUsage().rss;
// Live memory (JS heap and buffers) after a full collection, when the
// runtime lets us force one (node --expose-gc, deno --v8-flags=--expose-gc,
// Bun.gc); a native library's own queues (zeromq.js) are not in it. The
// buffers a collection found dead are freed later, off the main thread, and
// count in `external` until then: with one collection, 20,000 dropped 1 KiB
// buffers still counted 24 MiB (4.6 after a second one 10 ms later) on Node
// and Deno, and Deno's sender here swung by 10-30 MiB from one checkpoint
// to the next with 25-50 ms between collections. With three collections
// 100 ms apart it stays at 8.9 MiB at most checkpoints (17 at two of ten).
async function retained(): Promise<number | null> {
  if (typeof g.gc !== "function" && typeof g.Bun?.gc !== "function") return null;
  const collect = () => typeof g.gc === "function" ? g.gc() : g.Bun.gc(true);
  collect();
  for (let i = 0; i < 2; i++) {
    await sleep(100);
    collect();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function memsend(): Promise<void> {
  const push = new zmq.Push({ linger: 0, sendHighWaterMark: Number(process.env.BENCH_SNDHWM ?? 1000) });
  push.connect(endpoint);
  const body = new Uint8Array(size);
  await sleep(200);
  const base = rss();
  const retainedBase = await retained();
  let peak = base;
  const t0 = performance.now();
  const timer = setInterval(() => {
    peak = Math.max(peak, rss());
  }, 100);
  // After each tenth of the messages: RSS, then live memory after a GC.
  const checkpoints: number[] = [];
  const retainedAt: number[] = [];
  const step = Math.max(1, Math.floor(count / 10));
  try {
    for (let i = 0; i < count; i++) {
      // A fresh body per message, as an application would make.
      body[0] = i & 0xff;
      await push.send(body.slice());
      if ((i + 1) % step === 0) {
        const r = rss();
        peak = Math.max(peak, r);
        checkpoints.push(r * MB);
        const live = await retained();
        if (live !== null) retainedAt.push(live * MB);
      }
    }
  } finally {
    clearInterval(timer);
  }
  const end = rss();
  peak = Math.max(peak, end);
  out({
    sent: count,
    size,
    secs: (performance.now() - t0) / 1000,
    rssBaseMB: base * MB,
    rssPeakMB: peak * MB,
    rssEndMB: end * MB,
    checkpointsMB: checkpoints,
    growthMB: (peak - base) * MB,
    retainedBaseMB: retainedBase === null ? null : retainedBase * MB,
    retainedMB: retainedAt,
  });
  push.close();
}

async function slowrecv(): Promise<void> {
  const pull = new zmq.Pull({ linger: 0, receiveHighWaterMark: 1000 });
  await pull.bind(endpoint);
  out({ ready: pull.lastEndpoint });
  // `count` is the longest this runs, in seconds; the harness stops it sooner.
  const until = performance.now() + count * 1000;
  let got = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 25; i++) {
      await pull.receive();
      got++;
    }
    await sleep(1);
  }
  out({ received: got });
  pull.close();
}

const roles: Record<string, () => Promise<void>> = {
  recv,
  send,
  rep,
  req,
  rawrep,
  rawreq,
  hsreq,
  inproc,
  floor,
  memsend,
  slowrecv,
};
const run = roles[role];
if (!run) {
  console.error(`unknown role ${role}`);
  process.exit(2);
}
// Whatever happens, this process ends: a stuck run exits after BENCH_TIMEOUT s.
const watchdog = setTimeout(() => {
  console.error(`${role}: timed out`);
  process.exit(3);
}, Number(process.env.BENCH_TIMEOUT ?? 120) * 1000);
// BENCH_CPU_PROF=<file>: a CPU profile of the role through node:inspector
// (for Deno, which has no --cpu-prof; Node and Bun use their flag).
const profileTo = process.env.BENCH_CPU_PROF;
const stopProfile = profileTo ? await startProfile() : null;
await run();
await stopProfile?.(profileTo!);
clearTimeout(watchdog);

async function startProfile(): Promise<(file: string) => Promise<void>> {
  const { Session } = await import("node:inspector");
  const { writeFileSync } = await import("node:fs");
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) =>
      // deno-lint-ignore no-explicit-any
      session.post(method as any, params, (e: Error | null, r: any) => e ? reject(e) : resolve(r))
    );
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 100 });
  await post("Profiler.start");
  return async (file) => {
    const { profile } = await post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
