// epgm:// throughput, ours next to libzmq's (pyzmq on Debian's OpenPGM), in
// one run: 64 B and 1 KiB messages from a PUB in one process to a SUB in
// another, over loopback multicast, at libzmq's default `rate` (100 kbit/s)
// and at a raised one. Each side in its own process; the publisher sends
// probes until the subscriber has joined, then N messages (no HWM: the
// rate limit paces them), then "end". The figure is messages received per
// second from the first to "end", and how many of the N arrived.
//
//   npm run build && node bench/epgm.mjs [rates=100,10000]
//   env: EPGM_SECONDS (target length of a cell at the default rate, default 3)
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PY = "/usr/bin/python3";
const PYPEER = `${ROOT}/bench/peers/epgm_pyzmq.py`;
const [role, ...args] = process.argv.slice(2);

if (role === "sub") {
  // Our subscriber, in a child process.
  const { Subscriber } = await import(`${ROOT}/npm/esm/mod.js`);
  const [ep, rate] = args;
  const sub = new Subscriber({ rate: Number(rate), receiveHighWaterMark: 0 });
  sub.subscribe("");
  sub.connect(ep);
  console.log("ready");
  for (;;) if ((await sub.receive())[0].toString() === "probe") break;
  console.log("joined");
  let count = 0, first = 0;
  for (;;) {
    const [m] = await sub.receive();
    if (m[0] === 0x64 /* d */) {
      if (count++ === 0) first = performance.now();
    } else if (m.toString() === "end") break;
  }
  console.log(count, (performance.now() - first) / 1000);
  sub.close();
  process.exit(0);
}

function lines(proc) {
  const got = [];
  const waiters = [];
  createInterface({ input: proc.stdout }).on("line", (l) => {
    got.push(l);
    for (const w of waiters.splice(0)) w();
  });
  return async (pred) => {
    for (let i = 0; i < 6000; i++) {
      const l = got.find(pred);
      if (l !== undefined) return l;
      await new Promise((r) => (waiters.push(r), setTimeout(r, 50)));
    }
    throw new Error("peer went quiet");
  };
}

let port = 24000 + (process.pid % 1000) * 2;
async function cell(impl, size, rate, n) {
  const ep = `epgm://127.0.0.1;239.192.77.${port % 250};${port++}`.replace(/;(\d+)$/, ":$1");
  const sub = impl === "pyzmq"
    ? spawn(PY, [PYPEER, "sub", ep, String(rate)], { stdio: ["ignore", "pipe", "ignore"] })
    : spawn(process.execPath, [fileURLToPath(import.meta.url), "sub", ep, String(rate)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
  const subLine = lines(sub);
  await subLine((l) => l === "ready");
  let done;
  if (impl === "pyzmq") {
    const pub = spawn(PY, [PYPEER, "pub", ep, String(rate), String(n), String(size)], {
      stdio: ["pipe", "ignore", "ignore"],
    });
    await subLine((l) => l === "joined");
    pub.stdin.write("go\n");
    done = await subLine((l) => /^\d+ /.test(l));
    pub.stdin.end();
    await new Promise((r) => pub.on("exit", r));
  } else {
    const { Publisher } = await import(`${ROOT}/npm/esm/mod.js`);
    const pub = new Publisher({ rate, sendHighWaterMark: 0 });
    pub.connect(ep);
    let joined = false;
    subLine((l) => l === "joined").then(() => joined = true);
    while (!joined) {
      await pub.send("probe");
      await new Promise((r) => setTimeout(r, 50));
    }
    const body = new Uint8Array(size).fill(0x78);
    body[0] = 0x64;
    for (let i = 0; i < n; i++) await pub.send(body);
    let finished = false;
    const result = subLine((l) => /^\d+ /.test(l)).then((l) => (finished = true, l));
    while (!finished) {
      await pub.send("end");
      await new Promise((r) => setTimeout(r, 100));
    }
    done = await result;
    pub.close();
  }
  await new Promise((r) => sub.exitCode !== null ? r() : sub.on("exit", r));
  const [count, secs] = done.split(" ").map(Number);
  return { count, rate: count / secs };
}

const rates = (args[0] ?? role ?? "100,10000").split(",").map(Number);
const seconds = Number(process.env.EPGM_SECONDS ?? 3);
const rows = [];
const loadStart = loadavg();
console.log("| rate (kbit/s) | size | N | ours msg/s (received) | pyzmq msg/s (received) | ours / pyzmq |");
console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
for (const rate of rates) {
  for (const size of [64, 1024]) {
    // Enough for `seconds` at the rate (payload + framing + PGM/UDP/IP headers), bounded by CPU at high rates.
    const perSec = (rate * 125) / (size + 2) * (1448 / 1500);
    const n = Math.max(20, Math.min(Math.round(perSec * seconds), size === 64 ? 200000 : 50000));
    const ours = await cell("ours", size, rate, n);
    const py = await cell("pyzmq", size, rate, n);
    console.log(
      `| ${rate} | ${size} B | ${n} | ${ours.rate.toFixed(0)} (${ours.count}) | ${py.rate.toFixed(0)} (${py.count}) | ${
        (ours.rate / py.rate).toFixed(2)
      } |`,
    );
    rows.push({ rate, size, n, ours, pyzmq: py });
  }
}
// bench/report.ts renders these into RESULTS.md's epgm section.
const pyVersion = spawnSync(PY, ["-c", "import zmq; print(zmq.zmq_version())"], { encoding: "utf8" }).stdout.trim();
writeFileSync(
  `${ROOT}/bench/epgm_results.json`,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      libzmq: pyVersion,
      cpu: cpus()[0]?.model ?? "?",
      nproc: cpus().length,
      seconds,
      load: { start: loadStart, end: loadavg() },
      rows,
    },
    null,
    2,
  ) + "\n",
);
console.log("wrote bench/epgm_results.json (npm run bench:report puts it in RESULTS.md)");
process.exit(0);
