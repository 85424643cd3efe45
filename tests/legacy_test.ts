// ZMTP 2.0 (RFC 15) and 1.0 (RFC 13) peers, scripted byte by byte over
// node:net, against each of our socket types that existed then, binding and
// connecting: the downgrade libzmq does (lib/zmtp/zmtp_framer.ts), no
// handshake wait, no type check for 1.0, PUB/XPUB's subscribe-all for 1.0
// subscribers, no PING; refusals with a mechanism or a newer type; bad
// frames (and fuzz) close only their connection.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Dealer,
  Dish,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Subscriber,
  XPublisher,
  XSubscriber,
} from "../mod.ts";
import type { SocketBase } from "../lib/socket_base.ts";
import { encodeV1, V1Decoder } from "../lib/zmtp/v1.ts";
import { HandshakeError, ProtocolError } from "../lib/errors.ts";
import {
  bindFresh,
  bytes,
  closeAll,
  concat,
  F_COMMAND,
  F_MORE,
  nextEvents,
  rawFrame,
  RawPeer,
  RawServer,
  settle,
  text,
  texts,
  withTimeout,
} from "./_helpers.ts";

const T = { timeout: 20000 };
const SAFETY = 8000;
const TYPES = ["PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB"];
type Version = "2.0" | "1.0";

// -- the raw peer's side of the wire ------------------------------------------

/** A ZMTP 1.0 frame: length (flags + body; 1 octet, or 0xff and 8), flags, body. */
function v1Frame(flags: number, body: Uint8Array): Uint8Array {
  const n = body.length + 1;
  if (n < 0xff) return concat(Uint8Array.of(n, flags), body);
  const h = new Uint8Array(10);
  h[0] = 0xff;
  new DataView(h.buffer).setBigUint64(1, BigInt(n));
  h[9] = flags;
  return concat(h, body);
}

/** A ZMTP 2.0 greeting as libzmq 3.x writes it: the signature's padding is a 1.0 length. */
function v2Greeting(type: string, identity: Uint8Array): Uint8Array {
  const sig = new Uint8Array(12);
  sig[0] = 0xff;
  new DataView(sig.buffer).setBigUint64(1, BigInt(identity.length + 1));
  sig[9] = 0x7f;
  sig[10] = 1;
  sig[11] = TYPES.indexOf(type);
  return concat(sig, rawFrame(0, identity));
}

/** One scripted old peer: writes its greeting, reads ours, then messages in its framing. */
class OldPeer {
  constructor(readonly raw: RawPeer, readonly version: Version) {}

  /**
   * Sends our greeting as `type` with `identity`; reads the socket's and
   * returns the socket type octet (2.0) and identity it sent.
   */
  async greet(type: string, identity = ""): Promise<{ type?: number; identity: string }> {
    const id = bytes(identity);
    if (this.version === "2.0") {
      this.raw.write(v2Greeting(type, id));
      const sig = await this.raw.read(10);
      assert.equal(sig[0], 0xff);
      const [major, ownType] = await this.raw.read(2);
      assert.equal(major, 3, "major version, then ZMTP 2.0");
      const f = await this.raw.readFrame();
      assert.equal(f.flags, 0, "identity frame flags");
      return { type: ownType, identity: text(f.body) };
    }
    this.raw.write(v1Frame(0, id));
    // Our signature is a 1.0 frame header: 0xff, 8-octet length, flags.
    const sig = await this.raw.read(10);
    assert.equal(sig[0], 0xff);
    const n = Number(new DataView(sig.buffer, sig.byteOffset + 1, 8).getBigUint64(0));
    return { identity: text(await this.raw.read(n - 1)) };
  }

  send(...parts: (string | Uint8Array)[]): void {
    const frames = parts.map((p, i) => {
      const b = typeof p === "string" ? bytes(p) : p;
      const more = i < parts.length - 1 ? F_MORE : 0;
      return this.version === "2.0" ? rawFrame(more, b) : v1Frame(more, b);
    });
    this.raw.write(concat(...frames));
  }

