// Writes expected/<program>.txt (e.g. req-rep.mjs.txt): each program's output with zeromq.js (the
// `zeromq` package in the repository's node_modules) in place of this
// library, the reference that scripts/test_package.ts holds our package to.
// Usage: node examples/dropin/capture.mjs [program...]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..", "..");
const wanted = process.argv.slice(2);
const programs = readdirSync(HERE).filter((f) => /\.(mjs|cjs)$/.test(f) && f !== "capture.mjs")
  .filter((f) => wanted.length === 0 || wanted.includes(f));
// The default ports, as the expected output names them.
const env = { ...process.env };
delete env.PORT;
const tmp = mkdtempSync(join(tmpdir(), "zmtp-dropin-ref-"));
try {
  symlinkSync(join(ROOT, "node_modules"), join(tmp, "node_modules"));
  mkdirSync(join(HERE, "expected"), { recursive: true });
  for (const p of programs) {
    const text = readFileSync(join(HERE, p), "utf8").replace(/(["'])zmtp-zeromq(["/])/g, "$1zeromq$2");
    writeFileSync(join(tmp, p), text);
    const r = spawnSync("node", [p], { cwd: tmp, encoding: "utf8", timeout: 30000, env });
    const status = r.error ? String(r.error) : `exit ${r.status}${r.signal ? ` ${r.signal}` : ""}`;
    console.log(`${p}: ${status}`);
    if (r.stderr.trim() !== "") console.log(r.stderr.trim().split("\n").map((l) => `  ${l}`).join("\n"));
    if (r.status === 0) writeFileSync(join(HERE, "expected", `${p}.txt`), r.stdout);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
