// Errors that say what went wrong (issue 14): a connect:retry event carries
// the error of the attempt (refused, unresolvable, no such ipc path), every
// runtime error that reaches the user is a ZmqError with libzmq's code and a
// message that starts with zeromq.js's text, an ipc path too long for
// sockaddr_un fails at bind and connect (ENAMETOOLONG, as libzmq) instead of
// being truncated, and an ipc bind in a missing directory is ENOENT on every
// runtime.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type EventOfType, Pull, Push, ZmqError } from "../mod.ts";
import { errnoMessage, systemError } from "../lib/errors.ts";
import { freeTcpAddress, WAIT, withTimeout } from "./_helpers.ts";

const T = { timeout: 20000 };
const dir = mkdtempSync(join(tmpdir(), "zmtp-errors-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The first connect:retry of a connect to `address`. */
async function firstRetry(address: string): Promise<EventOfType<"connect:retry">> {
  const push = new Push({ linger: 0, reconnectInterval: 50 });
  try {
    const retry = new Promise<EventOfType<"connect:retry">>((resolve) => push.events.on("connect:retry", resolve));
    push.connect(address);
    return await withTimeout(retry, WAIT, "connect:retry");
  } finally {
    push.close();
  }
}

function assertZmqError(e: unknown, code: string, what: string): asserts e is ZmqError {
  assert.ok(e instanceof ZmqError, `${what}: a ZmqError, got ${String(e)}`);
  assert.equal(e.code, code, `${what}: ${e.message}`);
  assert.ok(e.message.startsWith(errnoMessage(e.code)), `${what}: message starts with zeromq.js's text: ${e.message}`);
}

/** An ipc path of exactly `bytes` bytes in the test's directory. */
function ipcPathOf(bytes: number): string {
  const head = `${dir}/`;
  return head + "p".repeat(bytes - head.length);
}

describe("connect:retry says why the attempt failed", () => {
  test("a refused tcp connect: ECONNREFUSED with the endpoint", T, async () => {
    const address = await freeTcpAddress();
    const retry = await firstRetry(address);
    assert.equal(retry.address, address);
    assertZmqError(retry.error, "ECONNREFUSED", "refused");
    assert.equal(retry.error.address, address);
    assert.ok(retry.error.message.includes(address), retry.error.message);
  });

  test(
    "a host name that does not resolve: EINVAL (libzmq's resolver when connecting), the lookup's error as cause",
    T,
    async () => {
      const retry = await firstRetry("tcp://no-such-host.invalid:5555");
      assertZmqError(retry.error, "EINVAL", "unresolvable");
      assert.match(retry.error.message, /cannot resolve "no-such-host\.invalid"/);
      assert.ok(retry.error.cause instanceof Error, "the lookup's error is the cause");
    },
  );

  test("an ipc path nobody listens on: ENOENT", T, async () => {
    const retry = await firstRetry(`ipc://${dir}/nobody.ipc`);
    assertZmqError(retry.error, "ENOENT", "missing ipc path");
  });
});

describe("ipc paths libzmq refuses", () => {
  test(
    "a path of 108 bytes or more fails at bind and at connect with ENAMETOOLONG, and leaves no file",
    T,
    async () => {
      const path = ipcPathOf(108);
      const pull = new Pull();
      const push = new Push();
      try {
        await assert.rejects(pull.bind(`ipc://${path}`), (e) => {
          assertZmqError(e, "ENAMETOOLONG", "bind");
          return true;
        });
        assert.throws(() => push.connect(`ipc://${path}`), (e) => {
          assertZmqError(e, "ENAMETOOLONG", "connect");
          return true;
        });
        // Node truncated the path to 107 bytes and bound that.
        assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith("ppp")), []);
        assert.equal(existsSync(path), false);
      } finally {
        pull.close();
        push.close();
      }
    },
  );

  test("a path of 107 bytes, the most that fits, binds and connects", T, async () => {
    const path = ipcPathOf(107);
    const pull = new Pull({ receiveTimeout: WAIT });
    const push = new Push();
    try {
      await pull.bind(`ipc://${path}`);
      push.connect(`ipc://${path}`);
      await push.send("fits");
      const [m] = await pull.receive();
      assert.equal(new TextDecoder().decode(m), "fits");
    } finally {
      pull.close();
      push.close();
    }
  });

  test("a bind in a directory that does not exist: ENOENT (Node's libuv says EACCES)", T, async () => {
    const pull = new Pull();
    try {
      await assert.rejects(pull.bind(`ipc://${dir}/no/such/dir/x.ipc`), (e) => {
        assertZmqError(e, "ENOENT", "bind");
        return true;
      });
    } finally {
      pull.close();
    }
  });
});

describe("systemError()", () => {
  test("unreachable, timed out, reset and permission errors get libzmq's codes, zeromq.js's text first", () => {
    const cases: [object, string][] = [
      [{ code: "EHOSTUNREACH" }, "EHOSTUNREACH"],
      [{ code: "ENETUNREACH" }, "ENETUNREACH"],
      [{ name: "NetworkUnreachable" }, "ENETUNREACH"],
      [{ code: "ETIMEDOUT" }, "ETIMEDOUT"],
      [{ name: "TimedOut" }, "ETIMEDOUT"],
      [{ code: "ECONNRESET" }, "ECONNRESET"],
      [{ name: "ConnectionReset" }, "ECONNRESET"],
      [{ code: "EACCES" }, "EACCES"],
      [{ name: "PermissionDenied" }, "EACCES"],
      [{ code: "ECONNREFUSED" }, "ECONNREFUSED"],
    ];
    for (const [props, code] of cases) {
      const original = Object.assign(new Error("it failed"), props);
      const e = systemError(original, "tcp://127.0.0.1:1");
      assertZmqError(e, code, JSON.stringify(props));
      assert.equal(e.message, `${errnoMessage(e.code)}: it failed (tcp://127.0.0.1:1)`);
      assert.equal(e.cause, original);
    }
  });

  test("a ZmqError comes back as it is", () => {
    const e = new ZmqError("ECONNREFUSED", "Connection refused: by the test", { address: "tcp://127.0.0.1:1" });
    assert.equal(systemError(e, "tcp://127.0.0.1:2"), e);
  });
});
