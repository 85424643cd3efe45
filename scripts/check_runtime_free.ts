/**
 * Proves the runtime-agnostic code touches no runtime: mod.ts, lib/**, and
 * the browser transports (transports/websocket.ts, transports/inproc.ts, when
 * present) must not use `Deno.*`, `Bun.*`, `process.*` (also through
 * `globalThis`), `require(...)`, or import `node:*` or a bare Node built-in.
 * It parses each file with the TypeScript compiler, so comments and strings
 * never trip it. Exits 1 with `file:line:col` for each violation.
 *
 * Usage: `deno run -A scripts/check_runtime_free.ts [files...]`
 *
 * @module
 */

import ts from "typescript";
import { builtinModules } from "node:module";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RUNTIME_GLOBALS = new Set(["Deno", "Bun", "process"]);
const NODE_BUILTINS = new Set(builtinModules);
const BROWSER_TRANSPORTS = ["transports/websocket.ts", "transports/inproc.ts"];

/** One use of a runtime API in a file meant to be runtime-free. */
export interface Violation {
  file: string;
  line: number;
  column: number;
  message: string;
}

function isNodeSpecifier(spec: string): boolean {
  return spec.startsWith("node:") || NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(spec.split("/")[0]);
}

/**
 * Lists the runtime API uses in one source text.
 *
 * @param file The path reported in each violation.
 * @param text The TypeScript source.
 * @returns The violations, in source order.
 */
export function scan(file: string, text: string): Violation[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Violation[] = [];
  const report = (node: ts.Node, message: string) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    out.push({ file, line: line + 1, column: character + 1, message });
  };
  const specifier = (node: ts.Node, spec: ts.Expression | undefined, how: string) => {
    if (spec && ts.isStringLiteralLike(spec) && isNodeSpecifier(spec.text)) {
      report(node, `${how} of Node built-in "${spec.text}"`);
    }
  };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      specifier(node, node.moduleSpecifier, "import");
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      specifier(node, node.moduleReference.expression, "import");
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      specifier(node, node.argument.literal as ts.Expression, "type import");
    } else if (ts.isCallExpression(node)) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        specifier(node, node.arguments[0], "dynamic import");
      } else if (ts.isIdentifier(node.expression) && node.expression.text === "require") {
        report(node, "require() call");
      }
    } else if (ts.isPropertyAccessExpression(node)) {
      const obj = unwrap(node.expression);
      if (ts.isIdentifier(obj) && RUNTIME_GLOBALS.has(obj.text)) {
        report(node, `use of ${obj.text}.${node.name.text}`);
      } else if (ts.isIdentifier(obj) && obj.text === "globalThis" && RUNTIME_GLOBALS.has(node.name.text)) {
        report(node, `use of globalThis.${node.name.text}`);
      }
    } else if (ts.isElementAccessExpression(node)) {
      const obj = unwrap(node.expression);
      const key = node.argumentExpression;
      if (ts.isIdentifier(obj) && ts.isStringLiteralLike(key)) {
        if (RUNTIME_GLOBALS.has(obj.text)) report(node, `use of ${obj.text}["${key.text}"]`);
        else if (obj.text === "globalThis" && RUNTIME_GLOBALS.has(key.text)) {
          report(node, `use of globalThis["${key.text}"]`);
        }
      }
    } else if (ts.isTypeReferenceNode(node)) {
      const n = node.typeName;
      const head = ts.isQualifiedName(n) ? leftmost(n) : n;
      if (head.text === "Deno" || head.text === "Bun" || head.text === "NodeJS") {
        report(node, `type from the ${head.text} namespace`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** `(globalThis as any)` is still `globalThis`. */
function unwrap(e: ts.Expression): ts.Expression {
  while (
    ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) ||
    ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)
  ) e = e.expression;
  return e;
}

function leftmost(n: ts.QualifiedName): ts.Identifier {
  let x: ts.EntityName = n;
  while (ts.isQualifiedName(x)) x = x.left;
  return x;
}

function tsFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out.sort();
}

/** The files that must stay runtime-free: mod.ts, lib/**, browser transports. */
export function defaultFiles(root: string): string[] {
  return [
    join(root, "mod.ts"),
    join(root, "browser.ts"),
    ...tsFiles(join(root, "lib")),
    ...BROWSER_TRANSPORTS.map((f) => join(root, f)).filter((f) => existsSync(f)),
  ];
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const files = args.length > 0 ? args.map((f) => resolve(f)) : defaultFiles(ROOT);
  let bad = 0;
  for (const f of files) {
    for (const v of scan(relative(ROOT, f), readFileSync(f, "utf8"))) {
      console.error(`${v.file}:${v.line}:${v.column}: ${v.message}`);
      bad++;
    }
  }
  if (bad > 0) {
    console.error(`check_runtime_free: ${bad} violation(s) in code that must run on any runtime`);
    process.exit(1);
  }
  console.log(`check_runtime_free: ${files.length} files free of Deno, Bun, process, require and node:`);
}
