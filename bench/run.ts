// The cross-process benchmark harness (`npm run bench`, `deno task bench`).
//
// Throughput (PUSH -> PULL, two processes) and REQ/REP latency over tcp://
// and ipc:// for 1 B, 64 B, 1 KiB and 64 KiB, for libzmq (C programs in
// bench/c), zeromq.js on Node, this library on Node, Deno and Bun, and mixed
// pairs; inproc throughput; the sender's RSS behind a slow consumer. Runs
// alternate between peers, each cell is the median of N runs, and every
// cell carries its ratio to zeromq.js and to libzmq. Writes
// bench/results.json, then bench/RESULTS.md (see report.ts).
//
//   deno run -A bench/run.ts [--quick] [--reps N] [--no-build] [--only thr,lat,inproc,mem]
//
// Node runs this library from compiled JS: the npm build when
// scripts/build_npm.ts exists, else a tsc build of the same sources into
// .tmp/bench-js (which also holds the compiled peer and codec bench).

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import process from "node:process";
import { createInterface } from "node:readline";
import { writeReport } from "./report.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (n: string) => join(root, "node_modules", ".bin", n);
const cBin = join(root, "bench", "bin");
const jsOut = join(root, ".tmp", "bench-js");
const npmCopy = join(root, ".tmp", "bench-npm");
const peerTs = join(root, "bench", "peers", "peer.ts");
const peerJs = join(jsOut, "bench", "peers", "peer.js");

// -- options -----------------------------------------------------------------

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag("--quick");
const reps = Number(value("--reps") ?? (quick ? 1 : 3));
const only = new Set((value("--only") ?? "thr,lat,inproc,mem").split(","));
const build = !flag("--no-build");

const SIZES = [1, 64, 1024, 65536];
// Messages per throughput run and round trips per latency run, by size. The
// same count for every peer of a row; sized so the slowest peer takes ~1.5 s.
const THR_COUNT: Record<number, number> = { 1: 150_000, 64: 150_000, 1024: 80_000, 65536: 8_000 };
const LAT_COUNT: Record<number, number> = { 1: 2_000, 64: 2_000, 1024: 2_000, 65536: 500 };
const scale = quick ? 0.25 : 1;
const thrCount = (size: number) => Math.round(THR_COUNT[size] * scale);
const latCount = (size: number) => Math.round(LAT_COUNT[size] * scale);
const INPROC_COUNT = quick ? 200_000 : 1_000_000;
const MEM_COUNT = quick ? 60_000 : 200_000;
const RUN_TIMEOUT_S = 90;

// -- peers -------------------------------------------------------------------

type Role = "recv" | "send" | "rep" | "req" | "inproc" | "memsend" | "slowrecv";

/** One implementation a process can run. */
interface Impl {
  id: string;
  label: string;
  runtime: "c" | "node" | "deno" | "bun";
  lib: "libzmq" | "zeromq.js" | "ours";
  roles: Role[];
  command(role: Role, endpoint: string, size: number, count: number): { cmd: string; args: string[]; env?: object };
}

const C_PROGRAM: Partial<Record<Role, string>> = {
  recv: "local_thr",
  send: "remote_thr",
  rep: "local_lat",
  req: "remote_lat",
};
const JS_ROLES: Role[] = ["recv", "send", "rep", "req", "inproc", "memsend", "slowrecv"];

let nodeLibUrl: string | undefined; // set by prepare(): the npm build, if any

