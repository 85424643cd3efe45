// The cross-process benchmark harness (`npm run bench`, `deno task bench`).
//
// Throughput (PUSH -> PULL, two processes) and REQ/REP latency over tcp://,
// ipc:// and ws:// at 1 B to 64 KiB (the matrix below), for libzmq (C
// programs in bench/c), zeromq.js on Node, this library on Node, Deno and
// Bun, and mixed pairs, with the floor of a round trip under ours (each
// runtime's transport echoing 64 B, no ZMTP); inproc throughput next to the
// floor of `await receive()`; the sender's memory behind a slow
// consumer; inproc between Worker threads (the threads stage: 64 B
// throughput, a ventilator -> N workers -> sink pipeline, REQ/REP latency);
// CURVE (the curve stage: PUSH -> PULL throughput and handshakes/s, CURVE
// and NULL, against libzmq's C programs and libzmq through pyzmq).
// Every timed cell lasts ≥ 1 s: counts are calibrated per peer
// (see TARGET_S). One pair of processes measures all sizes of a row in turn;
// runs alternate between peers (the order rotates every repetition), each
// cell is the median of N runs with their min and max, and carries its ratio
// to zeromq.js and to libzmq. The load average is recorded at the start, the
// end and before each run. Writes bench/results.json, then bench/RESULTS.md
// (see report.ts); --quick (the CI smoke test) writes them to
// .tmp/bench-quick/ instead and fails if any cell failed or is missing. A
// full run with --only keeps the stages it did not run from the
// results.json it replaces (meta.merged says from when).
//
//   deno run -A bench/run.ts [--quick] [--reps N] [--no-build] [--only thr,lat,inproc,mem,threads,curve]
//                            [--transports tcp,ws (default; ipc too)] [--all-pairs] [--out DIR]
//
// Node runs this library from compiled JS: the npm build when
// scripts/build_npm.ts exists (a private copy in .tmp/bench-npm; --quick
// reuses npm/ as it is, without rebuilding it), else a tsc build of the same
// sources into .tmp/bench-js, which always holds the compiled peer and codec
// bench.

import { cpus, loadavg } from "node:os";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { validate, writeReport } from "./report.ts";
import {
  endpointFor,
  type Impl,
  IMPLS,
  machine,
  median,
  prepare,
  type Proc,
  type Role,
  root,
  RUN_TIMEOUT_S,
  runPair,
  start,
  stop,
  threadsCommand,
  unavailable,
  versions,
} from "./_harness.ts";

// -- options -----------------------------------------------------------------

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag("--quick");
const reps = Number(value("--reps") ?? (quick ? 1 : 3));
const STAGES = ["thr", "lat", "inproc", "mem", "threads", "curve"];
const only = new Set((value("--only") ?? STAGES.join(",")).split(","));
const build = !flag("--no-build");
const allPairs = flag("--all-pairs");
// A quick run is a smoke test: it must not overwrite the committed results.
const outDir = value("--out") ?? (quick ? join(root, ".tmp", "bench-quick") : join(root, "bench"));

// What is measured: sizes per transport. The full matrix is trimmed to keep
// `npm run bench` under 10 minutes on 2 cores now that every cell runs ≥ 1 s:
// no ipc unless asked for, ws throughput at 64 B and 64 KiB only, latency at
// 64 B and 64 KiB over tcp only (1 KiB, no target's size, was dropped when
// the run reached 608 s), mixed pairs only with --all-pairs (RESULTS.md says so).
const FULL_MATRIX: Record<"thr" | "lat", Record<string, number[]>> = {
  thr: { tcp: [1, 64, 1024, 65536], ipc: [64, 65536], ws: [64, 65536] },
  lat: { tcp: [64, 65536], ipc: [64] },
};
const QUICK_MATRIX: typeof FULL_MATRIX = {
  thr: { tcp: [64, 65536], ws: [64] },
  lat: { tcp: [64] },
};
// ipc:// only when asked for (--transports tcp,ipc,ws): trimmed for time.
const transportsArg = (value("--transports") ?? "tcp,ws").split(",");
const MATRIX = Object.fromEntries(
  Object.entries(quick ? QUICK_MATRIX : FULL_MATRIX).map(([k, m]) => [
    k,
    Object.fromEntries(Object.entries(m).filter(([t]) => transportsArg.includes(t))),
  ]),
) as typeof FULL_MATRIX;
const transports = [...new Set([...Object.keys(MATRIX.thr), ...Object.keys(MATRIX.lat)])];

// Every timed cell lasts at least MIN_S: counts are scaled to each peer's
// rate. A short calibration run per pair and transport measures the rates
// (CAL counts, cheap even for the slowest peer), a cell's count is then
// rate × TARGET_S, and a run whose timed part still came out shorter than
// MIN_S (the machine got faster, or the calibration was cold) is redone
// with a count scaled up, which also carries over to the next repetitions
// (as does a count that gave over 2 × TARGET_S, scaled down). A
// calibration run errs long rather than short: the receiver's queue
// (RCVHWM 1000) may already hold part of a short run when its clock starts,
// hence the larger count at 64 KiB.
// Quick mode keeps the mechanism but not the duration.
// 1.4 s rather than more, for the 10 minutes.
const TARGET_S = quick ? 0.05 : 1.4;
const MIN_S = quick ? 0 : 1;
const MAX_REDO = 2;
const CAL_THR: Record<number, number> = quick
  ? { 1: 5_000, 64: 5_000, 1024: 2_000, 65536: 200 }
  : { 1: 40_000, 64: 40_000, 1024: 15_000, 65536: 4_000 };
