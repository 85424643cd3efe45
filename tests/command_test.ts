// Commands and metadata (RFC 23 §"Commands", RFC 37), and the Queue.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  encodeCommand,
  encodeError,
  encodeMetadata,
  encodePing,
  encodePong,
  encodeReady,
  getProperty,
  isCommand,
  parseCommand,
  parseErrorReason,
  parseMetadata,
} from "../lib/zmtp/command.ts";
import { ProtocolError } from "../lib/errors.ts";
import { Queue } from "../lib/queue.ts";
import { bytes, rawCommand, rawMetadata, text } from "./_helpers.ts";

describe("commands", () => {
  test("encodeCommand() and parseCommand() round-trip", () => {
    const body = encodeCommand("SUBSCRIBE", bytes("topic"));
    assert.deepEqual(body, rawCommand("SUBSCRIBE", bytes("topic")));
    const c = parseCommand(body);
    assert.equal(c.name, "SUBSCRIBE");
    assert.deepEqual(c.data, bytes("topic"));
    assert.deepEqual(parseCommand(encodeCommand("PONG")), { name: "PONG", data: new Uint8Array(0) });
  });

  test("parseCommand() rejects an empty body, an empty name and a truncated name", () => {
    assert.throws(() => parseCommand(new Uint8Array(0)), ProtocolError);
    assert.throws(() => parseCommand(new Uint8Array([0, 1, 2])), ProtocolError);
    assert.throws(() => parseCommand(new Uint8Array([5, 0x52, 0x45])), ProtocolError);
  });

  test("isCommand() compares the name exactly", () => {
    const ping = encodePing(0);
    assert.ok(isCommand(ping, "PING"));
    assert.ok(!isCommand(ping, "PONG"));
    assert.ok(!isCommand(ping, "PIN"));
    assert.ok(!isCommand(new Uint8Array(0), "PING"));
  });

  test("encodeReady() lays out metadata as RFC 23 says", () => {
    const props: [string, string][] = [["Socket-Type", "ROUTER"], ["Identity", "abc"]];
    assert.deepEqual(encodeReady(props), rawCommand("READY", rawMetadata(props)));
  });

  test("parseMetadata() reads READY properties back, binary and empty values included", () => {
    const id = new Uint8Array([0, 1, 2, 255]);
    const big = new Uint8Array(70000).fill(7);
    const ready = encodeReady([["Socket-Type", "DEALER"], ["Identity", id], ["X-Empty", ""], ["X-Big", big]]);
    const cmd = parseCommand(ready);
    assert.equal(cmd.name, "READY");
    const props = parseMetadata(cmd.data);
    assert.equal(props.size, 4);
    assert.equal(text(getProperty(props, "Socket-Type")!), "DEALER");
    assert.deepEqual(getProperty(props, "Identity"), id);
    assert.equal(getProperty(props, "X-Empty")!.length, 0);
    assert.deepEqual(getProperty(props, "X-Big"), big);
    assert.equal(getProperty(props, "Resource"), undefined);
  });

  test("getProperty() looks names up case-insensitively", () => {
    const props = parseMetadata(rawMetadata([["socket-TYPE", "PUB"]]));
    for (const n of ["Socket-Type", "socket-type", "SOCKET-TYPE", "socket-TYPE"]) {
      assert.equal(text(getProperty(props, n)!), "PUB", n);
    }
  });

  test("parseMetadata() accepts empty metadata", () => {
    assert.equal(parseMetadata(new Uint8Array(0)).size, 0);
  });

  test("parseMetadata() rejects malformed metadata", () => {
    const good = encodeMetadata([["Socket-Type", "PUSH"]]);
    const cases: [string, Uint8Array][] = [
      ["a zero-length name", new Uint8Array([0, 0, 0, 0, 0])],
      ["a name running past the end", new Uint8Array([20, 0x41, 0x42])],
      ["a truncated value length", good.subarray(0, 1 + 11 + 2)],
      ["a value running past the end", good.subarray(0, good.length - 1)],
      ["a trailing partial property", new Uint8Array([...good, 3, 0x41])],
    ];
    for (const [what, data] of cases) {
      assert.throws(() => parseMetadata(data), ProtocolError, what);
    }
    // A value length field claiming 4 GiB.
    const huge = new Uint8Array([1, 0x41, 0xff, 0xff, 0xff, 0xff, 1]);
    assert.throws(() => parseMetadata(huge), ProtocolError);
  });

  test("encodeError() carries the reason, cut to 255 bytes", () => {
    const c = parseCommand(encodeError("Invalid socket type"));
    assert.equal(c.name, "ERROR");
    assert.equal(c.data[0], 19);
    assert.equal(parseErrorReason(c.data), "Invalid socket type");
    const long = parseCommand(encodeError("x".repeat(300)));
    assert.equal(long.data[0], 255);
    assert.equal(parseErrorReason(long.data).length, 255);
    assert.equal(parseErrorReason(new Uint8Array(0)), "");
  });

  test("encodePing() writes the TTL in network order and the context", () => {
    const p = parseCommand(encodePing(0x1234, bytes("ctx")));
    assert.equal(p.name, "PING");
    assert.deepEqual([...p.data], [0x12, 0x34, ...bytes("ctx")]);
    // The context is at most 16 bytes.
    assert.equal(parseCommand(encodePing(1, new Uint8Array(40))).data.length, 18);
  });

  test("encodePong() echoes the PING's context", () => {
    const ping = parseCommand(encodePing(10, bytes("hello")));
    const pong = parseCommand(encodePong(ping.data));
    assert.equal(pong.name, "PONG");
    assert.deepEqual(pong.data, bytes("hello"));
    const empty = parseCommand(encodePong(parseCommand(encodePing(10)).data));
    assert.equal(empty.data.length, 0);
    const sixteen = bytes("0123456789abcdef");
    assert.deepEqual(parseCommand(encodePong(parseCommand(encodePing(0, sixteen)).data)).data, sixteen);
  });
});

describe("Queue", () => {
  test("Queue keeps FIFO order and reports its length", () => {
    const q = new Queue<number>();
    assert.equal(q.length, 0);
    assert.equal(q.shift(), undefined);
    q.push(1);
    q.push(2);
    assert.equal(q.length, 2);
    assert.equal(q.shift(), 1);
    assert.equal(q.shift(), 2);
    assert.equal(q.shift(), undefined);
    assert.equal(q.length, 0);
  });

  test("Queue grows past its initial capacity while wrapped around", () => {
    const q = new Queue<number>();
    let next = 0, expect = 0;
    // Interleave to move the head, then grow several times.
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 7 + round * 13; i++) q.push(next++);
      for (let i = 0; i < 5 + round * 4; i++) assert.equal(q.shift(), expect++);
    }
    assert.equal(q.length, next - expect);
    while (q.length > 0) assert.equal(q.shift(), expect++);
    assert.equal(expect, next);
  });

  test("Queue.clear() empties it and it stays usable", () => {
    const q = new Queue<string>();
    for (let i = 0; i < 40; i++) q.push(String(i));
    q.clear();
    assert.equal(q.length, 0);
    assert.equal(q.shift(), undefined);
    q.push("a");
    assert.equal(q.length, 1);
    assert.equal(q.shift(), "a");
  });
});
