// RADIO and DISH (RFC 48) between our own sockets over udp:// (unicast, and
// multicast on loopback when the kernel delivers it), tcp, ipc and inproc;
// the ZMTP wire form (JOIN/LEAVE commands, group and body frames, RFC 37
// §"The Radio-Dish Pattern") against raw peers; the datagram layout and
// what a DISH does with garbage; and the argument and transport errors.

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createSocket } from "node:dgram";
import { networkInterfaces } from "node:os";
import { describe, test } from "node:test";
import { Dish, type DishMessage, type EventOfType, Push, Radio, type ZmqError } from "../mod.ts";
import { decodeDatagram, encodeDatagram, MAX_DATAGRAM, udpTarget } from "../lib/udp.ts";
import { parseEndpoint } from "../lib/endpoint.ts";
import {
  bytes,
  concat,
  F_COMMAND,
  F_MORE,
  rawAcceptHandshake,
  rawCommand,
  rawFrame,
  RawPeer,
  RawServer,
  settle,
  text,
  withTimeout,
} from "./_helpers.ts";

const T = { timeout: 15000 };
let uniq = 0;

/** The message with its group as text: [group, body]. */
function show(m: DishMessage): [string, string] {
  return [text(m[1].group), text(m[0])];
}

/** Receives until `n` messages came or the socket's receiveTimeout passes. */
async function drain(dish: Dish, n = Infinity): Promise<[string, string][]> {
  const got: [string, string][] = [];
  while (got.length < n) {
    try {
      got.push(show(await dish.receive()));
    } catch (e) {
      if ((e as ZmqError).code === "EAGAIN") break;
      throw e;
    }
  }
  return got;
}

/**
 * Sends `rounds` until the dish got a message of `until` (joins travel
 * asynchronously over tcp/ipc/inproc); returns all it received, in order.
 */
async function pump(radio: Radio, dish: Dish, round: [string, string][], until: string): Promise<[string, string][]> {
  const got: [string, string][] = [];
  const saved = dish.receiveTimeout;
  dish.receiveTimeout = 20;
  try {
    for (let i = 0; i < 200 && !got.some(([g]) => g === until); i++) {
      for (const [g, b] of round) await radio.send(b, { group: g });
      got.push(...await drain(dish));
    }
  } finally {
    dish.receiveTimeout = saved;
  }
  return got;
}

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

/** Sends raw datagrams to 127.0.0.1:port. */
async function sendRaw(port: number, datagrams: Uint8Array[]): Promise<void> {
  const s = createSocket("udp4");
  try {
    for (const d of datagrams) {
      await new Promise<void>((res, rej) => s.send(d, port, "127.0.0.1", (e) => e ? rej(e) : res()));
    }
  } finally {
    s.close();
  }
}

const portOf = (ep: string) => Number(/:(\d+)$/.exec(ep)![1]);

// Multicast on loopback is the kernel's call: find out once, skip with the reason.
const loopbackName = Object.entries(networkInterfaces()).find(([, as]) =>
  as?.some((a) => a.internal && a.family === "IPv4")
)?.[0];
async function multicastEndpoint(iface = "127.0.0.1"): Promise<string> {
  return `udp://${iface};239.192.78.${1 + (uniq++ % 250)}:${await freeUdpPort()}`;
}
async function multicastProblem(): Promise<string | undefined> {
  const dish = new Dish({ receiveTimeout: 100 });
  const radio = new Radio({ linger: 0 });
  try {
    await dish.bind(await multicastEndpoint());
    dish.join("probe");
    radio.connect(dish.lastEndpoint!);
    for (let i = 0; i < 10; i++) {
      await radio.send("x", { group: "probe" });
      if ((await drain(dish, 1)).length === 1) return undefined;
    }
    return "multicast to 239.192.78.0/24 on 127.0.0.1 delivers nothing on this machine";
  } catch (e) {
    return `multicast is refused here: ${(e as Error).message}`;
  } finally {
    radio.close();
    dish.close();
  }
}
const NO_MULTICAST = await multicastProblem();

const BIND: Record<string, () => string | Promise<string>> = {
  udp: () => "udp://127.0.0.1:*",
  tcp: () => "tcp://127.0.0.1:*",
  ipc: () => "ipc://*",
  inproc: () => `inproc://radio-dish-${Date.now().toString(36)}-${++uniq}`,
  "udp multicast": () => multicastEndpoint(),
};

