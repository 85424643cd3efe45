// Shared by tests/hostile_test.ts and tests/fuzz_test.ts: bound sockets of
// several types, a good libzmq client for each (tests/interop/service_peer.mjs,
// a Node process, so it works under Bun too), raw connections that send
// chosen bytes, and the process's descriptor count.

import { existsSync, readdirSync } from "node:fs";
import * as net from "node:net";
import { join } from "node:path";
import {
  curveKeyPair,
  Pull,
  Reply,
  Router,
  type SocketBase,
  type SocketEventType,
  Subscriber,
  XPublisher,
} from "../mod.ts";
import { bulkMessage, nodeBin, Peer, ROOT } from "./interop/_harness.ts";

/** Starts the good libzmq client process. */
export function startServicePeer(): Promise<Peer> {
  return Peer.start("libzmq service peer", nodeBin(), [join(ROOT, "tests", "interop", "service_peer.mjs")]);
}

// The calls the tests make, whatever the type (each target only makes those its type has).
type AnySocket = SocketBase & { receive(): Promise<Uint8Array[]>; send(m: Uint8Array[]): Promise<void> };

/** How many messages (or round trips) went through intact. */
export interface Served {
  count: number;
  mismatch: number;
  error: string | null;
}

/** One bound socket under test, with the good client that checks it. */
export interface Target {
  readonly name: string;
  readonly socket: AnySocket;
  readonly endpoint: string;
  /** The Socket-Type a compatible peer announces in READY. */
  readonly peerType: string;
  readonly mechanism: "NULL" | "CURVE";
  /** Event counts since the socket was made. */
  readonly events: Record<string, number>;
  /** The service_peer kind of the good client, and its extra options. */
  readonly client: string;
  readonly clientOptions: Record<string, unknown>;
  /** Our side of the good client's run. */
  serve(n: number): Promise<Served>;
}

const COUNTED: SocketEventType[] = [
  "accept",
  "accept:error",
  "handshake",
  "handshake:error:protocol",
  "handshake:error:auth",
  "handshake:error:other",
  "disconnect",
];

function same(a: Uint8Array[], b: Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) {
    if (a[j].length !== b[j].length) return false;
    for (let k = 0; k < a[j].length; k++) if (a[j][k] !== b[j][k]) return false;
  }
  return true;
}

const IO = 10000;

/**
 * Binds ROUTER, REP, PULL, XPUB, SUB and a CURVE REP on tcp, each with
 * `options` on top of its own.
 */
