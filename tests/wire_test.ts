// The wire, byte by byte: raw node:net peers against our sockets. Malformed
// input closes only the offending connection; ZMTP 3.0 peers get 0x01/0x00
// subscription messages instead of SUBSCRIBE/CANCEL; PING gets a PONG.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Publisher, Pull, Push, Router, Subscriber, XPublisher } from "../mod.ts";
import {
  bindFresh,
  bytes,
  closeAll,
  commandName,
  concat,
  F_COMMAND,
  F_LONG,
  F_MORE,
  nextEvents,
  rawAcceptHandshake,
  rawCommand,
  rawFrame,
  rawGreeting,
  rawMessage,
  RawPeer,
  RawServer,
  settle,
  text,
  texts,
  WAIT,
  withTimeout,
} from "./_helpers.ts";

const T = { timeout: 10000 };

/** Proves `pull` still serves: a good PUSH peer gets a message through. */
async function assertServes(pull: Pull, ep: string): Promise<void> {
  const push = new Push({ linger: 0 });
  try {
    push.connect(ep);
    await push.send(["good", "peer"]);
    assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, "good peer's message")), ["good", "peer"]);
  } finally {
    closeAll(push);
  }
}

describe("malformed input", () => {
  test("a bad signature closes that connection; the socket keeps serving", T, async () => {
    const pull = new Pull({ linger: 0 });
    const raw: RawPeer[] = [];
    try {
      const ep = await bindFresh(pull);
      const failed = nextEvents(pull, "handshake:error:protocol");
      const bad = await RawPeer.connect(ep);
      raw.push(bad);
      bad.write(new Uint8Array([0x00, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f]));
      assert.ok(await bad.closesWithin(2000), "connection with a bad signature closed");
      await withTimeout(failed, 2000, "handshake:error:protocol event");
      const http = await RawPeer.connect(ep);
      raw.push(http);
      http.write(bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      assert.ok(await http.closesWithin(2000), "an HTTP client is closed");
      await assertServes(pull, ep);
    } finally {
      for (const r of raw) r.destroy();
      closeAll(pull);
    }
  });

  test("a truncated greeting followed by a close leaves the socket serving", T, async () => {
    const pull = new Pull({ linger: 0 });
    try {
      const ep = await bindFresh(pull);
      for (const n of [1, 10, 11, 30, 63]) {
        const raw = await RawPeer.connect(ep);
        raw.write(rawGreeting().subarray(0, n));
        await settle(10);
        raw.destroy();
      }
      // Greeting and a truncated READY.
      const raw = await RawPeer.connect(ep);
      raw.write(concat(rawGreeting(), rawFrame(F_COMMAND, rawCommand("READY")).subarray(0, 4)));
      await settle(10);
      raw.destroy();
      await assertServes(pull, ep);
    } finally {
      closeAll(pull);
    }
  });

  test("a frame over maxMessageSize closes that connection before the body arrives", T, async () => {
    const pull = new Pull({ linger: 0, maxMessageSize: 1000 });
    const raw: RawPeer[] = [];
    try {
      const ep = await bindFresh(pull);
      const a = await RawPeer.connect(ep);
      raw.push(a);
      await a.handshake("PUSH");
      a.write(rawFrame(0, new Uint8Array(1000))); // exactly the limit: accepted
      assert.equal((await withTimeout(pull.receive(), 3000, "1000-byte message"))[0].length, 1000);
      // Only the header and a little of a 1001-byte frame: rejected from the header.
      a.write(rawFrame(0, new Uint8Array(1001)).subarray(0, 20));
      assert.ok(await a.closesWithin(2000), "closed on an oversized frame header");
      // A header announcing 2^40 bytes.
      const b = await RawPeer.connect(ep);
      raw.push(b);
      await b.handshake("PUSH");
      const h = new Uint8Array(9);
      h[0] = F_LONG;
      new DataView(h.buffer).setBigUint64(1, 2n ** 40n);
      b.write(h);
      assert.ok(await b.closesWithin(2000), "closed on a 1 TiB frame header");
      await assertServes(pull, ep);
    } finally {
      for (const r of raw) r.destroy();
      closeAll(pull);
    }
  });

  test("garbage after a valid handshake closes that connection; the socket keeps serving", T, async () => {
    const pull = new Pull({ linger: 0 });
    const raw: RawPeer[] = [];
    try {
      const ep = await bindFresh(pull);
      const a = await RawPeer.connect(ep);
      raw.push(a);
      await a.handshake("PUSH");
      a.write(rawMessage("fine"));
      assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, "fine")), ["fine"]);
      a.write(new Uint8Array(64).fill(0xff)); // a long frame claiming ~2^64 bytes
      assert.ok(await a.closesWithin(2000), "closed on garbage");
      // A message frame where the handshake expects a command.
      const b = await RawPeer.connect(ep);
      raw.push(b);
      b.write(concat(rawGreeting(), rawFrame(0, bytes("too early"))));
      assert.ok(await b.closesWithin(2000), "closed on a message during the handshake");
      // A mechanism we do not speak.
      const c = await RawPeer.connect(ep);
      raw.push(c);
      c.write(rawGreeting(1, "CURVE"));
      assert.ok(await c.closesWithin(2000), "closed on a mechanism mismatch");
      // ZMTP 2.0 (major 2) is not supported.
      const d = await RawPeer.connect(ep);
      raw.push(d);
      d.write(rawGreeting(0, "NULL", false, 2));
      assert.ok(await d.closesWithin(2000), "closed on ZMTP 2");
      await assertServes(pull, ep);
    } finally {
      for (const r of raw) r.destroy();
      closeAll(pull);
    }
  });

  test("a peer that says nothing is closed after handshakeInterval", T, async () => {
    const pull = new Pull({ linger: 0, handshakeInterval: 100 });
    const raw: RawPeer[] = [];
    try {
      const ep = await bindFresh(pull);
      const t0 = Date.now();
      const silent = await RawPeer.connect(ep);
      raw.push(silent);
      assert.equal((await silent.read(10))[0], 0xff, "we still get the signature");
      assert.ok(await silent.closesWithin(2000), "the silent peer is closed");
      assert.ok(Date.now() - t0 >= 80, "not before handshakeInterval");
      // Greeting but no READY: also closed.
      const half = await RawPeer.connect(ep);
      raw.push(half);
      half.write(rawGreeting());
      assert.ok(await half.closesWithin(2000), "a peer stuck before READY is closed");
      await assertServes(pull, ep);
    } finally {
      for (const r of raw) r.destroy();
      closeAll(pull);
    }
  });

  test("a peer of an incompatible socket type gets an ERROR command and is closed", T, async () => {
    const pull = new Pull({ linger: 0 });
    const raw: RawPeer[] = [];
    try {
      const ep = await bindFresh(pull);
      const refused = nextEvents(pull, "handshake:error:protocol");
      const errors: string[] = [];
      pull.events.on("handshake:error:protocol", (e) => errors.push(e.error?.message ?? ""));
      const pub = await RawPeer.connect(ep);
      raw.push(pub);
      const { greeting, ready } = await pub.handshake("PUB");
      assert.deepEqual([...greeting.subarray(10, 12)], [3, 1]);
      assert.ok(text(ready).includes("PULL"));
      const err = await pub.readCommand("ERROR");
      const reason = text(err.subarray(7, 7 + err[6]));
      assert.match(reason, /socket type/i);
      assert.ok(await pub.closesWithin(2000), "closed after ERROR");
      await withTimeout(refused, 2000, "handshake:error:protocol event");
      await settle(50);
      assert.equal(errors.length, 1, `one event per refused peer: ${JSON.stringify(errors)}`);
      assert.match(errors[0], /socket type/i);
      await assertServes(pull, ep);
    } finally {
      for (const r of raw) r.destroy();
      closeAll(pull);
    }
  });
});

