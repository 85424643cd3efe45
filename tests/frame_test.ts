// FrameDecoder, writeHeader and encodeFrame (RFC 23 §"Framing").

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { COMMAND, encodeFrame, FrameDecoder, headerSize, LONG, MORE, writeHeader } from "../lib/zmtp/frame.ts";
import { ProtocolError } from "../lib/errors.ts";
import { bytes, concat, F_COMMAND, F_MORE, rawFrame } from "./_helpers.ts";

interface Got {
  flags: number;
  body: Uint8Array;
}

function decoder(maxSize = -1): { d: FrameDecoder; got: Got[] } {
  const got: Got[] = [];
  const d = new FrameDecoder((flags, body) => got.push({ flags, body: body }), maxSize);
  return { d, got };
}

function filled(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

// A stream mixing every frame shape; `expected` is what must come out.
const BODIES = [
  { flags: 0, body: bytes("abc") },
  { flags: F_MORE, body: new Uint8Array(0) },
  { flags: F_MORE, body: filled(255) }, // largest short frame
  { flags: 0, body: filled(256, 2) }, // smallest long frame
  { flags: F_COMMAND, body: concat(new Uint8Array([4]), bytes("PING"), new Uint8Array([0, 0])) },
  { flags: F_MORE, body: filled(70000, 3) },
  { flags: 0, body: bytes("z") },
];
const STREAM = concat(...BODIES.map((f) => rawFrame(f.flags, f.body)));
const EXPECTED = BODIES.map((f) => ({ flags: f.flags | (f.body.length > 255 ? LONG : 0), body: f.body }));

function assertFrames(got: Got[]): void {
  assert.equal(got.length, EXPECTED.length);
  for (let i = 0; i < got.length; i++) {
    assert.equal(got[i].flags, EXPECTED[i].flags, `flags of frame ${i}`);
    assert.deepEqual(got[i].body, EXPECTED[i].body, `body of frame ${i}`);
  }
}

// Deterministic pseudo-random numbers (xorshift32).
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

describe("FrameDecoder", () => {
  test("FrameDecoder.push() decodes a short frame", () => {
    const { d, got } = decoder();
    d.push(new Uint8Array([0, 3, 0x61, 0x62, 0x63]));
    assert.equal(got.length, 1);
    assert.equal(got[0].flags, 0);
    assert.deepEqual(got[0].body, bytes("abc"));
  });

  test("FrameDecoder.push() decodes a long frame with an 8-octet size", () => {
    const { d, got } = decoder();
    const body = filled(1000);
    d.push(rawFrame(0, body));
    assert.equal(got.length, 1);
    assert.equal(got[0].flags & LONG, LONG);
    assert.deepEqual(got[0].body, body);
  });

  test("FrameDecoder.push() accepts a long header for a small body", () => {
    const { d, got } = decoder();
    d.push(rawFrame(F_MORE, bytes("hi"), true));
    assert.equal(got.length, 1);
    assert.equal(got[0].flags, F_MORE | LONG);
    assert.deepEqual(got[0].body, bytes("hi"));
  });

  test("FrameDecoder.push() passes MORE and COMMAND flags through", () => {
    const { d, got } = decoder();
    d.push(concat(rawFrame(F_MORE, bytes("a")), rawFrame(F_COMMAND, bytes("\x04PING\0\0")), rawFrame(0, bytes("b"))));
    assert.deepEqual(got.map((g) => g.flags), [MORE, COMMAND, 0]);
  });

  test("FrameDecoder.push() decodes empty frames", () => {
    const { d, got } = decoder();
    d.push(new Uint8Array([F_MORE, 0, 0, 0]));
    assert.equal(got.length, 2);
    assert.equal(got[0].body.length, 0);
    assert.equal(got[1].body.length, 0);
    assert.equal(got[0].flags, MORE);
  });

  test("FrameDecoder.push() decodes a mixed stream in one chunk", () => {
    const { d, got } = decoder();
    d.push(STREAM);
    assertFrames(got);
  });

  test("FrameDecoder.push() decodes a stream split at every position", () => {
    for (let i = 0; i <= STREAM.length; i += i < 400 ? 1 : 997) {
      const { d, got } = decoder();
      d.push(STREAM.subarray(0, i));
      d.push(STREAM.subarray(i));
      assertFrames(got);
    }
  });

  test("FrameDecoder.push() decodes a stream fed one byte at a time", () => {
    const { d, got } = decoder();
    for (let i = 0; i < STREAM.length; i++) d.push(STREAM.subarray(i, i + 1));
    assertFrames(got);
  });

  test("FrameDecoder.push() decodes a stream in random chunk sizes", () => {
    const rand = rng(42);
    for (let round = 0; round < 50; round++) {
      const { d, got } = decoder();
      let at = 0;
      while (at < STREAM.length) {
        const n = 1 + Math.floor(rand() * (rand() < 0.5 ? 12 : 5000));
        d.push(STREAM.subarray(at, at + n));
        at += n;
      }
      assertFrames(got);
    }
  });

  test("FrameDecoder.push() handles a split inside the 8-octet size", () => {
    const body = filled(300);
    const frame = rawFrame(F_MORE, body);
    for (let cut = 1; cut <= 9; cut++) {
      const { d, got } = decoder();
      d.push(frame.subarray(0, cut));
      assert.equal(got.length, 0, `nothing yet after ${cut} bytes`);
      d.push(frame.subarray(cut));
      assert.equal(got.length, 1, `cut at ${cut}`);
      assert.equal(got[0].flags, F_MORE | LONG);
      assert.deepEqual(got[0].body, body);
    }
    // Header in three pieces: flags, half the size, the rest.
    const { d, got } = decoder();
    d.push(frame.subarray(0, 1));
    d.push(frame.subarray(1, 5));
    d.push(frame.subarray(5, 100));
    d.push(frame.subarray(100));
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].body, body);
  });

  test("FrameDecoder.push() decodes many frames from one chunk", () => {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 1000; i++) parts.push(rawFrame(i % 2 ? 0 : F_MORE, bytes(String(i))));
    const { d, got } = decoder();
    d.push(concat(...parts));
    assert.equal(got.length, 1000);
    for (let i = 0; i < 1000; i++) {
      assert.equal(new TextDecoder().decode(got[i].body), String(i));
      assert.equal(got[i].flags, i % 2 ? 0 : F_MORE);
    }
  });

  test("FrameDecoder.push() hands out views of the chunk, not copies", () => {
    const { d, got } = decoder();
    const chunk = concat(rawFrame(F_MORE, bytes("first")), rawFrame(0, filled(5000)));
    d.push(chunk);
    assert.equal(got.length, 2);
    for (const g of got) assert.equal(g.body.buffer, chunk.buffer, "body shares the chunk's buffer");
    assert.equal(got[0].body.byteOffset, chunk.byteOffset + 2);
    assert.equal(got[1].body.byteOffset, chunk.byteOffset + 7 + 9);
    // A view really aliases: changing the chunk changes the body.
    chunk[2] = 0x46; // 'F'
    assert.equal(new TextDecoder().decode(got[0].body), "First");
  });

  test("FrameDecoder.push() hands out a view when only the header was split", () => {
    const { d, got } = decoder();
    const frame = rawFrame(0, filled(400));
    d.push(frame.subarray(0, 4));
    const rest = frame.slice(4); // a fresh chunk, as a transport would deliver
    d.push(rest);
    assert.equal(got.length, 1);
    assert.equal(got[0].body.buffer, rest.buffer);
    assert.deepEqual(got[0].body, filled(400));
  });

  test("FrameDecoder.push() rejects a frame larger than maxSize with EMSGSIZE", () => {
    const { d, got } = decoder(100);
    d.push(rawFrame(0, filled(100))); // exactly the limit is fine
    assert.equal(got.length, 1);
    assert.throws(() => d.push(rawFrame(0, filled(101))), (e: unknown) => {
      assert.ok(e instanceof ProtocolError);
      assert.equal(e.code, "EMSGSIZE");
      return true;
    });
    assert.equal(got.length, 1);
  });

  test("FrameDecoder.push() rejects an oversized frame from its header, before allocating", () => {
    // A header announcing 2^50 bytes: allocating it would throw a RangeError
    // (or exhaust memory) instead of the EMSGSIZE protocol error.
    const header = new Uint8Array(9);
    header[0] = LONG;
    new DataView(header.buffer).setBigUint64(1, 2n ** 50n);
    const { d } = decoder(1 << 20);
    assert.throws(() => d.push(header), { name: "ProtocolError", code: "EMSGSIZE" });
    // Same when the header arrives in pieces.
    const { d: d2 } = decoder(1 << 20);
    d2.push(header.subarray(0, 3));
    assert.throws(() => d2.push(header.subarray(3)), { name: "ProtocolError", code: "EMSGSIZE" });
    // Short-frame header over a tiny limit.
    const { d: d3 } = decoder(10);
    assert.throws(() => d3.push(new Uint8Array([0, 11])), { code: "EMSGSIZE" });
  });

  // What a decoder asked its allocator for.
  function counting(): { d: FrameDecoder; got: Got[]; sizes: number[] } {
    const got: Got[] = [];
    const sizes: number[] = [];
    const d = new FrameDecoder((flags, body) => got.push({ flags, body }), -1, (n) => {
      sizes.push(n);
      return new Uint8Array(n);
    });
    return { d, got, sizes };
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const longHead = (flags: number, size: bigint) => {
    const h = new Uint8Array(9);
    h[0] = flags | LONG;
    new DataView(h.buffer).setBigUint64(1, size);
    return h;
  };

  test("FrameDecoder.push() allocates nothing like the size a header announces before the body arrives", () => {
    // 1 TiB announced, no limit: allocating it would fail (or block) at once.
    for (const size of [2n ** 40n, 2n ** 53n - 1n, 2n ** 31n, 100_000n]) {
      const { d, got, sizes } = counting();
      d.push(concat(longHead(MORE, size), filled(1000)));
      d.push(filled(3000, 2));
      assert.equal(got.length, 0);
      assert.ok(sum(sizes) <= 65536, `allocated ${sum(sizes)} bytes for 4000 received (of ${size} announced)`);
    }
    // The same with the header in pieces, and with the runtime's own allocator.
    const { d, sizes } = counting();
    d.push(longHead(0, 2n ** 40n).subarray(0, 4));
    d.push(longHead(0, 2n ** 40n).subarray(4));
    d.push(filled(10));
    assert.ok(sum(sizes) <= 65536);
    const { d: plain } = decoder();
    plain.push(concat(longHead(0, 2n ** 40n), filled(10)));
  });

  test("FrameDecoder.push() holds about what arrived of a huge body trickling in", () => {
    const { d, got, sizes } = counting();
    d.push(longHead(0, 2n ** 40n));
    let received = 0;
    for (let i = 0; i < 20000; i++) {
      d.push(filled(10, i));
      received += 10;
    }
    assert.equal(got.length, 0);
    // Small reads are gathered in 64 KiB blocks: one block beyond what arrived, at most.
    assert.ok(sum(sizes) <= received + 65536, `allocated ${sum(sizes)} for ${received} received`);
    assert.ok(sizes.length <= Math.ceil(received / 65536) + 1, `${sizes.length} allocations`);
  });

  test("FrameDecoder.push() assembles a body from many reads with O(n) copying", () => {
    const cases: [size: number, read: number][] = [
      [65536, 1],
      [65536, 1500],
      [65537, 1000],
      [1 << 20, 1],
      [1 << 20, 65536],
      [(1 << 20) + 3, 20000],
      [32 << 20, 65536],
    ];
    for (const [size, read] of cases) {
      const body = filled(size, size);
      const stream = concat(rawFrame(MORE, body), rawFrame(0, bytes("after")));
      const { d, got, sizes } = counting();
      for (let at = 0; at < stream.length; at += read) d.push(stream.subarray(at, at + read));
      assert.equal(got.length, 2, `${size} in ${read}-byte reads`);
      assert.equal(got[0].flags, MORE | LONG);
      assert.equal(got[0].body.length, size);
      assert.ok(got[0].body.every((b, i) => b === body[i]), `body of ${size} in ${read}-byte reads`);
      assert.deepEqual(got[1].body, bytes("after"));
      // The body once, plus 64 KiB blocks for small reads: linear in the size.
      assert.ok(sum(sizes) <= 2 * size + 65536, `${size} in ${read}-byte reads: allocated ${sum(sizes)}`);
    }
  });

  test("FrameDecoder.push() hands out a large body read whole after its header as a view", () => {
    const { d, got, sizes } = counting();
    const body = filled(200000);
    d.push(longHead(0, 200000n));
    const chunk = body.slice();
    d.push(chunk);
    assert.equal(got.length, 1);
    assert.equal(got[0].body.buffer, chunk.buffer);
    assert.equal(sizes.length, 0);
  });

  test("FrameDecoder.push() reports a body the runtime cannot allocate as EMSGSIZE", () => {
    const d = new FrameDecoder(() => {}, -1, () => {
      throw new RangeError("Array buffer allocation failed");
    });
    assert.throws(() => d.push(concat(longHead(0, 1000n), filled(10))), { name: "ProtocolError", code: "EMSGSIZE" });
  });

  // A transport reading into buffers of the decoder's choosing (Deno's):
  // the rest of a large body straight into its buffer (target/filled), a
  // fresh buffer of readSize() bytes otherwise, or a chunk of its own size.
  function readLoop(d: FrameDecoder, stream: Uint8Array, rand: () => number, cap = 70000): void {
    let at = 0;
    while (at < stream.length) {
      const into = d.target();
      const n = 1 + Math.floor(rand() * (rand() < 0.3 ? 12 : cap));
      if (into !== undefined) {
        const k = Math.min(n, into.length, stream.length - at);
        into.set(stream.subarray(at, at + k));
        d.filled(k);
        at += k;
        continue;
      }
      const size = d.readSize() || n;
      d.push(stream.slice(at, at + size));
      at += size;
    }
  }

  test("FrameDecoder target()/filled()/readSize() decode a stream read into buffers of its choosing", () => {
    const rand = rng(7);
    for (let round = 0; round < 50; round++) {
      const { d, got } = decoder();
      readLoop(d, STREAM, rand);
      assertFrames(got);
    }
  });

  test("FrameDecoder target() takes the rest of a large body into the buffer handed out", () => {
    const { d, got, sizes } = counting();
    const body = filled(65536);
    d.push(concat(longHead(0, 65536n), body.subarray(0, 1000)));
    const into = d.target()!;
    assert.equal(into.length, 65536 - 1000);
    into.set(body.subarray(1000, 30000));
    d.filled(29000);
    assert.equal(got.length, 0);
    const rest = d.target()!;
    assert.equal(rest.buffer, into.buffer, "the same body buffer, further on");
    assert.equal(rest.length, 65536 - 30000);
    rest.set(body.subarray(30000));
    d.filled(rest.length);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].body, body);
    assert.equal(got[0].body.buffer, into.buffer, "the body is the buffer read into, not a copy");
    assert.deepEqual(sizes, [65536]);
    assert.equal(d.target(), undefined, "nothing under way");
  });

  test("FrameDecoder target() hands out a huge body 64 KiB at a time, so memory follows what arrived", () => {
    const { d, got, sizes } = counting();
    const size = 1 << 20;
    const body = filled(size, 9);
    d.push(longHead(MORE, BigInt(size)));
    let at = 0;
    for (let into = d.target(); into !== undefined; into = d.target()) {
      assert.ok(into.length <= 65536, `a target of ${into.length} bytes`);
      // Short reads, as a socket gives them.
      const k = Math.min(into.length, 40000, size - at);
      into.set(body.subarray(at, at + k));
      d.filled(k);
      at += k;
      if (at >= size - 16384) break;
    }
    // The last bytes (under 16 KiB) come the ordinary way, with the next frame.
    d.push(concat(body.subarray(at), rawFrame(0, bytes("next"))));
    assert.equal(got.length, 2);
    assert.equal(got[0].flags, MORE | LONG);
    assert.deepEqual(got[0].body, body);
    assert.deepEqual(got[1].body, bytes("next"));
    assert.ok(sizes.every((n) => n <= 65536 || n === size), `allocations ${sizes}`);
    assert.ok(sum(sizes) <= 2 * size + 65536, `allocated ${sum(sizes)}`);
  });

  test("FrameDecoder readSize() is the size of the last large frame, and 0 once the stream carries small ones", () => {
    const { d, got } = decoder();
    assert.equal(d.readSize(), 0);
    assert.equal(d.target(), undefined, "no target for a small body under way either");
    const big = rawFrame(0, filled(20000));
    d.push(big);
    assert.equal(d.readSize(), big.length + 64, "the frame and a little for small frames with it");
    d.push(big.subarray(0, 5));
    assert.equal(d.readSize(), 0, "a header under way: the transport's own reads");
    d.push(big.subarray(5));
    assert.equal(d.readSize(), big.length + 64);
    d.push(concat(rawFrame(0, bytes("a")), rawFrame(0, bytes("b"))));
    assert.equal(d.readSize(), 0);
    // A body in the making still sizes the next reads once complete.
    d.push(big.subarray(0, 100));
    d.target()!.set(big.subarray(100));
    d.filled(big.length - 100);
    assert.equal(d.readSize(), 20000 + 9 + 64);
    d.push(rawFrame(0, bytes("c")));
    assert.equal(d.readSize(), 0);
    assert.equal(got.length, 6);
  });

  test("FrameDecoder with direct reads still refuses an oversized frame from its header", () => {
    const { d, got } = decoder(30000);
    d.push(rawFrame(0, filled(20000)));
    assert.throws(() => d.push(longHead(0, 30001n)), { name: "ProtocolError", code: "EMSGSIZE" });
    assert.equal(got.length, 1);
  });

  // Chunks of the frame class (Bun's Buffers): a frame inside one is its subarray().
  test("FrameDecoder with subarray cuts frames out of the chunk, of its class; spanning ones through the view", () => {
    class Framed extends Uint8Array {}
    const got: Got[] = [];
    const d = new FrameDecoder(
      (flags, body) => got.push({ flags, body }),
      -1,
      undefined,
      (b, o, n) => new Framed(b as ArrayBuffer, o, n),
      true,
    );
    const whole = rawFrame(0, bytes("inside"));
    const chunk = new Framed(concat(whole, rawFrame(F_MORE, filled(300)), rawFrame(0, filled(20000)).subarray(0, 100)));
    d.push(chunk);
    const rest = rawFrame(0, filled(20000)).subarray(100);
    d.push(new Framed(rest.buffer as ArrayBuffer, rest.byteOffset, rest.length));
    assert.equal(got.length, 3);
    assert.deepEqual([...got[0].body], [...bytes("inside")]);
    assert.ok(got[0].body instanceof Framed && got[1].body instanceof Framed && got[2].body instanceof Framed);
    assert.equal(got[0].body.buffer, chunk.buffer, "a view of the chunk, not a copy");
    assert.deepEqual([...got[2].body], [...filled(20000)]);
  });

  test("FrameDecoder.push() rejects sizes beyond 2^53 even without a limit", () => {
    const header = new Uint8Array(9);
    header.fill(0xff);
    const { d } = decoder();
    assert.throws(() => d.push(header), { name: "ProtocolError", code: "EMSGSIZE" });
  });
});

