// Life cycle: connect before bind, reconnect after a restart, disconnect,
// unbind, close with linger, ETERM, and disposal.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pull, Push, Subscriber, XPublisher } from "../mod.ts";
import {
  bindFresh,
  bytes,
  closeAll,
  nextEvents,
  rejectsWithCode,
  settle,
  text,
  texts,
  TRANSPORTS,
  unboundAddress,
  WAIT,
  withTimeout,
} from "./_helpers.ts";

const T = { timeout: 15000 };

// Binding right after the previous owner closed: the old listener's close
// may still be in flight on some runtimes, so retry on EADDRINUSE for a while.
async function rebind(socket: Pull | XPublisher, address: string): Promise<void> {
  const end = Date.now() + WAIT;
  for (;;) {
    try {
      await socket.bind(address);
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== "EADDRINUSE" || Date.now() > end) throw e;
      await settle(25);
    }
  }
}

for (const tr of TRANSPORTS) {
  describe(`life cycle over ${tr}`, () => {
    test(`connect() before bind() queues messages until the binder appears (${tr})`, T, async () => {
      const push = new Push({ linger: 0, reconnectInterval: 20 });
      const pull = new Pull({ linger: 0 });
      try {
        const addr = await unboundAddress(tr);
        push.connect(addr);
        for (const s of ["a", "b", "c"]) await push.send(s); // queued, not blocked
        await settle(60); // a few failed connection attempts
        await pull.bind(addr);
        for (const s of ["a", "b", "c"]) {
          assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, s)), [s]);
        }
      } finally {
        closeAll(push, pull);
      }
    });

    test(`a connecter reconnects when the peer restarts on the same endpoint (${tr})`, T, async () => {
      const push = new Push({ linger: 0, reconnectInterval: 20 });
      const pull1 = new Pull({ linger: 0 });
      const pull2 = new Pull({ linger: 0 });
      try {
        const addr = await bindFresh(pull1, tr);
        push.connect(addr);
        await push.send("before");
        assert.deepEqual(texts(await withTimeout(pull1.receive(), 3000, "before")), ["before"]);
        const down = nextEvents(push, "disconnect");
        pull1.close();
        await withTimeout(down, 3000, "disconnect");
        await push.send("while down"); // kept for the next connection
        await rebind(pull2, addr);
        await push.send("after");
        assert.deepEqual(texts(await withTimeout(pull2.receive(), 3000, "while down")), ["while down"]);
        assert.deepEqual(texts(await withTimeout(pull2.receive(), 3000, "after")), ["after"]);
      } finally {
        closeAll(push, pull1, pull2);
      }
    });

    test(`a subscriber re-sends its subscriptions after reconnecting (${tr})`, T, async () => {
      const sub = new Subscriber({ linger: 0, reconnectInterval: 20 });
      const xpub1 = new XPublisher({ linger: 0 });
      const xpub2 = new XPublisher({ linger: 0 });
      try {
        const addr = await bindFresh(xpub1, tr);
        sub.subscribe("t");
        sub.connect(addr);
        assert.deepEqual([...(await withTimeout(xpub1.receive(), 3000, "first"))[0]], [1, ...bytes("t")]);
        const down = nextEvents(sub, "disconnect");
        xpub1.close();
        await withTimeout(down, 3000, "disconnect");
        await rebind(xpub2, addr);
        // No new subscribe() call: the socket replays what it has.
        assert.deepEqual([...(await withTimeout(xpub2.receive(), 3000, "replayed"))[0]], [1, ...bytes("t")]);
        await xpub2.send(["u", "filtered"]);
        await xpub2.send(["t", "news"]);
        assert.deepEqual(texts(await withTimeout(sub.receive(), 3000, "news")), ["t", "news"]);
      } finally {
        closeAll(sub, xpub1, xpub2);
      }
    });

    test(`disconnect() stops sending to that endpoint (${tr})`, T, async () => {
      const pull1 = new Pull({ linger: 0, receiveTimeout: 200 });
      const pull2 = new Pull({ linger: 0 });
      const push = new Push({ linger: 0 });
      try {
        const ep1 = await bindFresh(pull1, tr);
        const ep2 = await bindFresh(pull2, tr);
        push.connect(ep1);
        push.connect(ep2);
        await push.send("x");
        await push.send("y");
        const first = [text((await pull1.receive())[0]), text((await withTimeout(pull2.receive(), 3000, "p2"))[0])];
        assert.deepEqual(first.sort(), ["x", "y"]);
        push.disconnect(ep1);
        for (let i = 0; i < 4; i++) await push.send(String(i));
        for (let i = 0; i < 4; i++) {
          assert.deepEqual(texts(await withTimeout(pull2.receive(), 3000, String(i))), [String(i)]);
        }
        await rejectsWithCode(pull1.receive(), "EAGAIN");
        // With no endpoint left, a send has nowhere to go (libzmq test_send_after_disconnect_fails).
        push.disconnect(ep2);
        await settle(30);
        push.sendTimeout = 0;
        await rejectsWithCode(push.send("nowhere"), "EAGAIN");
        assert.throws(() => push.disconnect(ep1), { code: "ENOENT" });
      } finally {
        closeAll(push, pull1, pull2);
      }
    });

    test(`unbind() stops accepting on that endpoint (${tr})`, T, async () => {
      const push = new Push({ linger: 0 });
      const pull = new Pull({ linger: 0, reconnectInterval: 20 });
      const late = new Pull({ linger: 0, receiveTimeout: 200 });
      try {
        const ep = await bindFresh(push, tr);
        pull.connect(ep);
        await push.send("ABC");
        assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, "ABC")), ["ABC"]);
        const down = nextEvents(push, "disconnect");
        await push.unbind(ep);
        if (tr === "inproc") {
          // libzmq keeps existing inproc pipes on unbind; only the name goes.
          await push.send("still");
          assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, "still")), ["still"]);
        } else {
          // libzmq: the listener owns what it accepted, so those connections
          // go too and a send has nowhere to go (test_send_after_unbind_fails).
          await withTimeout(down, WAIT, "the accepted connection closing");
          push.sendTimeout = 0;
          await rejectsWithCode(push.send("ABC"), "EAGAIN");
        }
        late.connect(ep);
        await settle(50);
        push.sendTimeout = 0;
        // Nobody new got attached through the unbound endpoint.
        if (tr !== "inproc") await rejectsWithCode(push.send("late"), "EAGAIN");
        await rejectsWithCode(late.receive(), "EAGAIN");
        await rejectsWithCode(push.unbind(ep), "ENOENT");
        // The endpoint can be bound again.
        await rebind(push as unknown as Pull, ep);
        push.sendTimeout = -1;
        await push.send("again");
        const got = await withTimeout(Promise.race([late.receive(), pull.receive()]), 3000, "again");
        assert.deepEqual(texts(got), ["again"]);
      } finally {
        closeAll(push, pull, late);
      }
    });

    test(`close() with linger -1 delivers queued messages, then finishes (${tr})`, T, async () => {
      const push = new Push({ reconnectInterval: 20 });
      const pull = new Pull({ linger: 0 });
      try {
        const addr = await unboundAddress(tr);
        push.connect(addr);
        for (const s of ["1", "2", "3"]) await push.send(s);
        const ended = nextEvents(push, "end");
        push.close();
        assert.equal(push.closed, true);
        await settle(50);
        await pull.bind(addr);
        for (const s of ["1", "2", "3"]) {
          assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, s)), [s]);
        }
        await withTimeout(ended, 3000, "the lingering socket finishing");
      } finally {
        closeAll(push, pull);
      }
    });

    test(`close() with linger > 0 delivers queued messages within the linger period (${tr})`, T, async () => {
      const push = new Push({ linger: 2000, reconnectInterval: 20 });
      const pull = new Pull({ linger: 0 });
      try {
        const addr = await unboundAddress(tr);
        push.connect(addr);
        await push.send(["x", "y"]);
        push.close();
        await settle(50);
        await pull.bind(addr);
        assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, "x")), ["x", "y"]);
      } finally {
        closeAll(push, pull);
      }
    });

    test(`close() drops queued messages with linger 0, or once the linger period is over (${tr})`, T, async () => {
      const push0 = new Push({ linger: 0, reconnectInterval: 20 });
      const push100 = new Push({ linger: 100, reconnectInterval: 20 });
      const pull = new Pull({ linger: 0, receiveTimeout: 300 });
      try {
        const addr = await unboundAddress(tr);
        push0.connect(addr);
        push100.connect(addr);
        await push0.send("dropped at once");
        await push100.send("dropped after 100 ms");
        const ended = nextEvents(push100, "end");
        push0.close();
        push100.close();
        await withTimeout(ended, 3000, "linger expiry");
        await pull.bind(addr);
        await rejectsWithCode(pull.receive(), "EAGAIN");
      } finally {
        closeAll(push0, push100, pull);
      }
    });

    test(`close() with linger flushes what a connected peer has not taken yet (${tr})`, T, async () => {
      const pull = new Pull({ linger: 0, receiveHighWaterMark: 1 });
      const push = new Push({ linger: -1, sendHighWaterMark: 100 });
      const big = new Uint8Array(256 * 1024);
      try {
        const ep = await bindFresh(pull, tr);
        push.connect(ep);
        for (let i = 0; i < 40; i++) await push.send([String(i), big]);
        push.close(); // most of it is still queued behind the slow reader
        for (let i = 0; i < 40; i++) {
          const [seq, body] = await withTimeout(pull.receive(), 5000, `message ${i}`);
          assert.equal(text(seq), String(i));
          assert.equal(body.length, big.length);
        }
      } finally {
        closeAll(push, pull);
      }
    });
  });
}

