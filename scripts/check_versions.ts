/**
 * Keeps the version in one place: deno.json's `version` (the source of truth)
 * must be valid semver and equal to every `VERSION = "..."` constant in
 * mod.ts, lib/ and transports/, and, with `--npm`, to the version in the
 * generated npm/package.json. The root package.json is private dev tooling
 * and carries no version. The npm dependencies are stated twice, in
 * package.json's `dependencies` (for npm and the npm build) and in deno.json's
 * `imports` (for Deno and JSR, e.g. `"ws": "npm:ws@8.23.0"`): both must name
 * the same packages at the same versions.
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
  problems.push(...checkDependencies(root));
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

/** `npm:ws@8.23.0`, `npm:/@noble/curves@2.4.0/` give `["ws", "8.23.0"]`, `["@noble/curves", "2.4.0"]`. */
function npmTarget(target: string): [string, string] | null {
  const m = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)@([^/]+)\/?$/.exec(target);
  return m ? [m[1], m[2]] : null;
}

/**
 * Compares package.json's `dependencies` with deno.json's npm `imports`
 * (which may also map devDependencies that only the tests and benches use).
 *
 * @param root The repository root.
 * @returns One message per package missing from one side or at two versions.
 */
export function checkDependencies(root: string): string[] {
  const problems: string[] = [];
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const deps: Record<string, string> = pkg.dependencies ?? {};
  const devDeps: Record<string, string> = pkg.devDependencies ?? {};
  const imports: Record<string, string> = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).imports ?? {};
  const mapped = new Map<string, string>();
  for (const [key, target] of Object.entries(imports)) {
    const t = npmTarget(target);
    if (t === null) continue;
    const [name, version] = t;
    if (mapped.has(name) && mapped.get(name) !== version) {
      problems.push(`deno.json: imports map ${name} at both ${mapped.get(name)} and ${version}`);
    }
    mapped.set(name, version);
    const declared = deps[name] ?? devDeps[name];
    if (declared === undefined) {
      problems.push(`deno.json: imports "${key}" from npm:${name}, which package.json's dependencies lack`);
    } else if (declared !== version) {
      problems.push(`deno.json: imports ${name}@${version} but package.json depends on ${name}@${declared}`);
    }
  }
  for (const name of Object.keys(deps)) {
    if (!mapped.has(name)) problems.push(`deno.json: imports has no entry for ${name} (a package.json dependency)`);
  }
  return problems;
}

if (import.meta.main) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const problems = checkVersions(root, { npm: process.argv.includes("--npm") });
  for (const p of problems) console.error(`check_versions: ${p}`);
  if (problems.length > 0) process.exit(1);
  const version = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).version;
  console.log(`check_versions: ${version} everywhere; package.json and deno.json agree on the npm dependencies`);
}