const IMPLS: Record<string, Impl> = {
  libzmq: {
    id: "libzmq",
    label: "libzmq (C)",
    runtime: "c",
    lib: "libzmq",
    roles: ["recv", "send", "rep", "req"],
    command: (role, ep, size, count) => ({
      cmd: join(cBin, C_PROGRAM[role]!),
      args: [ep, String(size), String(count)],
    }),
  },
  zeromqjs: {
    id: "zeromqjs",
    label: "zeromq.js (Node)",
    runtime: "node",
    lib: "zeromq.js",
    roles: JS_ROLES,
    // The same peer program, driving zeromq.js instead of this library.
    command: (role, ep, size, count) => ({
      cmd: "node",
      args: [peerJs, role, ep, String(size), String(count)],
      env: { ZMTP_BENCH_LIB: "zeromq" },
    }),
  },
  node: {
    id: "node",
    label: "ours (Node)",
    runtime: "node",
    lib: "ours",
    roles: JS_ROLES,
    command: (role, ep, size, count) => ({
      cmd: "node",
      args: [peerJs, role, ep, String(size), String(count)],
      env: nodeLibUrl ? { ZMTP_BENCH_LIB: nodeLibUrl } : {},
    }),
  },
  deno: {
    id: "deno",
    label: "ours (Deno)",
    runtime: "deno",
    lib: "ours",
    roles: JS_ROLES,
    command: (role, ep, size, count) => ({
      cmd: bin("deno"),
      args: ["run", "-A", peerTs, role, ep, String(size), String(count)],
    }),
  },
  bun: {
    id: "bun",
    label: "ours (Bun)",
    runtime: "bun",
    lib: "ours",
    roles: JS_ROLES,
    command: (role, ep, size, count) => ({ cmd: bin("bun"), args: [peerTs, role, ep, String(size), String(count)] }),
  },
};
/** A throughput or latency pairing: who binds (receiver / REP) and who connects. */
interface Pair {
  id: string;
  label: string;
  binder: string;
  connecter: string;
  transports: string[];
  quick: boolean;
}

const pure = (id: string): Pair => ({
  id,
  label: IMPLS[id].label,
  binder: id,
  connecter: id,
  transports: ["tcp", "ipc"],
  quick: true,
});
const mixed = (send: string, recv: string, quick = false): Pair => ({
  id: `${send}>${recv}`,
  label: `${IMPLS[send].label} -> ${IMPLS[recv].label}`,
  binder: recv,
  connecter: send,
  transports: ["tcp"],
  quick,
});

const THR_PAIRS: Pair[] = [
  pure("libzmq"),
  pure("zeromqjs"),
  pure("node"),
  pure("deno"),
  pure("bun"),
  mixed("node", "bun", true),
  mixed("bun", "deno"),
  mixed("deno", "node", true),
  // Against libzmq, one side of ours is measured alone.
  mixed("node", "libzmq", true),
  mixed("libzmq", "node", true),
  mixed("deno", "libzmq"),
  mixed("bun", "libzmq"),
];
const LAT_PAIRS: Pair[] = [
  pure("libzmq"),
  pure("zeromqjs"),
  pure("node"),
  pure("deno"),
  pure("bun"),
  { ...mixed("node", "libzmq", true), label: "ours (Node) REQ -> libzmq (C) REP" },
];

// -- running processes ----------------------------------------------------------

interface Proc {
  child: ChildProcess;
  lines: string[];
  stderr: string;
  exited: Promise<number | null>;
  nextLine(timeoutMs: number): Promise<string>;
}

