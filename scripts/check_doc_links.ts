/**
 * Generates the HTML API reference (`deno doc --html` over the package's
 * entries) into `.tmp/docs` and checks its links: every relative `href` and
 * `src` must name a file that was generated, and every `#fragment` an `id`
 * in that file. External links are not fetched (CI may be offline).
 *
 *   deno run -A scripts/check_doc_links.ts [outDir] [--no-generate]
 *
 * Exits 1 and lists the broken links when there are any.
 *
 * @module
 */

import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { spawnSync } from "node:child_process";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");
const args = process.argv.slice(2);
const out = resolve(ROOT, args.find((a) => !a.startsWith("--")) ?? ".tmp/docs");
const deno = process.execPath;

// deno doc --html does not make missing parents (.tmp in a fresh clone).
mkdirSync(out, { recursive: true });
const gen = args.includes("--no-generate") ? { status: 0, stderr: "" } : spawnSync(
  deno,
  ["doc", "--html", "--name=zmtp-zeromq", `--output=${out}`, "mod.ts", "browser.ts", "draft.ts", "v5-compat.ts"],
  { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
);
if (gen.status !== 0) {
  console.error(gen.stderr);
  console.error("check_doc_links: deno doc --html failed");
  process.exit(1);
}

function walk(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files.push(...walk(p));
    else files.push(p);
  }
  return files;
}

const files = walk(out);
const exists = new Set(files);
const ids = new Map<string, Set<string>>();
const idsOf = (file: string): Set<string> => {
  let s = ids.get(file);
  if (s === undefined) {
    s = new Set([...readFileSync(file, "utf8").matchAll(/\sid="([^"]+)"/g)].map((m) => unescapeHtml(m[1])));
    ids.set(file, s);
  }
  return s;
};

// The generator escapes attribute values (`&#x2F;` for "/").
function unescapeHtml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    if (e[0] === "#") {
      return String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    }
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()];
  });
}

const broken: string[] = [];
let checked = 0;
for (const file of files.filter((f) => f.endsWith(".html"))) {
  const html = readFileSync(file, "utf8");
  for (const m of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
    const link = unescapeHtml(m[1]);
    if (link === "" || /^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // external, mailto:, data:, javascript:
    checked++;
    const [pathPart, fragment] = link.split("#", 2);
    const target = pathPart === "" ? file : resolve(dirname(file), decodeURIComponent(pathPart.split("?")[0]));
    const where = `${relative(out, file)}: ${link}`;
    if (!exists.has(target)) {
      // A directory link means its index.html.
      if (!exists.has(join(target, "index.html"))) broken.push(`${where} (no such file)`);
      continue;
    }
    if (fragment !== undefined && fragment !== "" && target.endsWith(".html")) {
      if (!idsOf(target).has(decodeURIComponent(fragment))) broken.push(`${where} (no id "${fragment}")`);
    }
  }
}

if (broken.length > 0) {
  for (const b of broken.slice(0, 50)) console.error(`broken: ${b}`);
  console.error(`check_doc_links: ${broken.length} broken of ${checked} links in ${files.length} files`);
  process.exit(1);
}
console.log(`check_doc_links: ${checked} links in ${files.length} files, none broken (${relative(ROOT, out)})`);
