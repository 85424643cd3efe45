// The libzmq 4.3.5 options of issue 11, each by its observable effect: ROUTER
// notify, helloMessage, disconnectMessage, hiccupMessage, reconnectStop, XPUB
// manualLastValue, onlyFirstSubscribe (XPUB, XSUB), RADIO noDrop,
// multicastLoop and the SOCKS5 username/password (through microsocks), over
// tcp and inproc where they apply, and against libzmq (zeromq.js in a Node
// child process, its draft options set by number).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import dgram, { createSocket } from "node:dgram";
import { networkInterfaces, tmpdir } from "node:os";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { Dealer, Pull, Push, Router, Subscriber, XPublisher, XSubscriber } from "../mod.ts";
import { Client, Dish, Peer, Radio, Server } from "../draft.ts";
import { socksLogin } from "../lib/socks.ts";
import {
  bindFresh,
  bytes,
  closeAll,
  freeTcpAddress,
  nextEvents,
  rejectsWithCode,
  text,
  texts,
  unboundAddress,
  WAIT,
  withTimeout,
} from "./_helpers.ts";
import { type Peer as PeerProcess, startLibzmqPeer } from "./interop/_harness.ts";

const T = { timeout: 20000 };
const TRS = ["tcp", "inproc"] as const;

// Polls a condition (bounded): for states no event announces.
async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what}: not reached`);
}

const recv = (s: { receive(): Promise<Uint8Array[]> }, what: string) => withTimeout(s.receive(), WAIT, what);

for (const tr of TRS) {
  describe(`issue 11 options over ${tr}`, () => {
    test(`ROUTER notify 3: [id, ""] when a peer is connected and when it is gone (${tr})`, T, async () => {
      const router = new Router({ linger: 0, notify: 3 });
      const dealer = new Dealer({ linger: 0, routingId: "d1" });
      try {
        dealer.connect(await bindFresh(router, tr));
        assert.deepEqual(texts(await recv(router, "connect notification")), ["d1", ""]);
        await dealer.send("x");
        assert.deepEqual(texts(await recv(router, "x")), ["d1", "x"]);
        dealer.close();
        assert.deepEqual(texts(await recv(router, "disconnect notification")), ["d1", ""]);
      } finally {
        closeAll(dealer, router);
      }
    });

    test(`ROUTER notify 2 only tells of peers gone; notify 0 of nothing (${tr})`, T, async () => {
      const router = new Router({ linger: 0, notify: 2 });
      const quiet = new Router({ linger: 0 });
      const dealer = new Dealer({ linger: 0, routingId: "d2" });
      const other = new Dealer({ linger: 0, routingId: "d3" });
      try {
        assert.equal(quiet.notify, 0);
        dealer.connect(await bindFresh(router, tr));
        other.connect(await bindFresh(quiet, tr));
        await dealer.send("first");
        assert.deepEqual(texts(await recv(router, "first")), ["d2", "first"]);
        await other.send("first");
        assert.deepEqual(texts(await recv(quiet, "first")), ["d3", "first"]);
        dealer.close();
        other.close();
        assert.deepEqual(texts(await recv(router, "disconnect notification")), ["d2", ""]);
        quiet.receiveTimeout = 200;
        await rejectsWithCode(quiet.receive(), "EAGAIN");
      } finally {
        closeAll(dealer, other, router, quiet);
      }
    });

    test(`ROUTER notify takes libzmq's flags 0 to 3 (${tr})`, () => {
      assert.throws(() => new Router({ notify: 4 }), RangeError);
      assert.throws(() => new Router({ notify: true as unknown as number }), TypeError);
    });

    test(
      `helloMessage: a ROUTER's reaches each new DEALER first; a DEALER's goes before what it queued (${tr})`,
      T,
      async () => {
        const router = new Router({ linger: 0, helloMessage: "welcome" });
        const d1 = new Dealer({ linger: 0 });
        try {
          d1.connect(await bindFresh(router, tr));
          assert.deepEqual(texts(await recv(d1, "hello")), ["welcome"]);
        } finally {
          closeAll(d1, router);
        }
        // The DEALER connects before the ROUTER binds, queues, and its hello still comes first.
        const address = await unboundAddress(tr);
        const dealer = new Dealer({ linger: 0, routingId: "dd", helloMessage: bytes("hi") });
        const late = new Router({ linger: 0 });
        try {
          dealer.connect(address);
          await dealer.send("queued");
          await late.bind(address);
          assert.deepEqual(texts(await recv(late, "hello")), ["dd", "hi"]);
          assert.deepEqual(texts(await recv(late, "queued")), ["dd", "queued"]);
        } finally {
          closeAll(dealer, late);
        }
      },
    );

    test(`disconnectMessage: a ROUTER receives it from an accepted peer that is gone (${tr})`, T, async () => {
      const router = new Router({ linger: 0, disconnectMessage: "bye" });
      const dealer = new Dealer({ linger: 0, routingId: "d4" });
      try {
        dealer.connect(await bindFresh(router, tr));
        await dealer.send("x");
        assert.deepEqual(texts(await recv(router, "x")), ["d4", "x"]);
        dealer.close();
        assert.deepEqual(texts(await recv(router, "disconnect message")), ["d4", "bye"]);
      } finally {
        closeAll(dealer, router);
      }
    });

    test(`disconnectMessage on SERVER and PEER, hiccupMessage on CLIENT (${tr})`, T, async () => {
      const server = new Server({ linger: 0, disconnectMessage: "gone" });
      const client = new Client({ linger: 0, hiccupMessage: "hiccup" });
      const peer = new Peer({ linger: 0, disconnectMessage: "left" });
      const other = new Peer({ linger: 0 });
      try {
        client.connect(await bindFresh(server, tr));
        await client.send("hi");
        const [m, { routingId }] = await withTimeout(server.receive(), WAIT, "hi");
        assert.equal(text(m), "hi");
        const toPeer = other.connectPeer(await bindFresh(peer, tr));
        await other.send("p", { routingId: toPeer });
        const [p, from] = await withTimeout(peer.receive(), WAIT, "p");
        assert.equal(text(p), "p");
        client.close();
        const [g, r] = await withTimeout(server.receive(), WAIT, "disconnect message");
        assert.equal(text(g), "gone");
        assert.equal(r.routingId, routingId);
        other.close();
        const [l, r2] = await withTimeout(peer.receive(), WAIT, "peer's disconnect message");
        assert.equal(text(l), "left");
        assert.equal(r2.routingId, from.routingId);
      } finally {
        closeAll(client, server, peer, other);
      }
    });

    test(`hiccupMessage: a DEALER receives it when its connect()ed peer is gone (${tr})`, T, async () => {
      const router = new Router({ linger: 0 });
      const dealer = new Dealer({ linger: 0, routingId: "d5", hiccupMessage: "hiccup" });
      try {
        dealer.connect(await bindFresh(router, tr));
        await dealer.send("x");
        await recv(router, "x");
        router.close();
        assert.deepEqual(texts(await recv(dealer, "hiccup message")), ["hiccup"]);
      } finally {
        closeAll(dealer, router);
      }
    });

    test(`XPUB manualLastValue: the send after reading a subscription goes to its peer only (${tr})`, T, async () => {
      const xpub = new XPublisher({ linger: 0, manualLastValue: true });
      const s1 = new Subscriber({ linger: 0 });
      const s2 = new Subscriber({ linger: 0 });
      try {
        const address = await bindFresh(xpub, tr);
        s1.connect(address);
        s1.subscribe("t");
        assert.deepEqual(texts(await recv(xpub, "s1's subscription")), ["\x01t"]);
        xpub.subscribe("t");
        await xpub.send(["t", "last for s1"]);
        assert.deepEqual(texts(await recv(s1, "s1's last value")), ["t", "last for s1"]);
        s2.connect(address);
        s2.subscribe("t");
        assert.deepEqual(texts(await recv(xpub, "s2's subscription")), ["\x01t"]);
        xpub.subscribe("t");
        await xpub.send(["t", "last for s2"]);
        await xpub.send(["t", "for all"]);
        assert.deepEqual(texts(await recv(s2, "s2's last value")), ["t", "last for s2"]);
        assert.deepEqual(texts(await recv(s2, "s2: for all")), ["t", "for all"]);
        // s1 never got s2's last value: the next message on its pipe is the one for all.
        assert.deepEqual(texts(await recv(s1, "s1: for all")), ["t", "for all"]);
      } finally {
        closeAll(s1, s2, xpub);
      }
    });

    test(
      `onlyFirstSubscribe: multi-part messages pass whole unless their first frame subscribes (${tr})`,
      T,
      async () => {
        const xpub = new XPublisher({ linger: 0 });
        const only = new XPublisher({ linger: 0, onlyFirstSubscribe: true });
        const xsub = new XSubscriber({ linger: 0 });
        const xsubOnly = new XSubscriber({ linger: 0, onlyFirstSubscribe: true });
        try {
          xsub.connect(await bindFresh(xpub, tr));
          xsubOnly.connect(await bindFresh(only, tr));
          // As libzmq: without the option, each frame that starts with 1 is a subscription.
          await xsub.send(["data", "\x01x"]);
          assert.deepEqual(texts(await recv(xpub, "data")), ["data"]);
          assert.deepEqual(texts(await recv(xpub, "subscription")), ["\x01x"]);
          await xsubOnly.send(["data", "\x01x"]);
          assert.deepEqual(texts(await recv(only, "whole")), ["data", "\x01x"]);
          // A first frame that subscribes makes the others subscriptions too.
          await xsubOnly.send(["\x01a", "\x01b"]);
          assert.deepEqual(texts(await recv(only, "a")), ["\x01a"]);
          assert.deepEqual(texts(await recv(only, "b")), ["\x01b"]);
          // XSUB: without the option, a later frame cancelling nothing subscribed is dropped.
          await xsub.send(["data", "\x00nope"]);
          await xsub.send(["end"]);
          assert.deepEqual(texts(await recv(xpub, "data without the frame")), ["data"]);
          assert.deepEqual(texts(await recv(xpub, "end")), ["end"]);
          await xsubOnly.send(["data", "\x00nope"]);
          assert.deepEqual(texts(await recv(only, "data with the frame")), ["data", "\x00nope"]);
        } finally {
          closeAll(xsub, xsubOnly, xpub, only);
        }
      },
    );

    test(`RADIO noDrop: a send waits (EAGAIN with sendTimeout 0) while a dish is at its HWM (${tr})`, T, async () => {
      for (const noDrop of [true, false]) {
        const dish = new Dish({ linger: 0, receiveHighWaterMark: 1, receiveTimeout: 50 });
        const radio = new Radio({ linger: 0, noDrop, sendHighWaterMark: 1, sendTimeout: 0 });
        try {
          radio.connect(await bindFresh(dish, tr));
          dish.join("g");
          // Until the JOIN has reached the radio.
          for (let i = 0;; i++) {
            assert.ok(i < 200, "the JOIN arrived");
            await radio.send("sync", { group: "g" }).catch(() => {});
            if (await dish.receive().then(() => true, () => false)) break;
          }
          const big = new Uint8Array(65536);
          let blocked = false;
          for (let i = 0; i < 2000 && !blocked; i++) {
            await radio.send(big, { group: "g" }).catch((e) => {
              assert.equal(e.code, "EAGAIN");
              blocked = true;
            });
          }
          assert.equal(blocked, noDrop, `noDrop ${noDrop}`);
        } finally {
          closeAll(radio, dish);
        }
      }
    });
  });
}

