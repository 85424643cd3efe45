// v5-compat.ts on the wire: the pattern table of _harness.ts with a
// zeromq.js 5 style socket (v5-compat.ts) on one side and libzmq 4.3.5
// (zeromq.js 6 in a Node peer process) or this library's own sockets on the
// other; then three of zeromq.js 5's example programs (producer/worker,
// pubber/subber, a doubling req/rep), each half on v5-compat.ts or on
// zeromq.js 6's own `zeromq/v5-compat` over libzmq (v5_compat_peer.mjs).
// Peers run in Node child processes, so every row runs on Deno, Bun and Node.

import assert from "node:assert/strict";
import type { Buffer } from "node:buffer";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import * as zmq from "../../v5-compat.ts";
import {
  bulkMessage,
  expectMsg,
  type Frames,
  IO_TIMEOUT,
  LocalSide,
  type Maker,
  nodeBin,
  PATTERNS,
  type Peer,
  RemoteSide,
  removeIpcFiles,
  ROOT,
  ROW_TIMEOUT,
  rowsOf,
  runRow,
  type Side,
  startLibzmqPeer,
  waitFor,
  withTimeout,
} from "./_harness.ts";
import { freeTcpAddress } from "../_helpers.ts";

// The pattern table's zeromq.js 6 option names, as zeromq.js 5 names them.
const V5_NAMES: Record<string, string> = {
  routingId: "identity",
  mandatory: "router_mandatory",
  correlate: "req_correlate",
  relaxed: "req_relaxed",
  probeRouter: "probe_router",
};

const SEND_ONLY = ["PUSH", "PUB"];

/** A v5-compat socket as a Side of the harness's pattern table. */
class CompatSide implements Side {
  readonly type: string;
  readonly socket: zmq.Socket;
  #inbox: Uint8Array[][] = [];
  #waiter: ((m: Uint8Array[]) => void) | null = null;
  #counts: Record<string, number> = { connect: 0, accept: 0, disconnect: 0, "connect:retry": 0 };

