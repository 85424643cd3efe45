// Interop of our Radio and Dish with libzmq 4.3.5's (zeromq.js draft API in
// a Node peer process, tests/interop/radio_dish_peer.mjs): over udp://
// unicast and multicast (when the kernel allows it here) and over tcp://
// with either side binding, in both directions. Groups are checked byte for
// byte, including a 200-byte one, and a group nobody joined never arrives.
//
// libzmq's RADIO processes a DISH's JOIN lazily (at a later send), and udp
// has no handshake at all, so the sending side sends rounds until the
// receiving side has what it waits for.

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createSocket } from "node:dgram";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Dish, Radio } from "../../mod.ts";
import { freeTcpAddress } from "../_helpers.ts";
import { nodeBin, Peer, ROOT, sleep, withTimeout } from "./_harness.ts";

const TEST_TIMEOUT = 20000;
const ROUND_MS = 30;
const enc = new TextEncoder();
const dec = new TextDecoder();
const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

/** A group of `n` bytes 1..255 (RFC 48: no NUL). */
function longGroup(n: number): Uint8Array {
  const g = new Uint8Array(n);
  for (let i = 0; i < n; i++) g[i] = 1 + (i * 7) % 255;
  return g;
}

/** A UDP port free right now on 127.0.0.1 (libzmq's udp bind reports no resolved port). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

let mcast = 0;
/** A fresh multicast group on the loopback interface. */
async function multicastEndpoint(): Promise<string> {
  return `udp://127.0.0.1;239.192.77.${1 + (mcast++ % 250)}:${await freeUdpPort()}`;
}

// Multicast over loopback needs the kernel's help; find out once.
async function multicastWorks(): Promise<string | undefined> {
  const dish = new Dish({ receiveTimeout: 100 });
  const radio = new Radio({ linger: 0 });
  try {
    await dish.bind(await multicastEndpoint());
    dish.join("probe");
    radio.connect(dish.lastEndpoint!);
    for (let i = 0; i < 10; i++) {
      await radio.send("x", { group: "probe" });
      try {
        await dish.receive();
        return undefined;
      } catch { /* not yet */ }
    }
    return "multicast to 239.192.77.0/24 over 127.0.0.1 delivers nothing on this machine";
  } catch (e) {
    return `multicast is refused here: ${(e as Error).message}`;
  } finally {
    radio.close();
    dish.close();
  }
}
const NO_MULTICAST = await multicastWorks();

/** A Radio or Dish in the libzmq peer. */
class Remote {
  constructor(readonly peer: Peer, readonly id: number) {}
  static async create(peer: Peer, type: "Radio" | "Dish", options: Record<string, unknown> = {}): Promise<Remote> {
    return new Remote(peer, (await peer.request("new", { type, options })).sock as number);
  }
  async bind(endpoint: string): Promise<void> {
    await this.peer.request("bind", { sock: this.id, endpoint });
  }
  async connect(endpoint: string): Promise<void> {
    await this.peer.request("connect", { sock: this.id, endpoint });
  }
  async join(group: Uint8Array): Promise<void> {
    await this.peer.request("join", { sock: this.id, group: b64(group) });
  }
  async leave(group: Uint8Array): Promise<void> {
    await this.peer.request("leave", { sock: this.id, group: b64(group) });
  }
  async send(group: Uint8Array, body: Uint8Array): Promise<void> {
    await this.peer.request("send", { sock: this.id, group: b64(group), body: b64(body) });
  }
  /** The next message, or undefined when its receiveTimeout passes. */
  async receive(): Promise<[Uint8Array, Uint8Array] | undefined> {
    try {
      const r = await this.peer.request("recv", { sock: this.id });
      return [unb64(r.group as string), unb64(r.body as string)];
    } catch (e) {
      if ((e as { code?: string }).code === "EAGAIN") return undefined;
      throw e;
    }
  }
  async close(): Promise<void> {
    if (this.peer.alive) await this.peer.request("close", { sock: this.id }).catch(() => {});
  }
}

const ALPHA = enc.encode("alpha");
const BETA = enc.encode("beta");
const BODY = new Uint8Array([0, 1, 2, 255, 0]);

/** One round: `beta` (joined by nobody), then the two groups the receiver joined. */
function round(long: Uint8Array, n: number): [Uint8Array, Uint8Array][] {
  return [[BETA, enc.encode(`b${n}`)], [ALPHA, enc.encode(`a${n}`)], [long, BODY]];
}

/** Checks a received message and notes which of the wanted groups it was. */
function check(seen: Set<string>, long: Uint8Array, group: Uint8Array, body: Uint8Array): void {
  if (dec.decode(group) === "alpha") {
    assert.match(dec.decode(body), /^a\d+$/);
    seen.add("alpha");
  } else {
    assert.deepEqual([...group], [...long], "a group nobody joined arrived, or a group was altered");
    assert.deepEqual([...body], [...BODY], "the body was altered");
    seen.add("long");
  }
}

