// ws:// and wss:// (ZWS 2.0): the framing helpers, every pattern over
// WebSocket, endpoints, bad input from raw WebSocket peers on both sides of
// a connection, and TLS. Runs on Deno, Bun and Node (npm build).
//
// The raw WebSocket peers here (RawWs, rawWsServer) speak RFC 6455 over
// node:net and build ZWS frames by hand, independently of lib/zws.ts.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import * as net from "node:net";
import {
  curveKeyPair,
  Dealer,
  Pair,
  parseEndpoint,
  Publisher,
  Pull,
  Push,
  registerTransport,
  Reply,
  Request,
  Router,
  type SocketBase,
  type SocketEventType,
  Subscriber,
  wsTransport,
  XPublisher,
  XSubscriber,
} from "../mod.ts";
import { parseProtocol, selectProtocol, zwsFramer } from "../lib/zws.ts";
import { encodeZws, zwsFlags } from "../lib/zmtp/zws_framer.ts";
import type { PeerGreeting } from "../lib/zmtp/framer.ts";

const T = { timeout: 15000 };
const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (b: Uint8Array) => dec.decode(b);
const texts = (m: Uint8Array[]) => m.map(text);
const plain = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function closeAll(...socks: SocketBase[]): void {
  for (const s of socks) s.close();
}

function nextEvent(sock: SocketBase, type: SocketEventType, ms = 10000): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => {
      const f = () => {
        sock.events.off(type, f);
        resolve();
      };
      sock.events.on(type, f);
    }),
    ms,
    `event ${type}`,
  );
}

// Resolves when the socket drops a connection, whatever the stage.
function dropped(sock: SocketBase, ms = 10000): Promise<Error | undefined> {
  const types: SocketEventType[] = ["handshake:error:protocol", "handshake:error:other", "disconnect"];
  return withTimeout(
    new Promise((resolve) => {
      for (const t of types) sock.events.on(t, (e) => resolve((e as { error?: Error }).error));
    }),
    ms,
    "a dropped connection",
  );
}

function counter(sock: SocketBase, type: SocketEventType): { n: number } {
  const c = { n: 0 };
  sock.events.on(type, () => c.n++);
  return c;
}

async function bindWs(sock: SocketBase, path = "/zmq"): Promise<string> {
  await sock.bind(`ws://127.0.0.1:*${path}`);
  assert.ok(sock.lastEndpoint);
  return sock.lastEndpoint;
}

// A PUB only delivers once the subscription arrived: publish until one gets through.
async function syncSub(pub: Publisher | XPublisher, sub: Subscriber, topic = "sync"): Promise<void> {
  const end = Date.now() + 10000;
  sub.receiveTimeout = 50;
  for (;;) {
    await pub.send([topic, "x"]);
    try {
      const m = await sub.receive();
      if (text(m[0]) === topic) break;
    } catch {
      if (Date.now() > end) throw new Error("subscription never arrived");
    }
  }
  // Drain the extra sync messages still in flight: they all come before a
  // marker sent now, as messages on one connection keep their order.
  sub.receiveTimeout = 10000;
  await pub.send([topic, "drained"]);
  while (text((await sub.receive())[1]) !== "drained");
  sub.receiveTimeout = 3000;
}

// -- a raw RFC 6455 client over node:net ------------------------------------------

interface WsFrame {
  opcode: number;
  payload: Uint8Array;
}

/** A WebSocket client that sends whatever it is told to. */
class RawWs {
  status = 0;
  headers = new Map<string, string>();
  #sock: net.Socket;
  #buf = Buffer.alloc(0);
  #frames: WsFrame[] = [];
  #waiter: (() => void) | null = null;
  #upgraded = false;
  ended = false;

  private constructor(sock: net.Socket) {
    this.#sock = sock;
  }

