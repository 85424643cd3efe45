// Hostile peers at bound sockets (issue 8): thousands of raw connections
// send mutated ZMTP (bad signatures and versions, unknown or wrong
// mechanisms, absurd frame lengths, truncated and bogus commands, garbage
// after a valid handshake, resets before accept and mid-stream) to a bound
// ROUTER, REP, PULL, XPUB, SUB and a CURVE REP. Afterwards every socket must
// give a good libzmq client full service, and the process must be back to
// about the descriptors and memory it had before.
//
// On Deno this caught a listener that stopped accepting for good after one
// connection was reset before it was accepted (accept() fails with ENOTCONN).

import assert from "node:assert/strict";
import * as net from "node:net";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { F_COMMAND, F_LONG, F_MORE, rawCommand, rawFrame, rawGreeting, rawMessage, rawReady } from "./_helpers.ts";
import { bytes, concat } from "./_helpers.ts";
import { parseEndpoint, Pull, Push, registerTransport } from "../mod.ts";
import { getTransport } from "../lib/driver.ts";
import type { Connection } from "../lib/transport.ts";
import { AcceptLoop } from "../transports/deno.ts";
import { nodeTransport } from "../transports/node.ts";
import { KeptServer } from "../transports/ws_deno.ts";
import type { Peer } from "./interop/_harness.ts";
import {
  bindTargets,
  closeTargets,
  describeService,
  drainTargets,
  type Ending,
  eventually,
  fdCount,
  goodClients,
  int,
  mutate,
  pick,
  pool,
  prng,
  type Rand,
  randomBytes,
  rawConnection,
  type RawOutcome,
  startServicePeer,
  type Target,
} from "./_service.ts";

/** Hostile connections in all, spread over the six sockets. */
const HOSTILE_CONNECTIONS = Number(process.env.HC ?? 2000);
/** Of each socket's share, this many are reset the moment they connect, all at once. */
const RESET_BURST = 60;
/** Hostile connections open at once per socket after the burst. */
const CONCURRENCY = 40;
/** Messages (or round trips) the good client must get through on each socket. */
const GOOD_MESSAGES = 1000;
/** Descriptors and resident memory allowed above the baseline once the hostile peers are gone. */
const FD_SLACK = 24;
const RSS_SLACK = 256 * 1024 * 1024;

function longHeader(flags: number, size: bigint): Uint8Array {
  const h = new Uint8Array(9);
  h[0] = flags | F_LONG;
  new DataView(h.buffer).setBigUint64(1, size);
  return h;
}

/** A CURVE HELLO of the right shape with random key, nonce and box (RFC 26). */
function fakeHello(r: Rand): Uint8Array {
  return rawFrame(
    F_COMMAND,
    rawCommand("HELLO", concat(new Uint8Array([1, 0]), new Uint8Array(72), randomBytes(r, 120))),
  );
}

/** Greeting and first command of a well-behaved peer of `t`. */
function goodStart(t: Target, r: Rand): Uint8Array {
  return t.mechanism === "CURVE"
    ? concat(rawGreeting(1, "CURVE"), fakeHello(r))
    : concat(rawGreeting(1, "NULL"), rawReady(t.peerType));
}

function bogusFirstCommand(t: Target, r: Rand): Uint8Array {
  const prop = (name: string, len: number, value: Uint8Array) => {
    const l = new Uint8Array(4);
    new DataView(l.buffer).setUint32(0, len);
    return concat(new Uint8Array([name.length]), bytes(name), l, value);
  };
  const variants = [
    // A property whose value length runs past the command.
    () => rawFrame(F_COMMAND, rawCommand("READY", prop("Socket-Type", 0xffffffff, bytes("PUSH")))),
    () => rawFrame(F_COMMAND, rawCommand("READY", prop("Identity", 3, bytes("abc")))),
    () => rawReady("BOGUS"),
    () => rawReady(t.peerType === "PAIR" ? "PUB" : "PAIR"),
    () => rawFrame(F_COMMAND, rawCommand(pick(r, ["HELLO", "XYZZY", "INITIATE", "PING"]), randomBytes(r, int(r, 40)))),
    () => rawFrame(F_COMMAND, new Uint8Array(0)),
    () => rawFrame(F_COMMAND, concat(new Uint8Array([255]), bytes("READY"))),
    () => rawMessage("not", "a command"),
    () => rawFrame(F_COMMAND, rawCommand("READY", randomBytes(r, 1 + int(r, 300)))),
    // A HELLO of the wrong size, or a READY where HELLO belongs.
    () => rawFrame(F_COMMAND, rawCommand("HELLO", randomBytes(r, int(r, 300)))),
  ];
  return concat(rawGreeting(1, t.mechanism), pick(r, variants)());
}

