// Fuzzing (issue 8): seeded random and mutated input, starting from valid
// greetings, READY commands and messages, then flipping bytes, truncating,
// splicing and changing lengths, fed to
//   - the FrameDecoder on its own: nothing but ProtocolError escapes it, and
//     it never allocates in proportion to the sizes headers announce;
//   - the engine and handshake of bound sockets, in process, through a
//     stand-in transport: nothing escapes, allocation stays bounded, and
//     every connection ends with an event (a failed handshake, or a
//     disconnect after a good one);
//   - bound sockets over real tcp connections: each connection is closed
//     and reported, and every socket then serves a good libzmq client.
//
// CI runs a few thousand cases from fixed seeds. A longer run, on any runtime:
//
//   FUZZ_CASES=200000 FUZZ_SEED=12345 node_modules/.bin/deno test -A tests/fuzz_test.ts
//   FUZZ_CASES=200000 node_modules/.bin/bun test --isolate --timeout=0 ./tests/fuzz_test.ts
//   npm run fuzz        (the Deno line, FUZZ_CASES=200000, FUZZ_SEED from the environment)
//
// A failure names its seed and case; FUZZ_SEED=<seed> FUZZ_CASES=<case + 1> replays it.

import assert from "node:assert/strict";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import {
  curveKeyPair,
  Pull,
  registerTransport,
  Reply,
  Router,
  type SocketBase,
  Subscriber,
  XPublisher,
} from "../mod.ts";
import { ProtocolError } from "../lib/errors.ts";
import type { Connection, ConnectionHandler, Transport } from "../lib/transport.ts";
import { getTransport } from "../lib/driver.ts";
import { FrameDecoder, LONG } from "../lib/zmtp/frame.ts";
import {
  concat,
  F_COMMAND,
  F_LONG,
  F_MORE,
  rawCommand,
  rawFrame,
  rawGreeting,
  rawMessage,
  rawReady,
} from "./_helpers.ts";
import {
  bindTargets,
  closeTargets,
  describeService,
  drainTargets,
  eventually,
  goodClients,
  int,
  mutate,
  pick,
  pool,
  prng,
  type Rand,
  randomBytes,
  rawConnection,
  startServicePeer,
  type Target,
} from "./_service.ts";
import type { Peer } from "./interop/_harness.ts";

/** Cases per fuzzer; the tcp one makes a fifth as many connections. */
const CASES = Math.max(1, Number(process.env.FUZZ_CASES ?? 2000));
/** The base seed; case i of a fuzzer uses a generator seeded from it and i. */
const SEED = Number(process.env.FUZZ_SEED ?? 0x2f1e55) >>> 0;
const TCP_CONNECTIONS = Math.max(6, Math.ceil(CASES / 5));
/** Messages (or round trips) the good client must get through on each socket afterwards. */
const GOOD_MESSAGES = 1000;
/** Whole test timeout, growing with the number of cases. */
const TIMEOUT = 60_000 + CASES * 20;
/** The decoder may allocate this much for a body before any of it arrived. */
const UP_FRONT = 65536;

const caseRand = (fuzzer: number, i: number): Rand => prng(SEED ^ Math.imul(fuzzer, 0x9e3779b1) ^ Math.imul(i, 7919));
const where = (i: number) => `seed ${SEED} case ${i}`;

function longHeader(flags: number, size: bigint): Uint8Array {
  const h = new Uint8Array(9);
  h[0] = flags | F_LONG;
  new DataView(h.buffer).setBigUint64(1, size);
  return h;
}

const HUGE = [2n ** 40n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 31n, 2n ** 32n + 1n, 70000n];

/** Splits `b` into chunks of random sizes (many tiny ones sometimes). */
function chunks(b: Uint8Array, r: Rand): Uint8Array[] {
  const out: Uint8Array[] = [];
  // Byte by byte only for short streams: a long one would take long and show nothing new.
  const max = b.length > 20000 ? pick(r, [16, 300, 5000, 70000]) : pick(r, [1, 3, 16, 300, 5000, 70000]);
  for (let at = 0; at < b.length;) {
    const n = 1 + int(r, max);
    // A fresh copy, as a transport hands them out (the decoder may keep views).
    out.push(b.slice(at, at + n));
    at += n;
  }
  return out;
}

/** Replaces a stretch of `b` with a frame header announcing a huge size, and some bytes after it. */
function withHugeLength(b: Uint8Array, r: Rand): Uint8Array {
  const at = int(r, b.length + 1);
  return concat(
    b.subarray(0, at),
    longHeader(pick(r, [0, F_MORE, F_COMMAND]), pick(r, HUGE)),
    randomBytes(r, int(r, 64)),
  );
}

