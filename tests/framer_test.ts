// The framing seam (lib/zmtp/framer.ts): the batch FrameEncoder, the ZMTP
// 3.x framer's greeting, the ZWS 2.0 framer, and bare ZWS2.0's mechanism.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { COMMAND, encodeFrame, FrameDecoder, FrameEncoder, LONG, MORE, ZERO_COPY } from "../lib/zmtp/frame.ts";
import type { FramerContext, FramerHandler, PeerGreeting } from "../lib/zmtp/framer.ts";
import { ZmtpFramer } from "../lib/zmtp/zmtp_framer.ts";
import { ZWS_PONG, ZwsFramer } from "../lib/zmtp/zws_framer.ts";
import { encodeCommand, encodePing } from "../lib/zmtp/command.ts";
import { NullMechanism } from "../lib/zmtp/mechanisms/null.ts";
import { BareMechanism, zwsFramer } from "../lib/zws.ts";
import { HandshakeError, ProtocolError } from "../lib/errors.ts";
import { bytes, concat, rawGreeting, text } from "./_helpers.ts";

interface Recorder extends FramerHandler {
  sent: Uint8Array[];
  greetings: PeerGreeting[];
  frames: { flags: number; body: Uint8Array }[];
}

function recorder(): Recorder {
  const r: Recorder = {
    sent: [],
    greetings: [],
    frames: [],
    send: (c) => r.sent.push(c.slice()),
    greeting: (g) => r.greetings.push(g),
    frame: (flags, body) => r.frames.push({ flags, body: body.slice() }),
  };
  return r;
}

const CTX: FramerContext = { mechanism: "NULL", asServer: false, maxMessageSize: -1 };

function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

describe("FrameEncoder", () => {
  test("small frames come out as one buffer, byte for byte what encodeFrame() makes", () => {
    const flags = [MORE, 0, COMMAND, 0];
    const bodies = [bytes("a"), new Uint8Array(0), encodeCommand("PING", Uint8Array.of(0, 0)), filled(300, 1)];
    const chunks = new FrameEncoder().encode(flags, bodies, 4);
    assert.equal(chunks.length, 1);
    assert.deepEqual(chunks[0], concat(...bodies.map((b, i) => encodeFrame(flags[i], b))));
  });

  test("a body of ZERO_COPY bytes or more is its own chunk, uncopied, between views of one buffer", () => {
    const big1 = filled(ZERO_COPY, 2), big2 = filled(ZERO_COPY + 5, 3);
    const flags = [MORE, 0, 0, MORE, 0];
    const bodies = [bytes("head"), big1, bytes("x"), big2, bytes("tail")];
    const chunks = new FrameEncoder().encode(flags, bodies, 5);
    assert.equal(chunks.length, 5);
    assert.equal(chunks[1], big1, "the same array, not a copy");
    assert.equal(chunks[3], big2);
    assert.equal(chunks[0].buffer, chunks[2].buffer, "one buffer for the small parts");
    assert.equal(chunks[2].buffer, chunks[4].buffer);
    assert.deepEqual(concat(...chunks), concat(...bodies.map((b, i) => encodeFrame(flags[i], b))));
    // The decoder, its mirror, gets the frames back.
    const got: { flags: number; body: Uint8Array }[] = [];
    const d = new FrameDecoder((f, b) => got.push({ flags: f, body: b.slice() }));
    for (const c of chunks) d.push(c);
    assert.deepEqual(got.map((g) => g.flags), [MORE, LONG, 0, MORE | LONG, 0]);
    assert.deepEqual(got.map((g) => g.body), bodies);
  });

  test("the batch buffer comes from the transport's allocator, at its exact size", () => {
    const sizes: number[] = [];
    const enc = new FrameEncoder((n) => {
      sizes.push(n);
      return new Uint8Array(n);
    });
    enc.encode([0, 0], [filled(10, 1), filled(ZERO_COPY, 1)], 2);
    assert.deepEqual(sizes, [2 + 10 + 9]);
  });
});

