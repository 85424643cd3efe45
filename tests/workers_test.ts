// The package inside worker threads (Node worker_threads, Deno and Bun Web
// Workers): tcp and ipc sockets in a worker talk to the main thread and to
// a libzmq peer (zeromq.js crashes there, its issue 411). And inproc, which
// reaches across threads: a connect in a worker to a name bound in the main
// thread (before or after the connect) delivers (threads_test.ts has the
// rest of inproc between threads). How a worker is
// spawned differs per runtime; that code is here, not in lib/.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { Pull, Request } from "../mod.ts";
import { startWorker, texts, WAIT, withTimeout } from "./_helpers.ts";
import { ROOT } from "./interop/_harness.ts";

// This file's sibling, compiled alongside it for Node (npm/esm/tests/*.js).
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

type Reply = { ok: true; value?: unknown } | { ok: false; error: string };

/** A worker thread running _worker_thread.ts, spoken to by messages. */
class Thread {
  #replies: Reply[] = [];
  #waiters: ((r: Reply) => void)[] = [];
  #send!: (m: unknown) => void;
  #stop!: () => Promise<void>;

  static async start(): Promise<Thread> {
    const t = new Thread();
    const url = new URL(`./_worker_thread${ext}`, import.meta.url);
    const got = (r: Reply) => {
      const w = t.#waiters.shift();
      if (w) w(r);
      else t.#replies.push(r);
    };
    const port = await startWorker(url, got, (error) => got({ ok: false, error }));
    t.#send = port.send;
    t.#stop = port.stop;
    return t;
  }

  send(task: unknown): void {
    this.#send(task);
  }

  /** The worker's next message; throws for a failure it reported. */
  async next(): Promise<unknown> {
    const r = this.#replies.shift() ??
      await withTimeout(new Promise<Reply>((res) => this.#waiters.push(res)), WAIT, "a message from the worker");
    if (!r.ok) throw new Error(`in the worker: ${r.error}`);
    return r.value;
  }

  stop(): Promise<void> {
    return this.#stop();
  }
}

const ipcFiles: string[] = [];
after(() => {
  for (const f of ipcFiles) rmSync(f, { force: true });
});

describe("worker threads", () => {
  test("a worker's PUSH over tcp feeds the main thread's PULL", async () => {
    const pull = new Pull({ linger: 0 });
    const t = await Thread.start();
    try {
      await pull.bind("tcp://127.0.0.1:*");
      t.send({ task: "push", endpoint: pull.lastEndpoint, messages: ["a", "b", "c"] });
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push(...texts(await withTimeout(pull.receive(), WAIT, "a message")));
      assert.deepEqual(got, ["a", "b", "c"]);
      assert.equal(await t.next(), null);
    } finally {
      pull.close();
      await t.stop();
    }
  });

  for (const transport of ["tcp", "ipc"]) {
    test(`the main thread's REQ asks a worker's REP over ${transport}`, async () => {
      const req = new Request({ linger: 0 });
      const t = await Thread.start();
      try {
        const file = join(tmpdir(), `zmtp-workers-${process.pid}-${transport}.sock`);
        if (transport === "ipc") ipcFiles.push(file);
        t.send({ task: "rep", bind: transport === "tcp" ? "tcp://127.0.0.1:*" : `ipc://${file}` });
        const endpoint = await t.next() as string;
        assert.ok(endpoint.startsWith(`${transport}://`), endpoint);
        req.connect(endpoint);
        await req.send("from main");
        assert.deepEqual(texts(await withTimeout(req.receive(), WAIT, "the reply")), ["FROM MAIN"]);
        assert.equal(await t.next(), "answered");
      } finally {
        req.close();
        await t.stop();
      }
    });
  }

  test("a worker's PUSH feeds a libzmq PULL (a Node process with zeromq.js)", async () => {
    const peer = spawn("node", [
      "--input-type=module",
      "-e",
      `import { Pull } from "zeromq";
       const pull = new Pull({ linger: 0 });
       await pull.bind("tcp://127.0.0.1:*");
       console.log(pull.lastEndpoint);
       for (let i = 0; i < 2; i++) console.log((await pull.receive())[0].toString());
       pull.close();`,
    ], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    const lines: string[] = [];
    const waiters: (() => void)[] = [];
    let buf = "";
    peer.stdout!.on("data", (d) => {
      buf += d;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      lines.push(...parts);
      waiters.splice(0).forEach((w) => w());
    });
    const exited = new Promise<number | null>((res) => peer.on("exit", res));
    const line = async (i: number) => {
      while (lines.length <= i) await withTimeout(new Promise<void>((r) => waiters.push(r)), WAIT, "the peer");
      return lines[i];
    };
    const t = await Thread.start();
    try {
      const endpoint = await line(0);
      t.send({ task: "push", endpoint, messages: ["from", "a worker"] });
      assert.deepEqual([await line(1), await line(2)], ["from", "a worker"]);
      assert.equal(await t.next(), null);
      assert.equal(await withTimeout(exited, WAIT, "the peer's exit"), 0);
    } finally {
      peer.kill();
      await t.stop();
    }
  });

  test("inproc: a worker's connect reaches a name bound in the main thread", async () => {
    const name = `inproc://workers-bound-${process.pid}`;
    const pull = new Pull({ linger: 0 });
    const t = await Thread.start();
    try {
      await pull.bind(name);
      t.send({ task: "inproc", endpoint: name });
      assert.equal(await t.next(), "connected");
      assert.deepEqual(texts(await withTimeout(pull.receive(), WAIT, "the message")), ["across"]);
      assert.equal(await t.next(), "sent");
    } finally {
      pull.close();
      await t.stop();
    }
  });

  test("inproc: a bind in the main thread after a worker's connect gets its message", async () => {
    const name = `inproc://workers-later-${process.pid}`;
    const pull = new Pull({ linger: 0 });
    const t = await Thread.start();
    try {
      t.send({ task: "inproc", endpoint: name });
      assert.equal(await t.next(), "connected");
      await pull.bind(name);
      assert.deepEqual(texts(await withTimeout(pull.receive(), WAIT, "the message")), ["across"]);
      assert.equal(await t.next(), "sent");
    } finally {
      pull.close();
      await t.stop();
    }
  });

  test("inproc: the thread announcements keep no process alive", async () => {
    // A child binds an inproc name and waits on another (both announce over
    // the BroadcastChannel), never closes its sockets, and must still exit.
    const mod = new URL(`../mod${ext}`, import.meta.url).href;
    const code = `const zmq = await import(${JSON.stringify(mod)});
      const a = new zmq.Pull();
      await a.bind("inproc://idle-bound");
      const b = new zmq.Push();
      b.connect("inproc://idle-waiting");
      console.log("idle");`;
    const [cmd, args] = "Deno" in globalThis
      ? [process.execPath, ["eval", code]]
      : "Bun" in globalThis
      ? [process.execPath, ["--eval", code]]
      : [process.execPath, ["--input-type=module", "-e", code]];
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (d) => out += d);
    const exited = new Promise<number | null>((res) => child.on("exit", res));
    try {
      assert.equal(await withTimeout(exited, WAIT, "the idle child's exit"), 0);
      assert.equal(out.trim(), "idle");
    } finally {
      child.kill();
    }
  });
});
