// Shared by the benchmark scripts (run.ts, profile.ts): where things are,
// the implementations a process can run, starting and stopping peer
// processes, building the libzmq programs and the Node JS.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import process from "node:process";
import { createInterface } from "node:readline";

export const RUN_TIMEOUT_S = 120;

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const bin = (n: string) => join(root, "node_modules", ".bin", n);
export const cBin = join(root, "bench", "bin");
export const jsOut = join(root, ".tmp", "bench-js");
export const npmCopy = join(root, ".tmp", "bench-npm");
export const peerTs = join(root, "bench", "peers", "peer.ts");
export const peerJs = join(jsOut, "bench", "peers", "peer.js");
export const threadsPeer = join(root, "bench", "peers", "threads.mjs");
export const pyzmqPeer = join(root, "bench", "peers", "curve_pyzmq.py");
// Debian's python3 with python3-zmq (pyzmq on the system's libzmq 4.3.4),
// not whichever python comes first on PATH.
export const PYTHON = process.env.BENCH_PYTHON ?? "/usr/bin/python3";

/** The median of `xs` (the mean of the middle two for an even count), or null for none. */
export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// -- peers -------------------------------------------------------------------

export type Role =
  | "recv"
  | "send"
  | "rep"
  | "req"
  | "rawrep"
  | "rawreq"
  | "hsreq"
  | "inproc"
  | "floor"
  | "memsend"
  | "slowrecv";

export interface Command {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
}

/** One implementation a process can run. */
export interface Impl {
  id: string;
  label: string;
  runtime: "c" | "python" | "node" | "deno" | "bun";
  lib: "libzmq" | "pyzmq" | "zeromq.js" | "ours";
  /** The command for a role; `sizes` and `counts` are comma-separated lists. */
  command(role: Role, endpoint: string, sizes: string, counts: string): Command;
}

export const C_PROGRAM: Partial<Record<Role, string>> = {
  recv: "local_thr",
  send: "remote_thr",
  rep: "local_lat",
  req: "remote_lat",
  hsreq: "remote_hs",
};

let nodeLibUrl: string | undefined; // set by prepare(): the npm build, if any

// memsend forces collections to measure live memory.
const nodeGc = (role: Role) => role === "memsend" ? ["--expose-gc"] : [];

export const IMPLS: Record<string, Impl> = {
  libzmq: {
    id: "libzmq",
    label: "libzmq (C)",
    runtime: "c",
    lib: "libzmq",
    command: (role, ep, sizes, counts) => ({ cmd: join(cBin, C_PROGRAM[role]!), args: [ep, sizes, counts] }),
  },
  // The curve stage's reference next to libzmq's C programs: the same
  // libzmq, plus Python's overhead per call (issue 15's yardstick).
  pyzmq: {
    id: "pyzmq",
    label: "libzmq (pyzmq)",
    runtime: "python",
    lib: "pyzmq",
    command: (role, ep, sizes, counts) => ({ cmd: PYTHON, args: [pyzmqPeer, role, ep, sizes, counts] }),
  },
  zeromqjs: {
    id: "zeromqjs",
    label: "zeromq.js (Node)",
    runtime: "node",
    lib: "zeromq.js",
    // The same peer program, driving zeromq.js instead of this library.
    command: (role, ep, sizes, counts) => ({
      cmd: "node",
      args: [...nodeGc(role), peerJs, role, ep, sizes, counts],
      env: { ZMTP_BENCH_LIB: "zeromq" },
    }),
  },
  node: {
    id: "node",
    label: "ours (Node)",
    runtime: "node",
    lib: "ours",
    command: (role, ep, sizes, counts) => ({
      cmd: "node",
      args: [...nodeGc(role), peerJs, role, ep, sizes, counts],
      env: nodeLibUrl ? { ZMTP_BENCH_LIB: nodeLibUrl } : undefined,
    }),
  },
  deno: {
    id: "deno",
    label: "ours (Deno)",
    runtime: "deno",
    lib: "ours",
    command: (role, ep, sizes, counts) => ({
      cmd: bin("deno"),
      args: ["run", "-A", ...(role === "memsend" ? ["--v8-flags=--expose-gc"] : []), peerTs, role, ep, sizes, counts],
    }),
  },
  bun: {
    id: "bun",
    label: "ours (Bun)",
    runtime: "bun",
    lib: "ours",
    command: (role, ep, sizes, counts) => ({ cmd: bin("bun"), args: [peerTs, role, ep, sizes, counts] }),
  },
};

