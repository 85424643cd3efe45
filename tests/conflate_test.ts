// ZMQ_CONFLATE and ZMQ_INVERT_MATCHING, on every stream transport.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Publisher, Pull, Push, Router, Subscriber } from "../mod.ts";
import {
  bindFresh,
  closeAll,
  nextEvents,
  rejectsWithCode,
  sendersGone,
  syncPubSub,
  texts,
  TRANSPORTS,
  unboundAddress,
  WAIT,
  withTimeout,
} from "./_helpers.ts";

const T = { timeout: 15000 };

for (const tr of TRANSPORTS) {
  test(`Pull with conflate keeps only the last message (${tr})`, T, async () => {
    const pull = new Pull({ conflate: true, linger: 0, receiveTimeout: 0 });
    const push = new Push({ linger: 0 });
    try {
      const ep = await bindFresh(pull, tr);
      push.connect(ep);
      for (let i = 0; i < 20; i++) await push.send(String(i));
      await sendersGone(pull, push); // all 20 have arrived
      assert.deepEqual(texts(await pull.receive()), ["19"]);
      await rejectsWithCode(pull.receive(), "EAGAIN");
    } finally {
      closeAll(push, pull);
    }
  });

  test(`Push with conflate, connected before the bind, delivers only the last message (${tr})`, T, async () => {
    const ep = await unboundAddress(tr);
    const push = new Push({ conflate: true, linger: 0, sendHighWaterMark: 1 });
    const pull = new Pull({ linger: 0, receiveTimeout: 300 });
    try {
      push.connect(ep);
      // With conflate the HWM of 1 does not make these wait.
      for (let i = 0; i < 10; i++) await withTimeout(push.send(String(i)), 1000, "send");
      await pull.bind(ep);
      assert.deepEqual(texts(await withTimeout(pull.receive(), 5000, "receive")), ["9"]);
      await rejectsWithCode(pull.receive(), "EAGAIN");
    } finally {
      closeAll(push, pull);
    }
  });

  test(`Subscriber with conflate gets the latest update only (${tr})`, T, async () => {
    const pub = new Publisher({ linger: 0 });
    const sub = new Subscriber({ conflate: true, linger: 0, receiveTimeout: 0 });
    try {
      const ep = await bindFresh(pub, tr);
      sub.connect(ep);
      sub.subscribe("price", "sync");
      await syncPubSub(pub, sub);
      for (let i = 1; i <= 50; i++) await pub.send(`price ${i}`);
      await sendersGone(sub, pub); // all 50 have arrived
      assert.deepEqual(texts(await sub.receive()), ["price 50"]);
      await rejectsWithCode(sub.receive(), "EAGAIN");
    } finally {
      closeAll(pub, sub);
    }
  });

  test(`invertMatching: PUB sends what a SUB did not subscribe to (${tr})`, T, async () => {
    const pub = new Publisher({ linger: 0, invertMatching: true });
    const sub = new Subscriber({ linger: 0, invertMatching: true, receiveTimeout: WAIT });
    try {
      const ep = await bindFresh(pub, tr);
      sub.subscribe("noise");
      // A PUB drops what it publishes before the subscriber is attached.
      const up = nextEvents(pub, "handshake");
      sub.connect(ep);
      await withTimeout(up, WAIT, "handshake");
      await pub.send("noise 1");
      await pub.send("signal 1");
      await pub.send("noise 2");
      await pub.send("signal 2");
      assert.deepEqual(texts(await sub.receive()), ["signal 1"]);
      assert.deepEqual(texts(await sub.receive()), ["signal 2"]);
    } finally {
      closeAll(pub, sub);
    }
  });
}

test("conflate is refused by the types libzmq does not conflate, with a TypeError naming the type", () => {
  assert.throws(() => new Router({ conflate: true } as never), /Option "conflate" does not apply to ROUTER sockets/);
});
