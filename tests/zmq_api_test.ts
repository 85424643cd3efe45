// The zeromq.js 6 surface beyond errors and events: the exports (Socket,
// context, version, capability), Context and its options, the socket
// members (type, readable, writable, securityMechanism, threadSafe), the
// options zeromq.js has and libzmq's checks of them, XPUB manual mode and
// zapEnforceDomain.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  capability,
  Context,
  context,
  curveKeyPair,
  Dealer,
  Dish,
  Pair,
  Publisher,
  Pull,
  Push,
  Radio,
  Reply,
  Request,
  Router,
  Socket,
  SocketType,
  Subscriber,
  version,
  XPublisher,
  XSubscriber,
} from "../mod.ts";
import { bindAddress, bindFresh, closeAll, texts, withTimeout } from "./_helpers.ts";

const T = { timeout: 10000 };

describe("exports", () => {
  test("version is the libzmq version implemented; capability has zeromq.js's keys", () => {
    assert.equal(version, "4.3.5");
    assert.deepEqual(
      { ...capability },
      {
        ipc: true,
        pgm: false,
        tipc: false,
        norm: false,
        curve: true,
        gssapi: false,
        draft: true,
        // Beyond zeromq.js: inproc between Workers, with shared memory on Deno, Bun and Node.
        inprocThreads: true,
        inprocSharedMemory: true,
      },
    );
  });

  test("context is the default context of new sockets", () => {
    const d = new Dealer({ linger: 0 });
    try {
      assert.ok(context instanceof Context);
      assert.equal(d.context, context);
    } finally {
      d.close();
    }
  });
});

describe("Context", () => {
  test("has zeromq.js's options with libzmq's defaults", () => {
    const c = new Context();
    assert.deepEqual(
      {
        blocky: c.blocky,
        ioThreads: c.ioThreads,
        maxMessageSize: c.maxMessageSize,
        maxSockets: c.maxSockets,
        maxSocketsLimit: c.maxSocketsLimit,
        ipv6: c.ipv6,
      },
      { blocky: true, ioThreads: 1, maxMessageSize: 2147483647, maxSockets: 1023, maxSocketsLimit: 65535, ipv6: false },
    );
  });

  test("options set at construction or as properties read back", () => {
    const c = new Context({ ioThreads: 5, ipv6: true });
    assert.equal(c.ioThreads, 5);
    assert.equal(c.ipv6, true);
    c.ioThreads = 75;
    c.blocky = false;
    c.threadPriority = 1;
    assert.equal(c.ioThreads, 75);
    assert.equal(c.blocky, false);
    assert.equal(c.threadPriority, 1);
  });

  // [options, error]: zeromq.js throws TypeError for these, EINVAL for values out of range.
  const BAD: [Record<string, unknown>, RegExp | typeof TypeError, string?][] = [
    [{ bogus: 1 }, TypeError],
    [{ maxSocketsLimit: 1 }, TypeError],
    [{ ioThreads: "hello" }, TypeError],
    [{ blocky: 1 }, TypeError],
    [{ ioThreads: -1 }, /Invalid argument/, "EINVAL"],
    [{ maxSockets: 0 }, /Invalid argument/, "EINVAL"],
    [{ maxMessageSize: -1 }, /Invalid argument/, "EINVAL"],
  ];
  for (const [options, error, code] of BAD) {
    test(`new Context(${JSON.stringify(options)}) is refused`, () => {
      assert.throws(() => new Context(options as never), (e: Error & { code?: string }) => {
        if (typeof error === "function") assert.ok(e instanceof error, String(e));
        else assert.match(e.message, error);
        if (code !== undefined) assert.equal(e.code, code);
        return true;
      });
    });
  }

  test("maxSocketsLimit is read-only", () => {
    const c = new Context();
    assert.throws(() => (c as unknown as { maxSocketsLimit: number }).maxSocketsLimit = 1, TypeError);
  });

  test("blocky false gives new sockets linger 0; ipv6 is the sockets' default ipv6", () => {
    const c = new Context({ blocky: false, ipv6: true });
    const d = new Dealer({ context: c }), e = new Dealer({ context: c, linger: 5 }), f = new Dealer();
    try {
      assert.equal(d.linger, 0);
      assert.equal(e.linger, 5);
      assert.equal(d.ipv6, true);
      assert.equal(f.linger, -1);
      assert.equal(f.ipv6, false);
    } finally {
      closeAll(d, e, f);
    }
  });
});

