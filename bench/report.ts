// Regenerates bench/RESULTS.md from bench/results.json (`npm run bench:report`).
// The tables and the issue-5 verdicts are computed here, never typed.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// deno-lint-ignore no-explicit-any
type Json = any;

const TRANSPORTS = ["tcp", "ipc", "ws"];
const SIZE_NAME: Record<number, string> = { 1: "1 B", 64: "64 B", 1024: "1 KiB", 65536: "64 KiB" };
const sizeName = (s: number) => SIZE_NAME[s] ?? `${s} B`;

function rate(x: number | null | undefined): string {
  if (x == null) return "–";
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(0)} k`;
  return x.toFixed(0);
}
// Tasks/s: tens of thousands, so one decimal of the thousands.
const krate = (x: number | null | undefined) => x == null ? "–" : x >= 1e6 ? rate(x) : `${(x / 1e3).toFixed(1)} k`;
const mb = (x: number | null | undefined) => x == null ? "–" : x >= 100 ? x.toFixed(0) : x.toFixed(1);
const us = (x: number | null | undefined) => x == null ? "–" : x >= 1000 ? x.toFixed(0) : x.toFixed(1);
const times = (x: number | null | undefined) => x == null ? "–" : `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;

const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a != null && b != null && b > 0 ? a / b : null;
const min = (xs: number[] | undefined) => xs?.length ? Math.min(...xs) : null;
const max = (xs: number[] | undefined) => xs?.length ? Math.max(...xs) : null;

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map((_, i) => i === 0 ? "---" : "---:")), ...rows.map(line)].join("\n");
}

const cellOf = (rows: Json[], transport: string, size: number, id: string) =>
  rows.find((r: Json) => r.transport === transport && r.size === size)?.cells?.[id];

// "median [min–max]" over the repetitions, in the unit of `fmt`.
const spread = (fmt: (x: number) => string, med: number, lo: number | null, hi: number | null, n: number) =>
  n > 1 && lo != null && hi != null ? `${fmt(med)} [${fmt(lo)}–${fmt(hi)}]` : fmt(med);

// The timed seconds and counts of a table: shortest run, and the count range.
function timingNote(rows: Json[]): string {
  const secs: number[] = [], cnt: number[] = [];
  let redone = 0;
  for (const row of rows) {
    for (const c of Object.values(row.cells) as Json[]) {
      secs.push(...(c.secsRuns ?? []));
      cnt.push(...(c.countRuns ?? []));
      redone += c.redone ?? 0;
    }
  }
  if (secs.length === 0) return "";
  const n = (x: number) => x.toLocaleString("en-US");
  return `Timed part of each run: ${Math.min(...secs).toFixed(2)}–${Math.max(...secs).toFixed(2)} s ` +
    `(counts ${n(Math.min(...cnt))}–${n(Math.max(...cnt))}, calibrated per peer and size` +
    (redone ? `; ${redone} run(s) redone with a larger count for being short` : "") + ").";
}

function throughputSection(r: Json, transport: string): string {
  const rows: Json[] = r.throughput.filter((x: Json) => x.transport === transport);
  if (rows.length === 0) return "";
  const sizes = rows.map((x) => x.size);
  const pairs: Json[] = r.throughputPairs.filter((p: Json) => rows.some((x) => x.cells[p.id]));
  const body = pairs.map((p) => [
    p.label,
    ...sizes.map((s) => {
      const c = cellOf(rows, transport, s, p.id);
      if (!c || c.msgPerSec == null) return c?.errors?.length ? "error" : "–";
      return spread(rate, c.msgPerSec, c.msgPerSecMin, c.msgPerSecMax, c.runs.length) +
        (s >= 1024 ? ` (${mb(c.mbPerSec)} MB/s)` : "");
    }),
  ]);
  const ratios = pairs.filter((p) => p.id !== "libzmq" && p.id !== "zeromqjs").map((p) => [
    p.label,
    ...sizes.map((s) => {
      const c = cellOf(rows, transport, s, p.id);
      return `${times(c?.vsZeromqjs)} / ${times(c?.vsLibzmq)}`;
    }),
  ]);
  return [
    `### Throughput, ${transport}:// (messages/s; PUSH -> PULL, sender -> receiver)`,
    "",
    `Median [min–max] of ${r.meta.reps} run(s), timed by the receiver from the last warm-up message to the last ` +
    `message (MB/s of the median from 1 KiB up). ${timingNote(rows)}`,
    "",
    table(["sender -> receiver", ...sizes.map(sizeName)], body),
    "",
    `Ratio of the medians to zeromq.js / to libzmq (higher is better):`,
    "",
    table(["", ...sizes.map(sizeName)], ratios),
    "",
  ].join("\n");
}

function latencySection(r: Json, transport: string): string {
  const rows: Json[] = r.latency.filter((x: Json) => x.transport === transport);
  if (rows.length === 0) return "";
  const sizes = rows.map((x) => x.size);
  const pairs: Json[] = r.latencyPairs.filter((p: Json) => rows.some((x) => x.cells[p.id]));
  const body = pairs.map((p) => [
    p.label,
    ...sizes.map((s) => {
      const c = cellOf(rows, transport, s, p.id);
      if (!c || c.p50us == null) return c?.errors?.length ? "error" : "–";
      const n = c.p50Runs.length;
      return `${spread(us, c.p50us, c.p50Min, c.p50Max, n)} / ${spread(us, c.p99us, c.p99Min, c.p99Max, n)}`;
    }),
  ]);
  const ratios = pairs.filter((p) => p.id !== "libzmq").map((p) => [
    p.label,
    ...sizes.map((s) => times(cellOf(rows, transport, s, p.id)?.vsLibzmq)),
  ]);
  return [
    `### REQ/REP round trip, ${transport}:// (p50 / p99, µs)`,
    "",
    `Median [min–max] of ${r.meta.reps} run(s) of each percentile, after a quarter as many untimed round trips. ` +
    timingNote(rows),
    "",
    table(["REQ/REP", ...sizes.map(sizeName)], body),
    "",
    "p50 relative to libzmq (lower is better):",
    "",
    table(["", ...sizes.map(sizeName)], ratios),
    "",
  ].join("\n");
}

interface Target {
  name: string;
  measured: string;
  ratio: number | null;
  met: boolean | null; // null: not measured
  /** The status when the target asks for a figure, not a threshold ("reported"). */
  status?: string;
}

