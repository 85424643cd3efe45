// STREAM (libzmq's ZMQ_STREAM): raw bytes with routing ids. Against plain
// TCP clients and servers (node:net, node:http, fetch) including an HTTP
// exchange each way; the connect and disconnect notifications; closing a
// connection with an empty frame; the errors (EHOSTUNREACH, EINVAL,
// ENOCOMPATPROTO); hostile clients that must not disturb the others; and
// libzmq 4.3.5's STREAM (zeromq.js in a Node peer process) both ways.
//
// TCP may split or merge chunks, so the data is compared once all of it
// has arrived, never chunk by chunk.

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { Stream } from "../mod.ts";
import { bytes, closeAll, rejectsWithCode, text, WAIT, withTimeout } from "./_helpers.ts";
import { type Peer, startLibzmqPeer } from "./interop/_harness.ts";

const TEST_TIMEOUT = 20000;
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
}

/** The next message, as [routing id in hex, data as text]. */
async function next(s: Stream, what = "a message"): Promise<[string, string]> {
  const [id, data] = await withTimeout(s.receive(), WAIT, what);
  return [hex(id), text(data)];
}

/** Receives from `id` until `done(all text so far)`; other peers' messages fail the test. */
async function readUntil(s: Stream, id: string, done: (all: string) => boolean): Promise<string> {
  let all = "";
  for (let i = 0; i < 10000 && !done(all); i++) {
    const [from, data] = await next(s, "data from the peer");
    assert.equal(from, id, "data from another peer");
    assert.notEqual(data, "", `connection ended with only ${JSON.stringify(all)}`);
    all += data;
  }
  return all;
}

/** Receives from `id` until `n` bytes came; returns them. */
async function readBytes(s: Stream, id: string, n: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let len = 0;
  for (let i = 0; i < 10000 && len < n; i++) {
    const [from, data] = await withTimeout(s.receive(), WAIT, "bytes from the peer");
    assert.equal(hex(from), id, "data from another peer");
    assert.notEqual(data.length, 0, `connection ended after ${len} bytes`);
    parts.push(data);
    len += data.length;
  }
  return Buffer.concat(parts);
}

/** A node:net client connected to `port`, collecting what it reads. */
async function client(port: number): Promise<{ sock: net.Socket; read: () => string; ended: Promise<void> }> {
  const sock = net.connect(port, "127.0.0.1");
  let got = "";
  sock.on("data", (d: Uint8Array) => got += text(d));
  sock.on("error", () => {});
  const ended = new Promise<void>((r) => sock.once("close", () => r()));
  await withTimeout(new Promise<void>((r) => sock.once("connect", () => r())), WAIT, "tcp connect");
  return { sock, read: () => got, ended };
}