const CAL_LAT: Record<number, number> = quick
  ? { 64: 200, 1024: 200, 65536: 50 }
  : { 64: 2_000, 1024: 2_000, 65536: 500 };
const MAX_COUNT = 50_000_000;
// The curve stage: CURVE throughput at 64 B, CURVE handshakes/s (libzmq's
// through its C API only: pyzmq's are the same libzmq's, within noise), with
// 2 repetitions instead of 3 and cells aimed at 1.4 s: trimmed to add about
// 45 s to the 10 minutes (with 1 KiB, NULL handshakes, 3 repetitions and
// 1.5 s cells it took 163 s). --all-pairs adds 1 KiB, NULL handshakes,
// pyzmq's handshakes and zeromq.js.
const CURVE_MATRIX: Record<"cthr" | "hs", Record<string, number[]>> = {
  cthr: { tcp: allPairs ? [64, 1024] : [64] },
  hs: { tcp: [1] },
};
const CURVE_REPS = Number(value("--curve-reps") ?? (quick ? 1 : Math.min(reps, 2)));
const CAL_CTHR: Record<number, number> = quick ? { 64: 2_000, 1024: 1_000 } : { 64: 150_000, 1024: 40_000 };
const CAL_HS: Record<number, number> = quick ? { 1: 8 } : { 1: 50 };
const CURVE_PRIME = { size: 64, cthr: quick ? 2_000 : 20_000, hsSize: 1, hs: quick ? 2 : 30 };
// Closer to MIN_S than TARGET_S, for time (a run that comes out short is redone as everywhere).
const CURVE_TARGET_S = quick ? TARGET_S : 1.4;
// Fixed test keys (Z85: server public, server secret, client public, client
// secret), made once with pyzmq's curve_keypair(): the stage measures speed,
// not secrecy, and every peer reads them from BENCH_CURVE.
const CURVE_KEYS = "swrSMTC[>*d}nwcr4i64uqg2+lry8$}CAHRweV!6 *@:gRgjaI$R$.s[pwV4sL68nY)j}62S+MJD://s7 " +
  "XCwRIUQ1&.ALAwf.)xpmey:C#.J}!G6DWjK!&EIK w[L6bIY-Klg{3P#<b:e/YqMd+E@=y<*BWJyTKI)D";
// Each run first measures (and drops) a 64 B block of this many messages or
// round trips: without it the first size of a run pays for the JIT warming
// up (Node: 1 B round trips 100-160 us first, 44 us once warm). Each size
// then starts with count/4 untimed messages (the peers' warm-up rule).
const PRIME = { size: 64, thr: quick ? 10_000 : 100_000, lat: quick ? 500 : 4_000 };
const INPROC_CAL = quick ? 20_000 : 100_000;
const MEM_COUNT = quick ? 20_000 : 120_000;
// The threads stage (bench/peers/threads.mjs): its cases and their
// calibration counts (messages, tasks of ~65 µs, round trips).
// bare1 and bare2 are the control: the same tasks on 1 and 2 threads
// without sockets, how far the machine scales at that moment.
const THREAD_CASES = ["pipe", "vent1", "vent2", "vent4", "bare1", "bare2", "lat"];
const THREADS_CAL: Record<string, number> = quick
  ? { pipe: 20_000, vent1: 300, vent2: 300, vent4: 300, bare1: 300, bare2: 300, lat: 300 }
  : { pipe: 100_000, vent1: 2_000, vent2: 3_000, vent4: 3_000, bare1: 2_000, bare2: 3_000, lat: 2_000 };

/** A throughput or latency pairing: who binds (receiver / REP) and who connects. */
interface Pair {
  id: string;
  label: string;
  binder: string;
  connecter: string;
  transports: string[];
  /** The transports it runs on in --quick runs. */
  quick: string[];
  /** Only with --all-pairs. */
  extra: boolean;
  /** Added to both processes' environment (BENCH_CURVE). */
  env?: Record<string, string>;
  /** Only these sizes of the matrix (all of them when absent). */
  sizes?: number[];
}

const pure = (id: string, quick: string[] = ["tcp"]): Pair => ({
  id,
  label: IMPLS[id].label,
  binder: id,
  connecter: id,
  // libzmq's C build here (Debian's 4.3.4) has no ws transport.
  transports: id === "libzmq" ? ["tcp", "ipc"] : ["tcp", "ipc", "ws"],
  quick,
  extra: false,
});
const mixed = (send: string, recv: string, quick = false, extra = false): Pair => ({
  id: `${send}>${recv}`,
  label: `${IMPLS[send].label} -> ${IMPLS[recv].label}`,
  binder: recv,
  connecter: send,
  transports: ["tcp"],
  quick: quick ? ["tcp"] : [],
  extra,
});

const THR_PAIRS: Pair[] = [
  pure("libzmq"),
  pure("zeromqjs"),
  pure("node", ["tcp", "ws"]),
  pure("deno"),
  pure("bun"),
  // Mixed pairs of our runtimes: with --all-pairs only (trimmed for time).
  mixed("node", "bun", false, true),
  mixed("bun", "deno", false, true),
  mixed("deno", "node", false, true),
  // Against libzmq, one side of ours is measured alone (--all-pairs: trimmed for time).
  mixed("node", "libzmq", true, true),
  mixed("libzmq", "node", false, true),
  mixed("deno", "libzmq", false, true),
  mixed("libzmq", "deno", false, true),
  mixed("bun", "libzmq", false, true),
  mixed("libzmq", "bun", false, true),
];
const LAT_PAIRS: Pair[] = [
  pure("libzmq"),
  // zeromq.js at 64 B only (trimmed for time: the transport floor rows below took its place).
  { ...pure("zeromqjs", []), sizes: [64] },
  pure("node"),
  pure("deno"),
  pure("bun"),
  // At 64 B only, for time.
  { ...mixed("node", "libzmq", false, true), label: "ours (Node) REQ -> libzmq (C) REP", sizes: [64] },
  // The floor under ours: each runtime's transport echoing 64 B, no ZMTP.
  ...["node", "deno", "bun"].map((id): Pair => ({ ...pure(`${id}:raw`), transports: ["tcp"], sizes: [64] })),
];