const KINDS = [
  "reset before accept",
  "close before accept",
  "bad signature",
  "old version",
  "random mechanism",
  "wrong mechanism",
  "absurd length",
  "truncated command",
  "bogus first command",
  "garbage after handshake",
  "reset mid-stream",
  "mutated stream",
] as const;

/** What hostile connection number `i` to `t` sends and how it ends. */
function hostile(t: Target, kind: typeof KINDS[number], r: Rand): { data: Uint8Array; ending: Ending } {
  const ending: Ending = r() < 0.5 ? "fin" : "reset";
  const empty = new Uint8Array(0);
  switch (kind) {
    case "reset before accept":
      return { data: empty, ending: "reset-at-connect" };
    case "close before accept":
      return { data: empty, ending: "fin-at-connect" };
    case "bad signature": {
      const b = randomBytes(r, 10 + int(r, 100));
      b[0] = int(r, 255); // never 0xff
      return { data: b, ending };
    }
    case "old version": {
      const g = rawGreeting(0, "NULL", false, int(r, 3));
      return { data: g.subarray(0, 11 + int(r, 54)), ending };
    }
    case "random mechanism": {
      const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
      let name = "";
      for (let n = 1 + int(r, 20); n > 0; n--) name += abc[int(r, abc.length)];
      if (name === t.mechanism) name += "X";
      return { data: concat(rawGreeting(1, name), randomBytes(r, int(r, 200))), ending };
    }
    case "wrong mechanism": {
      const other = pick(r, t.mechanism === "CURVE" ? ["NULL", "PLAIN"] : ["CURVE", "PLAIN"]);
      return { data: concat(rawGreeting(1, other), rawReady(t.peerType)), ending };
    }
    case "absurd length": {
      const size = pick(r, [
        2n ** 40n,
        2n ** 53n - 1n,
        2n ** 53n,
        2n ** 63n,
        2n ** 64n - 1n,
        2n ** 32n + 7n,
        1n << 30n,
      ]);
      const start = r() < 0.5 ? rawGreeting(1, t.mechanism) : goodStart(t, r);
      const flags = pick(r, [F_COMMAND, 0, F_MORE]);
      return { data: concat(start, longHeader(flags, size), randomBytes(r, int(r, 32))), ending };
    }
    case "truncated command": {
      const s = goodStart(t, r);
      return { data: s.subarray(0, 64 + int(r, s.length - 64)), ending };
    }
    case "bogus first command":
      return { data: bogusFirstCommand(t, r), ending };
    case "garbage after handshake":
      return { data: concat(goodStart(t, r), randomBytes(r, 1 + int(r, 3000))), ending };
    case "reset mid-stream":
      return {
        data: concat(goodStart(t, r), longHeader(F_MORE, 100000n), randomBytes(r, 1 + int(r, 50000))),
        ending: "reset",
      };
    case "mutated stream":
      return { data: mutate(concat(goodStart(t, r), rawMessage("hello", bytes("x".repeat(300)))), r), ending };
  }
}

function rss(): number {
  return process.memoryUsage().rss;
}