  async receive(): Promise<Uint8Array[]> {
    const parts: Uint8Array[] = [];
    for (;;) {
      let flags: number, body: Uint8Array;
      if (this.version === "2.0") ({ flags, body } = await this.raw.readFrame());
      else {
        let [n] = await this.raw.read(1);
        if (n === 0xff) {
          const h = await this.raw.read(8);
          n = Number(new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0));
        }
        [flags] = await this.raw.read(1);
        body = await this.raw.read(n - 1);
      }
      assert.equal(flags & F_COMMAND, 0, "no commands to an old peer");
      parts.push(body);
      if ((flags & F_MORE) === 0) return parts;
    }
  }
}

// One old peer connected to `socket`, which binds or connects.
async function attach(socket: SocketBase, version: Version, weBind: boolean): Promise<{ peer: OldPeer; done(): void }> {
  if (weBind) {
    const raw = await RawPeer.connect(await bindFresh(socket));
    return { peer: new OldPeer(raw, version), done: () => raw.destroy() };
  }
  const srv = await RawServer.listen();
  socket.connect(srv.endpoint);
  const raw = await srv.accept();
  return { peer: new OldPeer(raw, version), done: () => srv.close() };
}

const topicMsg = (m: Uint8Array[]) => texts(m).join("|");

// Publishes `msgs` every few ms until `got` settles; returns what it gave.
async function pump<X>(send: () => Promise<void>, got: Promise<X>): Promise<X> {
  let done = false;
  got.then(() => done = true, () => done = true);
  for (let i = 0; !done && i < 500; i++) {
    await send();
    await settle(10);
  }
  return await got;
}

// -- each type with each old peer -------------------------------------------------