describe("writeHeader and encodeFrame", () => {
  test("headerSize() is 2 up to 255 bytes and 9 above", () => {
    assert.equal(headerSize(0), 2);
    assert.equal(headerSize(255), 2);
    assert.equal(headerSize(256), 9);
    assert.equal(headerSize(2 ** 40), 9);
  });

  test("writeHeader() writes short and long headers in network order", () => {
    const out = new Uint8Array(20);
    assert.equal(writeHeader(out, 0, MORE, 255), 2);
    assert.deepEqual([...out.subarray(0, 2)], [MORE, 255]);
    assert.equal(writeHeader(out, 3, COMMAND, 256), 12);
    assert.deepEqual([...out.subarray(3, 12)], [COMMAND | LONG, 0, 0, 0, 0, 0, 0, 1, 0]);
    // Above 2^32 the high word is used.
    writeHeader(out, 0, 0, 2 ** 32 + 5);
    assert.deepEqual([...out.subarray(0, 9)], [LONG, 0, 0, 0, 1, 0, 0, 0, 5]);
    writeHeader(out, 0, MORE, 0x0102030405);
    assert.deepEqual([...out.subarray(0, 9)], [MORE | LONG, 0, 0, 0, 1, 2, 3, 4, 5]);
  });

  test("encodeFrame() output decodes to the same flags and body", () => {
    for (const size of [0, 1, 254, 255, 256, 257, 65535, 65536, 100000]) {
      for (const flags of [0, MORE, COMMAND]) {
        const body = filled(size, size);
        const frame = encodeFrame(flags, body);
        assert.equal(frame.length, headerSize(size) + size);
        assert.deepEqual(frame, rawFrame(flags, body), "matches an independent encoding");
        const { d, got } = decoder();
        d.push(frame);
        assert.equal(got.length, 1);
        assert.equal(got[0].flags & ~LONG, flags);
        assert.equal((got[0].flags & LONG) !== 0, size > 255);
        assert.deepEqual(got[0].body, body);
      }
    }
  });
});
