// Code written against zeromq.js's typings compiles and runs against ours:
// the patterns of zeromq.js's own typings test (the Event union narrowed by
// `type`, error events with `code` and `errno`, connect:retry with
// `interval`, options objects, the global context, the Proxy). The check
// stage type-checks this file; the test runs it over inproc.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as zmq from "../mod.ts";

test("zeromq.js-style code type-checks and runs", { timeout: 10000 }, async () => {
  assert.equal(typeof zmq.version, "string");
  if (zmq.capability.curve) {
    const { publicKey, secretKey } = zmq.curveKeyPair();
    assert.equal(publicKey.length + secretKey.length, 80);
  }
  const context = new zmq.Context({ blocky: false, ioThreads: 1 });
  const ipv6: boolean = zmq.context.ipv6;
  assert.equal(ipv6, false);
  const socket = new zmq.Dealer({ context, routingId: "me", linger: 0 });
  const router = new zmq.Router({ mandatory: false, linger: 0 });
  const seen: string[] = [];
  socket.events.on("connect:retry", (details) => seen.push(`${details.interval} ${details.address}`));
  socket.events.on("accept:error", (details) => seen.push(`${details.error.code} ${details.error.errno}`));
  const observer = new zmq.Observer(router);
  try {
    await router.bind("inproc://typings");
    router.connect("inproc://typings-nowhere");
    router.close();
    for await (const event of observer) {
      switch (event.type) {
        case "end":
        case "unknown":
          seen.push(event.type);
          break;
        case "connect:retry":
          seen.push(`${event.interval} ${event.address}`);
          break;
        case "accept:error":
        case "bind:error":
        case "close:error":
        case "handshake:error:other":
          seen.push(`${event.error.code} ${event.error.errno} ${event.address}`);
          break;
        case "handshake:error:auth":
          seen.push(String(event.error.status));
          break;
        default:
          seen.push(event.address);
      }
    }
    assert.deepEqual(seen, ["end"]);
    const type: zmq.EventType = "bind";
    const bind: zmq.EventOfType<"bind"> = { type, address: "tcp://127.0.0.1:5555" };
    assert.equal(bind.address.startsWith("tcp://"), true);
    assert.equal(socket.type, zmq.SocketType.Dealer);
    assert.equal(socket.securityMechanism, null);
  } finally {
    socket.close();
    router.close();
  }
});
