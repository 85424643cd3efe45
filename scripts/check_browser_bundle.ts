/**
 * Builds the browser bundle (tests/browser/entry.ts: the socket types,
 * inproc and the ws:// client) with esbuild for the browser platform, and
 * fails if the build fails (e.g. an import of a Node built-in) or if the
 * bundle references Deno, Bun, process or require, or imports `node:*`, a
 * Node built-in or the `ws` package. Strings and comments do not count.
 *
 * Usage: `deno run -A scripts/check_browser_bundle.ts` (also `bun`).
 *
 * @module
 */

import process from "node:process";
import { buildBrowserBundle, scanBundle } from "../tests/browser/build.ts";

if (import.meta.main) {
  let code: string;
  try {
    code = await buildBrowserBundle();
  } catch (e) {
    console.error(`check_browser_bundle: the browser build failed:\n${(e as Error).message}`);
    process.exit(1);
  }
  const problems = scanBundle(code);
  for (const p of problems) console.error(`bundle.js:${p.line}:${p.column}: ${p.message}`);
  if (problems.length > 0) {
    console.error(`check_browser_bundle: ${problems.length} server-runtime reference(s) in the browser bundle`);
    process.exit(1);
  }
  const kb = (new TextEncoder().encode(code).length / 1024).toFixed(0);
  console.log(`check_browser_bundle: ${kb} KiB bundle, no Deno, Bun, process, require or Node modules`);
}