describe("hostile peers", () => {
  let peer: Peer | undefined;
  let targets: Target[] = [];
  before(async () => {
    peer = await startServicePeer();
  });
  after(async () => {
    closeTargets(targets);
    await peer?.stop();
  });

  test(
    `${HOSTILE_CONNECTIONS} hostile connections leave every bound socket serving a libzmq client`,
    { timeout: 120_000 },
    async () => {
      targets = await bindTargets({ handshakeInterval: 5000 });
      const fd0 = fdCount(), rss0 = rss();
      const per = Math.ceil(HOSTILE_CONNECTIONS / targets.length);
      const outcomes: { target: string; kind: string; ending: Ending; out: RawOutcome }[] = [];
      await Promise.all(targets.map(async (t, ti) => {
        const r = prng(0x5eed + ti);
        const run = (kind: typeof KINDS[number]) => async () => {
          const h = hostile(t, kind, r);
          const out = await rawConnection(t.endpoint, h.data, h.ending);
          outcomes.push({ target: t.name, kind, ending: h.ending, out });
        };
        // A burst of resets first: some arrive before the server accepts them.
        await Promise.all(Array.from({ length: RESET_BURST }, () => run("reset before accept")()));
        await pool(Array.from({ length: per - RESET_BURST }, (_, i) => run(KINDS[i % KINDS.length])), CONCURRENCY);
      }));
      assert.equal(outcomes.length, per * targets.length);

      // A peer that half-closed must see the socket close its side too.
      const lingering = outcomes.filter((o) => o.ending === "fin" && !o.out.failed && !o.out.closedByPeer);
      const refused = outcomes.filter((o) => o.out.failed);

      // Every hostile connection is gone on our side too.
      const fdsBack = fd0 < 0 || await eventually(() => fdCount() <= fd0 + FD_SLACK, 20_000);
      // deno-lint-ignore no-explicit-any
      (globalThis as any).Bun?.gc?.(true);
      const rss1 = rss();

      await drainTargets(targets);
      const served = await goodClients(peer!, targets, GOOD_MESSAGES);
      const summary = `good client: ${describeService(served, GOOD_MESSAGES)}; ` +
        `accept:error events ${targets.reduce((n, t) => n + t.events["accept:error"], 0)}; ` +
        `fds ${fd0} -> ${fdCount()}; rss ${(rss0 / 2 ** 20).toFixed(0)} -> ${(rss1 / 2 ** 20).toFixed(0)} MiB`;
      if (process.env.HOSTILE_VERBOSE) console.log(summary);

      for (const t of targets) assert.ok(t.events.accept + t.events["accept:error"] > 0, `${t.name} saw no connection`);
      assert.deepEqual(
        [...served].filter(([, s]) => s.count !== GOOD_MESSAGES).map(([name]) => name),
        [],
        `sockets that no longer serve a good client fully: ${summary}`,
      );
      assert.equal(refused.length, 0, `connections refused: ${refused.length}; ${summary}`);
      assert.equal(
        lingering.length,
        0,
        `half-closed connections the socket never closed: ${
          lingering.slice(0, 5).map((o) => `${o.target}/${o.kind}`).join(", ")
        }; ${summary}`,
      );
      assert.ok(fdsBack, `descriptors did not come back to ${fd0} + ${FD_SLACK}: ${summary}`);
      assert.ok(rss1 <= rss0 + RSS_SLACK, `resident memory grew by more than ${RSS_SLACK >> 20} MiB: ${summary}`);
    },
  );
});

