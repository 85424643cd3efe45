// Shared pieces of the interop tests: peer processes worked over the line
// protocol of _peer_core.mjs; a Side, which is one of our sockets in this
// process or a socket in a peer process (libzmq, or this library on another
// runtime); and the pattern scenarios, written once over two Sides.

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as zmq from "../../mod.ts";

/** The runtime running this file. */
export const RUNTIME: Runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";
export type Runtime = "deno" | "bun" | "node";
export const RUNTIME_NAME: Record<Runtime, string> = { deno: "Deno", bun: "Bun", node: "Node" };

/** Socket receive/send timeout on both sides, in ms: a lost message fails fast. */
export const IO_TIMEOUT = 4000;
/** Time one test row may take, in ms. */
export const ROW_TIMEOUT = 10000;

/** The repository root: the directory whose package.json is named "zmtp-dev". */
export const ROOT: string = findRoot();

function findRoot(): string {
  const isRoot = (d: string) => {
    try {
      return JSON.parse(readFileSync(join(d, "package.json"), "utf8")).name === "zmtp-dev";
    } catch {
      return false;
    }
  };
  // Walk up from this file (tests/interop/, or wherever the npm build put it).
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (isRoot(d)) return d;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  if (isRoot(process.cwd())) return process.cwd();
  throw new Error("Cannot find the repository root (a package.json named zmtp-dev)");
}

/** The transports the tables run over (libzmq's own `ipc://*` names a relative path, so ours are explicit). */
export type TransportName = "tcp" | "ipc";
let ipcCount = 0;
const ipcFiles = new Set<string>();
/** A fresh endpoint to bind on `t`; remove its file with removeIpcFiles(). */
export function anyEndpoint(t: TransportName): string {
  if (t === "tcp") return "tcp://127.0.0.1:*";
  const file = join(tmpdir(), `zmtp-interop-${process.pid}-${++ipcCount}.sock`);
  ipcFiles.add(file);
  return `ipc://${file}`;
}

/**
 * Removes the socket files of the ipc endpoints anyEndpoint() gave out:
 * libzmq 4.3 leaves the file of a path it bound behind when it closes (it
 * removes only those of `ipc://*`).
 */
export function removeIpcFiles(): void {
  for (const f of ipcFiles) rmSync(f, { force: true });
  ipcFiles.clear();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Rejects if `fn` takes longer than `ms`. */
export async function withTimeout<T>(ms: number, what: string, fn: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `cond` every 10 ms until it holds; throws after `ms`. */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await sleep(10);
  }
}

// -- frames ------------------------------------------------------------------

export type Frames = (string | Uint8Array)[];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const bytes = (f: string | Uint8Array): Uint8Array => typeof f === "string" ? encoder.encode(f) : f;
export const text = (f: Uint8Array): string => decoder.decode(f);

/** A frame of `n` bytes with a position-dependent pattern (catches shifted data). */
export function bigFrame(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
}

/**
 * Message `i` of a bulk run: 1 to 3 parts of 0 to 1499 bytes (short and long
 * frames), contents depending on i. Same as bulkMessage() in _peer_core.mjs.
 */
export function bulkMessage(i: number): Uint8Array[] {
  const msg: Uint8Array[] = [];
  for (let j = 0; j <= i % 3; j++) {
    const f = new Uint8Array((i * 7919 + j * 104729) % 1500);
    for (let k = 0; k < f.length; k++) f[k] = (i + j * 31 + k) & 0xff;
    msg.push(f);
  }
  return msg;
}

/** Over 255 bytes: a long (8-byte size) frame on the wire. */
export const BIG: Uint8Array = bigFrame(70000);

function show(f: Uint8Array): string {
  const printable = f.length <= 64 && f.every((c) => c >= 0x20 && c < 0x7f);
  if (printable) return JSON.stringify(text(f));
  let h = 0x811c9dc5;
  for (let i = 0; i < f.length; i++) h = Math.imul(h ^ f[i], 0x01000193) >>> 0;
  return `<${f.length} bytes, fnv ${h.toString(16)}>`;
}

