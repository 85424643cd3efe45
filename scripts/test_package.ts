/**
 * The package users install, installed the way they install it. Packs the
 * build in npm/ (`npm pack`), and in a temporary directory:
 *
 * - runs the README's Install section: its install commands (`npm install`,
 *   `bun add`, with the tarball's path for the package name), each program
 *   with each command its first line names, comparing the output with the
 *   `// ...` comments on its `console.log` lines, and the browser page's
 *   bundle command (whose bundle must hold no server-runtime API and run);
 * - from ESM, CommonJS and a program that mixes `import` and `require` (one
 *   copy of the library: same classes, one inproc namespace), over tcp, ws,
 *   inproc and CURVE, with Node, Bun and Deno (Deno also through `npm:`);
 * - TypeScript (the repository's tsc) against the installed declarations:
 *   node16 in an ESM and in a CommonJS project (compiled and run), bundler,
 *   and without @types/node;
 * - Deno, JSR-style: the files `deno publish` ships, as a workspace member
 *   imported by name from another member, with no package.json or
 *   node_modules, so deno.json's import map alone must resolve the npm
 *   dependencies.
 *
 * Every command runs under `timeout`; the temporary directory (which also
 * holds Deno's and Bun's caches) is removed at the end, also on SIGINT and
 * SIGTERM. npm uses its own cache. Ends with `test_package: N passed, M
 * failed`; exits 1 if a case failed, 77 (skipped) when npm cannot reach the
 * registry for the dependencies.
 *
 * Usage: `deno run -A scripts/test_package.ts` after `scripts/build_npm.ts`.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { scanBundle } from "../tests/browser/build.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");
const DENO = join(BIN, "deno");
const BUN = join(BIN, "bun");
const TSC = join(BIN, "tsc");
const ESBUILD = join(BIN, "esbuild");
const TYPE_ROOTS = join(ROOT, "node_modules", "@types");
/** Seconds per command; an install fetches the dependencies. */
const TIMEOUT_S = 60;
const CONCURRENCY = 2;

if (!existsSync(join(ROOT, "npm", "package.json"))) {
  console.error("test_package: npm/ is not built: run scripts/build_npm.ts first");
  process.exit(1);
}
const pkg = JSON.parse(readFileSync(join(ROOT, "npm", "package.json"), "utf8"));
const NAME: string = pkg.name;

const TMP = mkdtempSync(join(tmpdir(), "zmtp-package-"));
function cleanup(): void {
  rmSync(TMP, { recursive: true, force: true });
}
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

// The children see none of npm's own variables (`npm test` sets npm_config_*),
// and keep Deno's and Bun's caches in TMP.
const ENV: Record<string, string> = { NO_COLOR: "1" };
for (const [k, v] of Object.entries(process.env)) {
  if (v !== undefined && !/^npm_/i.test(k) && k !== "INIT_CWD" && k !== "FORCE_COLOR") ENV[k] = v;
}
ENV.DENO_DIR = join(TMP, "deno-dir");
ENV.BUN_INSTALL_CACHE_DIR = join(TMP, "bun-cache");
ENV.DENO_NO_UPDATE_CHECK = "1";

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `cmd args` in `cwd` under timeout(1); resolves with its exit code and output. */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn("timeout", ["--kill-after=5", String(TIMEOUT_S), cmd, ...args], {
      cwd,
      env: { ...ENV, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => out += d);
    child.stderr.on("data", (d) => err += d);
    child.on("error", (e) => done({ code: -1, out, err: err + String(e) }));
    child.on("close", (code) => {
      if (code === 124 || code === 137) err += `\n(timed out after ${TIMEOUT_S} s)`;
      done({ code, out, err });
    });
  });
}

function tail(text: string, lines = 25): string {
  return text.trim().split("\n").slice(-lines).map((l) => `      ${l}`).join("\n");
}

/**
 * Runs and throws unless it exits 0 (and, when given, prints exactly
 * `expect`; with `quiet`, nothing on stderr: no warning from Node about
 * loading the package).
 */
