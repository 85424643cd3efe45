// The zeromq.js 5 API of v5-compat.ts against this library's own sockets:
// exports (checked against zeromq.js 6's `zeromq/v5-compat`), socket types,
// options, messages and ZMQ_SNDMORE, callbacks and send order, REQ/REP
// turn-taking, pause/resume, errors, bind/unbind, monitor events, proxy(),
// security through the option properties, close. Interop with libzmq and
// the zeromq.js 5 example programs are in interop/v5_compat_interop_test.ts.

import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import * as zmq from "../v5-compat.ts";
import { curvePublicKey, z85Encode } from "../mod.ts";
import { bindAddress, freeTcpAddress, type TransportName, WAIT, withTimeout } from "./_helpers.ts";
import { nodeBin } from "./interop/_harness.ts";

const T = { timeout: 20000 };
const TRANSPORTS: TransportName[] = ["tcp", "ipc", "inproc"];

// Every socket a test makes, closed (linger 0) after it.
let open: zmq.Socket[] = [];
function sock(type: zmq.SocketType, options: Record<string, unknown> = {}): zmq.Socket {
  const s = zmq.socket(type, { linger: 0, ...options });
  open.push(s);
  return s;
}
afterEach(() => {
  for (const s of open) s.close();
  open = [];
});

/** Binds with the callback API; resolves to the endpoint to connect to. */
function bound(s: zmq.Socket, transport: TransportName = "tcp"): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve, reject) =>
      s.bind(bindAddress(transport), (err) => err ? reject(err) : resolve(s.last_endpoint))
    ),
    WAIT,
    "bind",
  );
}

/** The next `n` "message" events of `s`, each as its parts' text; rejects on an "error" event. */
function messages(s: zmq.Socket, n: number, what = "messages"): Promise<string[][]> {
  return withTimeout(
    new Promise<string[][]>((resolve, reject) => {
      const got: string[][] = [];
      const onMessage = (...frames: Buffer[]) => {
        for (const f of frames) assert.ok(Buffer.isBuffer(f), "parts arrive as Buffers");
        got.push(frames.map(String));
        if (got.length < n) return;
        s.off("message", onMessage);
        s.off("error", reject);
        resolve(got);
      };
      s.on("message", onMessage);
      s.once("error", reject);
    }),
    WAIT,
    what,
  );
}

/** The arguments of the next `name` event of `s`. */
function next(s: zmq.Socket, name: string): Promise<unknown[]> {
  return withTimeout(new Promise<unknown[]>((resolve) => s.once(name, (...a: unknown[]) => resolve(a))), WAIT, name);
}

/** Resolves after the event loop had a few turns: for checking that something did NOT happen. */
const turns = () => new Promise((r) => setTimeout(r, 50));

