// Shared test helpers. Runtime-agnostic: raw sockets go through node:net,
// which Deno and Bun provide too. The raw ZMTP encoders here are written
// independently of lib/zmtp so that a codec bug cannot hide itself.

import * as net from "node:net";
import { tmpdir } from "node:os";
import type { SocketBase, SocketEventType } from "../mod.ts";

/** Transports every pattern test runs over; add a row (and its addresses below) to cover a new one. */
export const TRANSPORTS = ["tcp", "ipc", "inproc", "ws"] as const;
/** One transport name. */
export type TransportName = typeof TRANSPORTS[number];

/**
 * Why HWM tests are `todo` over ws: the WebSocket APIs the servers use cannot
 * stop reading, so a receiver that does not read never pushes back on the
 * sender (its inbound chunks pile up in memory instead).
 */
export const WS_NO_FLOW_CONTROL =
  "ws on Deno: Deno's WebSocket server cannot stop reading, so a stalled reader does not block the sender";

/** True on Deno, whose WebSocket server has no receive-side flow control. */
// deno-lint-ignore no-explicit-any
export const WS_UNBOUNDED = (globalThis as any).Deno !== undefined;

let uniq = 0;

/** A bind address for the transport; connect to the socket's `lastEndpoint`. */
export function bindAddress(transport: TransportName): string {
  switch (transport) {
    case "tcp":
      return "tcp://127.0.0.1:*";
    case "ipc":
      return "ipc://*";
    case "inproc":
      return `inproc://test-${Date.now().toString(36)}-${++uniq}`;
    case "ws":
      return "ws://127.0.0.1:*/zmq";
  }
}

/** Binds `socket` on a fresh address of `transport`; returns the address to connect to. */
export async function bindFresh(socket: SocketBase, transport: TransportName = "tcp"): Promise<string> {
  await socket.bind(bindAddress(transport));
  const ep = socket.lastEndpoint;
  if (ep === null) throw new Error("lastEndpoint is null after bind");
  return ep;
}

/** A tcp address nobody listens on right now (bound then released). */
export function freeTcpAddress(): Promise<string> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen({ host: "127.0.0.1", port: 0 }, () => {
      const a = srv.address() as net.AddressInfo;
      srv.close(() => resolve(`tcp://127.0.0.1:${a.port}`));
    });
  });
}

/**
 * An address of `transport` that nothing is bound to yet, for connect-before-bind:
 * a released tcp port, a fresh ipc path, a fresh inproc name.
 */
export function unboundAddress(transport: TransportName): Promise<string> {
  switch (transport) {
    case "tcp":
      return freeTcpAddress();
    case "ipc":
      return Promise.resolve(`ipc://${tmpdir()}/zmtp-test-${Date.now().toString(36)}-${++uniq}.sock`);
    case "inproc":
      return Promise.resolve(bindAddress("inproc"));
    case "ws":
      return freeTcpAddress().then((a) => a.replace("tcp://", "ws://") + "/zmq");
  }
}

/**
 * How long to wait for something that should happen (a message, an event):
 * only a safety net against hanging, never a delay, so it can be generous.
 */
export const WAIT = 10_000;