/** Asserts a received message equals the expected frames, byte for byte. */
export function expectMsg(actual: Uint8Array[], expected: Frames, what = "message"): void {
  const want = expected.map(bytes);
  assert.deepEqual(actual.map(show), want.map(show), what);
  for (let i = 0; i < want.length; i++) {
    assert.ok(
      actual[i].length === want[i].length && actual[i].every((c, j) => c === want[i][j]),
      `${what}: frame ${i}`,
    );
  }
}

// -- peer processes ------------------------------------------------------------

interface Pending {
  resolve(v: Record<string, unknown>): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** A peer process speaking the _peer_core.mjs protocol. */
export class Peer {
  readonly label: string;
  #proc: ChildProcess;
  #pending = new Map<number, Pending>();
  #next = 1;
  #stderr = "";
  #exited: Promise<void>;
  #exitCode: number | null | undefined = undefined;

  private constructor(label: string, proc: ChildProcess) {
    this.label = label;
    this.#proc = proc;
    this.#exited = new Promise((resolve) => {
      proc.once("exit", (code, signal) => {
        this.#exitCode = code;
        const why = new Error(`${label} exited (code ${code}, signal ${signal})${this.#tail()}`);
        for (const p of this.#pending.values()) {
          clearTimeout(p.timer);
          p.reject(why);
        }
        this.#pending.clear();
        resolve();
      });
    });
  }

  /**
   * Spawns a peer and waits for its "ready" line.
   *
   * @param label Its name in messages.
   * @param cmd The executable.
   * @param args Its arguments.
   */
  static start(label: string, cmd: string, args: string[], readyTimeout = 20000): Promise<Peer> {
    const proc = spawn(cmd, args, {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    const peer = new Peer(label, proc);
    proc.stderr!.on("data", (d: Uint8Array) => {
      peer.#stderr = (peer.#stderr + text(d)).slice(-4000);
    });
    return new Promise<Peer>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        if (ready) return;
        proc.kill("SIGKILL");
        reject(new Error(`${label} not ready after ${readyTimeout} ms${peer.#tail()}`));
      }, readyTimeout);
      proc.once("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`${label}: cannot start ${cmd}: ${e.message}`));
      });
      peer.#exited.then(() => {
        clearTimeout(timer);
        if (!ready) reject(new Error(`${label} exited before it was ready${peer.#tail()}`));
      });
      createInterface({ input: proc.stdout! }).on("line", (line) => {
        let m: Record<string, unknown>;
        try {
          m = JSON.parse(line);
        } catch {
          return; // not ours (a runtime's banner, say)
        }
        if (m.ready) {
          ready = true;
          clearTimeout(timer);
          resolve(peer);
          return;
        }
        const p = typeof m.id === "number" ? peer.#pending.get(m.id) : undefined;
        if (!p) return;
        peer.#pending.delete(m.id as number);
        clearTimeout(p.timer);
        if (m.error) {
          const e = m.error as { code: string; message: string };
          p.reject(Object.assign(new Error(`${label}: ${e.message}`), { code: e.code }));
        } else {
          p.resolve(m.ok as Record<string, unknown>);
        }
      });
    });
  }

  #tail(): string {
    const s = this.#stderr.trim();
    return s ? `; stderr: ${s.slice(-1500)}` : "";
  }

  /** True while the process runs. */
  get alive(): boolean {
    return this.#exitCode === undefined;
  }

  /** Sends one request and waits for its answer. */
  request(
    op: string,
    args: Record<string, unknown> = {},
    timeout = IO_TIMEOUT + 4000,
  ): Promise<Record<string, unknown>> {
    if (!this.alive) return Promise.reject(new Error(`${this.label} is not running`));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.label}: no answer to ${op} in ${timeout} ms${this.#tail()}`));
      }, timeout);
      this.#pending.set(id, { resolve, reject, timer });
      this.#proc.stdin!.write(JSON.stringify({ id, op, ...args }) + "\n");
    });
  }

  /** Sends the process a signal (SIGSTOP, SIGCONT, ...). */
  signal(sig: "SIGSTOP" | "SIGCONT"): void {
    this.#kill(sig);
  }

  /** Kills the process (SIGKILL) and waits until it is gone. */
  async stop(): Promise<void> {
    this.#kill("SIGKILL");
    await this.#exited;
  }

  // By pid: Deno's ChildProcess.kill() ignores every call after the first.
  #kill(sig: "SIGSTOP" | "SIGCONT" | "SIGKILL"): void {
    if (!this.alive || this.#proc.pid === undefined) return;
    try {
      process.kill(this.#proc.pid, sig);
    } catch { /* already gone */ }
  }
}