async function must(cmd: string, args: string[], cwd: string, expect?: string[], quiet = false): Promise<Ran> {
  const r = await run(cmd, args, cwd);
  const shown = [cmd.startsWith(BIN) ? cmd.slice(BIN.length + 1) : cmd, ...args].join(" ");
  if (r.code !== 0) throw new Error(`\`${shown}\` exited ${r.code}\n${tail(r.out + "\n" + r.err)}`);
  if (expect !== undefined) {
    const got = r.out.trim().split("\n").map((l) => l.trim()).filter((l) => l !== "");
    if (JSON.stringify(got) !== JSON.stringify(expect)) {
      throw new Error(`\`${shown}\` printed ${JSON.stringify(got)}, expected ${JSON.stringify(expect)}`);
    }
  }
  if (quiet && r.err.trim() !== "") throw new Error(`\`${shown}\` wrote to stderr:\n${tail(r.err)}`);
  return r;
}

// ---------------------------------------------------------------- cases

interface Case {
  name: string;
  after?: Case[];
  fn: () => Promise<void>;
  result?: Promise<boolean>;
}

const cases: Case[] = [];
function add(name: string, after: Case[], fn: () => Promise<void>): Case {
  const c: Case = { name, after, fn };
  cases.push(c);
  return c;
}

let passed = 0;
let failed = 0;
let offline = false;