function targets(r: Json): Target[] {
  const out: Target[] = [];
  const thr = (id: string, size: number) => cellOf(r.throughput, "tcp", size, id)?.msgPerSec ?? null;
  const lat = (id: string, size: number) => cellOf(r.latency, "tcp", size, id);
  const check = (name: string, measured: string, ratio: number | null, ok: (x: number) => boolean) =>
    out.push({ name, measured, ratio, met: ratio == null ? null : ok(ratio) });

  const node64 = thr("node", 64), zjs64 = thr("zeromqjs", 64), c64 = thr("libzmq", 64);
  check(
    "64 B tcp throughput, ours on Node ≥ 5× zeromq.js",
    `${rate(node64)} vs ${rate(zjs64)} msg/s`,
    node64 != null && zjs64 ? node64 / zjs64 : null,
    (x) => x >= 5,
  );
  check(
    "64 B tcp throughput, ours on Node ≥ 0.5× libzmq",
    `${rate(node64)} vs ${rate(c64)} msg/s`,
    node64 != null && c64 ? node64 / c64 : null,
    (x) => x >= 0.5,
  );
  for (const id of ["deno", "bun"]) {
    const v = thr(id, 64);
    check(
      `64 B tcp throughput, ours on ${id === "deno" ? "Deno" : "Bun"} in Node's class (0.5×–2× of Node)`,
      `${rate(v)} vs ${rate(node64)} msg/s`,
      v != null && node64 ? v / node64 : null,
      (x) => x >= 0.5 && x <= 2,
    );
  }
  const c64k = thr("libzmq", 65536);
  for (const id of ["node", "deno", "bun"]) {
    const v = thr(id, 65536);
    const name = r.impls[id].label;
    check(
      `64 KiB tcp throughput, ${name} ≥ libzmq`,
      `${rate(v)} vs ${rate(c64k)} msg/s`,
      v != null && c64k ? v / c64k : null,
      (x) => x >= 1,
    );
  }
  const cl = lat("libzmq", 64);
  for (const id of ["node", "deno", "bun"]) {
    const l = lat(id, 64);
    check(
      `64 B tcp REQ/REP p50, ${r.impls[id].label} ≤ 1.2× libzmq (p99 reported)`,
      l?.p50us != null
        ? `p50 ${us(l.p50us)} µs vs ${us(cl?.p50us)} µs; p99 ${us(l.p99us)} µs vs ${us(cl?.p99us)} µs`
        : "–",
      l?.p50us != null && cl?.p50us ? l.p50us / cl.p50us : null,
      (x) => x <= 1.2,
    );
  }
  for (const id of ["node", "deno", "bun"]) {
    const v = r.inproc?.cells?.[id]?.msgPerSec ?? null;
    check(
      `64 B inproc throughput, ${r.impls[id].label} ≥ 5 M msg/s`,
      r.inproc ? `${rate(v)} msg/s` : "not measured",
      v != null ? v / 5e6 : null,
      (x) => x >= 1,
    );
  }
  for (const m of r.memory ?? []) {
    if (m.sendHighWaterMark !== 1000 || m.id === "zeromqjs") continue;
    const v = memoryVerdict(m);
    out.push({
      name: `memory: ${m.label} sender behind a slow PULL, SNDHWM 1000, 1 KiB, stays bounded`,
      measured: m.error
        ? `error: ${m.error.slice(0, 80)}`
        : `RSS ${mb(m.rssBaseMB)} -> peak ${mb(m.rssPeakMB)} MiB; second half of the run (${
          mb(v.payload)
        } MiB sent): ` +
          `RSS peak ${signed(v.rssLate)} MiB` + (v.liveLate == null ? "" : `, live memory ${signed(v.liveLate)} MiB`),
      ratio: null,
      met: m.error ? null : v.bounded,
    });
  }
  return out;
}

// Issue 15's throughput, latency and CURVE targets.
function targets15(r: Json): Target[] {
  const out: Target[] = [];
  const thr = (id: string, size: number) => cellOf(r.throughput, "tcp", size, id)?.msgPerSec ?? null;
  for (const size of [64, 1024, 65536]) {
    const c = thr("libzmq", size);
    for (const id of ["bun", "deno", "node"]) {
      const v = thr(id, size);
      const x = v != null && c ? v / c : null;
      out.push({
        name: `${sizeName(size)} tcp throughput, ${r.impls[id].label} ≥ 1.2× libzmq (C)`,
        measured: `${rate(v)} vs ${rate(c)} msg/s`,
        ratio: x,
        met: x == null ? null : x >= 1.2,
      });
    }
  }
  const cl = cellOf(r.latency, "tcp", 64, "libzmq");
  for (const id of ["bun", "deno", "node"]) {
    const l = cellOf(r.latency, "tcp", 64, id);
    for (const [p, key] of [["p50", "p50us"], ["p99", "p99us"]]) {
      const x = l?.[key] != null && cl?.[key] ? l[key] / cl[key] : null;
      out.push({
        name: `64 B tcp REQ/REP ${p}, ${r.impls[id].label} ≤ libzmq (C)`,
        measured: l?.[key] != null ? `${us(l[key])} vs ${us(cl?.[key])} µs` : "–",
        ratio: x,
        met: x == null ? null : x <= 1,
      });
    }
  }
  const ct = (id: string) => cellOf(r.curve?.throughput ?? [], "tcp", 64, id)?.msgPerSec ?? null;
  const py = ct("pyzmq");
  for (const id of ["bun", "deno", "node"]) {
    const v = ct(id);
    const x = v != null && py ? v / py : null;
    out.push({
      name: `CURVE 64 B tcp throughput, ${r.impls[id].label} ≥ libzmq (pyzmq)`,
      measured: r.curve ? `${rate(v)} vs ${rate(py)} msg/s` : "not measured",
      ratio: x,
      met: x == null ? null : x >= 1,
    });
  }
  const hs = (id: string) => cellOf(r.curve?.handshakes ?? [], "tcp", r.curve?.matrix?.hs?.tcp?.[0], id)?.perSec;
  for (const id of ["bun", "deno", "node"]) {
    const v = hs(`curve:${id}`), p = hs("curve:pyzmq"), c = hs("curve:libzmq");
    const x = v != null && c ? v / c : null;
    out.push({
      name: `CURVE handshakes/s (tcp, one at a time), ${r.impls[id].label}, reported next to libzmq's (ratio to C)`,
      measured: r.curve
        ? `${hsRate(v)} vs ${hsRate(c)} (C)${p != null ? `, ${hsRate(p)} (pyzmq)` : ""} handshakes/s`
        : "not measured",
      ratio: x,
      met: null,
      status: v != null ? "reported" : undefined,
    });
  }
  return out;
}

const hsRate = (x: number | null | undefined) => x == null ? "–" : x.toFixed(0);