  /** Sends the upgrade request; resolves with the response status read. */
  static open(url: string, protocols: string | null, extra = ""): Promise<RawWs> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const sock = net.connect(Number(u.port), u.hostname);
      const ws = new RawWs(sock);
      let settled = false;
      sock.on("error", (e) => {
        if (!settled) reject(e);
        settled = true;
      });
      sock.on("close", () => {
        ws.ended = true;
        if (!settled) {
          settled = true;
          resolve(ws);
        }
        ws.#wake();
      });
      sock.on("data", (d: Buffer) => {
        ws.#buf = Buffer.concat([ws.#buf, d]);
        if (!ws.#upgraded && ws.status === 0) {
          const end = ws.#buf.indexOf("\r\n\r\n");
          if (end < 0) return;
          const lines = ws.#buf.subarray(0, end).toString("latin1").split("\r\n");
          ws.status = Number(lines[0].split(" ")[1]);
          for (const l of lines.slice(1)) {
            const c = l.indexOf(":");
            ws.headers.set(l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim());
          }
          ws.#buf = ws.#buf.subarray(end + 4);
          ws.#upgraded = ws.status === 101;
          if (!settled) {
            settled = true;
            resolve(ws);
          }
        }
        if (ws.#upgraded) ws.#parse();
      });
      sock.on("connect", () => {
        const key = randomBytes(16).toString("base64");
        sock.write(
          `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
            (protocols !== null ? `Sec-WebSocket-Protocol: ${protocols}\r\n` : "") + extra + "\r\n",
        );
      });
    });
  }

  #parse(): void {
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) return;
      let len = b[1] & 0x7f;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      if (b.length < at + len) return;
      this.#frames.push({ opcode: b[0] & 0x0f, payload: new Uint8Array(b.subarray(at, at + len)) });
      this.#buf = b.subarray(at + len);
      this.#wake();
    }
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  /** Sends one masked frame (opcode 1 text, 2 binary). */
  send(opcode: number, payload: Uint8Array): void {
    const len = payload.length;
    const head = len < 126 ? [0x80 | opcode, 0x80 | len] : [0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff];
    const mask = randomBytes(4);
    const body = Buffer.from(payload.map((x, i) => x ^ mask[i & 3]));
    this.#sock.write(Buffer.concat([Buffer.from(head), mask, body]));
  }

  /** The next frame, or null once the connection ended. */
  async next(ms = 10000): Promise<WsFrame | null> {
    const end = Date.now() + ms;
    while (this.#frames.length === 0) {
      if (this.ended) return null;
      if (Date.now() > end) throw new Error("no frame from the server");
      await new Promise<void>((r) => {
        this.#waiter = r;
        setTimeout(r, 50);
      });
    }
    return this.#frames.shift()!;
  }

  /** The close frame's status code (skipping data frames), or null when the TCP connection just ended. */
  async closeCode(ms = 10000): Promise<number | null> {
    for (;;) {
      const f = await this.next(ms);
      if (f === null) return null;
      if (f.opcode === 8) return f.payload.length >= 2 ? (f.payload[0] << 8 | f.payload[1]) : 1005;
    }
  }

  destroy(): void {
    this.#sock.destroy();
  }
}

// ZWS frames written by hand: flags byte (1 MORE, 2 COMMAND), then the body.
function zws(flags: number, body: Uint8Array | string): Uint8Array {
  const b = typeof body === "string" ? enc.encode(body) : body;
  const out = new Uint8Array(1 + b.length);
  out[0] = flags;
  out.set(b, 1);
  return out;
}

function readyBody(socketType: string): Uint8Array {
  const name = enc.encode("Socket-Type"), value = enc.encode(socketType);
  const out = new Uint8Array(6 + 1 + name.length + 4 + value.length);
  out.set([5, ...enc.encode("READY"), name.length]);
  out.set(name, 7);
  new DataView(out.buffer).setUint32(7 + name.length, value.length);
  out.set(value, 11 + name.length);
  return out;
}

// -- a raw WebSocket server over node:net -------------------------------------------

/** Collects the (masked, short) frames a client sends on `sock`. */
function clientFrames(sock: net.Socket): WsFrame[] {
  const out: WsFrame[] = [];
  let buf = Buffer.alloc(0);
  sock.on("data", (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    // Frames under 126 bytes: 2-byte header, 4-byte mask, payload.
    while (buf.length >= 6 && buf.length >= 6 + (buf[1] & 0x7f)) {
      const len = buf[1] & 0x7f;
      const mask = buf.subarray(2, 6);
      out.push({
        opcode: buf[0] & 0x0f,
        payload: Uint8Array.from(buf.subarray(6, 6 + len), (x, i) => x ^ mask[i & 3]),
      });
      buf = buf.subarray(6 + len);
    }
  });
  return out;
}

async function waitUntil(what: string, cond: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Accepts one upgrade, answers with `protocol` (or none), then runs `then`. */
function rawWsServer(
  protocol: string | null,
  then: (send: (opcode: number, payload: Uint8Array) => void, sock: net.Socket) => void,
): Promise<{ url: string; close(): void; upgrades: () => number }> {
  let upgrades = 0;
  const conns = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    conns.add(sock);
    sock.on("error", () => {});
    sock.on("close", () => conns.delete(sock));
    let buf = "";
    sock.on("data", (d) => {
      if (buf === null) return;
      buf += d.toString("latin1");
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const key = /sec-websocket-key:\s*(\S+)/i.exec(buf)?.[1] ?? "";
      const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
      sock.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Accept: ${accept}\r\n` +
          (protocol !== null ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : "") + "\r\n",
      );
      buf = null as unknown as string;
      upgrades++;
      then((opcode, payload) => {
        const len = payload.length;
        const head = len < 126 ? [0x80 | opcode, len] : [0x80 | opcode, 126, len >> 8, len & 0xff];
        sock.write(Buffer.concat([Buffer.from(head), Buffer.from(payload)]));
      }, sock);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        url: `ws://127.0.0.1:${port}/zmq`,
        upgrades: () => upgrades,
        close() {
          for (const c of conns) c.destroy();
          server.close();
        },
      });
    });
  });
}

// -- TLS fixtures: a test CA and a localhost/127.0.0.1 certificate it signed (P-256, 100 years) --

