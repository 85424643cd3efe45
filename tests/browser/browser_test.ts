// The library in a real browser: esbuild bundles tests/browser/entry.ts,
// an HTTP server here serves it with index.html and page.js, and headless
// Chromium loads the page, which talks REQ/REP and SUB over ws:// to
// sockets in this process (Deno, Bun or Node), inproc with a Web Worker of
// its own (worker.js: PUSH/PULL, REQ/REP, PUB/SUB, DEALER/ROUTER), and POSTs
// its result back.
// Skipped, with a message, when Chromium is not installed (Debian package
// `chromium`; CHROMIUM=/path overrides /usr/bin/chromium).

import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { curveKeyPair, Publisher, Reply } from "../../mod.ts";
import { browserDir, buildBrowserBundle } from "./build.ts";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const skip = existsSync(CHROMIUM)
  ? false
  : `Chromium not found at ${CHROMIUM}: install the Debian package "chromium" to run the browser test`;
if (skip) console.log(`browser_test: skipped. ${skip}`);

function serve(files: Record<string, [string, string]>, onResult: (body: string) => void): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (req.method === "POST" && path === "/result") {
      let body = "";
      req.on("data", (c) => body += c);
      req.on("end", () => {
        res.end("ok");
        onResult(body);
      });
      return;
    }
    const f = files[path];
    if (f === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": f[0], "Cache-Control": "no-store" }).end(f[1]);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

test("a browser page speaks REQ/REP and SUB over ws:// to our sockets", { skip, timeout: 60000 }, async () => {
  const dir = browserDir();
  const bundle = await buildBrowserBundle();
  const rep = new Reply({ linger: 0 });
  const pub = new Publisher({ linger: 0 });
  // A CURVE server over ws://: the page's CURVE client cannot reach it.
  const server = curveKeyPair(), client = curveKeyPair();
  const curveRep = new Reply({ linger: 0, curveServer: true, curveSecretKey: server.secretKey });
  const requests: string[][] = [];
  const dec = new TextDecoder();
  let web: http.Server | null = null;
  let chrome: ChildProcess | null = null;
  let publisher: ReturnType<typeof setInterval> | undefined;
  let serving = true;
  const profile = mkdtempSync(join(tmpdir(), "zmtp-chromium-"));
  try {
    await rep.bind("ws://127.0.0.1:*/rep");
    await pub.bind("ws://127.0.0.1:*/pub");
    await curveRep.bind("ws://127.0.0.1:*/curve");
    (async () => {
      while (serving) await curveRep.send(await curveRep.receive());
    })().catch(() => {/* closed */});
    (async () => {
      while (serving) {
        const msg = (await rep.receive()).map((f) => dec.decode(f));
        requests.push(msg);
        await rep.send(["reply", msg[1]]);
      }
    })().catch(() => {/* closed */});
    let n = 0;
    publisher = setInterval(() => {
      pub.send(["other", String(n)]).catch(() => {});
      pub.send(["news", String(n++)]).catch(() => {});
    }, 30);

    let gotResult: (body: string) => void = () => {};
    const result = new Promise<string>((r) => gotResult = r);
    web = await serve({
      "/": ["text/html", readFileSync(join(dir, "index.html"), "utf8")],
      "/page.js": ["text/javascript", readFileSync(join(dir, "page.js"), "utf8")],
      "/worker.js": ["text/javascript", readFileSync(join(dir, "worker.js"), "utf8")],
      "/bundle.js": ["text/javascript", bundle],
    }, (body) => gotResult(body));
    const port = (web.address() as { port: number }).port;
    const url =
      `http://127.0.0.1:${port}/?rep=${encodeURIComponent(rep.lastEndpoint!)}&pub=${
        encodeURIComponent(pub.lastEndpoint!)
      }&curve=${encodeURIComponent(curveRep.lastEndpoint!)}&curveServerKey=${encodeURIComponent(server.publicKey)}` +
      `&curvePublicKey=${encodeURIComponent(client.publicKey)}&curveSecretKey=${encodeURIComponent(client.secretKey)}`;

    chrome = spawn(CHROMIUM, [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
      url,
    ], { stdio: "ignore" });
    const exited = new Promise<never>((_, reject) => {
      chrome!.on("error", (e) => reject(e));
      chrome!.on("exit", (code) => reject(new Error(`Chromium exited early (${code})`)));
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no result from the page within 45 s")), 45000);
    });
    const body = await Promise.race([result, exited, timeout]).finally(() => clearTimeout(timer));
    const out = JSON.parse(body);

    assert.equal(out.error, undefined, out.error);
    assert.equal(out.ok, true);
    assert.match(out.userAgent, /Chrom/);
    assert.deepEqual(out.replies, [["reply", "0"], ["reply", "1"], ["reply", "2"]]);
    assert.deepEqual(requests.slice(0, 3), [0, 1, 2].map((i) => ["hello from the browser", String(i)]));
    assert.equal(out.news.length, 3);
    for (const m of out.news) assert.equal(m[0], "news", "the page got only what it subscribed to");
    assert.deepEqual(out.inproc, ["inproc", "works"]);
    assert.deepEqual(out.frameClass, ["Uint8Array", "Uint8Array"]);
    assert.deepEqual(out.fromWorker, ["from", "a", "worker"], out.workerError);
    assert.deepEqual(out.workerReply, ["ACROSS THREADS"]);
    assert.deepEqual(out.subscription, [1, 97], 'the worker\'s SUB subscribed to "a"');
    assert.deepEqual(out.subFromWorker, [["sub", "a1", "body"], ["sub", "a2", "body"]]);
    assert.deepEqual(out.routerGot, ["w1", "hi from", "the worker"]);
    assert.deepEqual(out.dealerGot, ["dealer", "back to", "w1"]);
    // Not cross-origin isolated: threads reach each other over the channel fallback, and capability says so.
    assert.deepEqual(out.capability, { inprocThreads: true, inprocSharedMemory: false });
    assert.equal(out.bindError, "ENOTSUP");
    assert.match(out.curveRefusal, /CURVE over ws:\/\/ needs the ZWS2\.0\/CURVE subprotocol/);
    assert.equal(out.curveRetries, 0, "a refused CURVE client does not reconnect");
  } finally {
    serving = false;
    clearInterval(publisher);
    if (chrome !== null && chrome.exitCode === null) {
      const gone = new Promise((r) => chrome!.once("exit", r));
      chrome.kill("SIGTERM");
      const t = setTimeout(() => chrome!.kill("SIGKILL"), 3000);
      await gone;
      clearTimeout(t);
    }
    rep.close();
    pub.close();
    curveRep.close();
    if (web !== null) await new Promise((r) => web!.close(r));
    // Chromium's helpers may still be writing there for a moment: best effort.
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch { /* a stale profile in the temp dir is harmless */ }
  }
});
