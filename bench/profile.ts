// CPU profiles of this library's sender and receiver: PUSH -> PULL over
// tcp:// (64 B and 64 KiB by default), each side against a libzmq peer, so that our side is the one that
// limits the rate. Node and Bun profile with --cpu-prof, Deno through
// node:inspector (BENCH_CPU_PROF in peers/peer.ts). Writes bench/PROFILE.md
// with each profile's top functions by self time, and keeps the
// .cpuprofile files in .tmp/bench-prof for Chrome DevTools.
//
// Then a latency section: 64 B REQ/REP round trips for libzmq C, ours and
// our transport alone (peer.ts rawreq/rawrep) as the bench's latency stage
// runs them, once with the machine as it is and once with two busy loops under
// SCHED_IDLE (chrt --idle) that keep both CPUs from idling, so that no round trip
// waits for a halted virtual CPU to be woken. What differs between the two is
// the cost of those wake-ups, and of running code whose caches went cold
// while the CPU was halted. The figures also go to bench/latency_results.json,
// which RESULTS.md's explanation of the latency targets quotes.
//
//   deno run -A bench/profile.ts [--runtimes node,deno,bun] [--sizes 64,65536] [--count N] [--top 15] [--no-build]
//                                [--latency-runs 3] [--latency-count 20000]

import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { type Impl, IMPLS, median, prepare, root, runPair, versions } from "./_harness.ts";
import { formatMarkdown } from "./report.ts";

const argv = process.argv.slice(2);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runtimes = (value("--runtimes") ?? "node,deno,bun").split(",");
const sizes = (value("--sizes") ?? "64,65536").split(",").map(Number);
// About 1 s of work at the rates we see; --count overrides for every size.
const countFor = (size: number) => Number(value("--count") ?? (size >= 16384 ? 40_000 : 3_000_000));
const top = Number(value("--top") ?? 15);
const profDir = join(root, ".tmp", "bench-prof");

// A CPU profile in the Chrome DevTools format (what all three runtimes write).
interface Profile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
    positionTicks?: { line: number; ticks: number }[];
  }[];
  samples?: number[];
  timeDeltas?: number[];
}

// The implementation `id` with profiling switched on, writing into `dir`.
function profiled(id: string, dir: string, name: string): Impl {
  const impl = IMPLS[id];
  return {
    ...impl,
    command(role, ep, sizes, counts) {
      const c = impl.command(role, ep, sizes, counts);
      if (id === "node") {
        c.args = [
          "--cpu-prof",
          `--cpu-prof-dir=${dir}`,
          `--cpu-prof-name=${name}.cpuprofile`,
          "--cpu-prof-interval=100",
          ...c.args,
        ];
      } else if (id === "bun") {
        c.args = ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`, ...c.args];
      } else {
        c.env = { ...c.env, BENCH_CPU_PROF: join(dir, `${name}.cpuprofile`) };
      }
      return c;
    },
  };
}

// "file:///work/main/.tmp/bench-npm/esm/lib/engine.js" -> "lib/engine.js"
function shortUrl(url: string): string {
  if (!url) return "";
  const m = url.match(/\/(?:esm|bench-js|main)\/((?:lib|transports|bench)\/.*)$/);
  if (m) return m[1];
  if (url.includes("node_modules/")) return url.slice(url.lastIndexOf("node_modules/") + 13);
  return url.replace(/^file:\/\//, "");
}

interface Row {
  name: string;
  where: string;
  url: string;
  self: number;
  // Sampled ticks per source line (1-based), where the profile has them.
  lines: Map<number, number>;
}

function analyse(p: Profile): { rows: Row[]; total: number; idle: number; ours: number; gc: number } {
  // Self time per node: the time deltas of the samples taken in it (hit
  // counts when a profile has no samples).
  const self = new Map<number, number>();
  if (p.samples && p.timeDeltas) {
    for (let i = 0; i < p.samples.length; i++) {
      const dt = p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0;
      self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + Math.max(0, dt));
    }
  } else {
    for (const n of p.nodes) self.set(n.id, n.hitCount ?? 0);
  }
  const byFn = new Map<string, Row>();
  let total = 0, idle = 0;
  for (const n of p.nodes) {
    const t = self.get(n.id) ?? 0;
    if (t === 0) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === "(idle)") {
      idle += t;
      continue;
    }
    total += t;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : "";
    const name = functionName || "(anonymous)";
    const key = `${name} ${where}`;
    const row = byFn.get(key) ?? { name, where, url, self: 0, lines: new Map() };
    row.self += t;
    for (const pt of n.positionTicks ?? []) row.lines.set(pt.line, (row.lines.get(pt.line) ?? 0) + pt.ticks);
    byFn.set(key, row);
  }
  const rows = [...byFn.values()].sort((a, b) => b.self - a.self);
  const ours = rows.filter((r) => /^(lib|transports)\//.test(r.where)).reduce((s, r) => s + r.self, 0);
  const gc = rows.filter((r) => /garbage/i.test(r.name)).reduce((s, r) => s + r.self, 0);
  return { rows, total, idle, ours, gc };
}

const pct = (x: number, of: number) => of > 0 ? `${(100 * x / of).toFixed(1)}%` : "–";

const sources = new Map<string, string[]>();
function sourceLine(url: string, line: number): string {
  if (!url.startsWith("file://")) return "";
  if (!sources.has(url)) {
    try {
      sources.set(url, readFileSync(new URL(url), "utf8").split("\n"));
    } catch {
      sources.set(url, []);
    }
  }
  return (sources.get(url)![line - 1] ?? "").trim().replaceAll("|", "\\|").slice(0, 90);
}

// The hottest lines of our hottest functions: V8 inlines callees into them,
// so a function's self time is often the code it inlined; the line says which.
function hotLines(rows: Row[]): string[] {
  const out: string[] = [];
  for (const r of rows.filter((r) => /^(lib|transports)\//.test(r.where) && r.lines.size > 0).slice(0, 4)) {
    const ticks = [...r.lines.values()].reduce((a, b) => a + b, 0);
    for (const [line, t] of [...r.lines].sort((a, b) => b[1] - a[1]).slice(0, 3)) {
      if (t / ticks < 0.05) break;
      const file = r.where.replace(/:\d+$/, "");
      out.push(`| \`${r.name}\` | ${file}:${line} | ${pct(t, ticks)} | \`${sourceLine(r.url, line)}\` |`);
    }
  }
  return out.length
    ? [
      "Hottest lines (share of that function's samples; for Node, lines of the compiled JS; not shown for Deno, whose " +
      "profiles number the lines of its transpiled JS):",
      "",
      "| function | line | share | code |",
      "| --- | --- | ---: | --- |",
      ...out,
      "",
    ]
    : [];
}