// The curve stage: CURVE throughput, and handshakes/s for CURVE and NULL.
function curveSection(r: Json): string {
  const c = r.curve;
  if (!c) return "### CURVE\n\nNot measured in this run.\n";
  const skipped = (c.skipped ?? []).map((x: Json) => `Skipped ${r.impls[x.id]?.label ?? x.id}: ${x.reason}.`).join(" ");
  const thrRows: Json[] = c.throughput;
  const sizes = thrRows.map((x) => x.size);
  const refs = ["libzmq", "pyzmq"];
  const thrBody = c.throughputPairs.map((p: Json) => [
    p.label,
    ...sizes.map((s) => {
      const x = cellOf(thrRows, "tcp", s, p.id);
      if (!x || x.msgPerSec == null) return x?.errors?.length ? "error" : "–";
      return spread(rate, x.msgPerSec, x.msgPerSecMin, x.msgPerSecMax, x.runs.length) +
        (s >= 1024 ? ` (${mb(x.mbPerSec)} MB/s)` : "");
    }),
  ]);
  const thrRatios = c.throughputPairs.filter((p: Json) => !refs.includes(p.id)).map((p: Json) => [
    p.label,
    ...sizes.map((s) => {
      const x = cellOf(thrRows, "tcp", s, p.id);
      return `${times(x?.vsPyzmq)} / ${times(x?.vsLibzmq)}`;
    }),
  ]);
  const hsRow = c.handshakes[0];
  const hsCell = (mech: string, id: string) => hsRow?.cells?.[`${mech}:${id}`];
  const ids: string[] = [...new Set<string>(c.handshakePairs.map((p: Json) => p.impl))];
  const hsShow = (x: Json) =>
    !x ? "–" : x.perSec == null ? (x.errors?.length ? "error" : "–") : spread(
      hsRate,
      x.perSec,
      x.perSecMin,
      x.perSecMax,
      x.runs.length,
    );
  // NULL and pyzmq's handshakes are in the table when measured (--all-pairs).
  const withNull = ids.some((id) => hsCell("null", id));
  const withPy = ids.includes("pyzmq");
  const vs = (x: Json) => withPy ? `${times(x?.vsPyzmq)} / ${times(x?.vsLibzmq)}` : times(x?.vsLibzmq);
  const vsHead = withPy ? "to pyzmq / to C" : "to libzmq (C)";
  const hsBody = ids.map((id) => {
    const cu = hsCell("curve", id), nu = hsCell("null", id);
    const ref = refs.includes(id);
    return [
      r.impls[id].label,
      hsShow(cu),
      ref ? "" : vs(cu),
      ...(withNull ? [hsShow(nu), ref || !nu ? "" : vs(nu), times(ratio(cu?.perSec, nu?.perSec))] : []),
    ];
  });
  const hsHead = ["client / server", "CURVE", vsHead, ...(withNull ? ["NULL", vsHead, "CURVE / NULL"] : [])];
  const l = c.load;
  const at = (x: Json) => x ? `${x.m1} / ${x.m5} / ${x.m15}` : "–";
  return [
    "### CURVE over tcp:// (two processes, the same implementation at both ends)",
    "",
    `Median [min–max] of ${c.reps} run(s) per cell${
      c.reps < r.meta.reps ? " (fewer than the other stages: see Method)" : ""
    }. ` +
    `Load average (1 / 5 / 15 min): ${at(l?.start)} at the start of the stage, ${at(l?.end)} at its end; ` +
    `1 min before each of its ${l?.perRun?.runs ?? "–"} runs: min ${l?.perRun?.min ?? "–"}, median ${
      l?.perRun?.median ?? "–"
    }, max ${l?.perRun?.max ?? "–"}.` + (skipped ? ` ${skipped}` : ""),
    "",
    "CURVE PUSH -> PULL throughput (messages/s), timed by the receiver as in the throughput tables. " +
    timingNote(thrRows),
    "",
    table(["sender -> receiver", ...sizes.map(sizeName)], thrBody),
    "",
    "Ratio of the medians to libzmq (pyzmq) / to libzmq (C) (higher is better):",
    "",
    table(["", ...sizes.map(sizeName)], thrRatios),
    "",
    "Handshakes/s, one at a time: the client process creates a REQ, connects, sends one " +
    `${sizeName(hsRow?.size ?? 1)} request, waits for the reply (the handshake is complete then) and closes the ` +
    "socket, again and again, against a REP in the other process; ratios of the medians to libzmq's of the same " +
    `mechanism. ${timingNote(c.handshakes)}`,
    "",
    table(hsHead, hsBody),
    "",
  ].join("\n");
}

// How far memory rises over the second half of the run: from the median
// of the checkpoints after 30..60% of the messages to the median of those
// after 80..100%. About the bytes sent meanwhile for an unbounded queue (the
// SNDHWM 0 control), little for a bounded one. Medians, so that one GC
// sawtooth tooth or one late collection does not decide.
function lateRise(xs: number[] | undefined): number | null {
  if (!xs || xs.length < 10) return null;
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  return med(xs.slice(7)) - med(xs.slice(2, 6));
}

// Bounded: the rise is at most a tenth of the bytes sent meanwhile (45% of
// them, centre to centre). Judged on live memory after a forced GC when we
// have it for our own library (RSS also moves with the collector's heap
// sizing), else on RSS (zeromq.js keeps its queues in native memory, which
// only RSS sees).
function memoryVerdict(m: Json): { rssLate: number; liveLate: number | null; payload: number; bounded: boolean } {
  const payload = 0.45 * m.sent * m.size / 2 ** 20;
  const rssLate = lateRise(m.checkpointsMB) ?? NaN;
  const liveLate = m.id === "zeromqjs" ? null : lateRise(m.retainedMB);
  const judged = liveLate ?? rssLate;
  return { rssLate, liveLate, payload, bounded: judged <= 0.1 * payload };
}

const signed = (x: number | null) => x == null || Number.isNaN(x) ? "–" : `${x >= 0 ? "+" : ""}${mb(x)}`;

function inprocSection(r: Json): string {
  if (!r.inproc) return "### inproc\n\nNot measured in this run.\n";
  const rows = Object.entries(r.inproc.cells).map(([id, c]: [string, Json]) => [
    r.impls[id].label,
    c.msgPerSec == null
      ? "error"
      : `${spread(rate, c.msgPerSec, c.msgPerSecMin, c.msgPerSecMax, c.runs.length)} (${
        mb(c.msgPerSec * r.inproc.size / 1e6)
      } MB/s)`,
  ]);
  const floor = Object.entries(r.inproc.floor ?? {}).map(([id, c]: [string, Json]) => [
    r.impls[id].label,
    c.msgPerSec == null ? "error" : spread(rate, c.msgPerSec, c.msgPerSecMin, c.msgPerSecMax, c.runs.length),
    c.msgPerSec == null ? "–" : (1e9 / c.msgPerSec).toFixed(0),
  ]);
  return [
    `### inproc:// (one process, PUSH -> PULL, ${sizeName(r.inproc.size)})`,
    "",
    `Median [min–max] of ${r.meta.reps} run(s), timed from the last of a quarter as many untimed messages. ` +
    timingNote([r.inproc]),
    "",
    table(["", "messages/s"], rows),
    "",
    ...(floor.length === 0 ? [] : [
      "The floor: the same `await receive()` loop with no socket behind it (`bench/peers/peer.ts floor`: a " +
      "promise per message, already resolved with a one-frame message, a Buffer view as `receive()` hands " +
      "out), the cost of the API's shape alone on each runtime. A sender's `await send()` costs about as much " +
      "again. " + timingNote([{ cells: r.inproc.floor }]),
      "",
      table(["", "messages/s", "ns per message"], floor),
      "",
    ]),
  ].join("\n");
}