describe("reconnectStop", () => {
  test("1 (conn-refused): a refused connect()ed endpoint is given up, its pipe and queue go", T, async () => {
    const address = await freeTcpAddress();
    const stop = new Push({ linger: 0, reconnectInterval: 10, reconnectStop: 1 });
    const keep = new Push({ linger: 0, reconnectInterval: 10 });
    try {
      const retries = nextEvents(keep, "connect:retry", 3);
      stop.connect(address);
      keep.connect(address);
      await stop.send("queued");
      await until("the endpoint given up", () => !stop.writable);
      await withTimeout(retries, WAIT, "the default keeps trying");
      assert.equal(keep.writable, true);
    } finally {
      closeAll(stop, keep);
    }
  });

  test("2 (handshake-failed): a peer that hangs up in the handshake ends the endpoint", T, async () => {
    let accepted = 0;
    const server = net.createServer((c) => {
      accepted++;
      c.destroy();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const stop = new Push({ linger: 0, reconnectInterval: 10, reconnectStop: 2 });
    const keep = new Push({ linger: 0, reconnectInterval: 10 });
    try {
      stop.connect(address);
      await until("the endpoint given up", () => !stop.writable);
      const retries = nextEvents(keep, "connect:retry", 3);
      keep.connect(address);
      await withTimeout(retries, WAIT, "the default reconnects after a hang-up in the handshake");
      assert.equal(keep.writable, true);
      assert.ok(accepted >= 4, `${accepted} connections`);
    } finally {
      closeAll(stop, keep);
      await new Promise((r) => server.close(r));
    }
  });

  test("a refused handshake ends the endpoint without any flag (libzmq's default)", T, async () => {
    const router = new Router({ linger: 0 });
    const push = new Push({ linger: 0, reconnectInterval: 10 });
    try {
      const refused = nextEvents(push, "handshake:error:protocol");
      push.connect(await bindFresh(router, "tcp"));
      await withTimeout(refused, WAIT, "the refusal");
      await until("the endpoint given up", () => !push.writable);
    } finally {
      closeAll(push, router);
    }
  });

  test("4 (after-disconnect): once disconnect() was called, a refused ipc endpoint is given up", T, async () => {
    // A socket file nothing listens on: connecting to it is ECONNREFUSED.
    const path = join(tmpdir(), `zmtp-o11-${process.pid}-${Date.now()}.sock`);
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(path, r));
    await new Promise((r) => server.close(r));
    if (!existsSync(path)) writeFileSync(path, "");
    const stop = new Push({ linger: 0, reconnectInterval: 10, reconnectStop: 4 });
    try {
      const retries = nextEvents(stop, "connect:retry", 3);
      stop.connect(`ipc://${path}`);
      stop.connect("inproc://o11-after-disconnect");
      // Before any disconnect() it keeps trying.
      await withTimeout(retries, WAIT, "retries before disconnect()");
      stop.disconnect("inproc://o11-after-disconnect");
      assert.equal(stop.writable, true);
      await until("the ipc endpoint given up", () => !stop.writable);
    } finally {
      stop.close();
      rmSync(path, { force: true });
    }
  });

  test("takes the flags 0 to 7", () => {
    assert.throws(() => new Push({ reconnectStop: 8 }), RangeError);
    assert.equal(new Push({ reconnectStop: 7, linger: 0 }).reconnectStop, 7);
  });
});

// Multicast on loopback is the kernel's call: find out once, skip with the reason.
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

// A multicast sender's TTL and loopback are socket options the runtime
// takes from node:dgram's calls: record them.
function spyDgram(): { calls: [string, unknown][]; restore(): void } {
  const proto = dgram.Socket.prototype as unknown as Record<string, (v: unknown) => unknown>;
  const calls: [string, unknown][] = [];
  const saved = { ttl: proto.setMulticastTTL, loop: proto.setMulticastLoopback };
  proto.setMulticastTTL = function (this: unknown, v: unknown) {
    calls.push(["ttl", v]);
    return saved.ttl.call(this, v);
  };
  proto.setMulticastLoopback = function (this: unknown, v: unknown) {
    calls.push(["loop", v]);
    return saved.loop.call(this, v);
  };
  return {
    calls,
    restore() {
      proto.setMulticastTTL = saved.ttl;
      proto.setMulticastLoopback = saved.loop;
    },
  };
}

// An address of a non-loopback IPv4 interface: on loopback every multicast
// datagram comes back in anyway, whatever IP_MULTICAST_LOOP says.
const outside = Object.values(networkInterfaces()).flat().find((a) => a && !a.internal && a.family === "IPv4")?.address;

describe("udp multicast", () => {
  test("multicastHops and multicastLoop reach the runtime's udp socket", T, async (t) => {
    const ep = `udp://127.0.0.1;239.192.79.${1 + Math.floor(Math.random() * 250)}:${await freeUdpPort()}`;
    const spy = spyDgram();
    const radio = new Radio({ linger: 0, multicastLoop: false, multicastHops: 7 });
    const plain = new Radio({ linger: 0 });
    try {
      radio.connect(ep);
      plain.connect(ep);
      try {
        await radio.send("x", { group: "g" });
        await plain.send("x", { group: "g" });
      } catch (e) {
        t.skip(`multicast is refused here: ${(e as Error).message}`);
        return;
      }
      await until("both sockets made", () => spy.calls.length >= 4);
      assert.deepEqual(spy.calls.filter(([k]) => k === "ttl").map(([, v]) => v).sort(), [1, 7]);
      assert.deepEqual(spy.calls.filter(([k]) => k === "loop").map(([, v]) => v).sort(), [false, true]);
    } finally {
      spy.restore();
      closeAll(radio, plain);
    }
  });

  test("multicastLoop false: what this radio sends is not looped back to a dish on this host", {
    ...T,
    skip: outside === undefined && "needs a non-loopback IPv4 interface",
  }, async (t) => {
    const ep = `udp://${outside};239.192.79.${1 + Math.floor(Math.random() * 250)}:${await freeUdpPort()}`;
    const dish = new Dish({ linger: 0, receiveTimeout: 50 });
    const silent = new Radio({ linger: 0, multicastLoop: false });
    const loud = new Radio({ linger: 0 });
    try {
      try {
        await dish.bind(ep);
      } catch (e) {
        t.skip(`multicast is refused here: ${(e as Error).message}`);
        return;
      }
      dish.join("g");
      silent.connect(ep);
      loud.connect(ep);
      // Each round: the silent radio first, then the loud one; only the loud one's arrive.
      const got: string[] = [];
      for (let i = 0; i < 100 && !got.includes("loud"); i++) {
        await silent.send("silent", { group: "g" });
        await loud.send("loud", { group: "g" });
        for (;;) {
          const m = await dish.receive().catch(() => null);
          if (m === null) break;
          got.push(text(m[0]));
        }
      }
      if (!got.includes("loud")) {
        t.skip(`multicast on ${outside} is not looped back on this machine`);
        return;
      }
      assert.deepEqual([...new Set(got)], ["loud"]);
    } finally {
      closeAll(silent, loud, dish);
    }
  });
});

function hasTool(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("SOCKS5 username/password (RFC 1929)", () => {
  test("socksLogin bytes, and its limits", () => {
    assert.deepEqual(socksLogin("u", "pw"), Uint8Array.of(1, 1, 0x75, 2, 0x70, 0x77));
    assert.throws(() => socksLogin("", "x"), /1 to 255 bytes/);
    assert.throws(() => socksLogin("u", "x".repeat(256)), /1 to 255 bytes/);
  });

  test("through microsocks -u user -P pass: the right password connects, a wrong one is refused", {
    ...T,
    skip: !hasTool("microsocks") && "needs microsocks",
  }, async () => {
    const port = Number((await freeTcpAddress()).split(":").pop());
    const proc: ChildProcess = spawn(
      "microsocks",
      ["-i", "127.0.0.1", "-p", String(port), "-u", "user", "-P", "pass"],
      {
        stdio: "ignore",
      },
    );
    const proxy = `127.0.0.1:${port}`;
    const pull = new Pull({ linger: 0 });
    const good = new Push({ linger: 0, socksProxy: proxy, socksUsername: "user", socksPassword: "pass" });
    const bad = new Push({ linger: 0, socksProxy: proxy, socksUsername: "user", socksPassword: "wrong" });
    const none = new Push({ linger: 0, socksProxy: proxy });
    try {
      for (let i = 0;; i++) {
        assert.ok(i < 200, "microsocks started");
        const up = await new Promise<boolean>((r) => {
          const c = net.createConnection({ host: "127.0.0.1", port }, () => {
            c.destroy();
            r(true);
          });
          c.on("error", () => r(false));
        });
        if (up) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await pull.bind("tcp://127.0.0.1:0");
      let served = 0;
      pull.events.on("handshake", () => served++);
      const badRetry = nextEvents(bad, "connect:retry");
      const noneRetry = nextEvents(none, "connect:retry");
      bad.connect(pull.lastEndpoint!);
      none.connect(pull.lastEndpoint!);
      await withTimeout(Promise.all([badRetry, noneRetry]), WAIT, "the refusals");
      good.connect(pull.lastEndpoint!);
      await good.send("through");
      assert.deepEqual(texts(await recv(pull, "through the proxy")), ["through"]);
      assert.equal(served, 1, "only the right password got through");
    } finally {
      closeAll(good, bad, none, pull);
      proc.kill();
      await new Promise((r) => proc.once("exit", r));
    }
  });
});

// libzmq's numbers for the draft options (include/zmq.h).
const ZMQ_ROUTER_NOTIFY = 97, ZMQ_HELLO_MSG = 110, ZMQ_DISCONNECT_MSG = 111;
const b64 = (s: string) => btoa(s);
const unb64 = (m: unknown) => (m as string[]).map((f) => text(Uint8Array.from(atob(f), (c) => c.charCodeAt(0))));

describe("against libzmq 4.3.5 (zeromq.js, draft options by number)", () => {
  async function withPeer(fn: (p: PeerProcess) => Promise<void>): Promise<void> {
    const p = await startLibzmqPeer();
    try {
      await fn(p);
    } finally {
      await p.stop();
    }
  }
  const newSock = async (p: PeerProcess, type: string, options: Record<string, unknown> = {}) =>
    (await p.request("new", { type, options: { receiveTimeout: 4000, ...options } })).sock as number;

  test(
    "ROUTER notify: ours and libzmq's give the same [id, ''] on connect and on disconnect",
    T,
    () =>
      withPeer(async (p) => {
        // libzmq's ROUTER, our DEALER.
        const lr = await newSock(p, "Router");
        await p.request("rawOption", { sock: lr, option: ZMQ_ROUTER_NOTIFY, int: 3 });
        const { endpoint } = await p.request("bind", { sock: lr, endpoint: "tcp://127.0.0.1:*" });
        const dealer = new Dealer({ linger: 0, routingId: "ours" });
        dealer.connect(endpoint as string);
        const theirs: string[][] = [unb64((await p.request("recv", { sock: lr })).msg)];
        dealer.close();
        theirs.push(unb64((await p.request("recv", { sock: lr })).msg));
        // Our ROUTER, libzmq's DEALER.
        const router = new Router({ linger: 0, notify: 3 });
        try {
          const ld = await newSock(p, "Dealer", { routingId: "ours" });
          await p.request("connect", { sock: ld, endpoint: await bindFresh(router, "tcp") });
          const mine: string[][] = [texts(await recv(router, "connect notification"))];
          await p.request("close", { sock: ld });
          mine.push(texts(await recv(router, "disconnect notification")));
          assert.deepEqual(theirs, [["ours", ""], ["ours", ""]]);
          assert.deepEqual(mine, theirs);
        } finally {
          router.close();
        }
      }),
  );

  test(
    "helloMessage both ways: libzmq's ROUTER greets our DEALER, our DEALER's hello reaches libzmq's ROUTER",
    T,
    () =>
      withPeer(async (p) => {
        const lr = await newSock(p, "Router");
        await p.request("rawOption", { sock: lr, option: ZMQ_HELLO_MSG, string: "from libzmq" });
        const { endpoint } = await p.request("bind", { sock: lr, endpoint: "tcp://127.0.0.1:*" });
        const dealer = new Dealer({ linger: 0, routingId: "d", helloMessage: "from us" });
        try {
          dealer.connect(endpoint as string);
          assert.deepEqual(texts(await recv(dealer, "libzmq's hello")), ["from libzmq"]);
          assert.deepEqual(unb64((await p.request("recv", { sock: lr })).msg), ["d", "from us"]);
        } finally {
          dealer.close();
        }
        // Our ROUTER's hello to libzmq's DEALER.
        const router = new Router({ linger: 0, helloMessage: "hello dealer" });
        try {
          const ld = await newSock(p, "Dealer");
          await p.request("connect", { sock: ld, endpoint: await bindFresh(router, "tcp") });
          assert.deepEqual(unb64((await p.request("recv", { sock: ld })).msg), ["hello dealer"]);
        } finally {
          router.close();
        }
      }),
  );

  test(
    "disconnectMessage: libzmq's ROUTER and ours deliver it alike when a DEALER goes",
    T,
    () =>
      withPeer(async (p) => {
        const lr = await newSock(p, "Router");
        await p.request("rawOption", { sock: lr, option: ZMQ_DISCONNECT_MSG, string: "bye" });
        const { endpoint } = await p.request("bind", { sock: lr, endpoint: "tcp://127.0.0.1:*" });
        const dealer = new Dealer({ linger: 0, routingId: "d" });
        dealer.connect(endpoint as string);
        await dealer.send("x");
        const theirs = [unb64((await p.request("recv", { sock: lr })).msg)];
        dealer.close();
        theirs.push(unb64((await p.request("recv", { sock: lr })).msg));
        const router = new Router({ linger: 0, disconnectMessage: "bye" });
        try {
          const ld = await newSock(p, "Dealer", { routingId: "d" });
          await p.request("connect", { sock: ld, endpoint: await bindFresh(router, "tcp") });
          await p.request("send", { sock: ld, msg: [b64("x")] });
          const mine = [texts(await recv(router, "x"))];
          await p.request("close", { sock: ld });
          mine.push(texts(await recv(router, "disconnect message")));
          assert.deepEqual(theirs, [["d", "x"], ["d", "bye"]]);
          assert.deepEqual(mine, theirs);
        } finally {
          router.close();
        }
      }),
  );
});