const nodeLib = prepare(!argv.includes("--no-build"));
rmSync(profDir, { recursive: true, force: true });
mkdirSync(profDir, { recursive: true });

const sections: string[] = [];
for (const size of sizes) {
  for (const rt of runtimes) {
    const count = countFor(size);
    for (const side of ["send", "recv"] as const) {
      const name = `${rt}-${side}-${size}`;
      const dir = join(profDir, name);
      mkdirSync(dir, { recursive: true });
      const ours = profiled(rt, dir, name);
      let rate = "";
      try {
        const res = side === "send"
          ? await runPair(IMPLS.libzmq, "recv", ours, "send", "binder", "tcp", [size], [count])
          : await runPair(ours, "recv", IMPLS.libzmq, "send", "binder", "tcp", [size], [count]);
        rate = `${Math.round(res[0].msgPerSec).toLocaleString("en-US")} msg/s while profiled`;
      } catch (e) {
        console.error(`${name}: ${(e as Error).message}`);
        sections.push(
          `### ${IMPLS[rt].label}, ${side === "send" ? "sender" : "receiver"}\n\nFailed: ${(e as Error).message}\n`,
        );
        continue;
      }
      const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
      if (!file) {
        sections.push(
          `### ${size} B: ${IMPLS[rt].label}, ${side === "send" ? "sender" : "receiver"}\n\nNo profile was written.\n`,
        );
        continue;
      }
      const a = analyse(JSON.parse(readFileSync(join(dir, file), "utf8")));
      const head = `### ${size} B: ${IMPLS[rt].label}, ${
        side === "send" ? "sender -> libzmq PULL" : "libzmq PUSH -> receiver"
      }`;
      sections.push(
        [
          head,
          "",
          `${size} B, ${count.toLocaleString("en-US")} timed messages (+ a quarter warm-up); ${rate}. ` +
          `Busy ${pct(a.total, a.total + a.idle)} of the profile; of the busy time: this library's code ` +
          `(lib/, transports/) ${pct(a.ours, a.total)}, garbage collection ${pct(a.gc, a.total)}. ` +
          `Profile: .tmp/bench-prof/${name}/${file}`,
          "",
          "| self | function | where |",
          "| ---: | --- | --- |",
          ...a.rows.slice(0, top).map((r) => `| ${pct(r.self, a.total)} | \`${r.name}\` | ${r.where} |`),
          "",
          // Deno reports lines of the JS it transpiled the source to, which do not match the .ts lines.
          ...(rt === "deno" ? [] : hotLines(a.rows)),
        ].join("\n"),
      );
      console.error(
        `${name}: ${rate}; top: ${a.rows.slice(0, 3).map((r) => `${r.name} ${pct(r.self, a.total)}`).join(", ")}`,
      );
    }
  }
}

