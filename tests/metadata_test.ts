// Per-message metadata (libzmq's ZMQ_METADATA and zmq_msg_gets): our "X-"
// properties in READY, the peer's properties on each message it sends, ZAP's
// User-Id and metadata, Peer-Address per transport, and malformed metadata
// from the network closing only that connection.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Dealer, type Metadata, metadataOf, Pull, Push, Router } from "../mod.ts";
import { Client, Dish, Radio, Server } from "../draft.ts";
import {
  bindFresh,
  closeAll,
  concat,
  F_COMMAND,
  nextEvents,
  rawCommand,
  rawFrame,
  rawGreeting,
  rawMessage,
  rawMetadata,
  RawPeer,
  rawReady,
  RawServer,
  text,
  TRANSPORTS,
  WAIT,
  withTimeout,
} from "./_helpers.ts";
import { type Peer, startLibzmqPeer } from "./interop/_harness.ts";

const T = { timeout: 30_000 };
const IN = { linger: 0, receiveTimeout: WAIT };
const OUT = { linger: 0, sendTimeout: WAIT };
const IO = { ...IN, ...OUT };

// The properties of a READY command body.
function readyProps(body: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let at = 1 + body[0];
  while (at < body.length) {
    const n = body[at];
    const name = text(body.subarray(at + 1, at + 1 + n));
    const len = view.getUint32(at + 1 + n);
    out.set(name, text(body.subarray(at + 5 + n, at + 5 + n + len)));
    at += 5 + n + len;
  }
  return out;
}

const entries = (m: Metadata | undefined) => m === undefined ? undefined : Object.fromEntries(m);

describe("metadata option (ZMQ_METADATA)", () => {
  test("an object or libzmq's X-Name:value strings; reads back as an object, a new value replaces the set", () => {
    const d = new Dealer({ linger: 0, metadata: { "X-Color": "red", "X-Size": "9" } });
    try {
      assert.deepEqual(d.metadata, { "X-Color": "red", "X-Size": "9" });
      d.metadata = "X-Shape:round:ish";
      assert.deepEqual(d.metadata, { "X-Shape": "round:ish" });
      d.metadata = ["X-A:1", "X-B:2"];
      assert.deepEqual(d.metadata, { "X-A": "1", "X-B": "2" });
      d.metadata = null;
      assert.deepEqual(d.metadata, {});
    } finally {
      d.close();
    }
  });

  test("names without X-, too long or with other characters, and empty values are refused at set time", () => {
    const d = new Dealer({ linger: 0, metadata: { "X-Keep": "1" } });
    try {
      const bad: unknown[] = [
        { "Color": "red" },
        { "x-color": "red" },
        { ["X-" + "a".repeat(254)]: "v" },
        { "X-Sp ace": "v" },
        { "X-Empty": "" },
        "X-NoColon",
        ":value",
        "X-Trailing:",
      ];
      for (const v of bad) {
        assert.throws(
          () => d.metadata = v as never,
          (e: Error) => e instanceof RangeError && /metadata/.test(e.message),
          String(v),
        );
      }
      for (const v of [42, { "X-N": 1 }, [1], new Date()]) {
        assert.throws(() => d.metadata = v as never, TypeError, String(v));
      }
      assert.throws(() => new Push({ metadata: { "Socket-Type": "PULL" } as never }), RangeError);
      assert.deepEqual(d.metadata, { "X-Keep": "1" }, "a refused value leaves the option as it was");
      d.metadata = { ["X-" + "a".repeat(253)]: "v" };
    } finally {
      d.close();
    }
  });

  test("our READY carries the X- properties after Socket-Type and Identity", T, async () => {
    const srv = await RawServer.listen();
    const d = new Dealer({ ...IO, routingId: "me", metadata: { "X-Tenant": "blue", "X-Zone": "eu-1" } });
    try {
      d.connect(srv.endpoint);
      const peer = await srv.accept();
      peer.write(rawGreeting());
      await peer.read(64);
      peer.write(rawReady("ROUTER"));
      const props = readyProps(await peer.readCommand("READY"));
      assert.deepEqual(Object.fromEntries(props), {
        "Socket-Type": "DEALER",
        "Identity": "me",
        "X-Tenant": "blue",
        "X-Zone": "eu-1",
      });
    } finally {
      closeAll(d);
      srv.close();
    }
  });
});