/** PUB → SUB: subscriptions take a moment to reach the publisher, so publish until one got through. */
async function publishUntil(pub: zmq.Socket, msg: string[], got: Promise<unknown>): Promise<void> {
  let done = false;
  got.then(() => done = true, () => done = true);
  for (let i = 0; i < 500 && !done; i++) {
    pub.send(msg);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("v5-compat exports", () => {
  test("every name zeromq.js's zeromq/v5-compat exports is here, with the same value", T, async () => {
    // zeromq.js loads in a Node child process: its native module does not load under Bun.
    const script = `const z = require("zeromq/v5-compat");
      const out = {};
      for (const [k, v] of Object.entries(z)) out[k] = typeof v === "number" ? v : typeof v;
      out.options = z.options;
      console.log(JSON.stringify(out));`;
    const child = spawn(nodeBin(), ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (d) => stdout += d);
    const code = await withTimeout(new Promise((r) => child.once("exit", r)), WAIT, "node -e");
    assert.equal(code, 0);
    const theirs = JSON.parse(stdout) as Record<string, unknown>;
    const ours = zmq as unknown as Record<string, unknown>;
    for (const [name, v] of Object.entries(theirs)) {
      if (name === "options") assert.deepEqual({ ...zmq.options }, v, "options");
      else if (typeof v === "number") assert.equal(ours[name], v, name);
      else assert.equal(typeof ours[name], v, `${name} is a ${v}`);
    }
    assert.ok(Object.keys(theirs).length > 70, "their exports were read");
  });

  test("socket is createSocket; types and events are zeromq.js 5's maps", () => {
    assert.equal(zmq.socket, zmq.createSocket);
    assert.deepEqual({ ...zmq.types }, {
      pub: 1,
      xpub: 9,
      sub: 2,
      xsub: 10,
      req: 3,
      xreq: 5,
      rep: 4,
      xrep: 6,
      push: 8,
      pull: 7,
      dealer: 5,
      router: 6,
      pair: 0,
      stream: 11,
    });
    assert.deepEqual(Object.values(zmq.events), [
      "connect",
      "connect_delay",
      "connect_retry",
      "listen",
      "bind_error",
      "accept",
      "accept_error",
      "close",
      "close_error",
      "disconnect",
    ]);
  });

  test("version, curveKeypair", () => {
    assert.equal(zmq.version, "4.3.5");
    const kp = zmq.curveKeypair();
    assert.equal(kp.public.length, 40);
    assert.equal(kp.secret.length, 40);
    assert.equal(curvePublicKey(kp.secret), kp.public, "the public key is the secret key's");
  });

  test("Context: no instances; thread count recorded; the socket limit enforced", () => {
    assert.throws(() => new zmq.Context(), /cannot be created/);
    assert.equal(zmq.Context.getMaxThreads(), 1);
    zmq.Context.setMaxThreads(3);
    assert.equal(zmq.Context.getMaxThreads(), 3);
    zmq.Context.setMaxThreads(1);
    assert.equal(zmq.Context.getMaxSockets(), 1023);
    assert.throws(() => zmq.Context.setMaxSockets(0), TypeError);
    assert.throws(() => zmq.Context.setMaxThreads(1.5), TypeError);
    zmq.Context.setMaxSockets(1);
    try {
      const first = sock("push");
      assert.throws(() => zmq.socket("push"), (e: Error & { code?: string }) => e.code === "EMFILE");
      first.close();
      sock("pull"); // the closed one no longer counts
    } finally {
      zmq.Context.setMaxSockets(1023);
    }
  });
});

describe("v5-compat socket types", () => {
  for (const [name, number] of Object.entries(zmq.types) as [zmq.SocketType, number][]) {
    if (name === "stream") continue;
    test(`socket("${name}") has type "${name}" and ZMQ_TYPE ${number}`, () => {
      const s = sock(name);
      assert.equal(s.type, name);
      assert.equal(s.getsockopt(zmq.ZMQ_TYPE), number);
      assert.ok(s instanceof zmq.Socket);
      assert.equal(s.closed, false);
      s.close();
      assert.equal(s.closed, true);
    });
  }
  test('socket("stream") throws, naming it; an unknown type throws a TypeError', () => {
    assert.throws(() => zmq.socket("stream"), /"stream" \(ZMQ_STREAM\) is not implemented/);
    assert.throws(() => zmq.socket("bogus" as zmq.SocketType), TypeError);
    assert.throws(() => new zmq.Socket("bogus" as zmq.SocketType), /Unknown socket type "bogus"/);
  });
});

describe("v5-compat options", () => {
  const key = Buffer.from("7f188e5244b02bf497b86de417515cf4d4053ce4eb977aee91a55354655ec33a", "hex");
  const keyZ85 = zmq.curveKeypair().public;
  // [socket type, option number, name, value set, value read back]
  const ROWS: [zmq.SocketType, number, string, unknown, unknown][] = [
    ["dealer", zmq.ZMQ_IDENTITY, "identity", "worker-1", "worker-1"],
    ["router", zmq.ZMQ_IDENTITY, "identity", Buffer.from("rtr"), "rtr"],
    ["push", zmq.ZMQ_IDENTITY, "identity", "upstream", "upstream"],
    ["dealer", zmq.ZMQ_ROUTING_ID, "routing_id", "w2", "w2"],
    ["dealer", zmq.ZMQ_LINGER, "linger", 250, 250],
    ["dealer", zmq.ZMQ_RECONNECT_IVL, "reconnect_ivl", 50, 50],
    ["dealer", zmq.ZMQ_RECONNECT_IVL_MAX, "reconnect_ivl_max", 800, 800],
    ["dealer", zmq.ZMQ_MAXMSGSIZE, "maxmsgsize", 4096, 4096],
    ["push", zmq.ZMQ_SNDHWM, "sndhwm", 5, 5],
    ["pull", zmq.ZMQ_RCVHWM, "rcvhwm", 7, 7],
    ["dealer", zmq.ZMQ_SNDTIMEO, "sndtimeo", 100, 100],
    ["dealer", zmq.ZMQ_RCVTIMEO, "rcvtimeo", 100, 100],
    ["router", zmq.ZMQ_ROUTER_MANDATORY, "router_mandatory", 1, 1],
    ["router", zmq.ZMQ_ROUTER_HANDOVER, "router_handover", true, 1],
    ["dealer", zmq.ZMQ_DELAY_ATTACH_ON_CONNECT, "delay_attach_on_connect", 1, 1],
    ["dealer", zmq.ZMQ_IMMEDIATE, "immediate", 0, 0],
    ["req", zmq.ZMQ_PROBE_ROUTER, "probe_router", 1, 1],
    ["req", zmq.ZMQ_REQ_CORRELATE, "req_correlate", 1, 1],
    ["req", zmq.ZMQ_REQ_RELAXED, "req_relaxed", 1, 1],
    ["push", zmq.ZMQ_CONFLATE, "conflate", 1, 1],
    ["xpub", zmq.ZMQ_XPUB_NODROP, "xpub_nodrop", 1, 1],
    ["sub", zmq.ZMQ_INVERT_MATCHING, "invert_matching", 1, 1],
    ["dealer", zmq.ZMQ_HANDSHAKE_IVL, "handshake_ivl", 1000, 1000],
    ["dealer", zmq.ZMQ_HEARTBEAT_IVL, "heartbeat_ivl", 100, 100],
    ["dealer", zmq.ZMQ_HEARTBEAT_TTL, "heartbeat_ttl", 2000, 2000],
    ["dealer", zmq.ZMQ_HEARTBEAT_TIMEOUT, "heartbeat_timeout", 300, 300],
    ["dealer", zmq.ZMQ_CONNECT_TIMEOUT, "connect_timeout", 500, 500],
    ["rep", zmq.ZMQ_PLAIN_SERVER, "plain_server", 1, 1],
    ["req", zmq.ZMQ_PLAIN_USERNAME, "plain_username", Buffer.from("admin"), "admin"],
    ["req", zmq.ZMQ_PLAIN_PASSWORD, "plain_password", "secret", "secret"],
    ["rep", zmq.ZMQ_CURVE_SERVER, "curve_server", 1, 1],
    // A 32-byte key reads back in Z85, as libzmq's getsockopt gives it.
    ["req", zmq.ZMQ_CURVE_SERVERKEY, "curve_serverkey", key, z85Encode(key)],
    ["req", zmq.ZMQ_CURVE_PUBLICKEY, "curve_publickey", keyZ85, keyZ85],
    ["req", zmq.ZMQ_CURVE_SECRETKEY, "curve_secretkey", Buffer.from(keyZ85), keyZ85],
    ["rep", zmq.ZMQ_ZAP_DOMAIN, "zap_domain", Buffer.from("global"), "global"],
  ];
  for (const [type, number, name, value, want] of ROWS) {
    test(`${name} (${number}) on ${type}: by number, by name, as a property, as a socket() option`, () => {
      const check = (s: zmq.Socket, how: string) => {
        const got = s.getsockopt(number);
        assert.deepEqual(got, want, how);
        assert.deepEqual(s.getsockopt(name), got, `${how}: by name`);
        assert.deepEqual((s as unknown as Record<string, unknown>)[name], got, `${how}: property`);
      };
      const a = sock(type);
      assert.equal(a.setsockopt(number, value), a, "setsockopt returns the socket");
      check(a, "setsockopt(number)");
      const b = sock(type);
      b.setsockopt(name, value);
      check(b, "setsockopt(name)");
      const c = sock(type);
      (c as unknown as Record<string, unknown>)[name] = value;
      check(c, "property");
      check(sock(type, { [name]: value }), "socket() option");
    });
  }

  const UNSUPPORTED: [number, string][] = [
    [zmq.ZMQ_AFFINITY, "affinity"],
    [zmq.ZMQ_RATE, "rate"],
    [zmq.ZMQ_RECOVERY_IVL, "recovery_ivl"],
    [zmq.ZMQ_SNDBUF, "sndbuf"],
    [zmq.ZMQ_RCVBUF, "rcvbuf"],
    [zmq.ZMQ_BACKLOG, "backlog"],
    [zmq.ZMQ_MULTICAST_HOPS, "multicast_hops"],
    [zmq.ZMQ_IPV4ONLY, "ipv4only"],
    [zmq.ZMQ_IPV6, "ipv6"],
    [zmq.ZMQ_TCP_KEEPALIVE, "tcp_keepalive"],
    [zmq.ZMQ_TCP_KEEPALIVE_CNT, "tcp_keepalive_cnt"],
    [zmq.ZMQ_TCP_KEEPALIVE_IDLE, "tcp_keepalive_idle"],
    [zmq.ZMQ_TCP_KEEPALIVE_INTVL, "tcp_keepalive_intvl"],
    [zmq.ZMQ_TCP_ACCEPT_FILTER, "tcp_accept_filter"],
    [zmq.ZMQ_ROUTER_RAW, "router_raw"],
    [zmq.ZMQ_FD, "_fd"],
    [zmq.ZMQ_EVENTS, "_ioevents"],
    [zmq.ZMQ_RCVMORE, "_receiveMore"],
    [zmq.ZMQ_IO_THREADS, "(a context option)"],
    [zmq.ZMQ_MAX_SOCKETS, "(a context option)"],
  ];
  for (const [number, name] of UNSUPPORTED) {
    test(`option ${number} ${name} is refused, naming the option and why`, () => {
      const s = sock("router");
      const refused = (e: Error) => e instanceof TypeError && /is not supported: \w/.test(e.message);
      assert.throws(() => s.setsockopt(number, 1), refused);
      assert.throws(() => s.getsockopt(number), refused);
      if (!name.startsWith("(")) {
        assert.throws(() => s.getsockopt(name), refused);
        assert.throws(() => (s as unknown as Record<string, unknown>)[name] = 1, refused);
        assert.throws(() => sock("push", { [name]: 1 }), refused);
      }
    });
  }

  test("misuse: unknown names and numbers, wrong types, ranges, other socket types, read/write-only", () => {
    const push = sock("push");
    const CASES: [string, () => unknown, RegExp | (new (...a: never[]) => Error)][] = [
      ["unknown name", () => push.setsockopt("nope", 1), /Unknown socket option "nope"/],
      ["unknown number", () => push.getsockopt(9999), /Unknown socket option 9999/],
      ["unknown socket() option", () => zmq.socket("push", { nope: 1 }), /Unknown socket option "nope"/],
      [
        "not an integer",
        () => push.setsockopt(zmq.ZMQ_LINGER, "0"),
        /ZMQ_LINGER\) must be an integer|must be an integer/,
      ],
      ["out of range", () => push.setsockopt(zmq.ZMQ_LINGER, -5), RangeError],
      ["identity too long", () => push.setsockopt(zmq.ZMQ_IDENTITY, "x".repeat(256)), RangeError],
      ["another type's option", () => push.setsockopt(zmq.ZMQ_ROUTER_MANDATORY, 1), /ZMQ_ROUTER_MANDATORY.*push/],
      ["read-only ZMQ_TYPE", () => push.setsockopt(zmq.ZMQ_TYPE, 1), /ZMQ_TYPE is read-only/],
      ["read-only last_endpoint", () => push.setsockopt("last_endpoint", "x"), /read-only/],
      ["write-only ZMQ_SUBSCRIBE", () => sock("sub").getsockopt(zmq.ZMQ_SUBSCRIBE), /write-only/],
      ["write-only ZMQ_XPUB_VERBOSE", () => sock("xpub").getsockopt(zmq.ZMQ_XPUB_VERBOSE), /write-only/],
      ["ZMQ_SUBSCRIBE on a pub", () => sock("pub").setsockopt(zmq.ZMQ_SUBSCRIBE, "x"), /needs a sub socket/],
      ["subscribe() on an xsub", () => sock("xsub").subscribe("x"), /needs a sub socket/],
      ["bad CURVE key", () => push.setsockopt(zmq.ZMQ_CURVE_SERVERKEY, Buffer.alloc(5)), /32 bytes or 40/],
      ["read()", () => push.read(), /listen for "message"/],
    ];
    for (const [what, fn, want] of CASES) assert.throws(fn, want as RegExp, what);
    // A failed socket() option leaves no open socket behind.
    const before = zmq.Context.getMaxSockets();
    zmq.Context.setMaxSockets(open.length + 1);
    try {
      assert.throws(() => zmq.socket("push", { linger: "x" }), TypeError);
      sock("push"); // room for exactly one: the failed one was closed
    } finally {
      zmq.Context.setMaxSockets(before);
    }
  });

  test("the option properties: zeromq.js 5's names and libzmq's socket option names, nothing else", () => {
    const proto = zmq.Socket.prototype;
    const props = Object.getOwnPropertyNames(proto)
      .filter((n) => n !== "closed" && Object.getOwnPropertyDescriptor(proto, n)?.get !== undefined)
      .sort();
    const LIBZMQ = [
      "routing_id",
      "recovery_ivl_msec",
      "reconnect_ivl_max",
      "maxmsgsize",
      "sndhwm",
      "rcvhwm",
      "multicast_hops",
      "rcvtimeo",
      "sndtimeo",
      "ipv4only",
      "router_mandatory",
      "tcp_keepalive",
      "tcp_keepalive_cnt",
      "tcp_keepalive_idle",
      "tcp_keepalive_intvl",
      "tcp_accept_filter",
      "delay_attach_on_connect",
      "immediate",
      "xpub_verbose",
      "router_raw",
      "ipv6",
      "probe_router",
      "req_correlate",
      "req_relaxed",
      "conflate",
      "router_handover",
      "handshake_ivl",
      "xpub_nodrop",
      "xpub_welcome_msg",
      "invert_matching",
      "xpub_verboser",
    ];
    assert.deepEqual(props, [...Object.keys(zmq.options), ...LIBZMQ].sort());
    // Constants that share a number with an option are not option names.
    assert.throws(() => sock("push").setsockopt("push", 1), /Unknown socket option "push"/);
    assert.throws(() => sock("push").getsockopt("sndmore"), /Unknown socket option "sndmore"/);
  });

  test("ZMQ_MECHANISM: 0 NULL, 1 PLAIN, 2 CURVE; the family set last wins", () => {
    assert.equal(sock("rep").mechanism, 0);
    const plain = sock("rep");
    plain.plain_server = 1;
    assert.equal(plain.mechanism, 1);
    const curve = sock("rep");
    curve.curve_server = 1;
    assert.equal(curve.mechanism, 2);
    const both = sock("req");
    both.curve_serverkey = zmq.curveKeypair().public;
    both.plain_username = "u";
    assert.equal(both.mechanism, 1);
    both.curve_serverkey = zmq.curveKeypair().public;
    assert.equal(both.mechanism, 2);
  });

  test("xpub_verbose and _subscribe/_unsubscribe set through", async () => {
    const xpub = sock("xpub");
    xpub.xpub_verbose = 1;
    const ep = await bound(xpub);
    const a = sock("sub");
    const b = sock("sub");
    a.connect(ep);
    b.connect(ep);
    // Verbose: the second "news" subscription reaches the XPUB as well.
    const subs = messages(xpub, 3, "subscriptions");
    a._subscribe = "news";
    b._subscribe = "news";
    a.subscribe("x");
    const got = (await subs).map(([m]) => m);
    assert.equal(got.filter((m) => m === "\x01news").length, 2, JSON.stringify(got));
    const cancel = messages(xpub, 1, "unsubscription");
    a._unsubscribe = "x";
    assert.deepEqual(await cancel, [["\x00x"]]);
  });
});

describe("v5-compat messages", () => {
  for (const transport of TRANSPORTS) {
    test(
      `${transport}: strings, numbers, Buffers, typed arrays, null; arrays and ZMQ_SNDMORE are multipart`,
      T,
      async () => {
        const pull = sock("pull");
        const push = sock("push");
        push.connect(await bound(pull, transport));
        const got = messages(pull, 6);
        push.send("string");
        push.send(15.99);
        push.send(Buffer.from("buffer"));
        push.send(new Uint8Array([0x61, 0x62]));
        push.send(["one", 2, Buffer.from("three"), null, new Uint16Array([0x6968]).buffer]);
        push.send(["tobi", "loki"], zmq.ZMQ_SNDMORE);
        push.send("jane", zmq.ZMQ_SNDMORE);
        push.send(["luna", "manny"]);
        assert.deepEqual(await got, [
          ["string"],
          ["15.99"],
          ["buffer"],
          ["ab"],
          ["one", "2", "three", "", "hi"],
          ["tobi", "loki", "jane", "luna", "manny"],
        ]);
      },
    );

    test(
      `${transport}: 300 messages through HWM 1 arrive in send() order; callbacks run once each, in order`,
      T,
      async () => {
        const pull = sock("pull", { rcvhwm: 1 });
        const push = sock("push", { sndhwm: 1 });
        push.connect(await bound(pull, transport));
        const N = 300;
        const calls: number[] = [];
        const got = messages(pull, N);
        for (let i = 0; i < N; i++) {
          if (i % 3 === 0) push.send(["part", `${i}`], 0, () => calls.push(i));
          else push.send(`${i}`, null, (err) => err ? calls.push(-1) : calls.push(i));
        }
        const all = await got;
        assert.deepEqual(all.map((m) => m.at(-1)), Array.from({ length: N }, (_, i) => `${i}`));
        assert.deepEqual(calls, Array.from({ length: N }, (_, i) => i));
      },
    );

    test(
      `${transport}: messages sent before close() are delivered (linger), sent before connect() too`,
      T,
      async () => {
        const pull = sock("pull");
        const ep = await bound(pull, transport);
        const push = zmq.socket("push", { linger: WAIT });
        push.send("before connect");
        push.connect(ep);
        for (let i = 0; i < 50; i++) push.send(["m", `${i}`]);
        push.close();
        const got = await messages(pull, 51);
        assert.deepEqual(got[0], ["before connect"]);
        assert.deepEqual(got.slice(1).map((m) => m[1]), Array.from({ length: 50 }, (_, i) => `${i}`));
      },
    );
  }

  test("late connect: a bound PUSH with HWM 1 keeps what it was given until a PULL connects", T, async () => {
    const push = sock("push", { sndhwm: 1 });
    const addr = await freeTcpAddress();
    push.bindSync(addr);
    push.send("string");
    push.send(15.99);
    push.send(Buffer.from("buffer"));
    const pull = sock("pull", { rcvhwm: 1 });
    const got = messages(pull, 3);
    pull.connect(addr);
    assert.deepEqual(await got, [["string"], ["15.99"], ["buffer"]]);
  });

  test("a closed socket's queued messages that could not go out get ETERM in their callbacks", T, async () => {
    const push = sock("push");
    push.connect(await freeTcpAddress()); // nobody there: messages wait in the connection's queue
    push.setsockopt(zmq.ZMQ_SNDHWM, 1);
    const results: string[] = [];
    const done = new Promise<void>((resolve) => {
      for (let i = 0; i < 3; i++) {
        push.send(`m${i}`, 0, (err) => {
          results.push(err ? (err as Error & { code?: string }).code ?? "?" : "ok");
          if (results.length === 3) resolve();
        });
      }
    });
    push.send("partial", zmq.ZMQ_SNDMORE, (err) => results.push(`partial ${(err as { code?: string }).code}`));
    push.close();
    await withTimeout(done, WAIT, "callbacks");
    await turns();
    // The connect()ed pipe existed before the connection, so the first messages were queued to it.
    assert.ok(results.includes("ok"), JSON.stringify(results));
    assert.ok(results.includes("partial ETERM"), JSON.stringify(results));
    const closed: string[] = [];
    push.send("after close", 0, (err) => closed.push((err as { code?: string }).code!));
    await turns();
    assert.deepEqual(closed, ["ETERM"]);
  });
});

describe("v5-compat REQ/REP, ROUTER/DEALER, PAIR", () => {
  for (const transport of TRANSPORTS) {
    test(`${transport}: a burst of 10 requests is sent one per reply, all answered in order`, T, async () => {
      const rep = sock("rep");
      const req = sock("req");
      rep.on("message", (msg: Buffer) => rep.send(`re:${msg}`));
      req.connect(await bound(rep, transport));
      const got = messages(req, 10);
      for (let i = 0; i < 10; i++) req.send(`${i}`);
      assert.deepEqual((await got).map(([m]) => m), Array.from({ length: 10 }, (_, i) => `re:${i}`));
    });
  }

  test("REP answers later (after a timer); a reply queued before any request waits for one", T, async () => {
    const rep = sock("rep");
    rep.send("early"); // zeromq.js 5: a REP is not writable before a request
    let n = 0;
    rep.on("message", (msg: Buffer) => {
      if (n++ > 0) setTimeout(() => rep.send([`later:${msg}`, "2"]), 1);
    });
    const req = sock("req");
    req.connect(await bound(rep));
    const got = messages(req, 2);
    req.send("q1");
    req.send("q2");
    assert.deepEqual(await got, [["early"], ["later:q2", "2"]]);
  });

  test("five REQ/REP pairs at once", T, async () => {
    await Promise.all(Array.from({ length: 5 }, async (_, i) => {
      const rep = sock("rep");
      const req = sock("req");
      rep.on("message", (m: Buffer) => rep.send(`${m} world`));
      req.connect(await bound(rep, i % 2 ? "tcp" : "inproc"));
      const got = messages(req, 1);
      req.send(`hello ${i}`);
      assert.deepEqual(await got, [[`hello ${i} world`]]);
    }));
  });

  test("ROUTER/DEALER: identity is the routing id; a burst of 500 four-part messages echoes back", T, async () => {
    const router = sock("router");
    const dealer = sock("dealer", { identity: "dealer-1" });
    const ids = new Set<string>();
    router.on("message", (...msg: Buffer[]) => {
      ids.add(String(msg[0]));
      router.send(msg);
    });
    dealer.connect(await bound(router));
    const got = messages(dealer, 500);
    for (let i = 0; i < 500; i++) dealer.send(["Hello", "world", "part3", `${i}`]);
    const all = await got;
    assert.deepEqual([...ids], ["dealer-1"]);
    assert.deepEqual(all[499], ["Hello", "world", "part3", "499"]);
    assert.ok(all.every((m, i) => m.length === 4 && m[3] === `${i}`));
  });

  test(
    "ROUTER mandatory: an unroutable message fails to its callback, or to an 'error' event; else it is dropped",
    T,
    async () => {
      const a = sock("router");
      a.setsockopt(zmq.ZMQ_ROUTER_MANDATORY, 1);
      a.setsockopt(zmq.ZMQ_SNDTIMEO, 10);
      const viaCallback = new Promise<Error | undefined>((r) => a.send(["12384982398293", ""], null, r));
      const viaEvent = next(a, "error");
      a.send(["12384982398293", ""]);
      const e1 = await withTimeout(viaCallback, WAIT, "callback");
      const [e2] = await viaEvent;
      for (const e of [e1, e2] as (Error & { code?: string })[]) assert.equal(e?.code, "EHOSTUNREACH");
      const c = sock("router");
      const quiet = await new Promise<Error | undefined>((r) => c.send(["nobody", ""], null, r));
      assert.equal(quiet, undefined);
    },
  );

  test("PAIR both ways", T, async () => {
    const a = sock("pair");
    const b = sock("pair");
    b.connect(await bound(a));
    const atA = messages(a, 3);
    const atB = messages(b, 1);
    a.send("barnacle");
    b.send("foo");
    b.send("bar");
    b.send("baz");
    assert.deepEqual(await atA, [["foo"], ["bar"], ["baz"]]);
    assert.deepEqual(await atB, [["barnacle"]]);
  });
});

describe("v5-compat PUB/SUB, XPUB/XSUB", () => {
  for (const transport of ["tcp", "inproc"] as TransportName[]) {
    test(`${transport}: subscribe() filters by prefix; multipart topic messages; unsubscribe()`, T, async () => {
      const pub = sock("pub");
      const sub = sock("sub");
      sub.subscribe("js");
      sub.subscribe(Buffer.from("luna"));
      sub.connect(await bound(pub, transport));
      const first = messages(sub, 1);
      await publishUntil(pub, ["js", "warm-up"], first);
      await first;
      const got = messages(sub, 3);
      pub.send("js is cool");
      pub.send("ruby is meh");
      pub.send(["luna", "is cool too"]);
      pub.send("py is pretty cool");
      pub.send("js!");
      const all = (await got).filter((m) => m[1] !== "warm-up");
      assert.deepEqual(all.slice(0, 2), [["js is cool"], ["luna", "is cool too"]]);
    });
  }

  test("XPUB sees subscriptions as messages; XSUB subscribes by sending them", T, async () => {
    const pub = sock("pub");
    const xsub = sock("xsub");
    const xpub = sock("xpub");
    const sub = sock("sub");
    xsub.connect(await bound(pub));
    sub.connect(await bound(xpub));
    xsub.on("message", (...m: Buffer[]) => xpub.send(m));
    const trace: string[] = [];
    xpub.on("message", (m: Buffer) => {
      trace.push(`${m[0] === 1 ? "+" : "-"}${m.subarray(1)}`);
      xsub.send(m);
    });
    sub.subscribe("js");
    const got = messages(sub, 1);
    await publishUntil(pub, ["js is cool"], got);
    assert.deepEqual((await got)[0], ["js is cool"]);
    const gone = next(xpub, "message");
    sub.unsubscribe("js");
    await gone;
    assert.deepEqual(trace, ["+js", "-js"]);
  });
});

describe("v5-compat pause/resume, handler errors", () => {
  test("a paused PULL emits nothing; resume() delivers what came meanwhile, in order", T, async () => {
    const pull = sock("pull");
    const ep = await bound(pull);
    pull.monitor();
    const push = zmq.socket("push", { linger: WAIT });
    push.connect(ep);
    const first = messages(pull, 1);
    push.send("foo");
    assert.deepEqual(await first, [["foo"]]);
    pull.pause();
    const seen: string[] = [];
    pull.on("message", (m: Buffer) => seen.push(String(m)));
    push.send("bar");
    push.send("baz");
    // The sender's messages arrive before its connection ends: then they are all at the PULL.
    const down = next(pull, "disconnect");
    push.close();
    await down;
    await turns();
    assert.deepEqual(seen, [], "nothing while paused");
    const rest = messages(pull, 2);
    pull.resume();
    assert.deepEqual(await rest, [["bar"], ["baz"]]);
    assert.deepEqual(seen, ["bar", "baz"]);
  });

  test("a paused sender queues; resume() sends in order", T, async () => {
    const pull = sock("pull");
    const push = sock("push");
    push.connect(await bound(pull));
    push.pause();
    const calls: string[] = [];
    for (const m of ["a", "b", "c"]) push.send(m, 0, () => calls.push(m));
    await turns();
    assert.deepEqual(calls, [], "nothing sent while paused");
    const got = messages(pull, 3);
    push.resume();
    assert.deepEqual(await got, [["a"], ["b"], ["c"]]);
    assert.deepEqual(calls, ["a", "b", "c"]);
  });

  test("a throwing 'message' listener: its error is an 'error' event, and delivery goes on", T, async () => {
    const pull = sock("pull");
    const push = sock("push");
    push.connect(await bound(pull));
    const seen: string[] = [];
    let done!: () => void;
    const both = new Promise<void>((r) => done = r);
    pull.on("message", (m: Buffer) => {
      seen.push(String(m));
      if (seen.length === 1) throw new Error("test error");
      done();
    });
    const error = next(pull, "error");
    push.send("foo");
    push.send("bar");
    const [e] = await error;
    assert.equal((e as Error).message, "test error");
    await withTimeout(both, WAIT, "the second message");
    assert.deepEqual(seen, ["foo", "bar"]);
  });
});

describe("v5-compat bind, unbind, errors", () => {
  test("bind emits 'bind' with the address, then calls back; unbind emits 'unbind'", T, async () => {
    const s = sock("dealer");
    const addr = await freeTcpAddress();
    const order: string[] = [];
    s.on("bind", (a: string) => order.push(`bind ${a}`));
    s.on("unbind", (a: string) => order.push(`unbind ${a}`));
    await new Promise<void>((r, j) => s.bind(addr, (e) => e ? j(e) : (order.push("cb"), r())));
    assert.equal(s.last_endpoint, addr);
    await new Promise<void>((r, j) => s.unbind(addr, (e) => e ? j(e) : (order.push("cb"), r())));
    assert.deepEqual(order, [`bind ${addr}`, "cb", `unbind ${addr}`, "cb"]);
  });

  test("bindSync/unbindSync run in order: unbind after bind, then the address is free again", T, async () => {
    const s = sock("dealer");
    const addr = await freeTcpAddress();
    s.bindSync(addr);
    const unbound = next(s, "unbind");
    s.unbind(addr);
    await unbound;
    s.bindSync(addr);
    s.unbindSync(addr);
    const again = sock("dealer");
    assert.equal(await bound(again).then(() => "ok"), "ok");
    await new Promise<void>((r, j) => again.unbind(again.last_endpoint, (e) => e ? j(e) : r()));
    const third = sock("router");
    await new Promise<void>((r, j) => third.bind(addr, (e) => e ? j(e) : r()));
  });

  test("close() right after bindSync() or unbindSync() is no error", T, async () => {
    const addr = await freeTcpAddress();
    const errors: unknown[] = [];
    const a = sock("router");
    a.on("error", (e) => errors.push(e));
    a.bindSync(addr);
    a.close();
    const b = sock("router");
    b.on("error", (e) => errors.push(e));
    b.bindSync("tcp://127.0.0.1:*");
    b.unbindSync("tcp://127.0.0.1:*");
    b.close();
    // The address is free again once the first socket's bind has run its course.
    const c = sock("router");
    for (let i = 0; i < 100; i++) {
      const err = await new Promise<Error | undefined>((r) => c.bind(addr, r));
      if (err === undefined) break;
      await turns();
    }
    await turns();
    assert.deepEqual(errors, []);
  });

  test("failures go to the callback, else to an 'error' event", T, async () => {
    const a = sock("rep");
    const ep = await bound(a);
    const b = sock("rep");
    const CASES: [string, (cb?: zmq.Callback) => void, string][] = [
      ["bind to a bound address", (cb) => b.bind(ep, cb), "EADDRINUSE"],
      ["unbind what is not bound", (cb) => b.unbind("tcp://127.0.0.1:1", cb), "ENOENT"],
      ["send on a PULL", (cb) => sock("pull").send("x", 0, cb), "ENOTSUP"],
      ["send on a SUB", (cb) => sock("sub").send("x", 0, cb), "ENOTSUP"],
    ];
    for (const [what, op, code] of CASES) {
      const viaCb = await withTimeout(new Promise<Error | undefined>((r) => op(r)), WAIT, what);
      assert.equal((viaCb as { code?: string })?.code, code, `${what}: callback`);
    }
    const c = sock("rep");
    const err = next(c, "error");
    c.bindSync(ep);
    assert.equal(((await err)[0] as { code?: string }).code, "EADDRINUSE", "bindSync: an 'error' event");
    const d = sock("pull");
    const err2 = next(d, "error");
    d.send("x");
    assert.equal(((await err2)[0] as { code?: string }).code, "ENOTSUP");
    assert.throws(() => sock("pull").bindSync("tcp://nowhere"), TypeError, "a malformed address throws at once");
    // As zeromq.js: a malformed endpoint is EINVAL, thrown by connect().
    assert.throws(() => sock("pull").connect("bogus"), (e: Error & { code?: string }) => e.code === "EINVAL");
    const closed = sock("push");
    closed.close();
    assert.throws(() => closed.connect(ep), /closed/);
  });
});

describe("v5-compat monitor", () => {
  test("listen, accept, connect, disconnect, close; bind_error with its errno and Error; unmonitor", T, async () => {
    const rep = sock("rep");
    const req = sock("req");
    const addr = await freeTcpAddress();
    rep.monitor(10, 0);
    req.monitor();
    const listen = next(rep, "listen");
    const accept = next(rep, "accept");
    const connect = next(req, "connect");
    rep.bindSync(addr);
    assert.deepEqual((await listen).slice(0, 2), [undefined, addr]);
    req.connect(addr);
    assert.equal((await accept)[1], addr);
    assert.equal((await connect)[1], addr);
    // A round trip: the connection is up (handshaken) before it goes down.
    rep.on("message", (m: Buffer) => rep.send(m));
    const reply = messages(req, 1);
    req.send("ping");
    await reply;
    // libzmq reports "close" for a listener's fd: a connect()ed socket has
    // none, so the REP's "disconnect" says the REQ is gone.
    const disconnect = next(rep, "disconnect");
    req.close();
    assert.equal((await disconnect)[1], addr);
    const dup = sock("rep");
    dup.monitor();
    const bindError = next(dup, "bind_error");
    dup.bind(addr, () => {});
    const [errno, at, ex] = await bindError;
    assert.equal(errno, 98);
    // libzmq (and so zeromq.js) reports a failed bind's address without the scheme.
    assert.equal(at, addr.replace(/^tcp:\/\//, ""));
    assert.ok(ex instanceof Error);
    dup.unmonitor();
    let heard = 0;
    dup.on("listen", () => heard++);
    await bound(dup);
    await turns();
    assert.equal(heard, 0, "no events after unmonitor()");
    assert.throws(() => rep.monitor(-1), TypeError);
  });

  test("connect_retry carries the retry interval", T, async () => {
    const req = sock("req", { reconnect_ivl: 20 });
    req.monitor();
    const retry = next(req, "connect_retry");
    req.connect(await freeTcpAddress());
    const [ivl] = await retry;
    assert.equal(ivl, 20);
  });
});

describe("v5-compat proxy", () => {
  test("pull/push, push/pull with capture", T, async () => {
    const frontend = sock("pull");
    const backend = sock("push");
    const push = sock("push");
    const pull = sock("pull");
    push.connect(await bound(frontend));
    pull.connect(await bound(backend));
    zmq.proxy(frontend, backend);
    const got = messages(pull, 1);
    push.send(["foo", "1"]);
    assert.deepEqual(await got, [["foo", "1"]]);

    const f2 = sock("push");
    const b2 = sock("pull");
    const capture = sock("push");
    const capPull = sock("pull");
    const worker = sock("pull");
    const producer = sock("push");
    worker.connect(await bound(f2));
    producer.connect(await bound(b2));
    capPull.connect(await bound(capture));
    zmq.proxy(f2, b2, capture);
    const atWorker = messages(worker, 1);
    const captured = messages(capPull, 1);
    producer.send("bar");
    assert.deepEqual(await atWorker, [["bar"]]);
    assert.deepEqual(await captured, [["bar"]]);
  });

  test(
    "router/dealer with capture: REQ ↔ REP through it; the capture gets the replies without the envelope",
    T,
    async () => {
      const frontend = sock("router");
      const backend = sock("dealer");
      const capture = sock("push");
      const capPull = sock("pull");
      const req = sock("req");
      const rep = sock("rep");
      req.connect(await bound(frontend));
      rep.connect(await bound(backend));
      capPull.connect(await bound(capture));
      rep.on("message", (m: Buffer) => rep.send(`${m} bar`));
      zmq.proxy(frontend, backend, capture);
      const got = messages(req, 1);
      const captured = messages(capPull, 1);
      req.send("foo");
      assert.deepEqual(await got, [["foo bar"]]);
      assert.deepEqual(await captured, [["foo bar"]]);
    },
  );

  test("xpub/xsub: subscriptions go up, messages come down; the wrong order throws", T, async () => {
    const frontend = sock("xpub");
    const backend = sock("xsub");
    const sub = sock("sub");
    const pub = sock("pub");
    sub.subscribe("");
    sub.connect(await bound(frontend));
    pub.connect(await bound(backend));
    zmq.proxy(frontend, backend);
    const got = messages(sub, 1);
    await publishUntil(pub, ["foo"], got);
    assert.deepEqual(await got, [["foo"]]);
    assert.throws(() => zmq.proxy(backend, frontend), /Cannot proxy from a xsub to a xpub socket/);
  });
});

describe("v5-compat security through the option properties", () => {
  const serverPublic = Buffer.from("7f188e5244b02bf497b86de417515cf4d4053ce4eb977aee91a55354655ec33a", "hex");
  const serverSecret = Buffer.from("1f5d3873472f95e11f4723d858aaf0919ab1fb402cb3097742c606e61dd0d7d8", "hex");
  const clientPublic = Buffer.from("ea1cc8bd7c8af65497d43fc21dbec6560c5e7b61bcfdcbd2b0dfacf0b4c38d45", "hex");
  const clientSecret = Buffer.from("83f99afacfab052406e5f421612568034e85f4c8182a1c92671e83dca669d31d", "hex");

  // A ZAP handler written against the v5 API, as zeromq.js 5 programs did:
  // a ROUTER on inproc://zeromq.zap.01 that admits "user"/"pass" and every CURVE client.
  async function zapHandler(requests: string[], onRequest = () => {}): Promise<zmq.Socket> {
    const zap = sock("router");
    zap.on("message", (...data: Buffer[]) => {
      const at = data.findIndex((f) => f.length === 0);
      const envelope = data.slice(0, at + 1);
      const [version, requestId, domain, , , mechanism, ...credentials] = data.slice(at + 1);
      requests.push(`${domain} ${mechanism}`);
      const ok = String(mechanism) !== "PLAIN" || credentials.map(String).join("/") === "user/pass";
      zap.send([...envelope, version, requestId, ok ? "200" : "400", ok ? "OK" : "No", "", ""]);
      onRequest();
    });
    await new Promise<void>((r, j) => zap.bind("inproc://zeromq.zap.01", (e) => e ? j(e) : r()));
    return zap;
  }

  const ROWS: [string, (rep: zmq.Socket, req: zmq.Socket) => void, number, string][] = [
    ["NULL with a ZAP domain", (rep) => rep.zap_domain = "test", 0, "test NULL"],
    [
      "PLAIN",
      (rep, req) => {
        rep.zap_domain = "test";
        rep.plain_server = 1;
        req.plain_username = "user";
        req.plain_password = "pass";
      },
      1,
      "test PLAIN",
    ],
    [
      "CURVE with 32-byte Buffer keys",
      (rep, req) => {
        rep.zap_domain = "test";
        rep.curve_server = 1;
        rep.curve_secretkey = serverSecret;
        req.curve_serverkey = serverPublic;
        req.curve_publickey = clientPublic;
        req.curve_secretkey = clientSecret;
      },
      2,
      "test CURVE",
    ],
  ];
  for (const [name, setUp, mechanism, zapSaw] of ROWS) {
    for (const transport of ["tcp", "inproc"] as TransportName[]) {
      test(
        `${transport}: ${name}: REQ ↔ REP${transport === "inproc" ? "" : ", the ZAP handler asked"}`,
        T,
        async () => {
          const requests: string[] = [];
          const zap = await zapHandler(requests);
          try {
            const rep = sock("rep");
            const req = sock("req");
            setUp(rep, req);
            assert.equal(rep.mechanism, mechanism);
            assert.equal(req.mechanism, mechanism);
            rep.on("message", (m: Buffer) => rep.send(`${m} world`));
            req.connect(await bound(rep, transport));
            const got = messages(req, 1);
            req.send("hello");
            assert.deepEqual(await got, [["hello world"]]);
            // As in libzmq, inproc connections have no security handshake, so no ZAP request.
            assert.deepEqual(requests, transport === "inproc" ? [] : [zapSaw]);
          } finally {
            zap.close();
          }
        },
      );
    }
  }

  test("PLAIN with a wrong password gets no reply: the handler refused it", T, async () => {
    const requests: string[] = [];
    let answered!: () => void;
    const asked = new Promise<void>((r) => answered = r);
    const zap = await zapHandler(requests, () => answered());
    try {
      const rep = sock("rep", { zap_domain: "test", plain_server: 1 });
      const req = sock("req", { plain_username: "user", plain_password: "wrong" });
      let replies = 0;
      req.on("message", () => replies++);
      rep.on("message", (m: Buffer) => rep.send(m));
      req.connect(await bound(rep));
      req.send("hello");
      await withTimeout(asked, WAIT, "the ZAP request");
      await turns();
      assert.equal(replies, 0);
      assert.equal(requests[0], "test PLAIN");
    } finally {
      zap.close();
    }
  });
});