const TEST_CA = `-----BEGIN CERTIFICATE-----
MIIBlDCCATugAwIBAgIUVeb3UfTmAD2N26po7p7sOR5IlPwwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMem10cCB0ZXN0IENBMCAXDTI2MTEyNzIwNDExNloYDzIxMjYx
MTAzMjA0MTE2WjAXMRUwEwYDVQQDDAx6bXRwIHRlc3QgQ0EwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAAQAllLdcehxlp0dDNv1DNrqays04WVjFqLvrc/AcTNGpGOH
9zoQe/yVS9ompbhdZEM7PHFP2gFsymorNq49Mahwo2MwYTAdBgNVHQ4EFgQUy76y
PpsdZ3xJzGvgJdHzxKlUmsIwHwYDVR0jBBgwFoAUy76yPpsdZ3xJzGvgJdHzxKlU
msIwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZIzj0EAwID
RwAwRAIgentP5T7zQbo2l2y0GfJ8BRJT6nvZPGlxcrLh8xKayTkCICd0g/Yy8Ygb
52s9Xwjje2BXVXcGEnj/FuWEjx683F+o
-----END CERTIFICATE-----
`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBvjCCAWWgAwIBAgIUTUce0eDj/x64whLWd8EWT39pDfkwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMem10cCB0ZXN0IENBMCAXDTI2MTEyNzIwNDExNloYDzIxMjYx
MTAzMjA0MTE2WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggq
hkjOPQMBBwNCAAQuLOQEgNonOIcgPRWd6HbqivcRoL7KxKy62g/CuiVsMfMCSLDF
V/s1PtMhXTgylu7ikBr8GbJ1e1iRoOgSYfxVo4GPMIGMMBoGA1UdEQQTMBGCCWxv
Y2FsaG9zdIcEfwAAATAJBgNVHRMEAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUE
DDAKBggrBgEFBQcDATAdBgNVHQ4EFgQUkg7sdLGnbuyuKy74G1sdTf9bVCUwHwYD
VR0jBBgwFoAUy76yPpsdZ3xJzGvgJdHzxKlUmsIwCgYIKoZIzj0EAwIDRwAwRAIg
U60FjDPh3ttwjiCfoFfqH1JsWRVAGTN9Kb5hYFLqVmYCIEXDdqU7QpUTPWvtdtSE
RRUuQ/tN6lq7+UBbPFlRpfP1
-----END CERTIFICATE-----
`;
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjoG7oQLcpd/RHtVk
x8gmZn8s4E/7yp2/H1eU3IOMI36hRANCAAQuLOQEgNonOIcgPRWd6HbqivcRoL7K
xKy62g/CuiVsMfMCSLDFV/s1PtMhXTgylu7ikBr8GbJ1e1iRoOgSYfxV
-----END PRIVATE KEY-----
`;

// -- the framing helpers ------------------------------------------------------------

describe("lib/zws", () => {
  test("selectProtocol() prefers the mechanism's subprotocol, then bare ZWS2.0 for NULL", () => {
    assert.equal(selectProtocol(["ZWS2.0/NULL", "ZWS2.0"], "NULL"), "ZWS2.0/NULL");
    assert.equal(selectProtocol(["ZWS2.0", "ZWS2.0/NULL"], "NULL"), "ZWS2.0/NULL");
    assert.equal(selectProtocol(["ZWS2.0"], "NULL"), "ZWS2.0");
    assert.equal(selectProtocol(["ZWS2.0/PLAIN"], "PLAIN"), "ZWS2.0/PLAIN");
    assert.equal(selectProtocol(["ZWS2.0"], "CURVE"), undefined);
    assert.equal(selectProtocol(["ZWS2.0/NULL"], "PLAIN"), undefined);
    assert.equal(selectProtocol(["chat", "ZWS1.0"], "NULL"), undefined);
    assert.equal(selectProtocol(["chat", "ZWS2.0/CURVE"]), "ZWS2.0/CURVE");
    assert.equal(selectProtocol(["ZWS2.0/BEARER"]), undefined);
  });

  test("parseProtocol() names the mechanism and the bare protocol", () => {
    assert.deepEqual(parseProtocol("ZWS2.0"), { mechanism: "NULL", bare: true });
    assert.deepEqual(parseProtocol("ZWS2.0/CURVE"), { mechanism: "CURVE", bare: false });
    assert.equal(parseProtocol(""), undefined);
    assert.equal(parseProtocol("ZWS2.0/"), undefined);
  });

  test("encodeZws() maps ZMTP MORE/COMMAND to ZWS bits 0/1 and zwsFlags() maps them back", () => {
    assert.deepEqual([...encodeZws(0x01, enc.encode("a"))], [0x01, 0x61]);
    assert.deepEqual([...encodeZws(0x04, enc.encode("a"))], [0x02, 0x61]);
    assert.deepEqual([...encodeZws(0x02 | 0x01, new Uint8Array(0))], [0x01]); // LONG is ZMTP-only
    assert.equal(zwsFlags(Uint8Array.of(0x00, 9, 9)), 0x00);
    assert.equal(zwsFlags(Uint8Array.of(0x03, 9)), 0x05);
    assert.equal(zwsFlags(Uint8Array.of(0x02)), 0x04);
  });

  test("zwsFlags() rejects an empty message and reserved flag bits", () => {
    assert.throws(() => zwsFlags(new Uint8Array(0)), /empty ZWS frame/);
    assert.throws(() => zwsFlags(Uint8Array.of(0x04, 1)), /reserved flag bits/);
    assert.throws(() => zwsFlags(Uint8Array.of(0x80)), /reserved flag bits/);
  });

  test("the ZWS framer takes the peer for ZMTP 3.0 with the subprotocol's mechanism and the other role", () => {
    const greetings: PeerGreeting[] = [];
    const handler = { send() {}, greeting: (g: PeerGreeting) => greetings.push(g), frame() {} };
    const client = { mechanism: "PLAIN", asServer: false, maxMessageSize: -1 };
    zwsFramer(handler, client, "ZWS2.0/PLAIN").start();
    zwsFramer(handler, { ...client, asServer: true }, "ZWS2.0/PLAIN").start();
    zwsFramer(handler, { ...client, mechanism: "NULL" }, "ZWS2.0").start();
    assert.deepEqual(greetings, [
      { major: 3, minor: 0, mechanism: "PLAIN", asServer: true },
      { major: 3, minor: 0, mechanism: "PLAIN", asServer: false },
      { major: 3, minor: 0, mechanism: "NULL", asServer: false },
    ]);
  });
});