// The curve stage's pairs: the same implementation at both ends, tcp only.
const CURVE_IDS = ["libzmq", "pyzmq", "zeromqjs", "node", "deno", "bun"];
const curvePair = (id: string, mech: "curve" | "null", prefix: boolean): Pair => ({
  id: prefix ? `${mech}:${id}` : id,
  label: IMPLS[id].label,
  binder: id,
  connecter: id,
  transports: ["tcp"],
  // Quick: every reference and runtime once with CURVE.
  quick: id === "zeromqjs" || mech === "null" ? [] : ["tcp"],
  // zeromq.js and NULL: with --all-pairs only (trimmed for time).
  extra: id === "zeromqjs" || mech === "null",
  env: mech === "curve" ? { BENCH_CURVE: CURVE_KEYS } : undefined,
});
const CURVE_THR_PAIRS = CURVE_IDS.map((id) => curvePair(id, "curve", false));
const HS_PAIRS = (["curve", "null"] as const).flatMap((m) =>
  CURVE_IDS.map((id) => {
    const p = curvePair(id, m, true);
    return id === "pyzmq" ? { ...p, extra: true } : p;
  })
);

// -- statistics ---------------------------------------------------------------------

const min = (xs: number[]) => xs.length ? Math.min(...xs) : null;
const max = (xs: number[]) => xs.length ? Math.max(...xs) : null;

const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a != null && b != null && b > 0 ? a / b : null;

function rotate<T>(xs: T[], k: number): T[] {
  const n = xs.length;
  return xs.map((_, i) => xs[(i + k) % n]);
}

// Load average before each run: other work on the machine skews a run.
const loads: number[] = [];
const sampleLoad = () => loads.push(loadavg()[0]);
const r2 = (x: number) => Math.round(x * 100) / 100;
const loadNow = () => {
  const [m1, m5, m15] = loadavg().map(r2);
  return { m1, m5, m15, at: new Date().toISOString() };
};

// -- the suites ------------------------------------------------------------------------

interface ThrCell {
  runs: number[];
  mbRuns: number[];
  secsRuns: number[];
  countRuns: number[];
  redone: number;
  errors: string[];
  msgPerSec: number | null;
  msgPerSecMin: number | null;
  msgPerSecMax: number | null;
  mbPerSec: number | null;
  vsZeromqjs?: number | null;
  vsLibzmq?: number | null;
}

interface LatCell {
  p50Runs: number[];
  p99Runs: number[];
  secsRuns: number[];
  countRuns: number[];
  redone: number;
  errors: string[];
  p50us: number | null;
  p50Min: number | null;
  p50Max: number | null;
  p99us: number | null;
  p99Min: number | null;
  p99Max: number | null;
  vsZeromqjs?: number | null;
  vsLibzmq?: number | null;
}

const log = (s: string) => console.error(s);

// One table row per (transport, size); a run of a pair fills its cell in
// every row of its transport.
function rowsFor<C>(pairs: Pair[], matrix: Record<string, number[]>, empty: () => C) {
  const rows = [];
  for (const [transport, sizes] of Object.entries(matrix)) {
    for (const size of sizes) {
      const cells: Record<string, C> = {};
      for (const p of pairsOn(pairs, transport)) if (sizesOf(p, [size]).length > 0) cells[p.id] = empty();
      rows.push({ transport, size, cells });
    }
  }
  return rows;
}

const sizesOf = (p: Pair, sizes: number[]) => p.sizes ? sizes.filter((s) => p.sizes!.includes(s)) : sizes;

const pairsOn = (pairs: Pair[], transport: string) =>
  pairs.filter((p) => p.transports.includes(transport) && (!quick || p.quick.includes(transport)));

// A measured size: its rate and how long its timed part took.
interface Measured {
  size: number;
  secs: number;
  // deno-lint-ignore no-explicit-any
  raw: any;
}

// thr, lat: the throughput and latency stages; cthr, hs: the curve stage's
// throughput and handshakes.
type Kind = "thr" | "lat" | "cthr" | "hs";
const KINDS: Record<
  Kind,
  {
    roles: [Role, Role];
    measuring: "binder" | "connecter";
    cal: Record<number, number>;
    prime: [number, number];
    targetS: number;
  }
> = {
  thr: {
    roles: ["recv", "send"],
    measuring: "binder",
    cal: CAL_THR,
    prime: [PRIME.size, PRIME.thr],
    targetS: TARGET_S,
  },
  lat: {
    roles: ["rep", "req"],
    measuring: "connecter",
    cal: CAL_LAT,
    prime: [PRIME.size, PRIME.lat],
    targetS: TARGET_S,
  },
  cthr: {
    roles: ["recv", "send"],
    measuring: "binder",
    cal: CAL_CTHR,
    prime: [CURVE_PRIME.size, CURVE_PRIME.cthr],
    targetS: CURVE_TARGET_S,
  },
  hs: {
    roles: ["rep", "hsreq"],
    measuring: "connecter",
    cal: CAL_HS,
    prime: [CURVE_PRIME.hsSize, CURVE_PRIME.hs],
    targetS: CURVE_TARGET_S,
  },
};