describe("per-message metadata", () => {
  for (const t of TRANSPORTS) {
    test(
      `over ${t}: each message carries its sender's properties${t === "inproc" ? " (none on inproc, as libzmq)" : ""}`,
      T,
      async () => {
        const pull = new Pull(IN);
        const push = new Push({ ...OUT, metadata: { "X-Tenant": "blue" } });
        try {
          push.connect(await bindFresh(pull, t));
          await push.send(["a", "b"]);
          await push.send("c");
          for (let i = 0; i < 2; i++) {
            const msg = await pull.receive({ metadata: true });
            const meta = metadataOf(msg);
            if (t === "inproc") {
              assert.equal(meta, undefined);
              continue;
            }
            const want: Record<string, string> = { "Socket-Type": "PUSH", "X-Tenant": "blue" };
            // libzmq finds no IP address on a unix domain socket.
            if (t !== "ipc") want["Peer-Address"] = "127.0.0.1";
            assert.deepEqual(entries(meta), want);
            assert.equal(meta!.get("x-tenant"), "blue", "names in any case");
            assert.equal(meta!.get("X-Other"), undefined);
          }
        } finally {
          closeAll(push, pull);
        }
      },
    );
  }

  test("a plain receive() carries none: the store is only made when asked", T, async () => {
    const pull = new Pull(IN);
    const push = new Push({ ...OUT, metadata: { "X-A": "1" } });
    try {
      push.connect(await bindFresh(pull));
      await push.send("x");
      await push.send("y");
      assert.equal(metadataOf(await pull.receive()), undefined);
      assert.equal(metadataOf(await pull.receive({ metadata: true }))?.get("X-A"), "1");
    } finally {
      closeAll(push, pull);
    }
  });

  test("SERVER and DISH messages (rebuilt by the socket type) carry their metadata too", T, async () => {
    const server = new Server(IN);
    const client = new Client({ ...OUT, metadata: { "X-Who": "client" } });
    const dish = new Dish(IN);
    const radio = new Radio({ ...OUT, metadata: { "X-Who": "radio" } });
    try {
      client.connect(await bindFresh(server));
      await client.send("hi");
      const m = await server.receive({ metadata: true });
      assert.equal(new TextDecoder().decode(m[0]), "hi");
      assert.equal(typeof m[1].routingId, "number");
      assert.equal(metadataOf(m)?.get("X-Who"), "client");
      dish.join("g");
      radio.connect(await bindFresh(dish));
      // Until the JOIN has reached the radio, what it sends is dropped: send again.
      dish.receiveTimeout = 50;
      for (let i = 0; i < 200; i++) {
        await radio.send("news", { group: "g" });
        const got = await dish.receive({ metadata: true }).catch(() => null);
        if (got === null) continue;
        assert.equal(new TextDecoder().decode(got[0]), "news");
        assert.equal(metadataOf(got)?.get("X-Who"), "radio");
        break;
      }
    } finally {
      closeAll(server, client, dish, radio);
    }
  });

  test("a ROUTER's messages from two peers each carry their own metadata, one object per connection", T, async () => {
    const router = new Router(IO);
    const a = new Dealer({ ...IO, routingId: "A", metadata: { "X-Name": "alpha" } });
    const b = new Dealer({ ...IO, routingId: "B", metadata: { "X-Name": "beta" } });
    try {
      const ep = await bindFresh(router);
      a.connect(ep);
      b.connect(ep);
      for (let i = 0; i < 3; i++) {
        await a.send(`a${i}`);
        await b.send(`b${i}`);
      }
      const seen: Record<string, Metadata[]> = { A: [], B: [] };
      for (let i = 0; i < 6; i++) {
        const msg = await router.receive({ metadata: true });
        const id = text(msg[0]);
        const meta = metadataOf(msg)!;
        assert.equal(meta.get("Identity"), id);
        assert.equal(meta.get("X-Name"), id === "A" ? "alpha" : "beta");
        assert.equal(meta.get("Socket-Type"), "DEALER");
        seen[id].push(meta);
      }
      assert.equal(seen.A.length, 3);
      assert.ok(seen.A.every((m) => m === seen.A[0]) && seen.B.every((m) => m === seen.B[0]));
    } finally {
      closeAll(a, b, router);
    }
  });

  test("a raw ZMTP peer's READY properties, in READY order, with Peer-Address", T, async () => {
    const pull = new Pull(IN);
    try {
      const ep = await bindFresh(pull);
      const peer = await RawPeer.connect(ep);
      await peer.handshake("PUSH", { props: [["X-Build", "42"], ["x-lower", "ok"]] });
      peer.write(rawMessage("hello"));
      const msg = await pull.receive({ metadata: true });
      assert.equal(text(msg[0]), "hello");
      assert.deepEqual(entries(metadataOf(msg)), {
        "Peer-Address": "127.0.0.1",
        "Socket-Type": "PUSH",
        "X-Build": "42",
        "x-lower": "ok",
      });
      peer.destroy();
    } finally {
      closeAll(pull);
    }
  });

  test("after a reconnect, queued messages keep the old connection's metadata", T, async () => {
    const srv = await RawServer.listen();
    const pull = new Pull({ ...IN, reconnectInterval: 20 });
    try {
      const twoHandshakes = nextEvents(pull, "handshake", 2);
      const gone = nextEvents(pull, "disconnect");
      pull.connect(srv.endpoint);
      const first = await srv.accept();
      await first.read(10);
      first.write(rawGreeting());
      await first.read(54);
      first.write(rawReady("PUSH", [["X-Gen", "1"]]));
      first.write(concat(rawMessage("1a"), rawMessage("1b")));
      await first.readCommand("READY");
      // Our side's READY read, its messages sent: hang up, the pipe outlives it.
      first.destroy();
      await withTimeout(gone, WAIT, "disconnect");
      const second = await srv.accept();
      await second.read(10);
      second.write(rawGreeting());
      await second.read(54);
      second.write(rawReady("PUSH", [["X-Gen", "2"]]));
      await second.readCommand("READY");
      await withTimeout(twoHandshakes, WAIT, "two handshakes");
      second.write(rawMessage("2a"));
      const got: string[] = [];
      for (let i = 0; i < 3; i++) {
        const msg = await pull.receive({ metadata: true });
        got.push(`${text(msg[0])}:${metadataOf(msg)?.get("X-Gen")}`);
      }
      assert.deepEqual(got, ["1a:1", "1b:1", "2a:2"]);
    } finally {
      closeAll(pull);
      srv.close();
    }
  });

  test("PLAIN with ZAP: User-Id and the authenticator's metadata, which wins a clash (libzmq)", T, async () => {
    const router = new Router({
      ...IO,
      plainServer: true,
      authenticator: (req) => ({
        statusCode: "200",
        userId: `user:${new TextDecoder().decode(req.credentials[0])}`,
        metadata: { "X-Role": "admin", "X-Zap": "yes" },
      }),
    });
    const d = new Dealer({
      ...IO,
      routingId: "d",
      plainUsername: "ann",
      plainPassword: "pw",
      metadata: { "X-Role": "self-declared", "X-Own": "mine" },
    });
    try {
      d.connect(await bindFresh(router));
      await d.send("hi");
      const msg = await router.receive({ metadata: true });
      assert.deepEqual(entries(metadataOf(msg)), {
        "Peer-Address": "127.0.0.1",
        "User-Id": "user:ann",
        "X-Role": "admin",
        "X-Zap": "yes",
        "Socket-Type": "DEALER",
        "Identity": "d",
        "X-Own": "mine",
      });
    } finally {
      closeAll(d, router);
    }
  });

  test("a libzmq DEALER's messages carry its Socket-Type, Identity and Peer-Address", T, async () => {
    const router = new Router(IO);
    let lz: Peer | undefined;
    try {
      const ep = await bindFresh(router);
      lz = await startLibzmqPeer();
      const { sock } = await lz.request("new", { type: "Dealer", options: { routingId: "lz", linger: 0 } });
      await lz.request("connect", { sock, endpoint: ep });
      await lz.request("send", { sock, msg: [btoa("hi")] });
      const msg = await router.receive({ metadata: true });
      assert.equal(text(msg[1]), "hi");
      assert.deepEqual(entries(metadataOf(msg)), {
        "Peer-Address": "127.0.0.1",
        "Socket-Type": "DEALER",
        "Identity": "lz",
      });
    } finally {
      await lz?.request("exit").catch(() => {});
      closeAll(router);
    }
  });
});

