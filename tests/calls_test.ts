// Per-call behaviour and options: timeouts, AbortSignal, EBUSY, endpoint
// validation, lastEndpoint, immediate.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Dealer, Pull, Push, ZmqError } from "../mod.ts";
import {
  bindFresh,
  closeAll,
  freeTcpAddress,
  rejectsWithCode,
  stillPending,
  texts,
  WAIT,
  withTimeout,
} from "./_helpers.ts";

const T = { timeout: 10000 };

describe("timeouts", () => {
  test("receive() rejects with EAGAIN after receiveTimeout, or at once with 0", T, async () => {
    const pull = new Pull({ linger: 0, receiveTimeout: 80 });
    try {
      await bindFresh(pull);
      const t0 = Date.now();
      await rejectsWithCode(pull.receive(), "EAGAIN");
      assert.ok(Date.now() - t0 >= 60, "waited about receiveTimeout");
      pull.receiveTimeout = 0;
      // "At once" is before any timer, even one due now, can fire.
      let timerFired = false;
      const timer = setTimeout(() => timerFired = true, 0);
      await rejectsWithCode(pull.receive(), "EAGAIN");
      clearTimeout(timer);
      assert.equal(timerFired, false, "failed at once");
      const err = await pull.receive().catch((e) => e);
      assert.ok(err instanceof ZmqError);
    } finally {
      closeAll(pull);
    }
  });

  test("send() rejects with EAGAIN after sendTimeout when no peer can take it", T, async () => {
    const push = new Push({ linger: 0, sendTimeout: 80 });
    try {
      const t0 = Date.now();
      await rejectsWithCode(push.send("x"), "EAGAIN");
      assert.ok(Date.now() - t0 >= 60, "waited about sendTimeout");
      push.sendTimeout = 0;
      await rejectsWithCode(push.send("x"), "EAGAIN");
    } finally {
      closeAll(push);
    }
  });

  test("a receive() that timed out leaves the socket usable", T, async () => {
    const pull = new Pull({ linger: 0, receiveTimeout: 30 });
    const push = new Push({ linger: 0 });
    try {
      push.connect(await bindFresh(pull));
      await rejectsWithCode(pull.receive(), "EAGAIN");
      pull.receiveTimeout = -1;
      await push.send("late");
      assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, "late")), ["late"]);
    } finally {
      closeAll(pull, push);
    }
  });

  test("options are validated", () => {
    const pull = new Pull({ linger: 0 });
    try {
      assert.throws(() => pull.receiveTimeout = 1.5, TypeError);
      assert.throws(() => pull.receiveTimeout = -2, RangeError);
      assert.throws(() => pull.receiveHighWaterMark = -1, RangeError);
      assert.throws(() => new Pull({ notAnOption: 1 } as unknown as { linger: number }), TypeError);
      // zeromq.js's types: the send options are a sending type's.
      assert.throws(() => new Pull({ sendTimeout: 5 } as never), TypeError);
      pull.receiveHighWaterMark = 7;
      assert.equal(pull.receiveHighWaterMark, 7);
    } finally {
      closeAll(pull);
    }
  });
});

describe("AbortSignal", () => {
  test("receive({ signal }) rejects with the abort reason, and the socket stays usable", T, async () => {
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 0 });
    try {
      push.connect(await bindFresh(pull));
      const ac = new AbortController();
      const reason = new Error("stop waiting");
      const p = pull.receive({ signal: ac.signal });
      setTimeout(() => ac.abort(reason), 30);
      await assert.rejects(p, (e) => e === reason);
      // No EBUSY afterwards: the aborted call is gone.
      await push.send("next");
      assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, "next")), ["next"]);
      // An already-aborted signal rejects at once.
      const done = new AbortController();
      done.abort(reason);
      await assert.rejects(pull.receive({ signal: done.signal }), (e) => e === reason);
    } finally {
      closeAll(pull, push);
    }
  });

  test("send({ signal }) rejects a waiting send with the abort reason", T, async () => {
    const push = new Push({ linger: 0 }); // no peer: send() waits
    try {
      const ac = new AbortController();
      const p = push.send("x", { signal: ac.signal });
      assert.ok(await stillPending(p, 30));
      ac.abort();
      await assert.rejects(p, { name: "AbortError" });
      // The next send is not EBUSY: it waits again (and times out).
      push.sendTimeout = 20;
      await rejectsWithCode(push.send("y"), "EAGAIN");
    } finally {
      closeAll(push);
    }
  });

  test("an abort after the call completed changes nothing", T, async () => {
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 0 });
    try {
      push.connect(await bindFresh(pull));
      const ac = new AbortController();
      const p = pull.receive({ signal: ac.signal });
      await push.send("got it");
      assert.deepEqual(texts(await withTimeout(p, 3000, "receive")), ["got it"]);
      ac.abort();
      await push.send("and this");
      assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, "receive")), ["and this"]);
    } finally {
      closeAll(pull, push);
    }
  });
});

