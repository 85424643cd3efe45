// ws:// against libzmq 4.3.5 (zeromq.js in a separate `node` process, see
// ws_peer.cjs), both ways: our socket binds and libzmq connects, and the
// reverse; each pattern with our library on either side of it. Both clients
// offer ZWS2.0/<mechanism> and the servers pick it (READY handshake with
// metadata). A browser's WebSocket can only offer the bare "ZWS2.0" (routing
// ids, no handshake): the "standard WebSocket" rows connect that way.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { dirname } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import * as zmq from "../../mod.ts";
import { registerTransport, type SocketEventType, wsTransport } from "../../mod.ts";
import { WAIT, withTimeout } from "../_helpers.ts";

const PEER = fileURLToPath(new URL("./ws_peer.cjs", import.meta.url));
const NODE = "Deno" in globalThis || "Bun" in globalThis ? "node" : process.execPath;
const T = { timeout: 20000 };

/** Resolves at the socket's first event of one of `types` from now on. */
function firstEvent(sock: zmq.SocketBase, types: SocketEventType[]): Promise<void> {
  return new Promise((resolve) => {
    for (const t of types) sock.events.on(t, () => resolve());
  });
}

// zeromq.js must load in a plain `node`; otherwise say why and skip.
function peerAvailable(): string | true {
  const r = spawnSync(NODE, ["-e", "require('zeromq')"], { cwd: dirname(PEER), encoding: "utf8", timeout: 15000 });
  if (r.error) return `cannot run node: ${r.error.message}`;
  if (r.status !== 0) return `zeromq.js does not load in node: ${r.stderr.split("\n")[0]}`;
  return true;
}
const available = peerAvailable();
const skip = available === true ? false : `libzmq peer unavailable (${available})`;

type Frames = string[];
const b64 = (s: string) => Buffer.from(s).toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString();

/** The zeromq.js process. */
class Peer {
  #child: ChildProcess;
  #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #next = 1;
  ready: Promise<void>;

  constructor() {
    this.#child = spawn(NODE, [PEER], { stdio: ["pipe", "pipe", "inherit"] });
    let onReady: () => void, onFail: (e: Error) => void;
    this.ready = new Promise((res, rej) => [onReady, onFail] = [res, rej]);
    this.#child.on("error", (e) => onFail(e));
    this.#child.on("exit", (code) => {
      onFail(new Error(`peer exited (${code})`));
      for (const p of this.#pending.values()) p.reject(new Error(`peer exited (${code})`));
    });
    createInterface({ input: this.#child.stdout! }).on("line", (line) => {
      const m = JSON.parse(line);
      if ("ready" in m) {
        if (m.ready) onReady();
        else onFail(new Error(m.error));
        return;
      }
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`libzmq: ${m.error}`));
      else p?.resolve(m.ok);
    });
  }

  call<R = Record<string, unknown>>(op: string, args: Record<string, unknown> = {}): Promise<R> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.stdin!.write(JSON.stringify({ id, op, ...args }) + "\n");
    });
  }

  kill(): void {
    this.#child.stdin?.end();
    this.#child.kill();
  }
}

/** One socket of a scenario, ours or libzmq's. */
interface Side {
  bind(endpoint: string): Promise<string>;
  connect(endpoint: string): Promise<void>;
  send(msg: Frames): Promise<void>;
  recv(timeout?: number): Promise<Frames>;
  subscribe(topic: string): Promise<void>;
  close(): Promise<void>;
}

// deno-lint-ignore no-explicit-any
type AnySocket = any;

const zmqSide = (type: string) => ours(type, OPTIONS[type]);

function ours(type: string, options: Record<string, unknown> = {}): Side {
  const s: AnySocket = new (zmq as AnySocket)[type]({ linger: 0, ...options });
  const dec = new TextDecoder();
  return {
    async bind(ep) {
      await s.bind(ep);
      return s.lastEndpoint;
    },
    connect: (ep) => Promise.resolve(s.connect(ep)),
    send: (msg) => s.send(msg),
    async recv(timeout = 3000) {
      s.receiveTimeout = timeout;
      return (await s.receive()).map((f: Uint8Array) => dec.decode(f));
    },
    subscribe: (topic) => Promise.resolve(s.subscribe(topic)),
    close: () => Promise.resolve(s.close()),
  };
}

