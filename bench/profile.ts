// CPU profiles of this library's sender and receiver: 64 B PUSH -> PULL over
// tcp://, each side against a libzmq peer, so that our side is the one that
// limits the rate. Node and Bun profile with --cpu-prof, Deno through
// node:inspector (BENCH_CPU_PROF in peers/peer.ts). Writes bench/PROFILE.md
// with each profile's top functions by self time, and keeps the
// .cpuprofile files in .tmp/bench-prof for Chrome DevTools.
//
//   deno run -A bench/profile.ts [--runtimes node,deno,bun] [--size 64] [--count 400000] [--top 15] [--no-build]

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { type Impl, IMPLS, prepare, root, runPair } from "./_harness.ts";

const argv = process.argv.slice(2);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runtimes = (value("--runtimes") ?? "node,deno,bun").split(",");
const size = Number(value("--size") ?? 64);
const count = Number(value("--count") ?? 400_000);
const top = Number(value("--top") ?? 15);
const profDir = join(root, ".tmp", "bench-prof");

// A CPU profile in the Chrome DevTools format (what all three runtimes write).
interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
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
  self: number;
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
    const row = byFn.get(key) ?? { name, where, self: 0 };
    row.self += t;
    byFn.set(key, row);
  }
  const rows = [...byFn.values()].sort((a, b) => b.self - a.self);
  const ours = rows.filter((r) => /^(lib|transports)\//.test(r.where)).reduce((s, r) => s + r.self, 0);
  const gc = rows.filter((r) => /garbage/i.test(r.name)).reduce((s, r) => s + r.self, 0);
  return { rows, total, idle, ours, gc };
}

const pct = (x: number, of: number) => of > 0 ? `${(100 * x / of).toFixed(1)}%` : "–";

const nodeLib = prepare(!argv.includes("--no-build"));
rmSync(profDir, { recursive: true, force: true });
mkdirSync(profDir, { recursive: true });

const sections: string[] = [];
for (const rt of runtimes) {
  for (const side of ["send", "recv"] as const) {
    const name = `${rt}-${side}`;
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
      sections.push(`### ${IMPLS[rt].label}, ${side === "send" ? "sender" : "receiver"}\n\nNo profile was written.\n`);
      continue;
    }
    const a = analyse(JSON.parse(readFileSync(join(dir, file), "utf8")));
    const head = `### ${IMPLS[rt].label}, ${side === "send" ? "sender -> libzmq PULL" : "libzmq PUSH -> receiver"}`;
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
      ].join("\n"),
    );
    console.error(
      `${name}: ${rate}; top: ${a.rows.slice(0, 3).map((r) => `${r.name} ${pct(r.self, a.total)}`).join(", ")}`,
    );
  }
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
].join("\n");
writeFileSync(join(root, "bench", "PROFILE.md"), md);
console.error(`wrote ${join(root, "bench", "PROFILE.md")}`);
