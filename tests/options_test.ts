// The option table (lib/options.ts) as users meet it: every option on every
// socket type is either a property that reads back what was set, or refused
// at construction with a TypeError naming the option and the type.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  curveKeyPair,
  Dealer,
  Dish,
  Pair,
  Publisher,
  Pull,
  Push,
  Radio,
  Reply,
  Request,
  Router,
  type SocketBase,
  Stream,
  Subscriber,
  XPublisher,
  XSubscriber,
} from "../mod.ts";
import { OPTIONS } from "../lib/options.ts";

// deno-lint-ignore no-explicit-any
type Ctor = new (options?: any) => SocketBase;
const TYPES: [string, Ctor][] = [
  ["PAIR", Pair],
  ["PUB", Publisher],
  ["SUB", Subscriber],
  ["XPUB", XPublisher],
  ["XSUB", XSubscriber],
  ["PUSH", Push],
  ["PULL", Pull],
  ["REQ", Request],
  ["REP", Reply],
  ["DEALER", Dealer],
  ["ROUTER", Router],
  ["RADIO", Radio],
  ["DISH", Dish],
  ["STREAM", Stream],
];

const KEY = curveKeyPair().secretKey;
// A valid value other than the default, per option.
const SAMPLE: Record<string, unknown> = {
  linger: 5,
  sendHighWaterMark: 7,
  receiveHighWaterMark: 9,
  sendTimeout: 11,
  receiveTimeout: 13,
  reconnectInterval: 15,
  reconnectMaxInterval: 17,
  immediate: true,
  maxMessageSize: 1024,
  handshakeInterval: 19,
  heartbeatInterval: 21,
  heartbeatTimeout: 23,
  heartbeatTimeToLive: 2500,
  connectTimeout: 25,
  metadata: { "X-Sample": "1" },
  conflate: true,
  invertMatching: true,
  routingId: "peer-1",
  probeRouter: true,
  correlate: true,
  relaxed: true,
  mandatory: true,
  handover: true,
  notify: false,
  noDrop: true,
  manualLastValue: true,
  onlyFirstSubscribe: true,
  helloMessage: "hello",
  disconnectMessage: "gone",
  hiccupMessage: "hiccup",
  reconnectStop: 3,
  multicastLoop: false,
  priority: 5,
  socksUsername: "user",
  socksPassword: "pass",
  verbosity: "allSubs",
  welcomeMessage: "hi",
  plainServer: true,
  plainUsername: "user",
  plainPassword: "secret",
  curveServer: true,
  curvePublicKey: null,
  curveSecretKey: KEY,
  curveServerKey: null,
  zapDomain: "global",
  authenticator: () => ({ statusCode: "200" }),
  zapEnforceDomain: true,
  manual: true,
  affinity: 3,
  rate: 200,
  recoveryInterval: 5,
  multicastHops: 4,
  multicastMaxTransportDataUnit: 9000,
  backlog: 75,
  ipv6: true,
  tcpKeepalive: 1,
  tcpKeepaliveCount: 5,
  tcpKeepaliveIdle: 60,
  tcpKeepaliveInterval: 10,
  tcpAcceptFilter: "10.0.0.0/8",
  tcpMaxRetransmitTimeout: 3000,
  sendBufferSize: 65536,
  receiveBufferSize: 65536,
  typeOfService: 16,
  socksProxy: "127.0.0.1:1080",
  interface: "eth0",
  loopbackFastPath: true,
  vmciBufferSize: 1,
  vmciBufferMinSize: 2,
  vmciBufferMaxSize: 3,
  vmciConnectTimeout: 4,
};

describe("socket options: one table, refused per type", () => {
  test("every row has a sample value in this test", () => {
    assert.deepEqual(Object.keys(SAMPLE).sort(), Object.keys(OPTIONS).sort());
  });

  for (const [type, Socket] of TYPES) {
    test(`${type}: each option is a property that reads back, or refused with a TypeError`, () => {
      for (const [name, row] of Object.entries(OPTIONS)) {
        const applies = row.types === undefined || (row.types as readonly string[]).includes(type);
        // ROUTER's notify takes libzmq's flags, STREAM's a boolean.
        const value = name === "notify" && type === "ROUTER" ? 3 : SAMPLE[name];
        if (!applies) {
          assert.throws(
            () => new Socket({ [name]: value }),
            (e: Error) => e instanceof TypeError && e.message.includes(`"${name}"`) && e.message.includes(type),
            `${type} accepted ${name}`,
          );
          continue;
        }
        const s = new Socket({ [name]: value, linger: name === "linger" ? value : 0 });
        try {
          const back = (s as unknown as Record<string, unknown>)[name];
          assert.deepEqual(back, value, `${type}.${name} read back`);
          // The property setter goes through the same check (accept filters add up).
          (s as unknown as Record<string, unknown>)[name] = value;
          const twice = "merge" in row ? `${value},${value}` : value;
          assert.deepEqual((s as unknown as Record<string, unknown>)[name], twice);
        } finally {
          s.close();
        }
      }
    });
  }

  test("an unknown option is refused with a TypeError naming it and the type", () => {
    assert.throws(() => new Push({ bogus: 1 } as never), /Unknown option "bogus" for PUSH socket/);
  });

  test("a routing id on a type that has none is refused, not stored on the side", () => {
    assert.throws(() => new Push({ routingId: "x" } as never), /"routingId" does not apply to PUSH/);
  });

  test("values of the wrong type are TypeErrors, out of range RangeErrors", () => {
    const d = new Dealer({ linger: 0 });
    try {
      assert.throws(() => d.linger = "5" as never, TypeError);
      assert.throws(() => d.linger = 1.5, TypeError);
      assert.throws(() => d.linger = -2, RangeError);
      assert.throws(() => d.immediate = 1 as never, TypeError);
      assert.throws(() => d.routingId = "", RangeError);
      assert.throws(() => d.routingId = "x".repeat(256), RangeError);
      assert.throws(() => d.curveSecretKey = "too short", TypeError);
      assert.throws(() => d.plainUsername = "u".repeat(256), RangeError);
      assert.throws(() => new Dealer({ sendHighWaterMark: -1 }), RangeError);
      assert.equal(d.linger, 0, "a refused value leaves the option as it was");
    } finally {
      d.close();
    }
  });

  test("CURVE keys read back in Z85 whichever form they were set in", () => {
    const kp = curveKeyPair();
    const s = new Dealer({ linger: 0 });
    try {
      s.curveSecretKey = kp.secretKey;
      assert.equal(s.curveSecretKey, kp.secretKey);
    } finally {
      s.close();
    }
  });

  test("DISH, SUB and XSUB linger 0 by default, as in libzmq; the others -1", () => {
    const dish = new Dish(), sub = new Subscriber(), xsub = new XSubscriber(), pull = new Pull();
    try {
      assert.equal(dish.linger, 0);
      assert.equal(sub.linger, 0);
      assert.equal(xsub.linger, 0);
      assert.equal(pull.linger, -1);
    } finally {
      for (const s of [dish, sub, xsub, pull]) s.close();
    }
  });
});
