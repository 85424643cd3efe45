// Errors as zeromq.js gives them: the same `code`, libzmq's `errno` (Linux
// values), a message that starts with zeromq.js's text, the `address` where
// there is one, and the same choice between throwing at the call and
// rejecting. One row per condition.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Context, Dealer, errnoMessage, errnoOf, Pair, Pull, Push, Reply, Request, Router, ZmqError } from "../mod.ts";
import { bindFresh, closeAll, type TransportName } from "./_helpers.ts";

const T = { timeout: 10000 };

interface Expect {
  code: string;
  errno: number;
  /** The message, or how it starts ("...": detail may follow). */
  message: string;
  address?: string;
}

function matches(e: unknown, x: Expect): void {
  assert.ok(e instanceof Error, `an Error: ${e}`);
  const err = e as ZmqError;
  assert.equal(err.code, x.code);
  assert.equal(err.errno, x.errno);
  if (x.message.endsWith("...")) assert.ok(err.message.startsWith(x.message.slice(0, -3)), err.message);
  else assert.equal(err.message, x.message);
  if (x.address !== undefined) assert.equal(err.address, x.address);
}

/** Asserts that `act` throws at the call. */
function throwsNow(act: () => unknown, x: Expect): void {
  let thrown: unknown;
  try {
    const r = act();
    // A rejected promise instead of a throw: not what zeromq.js does.
    if (r instanceof Promise) r.catch(() => {});
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, `throws at the call (${x.code})`);
  matches(thrown, x);
}

/** Asserts that `act` returns a promise that rejects (and does not throw). */
async function rejectsLater(act: () => Promise<unknown>, x: Expect): Promise<void> {
  let p: Promise<unknown>;
  try {
    p = act();
  } catch (e) {
    assert.fail(`threw at the call instead of rejecting: ${e}`);
  }
  let failed: unknown;
  await p.then(() => assert.fail(`resolved instead of ${x.code}`), (e) => failed = e);
  matches(failed, x);
}

const EBADF = { code: "EBADF", errno: 9, message: "Socket is closed" };
const EINVAL = (address: string) => ({ code: "EINVAL", errno: 22, message: "Invalid argument", address });
const EPROTONOSUPPORT = (address: string) => ({
  code: "EPROTONOSUPPORT",
  errno: 93,
  message: "Protocol not supported",
  address,
});
const ENOENT = (address: string) => ({ code: "ENOENT", errno: 2, message: "No such endpoint", address });
const EAGAIN = { code: "EAGAIN", errno: 11, message: "Operation was not possible or timed out" };

describe("errors: a closed socket", () => {
  // zeromq.js throws EBADF "Socket is closed" at the call for each.
  const ROWS: [string, (d: Dealer) => unknown][] = [
    ["bind()", (d) => d.bind("tcp://127.0.0.1:*")],
    ["unbind()", (d) => d.unbind("tcp://127.0.0.1:5555")],
    ["connect()", (d) => d.connect("tcp://127.0.0.1:5555")],
    ["disconnect()", (d) => d.disconnect("tcp://127.0.0.1:5555")],
    ["send()", (d) => d.send("x")],
    ["receive()", (d) => d.receive()],
    ["setting an option", (d) => d.linger = 5],
    ["setting an option of its type", (d) => d.routingId = "x"],
  ];
  for (const [name, act] of ROWS) {
    test(`${name} throws EBADF at the call`, () => {
      const d = new Dealer({ linger: 0 });
      d.close();
      throwsNow(() => act(d), EBADF);
    });
  }

  test("is not readable or writable, and iterating it ends at once", async () => {
    const d = new Dealer({ linger: 0 });
    d.close();
    // Reading an option back is not an error (zeromq.js: EBADF; see the README's differences).
    assert.equal(d.linger, 0);
    assert.equal(d.readable, false);
    assert.equal(d.writable, false);
    assert.deepEqual(await d[Symbol.asyncIterator]().next(), { value: undefined, done: true });
  });
});