/** Resolves after `ms` milliseconds. */
export function settle(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Rejects with a message naming `what` when `p` takes longer than `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what = "operation"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** True when `p` has not settled within `ms`. */
export async function stillPending(p: Promise<unknown>, ms: number): Promise<boolean> {
  const PENDING = Symbol("pending");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const r = await Promise.race([
    p.then(() => "resolved", () => "rejected"),
    new Promise<symbol>((res) => timer = setTimeout(() => res(PENDING), ms)),
  ]);
  clearTimeout(timer);
  return r === PENDING;
}

const dec = new TextDecoder();
const enc = new TextEncoder();

/** The same bytes as a plain Uint8Array (received frames are Buffers), to compare with one. */
export function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Decodes UTF-8. */
export function text(b: Uint8Array): string {
  return dec.decode(b);
}

/** Decodes every frame of a message. */
export function texts(msg: Uint8Array[]): string[] {
  return msg.map(text);
}

/** Encodes a string as UTF-8. */
export function bytes(s: string): Uint8Array {
  return enc.encode(s);
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Resolves once `socket` has emitted `type` `count` times (counting from now). */
export function nextEvents(socket: SocketBase, type: SocketEventType, count = 1): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const on = () => {
      if (++seen < count) return;
      socket.events.off(type, on);
      resolve();
    };
    socket.events.on(type, on);
  });
}

/**
 * Closes `senders` (with a linger, so what they queued goes out) and resolves
 * once `receiver` has seen all their connections end. A connection's messages
 * arrive before its end, so everything the senders sent is then queued at the
 * receiver: no need to guess how long delivery takes.
 */
export async function sendersGone(receiver: SocketBase, ...senders: SocketBase[]): Promise<void> {
  const gone = nextEvents(receiver, "disconnect", senders.length);
  for (const s of senders) {
    s.linger = WAIT;
    s.close();
  }
  await withTimeout(gone, WAIT, "the senders' disconnects");
}

/** Closes every socket with linger 0. */
export function closeAll(...sockets: SocketBase[]): void {
  for (const s of sockets) {
    if (!s.closed) s.linger = 0;
    s.close();
  }
}

/** Asserts that `p` rejects with a ZmqError-like object carrying `code`. */
export async function rejectsWithCode(p: Promise<unknown> | (() => Promise<unknown>), code: string): Promise<void> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    const got = (e as { code?: string }).code;
    if (got !== code) throw new Error(`expected rejection with code ${code}, got ${got}: ${e}`);
    return;
  }
  throw new Error(`expected rejection with code ${code}, but it resolved`);
}

// -- raw ZMTP bytes ------------------------------------------------------------

/** Frame flag bits (RFC 23). */
export const F_MORE = 1, F_LONG = 2, F_COMMAND = 4;

/** A 64-byte ZMTP greeting. */
export function rawGreeting(minor = 1, mechanism = "NULL", asServer = false, major = 3): Uint8Array {
  const g = new Uint8Array(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = major;
  g[11] = minor;
  for (let i = 0; i < mechanism.length; i++) g[12 + i] = mechanism.charCodeAt(i);
  g[32] = asServer ? 1 : 0;
  return g;
}

/** One frame; the long form is used when the body exceeds 255 bytes or `long` is set. */
export function rawFrame(flags: number, body: Uint8Array, long = body.length > 255): Uint8Array {
  if (!long) return concat(new Uint8Array([flags, body.length]), body);
  const h = new Uint8Array(9);
  h[0] = flags | F_LONG;
  new DataView(h.buffer).setBigUint64(1, BigInt(body.length));
  return concat(h, body);
}

/** A command body: length-prefixed name, then data. */
export function rawCommand(name: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(new Uint8Array([name.length]), bytes(name), data);
}

/** Metadata properties (RFC 23): name length, name, 4-byte value length, value. */
export function rawMetadata(props: [string, string | Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [k, v] of props) {
    const value = typeof v === "string" ? bytes(v) : v;
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, value.length);
    parts.push(new Uint8Array([k.length]), bytes(k), len, value);
  }
  return concat(...parts);
}

/** A READY command frame announcing `socketType`. */
export function rawReady(socketType: string, extra: [string, string | Uint8Array][] = []): Uint8Array {
  return rawFrame(F_COMMAND, rawCommand("READY", rawMetadata([["Socket-Type", socketType], ...extra])));
}

/** A message as frames (MORE on all but the last). */
export function rawMessage(...parts: (string | Uint8Array)[]): Uint8Array {
  return concat(
    ...parts.map((p, i) => rawFrame(i < parts.length - 1 ? F_MORE : 0, typeof p === "string" ? bytes(p) : p)),
  );
}

/** A decoded frame. */
export interface RawFrame {
  flags: number;
  body: Uint8Array;
}

/** Name of a command frame body. */
export function commandName(body: Uint8Array): string {
  return text(body.subarray(1, 1 + body[0]));
}

/** A raw byte-level peer over node:net: reads exact byte counts and frames. */
export class RawPeer {
  readonly socket: net.Socket;
  #buf: Uint8Array = new Uint8Array(0);
  #want: (() => void) | null = null;
  #ended = false;
  /** Resolves when the other side closed the connection (or it errored). */
  readonly closed: Promise<void>;

  constructor(socket: net.Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => {
      const done = () => {
        this.#ended = true;
        this.#want?.();
        resolve();
      };
      socket.on("close", done);
      socket.on("end", done);
      socket.on("error", done);
    });
    socket.on("data", (b: Uint8Array) => {
      this.#buf = concat(this.#buf, new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      this.#want?.();
    });
  }

  /** Connects to a `tcp://host:port` endpoint. */
  static connect(endpoint: string): Promise<RawPeer> {
    const m = /^tcp:\/\/(.+):(\d+)$/.exec(endpoint);
    if (!m) throw new TypeError(`RawPeer needs a tcp endpoint, got ${endpoint}`);
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ host: m[1], port: Number(m[2]) });
      s.once("error", reject);
      s.once("connect", () => {
        s.off("error", reject);
        resolve(new RawPeer(s));
      });
    });
  }

  /** True once the other side closed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Sends bytes. */
  write(b: Uint8Array): void {
    this.socket.write(b);
  }

  /** Reads exactly `n` bytes; rejects when the connection ends first or after `ms`. */
  async read(n: number, ms = WAIT): Promise<Uint8Array> {
    const deadline = Date.now() + ms;
    while (this.#buf.length < n) {
      if (this.#ended) throw new Error(`connection closed after ${this.#buf.length} of ${n} bytes`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out reading ${n} bytes (have ${this.#buf.length})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#want = () => {
          clearTimeout(t);
          this.#want = null;
          r();
        };
      });
    }
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  /** Reads one frame. */
  async readFrame(ms = WAIT): Promise<RawFrame> {
    const [flags] = await this.read(1, ms);
    let size: number;
    if (flags & F_LONG) {
      const h = await this.read(8, ms);
      size = Number(new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0));
    } else {
      size = (await this.read(1, ms))[0];
    }
    return { flags, body: await this.read(size, ms) };
  }

  /** Reads frames until one is a command named `name`; returns its body. */
  async readCommand(name: string, ms = WAIT): Promise<Uint8Array> {
    for (;;) {
      const f = await this.readFrame(ms);
      if ((f.flags & F_COMMAND) && commandName(f.body) === name) return f.body;
    }
  }

  /** Reads frames until a full message (non-command) arrives. */
  async readMessage(ms = WAIT): Promise<Uint8Array[]> {
    const parts: Uint8Array[] = [];
    for (;;) {
      const f = await this.readFrame(ms);
      if (f.flags & F_COMMAND) continue;
      parts.push(f.body);
      if (!(f.flags & F_MORE)) return parts;
    }
  }

  /**
   * Does a NULL handshake as `socketType`: sends our whole greeting and READY,
   * reads the peer's greeting and READY. Returns the peer's greeting and READY body.
   */
  async handshake(
    socketType: string,
    opts: { minor?: number; props?: [string, string | Uint8Array][] } = {},
  ): Promise<{ greeting: Uint8Array; ready: Uint8Array }> {
    this.write(rawGreeting(opts.minor ?? 1));
    const greeting = await this.read(64);
    this.write(rawReady(socketType, opts.props));
    const ready = await this.readCommand("READY");
    return { greeting, ready };
  }

  /** Resolves true when the other side closes within `ms`. */
  async closesWithin(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((res) => timer = setTimeout(() => res(false), ms)),
    ]);
    clearTimeout(timer);
    return r;
  }

  /** Closes our side at once. */
  destroy(): void {
    this.socket.destroy();
  }
}