// What the old peer is (its type) and the exchange, per type of ours.
const SCENARIOS: Record<string, { peer: string; run(s: SocketBase, p: OldPeer, v: Version): Promise<void> }> = {
  PAIR: {
    peer: "PAIR",
    async run(s, p) {
      const pair = s as Pair;
      await pair.send(["to", "old"]);
      assert.deepEqual(texts(await p.receive()), ["to", "old"]);
      p.send("from", "", "old");
      assert.deepEqual(texts(await pair.receive()), ["from", "", "old"]);
    },
  },
  PUSH: {
    peer: "PULL",
    async run(s, p) {
      await (s as Push).send(["a", "b"]);
      await (s as Push).send([new Uint8Array(300)]);
      assert.deepEqual(texts(await p.receive()), ["a", "b"]);
      assert.deepEqual((await p.receive())[0].length, 300, "a long frame");
    },
  },
  PULL: {
    peer: "PUSH",
    async run(s, p) {
      p.send("m", new Uint8Array(70000));
      const m = await (s as Pull).receive();
      assert.deepEqual([text(m[0]), m[1].length], ["m", 70000]);
    },
  },
  REQ: {
    peer: "REP",
    async run(s, p) {
      await (s as Request).send("q");
      assert.deepEqual(texts(await p.receive()), ["", "q"]);
      p.send("", "r");
      assert.deepEqual(texts(await (s as Request).receive()), ["r"]);
    },
  },
  REP: {
    peer: "REQ",
    async run(s, p) {
      p.send("", "q");
      assert.deepEqual(texts(await (s as Reply).receive()), ["q"]);
      await (s as Reply).send("r");
      assert.deepEqual(texts(await p.receive()), ["", "r"]);
    },
  },
  DEALER: {
    peer: "ROUTER",
    async run(s, p) {
      await (s as Dealer).send(["x", "y"]);
      assert.deepEqual(texts(await p.receive()), ["x", "y"]);
      p.send("z");
      assert.deepEqual(texts(await (s as Dealer).receive()), ["z"]);
    },
  },
  ROUTER: {
    peer: "DEALER",
    async run(s, p) {
      p.send("hi");
      // The identity frame of the old greeting is the peer's routing id.
      assert.deepEqual(texts(await (s as Router).receive()), ["old-id", "hi"]);
      await (s as Router).send(["old-id", "back"]);
      assert.deepEqual(texts(await p.receive()), ["back"]);
    },
  },
  PUB: {
    peer: "SUB",
    async run(s, p, v) {
      // A 2.0 subscriber subscribes with a message; a 1.0 one sends nothing and
      // gets everything (it filters for itself).
      if (v === "2.0") p.send(Uint8Array.of(1, ...bytes("t")));
      const got = p.receive();
      const first = await pump(async () => {
        await (s as Publisher).send(["x", "other"]);
        await (s as Publisher).send(["t", "yes"]);
      }, got);
      if (v === "2.0") assert.equal(topicMsg(first), "t|yes", "filtered by the 2.0 peer's subscription");
      else assert.ok(["x|other", "t|yes"].includes(topicMsg(first)));
    },
  },
  XPUB: {
    peer: "SUB",
    async run(s, p, v) {
      const xpub = s as XPublisher;
      if (v === "2.0") {
        p.send(Uint8Array.of(1, ...bytes("t")));
        assert.deepEqual([...(await xpub.receive())[0]], [1, ...bytes("t")]);
      } else {
        // libzmq's stand-in subscription for a 1.0 subscriber: everything.
        assert.deepEqual([...(await xpub.receive())[0]], [1]);
      }
      await xpub.send(["x", "no"]);
      await xpub.send(["t", "yes"]);
      const first = topicMsg(await p.receive());
      assert.equal(first, v === "2.0" ? "t|yes" : "x|no");
    },
  },
  SUB: {
    peer: "PUB",
    async run(s, p) {
      const sub = s as Subscriber;
      sub.subscribe("t");
      // Subscriptions go as 0x01-prefixed messages (ZMTP 3.0's form) to old peers too.
      assert.deepEqual([...(await p.receive())[0]], [1, ...bytes("t")]);
      p.send("x", "no");
      p.send("t", "yes");
      assert.deepEqual(texts(await sub.receive()), ["t", "yes"], "SUB filters what an old PUB sends");
    },
  },
  XSUB: {
    peer: "PUB",
    async run(s, p) {
      const xsub = s as XSubscriber;
      await xsub.send(Uint8Array.of(1, ...bytes("t")));
      assert.deepEqual([...(await p.receive())[0]], [1, ...bytes("t")]);
      p.send("t", "m");
      assert.deepEqual(texts(await xsub.receive()), ["t", "m"]);
    },
  },
};

function make(type: string): SocketBase {
  const o = { linger: 0 };
  switch (type) {
    case "PAIR":
      return new Pair(o);
    case "PUB":
      return new Publisher(o);
    case "SUB":
      return new Subscriber(o);
    case "REQ":
      return new Request({ ...o, routingId: "our-id" });
    case "REP":
      return new Reply(o);
    case "DEALER":
      return new Dealer({ ...o, routingId: "our-id" });
    case "ROUTER":
      return new Router({ ...o, routingId: "our-id" });
    case "PULL":
      return new Pull(o);
    case "PUSH":
      return new Push(o);
    case "XPUB":
      return new XPublisher(o);
    case "XSUB":
      return new XSubscriber(o);
  }
  throw new Error(type);
}