// A small pool: each case waits for its prerequisites, then for a free slot.
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= CONCURRENCY) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function start(c: Case): Promise<boolean> {
  c.result ??= (async () => {
    const pre = await Promise.all((c.after ?? []).map(start));
    if (pre.includes(false)) {
      failed++;
      console.log(`FAIL ${c.name}: not run, a case it needs failed`);
      return false;
    }
    return await slot(async () => {
      const t0 = performance.now();
      try {
        await c.fn();
        passed++;
        console.log(`ok   ${c.name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        return true;
      } catch (e) {
        failed++;
        console.log(`FAIL ${c.name}: ${(e as Error).message}`);
        return false;
      }
    });
  })();
  return c.result;
}

// ---------------------------------------------------------------- the README

interface Block {
  lang: string;
  text: string;
}

/** The fenced code blocks of the README's `## Install` section. */
function installBlocks(): Block[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const m = /^## Install\n([\s\S]*?)(?=^## )/m.exec(readme);
  if (m === null) throw new Error("README.md has no `## Install` section");
  return [...m[1].matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, text]) => ({ lang, text }));
}

/** `// app.mjs: node app.mjs | bun app.mjs` gives the file name and its commands. */
function programHeader(text: string): { file: string; commands: string[] } {
  const m = /^\/\/ (\S+): (.+)$/m.exec(text.split("\n")[0]);
  if (m === null) throw new Error(`a README program lacks its "// file: command | command" line:\n${text}`);
  return { file: m[1], commands: m[2].split("|").map((s) => s.trim()) };
}

/** What a program prints: the `// ...` comments ending its console.log lines. */
function expectedOutput(text: string): string[] {
  return [...text.matchAll(/console\.log\(.*\); \/\/ (.+)$/gm)].map((m) => m[1].trim());
}

const words = (line: string) => line.replace(/\s+#.*$/, "").trim().split(/\s+/);

// ---------------------------------------------------------------- programs of ours

/** Exercises one loaded copy of the package: tcp, ws, inproc, CURVE keys, draft. */
const CHECK_CJS = `"use strict";
const assert = require("node:assert/strict");
exports.run = async function run(zmq, browser, draft) {
  const dec = new TextDecoder();
  const pull = new zmq.Pull({ linger: 0 });
  await pull.bind("tcp://127.0.0.1:*");
  const push = new zmq.Push({ linger: 0 });
  push.connect(pull.lastEndpoint);
  await push.send("tcp");
  assert.equal(dec.decode((await pull.receive())[0]), "tcp");
  const rep = new zmq.Reply({ linger: 0 });
  await rep.bind("ws://127.0.0.1:*/pkg");
  const req = new zmq.Request({ linger: 0 });
  req.connect(rep.lastEndpoint);
  await req.send("ws");
  assert.equal(dec.decode((await rep.receive())[0]), "ws");
  const a = new browser.Pair({ linger: 0 });
  await a.bind("inproc://package-check");
  const b = new browser.Pair({ linger: 0 });
  b.connect("inproc://package-check");
  await b.send("inproc");
  assert.equal(dec.decode((await a.receive())[0]), "inproc");
  assert.equal(zmq.curveKeyPair().publicKey.length, 40);
  const dish = new draft.Dish({ linger: 0 });
  await dish.bind("inproc://package-draft");
  dish.join("g");
  const radio = new draft.Radio({ linger: 0 });
  radio.connect("inproc://package-draft");
  await radio.send("draft", { group: "g" });
  assert.equal(dec.decode((await dish.receive())[0]), "draft");
  for (const s of [pull, push, rep, req, a, b, dish, radio]) s.close();
  return "tcp ws inproc curve draft";
};
`;

const ESM_MJS = `import * as zmq from "${NAME}";
import * as browser from "${NAME}/browser";
import * as draft from "${NAME}/draft";
import { run } from "./check.cjs";
console.log(await run(zmq, browser, draft));
`;

const NPM_SPECIFIER_MJS = ESM_MJS.replaceAll(`"${NAME}`, `"npm:${NAME}`);

const CJS_CJS = `const { run } = require("./check.cjs");
run(require("${NAME}"), require("${NAME}/browser"), require("${NAME}/draft")).then(console.log, (e) => {
  console.error(e);
  process.exitCode = 1;
});
`;

/** One copy of the library whether it is imported or required. */
const MIXED_CJS = `const assert = require("node:assert/strict");
const required = require("${NAME}");
(async () => {
  const imported = await import("${NAME}");
  assert.equal(required.Push, imported.Push);
  assert.equal(required.Context, imported.Context);
  assert.equal(require("${NAME}/browser").Pair, imported.Pair);
  assert.equal(require("${NAME}/draft").Radio, (await import("${NAME}/draft")).Radio);
  // inproc names live in the default Context: bound through one, reached through the other.
  const a = new required.Pair({ linger: 0 });
  await a.bind("inproc://mixed");
  const b = new imported.Pair({ linger: 0 });
  b.connect("inproc://mixed");
  await b.send("one state");
  assert.equal(new TextDecoder().decode((await a.receive())[0]), "one state");
  assert.ok(b instanceof required.SocketBase);
  a.close();
  b.close();
  console.log("one copy");
})().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
`;

/** Runs in ESM and CommonJS alike; the ts-expect-error proves the types are not `any`. */
const MAIN_TS = `import { Pair, type SocketOptions } from "${NAME}";
import { Pair as BrowserPair } from "${NAME}/browser";
import { Dish, Radio, type RadioSendOptions } from "${NAME}/draft";

export function endpoint(socket: Pair): number {
  // @ts-expect-error lastEndpoint is a string or null
  return socket.lastEndpoint;
}
const options: SocketOptions = { linger: 0 };
const group: RadioSendOptions = { group: "g" };

async function main(): Promise<string> {
  const a = new Pair(options);
  await a.bind("inproc://typed");
  const b = new BrowserPair({ linger: 0 });
  b.connect("inproc://typed");
  await b.send("typed");
  const [frame]: Uint8Array[] = await a.receive();
  const dish = new Dish({ linger: 0 });
  dish.join(group.group);
  dish.close();
  new Radio({ linger: 0 }).close();
  a.close();
  b.close();
  return new TextDecoder().decode(frame);
}
main().then((s) => console.log(s));
`;

const REQUIRE_TS = `import zmq = require("${NAME}");
export const push: InstanceType<typeof zmq.Push> = new zmq.Push({ linger: 0 });
push.close();
`;

// ---------------------------------------------------------------- zeromq.js's examples

const DROPIN_DIR = join(ROOT, "examples", "dropin");
const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");
/** Output compared as printed. */
const exact = (text: string) => lines(text).join("\n");
/** Each distinct line once, in the order of first appearance (for counts that depend on the network). */
const distinct = (text: string) => [...new Set(lines(text))].join("\n");
/** Routing ids (libzmq's 5 random bytes, in hex) masked and the lines sorted (parallel requests interleave). */
/**
 * The worker thread's lines and the main thread's, each kept in order, apart:
 * a worker's console reaches stdout through the main thread, in its own time.
 */
const byThread = (text: string) => {
  const worker = (l: string) => /^(received|finished) work /.test(l);
  return [...lines(text).filter(worker), ...lines(text).filter((l) => !worker(l))].join("\n");
};
const sortedMasked = (text: string) => lines(text).map((l) => l.replace(/\b[0-9a-f]{10}\b/g, "<id>")).sort().join("\n");

/**
 * The programs (their expected output is zeromq.js's, by
 * examples/dropin/capture.mjs), the port each prints by default (the
 * test gives each a free one in PORT and maps it back), and what of the
 * output must match.
 */
const DROPIN: { file: string; port: number; normalise: (text: string) => string }[] = [
  { file: "req-rep.mjs", port: 3000, normalise: exact },
  { file: "req-rep.cjs", port: 3000, normalise: exact },
  { file: "push-pull.mjs", port: 3000, normalise: exact },
  { file: "push-pull.cjs", port: 3000, normalise: exact },
  // How many sends precede the first delivery depends on when the subscription arrives.
  { file: "pub-sub.mjs", port: 3000, normalise: distinct },
  { file: "queue.mjs", port: 4444, normalise: exact },
  { file: "majordomo.mjs", port: 5555, normalise: sortedMasked },
  { file: "v5-compat.cjs", port: 3456, normalise: exact },
  { file: "tcp-worker.mjs", port: 0, normalise: exact },
  { file: "threaded-worker.mjs", port: 0, normalise: byThread },
];

/** A tcp port free at the moment (the kernel's pick, released at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const app = join(TMP, "app"); // npm install
  const bunApp = join(TMP, "bun"); // bun add
  const jsr = join(TMP, "jsr"); // a Deno workspace
  for (const d of [app, bunApp, jsr]) mkdirSync(d, { recursive: true });
  let tgz = "";

  const blocks = installBlocks();
  const sh = blocks.filter((b) => b.lang === "sh").flatMap((b) => b.text.split("\n")).filter((l) => /\S/.test(l));
  const programs = blocks.filter((b) => b.lang === "js");
  const html = blocks.filter((b) => b.lang === "html");
  const installLine = (tool: string) => {
    const line = sh.find((l) => words(l)[0] === tool);
    if (line === undefined) throw new Error(`the README's Install section has no \`${tool}\` command`);
    const w = words(line);
    if (!w.includes(NAME)) throw new Error(`\`${line}\` does not install ${NAME}`);
    return w.map((x) => x === NAME ? tgz : x);
  };

  let packed: string[] = [];
  const pack = add("npm pack of npm/", [], async () => {
    const r = await must("npm", ["pack", "--json", "--pack-destination", TMP], join(ROOT, "npm"));
    const [info] = JSON.parse(r.out);
    tgz = join(TMP, info.filename);
    packed = info.files.map((f: { path: string }) => f.path);
  });

  add("tarball: the entries, and no tests", [pack], () => {
    for (const e of [".", "./browser", "./draft"]) {
      const cond = pkg.exports[e];
      for (const f of [cond?.import?.default, cond?.import?.types, cond?.require?.default, cond?.require?.types]) {
        if (typeof f !== "string" || !packed.includes(f.replace(/^\.\//, ""))) {
          throw new Error(`exports["${e}"]: ${f} is not in the tarball`);
        }
      }
    }
    if (!packed.includes("cjs/package.json")) throw new Error("the tarball lacks cjs/package.json");
    if (!packed.includes("esm/cli.js")) throw new Error("the tarball lacks esm/cli.js (the zmtp bin)");
    const stray = packed.filter((p) => p.startsWith("esm/tests/"));
    if (stray.length > 0) throw new Error(`the tarball holds tests: ${stray.slice(0, 3).join(", ")}`);
    return Promise.resolve();
  });

  add("package.json: fields", [], () => {
    const missing = ["description", "keywords", "license", "engines", "sideEffects", "exports"].filter((k) =>
      pkg[k] === undefined
    );
    if (missing.length > 0) throw new Error(`npm/package.json lacks ${missing.join(", ")}`);
    if (JSON.stringify(pkg.bin) !== JSON.stringify({ zmtp: "./esm/cli.js" })) {
      throw new Error(`npm/package.json's bin is ${JSON.stringify(pkg.bin)}, not { zmtp: ./esm/cli.js }`);
    }
    if (!readFileSync(join(ROOT, "npm", "esm", "cli.js"), "utf8").startsWith("#!/usr/bin/env node\n")) {
      throw new Error("npm/esm/cli.js does not start with its #! line");
    }
    if (JSON.stringify(pkg).includes("<")) throw new Error("npm/package.json has a placeholder");
    for (const f of ["./esm/mod.js", "./esm/transports/tcp.js", "./cjs/mod.js", "./esm/cli.js"]) {
      if (!pkg.sideEffects.includes(f)) throw new Error(`sideEffects does not list ${f}`);
    }
    for (const sub of [".", "./browser", "./draft", "./v5-compat"]) {
      const e = pkg.exports[sub];
      if (!e?.import?.types || !e?.require?.types || !e?.require?.default) {
        throw new Error(`exports["${sub}"] lacks import/require conditions with types`);
      }
    }
    return Promise.resolve();
  });

  add("README: npm run pack", [], () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const script: string | undefined = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts?.pack;
    if (!/`npm ci && npm run pack`/.test(readme)) throw new Error("the README no longer says `npm run pack`");
    // Not run here (it rebuilds npm/ in the repository): it must build, then pack into npm/.
    if (!script?.includes("build_npm.ts") || !/npm pack \.\/npm --pack-destination npm\b/.test(script)) {
      throw new Error(`package.json's "pack" script does not build and pack into npm/: ${script}`);
    }
    return Promise.resolve();
  });

  const npmInstall = add("README: npm install", [pack], async () => {
    await must("npm", ["init", "-y"], app);
    const [cmd, ...args] = installLine("npm");
    const r = await run(cmd, [...args, "--no-audit", "--no-fund", "--prefer-offline"], app);
    if (r.code !== 0) {
      if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|network/i.test(r.err)) offline = true;
      throw new Error(`\`npm install\` exited ${r.code}\n${tail(r.err)}`);
    }
  });

  // The CLI as installed: `npx <package>` (its one bin), and the bin under Bun.
  const keyPair = (out: string) => {
    if (!/^public \S{40}\nsecret \S{40}\n$/.test(out)) throw new Error(`zmtp keygen printed ${JSON.stringify(out)}`);
  };
  add(`node: npx ${NAME} keygen (the zmtp bin)`, [npmInstall], async () => {
    keyPair((await must("npx", ["--no-install", NAME, "keygen"], app, undefined, true)).out);
    const help = await must(join(app, "node_modules", ".bin", "zmtp"), ["help"], app);
    if (!help.out.startsWith("Usage: zmtp COMMAND")) throw new Error(`zmtp help printed ${help.out}`);
  });

  // zeromq.js 5 code: the legacy API from CommonJS and ESM.
  add("node: require and import of ./v5-compat (zeromq.js 5's API)", [npmInstall], async () => {
    const prog = (load: string) =>
      `${load}\nconst pull = zmq.socket("pull"), push = zmq.socket("push");\n` +
      `pull.on("message", (m) => { console.log(m.toString()); pull.close(); push.close(); });\n` +
      `pull.bind("tcp://127.0.0.1:*", (err) => {\n` +
      `  if (err) throw err;\n` +
      `  push.connect(pull.getsockopt("last_endpoint"));\n` +
      `  push.send("v5 " + typeof zmq.ZMQ_SNDMORE);\n` +
      `});\n`;
    writeFileSync(join(app, "v5.cjs"), prog(`const zmq = require("${NAME}/v5-compat");`));
    writeFileSync(join(app, "v5.mjs"), prog(`import * as zmq from "${NAME}/v5-compat";`));
    await must("node", ["v5.cjs"], app, ["v5 number"]);
    await must("node", ["v5.mjs"], app, ["v5 number"]);
  });

  const bunAdd = add("README: bun add", [pack], async () => {
    writeFileSync(join(bunApp, "package.json"), JSON.stringify({ name: "bun-app", private: true }) + "\n");
    const [, ...args] = installLine("bun");
    await must(BUN, args, bunApp);
  });

  // The README's Command line examples, as written, where the package is installed.
  add("README: the Command line examples (npx zmtp-zeromq)", [npmInstall], async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const block = /^## Command line\n[\s\S]*?^```sh\n([\s\S]*?)^```$/m.exec(readme)?.[1];
    if (block === undefined) throw new Error("README.md has no `## Command line` section with a sh block");
    const r = await must("bash", ["-euo", "pipefail", "-c", block], app);
    const out = r.out.split("\n");
    const want = ["one", "two", "HELLO", '["weather","21C"]'];
    if (JSON.stringify(out.slice(0, 4)) !== JSON.stringify(want) || !/^public \S{40}$/.test(out[4] ?? "")) {
      throw new Error(`the README's Command line examples printed ${JSON.stringify(r.out)}`);
    }
  });
  add("bun: the zmtp bin", [bunAdd], async () => {
    keyPair((await must(BUN, [join(bunApp, "node_modules", ".bin", "zmtp"), "keygen"], bunApp)).out);
  });

  // The README's programs, each with each command of its first line.
  let bundleCase: Case | null = null;
  for (const p of programs) {
    const { file, commands } = programHeader(p.text);
    const expect = expectedOutput(p.text);
    for (const command of commands) {
      const [tool, ...args] = command.split(/\s+/);
      if (tool === "npx" && args[0] === "esbuild") {
        bundleCase = add(`README: ${command}`, [npmInstall], async () => {
          writeFileSync(join(app, file), p.text);
          await must(ESBUILD, args.slice(1), app);
          const out = args.find((a) => a.startsWith("--outfile="))?.slice("--outfile=".length) ?? "";
          const code = readFileSync(join(app, out), "utf8");
          const problems = scanBundle(code);
          if (problems.length > 0) throw new Error(`the bundle uses a server runtime: ${problems[0].message}`);
          const page = html.map((b) => b.text).join("\n");
          if (!page.includes(`src="${out}"`)) throw new Error(`the README's page does not load ${out}`);
          // No browser here: the bundle is runtime-neutral, so Node runs it as the page would.
          copyFileSync(join(app, out), join(app, "page-bundle.mjs"));
          await must("node", ["page-bundle.mjs"], app, expect);
        });
        continue;
      }
      const cwd = tool === "bun" ? bunApp : app;
      const bin = tool === "bun" ? BUN : tool === "deno" ? DENO : tool;
      add(`README: ${command}`, [tool === "bun" ? bunAdd : npmInstall], async () => {
        writeFileSync(join(cwd, file), p.text);
        await must(bin, args, cwd, expect, tool === "node");
      });
    }
  }
  if (bundleCase === null) throw new Error("the README's Install section bundles no browser page");
  if (html.length === 0) throw new Error("the README's Install section shows no browser page");

  // Ours: each runtime, each module system, and both at once.
  const ours = (dir: string) => {
    writeFileSync(join(dir, "check.cjs"), CHECK_CJS);
    writeFileSync(join(dir, "esm.mjs"), ESM_MJS);
    writeFileSync(join(dir, "cjs.cjs"), CJS_CJS);
    writeFileSync(join(dir, "mixed.cjs"), MIXED_CJS);
    writeFileSync(join(dir, "npm-specifier.mjs"), NPM_SPECIFIER_MJS);
  };
  const exercised = ["tcp ws inproc curve draft"];
  const runtimes: [string, string, string[], Case, string][] = [
    ["node", "node", [], npmInstall, app],
    ["bun", BUN, [], bunAdd, bunApp],
    ["deno", DENO, ["run", "-A"], npmInstall, app],
  ];
  for (const [name, bin, pre, after, dir] of runtimes) {
    add(`${name}: import (ESM)`, [after], async () => {
      ours(dir);
      await must(bin, [...pre, "esm.mjs"], dir, exercised, name === "node");
    });
    add(`${name}: require (CommonJS)`, [after], async () => {
      ours(dir);
      await must(bin, [...pre, "cjs.cjs"], dir, exercised, name === "node");
    });
    add(`${name}: import and require in one program`, [after], async () => {
      ours(dir);
      await must(bin, [...pre, "mixed.cjs"], dir, ["one copy"], name === "node");
    });
  }
  add(`deno: npm:${NAME} specifier`, [npmInstall], async () => {
    ours(app);
    await must(DENO, ["run", "-A", "npm-specifier.mjs"], app, exercised);
  });

  // zeromq.js's example programs, rewritten (examples/dropin/), run
  // unchanged on each runtime: the same output as with zeromq.js, and they end by themselves.
  for (const d of DROPIN) {
    for (const [name, bin, pre, after, dir] of runtimes) {
      add(`${name}: zeromq.js example ${d.file}`, [after], async () => {
        // A directory per case: cases run in parallel, and copying over a file another reads breaks it.
        const cwd = join(dir, `dropin-${name}-${d.file}`);
        mkdirSync(cwd, { recursive: true });
        copyFileSync(join(DROPIN_DIR, d.file), join(cwd, d.file));
        const port = String(await freePort());
        const r = await run(bin, [...pre, d.file], cwd, { PORT: port });
        const shown = `${name} ${d.file}`;
        if (r.code !== 0) throw new Error(`\`${shown}\` exited ${r.code}\n${tail(r.out + "\n" + r.err)}`);
        const got = d.normalise(r.out.replace(new RegExp(`\\b${port}\\b`, "g"), String(d.port)));
        const want = d.normalise(
          readFileSync(join(DROPIN_DIR, "expected", `${d.file}.txt`), "utf8"),
        );
        if (got !== want) throw new Error(`\`${shown}\` printed, normalised:\n${got}\nzeromq.js printed:\n${want}`);
      });
    }
  }

  // TypeScript: [dir, package type, compilerOptions, emit and run?]
  const tsProjects: [string, string, Record<string, unknown>, boolean][] = [
    ["node16-esm", "module", { module: "node16", types: ["node"], typeRoots: [TYPE_ROOTS], skipLibCheck: true }, true],
    ["node16-cjs", "commonjs", {
      module: "node16",
      types: ["node"],
      typeRoots: [TYPE_ROOTS],
      skipLibCheck: true,
    }, true],
    ["nodenext-cjs", "commonjs", {
      module: "nodenext",
      types: ["node"],
      typeRoots: [TYPE_ROOTS],
      skipLibCheck: true,
    }, false],
    // `"module": "commonjs"` alone means node10 resolution, which reads no `exports`.
    ["commonjs-node10", "commonjs", {
      module: "commonjs",
      types: ["node"],
      typeRoots: [TYPE_ROOTS],
      skipLibCheck: true,
    }, true],
    ["bundler", "module", {
      module: "esnext",
      moduleResolution: "bundler",
      types: ["node"],
      typeRoots: [TYPE_ROOTS],
      skipLibCheck: true,
    }, false],
    ["no-types-node", "module", { module: "node16", types: [], skipLibCheck: true }, false],
    // Our declarations themselves, checked, with no @types/node: what they need from `lib`.
    ["no-types-node-checked", "module", {
      module: "node16",
      types: [],
      lib: ["es2022", "dom", "esnext.disposable"],
    }, false],
  ];
  for (const [dir, type, options, emit] of tsProjects) {
    add(`tsc: ${dir}${emit ? ", compiled and run" : ""}`, [npmInstall], async () => {
      const d = join(app, `ts-${dir}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, "package.json"), JSON.stringify({ type }) + "\n");
      writeFileSync(join(d, "main.ts"), MAIN_TS);
      if (type === "commonjs") writeFileSync(join(d, "require.ts"), REQUIRE_TS);
      const compilerOptions = {
        target: "es2022",
        strict: true,
        ...options,
        ...(emit ? { outDir: "out" } : { noEmit: true }),
      };
      writeFileSync(join(d, "tsconfig.json"), JSON.stringify({ compilerOptions }, null, 2) + "\n");
      await must(TSC, ["-p", d], app);
      if (emit) await must("node", [join(d, "out", "main.js")], d, ["typed"]);
    });
  }

  // Deno, JSR-style: what `deno publish` ships, as a workspace member.
  add("deno: JSR-style import of the source (deno.json imports)", [], async () => {
    const denoJson = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
    const member = join(jsr, "zmtp");
    mkdirSync(member, { recursive: true });
    const entries = Object.values(denoJson.exports as Record<string, string>);
    for (const f of [...entries, "lib", "transports", "LICENSE"]) {
      cpSync(join(ROOT, f), join(member, f), { recursive: true });
    }
    delete denoJson.nodeModulesDir; // a workspace root's setting, not a member's
    writeFileSync(join(member, "deno.json"), JSON.stringify(denoJson, null, 2));
    mkdirSync(join(jsr, "app"));
    writeFileSync(join(jsr, "deno.json"), JSON.stringify({ workspace: ["./zmtp", "./app"] }));
    writeFileSync(join(jsr, "app", "deno.json"), "{}");
    writeFileSync(join(jsr, "app", "check.cjs"), CHECK_CJS);
    writeFileSync(
      join(jsr, "app", "main.ts"),
      ESM_MJS.replaceAll(`"${NAME}`, `"${denoJson.name}`),
    );
    await must(DENO, ["run", "-A", "main.ts"], join(jsr, "app"), exercised);
  });

  await Promise.all(cases.map(start));
  console.log(`test_package: ${passed} passed, ${failed} failed`);
  if (offline && failed > 0) {
    console.log("test_package: npm could not reach the registry for the dependencies; skipped");
    return 77;
  }
  return failed > 0 ? 1 : 0;
}

if (import.meta.main) {
  let code = 1;
  try {
    code = await main();
  } catch (e) {
    console.error(`test_package: ${(e as Error).message}`);
  } finally {
    cleanup();
  }
  process.exit(code);
}
