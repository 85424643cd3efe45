// Greeting encode/parse (RFC 23 §"Version Negotiation", RFC 37).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  encodeGreetingRest,
  encodeSignature,
  GREETING_SIZE,
  isSignature,
  LEGACY_SOCKET_TYPES,
  parseGreeting,
  SIGNATURE_SIZE,
} from "../lib/zmtp/greeting.ts";
import { HandshakeError } from "../lib/errors.ts";
import { concat, rawGreeting } from "./_helpers.ts";

describe("greeting", () => {
  test("encodeSignature() is FF, 8 padding octets, 7F", () => {
    const s = encodeSignature();
    assert.equal(s.length, SIGNATURE_SIZE);
    assert.equal(s[0], 0xff);
    assert.equal(s[9], 0x7f);
    assert.ok(isSignature(s));
  });

  test("encodeSignature() pads with a ZMTP 1.0 length: the identity's plus the flags octet (as libzmq)", () => {
    assert.deepEqual([...encodeSignature()], [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f]);
    assert.deepEqual([...encodeSignature(5).subarray(1, 9)], [0, 0, 0, 0, 0, 0, 0, 6]);
    assert.deepEqual([...encodeSignature(255).subarray(1, 9)], [0, 0, 0, 0, 0, 0, 1, 0]);
  });

  test("LEGACY_SOCKET_TYPES holds RFC 15's socket type octets", () => {
    assert.deepEqual(
      ["PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB"].map((t) =>
        LEGACY_SOCKET_TYPES.indexOf(t)
      ),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  });

  test("encodeGreetingRest() holds version 3.1, the mechanism, as-server and a zero filler", () => {
    const r = encodeGreetingRest("NULL", false);
    assert.equal(r.length, GREETING_SIZE - SIGNATURE_SIZE);
    assert.deepEqual([...r.subarray(0, 2)], [3, 1]);
    assert.equal(String.fromCharCode(...r.subarray(2, 6)), "NULL");
    assert.ok(r.subarray(6, 22).every((b) => b === 0), "mechanism is NUL-padded");
    assert.equal(r[22], 0);
    assert.ok(r.subarray(23).every((b) => b === 0), "filler is zero");
    assert.equal(encodeGreetingRest("PLAIN", true)[22], 1);
  });

  test("parseGreeting() reads back what the encoder wrote", () => {
    const g = concat(encodeSignature(), encodeGreetingRest("PLAIN", true));
    assert.equal(g.length, GREETING_SIZE);
    assert.deepEqual(parseGreeting(g), { major: 3, minor: 1, mechanism: "PLAIN", asServer: true });
    const n = concat(encodeSignature(), encodeGreetingRest("NULL", false));
    assert.deepEqual(parseGreeting(n), { major: 3, minor: 1, mechanism: "NULL", asServer: false });
  });

  test("parseGreeting() matches an independently built greeting, including ZMTP 3.0", () => {
    assert.deepEqual(parseGreeting(rawGreeting(0, "CURVE", true)), {
      major: 3,
      minor: 0,
      mechanism: "CURVE",
      asServer: true,
    });
  });

  test("parseGreeting() reads a mechanism name that fills all 20 octets", () => {
    const g = rawGreeting(1, "ABCDEFGHIJKLMNOPQRST");
    assert.equal(parseGreeting(g).mechanism, "ABCDEFGHIJKLMNOPQRST");
  });

  test("isSignature() ignores the padding", () => {
    const g = rawGreeting();
    for (let i = 1; i <= 8; i++) g[i] = 0x5a + i;
    assert.ok(isSignature(g));
    g[9] = 0x7f;
    assert.equal(parseGreeting(g).minor, 1);
  });

  test("isSignature() is false for a ZMTP 1.0 peer's first frame: a wrong first octet or flags without bit 0", () => {
    const bad1 = rawGreeting();
    bad1[0] = 0x00;
    assert.equal(isSignature(bad1), false);
    const bad2 = rawGreeting();
    bad2[9] = 0x7e; // low bit clear: the flags of a 1.0 frame with an 8-octet length
    assert.equal(isSignature(bad2), false);
  });

  test("parseGreeting() rejects versions below 3", () => {
    for (const major of [1, 2]) {
      assert.throws(() => parseGreeting(rawGreeting(0, "NULL", false, major)), HandshakeError);
    }
    assert.doesNotThrow(() => parseGreeting(rawGreeting(0, "NULL", false, 3)));
  });

  test("parseGreeting() ignores the filler", () => {
    const g = rawGreeting(1, "NULL", true);
    for (let i = 33; i < 64; i++) g[i] = 0xee;
    assert.deepEqual(parseGreeting(g), { major: 3, minor: 1, mechanism: "NULL", asServer: true });
  });
});
