// CURVE's own XSalsa20-Poly1305 (lib/zmtp/mechanisms/salsa.ts): NaCl's
// published vectors (libsodium's test/default box, secretbox and
// onetimeauth, and RFC 8439's Poly1305 edge cases), then random inputs
// against @noble/ciphers, and the MESSAGE codec's in-place decoding.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { x25519 } from "@noble/curves/ed25519.js";
import { xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { poly1305 } from "@noble/ciphers/_poly1305.js";
import { boxKey, boxOpen, boxSeal, CurveCodec } from "../lib/zmtp/mechanisms/curve.ts";
import { onetimeauth, useSimd, useWasm } from "../lib/zmtp/mechanisms/salsa.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/\s/g, "").match(/../g) ?? [], (x) => parseInt(x, 16));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

// NaCl's box test (nacl-20110221 tests/box.c, also libsodium's test/default/box.c).
const ALICE_SK = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
const BOB_PK = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
const SHARED = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
const BOX_KEY = hex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");
const NONCE = hex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");
const MESSAGE = hex(`
  be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01
  233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd
  4924ca1c60902e52f0a089bc76897040e082f937763848645e0705`);
const TAG = "f3ffc7703f9400e52a7dfb4b3d3305d9";
const CIPHERTEXT = `
  8e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c20f
  9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de
  56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5`.replace(/\s/g, "");
// libsodium's test/default/onetimeauth.c key (the box's Poly1305 key).
const OTA_KEY = hex("eea6a7251c1e72916d11c2cb214d3c252539121d8e234e652d651fa4c8cff880");

const rnd = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));
// A deterministic generator for lengths, so that a failure repeats.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 0x100000000;
}

