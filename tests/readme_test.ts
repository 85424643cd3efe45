// Every TypeScript/JavaScript snippet of the README after its Install
// section (which scripts/test_package.ts runs against the packed tarball)
// runs as written: each is a child process of this runtime, in a fresh
// directory, importing this checkout's mod.ts where the snippet says
// "./mod.ts", and must exit 0 by itself. The fixed ports the snippets use
// (5555, 5556) are swapped for free ones so parallel runs cannot collide;
// a `// text` comment after console.log is checked against what it prints
// when the snippet says so by an exact value.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import { freeTcpAddress } from "./_helpers.ts";
import { ROOT, RUNTIME } from "./interop/_harness.ts";

interface Snippet {
  line: number;
  code: string;
}

function snippets(): Snippet[] {
  const text = readFileSync(join(ROOT, "README.md"), "utf8");
  const lines = text.split("\n");
  const out: Snippet[] = [];
  let inInstall = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith("## ")) inInstall = l === "## Install";
    if (inInstall || !/^```(ts|js)\s*$/.test(l)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].startsWith("```")) end++;
    out.push({ line: start, code: lines.slice(start, end).join("\n") });
    i = end;
  }
  return out;
}

function run(file: string, cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  const exe = process.execPath; // this runtime's binary
  const args = RUNTIME === "deno" ? ["run", "-A", `--config=${join(ROOT, "deno.json")}`, file] : [file];
  return new Promise((resolve) => {
    const child = spawn(exe, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout!.on("data", (d: Uint8Array) => out += new TextDecoder().decode(d));
    child.stderr!.on("data", (d: Uint8Array) => err += new TextDecoder().decode(d));
    // A safety net only: a snippet that hangs fails here instead of stalling the suite.
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe("README snippets run as written", {
  skip: RUNTIME === "node" && "TypeScript snippets: Deno and Bun run them (Node runs the Install section's programs)",
}, () => {
  for (const s of snippets()) {
    test(`README.md line ${s.line}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "zmtp-readme-"));
      try {
        let code = s.code.replaceAll('"./mod.ts"', '"../../mod.ts"');
        for (const port of ["5555", "5556"]) {
          if (!code.includes(`:${port}`)) continue;
          const free = (await freeTcpAddress()).split(":").pop()!;
          code = code.replaceAll(`:${port}"`, `:${free}"`);
        }
        // Inside the checkout, so that mod.ts's npm dependencies resolve; run in `dir` (the cert snippet writes files).
        mkdirSync(join(ROOT, ".tmp", "readme"), { recursive: true });
        const file = join(ROOT, ".tmp", "readme", `line-${s.line}-${RUNTIME}.ts`);
        writeFileSync(file, code);
        const r = await run(file, dir);
        assert.equal(r.code, 0, `exit ${r.code}\n${r.err.slice(-2000)}`);
        // `console.log(...); // a b c` states what the line prints: those lines, in order.
        const expected = [...s.code.matchAll(/console\.log\([^\n]*\); \/\/ ([^\n:]+?)(?:$|\n)/g)]
          .map((m) => m[1].trim())
          .filter((e) => !e.includes(",") && !e.includes("(") && !e.startsWith('"'));
        const printed = r.out.trim().split("\n").map((l) => l.trim());
        for (const e of expected) assert.ok(printed.includes(e), `prints "${e}" (got ${JSON.stringify(printed)})`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        rmSync(join(ROOT, ".tmp", "readme", `line-${s.line}-${RUNTIME}.ts`), { force: true });
      }
    });
  }
});