/** A raw listener over node:net that hands out accepted connections as RawPeers. */
export class RawServer {
  readonly server: net.Server;
  readonly endpoint: string;
  #pending: RawPeer[] = [];
  #waiter: ((p: RawPeer) => void) | null = null;
  #peers: RawPeer[] = [];

  private constructor(server: net.Server, endpoint: string) {
    this.server = server;
    this.endpoint = endpoint;
  }

  /** Listens on 127.0.0.1 at a free port. */
  static listen(): Promise<RawServer> {
    return new Promise((resolve, reject) => {
      let self: RawServer;
      const srv = net.createServer((s) => {
        const p = new RawPeer(s);
        self.#peers.push(p);
        if (self.#waiter) {
          const w = self.#waiter;
          self.#waiter = null;
          w(p);
        } else self.#pending.push(p);
      });
      srv.once("error", reject);
      srv.listen({ host: "127.0.0.1", port: 0 }, () => {
        const a = srv.address() as net.AddressInfo;
        self = new RawServer(srv, `tcp://127.0.0.1:${a.port}`);
        resolve(self);
      });
    });
  }

  /** The next accepted connection. */
  accept(ms = WAIT): Promise<RawPeer> {
    const p = this.#pending.shift();
    if (p) return Promise.resolve(p);
    return withTimeout(new Promise<RawPeer>((r) => this.#waiter = r), ms, "accept");
  }

  /** Stops listening and drops every accepted connection. */
  close(): void {
    for (const p of this.#peers) p.destroy();
    this.server.close();
  }
}

/**
 * Server side of a raw NULL handshake on an accepted connection: answers
 * our socket's signature with a greeting of `minor`, then READY.
 */
export async function rawAcceptHandshake(
  peer: RawPeer,
  socketType: string,
  minor = 1,
): Promise<{ greeting: Uint8Array; ready: Uint8Array }> {
  const sig = await peer.read(10);
  peer.write(rawGreeting(minor));
  const rest = await peer.read(54);
  peer.write(rawReady(socketType));
  const ready = await peer.readCommand("READY");
  return { greeting: concat(sig, rest), ready };
}

/** Something that publishes (PUB, XPUB). */
interface Sender {
  send(m: (string | Uint8Array)[] | string | Uint8Array): Promise<void>;
}
/** Something that receives, with a receive timeout (SUB, XSUB). */
interface Receiver {
  receive(): Promise<Uint8Array[]>;
  receiveTimeout: number;
}

/**
 * Waits out the slow-joiner window: publishes "sync" until `sub` (which must
 * be subscribed to "sync") receives one. Subscriptions a subscriber sent
 * before "sync" are then known to be in effect at the publisher.
 */
export async function syncPubSub(pub: Sender, sub: Receiver, ms = WAIT): Promise<void> {
  const deadline = Date.now() + ms;
  const saved = sub.receiveTimeout;
  sub.receiveTimeout = 20;
  try {
    for (;;) {
      await pub.send("sync");
      try {
        const m = await sub.receive();
        if (text(m[0]) === "sync") return;
      } catch (e) {
        if ((e as { code?: string }).code !== "EAGAIN") throw e;
      }
      if (Date.now() > deadline) throw new Error("subscriber never got the sync message");
    }
  } finally {
    sub.receiveTimeout = saved;
  }
}

/** Receives the next message whose first frame is not "sync". */
export async function receiveData(sub: { receive(): Promise<Uint8Array[]> }): Promise<string[]> {
  for (;;) {
    const m = await sub.receive();
    if (text(m[0]) !== "sync") return texts(m);
  }
}

/** A worker thread spoken to by messages: what startWorker() gives. */
export interface WorkerPort {
  /** Posts a message to the worker. */
  send(m: unknown): void;
  /** Terminates the worker. */
  stop(): Promise<void>;
}

/**
 * Starts the module at `url` in a worker thread: Node's worker_threads on
 * Node, a module Web Worker on Deno and Bun. `onMessage` gets what it posts,
 * `onError` what it throws.
 */
export async function startWorker<M>(
  url: URL,
  onMessage: (m: M) => void,
  onError: (error: string) => void,
): Promise<WorkerPort> {
  if (!("Deno" in globalThis) && !("Bun" in globalThis)) {
    const { Worker } = await import("node:worker_threads");
    const w = new Worker(url);
    w.on("message", (m: M) => onMessage(m));
    w.on("error", (e) => onError(String(e)));
    return { send: (m) => w.postMessage(m), stop: async () => void await w.terminate() };
  }
  const w = new Worker(url, { type: "module" });
  w.onmessage = (e) => onMessage(e.data as M);
  w.onerror = (e) => {
    e.preventDefault();
    onError(String(e.message));
  };
  return { send: (m) => w.postMessage(m), stop: () => Promise.resolve(w.terminate()) };
}