describe("errors: endpoints", () => {
  // [endpoint, expected]: zeromq.js's rows (foo-bar, foo://bar) and a few more.
  const BAD: [string, Expect][] = [
    ["foo-bar", EINVAL("foo-bar")],
    ["tcp://", EINVAL("tcp://")],
    ["://127.0.0.1:5555", EINVAL("://127.0.0.1:5555")],
    ["tcp://127.0.0.1", EINVAL("tcp://127.0.0.1")],
    ["tcp://127.0.0.1:port", EINVAL("tcp://127.0.0.1:port")],
    ["foo://bar", EPROTONOSUPPORT("foo://bar")],
    // pgm:// needs raw IP sockets: the message names epgm:// as the way.
    ["pgm://eth0;239.192.1.1:5555", {
      ...EPROTONOSUPPORT("pgm://eth0;239.192.1.1:5555"),
      message: "Protocol not supported: pgm:// (PGM over raw IP) needs raw sockets...",
    }],
    ["TCP://127.0.0.1:5555", EPROTONOSUPPORT("TCP://127.0.0.1:5555")],
  ];

  for (const [ep, x] of BAD) {
    test(`bind("${ep}") rejects with ${x.code}; connect() throws it at the call`, async () => {
      const d = new Dealer({ linger: 0 });
      try {
        await rejectsLater(() => d.bind(ep), x);
        throwsNow(() => d.connect(ep), x);
        await rejectsLater(() => d.unbind(ep), x);
        throwsNow(() => d.disconnect(ep), x);
      } finally {
        d.close();
      }
    });
  }

  test("the reason a malformed endpoint is refused is its cause", () => {
    const d = new Dealer({ linger: 0 });
    try {
      let e: ZmqError | undefined;
      try {
        d.connect("tcp://127.0.0.1:port");
      } catch (err) {
        e = err as ZmqError;
      }
      assert.ok(e?.cause instanceof TypeError);
      assert.match((e.cause as Error).message, /bad port/);
    } finally {
      d.close();
    }
  });

  test("connecting to a wildcard is EINVAL, as in libzmq", () => {
    const d = new Dealer({ linger: 0 });
    try {
      throwsNow(() => d.connect("tcp://*:5555"), EINVAL("tcp://*:5555"));
      throwsNow(() => d.connect("tcp://127.0.0.1:*"), EINVAL("tcp://127.0.0.1:*"));
    } finally {
      d.close();
    }
  });

  test("an address that is not a string is a TypeError, as zeromq.js's", () => {
    const d = new Dealer({ linger: 0 });
    try {
      for (const act of [() => d.connect(42 as never), () => d.bind(42 as never), () => d.unbind(42 as never)]) {
        assert.throws(act, TypeError);
      }
    } finally {
      d.close();
    }
  });

  for (const tr of ["tcp", "ipc", "inproc"] as TransportName[]) {
    test(`unbind() and disconnect() of an endpoint not used: ENOENT with the address (${tr})`, T, async () => {
      const d = new Dealer({ linger: 0 });
      const other = new Dealer({ linger: 0 });
      try {
        // A real, well-formed endpoint of the transport that this socket did not bind or connect.
        const ep = await bindFresh(other, tr);
        await rejectsLater(() => d.unbind(ep), ENOENT(ep));
        throwsNow(() => d.disconnect(ep), ENOENT(ep));
      } finally {
        closeAll(d, other);
      }
    });

    // ipc is left out: libzmq unlinks the path of an ipc endpoint before binding it, so a second bind takes it over.
    if (tr === "ipc") continue;
    test(`bind() of an endpoint in use: EADDRINUSE "Address already in use" (${tr})`, T, async () => {
      const a = new Dealer({ linger: 0 });
      const b = new Dealer({ linger: 0 });
      try {
        const ep = await bindFresh(a, tr);
        await rejectsLater(() => b.bind(ep), {
          code: "EADDRINUSE",
          errno: 98,
          message: "Address already in use",
          address: ep,
        });
      } finally {
        closeAll(a, b);
      }
    });
  }

  test("udp:// on a type that cannot use it: ENOCOMPATPROTO", async () => {
    const d = new Dealer({ linger: 0 });
    const x = {
      code: "ENOCOMPATPROTO",
      errno: 156384764,
      message: "The protocol is not compatible with the socket type...",
      address: "udp://127.0.0.1:5555",
    };
    try {
      await rejectsLater(() => d.bind("udp://127.0.0.1:5555"), x);
      throwsNow(() => d.connect("udp://127.0.0.1:5555"), x);
    } finally {
      d.close();
    }
  });
});