async function libzmq(peer: Peer, type: string, options: Record<string, unknown> = {}): Promise<Side> {
  const { sock } = await peer.call<{ sock: number }>("new", { type, options });
  return {
    bind: async (endpoint) => (await peer.call<{ endpoint: string }>("bind", { sock, endpoint })).endpoint,
    connect: async (endpoint) => void await peer.call("connect", { sock, endpoint }),
    send: async (msg) => void await peer.call("send", { sock, msg: msg.map(b64) }),
    recv: async (timeout = 3000) => (await peer.call<{ msg: string[] }>("recv", { sock, timeout })).msg.map(unb64),
    subscribe: async (topic) => void await peer.call("subscribe", { sock, topic }),
    close: async () => void await peer.call("close", { sock }),
  };
}

// The scenarios, written once over two Sides: [first type, second type, run].
const BIG = "x".repeat(70000); // past the 16-bit WebSocket length
const PATTERNS: [string, string, (a: Side, b: Side) => Promise<void>][] = [
  ["Request", "Reply", async (req, rep) => {
    for (let i = 0; i < 3; i++) {
      await req.send(["hello", String(i)]);
      assert.deepEqual(await rep.recv(), ["hello", String(i)]);
      await rep.send(["world", String(i)]);
      assert.deepEqual(await req.recv(), ["world", String(i)]);
    }
  }],
  ["Publisher", "Subscriber", async (pub, sub) => {
    await sub.subscribe("a");
    // Publish until the subscription has arrived.
    const end = Date.now() + 8000;
    for (;;) {
      await pub.send(["a", "sync"]);
      try {
        if ((await sub.recv(100))[1] === "sync") break;
      } catch (e) {
        if (Date.now() > end) throw e;
      }
    }
    await pub.send(["b", "filtered out"]);
    await pub.send(["a", "last"]);
    for (;;) {
      const m = await sub.recv();
      assert.equal(m[0], "a");
      if (m[1] === "last") break;
    }
  }],
  ["Push", "Pull", async (push, pull) => {
    for (let i = 0; i < 5; i++) await push.send([String(i), i === 4 ? BIG : "", "end"]);
    for (let i = 0; i < 5; i++) assert.deepEqual(await pull.recv(), [String(i), i === 4 ? BIG : "", "end"]);
  }],
  ["Dealer", "Router", async (dealer, router) => {
    await dealer.send(["", "hi"]);
    assert.deepEqual(await router.recv(), ["dealer-1", "", "hi"]);
    await router.send(["dealer-1", "", "back"]);
    assert.deepEqual(await dealer.recv(), ["", "back"]);
  }],
];

const OPTIONS: Record<string, Record<string, unknown>> = { Dealer: { routingId: "dealer-1" } };

// A standard WebSocket class, as browsers have: the global one, or the `ws` package's on Node 20.
async function standardWebSocket(): Promise<NonNullable<zmq.WsTransportOptions["webSocket"]>> {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  if (typeof g.WebSocket === "function") return g.WebSocket;
  const WS_PACKAGE = "ws";
  return (await import(WS_PACKAGE)).WebSocket;
}

// libzmq heartbeats over ws with WebSocket pings and ignores ZMTP PING
// commands; we ping where the runtime's WebSocket can (Node's `ws`, Bun).
// It answers pings only with a mechanism (ZWS2.0/NULL), i.e. when it connects.
const noPing = "Deno" in globalThis ? "Deno's WebSocket cannot send pings" : false;