// -- every pattern ----------------------------------------------------------------------

describe("patterns over ws://", () => {
  test("PUSH/PULL: multipart and a 1 MiB message", T, async () => {
    const pull = new Pull({ linger: 0, receiveTimeout: 5000 });
    const push = new Push({ linger: 0 });
    try {
      push.connect(await bindWs(pull));
      await push.send(["hello", "", "world"]);
      assert.deepEqual(texts(await pull.receive()), ["hello", "", "world"]);
      const big = new Uint8Array(1 << 20);
      for (let i = 0; i < big.length; i++) big[i] = i * 7;
      await push.send(["big", big]);
      const [name, got] = await pull.receive();
      assert.equal(text(name), "big");
      assert.equal(got.length, big.length);
      assert.deepEqual(plain(got), big);
      for (let i = 0; i < 200; i++) await push.send(String(i));
      for (let i = 0; i < 200; i++) assert.equal(text((await pull.receive())[0]), String(i));
    } finally {
      closeAll(push, pull);
    }
  });

  test("REQ/REP: request and reply round trips", T, async () => {
    const rep = new Reply({ linger: 0, receiveTimeout: 5000 });
    const req = new Request({ linger: 0, receiveTimeout: 5000 });
    try {
      req.connect(await bindWs(rep));
      for (let i = 0; i < 5; i++) {
        await req.send(["ping", String(i)]);
        assert.deepEqual(texts(await rep.receive()), ["ping", String(i)]);
        await rep.send(["pong", String(i)]);
        assert.deepEqual(texts(await req.receive()), ["pong", String(i)]);
      }
    } finally {
      closeAll(req, rep);
    }
  });

  test("PUB/SUB: prefix filtering and unsubscribe", T, async () => {
    const pub = new Publisher({ linger: 0 });
    const sub = new Subscriber({ linger: 0, receiveTimeout: 3000 });
    try {
      sub.subscribe("sync");
      sub.subscribe("weather");
      sub.connect(await bindWs(pub, "/"));
      await syncSub(pub, sub);
      await pub.send(["news", "no"]);
      await pub.send(["weather.rome", "sunny"]);
      assert.deepEqual(texts(await sub.receive()), ["weather.rome", "sunny"]);
      sub.unsubscribe("weather");
      await sleep(100);
      await pub.send(["weather.oslo", "snow"]);
      await pub.send(["sync", "last"]);
      assert.deepEqual(texts(await sub.receive()), ["sync", "last"]);
    } finally {
      closeAll(pub, sub);
    }
  });

  test("DEALER/ROUTER: the ROUTER routes by the DEALER's routing id", T, async () => {
    const router = new Router({ linger: 0, receiveTimeout: 5000 });
    const dealer = new Dealer({ linger: 0, receiveTimeout: 5000, routingId: "dealer-1" });
    try {
      dealer.connect(await bindWs(router));
      await dealer.send(["", "hi"]);
      const [id, empty, body] = await router.receive();
      assert.equal(text(id), "dealer-1");
      assert.equal(empty.length, 0);
      assert.equal(text(body), "hi");
      await router.send(["dealer-1", "", "back"]);
      assert.deepEqual(texts(await dealer.receive()), ["", "back"]);
    } finally {
      closeAll(dealer, router);
    }
  });

  test("PAIR: both directions, and a 3 MiB message from the binding side", T, async () => {
    const a = new Pair({ linger: 0, receiveTimeout: 5000 });
    const b = new Pair({ linger: 0, receiveTimeout: 5000 });
    try {
      b.connect(await bindWs(a));
      await b.send("from b");
      assert.deepEqual(texts(await a.receive()), ["from b"]);
      await a.send(["from a", "2"]);
      assert.deepEqual(texts(await b.receive()), ["from a", "2"]);
      // A large message from the server side arrives in many TCP reads at the client.
      const big = new Uint8Array(3 << 20).map((_, i) => i % 251);
      await a.send(big);
      assert.deepEqual(plain((await b.receive())[0]), big);
    } finally {
      closeAll(a, b);
    }
  });

  test("XPUB/XSUB: the subscription reaches the XPUB, data the XSUB", T, async () => {
    const xpub = new XPublisher({ linger: 0, receiveTimeout: 5000 });
    const xsub = new XSubscriber({ linger: 0, receiveTimeout: 5000 });
    try {
      xsub.connect(await bindWs(xpub));
      await xsub.send(Uint8Array.of(1, ...enc.encode("t")));
      const [s] = await xpub.receive();
      assert.deepEqual([...s], [1, ...enc.encode("t")]);
      await xpub.send(["t1", "data"]);
      assert.deepEqual(texts(await xsub.receive()), ["t1", "data"]);
    } finally {
      closeAll(xpub, xsub);
    }
  });
});

describe("heartbeats over ws://", () => {
  test("an idle connection with heartbeats on both sides stays up", T, async () => {
    const opts = { linger: 0, heartbeatInterval: 100, heartbeatTimeout: 600 };
    const pull = new Pull({ ...opts, receiveTimeout: 3000 });
    const push = new Push(opts);
    const drops = [counter(pull, "disconnect"), counter(push, "disconnect")];
    try {
      push.connect(await bindWs(pull));
      await push.send("before");
      assert.deepEqual(texts(await pull.receive()), ["before"]);
      await sleep(1200);
      assert.deepEqual(drops.map((d) => d.n), [0, 0]);
      await push.send("after");
      assert.deepEqual(texts(await pull.receive()), ["after"]);
    } finally {
      closeAll(push, pull);
    }
  });
});

