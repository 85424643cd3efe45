// The Web Streams entry of the transport contract: streamTransport() over an
// in-memory duplex pair (two TransformStreams), registered for ipc:// while
// this file runs (as a worker runtime would register its own tcp://),
// carries our sockets end to end.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Dealer,
  fromStreams,
  Pull,
  Push,
  registerTransport,
  Reply,
  Request,
  Router,
  type StreamDuplex,
  streamTransport,
  type Transport,
} from "../mod.ts";
import { getTransport } from "../lib/driver.ts";
import { closeAll, plain, text, texts, withTimeout } from "./_helpers.ts";

const T = { timeout: 20000 };

/** Two ends of an in-memory byte stream. */
function duplexPair(a: string, b: string): [StreamDuplex, StreamDuplex] {
  const ab = new TransformStream<Uint8Array, Uint8Array>();
  const ba = new TransformStream<Uint8Array, Uint8Array>();
  const end = (readable: ReadableStream<Uint8Array>, writable: WritableStream<Uint8Array>, peer: string) => ({
    readable,
    writable,
    remoteAddress: peer,
    close() {},
  });
  return [end(ba.readable, ab.writable, b), end(ab.readable, ba.writable, a)];
}

// ipc://<name>: a bind registers `name`, a connect makes a pair and hands
// one end to the binder; an unbound name is refused.
const bound = new Map<string, (d: StreamDuplex) => void>();
let dials = 0;
const SCHEME = "ipc";
let original: Transport | undefined;

const memory = () =>
  streamTransport({
    connect(ep) {
      const accept = bound.get(ep.address);
      if (accept === undefined) {
        return Promise.reject(Object.assign(new Error("nobody there"), { code: "ECONNREFUSED" }));
      }
      const [client, server] = duplexPair(`client-${++dials}`, ep.address);
      accept(server);
      return Promise.resolve(client);
    },
    listen(ep, accept) {
      if (bound.has(ep.address)) return Promise.reject(new Error(`${ep.address} is taken`));
      bound.set(ep.address, accept);
      return Promise.resolve({ close: () => void bound.delete(ep.address) });
    },
  });

before(() => {
  original = getTransport(SCHEME);
  registerTransport(SCHEME, memory());
});

after(() => {
  bound.clear();
  if (original !== undefined) registerTransport(SCHEME, original);
});

let seq = 0;
const address = () => `${SCHEME}://zmtp-stream-test-${++seq}`;