describe("socket members", () => {
  // deno-lint-ignore no-explicit-any
  const TYPES: [new (o?: any) => Socket, number, string][] = [
    [Pair, 0, "PAIR"],
    [Publisher, 1, "PUB"],
    [Subscriber, 2, "SUB"],
    [Request, 3, "REQ"],
    [Reply, 4, "REP"],
    [Dealer, 5, "DEALER"],
    [Router, 6, "ROUTER"],
    [Pull, 7, "PULL"],
    [Push, 8, "PUSH"],
    [XPublisher, 9, "XPUB"],
    [XSubscriber, 10, "XSUB"],
    [Radio, 14, "RADIO"],
    [Dish, 15, "DISH"],
  ];
  for (const [Cls, type, name] of TYPES) {
    // zeromq.js reads ZMQ_THREAD_SAFE: true for libzmq's draft RADIO and DISH.
    const safe = name === "RADIO" || name === "DISH";
    test(`${name}: type ${type} (zeromq.js's SocketType), typeName, threadSafe ${safe}, securityMechanism null`, () => {
      const s = new Cls({ linger: 0 });
      try {
        assert.equal(s.type, type);
        assert.equal(s.typeName, name);
        assert.equal(s.threadSafe, safe);
        assert.equal(s.securityMechanism, null);
        assert.equal(s.lastEndpoint, null);
        assert.equal(s.closed, false);
        assert.ok(s instanceof Socket);
      } finally {
        s.close();
      }
    });
  }

  test("SocketType has zeromq.js's numbers", () => {
    assert.equal(SocketType.Push, 8);
    assert.equal(SocketType.Dish, 15);
    assert.equal(SocketType.Datagram, 18);
  });

  test("securityMechanism follows the last security option set, as libzmq's ZMQ_MECHANISM", () => {
    const k = curveKeyPair();
    const d = new Dealer({ linger: 0 });
    try {
      d.plainServer = true;
      assert.equal(d.securityMechanism, "plain");
      d.plainServer = false;
      assert.equal(d.securityMechanism, null);
      d.curveServerKey = k.publicKey;
      assert.equal(d.securityMechanism, "curve");
      d.plainUsername = "u";
      assert.equal(d.securityMechanism, "plain");
      assert.throws(() => (d as unknown as { securityMechanism: string }).securityMechanism = "curve", TypeError);
    } finally {
      d.close();
    }
  });

  test("readable and writable: a Pair over inproc, as zeromq.js's send/receive test", T, async () => {
    const a = new Pair({ linger: 0 }), b = new Pair({ linger: 0 });
    try {
      assert.deepEqual([a.readable, a.writable], [false, false], "no peer");
      a.connect(bindAddress("inproc")); // nothing bound there: the pipe waits, with room
      assert.deepEqual([a.readable, a.writable], [false, true], "connected, not yet linked");
      const ep = await bindFresh(b, "inproc");
      const c = new Pair({ linger: 0 });
      try {
        c.connect(ep);
        await b.send("x");
        assert.equal(c.readable, true);
        assert.deepEqual(texts(await c.receive()), ["x"]);
        assert.equal(c.readable, false);
      } finally {
        c.close();
      }
    } finally {
      closeAll(a, b);
    }
    assert.deepEqual([a.readable, a.writable], [false, false], "closed");
  });

  test("readable and writable follow REQ/REP's turns", T, async () => {
    const rep = new Reply({ linger: 0 }), req = new Request({ linger: 0 });
    try {
      assert.equal(req.writable, false, "REQ without a peer");
      req.connect(await bindFresh(rep, "inproc"));
      assert.deepEqual([req.writable, req.readable], [true, false]);
      assert.deepEqual([rep.writable, rep.readable], [false, false]);
      await req.send("q");
      assert.deepEqual([req.writable, req.readable], [false, false], "waiting for the reply");
      assert.equal(rep.readable, true);
      await rep.receive();
      assert.deepEqual([rep.writable, rep.readable], [true, false], "a reply is owed");
      await rep.send("a");
      assert.equal(req.readable, true);
      await req.receive();
      assert.deepEqual([req.writable, req.readable], [true, false]);
    } finally {
      closeAll(req, rep);
    }
  });

  test("readable and writable of the types that only send or only receive", T, async () => {
    const pub = new Publisher({ linger: 0 }), sub = new Subscriber({ linger: 0 });
    const router = new Router({ linger: 0 }), xpub = new XPublisher({ linger: 0 });
    try {
      assert.deepEqual([pub.writable, pub.readable], [true, false], "PUB drops, so it can always send");
      assert.deepEqual([sub.writable, sub.readable], [false, false]);
      assert.equal(router.writable, true, "ROUTER");
      router.mandatory = true;
      assert.equal(router.writable, false, "mandatory ROUTER without peers");
      sub.connect(await bindFresh(xpub, "inproc"));
      sub.subscribe("t");
      assert.equal(xpub.readable, true, "a subscription to read");
      await xpub.receive();
      await xpub.send(["t", "1"]);
      await xpub.send(["u", "2"]);
      assert.equal(sub.readable, true);
      assert.deepEqual(texts(await sub.receive()), ["t", "1"]);
      assert.equal(sub.readable, false, "what it does not subscribe to is not readable");
    } finally {
      closeAll(pub, sub, router, xpub);
    }
  });

  test("close() during bind(): the bind resolves and the socket is closed (zeromq.js)", T, async () => {
    const d = new Dealer({ linger: 0 });
    const p = d.bind(bindAddress("tcp"));
    d.close();
    await p;
    assert.equal(d.closed, true);
  });
});