  constructor(type: string, options: Record<string, unknown> = {}) {
    this.type = type;
    const v5: Record<string, unknown> = { linger: 0 };
    if (!SEND_ONLY.includes(type) && type !== "PULL" && type !== "SUB") v5.sndtimeo = IO_TIMEOUT;
    for (const [k, v] of Object.entries(options)) {
      if (!(k in V5_NAMES)) throw new Error(`CompatSide: no zeromq.js 5 name for option ${k}`);
      v5[V5_NAMES[k]] = typeof v === "boolean" ? Number(v) : v;
    }
    this.socket = zmq.socket(type.toLowerCase() as zmq.SocketType, v5);
    this.socket.on("message", (...frames: Buffer[]) => {
      const m = frames.map((f) => new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
      const w = this.#waiter;
      this.#waiter = null;
      if (w) w(m);
      else this.#inbox.push(m);
    });
    this.socket.monitor();
    for (
      const [v5Name, ours] of [["connect", "connect"], ["accept", "accept"], ["disconnect", "disconnect"], [
        "connect_retry",
        "connect:retry",
      ]]
    ) this.socket.on(v5Name, () => this.#counts[ours]++);
  }

  static make: Maker = (type, options) => Promise.resolve(new CompatSide(type, options));

  bind(endpoint = "tcp://127.0.0.1:*"): Promise<string> {
    return new Promise((resolve, reject) =>
      this.socket.bind(endpoint, (err) => err ? reject(err) : resolve(this.socket.last_endpoint))
    );
  }
  connect(endpoint: string, routingId?: string): Promise<void> {
    if (routingId !== undefined) throw new Error("zeromq.js 5 has no connect routing id");
    this.socket.connect(endpoint);
    return Promise.resolve();
  }
  send(msg: Frames): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(msg, 0, (err) => err ? reject(err) : resolve()));
  }
  receive(): Promise<Uint8Array[]> {
    const m = this.#inbox.shift();
    if (m) return Promise.resolve(m);
    // As the other sides do with a receive timeout: EAGAIN when nothing comes.
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        reject(Object.assign(new Error("Receive timed out"), { code: "EAGAIN" }));
      }, IO_TIMEOUT);
      this.#waiter = (msg) => {
        clearTimeout(timer);
        resolve(msg);
      };
    });
  }
  subscribe(topic: string): Promise<void> {
    this.socket.subscribe(topic);
    return Promise.resolve();
  }
  unsubscribe(topic: string): Promise<void> {
    this.socket.unsubscribe(topic);
    return Promise.resolve();
  }
  events(): Promise<Record<string, number>> {
    return Promise.resolve({ ...this.#counts });
  }
  close(): Promise<void> {
    this.socket.close();
    return Promise.resolve();
  }
}

describe("v5-compat on the wire: the pattern table", () => {
  let peer: Peer | undefined;
  before(async () => {
    peer = await startLibzmqPeer();
  });
  after(async () => {
    await peer?.stop();
    removeIpcFiles();
  });
  const libzmq = () => {
    if (!peer) throw new Error("The libzmq peer did not start");
    return peer;
  };
  const compat = { name: "v5-compat", make: CompatSide.make };
  const theirs = { name: "libzmq", make: RemoteSide.maker(libzmq) };
  const ours = { name: "our", make: LocalSide.make };
  // Runs `fn` over sides it registers, closing them whatever happens.
  const scoped = (name: string, fn: (own: <S extends Side>(s: S) => S) => Promise<void>) =>
    test(name, async () => {
      const sides: Side[] = [];
      const own = <S extends Side>(s: S): S => (sides.push(s), s);
      try {
        await withTimeout(ROW_TIMEOUT, name, () => fn(own));
      } finally {
        await Promise.allSettled(sides.map((s) => s.close()));
      }
    });

  scoped(
    "v5-compat tcp: a burst of 10 queued requests from a v5-compat REQ, answered in order by libzmq REP",
    async (own) => {
      const rep = own(await RemoteSide.create(libzmq(), "REP"));
      const req = own(new CompatSide("REQ"));
      await req.connect(await rep.bind());
      const replies: Promise<void>[] = [];
      for (let i = 0; i < 10; i++) replies.push(req.send([`q${i}`, ""]));
      for (let i = 0; i < 10; i++) {
        expectMsg(await rep.receive(), [`q${i}`, ""], `request ${i}`);
        await rep.send([`a${i}`]);
        expectMsg(await req.receive(), [`a${i}`], `reply ${i}`);
      }
      await Promise.all(replies);
    },
  );

  scoped(
    "v5-compat tcp: 2000 messages from a v5-compat PUSH (sndhwm 1) reach libzmq PULL (rcvhwm 1) in send() order",
    async (own) => {
      const pull = own(await RemoteSide.create(libzmq(), "PULL", { receiveHighWaterMark: 1 }));
      const push = own(new CompatSide("PUSH"));
      push.socket.sndhwm = 1;
      await push.connect(await pull.bind());
      const N = 2000;
      let called = 0;
      for (let i = 0; i < N; i++) push.socket.send(bulkMessage(i), 0, () => called++);
      assert.equal(await pull.recvMany(N, ROW_TIMEOUT), -1, "every message, in order");
      await waitFor("the callbacks", () => called === N);
    },
  );

  for (const p of PATTERNS) {
    for (const row of rowsOf("v5-compat", p, compat, theirs, "tcp")) test(row.name, () => runRow(row));
    for (const t of ["tcp", "ipc"] as const) {
      for (const row of rowsOf("v5-compat", p, compat, ours, t)) test(row.name, () => runRow(row));
    }
  }
});

// -- zeromq.js 5's example programs ---------------------------------------------

/** A half of an example program: on v5-compat.ts here, or on zeromq/v5-compat in a peer process. */
interface Half {
  /** Resolves once set up (bound, connected, subscribed). */
  ready: Promise<void>;
  /** Each message it received, as its parts' text. */
  got: string[][];
  /** Resolves once `got` holds `n` messages. */
  until(n: number): Promise<void>;
  stop(): Promise<void>;
}

// `setUp` starts the program and returns how to stop it.
function halfOf(setUp: (got: (m: string[]) => void) => () => void): Half {
  const got: string[][] = [];
  const waiters: [number, () => void][] = [];
  const stop = setUp((m) => {
    got.push(m);
    for (const [n, w] of waiters) if (got.length >= n) w();
  });
  return {
    ready: Promise.resolve(),
    got,
    until: (n) => got.length >= n ? Promise.resolve() : new Promise<void>((r) => waiters.push([n, r])),
    stop: () => Promise.resolve(stop()),
  };
}

// The example programs, ported to TypeScript, as they run on v5-compat.ts.
const OURS: Record<string, (endpoint: string, count: number) => Half> = {
  // producer.js: a PUSH binds and hands out work.
  producer: (endpoint, count) =>
    halfOf(() => {
      const sock = zmq.socket("push");
      sock.bindSync(endpoint);
      let i = 0;
      const t = setInterval(() => {
        sock.send(`some work ${i++}`);
        if (i === count) clearInterval(t);
      }, 5);
      return () => (clearInterval(t), sock.close());
    }),
  // worker.js: a PULL connects and takes the work.
  worker: (endpoint) =>
    halfOf((got) => {
      const sock = zmq.socket("pull");
      sock.connect(endpoint);
      sock.on("message", (msg: Buffer) => got([msg.toString()]));
      return () => sock.close();
    }),
  // pubber.js: a PUB binds and publishes multipart messages on two topics.
  pubber: (endpoint) =>
    halfOf(() => {
      const sock = zmq.socket("pub");
      sock.bindSync(endpoint);
      let i = 0;
      const t = setInterval(() => {
        sock.send(["dogs", "woof"]);
        sock.send(["kitty cats", `meow! ${i++}`]);
      }, 5);
      return () => (clearInterval(t), sock.close());
    }),
  // subber.js: a SUB connects and subscribes to one topic.
  subber: (endpoint) =>
    halfOf((got) => {
      const sock = zmq.socket("sub");
      sock.connect(endpoint);
      sock.subscribe("kitty cats");
      sock.on("message", (topic: Buffer, message: Buffer) => got([topic.toString(), message.toString()]));
      return () => sock.close();
    }),
  // rep_req.js, the server: a REP binds and answers each number with its double.
  server: (endpoint) =>
    halfOf(() => {
      const sock = zmq.socket("rep");
      sock.bind(endpoint, (err) => {
        if (err) throw err;
        sock.on("message", (data: Buffer) => sock.send(2 * Number(data)));
      });
      return () => sock.close();
    }),
  // rep_req.js, the client: a REQ connects and asks its numbers, each after
  // the previous answer (zeromq/v5-compat's REQ stalls now and then with
  // several requests queued at once; ours queues them: see "a burst" below).
  client: (endpoint, count) =>
    halfOf((got) => {
      const sock = zmq.socket("req");
      sock.connect(endpoint);
      let i = 1;
      sock.on("message", (data: Buffer) => {
        got([data.toString()]);
        if (++i <= count) sock.send(i);
      });
      sock.send(i);
      return () => sock.close();
    }),
};

/** The same half on zeromq.js 6's zeromq/v5-compat (libzmq), in a Node process. */
function theirs(role: string, endpoint: string, count: number): Half {
  const child: ChildProcess = spawn(
    nodeBin(),
    [join(ROOT, "tests", "interop", "v5_compat_peer.mjs"), role, endpoint, String(count)],
    { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (d) => stderr = (stderr + d).slice(-2000));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const got: string[][] = [];
  const waiters: [number, () => void][] = [];
  let readyNow!: () => void;
  const ready = new Promise<void>((r) => readyNow = r);
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const m = JSON.parse(line) as { ready?: boolean; got?: string[] };
    if (m.ready) readyNow();
    if (m.got) {
      got.push(m.got);
      for (const [n, w] of waiters) if (got.length >= n) w();
    }
  });
  const died = exited.then(() => {
    throw new Error(`zeromq/v5-compat ${role} exited early: ${stderr}`);
  });
  died.catch(() => {});
  return {
    ready: Promise.race([ready, died]),
    got,
    until: (n) =>
      Promise.race([got.length >= n ? Promise.resolve() : new Promise<void>((r) => waiters.push([n, r])), died]),
    stop: async () => {
      child.stdin!.end();
      await withTimeout(5000, `${role} exit`, () => exited).catch(() => child.kill("SIGKILL"));
    },
  };
}