async function waitFor(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + WAIT;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: timed out`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("STREAM with plain TCP peers", { timeout: TEST_TIMEOUT }, () => {
  test("is type 11, notify on by default, and refuses what has no raw peer", async () => {
    const s = new Stream();
    try {
      assert.equal(s.type, 11);
      assert.equal(s.notify, true);
      assert.equal(new Stream({ notify: false, linger: 0 }).notify, false);
      await rejectsWithCode(s.bind("inproc://stream-test"), "ENOCOMPATPROTO");
      await rejectsWithCode(s.bind("ws://127.0.0.1:*"), "ENOCOMPATPROTO");
      await rejectsWithCode(s.bind("udp://127.0.0.1:*"), "ENOCOMPATPROTO");
      assert.throws(() => s.connect("inproc://stream-test"), { code: "ENOCOMPATPROTO" });
      await rejectsWithCode(s.send(["nobody", "hi"]), "EHOSTUNREACH");
      await s.bind("tcp://127.0.0.1:*");
      const c = await client(portOf(s.lastEndpoint!));
      const [id] = await next(s, "connect notification");
      const rid = Buffer.from(id, "hex");
      await rejectsWithCode(s.send([rid]), "EINVAL");
      await rejectsWithCode(s.send([rid, "a", "b"]), "EINVAL");
      c.sock.destroy();
    } finally {
      closeAll(s);
    }
  });

  test("server: notifications, data both ways, peer disconnect, then EHOSTUNREACH", async () => {
    const s = new Stream({ linger: 0 });
    try {
      await s.bind("tcp://127.0.0.1:*");
      const c = await client(portOf(s.lastEndpoint!));
      const [id, first] = await next(s, "connect notification");
      assert.equal(first, "");
      assert.equal(id.length, 10, "a generated id is 5 bytes");
      assert.equal(id.slice(0, 2), "00", "a generated id starts with a zero byte");
      // Bytes that look like ZMTP are only bytes here.
      const zmtpish = Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1, ...bytes("NULL")]);
      c.sock.write(zmtpish);
      c.sock.write("hello");
      const rid = Buffer.from(id, "hex");
      const all = await readBytes(s, id, zmtpish.length + 5);
      assert.deepEqual(all, Buffer.concat([zmtpish, Buffer.from("hello")]));
      await s.send([rid, "world"]);
      await waitFor("the client reads the reply", () => c.read() === "world");
      c.sock.end();
      assert.deepEqual(await next(s, "disconnect notification"), [id, ""]);
      await rejectsWithCode(s.send([rid, "gone"]), "EHOSTUNREACH");
      await c.ended;
    } finally {
      closeAll(s);
    }
  });

  test("an empty frame closes that connection after what was queued, without a notification", async () => {
    const s = new Stream({ linger: 0 });
    try {
      await s.bind("tcp://127.0.0.1:*");
      const port = portOf(s.lastEndpoint!);
      const a = await client(port);
      const [ida] = await next(s, "connect notification a");
      const b = await client(port);
      const [idb] = await next(s, "connect notification b");
      assert.notEqual(ida, idb);
      const ra = Buffer.from(ida, "hex"), rb = Buffer.from(idb, "hex");
      await s.send([ra, "bye "]);
      await s.send([ra, "now"]);
      await s.send([ra, ""]);
      await withTimeout(a.ended, WAIT, "a's connection closed");
      assert.equal(a.read(), "bye now");
      await rejectsWithCode(s.send([ra, "late"]), "EHOSTUNREACH");
      // b is unaffected, and the next message is b's, not a notification for a.
      b.sock.write("still here");
      assert.equal(await readUntil(s, idb, (t) => t.length >= 10), "still here");
      await s.send([rb, "ok"]);
      await waitFor("b reads", () => b.read() === "ok");
      b.sock.destroy();
      assert.deepEqual(await next(s, "b's disconnect"), [idb, ""]);
    } finally {
      closeAll(s);
    }
  });

  test("a peer that ignores our end is not kept: the connection we closed is gone, as libzmq closes outright", async () => {
    const s = new Stream({ linger: 0 });
    try {
      await s.bind("tcp://127.0.0.1:*");
      // allowHalfOpen: our FIN does not make this client close its side.
      const sock = net.connect({ port: portOf(s.lastEndpoint!), host: "127.0.0.1", allowHalfOpen: true });
      sock.on("error", () => {});
      let got = "", eof = false, closed = false;
      sock.on("data", (d: Uint8Array) => got += text(d));
      sock.on("end", () => eof = true);
      sock.on("close", () => closed = true);
      const [id] = await next(s, "connect notification");
      const r = Buffer.from(id, "hex");
      await s.send([r, "body"]);
      await s.send([r, ""]);
      await waitFor("our end reaches the client", () => eof);
      assert.equal(got, "body");
      // Still writing after our end: only a connection we really closed answers with a reset.
      for (let i = 0; i < 2000 && !closed; i++) {
        if (!sock.destroyed) sock.write("still here");
        await new Promise((res) => setTimeout(res, 10));
      }
      assert.ok(closed, "the connection was closed by the STREAM socket");
    } finally {
      closeAll(s);
    }
  });

  test("over ipc: connect notification, bytes both ways, disconnect notification", async () => {
    const s = new Stream({ linger: 0 });
    try {
      await s.bind("ipc://*");
      const path = s.lastEndpoint!.slice("ipc://".length);
      const sock = net.connect(path);
      sock.on("error", () => {});
      let got = "";
      sock.on("data", (d: Uint8Array) => got += text(d));
      const [id, first] = await next(s, "connect notification");
      assert.equal(first, "");
      sock.write("ping");
      assert.deepEqual(await next(s, "data"), [id, "ping"]);
      await s.send([Buffer.from(id, "hex"), "pong"]);
      await waitFor("the client reads", () => got === "pong");
      sock.end();
      assert.deepEqual(await next(s, "disconnect notification"), [id, ""]);
    } finally {
      closeAll(s);
    }
  });

  test("notify false: no empty messages, data only", async () => {
    const s = new Stream({ notify: false, linger: 0 });
    try {
      await s.bind("tcp://127.0.0.1:*");
      const c = await client(portOf(s.lastEndpoint!));
      c.sock.write("x");
      const [id, data] = await next(s, "data");
      assert.equal(data, "x");
      c.sock.end();
      await c.ended;
      // Nothing (no disconnect notification) is left: the next thing is a new peer's data.
      const d = await client(portOf(s.lastEndpoint!));
      d.sock.write("y");
      const [id2, data2] = await next(s, "data of the second peer");
      assert.notEqual(id2, id);
      assert.equal(data2, "y");
      d.sock.destroy();
    } finally {
      closeAll(s);
    }
  });

  test("HTTP: a STREAM server answers fetch()", async () => {
    const s = new Stream({ linger: 0 });
    const body = "Hello from a STREAM socket!";
    let served = 0;
    const serve = (async () => {
      const requests = new Map<string, string>();
      for await (const [id, data] of s) {
        const key = hex(id);
        if (data.length === 0) {
          requests.delete(key);
          continue;
        }
        const req = (requests.get(key) ?? "") + text(data);
        requests.set(key, req);
        if (!req.includes("\r\n\r\n")) continue;
        assert.match(req, /^GET \/foo HTTP\/1\.1\r\n/);
        await s.send([
          id,
          `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n` +
          `Connection: close\r\n\r\n${body}`,
        ]);
        await s.send([id, ""]);
        served++;
      }
    })();
    try {
      await s.bind("tcp://127.0.0.1:*");
      const url = `http://127.0.0.1:${portOf(s.lastEndpoint!)}/foo`;
      const res = await withTimeout(fetch(url), WAIT, "fetch");
      assert.equal(res.status, 200);
      assert.equal(await res.text(), body);
      assert.equal(served, 1);
    } finally {
      closeAll(s);
      await serve;
    }
  });

  test("HTTP: a STREAM client talks to node:http, with its own routing id, queued before connecting", async () => {
    let seen = 0;
    const http: HttpServer = createHttpServer((req, res) => {
      seen++;
      res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": 12 });
      res.end(req.url === "/foo" ? "Hello world!" : "wrong path!!");
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
    const port = (http.address() as net.AddressInfo).port;
    const s = new Stream({ linger: 0 });
    try {
      const routingId = "abcdef1234567890";
      const id = hex(bytes(routingId));
      s.connect(`tcp://127.0.0.1:${port}`, { routingId });
      assert.throws(() => s.connect(`tcp://localhost:${port}`, { routingId }), { code: "EINVAL" });
      // As libzmq: the pipe exists from connect(), so this waits for the connection.
      await s.send([routingId, `GET /foo HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`]);
      assert.deepEqual(await next(s, "connect notification"), [id, ""]);
      const reply = await readUntil(s, id, (t) => t.endsWith("Hello world!") || t.endsWith("wrong path!!"));
      assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
      assert.equal(reply.split("\r\n\r\n").pop(), "Hello world!");
      assert.equal(seen, 1);
      // Closed by us: the endpoint is done with (libzmq ends the session, no reconnect).
      await s.send([routingId, ""]);
      assert.throws(() => s.disconnect(`tcp://127.0.0.1:${port}`), { code: "ENOENT" });
      await rejectsWithCode(s.send([routingId, "again"]), "EHOSTUNREACH");
    } finally {
      closeAll(s);
      http.closeAllConnections?.();
      await new Promise<void>((r) => http.close(() => r()));
    }
  });

  test("a connect()ed STREAM reports the server's hang-up, reconnects and keeps its routing id", async () => {
    const conns: net.Socket[] = [];
    const srv = net.createServer((c) => {
      conns.push(c);
      c.on("error", () => {});
      if (conns.length === 1) c.end("first");
      else c.write("second");
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    const s = new Stream({ linger: 0, reconnectInterval: 10 });
    try {
      s.connect(`tcp://127.0.0.1:${port}`);
      const [id, n1] = await next(s, "connect notification");
      assert.equal(n1, "");
      assert.equal(await readUntil(s, id, (t) => t.length >= 5), "first");
      assert.deepEqual(await next(s, "disconnect notification"), [id, ""]);
      assert.deepEqual(await next(s, "reconnect notification"), [id, ""]);
      assert.equal(await readUntil(s, id, (t) => t.length >= 6), "second");
    } finally {
      closeAll(s);
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  test("hostile clients (random bytes, resets) do not affect other peers", async () => {
    const s = new Stream({ linger: 0 });
    try {
      await s.bind("tcp://127.0.0.1:*");
      const port = portOf(s.lastEndpoint!);
      const good = await client(port);
      const [gid] = await next(s, "good peer's notification");
      const grid = Buffer.from(gid, "hex");
      const ids = new Set<string>();
      for (let round = 0; round < 5; round++) {
        const bad = await client(port);
        const junk = new Uint8Array(4096 + round * 1000);
        crypto.getRandomValues(junk);
        bad.sock.write(junk);
        // A reset where the runtime has it, else an abrupt destroy.
        const r = bad.sock as net.Socket & { resetAndDestroy?: () => void };
        if (typeof r.resetAndDestroy === "function") r.resetAndDestroy();
        else r.destroy();
        await bad.ended;
      }
      // Each hostile peer: a notification, its bytes (in any chunks), a disconnect.
      const got = new Map<string, number>();
      let ends = 0;
      good.sock.write("ping");
      let goodData = "";
      for (let i = 0; i < 100000 && (ends < 5 || goodData !== "ping"); i++) {
        const [from, data] = await withTimeout(s.receive(), WAIT, "hostile traffic");
        const key = hex(from);
        if (key === gid) {
          goodData += text(data);
          continue;
        }
        if (data.length === 0) {
          if (ids.has(key)) ends++;
          else ids.add(key);
          continue;
        }
        got.set(key, (got.get(key) ?? 0) + data.length);
      }
      assert.equal(ids.size, 5);
      assert.equal(goodData, "ping");
      await s.send([grid, "pong"]);
      await waitFor("the good peer reads", () => good.read() === "pong");
      for (const k of ids) await rejectsWithCode(s.send([Buffer.from(k, "hex"), "x"]), "EHOSTUNREACH");
      good.sock.destroy();
    } finally {
      closeAll(s);
    }
  });
});

describe("STREAM against libzmq's STREAM", { timeout: TEST_TIMEOUT }, () => {
  let peer: Peer;
  before(async () => {
    peer = await startLibzmqPeer();
  });
  after(async () => {
    await peer?.stop();
  });

  /** Receives on the libzmq side until `n` bytes of data from one id came (notifications skipped). */
  async function peerRead(sock: number, n: number): Promise<{ id: string; data: string }> {
    let data = "";
    let id = "";
    for (let i = 0; i < 1000 && data.length < n; i++) {
      const { msg } = await peer.request("recv", { sock }) as { msg: string[] };
      const d = text(unb64(msg[1]));
      if (d === "") continue;
      id = hex(unb64(msg[0]));
      data += d;
    }
    return { id, data };
  }

  test("libzmq binds, we connect: bytes both ways, then we close", async () => {
    const { sock } = await peer.request("new", { type: "Stream", options: {} }) as { sock: number };
    const s = new Stream({ linger: 0 });
    try {
      const { endpoint } = await peer.request("bind", { sock, endpoint: "tcp://127.0.0.1:*" }) as { endpoint: string };
      s.connect(endpoint);
      const [id, n] = await next(s, "our connect notification");
      assert.equal(n, "");
      const rid = Buffer.from(id, "hex");
      // libzmq's notification of us, then our bytes.
      const { msg: note } = await peer.request("recv", { sock }) as { msg: string[] };
      assert.equal(unb64(note[1]).length, 0);
      const theirId = note[0];
      await s.send([rid, "ping from us"]);
      const got = await peerRead(sock, 12);
      assert.equal(got.data, "ping from us");
      assert.equal(got.id, hex(unb64(theirId)));
      await peer.request("send", { sock, msg: [theirId, b64(bytes("pong from libzmq"))] });
      assert.equal(await readUntil(s, id, (t) => t.length >= 16), "pong from libzmq");
      await s.send([rid, ""]);
      // libzmq sees the connection end.
      const { msg: end } = await peer.request("recv", { sock }) as { msg: string[] };
      assert.deepEqual([end[0], unb64(end[1]).length], [theirId, 0]);
    } finally {
      closeAll(s);
      await peer.request("close", { sock });
    }
  });

  test("we bind, libzmq connects with a routing id: bytes both ways, then libzmq closes", async () => {
    const { sock } = await peer.request("new", { type: "Stream", options: {} }) as { sock: number };
    let closed = false;
    const s = new Stream({ linger: 0 });
    try {
      await s.bind("tcp://127.0.0.1:*");
      await peer.request("connect", { sock, endpoint: s.lastEndpoint!, routingId: "lz" });
      const [id, n] = await next(s, "our accept notification");
      assert.equal(n, "");
      const rid = Buffer.from(id, "hex");
      await peer.request("send", { sock, msg: [b64(bytes("lz")), b64(bytes("hello from libzmq"))] });
      assert.equal(await readUntil(s, id, (t) => t.length >= 17), "hello from libzmq");
      await s.send([rid, "hello from us"]);
      const got = await peerRead(sock, 13);
      assert.equal(got.data, "hello from us");
      assert.equal(got.id, hex(bytes("lz")));
      // libzmq's socket goes away: its connection with it.
      await peer.request("close", { sock });
      closed = true;
      assert.deepEqual(await next(s, "disconnect notification"), [id, ""]);
      await rejectsWithCode(s.send([rid, "gone"]), "EHOSTUNREACH");
    } finally {
      closeAll(s);
      if (!closed) await peer.request("close", { sock });
    }
  });
});
