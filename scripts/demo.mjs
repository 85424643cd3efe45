// `npm run demo`: Deno, Bun and Node processes of this library and a libzmq
// peer exchange REQ/REP, PUB/SUB and PUSH/PULL messages over TCP, then a
// throughput stage. Node runs the npm build (made here if missing).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createInterface } from "node:readline";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (n) => join(root, "node_modules", ".bin", n);
const peer = join(root, "examples", "demo_peer.mjs");
const srcLib = pathToFileURL(join(root, "mod.ts")).href;
const nodeLib = pathToFileURL(join(root, "npm", "esm", "mod.js")).href;
const COUNT = Number(process.env.DEMO_COUNT ?? 200000);

// (Re)build the npm package when it is missing or older than the source.
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const built = join(root, "npm", "esm", "mod.js");
const sourceTime = Math.max(
  newest(join(root, "lib")),
  newest(join(root, "transports")),
  statSync(join(root, "mod.ts")).mtimeMs,
);
if (!existsSync(built) || statSync(built).mtimeMs < sourceTime) {
  console.log("building the npm package for Node ...");
  const r = spawnSync(bin("deno"), ["run", "-A", "scripts/build_npm.ts"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function run(cmd, args, { lines = true } = {}) {
  const p = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  const done = new Promise((res, rej) =>
    p.on("exit", (code) => code === 0 ? res() : rej(new Error(`${cmd} ${args[0]} exited ${code}`)))
  );
  const rl = createInterface({ input: p.stdout });
  return { p, done, rl, lines };
}

const deno = (...a) => run(bin("deno"), ["run", "-A", peer, ...a]);
const bun = (...a) => run(bin("bun"), [peer, ...a]);
const node = (...a) => run(process.execPath, [peer, ...a]);
const libzmq = (...a) => run(process.execPath, [join(root, "examples", "demo_libzmq.cjs"), ...a]);

const hub = deno("hub", srcLib);
const endpoints = await new Promise((res) => hub.rl.once("line", (l) => res(JSON.parse(l))));
hub.rl.on("line", (l) => console.log(l));
console.log(`hub (our library on Deno): REP ${endpoints.rep}, PUB ${endpoints.pub}, PULL ${endpoints.pull}\n`);

const echo = (x) => (x.rl.on("line", (l) => console.log(l)), x);
const clients = [
  echo(bun("client", srcLib, "bun-client", endpoints.rep, endpoints.pub, endpoints.pull)),
  echo(node("client", nodeLib, "node-client", endpoints.rep, endpoints.pub, endpoints.pull)),
  echo(libzmq("client", endpoints.rep, endpoints.pub, endpoints.pull)),
];
await Promise.all(clients.map((c) => c.done));
console.log(`\nthroughput: ${COUNT} x 64 B PUSH -> PULL (Deno hub), one sender at a time`);
for (
  const make of [
    () => bun("blast", srcLib, endpoints.pull, String(COUNT), "64", "our library"),
    () => node("blast", nodeLib, endpoints.pull, String(COUNT), "64", "our library"),
    () => deno("blast", srcLib, endpoints.pull, String(COUNT), "64", "our library"),
    () => libzmq("blast", endpoints.pull, String(COUNT), "64"),
  ]
) {
  await echo(make()).done;
  await new Promise((r) => setTimeout(r, 300));
}
// Tell the hub to stop through its PULL socket, using our library on Node.
const { Push } = await import(nodeLib);
const s = new Push();
s.connect(endpoints.pull);
await s.send(JSON.stringify({ stop: true }));
s.close();
await hub.done;
console.log("\ndemo done");
