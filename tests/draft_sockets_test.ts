// The thread-safe draft types (libzmq 4.3.5, RFC 41): CLIENT/SERVER,
// SCATTER/GATHER, PEER/PEER and CHANNEL/CHANNEL between our own sockets over
// tcp, ipc, inproc and ws; SERVER and PEER routing ids (numbers, distinct
// per peer, EHOSTUNREACH when unknown or gone); single-part messages (a
// multipart send is EINVAL, a multipart message from the wire is dropped);
// the socket-type check of the handshake; DGRAM over udp://.

import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { describe, test } from "node:test";
import { Channel, Client, Datagram, Gather, Peer, Scatter, Server } from "../draft.ts";
import { Pair, Pull, Push, SocketType } from "../mod.ts";
import { isCompatible } from "../lib/compatibility.ts";
import { parseAddressFrame } from "../lib/udp.ts";
import {
  bindFresh,
  closeAll,
  rawMessage,
  RawPeer,
  rejectsWithCode,
  text,
  TRANSPORTS,
  WAIT,
  withTimeout,
} from "./_helpers.ts";

const T = { timeout: 15000 };

for (const transport of TRANSPORTS) {
  describe(`draft sockets over ${transport}`, () => {
    test("CLIENT/SERVER: each client's messages come with its own routing id, replies go back by it", T, async () => {
      const server = new Server({ receiveTimeout: WAIT });
      const a = new Client({ receiveTimeout: WAIT });
      const b = new Client({ receiveTimeout: WAIT });
      try {
        const ep = await bindFresh(server, transport);
        a.connect(ep);
        b.connect(ep);
        await a.send("from a");
        await b.send("from b");
        const ids = new Map<string, number>();
        for (let i = 0; i < 2; i++) {
          const [msg, { routingId }] = await server.receive();
          assert.equal(typeof routingId, "number");
          assert.ok(Number.isInteger(routingId) && routingId > 0 && routingId <= 0xffffffff);
          ids.set(text(msg), routingId);
        }
        assert.notEqual(ids.get("from a"), ids.get("from b"));
        await server.send("to b", { routingId: ids.get("from b")! });
        await server.send("to a", { routingId: ids.get("from a")! });
        assert.deepEqual((await a.receive()).map(text), ["to a"]);
        assert.deepEqual((await b.receive()).map(text), ["to b"]);
        // The same client keeps its id.
        await a.send("again");
        const [, { routingId }] = await server.receive();
        assert.equal(routingId, ids.get("from a"));
      } finally {
        closeAll(server, a, b);
      }
    });

    test("CLIENT round-robins among servers", T, async () => {
      const s1 = new Server({ receiveTimeout: WAIT });
      const s2 = new Server({ receiveTimeout: WAIT });
      const client = new Client({ receiveTimeout: WAIT });
      try {
        client.connect(await bindFresh(s1, transport));
        client.connect(await bindFresh(s2, transport));
        // Both pipes exist at connect(), so the messages alternate.
        for (let i = 0; i < 4; i++) await client.send(`m${i}`);
        const got1 = [text((await s1.receive())[0]), text((await s1.receive())[0])];
        const got2 = [text((await s2.receive())[0]), text((await s2.receive())[0])];
        assert.deepEqual([...got1, ...got2].sort(), ["m0", "m1", "m2", "m3"]);
        assert.ok(got1[0] === "m0" ? got1[1] === "m2" : got1[0] === "m1" && got1[1] === "m3");
      } finally {
        closeAll(s1, s2, client);
      }
    });

    test("SCATTER round-robins to GATHERs; GATHER fair-queues", T, async () => {
      const g1 = new Gather({ receiveTimeout: WAIT });
      const g2 = new Gather({ receiveTimeout: WAIT });
      const scatter = new Scatter();
      try {
        scatter.connect(await bindFresh(g1, transport));
        scatter.connect(await bindFresh(g2, transport));
        for (let i = 0; i < 4; i++) await scatter.send(`job ${i}`);
        const got = [
          ...(await g1.receive()),
          ...(await g1.receive()),
          ...(await g2.receive()),
          ...(await g2.receive()),
        ].map(text);
        assert.deepEqual(got.sort(), ["job 0", "job 1", "job 2", "job 3"]);
      } finally {
        closeAll(g1, g2, scatter);
      }
    });

    test("PEER: connectPeer() gives the routing id at once, both sides reply by id", T, async () => {
      const a = new Peer({ receiveTimeout: WAIT });
      const b = new Peer({ receiveTimeout: WAIT });
      try {
        const ep = await bindFresh(a, transport);
        const toA = b.connectPeer(ep);
        assert.ok(Number.isInteger(toA) && toA > 0);
        assert.equal(b.connectPeer(ep), toA, "an endpoint connected already keeps its routing id");
        await b.send("hello a", { routingId: toA });
        const [msg, { routingId: toB }] = await a.receive();
        assert.equal(text(msg), "hello a");
        await a.send("hello b", { routingId: toB });
        const [reply, { routingId }] = await b.receive();
        assert.equal(text(reply), "hello b");
        assert.equal(routingId, toA);
      } finally {
        closeAll(a, b);
      }
    });

    test("CHANNEL: one peer, both directions; a second peer is refused", T, async () => {
      const a = new Channel({ receiveTimeout: WAIT });
      const b = new Channel({ receiveTimeout: WAIT });
      const c = new Channel({ reconnectInterval: 50 });
      try {
        const ep = await bindFresh(a, transport);
        b.connect(ep);
        await b.send("ping");
        assert.deepEqual((await a.receive()).map(text), ["ping"]);
        await a.send("pong");
        assert.deepEqual((await b.receive()).map(text), ["pong"]);
        // c's message queues on its side; a never takes it.
        c.connect(ep);
        await c.send("from c");
        await b.send("still b");
        assert.deepEqual((await a.receive()).map(text), ["still b"]);
        a.receiveTimeout = 200;
        await rejectsWithCode(a.receive(), "EAGAIN");
      } finally {
        closeAll(a, b, c);
      }
    });
  });
}

