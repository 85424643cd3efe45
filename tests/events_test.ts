// Socket events (zeromq.js's socket.events): what is reported, and that
// iteration ends when the socket closes.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Observer, Pull, Push, type SocketEvent } from "../mod.ts";
import { bindFresh, closeAll, freeTcpAddress, nextEvents, settle, withTimeout } from "./_helpers.ts";

const T = { timeout: 10000 };

describe("events", () => {
  test("bind, accept, connect, handshake, disconnect and end are reported", T, async () => {
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 0 });
    const pullSeen: SocketEvent[] = [];
    const pushSeen: SocketEvent[] = [];
    // Observers of their own: nextEvents() below puts socket.events in emitter mode.
    const pullDone = (async () => {
      for await (const e of new Observer(pull)) pullSeen.push(e);
    })();
    const pushDone = (async () => {
      for await (const e of new Observer(push)) pushSeen.push(e);
    })();
    try {
      const ep = await bindFresh(pull);
      const up = nextEvents(pull, "handshake");
      const upToo = nextEvents(push, "handshake");
      push.connect(ep);
      await withTimeout(Promise.all([up, upToo]), 3000, "handshakes");
      const down = nextEvents(pull, "disconnect");
      push.close();
      await withTimeout(down, 3000, "disconnect");
      pull.close();
      await withTimeout(Promise.all([pullDone, pushDone]), 3000, "event iteration ends on close");
      const pullTypes = pullSeen.map((e) => e.type);
      for (const t of ["bind", "accept", "handshake", "disconnect", "close", "end"]) {
        assert.ok(pullTypes.includes(t as SocketEvent["type"]), `binder reported ${t}: ${pullTypes}`);
      }
      assert.equal(pullSeen.find((e) => e.type === "bind")?.address, ep);
      assert.match(pullSeen.find((e) => e.type === "accept")?.remoteAddress ?? "", /127\.0\.0\.1/);
      const pushTypes = pushSeen.map((e) => e.type);
      // As libzmq: "close" is a listener's, so only the binder reports one, with its endpoint.
      assert.deepEqual(pullSeen.find((e) => e.type === "close"), { type: "close", address: ep });
      for (const t of ["connect:delay", "connect", "handshake", "end"]) {
        assert.ok(pushTypes.includes(t as SocketEvent["type"]), `connecter reported ${t}: ${pushTypes}`);
      }
      assert.ok(!pushTypes.includes("close"), `a connecter has no listener to close: ${pushTypes}`);
      assert.equal(pushSeen.find((e) => e.type === "connect")?.address, ep);
      assert.ok(pushTypes.indexOf("connect:delay") < pushTypes.indexOf("connect"));
      assert.ok(pushTypes.indexOf("connect") < pushTypes.indexOf("handshake"));
      assert.equal(pushTypes.at(-1), "end");
    } finally {
      closeAll(push, pull);
    }
  });

  test("connect:retry reports the backoff, doubling up to reconnectMaxInterval", T, async () => {
    const addr = await freeTcpAddress();
    const push = new Push({ linger: 0, reconnectInterval: 10, reconnectMaxInterval: 40 });
    const intervals: number[] = [];
    push.events.on("connect:retry", (e) => intervals.push(e.interval ?? -1));
    try {
      const five = nextEvents(push, "connect:retry", 5);
      push.connect(addr);
      await withTimeout(five, 3000, "five retries");
      assert.deepEqual(intervals.slice(0, 5), [10, 20, 40, 40, 40]);
    } finally {
      closeAll(push);
    }
  });

  test("reconnectInterval -1 stops after the first failure", T, async () => {
    const addr = await freeTcpAddress();
    const push = new Push({ linger: 0, reconnectInterval: -1 });
    let retries = 0;
    push.events.on("connect:retry", () => retries++);
    try {
      push.connect(addr);
      await settle(150);
      assert.equal(retries, 0);
      // And nothing is bound later either: still not connected.
      const pull = new Pull({ linger: 0, receiveTimeout: 200 });
      try {
        await pull.bind(addr);
        await push.send("x"); // queued on the pipe that will never connect
        await assert.rejects(pull.receive(), { code: "EAGAIN" });
      } finally {
        closeAll(pull);
      }
    } finally {
      closeAll(push);
    }
  });
});