describe("closed sockets", () => {
  // zeromq.js: EBADF "Socket is closed", thrown at the call.
  test("send(), receive(), bind() and connect() throw EBADF after close()", () => {
    const push = new Push({ linger: 0 });
    const pull = new Pull({ linger: 0 });
    push.close();
    pull.close();
    push.close(); // idempotent
    assert.equal(push.closed, true);
    assert.throws(() => push.send("x"), { code: "EBADF" });
    assert.throws(() => pull.receive(), { code: "EBADF" });
    assert.throws(() => pull.bind("tcp://127.0.0.1:*"), { code: "EBADF" });
    assert.throws(() => push.connect("tcp://127.0.0.1:5555"), { code: "EBADF" });
  });

  // zeromq.js: EAGAIN "Operation was not possible or timed out".
  test("close() rejects a pending receive() and a pending send() with EAGAIN", async () => {
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 0 });
    const r = pull.receive();
    const s = push.send("nobody to take this"); // no peer: waits
    pull.close();
    push.close();
    await rejectsWithCode(r, "EAGAIN");
    await rejectsWithCode(s, "EAGAIN");
  });

  test("await using closes the socket at the end of the scope", async () => {
    let outer: Pull;
    {
      await using pull = new Pull({ linger: 0 });
      await pull.bind("tcp://127.0.0.1:*");
      outer = pull;
      assert.equal(pull.closed, false);
    }
    assert.equal(outer.closed, true);
    assert.throws(() => outer.receive(), { code: "EBADF" });
    const push = new Push({ linger: 0 });
    {
      using p = push;
      assert.equal(p.closed, false);
    }
    assert.equal(push.closed, true);
    const pair = new Pull({ linger: 0 });
    await pair[Symbol.asyncDispose]();
    assert.equal(pair.closed, true);
  });
});

for (const tr of ["tcp", "ipc", "ws"] as const) {
  test(`bind() of the same endpoint right after unbind() succeeds (${tr})`, { timeout: 10000 }, async () => {
    const a = new Pull({ linger: 0 });
    const b = new Pull({ linger: 0, receiveTimeout: 5000 });
    const push = new Push({ linger: 0 });
    try {
      const ep = await bindFresh(a, tr);
      await a.unbind(ep);
      a.close();
      await b.bind(ep);
      push.connect(ep);
      await push.send("after rebind");
      assert.deepEqual(texts(await b.receive()), ["after rebind"]);
    } finally {
      closeAll(a, b, push);
    }
  });
}