describe("draft sockets: routing ids and errors", () => {
  test("SERVER send to an unknown routing id rejects with EHOSTUNREACH, as zeromq.js", T, async () => {
    const server = new Server();
    try {
      await server.bind("inproc://draft-unknown-id");
      const err = await server.send("foo", { routingId: 12345 }).then(() => undefined, (e) => e);
      assert.equal(err?.code, "EHOSTUNREACH");
      assert.equal(err?.message, "Host unreachable");
    } finally {
      server.close();
    }
  });

  test("SERVER send to a client that left rejects with EHOSTUNREACH", T, async () => {
    const server = new Server({ receiveTimeout: WAIT });
    const client = new Client();
    try {
      client.connect(await bindFresh(server, "tcp"));
      await client.send("hi");
      const [, { routingId }] = await server.receive();
      const gone = new Promise<void>((r) => server.events.on("disconnect", () => r()));
      client.close();
      await withTimeout(gone, WAIT, "the disconnect");
      await rejectsWithCode(server.send("late", { routingId }), "EHOSTUNREACH");
    } finally {
      closeAll(server, client);
    }
  });

  test("PEER send to an unknown routing id rejects with EHOSTUNREACH; connectPeer with immediate is EFAULT", async () => {
    const peer = new Peer({ immediate: true });
    try {
      await rejectsWithCode(peer.send("x", { routingId: 7 }), "EHOSTUNREACH");
      assert.throws(() => peer.connectPeer("tcp://127.0.0.1:1"), { code: "EFAULT" });
    } finally {
      peer.close();
    }
  });

  test("a routing id that is not a uint32 is a TypeError", async () => {
    const server = new Server();
    try {
      for (const id of [-1, 1.5, 2 ** 32, "1", undefined]) {
        await assert.rejects(server.send("x", { routingId: id as number }), TypeError);
      }
      await assert.rejects(server.send("x", undefined as unknown as { routingId: number }), TypeError);
    } finally {
      server.close();
    }
  });

  test("multipart sends fail with EINVAL on every single-part type", async () => {
    const client = new Client();
    const scatter = new Scatter();
    const channel = new Channel();
    const server = new Server();
    const peer = new Peer();
    try {
      for (const s of [client, scatter, channel]) await rejectsWithCode(s.send(["a", "b"]), "EINVAL");
      await rejectsWithCode(server.send(["a", "b"] as unknown as [string], { routingId: 1 }), "EINVAL");
      await rejectsWithCode(peer.send(["a", "b"] as unknown as [string], { routingId: 1 }), "EINVAL");
      // One part in an array is one part.
      channel.sendTimeout = 0;
      await rejectsWithCode(channel.send(["a"]), "EAGAIN");
    } finally {
      closeAll(client, scatter, channel, server, peer);
    }
  });

  for (
    const [name, make, peerType] of [
      ["SERVER", () => new Server({ receiveTimeout: WAIT }), "CLIENT"],
      ["GATHER", () => new Gather({ receiveTimeout: WAIT }), "SCATTER"],
      ["CHANNEL", () => new Channel({ receiveTimeout: WAIT }), "CHANNEL"],
      ["PEER", () => new Peer({ receiveTimeout: WAIT }), "PEER"],
    ] as const
  ) {
    test(`${name} drops a multipart message from the wire and keeps the connection`, T, async () => {
      const sock = make();
      let raw: RawPeer | undefined;
      try {
        raw = await RawPeer.connect(await bindFresh(sock, "tcp"));
        await raw.handshake(peerType);
        raw.write(rawMessage("two", "parts"));
        raw.write(rawMessage("one"));
        const got = await sock.receive();
        assert.equal(text(got[0]), "one");
        assert.equal(sock.readable, false);
        assert.equal(raw.ended, false);
      } finally {
        raw?.destroy();
        sock.close();
      }
    });
  }

  test("the handshake pairs CLIENT↔SERVER, SCATTER↔GATHER, PEER↔PEER, CHANNEL↔CHANNEL only", () => {
    const all = [
      "PAIR",
      "PUB",
      "SUB",
      "REQ",
      "REP",
      "DEALER",
      "ROUTER",
      "PULL",
      "PUSH",
      "XPUB",
      "XSUB",
      "RADIO",
      "DISH",
    ];
    const pairs: [string, string][] = [["CLIENT", "SERVER"], ["SCATTER", "GATHER"], ["PEER", "PEER"], [
      "CHANNEL",
      "CHANNEL",
    ]];
    const draft = ["CLIENT", "SERVER", "SCATTER", "GATHER", "PEER", "CHANNEL"];
    for (const ours of draft) {
      for (const theirs of [...all, ...draft]) {
        const ok = pairs.some(([x, y]) => (x === ours && y === theirs) || (y === ours && x === theirs));
        assert.equal(isCompatible(ours, theirs), ok, `${ours} with ${theirs}`);
      }
    }
  });

  for (
    const [name, make, wrong] of [
      ["SERVER", () => new Server(), "DEALER"],
      ["GATHER", () => new Gather(), "PUSH"],
      ["CHANNEL", () => new Channel(), "PAIR"],
      ["PEER", () => new Peer(), "SERVER"],
      ["CLIENT", () => new Client(), "CLIENT"],
    ] as const
  ) {
    test(`${name} refuses a ${wrong} peer in the handshake`, T, async () => {
      const sock = make();
      let raw: RawPeer | undefined;
      try {
        const refused = new Promise<void>((r) => sock.events.on("handshake:error:protocol", () => r()));
        raw = await RawPeer.connect(await bindFresh(sock, "tcp"));
        await raw.handshake(wrong).catch(() => {});
        assert.ok(await raw.closesWithin(WAIT), "the connection was not closed");
        await withTimeout(refused, WAIT, "handshake:error:protocol");
      } finally {
        raw?.destroy();
        sock.close();
      }
    });
  }

  test("real sockets of incompatible types never exchange a message", T, async () => {
    const gather = new Gather({ receiveTimeout: 300 });
    const push = new Push();
    const pair = new Pair({ receiveTimeout: 300 });
    const channel = new Channel();
    const pull = new Pull({ receiveTimeout: 300 });
    const client = new Client();
    try {
      const refused = (s: { events: { on(t: string, f: () => void): unknown } }) =>
        new Promise<void>((r) => s.events.on("handshake:error:protocol", () => r()));
      const r1 = refused(gather), r2 = refused(pair), r3 = refused(pull);
      push.connect(await bindFresh(gather, "tcp"));
      channel.connect(await bindFresh(pair, "tcp"));
      client.connect(await bindFresh(pull, "tcp"));
      await withTimeout(Promise.all([r1, r2, r3]), WAIT, "the refusals");
      push.sendTimeout = channel.sendTimeout = client.sendTimeout = 0;
      await push.send("x").catch(() => {});
      await rejectsWithCode(gather.receive(), "EAGAIN");
      await rejectsWithCode(pair.receive(), "EAGAIN");
      await rejectsWithCode(pull.receive(), "EAGAIN");
    } finally {
      closeAll(gather, push, pair, channel, pull, client);
    }
  });

  test("type numbers (zeromq.js's and libzmq's) and threadSafe", () => {
    const rows: [{ type: number; typeName: string; threadSafe: boolean; close(): void }, number, string, boolean][] = [
      [new Server(), SocketType.Server, "SERVER", true],
      [new Client(), SocketType.Client, "CLIENT", true],
      [new Gather(), SocketType.Gather, "GATHER", true],
      [new Scatter(), SocketType.Scatter, "SCATTER", true],
      [new Peer(), 19, "PEER", true],
      [new Channel(), 20, "CHANNEL", true],
      [new Datagram(), SocketType.Datagram, "DGRAM", false],
    ];
    for (const [s, type, name, safe] of rows) {
      try {
        assert.equal(s.type, type, name);
        assert.equal(s.typeName, name);
        assert.equal(s.threadSafe, safe, name);
      } finally {
        s.close();
      }
    }
    assert.deepEqual([SocketType.Server, SocketType.Client, SocketType.Gather, SocketType.Scatter], [12, 13, 16, 17]);
    assert.equal(SocketType.Datagram, 18);
  });
});