// Issue 12's targets: inproc between threads.
function targets12(r: Json): Target[] {
  const out: Target[] = [];
  const t = r.threads;
  for (const id of ["node", "deno", "bun"]) {
    const v = t?.cells?.[id]?.pipe?.value ?? null;
    out.push({
      name: `64 B inproc PUSH -> PULL between two threads, ${r.impls[id].label} ≥ 2 M msg/s`,
      measured: t ? `${rate(v)} msg/s` : "not measured",
      ratio: v != null ? v / 2e6 : null,
      met: v == null ? null : v >= 2e6,
    });
  }
  for (const id of ["node", "deno", "bun"]) {
    const one = t?.cells?.[id]?.vent1?.value ?? null, two = t?.cells?.[id]?.vent2?.value ?? null;
    const x = one && two != null ? two / one : null;
    out.push({
      name: `ventilator -> workers -> sink, 2 worker threads ≥ 1.7× 1, ${r.impls[id].label}`,
      measured: t ? `${krate(two)} vs ${krate(one)} tasks/s` : "not measured",
      ratio: x,
      met: x == null ? null : x >= 1.7,
    });
  }
  return out;
}

function threadsSection(r: Json): string {
  const t = r.threads;
  if (!t) return "### inproc:// between threads\n\nNot measured in this run.\n";
  const ids = Object.keys(t.cells);
  const label = (id: string) => r.impls[id]?.label ?? id;
  const n = (c: Json) => c?.runs?.length ?? 0;
  const val = (c: Json, fmt: (x: number) => string) =>
    c?.value == null ? (c?.errors?.length ? "error" : "–") : spread(fmt, c.value, c.valueMin, c.valueMax, n(c));
  const pipeRows = ids.map((id) => {
    const two = t.cells[id].pipe?.value ?? null;
    const one = r.inproc?.cells?.[id]?.msgPerSec ?? null;
    const tcp = cellOf(r.throughput ?? [], "tcp", 64, id)?.msgPerSec ?? null;
    return [
      label(id),
      val(t.cells[id].pipe, rate),
      rate(one),
      rate(tcp),
      times(ratio(two, one)),
      times(ratio(two, tcp)),
    ];
  });
  const perWorker = (c: Json) => {
    const last = c?.perWorkerRuns?.at(-1) as number[] | undefined;
    if (!last) return "–";
    const sum = last.reduce((a, b) => a + b, 0);
    return last.map((x) => `${Math.round(100 * x / sum)}%`).join(" ");
  };
  const ventRows = ids.map((id) => {
    const c = t.cells[id];
    return [
      label(id),
      val(c.vent1, krate),
      val(c.vent2, krate),
      val(c.vent4, krate),
      times(ratio(c.vent2?.value, c.vent1?.value)),
      times(ratio(c.vent4?.value, c.vent1?.value)),
      `${perWorker(c.vent2)}; ${perWorker(c.vent4)}`,
      val(c.bare1, krate),
      val(c.bare2, krate),
      times(ratio(c.bare2?.value, c.bare1?.value)),
    ];
  });
  const latRows = ids.map((id) => {
    const c = t.cells[id].lat;
    if (c?.value == null) return [label(id), c?.errors?.length ? "error" : "–", "–"];
    return [
      label(id),
      spread(us, c.value, c.valueMin, c.valueMax, n(c)),
      spread(us, c.p99us, min(c.p99Runs), max(c.p99Runs), n(c)),
    ];
  });
  const tcpLat = (id: string) => cellOf(r.latency ?? [], "tcp", 64, id);
  for (const row of latRows) {
    const id = ids[latRows.indexOf(row)];
    row.push(tcpLat(id)?.p50us != null ? `${us(tcpLat(id).p50us)} / ${us(tcpLat(id).p99us)}` : "–");
  }
  const l = t.load;
  const at = (x: Json) => x ? `${x.m1} / ${x.m5} / ${x.m15}` : "–";
  const taskUs = Object.entries(t.taskUs ?? {}).map(([id, x]) => `${label(id)} ${us(x as number)} µs`).join(", ");
  const cells = ids.flatMap((id) => Object.values(t.cells[id]));
  return [
    "### inproc:// between threads (one process, Worker threads)",
    "",
    `Median [min–max] of ${r.meta.reps} run(s); one process per runtime and run measures every case in turn, ` +
    "each with fresh workers and a quarter as many untimed messages, tasks or round trips first. " +
    timingNote([{ cells: Object.fromEntries(cells.map((c, i) => [i, c])) }]) +
    ` Load average (1 / 5 / 15 min) on ${r.meta.machine.nproc} cores: ${at(l?.start)} at the start of the stage, ` +
    `${at(l?.end)} at its end; 1 min before each of its ${l?.perRun?.runs ?? "–"} runs: min ${
      l?.perRun?.min ?? "–"
    }, median ${l?.perRun?.median ?? "–"}, max ${l?.perRun?.max ?? "–"}.`,
    "",
    `64 B PUSH (a worker) -> PULL (the main thread), messages/s, next to inproc within one thread and tcp ` +
    "loopback between two processes (the inproc and tcp tables" +
    (r.meta.merged ? ", possibly of an earlier run: see Setup" : "") +
    "):",
    "",
    table(["", "two threads", "one thread", "tcp, two processes", "threads / one thread", "threads / tcp"], pipeRows),
    "",
    `Ventilator (main thread, PUSH) -> N worker threads (PULL, task, PUSH) -> sink (main thread, PULL), tasks/s: ` +
    `each task is the same fixed busy loop (${t.taskIters?.toLocaleString("en-US") ?? "–"} xorshift rounds; ` +
    `alone on the main thread: ${taskUs || "–"}), timed from the first task sent to the last result in. ` +
    `Share of the tasks per worker (last run, N = 2; N = 4) shows how PUSH's round robin spread them. ` +
    `The machine has ${r.meta.machine.nproc} cores, and the main thread (ventilator and sink) needs one too. ` +
    "The control (no sockets): the same tasks split over 1 and 2 worker threads that only run them, started " +
    "and told they are done by the runtime's own worker messages, timed in the same process right after: how far " +
    "the machine let 2 threads scale at that moment.",
    "",
    table(
      ["", "N = 1", "N = 2", "N = 4", "2 / 1", "4 / 1", "tasks per worker", "control: 1", "control: 2", "2 / 1"],
      ventRows,
    ),
    "",
    "REQ (main thread) -> REP (a worker), 64 B, round trip p50 and p99 (µs), next to tcp between two processes:",
    "",
    table(["", "p50", "p99", "tcp p50 / p99"], latRows),
    "",
  ].join("\n");
}