describe("ws:// between our sockets: ZWS2.0/<mechanism>", () => {
  test("our client and server negotiate ZWS2.0/NULL and exchange READY metadata", T, async () => {
    const router = new Router({ linger: 0, receiveTimeout: 5000 });
    const dealer = new Dealer({ linger: 0, routingId: "d1" });
    try {
      const up = new Promise<Map<string, Uint8Array> | undefined>((resolve) => {
        router.events.on("handshake", (e) => resolve(e.properties));
      });
      dealer.connect(await bindWs(router));
      const props = await withTimeout(up, 5000, "handshake");
      // On the bare ZWS2.0 the peer type would be a stand-in (REQ for a ROUTER).
      assert.equal(text(props?.get("Socket-Type") ?? new Uint8Array(0)), "DEALER");
      await dealer.send(["", "x"]);
      assert.deepEqual(texts(await router.receive()), ["d1", "", "x"]);
    } finally {
      closeAll(dealer, router);
    }
  });

  test("CURVE over ws:// between our sockets", T, async () => {
    const server = curveKeyPair(), client = curveKeyPair();
    const pull = new Pull({ linger: 0, receiveTimeout: 5000, curveServer: true, curveSecretKey: server.secretKey });
    const push = new Push({
      linger: 0,
      curveServerKey: server.publicKey,
      curvePublicKey: client.publicKey,
      curveSecretKey: client.secretKey,
    });
    try {
      push.connect(await bindWs(pull));
      await push.send(["secret", "stuff"]);
      assert.deepEqual(texts(await pull.receive()), ["secret", "stuff"]);
    } finally {
      closeAll(push, pull);
    }
  });

  test("PLAIN over ws:// with an authenticator; a wrong password is refused", T, async () => {
    const pull = new Pull({
      linger: 0,
      receiveTimeout: 5000,
      plainServer: true,
      authenticator: (req) =>
        text(req.credentials[1]) === "pw" ? { statusCode: "200", userId: text(req.credentials[0]) } : {
          statusCode: "400",
        },
    });
    const good = new Push({ linger: 0, plainUsername: "ann", plainPassword: "pw" });
    const bad = new Push({ linger: 0, plainUsername: "eve", plainPassword: "guess" });
    try {
      const ep = await bindWs(pull);
      const refused = nextEvent(bad, "handshake:error:auth");
      bad.connect(ep);
      await refused;
      good.connect(ep);
      await good.send("hello");
      assert.deepEqual(texts(await pull.receive()), ["hello"]);
    } finally {
      closeAll(good, bad, pull);
    }
  });

  test("a PLAIN client and a NULL server do not agree: the handshake fails", T, async () => {
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 0, plainUsername: "ann", plainPassword: "pw", reconnectInterval: 50 });
    try {
      const failed = dropped(push);
      push.connect(await bindWs(pull));
      assert.match(String((await failed)?.message), /mechanism/);
    } finally {
      closeAll(push, pull);
    }
  });
});

// -- endpoints -------------------------------------------------------------------------------

describe("ws:// endpoints", () => {
  test("bind() with port * reports the real port, and the path (/ by default)", T, async () => {
    const a = new Pull({ linger: 0 });
    const b = new Pull({ linger: 0 });
    try {
      await a.bind("ws://127.0.0.1:*");
      assert.match(a.lastEndpoint!, /^ws:\/\/127\.0\.0\.1:\d+\/$/);
      assert.notEqual(parseEndpoint(a.lastEndpoint!, false).port, 0);
      await b.bind("ws://127.0.0.1:0/deep/path");
      assert.match(b.lastEndpoint!, /^ws:\/\/127\.0\.0\.1:\d+\/deep\/path$/);
    } finally {
      closeAll(a, b);
    }
  });

  test("two sockets share a port on different paths; a taken path is EADDRINUSE", T, async () => {
    const a = new Pull({ linger: 0, receiveTimeout: 5000 });
    const b = new Pull({ linger: 0, receiveTimeout: 5000 });
    const c = new Pull({ linger: 0 });
    const pa = new Push({ linger: 0 });
    const pb = new Push({ linger: 0 });
    try {
      const epA = await bindWs(a, "/a");
      const port = parseEndpoint(epA, false).port;
      await b.bind(`ws://127.0.0.1:${port}/b`);
      assert.equal(b.lastEndpoint, `ws://127.0.0.1:${port}/b`);
      await assert.rejects(c.bind(`ws://127.0.0.1:${port}/a`), (e: Error & { code?: string }) => {
        assert.equal(e.code, "EADDRINUSE");
        return true;
      });
      pa.connect(epA);
      pb.connect(b.lastEndpoint!);
      await pa.send("to a");
      await pb.send("to b");
      assert.deepEqual(texts(await a.receive()), ["to a"]);
      assert.deepEqual(texts(await b.receive()), ["to b"]);
      // Unbinding /a leaves /b served on the same port.
      await a.unbind(epA);
      const probe = await RawWs.open(epA, "ZWS2.0");
      assert.equal(probe.status, 404);
      probe.destroy();
      await pb.send("still b");
      assert.deepEqual(texts(await b.receive()), ["still b"]);
    } finally {
      closeAll(pa, pb, a, b, c);
    }
  });

  test("bind() on a port another listener holds is EADDRINUSE", T, async () => {
    const tcp = new Pull({ linger: 0 });
    const ws = new Pull({ linger: 0 });
    try {
      await tcp.bind("tcp://127.0.0.1:*");
      const port = parseEndpoint(tcp.lastEndpoint!, false).port;
      await assert.rejects(ws.bind(`ws://127.0.0.1:${port}/x`), (e: Error & { code?: string }) => {
        assert.equal(e.code, "EADDRINUSE");
        return true;
      });
    } finally {
      closeAll(tcp, ws);
    }
  });

  test("connect() to a path nobody serves yet retries until it is bound", T, async () => {
    const a = new Pull({ linger: 0 });
    const b = new Pull({ linger: 0, receiveTimeout: 5000 });
    const push = new Push({ linger: 0 });
    try {
      const port = parseEndpoint(await bindWs(a, "/a"), false).port;
      const late = `ws://127.0.0.1:${port}/late`;
      const retried = nextEvent(push, "connect:retry");
      push.connect(late);
      await retried;
      await b.bind(late);
      await push.send("made it");
      assert.deepEqual(texts(await b.receive()), ["made it"]);
    } finally {
      closeAll(push, a, b);
    }
  });

  test("the client reconnects when the server socket goes and comes back", T, async () => {
    const first = new Pull({ linger: 0, receiveTimeout: 5000 });
    const push = new Push({ linger: 0 });
    let second: Pull | null = null;
    try {
      const ep = await bindWs(first, "/again");
      push.connect(ep);
      await push.send("one");
      assert.deepEqual(texts(await first.receive()), ["one"]);
      const gone = nextEvent(push, "disconnect");
      first.close();
      await gone;
      second = new Pull({ linger: 0, receiveTimeout: 5000 });
      await second.bind(ep);
      await push.send("two");
      assert.deepEqual(texts(await second.receive()), ["two"]);
    } finally {
      closeAll(push, first, ...(second ? [second] : []));
    }
  });
});