describe("DGRAM over udp://", () => {
  test("receives [address, body] from any sender and replies to that address", T, async () => {
    const dgram = new Datagram({ receiveTimeout: WAIT });
    const client = createSocket("udp4");
    try {
      await dgram.bind("udp://127.0.0.1:*");
      const port = Number(dgram.lastEndpoint!.split(":").pop());
      await new Promise<void>((r) => client.bind(0, "127.0.0.1", () => r()));
      const reply = new Promise<string>((r) => client.once("message", (b: Uint8Array) => r(text(b))));
      client.send("ping", port, "127.0.0.1");
      const [from, body] = await dgram.receive();
      assert.equal(text(body), "ping");
      // libzmq's form: ip:port and a NUL.
      assert.equal(text(from), `127.0.0.1:${client.address().port}\0`);
      await dgram.send([from, "pong"]);
      assert.equal(await withTimeout(reply, WAIT, "the reply"), "pong");
    } finally {
      dgram.close();
      client.close();
    }
  });

  test("between two DGRAM sockets, with the address written by hand", T, async () => {
    const a = new Datagram({ receiveTimeout: WAIT });
    const b = new Datagram({ receiveTimeout: WAIT });
    try {
      await a.bind("udp://127.0.0.1:*");
      await b.bind("udp://127.0.0.1:*");
      await b.send([a.lastEndpoint!.slice("udp://".length), "to a"]);
      const [from, body] = await a.receive();
      assert.equal(text(body), "to a");
      await a.send([from, "to b"]);
      const [back, reply] = await b.receive();
      assert.equal(text(reply), "to b");
      assert.equal(text(back), `${a.lastEndpoint!.slice("udp://".length)}\0`);
    } finally {
      closeAll(a, b);
    }
  });

  test("a message is [address, body]; other transports and connect are ENOCOMPATPROTO", async () => {
    const d = new Datagram();
    try {
      await d.bind("udp://127.0.0.1:*");
      await rejectsWithCode(d.send("one part"), "EINVAL");
      await rejectsWithCode(d.send(["127.0.0.1:9", "a", "b"]), "EINVAL");
      await rejectsWithCode(d.bind("tcp://127.0.0.1:*"), "ENOCOMPATPROTO");
      assert.throws(() => d.connect("udp://127.0.0.1:9"), { code: "ENOCOMPATPROTO" });
      assert.throws(() => d.connect("tcp://127.0.0.1:9"), { code: "ENOCOMPATPROTO" });
    } finally {
      d.close();
    }
  });

  test("address frames: ip:port with or without the NUL; anything else is no address", () => {
    const enc = new TextEncoder();
    assert.deepEqual(parseAddressFrame(enc.encode("127.0.0.1:5555\0")), { host: "127.0.0.1", port: 5555 });
    assert.deepEqual(parseAddressFrame(enc.encode("10.0.0.1:1")), { host: "10.0.0.1", port: 1 });
    for (const bad of ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "host:x", ""]) {
      assert.equal(parseAddressFrame(enc.encode(bad)), null, bad);
    }
  });
});
