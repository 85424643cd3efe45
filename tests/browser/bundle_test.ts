// The browser bundle (entry.ts through esbuild) builds and needs no server
// runtime; scanBundle(), which scripts/check_browser_bundle.ts relies on,
// finds runtime references and ignores look-alikes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { buildBrowserBundle, scanBundle } from "./build.ts";

test("scanBundle() flags runtime globals, require and Node-only imports", () => {
  const bad = [
    "const e = process.env.HOME;",
    "const fs = require('fs');",
    "globalThis.Deno.exit(1);",
    "if (self['Bun']) {}",
    "const D = Deno;",
    "await import('node:net');",
    "import { WebSocketServer } from 'ws';",
    "export * from 'node:fs';",
    "import x from 'path';",
  ];
  for (const code of bad) assert.equal(scanBundle(code).length, 1, code);
});

test("scanBundle() ignores strings, comments and other objects' members", () => {
  const fine = [
    "const s = 'process and require in a string, node:fs too';",
    "// Deno and Bun in a comment",
    "/** process */ const a = 1;",
    "pipe.process(); x.require = 1; y.Deno = 2;",
    "const o = { process: 1, require() {} };",
    "class C { process() {} get Bun() { return 1; } }",
    "const url = new URL('./ws_server.js', import.meta.url); await import(url.href);",
  ];
  for (const code of fine) assert.deepEqual(scanBundle(code), [], code);
});

test(
  "the browser bundle builds and references no Deno, Bun, process, require or Node module",
  { timeout: 30000 },
  async () => {
    const code = await buildBrowserBundle();
    assert.ok(code.includes("ZWS2.0"), "the ws client is in the bundle");
    assert.ok(code.includes("inproc"), "inproc is in the bundle");
    assert.deepEqual(scanBundle(code), []);
  },
);