describe("Radio → Dish on each transport", () => {
  for (const [name, bind] of Object.entries(BIND)) {
    const skip = name === "udp multicast" ? NO_MULTICAST : undefined;
    test(
      `Dish.receive() over ${name} gets only joined groups, with the group, and not after leave()`,
      { ...T, skip },
      async () => {
        const dish = new Dish({ receiveTimeout: 1000 });
        const radio = new Radio({ linger: 0 });
        try {
          await dish.bind(await bind());
          dish.join("news", "");
          radio.connect(dish.lastEndpoint!);
          const round: [string, string][] = [["sport", "s"], ["news", "n"], ["", "empty group"], [
            "new",
            "prefix is not a match",
          ]];
          const got = await withTimeout(pump(radio, dish, round, "news"), 10000, "first news");
          for (const [g] of got) assert.ok(g === "news" || g === "", `got group "${g}"`);
          assert.ok(got.some(([g, b]) => g === "news" && b === "n"));

          // Binary bodies and groups arrive intact.
          const body = new Uint8Array([0, 255, 1, 254]);
          await radio.send(body, { group: "news" });
          for (;;) {
            const [b, { group }] = await dish.receive();
            if (b.length === 4) {
              assert.deepEqual([...b], [...body]);
              assert.ok(Buffer.isBuffer(b) && Buffer.isBuffer(group), "received frames are Buffers (lib/frames.ts)");
              assert.equal(text(group), "news");
              break;
            }
          }

          dish.leave("news");
          await settle(50);
          for (let i = 0; i < 3; i++) for (const [g, b] of round) await radio.send(b, { group: g });
          dish.receiveTimeout = 150;
          for (const [g] of await drain(dish)) assert.equal(g, "", "a message of a group left arrived");
        } finally {
          radio.close();
          dish.close();
        }
      },
    );
  }

  test("Dish and Radio over tcp: two dishes, each gets only its own group", T, async () => {
    const radio = new Radio({ linger: 0 });
    const a = new Dish({ receiveTimeout: 20 }), b = new Dish({ receiveTimeout: 20 });
    try {
      await radio.bind("tcp://127.0.0.1:*");
      a.connect(radio.lastEndpoint!);
      b.connect(radio.lastEndpoint!);
      a.join("A");
      b.join("B");
      const gotA: string[] = [], gotB: string[] = [];
      await withTimeout(
        (async () => {
          while (!gotA.includes("A") || !gotB.includes("B")) {
            await radio.send("x", { group: "A" });
            await radio.send("y", { group: "B" });
            gotA.push(...(await drain(a)).map(([g]) => g));
            gotB.push(...(await drain(b)).map(([g]) => g));
          }
        })(),
        10000,
        "both dishes",
      );
      assert.deepEqual([...new Set(gotA)], ["A"]);
      assert.deepEqual([...new Set(gotB)], ["B"]);
    } finally {
      radio.close();
      a.close();
      b.close();
    }
  });

  test("Radio over udp keeps the order of 100 messages and resolves every send at once", T, async () => {
    const dish = new Dish({ receiveTimeout: 2000 });
    const radio = new Radio({ linger: 0 });
    try {
      await dish.bind("udp://127.0.0.1:*");
      dish.join("seq");
      radio.connect(dish.lastEndpoint!);
      for (let i = 0; i < 100; i++) {
        await radio.send(String(i), { group: "seq" });
        if (i % 10 === 9) await settle(5); // stay well inside the kernel's receive buffer
      }
      const got = (await drain(dish, 100)).map(([, b]) => Number(b));
      assert.deepEqual(got, [...Array(100).keys()]);
    } finally {
      radio.close();
      dish.close();
    }
  });

  test(
    "Radio drops (never waits) at the HWM: inproc with sendHighWaterMark 5 and receiveHighWaterMark 5",
    T,
    async () => {
      const name = `inproc://radio-hwm-${++uniq}`;
      const dish = new Dish({ receiveHighWaterMark: 5, receiveTimeout: 100 });
      const radio = new Radio({ linger: 0, sendHighWaterMark: 5 });
      try {
        await dish.bind(name);
        dish.join("g");
        radio.connect(name);
        await withTimeout(pump(radio, dish, [["g", "sync"]], "g"), 5000, "join");
        await drain(dish);
        const sends: Promise<void>[] = [];
        for (let i = 0; i < 100; i++) sends.push(radio.send(String(i), { group: "g" }));
        await withTimeout(Promise.all(sends), 1000, "sends at the HWM");
        const got = (await drain(dish)).map(([, b]) => b);
        // An inproc pipe holds the sender's sndhwm plus the receiver's rcvhwm, as in libzmq.
        assert.deepEqual(got, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
      } finally {
        radio.close();
        dish.close();
      }
    },
  );

  test("Dish over udp by interface name (the loopback's) and a multicast group", {
    ...T,
    skip: NO_MULTICAST ?? (loopbackName ? undefined : "no loopback interface found"),
  }, async () => {
    const dish = new Dish({ receiveTimeout: 100 });
    const radio = new Radio({ linger: 0 });
    try {
      await dish.bind(await multicastEndpoint(loopbackName));
      dish.join("lo");
      radio.connect(dish.lastEndpoint!);
      const got = await withTimeout(pump(radio, dish, [["lo", "via name"]], "lo"), 5000, "multicast by name");
      assert.deepEqual(got[0], ["lo", "via name"]);
    } finally {
      radio.close();
      dish.close();
    }
  });

  test("Dish bound to udp://127.0.0.1:* reports the port; udp://*:port binds every address", T, async () => {
    const a = new Dish(), b = new Dish({ receiveTimeout: 2000 });
    const radio = new Radio({ linger: 0 });
    try {
      await a.bind("udp://127.0.0.1:*");
      assert.match(a.lastEndpoint!, /^udp:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(portOf(a.lastEndpoint!), 0);
      const port = await freeUdpPort();
      await b.bind(`udp://*:${port}`);
      assert.equal(b.lastEndpoint, `udp://*:${port}`);
      b.join("any");
      radio.connect(`udp://127.0.0.1:${port}`);
      await radio.send("hi", { group: "any" });
      assert.deepEqual(show(await b.receive()), ["any", "hi"]);
    } finally {
      radio.close();
      a.close();
      b.close();
    }
  });
});

describe("RADIO/DISH on the wire (ZMTP 3.1, RFC 37)", () => {
  const JOIN = (g: string) => rawFrame(F_COMMAND, rawCommand("JOIN", bytes(g)));
  const LEAVE = (g: string) => rawFrame(F_COMMAND, rawCommand("LEAVE", bytes(g)));

  test("Dish sends JOIN/LEAVE commands, and all its groups again after a reconnect", T, async () => {
    const server = await RawServer.listen();
    const dish = new Dish({ reconnectInterval: 20 });
    try {
      dish.join("one", "two");
      dish.connect(server.endpoint);
      let peer = await server.accept();
      await rawAcceptHandshake(peer, "RADIO");
      const expect = async (frame: Uint8Array) => {
        const f = await peer.readFrame();
        assert.deepEqual([...rawFrame(f.flags, f.body)], [...frame], `expected ${text(frame.subarray(3))}`);
      };
      await expect(JOIN("one"));
      await expect(JOIN("two"));
      dish.leave("one");
      await expect(LEAVE("one"));
      dish.join("three");
      await expect(JOIN("three"));
      peer.destroy();
      peer = await server.accept();
      await rawAcceptHandshake(peer, "RADIO");
      await expect(JOIN("two"));
      await expect(JOIN("three"));
    } finally {
      dish.close();
      server.close();
    }
  });

  test(
    "Dish takes group+body messages and drops other shapes (one part, three parts, a group over 255 bytes)",
    T,
    async () => {
      const server = await RawServer.listen();
      const dish = new Dish({ receiveTimeout: 2000 });
      try {
        dish.join("g");
        dish.connect(server.endpoint);
        const peer = await server.accept();
        await rawAcceptHandshake(peer, "RADIO");
        const huge = "g".repeat(256);
        peer.write(concat(
          rawFrame(0, bytes("g")),
          rawFrame(F_MORE, bytes("g")),
          rawFrame(F_MORE, bytes("x")),
          rawFrame(0, bytes("three parts")),
          rawFrame(F_MORE, bytes(huge)),
          rawFrame(0, bytes("long group")),
          rawFrame(F_MORE, bytes("other")),
          rawFrame(0, bytes("not joined")),
          rawFrame(F_MORE, bytes("g")),
          rawFrame(0, bytes("good")),
        ));
        assert.deepEqual(show(await dish.receive()), ["g", "good"]);
      } finally {
        dish.close();
        server.close();
      }
    },
  );

  test("Radio sends group then body frames, only to a peer that joined, and stops after LEAVE", T, async () => {
    const radio = new Radio({ linger: 0 });
    let peer: RawPeer | undefined;
    try {
      await radio.bind("tcp://127.0.0.1:*");
      peer = await RawPeer.connect(radio.lastEndpoint!);
      await peer.handshake("DISH");
      peer.write(JOIN("alpha"));
      // Until the JOIN is in, nothing goes out; then only alpha.
      const first = withTimeout(peer.readFrame(5000), 5000, "the first frame");
      for (let i = 0; i < 100; i++) {
        await radio.send("b", { group: "beta" });
        await radio.send("a", { group: "alpha" });
        if (await Promise.race([first.then(() => true), settle(20).then(() => false)])) break;
      }
      const g = await first;
      assert.equal(g.flags, F_MORE);
      assert.equal(text(g.body), "alpha");
      const b = await peer.readFrame();
      assert.equal(b.flags, 0);
      assert.equal(text(b.body), "a");
      // LEAVE alpha, JOIN gamma: commands apply in order, so once gamma's
      // messages come, alpha's have stopped.
      peer.write(concat(LEAVE("alpha"), JOIN("gamma")));
      const p = peer;
      let gammaSeen = false;
      const firstGamma = (async () => {
        for (;;) {
          const m = (await p.readMessage(5000)).map(text);
          if (m[0] === "gamma") return m;
          assert.deepEqual(m, ["alpha", "a"], "only alpha messages sent before the LEAVE arrived");
        }
      })().finally(() => gammaSeen = true);
      while (!gammaSeen) {
        await radio.send("a", { group: "alpha" });
        await radio.send("c", { group: "gamma" });
        await settle(20);
      }
      assert.deepEqual(await firstGamma, ["gamma", "c"]);
      await radio.send("a3", { group: "alpha" });
      await radio.send("c3", { group: "gamma" });
      for (;;) {
        const m: string[] = (await p.readMessage()).map(text);
        assert.equal(m[0], "gamma", "alpha after the LEAVE");
        if (m[1] === "c3") break;
      }
    } finally {
      peer?.destroy();
      radio.close();
    }
  });
});

describe("udp:// datagrams", () => {
  test("encodeDatagram() and decodeDatagram() mirror each other; short or inconsistent datagrams decode to null", () => {
    const d = encodeDatagram(bytes("grp"), bytes("body"));
    assert.deepEqual([...d], [3, ...bytes("grp"), ...bytes("body")]);
    const [g, b] = decodeDatagram(d)!;
    assert.equal(text(g), "grp");
    assert.equal(text(b), "body");
    assert.deepEqual(decodeDatagram(new Uint8Array([0]))!.map((x) => x.length), [0, 0]);
    assert.equal(decodeDatagram(new Uint8Array(0)), null);
    assert.equal(decodeDatagram(new Uint8Array([4, 1, 2, 3])), null);
  });

  test("udpTarget() follows libzmq: iface only before a multicast group", () => {
    assert.deepEqual(udpTarget(parseEndpoint("udp://eth0;239.0.0.1:5555", true)), {
      family: 4,
      host: "239.0.0.1",
      port: 5555,
      multicast: true,
      iface: "eth0",
    });
    assert.equal(udpTarget(parseEndpoint("udp://*;239.0.0.1:5555", true)).iface, undefined);
    assert.equal(udpTarget(parseEndpoint("udp://127.0.0.1:5555", false)).multicast, false);
    assert.equal(udpTarget(parseEndpoint("udp://[::1]:5555", false)).family, 6);
    assert.throws(() => udpTarget(parseEndpoint("udp://eth0;127.0.0.1:5555", true)), TypeError);
    assert.throws(() => udpTarget(parseEndpoint("udp://239.0.0.2;239.0.0.1:5555", true)), TypeError);
  });

  test("Dish over udp drops empty, inconsistent and oversized datagrams, reports each, and goes on", T, async () => {
    const dish = new Dish({ receiveTimeout: 2000 });
    const reports: EventOfType<"unknown">[] = [];
    dish.events.on("unknown", (e) => reports.push(e));
    try {
      await dish.bind("udp://127.0.0.1:*");
      dish.join("g");
      const big = new Uint8Array(MAX_DATAGRAM + 1);
      big[0] = 1;
      big[1] = "g".charCodeAt(0);
      await sendRaw(portOf(dish.lastEndpoint!), [
        new Uint8Array(0),
        new Uint8Array([200, 103]),
        big,
        encodeDatagram(bytes("h"), bytes("not joined")),
        encodeDatagram(bytes("g"), bytes("fine")),
      ]);
      assert.deepEqual(show(await dish.receive()), ["g", "fine"]);
      assert.equal(reports.length, 3);
      for (const r of reports) assert.ok(r.error instanceof Error);
    } finally {
      dish.close();
    }
  });

  test("Radio over udp drops a message too big for a datagram, reports it, and sends the next", T, async () => {
    const dish = new Dish({ receiveTimeout: 2000 });
    const radio = new Radio({ linger: 0 });
    const reports: EventOfType<"unknown">[] = [];
    radio.events.on("unknown", (e) => reports.push(e));
    try {
      await dish.bind("udp://127.0.0.1:*");
      dish.join("g");
      radio.connect(dish.lastEndpoint!);
      await radio.send(new Uint8Array(MAX_DATAGRAM), { group: "g" });
      await radio.send(new Uint8Array(MAX_DATAGRAM - 2), { group: "g" });
      const [body] = await dish.receive();
      assert.equal(body.length, MAX_DATAGRAM - 2);
      assert.equal(reports.length, 1);
      assert.equal((reports[0].error as ZmqError).code, "EMSGSIZE");
    } finally {
      radio.close();
      dish.close();
    }
  });
});

describe("RADIO/DISH errors", () => {
  test("Dish.join() twice and Dish.leave() of a group not joined throw EINVAL", () => {
    const dish = new Dish();
    try {
      dish.join("a");
      assert.throws(() => dish.join("a"), (e: ZmqError) => e.code === "EINVAL");
      assert.throws(() => dish.leave("b"), (e: ZmqError) => e.code === "EINVAL");
      dish.leave("a");
      assert.throws(() => dish.leave("a"), (e: ZmqError) => e.code === "EINVAL");
    } finally {
      dish.close();
    }
  });

  test("groups over 255 bytes or with a NUL byte are refused with RangeError", async () => {
    const dish = new Dish();
    const radio = new Radio({ linger: 0 });
    try {
      dish.join("x".repeat(255));
      assert.throws(() => dish.join("x".repeat(256)), RangeError);
      assert.throws(() => dish.join(new Uint8Array([65, 0])), RangeError);
      await assert.rejects(radio.send("m", { group: "é".repeat(128) }), RangeError);
    } finally {
      dish.close();
      radio.close();
    }
  });

  test("Radio.send() needs a group and a single part", async () => {
    const radio = new Radio({ linger: 0 });
    try {
      await assert.rejects(radio.send("m", {} as { group: string }), TypeError);
      await assert.rejects(radio.send(["a", "b"] as unknown as [string], { group: "g" }), TypeError);
      await radio.send(["one"], { group: "g" });
    } finally {
      radio.close();
    }
  });

  test("udp:// is only for a DISH that binds and a RADIO that connects (ENOCOMPATPROTO otherwise)", async () => {
    const push = new Push({ linger: 0 });
    const dish = new Dish();
    const radio = new Radio({ linger: 0 });
    try {
      // libzmq's code, as zeromq.js reports it.
      const incompatible = (e: ZmqError) => e.code === "ENOCOMPATPROTO" && e.errno === 156384764;
      await assert.rejects(push.bind("udp://127.0.0.1:*"), incompatible);
      assert.throws(() => push.connect("udp://127.0.0.1:5555"), incompatible);
      assert.throws(() => dish.connect("udp://127.0.0.1:5555"), incompatible);
      await assert.rejects(radio.bind("udp://127.0.0.1:*"), incompatible);
      assert.throws(() => radio.connect("udp://eth0;127.0.0.1:5555"), { code: "EINVAL" });
    } finally {
      push.close();
      dish.close();
      radio.close();
    }
  });
});