for (const version of ["2.0", "1.0"] as const) {
  describe(`ZMTP ${version} peers`, () => {
    for (const type of TYPES) {
      for (const weBind of [true, false]) {
        const sc = SCENARIOS[type];
        test(`our ${type} (${weBind ? "bind" : "connect"}) ↔ a ZMTP ${version} ${sc.peer}`, T, async () => {
          const s = make(type);
          const handshake = nextEvents(s, "handshake");
          const { peer, done } = await attach(s, version, weBind);
          try {
            await withTimeout(
              (async () => {
                const sent = await peer.greet(sc.peer, "old-id");
                if (version === "2.0") assert.equal(sent.type, TYPES.indexOf(type), "our socket type octet");
                const ownId = ["REQ", "DEALER", "ROUTER"].includes(type) ? "our-id" : "";
                assert.equal(sent.identity, ownId, "our identity");
                await handshake;
                await sc.run(s, peer, version);
              })(),
              SAFETY,
              `${type} with a ZMTP ${version} peer`,
            );
          } finally {
            done();
            closeAll(s);
          }
        });
      }
    }
  });
}

// -- what else differs with old peers --------------------------------------------

describe("old peers", () => {
  test("a ZMTP 2.0 greeting ends the handshake at once, whatever handshakeInterval", T, async () => {
    const pull = new Pull({ linger: 0, handshakeInterval: 3_600_000 });
    const { peer, done } = await attach(pull, "2.0", true);
    try {
      const handshake = nextEvents(pull, "handshake");
      await peer.greet("PUSH");
      await withTimeout(handshake, SAFETY, "handshake event");
      peer.send("now");
      assert.deepEqual(texts(await withTimeout(pull.receive(), SAFETY, "message")), ["now"]);
    } finally {
      done();
      closeAll(pull);
    }
  });

  test(
    "a ZMTP 2.0 peer of an incompatible type is refused, with no ERROR command; a 1.0 one is not checked",
    T,
    async () => {
      const push = new Push({ linger: 0 });
      const raws: RawPeer[] = [];
      try {
        const ep = await bindFresh(push);
        const refused = nextEvents(push, "handshake:error:protocol");
        const raw = await RawPeer.connect(ep);
        raws.push(raw);
        raw.write(v2Greeting("PUSH", bytes("")));
        await withTimeout(refused, SAFETY, "handshake:error:protocol");
        assert.ok(await raw.closesWithin(SAFETY), "closed");
        // At most our greeting (signature, major, type, empty identity frame:
        // 14 octets) got out before the close; no ERROR command after it.
        await assert.rejects(raw.read(15, 100), /closed/, "nothing after the greeting");
        // ZMTP 1.0 has no socket type: libzmq takes the peer as it comes.
        const raw1 = await RawPeer.connect(ep);
        raws.push(raw1);
        const old = new OldPeer(raw1, "1.0");
        await old.greet("PUSH");
        await push.send("ok");
        assert.deepEqual(texts(await old.receive()), ["ok"]);
      } finally {
        for (const r of raws) r.destroy();
        closeAll(push);
      }
    },
  );

  for (const version of ["2.0", "1.0"] as const) {
    test(
      `a socket with a mechanism refuses a ZMTP ${version} peer before it sends its type or identity`,
      T,
      async () => {
        const pull = new Pull({ linger: 0, plainServer: true });
        const { peer, done } = await attach(pull, version, true);
        try {
          const refused = nextEvents(pull, "handshake:error:protocol");
          if (version === "2.0") peer.raw.write(v2Greeting("PUSH", bytes("")));
          else peer.raw.write(v1Frame(0, bytes("id")));
          await withTimeout(refused, SAFETY, "handshake:error:protocol");
          assert.ok(await peer.raw.closesWithin(SAFETY), "closed");
          // Just the signature (and perhaps, to a 2.0 peer, the major version).
          const sent = await peer.raw.read(10);
          assert.deepEqual([...sent], [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f], "no identity length in the padding");
          await assert.rejects(peer.raw.read(2, 100), /closed/, "no type or identity");
        } finally {
          done();
          closeAll(pull);
        }
      },
    );
  }

  test("a type born with ZMTP 3 (DISH) refuses an old peer", T, async () => {
    const dish = new Dish({ linger: 0 });
    const { peer, done } = await attach(dish, "2.0", true);
    try {
      const refused = nextEvents(dish, "handshake:error:protocol");
      peer.raw.write(v2Greeting("PUB", bytes("")));
      await withTimeout(refused, SAFETY, "handshake:error:protocol");
      assert.ok(await peer.raw.closesWithin(SAFETY), "closed");
    } finally {
      done();
      closeAll(dish);
    }
  });

  test("no heartbeats to old peers: no PING, and their silence is no timeout", T, async () => {
    const push = new Push({ linger: 0, heartbeatInterval: 20, heartbeatTimeout: 20 });
    const { peer, done } = await attach(push, "2.0", true);
    try {
      const handshake = nextEvents(push, "handshake");
      await peer.greet("PULL");
      await withTimeout(handshake, SAFETY, "handshake");
      // Many heartbeat intervals: a ZMTP 3 peer would have had PINGs, and
      // been dropped for not answering.
      await settle(300);
      assert.equal(peer.raw.ended, false, "still connected");
      await push.send("after");
      // receive() asserts that no frame before it is a command.
      assert.deepEqual(texts(await peer.receive()), ["after"]);
    } finally {
      done();
      closeAll(push);
    }
  });
});