function memorySection(r: Json): string {
  if (!r.memory?.length) return "### Memory\n\nNot measured in this run.\n";
  const list = (xs: number[] | undefined) => (xs ?? []).map((x) => x.toFixed(0)).join(" ");
  const rows = r.memory.map((m: Json) => {
    if (m.error) return [m.label, String(m.sendHighWaterMark), "error", "", "", "", "", "", ""];
    const v = memoryVerdict(m);
    return [
      m.label,
      m.sendHighWaterMark === 0 ? "0 (no limit)" : String(m.sendHighWaterMark),
      `${mb(m.rssBaseMB)} / ${mb(m.rssPeakMB)}`,
      list(m.checkpointsMB),
      signed(v.rssLate),
      list(m.retainedMB),
      signed(lateRise(m.retainedMB)),
      v.bounded ? "bounded" : "growing",
      m.secs.toFixed(1),
    ];
  });
  const m0 = r.memory[0];
  return [
    `### Memory: the sender behind a slow consumer`,
    "",
    `The sender pushes ${m0.sent.toLocaleString("en-US")} fresh ${sizeName(m0.size)} messages as fast as \`send()\` ` +
    `resolves (${mb(m0.sent * m0.size / 2 ** 20)} MiB in all); the receiver (ours on Node, RCVHWM 1000) reads ` +
    "about 20 k msg/s. In MiB: RSS at the start and its peak (sampled every 100 ms); RSS after each tenth of " +
    'the messages; live memory (JS heap + buffers) after a forced GC at the same points. "Rise" is the median ' +
    "of the checkpoints after 80-100% of the messages minus the median of those after 30-60%: bounded means at " +
    "most a tenth of the bytes sent meanwhile (judged on live memory for this library, on RSS for zeromq.js, whose queues are native). The " +
    "SNDHWM 0 row is the control: no limit, so the backlog grows with every message.",
    "",
    table(
      ["sender", "SNDHWM", "RSS start / peak", "RSS after each 10%", "rise", "live after each 10%", "rise", "", "s"],
      rows,
    ),
    "",
  ].join("\n");
}

function loadLine(r: Json): string {
  const l = r.meta.load;
  if (!l) return "";
  const per = l.perRun ?? l;
  const busy = per.median > 0.75 * l.nproc
    ? " **The machine was busy with other work during this run: absolute numbers are noisy; compare ratios.**"
    : "";
  const stages = Object.entries(r.meta.stageS ?? {}).map(([k, v]) => `${k} ${v} s`).join(", ");
  const at = (x: Json) => x ? `${x.m1} / ${x.m5} / ${x.m15}` : "–";
  return `- Load average (1 / 5 / 15 min) on ${l.nproc} cores: ${at(l.start)} at the start, ${at(l.end)} at the end; ` +
    `1 min before each of the ${per.runs ?? "–"} runs: min ${per.min}, median ${per.median}, max ${per.max}. ` +
    `Time per stage: ${stages}.${busy}`;
}

// Why a target can be missed, from the CPU profiles (bench/PROFILE.md,
// regenerated by `deno run -A bench/profile.ts`); printed only for the
// targets this run missed.
const WHY: [RegExp, string][] = [
  [
    /^64 B tcp throughput, ours on Node/,
    "Node: each side pays one promise per message for `await send()`/`await receive()` (send_/receive_ and " +
    "runMicrotasks in PROFILE.md) plus a view and an array per received message; the codec itself costs ~50 ns " +
    "per message (bench/codec_bench.ts).",
  ],
  [
    /^64 B tcp throughput, ours on Deno/,
    "Deno: each read is an `await conn.read()` op with a copy of the chunk (op_read and #readLoop in PROFILE.md).",
  ],
  [
    /^64 KiB tcp throughput/,
    "64 KiB: on Deno the rest of a body under way is read straight into its buffer and the next frame into a " +
    "buffer of its size (FrameDecoder.target/readSize), and what is left is the sender's: `op_write` is most " +
    "of its busy time in PROFILE.md, two writes per message (the header, then the body uncopied), as Deno.Conn " +
    "has no writev. Node and Bun hand over chunks they allocate " +
    "themselves (Node 64 KiB per read), so a frame that spans two chunks is copied into its body once " +
    "(FrameDecoder's #add and `set` in PROFILE.md's 64 KiB sections). Both sides of ours are also below full " +
    "CPU there (the profiles' busy share): loopback TCP's own copies and wake-ups weigh as much as ours.",
  ],
  [
    /^ventilator -> workers -> sink/,
    "scaling: N worker threads share the machine's cores with the main thread (ventilator and sink) and with " +
    "whatever else runs; the load average of the threads stage (in its section) counts the latter. A load " +
    "average above the number of cores leaves a second worker little CPU of its own to add: the control columns " +
    "(the same tasks on 1 and 2 threads with no sockets) show how far the machine itself scaled then.",
  ],
];

const RUNTIME: Record<string, string> = { node: "Node", deno: "Deno", bun: "Bun" };

// A file beside this one: the results other benches write (epgm.mjs, profile.ts).
const benchFile = (name: string) => join(dirname(fileURLToPath(import.meta.url)), name);

// Issue 15's small-message throughput targets, missed: the time per
// message each side of ours takes, against what 1.2× libzmq leaves, and how
// much of it the API's shape alone costs (the inproc stage's floor).
function whyThroughput(ts: Target[], r: Json): string[] {
  const lines: string[] = [];
  for (const size of [64, 1024]) {
    const c = cellOf(r.throughput ?? [], "tcp", size, "libzmq")?.msgPerSec;
    if (!c) continue;
    const parts: string[] = [];
    const names: string[] = [];
    for (const id of ["node", "deno", "bun"]) {
      const t = ts.find((x) =>
        x.met === false && x.name.startsWith(`${sizeName(size)} tcp throughput, ours (${RUNTIME[id]}) ≥ 1.2×`)
      );
      const v = cellOf(r.throughput ?? [], "tcp", size, id)?.msgPerSec;
      if (!t || !v) continue;
      names.push(t.name);
      const f = r.inproc?.floor?.[id]?.msgPerSec;
      parts.push(
        `${RUNTIME[id]} takes ${(1e9 / v).toFixed(0)} ns per message` +
          (f ? `, of which \`await receive()\` alone (the floor) is ${(1e9 / f).toFixed(0)} ns` : ""),
      );
    }
    if (names.length === 0) continue;
    lines.push(
      `- ${names.join("; ")}: 1.2× libzmq (C) leaves ${(1e9 / (1.2 * c)).toFixed(0)} ns per message, and ` +
        `${parts.join("; ")}` + (r.inproc?.floor ? " (the floor: the inproc section, measured in this run)" : "") +
        ". Beyond the promise each message costs its frame view, its array and the pipe (GC and `#done`'s " +
        "promise lead PROFILE.md's receiver profiles; `write`/`op_write` and the encoder's copy the senders'), " +
        "and the two ends share the machine's 2 cores. One promise per message is the API (zeromq.js's); " +
        "libzmq's loop pays none.",
    );
  }
  const inproc: string[] = [], inprocNames: string[] = [];
  for (const id of ["node", "deno", "bun"]) {
    const t = ts.find((x) => x.met === false && x.name === `64 B inproc throughput, ours (${RUNTIME[id]}) ≥ 5 M msg/s`);
    const v = r.inproc?.cells?.[id]?.msgPerSec, f = r.inproc?.floor?.[id]?.msgPerSec;
    if (!t || !v) continue;
    inprocNames.push(t.name);
    inproc.push(`${RUNTIME[id]} ${(1e9 / v).toFixed(0)} ns` + (f ? ` (floor ${(1e9 / f).toFixed(0)} ns)` : ""));
  }
  if (inprocNames.length > 0) {
    lines.push(
      `- ${inprocNames.join("; ")}: 5 M msg/s leaves 200 ns per message for both ends, which share one thread; ` +
        `ours takes ${inproc.join(", ")}. Both loops await a promise per message, so the floor is paid twice ` +
        "(the receiver's, measured, and the sender's `await send()`, about as much); moving the message from " +
        "pipe to pipe is the rest.",
    );
  }
  return lines;
}