/** Starts the libzmq peer (zeromq.js on Node). */
export function startLibzmqPeer(): Promise<Peer> {
  return Peer.start("libzmq peer", nodeBin(), [join(ROOT, "tests", "interop", "libzmq_peer.mjs")]);
}

/** The node executable (this process's when it is Node). */
export function nodeBin(): string {
  return RUNTIME === "node" ? process.execPath : "node";
}

/** The built library for Node (scripts/build_npm.ts), if there is one. */
export function builtNodeLib(): string | undefined {
  for (const p of ["npm/esm/mod.js", "npm/mod.js", "npm/dist/mod.js"]) {
    const f = join(ROOT, p);
    if (existsSync(f)) return f;
  }
  return undefined;
}

/** Starts this library as a peer on another runtime; undefined when it can't run there. */
export function startOurPeer(rt: Runtime): Promise<Peer> {
  const script = join(ROOT, "tests", "interop", "_our_peer.mjs");
  const src = pathToFileURL(join(ROOT, "mod.ts")).href;
  const label = `${RUNTIME_NAME[rt]} peer`;
  if (rt === "deno") return Peer.start(label, join(ROOT, "node_modules", ".bin", "deno"), ["run", "-A", script, src]);
  if (rt === "bun") return Peer.start(label, join(ROOT, "node_modules", ".bin", "bun"), [script, src]);
  const lib = builtNodeLib();
  if (lib === undefined) return Promise.reject(new Error("The npm build is missing (run scripts/build_npm.ts)"));
  return Peer.start(label, nodeBin(), [script, pathToFileURL(lib).href]);
}

// -- sides -----------------------------------------------------------------------

/** Socket types by their ZMTP names, and zeromq.js's (and our) class names. */
export const CLASS: Record<string, string> = {
  PUSH: "Push",
  PULL: "Pull",
  PAIR: "Pair",
  PUB: "Publisher",
  SUB: "Subscriber",
  XPUB: "XPublisher",
  XSUB: "XSubscriber",
  REQ: "Request",
  REP: "Reply",
  DEALER: "Dealer",
  ROUTER: "Router",
};

