// The zguide's programs in examples/zguide/ (issue 14): each pattern runs as
// the guide runs it, one process per program, as children of the runtime
// under test (Deno and Bun run the .ts files; Node runs them bundled by
// esbuild into .tmp/, with the packages they import left to node_modules).
// Endpoints are ipc paths in a fresh directory, so runs never collide on a
// port. Servers, brokers and workers print a line once bound, which the
// test waits for before starting their peers; the ones that would run on
// (as in the guide) are stopped once their clients are done. Assertions are
// on what the programs print, never on how long they took.

import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { ROOT, RUNTIME } from "./interop/_harness.ts";

const EXAMPLES = join(ROOT, "examples", "zguide");
/** A safety net only: a program that has not printed or exited by then fails its test. */
const WAIT_MS = 20000;
/** Node runs the bundles built here. */
const BUNDLES = join(ROOT, ".tmp", `zguide-${process.pid}`);

class Program {
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<number | null>;
  #child: ChildProcess;
  #watchers: (() => void)[] = [];

  constructor(readonly name: string, args: string[]) {
    const argv = RUNTIME === "deno"
      ? ["run", "-A", join(EXAMPLES, `${name}.ts`), ...args]
      : RUNTIME === "bun"
      ? [join(EXAMPLES, `${name}.ts`), ...args]
      : [join(BUNDLES, `${name}.mjs`), ...args];
    this.#child = spawn(process.execPath, argv, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let buf = "";
    this.#child.stdout!.on("data", (d: Uint8Array) => {
      buf += new TextDecoder().decode(d);
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        this.lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      for (const w of this.#watchers) w();
    });
    this.#child.stderr!.on("data", (d: Uint8Array) => {
      this.stderr = (this.stderr + new TextDecoder().decode(d)).slice(-4000);
    });
    this.exited = new Promise((resolve) => this.#child.once("close", (code) => resolve(code)));
    running.add(this);
    this.exited.then(() => running.delete(this));
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** What it printed, for failure messages. */
  get output(): string {
    return `${this.name} stdout: ${JSON.stringify(this.lines)}; stderr: ${this.stderr}`;
  }

  /** Waits (bounded) until it prints a line matching `pattern`. */
  async printed(pattern: RegExp): Promise<string> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let watcher = () => {};
    try {
      return await new Promise<string>((resolve, reject) => {
        watcher = () => {
          const line = this.lines.find((l) => pattern.test(l));
          if (line !== undefined) resolve(line);
        };
        this.#watchers.push(watcher);
        watcher();
        this.exited.then(() => {
          watcher();
          reject(new Error(`${this.name} exited without printing ${pattern}; ${this.output}`));
        });
        timer = setTimeout(() => reject(new Error(`${this.name} did not print ${pattern}; ${this.output}`)), WAIT_MS);
      });
    } finally {
      clearTimeout(timer);
      this.#watchers = this.#watchers.filter((w) => w !== watcher);
    }
  }

  /** Waits (bounded) for it to end by itself, with exit code 0. */
  async succeeds(): Promise<string[]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const code = await Promise.race([
      this.exited,
      new Promise<"timeout">((resolve) => timer = setTimeout(() => resolve("timeout"), WAIT_MS)),
    ]);
    clearTimeout(timer);
    assert.notEqual(code, "timeout", `${this.name} did not exit by itself; ${this.output}`);
    assert.equal(code, 0, `${this.name} exit code; ${this.output}`);
    return this.lines;
  }

  /** Stops a program that would run on; resolves once it has gone. */
  async stop(): Promise<void> {
    if (this.running) this.#child.kill("SIGKILL");
    await this.exited;
  }
}

const running = new Set<Program>();
const run = (name: string, ...args: string[]) => new Program(name, args);

let dir = "";
/** A fresh ipc endpoint in this test's directory. */
const ipc = (name: string) => `ipc://${dir}/${name}.ipc`;

