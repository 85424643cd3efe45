// The browser bundle step: esbuild over entry.ts for the browser platform,
// in memory, and the scan that proves the bundle needs no server runtime.
// Used by the browser tests and scripts/check_browser_bundle.ts.

import * as esbuild from "esbuild";
import ts from "typescript";
import { builtinModules } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The repository root: the directory whose package.json is named "zmtp-dev". */
export function repoRoot(): string {
  const isRoot = (d: string) => {
    try {
      return JSON.parse(readFileSync(join(d, "package.json"), "utf8")).name === "zmtp-dev";
    } catch {
      return false;
    }
  };
  // From tests/browser/, or from the npm build's copy under npm/esm/tests/browser/.
  for (let d = dirname(fileURLToPath(import.meta.url));; d = dirname(d)) {
    if (isRoot(d)) return d;
    if (dirname(d) === d) break;
  }
  if (isRoot(process.cwd())) return process.cwd();
  throw new Error("Cannot find the repository root (a package.json named zmtp-dev)");
}

/** tests/browser/ in the source tree. */
export function browserDir(): string {
  const dir = join(repoRoot(), "tests", "browser");
  if (!existsSync(join(dir, "entry.ts"))) throw new Error(`${dir}/entry.ts is missing`);
  return dir;
}

/**
 * Bundles entry.ts for browsers as one ES module.
 *
 * @returns The bundle's source text.
 * @throws When esbuild fails, e.g. on an import of a Node built-in.
 */
export async function buildBrowserBundle(): Promise<string> {
  try {
    const result = await esbuild.build({
      entryPoints: [join(browserDir(), "entry.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    return result.outputFiles[0].text;
  } finally {
    // esbuild's service process would keep Deno and Bun alive.
    await esbuild.stop();
  }
}

/** One thing in a bundle that only a server runtime has. */
export interface BundleViolation {
  line: number;
  column: number;
  message: string;
}

const RUNTIME_NAMES = new Set(["Deno", "Bun", "process", "require"]);
const GLOBAL_OBJECTS = new Set(["globalThis", "self", "window", "global"]);
const NODE_MODULES = new Set([...builtinModules, "ws"]);

function nodeOnly(spec: string): boolean {
  return spec.startsWith("node:") || NODE_MODULES.has(spec) || NODE_MODULES.has(spec.split("/")[0]);
}

/**
 * Scans JavaScript for references to Deno, Bun, process or require (as
 * variables, or as properties of the global object) and for imports of Node
 * built-ins or of the `ws` package. Strings, comments and property names of
 * other objects (`pipe.process`) do not count.
 *
 * @param code The bundle's text.
 * @returns The violations, in source order.
 */
export function scanBundle(code: string): BundleViolation[] {
  const sf = ts.createSourceFile("bundle.js", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const out: BundleViolation[] = [];
  const report = (node: ts.Node, message: string) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    out.push({ line: line + 1, column: character + 1, message });
  };
  const spec = (node: ts.Node, s: ts.Node | undefined) => {
    if (s && ts.isStringLiteralLike(s) && nodeOnly(s.text)) report(node, `import of "${s.text}"`);
  };
  // A name that is a member name, not a reference: `a.process`, `{ process: 1 }`, `process() {}`.
  const isMemberName = (id: ts.Identifier): boolean => {
    const p = id.parent;
    if (ts.isPropertyAccessExpression(p) && p.name === id) {
      const obj = p.expression;
      return !(ts.isIdentifier(obj) && GLOBAL_OBJECTS.has(obj.text));
    }
    return (ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) ||
      ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p) || ts.isPropertySignature(p)) &&
      p.name === id;
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) spec(node, node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      spec(node, node.arguments[0]);
    } else if (ts.isIdentifier(node) && RUNTIME_NAMES.has(node.text) && !isMemberName(node)) {
      report(node, `reference to ${node.text}`);
    } else if (ts.isElementAccessExpression(node)) {
      const obj = node.expression, key = node.argumentExpression;
      if (
        ts.isIdentifier(obj) && GLOBAL_OBJECTS.has(obj.text) && ts.isStringLiteralLike(key) &&
        RUNTIME_NAMES.has(key.text)
      ) {
        report(node, `reference to ${obj.text}["${key.text}"]`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}