/** One end of a test: a socket here or in a peer process. */
export interface Side {
  /** ZMTP socket type, e.g. "PUSH". */
  readonly type: string;
  /** Binds; resolves to the bound endpoint. */
  bind(endpoint?: string): Promise<string>;
  /** Connects; `routingId` names the peer on a ROUTER (ZMQ_CONNECT_ROUTING_ID). */
  connect(endpoint: string, routingId?: string): Promise<void>;
  send(msg: Frames): Promise<void>;
  receive(): Promise<Uint8Array[]>;
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): Promise<void>;
  /** How many of each event the socket reported. */
  events(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

// zeromq.js has no receiveTimeout on send-only types, nor sendTimeout on receive-only ones.
function withIoTimeouts(type: string, options: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (type !== "PUSH" && type !== "PUB") o.receiveTimeout = IO_TIMEOUT;
  if (type !== "PULL" && type !== "SUB") o.sendTimeout = IO_TIMEOUT;
  return { ...o, ...options };
}

/** Makes a Side of a socket type with options. */
export type Maker = (type: string, options: Record<string, unknown>) => Promise<Side>;

const COUNTED = [
  "accept",
  "connect",
  "disconnect",
  "handshake",
  "connect:retry",
  "handshake:error:protocol",
  "handshake:error:other",
] as const;

// What the test uses of our sockets, whatever their type.
interface AnySocket {
  readonly lastEndpoint: string | null;
  readonly events: zmq.Observer;
  bind(address: string): Promise<void>;
  connect(address: string, options?: { routingId?: string }): void;
  send(msg: zmq.MessageInput): Promise<void>;
  receive(): Promise<Uint8Array[]>;
  subscribe(...topics: string[]): void;
  unsubscribe(...topics: string[]): void;
  close(): void;
}

/** One of our sockets in this process. */
export class LocalSide implements Side {
  readonly type: string;
  readonly socket: AnySocket;
  readonly counts: Record<string, number> = {};

  constructor(type: string, options: Record<string, unknown> = {}) {
    this.type = type;
    const Cls = (zmq as unknown as Record<string, new (o: object) => AnySocket>)[CLASS[type]];
    this.socket = new Cls({ linger: 0, ...withIoTimeouts(type, options) });
    for (const e of COUNTED) {
      this.counts[e] = 0;
      this.socket.events.on(e, () => this.counts[e]++);
    }
  }

  static make: Maker = (type, options) => Promise.resolve(new LocalSide(type, options));

  async bind(endpoint = "tcp://127.0.0.1:*"): Promise<string> {
    await this.socket.bind(endpoint);
    return this.socket.lastEndpoint!;
  }
  connect(endpoint: string, routingId?: string): Promise<void> {
    this.socket.connect(endpoint, routingId === undefined ? undefined : { routingId });
    return Promise.resolve();
  }
  send(msg: Frames): Promise<void> {
    return this.socket.send(msg);
  }
  receive(): Promise<Uint8Array[]> {
    return this.socket.receive();
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
    return Promise.resolve({ ...this.counts });
  }
  close(): Promise<void> {
    this.socket.close();
    return Promise.resolve();
  }
}

const b64 = (f: string | Uint8Array) => {
  const b = bytes(f);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
};
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

/** A socket in a peer process. */
export class RemoteSide implements Side {
  readonly type: string;
  readonly peer: Peer;
  readonly id: number;

  private constructor(peer: Peer, type: string, id: number) {
    this.peer = peer;
    this.type = type;
    this.id = id;
  }

  static async create(peer: Peer, type: string, options: Record<string, unknown> = {}): Promise<RemoteSide> {
    const r = await peer.request("new", {
      type: CLASS[type],
      options: withIoTimeouts(type, options),
    });
    return new RemoteSide(peer, type, r.sock as number);
  }

  /** A Maker for sockets in `peer()` (looked up at each call). */
  static maker(peer: () => Peer): Maker {
    return (type, options) => RemoteSide.create(peer(), type, options);
  }

  async bind(endpoint = "tcp://127.0.0.1:*"): Promise<string> {
    return (await this.peer.request("bind", { sock: this.id, endpoint })).endpoint as string;
  }
  async connect(endpoint: string, routingId?: string): Promise<void> {
    await this.peer.request("connect", { sock: this.id, endpoint, routingId });
  }
  /** Sends bulkMessage(0..n-1). */
  async sendMany(n: number, timeout: number): Promise<void> {
    await this.peer.request("sendMany", { sock: this.id, n }, timeout);
  }
  /** Receives n messages after `delay` ms; resolves to the first index not equal to bulkMessage(i), or -1. */
  async recvMany(n: number, timeout: number, delay = 0): Promise<number> {
    return (await this.peer.request("recvMany", { sock: this.id, n, delay }, timeout)).mismatch as number;
  }
  async send(msg: Frames): Promise<void> {
    await this.peer.request("send", { sock: this.id, msg: msg.map(b64) });
  }
  async receive(): Promise<Uint8Array[]> {
    return ((await this.peer.request("recv", { sock: this.id })).msg as string[]).map(unb64);
  }
  async subscribe(topic: string): Promise<void> {
    await this.peer.request("subscribe", { sock: this.id, topic: b64(topic) });
  }
  async unsubscribe(topic: string): Promise<void> {
    await this.peer.request("unsubscribe", { sock: this.id, topic: b64(topic) });
  }
  async events(): Promise<Record<string, number>> {
    return (await this.peer.request("events", { sock: this.id })).counts as Record<string, number>;
  }
  #closed = false;
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.peer.alive) await this.peer.request("close", { sock: this.id });
  }
}