describe("ZmtpFramer", () => {
  test("sends the signature first, the rest of its greeting once the peer's signature is in", () => {
    const r = recorder();
    const f = new ZmtpFramer(r, { ...CTX, mechanism: "PLAIN", asServer: true });
    f.start();
    assert.equal(r.sent.length, 1);
    assert.deepEqual([r.sent[0].length, r.sent[0][0], r.sent[0][9]], [10, 0xff, 0x7f]);
    const peer = rawGreeting(1, "NULL", false);
    f.receive(peer.subarray(0, 9));
    assert.equal(r.sent.length, 1, "nothing more before the peer's 10th byte");
    f.receive(peer.subarray(9, 11));
    assert.equal(r.sent.length, 2);
    assert.deepEqual([...r.sent[1].subarray(0, 2)], [3, 1]);
    assert.equal(text(r.sent[1].subarray(2, 7)), "PLAIN");
    assert.equal(r.sent[1][22], 1, "as-server");
    assert.equal(r.greetings.length, 0);
    // The greeting's end and two frames in one chunk.
    f.receive(concat(peer.subarray(11), encodeFrame(COMMAND, bytes("cmd")), encodeFrame(0, bytes("m"))));
    assert.deepEqual(r.greetings, [{ major: 3, minor: 1, mechanism: "NULL", asServer: false }]);
    assert.deepEqual(r.frames, [{ flags: COMMAND, body: bytes("cmd") }, { flags: 0, body: bytes("m") }]);
  });

  test("a bad signature throws a HandshakeError", () => {
    const f = new ZmtpFramer(recorder(), CTX);
    f.start();
    assert.throws(() => f.receive(new Uint8Array(10)), HandshakeError);
  });

  test("to a ZMTP 2.0 peer: the major version alone, then the type octet and identity; 2.0 frames after", () => {
    const r = recorder();
    const f = new ZmtpFramer(r, { ...CTX, legacy: { socketType: "DEALER", identity: bytes("me") } });
    f.start();
    assert.deepEqual([...r.sent[0].subarray(7, 10)], [0, 3, 0x7f], "the padding is a 1.0 length: identity + 1");
    const sig = Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f);
    f.receive(sig);
    assert.deepEqual([...r.sent[1]], [3], "only the major version before the peer's revision");
    f.receive(concat(Uint8Array.of(1, 6), encodeFrame(0, bytes("id")), encodeFrame(MORE, bytes("a"))));
    assert.deepEqual([...r.sent[2]], [5, 0, 2, ...bytes("me")], "DEALER, then our identity frame");
    assert.deepEqual(r.greetings, [{
      major: 2,
      minor: 0,
      mechanism: "NULL",
      asServer: false,
      legacy: { socketType: "ROUTER", identity: bytes("id") },
    }]);
    assert.deepEqual(r.frames, [{ flags: MORE, body: bytes("a") }]);
    assert.throws(() => f.receive(encodeFrame(COMMAND, bytes("x"))), ProtocolError, "no commands in ZMTP 2.0");
  });

  test("to a ZMTP 1.0 peer: our identity's body after the signature, then 1.0 frames both ways", () => {
    const r = recorder();
    const f = new ZmtpFramer(r, { ...CTX, legacy: { socketType: "PUSH", identity: bytes("me") } });
    f.start();
    f.receive(Uint8Array.of(3, 0, 0x69, 0x64, 2, 1, 0x61, 1, 0));
    assert.deepEqual(r.sent.slice(1), [bytes("me")]);
    assert.deepEqual(r.greetings[0].legacy, { socketType: null, identity: bytes("id") });
    assert.deepEqual(r.frames, [{ flags: MORE, body: bytes("a") }, { flags: 0, body: new Uint8Array(0) }]);
    assert.deepEqual(f.encode([MORE, 0], [bytes("a"), bytes("b")], 2), [Uint8Array.of(2, 1, 0x61, 2, 0, 0x62)]);
  });

  test("without a legacy context (a mechanism), an old peer is a HandshakeError before anything more is sent", () => {
    for (const peer of [Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1, 8), Uint8Array.of(1, 0)]) {
      const r = recorder();
      const f = new ZmtpFramer(r, { ...CTX, mechanism: "PLAIN" });
      f.start();
      assert.throws(() => f.receive(peer), HandshakeError);
      assert.equal(r.sent.length, 1, "the signature only");
    }
  });

  test("encode() is the FrameEncoder's", () => {
    const f = new ZmtpFramer(recorder(), CTX);
    assert.deepEqual(f.encode([MORE, 0], [bytes("a"), bytes("b")], 2), [Uint8Array.of(1, 1, 0x61, 0, 1, 0x62)]);
  });
});

