// A loop of `await send()` or `await receive()` that never has to wait must
// still let timers and I/O run (zeromq.js's "should not starve event loop"):
// after a run of calls that completed at once, one resolves on a later
// macrotask.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Publisher, Pull, Push, Subscriber } from "../mod.ts";
import { syncPubSub } from "./_helpers.ts";

const T = { timeout: 30000 };

describe("send() and receive() do not starve the event loop", () => {
  test("a PUB sending in a tight loop lets timers run and its subscriber receive meanwhile", T, async () => {
    const pub = new Publisher({ linger: 0 });
    const sub = new Subscriber({ linger: 0, receiveHighWaterMark: 0 });
    try {
      await pub.bind("tcp://127.0.0.1:*");
      sub.connect(pub.lastEndpoint!);
      sub.subscribe("");
      await syncPubSub(pub, sub);
      let received = 0;
      const BANG = new Uint8Array([0x21]);
      let ended = false;
      const consuming = (async () => {
        for await (const [m] of sub) {
          if (m.length === 1 && m[0] === 0x21) break;
          received++;
        }
        ended = true;
      })();
      let timerFired = false;
      const timer = setTimeout(() => timerFired = true, 0);
      const payload = new Uint8Array(64);
      // Enough messages that the loop outlasts any timer's minimum delay.
      const N = 100_000;
      for (let i = 0; i < N; i++) await pub.send(payload);
      const timerDuringLoop = timerFired, receivedDuringLoop = received;
      clearTimeout(timer);
      // The last word ends the consumer; PUB may drop it at the HWM, so repeat it.
      for (let k = 0; k < 1000 && !ended; k++) {
        await pub.send(BANG);
        await new Promise((r) => setTimeout(r, 10));
      }
      await consuming;
      assert.ok(timerDuringLoop, "a timer due during the send loop did not run before the loop ended");
      assert.ok(receivedDuringLoop > 0, "the subscriber got nothing while the publisher was looping");
    } finally {
      sub.close();
      pub.close();
    }
  });

  test("a receive loop over a full queue lets timers run", T, async () => {
    const name = `inproc://starve-${Date.now()}`;
    const pull = new Pull({ linger: 0, receiveHighWaterMark: 0 });
    const push = new Push({ linger: 0, sendHighWaterMark: 0 });
    try {
      await pull.bind(name);
      push.connect(name);
      const N = 20_000;
      // inproc moves each message into the PULL's queue at once.
      for (let i = 0; i < N; i++) await push.send("x");
      let timerFired = false;
      const timer = setTimeout(() => timerFired = true, 0);
      let during = false;
      for (let i = 0; i < N; i++) {
        await pull.receive();
        if (timerFired && !during) during = i < N - 1;
      }
      clearTimeout(timer);
      assert.ok(during, "a timer due during the receive loop did not run before the loop ended");
    } finally {
      push.close();
      pull.close();
    }
  });

  test("for await over a full queue lets timers run", T, async () => {
    const name = `inproc://starve-iter-${Date.now()}`;
    const pull = new Pull({ linger: 0, receiveHighWaterMark: 0 });
    const push = new Push({ linger: 0, sendHighWaterMark: 0 });
    try {
      await pull.bind(name);
      push.connect(name);
      const N = 20_000;
      for (let i = 0; i < N; i++) await push.send("x");
      let timerFired = false;
      const timer = setTimeout(() => timerFired = true, 0);
      let during = false, i = 0;
      for await (const _ of pull) {
        if (++i === N) break;
        if (timerFired) during = true;
      }
      clearTimeout(timer);
      assert.ok(during, "a timer due during the iteration did not run before it ended");
    } finally {
      push.close();
      pull.close();
    }
  });
});