// -- scenarios ---------------------------------------------------------------------

/** A pattern between socket types `a` and `b`, and what to check over it. */
export interface Pattern {
  a: string;
  b: string;
  /** Shown after the row name, e.g. "correlate, relaxed". */
  variant?: string;
  /** Same type on both sides: rows differ only in who binds. */
  symmetric?: boolean;
  /** Extra socket options for side `a` or `b`, given whether it binds. */
  options?: (side: "a" | "b", binds: boolean) => Record<string, unknown>;
  run(a: Side, b: Side, aBinds: boolean): Promise<void>;
}

/** Subscribes the way the socket type does: subscribe() on SUB, a 0x01 message on XSUB. */
async function subscribe(s: Side, topic: string): Promise<void> {
  if (s.type !== "XSUB") return s.subscribe(topic);
  const t = bytes(topic);
  const m = new Uint8Array(1 + t.length);
  m[0] = 1;
  m.set(t, 1);
  await s.send([m]);
}

// ROUTER with `mandatory`: EHOSTUNREACH until the peer's handshake is done.
async function sendWhenRoutable(s: Side, msg: Frames): Promise<void> {
  const end = Date.now() + IO_TIMEOUT;
  for (;;) {
    try {
      return await s.send(msg);
    } catch (e) {
      if ((e as { code?: string }).code !== "EHOSTUNREACH" || Date.now() > end) throw e;
      await sleep(10);
    }
  }
}

/**
 * Receives, again after an early EAGAIN: zeromq.js rejects a pending receive
 * with EAGAIN when libzmq wakes it for a message the socket then drops (a
 * relaxed REQ's stale reply). A real receive timeout still fails.
 */
async function receivePastWakeups(s: Side): Promise<Uint8Array[]> {
  const end = Date.now() + IO_TIMEOUT;
  for (;;) {
    try {
      return await s.receive();
    } catch (e) {
      if ((e as { code?: string }).code !== "EAGAIN" || Date.now() > end) throw e;
    }
  }
}

/**
 * PUB → SUB/XSUB with prefix filtering: the subscriber subscribes to "end",
 * "alpha" and "gam"; the publisher publishes rounds of five topics until both
 * "alpha.1" and "gamma" got through, then one more round and "end". Only
 * those three topics may arrive ("al" is a prefix of a subscription, not the
 * other way round, and "" and "beta" match nothing).
 */
async function pubSub(pub: Side, sub: Side): Promise<void> {
  for (const t of ["end", "alpha", "gam"]) await subscribe(sub, t);
  const round: Frames[] = [["", "empty topic"], ["alpha.1", "a", ""], ["beta", "b"], ["al", "x"], ["gamma", BIG]];
  const allowed = new Map<string, Frames>([["alpha.1", round[1]], ["gamma", round[4]], ["end", ["end", "."]]]);
  const check = (m: Uint8Array[]) => {
    const topic = text(m[0]);
    const want = allowed.get(topic);
    assert.ok(want, `subscriber got unsubscribed topic ${JSON.stringify(topic)}`);
    expectMsg(m, want, `message on ${topic}`);
    return topic;
  };
  // Subscriptions take a moment to reach the publisher: publish until they have.
  let stop = false;
  const pumping = (async () => {
    while (!stop) {
      for (const m of round) await pub.send(m);
      await sleep(20);
    }
  })();
  try {
    const seen = new Set<string>();
    while (!(seen.has("alpha.1") && seen.has("gamma"))) seen.add(check(await sub.receive()));
  } finally {
    stop = true;
    await pumping;
  }
  for (const m of round) await pub.send(m);
  await pub.send(["end", "."]);
  while (check(await sub.receive()) !== "end");
}