// -- the decoder -----------------------------------------------------------------

function randomFrames(r: Rand): { stream: Uint8Array; frames: { flags: number; body: Uint8Array }[] } {
  const frames: { flags: number; body: Uint8Array }[] = [];
  const parts: Uint8Array[] = [];
  for (let n = 1 + int(r, 8); n > 0; n--) {
    const size = pick(r, [0, 1, int(r, 256), 255, 256, int(r, 4000), int(r, 70000), r() < 0.05 ? int(r, 300000) : 5]);
    const flags = pick(r, [0, F_MORE, F_COMMAND, F_MORE | F_COMMAND]);
    const body = randomBytes(r, size);
    const long = size > 255 || r() < 0.1;
    parts.push(rawFrame(flags, body, long));
    frames.push({ flags: flags | (long ? LONG : 0), body });
  }
  return { stream: concat(...parts), frames };
}

describe("fuzz: FrameDecoder", () => {
  test(`${CASES} random and mutated streams: only ProtocolError escapes, allocation follows what arrived`, {
    timeout: TIMEOUT,
  }, () => {
    const problems: string[] = [];
    let rejected = 0;
    for (let i = 0; i < CASES && problems.length < 5; i++) {
      const r = caseRand(1, i);
      const { stream, frames } = randomFrames(r);
      const pristine = r() < 0.2;
      const input = pristine ? stream : r() < 0.3 ? withHugeLength(stream, r) : mutate(stream, r);
      const maxSize = pristine || r() < 0.5 ? -1 : int(r, 100000);
      let pushed = 0, allocated = 0;
      const got: { flags: number; body: Uint8Array }[] = [];
      const d = new FrameDecoder((flags, body) => got.push({ flags, body }), maxSize, (n) => {
        allocated += n;
        if (n > Math.max(UP_FRONT, pushed)) problems.push(`${where(i)}: allocated ${n} bytes with ${pushed} received`);
        return new Uint8Array(Math.min(n, 1 << 24));
      });
      try {
        for (const c of chunks(input, r)) {
          pushed += c.length;
          d.push(c);
        }
      } catch (e) {
        if (!(e instanceof ProtocolError)) problems.push(`${where(i)}: ${(e as Error).name}: ${(e as Error).message}`);
        rejected++;
        continue;
      }
      if (allocated > 6 * pushed + 2 * UP_FRONT) problems.push(`${where(i)}: allocated ${allocated} for ${pushed}`);
      if (pristine) {
        const same = got.length === frames.length && got.every((g, k) => {
          const want = frames[k].body;
          if (g.flags !== frames[k].flags || g.body.length !== want.length) return false;
          for (let j = 0; j < want.length; j++) if (g.body[j] !== want[j]) return false;
          return true;
        });
        if (!same) problems.push(`${where(i)}: a valid stream decoded wrong`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(rejected > 0, "some mutated streams were rejected");
  });
});

// -- the engine and handshake, in process -------------------------------------------

/** A connection we feed by hand, standing in for a socket's transport. */
class FedConnection implements Connection {
  readonly remoteAddress = "127.0.0.1:1";
  handler: ConnectionHandler | null = null;
  closed = false;
  fed = 0;
  readonly problems: string[];
  readonly label: string;

  constructor(label: string, problems: string[]) {
    this.label = label;
    this.problems = problems;
  }
  start(h: ConnectionHandler): void {
    this.handler = h;
  }
  write(): boolean {
    return !this.closed;
  }
  pause(): void {}
  resume(): void {}
  end(): void {
    this.#close();
  }
  destroy(): void {
    this.#close();
  }
  alloc(n: number): Uint8Array {
    if (n > Math.max(UP_FRONT, this.fed)) this.problems.push(`${this.label}: allocated ${n} with ${this.fed} received`);
    return new Uint8Array(Math.min(n, 1 << 24));
  }
  /** Delivers bytes as the transport would; false once the engine has closed us. */
  feed(chunk: Uint8Array): boolean {
    if (this.closed) return false;
    this.fed += chunk.length;
    try {
      this.handler!.onData(chunk);
    } catch (e) {
      this.problems.push(`${this.label}: onData threw ${(e as Error).name}: ${(e as Error).message}`);
    }
    return !this.closed;
  }
  /** The peer hangs up. */
  hangUp(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.handler!.onClose();
    } catch (e) {
      this.problems.push(`${this.label}: onClose threw ${(e as Error).message}`);
    }
  }
  #close(): void {
    if (this.closed) return;
    this.closed = true;
    const h = this.handler;
    queueMicrotask(() => h?.onClose());
  }
}

interface InProcessTarget {
  name: string;
  socket: SocketBase;
  onConnection: (c: Connection) => void;
  events: Record<string, number>;
  /** A well-behaved peer's bytes: greeting, READY and traffic. */
  valid(r: Rand): Uint8Array;
}

const ENDED = ["handshake:error:protocol", "handshake:error:auth", "handshake:error:other", "disconnect"] as const;

async function inProcessTargets(): Promise<InProcessTarget[]> {
  const server = curveKeyPair();
  const IO = { linger: 0, handshakeInterval: 0 };
  const null3 = (type: string, traffic: (r: Rand) => Uint8Array[]) => (r: Rand) =>
    concat(
      rawGreeting(pick(r, [0, 1]), "NULL"),
      rawReady(type, r() < 0.3 ? [["Identity", randomBytes(r, int(r, 10))], ["X-Foo", "bar"]] : []),
      ...traffic(r),
    );
  const messages = (r: Rand) => Array.from({ length: int(r, 4) }, () => rawMessage("", randomBytes(r, int(r, 600))));
  const specs: [string, () => SocketBase, (r: Rand) => Uint8Array][] = [
    ["ROUTER", () => new Router(IO), null3("DEALER", messages)],
    ["REP", () => new Reply(IO), null3("REQ", messages)],
    ["PULL", () => new Pull(IO), null3("PUSH", messages)],
    [
      "XPUB",
      () => new XPublisher(IO),
      null3("SUB", (r) => [
        rawMessage(concat(new Uint8Array([1]), randomBytes(r, int(r, 20)))),
        rawFrame(F_COMMAND, rawCommand("SUBSCRIBE", randomBytes(r, int(r, 20)))),
        rawFrame(F_COMMAND, rawCommand("PING", concat(new Uint8Array([0, 10]), randomBytes(r, int(r, 16))))),
      ]),
    ],
    ["SUB", () => new Subscriber(IO), null3("PUB", messages)],
    [
      "CURVE REP",
      () => new Reply({ ...IO, curveServer: true, curvePublicKey: server.publicKey, curveSecretKey: server.secretKey }),
      (r) =>
        concat(
          rawGreeting(1, "CURVE"),
          rawFrame(
            F_COMMAND,
            rawCommand("HELLO", concat(new Uint8Array([1, 0]), new Uint8Array(72), randomBytes(r, 120))),
          ),
        ),
    ],
  ];
  // A stand-in for ipc:// while the sockets bind: it hands us their accept callbacks.
  const accepts = new Map<string, (c: Connection) => void>();
  const stand: Transport = {
    connect: () => Promise.reject(new Error("Not used")),
    listen: (ep, onConnection) => {
      accepts.set(ep.path, onConnection);
      return Promise.resolve({ endpoint: ep.address, close: () => Promise.resolve() });
    },
  };
  const saved = getTransport("ipc")!;
  registerTransport("ipc", stand);
  const out: InProcessTarget[] = [];
  try {
    for (const [name, make, valid] of specs) {
      const socket = make();
      const events: Record<string, number> = { accept: 0, handshake: 0 };
      for (const t of ["accept", "handshake", ...ENDED] as const) {
        events[t] = 0;
        socket.events.on(t, () => events[t]++);
      }
      const path = `fuzz-${name.replace(" ", "-")}`;
      await socket.bind(`ipc://${path}`);
      out.push({ name, socket, onConnection: accepts.get(path)!, events, valid });
    }
  } finally {
    registerTransport("ipc", saved);
  }
  return out;
}

describe("fuzz: handshake and engine", () => {
  let targets: InProcessTarget[] = [];
  after(() => {
    for (const t of targets) t.socket.close();
  });

  test(`${CASES} mutated handshakes: nothing escapes, memory stays bounded, each connection ends with an event`, {
    timeout: TIMEOUT,
  }, async () => {
    targets = await inProcessTargets();
    const problems: string[] = [];
    const perTarget = new Map<string, number>();
    for (let i = 0; i < CASES && problems.length < 5; i++) {
      const r = caseRand(2, i);
      const t = targets[i % targets.length];
      const valid = t.valid(r);
      const input = r() < 0.1 ? valid : r() < 0.3 ? withHugeLength(valid, r) : mutate(valid, r);
      const conn = new FedConnection(`${t.name} ${where(i)}`, problems);
      t.onConnection(conn);
      for (const c of chunks(input, r)) if (!conn.feed(c)) break;
      conn.hangUp();
      perTarget.set(t.name, (perTarget.get(t.name) ?? 0) + 1);
      // Let closes queued in microtasks land now and then.
      if (i % 200 === 199) await new Promise((res) => setTimeout(res, 0));
    }
    assert.deepEqual(problems, []);
    const ended = (t: InProcessTarget) => ENDED.reduce((n, e) => n + t.events[e], 0);
    const settled = await eventually(() => targets.every((t) => ended(t) === (perTarget.get(t.name) ?? 0)), 10_000);
    const counts = targets.map((t) =>
      `${t.name}: ${perTarget.get(t.name)} fed, ${t.events.accept} accepted, ` +
      `${t.events.handshake} handshakes, ${ended(t)} ended`
    ).join("; ");
    assert.ok(settled, `every connection ends with an event: ${counts}`);
    for (const t of targets) assert.equal(t.events.accept, perTarget.get(t.name) ?? 0, counts);
    // A well-formed peer still completes its handshake on every NULL socket.
    for (const t of targets.filter((t) => t.name !== "CURVE REP")) {
      const before = t.events.handshake;
      const conn = new FedConnection(`${t.name} after the fuzz`, problems);
      t.onConnection(conn);
      conn.feed(t.valid(prng(1)));
      assert.equal(t.events.handshake, before + 1, `${t.name} handshakes with a good peer after the fuzz`);
      conn.hangUp();
    }
    assert.deepEqual(problems, []);
  });
});

// -- bound sockets over tcp --------------------------------------------------------------

function validOverTcp(t: Target, r: Rand): Uint8Array {
  if (t.mechanism === "CURVE") {
    return concat(
      rawGreeting(1, "CURVE"),
      rawFrame(F_COMMAND, rawCommand("HELLO", concat(new Uint8Array([1, 0]), new Uint8Array(72), randomBytes(r, 120)))),
    );
  }
  const traffic = t.peerType === "SUB"
    ? [rawMessage(concat(new Uint8Array([1]), randomBytes(r, int(r, 10))))]
    : [rawMessage("", randomBytes(r, int(r, 2000))), rawMessage(randomBytes(r, int(r, 300)))];
  return concat(rawGreeting(1, "NULL"), rawReady(t.peerType), ...traffic);
}

describe("fuzz: bound sockets over tcp", () => {
  let peer: Peer | undefined;
  let targets: Target[] = [];
  before(async () => {
    peer = await startServicePeer();
  });
  after(async () => {
    closeTargets(targets);
    await peer?.stop();
  });

  test(`${TCP_CONNECTIONS} fuzzed tcp streams: each is closed and reported, and every socket still serves libzmq`, {
    timeout: TIMEOUT,
  }, async () => {
    targets = await bindTargets({ handshakeInterval: 5000 });
    const per = new Map<string, number>();
    const jobs = Array.from({ length: TCP_CONNECTIONS }, (_, i) => async () => {
      const r = caseRand(3, i);
      const t = targets[i % targets.length];
      per.set(t.name, (per.get(t.name) ?? 0) + 1);
      const valid = validOverTcp(t, r);
      const input = r() < 0.3 ? withHugeLength(valid, r) : mutate(valid, r);
      const out = await rawConnection(t.endpoint, input, "fin");
      return { t, i, out };
    });
    const results = await pool(jobs, 60);
    const notClosed = results.filter((x) => !x.out.closedByPeer).map((x) => `${x.t.name} ${where(x.i)}`);
    assert.deepEqual(notClosed, [], "connections the socket did not close after the peer hung up");
    const ended = (t: Target) => ENDED.reduce((n, e) => n + t.events[e], 0);
    const reported = await eventually(() => targets.every((t) => ended(t) === (per.get(t.name) ?? 0)), 20_000);
    const counts = targets.map((t) =>
      `${t.name}: ${per.get(t.name)} made, ${t.events.accept} accepted, ${ended(t)} ended`
    )
      .join("; ");
    assert.ok(reported, `each connection is reported: ${counts}`);
    for (const t of targets) assert.equal(t.events.accept, per.get(t.name), counts);

    await drainTargets(targets);
    const served = await goodClients(peer!, targets, GOOD_MESSAGES);
    assert.deepEqual(
      [...served].filter(([, s]) => s.count !== GOOD_MESSAGES).map(([name]) => name),
      [],
      `sockets that no longer serve a good client fully: ${describeService(served, GOOD_MESSAGES)}`,
    );
  });
});
