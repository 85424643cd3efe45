/**
 * Proves two things about the module graph of lib/ (type imports and
 * dynamic `import()` count as edges too):
 * - there is no import cycle;
 * - the codec, lib/zmtp/, imports nothing above it: only lib/zmtp/ itself,
 *   lib/errors.ts, lib/bytes.ts and npm packages.
 * Exits 1 naming each cycle and each upward import.
 *
 * Usage: `deno run --allow-read scripts/check_imports.ts`
 *
 * @module
 */

import ts from "typescript";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const LIB = join(ROOT, "lib");
const CODEC = join(LIB, "zmtp");
const CODEC_MAY_USE = [join(LIB, "errors.ts"), join(LIB, "bytes.ts")];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

/** The lib/ files one file imports (relative specifiers only). */
export function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  const out: string[] = [];
  for (const { fileName } of info.importedFiles) {
    if (!fileName.startsWith(".")) continue;
    const target = resolve(dirname(file), fileName);
    if (existsSync(target)) out.push(target);
  }
  return out;
}

const all = files(LIB);
const graph = new Map(all.map((f) => [f, importsOf(f)]));
const problems: string[] = [];
const rel = (f: string) => relative(ROOT, f);

for (const [f, deps] of graph) {
  if (!f.startsWith(CODEC + "/")) continue;
  for (const d of deps) {
    if (!d.startsWith(CODEC + "/") && !CODEC_MAY_USE.includes(d)) {
      problems.push(`${rel(f)} imports ${rel(d)}: lib/zmtp/ may import only itself, lib/errors.ts and lib/bytes.ts`);
    }
  }
}

// Cycles: a depth-first search that reports each back edge's loop once.
const state = new Map<string, 1 | 2>();
const stack: string[] = [];
const seen = new Set<string>();
function visit(f: string): void {
  state.set(f, 1);
  stack.push(f);
  for (const d of graph.get(f) ?? []) {
    if (state.get(d) === 1) {
      const loop = stack.slice(stack.indexOf(d)).concat(d).map(rel);
      const key = [...loop].slice(0, -1).sort().join(" ");
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(`import cycle: ${loop.join(" -> ")}`);
      }
    } else if (state.get(d) === undefined) visit(d);
  }
  stack.pop();
  state.set(f, 2);
}
for (const f of all) if (state.get(f) === undefined) visit(f);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`check_imports: ${all.length} files in lib/, no cycle, lib/zmtp/ imports nothing above it`);