/** XPUB ← SUB: the XPUB sees the (un)subscription; publishing honours it. */
async function xpubSub(xpub: Side, sub: Side): Promise<void> {
  // libzmq attaches an accepted connection (and sends it the subscriptions)
  // only while the application is inside a call on the socket: a bound
  // libzmq SUB must be waiting in receive() for the XPUB to hear from it.
  const first = sub.receive();
  first.catch(() => {});
  await sub.subscribe("news");
  expectMsg(await xpub.receive(), [new Uint8Array([1, ...bytes("news")])], "subscription at the XPUB");
  await xpub.send(["other", "o"]);
  await xpub.send(["news", "n1", BIG]);
  expectMsg(await first, ["news", "n1", BIG]);
  await sub.unsubscribe("news");
  expectMsg(await xpub.receive(), [new Uint8Array([0, ...bytes("news")])], "cancellation at the XPUB");
}

/** The table: every pattern, with multipart messages, empty frames and a 70 000-byte frame. */
export const PATTERNS: Pattern[] = [
  {
    a: "PUSH",
    b: "PULL",
    async run(push, pull) {
      const msgs: Frames[] = [["a", "b", "c"], ["", "x", ""], [BIG], [""]];
      for (const m of msgs) await push.send(m);
      for (const m of msgs) expectMsg(await pull.receive(), m);
    },
  },
  {
    a: "REQ",
    b: "REP",
    async run(req, rep) {
      for (let i = 0; i < 2; i++) {
        await req.send(["hello", "", `n${i}`]);
        expectMsg(await rep.receive(), ["hello", "", `n${i}`], "request");
        await rep.send([`re${i}`, BIG, ""]);
        expectMsg(await req.receive(), [`re${i}`, BIG, ""], "reply");
      }
    },
  },
  {
    a: "DEALER",
    b: "ROUTER",
    options: (side) => side === "a" ? { routingId: "dealer-1" } : {},
    async run(dealer, router) {
      await dealer.send(["x", "", "y"]);
      expectMsg(await router.receive(), ["dealer-1", "x", "", "y"]);
      await router.send(["dealer-1", BIG, "z"]);
      expectMsg(await dealer.receive(), [BIG, "z"]);
    },
  },
  {
    a: "REQ",
    b: "ROUTER",
    options: (side) => side === "a" ? { routingId: "req-1" } : {},
    async run(req, router) {
      await req.send(["q1", "q2"]);
      expectMsg(await router.receive(), ["req-1", "", "q1", "q2"], "request at the ROUTER");
      await router.send(["req-1", "", BIG, ""]);
      expectMsg(await req.receive(), [BIG, ""], "reply at the REQ");
    },
  },
  {
    a: "DEALER",
    b: "REP",
    async run(dealer, rep) {
      await dealer.send(["", "ask", ""]);
      expectMsg(await rep.receive(), ["ask", ""], "request at the REP");
      await rep.send(["ans", BIG]);
      expectMsg(await dealer.receive(), ["", "ans", BIG], "reply at the DEALER");
    },
  },
  {
    a: "DEALER",
    b: "DEALER",
    symmetric: true,
    async run(x, y) {
      const msgs: Frames[] = [["one", "", "three"], [""], [BIG, "tail"]];
      for (const m of msgs) await x.send(m);
      for (const m of msgs) expectMsg(await y.receive(), m);
      for (const m of msgs) await y.send(m);
      for (const m of msgs) expectMsg(await x.receive(), m);
    },
  },
  {
    a: "ROUTER",
    b: "ROUTER",
    symmetric: true,
    // The binder is "rb", the connector "rc"; the connector speaks first.
    options: (_side, binds) => ({ routingId: binds ? "rb" : "rc", mandatory: true }),
    async run(a, b, aBinds) {
      const [binder, connector] = aBinds ? [a, b] : [b, a];
      await sendWhenRoutable(connector, ["rb", "hello", "", BIG]);
      expectMsg(await binder.receive(), ["rc", "hello", "", BIG], "at the binding ROUTER");
      await binder.send(["rc", "reply", ""]);
      expectMsg(await connector.receive(), ["rb", "reply", ""], "at the connecting ROUTER");
    },
  },
  {
    a: "REQ",
    b: "REP",
    variant: "REQ correlate + relaxed",
    options: (side) => side === "a" ? { correlate: true, relaxed: true } : {},
    // A second request before the first reply; the stale reply is dropped.
    async run(req, rep) {
      await req.send(["r1"]);
      expectMsg(await rep.receive(), ["r1"], "first request");
      await req.send(["r2", ""]);
      await rep.send(["a1"]);
      expectMsg(await rep.receive(), ["r2", ""], "second request");
      await rep.send(["a2", BIG]);
      expectMsg(await receivePastWakeups(req), ["a2", BIG], "the reply to the second request only");
    },
  },
  {
    a: "DEALER",
    b: "ROUTER",
    variant: "DEALER probeRouter",
    options: (side) => side === "a" ? { routingId: "probe", probeRouter: true } : {},
    async run(dealer, router) {
      // A bound libzmq DEALER attaches the connection (and sends the probe)
      // only while inside a call on the socket: keep a receive pending.
      const reply = dealer.receive();
      reply.catch(() => {});
      expectMsg(await router.receive(), ["probe", ""], "the probe");
      await router.send(["probe", "welcome"]);
      expectMsg(await reply, ["welcome"]);
      await dealer.send(["x"]);
      expectMsg(await router.receive(), ["probe", "x"]);
    },
  },
  { a: "PUB", b: "SUB", run: pubSub },
  { a: "XPUB", b: "SUB", run: xpubSub },
  { a: "PUB", b: "XSUB", run: pubSub },
  {
    a: "PAIR",
    b: "PAIR",
    symmetric: true,
    async run(x, y) {
      for (let i = 0; i < 3; i++) {
        await x.send(["ping", "", `${i}`]);
        expectMsg(await y.receive(), ["ping", "", `${i}`], "ping");
        await y.send(["pong", i === 1 ? BIG : ""]);
        expectMsg(await x.receive(), ["pong", i === 1 ? BIG : ""], "pong");
      }
    },
  },
];