describe("ZwsFramer", () => {
  const opts = { mechanism: "NULL", peerAsServer: false };

  test("knows the peer at start(), with no bytes sent, and takes one message as one frame", () => {
    const r = recorder();
    const f = new ZwsFramer(r, CTX, opts);
    f.start();
    assert.equal(r.sent.length, 0);
    assert.deepEqual(r.greetings, [{ major: 3, minor: 0, mechanism: "NULL", asServer: false }]);
    f.receive(Uint8Array.of(0x01, 0x61));
    f.receive(Uint8Array.of(0x02, 4, 0x50, 0x4f, 0x4e, 0x47));
    f.receive(Uint8Array.of(0x00));
    assert.deepEqual(r.frames, [
      { flags: MORE, body: bytes("a") },
      { flags: COMMAND, body: encodeCommand("PONG") },
      { flags: 0, body: new Uint8Array(0) },
    ]);
  });

  test("waits without a subprotocol (a connection being refused)", () => {
    const r = recorder();
    new ZwsFramer(r, CTX, { ...opts, mechanism: null }).start();
    assert.equal(r.greetings.length, 0);
  });

  test("hands the body out as a view into the message, without a copy", () => {
    const seen: Uint8Array[] = [];
    const f = new ZwsFramer({ send() {}, greeting() {}, frame: (_f, b) => seen.push(b) }, CTX, opts);
    const m = Uint8Array.of(0x00, 1, 2, 3);
    f.receive(m);
    assert.equal(seen[0].buffer, m.buffer);
    assert.deepEqual([...seen[0]], [1, 2, 3]);
  });

  test("rejects an empty message, reserved flag bits and a frame over maxMessageSize", () => {
    const f = new ZwsFramer(recorder(), { ...CTX, maxMessageSize: 3 }, opts);
    assert.throws(() => f.receive(new Uint8Array(0)), ProtocolError);
    assert.throws(() => f.receive(Uint8Array.of(0x04)), /reserved flag bits/);
    assert.throws(() => f.receive(Uint8Array.of(0x00, 1, 2, 3, 4)), { code: "EMSGSIZE" });
    f.receive(Uint8Array.of(0x00, 1, 2, 3));
  });

  test("encodes one message per frame, flags first", () => {
    const f = new ZwsFramer(recorder(), CTX, opts);
    const big = filled(70000, 4);
    const out = f.encode([MORE, COMMAND, 0], [bytes("a"), bytes("c"), big], 3);
    assert.deepEqual(out.slice(0, 2), [Uint8Array.of(0x01, 0x61), Uint8Array.of(0x02, 0x63)]);
    assert.equal(out[2].length, 70001);
    assert.equal(out[2][0], 0);
    assert.deepEqual(out[2].subarray(1), big);
  });

  test("a PING goes as a WebSocket ping where the WebSocket can, else as a command frame", () => {
    let can = true, pings = 0;
    const f = new ZwsFramer(recorder(), CTX, {
      ...opts,
      ping: () => {
        if (can) pings++;
        return can;
      },
    });
    const ping = encodePing(10);
    assert.deepEqual(f.encode([COMMAND, 0], [ping, bytes("m")], 2), [Uint8Array.of(0, 0x6d)]);
    assert.equal(pings, 1);
    can = false;
    assert.deepEqual(f.encode([COMMAND], [ping], 1), [concat(Uint8Array.of(0x02), ping)]);
    // A message that happens to look like PING is a message.
    can = true;
    assert.equal(f.encode([0], [ping], 1).length, 1);
    assert.equal(pings, 1);
  });

  test("ZWS_PONG, what a WebSocket pong stands for, decodes to a PONG command", () => {
    const r = recorder();
    new ZwsFramer(r, CTX, opts).receive(ZWS_PONG);
    assert.deepEqual(r.frames, [{ flags: COMMAND, body: encodeCommand("PONG") }]);
  });
});

describe("bare ZWS2.0", () => {
  const nullMech = (socketType: string, identity?: Uint8Array) =>
    new NullMechanism({ socketType, identity, peerAddress: "here" });

  test("zwsFramer() runs BareMechanism for ZWS2.0, the socket's own for ZWS2.0/NULL", () => {
    const own = nullMech("DEALER");
    assert.ok(zwsFramer(recorder(), CTX, "ZWS2.0").mechanism!(own) instanceof BareMechanism);
    assert.equal(zwsFramer(recorder(), CTX, "ZWS2.0/NULL").mechanism, undefined);
  });

  test("sends its routing id as a message frame and takes the peer's as its Identity", () => {
    const m = new BareMechanism(nullMech("DEALER", bytes("me")));
    assert.equal(m.handshakeFlags, 0);
    assert.deepEqual(m.start().send, [bytes("me")]);
    const step = m.receive(bytes("you"), 0);
    assert.equal(text(step.done!.properties.get("Socket-Type")!), "REP", "the first type a DEALER accepts");
    assert.equal(text(step.done!.properties.get("Identity")!), "you");
    assert.equal(
      new BareMechanism(nullMech("PULL")).receive(new Uint8Array(0), 0).done!.properties.has("Identity"),
      false,
    );
    assert.deepEqual(new BareMechanism(nullMech("PUSH")).start().send, [new Uint8Array(0)]);
  });

  test("a first frame with MORE or COMMAND set is not a routing id", () => {
    const m = new BareMechanism(nullMech("PULL"));
    assert.throws(() => m.receive(bytes("x"), MORE), /first frame must be a routing id/);
    assert.throws(() => m.receive(bytes("x"), COMMAND), ProtocolError);
  });

  test("a socket whose NULL asks ZAP refuses it (ZWS2.0 runs no ZAP, as in libzmq)", () => {
    const zapNull = { name: "NULL", asServer: false, start: () => ({ send: [] }), receive: () => ({ send: [] }) };
    assert.throws(() => new BareMechanism(zapNull).start(), HandshakeError);
  });
});
