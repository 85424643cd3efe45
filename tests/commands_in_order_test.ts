// Commands that travel in order with messages (SUBSCRIBE/CANCEL, JOIN/LEAVE)
// reach only the socket types they are for, typed; a peer that sends them to
// another type (RFC 37: unexpected commands may be ignored) cannot make them
// look like messages.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pull, XPublisher } from "../mod.ts";
import { bytes, F_COMMAND, rawCommand, rawFrame, rawMessage, RawPeer, texts } from "./_helpers.ts";

const T = { timeout: 15000 };

describe("commands queued with messages", () => {
  test("SUBSCRIBE, CANCEL and JOIN from a PUSH peer are ignored by a PULL, not received as messages", T, async () => {
    const pull = new Pull({ linger: 0, receiveTimeout: 5000 });
    let peer: RawPeer | undefined;
    try {
      await pull.bind("tcp://127.0.0.1:*");
      peer = await RawPeer.connect(pull.lastEndpoint!);
      await peer.handshake("PUSH");
      peer.write(rawFrame(F_COMMAND, rawCommand("SUBSCRIBE", bytes("topic"))));
      peer.write(rawFrame(F_COMMAND, rawCommand("CANCEL", bytes("topic"))));
      peer.write(rawFrame(F_COMMAND, rawCommand("JOIN", bytes("group"))));
      peer.write(rawMessage("data"));
      assert.deepEqual(texts(await pull.receive()), ["data"]);
    } finally {
      peer?.destroy();
      pull.close();
    }
  });

  test("a SUBSCRIBE command from a SUB reaches an XPUB as a subscription message, in order", T, async () => {
    const xpub = new XPublisher({ linger: 0, receiveTimeout: 5000 });
    let peer: RawPeer | undefined;
    try {
      await xpub.bind("tcp://127.0.0.1:*");
      peer = await RawPeer.connect(xpub.lastEndpoint!);
      await peer.handshake("SUB");
      peer.write(rawFrame(F_COMMAND, rawCommand("SUBSCRIBE", bytes("a"))));
      peer.write(rawMessage("\x01b")); // ZMTP 3.0 form, as libzmq 4.3's SUB sends it
      peer.write(rawFrame(F_COMMAND, rawCommand("CANCEL", bytes("a"))));
      assert.deepEqual(texts(await xpub.receive()), ["\x01a"]);
      assert.deepEqual(texts(await xpub.receive()), ["\x01b"]);
      assert.deepEqual(texts(await xpub.receive()), ["\x00a"]);
    } finally {
      peer?.destroy();
      xpub.close();
    }
  });
});