describe("errors: send and receive", () => {
  test("EBUSY for a second send() or receive() is thrown at the call, with zeromq.js's message", T, async () => {
    const p = new Pair({ linger: 0, sendTimeout: 5000, receiveTimeout: 5000 });
    try {
      const s = p.send("waits"); // no peer
      const r = p.receive();
      throwsNow(() => p.send("again"), {
        code: "EBUSY",
        errno: 16,
        message: "Socket is busy writing; only one send operation may be in progress at any time",
      });
      throwsNow(() => p.receive(), {
        code: "EBUSY",
        errno: 16,
        message: "Socket is busy reading; only one receive operation may be in progress at any time",
      });
      p.close();
      await Promise.allSettled([s, r]);
    } finally {
      p.close();
    }
  });

  const TIMEOUTS: [string, () => [Pair, Promise<unknown>]][] = [
    ["receive() after receiveTimeout", () => {
      const p = new Pair({ linger: 0, receiveTimeout: 20 });
      return [p, p.receive()];
    }],
    ["receive() with receiveTimeout 0", () => {
      const p = new Pair({ linger: 0, receiveTimeout: 0 });
      return [p, p.receive()];
    }],
    ["send() after sendTimeout", () => {
      const p = new Pair({ linger: 0, sendTimeout: 20 });
      return [p, p.send("x")];
    }],
    ["send() with sendTimeout 0", () => {
      const p = new Pair({ linger: 0, sendTimeout: 0 });
      return [p, p.send("x")];
    }],
    ["a receive() pending at close()", () => {
      const p = new Pair({ linger: 0 });
      const r = p.receive();
      p.close();
      return [p, r];
    }],
    ["a send() pending at close()", () => {
      const p = new Pair({ linger: 0 });
      const s = p.send("x");
      p.close();
      return [p, s];
    }],
  ];
  for (const [name, make] of TIMEOUTS) {
    test(`${name} rejects with EAGAIN "Operation was not possible or timed out"`, T, async () => {
      const [p, pending] = make();
      try {
        await rejectsLater(() => pending, EAGAIN);
      } finally {
        p.close();
      }
    });
  }

  test("a socket iterated when close() comes ends its iteration (the EAGAIN is not thrown)", T, async () => {
    const pull = new Pull({ linger: 0 });
    const it = pull[Symbol.asyncIterator]();
    const next = it.next();
    pull.close();
    assert.deepEqual(await next, { value: undefined, done: true });
  });

  test("EFSM: a REQ receive() before send(), a REP send() before receive()", T, async () => {
    const req = new Request({ linger: 0 });
    const rep = new Reply({ linger: 0 });
    const x = { code: "EFSM", errno: 156384763, message: "Operation cannot be accomplished in current state..." };
    try {
      await rejectsLater(() => req.receive(), x);
      await rejectsLater(() => rep.send("x"), x);
    } finally {
      closeAll(req, rep);
    }
  });

  test("EHOSTUNREACH: a mandatory ROUTER sending to an unknown peer", async () => {
    const r = new Router({ linger: 0, mandatory: true });
    try {
      await rejectsLater(() => r.send(["nobody", "x"]), {
        code: "EHOSTUNREACH",
        errno: 113,
        message: "Host unreachable...",
      });
    } finally {
      r.close();
    }
  });
});

describe("errors: construction and options", () => {
  test("a socket beyond the context's maxSockets: EMFILE; closing one makes room", () => {
    const context = new Context({ maxSockets: 2 });
    const a = new Push({ context }), b = new Push({ context });
    try {
      throwsNow(() => new Push({ context }), { code: "EMFILE", errno: 24, message: "Too many open file descriptors" });
      a.close();
      new Push({ context }).close();
    } finally {
      closeAll(a, b);
    }
  });

  test("an option value out of range is a RangeError with code EINVAL, as zeromq.js's EINVAL", () => {
    const d = new Dealer({ linger: 0 });
    try {
      for (const act of [() => d.linger = -2, () => new Dealer({ sendHighWaterMark: -1 }), () => d.rate = 0]) {
        let e: unknown;
        try {
          act();
        } catch (err) {
          e = err;
        }
        assert.ok(e instanceof RangeError);
        matches(e, { code: "EINVAL", errno: 22, message: "Invalid argument: ..." });
      }
    } finally {
      d.close();
    }
  });

  test("options that are not an object, and a context that is not one, are TypeErrors", () => {
    assert.throws(() => new Dealer(3 as never), TypeError);
    assert.throws(() => new Dealer({ context: {} } as never), TypeError);
    assert.throws(() => new Context(3 as never), TypeError);
  });
});

describe("errors: codes and numbers", () => {
  test("errnoOf() and errnoMessage() give libzmq's numbers and zeromq.js's texts", () => {
    const ROWS: [Parameters<typeof errnoOf>[0], number, string][] = [
      ["EAGAIN", 11, "Operation was not possible or timed out"],
      ["EBADF", 9, "Socket is closed"],
      ["EINVAL", 22, "Invalid argument"],
      ["EFSM", 156384763, "Operation cannot be accomplished in current state"],
      ["ETERM", 156384765, "Context was terminated"],
      ["ENOCOMPATPROTO", 156384764, "The protocol is not compatible with the socket type"],
      ["EHOSTUNREACH", 113, "Host unreachable"],
      ["EPROTONOSUPPORT", 93, "Protocol not supported"],
      ["ENOENT", 2, "No such endpoint"],
      ["EADDRINUSE", 98, "Address already in use"],
      ["EBUSY", 16, "Socket is busy"],
      ["EMSGSIZE", 90, "Message too long"],
      ["ECONNREFUSED", 111, "Connection refused"],
      ["EMFILE", 24, "Too many open file descriptors"],
    ];
    for (const [code, errno, message] of ROWS) {
      assert.equal(errnoOf(code), errno, code);
      assert.equal(errnoMessage(code), message, code);
      const e = new ZmqError(code);
      assert.equal(e.errno, errno);
      assert.equal(e.message, message);
    }
  });
});