async function cleanup(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

describe("zguide examples", () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "zguide-"));
    if (RUNTIME !== "node") return;
    mkdirSync(BUNDLES, { recursive: true });
    const entries = readdirSync(EXAMPLES).filter((f) => f.endsWith(".ts")).map((f) => join(EXAMPLES, f));
    const r = spawnSync(join(ROOT, "node_modules", ".bin", "esbuild"), [
      ...entries,
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--packages=external",
      `--outdir=${BUNDLES}`,
      "--out-extension:.js=.mjs",
      "--log-level=warning",
    ], { encoding: "utf8" });
    assert.equal(r.status, 0, `esbuild failed: ${r.stderr}`);
  });

  after(async () => {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
    rmSync(BUNDLES, { recursive: true, force: true });
  });

  test("hello world: hwserver answers hwclient's requests (REQ/REP)", async () => {
    try {
      const server = run("hwserver", "--bind", ipc("hw"), "--count", "3");
      await server.printed(/^Server ready$/);
      const client = await run("hwclient", "--connect", ipc("hw"), "--count", "3").succeeds();
      assert.deepEqual(client.filter((l) => l.startsWith("Received")), [
        "Received World 0",
        "Received World 1",
        "Received World 2",
      ]);
      const served = await server.succeeds();
      assert.equal(served.filter((l) => l === "Received request: Hello").length, 3);
    } finally {
      await cleanup();
    }
  });

  test("weather updates: wuclient gets only its zip code from wuserver (PUB/SUB)", async () => {
    try {
      // The client first: it subscribes as soon as the server is up, so
      // that the server does not publish into the void for long.
      const client = run("wuclient", "--connect", ipc("wu"), "--count", "5");
      run("wuserver", "--bind", ipc("wu"));
      const lines = await client.succeeds();
      assert.match(lines.at(-1)!, /^Average temperature for zip code '10001' over 5 updates was -?\d+F$/);
    } finally {
      await cleanup();
    }
  });

  test("weather proxy: wuproxy forwards updates and subscriptions (XSUB/XPUB)", async () => {
    try {
      const proxy = run("wuproxy", "--connect", ipc("wu"), "--bind", ipc("wuproxy"));
      await proxy.printed(/^Proxy running$/);
      const client = run("wuclient", "--connect", ipc("wuproxy"), "--count", "5", "--zip", "10042");
      run("wuserver", "--bind", ipc("wu"));
      const lines = await client.succeeds();
      assert.match(lines.at(-1)!, /^Average temperature for zip code '10042' over 5 updates was -?\d+F$/);
    } finally {
      await cleanup();
    }
  });

  test("divide and conquer: taskvent, two taskworks, tasksink (PUSH/PULL, kill signal)", async () => {
    try {
      const endpoints = ["--sink", ipc("sink"), "--control", ipc("control")];
      const sink = run("tasksink", "--bind", ipc("sink"), "--control", ipc("control"));
      await sink.printed(/^Sink ready$/);
      const workers = ["a", "b"].map((n) => run("taskwork", "--name", n, "--connect", ipc("vent"), ...endpoints));
      await run("taskvent", "--bind", ipc("vent"), "--sink", ipc("sink"), "--workers", "2", "--count", "20")
        .succeeds();
      const results = await sink.succeeds();
      assert.ok(results.includes("Received 20 results"), sink.output);
      // Each worker ends on the sink's KILL, having done its share.
      let total = 0;
      for (const [i, w] of workers.entries()) {
        const lines = await w.succeeds();
        const m = /^([ab]) done after (\d+) task\(s\)$/.exec(lines.at(-1)!);
        assert.ok(m !== null && m[1] === "ab"[i], w.output);
        assert.ok(Number(m[2]) >= 1, `a worker the ventilator waited for got no task; ${w.output}`);
        assert.ok(results.includes(`${m[1]}: ${m[2]}`), sink.output);
        total += Number(m[2]);
      }
      assert.equal(total, 20);
    } finally {
      await cleanup();
    }
  });

  for (const broker of ["rrbroker", "msgqueue"]) {
    test(`request-reply broker: rrclient through ${broker} to rrworker (ROUTER/DEALER)`, async () => {
      try {
        const b = run(broker, "--frontend", ipc("front"), "--backend", ipc("back"));
        await b.printed(/ready$/);
        run("rrworker", "--connect", ipc("back"), "--name", "w1");
        const lines = await run("rrclient", "--connect", ipc("front"), "--count", "4").succeeds();
        assert.deepEqual(lines, [0, 1, 2, 3].map((n) => `Received reply ${n} [World from w1]`));
      } finally {
        await cleanup();
      }
    });
  }

  test("lazy pirate: lpclient retries, then abandons lpserver after its crash", async () => {
    try {
      const server = run("lpserver", "--bind", ipc("lp"), "--crash-after", "3");
      await server.printed(/^I: server ready$/);
      const client = run("lpclient", "--connect", ipc("lp"), "--count", "5", "--timeout", "1500", "--retries", "1");
      const lines = await client.succeeds();
      assert.ok((await server.succeeds()).includes("I: simulating a crash"), server.output);
      assert.ok(lines.includes("W: no response from server, retrying..."), client.output);
      assert.equal(lines.at(-2), "E: server seems to be offline, abandoning", client.output);
      // Three answered, unless a reply was so late that the client had moved on.
      const m = /^I: (\d) of 5 requests answered$/.exec(lines.at(-1)!);
      assert.ok(m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 3, client.output);
      assert.ok(lines.includes("I: server replied OK (1)"), client.output);
    } finally {
      await cleanup();
    }
  });

  test("paranoid pirate: lpclient through ppqueue survives a ppworker's crash", async () => {
    try {
      const hb = ["--heartbeat", "500"];
      const queue = run("ppqueue", "--frontend", ipc("front"), "--backend", ipc("back"), ...hb);
      await queue.printed(/^I: queue ready$/);
      const crashing = run("ppworker", "--connect", ipc("back"), "--name", "A", "--crash-after", "1", ...hb);
      await crashing.printed(/^I: worker ready$/);
      const client = run("lpclient", "--connect", ipc("front"), "--count", "6", "--timeout", "2000");
      // The first request goes to the only worker, the second crashes it.
      assert.ok((await crashing.succeeds()).includes("I: simulating a crash"), crashing.output);
      const steady = run("ppworker", "--connect", ipc("back"), "--name", "B", "--crash-after", "100", ...hb);
      const lines = await client.succeeds();
      assert.ok(lines.includes("W: no response from server, retrying..."), client.output);
      assert.equal(lines.at(-1), "I: 6 of 6 requests answered", client.output);
      await steady.stop();
    } finally {
      await cleanup();
    }
  });

  test("majordomo: mdclient gets echoes from mdworker through mdbroker (MDP/0.1)", async () => {
    try {
      const hb = ["--heartbeat", "1000"];
      const broker = run("mdbroker", "--bind", ipc("md"), ...hb);
      await broker.printed(/^I: MDP broker\/0\.1\.1 is active$/);
      // The client first: its requests wait in the broker for a worker.
      const client = run("mdclient", "--connect", ipc("md"), "--count", "5");
      const worker = run("mdworker", "--connect", ipc("md"), ...hb);
      const lines = await client.succeeds();
      assert.ok(lines.includes("5 requests/replies processed"), client.output);
      assert.ok(lines.includes("Lookup echo service: 200"), client.output);
      assert.equal(worker.lines.filter((l) => l === "I: echoing Hello world").length, 5, worker.output);
    } finally {
      await cleanup();
    }
  });

  test("asynchronous client/server: asyncsrv's clients get every reply (DEALER/ROUTER, inproc workers)", async () => {
    try {
      const lines = await run("asyncsrv", "--bind", ipc("async"), "--clients", "3", "--count", "4").succeeds();
      for (const c of ["A", "B", "C"]) {
        assert.ok(lines.some((l) => new RegExp(`^client-${c}: all 4 requests answered \\(\\d+ replies\\)$`).test(l)));
      }
    } finally {
      await cleanup();
    }
  });

  test("clone: clonecli gets a snapshot, then updates, through clonesrv (model three)", async () => {
    try {
      const endpoints = ["--snapshot", ipc("snap"), "--publisher", ipc("pub"), "--collector", ipc("coll")];
      const server = run("clonesrv", ...endpoints);
      await server.printed(/^I: clone server ready$/);
      const first = await run("clonecli", ...endpoints, "--prefix", "A", "--count", "5").succeeds();
      assert.ok(first.includes("I: received snapshot=0 with 0 keys: "), first.join("\n"));
      assert.ok(first.includes("I: all 5 of my updates came back"), first.join("\n"));
      // The second client's snapshot holds the first client's updates.
      const second = await run("clonecli", ...endpoints, "--prefix", "B", "--count", "3").succeeds();
      assert.ok(second.includes("I: received snapshot=5 with 5 keys: A/1 A/2 A/3 A/4 A/5"), second.join("\n"));
      assert.ok(second.includes("I: applied 3 updates, now at sequence 8 with 8 keys"), second.join("\n"));
      assert.ok(second.includes("I: all 3 of my updates came back"), second.join("\n"));
    } finally {
      await cleanup();
    }
  });
});
