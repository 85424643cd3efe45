/**
 * Keeps the version in one place: deno.json's `version` (the source of truth)
 * must be valid semver and equal to every `VERSION = "..."` constant in
 * mod.ts, lib/ and transports/, and, with `--npm`, to the version in the
 * generated npm/package.json. The root package.json is private dev tooling
 * and carries no version.
 *
 * Usage: `deno run -A scripts/check_versions.ts [--npm]`
 *
 * @module
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const CONSTANT = /\bexport\s+const\s+VERSION\s*(?::\s*string\s*)?=\s*["'`]([^"'`]*)["'`]/g;

function tsFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

/**
 * Compares every version the repository states with deno.json's.
 *
 * @param root The repository root.
 * @param options `npm: true` also requires npm/package.json to exist and agree.
 * @returns One message per disagreement; empty when all agree.
 */
export function checkVersions(root: string, options: { npm?: boolean } = {}): string[] {
  const problems: string[] = [];
  const version = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).version;
  if (typeof version !== "string" || !SEMVER.test(version)) {
    return [`deno.json: version ${JSON.stringify(version)} is not semver`];
  }
  const sources = [join(root, "mod.ts"), ...tsFiles(join(root, "lib")), ...tsFiles(join(root, "transports"))];
  for (const f of sources) {
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(CONSTANT)) {
      if (m[1] !== version) {
        const line = text.slice(0, m.index).split("\n").length;
        problems.push(`${relative(root, f)}:${line}: VERSION is "${m[1]}" but deno.json says "${version}"`);
      }
    }
  }
  if (options.npm) {
    const p = join(root, "npm", "package.json");
    if (!existsSync(p)) {
      problems.push("npm/package.json is missing: run scripts/build_npm.ts");
    } else {
      const v = JSON.parse(readFileSync(p, "utf8")).version;
      if (v !== version) problems.push(`npm/package.json: version "${v}" but deno.json says "${version}"`);
    }
  }
  return problems;
}

if (import.meta.main) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const problems = checkVersions(root, { npm: process.argv.includes("--npm") });
  for (const p of problems) console.error(`check_versions: ${p}`);
  if (problems.length > 0) process.exit(1);
  const version = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).version;
  console.log(`check_versions: ${version} everywhere`);
}
