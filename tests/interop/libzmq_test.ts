// Interop with libzmq 4.3.5 (zeromq.js 6 on Node, in a peer process worked
// over stdin/stdout, see _peer_core.mjs): the pattern table of _harness.ts
// with our socket on each side, binding and connecting, over tcp and ipc;
// then frame sizes, back-pressure, linger, routing ids, several peers,
// maxMessageSize, connect-before-bind, refused types, heartbeats both ways
// (PONGs, TTLs, frozen peers) and libzmq peer processes killed and restarted.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  anyEndpoint,
  BIG,
  bigFrame,
  bulkMessage,
  expectMsg,
  IO_TIMEOUT,
  LocalSide,
  PATTERNS,
  type Peer,
  RemoteSide,
  removeIpcFiles,
  ROW_TIMEOUT,
  rowsOf,
  runRow,
  type Side,
  sleep,
  startLibzmqPeer,
  text,
  waitFor,
  withTimeout,
} from "./_harness.ts";
import { freeTcpAddress } from "../_helpers.ts";

describe("interop with libzmq", () => {
  let peer: Peer | undefined;
  before(async () => {
    peer = await startLibzmqPeer();
  });
  after(async () => {
    await peer?.stop();
    removeIpcFiles();
  });
  const libzmq = () => {
    if (!peer) throw new Error("The libzmq peer did not start");
    return peer;
  };
  const ours = { name: "our", make: LocalSide.make };
  const theirs = { name: "libzmq", make: RemoteSide.maker(libzmq) };

  for (const transport of ["tcp", "ipc"] as const) {
    for (const p of PATTERNS) {
      for (const row of rowsOf("interop", p, ours, theirs, transport)) test(row.name, () => runRow(row));
    }
  }

  // Runs `fn` over sockets it registers, closing them whatever happens.
  const scoped = (name: string, fn: (own: <S extends Side>(s: S) => S) => Promise<void>) =>
    test(name, async () => {
      const sides: Side[] = [];
      const own = <S extends Side>(s: S): S => (sides.push(s), s);
      try {
        await withTimeout(ROW_TIMEOUT, name, () => fn(own));
      } finally {
        await Promise.allSettled(sides.map((s) => s.close()));
      }
    });

  // RFC 37 §3.5.3: libzmq PINGs every 100 ms and drops the connection when
  // nothing comes back within 600 ms; we send nothing on our own, so only
  // our PONGs keep it up. (The timeouts leave room for a busy machine's
  // scheduling delays; the link stays up for twice as long.)
  scoped(
    "interop tcp: libzmq DEALER heartbeats (100 ms, timeout 600 ms) → our ROUTER (bind) answers, link stays up 1.2 s",
    async (own) => {
      const router = own(new LocalSide("ROUTER"));
      const dealer = own(
        await RemoteSide.create(libzmq(), "DEALER", { routingId: "hb", heartbeatInterval: 100, heartbeatTimeout: 600 }),
      );
      await dealer.connect(await router.bind());
      await dealer.send(["one"]);
      expectMsg(await router.receive(), ["hb", "one"]);
      await sleep(1200);
      await router.send(["hb", "two"]);
      expectMsg(await dealer.receive(), ["two"]);
      const theirs = await dealer.events();
      assert.equal(theirs.disconnect, 0, "libzmq dropped the connection");
      assert.equal(theirs.connect, 1, "libzmq had to reconnect");
      assert.equal(router.counts.accept, 1, "our ROUTER accepted more than one connection");
      assert.equal(router.counts.disconnect, 0, "our ROUTER lost its peer");
    },
  );

  // Our PINGs every 100 ms announce a TTL of 600 ms: libzmq drops the
  // connection when no PING comes within it, so it stays up only if ours
  // keep coming and parse; our own timeout needs libzmq's PONGs.
  scoped(
    "interop tcp: our DEALER heartbeats (100 ms, TTL 600 ms) → libzmq ROUTER (bind) answers, link stays up 1.2 s",
    async (own) => {
      const router = own(await RemoteSide.create(libzmq(), "ROUTER"));
      const dealer = own(
        new LocalSide("DEALER", {
          routingId: "hb2",
          heartbeatInterval: 100,
          heartbeatTimeout: 600,
          heartbeatTimeToLive: 600,
        }),
      );
      await dealer.connect(await router.bind());
      await dealer.send(["one"]);
      expectMsg(await router.receive(), ["hb2", "one"]);
      await sleep(1200);
      await router.send(["hb2", "two"]);
      expectMsg(await dealer.receive(), ["two"]);
      const theirs = await router.events();
      assert.equal(theirs.disconnect, 0, "libzmq dropped the connection");
      assert.equal(theirs.accept, 1, "libzmq accepted more than one connection");
      assert.equal(dealer.counts.disconnect, 0, "our DEALER dropped the connection");
      assert.equal(dealer.counts.connect, 1, "our DEALER had to reconnect");
    },
  );

  // The TTL travels in tenths of a second (RFC 37 §3.5.3): a PING every 1 s
  // announcing 300 ms makes libzmq drop the link ~300 ms after the first one.
  // Only a TTL shorter than the 1 s between PINGs lets the link drop at all
  // (a TTL sent in the wrong unit, or none, keeps it up), so the test waits
  // for the drop instead of timing it.
  scoped(
    "interop tcp: our DEALER PINGs with TTL 300 ms but every 1 s → libzmq ROUTER drops the link after the TTL",
    async (own) => {
      const router = own(await RemoteSide.create(libzmq(), "ROUTER"));
      const dealer = own(new LocalSide("DEALER", { heartbeatInterval: 1000, heartbeatTimeToLive: 300 }));
      const t0 = Date.now();
      await dealer.connect(await router.bind());
      await waitFor("libzmq to drop the connection", async () => (await router.events()).disconnect > 0, 8000);
      const elapsed = Date.now() - t0;
      assert.ok(elapsed >= 1000, `libzmq dropped the link after ${elapsed} ms, before our first PING`);
    },
  );

  // Frame sizes around the short/long boundary (RFC 23 §2.3: 255 is the
  // largest short frame) and up to 1 MiB, one per message and all in one.
  const SIZES = [0, 1, 254, 255, 256, 257, 65535, 65536, 1 << 20];
  for (const oursPush of [true, false]) {
    const name = oursPush ? "our PUSH (bind) → libzmq PULL (connect)" : "libzmq PUSH (bind) → our PULL (connect)";
    scoped(`interop tcp: ${name}, frames of ${SIZES.join(", ")} bytes, 500 parts`, async (own) => {
      const mk = (type: string) =>
        oursPush === (type === "PUSH") ? LocalSide.make(type, {}) : RemoteSide.create(libzmq(), type);
      const push = own(await mk("PUSH"));
      const pull = own(await mk("PULL"));
      await pull.connect(await push.bind());
      const parts = Array.from({ length: 500 }, (_, i) => String(i));
      const msgs = [...SIZES.map((n) => [bigFrame(n)]), SIZES.map(bigFrame), parts];
      for (const m of msgs) await push.send(m);
      for (const [k, m] of msgs.entries()) expectMsg(await pull.receive(), m, `message ${k} (${m.length} parts)`);
    });
  }

  // Back-pressure: 20 000 messages of 1-3 parts through high-water marks of
  // 10 while the receiver waits 300 ms before reading; order and contents are
  // checked message by message.
  const BULK = 20000;
  scoped(
    `interop tcp: our PUSH (connect, HWM 10) → libzmq PULL (bind), ${BULK} messages, receiver starts late`,
    async (own) => {
      const pull = own(await RemoteSide.create(libzmq(), "PULL", { receiveHighWaterMark: 10 }));
      const push = own(new LocalSide("PUSH", { sendHighWaterMark: 10 }));
      await push.connect(await pull.bind());
      const mismatch = pull.recvMany(BULK, ROW_TIMEOUT, 300);
      for (let i = 0; i < BULK; i++) await push.send(bulkMessage(i));
      assert.equal(await mismatch, -1, "first message libzmq got wrong");
    },
  );
  scoped(
    `interop tcp: libzmq PUSH (connect, HWM 10) → our PULL (bind, HWM 10), ${BULK} messages, receiver starts late`,
    async (own) => {
      const pull = own(new LocalSide("PULL", { receiveHighWaterMark: 10 }));
      const push = own(await RemoteSide.create(libzmq(), "PUSH", { sendHighWaterMark: 10 }));
      await push.connect(await pull.bind());
      const sent = push.sendMany(BULK, ROW_TIMEOUT);
      sent.catch(() => {});
      await sleep(300);
      for (let i = 0; i < BULK; i++) expectMsg(await pull.receive(), bulkMessage(i), `message ${i}`);
      await sent;
    },
  );

  // Messages sent before the connection exists, then close(): linger keeps
  // connecting and flushing (ZMQ_LINGER).
  scoped(
    "interop tcp: our PUSH (connect) sends 2000 messages and closes at once, linger delivers them to libzmq PULL",
    async (own) => {
      const pull = own(await RemoteSide.create(libzmq(), "PULL"));
      const ep = await pull.bind();
      const push = own(new LocalSide("PUSH", { linger: 5000 }));
      await push.connect(ep);
      for (let i = 0; i < 2000; i++) await push.send(bulkMessage(i));
      await push.close();
      assert.equal(await pull.recvMany(2000, ROW_TIMEOUT), -1, "first message libzmq got wrong");
    },
  );

  // ZMQ_CONNECT_ROUTING_ID: the connecting ROUTER names its peer itself.
  for (const oursConnects of [true, false]) {
    const name = oursConnects
      ? "our ROUTER (connect, routingId option) → libzmq ROUTER (bind)"
      : "libzmq ROUTER (connect, routingId option) → our ROUTER (bind)";
    scoped(`interop tcp: ${name}`, async (own) => {
      const mk = (ours: boolean, id: string) =>
        ours ? LocalSide.make("ROUTER", { routingId: id, mandatory: true }) : RemoteSide.create(libzmq(), "ROUTER", {
          routingId: id,
          mandatory: true,
        });
      const binder = own(await mk(!oursConnects, "rb"));
      const connector = own(await mk(oursConnects, "rc"));
      await connector.connect(await binder.bind(), "alias");
      const end = Date.now() + IO_TIMEOUT;
      for (;;) {
        try {
          await connector.send(["alias", "hi"]);
          break;
        } catch (e) {
          if ((e as { code?: string }).code !== "EHOSTUNREACH" || Date.now() > end) throw e;
          await sleep(10);
        }
      }
      expectMsg(await binder.receive(), ["rc", "hi"]);
      await binder.send(["rc", "ho", BIG]);
      expectMsg(await connector.receive(), ["alias", "ho", BIG]);
    });
  }

  // A peer that stops answering (SIGSTOP: the TCP connection stays open) is
  // found dead by our heartbeat timeout.
  scoped(
    "interop tcp: our DEALER heartbeats (100 ms, timeout 600 ms) → frozen libzmq ROUTER (SIGSTOP): link dropped",
    async (own) => {
      const frozen = await startLibzmqPeer();
      try {
        const router = own(await RemoteSide.create(frozen, "ROUTER"));
        const dealer = own(new LocalSide("DEALER", { routingId: "d", heartbeatInterval: 100, heartbeatTimeout: 600 }));
        await dealer.connect(await router.bind());
        await dealer.send(["one"]);
        expectMsg(await router.receive(), ["d", "one"]);
        await sleep(500);
        assert.equal(dealer.counts.disconnect, 0, "dropped while the peer was answering");
        const t0 = Date.now();
        frozen.signal("SIGSTOP");
        await waitFor("our DEALER to drop the frozen peer", () => dealer.counts.disconnect > 0);
        const elapsed = Date.now() - t0;
        assert.ok(elapsed >= 500, `dropped after ${elapsed} ms, before the heartbeat timeout`);
      } finally {
        await frozen.stop();
      }
    },
  );

  // Several libzmq peers on one of our sockets: round-robin out, replies
  // routed by routing id.
  scoped("interop tcp: our PUSH (bind) → 3 libzmq PULLs (connect): round-robin", async (own) => {
    const push = own(new LocalSide("PUSH"));
    const ep = await push.bind();
    const pulls = [];
    for (let k = 0; k < 3; k++) {
      pulls.push(own(await RemoteSide.create(libzmq(), "PULL")));
      await pulls[k].connect(ep);
    }
    await waitFor("3 handshakes", () => push.counts.handshake === 3);
    for (let i = 0; i < 30; i++) await push.send([`${i}`]);
    const got = await Promise.all(pulls.map(async (p) => {
      const xs: number[] = [];
      for (let i = 0; i < 10; i++) xs.push(Number(text((await p.receive())[0])));
      return xs;
    }));
    // Each peer got every third message, in order.
    for (const xs of got) assert.deepEqual(xs, xs.map((_, i) => xs[0] + 3 * i), `one peer got ${xs}`);
    assert.deepEqual(got.map((xs) => xs[0]).sort(), [0, 1, 2]);
  });

  scoped("interop tcp: our ROUTER (bind) ← 3 libzmq DEALERs (connect): replies routed by routing id", async (own) => {
    const router = own(new LocalSide("ROUTER"));
    const ep = await router.bind();
    const dealers = [];
    for (let k = 0; k < 3; k++) {
      dealers.push(own(await RemoteSide.create(libzmq(), "DEALER", { routingId: `d${k}` })));
      await dealers[k].connect(ep);
    }
    for (const [k, d] of dealers.entries()) await d.send(["from", `d${k}`]);
    for (let n = 0; n < 3; n++) {
      const [id, from, who] = await router.receive();
      assert.equal(text(from), "from");
      assert.equal(text(id), text(who));
      await router.send([id, "to", who]);
    }
    for (const [k, d] of dealers.entries()) expectMsg(await d.receive(), ["to", `d${k}`]);
  });

  // A subscriber that goes away takes its subscriptions with it: the XPUB
  // user hears a cancellation for each topic nobody else wants.
  scoped("interop tcp: our XPUB (bind) ← libzmq SUB (connect) closes: its subscription is cancelled", async (own) => {
    const xpub = own(new LocalSide("XPUB"));
    const sub = own(await RemoteSide.create(libzmq(), "SUB"));
    await sub.connect(await xpub.bind());
    await sub.subscribe("gone");
    expectMsg(await xpub.receive(), [new Uint8Array([1, ...new TextEncoder().encode("gone")])]);
    // Already waiting when the peer goes: the cancellation must wake it.
    const cancel = xpub.receive();
    await sub.close();
    expectMsg(await cancel, [new Uint8Array([0, ...new TextEncoder().encode("gone")])]);
  });

  // ZMQ_MAXMSGSIZE: an oversized frame costs the sender its connection;
  // libzmq reconnects and later messages get through.
  scoped(
    "interop tcp: libzmq PUSH (connect) → our PULL (bind, maxMessageSize 1000): oversized frame drops the link",
    async (own) => {
      const pull = own(new LocalSide("PULL", { maxMessageSize: 1000 }));
      const push = own(await RemoteSide.create(libzmq(), "PUSH"));
      await push.connect(await pull.bind());
      await push.send(["small", bigFrame(1000)]);
      expectMsg(await pull.receive(), ["small", bigFrame(1000)]);
      await push.send([bigFrame(1001)]);
      await waitFor("our PULL to drop the connection", () => pull.counts.disconnect === 1);
      await waitFor("libzmq to reconnect", () => pull.counts.handshake === 2);
      await push.send(["after"]);
      expectMsg(await pull.receive(), ["after"], "the next message (not the oversized one)");
    },
  );

  // Connecting before anyone listens: our socket retries until the peer binds.
  for (const transport of ["tcp", "ipc"] as const) {
    scoped(`interop ${transport}: our PUSH connects before libzmq PULL binds`, async (own) => {
      // A port nobody listens on, for now (released once its listener has closed).
      const ep = transport === "tcp" ? await freeTcpAddress() : anyEndpoint(transport);
      const push = own(new LocalSide("PUSH"));
      await push.connect(ep);
      await push.send(["early"]);
      await waitFor("a failed attempt", () => push.counts["connect:retry"] > 0);
      const pull = own(await RemoteSide.create(libzmq(), "PULL"));
      assert.equal(await pull.bind(ep), ep);
      expectMsg(await pull.receive(), ["early"]);
    });
  }

  // RFC 23 §2.4: a peer of an incompatible type is refused in the handshake,
  // on whichever side checks first; neither side ever sees a "handshake".
  for (const oursBinds of [true, false]) {
    const name = oursBinds ? "libzmq PUSH (connect) → our PUSH (bind)" : "our PUSH (connect) → libzmq PUSH (bind)";
    scoped(`interop tcp: ${name} are incompatible: refused in the handshake`, async (own) => {
      const ours = own(new LocalSide("PUSH"));
      const theirs = own(await RemoteSide.create(libzmq(), "PUSH"));
      const [binder, connector] = oursBinds ? [ours, theirs] : [theirs, ours];
      await connector.connect(await binder.bind());
      // Whichever side reads the other's READY first refuses it; the other may
      // then see only the connection closing mid-handshake (on a loaded
      // machine, again and again), which is a failed handshake too.
      const failed = (c: Record<string, number>) =>
        (c["handshake:error:protocol"] ?? 0) + (c["handshake:error:other"] ?? 0);
      const refused = async () => failed(ours.counts) + failed(await theirs.events()) > 0;
      await waitFor("a failed handshake on either side", refused);
      await sleep(200);
      assert.equal(ours.counts.handshake, 0, "our PUSH completed a handshake with a PUSH");
      assert.equal((await theirs.events()).handshake, 0, "libzmq completed a handshake with our PUSH");
    });
  }

  // RFC 37 §3.5.3: the TTL in a peer's PINGs binds us even without
  // heartbeats of our own; a frozen libzmq peer is dropped once it passes.
  scoped(
    "interop tcp: frozen libzmq DEALER (PINGs with TTL 600 ms, SIGSTOP) → our ROUTER (bind, no heartbeats): link dropped",
    async (own) => {
      const frozen = await startLibzmqPeer();
      try {
        const router = own(new LocalSide("ROUTER"));
        const dealer = own(
          await RemoteSide.create(frozen, "DEALER", {
            routingId: "ttl",
            heartbeatInterval: 100,
            heartbeatTimeToLive: 600,
            // libzmq's own timeout would default to the 100 ms interval: a
            // PONG of ours later than that would make it drop the link.
            heartbeatTimeout: 1000,
          }),
        );
        await dealer.connect(await router.bind());
        await dealer.send(["one"]);
        expectMsg(await router.receive(), ["ttl", "one"]);
        await sleep(500);
        assert.equal(router.counts.disconnect, 0, "dropped while the peer was pinging");
        const t0 = Date.now();
        frozen.signal("SIGSTOP");
        await waitFor("our ROUTER to drop the frozen peer", () => router.counts.disconnect > 0);
        const elapsed = Date.now() - t0;
        assert.ok(elapsed >= 500, `dropped after ${elapsed} ms, before the TTL`);
      } finally {
        await frozen.stop();
      }
    },
  );

  // A restart: the peer process is killed (SIGKILL) and a new one binds the same port.
  const restart = (name: string, fn: (procs: Peer[], own: <S extends Side>(s: S) => S) => Promise<void>) =>
    scoped(name, async (own) => {
      const procs: Peer[] = [];
      try {
        await fn(procs, own);
      } finally {
        await Promise.allSettled(procs.map((p) => p.stop()));
      }
    });

  restart(
    "interop tcp: our PUSH (connect) → libzmq PULL (bind), peer process killed and restarted on the same port",
    async (procs, own) => {
      procs.push(await startLibzmqPeer());
      const pull1 = await RemoteSide.create(procs[0], "PULL");
      const ep = await pull1.bind();
      const push = own(new LocalSide("PUSH"));
      await push.connect(ep);
      await push.send(["before"]);
      expectMsg(await pull1.receive(), ["before"]);
      await procs[0].stop();
      await waitFor("our PUSH to see the disconnect", () => push.counts.disconnect === 1, IO_TIMEOUT);
      // Queued while there is no connection: goes out after the reconnect.
      await push.send(["after", BIG]);
      procs.push(await startLibzmqPeer());
      const pull2 = await RemoteSide.create(procs[1], "PULL");
      assert.equal(await pull2.bind(ep), ep);
      expectMsg(await pull2.receive(), ["after", BIG]);
      await push.send(["again"]);
      expectMsg(await pull2.receive(), ["again"]);
      assert.equal(push.counts.handshake, 2);
    },
  );

  restart(
    "interop tcp: our SUB (connect) → libzmq PUB (bind), peer process restarted, subscriptions resent",
    async (procs, own) => {
      const sub = own(new LocalSide("SUB"));
      await sub.subscribe("t");
      // Publishes on `pub` until `sub` gets a "t" message; only "t" may arrive.
      const expectFlow = async (pub: Side) => {
        let stop = false;
        const pumping = (async () => {
          while (!stop) {
            await pub.send(["u", "no"]);
            await pub.send(["t", "yes"]);
            await sleep(20);
          }
        })();
        try {
          const m = await sub.receive();
          assert.equal(text(m[0]), "t");
          expectMsg(m, ["t", "yes"]);
        } finally {
          stop = true;
          await pumping;
        }
      };
      procs.push(await startLibzmqPeer());
      const pub1 = await RemoteSide.create(procs[0], "PUB");
      const ep = await pub1.bind();
      await sub.connect(ep);
      await expectFlow(pub1);
      await procs[0].stop();
      await waitFor("our SUB to see the disconnect", () => sub.counts.disconnect === 1, IO_TIMEOUT);
      procs.push(await startLibzmqPeer());
      const pub2 = await RemoteSide.create(procs[1], "PUB");
      assert.equal(await pub2.bind(ep), ep);
      await expectFlow(pub2);
    },
  );

  // Our PAIR must let go of a dead peer, or it refuses the next one.
  restart(
    "interop tcp: our PAIR (bind) ← libzmq PAIR (connect), peer process killed, a new one is accepted",
    async (procs, own) => {
      const pair = own(new LocalSide("PAIR"));
      const ep = await pair.bind();
      for (let i = 0; i < 2; i++) {
        procs.push(await startLibzmqPeer());
        const theirs = await RemoteSide.create(procs[i], "PAIR");
        await theirs.connect(ep);
        await theirs.send(["hi", `${i}`]);
        expectMsg(await pair.receive(), ["hi", `${i}`]);
        await pair.send(["ho", `${i}`]);
        expectMsg(await theirs.receive(), ["ho", `${i}`]);
        await procs[i].stop();
        await waitFor("our PAIR to see the disconnect", () => pair.counts.disconnect === i + 1, IO_TIMEOUT);
      }
    },
  );
});