describe("EBUSY", () => {
  test("a second receive() while one is pending throws EBUSY", T, async () => {
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 0 });
    try {
      push.connect(await bindFresh(pull));
      const first = pull.receive();
      // At the call, as zeromq.js throws it.
      assert.throws(() => pull.receive(), { code: "EBUSY", errno: 16 });
      await push.send("one");
      assert.deepEqual(texts(await withTimeout(first, 3000, "first")), ["one"]);
    } finally {
      closeAll(pull, push);
    }
  });

  test("a second send() while one is waiting throws EBUSY", T, async () => {
    const push = new Push({ linger: 0 });
    const pull = new Pull({ linger: 0 });
    try {
      const first = push.send("waits");
      assert.throws(() => push.send("busy"), { code: "EBUSY", errno: 16 });
      push.connect(await bindFresh(pull));
      await withTimeout(first, 3000, "first send");
      assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, "receive")), ["waits"]);
    } finally {
      closeAll(pull, push);
    }
  });
});

describe("endpoints", () => {
  const MALFORMED = [
    "",
    "127.0.0.1:5555",
    "tcp//127.0.0.1:5555",
    "tcp://127.0.0.1",
    "tcp://127.0.0.1:",
    "tcp://127.0.0.1:port",
    "tcp://127.0.0.1:99999",
    "tcp://:5555",
    "inproc://",
  ];
  // libzmq's scheme is case-sensitive: TCP:// is a transport it does not know.
  const UNKNOWN = ["pgm://eth0;239.192.1.1:5555", "norm://1:2", "vmci://1:2", "foo://bar", "TCP://127.0.0.1:5555"];

  // As zeromq.js: EINVAL for a malformed endpoint, EPROTONOSUPPORT for an unknown transport, at the call.
  test("connect() throws EINVAL or EPROTONOSUPPORT at the call, with the address", () => {
    const push = new Push({ linger: 0 });
    try {
      for (const ep of [...MALFORMED, "tcp://*:5555", "tcp://127.0.0.1:*"]) {
        assert.throws(() => push.connect(ep), { code: "EINVAL", errno: 22, address: ep }, JSON.stringify(ep));
      }
      for (const ep of UNKNOWN) {
        assert.throws(() => push.connect(ep), { code: "EPROTONOSUPPORT", errno: 93, address: ep }, ep);
      }
      assert.throws(() => push.connect(42 as unknown as string), TypeError);
    } finally {
      closeAll(push);
    }
  });

  test("bind() rejects with EINVAL or EPROTONOSUPPORT, with the address", async () => {
    const pull = new Pull({ linger: 0 });
    try {
      for (const ep of MALFORMED) {
        await assert.rejects(pull.bind(ep), { code: "EINVAL", address: ep }, JSON.stringify(ep));
      }
      for (const ep of UNKNOWN) await assert.rejects(pull.bind(ep), { code: "EPROTONOSUPPORT", address: ep }, ep);
      assert.equal(pull.lastEndpoint, null);
    } finally {
      closeAll(pull);
    }
  });

  test("bind() fails with EADDRINUSE for a taken port", T, async () => {
    const a = new Pull({ linger: 0 });
    const b = new Pull({ linger: 0 });
    try {
      const ep = await bindFresh(a);
      await rejectsWithCode(() => b.bind(ep), "EADDRINUSE");
    } finally {
      closeAll(a, b);
    }
  });

  test("lastEndpoint holds the resolved address after binding :* and :0", T, async () => {
    const a = new Pull({ linger: 0 });
    const b = new Pull({ linger: 0 });
    const c = new Pull({ linger: 0 });
    const push = new Push({ linger: 0 });
    try {
      assert.equal(a.lastEndpoint, null);
      await a.bind("tcp://127.0.0.1:*");
      await b.bind("tcp://127.0.0.1:0");
      await c.bind("tcp://*:*");
      const re = /^tcp:\/\/127\.0\.0\.1:(\d+)$/;
      for (const s of [a, b]) {
        const m = re.exec(s.lastEndpoint ?? "");
        assert.ok(m, `got ${s.lastEndpoint}`);
        assert.ok(Number(m[1]) > 0 && Number(m[1]) < 65536);
      }
      assert.notEqual(a.lastEndpoint, b.lastEndpoint);
      assert.match(c.lastEndpoint ?? "", /^tcp:\/\/0\.0\.0\.0:[1-9]\d*$/);
      // The resolved endpoint is usable, and unbind() accepts it.
      push.connect(b.lastEndpoint!);
      await push.send("via lastEndpoint");
      assert.deepEqual(texts(await withTimeout(b.receive(), 3000, "receive")), ["via lastEndpoint"]);
      await a.unbind(a.lastEndpoint!);
    } finally {
      closeAll(a, b, c, push);
    }
  });

  test("lastEndpoint holds the generated path after binding ipc://*", T, async () => {
    const pull = new Pull({ linger: 0 });
    try {
      await pull.bind("ipc://*");
      assert.match(pull.lastEndpoint ?? "", /^ipc:\/\/.+/);
      assert.notEqual(pull.lastEndpoint, "ipc://*");
    } finally {
      closeAll(pull);
    }
  });
});

