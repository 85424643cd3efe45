/**
 * Builds the npm package from the same TypeScript source with the TypeScript
 * compiler API (the `typescript` devDependency), into `npm/`:
 *
 * - `npm/esm/` mod.js, browser.js, draft.js, lib/, transports/ and their
 *   `.d.ts`: the published code, ES modules, the one implementation;
 * - `npm/cjs/` the CommonJS entries for `require()`: each entry is one line,
 *   `module.exports = require("../esm/<entry>.js")`, beside a copy of the
 *   `.d.ts` tree that TypeScript reads as CommonJS declarations (a
 *   package.json there says `"type": "commonjs"`);
 * - `npm/esm/tests/` the tests, compiled the same way so that `../mod.ts`
 *   resolves to the compiled package; not published (see `files`);
 * - `npm/package.json` generated from deno.json (name, version, license,
 *   exports) and the root package.json's `dependencies`;
 * - `npm/esm/cli.js` the `zmtp` command (cli.ts, deno.json's `./cli`
 *   export): a `bin`, executable, with its `#!/usr/bin/env node` line; not an
 *   import entry of the npm package (importing it would run it).
 *
 * Why CommonJS is a wrapper and not a second build: a program that both
 * `import`s and `require`s the package (or depends on two libraries that do)
 * must get one copy of the library's state: the default Context, the inproc
 * endpoints, the registered transports and the classes `instanceof` checks
 * see. `require()` of an ES module does that: Node returns the very module
 * `import` loaded. It needs Node 20.19+ (where `require(esm)` is on by
 * default), which our dependency @noble/curves 2.x
 * (ES modules only), require anyway; Bun and Deno have it too.
 *
 * Fails on any type error. Uses only `node:` APIs, so it runs under
 * `deno run -A scripts/build_npm.ts` (and `bun scripts/build_npm.ts`).
 *
 * @module
 */

import ts from "typescript";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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
const PUBLISHED_DIRS = ["lib", "transports", "compat"];
/** The executables: `bin` name to the deno.json export that is the program. */
const BINS: Record<string, string> = { zmtp: "./cli" };
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

const DESCRIPTION =
  "ZeroMQ (ZMTP 3.1) in pure TypeScript for Node, Deno, Bun and browsers; talks to libzmq on the wire, zeromq.js v6 API";
const KEYWORDS = ["zeromq", "zmq", "zmtp", "0mq", "libzmq", "messaging", "pubsub", "curve", "websocket", "typescript"];
/**
 * Node 20.19 is where `require()` of an ES module works without a flag (the
 * CommonJS entries rely on it), and what @noble/curves 2.x
 * declare.
 */
const NODE_ENGINES = ">=20.19.0";

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
const isUnder = (p: string, dir: string) => !relative(dir, p).startsWith("..");

/** `@scope/name` becomes `scope-name`: an unscoped npm name we could own. */
export function npmName(denoName: string): string {
  const m = /^@([^/]+)\/(.+)$/.exec(denoName);
  return m ? `${m[1]}-${m[2]}` : denoName;
}