export async function bindTargets(options: Record<string, unknown> = {}): Promise<Target[]> {
  const server = curveKeyPair(), client = curveKeyPair();
  const base = { linger: 0, receiveTimeout: IO, sendTimeout: IO, ...options };
  // PULL and SUB have no send options (zeromq.js's types).
  const { sendTimeout: _, ...receiving } = base;
  const specs: {
    name: string;
    make: () => AnySocket;
    peerType: string;
    mechanism: "NULL" | "CURVE";
    client: string;
    clientOptions?: Record<string, unknown>;
    serve: (s: AnySocket, n: number) => Promise<Served>;
  }[] = [
    {
      name: "ROUTER",
      make: () => new Router(base),
      peerType: "DEALER",
      mechanism: "NULL",
      client: "dealer",
      serve: async (s, n) => {
        const r: Served = { count: 0, mismatch: -1, error: null };
        const id = new TextEncoder().encode("good");
        for (let i = 0; i < n; i++) {
          if (same(await s.receive(), [id, ...bulkMessage(i)])) r.count++;
          else if (r.mismatch < 0) r.mismatch = i;
        }
        // The way back is checked by the DEALER.
        for (let i = 0; i < n; i++) await s.send([id, ...bulkMessage(i)]);
        return r;
      },
    },
    { name: "REP", make: () => new Reply(base), peerType: "REQ", mechanism: "NULL", client: "req", serve: echo },
    {
      name: "PULL",
      make: () => new Pull(receiving) as unknown as AnySocket,
      peerType: "PUSH",
      mechanism: "NULL",
      client: "push",
      serve: receiveBulk,
    },
    {
      name: "XPUB",
      make: () => new XPublisher({ ...base, noDrop: true }),
      peerType: "SUB",
      mechanism: "NULL",
      client: "sub",
      serve: async (s, n) => {
        // The good SUB's subscription to everything (drainTargets() took any earlier ones).
        for (;;) {
          const m = await s.receive();
          if (m.length === 1 && m[0].length === 1 && m[0][0] === 1) break;
        }
        for (let i = 0; i < n; i++) await s.send(bulkMessage(i));
        return { count: n, mismatch: -1, error: null };
      },
    },
    {
      name: "SUB",
      make: () => {
        const s = new Subscriber({ ...receiving, receiveHighWaterMark: 0 });
        s.subscribe();
        return s as unknown as AnySocket;
      },
      peerType: "PUB",
      mechanism: "NULL",
      client: "xpub",
      serve: receiveBulk,
    },
    {
      name: "CURVE REP",
      make: () =>
        new Reply({ ...base, curveServer: true, curvePublicKey: server.publicKey, curveSecretKey: server.secretKey }),
      peerType: "REQ",
      mechanism: "CURVE",
      client: "req",
      clientOptions: {
        curveServerKey: server.publicKey,
        curvePublicKey: client.publicKey,
        curveSecretKey: client.secretKey,
      },
      serve: echo,
    },
  ];
  const targets: Target[] = [];
  try {
    for (const spec of specs) {
      const socket = spec.make();
      const events: Record<string, number> = {};
      for (const t of COUNTED) {
        events[t] = 0;
        socket.events.on(t, () => events[t]++);
      }
      targets.push({
        name: spec.name,
        socket,
        endpoint: "",
        peerType: spec.peerType,
        mechanism: spec.mechanism,
        events,
        client: spec.client,
        clientOptions: spec.clientOptions ?? {},
        serve: (n) => spec.serve(socket, n).catch((e) => ({ count: 0, mismatch: -1, error: String(e) })),
      });
      await socket.bind("tcp://127.0.0.1:*");
      (targets[targets.length - 1] as { endpoint: string }).endpoint = socket.lastEndpoint!;
    }
  } catch (e) {
    closeTargets(targets);
    throw e;
  }
  return targets;
}

async function echo(s: AnySocket, n: number): Promise<Served> {
  const r: Served = { count: 0, mismatch: -1, error: null };
  for (let i = 0; i < n; i++) {
    const m = await s.receive();
    if (!same(m, bulkMessage(i)) && r.mismatch < 0) r.mismatch = i;
    await s.send(m);
    r.count++;
  }
  return r;
}

async function receiveBulk(s: AnySocket, n: number): Promise<Served> {
  const r: Served = { count: 0, mismatch: -1, error: null };
  for (let i = 0; i < n; i++) {
    if (same(await s.receive(), bulkMessage(i))) r.count++;
    else if (r.mismatch < 0) r.mismatch = i;
  }
  return r;
}

/** Closes every target's socket. */
export function closeTargets(targets: Target[]): void {
  for (const t of targets) {
    if (!t.socket.closed) t.socket.linger = 0;
    t.socket.close();
  }
}

/**
 * Takes whatever hostile peers left in the sockets' queues (a junk message
 * that happened to decode, a subscription), answering on REP so that it can
 * receive again. Call once those peers are gone.
 */
export async function drainTargets(targets: Target[]): Promise<void> {
  for (const t of targets) {
    const s = t.socket as AnySocket & { receiveTimeout: number };
    const saved = s.receiveTimeout;
    s.receiveTimeout = 0;
    try {
      for (let i = 0; i < 100000; i++) {
        try {
          const m = await s.receive();
          if (t.client === "req") await s.send(m);
        } catch (e) {
          if ((e as { code?: string }).code === "EAGAIN") break;
          throw e;
        }
      }
    } finally {
      s.receiveTimeout = saved;
    }
  }
}

/** Runs the good libzmq client against every target at once; the count each got through, both sides checked. */
export async function goodClients(peer: Peer, targets: Target[], n: number): Promise<Map<string, Served>> {
  const runs = targets.map(async (t) => {
    const [theirs, ours] = await Promise.all([
      peer.request("serve", { kind: t.client, endpoint: t.endpoint, n, options: t.clientOptions, timeout: IO }, 120000)
        .then((r) => r as unknown as Served, (e) => ({ count: 0, mismatch: -1, error: String(e) })),
      t.serve(n),
    ]);
    // Both sides count what they checked; the smaller is what got through.
    const count = Math.min(theirs.count, ours.count);
    const mismatch = Math.max(theirs.mismatch, ours.mismatch);
    return [t.name, { count, mismatch, error: theirs.error ?? ours.error }] as const;
  });
  return new Map(await Promise.all(runs));
}