// The latency targets, missed (issue 15's and issue 5's): what a round trip
// costs, and the same round trip through our transport alone (the floor
// pairs) next to ours and libzmq's when the run has them.
function whyLatency(ts: Target[], r: Json): string[] {
  const missed = ts.filter((t) => t.met === false && /REQ\/REP p(50|99)/.test(t.name));
  if (missed.length === 0) return [];
  const lat = (id: string) => cellOf(r.latency ?? [], "tcp", 64, id);
  const c = lat("libzmq");
  const parts: string[] = [];
  for (const id of ["node", "deno", "bun"]) {
    const ours = lat(id), raw = lat(`${id}:raw`);
    if (!missed.some((t) => t.name.includes(`(${RUNTIME[id]})`)) || ours?.p50us == null || raw?.p50us == null) continue;
    parts.push(
      `${RUNTIME[id]}: ours ${us(ours.p50us)} / ${us(ours.p99us)} µs, its transport alone ${us(raw.p50us)} / ` +
        `${us(raw.p99us)} µs`,
    );
  }
  const floor = parts.length === 0 || c?.p50us == null
    ? ""
    : ` Against the floor, p50 / p99: libzmq (C) ${us(c.p50us)} / ${us(c.p99us)} µs; ${
      parts.join("; ")
    }. "Transport alone" is the same 64 B echoed through this library's ` +
      "transport for the runtime (its sockets, event loop and our adapter, one promise per round trip; " +
      "bench/peers/peer.ts rawreq and rawrep), with no ZMTP, socket or queue: what ours takes beyond it is the " +
      "library above the transport, at both ends.";
  return [
    `- ${missed.map((t) => t.name).join("; ")}: REQ/REP: per side a round trip is a read completed by the ` +
    "runtime's event loop (on Deno an async op: `op_read` in PROFILE.md), the message handed to the waiting " +
    "`receive()` through a promise, and the reply's flush on the next macrotask (setImmediate, so that a burst " +
    "leaves in one write). On an idle machine each process also waits to be woken, for libzmq as for us, so these " +
    "percentiles move from run to run by more than the gap (compare libzmq's own row across runs); a MessageChannel " +
    "instead of setImmediate for Deno's flush was tried and measured no faster, and flushing a task's first reply " +
    "in a microtask gained 3–5% at p50 on Deno but cost its 64 B throughput 4–10% (bench/ab.mjs, AB_LAT=1)." + floor +
    wakeUps(),
  ];
}

// What bench/latency_results.json (bench/profile.ts) measured of the same
// round trips with the CPUs kept from idling, when there is one.
function wakeUps(): string {
  const path = benchFile("latency_results.json");
  if (!existsSync(path)) return "";
  // deno-lint-ignore no-explicit-any
  const l: any = JSON.parse(readFileSync(path, "utf8"));
  const ids = Object.keys(l.labels).filter((id) => l.asItIs[id] && l.keptFromIdling[id]);
  if (!ids.includes("libzmq")) return "";
  const fig = (m: Json, id: string) => `${l.labels[id]} ${us(m[id].p50)} / ${us(m[id].p99)}`;
  const ours = ids.filter((id) => !id.includes(":") && id !== "libzmq");
  const below = ours.filter((id) => l.keptFromIdling[id].p50 <= l.keptFromIdling.libzmq.p50);
  return ` Much of a round trip on this machine is waking its halted virtual CPUs: bench/profile.ts (PROFILE.md's ` +
    `latency section, at ${l.commit}, ${l.date.slice(0, 10)}, medians of ${l.runs} run(s)) measured the same round ` +
    `trips with two busy loops under SCHED_IDLE keeping both CPUs from idling; p50 / p99 µs as it is: ${
      ids.map((id) => fig(l.asItIs, id)).join(", ")
    }; kept from idling: ${ids.map((id) => fig(l.keptFromIdling, id)).join(", ")}.` +
    (below.length === 0
      ? ""
      : ` With the CPUs awake, ours is at or under libzmq's p50 on ${
        below.map((id) => l.labels[id].replace(/^ours \((.*)\)$/, "$1")).join(", ")
      }: what ours adds beyond libzmq shows when each message finds a halted CPU to wake, not in the work a round ` +
        "trip takes once the CPU runs.");
}

function whyMissed(ts: Target[], r?: Json): string[] {
  const lines: string[] = r ? [...whyThroughput(ts, r), ...whyLatency(ts, r)] : [];
  for (const [re, text] of WHY) {
    const missed = ts.filter((t) => t.met === false && re.test(t.name));
    if (missed.length > 0) lines.push(`- ${missed.map((t) => t.name).join("; ")}: ${text}`);
  }
  return lines.length === 0 ? [] : ["### Why the missed targets are missed", "", ...lines, ""];
}