// `impl` with `env` added to every command's environment.
const withEnv = (impl: Impl, env?: Record<string, string>): Impl =>
  env ? { ...impl, command: (...a) => ({ ...impl.command(...a), env: { ...impl.command(...a).env, ...env } }) } : impl;

// Runs one pair over `sizes` with `counts`, after the prime block.
async function measure(kind: Kind, p: Pair, transport: string, sizes: number[], counts: number[]) {
  const k = KINDS[kind];
  const res = await runPair(
    withEnv(IMPLS[p.binder], p.env),
    k.roles[0],
    withEnv(IMPLS[p.connecter], p.env),
    k.roles[1],
    k.measuring,
    transport,
    [k.prime[0], ...sizes],
    [k.prime[1], ...counts],
  );
  return res.slice(1).map((x): Measured => ({
    size: x.size,
    // The latency peers report the mean round trip of `count` timed ones.
    secs: kind === "lat" ? x.count * x.meanUs / 1e6 : x.secs,
    raw: x,
  }));
}

// Per (kind, pair, transport, size): the count that gives ≥ MIN_S.
const counts = new Map<string, number>();
const countKey = (kind: Kind, p: Pair, transport: string, size: number) => `${kind} ${p.id} ${transport} ${size}`;
const scaled = (count: number, secs: number, target = TARGET_S) =>
  Math.min(MAX_COUNT, Math.max(1, Math.ceil(count * target / Math.max(secs, 1e-6))));

async function calibrate(kind: Kind, p: Pair, transport: string, sizes: number[]) {
  const cal = KINDS[kind].cal;
  sampleLoad();
  const res = await measure(kind, p, transport, sizes, sizes.map((s) => cal[s]));
  const target = KINDS[kind].targetS;
  for (const x of res) counts.set(countKey(kind, p, transport, x.size), scaled(cal[x.size], x.secs, target));
  log(
    `cal ${kind} ${transport} ${p.id}: ${
      sizes.map((s) => `${s} B -> ${counts.get(countKey(kind, p, transport, s))}`).join(", ")
    }`,
  );
}

// One repetition of a pair: every size of the row, then again those whose
// timed part was shorter than MIN_S, with larger counts.
async function repetition(kind: Kind, p: Pair, transport: string, sizes: number[]) {
  const target = KINDS[kind].targetS;
  const done = new Map<number, Measured & { count: number; redone: number }>();
  let todo = sizes;
  for (let attempt = 0; todo.length > 0 && attempt <= MAX_REDO; attempt++) {
    const cs = todo.map((s) => counts.get(countKey(kind, p, transport, s))!);
    sampleLoad();
    const res = await measure(kind, p, transport, todo, cs);
    todo = [];
    for (const [i, x] of res.entries()) {
      done.set(x.size, { ...x, count: cs[i], redone: attempt });
      const key = countKey(kind, p, transport, x.size);
      if (x.secs < MIN_S) {
        counts.set(key, scaled(cs[i], x.secs, target));
        todo.push(x.size);
      } else if (x.secs > 2 * target) counts.set(key, scaled(cs[i], x.secs, target));
    }
    if (todo.length) log(`  ${kind} ${transport} ${p.id}: redoing ${todo.join(", ")} B (shorter than ${MIN_S} s)`);
  }
  return sizes.map((s) => done.get(s)!);
}

async function suite<C extends { errors: string[]; secsRuns: number[]; countRuns: number[]; redone: number }>(
  kind: Kind,
  pairs: Pair[],
  empty: () => C,
  record: (cell: C, x: Measured) => void,
  show: (x: Measured) => string,
  matrix: Record<string, number[]> = MATRIX[kind as "thr" | "lat"],
  nReps = reps,
) {
  const rows = rowsFor<C>(pairs, matrix, empty);
  const cells = (p: Pair, transport: string) =>
    rows.filter((row) => row.transport === transport && row.cells[p.id]).map((row) => row.cells[p.id]);
  const failed = new Set<string>();
  for (const [transport, sizes] of Object.entries(matrix)) {
    for (const p of pairsOn(pairs, transport)) {
      try {
        await calibrate(kind, p, transport, sizesOf(p, sizes));
      } catch (e) {
        failed.add(`${p.id} ${transport}`);
        for (const c of cells(p, transport)) c.errors.push(`calibration: ${(e as Error).message}`);
        log(`cal ${kind} ${transport} ${p.id}: ERROR ${(e as Error).message}`);
      }
    }
  }
  for (let r = 0; r < nReps; r++) {
    for (const [transport, sizes] of Object.entries(matrix)) {
      for (const p of rotate(pairsOn(pairs, transport), r)) {
        if (failed.has(`${p.id} ${transport}`)) continue;
        const mine = rows.filter((row) => row.transport === transport && row.cells[p.id]);
        try {
          const res = await repetition(kind, p, transport, sizesOf(p, sizes));
          for (const row of mine) {
            const x = res.find((x) => x.size === row.size)!;
            const cell = row.cells[p.id];
            record(cell, x);
            cell.secsRuns.push(r2(x.secs));
            cell.countRuns.push(x.count);
            cell.redone += x.redone;
          }
          log(`${kind} ${transport} ${p.id}: ${res.map(show).join(", ")}`);
        } catch (e) {
          for (const row of mine) row.cells[p.id].errors.push((e as Error).message);
          log(`${kind} ${transport} ${p.id}: ERROR ${(e as Error).message}`);
        }
      }
    }
  }
  return rows;
}