// -- latency: the machine as it is, then with its CPUs kept from idling ----------

const latRuns = Number(value("--latency-runs") ?? 3);
const latCount = Number(value("--latency-count") ?? 20_000);
const latImpls = ["libzmq", ...runtimes, ...runtimes.map((rt) => `${rt}:raw`)].filter((id) => IMPLS[id]);

// Medians of p50 and p99 over latRuns runs of each implementation, runs interleaved.
async function latencies(): Promise<Map<string, { p50: number; p99: number }>> {
  const got = new Map<string, { p50: number[]; p99: number[] }>(latImpls.map((id) => [id, { p50: [], p99: [] }]));
  for (let k = 0; k < latRuns; k++) {
    for (const id of latImpls) {
      const [r] = await runPair(IMPLS[id], "rep", IMPLS[id], "req", "connecter", "tcp", [64], [latCount]);
      got.get(id)!.p50.push(r.p50us);
      got.get(id)!.p99.push(r.p99us);
    }
  }
  return new Map([...got].map(([id, v]) => [id, { p50: median(v.p50)!, p99: median(v.p99)! }]));
}

const latencySection: string[] = [];
if (latRuns > 0) {
  const idle = await latencies();
  const spinners = [0, 1].map(() =>
    spawn("chrt", ["--idle", "0", "sh", "-c", "while :; do :; done"], { stdio: "ignore", detached: true })
  );
  let awake: Map<string, { p50: number; p99: number }>;
  try {
    awake = await latencies();
  } finally {
    for (const s of spinners) {
      try {
        process.kill(-s.pid!, "SIGKILL");
      } catch { /* gone */ }
    }
  }
  const f = (x: number) => x.toFixed(1);
  const c = (id: string, m: Map<string, { p50: number; p99: number }>) =>
    `${f(m.get(id)!.p50)} / ${f(m.get(id)!.p99)} (${(m.get(id)!.p50 / m.get("libzmq")!.p50).toFixed(2)}×)`;
  latencySection.push(
    "## Latency: the machine as it is, and with its CPUs kept from idling",
    "",
    `64 B REQ/REP over tcp between two processes, p50 / p99 in µs (the median of ${latRuns} run(s) of ` +
      `${latCount.toLocaleString("en-US")} round trips each, after a quarter as many untimed), and in brackets p50 ` +
      'relative to libzmq\'s in the same column. "Kept from idling": two busy loops under SCHED_IDLE ' +
      "(`chrt --idle`) run meanwhile, one per CPU, so a CPU waiting for the next message never halts; the " +
      'scheduler runs them only when no other thread wants that CPU, and preempts them as soon as one does. "Transport alone" echoes the bytes through this ' +
      "library's transport with no ZMTP, socket or queue (bench/peers/peer.ts rawreq and rawrep).",
    "",
    "| REQ/REP | as it is | CPUs kept from idling |",
    "| --- | ---: | ---: |",
    ...latImpls.map((id) => `| ${IMPLS[id].label} | ${c(id, idle)} | ${c(id, awake!)} |`),
    "",
  );
  console.error(latencySection.join("\n"));
  // For RESULTS.md's explanation of the latency targets (bench/report.ts).
  const latencyJson = join(root, "bench", "latency_results.json");
  writeFileSync(
    latencyJson,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        commit: versions(nodeLib).commit,
        runs: latRuns,
        count: latCount,
        labels: Object.fromEntries(latImpls.map((id) => [id, IMPLS[id].label])),
        asItIs: Object.fromEntries(idle),
        keptFromIdling: Object.fromEntries(awake!),
      },
      null,
      1,
    ) + "\n",
  );
  formatMarkdown(latencyJson);
}

const md = [
  "# CPU profiles",
  "",
  "Generated by `deno run -A bench/profile.ts` (do not edit by hand). Each of our sides runs against a libzmq " +
  "peer (bench/c), so that it is the one that limits the rate; self time is a share of the profiled " +
  "process's busy (non-idle) samples, summed per function.",
  "",
  `- ${new Date().toISOString()}; our library on Node from ${nodeLib}`,
  "",
  ...sections,
  ...latencySection,
].join("\n");
writeFileSync(join(root, "bench", "PROFILE.md"), md);
formatMarkdown(join(root, "bench", "PROFILE.md"));
console.error(`wrote ${join(root, "bench", "PROFILE.md")}`);