describe("malformed metadata from the network", () => {
  // READY bodies that are malformed by construction: random properties,
  // then one name length or value length made to run past the end, or a
  // name length of zero, or the body cut inside its last property.
  function badReadys(seed: number, n: number): Uint8Array[] {
    let s = seed;
    const rnd = (k: number) => {
      s = (s * 1103515245 + 12345) >>> 0;
      return (s >>> 8) % k;
    };
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const props: [string, string][] = [["Socket-Type", "PUSH"]];
      for (let k = rnd(3); k > 0; k--) props.push([`X-${"k".repeat(1 + rnd(20))}`, "v".repeat(rnd(30))]);
      const meta = rawMetadata(props);
      // Where the last property starts.
      const [name, value] = props[props.length - 1];
      const last = meta.length - (5 + name.length + value.length);
      const b = meta.slice();
      let body: Uint8Array;
      switch (i % 4) {
        case 0: // name length past the end
          b[last] = Math.min(255, meta.length - last + rnd(100));
          body = b;
          break;
        case 1: { // value length past the end
          const v = new DataView(b.buffer);
          v.setUint32(last + 1 + name.length, value.length + 1 + rnd(0x7fffffff));
          body = b;
          break;
        }
        case 2: // a zero name length
          b[last] = 0;
          body = b;
          break;
        default: // cut inside the last property (its name and value length: 1 + n + 4 bytes)
          body = b.subarray(0, last + 1 + rnd(name.length + 4));
      }
      out.push(rawCommand("READY", body));
    }
    return out;
  }

  test("closes only that connection; the socket serves other peers (fuzzed)", T, async () => {
    const pull = new Pull(IN);
    const good = new Push({ ...OUT, metadata: { "X-Good": "1" } });
    try {
      const ep = await bindFresh(pull);
      good.connect(ep);
      await good.send("before");
      assert.equal(metadataOf(await pull.receive({ metadata: true }))?.get("X-Good"), "1");
      const bodies = badReadys(7, 40);
      let refused = 0;
      // Reported as a failed handshake (today as "handshake:error:other", EPROTO).
      const count = (e: { error: { code?: string } }) => {
        if (e.error.code === "EPROTO") refused++;
      };
      pull.events.on("handshake:error:protocol", count);
      pull.events.on("handshake:error:other", count);
      for (const body of bodies) {
        const peer = await RawPeer.connect(ep);
        peer.write(rawGreeting());
        await peer.read(64);
        peer.write(rawFrame(F_COMMAND, body));
        peer.write(rawMessage("must not arrive"));
        assert.ok(await peer.closesWithin(WAIT), "the bad peer's connection is closed");
        peer.destroy();
      }
      assert.equal(refused, bodies.length, "an EPROTO handshake failure per bad peer");
      await good.send("after");
      const msg = await pull.receive({ metadata: true });
      assert.equal(text(msg[0]), "after");
      assert.equal(metadataOf(msg)?.get("X-Good"), "1");
    } finally {
      closeAll(good, pull);
    }
  });
});