async function throughput(pairs: Pair[]) {
  const rows = await suite<ThrCell>(
    "thr",
    pairs,
    () => ({
      runs: [],
      mbRuns: [],
      secsRuns: [],
      countRuns: [],
      redone: 0,
      errors: [],
      msgPerSec: null,
      msgPerSecMin: null,
      msgPerSecMax: null,
      mbPerSec: null,
    }),
    (cell, x) => {
      cell.runs.push(x.raw.msgPerSec);
      cell.mbRuns.push(x.raw.mbPerSec);
    },
    (x) => `${x.size} B ${Math.round(x.raw.msgPerSec)}/s in ${x.secs.toFixed(2)} s`,
  );
  for (const row of rows) {
    for (const cell of Object.values(row.cells)) {
      cell.msgPerSec = median(cell.runs);
      cell.msgPerSecMin = min(cell.runs);
      cell.msgPerSecMax = max(cell.runs);
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

async function latency(pairs: Pair[]) {
  const rows = await suite<LatCell>(
    "lat",
    pairs,
    () => ({
      p50Runs: [],
      p99Runs: [],
      secsRuns: [],
      countRuns: [],
      redone: 0,
      errors: [],
      p50us: null,
      p50Min: null,
      p50Max: null,
      p99us: null,
      p99Min: null,
      p99Max: null,
    }),
    (cell, x) => {
      cell.p50Runs.push(x.raw.p50us);
      cell.p99Runs.push(x.raw.p99us);
    },
    (x) => `${x.size} B p50 ${x.raw.p50us.toFixed(0)} us (${x.raw.count} in ${x.secs.toFixed(2)} s)`,
  );
  for (const row of rows) {
    for (const cell of Object.values(row.cells)) {
      cell.p50us = median(cell.p50Runs);
      cell.p50Min = min(cell.p50Runs);
      cell.p50Max = max(cell.p50Runs);
      cell.p99us = median(cell.p99Runs);
      cell.p99Min = min(cell.p99Runs);
      cell.p99Max = max(cell.p99Runs);
    }
    const z = row.cells.zeromqjs?.p50us, c = row.cells.libzmq?.p50us;
    for (const cell of Object.values(row.cells)) {
      cell.vsZeromqjs = ratio(cell.p50us, z);
      cell.vsLibzmq = ratio(cell.p50us, c);
    }
  }
  return rows;
}

// In-process PUSH -> PULL over inproc://, 64 B; counts calibrated as above.
// Next to it, per runtime of ours, the floor (peer.ts's floor role): the
// same `await receive()` loop with no socket behind it.
async function inproc() {
  const size = 64;
  const impls = quick ? ["node", "deno", "bun"] : ["node", "deno", "bun", "zeromqjs"];
  type Cell = {
    runs: number[];
    secsRuns: number[];
    countRuns: number[];
    errors: string[];
    msgPerSec: number | null;
    msgPerSecMin: number | null;
    msgPerSecMax: number | null;
  };
  const once = async (id: string, role: Role, name: string, count: number) => {
    const impl = IMPLS[id];
    sampleLoad();
    const p = start(impl, impl.command(role, name, String(size), String(count)), role);
    try {
      const res = JSON.parse(await p.nextLine(RUN_TIMEOUT_S * 1000));
      await stop(p, 5000);
      return res as { msgPerSec: number; secs: number };
    } finally {
      p.child.kill("SIGKILL");
      await p.exited;
    }
  };
  const measure = async (role: Role, ids: string[], cal: number) => {
    const cells: Record<string, Cell> = {};
    for (const id of ids) {
      cells[id] = {
        runs: [],
        secsRuns: [],
        countRuns: [],
        errors: [],
        msgPerSec: null,
        msgPerSecMin: null,
        msgPerSecMax: null,
      };
    }
    const countOf: Record<string, number> = {};
    for (const id of ids) {
      try {
        countOf[id] = scaled(cal, (await once(id, role, "bench-cal", cal)).secs);
        log(`cal ${role} ${id}: ${countOf[id]}`);
      } catch (e) {
        cells[id].errors.push(`calibration: ${(e as Error).message}`);
        log(`cal ${role} ${id}: ERROR ${(e as Error).message}`);
      }
    }
    for (let r = 0; r < reps; r++) {
      for (const id of rotate(ids, r)) {
        if (!countOf[id]) continue;
        try {
          let res = await once(id, role, `bench-${r}`, countOf[id]);
          for (let redo = 0; res.secs < MIN_S && redo < MAX_REDO; redo++) {
            countOf[id] = scaled(countOf[id], res.secs);
            res = await once(id, role, `bench-${r}-${redo}`, countOf[id]);
          }
          cells[id].runs.push(res.msgPerSec);
          cells[id].secsRuns.push(r2(res.secs));
          cells[id].countRuns.push(countOf[id]);
          log(`${role} ${size} B ${id}: ${Math.round(res.msgPerSec)} msg/s in ${res.secs.toFixed(2)} s`);
        } catch (e) {
          cells[id].errors.push((e as Error).message);
          log(`${role} ${id}: ERROR ${(e as Error).message}`);
        }
      }
    }
    for (const c of Object.values(cells)) {
      c.msgPerSec = median(c.runs);
      c.msgPerSecMin = min(c.runs);
      c.msgPerSecMax = max(c.runs);
    }
    return cells;
  };
  const cells = await measure("inproc", impls, INPROC_CAL);
  // The floor runs ten times as fast as inproc: a count to match.
  const floor = await measure("floor", ["node", "deno", "bun"], INPROC_CAL * 10);
  return { size, cells, floor };
}

// inproc:// between the Worker threads of one process, per runtime: 64 B
// PUSH (worker) -> PULL (main), msg/s; ventilator -> N workers -> sink with
// a fixed CPU-bound task per message, tasks/s for N = 1, 2, 4; REQ (main)
// -> REP (worker) round trip, p50 / p99; the same tasks on 1 and 2 threads
// without sockets, the control for the scaling. One process runs every case of a
// runtime in turn (fresh workers per case); counts calibrated as above.
async function threads() {
  const impls = ["node", "deno", "bun"];
  type Cell = {
    runs: number[];
    p99Runs: number[];
    secsRuns: number[];
    countRuns: number[];
    perWorkerRuns: number[][];
    redone: number;
    errors: string[];
    value: number | null;
    valueMin: number | null;
    valueMax: number | null;
    p99us: number | null;
  };
  const cells: Record<string, Record<string, Cell>> = {};
  for (const id of impls) {
    cells[id] = {};
    for (const c of THREAD_CASES) {
      cells[id][c] = {
        runs: [],
        p99Runs: [],
        secsRuns: [],
        countRuns: [],
        perWorkerRuns: [],
        redone: 0,
        errors: [],
        value: null,
        valueMin: null,
        valueMax: null,
        p99us: null,
      };
    }
  }
  const taskUs: Record<string, number[]> = {};
  let taskIters = 0;
  const loadAt = loadNow();
  const before = loads.length;
  // deno-lint-ignore no-explicit-any
  const once = async (id: string, cases: string[], cs: number[]): Promise<any[]> => {
    sampleLoad();
    const p = start(IMPLS[id], threadsCommand(id, cases.join(","), cs.join(",")), "threads");
    try {
      const res = JSON.parse(await p.nextLine(RUN_TIMEOUT_S * 1000));
      await stop(p, 5000);
      taskIters = res.taskIters;
      (taskUs[id] ??= []).push(r2(res.taskUs));
      return res.results;
    } finally {
      p.child.kill("SIGKILL");
      await p.exited;
    }
  };
  const countOf: Record<string, Record<string, number>> = {};
  for (const id of impls) {
    try {
      const res = await once(id, THREAD_CASES, THREAD_CASES.map((c) => THREADS_CAL[c]));
      countOf[id] = Object.fromEntries(res.map((x) => [x.case, scaled(THREADS_CAL[x.case], x.secs)]));
      log(`cal threads ${id}: ${THREAD_CASES.map((c) => `${c} -> ${countOf[id][c]}`).join(", ")}`);
    } catch (e) {
      for (const c of THREAD_CASES) cells[id][c].errors.push(`calibration: ${(e as Error).message}`);
      log(`cal threads ${id}: ERROR ${(e as Error).message}`);
    }
  }
  for (let r = 0; r < reps; r++) {
    for (const id of rotate(impls, r)) {
      if (!countOf[id]) continue;
      try {
        // The cases shorter than MIN_S again, with larger counts (as repetition() does).
        let todo = THREAD_CASES;
        for (let attempt = 0; todo.length > 0 && attempt <= MAX_REDO; attempt++) {
          const cs = todo.map((c) => countOf[id][c]);
          const res = await once(id, todo, cs);
          todo = [];
          for (const [i, x] of res.entries()) {
            if (x.secs < MIN_S && attempt < MAX_REDO) {
              countOf[id][x.case] = scaled(cs[i], x.secs);
              todo.push(x.case);
              continue;
            }
            if (x.secs > 2 * TARGET_S) countOf[id][x.case] = scaled(cs[i], x.secs);
            const cell = cells[id][x.case];
            cell.runs.push(x.case === "lat" ? x.p50us : x.msgPerSec ?? x.tasksPerSec);
            if (x.case === "lat") cell.p99Runs.push(x.p99us);
            if (x.perWorker) cell.perWorkerRuns.push(x.perWorker);
            cell.secsRuns.push(r2(x.secs));
            cell.countRuns.push(cs[i]);
            cell.redone += attempt;
          }
          if (todo.length) log(`  threads ${id}: redoing ${todo.join(", ")} (shorter than ${MIN_S} s)`);
        }
        const c = cells[id];
        log(
          `threads ${id}: pipe ${Math.round(c.pipe.runs.at(-1)!)} msg/s, vent ${
            ["vent1", "vent2", "vent4"].map((v) => Math.round(c[v].runs.at(-1)!)).join(" / ")
          } tasks/s, lat p50 ${c.lat.runs.at(-1)!.toFixed(1)} us p99 ${c.lat.p99Runs.at(-1)!.toFixed(1)} us`,
        );
      } catch (e) {
        for (const c of THREAD_CASES) cells[id][c].errors.push((e as Error).message);
        log(`threads ${id}: ERROR ${(e as Error).message}`);
      }
    }
  }
  for (const byCase of Object.values(cells)) {
    for (const c of Object.values(byCase)) {
      c.value = median(c.runs);
      c.valueMin = min(c.runs);
      c.valueMax = max(c.runs);
      c.p99us = median(c.p99Runs);
    }
  }
  const mine = loads.slice(before);
  return {
    size: 64,
    cases: THREAD_CASES,
    taskIters,
    taskUs: Object.fromEntries(Object.entries(taskUs).map(([id, xs]) => [id, median(xs)])),
    load: {
      start: loadAt,
      end: loadNow(),
      perRun: { runs: mine.length, min: r2(min(mine) ?? 0), median: r2(median(mine) ?? 0), max: r2(max(mine) ?? 0) },
    },
    cells,
  };
}

// CURVE over tcp://, the same implementation at both ends in two
// processes: PUSH -> PULL throughput (the thr stage's peers and timing with
// CURVE keys), and handshakes/s: one client process creates a REQ, connects,
// makes one round trip (the handshake is complete once the reply is in) and
// closes it, again and again, against a REP in the other process; CURVE,
// and NULL for context. Counts calibrated, runs redone and rotated as in the
// other stages, with CURVE_REPS repetitions. Implementations that cannot
// run here (no C compiler, no pyzmq) are skipped with a note.
async function curve(thrPairs: Pair[], hsPairs: Pair[]) {
  const loadAt = loadNow();
  const before = loads.length;
  const skipped: { id: string; reason: string }[] = [];
  const usable = (p: Pair) => {
    const why = unavailable(p.binder);
    if (why && !skipped.some((x) => x.id === p.binder)) {
      skipped.push({ id: p.binder, reason: why });
      log(`curve: skipping ${IMPLS[p.binder].label}: ${why}`);
    }
    return why === null;
  };
  thrPairs = thrPairs.filter(usable);
  hsPairs = hsPairs.filter(usable);
  const thr = await suite<ThrCell & { vsPyzmq?: number | null }>(
    "cthr",
    thrPairs,
    () => ({
      runs: [],
      mbRuns: [],
      secsRuns: [],
      countRuns: [],
      redone: 0,
      errors: [],
      msgPerSec: null,
      msgPerSecMin: null,
      msgPerSecMax: null,
      mbPerSec: null,
    }),
    (cell, x) => {
      cell.runs.push(x.raw.msgPerSec);
      cell.mbRuns.push(x.raw.mbPerSec);
    },
    (x) => `CURVE ${x.size} B ${Math.round(x.raw.msgPerSec)}/s in ${x.secs.toFixed(2)} s`,
    CURVE_MATRIX.cthr,
    CURVE_REPS,
  );
  for (const row of thr) {
    for (const cell of Object.values(row.cells)) {
      cell.msgPerSec = median(cell.runs);
      cell.msgPerSecMin = min(cell.runs);
      cell.msgPerSecMax = max(cell.runs);
      cell.mbPerSec = median(cell.mbRuns);
    }
    const py = row.cells.pyzmq?.msgPerSec, c = row.cells.libzmq?.msgPerSec;
    for (const cell of Object.values(row.cells)) {
      cell.vsPyzmq = ratio(cell.msgPerSec, py);
      cell.vsLibzmq = ratio(cell.msgPerSec, c);
    }
  }
  type HsCell = {
    runs: number[];
    secsRuns: number[];
    countRuns: number[];
    redone: number;
    errors: string[];
    perSec: number | null;
    perSecMin: number | null;
    perSecMax: number | null;
    vsPyzmq?: number | null;
    vsLibzmq?: number | null;
  };
  const hs = await suite<HsCell>(
    "hs",
    hsPairs,
    () => ({
      runs: [],
      secsRuns: [],
      countRuns: [],
      redone: 0,
      errors: [],
      perSec: null,
      perSecMin: null,
      perSecMax: null,
    }),
    (cell, x) => cell.runs.push(x.raw.perSec),
    (x) => `${Math.round(x.raw.perSec)} handshakes/s in ${x.secs.toFixed(2)} s`,
    CURVE_MATRIX.hs,
    CURVE_REPS,
  );
  for (const row of hs) {
    for (const cell of Object.values(row.cells)) {
      cell.perSec = median(cell.runs);
      cell.perSecMin = min(cell.runs);
      cell.perSecMax = max(cell.runs);
    }
    // Each against the references of its own mechanism.
    for (const [id, cell] of Object.entries(row.cells)) {
      const mech = id.split(":")[0];
      cell.vsPyzmq = ratio(cell.perSec, row.cells[`${mech}:pyzmq`]?.perSec);
      cell.vsLibzmq = ratio(cell.perSec, row.cells[`${mech}:libzmq`]?.perSec);
    }
  }
  const mine = loads.slice(before);
  const pairsOut = (ps: Pair[]) => ps.map(({ id, label, binder, env }) => ({ id, label, impl: binder, curve: !!env }));
  return {
    reps: CURVE_REPS,
    matrix: CURVE_MATRIX,
    timing: {
      targetS: CURVE_TARGET_S,
      minS: MIN_S,
      calibration: { throughput: CAL_CTHR, handshakes: CAL_HS },
      prime: CURVE_PRIME,
    },
    throughputPairs: pairsOut(thrPairs),
    handshakePairs: pairsOut(hsPairs),
    throughput: thr,
    handshakes: hs,
    skipped,
    load: {
      start: loadAt,
      end: loadNow(),
      perRun: { runs: mine.length, min: r2(min(mine) ?? 0), median: r2(median(mine) ?? 0), max: r2(max(mine) ?? 0) },
    },
  };
}

// The sender's memory while a slow PULL (ours on Node, ~20 k msg/s, RCVHWM
// 1000) lags behind: with SNDHWM 1000 it must level off; SNDHWM 0 (no
// limit) is the control that shows the measurement sees unbounded queueing.
async function memory() {
  const size = 1024;
  const cases = [
    { id: "node", hwm: 1000 },
    { id: "deno", hwm: 1000 },
    { id: "bun", hwm: 1000 },
    { id: "zeromqjs", hwm: 1000 },
    { id: "node", hwm: 0 },
  ].filter((c) => !quick || (c.id === "node" && c.hwm === 1000));
  const results = [];
  for (const c of cases) {
    const impl = IMPLS[c.id];
    const ep = endpointFor("tcp");
    sampleLoad();
    const slow = start(IMPLS.node, IMPLS.node.command("slowrecv", ep, String(size), "60"), "slowrecv");
    let s: Proc | undefined;
    // deno-lint-ignore no-explicit-any
    const row: any = { id: c.id, label: impl.label, sendHighWaterMark: c.hwm, count: MEM_COUNT, size };
    try {
      const ready = JSON.parse(await slow.nextLine(30_000)).ready;
      const cmd = impl.command("memsend", ready, String(size), String(MEM_COUNT));
      cmd.env = { ...cmd.env, BENCH_SNDHWM: String(c.hwm) };
      s = start(impl, cmd, "memsend");
      Object.assign(row, JSON.parse(await s.nextLine(RUN_TIMEOUT_S * 1000)));
      log(`mem ${c.id} hwm ${c.hwm}: rss ${row.rssBaseMB.toFixed(1)} -> peak ${row.rssPeakMB.toFixed(1)} MiB`);
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
const loadStart = loadNow();
const nodeLib = prepare(build, { npmBuild: !quick });
const keep = (p: Pair) => quick ? p.quick.length > 0 : (!p.extra || allPairs);
const thrPairs = THR_PAIRS.filter(keep);
const latPairs = LAT_PAIRS.filter(keep);
const curveThrPairs = CURVE_THR_PAIRS.filter(keep);
const hsPairs = HS_PAIRS.filter(keep);
const stageS: Record<string, number> = {};
const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
  const t = Date.now();
  try {
    return await f();
  } finally {
    stageS[name] = Math.round((Date.now() - t) / 1000);
  }
};
const results = {
  meta: {
    date: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    reps,
    stages: STAGES.filter((s) => only.has(s)),
    transports,
    matrix: MATRIX,
    trimmed: quick
      ? "quick mode: a smoke test (1 repetition, short cells, few pairs); not for comparing speeds"
      : "ipc:// only with `--transports tcp,ipc,ws` (64 B and 64 KiB throughput, 64 B latency); ws throughput " +
        "at 64 B and 64 KiB only, REQ/REP at 64 B and 64 KiB (no 1 KiB) and no ws latency; mixed pairs (ours against libzmq, our runtimes against each " +
        "other) only with --all-pairs; the memory stage sends 120,000 messages instead of 200,000. With every " +
        "cell timed ≥ 1 s, the untrimmed matrix would take well over the 10 minutes allowed on this machine " +
        "(with ipc and the pairs against libzmq, a run took 649 s under a load average of 5.5: process starts, " +
        "calibration runs and re-runs of runs that came out short under the changing load add up)",
    machine: machine(),
    versions: versions(nodeLib),
    timing: {
      targetS: TARGET_S,
      minS: MIN_S,
      calibration: { throughput: CAL_THR, latency: CAL_LAT, inproc: INPROC_CAL, threads: THREADS_CAL },
      warmup: "count / 4 untimed messages or round trips first, per size",
      prime: PRIME,
      memory: MEM_COUNT,
    },
    durationS: 0,
    stageS,
    load: {
      nproc: cpus().length,
      start: loadStart,
      end: loadStart,
      perRun: { runs: 0, min: 0, median: 0, max: 0 },
    },
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
  throughput: only.has("thr") ? await timed("throughput", () => throughput(thrPairs)) : [],
  latency: only.has("lat") ? await timed("latency", () => latency(latPairs)) : [],
  inproc: only.has("inproc") ? await timed("inproc", inproc) : null,
  memory: only.has("mem") ? await timed("memory", memory) : [],
  threads: only.has("threads") ? await timed("threads", threads) : null,
  curve: only.has("curve") ? await timed("curve", () => curve(curveThrPairs, hsPairs)) : null,
  // deno-lint-ignore no-explicit-any
} as any;
results.meta.durationS = Math.round((Date.now() - t0) / 1000);
results.meta.load.end = loadNow();
results.meta.load.perRun = {
  runs: loads.length,
  min: r2(Math.min(...loads)),
  median: r2(median(loads) ?? 0),
  max: r2(Math.max(...loads)),
};
mkdirSync(outDir, { recursive: true });
const out = join(outDir, "results.json");
// A full run of some stages only: the others as the last results.json had
// them, so that one stage can be re-run without the whole bench.
const skipped = STAGES.filter((s) => !only.has(s));
if (!quick && skipped.length > 0 && existsSync(out)) {
  const old = JSON.parse(readFileSync(out, "utf8"));
  const keys: Record<string, string[]> = {
    thr: ["throughput", "throughputPairs"],
    lat: ["latency", "latencyPairs"],
    inproc: ["inproc"],
    mem: ["memory"],
    threads: ["threads"],
    curve: ["curve"],
  };
  const stageName: Record<string, string> = {
    thr: "throughput",
    lat: "latency",
    inproc: "inproc",
    mem: "memory",
    threads: "threads",
    curve: "curve",
  };
  const kept = skipped.filter((s) => old[keys[s][0]] != null);
  for (const s of kept) {
    for (const k of keys[s]) results[k] = old[k];
  }
  if (kept.length > 0) {
    // When each kept stage was measured, and the load and length of that run.
    const when = (s: string) => old.meta.merged?.stages?.[stageName[s]] ?? old.meta.date;
    results.meta.merged = {
      stages: Object.fromEntries(kept.map((s) => [stageName[s], when(s)])),
      load: old.meta.merged?.load ?? old.meta.load,
      durationS: old.meta.merged?.durationS ?? old.meta.durationS,
      stageS: old.meta.merged?.stageS ?? old.meta.stageS,
      commit: old.meta.merged?.commit ?? old.meta.versions?.commit,
    };
    log(`kept from ${out}: ${JSON.stringify(results.meta.merged.stages)}`);
  }
}
writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
log(`wrote ${out} (${results.meta.durationS} s: ${JSON.stringify(stageS)}; load ${JSON.stringify(results.meta.load)})`);
const md = join(outDir, "RESULTS.md");
writeReport(out, md);
log(`wrote ${md}`);
// The smoke test's verdict: every cell measured, nothing failed (no speed).
const problems = validate(JSON.parse(readFileSync(out, "utf8")));
if (problems.length > 0) {
  log(`bench: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join("\n")}`);
  process.exitCode = 1;
}
