// inproc:// between threads: sockets in Workers (Node worker_threads, Deno
// and Bun Web Workers) and the main thread reach each other's inproc names
// in the default context, with the semantics inproc has within a thread.
// How a worker is spawned differs per runtime; that code is here, not in lib/.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { describe, test } from "node:test";
import { Context, Pair, Pull, Push, Request, Router, XPublisher } from "../mod.ts";
import { startWorker, texts, WAIT, withTimeout } from "./_helpers.ts";
import { ROOT } from "./interop/_harness.ts";

// This file's siblings, compiled alongside it for Node (npm/esm/tests/*.js).
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

type Reply = { seq: number; ok: true; value?: unknown } | { seq: number; ok: false; error: string };

let names = 0;
const fresh = (what: string) => `inproc://threads-${what}-${process.pid}-${++names}`;

/** A worker thread running _threads_worker.ts, spoken to by calls. */
class Thread {
  #seq = 0;
  #pending = new Map<number, (r: Reply) => void>();
  #send!: (m: unknown) => void;
  #stop!: () => Promise<void>;
  #failed: string | null = null;

  static async start(): Promise<Thread> {
    const t = new Thread();
    const url = new URL(`./_threads_worker${ext}`, import.meta.url);
    const got = (r: Reply) => {
      const w = t.#pending.get(r.seq);
      t.#pending.delete(r.seq);
      w?.(r);
    };
    const failed = (error: string) => {
      t.#failed = error;
      for (const [seq, w] of t.#pending) w({ seq, ok: false, error });
      t.#pending.clear();
    };
    const port = await startWorker(url, got, failed);
    t.#send = port.send;
    t.#stop = port.stop;
    return t;
  }

  /** Runs `op` in the worker; its result, or throws what failed there. */
  async call(op: string, args: Record<string, unknown> = {}): Promise<unknown> {
    if (this.#failed !== null) throw new Error(`in the worker: ${this.#failed}`);
    const seq = ++this.#seq;
    const r = new Promise<Reply>((res) => this.#pending.set(seq, res));
    this.#send({ seq, op, ...args });
    const reply = await withTimeout(r, WAIT, `the worker's ${op}`);
    if (!reply.ok) throw new Error(`in the worker: ${reply.error}`);
    return reply.value;
  }

  /** Opens a socket of class `type` in the worker; its id. */
  open(type: string, options?: Record<string, unknown>): Promise<number> {
    return this.call("open", { type, options }) as Promise<number>;
  }

  stop(): Promise<void> {
    return this.#stop();
  }
}

async function withThread(f: (t: Thread) => Promise<void>): Promise<void> {
  const t = await Thread.start();
  try {
    await f(t);
  } finally {
    await t.stop();
  }
}

const strings = (ms: Uint8Array[][]) => ms.map(texts);

const ONLY = process.env.THREADS_ONLY;
const row = (name: string, f: () => Promise<void>) =>
  test(name, { skip: ONLY !== undefined && !new RegExp(ONLY).test(name) }, f);

describe("inproc across threads", () => {
  row("PUSH in a worker -> PULL bound in the main thread", async () => {
    const name = fresh("push");
    const pull = new Pull({ linger: 0 });
    try {
      await pull.bind(name);
      await withThread(async (t) => {
        const push = await t.open("Push");
        await t.call("connect", { id: push, endpoint: name });
        await t.call("send", { id: push, messages: [["a"], ["b"], ["c"]] });
        const got = [];
        for (let i = 0; i < 3; i++) got.push(await withTimeout(pull.receive(), WAIT, "a message"));
        assert.deepEqual(strings(got), [["a"], ["b"], ["c"]]);
        await t.call("close", { id: push });
      });
    } finally {
      pull.close();
    }
  });

  row("PUSH in the main thread connects before a worker's PULL binds", async () => {
    const name = fresh("later");
    const push = new Push({ linger: 0 });
    try {
      push.connect(name);
      // Queued before there is anyone: delivered once the worker binds.
      await push.send("early");
      await withThread(async (t) => {
        const pull = await t.open("Pull");
        await t.call("bind", { id: pull, endpoint: name });
        await push.send("late");
        assert.deepEqual(await t.call("receive", { id: pull, count: 2 }), [["early"], ["late"]]);
        await t.call("close", { id: pull });
      });
    } finally {
      push.close();
    }
  });

  row("REQ in the main thread asks a worker's REP", async () => {
    const name = fresh("req");
    const req = new Request({ linger: 0 });
    try {
      await withThread(async (t) => {
        const rep = await t.open("Reply");
        await t.call("bind", { id: rep, endpoint: name });
        const answered = t.call("echo", { id: rep, count: 3, upper: true });
        req.connect(name);
        for (const q of ["one", "two", "three"]) {
          await req.send(q);
          assert.deepEqual(texts(await withTimeout(req.receive(), WAIT, "the reply")), [q.toUpperCase()]);
        }
        await answered;
        await t.call("close", { id: rep });
      });
    } finally {
      req.close();
    }
  });

  row("PUB/SUB: a worker's subscriptions filter what the main thread publishes", async () => {
    const name = fresh("pub");
    const pub = new XPublisher({ linger: 0 });
    try {
      await pub.bind(name);
      await withThread(async (t) => {
        const sub = await t.open("Subscriber");
        await t.call("subscribe", { id: sub, topic: "a" });
        await t.call("connect", { id: sub, endpoint: name });
        // The subscription reaches the publisher before anything is sent.
        assert.deepEqual([...(await withTimeout(pub.receive(), WAIT, "the subscription"))[0]], [1, 97]);
        for (const m of ["a1", "b1", "a2", "b2", "a3"]) await pub.send(m);
        assert.deepEqual(await t.call("receive", { id: sub, count: 3 }), [["a1"], ["a2"], ["a3"]]);
        await t.call("close", { id: sub });
        // The worker's SUB going away cancels it (XPUB hears the unsubscribe).
        assert.deepEqual([...(await withTimeout(pub.receive(), WAIT, "the cancel"))[0]], [0, 97]);
      });
    } finally {
      pub.close();
    }
  });

  row("DEALER/ROUTER: routing ids cross threads both ways", async () => {
    const name = fresh("router");
    const router = new Router({ linger: 0 });
    try {
      await router.bind(name);
      await withThread(async (t) => {
        const ids = ["d1", "d2"];
        const dealers: number[] = [];
        for (const id of ids) {
          const d = await t.open("Dealer", { routingId: id });
          await t.call("connect", { id: d, endpoint: name });
          await t.call("send", { id: d, messages: [[`from ${id}`]] });
          dealers.push(d);
        }
        const got = new Map<string, string>();
        for (let i = 0; i < 2; i++) {
          const [who, what] = texts(await withTimeout(router.receive(), WAIT, "a dealer's message"));
          got.set(who, what);
        }
        assert.deepEqual(Object.fromEntries(got), { d1: "from d1", d2: "from d2" });
        await router.send(["d2", "to d2"]);
        await router.send(["d1", "to d1"]);
        assert.deepEqual(await t.call("receive", { id: dealers[0], count: 1 }), [["to d1"]]);
        assert.deepEqual(await t.call("receive", { id: dealers[1], count: 1 }), [["to d2"]]);
        for (const d of dealers) await t.call("close", { id: d });
      });
    } finally {
      router.close();
    }
  });

  row("PAIR: both ways, the worker bound", async () => {
    const name = fresh("pair");
    const pair = new Pair({ linger: 0 });
    try {
      await withThread(async (t) => {
        const p = await t.open("Pair");
        await t.call("bind", { id: p, endpoint: name });
        pair.connect(name);
        await pair.send("ping");
        assert.deepEqual(await t.call("receive", { id: p, count: 1 }), [["ping"]]);
        await t.call("send", { id: p, messages: [["pong"]] });
        assert.deepEqual(texts(await withTimeout(pair.receive(), WAIT, "pong")), ["pong"]);
        await t.call("close", { id: p });
      });
    } finally {
      pair.close();
    }
  });

  row("10000 multipart messages arrive whole and in order", async () => {
    const name = fresh("order");
    const N = 10_000;
    const pull = new Pull({ linger: 0 });
    try {
      await pull.bind(name);
      await withThread(async (t) => {
        const push = await t.open("Push");
        await t.call("connect", { id: push, endpoint: name });
        const messages = Array.from({ length: N }, (_, i) => [String(i), "", "x".repeat(i % 100)]);
        const sent = t.call("send", { id: push, messages });
        for (let i = 0; i < N; i++) {
          const m = texts(await withTimeout(pull.receive(), WAIT, `message ${i}`));
          if (m[0] !== String(i) || m.length !== 3 || m[1] !== "" || m[2] !== "x".repeat(i % 100)) {
            assert.fail(`message ${i} came as ${JSON.stringify(m)}`);
          }
        }
        await sent;
        await t.call("close", { id: push });
      });
    } finally {
      pull.close();
    }
  });

  row("a message too big for the shared ring keeps its place among small ones", async () => {
    // 300 kB: past what a ring batch takes, so that direction goes over the
    // channel from then on, after the ring's last batches.
    const name = fresh("big");
    const pull = new Pull({ linger: 0 });
    try {
      await pull.bind(name);
      await withThread(async (t) => {
        const push = await t.open("Push");
        await t.call("connect", { id: push, endpoint: name });
        const big = "b".repeat(300_000);
        const messages = [
          ...Array.from({ length: 200 }, (_, i) => [`s${i}`]),
          [big],
          ...Array.from({ length: 200 }, (_, i) => [`t${i}`]),
        ];
        const sent = t.call("send", { id: push, messages });
        for (let i = 0; i < messages.length; i++) {
          const m = texts(await withTimeout(pull.receive(), WAIT, `message ${i}`));
          if (m.length !== 1 || m[0] !== messages[i][0]) assert.fail(`message ${i} came as ${m[0].slice(0, 20)}`);
        }
        await sent;
        await t.call("close", { id: push });
      });
    } finally {
      pull.close();
    }
  });

  row("HWM: a worker's PUSH stops at sndhwm + rcvhwm when the PULL does not read", async () => {
    const name = fresh("hwm");
    const pull = new Pull({ linger: 0, receiveHighWaterMark: 7 });
    try {
      await pull.bind(name);
      await withThread(async (t) => {
        // sendTimeout bounds each blocked send: none can succeed once full,
        // since nothing is read, so the count does not depend on it.
        const push = await t.open("Push", { sendHighWaterMark: 5, sendTimeout: 1000, linger: 0 });
        await t.call("connect", { id: push, endpoint: name, handshake: true });
        assert.equal(await t.call("sendUntilFull", { id: push }), 12);
        // All of them arrive, in order, once read.
        const got = [];
        for (let i = 0; i < 12; i++) got.push(texts(await withTimeout(pull.receive(), WAIT, "a message"))[0]);
        assert.deepEqual(got, Array.from({ length: 12 }, (_, i) => String(i)));
        await t.call("close", { id: push });
      });
    } finally {
      pull.close();
    }
  });

  row("a separate Context does not see the other threads' names", async () => {
    const name = fresh("ctx");
    const pull = new Pull({ linger: 0, context: new Context() });
    try {
      await pull.bind(name);
      await withThread(async (t) => {
        // The worker's default context has no such name: the connect waits,
        // and a bind of the name there works.
        const push = await t.open("Push", { linger: 0 });
        await t.call("connect", { id: push, endpoint: name });
        const own = await t.open("Pull");
        await t.call("bind", { id: own, endpoint: name });
        await t.call("send", { id: push, messages: [["mine"]] });
        assert.deepEqual(await t.call("receive", { id: own, count: 1 }), [["mine"]]);
        await t.call("close", { id: push });
        await t.call("close", { id: own });
      });
    } finally {
      pull.close();
    }
  });

  row("a terminated worker is a disconnected peer, and its name is free again", async () => {
    const name = fresh("gone");
    const push = new Push({ linger: 0 });
    try {
      push.connect(name);
      const t1 = await Thread.start();
      try {
        const pull = await t1.open("Pull");
        await t1.call("bind", { id: pull, endpoint: name });
        await push.send("first");
        assert.deepEqual(await t1.call("receive", { id: pull, count: 1 }), [["first"]]);
      } finally {
        const gone = new Promise((resolve) => push.events.on("disconnect", resolve));
        await t1.stop();
        await withTimeout(gone, WAIT, "the disconnect");
      }
      // Another worker binds the name; the connect reaches it.
      await withThread(async (t2) => {
        const pull = await t2.open("Pull");
        await t2.call("bind", { id: pull, endpoint: name });
        await push.send("second");
        assert.deepEqual(await t2.call("receive", { id: pull, count: 1 }), [["second"]]);
        await t2.call("close", { id: pull });
      });
    } finally {
      push.close();
    }
  });

  row("the process exits once the sockets of all its threads are closed", async () => {
    const file = new URL(`./_threads_exit${ext}`, import.meta.url);
    const path = decodeURIComponent(file.pathname);
    const [cmd, args] = "Deno" in globalThis ? [process.execPath, ["run", "-A", path]] : [process.execPath, [path]];
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (d) => out += d);
    const exited = new Promise<number | null>((res) => child.on("exit", res));
    try {
      assert.equal(await withTimeout(exited, WAIT, "the child's exit"), 0);
      // Sorted: the worker's console reaches stdout through the main thread, in its own time.
      assert.deepEqual(out.trim().split("\n").sort(), ["main: hello from the worker", "worker: hello from main"]);
    } finally {
      child.kill();
    }
  });
});
