// The SOCKS5 handshake (lib/socks.ts) against replies a proxy should never
// send: random bytes, mutated good replies, replies cut anywhere. Each
// attempt either succeeds (a reply that is valid after all) or rejects with
// a ZmqError that names the proxy; nothing else throws, and the tunnel
// passes on what followed a good reply. And the tunnel unrefs the proxy
// connection, so a socket behind a proxy keeps no process alive either.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { socksConnect } from "../lib/socks.ts";
import type { Connection, ConnectionHandler } from "../lib/transport.ts";
import { ZmqError } from "../mod.ts";

class FakeProxy implements Connection {
  readonly remoteAddress = "10.0.0.9:1080";
  h: ConnectionHandler | null = null;
  written: Uint8Array[] = [];
  destroyed = false;
  unrefs = 0;
  start(h: ConnectionHandler): void {
    this.h = h;
  }
  write(chunk: Uint8Array): boolean {
    this.written.push(chunk);
    return true;
  }
  pause(): void {}
  resume(): void {}
  end(): void {}
  destroy(): void {
    this.destroyed = true;
  }
  unref(): void {
    this.unrefs++;
  }
}

// A deterministic generator, so a failure can be replayed.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const GOOD = Uint8Array.of(5, 0, 5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90);

async function attempt(reply: Uint8Array, cuts: number[], auth = false): Promise<"ok" | "refused" | "pending"> {
  const conn = new FakeProxy();
  const p = socksConnect(conn, "example.org", 5555, undefined, auth ? { username: "u", password: "p" } : undefined);
  let at = 0;
  for (const c of [...cuts, reply.length]) {
    if (c <= at) continue;
    conn.h!.onData(reply.subarray(at, Math.min(c, reply.length)));
    at = Math.min(c, reply.length);
  }
  const st: { v: "ok" | Error | null } = { v: null };
  const done = p.then(() => st.v = "ok", (e) => st.v = e);
  await new Promise((res) => setTimeout(res, 0));
  let result: "ok" | "refused" | "pending" = st.v === null ? "pending" : st.v === "ok" ? "ok" : "refused";
  if (st.v === null) {
    conn.h!.onClose(); // a proxy that hangs up: the attempt must end too
    await done;
    if (st.v === "ok") result = "ok";
  }
  if (st.v !== "ok") {
    assert.ok(st.v instanceof ZmqError, `rejected with ${st.v}`);
    assert.match((st.v as ZmqError).message, /SOCKS5 proxy 10\.0\.0\.9:1080/);
    assert.ok(conn.destroyed, "a refused attempt destroys its connection");
  }
  return result;
}

describe("SOCKS5 handshake against bad replies", () => {
  test("a good reply in any cut succeeds, hands over what follows it, and unrefs the proxy connection", async () => {
    for (let cut = 0; cut <= GOOD.length; cut++) {
      const conn = new FakeProxy();
      const p = socksConnect(conn, "example.org", 5555);
      const bytes = new Uint8Array([...GOOD, 0xff, 0x01]);
      conn.h!.onData(bytes.subarray(0, cut));
      conn.h!.onData(bytes.subarray(cut));
      const tunnel = await p;
      const got: number[] = [];
      tunnel.start({ onData: (c) => got.push(...c), onClose: () => {}, onDrain: () => {} });
      assert.deepEqual(got, [0xff, 0x01], `cut at ${cut}`);
      tunnel.unref?.();
      assert.equal(conn.unrefs, 1);
    }
  });

  test("random and mutated replies are refused with a ZmqError, never thrown (seeded fuzz)", async () => {
    const r = rng(1928);
    const counts = { ok: 0, refused: 0, pending: 0 };
    for (let i = 0; i < 2000; i++) {
      let reply: Uint8Array;
      if (i % 2 === 0) {
        reply = new Uint8Array(Math.floor(r() * 40));
        for (let j = 0; j < reply.length; j++) reply[j] = Math.floor(r() * 256);
      } else {
        reply = GOOD.slice();
        const flips = 1 + Math.floor(r() * 3);
        for (let f = 0; f < flips; f++) reply[Math.floor(r() * reply.length)] = Math.floor(r() * 256);
        if (r() < 0.3) reply = reply.subarray(0, Math.floor(r() * reply.length));
      }
      const cuts = [Math.floor(r() * reply.length), Math.floor(r() * reply.length)].sort((a, b) => a - b);
      counts[await attempt(reply, cuts, r() < 0.3)]++;
    }
    // Most mutations of a good reply are still refused; some happen to be valid.
    assert.ok(counts.refused > 1000, JSON.stringify(counts));
  });
});