// The transport floor of a round trip (peer.ts's rawrep and rawreq): our
// runtime's transport echoing the bytes, with no ZMTP, socket or queue.
for (const id of ["node", "deno", "bun"]) {
  const base = IMPLS[id];
  IMPLS[`${id}:raw`] = {
    ...base,
    id: `${id}:raw`,
    label: base.label.replace(/^ours/, "our transport alone"),
    command: (role, ...rest) => base.command(role === "rep" ? "rawrep" : role === "req" ? "rawreq" : role, ...rest),
  };
}

/**
 * The threads stage's peer (bench/peers/threads.mjs, plain JS on every
 * runtime) for `id` (node, deno or bun): `cases` and `counts` are
 * comma-separated lists. Node loads the same build as the other peers.
 */
export function threadsCommand(id: string, cases: string, counts: string): Command {
  if (id === "deno") return { cmd: bin("deno"), args: ["run", "-A", threadsPeer, cases, counts] };
  if (id === "bun") return { cmd: bin("bun"), args: [threadsPeer, cases, counts] };
  return {
    cmd: "node",
    args: [threadsPeer, cases, counts],
    env: { ZMTP_BENCH_LIB: nodeLibUrl ?? pathToFileURL(join(jsOut, "mod.js")).href },
  };
}

// -- running processes ----------------------------------------------------------

export interface Proc {
  child: ChildProcess;
  stderr: string;
  exited: Promise<number | null>;
  nextLine(timeoutMs: number): Promise<string>;
}

// Every child still running, so that an interrupted harness can stop them.
export const live = new Set<ChildProcess>();
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  try {
    process.on(sig, () => {
      for (const c of live) c.kill("SIGKILL");
      process.exit(130);
    });
  } catch { /* no signal support */ }
}