describe("options zeromq.js has", () => {
  // [option, libzmq's default].
  const DEFAULTS: [string, unknown][] = [
    ["affinity", 0],
    ["rate", 100],
    ["recoveryInterval", 10000],
    ["multicastHops", 1],
    ["backlog", 100],
    ["ipv6", false],
    ["tcpKeepalive", -1],
    ["tcpKeepaliveCount", -1],
    ["tcpKeepaliveIdle", -1],
    ["tcpKeepaliveInterval", -1],
    ["tcpAcceptFilter", null],
    ["sendBufferSize", -1],
    ["receiveBufferSize", -1],
    ["typeOfService", 0],
    ["socksProxy", null],
    ["zapEnforceDomain", false],
    ["zapDomain", null],
    ["interface", null],
    ["loopbackFastPath", false],
    ["multicastMaxTransportDataUnit", 1500],
    ["tcpMaxRetransmitTimeout", 0],
    ["heartbeatTimeout", -1],
    ["vmciConnectTimeout", -1],
  ];
  test("a Dealer reads back libzmq's defaults", () => {
    const d = new Dealer();
    try {
      for (const [name, v] of DEFAULTS) assert.deepEqual((d as unknown as Record<string, unknown>)[name], v, name);
    } finally {
      d.close();
    }
  });

  // [option, value refused]: libzmq's checks (EINVAL), zeromq.js's TypeErrors for the wrong type.
  const REFUSED: [string, unknown, typeof TypeError | typeof RangeError][] = [
    ["rate", 0, RangeError],
    ["recoveryInterval", -1, RangeError],
    ["multicastHops", 0, RangeError],
    ["backlog", -1, RangeError],
    ["tcpKeepalive", 2, RangeError],
    ["tcpKeepaliveCount", -2, RangeError],
    ["tcpAcceptFilter", "bogus", RangeError],
    ["tcpAcceptFilter", "10.0.0.0/33", RangeError],
    ["tcpAcceptFilter", "::1/129", RangeError],
    ["sendBufferSize", -2, RangeError],
    ["typeOfService", -1, RangeError],
    ["interface", "x".repeat(16), RangeError],
    ["multicastMaxTransportDataUnit", 0, RangeError],
    ["tcpMaxRetransmitTimeout", -1, RangeError],
    ["affinity", -1, RangeError],
    ["zapDomain", "x".repeat(256), RangeError],
    ["ipv6", 1, TypeError],
    ["socksProxy", 5, TypeError],
  ];
  for (const [name, value, error] of REFUSED) {
    test(`${name} = ${JSON.stringify(value)} is refused with a ${error.name}`, () => {
      const d = new Dealer({ linger: 0 });
      try {
        const before = (d as unknown as Record<string, unknown>)[name];
        assert.throws(() => (d as unknown as Record<string, unknown>)[name] = value, error);
        assert.deepEqual((d as unknown as Record<string, unknown>)[name], before);
      } finally {
        d.close();
      }
    });
  }

  test("tcpAcceptFilter: each value adds a filter, null clears them", () => {
    const d = new Dealer({ linger: 0 });
    try {
      d.tcpAcceptFilter = "10.0.0.0/8";
      d.tcpAcceptFilter = "::1";
      assert.equal(d.tcpAcceptFilter, "10.0.0.0/8,::1");
      d.tcpAcceptFilter = null;
      assert.equal(d.tcpAcceptFilter, null);
    } finally {
      d.close();
    }
  });

  test('zapDomain and socksProxy take null, and "" reads back as null', () => {
    const d = new Dealer({ linger: 0, zapDomain: "x", socksProxy: "127.0.0.1:1080" });
    try {
      d.zapDomain = null;
      d.socksProxy = "";
      assert.deepEqual([d.zapDomain, d.socksProxy], [null, null]);
    } finally {
      d.close();
    }
  });

  // zeromq.js gives the send options to the types that send and the receive options to the types that receive.
  const BY_TYPE: [string, new (o: object) => Socket, string][] = [
    ["PULL", Pull, "sendHighWaterMark"],
    ["PULL", Pull, "sendTimeout"],
    ["PULL", Pull, "multicastHops"],
    ["SUB", Subscriber, "sendBufferSize"],
    ["DISH", Dish, "sendTimeout"],
    ["PUSH", Push, "receiveTimeout"],
    ["PUB", Publisher, "receiveHighWaterMark"],
    ["RADIO", Radio, "receiveBufferSize"],
    ["DEALER", Dealer, "manual"],
  ];
  for (const [type, Cls, name] of BY_TYPE) {
    test(`${type} has no ${name}`, () => {
      assert.throws(() => new Cls({ [name]: 1 }), TypeError);
      const s = new Cls({ linger: 0 });
      try {
        assert.equal(name in s, false);
      } finally {
        s.close();
      }
    });
  }
});

