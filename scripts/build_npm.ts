/**
 * Builds the npm package from the same TypeScript source with the TypeScript
 * compiler API (the `typescript` devDependency), into `npm/`:
 *
 * - `npm/esm/` mod.js, lib/, transports/ and their `.d.ts`: the published code;
 * - `npm/esm/tests/` the tests, compiled the same way so that `../mod.ts`
 *   resolves to the compiled package; not published (see `files`);
 * - `npm/package.json` generated from deno.json (name, version, license,
 *   exports) and the root package.json's `dependencies`.
 *
 * Fails on any type error. Uses only `node:` APIs, so it runs under
 * `deno run -A scripts/build_npm.ts` (and `bun scripts/build_npm.ts`).
 *
 * @module
 */

import ts from "typescript";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { checkVersions } from "./check_versions.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "npm");
/**
 * Built here, then renamed over npm/ in one step: a concurrent reader of
 * npm/ (node --test, the demo, a bench) never sees it half-built or empty.
 * Inside the repository so the tests still resolve node_modules/.
 */
const STAGING = join(ROOT, ".tmp", `npm-build-${process.pid}`);

/** Source trees compiled into npm/esm/; tests/ is compiled but not published. */
const PUBLISHED_DIRS = ["lib", "transports"];
const TEST_DIRS = ["tests"];

/**
 * The compiler settings for Node 20+: ES2022 output, NodeNext ESM, `.ts`
 * import specifiers rewritten to `.js`. `lib` stops at ES2023 so that an API
 * Node 20 lacks (e.g. `Promise.withResolvers`) is a type error here.
 */
export const COMPILER_OPTIONS = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  lib: ["ES2023", "DOM", "DOM.Iterable", "DOM.AsyncIterable"],
  types: ["node"],
  rewriteRelativeImportExtensions: true,
  isolatedModules: true,
  strict: true,
  declaration: true,
  skipLibCheck: true,
  noEmitOnError: true,
  newLine: "lf",
};

interface DenoJson {
  name: string;
  version: string;
  license?: string;
  exports: string | Record<string, string>;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

function walk(dir: string, keep: (path: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out.sort();
}

const isTs = (p: string) => p.endsWith(".ts") && !p.endsWith(".d.ts");

/** `@scope/name` becomes `scope-name`: an unscoped npm name we could own. */
export function npmName(denoName: string): string {
  const m = /^@([^/]+)\/(.+)$/.exec(denoName);
  return m ? `${m[1]}-${m[2]}` : denoName;
}

/** `./mod.ts` becomes `{ types: "./esm/mod.d.ts", import: "./esm/mod.js" }`. */
function conditions(tsPath: string): { types: string; import: string } {
  const base = "./esm/" + tsPath.replace(/^\.\//, "").replace(/\.ts$/, "");
  return { types: `${base}.d.ts`, import: `${base}.js` };
}

function compile(rootNames: string[], outDir: string): void {
  const conv = ts.convertCompilerOptionsFromJson(COMPILER_OPTIONS, ROOT);
  if (conv.errors.length > 0) fail(conv.errors);
  const options: ts.CompilerOptions = { ...conv.options, rootDir: ROOT, outDir };
  const program = ts.createProgram({ rootNames, options });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) fail(diagnostics);
  const emitted = program.emit();
  if (emitted.emitSkipped || emitted.diagnostics.length > 0) fail(emitted.diagnostics);
}

function fail(diagnostics: readonly ts.Diagnostic[]): never {
  const host: ts.FormatDiagnosticsHost = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => ROOT,
    getNewLine: () => "\n",
  };
  const color = process.stderr.isTTY && !process.env.NO_COLOR;
  console.error((color ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics)(diagnostics, host));
  console.error(`build_npm: ${diagnostics.length} TypeScript error(s); npm/ not built`);
  rmSync(STAGING, { recursive: true, force: true });
  process.exit(1);
}

function main(): void {
  const t0 = performance.now();
  const deno = readJson<DenoJson>(join(ROOT, "deno.json"));
  const pkg = readJson<{ dependencies?: Record<string, string> }>(join(ROOT, "package.json"));
  const exportsMap = typeof deno.exports === "string" ? { ".": deno.exports } : deno.exports;

  const entryFiles = Object.values(exportsMap).map((p) => join(ROOT, p));
  const published = [join(ROOT, "mod.ts"), ...entryFiles, ...PUBLISHED_DIRS.flatMap((d) => walk(join(ROOT, d), isTs))];
  const tests = TEST_DIRS.flatMap((d) => walk(join(ROOT, d), isTs));
  const rootNames = [...new Set([...published, ...tests])];

  const esm = join(STAGING, "esm");
  rmSync(STAGING, { recursive: true, force: true });
  mkdirSync(esm, { recursive: true });
  compile(rootNames, esm);

  // Fixtures next to the tests (peer scripts, data) keep their relative place.
  for (const d of TEST_DIRS) {
    for (const f of walk(join(ROOT, d), (p) => !p.endsWith(".ts"))) {
      const to = join(esm, relative(ROOT, f));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(f, to);
    }
  }

  const exportsField: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(exportsMap)) exportsField[k] = conditions(v);
  exportsField["./package.json"] = "./package.json";
  const main = conditions(exportsMap["."] ?? "./mod.ts");

  const entries = Object.values(exportsField).filter((v): v is { import: string; types: string } =>
    typeof v === "object"
  );
  const files = [...entries.flatMap((e) => [e.import, e.types]), ...PUBLISHED_DIRS.map((d) => `esm/${d}/`)].map((f) =>
    f.replace(/^\.\//, "")
  );
  for (const f of ["README.md", "LICENSE"]) {
    if (existsSync(join(ROOT, f))) {
      cpSync(join(ROOT, f), join(STAGING, f));
      files.push(f);
    }
  }

  const npmPkg = {
    name: npmName(deno.name),
    version: deno.version,
    description: "ZeroMQ (ZMTP 3.1) in pure TypeScript for Node, Deno and Bun; talks to libzmq on the wire",
    license: deno.license ?? "MIT",
    type: "module",
    main: main.import,
    types: main.types,
    exports: exportsField,
    files: [...new Set(files)],
    engines: { node: ">=20" },
    dependencies: pkg.dependencies ?? {},
  };
  writeFileSync(join(STAGING, "package.json"), JSON.stringify(npmPkg, null, 2) + "\n");

  const old = `${STAGING}-old`;
  if (existsSync(OUT)) renameSync(OUT, old);
  renameSync(STAGING, OUT);
  rmSync(old, { recursive: true, force: true });

  const problems = checkVersions(ROOT, { npm: true });
  if (problems.length > 0) {
    for (const p of problems) console.error(`build_npm: ${p}`);
    process.exit(1);
  }

  const ms = Math.round(performance.now() - t0);
  console.log(
    `build_npm: ${npmPkg.name}@${npmPkg.version} -> npm/ (${published.length} package + ${tests.length} test files, ${ms} ms)`,
  );
}

if (import.meta.main) main();