/** `./mod.ts` becomes `mod`: an entry's path in esm/ and cjs/ without extension. */
function entryBase(tsPath: string): string {
  return tsPath.replace(/^\.\//, "").replace(/\.ts$/, "");
}

/**
 * The conditional export of one entry: `import` gets the ES module and its
 * declarations, `require` the CommonJS wrapper and the CommonJS copy of the
 * declarations (TypeScript's node16 resolution in a CommonJS project rejects
 * ESM declarations for a `require`). `types` comes first in each, as
 * TypeScript requires.
 */
export function conditions(tsPath: string): Record<"import" | "require", { types: string; default: string }> {
  const base = entryBase(tsPath);
  return {
    import: { types: `./esm/${base}.d.ts`, default: `./esm/${base}.js` },
    require: { types: `./cjs/${base}.d.ts`, default: `./cjs/${base}.js` },
  };
}

/**
 * Whether importing `file` does something beyond defining its exports: a
 * bare `import "./x.ts"`, or a top-level statement that runs code (a
 * registration such as `registerTransport(...)`, an `if`). Bundlers drop a
 * module that is not listed in `sideEffects` when none of its exports is
 * used, so every such module must be listed. Two kinds of statement do not
 * count: variable declarations (their values are the module's own) and a
 * call whose first argument is `X.prototype` of a class X declared in the
 * same file (it completes that class, which is kept whenever it is used).
 */
export function hasSideEffects(file: string): boolean {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const classes = new Set(
    sf.statements.filter(ts.isClassDeclaration).flatMap((c) => c.name ? [c.name.text] : []),
  );
  const completesOwnClass = (s: ts.Statement) => {
    if (!ts.isExpressionStatement(s) || !ts.isCallExpression(s.expression)) return false;
    const first = s.expression.arguments[0];
    return first !== undefined && ts.isPropertyAccessExpression(first) && first.name.text === "prototype" &&
      ts.isIdentifier(first.expression) && classes.has(first.expression.text);
  };
  return sf.statements.some((s) => {
    if (ts.isImportDeclaration(s)) return s.importClause === undefined;
    if (ts.isExportDeclaration(s) || ts.isExportAssignment(s) || ts.isImportEqualsDeclaration(s)) return false;
    if (
      ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s) ||
      ts.isTypeAliasDeclaration(s) || ts.isEnumDeclaration(s) || ts.isModuleDeclaration(s) ||
      ts.isVariableStatement(s) || ts.isEmptyStatement(s)
    ) return false;
    return !completesOwnClass(s);
  });
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
  const allExports = typeof deno.exports === "string" ? { ".": deno.exports } : deno.exports;
  const binExports = new Set(Object.values(BINS));
  // The programs are bins, not modules to import.
  const exportsMap = Object.fromEntries(Object.entries(allExports).filter(([k]) => !binExports.has(k)));
  const bins: Record<string, string> = {};
  for (const [name, key] of Object.entries(BINS)) {
    const src = allExports[key];
    if (src === undefined) throw new Error(`build_npm: deno.json exports no ${key} for the ${name} bin`);
    bins[name] = src;
  }

  const entryFiles = [...Object.values(exportsMap), ...Object.values(bins)].map((p) => join(ROOT, p));
  const published = [join(ROOT, "mod.ts"), ...entryFiles, ...PUBLISHED_DIRS.flatMap((d) => walk(join(ROOT, d), isTs))];
  const tests = TEST_DIRS.flatMap((d) => walk(join(ROOT, d), isTs));
  const rootNames = [...new Set([...published, ...tests])];

  const esm = join(STAGING, "esm");
  rmSync(STAGING, { recursive: true, force: true });
  mkdirSync(esm, { recursive: true });
  compile(rootNames, esm);
  // npm makes a bin executable on install; this is for running it from npm/ directly.
  for (const src of Object.values(bins)) chmodSync(join(esm, `${entryBase(src)}.js`), 0o755);

  // Fixtures next to the tests (peer scripts, data) keep their relative place.
  for (const d of TEST_DIRS) {
    for (const f of walk(join(ROOT, d), (p) => !p.endsWith(".ts"))) {
      const to = join(esm, relative(ROOT, f));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(f, to);
    }
  }

  // CommonJS: one wrapper per entry and the declarations again, read as CommonJS.
  const cjs = join(STAGING, "cjs");
  for (const f of walk(esm, (p) => p.endsWith(".d.ts") && !isUnder(p, join(esm, "tests")))) {
    const to = join(cjs, relative(esm, f));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(f, to);
  }
  writeFileSync(join(cjs, "package.json"), JSON.stringify({ type: "commonjs" }, null, 2) + "\n");
  for (const entry of Object.values(exportsMap)) {
    const base = entryBase(entry);
    const rel = relative(dirname(join(cjs, base)), join(esm, base)).split("\\").join("/"); // "../esm/mod"
    writeFileSync(
      join(cjs, `${base}.js`),
      `"use strict";\n// The ES module itself (require(esm), Node 20.19+): one copy of the library's state.\n` +
        `module.exports = require(${JSON.stringify(`${rel}.js`)});\n`,
    );
  }

  const exportsField: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(exportsMap)) exportsField[k] = conditions(v);
  exportsField["./package.json"] = "./package.json";
  const main = conditions(exportsMap["."] ?? "./mod.ts");

  const files = [
    ...Object.values(exportsMap).flatMap((v) => [`esm/${entryBase(v)}.js`, `esm/${entryBase(v)}.d.ts`]),
    ...Object.values(bins).map((v) => `esm/${entryBase(v)}.js`),
    ...PUBLISHED_DIRS.map((d) => `esm/${d}/`),
    "cjs/",
  ];
  for (const f of ["README.md", "LICENSE"]) {
    if (existsSync(join(ROOT, f))) {
      cpSync(join(ROOT, f), join(STAGING, f));
      files.push(f);
    }
  }

  // The modules that act on import (mod.js registers tcp, ipc, udp and ws),
  // and the CommonJS wrappers, which load them.
  const sideEffects = [
    ...published.filter(hasSideEffects).map((f) => `./esm/${relative(ROOT, f).replace(/\.ts$/, ".js")}`),
    ...Object.values(exportsMap).map((v) => `./cjs/${entryBase(v)}.js`),
  ].map((f) => f.split("\\").join("/"));

  // TypeScript's node10 resolution (`"module": "commonjs"` without a
  // moduleResolution, as many CommonJS projects have) reads no `exports`: it
  // finds the subpaths' declarations here.
  const typesVersions: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(exportsMap)) {
    if (k !== ".") typesVersions[k.replace(/^\.\//, "")] = [conditions(v).require.types];
  }

  const npmPkg = {
    name: npmName(deno.name),
    version: deno.version,
    description: DESCRIPTION,
    keywords: KEYWORDS,
    license: deno.license ?? "MIT",
    type: "module",
    main: main.require.default,
    bin: Object.fromEntries(Object.entries(bins).map(([name, src]) => [name, `./esm/${entryBase(src)}.js`])),
    types: main.require.types,
    exports: exportsField,
    typesVersions: { "*": typesVersions },
    sideEffects: [...new Set(sideEffects)].sort(),
    files: [...new Set(files)],
    engines: { node: NODE_ENGINES },
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