// -- bad input at the server -------------------------------------------------------------

describe("ws:// server: bad input closes that one connection", () => {
  // A PULL with a healthy PUSH attached; `check` proves the healthy one still works.
  async function withServer(fn: (ep: string, pull: Pull) => Promise<void>): Promise<void> {
    const pull = new Pull({ linger: 0, receiveTimeout: 5000 });
    const push = new Push({ linger: 0 });
    try {
      const ep = await bindWs(pull);
      push.connect(ep);
      await push.send("before");
      assert.deepEqual(texts(await pull.receive()), ["before"]);
      await fn(ep, pull);
      await push.send("after");
      assert.deepEqual(texts(await pull.receive()), ["after"]);
    } finally {
      closeAll(push, pull);
    }
  }

  test("a plain HTTP request gets 426 and an unknown path 404", T, async () => {
    await withServer(async (ep) => {
      const res = await fetch(ep.replace("ws:", "http:"));
      assert.equal(res.status, 426);
      await res.body?.cancel();
      const ws = await RawWs.open(ep.replace("/zmq", "/nope"), "ZWS2.0");
      assert.equal(ws.status, 404);
      ws.destroy();
    });
  });

  test("an upgrade offering no ZWS 2.0 subprotocol gets 400 and never reaches the socket", T, async () => {
    await withServer(async (ep, pull) => {
      const accepts = counter(pull, "accept");
      for (const offer of ["chat", "ZWS1.0", null]) {
        const ws = await RawWs.open(ep, offer);
        assert.equal(ws.status, 400, `offer ${offer}`);
        ws.destroy();
      }
      assert.equal(accepts.n, 0);
    });
  });

  test("PLAIN offered to a NULL socket gets 400", T, async () => {
    await withServer(async (ep) => {
      const ws = await RawWs.open(ep, "ZWS2.0/PLAIN");
      assert.equal(ws.status, 400);
      ws.destroy();
    });
  });

  const bad: [string, (ws: RawWs) => void, number][] = [
    ["a text message", (ws) => ws.send(1, enc.encode("hello")), 1003],
    ["an empty binary message", (ws) => ws.send(2, new Uint8Array(0)), 1002],
    ["reserved flag bits", (ws) => ws.send(2, Uint8Array.of(0xf4, 1, 2, 3)), 1002],
    ["a first frame that is not a routing id", (ws) => ws.send(2, zws(0x01, "x")), 1002],
    ["a command where the routing id belongs", (ws) => ws.send(2, zws(0x02, readyBody("PUSH"))), 1002],
  ];
  for (const [what, send, code] of bad) {
    test(`${what} on ZWS2.0 closes the connection (code ${code})`, T, async () => {
      await withServer(async (ep, pull) => {
        const drop = dropped(pull);
        const ws = await RawWs.open(ep, "ZWS2.0");
        assert.equal(ws.status, 101);
        assert.equal(ws.headers.get("sec-websocket-protocol"), "ZWS2.0");
        // The server speaks first: its routing id (empty for a PULL).
        const id = await ws.next();
        assert.deepEqual([...id!.payload], [0x00]);
        send(ws);
        assert.equal(await ws.closeCode(), code);
        await drop;
        ws.destroy();
      });
    });
  }

  test("garbage after a good handshake drops the connection (disconnect event)", T, async () => {
    await withServer(async (ep, pull) => {
      const ws = await RawWs.open(ep, "ZWS2.0/NULL");
      assert.equal(ws.headers.get("sec-websocket-protocol"), "ZWS2.0/NULL");
      const up = nextEvent(pull, "handshake");
      ws.send(2, zws(0x02, readyBody("PUSH")));
      await up;
      const down = nextEvent(pull, "disconnect");
      ws.send(2, Uint8Array.of(0x40, 0x00));
      assert.equal(await ws.closeCode(), 1002);
      await down;
      ws.destroy();
    });
  });

  test("libzmq's ZWS2.0/NULL: READY both ways as command frames, then messages", T, async () => {
    await withServer(async (ep, pull) => {
      const ws = await RawWs.open(ep, "ZWS2.0/NULL,ZWS2.0");
      assert.equal(ws.status, 101);
      assert.equal(ws.headers.get("sec-websocket-protocol"), "ZWS2.0/NULL");
      const ready = (await ws.next())!;
      assert.equal(ready.opcode, 2);
      assert.equal(ready.payload[0], 0x02);
      const body = ready.payload.subarray(1);
      assert.equal(text(body.subarray(1, 6)), "READY");
      assert.ok(text(body).includes("Socket-Type") && text(body).endsWith("PULL"));
      ws.send(2, zws(0x02, readyBody("PUSH")));
      ws.send(2, zws(0x01, "raw"));
      ws.send(2, zws(0x00, "peer"));
      assert.deepEqual(texts(await pull.receive()), ["raw", "peer"]);
      ws.destroy();
    });
  });

  test("a peer of an incompatible socket type is refused", T, async () => {
    await withServer(async (ep, pull) => {
      const refused = nextEvent(pull, "handshake:error:protocol");
      const ws = await RawWs.open(ep, "ZWS2.0/NULL");
      await ws.next();
      ws.send(2, zws(0x02, readyBody("PUB")));
      await refused;
      assert.ok((await ws.closeCode()) !== undefined);
      ws.destroy();
    });
  });
});