describe("RADIO/DISH interop with libzmq", () => {
  let peer: Peer | undefined;
  before(async () => {
    peer = await Peer.start("libzmq radio/dish peer", nodeBin(), [
      join(ROOT, "tests", "interop", "radio_dish_peer.mjs"),
    ]);
  });
  after(async () => {
    await peer?.stop();
  });
  const libzmq = () => {
    if (!peer) throw new Error("The libzmq peer did not start");
    return peer;
  };

  /** libzmq RADIO sends rounds until our DISH got both joined groups; `beta` never arrives. */
  async function libzmqToOurs(transport: "udp" | "tcp" | "multicast", oursBinds: boolean, long: Uint8Array) {
    const dish = new Dish({ receiveTimeout: ROUND_MS });
    const radio = await Remote.create(libzmq(), "Radio");
    try {
      await withTimeout(TEST_TIMEOUT - 2000, "libzmq RADIO → our DISH", async () => {
        let ep: string;
        if (transport === "tcp" && !oursBinds) {
          ep = await freeTcpAddress();
          await radio.bind(ep);
          dish.connect(ep);
        } else {
          await dish.bind(
            transport === "udp"
              ? "udp://127.0.0.1:*"
              : transport === "tcp"
              ? "tcp://127.0.0.1:*"
              : await multicastEndpoint(),
          );
          ep = dish.lastEndpoint!;
          await radio.connect(ep);
        }
        dish.join(ALPHA, long);
        const seen = new Set<string>();
        for (let n = 0; seen.size < 2; n++) {
          for (const [g, b] of round(long, n)) await radio.send(g, b);
          for (;;) {
            let m;
            try {
              m = await dish.receive();
            } catch (e) {
              if ((e as { code?: string }).code === "EAGAIN") break;
              throw e;
            }
            check(seen, long, m[1].group, m[0]);
          }
        }
        // After leave(), nothing of `alpha` is received any more.
        dish.leave(ALPHA);
        for (let n = 0; n < 3; n++) for (const [g, b] of round(long, n)) await radio.send(g, b);
        await sleep(100);
        dish.receiveTimeout = 200;
        for (;;) {
          let m;
          try {
            m = await dish.receive();
          } catch {
            break;
          }
          assert.deepEqual([...m[1].group], [...long], "a message of a group left arrived");
        }
      });
    } finally {
      dish.close();
      await radio.close();
    }
  }

  /** Our RADIO sends rounds until libzmq's DISH got both joined groups; `beta` never arrives. */
  async function oursToLibzmq(transport: "udp" | "tcp" | "multicast", oursBinds: boolean, long: Uint8Array) {
    const radio = new Radio({ linger: 0 });
    const dish = await Remote.create(libzmq(), "Dish", { receiveTimeout: ROUND_MS });
    try {
      await withTimeout(TEST_TIMEOUT - 2000, "our RADIO → libzmq DISH", async () => {
        if (oursBinds) {
          await radio.bind("tcp://127.0.0.1:*");
          await dish.connect(radio.lastEndpoint!);
        } else {
          const ep = transport === "udp"
            ? `udp://127.0.0.1:${await freeUdpPort()}`
            : transport === "tcp"
            ? await freeTcpAddress()
            : await multicastEndpoint();
          await dish.bind(ep);
          radio.connect(ep);
        }
        await dish.join(ALPHA);
        await dish.join(long);
        const seen = new Set<string>();
        for (let n = 0; seen.size < 2; n++) {
          for (const [g, b] of round(long, n)) await radio.send(b, { group: g });
          for (let m = await dish.receive(); m !== undefined; m = await dish.receive()) check(seen, long, m[0], m[1]);
        }
      });
    } finally {
      radio.close();
      await dish.close();
    }
  }

  // libzmq 4.3.5 reads a udp datagram's group size as a signed char, so it
  // cannot receive a group of 128 bytes or more over udp; we send it 100.
  const TCP_LONG = longGroup(200), UDP_TO_LIBZMQ_LONG = longGroup(100);
  const opts = { timeout: TEST_TIMEOUT };

  test(
    "interop udp: libzmq RADIO (connect) → our DISH (bind udp://127.0.0.1:*), 200-byte group",
    opts,
    () => libzmqToOurs("udp", true, TCP_LONG),
  );
  test(
    "interop udp: our RADIO (connect) → libzmq DISH (bind udp://127.0.0.1:port), 100-byte group",
    opts,
    () => oursToLibzmq("udp", false, UDP_TO_LIBZMQ_LONG),
  );
  test(
    "interop udp multicast: libzmq RADIO → our DISH on 127.0.0.1;239.192.77.x",
    { ...opts, skip: NO_MULTICAST },
    () => libzmqToOurs("multicast", true, TCP_LONG),
  );
  test(
    "interop udp multicast: our RADIO → libzmq DISH on 127.0.0.1;239.192.77.x",
    { ...opts, skip: NO_MULTICAST },
    () => oursToLibzmq("multicast", false, UDP_TO_LIBZMQ_LONG),
  );
  for (const oursBinds of [true, false]) {
    const role = (binds: boolean) => binds ? "bind" : "connect";
    test(
      `interop tcp: libzmq RADIO (${role(!oursBinds)}) → our DISH (${role(oursBinds)})`,
      opts,
      () => libzmqToOurs("tcp", oursBinds, TCP_LONG),
    );
    test(
      `interop tcp: our RADIO (${role(oursBinds)}) → libzmq DISH (${role(!oursBinds)})`,
      opts,
      () => oursToLibzmq("tcp", oursBinds, TCP_LONG),
    );
  }
});
