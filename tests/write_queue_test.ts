// The transports' shared outbound helper (lib/write_queue.ts) and error
// mapper (systemError in lib/errors.ts).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WriteQueue } from "../lib/write_queue.ts";
import { systemError, ZmqError } from "../lib/errors.ts";

const chunk = (n: number, v = 1) => new Uint8Array(n).fill(v);

describe("WriteQueue", () => {
  test("reports backpressure at the mark and drains once below half of it", () => {
    let drains = 0;
    const q = new WriteQueue(() => drains++, { high: 100 });
    assert.equal(q.push(chunk(60)), true);
    assert.equal(q.push(chunk(40)), false, "100 bytes: at the mark");
    assert.equal(q.waiting, true);
    assert.equal(q.take()!.length, 60);
    assert.equal(q.level, 100, "a taken chunk counts until done()");
    q.done(60);
    assert.equal(drains, 1, "40 < 50");
    assert.equal(q.waiting, false);
    q.done(0);
    assert.equal(drains, 1, "once per backpressure");
    assert.equal(q.idle, false);
    q.done(q.take()!.length);
    assert.equal(q.idle, true);
  });

  test("take(true) merges small chunks queued behind each other, never a large one", () => {
    const q = new WriteQueue(() => {});
    q.push(chunk(3, 1));
    q.push(chunk(2, 2));
    q.push(chunk(20000, 3));
    q.push(chunk(1, 4));
    q.push(chunk(1, 5));
    assert.deepEqual([...q.take(true)!], [1, 1, 1, 2, 2]);
    assert.equal(q.take(true)!.length, 20000);
    assert.deepEqual([...q.take(true)!], [4, 5]);
    assert.equal(q.take(true), undefined);
    assert.equal(q.empty, true);
  });

  test("flush() writes through a writer that takes part of a chunk, and keeps the rest first", () => {
    let drains = 0;
    const q = new WriteQueue(() => drains++, { high: 10 });
    q.push(Uint8Array.of(1, 2, 3, 4, 5, 6));
    q.push(Uint8Array.of(7, 8, 9, 10, 11));
    const written: number[] = [];
    q.flush((c) => {
      const n = Math.min(c.length, 4);
      written.push(...c.subarray(0, n));
      return n;
    });
    assert.deepEqual(written, [1, 2, 3, 4]);
    assert.equal(q.level, 7);
    assert.equal(drains, 0, "7 is not below half of 10");
    q.flush((c) => {
      written.push(...c);
      return c.length;
    });
    assert.deepEqual(written, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(drains, 1);
    assert.equal(q.empty, true);
  });

  test("sent() and an external buffer count toward the level; check() sees the external one drain", () => {
    let drains = 0, external = 0;
    const q = new WriteQueue(() => drains++, { high: 100, external: () => external });
    assert.equal(q.sent(30), true);
    external = 80;
    assert.equal(q.sent(0), false);
    external = 30;
    q.check();
    assert.equal(drains, 0, "30 + 30 is not below 50");
    q.done(30);
    assert.equal(drains, 1);
  });

  test("clear() drops everything", () => {
    const q = new WriteQueue(() => {}, { high: 10 });
    q.push(chunk(20));
    q.sent(5);
    q.clear();
    assert.equal(q.idle, true);
    assert.equal(q.level, 0);
    assert.equal(q.waiting, false);
  });
});

describe("systemError()", () => {
  test("Node's and Bun's errno codes and Deno's error names become libzmq's codes", () => {
    const cases: [object, string][] = [
      [{ code: "EADDRINUSE" }, "EADDRINUSE"],
      [{ code: "ECONNREFUSED" }, "ECONNREFUSED"],
      [{ code: "EADDRNOTAVAIL" }, "EADDRNOTAVAIL"],
      [{ code: "ENOENT" }, "ENOENT"],
      [{ name: "AddrInUse" }, "EADDRINUSE"],
      [{ name: "ConnectionRefused" }, "ECONNREFUSED"],
      [{ name: "AddrNotAvailable" }, "EADDRNOTAVAIL"],
      [{ name: "NotFound" }, "ENOENT"],
    ];
    for (const [props, code] of cases) {
      const original = Object.assign(new Error("it failed"), props);
      const e = systemError(original, "tcp://127.0.0.1:1");
      assert.ok(e instanceof ZmqError, JSON.stringify(props));
      assert.equal(e.code, code);
      assert.equal(e.address, "tcp://127.0.0.1:1");
      assert.equal(e.cause, original);
      assert.match(e.message, /it failed \(tcp:\/\/127\.0\.0\.1:1\)/);
    }
  });

  test("anything else comes back as it is (a non-Error as an Error)", () => {
    const other = Object.assign(new Error("x"), { code: "EPERM" });
    assert.equal(systemError(other, "a"), other);
    const proto = Object.assign(new Error("y"), { code: "toString" });
    assert.equal(systemError(proto, "a"), proto);
    const s = systemError("text", "a");
    assert.ok(s instanceof Error);
    assert.equal(s.message, "text");
  });
});