// -- bad input ---------------------------------------------------------------------

// A good 2.0 peer is still served after whatever came before (fuzzed
// connections may have got messages through: they are skipped).
async function stillServes(pull: Pull, ep: string): Promise<void> {
  const raw = await RawPeer.connect(ep);
  try {
    const p = new OldPeer(raw, "2.0");
    await p.greet("PUSH");
    p.send("good");
    for (let i = 0; i < 100; i++) {
      const m = texts(await withTimeout(pull.receive(), SAFETY, "good peer's message"));
      if (m.join() === "good") return;
    }
    assert.fail("the good peer's message never came");
  } finally {
    raw.destroy();
  }
}

describe("malformed old frames close only their connection", () => {
  const cases: [string, Version, Uint8Array][] = [
    ["a 2.0 frame with the COMMAND flag", "2.0", rawFrame(F_COMMAND, bytes("\x04PING\x00\x00"))],
    ["a 1.0 frame of length 0", "1.0", Uint8Array.of(0)],
    ["a 2.0 frame over maxMessageSize", "2.0", Uint8Array.of(2, 0, 0, 0, 0, 0, 1, 0, 0)],
    ["a 1.0 frame over maxMessageSize", "1.0", Uint8Array.of(0xff, 0, 0, 0, 0, 0, 1, 0, 0, 0)],
    ["a 1.0 length past 2^53", "1.0", Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0)],
  ];
  for (const [name, version, bad] of cases) {
    test(name, T, async () => {
      const pull = new Pull({ linger: 0, maxMessageSize: 1000 });
      try {
        const ep = await bindFresh(pull);
        const raw = await RawPeer.connect(ep);
        const p = new OldPeer(raw, version);
        const disconnected = nextEvents(pull, "disconnect");
        await p.greet("PUSH");
        raw.write(bad);
        assert.ok(await raw.closesWithin(SAFETY), "the bad connection closed");
        await withTimeout(disconnected, SAFETY, "disconnect event");
        raw.destroy();
        await stillServes(pull, ep);
      } finally {
        closeAll(pull);
      }
    });
  }

  test("a 1.0 peer's first frame must look like one: an HTTP request is refused at once", T, async () => {
    const pull = new Pull({ linger: 0 });
    try {
      const ep = await bindFresh(pull);
      const refused = nextEvents(pull, "handshake:error:protocol");
      const raw = await RawPeer.connect(ep);
      raw.write(bytes("GET / HTTP/1.1\r\n\r\n"));
      await withTimeout(refused, SAFETY, "handshake:error:protocol");
      assert.ok(await raw.closesWithin(SAFETY));
      raw.destroy();
      await stillServes(pull, ep);
    } finally {
      closeAll(pull);
    }
  });

  test("fuzz: random and mutated old greetings and frames", T, async () => {
    // A fixed-seed generator: failures can be replayed.
    let seed = 0x2f6b1d3;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pull = new Pull({ linger: 0, maxMessageSize: 4096, handshakeInterval: 2000 });
    try {
      const ep = await bindFresh(pull);
      for (let i = 0; i < 24; i++) {
        const version: Version = i % 2 === 0 ? "2.0" : "1.0";
        const good = version === "2.0"
          ? concat(v2Greeting("PUSH", bytes("id")), rawFrame(F_MORE, bytes("a")), rawFrame(0, bytes("b")))
          : concat(v1Frame(0, bytes("id")), v1Frame(F_MORE, bytes("a")), v1Frame(0, bytes("b")));
        const bad = good.slice();
        if (i % 3 === 0) {
          // Random bytes after the greeting.
          const tail = new Uint8Array(1 + rnd(64)).map(() => rnd(256));
          const cut = version === "2.0" ? 16 : 4;
          const b = concat(bad.subarray(0, cut), tail);
          await fuzzOne(ep, b);
        } else {
          for (let k = 0; k < 1 + rnd(4); k++) bad[rnd(bad.length)] = rnd(256);
          await fuzzOne(ep, bad);
        }
      }
      await stillServes(pull, ep);
    } finally {
      closeAll(pull);
    }
  });
});

