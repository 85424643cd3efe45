// Proxy (zmq_proxy): a ROUTER/DEALER broker and an XSUB/XPUB forwarder.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Dealer, Proxy, Publisher, Reply, Request, Router, Subscriber, XPublisher, XSubscriber } from "../mod.ts";
import { bindFresh, closeAll, texts, WAIT, withTimeout } from "./_helpers.ts";

const T = { timeout: 15000 };

test("Proxy(Router, Dealer) brokers REQ clients to REP workers, and terminate() ends run()", T, async () => {
  const proxy = new Proxy(new Router({ linger: 0 }), new Dealer({ linger: 0 }));
  const front = await bindFresh(proxy.frontEnd, "tcp");
  const back = await bindFresh(proxy.backEnd, "tcp");
  const running = proxy.run();
  const workers = [new Reply({ linger: 0 }), new Reply({ linger: 0 })];
  const clients = [new Request({ linger: 0 }), new Request({ linger: 0 }), new Request({ linger: 0 })];
  try {
    workers.forEach((w, i) => {
      w.connect(back);
      (async () => {
        for await (const [m] of w) await w.send(`worker ${i}: ${new TextDecoder().decode(m)}`);
      })().catch(() => {});
    });
    for (const c of clients) c.connect(front);
    const replies = await withTimeout(
      Promise.all(clients.map(async (c, i) => {
        const got: string[] = [];
        for (let k = 0; k < 3; k++) {
          await c.send(`c${i}.${k}`);
          got.push(texts(await c.receive())[0]);
        }
        return got;
      })),
      10000,
      "requests through the proxy",
    );
    for (const [i, got] of replies.entries()) {
      assert.equal(got.length, 3);
      for (const [k, r] of got.entries()) assert.match(r, new RegExp(`^worker [01]: c${i}\\.${k}$`));
    }
    proxy.terminate();
    await withTimeout(running, 5000, "run() after terminate()");
    assert.equal(proxy.frontEnd.closed, true);
    assert.equal(proxy.backEnd.closed, true);
  } finally {
    // Not terminate(): after termination it throws EBADF, as zeromq.js's.
    closeAll(proxy.frontEnd, proxy.backEnd, ...workers, ...clients);
  }
});

test("Proxy(XSubscriber, XPublisher) forwards subscriptions up and messages down", T, async () => {
  const proxy = new Proxy(new XSubscriber({ linger: 0 }), new XPublisher({ linger: 0 }));
  const pub = new Publisher({ linger: 0 });
  const sub = new Subscriber({ linger: 0 });
  try {
    const pubEp = await bindFresh(pub, "tcp");
    proxy.frontEnd.connect(pubEp);
    const out = await bindFresh(proxy.backEnd, "tcp");
    const running = proxy.run();
    sub.connect(out);
    sub.subscribe("weather");
    // The subscription travels SUB → XPUB → XSUB → PUB; until it is in, the
    // PUB drops everything: publish until a message gets through.
    sub.receiveTimeout = 20;
    const end = Date.now() + WAIT;
    for (;;) {
      await pub.send(["sports", "no"]);
      await pub.send(["weather", "sunny"]);
      try {
        assert.deepEqual(texts(await sub.receive()), ["weather", "sunny"]);
        break;
      } catch (e) {
        if ((e as { code?: string }).code !== "EAGAIN" || Date.now() > end) throw e;
      }
    }
    proxy.terminate();
    await withTimeout(running, 5000, "run() after terminate()");
  } finally {
    closeAll(proxy.frontEnd, proxy.backEnd, pub, sub);
  }
});

// zeromq.js's Proxy errors: EINVAL from run() for a socket neither bound nor
// connected (or closed), EBADF from terminate(), pause() and resume() when
// the proxy is not running.
test(
  "run() throws EINVAL for a socket neither bound nor connected; terminate() throws EBADF unless running",
  T,
  async () => {
    const ROWS: [string, (p: Proxy<Router, Dealer>) => Promise<void>, string][] = [
      [
        "front end not bound",
        async (p) => void await bindFresh(p.backEnd, "inproc"),
        "Front-end socket must be bound or connected",
      ],
      [
        "back end not bound",
        async (p) => void await bindFresh(p.frontEnd, "inproc"),
        "Back-end socket must be bound or connected",
      ],
      ["back end closed", async (p) => {
        await bindFresh(p.frontEnd, "inproc");
        await bindFresh(p.backEnd, "inproc");
        p.backEnd.close();
      }, "Back-end socket must be bound or connected"],
    ];
    for (const [name, setUp, message] of ROWS) {
      const proxy = new Proxy(new Router({ linger: 0 }), new Dealer({ linger: 0 }));
      try {
        await setUp(proxy);
        assert.throws(() => proxy.run(), { code: "EINVAL", errno: 22, message }, name);
      } finally {
        closeAll(proxy.frontEnd, proxy.backEnd);
      }
    }
    const proxy = new Proxy(new Router({ linger: 0 }), new Dealer({ linger: 0 }));
    try {
      await bindFresh(proxy.frontEnd, "inproc");
      await bindFresh(proxy.backEnd, "inproc");
      for (const act of [() => proxy.terminate(), () => proxy.pause(), () => proxy.resume()]) {
        assert.throws(act, { code: "EBADF", message: "Socket is closed" }, "before run()");
      }
      const running = proxy.run();
      proxy.pause();
      proxy.resume();
      proxy.terminate();
      await withTimeout(running, 5000, "run() after terminate()");
      assert.throws(() => proxy.terminate(), { code: "EBADF" }, "after termination");
    } finally {
      closeAll(proxy.frontEnd, proxy.backEnd);
    }
  },
);
