// One benchmark peer for every JavaScript runtime and both JS libraries:
// this library on Deno and Bun (from mod.ts) and on Node (from compiled
// JS), and zeromq.js on Node (ZMTP_BENCH_LIB=zeromq). The same code drives
// every library, since the APIs match.
//
//   recv     <bind-endpoint> <size> <count>     PULL; reports msg/s, MB/s (first to last message)
//   send     <connect-endpoint> <size> <count>  PUSH count messages, awaiting each send()
//   rep      <bind-endpoint> <size> <count>     REP; echoes warm-up + count requests
//   req      <connect-endpoint> <size> <count>  REQ; times count round trips: p50, p99, mean
//   inproc   <name> <size> <count>              PUSH -> PULL over inproc:// in this process
//   memsend  <connect-endpoint> <size> <count>  PUSH at full speed, sampling this process's RSS
//   slowrecv <bind-endpoint> <size> <seconds>   PULL that reads about 20 k msg/s, for a while
//
// Binders print {"ready": endpoint} first; every role ends with one JSON
// line of results on stdout.

import process from "node:process";
import type * as Zmq from "../../mod.ts";

type Lib = typeof Zmq;

const [role, endpoint, sizeArg, countArg] = process.argv.slice(2);
const size = Number(sizeArg);
const count = Number(countArg);
if (!role || !endpoint || !Number.isInteger(size) || !(count > 0)) {
  console.error("usage: peer.ts <role> <endpoint> <size> <count>");
  process.exit(2);
}

// Our library next to this file (mod.ts from source, mod.js when compiled),
// or what ZMTP_BENCH_LIB names: "zeromq", or a module URL (the npm build).
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const libSpec = process.env.ZMTP_BENCH_LIB || new URL(`../../mod${ext}`, import.meta.url).href;
const zmq: Lib = await import(libSpec);

const warmupOf = (n: number) => Math.floor(n / 10);
const out = (o: object) => console.log(JSON.stringify(o));
const rss = () => process.memoryUsage().rss;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function recv(): Promise<void> {
  const pull = new zmq.Pull({ linger: 0 });
  await pull.bind(endpoint);
  out({ ready: pull.lastEndpoint });
  let start = 0;
  for (let i = 0; i < count; i++) {
    const [m] = await pull.receive();
    if (m.length !== size) throw new Error(`message ${i} has ${m.length} bytes, expected ${size}`);
    if (i === 0) start = performance.now();
  }
  const secs = (performance.now() - start) / 1000;
  // The first message starts the clock, so count - 1 messages were timed.
  const rate = (count - 1) / secs;
  out({ msgs: count, size, secs, msgPerSec: rate, mbPerSec: rate * size / 1e6 });
  pull.close();
}

async function send(): Promise<void> {
  const push = new zmq.Push();
  push.connect(endpoint);
  const body = new Uint8Array(size);
  for (let i = 0; i < count; i++) await push.send(body);
  // Default linger: close() delivers what is still queued.
  push.close();
}

async function rep(): Promise<void> {
  const sock = new zmq.Reply({ linger: 0 });
  await sock.bind(endpoint);
  out({ ready: sock.lastEndpoint });
  const total = count + warmupOf(count);
  for (let i = 0; i < total; i++) {
    const msg = await sock.receive();
    if (msg[0].length !== size) throw new Error(`request ${i} has ${msg[0].length} bytes, expected ${size}`);
    await sock.send(msg);
  }
  // Let the last reply leave before the socket goes.
  await sleep(50);
  sock.close();
}

async function req(): Promise<void> {
  const sock = new zmq.Request({ linger: 0 });
  sock.connect(endpoint);
  const body = new Uint8Array(size);
  const rtt = new Float64Array(count);
  const warmup = warmupOf(count);
  for (let i = -warmup; i < count; i++) {
    const t0 = performance.now();
    await sock.send(body);
    const [r] = await sock.receive();
    if (r.length !== size) throw new Error(`reply has ${r.length} bytes, expected ${size}`);
    if (i >= 0) rtt[i] = (performance.now() - t0) * 1000;
  }
  let sum = 0;
  for (const x of rtt) sum += x;
  rtt.sort();
  out({ count, size, p50us: rtt[count >> 1], p99us: rtt[Math.floor(count * 0.99)], meanUs: sum / count });
  sock.close();
}

async function inproc(): Promise<void> {
  const pull = new zmq.Pull({ linger: 0 });
  const push = new zmq.Push({ linger: 0 });
  const address = `inproc://${endpoint}`;
  await pull.bind(address);
  push.connect(address);
  const body = new Uint8Array(size);
  const sending = (async () => {
    for (let i = 0; i < count; i++) await push.send(body);
  })();
  let start = 0;
  for (let i = 0; i < count; i++) {
    const [m] = await pull.receive();
    if (m.length !== size) throw new Error(`message ${i} has ${m.length} bytes, expected ${size}`);
    if (i === 0) start = performance.now();
  }
  const secs = (performance.now() - start) / 1000;
  await sending;
  const rate = (count - 1) / secs;
  out({ msgs: count, size, secs, msgPerSec: rate, mbPerSec: rate * size / 1e6 });
  push.close();
  pull.close();
}

async function memsend(): Promise<void> {
  const push = new zmq.Push({ linger: 0, sendHighWaterMark: Number(process.env.BENCH_SNDHWM ?? 1000) });
  push.connect(endpoint);
  const body = new Uint8Array(size);
  await sleep(200);
  const MB = 1 / (1 << 20);
  const base = rss();
  let peak = base;
  const t0 = performance.now();
  const timer = setInterval(() => {
    peak = Math.max(peak, rss());
  }, 100);
  // RSS after each tenth of the messages: flat once the queues are full.
  const checkpoints: number[] = [];
  const step = Math.max(1, Math.floor(count / 10));
  try {
    for (let i = 0; i < count; i++) {
      // A fresh body per message, as an application would make.
      body[0] = i & 0xff;
      await push.send(body.slice());
      if ((i + 1) % step === 0) checkpoints.push(rss() * MB);
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

const roles: Record<string, () => Promise<void>> = { recv, send, rep, req, inproc, memsend, slowrecv };
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
await run();
clearTimeout(watchdog);