// A libzmq client with a mechanism offers ZWS2.0/PLAIN or ZWS2.0/CURVE; our
// server picks it and runs the handshake over ZWS command frames. Our client
// offers all of them, and libzmq's server picks the one of its mechanism.
describe("ws:// interop with libzmq: security mechanisms", { skip }, () => {
  const keys = { server: zmq.curveKeyPair(), client: zmq.curveKeyPair() };
  const rows: [string, Record<string, unknown>, Record<string, unknown>, boolean][] = [
    ["PLAIN", { plainServer: true }, { plainUsername: "ann", plainPassword: "secret" }, true],
    ["PLAIN with a wrong password", { plainServer: true }, { plainUsername: "ann", plainPassword: "guess" }, false],
    ["CURVE", { curveServer: true, curveSecretKey: keys.server.secretKey }, {
      curveServerKey: keys.server.publicKey,
      curvePublicKey: keys.client.publicKey,
      curveSecretKey: keys.client.secretKey,
    }, true],
    ["CURVE with the wrong server key", { curveServer: true, curveSecretKey: keys.server.secretKey }, {
      curveServerKey: keys.client.publicKey,
      curvePublicKey: keys.client.publicKey,
      curveSecretKey: keys.client.secretKey,
    }, false],
  ];
  for (const [name, oursOpts, theirsOpts, admitted] of rows) {
    test(`libzmq REQ -> ours REP over ws:// with ${name}`, T, async () => {
      const peer = new Peer();
      const asked: string[] = [];
      const rep = new zmq.Reply({
        linger: 0,
        ...oursOpts,
        authenticator: (req) => {
          asked.push(`${req.mechanism} ${req.address} ${req.credentials.map((c) => new TextDecoder().decode(c))}`);
          const ok = req.mechanism !== "PLAIN" || new TextDecoder().decode(req.credentials[1]) === "secret";
          return ok ? { statusCode: "200", userId: "ann" } : { statusCode: "400", statusText: "No" };
        },
      });
      let handshakes = 0;
      rep.events.on("handshake", () => handshakes++);
      const refused = firstEvent(rep, ["handshake:error:auth", "handshake:error:protocol"]);
      try {
        await peer.ready;
        const req = await libzmq(peer, "Request", theirsOpts);
        await rep.bind("ws://127.0.0.1:*/secure");
        await req.connect(rep.lastEndpoint!);
        if (admitted) {
          await req.send(["hello"]);
          rep.receiveTimeout = WAIT;
          assert.deepEqual((await rep.receive()).map((f) => new TextDecoder().decode(f)), ["hello"]);
          await rep.send("welcome");
          assert.deepEqual(await req.recv(WAIT), ["welcome"]);
          if (name === "PLAIN") assert.deepEqual(asked, ["PLAIN 127.0.0.1 ann,secret"]);
        } else {
          // Not awaited: libzmq 4.3 drops a REQ's pipe when the handshake is
          // refused (protocol error, no reconnect), and a send that comes
          // after that waits forever or fails, depending on who wins the race.
          req.send(["hello"]).catch(() => {});
          await withTimeout(refused, WAIT, "the refusal");
          assert.equal(handshakes, 0, "a refused peer completed a handshake");
          rep.receiveTimeout = 200;
          await assert.rejects(rep.receive(), { code: "EAGAIN" }, "nothing gets through");
        }
      } finally {
        rep.close();
        peer.kill();
      }
    });
  }

  // libzmq's PLAIN server asks the peer process's ZAP handler (ws_peer.cjs "zap").
  const clientRows: [string, Record<string, unknown>, Record<string, unknown>, boolean][] = [
    ["PLAIN", { plainServer: true }, { plainUsername: "ann", plainPassword: "secret" }, true],
    ["PLAIN with a wrong password", { plainServer: true }, { plainUsername: "ann", plainPassword: "guess" }, false],
    ["CURVE", { curveServer: true, curveSecretKey: keys.server.secretKey }, {
      curveServerKey: keys.server.publicKey,
      curvePublicKey: keys.client.publicKey,
      curveSecretKey: keys.client.secretKey,
    }, true],
  ];
  for (const [name, theirsOpts, oursOpts, admitted] of clientRows) {
    test(`ours REQ -> libzmq REP over ws:// with ${name}`, T, async () => {
      const peer = new Peer();
      const req = new zmq.Request({ linger: 0, receiveTimeout: WAIT, ...oursOpts });
      try {
        await peer.ready;
        await peer.call("zap");
        const rep = await libzmq(peer, "Reply", theirsOpts);
        const refused = firstEvent(req, ["handshake:error:auth"]);
        req.connect(await rep.bind("ws://127.0.0.1:*/secure"));
        await req.send("hello");
        if (!admitted) {
          await withTimeout(refused, WAIT, "the refusal");
          await assert.rejects(rep.recv(200));
          return;
        }
        assert.deepEqual(await rep.recv(WAIT), ["hello"]);
        await rep.send(["welcome"]);
        assert.deepEqual((await req.receive()).map((f) => new TextDecoder().decode(f)), ["welcome"]);
      } finally {
        req.close();
        peer.kill();
      }
    });
  }
});

