// The reconnect policy of a connect()ed endpoint, as libzmq 4.3 has it
// (session_base_t::engine_error): a lost connection or a timeout is retried
// every reconnectInterval; a protocol error (bad data, an ERROR command, a
// handshake refused by ZAP, the mechanism or the socket type) ends the
// endpoint, so a refused client makes one attempt and does not hammer the
// server. connect() again tries once more.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Authenticator, Pull, Push, Reply, Request, type SocketBase } from "../mod.ts";
import { bytes, nextEvents, RawServer, settle, text, withTimeout } from "./_helpers.ts";

const T = { timeout: 15000 };
const IVL = 10;
// Twenty reconnect intervals: a retry, had there been one, came long before.
const QUIET = 20 * IVL;

/** Counts the events of one type on a socket. */
function count(sock: SocketBase, type: "connect:retry" | "handshake"): { n: number } {
  const c = { n: 0 };
  sock.events.on(type, () => c.n++);
  return c;
}

/** An authenticator that refuses everyone and counts the requests. */
function refusing(): { calls: number; auth: Authenticator } {
  const r = {
    calls: 0,
    auth: (): ReturnType<Authenticator> => {
      r.calls++;
      return { statusCode: "400", statusText: "No access" };
    },
  };
  return r;
}

describe("reconnect policy: protocol errors end the endpoint, lost connections are retried", () => {
  test("a client refused by ZAP makes one attempt; connect() again makes one more", T, async () => {
    const zap = refusing();
    const rep = new Reply({ linger: 0, plainServer: true, authenticator: zap.auth });
    const req = new Request({ linger: 0, plainUsername: "u", plainPassword: "p", reconnectInterval: IVL });
    const retries = count(req, "connect:retry");
    try {
      await rep.bind("tcp://127.0.0.1:*");
      const ep = rep.lastEndpoint!;
      let refused = nextEvents(req, "handshake:error:auth");
      req.connect(ep);
      await withTimeout(refused, 5000, "the refusal");
      await settle(QUIET);
      assert.equal(zap.calls, 1, "ZAP requests after one refusal");
      assert.equal(retries.n, 0);
      // The user asks again: one more attempt, one more refusal.
      refused = nextEvents(req, "handshake:error:auth");
      req.connect(ep);
      await withTimeout(refused, 5000, "the second refusal");
      await settle(QUIET);
      assert.equal(zap.calls, 2, "ZAP requests after connect() again");
      assert.equal(retries.n, 0);
    } finally {
      req.close();
      rep.close();
    }
  });

  test("a refused endpoint drops the messages queued for it, as libzmq's session does", T, async () => {
    const zap = refusing();
    const pull = new Pull({ linger: 0, plainServer: true, authenticator: zap.auth });
    const push = new Push({ linger: 0, plainUsername: "u", plainPassword: "p", reconnectInterval: IVL });
    try {
      await pull.bind("tcp://127.0.0.1:*");
      const refused = nextEvents(push, "handshake:error:auth");
      push.connect(pull.lastEndpoint!);
      await push.send("queued before the handshake"); // the pipe exists before the connection
      await withTimeout(refused, 5000, "the refusal");
      // With no pipe left, a send has nowhere to go: it would block.
      push.sendTimeout = 0;
      await assert.rejects(push.send("after"), (e: Error & { code?: string }) => e.code === "EAGAIN");
    } finally {
      push.close();
      pull.close();
    }
  });

  test("a peer of an incompatible socket type is tried once", T, async () => {
    const a = new Push({ linger: 0 });
    const b = new Push({ linger: 0, reconnectInterval: IVL });
    const accepted = { n: 0 };
    a.events.on("accept", () => accepted.n++);
    const retries = count(b, "connect:retry");
    try {
      await a.bind("tcp://127.0.0.1:*");
      const refused = nextEvents(b, "handshake:error:protocol");
      b.connect(a.lastEndpoint!);
      await withTimeout(refused, 5000, "the refusal");
      await settle(QUIET);
      assert.equal(accepted.n, 1);
      assert.equal(retries.n, 0);
    } finally {
      b.close();
      a.close();
    }
  });

  test("a server that answers with a bad signature is tried once", T, async () => {
    const srv = await RawServer.listen();
    const push = new Push({ linger: 0, reconnectInterval: IVL });
    const retries = count(push, "connect:retry");
    try {
      push.connect(srv.endpoint);
      const peer = await srv.accept();
      peer.write(bytes("HTTP/1.1 400 Bad Request\r\n\r\n"));
      assert.ok(await peer.closesWithin(5000), "the client closed the connection");
      await settle(QUIET);
      await assert.rejects(srv.accept(50), /accept/);
      assert.equal(retries.n, 0);
    } finally {
      push.close();
      srv.close();
    }
  });

  test("a server that hangs up during the handshake is retried", T, async () => {
    const srv = await RawServer.listen();
    const push = new Push({ linger: 0, reconnectInterval: IVL });
    try {
      push.connect(srv.endpoint);
      (await srv.accept(5000)).destroy();
      (await srv.accept(5000)).destroy();
      (await srv.accept(5000)).destroy();
    } finally {
      push.close();
      srv.close();
    }
  });

  test("a handshake that times out is retried", T, async () => {
    const srv = await RawServer.listen();
    const push = new Push({ linger: 0, reconnectInterval: IVL, handshakeInterval: 50 });
    try {
      push.connect(srv.endpoint);
      const first = await srv.accept(5000); // says nothing
      assert.ok(await first.closesWithin(5000), "the client gave up on the silent server");
      const second = await srv.accept(5000);
      second.destroy();
    } finally {
      push.close();
      srv.close();
    }
  });

  test("a peer that closes after the handshake is reconnected, and messages queued meanwhile arrive", T, async () => {
    const pull = new Pull({ linger: 0, receiveTimeout: 5000 });
    const push = new Push({ linger: 0, reconnectInterval: IVL });
    try {
      await pull.bind("tcp://127.0.0.1:*");
      const ep = pull.lastEndpoint!;
      push.connect(ep);
      await push.send("one");
      assert.equal(text((await pull.receive())[0]), "one");
      const gone = nextEvents(push, "disconnect");
      await pull.unbind(ep);
      await withTimeout(gone, 5000, "the disconnect");
      await push.send("two");
      await pull.bind(ep);
      assert.equal(text((await pull.receive())[0]), "two");
    } finally {
      push.close();
      pull.close();
    }
  });
});