describe("streamTransport() over an in-memory Web Streams duplex", () => {
  test("PUSH/PULL: multipart messages in order, and a 1 MiB one", T, async () => {
    const pull = new Pull({ linger: 0, receiveTimeout: 5000 });
    const push = new Push({ linger: 0 });
    try {
      const ep = address();
      await pull.bind(ep);
      assert.equal(pull.lastEndpoint, ep);
      push.connect(ep);
      for (let i = 0; i < 100; i++) await push.send([`m${i}`, "tail"]);
      const big = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
      await push.send(big);
      for (let i = 0; i < 100; i++) assert.deepEqual(texts(await pull.receive()), [`m${i}`, "tail"]);
      const [got] = await pull.receive();
      assert.deepEqual(plain(got), big);
    } finally {
      closeAll(push, pull);
    }
  });

  test("REQ/REP and DEALER/ROUTER: replies find their way back", T, async () => {
    const rep = new Reply({ linger: 0, receiveTimeout: 5000 });
    const req = new Request({ linger: 0, receiveTimeout: 5000 });
    const router = new Router({ linger: 0, receiveTimeout: 5000 });
    const dealer = new Dealer({ linger: 0, receiveTimeout: 5000, routingId: "d" });
    try {
      const ep1 = address(), ep2 = address();
      await rep.bind(ep1);
      await router.bind(ep2);
      req.connect(ep1);
      dealer.connect(ep2);
      for (let i = 0; i < 5; i++) {
        await req.send(`q${i}`);
        assert.deepEqual(texts(await rep.receive()), [`q${i}`]);
        await rep.send(`a${i}`);
        assert.deepEqual(texts(await req.receive()), [`a${i}`]);
      }
      await dealer.send("hello");
      const [id, body] = await router.receive();
      assert.deepEqual([text(id), text(body)], ["d", "hello"]);
      await router.send([id, "back"]);
      assert.deepEqual(texts(await dealer.receive()), ["back"]);
    } finally {
      closeAll(req, rep, dealer, router);
    }
  });

  test("the peer address is the duplex's; the handshake reports it", T, async () => {
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 0 });
    try {
      const ep = address();
      await pull.bind(ep);
      const seen = new Promise<string | undefined>((resolve) => {
        pull.events.on("handshake", (e) => resolve(e.remoteAddress));
      });
      push.connect(ep);
      assert.match((await withTimeout(seen, 5000, "handshake"))!, /^client-\d+$/);
    } finally {
      closeAll(push, pull);
    }
  });

  test("a slow reader holds the sender back (pause, drain) and loses nothing", T, async () => {
    const pull = new Pull({ linger: 0, receiveHighWaterMark: 10, receiveTimeout: 5000 });
    const push = new Push({ linger: 0, sendHighWaterMark: 10 });
    try {
      const ep = address();
      await pull.bind(ep);
      push.connect(ep);
      const sending = (async () => {
        for (let i = 0; i < 300; i++) {
          const body = new Uint8Array(30000);
          body[0] = i & 0xff;
          await push.send(body);
        }
      })();
      for (let i = 0; i < 300; i++) {
        const [m] = await pull.receive();
        assert.equal(m[0], i & 0xff);
        if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      await sending;
    } finally {
      closeAll(push, pull);
    }
  });

  test(
    "close() with linger delivers what is queued: the half-close reaches the peer after the last byte",
    T,
    async () => {
      const pull = new Pull({ linger: 0, receiveTimeout: 5000 });
      const push = new Push({ linger: 5000 });
      const ep = address();
      await pull.bind(ep);
      push.connect(ep);
      await push.send("first");
      assert.deepEqual(texts(await pull.receive()), ["first"]);
      const gone = new Promise<Error | undefined>((resolve) => pull.events.on("disconnect", (e) => resolve(e.error)));
      for (let i = 0; i < 500; i++) await push.send(`n${i}`);
      push.close();
      try {
        for (let i = 0; i < 500; i++) assert.deepEqual(texts(await pull.receive()), [`n${i}`]);
        // A clean EOF, not an error.
        assert.equal(await withTimeout(gone, 5000, "disconnect"), undefined);
      } finally {
        pull.close();
      }
    },
  );

  test("a connection that drops is reported and redialed", T, async () => {
    const pull = new Pull({ linger: 0, receiveTimeout: 5000 });
    const push = new Push({ linger: 0, reconnectInterval: 20 });
    try {
      const ep = address();
      await pull.bind(ep);
      push.connect(ep);
      await push.send("one");
      assert.deepEqual(texts(await pull.receive()), ["one"]);
      const down = new Promise<void>((resolve) => push.events.on("disconnect", () => resolve()));
      const up = new Promise<void>((resolve) => push.events.on("handshake", () => resolve()));
      // The binding side gives up on its connection.
      await pull.unbind(ep);
      await withTimeout(down, 5000, "disconnect");
      await pull.bind(ep);
      await withTimeout(up, 5000, "the second handshake");
      await push.send("two");
      assert.deepEqual(texts(await pull.receive()), ["two"]);
    } finally {
      closeAll(push, pull);
    }
  });

  test("connect() to a name nobody binds yet retries until it is bound", T, async () => {
    const pull = new Pull({ linger: 0, receiveTimeout: 5000 });
    const push = new Push({ linger: 0, reconnectInterval: 20 });
    try {
      const ep = address();
      const retried = new Promise<void>((resolve) => push.events.on("connect:retry", () => resolve()));
      push.connect(ep);
      await withTimeout(retried, 5000, "a retry");
      await pull.bind(ep);
      await push.send("late");
      assert.deepEqual(texts(await pull.receive()), ["late"]);
    } finally {
      closeAll(push, pull);
    }
  });

  test("a transport without listen() refuses bind()", T, async () => {
    registerTransport(SCHEME, streamTransport({ connect: () => Promise.reject(new Error("no")) }));
    const pull = new Pull({ linger: 0 });
    try {
      await assert.rejects(pull.bind(address()), TypeError);
    } finally {
      registerTransport(SCHEME, memory());
      pull.close();
    }
  });

  test("fromStreams() reports the address it was given, else the duplex's", () => {
    const [a] = duplexPair("x", "y");
    assert.equal(fromStreams(a, "given").remoteAddress, "given");
    const [b] = duplexPair("x", "y");
    assert.equal(fromStreams(b).remoteAddress, "y");
  });
});