describe("immediate", () => {
  test("with immediate, send() has nowhere to go until a connection is up", T, async () => {
    const addr = await freeTcpAddress();
    const lazy = new Push({ linger: 0, immediate: true, sendTimeout: 50 });
    const eager = new Push({ linger: 0, sendTimeout: 50 });
    try {
      lazy.connect(addr);
      eager.connect(addr);
      await rejectsWithCode(lazy.send("x"), "EAGAIN");
      await eager.send("queued"); // not immediate: queued on the pending connection
    } finally {
      closeAll(lazy, eager);
    }
  });

  test("with immediate, messages skip peers that are not connected", T, async () => {
    const live = new Pull({ linger: 0 });
    const dead = await freeTcpAddress();
    const push = new Push({ linger: 0, immediate: true });
    try {
      const ep = await bindFresh(live);
      push.connect(dead);
      push.connect(ep);
      for (let i = 0; i < 6; i++) await push.send(String(i));
      for (let i = 0; i < 6; i++) {
        assert.deepEqual(texts(await withTimeout(live.receive(), 3000, String(i))), [String(i)]);
      }
    } finally {
      closeAll(push, live);
    }
  });

  test("without immediate, round-robin includes peers that are not connected yet", T, async () => {
    const live = new Pull({ linger: 0, receiveTimeout: WAIT });
    const dead = await freeTcpAddress();
    const push = new Push({ linger: 0 });
    try {
      const ep = await bindFresh(live);
      push.connect(dead);
      push.connect(ep);
      for (let i = 0; i < 6; i++) await push.send(String(i));
      // Every other message, in order; the rest wait for the pending connection.
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push(texts(await live.receive())[0]);
      assert.ok(["0,2,4", "1,3,5"].includes(String(got)), `the live peer got ${got}`);
      live.receiveTimeout = 200;
      await rejectsWithCode(live.receive(), "EAGAIN");
    } finally {
      closeAll(push, live);
    }
  });

  test("a Dealer with immediate waits for its first connection", T, async () => {
    const dealer = new Dealer({ linger: 0, immediate: true });
    try {
      const addr = await freeTcpAddress();
      dealer.connect(addr);
      const p = dealer.send("hello");
      assert.ok(await stillPending(p, 50));
      closeAll(dealer);
      await rejectsWithCode(p, "EAGAIN");
    } finally {
      closeAll(dealer);
    }
  });
});