/** Renders results.json as RESULTS.md. */
export function render(r: Json): string {
  const m = r.meta.machine, v = r.meta.versions;
  const ts = targets(r);
  const status = (t: Target) => t.status ?? (t.met === null ? "not measured" : t.met ? "**met**" : "missed");
  const targetTable = (xs: Target[]) =>
    table(
      ["target", "measured", "ratio", "status"],
      xs.map((t) => [t.name, t.measured, t.ratio == null ? "–" : times(t.ratio), status(t)]),
    );
  const sections = [
    "# Benchmark results",
    "",
    "Generated by `npm run bench:report` from `bench/results.json` (written by `npm run bench`). Do not edit by hand.",
    "",
    "## Setup",
    "",
    `- Date: ${r.meta.date} (${r.meta.mode} mode, ${r.meta.reps} run(s) per cell, ${r.meta.durationS} s in all)`,
    `- Machine: ${m.cpu}, ${m.nproc} cores, ${m.memGiB} GiB RAM, Linux ${m.kernel}; loopback only`,
    `- Node ${v.node}, ${v.deno}, Bun ${v.bun}`,
    `- libzmq (C programs in bench/c, gcc ${v.gcc} -O2): ${v.libzmqC}; zeromq.js ${v.zeromqjs}`,
    `- This library at ${v.commit}; on Node from ${v.ourLibOnNode}; on Deno and Bun from the TypeScript source`,
    loadLine(r),
    ...(r.meta.merged
      ? [
        `- This run measured only ${
          ["throughput", "latency", "inproc", "memory", "threads", "curve"].filter((k) =>
            !(k in r.meta.merged.stages) && (r.meta.stages == null || r.meta.stages.length > 0)
          )
            .join(", ")
        }; kept from earlier runs: ${
          Object.entries(r.meta.merged.stages).map(([k, d]) => `${k} (${d})`).join(", ")
        }, at ${r.meta.merged.commit ?? "–"}, ${r.meta.merged.durationS ?? "–"} s (${
          Object.entries(r.meta.merged.stageS ?? {}).map(([k, v]) => `${k} ${v} s`).join(", ")
        }), load average ` +
        `${r.meta.merged.load?.start?.m1 ?? "–"} at its start and ${
          r.meta.merged.load?.end?.m1 ?? "–"
        } at its end. Ratios across stages compare different runs.`,
      ]
      : []),
    ...(r.meta.mode === "quick"
      ? ["- **Quick mode: a smoke test of the harness (short cells, one run); its numbers mean nothing.**"]
      : []),
    "",
    "## Issue 15 targets (throughput, latency and CURVE)",
    "",
    "Ratios of the medians of one run; the spread of each cell is in the tables below.",
    "",
    targetTable(targets15(r)),
    "",
    "## Issue 12 targets (inproc between threads)",
    "",
    targetTable(targets12(r)),
    "",
    "## Issue 5 targets",
    "",
    targetTable(ts),
    "",
    ...whyMissed([...targets15(r), ...ts, ...targets12(r)], r),
    "## Tables",
    "",
    ...TRANSPORTS.map((t) => throughputSection(r, t)),
    ...TRANSPORTS.map((t) => latencySection(r, t)),
    inprocSection(r),
    threadsSection(r),
    memorySection(r),
    curveSection(r),
    "## Method",
    "",
    "- Every process is a separate OS process on the same 2-core machine; a JS peer is `bench/peers/peer.ts` " +
    "(the same code for this library and for zeromq.js), the C peers are `bench/c/*.c`.",
    "- Senders `await send()` for each message (one reused buffer) with default options; libzmq's " +
    "remote_thr calls `zmq_send` in a loop. Receivers `await receive()` in a loop.",
    "- One pair of processes measures a whole row (all sizes in turn), after an untimed 64 B block " +
    `(${r.meta.timing?.prime?.thr?.toLocaleString("en-US") ?? "–"} messages, ` +
    `${r.meta.timing?.prime?.lat?.toLocaleString("en-US") ?? "–"} round trips) that warms the JIT up; each size ` +
    "also starts with a quarter of its count untimed.",
    `- Counts are scaled to each peer's rate so that every timed part lasts ≥ ${r.meta.timing?.minS ?? "–"} s: ` +
    "a short calibration run per pair, transport and size first (its rate × " +
    `${r.meta.timing?.targetS ?? "–"} s gives the count), and a run that still came out shorter is redone with a ` +
    "larger count (the libzmq programs take their counts on the command line, so the same rule serves all).",
    "- Runs alternate between peers (the order rotates every repetition); a cell is the median, with the min and " +
    "max of the runs in brackets.",
    `- Matrix: ${
      Object.entries(r.meta.matrix ?? {}).map(([k, m]) =>
        `${k === "thr" ? "throughput" : "latency"} ${
          Object.entries(m as Json).map(([t, xs]) => `${t} ${(xs as number[]).map(sizeName).join(", ")}`).join("; ")
        }`
      ).join("; ")
    }. Trimmed: ${r.meta.trimmed ?? "nothing"}.`,
    "- Latency: one REQ, one REP, strictly alternating, each round trip timed with a monotonic clock.",
    curveMethod(r),
    "",
  ];
  const errors: string[] = [];
  for (const row of [...r.throughput, ...r.latency]) {
    for (const [id, c] of Object.entries(row.cells) as [string, Json][]) {
      for (const e of c.errors ?? []) errors.push(`- ${row.transport} ${sizeName(row.size)} ${id}: ${e.slice(0, 200)}`);
    }
  }
  for (const [id, byCase] of Object.entries(r.threads?.cells ?? {}) as [string, Json][]) {
    for (const [c, cell] of Object.entries(byCase) as [string, Json][]) {
      for (const e of cell.errors ?? []) errors.push(`- threads ${id} ${c}: ${e.slice(0, 200)}`);
    }
  }
  for (const [what, rows] of [["throughput", r.curve?.throughput], ["handshakes", r.curve?.handshakes]]) {
    for (const row of rows ?? []) {
      for (const [id, c] of Object.entries(row.cells) as [string, Json][]) {
        for (const e of c.errors ?? []) errors.push(`- curve ${what} ${sizeName(row.size)} ${id}: ${e.slice(0, 200)}`);
      }
    }
  }
  if (errors.length) sections.push("## Failed runs", "", ...errors.slice(0, 40), "");
  sections.push(...epgmSection());
  return sections.join("\n");
}

function curveMethod(r: Json): string {
  const c = r.curve;
  if (!c) return "- CURVE: not measured in this run (the curve stage).";
  const n = (x: number | undefined) => x?.toLocaleString("en-US") ?? "–";
  const hsIds = new Set((c.handshakePairs ?? []).map((p: Json) => p.impl));
  const withNull = (c.handshakePairs ?? []).some((p: Json) => !p.curve);
  return "- CURVE (the curve stage): both processes run the same implementation over tcp:// with fixed test keys " +
    "(BENCH_CURVE) through bench/c's programs, `bench/peers/curve_pyzmq.py` on Debian's `/usr/bin/python3` with " +
    `python3-zmq${r.meta.versions?.pyzmq ? ` (pyzmq ${r.meta.versions.pyzmq})` : ""} and \`bench/peers/peer.ts\` ` +
    "for ours; libzmq (pyzmq) is the same libzmq as libzmq (C), with Python's cost per call on top. Throughput: " +
    `the thr stage's peers and timing, after an untimed ${n(c.timing?.prime?.cthr)}-message 64 B block. ` +
    "Handshakes/s: a client process opens, handshakes, makes one round trip over and closes one REQ after " +
    `another (after ${n(c.timing?.prime?.hs)} untimed ones, then a quarter of the count), against one REP; ` +
    "the rate covers socket creation, the TCP connect, the handshake, the round trip and the close. Counts are " +
    `calibrated and short runs redone as above, aimed at ${c.timing?.targetS ?? "–"} s. Trimmed to add about 45 s ` +
    `to \`npm run bench\`: ${c.reps} repetition(s) per cell instead of ${r.meta.reps}, throughput at ` +
    `${(c.matrix?.cthr?.tcp ?? []).map(sizeName).join(" and ")}` +
    (hsIds.has("pyzmq") ? "" : ", handshakes of libzmq through its C API only (pyzmq's are the same libzmq's)") +
    (withNull ? "" : ", no NULL handshakes") +
    (c.throughputPairs?.some((p: Json) => p.id === "zeromqjs") ? "" : ", no zeromq.js") +
    "; `--all-pairs` adds 1 KiB, NULL handshakes for context, pyzmq's handshakes and zeromq.js.";
}