type Where = "v5-compat.ts" | "zeromq/v5-compat";
const make = (where: Where, role: string, ep: string, n: number): Half =>
  where === "v5-compat.ts" ? OURS[role](ep, n) : theirs(role, ep, n);

const EXAMPLES: {
  name: string;
  binder: string;
  connecter: string;
  count: number;
  /** The half whose messages are checked. */
  check: "binder" | "connecter";
  expect(got: string[][], count: number): void;
}[] = [
  {
    name: "producer.js/worker.js (push/pull)",
    binder: "producer",
    connecter: "worker",
    count: 20,
    check: "connecter",
    expect: (got, n) => assert.deepEqual(got, Array.from({ length: n }, (_, i) => [`some work ${i}`])),
  },
  {
    name: "pubber.js/subber.js (pub/sub, multipart, filtered)",
    binder: "pubber",
    connecter: "subber",
    count: 20,
    check: "connecter",
    expect(got) {
      // A subscriber joins late (it misses the first ones), then gets every message, in order.
      assert.ok(got.every(([topic]) => topic === "kitty cats"), "only the subscribed topic");
      const seq = got.map(([, m]) => Number(/^meow! (\d+)$/.exec(m)![1]));
      assert.deepEqual(seq, seq.map((_, i) => seq[0] + i), "consecutive");
    },
  },
  {
    name: "rep_req.js (req/rep, numbers doubled)",
    binder: "server",
    connecter: "client",
    count: 10,
    check: "connecter",
    expect: (got, n) => assert.deepEqual(got, Array.from({ length: n }, (_, i) => [`${2 * (i + 1)}`])),
  },
];

describe("zeromq.js 5 example programs on v5-compat.ts", () => {
  const WHERE: [Where, Where][] = [
    ["v5-compat.ts", "v5-compat.ts"],
    ["v5-compat.ts", "zeromq/v5-compat"],
    ["zeromq/v5-compat", "v5-compat.ts"],
  ];
  for (const ex of EXAMPLES) {
    for (const [b, c] of WHERE) {
      test(`${ex.name}: ${ex.binder} on ${b}, ${ex.connecter} on ${c}`, { timeout: ROW_TIMEOUT * 2 }, async () => {
        const ep = await freeTcpAddress();
        const halves: Half[] = [];
        try {
          await withTimeout(ROW_TIMEOUT, ex.name, async () => {
            const binder = make(b, ex.binder, ep, ex.count);
            halves.push(binder);
            await binder.ready;
            const connecter = make(c, ex.connecter, ep, ex.count);
            halves.push(connecter);
            await connecter.ready;
            const checked = ex.check === "binder" ? binder : connecter;
            await checked.until(ex.count);
            ex.expect(checked.got.slice(0, ex.count), ex.count);
          });
        } finally {
          await Promise.allSettled(halves.map((h) => h.stop()));
        }
      });
    }
  }
});