describe("raw ZMTP peers", () => {
  test("our greeting and READY: signature, version 3.1, NULL, Socket-Type", T, async () => {
    const router = new Router({ linger: 0, routingId: "me" });
    const raw: RawPeer[] = [];
    try {
      const ep = await bindFresh(router);
      const dealer = await RawPeer.connect(ep);
      raw.push(dealer);
      const { greeting, ready } = await dealer.handshake("DEALER", { props: [["Identity", "raw-id"]] });
      assert.equal(greeting[0], 0xff);
      assert.equal(greeting[9] & 1, 1);
      assert.deepEqual([...greeting.subarray(10, 12)], [3, 1]);
      assert.equal(text(greeting.subarray(12, 16)), "NULL");
      assert.equal(greeting[16], 0);
      assert.equal(greeting[32], 0, "NULL: as-server is 0");
      assert.equal(commandName(ready), "READY");
      assert.ok(text(ready).includes("Socket-Type") && text(ready).includes("ROUTER"));
      // The Identity we announced is the routing id.
      dealer.write(rawMessage("hello"));
      assert.deepEqual(texts(await withTimeout(router.receive(), 3000, "router")), ["raw-id", "hello"]);
      await router.send(["raw-id", "a", "b"]);
      const m = await dealer.readMessage();
      assert.deepEqual(texts(m), ["a", "b"]);
    } finally {
      for (const r of raw) r.destroy();
      closeAll(router);
    }
  });

  test("PING gets a PONG echoing the context", T, async () => {
    const pull = new Pull({ linger: 0 });
    const raw: RawPeer[] = [];
    try {
      const ep = await bindFresh(pull);
      const p = await RawPeer.connect(ep);
      raw.push(p);
      await p.handshake("PUSH");
      for (const ctx of ["hello", "", "0123456789abcdef"]) {
        p.write(rawFrame(F_COMMAND, rawCommand("PING", concat(new Uint8Array([0, 10]), bytes(ctx)))));
        const pong = await p.readCommand("PONG");
        assert.deepEqual(pong, rawCommand("PONG", bytes(ctx)), `context ${JSON.stringify(ctx)}`);
      }
      // The connection is still fine for messages.
      p.write(rawMessage("after ping"));
      assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, "after ping")), ["after ping"]);
    } finally {
      for (const r of raw) r.destroy();
      closeAll(pull);
    }
  });

  // Large frames are read straight into their buffers where the transport
  // can (Deno): bodies split anywhere, sizes changing, small frames between.
  test("large frames split at any point arrive intact, mixed with small ones", T, async () => {
    const pull = new Pull({ linger: 0, receiveTimeout: 5000 });
    const raw: RawPeer[] = [];
    try {
      const ep = await bindFresh(pull);
      const p = await RawPeer.connect(ep);
      raw.push(p);
      await p.handshake("PUSH");
      const sizes = [65536, 65536, 16384, 70000, 200000, 100, 65536, 1, 16383, 65545, 300000, 65536];
      const messages: Uint8Array[][] = [];
      for (let i = 0; i < 48; i++) {
        const body = new Uint8Array(sizes[i % sizes.length]);
        for (let k = 0; k < body.length; k += 997) body[k] = (i * 7 + k) & 0xff;
        body[body.length - 1] = i;
        messages.push(i % 5 === 3 ? [bytes(`env${i}`), body] : [body]);
      }
      const stream = concat(...messages.map((m) => rawMessage(...m)));
      // Pieces of pseudo-random sizes, each handed to the kernel before the next.
      let x = 12345;
      for (let at = 0; at < stream.length;) {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        const n = 1 + (x % (x & 1 ? 40 : 90000));
        const piece = stream.subarray(at, at + n);
        await new Promise<void>((r) => p.socket.write(piece, () => r()));
        at += n;
      }
      for (let i = 0; i < messages.length; i++) {
        const got = await pull.receive();
        assert.equal(got.length, messages[i].length, `message ${i}: parts`);
        for (let k = 0; k < got.length; k++) {
          assert.deepEqual(new Uint8Array(got[k]), messages[i][k], `message ${i}, part ${k}`);
        }
      }
    } finally {
      for (const r of raw) r.destroy();
      closeAll(pull);
    }
  });

  test("heartbeatInterval sends PINGs with the TTL and drops a peer that goes quiet", T, async () => {
    // A timeout well above the interval: a busy machine delays timers and reads.
    const pull = new Pull({ linger: 0, heartbeatInterval: 50, heartbeatTimeout: 500, heartbeatTimeToLive: 1000 });
    const raw: RawPeer[] = [];
    try {
      const ep = await bindFresh(pull);
      // A peer that answers every PING stays connected.
      const lively = await RawPeer.connect(ep);
      raw.push(lively);
      await lively.handshake("PUSH");
      // Fifteen heartbeats (about 750 ms, past heartbeatTimeout), each answered.
      for (let pings = 0; pings < 15;) {
        const f = await lively.readFrame(WAIT);
        if ((f.flags & F_COMMAND) && commandName(f.body) === "PING") {
          assert.deepEqual(f.body, rawCommand("PING", new Uint8Array([0, 10])), "TTL 1000 ms is 10 deciseconds");
          pings++;
          lively.write(rawFrame(F_COMMAND, rawCommand("PONG")));
        }
      }
      assert.equal(lively.ended, false, "an answering peer is kept");
      lively.write(rawMessage("still here"));
      assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, "still here")), ["still here"]);
      // A peer that never answers is dropped after about heartbeatTimeout.
      const quiet = await RawPeer.connect(ep);
      raw.push(quiet);
      await quiet.handshake("PUSH");
      assert.ok(await quiet.closesWithin(2000), "a silent peer is dropped");
    } finally {
      for (const r of raw) r.destroy();
      closeAll(pull);
    }
  });

  test("a peer's PING TTL makes us drop it once it goes quiet, without heartbeats of our own", T, async () => {
    const pull = new Pull({ linger: 0 });
    const raw: RawPeer[] = [];
    try {
      const ep = await bindFresh(pull);
      const p = await RawPeer.connect(ep);
      raw.push(p);
      await p.handshake("PUSH");
      p.write(rawFrame(F_COMMAND, rawCommand("PING", new Uint8Array([0, 3])))); // TTL 300 ms
      await p.readCommand("PONG");
      const t0 = Date.now();
      assert.ok(await p.closesWithin(3000), "dropped after the TTL");
      assert.ok(Date.now() - t0 >= 200, "not before the TTL");
    } finally {
      for (const r of raw) r.destroy();
      closeAll(pull);
    }
  });

  test("a ZMTP 3.0 SUB peer subscribes with a 0x01-prefixed message", T, async () => {
    const pub = new Publisher({ linger: 0 });
    const raw: RawPeer[] = [];
    try {
      const ep = await bindFresh(pub);
      const sub = await RawPeer.connect(ep);
      raw.push(sub);
      await sub.handshake("SUB", { minor: 0 });
      sub.write(rawFrame(0, concat(new Uint8Array([1]), bytes("t"))));
      const got = sub.readMessage(3000);
      let done = false;
      got.finally(() => done = true).catch(() => {});
      while (!done) {
        await pub.send(["u-not-subscribed"]);
        await pub.send(["t1", "x"]);
        await settle(20);
      }
      // "u..." went out first each time, so it would have arrived first.
      assert.deepEqual(texts(await got), ["t1", "x"]);
    } finally {
      for (const r of raw) r.destroy();
      closeAll(pub);
    }
  });

  test("a ZMTP 3.1 SUB peer's SUBSCRIBE and CANCEL commands reach XPUB as messages", T, async () => {
    const xpub = new XPublisher({ linger: 0 });
    const raw: RawPeer[] = [];
    try {
      const ep = await bindFresh(xpub);
      const sub = await RawPeer.connect(ep);
      raw.push(sub);
      await sub.handshake("SUB");
      sub.write(rawFrame(F_COMMAND, rawCommand("SUBSCRIBE", bytes("topic"))));
      assert.deepEqual([...(await withTimeout(xpub.receive(), 3000, "subscribe"))[0]], [1, ...bytes("topic")]);
      await xpub.send(["topic-1", "body"]);
      assert.deepEqual(texts(await sub.readMessage()), ["topic-1", "body"]);
      sub.write(rawFrame(F_COMMAND, rawCommand("CANCEL", bytes("topic"))));
      assert.deepEqual([...(await withTimeout(xpub.receive(), 3000, "cancel"))[0]], [0, ...bytes("topic")]);
    } finally {
      for (const r of raw) r.destroy();
      closeAll(xpub);
    }
  });

  for (const minor of [1, 0]) {
    const form = minor === 1 ? "SUBSCRIBE/CANCEL commands" : "0x01/0x00 messages";
    test(`our SUB sends ${form} to a ZMTP 3.${minor} PUB`, T, async () => {
      const server = await RawServer.listen();
      const sub = new Subscriber({ linger: 0 });
      try {
        sub.subscribe("abc");
        sub.connect(server.endpoint);
        const pub = await server.accept();
        const { greeting, ready } = await rawAcceptHandshake(pub, "PUB", minor);
        assert.deepEqual([...greeting.subarray(10, 12)], [3, 1], "we announce 3.1 anyway");
        assert.ok(text(ready).includes("SUB"));
        const f = await pub.readFrame();
        if (minor === 1) {
          assert.equal(f.flags, F_COMMAND);
          assert.deepEqual(f.body, rawCommand("SUBSCRIBE", bytes("abc")));
        } else {
          assert.equal(f.flags, 0);
          assert.deepEqual(f.body, concat(new Uint8Array([1]), bytes("abc")));
        }
        // Messages flow, filtered locally too.
        pub.write(concat(rawMessage("abcdef", "x"), rawMessage("zzz"), rawMessage("abc")));
        assert.deepEqual(texts(await withTimeout(sub.receive(), 3000, "abcdef")), ["abcdef", "x"]);
        assert.deepEqual(texts(await withTimeout(sub.receive(), 3000, "abc")), ["abc"]);
        sub.unsubscribe("abc");
        const c = await pub.readFrame();
        if (minor === 1) {
          assert.equal(c.flags, F_COMMAND);
          assert.deepEqual(c.body, rawCommand("CANCEL", bytes("abc")));
        } else {
          assert.equal(c.flags & (F_COMMAND | F_MORE), 0);
          assert.deepEqual(c.body, concat(new Uint8Array([0]), bytes("abc")));
        }
      } finally {
        closeAll(sub);
        server.close();
      }
    });
  }
});