// `hold`: the process keeps its socket open until its stdin closes.
export function start(impl: Impl, cmd: Command, what: string, hold = false): Proc {
  const child = spawn(cmd.cmd, cmd.args, {
    cwd: root,
    stdio: [hold ? "pipe" : "ignore", "pipe", "pipe"],
    env: { ...process.env, BENCH_TIMEOUT: String(RUN_TIMEOUT_S), ...(hold ? { BENCH_HOLD: "1" } : {}), ...cmd.env },
  });
  live.add(child);
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  const p: Proc = {
    child,
    stderr: "",
    exited: new Promise((resolve) => {
      child.on("error", (e) => {
        p.stderr += String(e);
        resolve(-1);
      });
      // "close": the process is gone and its output fully read.
      child.on("close", (code) => {
        live.delete(child);
        resolve(code);
      });
    }),
    nextLine(timeoutMs) {
      return new Promise((resolve, reject) => {
        if (lines.length > 0) {
          resolve(lines.shift()!);
          return;
        }
        const timer = setTimeout(
          () => reject(new Error(`${impl.id} ${what}: no output after ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = () => {
          if (lines.length === 0) return false;
          clearTimeout(timer);
          resolve(lines.shift()!);
          return true;
        };
        const w = () => {
          if (!check()) waiters.push(w);
        };
        waiters.push(w);
        p.exited.then((code) => {
          if (lines.length === 0) {
            clearTimeout(timer);
            reject(new Error(`${impl.id} ${what} exited ${code}: ${p.stderr.trim().slice(-400)}`));
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

export async function stop(p: Proc, graceMs: number): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const t = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
  await p.exited;
  clearTimeout(t);
}

let ipcSeq = 0;
export function endpointFor(transport: string): string {
  if (transport === "tcp") return "tcp://127.0.0.1:*";
  if (transport === "ws") return "ws://127.0.0.1:*/bench";
  return `ipc:///tmp/zmtp-bench-${process.pid}-${++ipcSeq}.sock`;
}

export function cleanupEndpoint(ep: string): void {
  if (!ep.startsWith("ipc://")) return;
  try {
    unlinkSync(ep.slice(6));
  } catch { /* removed by the peer */ }
}

// Runs binder + connecter over all `sizes`; the result line comes from
// `measuring`. A throughput sender holds its connection until the receiver
// reports.
export async function runPair(
  binder: Impl,
  bRole: Role,
  connecter: Impl,
  cRole: Role,
  measuring: "binder" | "connecter",
  transport: string,
  sizes: number[],
  counts: number[],
  // deno-lint-ignore no-explicit-any
): Promise<any[]> {
  const ep = endpointFor(transport);
  const [sz, ct] = [sizes.join(","), counts.join(",")];
  const b = start(binder, binder.command(bRole, ep, sz, ct), bRole);
  let c: Proc | undefined;
  try {
    const ready = JSON.parse(await b.nextLine(30_000));
    c = start(connecter, connecter.command(cRole, ready.ready, sz, ct), cRole, measuring === "binder");
    const [m, other] = measuring === "binder" ? [b, c] : [c, b];
    // Fail fast when the other side dies instead of waiting for the timeout.
    const died = other.exited.then((code) => {
      if (code !== 0) {
        throw new Error(`${other === b ? bRole : cRole} exited ${code}: ${other.stderr.trim().slice(-400)}`);
      }
      return new Promise<never>(() => {});
    });
    const result = JSON.parse(await Promise.race([m.nextLine(RUN_TIMEOUT_S * 1000), died]));
    c.child.stdin?.end();
    await Promise.all([stop(b, 5000), stop(c, 5000)]);
    return result.results;
  } finally {
    b.child.kill("SIGKILL");
    c?.child.kill("SIGKILL");
    await Promise.all([b.exited, c?.exited]);
    cleanupEndpoint(ep);
  }
}

// -- preparation -------------------------------------------------------------------

export function sh(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${what} failed (${cmd} ${args.join(" ")})`);
}

export function newer(src: string, out: string): boolean {
  return !existsSync(out) || statSync(src).mtimeMs > statSync(out).mtimeMs;
}

// `npmBuild: false` (quick runs) uses npm/ as the build stage left it.
export function prepare(build: boolean, { npmBuild = true } = {}): string {
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
  // A program that does not build is missing: its cells fail (or, in the
  // curve stage, are skipped with a note) instead of the whole run.
  for (const p of Object.values(C_PROGRAM)) {
    const src = join(root, "bench", "c", `${p}.c`);
    if (newer(src, join(cBin, p!)) || newer(join(root, "bench", "c", "common.h"), join(cBin, p!))) {
      try {
        rmSync(join(cBin, p!), { force: true });
        sh("gcc", ["-O2", "-Wall", "-o", join(cBin, p!), src, "-lzmq"], `building ${p}`);
      } catch (e) {
        console.error(`${(e as Error).message}: the libzmq (C) cells that need it will fail`);
      }
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
      if (build && (npmBuild || !existsSync(join(root, "npm", "esm", "mod.js")))) {
        sh(bin("deno"), ["run", "-A", "scripts/build_npm.ts"], "scripts/build_npm.ts");
      }
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

/** Why `id` cannot run here (its program or module is missing), or null. */
export function unavailable(id: string): string | null {
  if (id === "libzmq") {
    const missing = Object.values(C_PROGRAM).filter((p) => !existsSync(join(cBin, p!)));
    return missing.length ? `${missing.join(", ")} not built (gcc or libzmq3-dev missing?)` : null;
  }
  if (id === "pyzmq") {
    const r = spawnSync(PYTHON, ["-c", "import sys, zmq; sys.exit(0 if zmq.has('curve') else 3)"], {
      stdio: "ignore",
    });
    if (r.error || r.status === null) return `no ${PYTHON}`;
    if (r.status === 3) return `${PYTHON}'s libzmq has no CURVE`;
    if (r.status !== 0) return `${PYTHON} has no zmq module (apt-get install python3-zmq)`;
  }
  return null;
}

export function versions(nodeLib: string): Record<string, string> {
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
    pyzmq: out(PYTHON, [
      "-c",
      "import sys, zmq; print(zmq.__version__, 'libzmq', zmq.zmq_version(), 'Python', sys.version.split()[0])",
    ]),
    ourLibOnNode: nodeLib,
    commit: out("git", ["-C", root, "rev-parse", "--short", "HEAD"]) +
      (out("git", ["-C", root, "status", "--porcelain", "lib", "transports", "mod.ts"]) ? " (+ local changes)" : ""),
  };
}

export function machine(): Record<string, string | number> {
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