// -- bad input at the client -------------------------------------------------------------

describe("ws:// client: a misbehaving server", () => {
  // libzmq's ws_engine takes a bad upgrade answer as a protocol error, which
  // ends the connect()ed endpoint: one attempt, no reconnect storm.
  test("an upgrade answered without a ZWS subprotocol is refused, and not retried", T, async () => {
    const srv = await rawWsServer(null, () => {});
    const push = new Push({ linger: 0, reconnectInterval: 10 });
    const handshakes = counter(push, "handshake");
    const retries = counter(push, "connect:retry");
    try {
      const refused = nextEvent(push, "handshake:error:protocol");
      push.connect(srv.url);
      await refused;
      // Twenty reconnect intervals: a retry would have come by now.
      await sleep(200);
      assert.equal(srv.upgrades(), 1);
      assert.equal(retries.n, 0);
      assert.equal(handshakes.n, 0);
    } finally {
      push.close();
      srv.close();
    }
  });

  test("a text message from the server closes the connection", T, async () => {
    let frames: WsFrame[] = [];
    const srv = await rawWsServer("ZWS2.0", (send, sock) => {
      frames = clientFrames(sock);
      send(2, zws(0, ""));
      send(1, enc.encode("not ZWS"));
    });
    const pull = new Pull({ linger: 0, reconnectInterval: 50 });
    try {
      const err = dropped(pull);
      pull.connect(srv.url);
      const e = await err;
      assert.match(String(e?.message), /text WebSocket message/);
      await waitUntil("the client's close frame", () => frames.some((f) => f.opcode === 8));
    } finally {
      pull.close();
      srv.close();
    }
  });

  test("a message in fragments is joined, and a ping between them gets its pong", T, async () => {
    let frames: WsFrame[] = [];
    const srv = await rawWsServer("ZWS2.0", (send, sock) => {
      frames = clientFrames(sock);
      send(2, zws(0, ""));
      // One ZWS frame in two WebSocket fragments, a ping between them.
      sock.write(Buffer.from([0x02, 3, 0x00, ...enc.encode("ab")]));
      send(9, enc.encode("hi"));
      sock.write(Buffer.from([0x80, 2, ...enc.encode("cd")]));
    });
    const dealer = new Dealer({ linger: 0, receiveTimeout: 5000 });
    try {
      dealer.connect(srv.url);
      assert.deepEqual(texts(await dealer.receive()), ["abcd"]);
      await waitUntil("the pong", () => frames.some((f) => f.opcode === 10));
      assert.deepEqual(frames.find((f) => f.opcode === 10)!.payload, enc.encode("hi"));
    } finally {
      dealer.close();
      srv.close();
    }
  });

  test("a masked frame from the server fails the connection with 1002", T, async () => {
    let frames: WsFrame[] = [];
    const srv = await rawWsServer("ZWS2.0", (_send, sock) => {
      frames = clientFrames(sock);
      sock.write(Buffer.from([0x82, 0x81, 1, 2, 3, 4, 0x01 ^ 1]));
    });
    const pull = new Pull({ linger: 0, reconnectInterval: 1000 });
    try {
      const drop = dropped(pull);
      pull.connect(srv.url);
      await drop;
      await waitUntil("the client's close frame", () => frames.some((f) => f.opcode === 8));
      const close = frames.find((f) => f.opcode === 8)!;
      assert.equal(close.payload[0] << 8 | close.payload[1], 1002);
    } finally {
      pull.close();
      srv.close();
    }
  });

  test("a bare ZWS2.0 server gets our routing id, then messages flow", T, async () => {
    let got: WsFrame[] = [];
    const srv = await rawWsServer("ZWS2.0", (send, sock) => {
      got = clientFrames(sock);
      send(2, zws(0, "server-id"));
      send(2, zws(1, "a"));
      send(2, zws(0, "b"));
    });
    const dealer = new Dealer({ linger: 0, routingId: "me", receiveTimeout: 5000 });
    try {
      dealer.connect(srv.url);
      assert.deepEqual(texts(await dealer.receive()), ["a", "b"]);
      await dealer.send(["x", "y"]);
      await waitUntil("three frames", () => got.length >= 3);
      assert.deepEqual(got.map((f) => [f.opcode, ...f.payload]), [
        [2, 0, ...enc.encode("me")],
        [2, 1, ...enc.encode("x")],
        [2, 0, ...enc.encode("y")],
      ]);
    } finally {
      dealer.close();
      srv.close();
    }
  });
});