/** "ROUTER 1000/1000, REP 0/1000 (timed out), ...". */
export function describeService(served: Map<string, Served>, n: number): string {
  return [...served].map(([name, r]) =>
    `${name} ${r.count}/${n}${r.mismatch >= 0 ? ` (first mismatch at ${r.mismatch})` : ""}${
      r.count < n && r.error ? ` (${r.error.slice(0, 80)})` : ""
    }`
  ).join(", ");
}

/** Open descriptors of this process, or -1 where /proc/self/fd does not exist. */
export function fdCount(): number {
  return existsSync("/proc/self/fd") ? readdirSync("/proc/self/fd").length : -1;
}

/** Polls `cond` every 20 ms until it holds or `ms` have passed; returns whether it held. */
export async function eventually(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** How a raw connection ends after it wrote its bytes. */
export type Ending = "reset-at-connect" | "fin-at-connect" | "reset" | "fin";

/** What became of one raw connection. */
export interface RawOutcome {
  /** The other side closed (or reset) the connection. */
  closedByPeer: boolean;
  /** The connection could not be made. */
  failed: boolean;
}

/**
 * Opens one tcp connection to `endpoint` and writes `bytes`, then ends it:
 * `reset-at-connect` and `fin-at-connect` end it as soon as it is made,
 * before the server can have accepted it, and write nothing; `reset` sends a
 * RST right after writing; `fin` half-closes and waits (up to `ms`) for the
 * server to close its side.
 */
export function rawConnection(endpoint: string, bytes: Uint8Array, ending: Ending, ms = 10000): Promise<RawOutcome> {
  // tcp://host:port, ws://host:port/path, or ipc:///path (a unix socket has no reset: it is just closed).
  const m = /^(?:tcp|ws):\/\/\[?([^\]/]+?)\]?:(\d+)/.exec(endpoint);
  const ipc = endpoint.startsWith("ipc://");
  return new Promise((resolve) => {
    const out: RawOutcome = { closedByPeer: false, failed: false };
    const s = ipc
      ? net.createConnection({ path: endpoint.slice(6) })
      : net.createConnection({ host: m![1], port: Number(m![2]) });
    const reset = () => ipc ? s.destroy() : s.resetAndDestroy();
    let connected = false, settled = false;
    const timer = setTimeout(() => finish(), ms);
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve(out);
    };
    s.on("error", () => {
      if (!connected) out.failed = true;
      else out.closedByPeer = true;
      finish();
    });
    s.on("data", () => {/* the server's greeting and commands */});
    s.on("end", () => {
      out.closedByPeer = true;
      finish();
    });
    s.on("close", () => finish());
    s.on("connect", () => {
      connected = true;
      if (ending === "reset-at-connect") {
        reset();
        return finish();
      }
      if (ending === "fin-at-connect") {
        s.end();
        return;
      }
      s.write(bytes);
      if (ending === "reset") {
        // After the write has gone out: a reset that discards it tells nothing.
        s.write(new Uint8Array(0), () => {
          reset();
          finish();
        });
      } else s.end();
    });
  });
}

/** Runs `jobs` with at most `limit` at a time. */
export async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A source of numbers in [0, 1). */
export type Rand = () => number;
/** An integer in [0, n). */
export const int = (r: Rand, n: number): number => Math.floor(r() * n);
/** One of `xs`. */
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];
/** `n` random bytes. */
export function randomBytes(r: Rand, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r() * 256;
  return b;
}

/** Flips bytes of a valid stream, and maybe splices random bytes in and truncates it. */
export function mutate(base: Uint8Array, r: Rand): Uint8Array {
  let b: Uint8Array = base.slice();
  for (let k = 1 + int(r, 8); k > 0; k--) b[int(r, b.length)] = int(r, 256);
  if (r() < 0.3) {
    const at = int(r, b.length);
    const extra = randomBytes(r, 1 + int(r, 64));
    const out = new Uint8Array(b.length + extra.length);
    out.set(b.subarray(0, at));
    out.set(extra, at);
    out.set(b.subarray(at), at + extra.length);
    b = out;
  }
  if (r() < 0.3) b = b.subarray(0, 1 + int(r, b.length));
  return b;
}