// Every test runs three times: seal(), open() and onetimeauth() through the
// WebAssembly module (salsa.wat) with its SIMD keystream and without, and
// through the TypeScript alone.
const simdBefore = useSimd(true);
for (const backend of ["WebAssembly with SIMD", "WebAssembly without SIMD", "TypeScript"]) {
  const wasm = backend !== "TypeScript";
  const use = () => {
    assert.equal(useWasm(wasm), wasm, "the WebAssembly path is there");
    useSimd(backend === "WebAssembly with SIMD");
  };
  describe(`XSalsa20-Poly1305 (${backend}) against NaCl's vectors`, () => {
    before(use);
    test("crypto_box_beforenm of Alice and Bob gives NaCl's box key", () => {
      const shared = x25519.getSharedSecret(ALICE_SK, BOB_PK);
      assert.equal(toHex(shared), toHex(SHARED));
      assert.equal(toHex(boxKey(shared)), toHex(BOX_KEY));
    });

    test("crypto_box_afternm / crypto_secretbox: tag then ciphertext as published", () => {
      const box = boxSeal(BOX_KEY, NONCE, MESSAGE);
      assert.equal(toHex(box), TAG + CIPHERTEXT);
      assert.equal(toHex(boxOpen(BOX_KEY, NONCE, box)!), toHex(MESSAGE));
    });

    test("crypto_onetimeauth: NaCl's Poly1305 vector", () => {
      assert.equal(toHex(onetimeauth(OTA_KEY, hex(CIPHERTEXT))), TAG);
    });

    test("Poly1305's final reduction: RFC 8439 A.3 vectors 5 to 9", () => {
      const key = (r: string, s: string) => hex(r.padEnd(32, "0") + s.padEnd(32, "0"));
      const cases: [Uint8Array, string, string][] = [
        [key("02", ""), "ff".repeat(16), "03" + "00".repeat(15)],
        [key("02", "ff".repeat(16)), "02" + "00".repeat(15), "03" + "00".repeat(15)],
        [key("01", ""), "ff".repeat(16) + "f0" + "ff".repeat(15) + "11" + "00".repeat(15), "05" + "00".repeat(15)],
        [key("01", ""), "ff".repeat(16) + "fb" + "fe".repeat(15) + "01".repeat(16), "00".repeat(16)],
        [key("02", ""), "fd" + "ff".repeat(15), "fa" + "ff".repeat(15)],
      ];
      for (const [k, m, tag] of cases) assert.equal(toHex(onetimeauth(k, hex(m))), tag, `message ${m}`);
    });

    test("every flipped bit of a box is rejected, and the box is left as it was", () => {
      const box = boxSeal(BOX_KEY, NONCE, MESSAGE);
      for (let bit = 0; bit < box.length * 8; bit += 7) {
        const bad = box.slice();
        bad[bit >> 3] ^= 1 << (bit & 7);
        const copy = bad.slice();
        assert.equal(boxOpen(BOX_KEY, NONCE, bad), null, `bit ${bit}`);
        assert.deepEqual(bad, copy);
      }
      assert.equal(boxOpen(BOX_KEY, NONCE, box.subarray(0, 15)), null);
    });
  });

  describe(`XSalsa20-Poly1305 (${backend}) against @noble/ciphers`, () => {
    before(use);
    test("10 000 random boxes of 0..2000 bytes: same seal, same open, tampering rejected", () => {
      const next = lcg(15);
      for (let i = 0; i < 10_000; i++) {
        const len = Math.floor(next() * 2001);
        const key = rnd(32), nonce = rnd(24), m = rnd(len);
        const ours = boxSeal(key, nonce, m);
        const theirs = xsalsa20poly1305(key, nonce).encrypt(m);
        if (toHex(ours) !== toHex(theirs)) assert.fail(`seal differs at length ${len}`);
        const opened = boxOpen(key, nonce, theirs);
        if (opened === null || toHex(opened) !== toHex(m)) assert.fail(`open differs at length ${len}`);
        const bad = theirs.slice();
        bad[Math.floor(next() * bad.length)] ^= 1 << Math.floor(next() * 8);
        if (boxOpen(key, nonce, bad) !== null) assert.fail(`a tampered box of length ${len} opened`);
      }
    });

    test("large boxes: 65 536 and 200 000 bytes (the module's memory grows), 1.5 MiB (past its limit)", () => {
      for (const len of [65536, 200_000, 1_572_864]) {
        const key = rnd(32), nonce = rnd(24), m = new Uint8Array(len);
        for (let i = 0; i < len; i += 65536) m.set(rnd(Math.min(65536, len - i)), i);
        const ours = boxSeal(key, nonce, m);
        const theirs = xsalsa20poly1305(key, nonce).encrypt(m);
        const same = ours.length === theirs.length && ours.every((b, i) => b === theirs[i]);
        assert.ok(same, `seal of ${len} bytes differs from noble's`);
        assert.deepEqual(boxOpen(key, nonce, theirs), m, `open of ${len} bytes`);
      }
    });

    test("Poly1305 alone on random keys and lengths, all-ones messages included", () => {
      const next = lcg(1305);
      for (let i = 0; i < 3000; i++) {
        const len = Math.floor(next() * 300);
        const key = i % 3 === 0 ? new Uint8Array(32).fill(0xff) : rnd(32);
        const m = i % 2 === 0 ? new Uint8Array(len).fill(0xff) : rnd(len);
        if (toHex(onetimeauth(key, m)) !== toHex(poly1305(m, key))) assert.fail(`tag differs at length ${len}`);
      }
    });
  });

  describe(`CurveCodec MESSAGE boxes (${backend})`, () => {
    before(use);
    test("a MESSAGE is NaCl's box under the direction's nonce", () => {
      const key = rnd(32);
      const client = new CurveCodec(key, false, 0x1_0000_0002, 0);
      const body = rnd(64);
      const m = client.encode(1, body);
      const nonce = new Uint8Array(24);
      nonce.set(new TextEncoder().encode("CurveZMQMESSAGEC"));
      nonce.set(m.subarray(8, 16), 16);
      assert.equal(toHex(m.subarray(8, 16)), "0000000100000002");
      const plain = xsalsa20poly1305(key, nonce).decrypt(m.subarray(16));
      assert.equal(plain[0], 1); // MORE
      assert.equal(toHex(plain.subarray(1)), toHex(body));
    });

    // One direction's subkey stays in the module's memory between boxes,
    // also across the memory growing for a larger message.
    test("one codec's boxes of growing sizes all open on the other side", () => {
      const key = rnd(32);
      const client = new CurveCodec(key, false, 1, 0), server = new CurveCodec(key, true, 1, 0);
      const bodies = [64, 70_000, 64, 300_000, 1000].map((n) => {
        const b = new Uint8Array(n);
        for (let i = 0; i < n; i += 65536) b.set(rnd(Math.min(65536, n - i)), i);
        return b;
      });
      // All sealed first: the client's subkey is what the module holds when it grows.
      const boxes = bodies.map((b) => client.encode(0, b));
      for (let k = 0; k < bodies.length; k++) {
        const got = server.decode(boxes[k]).body, want = bodies[k];
        assert.ok(got.length === want.length && got.every((b, i) => b === want[i]), `a ${want.length}-byte body`);
      }
    });

    test("decoding in place touches only its own frame of a shared buffer", () => {
      const key = rnd(32);
      const client = new CurveCodec(key, false, 1, 0), server = new CurveCodec(key, true, 1, 0);
      const bodies = [rnd(0), rnd(31), rnd(32), rnd(64), rnd(1000)];
      const boxes = bodies.map((b) => client.encode(0, b));
      // As the frame decoder hands them out: views into one received chunk.
      const chunk = new Uint8Array(boxes.reduce((n, b) => n + b.length + 3, 0));
      let at = 1;
      const views = boxes.map((b) => {
        chunk.set(b, at);
        const v = chunk.subarray(at, at + b.length);
        at += b.length + 3;
        return v;
      });
      const before = chunk.slice();
      const forged = views[1].slice();
      forged[20] ^= 4;
      assert.throws(() => server.decode(forged), /forged or corrupted/);
      for (let i = 0; i < views.length; i++) {
        const got = server.decode(views[i]);
        assert.equal(toHex(got.body), toHex(bodies[i]));
        // The plaintext lies inside the frame; every byte not in a frame
        // decoded so far is as received.
        assert.equal(got.body.buffer, chunk.buffer);
        const decoded = (j: number) =>
          views.slice(0, i + 1).some((v) => j >= v.byteOffset && j < v.byteOffset + v.length);
        for (let j = 0; j < chunk.length; j++) {
          if (!decoded(j) && chunk[j] !== before[j]) assert.fail(`byte ${j} outside frame ${i} changed`);
        }
      }
    });
  });
}
after(() => {
  useWasm(true);
  useSimd(simdBefore);
});