// -- wss:// -------------------------------------------------------------------------------------

describe("wss://", () => {
  test("PUSH/PULL over TLS with a user-supplied certificate and CA", T, async () => {
    registerTransport("wss", wsTransport({ tls: { cert: TEST_CERT, key: TEST_KEY, ca: TEST_CA } }));
    const pull = new Pull({ linger: 0, receiveTimeout: 5000 });
    const push = new Push({ linger: 0 });
    try {
      await pull.bind("wss://127.0.0.1:*/secure");
      assert.match(pull.lastEndpoint!, /^wss:\/\/127\.0\.0\.1:\d+\/secure$/);
      push.connect(pull.lastEndpoint!);
      await push.send(["over", "tls"]);
      assert.deepEqual(texts(await pull.receive()), ["over", "tls"]);
      // Without our CA the certificate is refused; rejectUnauthorized: false takes it.
      const ep = parseEndpoint(pull.lastEndpoint!, false);
      await assert.rejects(withTimeout(wsTransport().connect(ep), 5000, "untrusted connect"));
      const insecure = await withTimeout(
        wsTransport({ tls: { rejectUnauthorized: false } }).connect(ep),
        5000,
        "insecure connect",
      );
      insecure.destroy();
    } finally {
      closeAll(push, pull);
      registerTransport("wss", wsTransport());
    }
  });

  test("binding wss:// without a certificate is a TypeError", T, async () => {
    const pull = new Pull({ linger: 0 });
    try {
      await assert.rejects(pull.bind("wss://127.0.0.1:*/x"), TypeError);
    } finally {
      pull.close();
    }
  });
});

// -- a standard WebSocket (as in browsers) -----------------------------------------------------

// A standard WebSocket class: the runtime's global one, or the `ws` package's on Node 20.
async function standardWebSocket(): Promise<NonNullable<Parameters<typeof wsTransport>[0]>["webSocket"]> {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  if (typeof g.WebSocket === "function") return g.WebSocket;
  const WS_PACKAGE = "ws";
  return (await import(WS_PACKAGE)).WebSocket;
}

describe("a standard WebSocket client (bare ZWS2.0 only)", () => {
  // Bare ZWS2.0 is NULL security: a PLAIN or CURVE socket cannot use it, and
  // would otherwise be refused by its server's upgrade again and again.
  for (const mechanism of ["PLAIN", "CURVE"] as const) {
    test(`a ${mechanism} socket fails at once, saying why, and does not reconnect`, T, async () => {
      const server = curveKeyPair(), client = curveKeyPair();
      const serverOpts = mechanism === "CURVE"
        ? { curveServer: true, curveSecretKey: server.secretKey }
        : { plainServer: true };
      const clientOpts = mechanism === "CURVE"
        ? { curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey }
        : { plainUsername: "u", plainPassword: "p" };
      const rep = new Reply({ linger: 0, ...serverOpts });
      const req = new Request({ linger: 0, reconnectInterval: 20, ...clientOpts });
      registerTransport("ws", wsTransport({ webSocket: await standardWebSocket() }));
      try {
        await rep.bind("ws://127.0.0.1:*/secure");
        let retries = 0, accepted = 0;
        req.events.on("connect:retry", () => retries++);
        rep.events.on("accept", () => accepted++);
        const refused = new Promise<Error>((resolve) =>
          req.events.on("handshake:error:protocol", (e) => resolve(e.error as Error))
        );
        req.connect(rep.lastEndpoint!);
        const e = await withTimeout(refused, 5000, "handshake:error:protocol");
        assert.match(e.message, new RegExp(`${mechanism} over ws:// needs the ZWS2\\.0/${mechanism} subprotocol`));
        assert.equal((e as Error & { code?: string }).code, "EPROTO");
        await sleep(200);
        assert.equal(retries, 0, "no reconnection");
        assert.equal(accepted, 0, "the server never saw it");
      } finally {
        registerTransport("ws", wsTransport());
        closeAll(req, rep);
      }
    });
  }

  test("a NULL socket still connects through it", T, async () => {
    const pull = new Pull({ linger: 0, receiveTimeout: 5000 });
    const push = new Push({ linger: 0 });
    registerTransport("ws", wsTransport({ webSocket: await standardWebSocket() }));
    try {
      await pull.bind("ws://127.0.0.1:*/plain");
      push.connect(pull.lastEndpoint!);
      await push.send(["bare", "zws"]);
      assert.deepEqual(texts(await pull.receive()), ["bare", "zws"]);
    } finally {
      registerTransport("ws", wsTransport());
      closeAll(push, pull);
    }
  });
});
