// socket.events as zeromq.js's Observer: receive(), for await, on() in
// emitter mode (exclusive with receive(), as zeromq.js throws it), close(),
// closed; no event lost between getting the observer and reading it; the
// events' shapes (`address` with its scheme, as zeromq.js users read it).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Dealer, type Event, type EventOfType, type EventType, Observer, Pull, Push, Socket } from "../mod.ts";
import { bindAddress, bindFresh, closeAll, freeTcpAddress, type TransportName, withTimeout } from "./_helpers.ts";

const T = { timeout: 10000 };

/** Reads events from `events` until one of `type` (inclusive). */
async function until(events: Observer, type: EventType, ms = 5000): Promise<Event[]> {
  const seen: Event[] = [];
  await withTimeout(
    (async () => {
      for await (const e of events) {
        seen.push(e);
        if (e.type === type) return;
      }
    })(),
    ms,
    `${type} event`,
  );
  return seen;
}

describe("Observer", () => {
  test("socket.events is an Observer, always the same one", () => {
    const d = new Dealer({ linger: 0 });
    try {
      assert.ok(d.events instanceof Observer);
      assert.equal(d.events, d.events);
      assert.ok(d instanceof Socket);
    } finally {
      d.close();
    }
  });

  test("events that happen before iteration starts are not lost", T, async () => {
    const pull = new Pull({ linger: 0 });
    try {
      const events = pull.events;
      const ep = await bindFresh(pull);
      // Nobody was reading while the bind happened.
      const seen = await until(events, "bind");
      assert.deepEqual(seen, [{ type: "bind", address: ep }]);
    } finally {
      pull.close();
    }
  });

  test("receive() gives each event; after end the observer is closed and receive() throws EBADF", T, async () => {
    const d = new Dealer({ linger: 0 });
    const events = d.events;
    d.close();
    assert.deepEqual(await events.receive(), { type: "end" });
    assert.equal(events.closed, true);
    assert.throws(() => events.receive(), { code: "EBADF", errno: 9, message: "Socket is closed" });
  });

  test("a second receive() while one waits throws EBUSY", T, async () => {
    const d = new Dealer({ linger: 0 });
    try {
      const first = d.events.receive();
      assert.throws(() => d.events.receive(), { code: "EBUSY" });
      d.close();
      assert.equal((await first).type, "end");
    } finally {
      d.close();
    }
  });

  test("on() puts it in emitter mode: receive() then throws zeromq.js's error", () => {
    const d = new Dealer({ linger: 0 });
    try {
      d.events.on("bind", () => {});
      assert.throws(
        () => d.events.receive(),
        {
          message:
            "Observer is in event emitter mode. After a call to events.on() it is not possible to read events with events.receive().",
        },
      );
    } finally {
      d.close();
    }
  });

  test("a receive() waiting when on() is called is rejected once the socket has closed", T, async () => {
    const d = new Dealer({ linger: 0 });
    const waiting = d.events.receive();
    d.events.on("end", () => {});
    d.close();
    await assert.rejects(waiting, { code: "EAGAIN" });
    assert.equal(d.events.closed, true);
  });

  test("events queued before on() reach the listeners, in order", T, async () => {
    const pull = new Pull({ linger: 0 });
    try {
      const events = pull.events;
      const a = await bindFresh(pull);
      const b = await bindFresh(pull);
      const got: string[] = [];
      const two = new Promise<void>((resolve) => {
        events.on("bind", (e) => {
          got.push(e.address);
          if (got.length === 2) resolve();
        });
      });
      await withTimeout(two, 3000, "two bind events");
      assert.deepEqual(got, [a, b]);
    } finally {
      pull.close();
    }
  });

  test("close() stops it: a waiting receive() ends the iteration, closed is true", T, async () => {
    const d = new Dealer({ linger: 0 });
    try {
      const events = new Observer(d);
      const it = events[Symbol.asyncIterator]();
      const next = it.next();
      events.close();
      assert.deepEqual(await next, { value: undefined, done: true });
      assert.equal(events.closed, true);
      // The socket's own observer is not affected.
      const own = d.events;
      await d.bind(bindAddress("tcp"));
      assert.equal((await own.receive()).type, "bind");
    } finally {
      d.close();
    }
  });

  test("every Observer of a socket sees every event", T, async () => {
    const pull = new Pull({ linger: 0 });
    try {
      const one = new Observer(pull), two = new Observer(pull);
      const ep = await bindFresh(pull);
      assert.deepEqual(await one.receive(), { type: "bind", address: ep });
      assert.deepEqual(await two.receive(), { type: "bind", address: ep });
    } finally {
      pull.close();
    }
  });

  test("an Observer of something that is not a socket is a TypeError", () => {
    assert.throws(() => new Observer({}), TypeError);
  });

  test("the observer of a socket closed before it was made has just end", T, async () => {
    const d = new Dealer({ linger: 0 });
    d.close();
    assert.deepEqual(await until(d.events, "end"), [{ type: "end" }]);
    assert.equal(d.events.closed, true);
  });

  test("a socket closed while nothing happened reports end only, as zeromq.js", T, async () => {
    const d = new Dealer({ linger: 0 });
    const done = until(d.events, "end");
    d.close();
    assert.deepEqual(await done, [{ type: "end" }]);
  });
});