// Sends `b` in random pieces, waits a moment, then hangs up: whatever the
// socket made of it, only this connection may go.
async function fuzzOne(ep: string, b: Uint8Array): Promise<void> {
  const raw = await RawPeer.connect(ep);
  try {
    for (let at = 0; at < b.length;) {
      const n = 1 + (at * 7 + b.length) % 9;
      raw.write(b.subarray(at, at + n));
      at += n;
    }
    await raw.closesWithin(50);
  } finally {
    raw.destroy();
  }
}

describe("the ZMTP 1.0 codec", () => {
  test("encodeV1() and V1Decoder round-trip, whatever the chunk boundaries", () => {
    const sizes = [0, 1, 253, 254, 255, 300, 20000, 70000];
    const bodies = sizes.map((n) => new Uint8Array(n).map((_, i) => (i * 13 + n) & 0xff));
    const flags = sizes.map((_, i) => i % 2 === 0 ? F_MORE : 0);
    const wire = concat(...encodeV1((n) => new Uint8Array(n), flags, bodies, bodies.length));
    // Short and long lengths are at the boundary RFC 13 puts them (0xff escapes).
    assert.deepEqual([...wire.subarray(0, 2)], [1, F_MORE]);
    for (const step of [1, 2, 7, 10, 4096, wire.length]) {
      const got: { flags: number; body: Uint8Array }[] = [];
      const d = new V1Decoder((f, b) => got.push({ flags: f, body: b.slice() }));
      for (let at = 0; at < wire.length; at += step) d.push(wire.subarray(at, at + step));
      assert.deepEqual(got.map((g) => g.flags), flags, `flags, step ${step}`);
      assert.deepEqual(got.map((g) => g.body), bodies, `bodies, step ${step}`);
    }
  });

  test("V1Decoder: a frame over maxSize throws before its body; random input throws only protocol errors", () => {
    const d = new V1Decoder(() => {}, 10);
    assert.throws(() => d.push(Uint8Array.of(12, 0)), ProtocolError);
    let seed = 7;
    for (let i = 0; i < 300; i++) {
      const input = new Uint8Array(1 + (i % 40)).map(() => (seed = (seed * 69069 + 1) >>> 0) >>> 24);
      const dec = new V1Decoder(() => {}, 100, undefined, undefined, i % 2 === 0);
      try {
        dec.push(input);
      } catch (e) {
        assert.ok(e instanceof ProtocolError || e instanceof HandshakeError, String(e));
      }
    }
  });
});