/** One row of a table: who is on each side of a pattern and who binds. */
export interface Row {
  name: string;
  pattern: Pattern;
  makeA: Maker;
  makeB: Maker;
  aBinds: boolean;
  transport: TransportName;
}

/**
 * The rows of a pattern between `here` and `there`: each side on each end
 * of the pattern, binding or connecting (a symmetric pattern needs only
 * the binder to alternate).
 */
export function rowsOf(
  prefix: string,
  p: Pattern,
  here: { name: string; make: Maker },
  there: { name: string; make: Maker },
  transport: TransportName = "tcp",
): Row[] {
  const rows: Row[] = [];
  for (const aHere of [true, false]) {
    for (const aBinds of p.symmetric ? [true] : [true, false]) {
      const [wa, wb] = aHere ? [here, there] : [there, here];
      const role = (binds: boolean) => binds ? "bind" : "connect";
      rows.push({
        name: `${prefix} ${transport}: ${wa.name} ${p.a} (${role(aBinds)}) → ${wb.name} ${p.b} (${role(!aBinds)})` +
          (p.variant ? `, ${p.variant}` : ""),
        pattern: p,
        makeA: wa.make,
        makeB: wb.make,
        aBinds,
        transport,
      });
    }
  }
  return rows;
}

/** Runs a row: makes both sockets, binds one, connects the other, runs the scenario, closes both. */
export function runRow(row: Row): Promise<void> {
  const sides: Side[] = [];
  return withTimeout(ROW_TIMEOUT, row.name, async () => {
    const p = row.pattern;
    const a = await row.makeA(p.a, p.options?.("a", row.aBinds) ?? {});
    sides.push(a);
    const b = await row.makeB(p.b, p.options?.("b", !row.aBinds) ?? {});
    sides.push(b);
    const [binder, connector] = row.aBinds ? [a, b] : [b, a];
    await connector.connect(await binder.bind(anyEndpoint(row.transport)));
    await p.run(a, b, row.aBinds);
  }).finally(() => Promise.allSettled(sides.map((s) => s.close())));
}