describe("event shapes", () => {
  for (const tr of ["tcp", "ipc"] as TransportName[]) {
    test(`bind, accept, close and end as zeromq.js's emitter test sees them (${tr})`, T, async () => {
      const a = new Dealer({ linger: 0 }), b = new Dealer({ linger: 0 });
      const seen: Event[] = [];
      for (const t of ["bind", "accept", "close", "end"] as const) a.events.on(t, (e) => seen.push(e));
      try {
        const ended = new Promise<void>((r) => a.events.on("end", () => r()));
        const connected = new Promise<void>((r) => b.events.on("handshake", () => r()));
        const ep = await bindFresh(a, tr);
        b.connect(ep);
        await withTimeout(connected, 3000, "handshake");
        a.close();
        await withTimeout(ended, 3000, "end");
        assert.deepEqual(seen.find((e) => e.type === "bind"), { type: "bind", address: ep });
        // Ours carries remoteAddress too (beyond zeromq.js); the address is the endpoint.
        const accepted = seen.find((e) => e.type === "accept");
        assert.ok(accepted?.type === "accept", "accept reported");
        assert.equal(accepted.address, ep);
        assert.deepEqual(seen.find((e) => e.type === "close"), { type: "close", address: ep });
        assert.deepEqual(seen.at(-1), { type: "end" });
      } finally {
        closeAll(a, b);
      }
    });
  }

  test("inproc reports no bind, accept or close events (libzmq's monitor has none), only end", T, async () => {
    const a = new Dealer({ linger: 0 }), b = new Dealer({ linger: 0 });
    const seen: Event[] = [];
    for (const t of ["bind", "accept", "close", "end"] as const) a.events.on(t, (e) => seen.push(e));
    try {
      const ended = new Promise<void>((r) => a.events.on("end", () => r()));
      b.connect(await bindFresh(a, "inproc"));
      a.close();
      b.close();
      await withTimeout(ended, 3000, "end");
      assert.deepEqual(seen, [{ type: "end" }]);
    } finally {
      closeAll(a, b);
    }
  });

  test("connect:delay, then connect, each with just the address", T, async () => {
    const pull = new Pull({ linger: 0 }), push = new Push({ linger: 0 });
    try {
      const ep = await bindFresh(pull);
      const events = push.events;
      push.connect(ep);
      const seen = await until(events, "connect");
      assert.deepEqual(seen, [{ type: "connect:delay", address: ep }, { type: "connect", address: ep }]);
    } finally {
      closeAll(push, pull);
    }
  });

  test("connect:retry has the address, the interval and the attempt's error", T, async () => {
    const push = new Push({ linger: 0, reconnectInterval: 20 });
    try {
      const addr = await freeTcpAddress();
      const events = push.events;
      push.connect(addr);
      const { error, ...retry } = (await until(events, "connect:retry")).at(-1)! as EventOfType<"connect:retry">;
      assert.deepEqual(retry, { type: "connect:retry", address: addr, interval: 20 });
      assert.equal(error?.code, "ECONNREFUSED");
    } finally {
      push.close();
    }
  });

  // libzmq 4.3.5 reports bind:error with the address after "tcp://", and
  // zeromq.js users read it as `tcp://${event.address}` (its own test does):
  // an address with its scheme came out as tcp://tcp://127.0.0.1:...
  test("bind:error carries the address without its scheme, as libzmq, and zeromq.js's error", T, async () => {
    const a = new Dealer({ linger: 0 }), b = new Dealer({ linger: 0 });
    try {
      const ep = await bindFresh(a);
      const events = b.events;
      await assert.rejects(b.bind(ep), { code: "EADDRINUSE" });
      const e = (await until(events, "bind:error")).at(-1)!;
      assert.equal(e.type, "bind:error");
      if (e.type !== "bind:error") return;
      assert.equal(`tcp://${e.address}`, ep);
      assert.equal(e.error.message, "Address already in use");
      assert.equal(e.error.code, "EADDRINUSE");
      assert.equal(e.error.errno, 98);
    } finally {
      closeAll(a, b);
    }
  });

  test("handshake and disconnect name the endpoint; no field is present as undefined", T, async () => {
    const pull = new Pull({ linger: 0 }), push = new Push({ linger: 0 });
    try {
      const ep = await bindFresh(pull);
      const events = push.events;
      push.connect(ep);
      const up = (await until(events, "handshake")).at(-1)!;
      assert.equal(up.type === "handshake" && up.address, ep);
      for (const [k, v] of Object.entries(up)) assert.notEqual(v, undefined, `handshake.${k}`);
      pull.close();
      const down = (await until(events, "disconnect")).at(-1)!;
      assert.equal(down.type === "disconnect" && down.address, ep);
      // Beyond zeromq.js: why, when the runtime said (a reset, on some).
      if ("error" in down) assert.ok(down.error instanceof Error);
    } finally {
      closeAll(push, pull);
    }
  });
});
