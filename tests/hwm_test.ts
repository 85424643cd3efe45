// High-water marks and the mute state (RFC 28-30): PUSH waits, PUB and
// ROUTER drop. TCP and the OS buffers absorb a lot, so messages are large,
// both HWMs small, and counts are asserted as bounds, not exact values.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Dealer, Publisher, Pull, Push, Router, Subscriber } from "../mod.ts";
import {
  bindFresh,
  closeAll,
  nextEvents,
  receiveData,
  rejectsWithCode,
  stillPending,
  syncPubSub,
  text,
  TRANSPORTS,
  WAIT,
  withTimeout,
  WS_NO_FLOW_CONTROL,
  WS_UNBOUNDED,
} from "./_helpers.ts";

const T = { timeout: 20000 };
const BIG = new Uint8Array(256 * 1024);
// No transport here should take anywhere near this many 256 KiB messages
// (100 MiB) while the receiver does not read.
const CAP = 400;

/** Sends until `send` fails with EAGAIN; returns how many went through. */
async function fillUntilEagain(send: (i: number) => Promise<void>): Promise<number> {
  for (let i = 0; i < CAP; i++) {
    try {
      await send(i);
    } catch (e) {
      if ((e as { code?: string }).code !== "EAGAIN") throw e;
      return i;
    }
  }
  return CAP;
}

for (const tr of TRANSPORTS) {
  // Tests that need the receiver to push back on the sender.
  const TB = tr === "ws" && WS_UNBOUNDED ? { ...T, todo: WS_NO_FLOW_CONTROL } : T;
  describe(`high-water marks over ${tr}`, () => {
    test(`PUSH send() waits at the HWM and sendTimeout rejects with EAGAIN (${tr})`, TB, async () => {
      const pull = new Pull({ linger: 0, receiveHighWaterMark: 2 });
      const push = new Push({ linger: 0, sendHighWaterMark: 2, sendTimeout: 200 });
      try {
        const ep = await bindFresh(pull, tr);
        const up = nextEvents(push, "handshake");
        push.connect(ep);
        await withTimeout(up, 3000, "handshake");
        const sent = await fillUntilEagain((i) => push.send([String(i), BIG]));
        assert.ok(sent >= 2, `at least the HWM went out (${sent})`);
        assert.ok(sent < CAP, `the sender got blocked (${sent} sent)`);
        // inproc has no buffers in between: exactly both HWMs, as in libzmq.
        if (tr === "inproc") assert.equal(sent, 4);
        // Without a timeout, send() stays pending while the receiver is stuck...
        push.sendTimeout = -1;
        const pending = push.send(["last", BIG]);
        assert.ok(await stillPending(pending, 150), "send() is still pending");
        // ...and completes once the receiver reads.
        for (let i = 0; i < sent; i++) {
          const [seq, body] = await withTimeout(pull.receive(), 5000, `message ${i}`);
          assert.equal(text(seq), String(i));
          assert.equal(body.length, BIG.length);
        }
        await withTimeout(pending, 5000, "the pending send");
        assert.equal(text((await withTimeout(pull.receive(), 5000, "last"))[0]), "last");
      } finally {
        closeAll(push, pull);
      }
    });

    test(`PUB drops for a slow subscriber and never blocks (${tr})`, T, async () => {
      const pub = new Publisher({ linger: 0, sendHighWaterMark: 5, sendTimeout: 0 });
      const sub = new Subscriber({ linger: 0, receiveHighWaterMark: 5 });
      const N = 2000;
      const payload = new Uint8Array(64 * 1024);
      try {
        sub.subscribe();
        sub.connect(await bindFresh(pub, tr));
        await syncPubSub(pub, sub);
        // sendTimeout 0: a send that had to wait would reject with EAGAIN.
        for (let i = 0; i < N; i++) await pub.send([String(i), payload]);
        // The first one surely comes; after that, a pause ends the count.
        sub.receiveTimeout = WAIT;
        let received = 0, last = -1;
        for (;;) {
          let m: string[];
          try {
            m = await receiveData(sub);
          } catch (e) {
            if ((e as { code?: string }).code === "EAGAIN") break;
            throw e;
          }
          const seq = Number(m[0]);
          assert.ok(seq > last, "order is kept across drops");
          last = seq;
          received++;
          sub.receiveTimeout = 300;
        }
        assert.ok(received > 0, "the subscriber got some messages");
        assert.ok(received < N, `some were dropped (${received} of ${N} arrived)`);
        if (tr === "inproc") assert.equal(received, 10);
      } finally {
        closeAll(sub, pub);
      }
    });

    test(`ROUTER drops at the HWM, and waits then fails with EAGAIN when mandatory (${tr})`, TB, async () => {
      const router = new Router({ linger: 0, sendHighWaterMark: 2, sendTimeout: 0 });
      const dealer = new Dealer({ linger: 0, routingId: "d", receiveHighWaterMark: 2 });
      try {
        dealer.connect(await bindFresh(router, tr));
        await dealer.send("hello");
        await withTimeout(router.receive(), 3000, "hello");
        // Not mandatory: every send resolves at once (sendTimeout 0), the excess is dropped.
        for (let i = 0; i < CAP; i++) await router.send(["d", String(i), BIG]);
        // The first one surely comes; after that, a pause ends the count.
        dealer.receiveTimeout = WAIT;
        let received = 0;
        for (;;) {
          try {
            await dealer.receive();
            received++;
            dealer.receiveTimeout = 300;
          } catch (e) {
            if ((e as { code?: string }).code === "EAGAIN") break;
            throw e;
          }
        }
        assert.ok(received > 0 && received < CAP, `dropped some (${received} of ${CAP} arrived)`);
        // Mandatory: a full peer makes send() wait, so the timeout fires.
        router.mandatory = true;
        router.sendTimeout = 200;
        const sent = await fillUntilEagain((i) => router.send(["d", String(i), BIG]));
        assert.ok(sent < CAP, `mandatory ROUTER blocked at the HWM (${sent} sent)`);
        await rejectsWithCode(router.send(["d", "more", BIG]), "EAGAIN");
      } finally {
        closeAll(dealer, router);
      }
    });
  });
}