// The epgm section, from bench/epgm_results.json (written by bench/epgm.mjs), when there is one.
function epgmSection(): string[] {
  const path = benchFile("epgm_results.json");
  if (!existsSync(path)) return [];
  // deno-lint-ignore no-explicit-any
  const e: any = JSON.parse(readFileSync(path, "utf8"));
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
  const out = [
    "## epgm:// (PGM over UDP) against libzmq's OpenPGM",
    "",
    `\`node bench/epgm.mjs\` (${e.date}, Node ${e.node}, libzmq ${e.libzmq} with OpenPGM through pyzmq, ${e.nproc}× ${e.cpu}; ` +
    `load average ${la(e.load.start)} at the start, ${
      la(e.load.end)
    } at the end): our PUB and SUB in two processes, then ` +
    "pyzmq's in two processes, over loopback multicast, no HWM (the rate limit paces the sender), N messages sized for " +
    `~${e.seconds} s at the rate; messages/s received from the first to the end marker, and how many of the N arrived. ` +
    "One run per cell: expect noise at the raised rate.",
    "",
    "| rate (kbit/s) | size | N | ours msg/s (received) | pyzmq msg/s (received) | ours / pyzmq |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of e.rows) {
    out.push(
      `| ${r.rate}${r.rate === 100 ? " (default)" : ""} | ${r.size} B | ${r.n} | ${
        r.ours.rate.toFixed(0)
      } (${r.ours.count}) | ` +
        `${r.pyzmq.rate.toFixed(0)} (${r.pyzmq.count}) | ${(r.ours.rate / r.pyzmq.rate).toFixed(2)} |`,
    );
  }
  out.push(
    "",
    "At the default rate both are held to the rate limit (OpenPGM's bucket lets a sender below ~12 Mbit/s burst up to a " +
      "second of its rate; ours caps that burst at 64 KiB, which a JS receiver's default socket buffer takes). Higher " +
      "rates (100 Mbit/s and up) overrun our single-threaded receiver: the kernel drops datagrams, repairs add load, and " +
      "data is lost past the window.",
    "",
  );
  return out;
}

/**
 * What is wrong with a results.json, if anything: missing metadata, a cell
 * without a measurement for every repetition, a failed run. No speeds are
 * judged (the quick mode's smoke test).
 */
export function validate(r: Json): string[] {
  const bad: string[] = [];
  const num = (x: unknown) => typeof x === "number" && Number.isFinite(x);
  const m = r?.meta;
  if (!m || !num(m.reps) || m.reps < 1) return ["meta.reps missing"];
  if (!m.machine?.cpu || !num(m.machine?.nproc)) bad.push("meta.machine missing");
  for (const k of ["start", "end"]) if (!num(m.load?.[k]?.m1)) bad.push(`meta.load.${k} missing`);
  const cells = (rows: Json[], kind: string, value: string, runs: string) => {
    if (!Array.isArray(rows) || rows.length === 0) return bad.push(`no ${kind} rows`);
    for (const row of rows) {
      const where = `${kind} ${row.transport} ${sizeName(row.size)}`;
      if (Object.keys(row.cells ?? {}).length === 0) bad.push(`${where}: no cells`);
      for (const [id, c] of Object.entries(row.cells ?? {}) as [string, Json][]) {
        for (const e of c.errors ?? []) bad.push(`${where} ${id}: ${String(e).slice(0, 200)}`);
        if (!num(c[value]) || c[value] <= 0) bad.push(`${where} ${id}: no ${value}`);
        if (c[runs]?.length !== m.reps) bad.push(`${where} ${id}: ${c[runs]?.length ?? 0} of ${m.reps} runs`);
      }
    }
  };
  // The stages this run measured (all of them in a results.json older than meta.stages).
  const ran = (s: string) => !Array.isArray(m.stages) || m.stages.includes(s);
  if (ran("thr") || r.throughput?.length) cells(r.throughput, "throughput", "msgPerSec", "runs");
  if (ran("lat") || r.latency?.length) cells(r.latency, "latency", "p50us", "p50Runs");
  if (Array.isArray(m.stages) && m.stages.includes("curve") && !r.curve) bad.push("no curve stage");
  if (r.curve) {
    // Every implementation measured or skipped with its reason (a missing C compiler or pyzmq).
    const reps = m.reps;
    m.reps = r.curve.reps;
    cells(r.curve.throughput, "curve throughput", "msgPerSec", "runs");
    cells(r.curve.handshakes, "curve handshakes", "perSec", "runs");
    m.reps = reps;
  }
  if (r.inproc) {
    cells([{ transport: "inproc", size: r.inproc.size, cells: r.inproc.cells }], "inproc", "msgPerSec", "runs");
    if (r.inproc.floor) {
      cells([{ transport: "inproc", size: r.inproc.size, cells: r.inproc.floor }], "floor", "msgPerSec", "runs");
    }
  }
  if (r.threads) {
    for (const [id, byCase] of Object.entries(r.threads.cells ?? {}) as [string, Json][]) {
      for (const [c, cell] of Object.entries(byCase) as [string, Json][]) {
        const where = `threads ${id} ${c}`;
        for (const e of cell.errors ?? []) bad.push(`${where}: ${String(e).slice(0, 200)}`);
        if (!num(cell.value) || cell.value <= 0) bad.push(`${where}: no measurement`);
        if (cell.runs?.length !== m.reps) bad.push(`${where}: ${cell.runs?.length ?? 0} of ${m.reps} runs`);
      }
    }
  }
  for (const x of r.memory ?? []) if (x.error || !num(x.rssPeakMB)) bad.push(`memory ${x.id}: ${x.error ?? "no RSS"}`);
  return bad;
}

/** Reads `jsonPath` and writes the report to `mdPath`. */
export function writeReport(jsonPath: string, mdPath: string): void {
  writeFileSync(mdPath, render(JSON.parse(readFileSync(jsonPath, "utf8"))));
  formatMarkdown(mdPath);
}

/** Runs `deno fmt` on a generated file (under Deno), so `deno fmt --check` passes. */
export function formatMarkdown(path: string): void {
  // deno-lint-ignore no-explicit-any
  if ((globalThis as any).Deno === undefined) return;
  spawnSync(process.execPath, ["fmt", "-q", path], { stdio: "ignore" });
}

if (import.meta.main) {
  writeReport(benchFile("results.json"), benchFile("RESULTS.md"));
  console.log(`wrote ${benchFile("RESULTS.md")}`);
}
