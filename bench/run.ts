// The cross-process benchmark harness (`npm run bench`, `deno task bench`).
//
// Throughput (PUSH -> PULL, two processes) and REQ/REP latency over tcp://
// and ipc:// for 1 B, 64 B, 1 KiB and 64 KiB, for libzmq (C programs in
// bench/c), zeromq.js on Node, this library on Node, Deno and Bun, and mixed
// pairs; inproc throughput; the sender's memory behind a slow consumer. One
// pair of processes measures all sizes of a row in turn; runs alternate
// between peers (the order rotates every repetition), each cell is the
// median of N runs, and every cell carries its ratio to zeromq.js and to
// libzmq. Writes bench/results.json, then bench/RESULTS.md (see report.ts).
//
//   deno run -A bench/run.ts [--quick] [--reps N] [--no-build] [--only thr,lat,inproc,mem]
//                            [--transports tcp,ipc] [--all-pairs]
//
// Node runs this library from compiled JS: the npm build when
// scripts/build_npm.ts exists (a private copy in .tmp/bench-npm), else a tsc
// build of the same sources into .tmp/bench-js, which always holds the
// compiled peer and codec bench.

import { cpus, loadavg } from "node:os";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { writeReport } from "./report.ts";
import {
  endpointFor,
  IMPLS,
  machine,
  prepare,
  type Proc,
  root,
  RUN_TIMEOUT_S,
  runPair,
  start,
  stop,
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
const only = new Set((value("--only") ?? "thr,lat,inproc,mem").split(","));
const build = !flag("--no-build");
const allPairs = flag("--all-pairs");
const transports = (value("--transports") ?? (quick ? "tcp" : "tcp,ipc,ws")).split(",");

const SIZES = [1, 64, 1024, 65536];
// Timed messages per throughput run and round trips per latency run, by
// size, each after count/4 untimed warm-up ones. The same count for every
// peer of a row; sized so that the slowest peer (zeromq.js) takes ~2 s.
const THR_COUNT: Record<number, number> = { 1: 160_000, 64: 160_000, 1024: 80_000, 65536: 8_000 };
const LAT_COUNT: Record<number, number> = { 1: 2_000, 64: 2_000, 1024: 2_000, 65536: 500 };
const scale = quick ? 0.5 : 1;
const thrCount = (size: number) => Math.round(THR_COUNT[size] * scale);
const latCount = (size: number) => Math.round(LAT_COUNT[size] * scale);
// Each run first measures (and drops) a 64 B block of this many messages or
// round trips: without it the first size of a run pays for the JIT warming
// up (Node: 1 B round trips 100-160 us first, 44 us once warm).
const PRIME = { size: 64, thr: quick ? 50_000 : 100_000, lat: quick ? 2_000 : 4_000 };
const INPROC_COUNT = quick ? 300_000 : 1_000_000;
const MEM_COUNT = quick ? 60_000 : 200_000;

/** A throughput or latency pairing: who binds (receiver / REP) and who connects. */
interface Pair {
  id: string;
  label: string;
  binder: string;
  connecter: string;
  transports: string[];
  /** In --quick runs too. */
  quick: boolean;
  /** Only with --all-pairs. */
  extra: boolean;
}

const pure = (id: string): Pair => ({
  id,
  label: IMPLS[id].label,
  binder: id,
  connecter: id,
  // libzmq's C build here (Debian's 4.3.4) has no ws transport.
  transports: id === "libzmq" ? ["tcp", "ipc"] : ["tcp", "ipc", "ws"],
  quick: true,
  extra: false,
});
const mixed = (send: string, recv: string, quick = false, extra = false): Pair => ({
  id: `${send}>${recv}`,
  label: `${IMPLS[send].label} -> ${IMPLS[recv].label}`,
  binder: recv,
  connecter: send,
  transports: ["tcp"],
  quick,
  extra,
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
  mixed("deno", "libzmq", false, true),
  mixed("libzmq", "deno", false, true),
  mixed("bun", "libzmq", false, true),
  mixed("libzmq", "bun", false, true),
];
const LAT_PAIRS: Pair[] = [
  pure("libzmq"),
  pure("zeromqjs"),
  pure("node"),
  pure("deno"),
  pure("bun"),
  { ...mixed("node", "libzmq", true), label: "ours (Node) REQ -> libzmq (C) REP" },
];

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

// Load average before each run: other work on the machine skews a run.
const loads: number[] = [];
const sampleLoad = () => loads.push(loadavg()[0]);

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

// One table row per (transport, size); a run of a pair fills its cell in
// every row of its transport.
function rowsFor<C>(pairs: Pair[], count: (s: number) => number, empty: () => C) {
  const rows = [];
  for (const transport of transports) {
    for (const size of SIZES) {
      const cells: Record<string, C> = {};
      for (const p of pairs) if (p.transports.includes(transport)) cells[p.id] = empty();
      rows.push({ transport, size, count: count(size), cells });
    }
  }
  return rows;
}

async function throughput(pairs: Pair[]) {
  const rows = rowsFor<ThrCell>(
    pairs,
    thrCount,
    () => ({ runs: [], mbRuns: [], errors: [], msgPerSec: null, mbPerSec: null }),
  );
  for (let r = 0; r < reps; r++) {
    for (const transport of transports) {
      for (const p of rotate(pairs.filter((p) => p.transports.includes(transport)), r)) {
        const mine = rows.filter((row) => row.transport === transport);
        sampleLoad();
        try {
          const res = await runPair(
            IMPLS[p.binder],
            "recv",
            IMPLS[p.connecter],
            "send",
            "binder",
            transport,
            [PRIME.size, ...SIZES],
            [PRIME.thr, ...SIZES.map(thrCount)],
          ).then((r) => r.slice(1));
          for (const row of mine) {
            const x = res.find((x) => x.size === row.size);
            row.cells[p.id].runs.push(x.msgPerSec);
            row.cells[p.id].mbRuns.push(x.mbPerSec);
          }
          log(`thr ${transport} ${p.id}: ${res.map((x) => `${x.size} B ${Math.round(x.msgPerSec)}/s`).join(", ")}`);
        } catch (e) {
          for (const row of mine) row.cells[p.id].errors.push((e as Error).message);
          log(`thr ${transport} ${p.id}: ERROR ${(e as Error).message}`);
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

async function latency(pairs: Pair[]) {
  const rows = rowsFor<LatCell>(
    pairs,
    latCount,
    () => ({ p50Runs: [], p99Runs: [], errors: [], p50us: null, p99us: null }),
  );
  for (let r = 0; r < reps; r++) {
    for (const transport of transports) {
      for (const p of rotate(pairs.filter((p) => p.transports.includes(transport)), r)) {
        const mine = rows.filter((row) => row.transport === transport);
        sampleLoad();
        try {
          const res = await runPair(
            IMPLS[p.binder],
            "rep",
            IMPLS[p.connecter],
            "req",
            "connecter",
            transport,
            [PRIME.size, ...SIZES],
            [PRIME.lat, ...SIZES.map(latCount)],
          ).then((r) => r.slice(1));
          for (const row of mine) {
            const x = res.find((x) => x.size === row.size);
            row.cells[p.id].p50Runs.push(x.p50us);
            row.cells[p.id].p99Runs.push(x.p99us);
          }
          log(`lat ${transport} ${p.id}: ${res.map((x) => `${x.size} B p50 ${x.p50us.toFixed(0)} us`).join(", ")}`);
        } catch (e) {
          for (const row of mine) row.cells[p.id].errors.push((e as Error).message);
          log(`lat ${transport} ${p.id}: ERROR ${(e as Error).message}`);
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
      const impl = IMPLS[id];
      sampleLoad();
      const p = start(impl, impl.command("inproc", `bench-${r}`, String(size), String(INPROC_COUNT)), "inproc");
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
  ];
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
const nodeLib = prepare(build);
const keep = (p: Pair) => quick ? p.quick : (!p.extra || allPairs);
const thrPairs = THR_PAIRS.filter(keep);
const latPairs = LAT_PAIRS.filter(keep);
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
    transports,
    machine: machine(),
    versions: versions(nodeLib),
    counts: {
      throughput: Object.fromEntries(SIZES.map((s) => [s, thrCount(s)])),
      latency: Object.fromEntries(SIZES.map((s) => [s, latCount(s)])),
      warmup: "count / 4 untimed messages or round trips first, per size",
      prime: PRIME,
      inproc: INPROC_COUNT,
      memory: MEM_COUNT,
    },
    durationS: 0,
    stageS,
    load: { nproc: cpus().length, min: 0, median: 0, max: 0 },
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
};
results.meta.durationS = Math.round((Date.now() - t0) / 1000);
const r2 = (x: number) => Math.round(x * 100) / 100;
results.meta.load = {
  nproc: cpus().length,
  min: r2(Math.min(...loads)),
  median: r2(median(loads) ?? 0),
  max: r2(Math.max(...loads)),
};
const out = join(root, "bench", "results.json");
writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
log(`wrote ${out} (${results.meta.durationS} s: ${JSON.stringify(stageS)}; load ${JSON.stringify(results.meta.load)})`);
writeReport(out, join(root, "bench", "RESULTS.md"));
log(`wrote ${join(root, "bench", "RESULTS.md")}`);
