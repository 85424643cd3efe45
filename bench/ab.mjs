// A/B: 64 B PUSH->PULL throughput between two processes, one checkout of
// this repository ("base") against another ("main"), per runtime and
// transport, runs alternating, medians of REPS. It drives this repository's
// bench/peers/peer.ts with ZMTP_BENCH_LIB pointing at each tree's library
// (mod.ts for Deno and Bun, the npm build npm/esm/mod.js for Node: run
// `npm run build` in both trees, and compile the peer for Node once:
// `npx esbuild bench/peers/peer.ts --format=esm --platform=node --outfile=.tmp/ab-peer.mjs`).
//
//   node bench/ab.mjs <baseRoot> <mainRoot> [reps=3] [transports=tcp,ws]
//   env: AB_N (messages per tcp cell, default 3 M; ws cells take a sixth),
//        AB_RT (runtimes, default deno,bun,node), AB_PEER_ROOT (default: this repository),
//        AB_SIZE (message size in bytes, default 64),
//        AB_CURVE=1: CURVE instead of NULL, through bench/curve_peer.ts (for
//        Node: `npx esbuild bench/curve_peer.ts --format=esm --platform=node
//        --outfile=.tmp/ab-curve-peer.mjs`); AB_N then defaults to 300 k;
//        AB_LAT=1: REQ/REP round trips instead (AB_N of them, default 20 k),
//        reporting p50 and p99 in µs, lower is better;
//        AB_ONE=1: both ends in one process on one thread (peer.ts's inproc
//        role over the transport), reporting ns per message, lower is
//        better: the CPU both ends take, without two processes' scheduling
//        and wake-ups in the figure (AB_N defaults to 2 M).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
const [base, main, repsArg, trArg] = process.argv.slice(2);
const REPS = Number(repsArg ?? 3);
const TRS = (trArg ?? "tcp,ws").split(",");
const CURVE = process.env.AB_CURVE === "1";
const SIZE = process.env.AB_SIZE ?? "64";
const LAT = process.env.AB_LAT === "1";
const ONE = process.env.AB_ONE === "1";
const N0 = Number(process.env.AB_N ?? (LAT ? 20_000 : CURVE ? 300_000 : ONE ? 2_000_000 : 3_000_000));
const N = { deno: N0, bun: N0, node: N0 };
const PEER_ROOT = process.env.AB_PEER_ROOT ?? new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const peerTs = `${PEER_ROOT}/bench/${CURVE ? "curve_peer.ts" : "peers/peer.ts"}`;
const peerJs = `${PEER_ROOT}/.tmp/${CURVE ? "ab-curve-peer.mjs" : "ab-peer.mjs"}`;
const lib = (tree, rt) => rt === "node" ? `file://${tree}/npm/esm/mod.js` : `file://${tree}/mod.ts`;
function cmd(rt) {
  if (rt === "deno") return [`${main}/node_modules/.bin/deno`, ["run", "-A", peerTs]];
  if (rt === "bun") return [`${main}/node_modules/.bin/bun`, [peerTs]];
  return ["node", [peerJs]];
}
function run(rt, tree, tr, n) {
  return new Promise((resolve, reject) => {
    const [c, a] = cmd(rt);
    const env = { ...process.env, ZMTP_BENCH_LIB: lib(tree, rt) };
    const ep = tr === "tcp" ? "tcp://127.0.0.1:*" : "ws://127.0.0.1:*/b";
    const [binder, connecter] = LAT ? ["rep", "req"] : ONE ? ["inproc"] : ["recv", "send"];
    const r = spawn(c, [...a, binder, ep, SIZE, String(n)], { env, stdio: ["pipe", "pipe", "inherit"] });
    const rl = createInterface({ input: r.stdout });
    let s;
    const result = (o) => {
      s?.kill();
      r.kill();
      resolve(LAT ? [o.results[0].p50us, o.results[0].p99us] : ONE ? 1e9 / o.msgPerSec : o.results[0].msgPerSec);
    };
    rl.on("line", (l) => {
      const o = JSON.parse(l);
      if (o.ready) {
        s = spawn(c, [...a, connecter, o.ready, SIZE, String(n)], { env, stdio: ["pipe", "pipe", "inherit"] });
        if (LAT) {
          createInterface({ input: s.stdout }).on("line", (l2) => {
            const o2 = JSON.parse(l2);
            if (o2.results) result(o2);
          });
        }
      }
      if (o.results || (ONE && o.msgPerSec)) result(o);
    });
    r.on("exit", (code) => code && reject(new Error(`${rt} ${binder} exited ${code}`)));
  });
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = [];
for (const tr of TRS) {
  for (const rt of (process.env.AB_RT ?? "deno,bun,node").split(",")) {
    const res = { base: [], main: [] };
    for (let k = 0; k < REPS; k++) {
      const order = k % 2 ? ["main", "base"] : ["base", "main"];
      for (const w of order) {
        res[w].push(await run(rt, w === "base" ? base : main, tr, tr === "ws" ? Math.round(N[rt] / 6) : N[rt]));
      }
    }
    if (LAT) {
      const at = (w, j) => med(res[w].map((x) => x[j]));
      const runs = (w) => res[w].map((x) => x.map((v) => v.toFixed(0)).join("/")).join(" ");
      rows.push(
        `| ${tr} | ${rt} | ${at("base", 0).toFixed(1)} / ${at("base", 1).toFixed(1)} µs | ${
          at("main", 0).toFixed(1)
        } / ${at("main", 1).toFixed(1)} µs | ${(at("main", 0) / at("base", 0)).toFixed(2)} / ${
          (at("main", 1) / at("base", 1)).toFixed(2)
        } | ${runs("base")} / ${runs("main")} |`,
      );
    } else {
      // ns per message (AB_ONE) or msg/s.
      const fmt = ONE ? (x) => x.toFixed(0) : (x) => (x / 1e6).toFixed(2);
      const unit = ONE ? "ns" : "M";
      const b = med(res.base), m = med(res.main);
      rows.push(
        `| ${tr} | ${rt} | ${fmt(b)} ${unit} | ${fmt(m)} ${unit} | ${(m / b).toFixed(2)} | ${
          res.base.map(fmt).join(" ")
        } / ${res.main.map(fmt).join(" ")} |`,
      );
    }
    console.error(rows.at(-1));
  }
}
console.log(
  (LAT
    ? "| transport | runtime | base p50 / p99 | main p50 / p99 | main/base (lower is better) | runs base / main |"
    : ONE
    ? "| transport | runtime | base ns/msg | main ns/msg | main/base (lower is better) | runs base / main |"
    : "| transport | runtime | base msg/s | main msg/s | main/base | runs base / main |") +
    "\n|---|---|---|---|---|---|\n" + rows.join("\n"),
);