describe("XPUB manual", () => {
  test("subscriptions reach the user but apply only through subscribe(), to the last subscriber read", T, async () => {
    const xpub = new XPublisher({ linger: 0, manual: true });
    const sub = new Subscriber({ linger: 0, receiveTimeout: 3000 });
    try {
      sub.connect(await bindFresh(xpub, "inproc"));
      sub.subscribe("a");
      sub.subscribe("a"); // a duplicate: manual hands over every one
      assert.deepEqual(texts(await xpub.receive()), ["\x01a"]);
      assert.deepEqual(texts(await xpub.receive()), ["\x01a"]);
      await xpub.send("a-dropped"); // not applied yet: nobody gets it
      xpub.subscribe("a");
      await xpub.send("a-sent");
      assert.deepEqual(texts(await sub.receive()), ["a-sent"]);
      xpub.unsubscribe("a");
      await xpub.send("a-dropped-too");
      xpub.subscribe("a");
      await xpub.send("a-back");
      assert.deepEqual(texts(await sub.receive()), ["a-back"]);
    } finally {
      closeAll(sub, xpub);
    }
  });

  test("a subscriber that leaves turns each of its subscriptions into a cancellation", T, async () => {
    const xpub = new XPublisher({ linger: 0, manual: true });
    const sub = new Subscriber({ linger: 0 });
    try {
      sub.connect(await bindFresh(xpub, "inproc"));
      sub.subscribe("a", "b");
      const got = [texts(await xpub.receive()), texts(await xpub.receive())];
      assert.deepEqual(got, [["\x01a"], ["\x01b"]]);
      sub.close();
      const gone = [texts(await xpub.receive()), texts(await xpub.receive())].sort();
      assert.deepEqual(gone, [["\x00a"], ["\x00b"]]);
      // Read last was a cancellation of a peer that is gone: subscribe() applies to nobody.
      xpub.subscribe("a");
    } finally {
      closeAll(sub, xpub);
    }
  });

  test("without manual, subscribe() on an XPublisher is EINVAL, as ZMQ_SUBSCRIBE on libzmq's XPUB", () => {
    const xpub = new XPublisher({ linger: 0 });
    try {
      assert.throws(() => xpub.subscribe("a"), { code: "EINVAL" });
    } finally {
      xpub.close();
    }
  });
});

describe("zapEnforceDomain", () => {
  test(
    "with a zapDomain and no ZAP handler, a NULL server fails the handshake (handshake:error:other)",
    T,
    async () => {
      const context = new Context();
      const pull = new Pull({ context, linger: 0, zapDomain: "global", zapEnforceDomain: true });
      const push = new Push({ context, linger: 0 });
      try {
        const failed = new Promise<{ code?: string }>((r) =>
          pull.events.on("handshake:error:other", (e) => r(e.error))
        );
        push.connect(await bindFresh(pull));
        assert.equal((await withTimeout(failed, 5000, "handshake:error:other")).code, "EFAULT");
      } finally {
        closeAll(push, pull);
      }
    },
  );

  test("without it, the same server admits the peer (libzmq 4.3's default)", T, async () => {
    const context = new Context();
    const pull = new Pull({ context, linger: 0, zapDomain: "global" });
    const push = new Push({ context, linger: 0 });
    try {
      const up = new Promise<void>((r) => pull.events.on("handshake", () => r()));
      push.connect(await bindFresh(pull));
      await withTimeout(up, 5000, "handshake");
    } finally {
      closeAll(push, pull);
    }
  });

  test(
    "a CURVE server with it and no zapDomain asks no ZAP handler (encryption without authentication)",
    T,
    async () => {
      const server = curveKeyPair(), client = curveKeyPair();
      const refuseAll = () => ({ statusCode: "400" as const });
      const rep = new Reply({
        linger: 0,
        curveServer: true,
        curveSecretKey: server.secretKey,
        authenticator: refuseAll,
        zapEnforceDomain: true,
      });
      const req = new Request({
        linger: 0,
        curveServerKey: server.publicKey,
        curvePublicKey: client.publicKey,
        curveSecretKey: client.secretKey,
        receiveTimeout: 5000,
      });
      try {
        req.connect(await bindFresh(rep));
        await req.send("hi");
        assert.deepEqual(texts(await withTimeout(rep.receive(), 5000, "request")), ["hi"]);
      } finally {
        closeAll(req, rep);
      }
    },
  );
});