describe("ws:// interop with libzmq: a standard WebSocket client (bare ZWS2.0, as in browsers)", { skip }, () => {
  for (const [typeA, typeB, run] of PATTERNS) {
    for (const oursIs of [typeA, typeB]) {
      const theirsIs = oursIs === typeA ? typeB : typeA;
      test(
        `ours ${oursIs.toUpperCase()} over a standard WebSocket -> libzmq ${theirsIs.toUpperCase()}`,
        T,
        async () => {
          const peer = new Peer();
          registerTransport("ws", wsTransport({ webSocket: await standardWebSocket() }));
          const ours = zmqSide(oursIs);
          try {
            await peer.ready;
            const theirs = await libzmq(peer, theirsIs, OPTIONS[theirsIs]);
            await ours.connect(await theirs.bind("ws://127.0.0.1:*/zmq"));
            await (oursIs === typeA ? run(ours, theirs) : run(theirs, ours));
          } finally {
            registerTransport("ws", wsTransport());
            await ours.close();
            peer.kill();
          }
        },
      );
    }
  }
});

describe("ws:// interop with libzmq", { skip }, () => {
  test("heartbeats on our connecting socket keep an idle connection to libzmq up", T, async () => {
    const peer = new Peer();
    const push = new zmq.Push({ linger: 0, heartbeatInterval: 100, heartbeatTimeout: 600 });
    let drops = 0;
    push.events.on("disconnect", () => drops++);
    try {
      await peer.ready;
      const pull = await libzmq(peer, "Pull");
      push.connect(await pull.bind("ws://127.0.0.1:*/hb"));
      await push.send("before");
      assert.deepEqual(await pull.recv(), ["before"]);
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(drops, 0);
      await push.send("after");
      assert.deepEqual(await pull.recv(), ["after"]);
    } finally {
      push.close();
      peer.kill();
    }
  });

  test("heartbeats on our bound socket keep an idle libzmq connection up", { ...T, skip: noPing }, async () => {
    const peer = new Peer();
    const push = new zmq.Push({ linger: 0, heartbeatInterval: 100, heartbeatTimeout: 600 });
    let drops = 0;
    push.events.on("disconnect", () => drops++);
    try {
      await peer.ready;
      const pull = await libzmq(peer, "Pull");
      await push.bind("ws://127.0.0.1:*/hb");
      await pull.connect(push.lastEndpoint!);
      await push.send("before");
      assert.deepEqual(await pull.recv(), ["before"]);
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(drops, 0);
      await push.send("after");
      assert.deepEqual(await pull.recv(), ["after"]);
    } finally {
      push.close();
      peer.kill();
    }
  });

  for (const [typeA, typeB, run] of PATTERNS) {
    for (const oursIs of [typeA, typeB]) {
      for (const oursBinds of [true, false]) {
        const who = (t: string) => `${t === oursIs ? "ours" : "libzmq"} ${t.toUpperCase()}`;
        const binder = oursBinds === (typeA === oursIs) ? typeA : typeB;
        const name = `${who(typeA)} <-> ${who(typeB)}, ${binder === oursIs ? "ours" : "libzmq"} binds`;
        test(name, T, async () => {
          const peer = new Peer();
          const made: Side[] = [];
          try {
            await peer.ready;
            const make = async (t: string) => {
              const s = t === oursIs ? ours(t, OPTIONS[t]) : await libzmq(peer, t, OPTIONS[t]);
              made.push(s);
              return s;
            };
            const a = await make(typeA), b = await make(typeB);
            const [bindSide, connectSide] = binder === typeA ? [a, b] : [b, a];
            const ep = await bindSide.bind("ws://127.0.0.1:*/zmq");
            assert.match(ep, /^ws:\/\/127\.0\.0\.1:\d+\/zmq$/);
            await connectSide.connect(ep);
            await run(a, b);
          } finally {
            for (const s of made) await s.close().catch(() => {});
            peer.kill();
          }
        });
      }
    }
  }
});