const errno = (code: string, name = "Error") => Object.assign(new Error(`accept failed: ${code}`), { code, name });
const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe("listeners keep accepting after accept errors", () => {
  test("AcceptLoop goes on after per-connection errors, pauses on EMFILE, and only stop() ends it", async () => {
    type Fake = { id: number; close(): void; closed: boolean };
    const mk = (id: number): Fake => ({
      id,
      closed: false,
      close() {
        this.closed = true;
      },
    });
    // What successive accept() calls do: fail with a code, or return a connection.
    const script: (string | number)[] = [
      "ENOTCONN",
      "ECONNRESET",
      "ECONNABORTED",
      1,
      "EMFILE",
      "EMFILE",
      "ENFILE",
      2,
      3,
    ];
    let calls = 0;
    let park: (() => void) | null = null;
    const accepted: number[] = [], errors: string[] = [];
    const loop = new AcceptLoop<Fake>(
      () => {
        const step = script[calls++];
        if (step === undefined) {
          return new Promise<Fake>((_, reject) => park = () => reject(errno("EBADF", "BadResource")));
        }
        return typeof step === "number" ? Promise.resolve(mk(step)) : Promise.reject(errno(step));
      },
      (c) => accepted.push(c.id),
      (e) => errors.push((e as { code?: string }).code!),
    );
    // Per-connection errors: the next accept follows at once, without a timer.
    await ticks(20);
    assert.deepEqual(accepted, [1]);
    assert.equal(calls, 5, "accepts after ENOTCONN, ECONNRESET, ECONNABORTED and a connection");
    // EMFILE: a pause before the next accept (a timer, not a spin).
    await ticks(50);
    assert.equal(calls, 5, "no accept right after EMFILE");
    assert.ok(await eventually(() => accepted.length === 3, 10_000), `accepted ${accepted}`);
    assert.deepEqual(accepted, [1, 2, 3]);
    assert.deepEqual(errors, ["ENOTCONN", "ECONNRESET", "ECONNABORTED", "EMFILE", "EMFILE", "ENFILE"]);
    // Closing the listener ends the pending accept; that is not reported.
    loop.stop();
    park!();
    await loop.done;
    assert.equal(errors.length, 6);
  });

  test("AcceptLoop keeps going when the handler throws, and stop() cuts a pause short", async () => {
    const conns: { closed: boolean; close(): void }[] = [];
    let calls = 0;
    const errors: Error[] = [];
    const loop = new AcceptLoop(
      () => {
        calls++;
        if (calls <= 2) {
          const c = {
            closed: false,
            close() {
              this.closed = true;
            },
          };
          conns.push(c);
          return Promise.resolve(c);
        }
        return Promise.reject(errno("EMFILE"));
      },
      () => {
        throw new Error("listener threw");
      },
      (e) => errors.push(e),
    );
    assert.ok(await eventually(() => errors.length >= 3, 10_000));
    assert.deepEqual(conns.map((c) => c.closed), [true, true], "connections whose handler threw are closed");
    assert.deepEqual(errors.slice(0, 2).map((e) => e.message), ["listener threw", "listener threw"]);
    // In a pause after EMFILE (up to a second): stop() ends the loop at once.
    loop.stop();
    await loop.done;
  });

  test("KeptServer serves again after its server fails, until stop()", async () => {
    type Fake = { finished: Promise<void>; fail(e: Error): void; end(): void };
    const fake = (): Fake => {
      let fail!: (e: Error) => void, end!: () => void;
      const finished = new Promise<void>((res, rej) => {
        fail = rej;
        end = res;
      });
      return { finished, fail, end };
    };
    const made: Fake[] = [];
    let refusals = 1;
    const errors: string[] = [];
    const first = fake();
    const kept = new KeptServer(first, () => {
      // The first restart finds the port still held.
      if (refusals-- > 0) throw errno("EADDRINUSE");
      const f = fake();
      made.push(f);
      return f;
    }, (e) => errors.push((e as { code?: string }).code ?? e.message));
    first.fail(errno("EMFILE"));
    assert.ok(await eventually(() => made.length === 1, 10_000), "a new server after the failure");
    assert.deepEqual(errors, ["EMFILE", "EADDRINUSE"]);
    made[0].fail(errno("ENFILE"));
    assert.ok(await eventually(() => made.length === 2, 10_000), "again after a second failure");
    const stopping = kept.stop();
    made[1].end();
    await stopping;
    await ticks(20);
    assert.equal(made.length, 2, "no restart after stop()");
  });

  test("the node:net listener reports an 'error' after listen as accept:error and goes on accepting", async () => {
    // The net.Server behind the listener, caught as it starts listening.
    const proto = net.Server.prototype as unknown as { listen: (...a: unknown[]) => unknown };
    const listen = proto.listen;
    let server: net.Server | undefined;
    proto.listen = function (this: net.Server, ...a: unknown[]) {
      server = this;
      return listen.apply(this, a);
    };
    const accepted: Connection[] = [], errors: Error[] = [];
    let l;
    try {
      l = await nodeTransport.listen(
        parseEndpoint("tcp://127.0.0.1:*", true),
        (c) => accepted.push(c),
        (e) => errors.push(e),
      );
    } finally {
      proto.listen = listen;
    }
    try {
      // What libuv reports when an accept fails: an 'error' event on the server, which keeps listening.
      server!.emit("error", errno("EMFILE"));
      server!.emit("error", errno("ECONNABORTED"));
      assert.deepEqual(errors.map((e) => (e as { code?: string }).code), ["EMFILE", "ECONNABORTED"]);
      const port = Number(/:(\d+)$/.exec(l.endpoint)![1]);
      const c = net.createConnection({ host: "127.0.0.1", port });
      c.on("error", () => {});
      assert.ok(await eventually(() => accepted.length === 1, 10_000), "a connection after the errors");
      c.destroy();
      for (const a of accepted) a.destroy();
    } finally {
      await l.close();
    }
  });

  const onNode = !("Deno" in globalThis) && !("Bun" in globalThis);
  test("the ws server on Node reports an 'error' after listen as accept:error and goes on serving", {
    skip: onNode ? false : "Deno.serve and Bun.serve serve ws:// here, not node:http",
  }, async () => {
    const proto = net.Server.prototype as unknown as { listen: (...a: unknown[]) => unknown };
    const listen = proto.listen;
    let server: net.Server | undefined;
    proto.listen = function (this: net.Server, ...a: unknown[]) {
      server = this;
      return listen.apply(this, a);
    };
    const pull = new Pull({ linger: 0, receiveTimeout: 10_000 });
    const push = new Push({ linger: 0, sendTimeout: 10_000 });
    const errors: string[] = [];
    pull.events.on("accept:error", (e) => errors.push((e.error as { code?: string }).code!));
    try {
      try {
        await pull.bind("ws://127.0.0.1:*/errors");
      } finally {
        proto.listen = listen;
      }
      server!.emit("error", errno("EMFILE"));
      server!.emit("error", errno("ENFILE"));
      assert.deepEqual(errors, ["EMFILE", "ENFILE"]);
      push.connect(pull.lastEndpoint!);
      await push.send("still here");
      assert.equal(new TextDecoder().decode((await pull.receive())[0]), "still here");
    } finally {
      push.close();
      pull.close();
    }
  });

  // tcp on this runtime's adapter and on node:net, ipc, ws: a listener under
  // resets and garbage, then a socket of ours that must get every message through.
  const rows: { name: string; address: string; viaNode?: boolean }[] = [
    { name: "tcp", address: "tcp://127.0.0.1:*" },
    ...("Deno" in globalThis || "Bun" in globalThis
      ? [{ name: "tcp over node:net", address: "tcp://127.0.0.1:*", viaNode: true }]
      : []),
    { name: "ipc", address: "ipc://*" },
    { name: "ws", address: "ws://127.0.0.1:*/hostile" },
  ];
  for (const row of rows) {
    test(`a ${row.name} listener serves after resets and garbage`, { timeout: 60_000 }, async () => {
      const saved = getTransport("tcp")!;
      if (row.viaNode) registerTransport("tcp", nodeTransport);
      const pull = new Pull({ linger: 0, receiveTimeout: 10_000, handshakeInterval: 5000 });
      const push = new Push({ linger: 0, sendTimeout: 10_000 });
      try {
        await pull.bind(row.address);
        const ep = pull.lastEndpoint!;
        const r = prng(7);
        const junk = row.name === "ws"
          ? () =>
            bytes(
              pick(r, [
                "GET /hostile HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
                "\x16\x03\x01garbage",
              ]),
            )
          : () => concat(rawGreeting(1, pick(r, ["NULL", "CURVE", "X"])), randomBytes(r, int(r, 500)));
        await Promise.all(Array.from({ length: 100 }, () => rawConnection(ep, new Uint8Array(0), "reset-at-connect")));
        const endings: Ending[] = ["reset-at-connect", "fin-at-connect", "reset", "fin"];
        await pool(Array.from({ length: 200 }, (_, i) => () => rawConnection(ep, junk(), endings[i % 4])), 50);
        push.connect(ep);
        for (let i = 0; i < 100; i++) await push.send(`m${i}`);
        for (let i = 0; i < 100; i++) assert.equal(new TextDecoder().decode((await pull.receive())[0]), `m${i}`);
      } finally {
        push.close();
        pull.close();
        registerTransport("tcp", saved);
      }
    });
  }
});
