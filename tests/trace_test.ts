// Debug tracing (lib/trace.ts): a readable line per connect, bind,
// greeting, handshake, subscription, disconnect and error, per socket; off
// by default; on with ZMTP_DEBUG in the environment (to stderr) or
// setTracer().

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import { Publisher, setTracer, Subscriber, tracing } from "../mod.ts";
import { closeAll, WAIT, withTimeout } from "./_helpers.ts";
import { builtNodeLib, ROOT, RUNTIME } from "./interop/_harness.ts";

async function until(lines: string[], re: RegExp, what: string): Promise<void> {
  const end = Date.now() + WAIT;
  while (!lines.some((l) => re.test(l))) {
    if (Date.now() > end) throw new Error(`no trace line for ${what}; got:\n${lines.join("\n")}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("debug tracing", () => {
  test("off by default", () => {
    if (process.env.ZMTP_DEBUG === undefined) assert.equal(tracing(), null);
  });

  test("setTracer(): binds, connects, greetings, handshakes, subscriptions, disconnects, per socket", async () => {
    const lines: string[] = [];
    setTracer((l) => lines.push(l));
    const pub = new Publisher({ linger: 0 });
    const sub = new Subscriber({ linger: 0 });
    setTracer(null);
    try {
      await pub.bind("tcp://127.0.0.1:*");
      sub.subscribe("weather");
      sub.connect(pub.lastEndpoint!);
      await until(lines, /^PUB#\d+ tcp:\/\/127\.0\.0\.1:\d+: peer subscribes to "weather"$/, "the PUB's subscription");
      for (
        const re of [
          /^PUB#\d+ opened$/,
          /^SUB#\d+ opened$/,
          /^PUB#\d+ bind tcp:\/\/127\.0\.0\.1:\d+$/,
          /^SUB#\d+ subscribe "weather"$/,
          /^SUB#\d+ connect tcp:\/\/127\.0\.0\.1:\d+$/,
          /^SUB#\d+ tcp:\/\/127\.0\.0\.1:\d+: greeting from .*: ZMTP 3\.1, NULL$/,
          /^PUB#\d+ handshake tcp:\/\/127\.0\.0\.1:\d+/,
        ]
      ) await until(lines, re, String(re));
      pub.close();
      await until(lines, /^SUB#\d+ disconnect tcp:/, "the SUB's disconnect");
      await until(lines, /^PUB#\d+ closed$/, "the PUB's close");
    } finally {
      closeAll(pub, sub);
    }
  });

  test("ZMTP_DEBUG=1 writes the lines to stderr; without it, nothing", async () => {
    const lib = RUNTIME === "node" ? builtNodeLib() : join(ROOT, "mod.ts");
    assert.ok(lib !== undefined, "the npm build is missing");
    mkdirSync(join(ROOT, ".tmp"), { recursive: true });
    const script = join(ROOT, ".tmp", `trace-child-${RUNTIME}.mjs`);
    writeFileSync(
      script,
      `const { Push } = await import(${JSON.stringify(new URL(`file://${lib}`).href)});
const p = new Push(); await p.bind("tcp://127.0.0.1:*"); p.close(); console.log("done");`,
    );
    const run = (env: Record<string, string | undefined>) =>
      new Promise<{ err: string; out: string }>((resolve, reject) => {
        const args = RUNTIME === "deno" ? ["run", "-A", script] : [script];
        const child = spawn(process.execPath, args, {
          env: { ...process.env, ...env },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let err = "", out = "";
        child.stderr!.on("data", (d: Uint8Array) => err += new TextDecoder().decode(d));
        child.stdout!.on("data", (d: Uint8Array) => out += new TextDecoder().decode(d));
        child.on("error", reject);
        child.on("exit", () => resolve({ err, out }));
      });
    const on = await withTimeout(run({ ZMTP_DEBUG: "1" }), 30_000, "child with ZMTP_DEBUG");
    assert.equal(on.out.trim(), "done");
    assert.match(on.err, /^zmtp: PUSH#1 opened$/m);
    assert.match(on.err, /^zmtp: PUSH#1 bind tcp:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(on.err, /^zmtp: PUSH#1 closed$/m);
    const off = await withTimeout(run({ ZMTP_DEBUG: undefined }), 30_000, "child without ZMTP_DEBUG");
    assert.equal(off.out.trim(), "done");
    assert.doesNotMatch(off.err, /zmtp:/);
  });
});