function start(impl: Impl, role: Role, endpoint: string, size: number, count: number): Proc {
  const { cmd, args, env } = impl.command(role, endpoint, size, count);
  const child = spawn(cmd, args, {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, BENCH_TIMEOUT: String(RUN_TIMEOUT_S), ...env },
  });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  const p: Proc = {
    child,
    lines,
    stderr: "",
    exited: new Promise((resolve) => {
      child.on("error", (e) => {
        p.stderr += String(e);
        resolve(-1);
      });
      // "close": the process is gone and its output fully read.
      child.on("close", (code) => resolve(code));
    }),
    nextLine(timeoutMs) {
      return new Promise((resolve, reject) => {
        if (lines.length > 0) {
          resolve(lines.shift()!);
          return;
        }
        const timer = setTimeout(
          () => reject(new Error(`${impl.id} ${role}: no output after ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = () => {
          if (lines.length > 0) {
            clearTimeout(timer);
            resolve(lines.shift()!);
            return true;
          }
          return false;
        };
        const w = () => {
          if (!check()) waiters.push(w);
        };
        waiters.push(w);
        p.exited.then((code) => {
          if (lines.length === 0) {
            clearTimeout(timer);
            reject(new Error(`${impl.id} ${role} exited ${code}: ${p.stderr.trim().slice(-400)}`));
          }
        });
      });
    },
  };
  createInterface({ input: child.stdout! }).on("line", (l) => {
    if (!l.startsWith("{")) return;
    lines.push(l);
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.on("data", (d) => {
    p.stderr = (p.stderr + d).slice(-4000);
  });
  return p;
}

async function stop(p: Proc, graceMs: number): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const t = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
  await p.exited;
  clearTimeout(t);
}

let ipcSeq = 0;
function endpointFor(transport: string): string {
  return transport === "tcp" ? "tcp://127.0.0.1:*" : `ipc:///tmp/zmtp-bench-${process.pid}-${++ipcSeq}.sock`;
}

function cleanupEndpoint(ep: string): void {
  if (!ep.startsWith("ipc://")) return;
  try {
    unlinkSync(ep.slice(6));
  } catch { /* removed by the peer */ }
}

// Runs binder + connecter; the result line comes from `measuring`.
async function runPair(
  binder: Impl,
  bRole: Role,
  connecter: Impl,
  cRole: Role,
  measuring: "binder" | "connecter",
  transport: string,
  size: number,
  count: number,
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const ep = endpointFor(transport);
  const b = start(binder, bRole, ep, size, count);
  let c: Proc | undefined;
  try {
    const ready = JSON.parse(await b.nextLine(30_000));
    c = start(connecter, cRole, ready.ready, size, count);
    const result = JSON.parse(await (measuring === "binder" ? b : c).nextLine(RUN_TIMEOUT_S * 1000));
    await Promise.all([stop(b, 5000), stop(c, 5000)]);
    return result;
  } finally {
    b.child.kill("SIGKILL");
    c?.child.kill("SIGKILL");
    await Promise.all([b.exited, c?.exited]);
    cleanupEndpoint(ep);
  }
}

// -- preparation -------------------------------------------------------------------

function sh(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${what} failed (${cmd} ${args.join(" ")})`);
}

function newer(src: string, out: string): boolean {
  return !existsSync(out) || statSync(src).mtimeMs > statSync(out).mtimeMs;
}

function prepare(): string {
  // libzmq programs.
  if (!existsSync("/usr/include/zmq.h")) {
    console.error("installing libzmq3-dev ...");
    const r = spawnSync("apt-get", ["install", "-y", "-qq", "libzmq3-dev"], { stdio: "inherit" });
    if (r.status !== 0) {
      sh("apt-get", ["update", "-qq"], "apt-get update");
      sh("apt-get", ["install", "-y", "-qq", "libzmq3-dev"], "apt-get install libzmq3-dev");
    }
  }
  mkdirSync(cBin, { recursive: true });
  for (const p of Object.values(C_PROGRAM)) {
    const src = join(root, "bench", "c", `${p}.c`);
    if (newer(src, join(cBin, p!)) || newer(join(root, "bench", "c", "common.h"), join(cBin, p!))) {
      sh("gcc", ["-O2", "-Wall", "-o", join(cBin, p!), src, "-lzmq"], `building ${p}`);
    }
  }
  // Compiled JS for Node: the peer and codec bench always; the library from
  // the npm build when there is one.
  if (build) {
    sh(bin("tsc"), [
      "mod.ts",
      "bench/peers/peer.ts",
      "bench/codec_bench.ts",
      "--outDir",
      jsOut,
      "--rootDir",
      ".",
      "--target",
      "es2022",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--rewriteRelativeImportExtensions",
      "--types",
      "node",
      "--skipLibCheck",
      "--noCheck",
    ], "tsc build for Node");
  }
  let nodeLib = `${jsOut}/mod.js (tsc, the bench's own build)`;
  if (existsSync(join(root, "scripts", "build_npm.ts"))) {
    try {
      if (build) sh(bin("deno"), ["run", "-A", "scripts/build_npm.ts"], "scripts/build_npm.ts");
      // A private copy, so that a rebuild of npm/ during the run changes nothing.
      rmSync(npmCopy, { recursive: true, force: true });
      cpSync(join(root, "npm"), npmCopy, { recursive: true });
      const entry = ["esm/mod.js", "mod.js"].map((p) => join(npmCopy, p)).find(existsSync);
      if (entry) {
        nodeLibUrl = pathToFileURL(entry).href;
        nodeLib = `npm/${entry.slice(npmCopy.length + 1)} (scripts/build_npm.ts)`;
      } else throw new Error("no mod.js in npm/");
    } catch (e) {
      console.error(`npm build failed, Node runs the tsc build instead: ${(e as Error).message}`);
    }
  }
  return nodeLib;
}

function versions(nodeLib: string): Record<string, string> {
  const out = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    return (r.stdout ?? "").trim();
  };
  const zmqjs = out("node", [
    "-e",
    "const z=require('zeromq');console.log(require('zeromq/package.json').version+' (libzmq '+z.version+')')",
  ]);
  return {
    node: out("node", ["--version"]),
    deno: out(bin("deno"), ["--version"]).split("\n")[0],
    bun: out(bin("bun"), ["--version"]),
    libzmqC: out("pkg-config", ["--modversion", "libzmq"]) || "unknown",
    zeromqjs: zmqjs,
    gcc: out("gcc", ["-dumpfullversion"]),
    ourLibOnNode: nodeLib,
    commit: out("git", ["-C", root, "rev-parse", "--short", "HEAD"]) +
      (out("git", ["-C", root, "status", "--porcelain", "lib", "transports", "mod.ts"]) ? " (+ local changes)" : ""),
  };
}

function machine(): Record<string, string | number> {
  let cpu = cpus()[0]?.model ?? "unknown";
  try {
    const m = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m);
    if (m) cpu = m[1].trim();
  } catch { /* not Linux */ }
  let kernel = "";
  try {
    kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch { /* not Linux */ }
  return { nproc: cpus().length, cpu, memGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10, kernel };
}

// -- statistics ---------------------------------------------------------------------

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a != null && b != null && b > 0 ? a / b : null;

function rotate<T>(xs: T[], k: number): T[] {
  const n = xs.length;
  return xs.map((_, i) => xs[(i + k) % n]);
}

// -- the suites ------------------------------------------------------------------------

interface ThrCell {
  runs: number[];
  mbRuns: number[];
  errors: string[];
  msgPerSec: number | null;
  mbPerSec: number | null;
  vsZeromqjs?: number | null;
  vsLibzmq?: number | null;
}

interface LatCell {
  p50Runs: number[];
  p99Runs: number[];
  errors: string[];
  p50us: number | null;
  p99us: number | null;
  vsZeromqjs?: number | null;
  vsLibzmq?: number | null;
}

const log = (s: string) => console.error(s);

async function throughput(pairs: Pair[], transports: string[]) {
  const rows = [];
  for (const transport of transports) {
    for (const size of SIZES) {
      rows.push({
        transport,
        size,
        count: thrCount(size),
        cells: Object.fromEntries(
          pairs.filter((p) => p.transports.includes(transport)).map((p) => [
            p.id,
            { runs: [], mbRuns: [], errors: [], msgPerSec: null, mbPerSec: null } as ThrCell,
          ]),
        ) as Record<string, ThrCell>,
      });
    }
  }
  for (let r = 0; r < reps; r++) {
    for (const row of rows) {
      for (const p of rotate(pairs.filter((p) => p.transports.includes(row.transport)), r)) {
        const cell = row.cells[p.id];
        try {
          const res = await runPair(
            IMPLS[p.binder],
            "recv",
            IMPLS[p.connecter],
            "send",
            "binder",
            row.transport,
            row.size,
            row.count,
          );
          cell.runs.push(res.msgPerSec);
          cell.mbRuns.push(res.mbPerSec);
          log(`thr ${row.transport} ${row.size} B ${p.id}: ${Math.round(res.msgPerSec)} msg/s`);
        } catch (e) {
          cell.errors.push((e as Error).message);
          log(`thr ${row.transport} ${row.size} B ${p.id}: ERROR ${(e as Error).message}`);
        }
      }
    }
  }
  for (const row of rows) {
    for (const cell of Object.values(row.cells)) {
      cell.msgPerSec = median(cell.runs);
      cell.mbPerSec = median(cell.mbRuns);
    }
    const z = row.cells.zeromqjs?.msgPerSec, c = row.cells.libzmq?.msgPerSec;
    for (const cell of Object.values(row.cells)) {
      cell.vsZeromqjs = ratio(cell.msgPerSec, z);
      cell.vsLibzmq = ratio(cell.msgPerSec, c);
    }
  }
  return rows;
}

async function latency(pairs: Pair[], transports: string[]) {
  const rows = [];
  for (const transport of transports) {
    for (const size of SIZES) {
      rows.push({
        transport,
        size,
        count: latCount(size),
        cells: Object.fromEntries(
          pairs.filter((p) => p.transports.includes(transport)).map((p) => [
            p.id,
            { p50Runs: [], p99Runs: [], errors: [], p50us: null, p99us: null } as LatCell,
          ]),
        ) as Record<string, LatCell>,
      });
    }
  }
  for (let r = 0; r < reps; r++) {
    for (const row of rows) {
      for (const p of rotate(pairs.filter((p) => p.transports.includes(row.transport)), r)) {
        const cell = row.cells[p.id];
        try {
          const res = await runPair(
            IMPLS[p.binder],
            "rep",
            IMPLS[p.connecter],
            "req",
            "connecter",
            row.transport,
            row.size,
            row.count,
          );
          cell.p50Runs.push(res.p50us);
          cell.p99Runs.push(res.p99us);
          log(
            `lat ${row.transport} ${row.size} B ${p.id}: p50 ${res.p50us.toFixed(1)} us p99 ${res.p99us.toFixed(1)} us`,
          );
        } catch (e) {
          cell.errors.push((e as Error).message);
          log(`lat ${row.transport} ${row.size} B ${p.id}: ERROR ${(e as Error).message}`);
        }
      }
    }
  }
  for (const row of rows) {
    for (const cell of Object.values(row.cells)) {
      cell.p50us = median(cell.p50Runs);
      cell.p99us = median(cell.p99Runs);
    }
    const z = row.cells.zeromqjs?.p50us, c = row.cells.libzmq?.p50us;
    for (const cell of Object.values(row.cells)) {
      cell.vsZeromqjs = ratio(cell.p50us, z);
      cell.vsLibzmq = ratio(cell.p50us, c);
    }
  }
  return rows;
}

// In-process PUSH -> PULL over inproc://, 64 B.
async function inproc() {
  const size = 64;
  const impls = ["node", "deno", "bun", "zeromqjs"];
  const cells: Record<string, { runs: number[]; errors: string[]; msgPerSec: number | null }> = {};
  for (const id of impls) cells[id] = { runs: [], errors: [], msgPerSec: null };
  for (let r = 0; r < reps; r++) {
    for (const id of rotate(impls, r)) {
      const p = start(IMPLS[id], "inproc", `bench-${r}`, size, INPROC_COUNT);
      try {
        const res = JSON.parse(await p.nextLine(RUN_TIMEOUT_S * 1000));
        cells[id].runs.push(res.msgPerSec);
        log(`inproc ${size} B ${id}: ${Math.round(res.msgPerSec)} msg/s`);
        await stop(p, 5000);
      } catch (e) {
        cells[id].errors.push((e as Error).message);
        log(`inproc ${id}: ERROR ${(e as Error).message}`);
      } finally {
        p.child.kill("SIGKILL");
        await p.exited;
      }
    }
  }
  for (const c of Object.values(cells)) c.msgPerSec = median(c.runs);
  return { size, count: INPROC_COUNT, cells };
}

// Sender RSS while a slow PULL (ours on Node, ~10 k msg/s, RCVHWM 1000) lags
// behind: with SNDHWM 1000 it must stay flat; SNDHWM 0 (no limit) is the
// control that shows the measurement sees unbounded queueing.
async function memory() {
  const size = 1024;
  const cases = [
    { id: "node", hwm: 1000 },
    { id: "deno", hwm: 1000 },
    { id: "bun", hwm: 1000 },
    { id: "zeromqjs", hwm: 1000 },
    { id: "node", hwm: 0 },
  ];
  const results = [];
  for (const c of cases) {
    const impl = IMPLS[c.id];
    const ep = endpointFor("tcp");
    const slow = start(IMPLS.node, "slowrecv", ep, size, 60);
    let s: Proc | undefined;
    // deno-lint-ignore no-explicit-any
    const row: any = { id: c.id, label: impl.label, sendHighWaterMark: c.hwm, count: MEM_COUNT, size };
    try {
      const ready = JSON.parse(await slow.nextLine(30_000)).ready;
      const cmd = impl.command("memsend", ready, size, MEM_COUNT);
      cmd.env = { ...cmd.env, BENCH_SNDHWM: String(c.hwm) };
      s = start({ ...impl, command: () => cmd }, "memsend", ready, size, MEM_COUNT);
      Object.assign(row, JSON.parse(await s.nextLine(RUN_TIMEOUT_S * 1000)));
      log(`mem ${c.id} hwm ${c.hwm}: rss ${row.rssBaseMB.toFixed(1)} -> peak ${row.rssPeakMB.toFixed(1)} MB`);
    } catch (e) {
      row.error = (e as Error).message;
      log(`mem ${c.id}: ERROR ${row.error}`);
    } finally {
      slow.child.kill("SIGKILL");
      s?.child.kill("SIGKILL");
      await Promise.all([slow.exited, s?.exited]);
    }
    results.push(row);
  }
  return results;
}

// -- main ----------------------------------------------------------------------------------

const t0 = Date.now();
const nodeLib = prepare();
const transports = quick ? ["tcp"] : ["tcp", "ipc"];
const thrPairs = THR_PAIRS.filter((p) => !quick || p.quick);
const latPairs = LAT_PAIRS.filter((p) => !quick || p.quick);
const results = {
  meta: {
    date: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    reps,
    machine: machine(),
    versions: versions(nodeLib),
    counts: {
      throughput: Object.fromEntries(SIZES.map((s) => [s, thrCount(s)])),
      latency: Object.fromEntries(SIZES.map((s) => [s, latCount(s)])),
      latencyWarmup: "count / 10 untimed round trips first",
      inproc: INPROC_COUNT,
      memory: MEM_COUNT,
    },
    durationS: 0,
  },
  impls: Object.fromEntries(
    Object.values(IMPLS).map((i) => [i.id, { label: i.label, runtime: i.runtime, lib: i.lib }]),
  ),
  throughputPairs: thrPairs.map(({ id, label, binder, connecter }) => ({
    id,
    label,
    receiver: binder,
    sender: connecter,
  })),
  latencyPairs: latPairs.map(({ id, label, binder, connecter }) => ({ id, label, rep: binder, req: connecter })),
  throughput: only.has("thr") ? await throughput(thrPairs, transports) : [],
  latency: only.has("lat") ? await latency(latPairs, transports) : [],
  inproc: only.has("inproc") ? await inproc() : null,
  memory: only.has("mem") ? await memory() : [],
};
results.meta.durationS = Math.round((Date.now() - t0) / 1000);
const out = join(root, "bench", "results.json");
writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
log(`wrote ${out} (${results.meta.durationS} s)`);
writeReport(out, join(root, "bench", "RESULTS.md"));
log(`wrote ${join(root, "bench", "RESULTS.md")}`);
