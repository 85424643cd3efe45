// Options of particular socket types: REQ relaxed/correlate, ROUTER
// handover, probeRouter, XPUB welcomeMessage/noDrop/verbosity, PAIR's
// single peer.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Dealer, Pair, Request, Router, Subscriber, XPublisher } from "../mod.ts";
import {
  bindFresh,
  bytes,
  closeAll,
  nextEvents,
  rejectsWithCode,
  settle,
  texts,
  TRANSPORTS,
  withTimeout,
  WS_NO_FLOW_CONTROL,
  WS_UNBOUNDED,
} from "./_helpers.ts";

const T = { timeout: 10000 };

for (const tr of TRANSPORTS) {
  describe(`socket options over ${tr}`, () => {
    test(`REQ with relaxed and correlate accepts only the reply to the last request (${tr})`, T, async () => {
      const router = new Router({ linger: 0 });
      const req = new Request({ linger: 0, relaxed: true, correlate: true });
      try {
        req.connect(await bindFresh(router, tr));
        await req.send("q1");
        const m1 = await withTimeout(router.receive(), 3000, "q1");
        await req.send("q2"); // no EFSM: relaxed
        const m2 = await withTimeout(router.receive(), 3000, "q2");
        // [routing id, request id, "", body]
        assert.equal(m1.length, 4);
        assert.equal(m1[1].length, 4, "a 4-byte request id");
        assert.notDeepEqual(m1[1], m2[1]);
        assert.deepEqual(texts(m2.slice(2)), ["", "q2"]);
        await router.send([m1[0], m1[1], "", "stale answer"]);
        await router.send([m2[0], m2[1], "", "answer"]);
        assert.deepEqual(texts(await withTimeout(req.receive(), 3000, "answer")), ["answer"]);
      } finally {
        closeAll(req, router);
      }
    });

    test(`ROUTER refuses a second peer with a routing id in use (${tr})`, T, async () => {
      const router = new Router({ linger: 0, receiveTimeout: 300 });
      const d1 = new Dealer({ linger: 0, routingId: "dup" });
      const d2 = new Dealer({ linger: 0, routingId: "dup", reconnectInterval: 50 });
      try {
        const ep = await bindFresh(router, tr);
        d1.connect(ep);
        await d1.send("one");
        assert.deepEqual(texts(await withTimeout(router.receive(), 3000, "one")), ["dup", "one"]);
        d2.connect(ep);
        await d2.send("two");
        await rejectsWithCode(router.receive(), "EAGAIN");
        await router.send(["dup", "to the first"]);
        assert.deepEqual(texts(await withTimeout(d1.receive(), 3000, "first")), ["to the first"]);
      } finally {
        closeAll(d1, d2, router);
      }
    });

    test(`ROUTER with handover gives a routing id in use to the new peer (${tr})`, T, async () => {
      const router = new Router({ linger: 0, handover: true });
      const d1 = new Dealer({ linger: 0, routingId: "dup" });
      const d2 = new Dealer({ linger: 0, routingId: "dup" });
      try {
        const ep = await bindFresh(router, tr);
        d1.connect(ep);
        await d1.send("one");
        assert.deepEqual(texts(await withTimeout(router.receive(), 3000, "one")), ["dup", "one"]);
        d2.connect(ep);
        await d2.send("two");
        assert.deepEqual(texts(await withTimeout(router.receive(), 3000, "two")), ["dup", "two"]);
        await router.send(["dup", "to the second"]);
        assert.deepEqual(texts(await withTimeout(d2.receive(), 3000, "second")), ["to the second"]);
      } finally {
        closeAll(d1, d2, router);
      }
    });

    test(`probeRouter sends an empty message to a new ROUTER peer (${tr})`, T, async () => {
      const router = new Router({ linger: 0 });
      const dealer = new Dealer({ linger: 0, routingId: "prober", probeRouter: true });
      try {
        dealer.connect(await bindFresh(router, tr));
        assert.deepEqual(texts(await withTimeout(router.receive(), 3000, "probe")), ["prober", ""]);
      } finally {
        closeAll(dealer, router);
      }
    });

    test(`XPUB welcomeMessage goes to each new subscriber (${tr})`, T, async () => {
      const xpub = new XPublisher({ linger: 0, welcomeMessage: "welcome" });
      const sub = new Subscriber({ linger: 0 });
      try {
        sub.subscribe("welcome");
        sub.connect(await bindFresh(xpub, tr));
        assert.deepEqual(texts(await withTimeout(sub.receive(), 3000, "welcome")), ["welcome"]);
      } finally {
        closeAll(sub, xpub);
      }
    });

    test(
      `XPUB with noDrop waits at the HWM instead of dropping (${tr})`,
      tr === "ws" && WS_UNBOUNDED ? { ...T, todo: WS_NO_FLOW_CONTROL } : T,
      async () => {
        const xpub = new XPublisher({ linger: 0, noDrop: true, sendHighWaterMark: 2, sendTimeout: 200 });
        const sub = new Subscriber({ linger: 0, receiveHighWaterMark: 2 });
        const big = new Uint8Array(256 * 1024);
        try {
          sub.subscribe("t");
          sub.connect(await bindFresh(xpub, tr));
          await withTimeout(xpub.receive(), 3000, "subscription");
          let sent = 0;
          let blocked = false;
          for (; sent < 400; sent++) {
            try {
              await xpub.send(["t", String(sent), big]);
            } catch (e) {
              if ((e as { code?: string }).code !== "EAGAIN") throw e;
              blocked = true;
              break;
            }
          }
          assert.ok(blocked, `send() blocked at the HWM (${sent} sent)`);
          // Nothing was dropped: every message sent arrives, in order.
          for (let i = 0; i < sent; i++) {
            const m = await withTimeout(sub.receive(), 5000, `message ${i}`);
            assert.equal(new TextDecoder().decode(m[1]), String(i));
          }
        } finally {
          closeAll(sub, xpub);
        }
      },
    );

    test(`XPUB verbosity decides which unsubscriptions are reported (${tr})`, T, async () => {
      for (const verbosity of [null, "allSubsUnsubs"] as const) {
        const xpub = new XPublisher({ linger: 0, verbosity });
        const s1 = new Subscriber({ linger: 0 });
        const s2 = new Subscriber({ linger: 0 });
        try {
          const ep = await bindFresh(xpub, tr);
          s1.connect(ep);
          s1.subscribe("t");
          await withTimeout(xpub.receive(), 3000, "s1 subscribe");
          s2.connect(ep);
          s2.subscribe("t");
          s2.subscribe("marker");
          const seen: number[][] = [];
          // With allSubsUnsubs the duplicate subscribe shows up before the marker.
          for (;;) {
            const [m] = await withTimeout(xpub.receive(), 3000, "subscriptions");
            if (m[0] === 1 && new TextDecoder().decode(m.subarray(1)) === "marker") break;
            seen.push([...m]);
          }
          assert.deepEqual(seen, verbosity === null ? [] : [[1, ...bytes("t")]]);
          // Cancels up to a marker subscription sent on the same connection.
          const cancelsUntil = async (marker: string) => {
            const out: number[][] = [];
            for (;;) {
              const [m] = await withTimeout(xpub.receive(), 3000, "cancels");
              if (m[0] === 1 && new TextDecoder().decode(m.subarray(1)) === marker) return out;
              out.push([...m]);
            }
          };
          const cancel = [0, ...bytes("t")];
          s1.unsubscribe("t");
          s1.subscribe("end1");
          // s2 still subscribes to "t": only reported with allSubsUnsubs.
          assert.deepEqual(await cancelsUntil("end1"), verbosity === null ? [] : [cancel], String(verbosity));
          s2.unsubscribe("t");
          s2.subscribe("end2");
          assert.deepEqual(await cancelsUntil("end2"), [cancel], String(verbosity));
        } finally {
          closeAll(s1, s2, xpub);
        }
      }
    });

    test(`PAIR keeps its first peer and refuses a second (${tr})`, T, async () => {
      const a = new Pair({ linger: 0, receiveTimeout: 300 });
      const b = new Pair({ linger: 0 });
      const c = new Pair({ linger: 0, reconnectInterval: 50 });
      try {
        const ep = await bindFresh(a, tr);
        const up = nextEvents(a, "handshake");
        b.connect(ep);
        await withTimeout(up, 3000, "first peer");
        c.connect(ep);
        await c.send("from c"); // queued on c's side; a never takes it
        await b.send("from b");
        assert.deepEqual(texts(await withTimeout(a.receive(), 3000, "from b")), ["from b"]);
        await settle(100);
        await rejectsWithCode(a.receive(), "EAGAIN");
        await a.send("to b");
        assert.deepEqual(texts(await withTimeout(b.receive(), 3000, "to b")), ["to b"]);
      } finally {
        closeAll(a, b, c);
      }
    });
  });
}
