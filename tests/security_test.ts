// Security: Z85 (RFC 32), the CURVE box and MESSAGE codec (RFC 26), PLAIN
// (RFC 24), ZAP (RFC 27) between our own sockets over tcp, and a raw CURVE
// client that sends what a well-behaved peer never would. The raw client's
// crypto is built here from @noble directly, not from lib/.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { x25519 } from "@noble/curves/ed25519.js";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import {
  type Authenticator,
  Context,
  createAuthenticator,
  curveKeyPair,
  curvePublicKey,
  Dealer,
  type EventOfType,
  Publisher,
  Reply,
  Request,
  Router,
  setAuthenticator,
  type SocketBase,
  type SocketEventType,
  Subscriber,
  z85Decode,
  z85Encode,
} from "../mod.ts";
import { boxKey, boxOpen, boxSeal, CurveCodec } from "../lib/zmtp/mechanisms/curve.ts";
import { mechanismOf } from "../lib/security.ts";
import { core } from "../lib/socket_base.ts";
import {
  bytes,
  concat,
  F_COMMAND,
  F_MORE,
  plain,
  rawCommand,
  rawFrame,
  rawGreeting,
  rawMetadata,
  RawPeer,
  syncPubSub,
  text,
  texts,
  withTimeout,
} from "./_helpers.ts";

const T = { timeout: 15_000 };
const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16));
const tohex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const IO = { linger: 0, receiveTimeout: 5000, sendTimeout: 5000 };
// PUB has no receive options and SUB no send options (zeromq.js's types).
const { receiveTimeout: _r, ...IO_PUB } = IO;
const { sendTimeout: _s, ...IO_SUB } = IO;

// The libzmq test suite's CURVE keys (tests/testutil_security.hpp).
const CLIENT = {
  publicKey: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
  secretKey: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
};
const SERVER = {
  publicKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
  secretKey: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
};

/** The first `type` event of `sock` from now on, or a rejection after `ms`. */
function nextEvent<E extends SocketEventType>(sock: SocketBase, type: E, ms = 10000): Promise<EventOfType<E>> {
  let on!: (e: EventOfType<E>) => void;
  const p = new Promise<EventOfType<E>>((resolve) => {
    on = (e) => {
      sock.events.off(type, on);
      resolve(e);
    };
    sock.events.on(type, on);
  });
  return withTimeout(p, ms, `${type} event`).finally(() => sock.events.off(type, on));
}

/** Records every handshake failure of a socket. */
type Failure = EventOfType<"handshake:error:auth" | "handshake:error:protocol" | "handshake:error:other">;
function failures(sock: SocketBase): Failure[] {
  const seen: Failure[] = [];
  for (const t of ["handshake:error:auth", "handshake:error:protocol", "handshake:error:other"] as const) {
    sock.events.on(t, (e) => seen.push(e));
  }
  return seen;
}

/** Sockets made in a test, closed at its end whatever happens. */
function scope() {
  const socks: SocketBase[] = [];
  const raws: RawPeer[] = [];
  return {
    own<S extends SocketBase>(s: S): S {
      socks.push(s);
      return s;
    },
    raw(r: RawPeer): RawPeer {
      raws.push(r);
      return r;
    },
    close() {
      for (const s of socks) {
        if (!s.closed) s.linger = 0;
        s.close();
      }
      for (const r of raws) r.destroy();
    },
  };
}

async function roundTrip(req: Request, rep: Reply, body = "ping"): Promise<void> {
  await req.send(body);
  assert.deepEqual(texts(await rep.receive()), [body]);
  await rep.send(`${body}-back`);
  assert.deepEqual(texts(await req.receive()), [`${body}-back`]);
}

describe("Z85", () => {
  test("z85Encode() and z85Decode() match the RFC 32 vector", () => {
    const data = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    assert.equal(z85Encode(data), "HelloWorld");
    assert.deepEqual(z85Decode("HelloWorld"), data);
  });

  test("z85Decode() reads a libzmq test key", () => {
    assert.equal(
      tohex(z85Decode(CLIENT.publicKey)).toUpperCase(),
      "BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518",
    );
  });

  test("z85Encode() and z85Decode() round-trip every byte value", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.deepEqual(z85Decode(z85Encode(all)), all);
    assert.equal(z85Encode(new Uint8Array([0xff, 0xff, 0xff, 0xff])), "%nSc0");
  });

  test("z85Encode() and z85Decode() reject bad lengths, characters and overflow", () => {
    assert.throws(() => z85Encode(new Uint8Array(3)), RangeError);
    assert.throws(() => z85Decode("Hell"), RangeError);
    assert.throws(() => z85Decode('Hell"'), RangeError);
    assert.throws(() => z85Decode("Hell\u00e9"), RangeError);
    assert.throws(() => z85Decode("#####"), RangeError); // 85^5 - 1 > 2^32 - 1
  });

  test("curvePublicKey() derives libzmq's test public keys", () => {
    assert.equal(curvePublicKey(CLIENT.secretKey), CLIENT.publicKey);
    assert.equal(curvePublicKey(z85Decode(SERVER.secretKey)), SERVER.publicKey);
    assert.throws(() => curvePublicKey("short"), TypeError);
  });

  test("curveKeyPair() makes a fresh matching pair in Z85", () => {
    const a = curveKeyPair(), b = curveKeyPair();
    assert.equal(a.publicKey.length, 40);
    assert.equal(a.secretKey.length, 40);
    assert.notEqual(a.secretKey, b.secretKey);
    assert.equal(curvePublicKey(a.secretKey), a.publicKey);
  });
});

describe("CURVE box", () => {
  // RFC 7748 §6.1 and NaCl's tests/box.c: Alice's secret, Bob's public key.
  const alice = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const bob = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  const nonce = hex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");

  test("boxKey() gives NaCl's crypto_box_beforenm key", () => {
    const shared = x25519.getSharedSecret(alice, bob);
    assert.equal(tohex(shared), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    assert.equal(tohex(boxKey(shared)), "1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");
  });

  test("boxSeal() matches NaCl's crypto_box output", () => {
    const k = boxKey(x25519.getSharedSecret(alice, bob));
    const m = hex(
      "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705",
    );
    const box = boxSeal(k, nonce, m);
    assert.equal(tohex(box.subarray(0, 32)), "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce");
    assert.equal(box.length, m.length + 16);
    assert.deepEqual(boxOpen(k, nonce, box), m);
  });

  test("boxOpen() returns null for a tampered box, another nonce or a short box", () => {
    const k = crypto.getRandomValues(new Uint8Array(32));
    const box = boxSeal(k, nonce, bytes("secret"));
    const bad = box.slice();
    bad[20] ^= 1;
    assert.equal(boxOpen(k, nonce, bad), null);
    assert.equal(boxOpen(k, new Uint8Array(24), box), null);
    assert.equal(boxOpen(k, nonce, box.subarray(0, 10)), null);
  });

  test("CurveCodec round-trips frames with their MORE and COMMAND flags", () => {
    const k = crypto.getRandomValues(new Uint8Array(32));
    const client = new CurveCodec(k, false, 3, 1);
    const server = new CurveCodec(k, true, 2, 2);
    for (const [flags, body] of [[F_MORE, "a"], [0, ""], [F_COMMAND, "\x04PING\x00\x00"]] as const) {
      const m = client.encode(flags, bytes(body));
      assert.equal(text(m.subarray(0, 8)), "\x07MESSAGE");
      const got = server.decode(m);
      assert.equal(got.flags, flags);
      assert.equal(text(got.body), body);
    }
    const back = client.decode(server.encode(F_MORE, bytes("reply")));
    assert.equal(text(back.body), "reply");
  });

  test("CurveCodec.decode() rejects replayed, reordered, forged and unwrapped frames", () => {
    const k = crypto.getRandomValues(new Uint8Array(32));
    const client = new CurveCodec(k, false, 3, 1);
    const m1 = client.encode(0, bytes("one")), m2 = client.encode(0, bytes("two"));
    const server = new CurveCodec(k, true, 2, 2);
    assert.equal(text(server.decode(m2.slice()).body), "two");
    assert.throws(() => server.decode(m1.slice()), /replayed or reordered/);
    assert.throws(() => server.decode(m2.slice()), /replayed or reordered/);
    const forged = client.encode(0, bytes("three"));
    forged[forged.length - 1] ^= 0x80;
    assert.throws(() => server.decode(forged), /forged or corrupted/);
    assert.throws(() => server.decode(rawCommand("PING", new Uint8Array(2))), /expects MESSAGE/);
    // A frame sealed with the server's nonce prefix is not a client frame.
    assert.throws(() => server.decode(new CurveCodec(k, true, 9, 0).encode(0, bytes("x"))), /forged/);
  });
});

describe("security options", () => {
  test("keys read back in Z85 whether given as Z85 or bytes", () => {
    const s = new Dealer({ curveServerKey: z85Decode(SERVER.publicKey), curveSecretKey: CLIENT.secretKey, linger: 0 });
    try {
      assert.equal(s.curveServerKey, SERVER.publicKey);
      assert.equal(s.curveSecretKey, CLIENT.secretKey);
      assert.equal(s.curvePublicKey, null);
      s.curvePublicKey = CLIENT.publicKey;
      assert.equal(s.curvePublicKey, CLIENT.publicKey);
      assert.throws(() => s.curveServerKey = "too short", TypeError);
      assert.throws(() => s.curveServerKey = new Uint8Array(31), TypeError);
      assert.throws(() => s.plainUsername = "x".repeat(256), RangeError);
      assert.throws(() => new Dealer({ authenticator: "no" as unknown as Authenticator }), TypeError);
    } finally {
      s.close();
    }
  });

  test("the last family set picks the mechanism, as in libzmq", () => {
    const s = new Dealer({ linger: 0 });
    try {
      const opts = core(s).opts;
      assert.equal(mechanismOf(opts), "NULL");
      s.plainUsername = "u";
      assert.equal(mechanismOf(opts), "PLAIN");
      s.curveServer = true;
      assert.equal(mechanismOf(opts), "CURVE");
      s.plainPassword = "p";
      assert.equal(mechanismOf(opts), "PLAIN");
      s.plainUsername = null;
      s.plainPassword = null;
      assert.equal(mechanismOf(opts), "CURVE");
      s.curveServer = false;
      assert.equal(mechanismOf(opts), "NULL");
      s.curveSecretKey = CLIENT.secretKey; // a half-configured CURVE socket stays CURVE
      assert.equal(mechanismOf(opts), "CURVE");
    } finally {
      s.close();
    }
  });
});

describe("PLAIN over tcp", () => {
  const auth = createAuthenticator({ plain: { admin: "secret" } });

  test("Request/Reply with the right password, User-Id on the handshake event", T, async () => {
    const s = scope();
    try {
      const rep = s.own(new Reply({ ...IO, plainServer: true, authenticator: auth }));
      await rep.bind("tcp://127.0.0.1:*");
      const up = nextEvent(rep, "handshake");
      const req = s.own(new Request({ ...IO, plainUsername: "admin", plainPassword: "secret" }));
      req.connect(rep.lastEndpoint!);
      await roundTrip(req, rep);
      const e = await up;
      assert.equal(e.userId, "admin");
      assert.equal(text(e.properties!.get("User-Id")!), "admin");
      assert.equal(text(e.properties!.get("Socket-Type")!), "REQ");
    } finally {
      s.close();
    }
  });

  test("a wrong password is refused on both sides; good clients still get in", T, async () => {
    const s = scope();
    try {
      const rep = s.own(new Reply({ ...IO, plainServer: true, authenticator: auth }));
      await rep.bind("tcp://127.0.0.1:*");
      const serverSaw = nextEvent(rep, "handshake:error:auth");
      const bad = s.own(new Request({ ...IO, plainUsername: "admin", plainPassword: "guess", reconnectInterval: -1 }));
      const clientSaw = nextEvent(bad, "handshake:error:auth");
      bad.connect(rep.lastEndpoint!);
      assert.match((await serverSaw).error!.message, /ZAP authentication refused the peer \(status 400\)/);
      assert.match((await clientSaw).error!.message, /refused authentication \(ZAP status 400\)/);
      const good = s.own(new Request({ ...IO, plainUsername: "admin", plainPassword: "secret" }));
      good.connect(rep.lastEndpoint!);
      await roundTrip(good, rep);
    } finally {
      s.close();
    }
  });

  test("a PLAIN server without an authenticator refuses everyone (libzmq 4.3)", T, async () => {
    const s = scope();
    try {
      const rep = s.own(new Reply({ ...IO, plainServer: true, context: new Context() }));
      await rep.bind("tcp://127.0.0.1:*");
      const refused = nextEvent(rep, "handshake:error:auth");
      const req = s.own(new Request({ ...IO, plainUsername: "admin", plainPassword: "secret", reconnectInterval: -1 }));
      req.connect(rep.lastEndpoint!);
      assert.match((await refused).error!.message, /no ZAP authenticator/);
    } finally {
      s.close();
    }
  });

  test("Dealer/Router carry routing ids and multipart messages under PLAIN", T, async () => {
    const s = scope();
    try {
      const router = s.own(new Router({ ...IO, plainServer: true, authenticator: auth }));
      await router.bind("tcp://127.0.0.1:*");
      const dealer = s.own(new Dealer({ ...IO, routingId: "d1", plainUsername: "admin", plainPassword: "secret" }));
      dealer.connect(router.lastEndpoint!);
      await dealer.send(["a", "b"]);
      assert.deepEqual(texts(await router.receive()), ["d1", "a", "b"]);
      await router.send(["d1", "c"]);
      assert.deepEqual(texts(await dealer.receive()), ["c"]);
    } finally {
      s.close();
    }
  });
});

describe("CURVE over tcp", () => {
  const curveServer = () => ({ curveServer: true, curveSecretKey: SERVER.secretKey });
  const curveClient = (keys = curveKeyPair()) => ({
    curveServerKey: SERVER.publicKey,
    curvePublicKey: keys.publicKey,
    curveSecretKey: keys.secretKey,
  });

  test("Request/Reply", T, async () => {
    const s = scope();
    try {
      const rep = s.own(new Reply({ ...IO, ...curveServer() }));
      await rep.bind("tcp://127.0.0.1:*");
      const req = s.own(new Request({ ...IO, ...curveClient() }));
      req.connect(rep.lastEndpoint!);
      await roundTrip(req, rep);
      await roundTrip(req, rep, "again");
    } finally {
      s.close();
    }
  });

  test("Dealer/Router: routing ids, multipart and a 200 kB frame", T, async () => {
    const s = scope();
    try {
      const router = s.own(new Router({ ...IO, ...curveServer() }));
      await router.bind("tcp://127.0.0.1:*");
      const dealer = s.own(new Dealer({ ...IO, routingId: "d1", ...curveClient() }));
      dealer.connect(router.lastEndpoint!);
      const big = Uint8Array.from({ length: 200_000 }, (_, i) => i * 7);
      await dealer.send(["a", big]);
      const [id, a, got] = await router.receive();
      assert.equal(text(id), "d1");
      assert.equal(text(a), "a");
      assert.deepEqual(plain(got), big);
      for (let i = 0; i < 100; i++) await router.send(["d1", String(i)]);
      for (let i = 0; i < 100; i++) assert.deepEqual(texts(await dealer.receive()), [String(i)]);
    } finally {
      s.close();
    }
  });

  test("Publisher/Subscriber: subscriptions travel inside MESSAGE boxes", T, async () => {
    const s = scope();
    try {
      const pub = s.own(new Publisher({ ...IO_PUB, ...curveServer() }));
      await pub.bind("tcp://127.0.0.1:*");
      const sub = s.own(new Subscriber({ ...IO_SUB, ...curveClient() }));
      sub.subscribe("sync");
      sub.subscribe("news");
      sub.connect(pub.lastEndpoint!);
      await syncPubSub(pub, sub);
      await pub.send(["weather", "rain"]);
      await pub.send(["news", "ok"]);
      assert.deepEqual(texts(await sub.receive()), ["news", "ok"]);
    } finally {
      s.close();
    }
  });

  test("ZAP admits allowed client keys with their key as User-Id, refuses others", T, async () => {
    const s = scope();
    try {
      const allowed = curveKeyPair();
      const rep = s.own(
        new Reply({ ...IO, ...curveServer(), authenticator: createAuthenticator({ curve: [allowed.publicKey] }) }),
      );
      await rep.bind("tcp://127.0.0.1:*");
      const stranger = s.own(new Request({ ...IO, ...curveClient(), reconnectInterval: -1 }));
      const refused = nextEvent(rep, "handshake:error:auth");
      const strangerSaw = nextEvent(stranger, "handshake:error:auth");
      stranger.connect(rep.lastEndpoint!);
      await refused;
      await strangerSaw;
      const up = nextEvent(rep, "handshake");
      const friend = s.own(new Request({ ...IO, ...curveClient(allowed) }));
      friend.connect(rep.lastEndpoint!);
      await roundTrip(friend, rep);
      assert.equal((await up).userId, allowed.publicKey);
    } finally {
      s.close();
    }
  });

  test("an authenticator set on the Context applies; ZAP metadata reaches the peer properties", T, async () => {
    const s = scope();
    const context = new Context();
    try {
      const seen: string[] = [];
      setAuthenticator(context, (req) => {
        seen.push(`${req.mechanism} ${req.domain} ${req.address} ${z85Encode(req.credentials[0])}`);
        return { statusCode: "200", userId: "u1", metadata: { "X-Role": "admin" } };
      });
      const rep = s.own(new Reply({ ...IO, ...curveServer(), zapDomain: "global", context }));
      await rep.bind("tcp://127.0.0.1:*");
      const up = nextEvent(rep, "handshake");
      const keys = curveKeyPair();
      const req = s.own(new Request({ ...IO, ...curveClient(keys) }));
      req.connect(rep.lastEndpoint!);
      await roundTrip(req, rep);
      const e = await up;
      assert.deepEqual(seen, [`CURVE global 127.0.0.1 ${keys.publicKey}`]);
      assert.equal(e.userId, "u1");
      assert.equal(text(e.properties!.get("X-Role")!), "admin");
      assert.equal(text(e.properties!.get("Socket-Type")!), "REQ");
    } finally {
      setAuthenticator(context, null);
      s.close();
    }
  });

  test("a client with the wrong server key is refused; the server keeps serving", T, async () => {
    const s = scope();
    try {
      const rep = s.own(new Reply({ ...IO, ...curveServer() }));
      await rep.bind("tcp://127.0.0.1:*");
      const refused = nextEvent(rep, "handshake:error:auth");
      const other = curveKeyPair();
      const bad = s.own(
        new Request({ ...IO, ...curveClient(), curveServerKey: other.publicKey, reconnectInterval: -1 }),
      );
      bad.connect(rep.lastEndpoint!);
      assert.match((await refused).error!.message, /wrong server key/);
      const good = s.own(new Request({ ...IO, ...curveClient() }));
      good.connect(rep.lastEndpoint!);
      await roundTrip(good, rep);
    } finally {
      s.close();
    }
  });

  // The client's HELLO waits for its key agreement (WebCrypto's, which is
  // asynchronous): one that fails is the handshake's failure, and the socket
  // goes on to another server.
  test("a client given a low-order server key fails its handshake; the socket still works", T, async () => {
    const s = scope();
    try {
      const rep = s.own(new Reply({ ...IO, ...curveServer() }));
      await rep.bind("tcp://127.0.0.1:*");
      const req = s.own(
        new Request({ ...IO, ...curveClient(), curveServerKey: new Uint8Array(32), reconnectInterval: -1 }),
      );
      const failed = nextEvent(req, "handshake:error:auth");
      req.connect(rep.lastEndpoint!);
      assert.match((await failed).error!.message, /server key is not a valid public key/);
      const good = s.own(new Request({ ...IO, ...curveClient() }));
      good.connect(rep.lastEndpoint!);
      await roundTrip(good, rep);
    } finally {
      s.close();
    }
  });

  // Many sockets with the same keys, each its own copy (one per connection,
  // as a client per request does): every one completes its handshake.
  test("100 clients made one after another with the same keys all get in", T, async () => {
    const s = scope();
    try {
      const rep = s.own(new Reply({ ...IO, ...curveServer() }));
      await rep.bind("tcp://127.0.0.1:*");
      const keys = curveKeyPair();
      for (let i = 0; i < 100; i++) {
        const req = new Request({ ...IO, ...curveClient(keys) });
        try {
          req.connect(rep.lastEndpoint!);
          await roundTrip(req, rep, `n${i}`);
        } finally {
          req.close();
        }
      }
    } finally {
      s.close();
    }
  });

  test("a half-configured client fails its handshake naming the missing key", T, async () => {
    const s = scope();
    try {
      const rep = s.own(new Reply({ ...IO, ...curveServer() }));
      await rep.bind("tcp://127.0.0.1:*");
      const req = s.own(new Request({ ...IO, curveSecretKey: CLIENT.secretKey, reconnectInterval: -1 }));
      const failed = nextEvent(req, "handshake:error:auth");
      req.connect(rep.lastEndpoint!);
      assert.match((await failed).error!.message, /curveServerKey/);
    } finally {
      s.close();
    }
  });
});

describe("ZAP handler socket", () => {
  test("a ROUTER bound on inproc://zeromq.zap.01 answers ZAP, as in libzmq", T, async () => {
    const s = scope();
    const context = new Context();
    try {
      // An RFC 27 handler written as for libzmq/zeromq.js.
      const handler = s.own(new Router({ linger: 0, context }));
      await handler.bind("inproc://zeromq.zap.01");
      const seen: string[][] = [];
      (async () => {
        for await (const [id, delim, version, reqId, domain, _address, _identity, mech, ...creds] of handler) {
          seen.push([text(version), text(domain), text(mech), ...creds.map(text)]);
          const ok = text(creds[1]) === "pw";
          const md = rawMetadata([["X-Team", "blue"]]);
          await handler.send([
            id,
            delim,
            version,
            reqId,
            ok ? "200" : "400",
            ok ? "OK" : "No",
            ok ? "ann" : "",
            ok ? md : "",
          ]);
        }
      })().catch(() => {});
      const rep = s.own(new Reply({ ...IO, plainServer: true, zapDomain: "z", context }));
      await rep.bind("tcp://127.0.0.1:*");
      const refused = nextEvent(rep, "handshake:error:auth");
      const bad = s.own(new Request({ ...IO, plainUsername: "ann", plainPassword: "no", reconnectInterval: -1 }));
      bad.connect(rep.lastEndpoint!);
      await refused;
      const up = nextEvent(rep, "handshake");
      const good = s.own(new Request({ ...IO, plainUsername: "ann", plainPassword: "pw" }));
      good.connect(rep.lastEndpoint!);
      await roundTrip(good, rep);
      const e = await up;
      assert.equal(e.userId, "ann");
      assert.equal(text(e.properties!.get("X-Team")!), "blue");
      assert.deepEqual(seen, [["1.0", "z", "PLAIN", "ann", "no"], ["1.0", "z", "PLAIN", "ann", "pw"]]);
    } finally {
      s.close();
    }
  });
});

describe("ZAP with NULL", () => {
  test(
    "NULL asks ZAP only when zapDomain is set; 400 and 300 refuse, 500 when the authenticator throws",
    T,
    async () => {
      const s = scope();
      try {
        let answer: "200" | "300" | "400" | "throw" = "400";
        const asked: string[] = [];
        const authenticator: Authenticator = (req) => {
          asked.push(`${req.mechanism}:${req.domain}`);
          if (answer === "throw") throw new Error("database down");
          return { statusCode: answer };
        };
        // No domain: no ZAP.
        const open = s.own(new Reply({ ...IO, authenticator }));
        await open.bind("tcp://127.0.0.1:*");
        const r0 = s.own(new Request(IO));
        r0.connect(open.lastEndpoint!);
        await roundTrip(r0, open);
        assert.deepEqual(asked, []);

        const rep = s.own(new Reply({ ...IO, authenticator, zapDomain: "d" }));
        await rep.bind("tcp://127.0.0.1:*");
        const fails = failures(rep);
        for (
          const [a, re] of [["400", /status 400/], ["300", /temporarily \(300\)/], ["throw", /status 500/]] as const
        ) {
          answer = a;
          const refused = nextEvent(rep, "handshake:error:auth");
          const req = s.own(new Request({ ...IO, reconnectInterval: -1 }));
          req.connect(rep.lastEndpoint!);
          assert.match((await refused).error!.message, re);
        }
        assert.equal(fails.length, 3);
        answer = "200";
        const ok = s.own(new Request(IO));
        ok.connect(rep.lastEndpoint!);
        await roundTrip(ok, rep);
        assert.deepEqual(asked, ["NULL:d", "NULL:d", "NULL:d", "NULL:d"]);
      } finally {
        s.close();
      }
    },
  );

  test("createAuthenticator() applies allow and deny lists to addresses", T, async () => {
    const s = scope();
    try {
      const deny = s.own(
        new Reply({ ...IO, zapDomain: "x", authenticator: createAuthenticator({ deny: ["127.0.0.1"] }) }),
      );
      await deny.bind("tcp://127.0.0.1:*");
      const refused = nextEvent(deny, "handshake:error:auth");
      const r1 = s.own(new Request({ ...IO, reconnectInterval: -1 }));
      const r1Saw = nextEvent(r1, "handshake:error:auth");
      r1.connect(deny.lastEndpoint!);
      await refused;
      assert.match((await r1Saw).error!.message, /ERROR: 400/);

      const allow = s.own(
        new Reply({ ...IO, zapDomain: "x", authenticator: createAuthenticator({ allow: ["127.0.0.1"] }) }),
      );
      await allow.bind("tcp://127.0.0.1:*");
      const r2 = s.own(new Request(IO));
      r2.connect(allow.lastEndpoint!);
      await roundTrip(r2, allow);
    } finally {
      s.close();
    }
  });
});

// -- a raw CURVE client --------------------------------------------------------

const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
function beforenm(secret: Uint8Array, pub: Uint8Array): Uint8Array {
  const out = new Uint32Array(8);
  hsalsa(SIGMA, new Uint32Array(x25519.getSharedSecret(secret, pub).buffer), new Uint32Array(4), out);
  return new Uint8Array(out.buffer);
}
const seal = (k: Uint8Array, n: Uint8Array, m: Uint8Array) => xsalsa20poly1305(k, n).encrypt(m);
const open = (k: Uint8Array, n: Uint8Array, b: Uint8Array) => xsalsa20poly1305(k, n).decrypt(b);
const nonce8 = (n: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
};

/** A CURVE client written from RFC 26, for sending what our client never would. */
class RawCurveClient {
  readonly peer: RawPeer;
  #cn = x25519.utils.randomSecretKey();
  #key: Uint8Array | undefined;
  nonce = 1;

  private constructor(peer: RawPeer) {
    this.peer = peer;
  }

  static async connect(endpoint: string): Promise<RawCurveClient> {
    const c = new RawCurveClient(await RawPeer.connect(endpoint));
    c.peer.write(rawGreeting(1, "CURVE"));
    await c.peer.read(64);
    return c;
  }

  hello(): Uint8Array {
    const n = nonce8(this.nonce++);
    const k = beforenm(this.#cn, z85Decode(SERVER.publicKey));
    return concat(
      bytes("\x05HELLO\x01\x00"),
      new Uint8Array(72),
      x25519.getPublicKey(this.#cn),
      n,
      seal(k, concat(bytes("CurveZMQHELLO---"), n), new Uint8Array(64)),
    );
  }

  /** The whole handshake as a DEALER; returns the server's READY metadata. */
  async handshake(): Promise<Uint8Array> {
    this.peer.write(rawFrame(F_COMMAND, this.hello()));
    const w = await this.peer.readCommand("WELCOME");
    const hk = beforenm(this.#cn, z85Decode(SERVER.publicKey));
    const plain = open(hk, concat(bytes("WELCOME-"), w.subarray(8, 24)), w.subarray(24));
    const sn = plain.subarray(0, 32), cookie = plain.subarray(32, 128);
    this.#key = beforenm(this.#cn, sn);
    const vn = crypto.getRandomValues(new Uint8Array(16));
    const client = z85Decode(CLIENT.secretKey);
    const vouch = seal(
      beforenm(client, sn),
      concat(bytes("VOUCH---"), vn),
      concat(x25519.getPublicKey(this.#cn), z85Decode(SERVER.publicKey)),
    );
    const md = rawMetadata([["Socket-Type", "DEALER"], ["Identity", ""]]);
    const n = nonce8(this.nonce++);
    const box = seal(
      this.#key,
      concat(bytes("CurveZMQINITIATE"), n),
      concat(z85Decode(CLIENT.publicKey), vn, vouch, md),
    );
    this.peer.write(rawFrame(F_COMMAND, concat(bytes("\x08INITIATE"), cookie, n, box)));
    const r = await this.peer.readCommand("READY");
    return open(this.#key, concat(bytes("CurveZMQREADY---"), r.subarray(6, 14)), r.subarray(14));
  }

  /** One MESSAGE frame (libzmq frames it with flags 0). */
  message(body: string, more = false, n = this.nonce++): Uint8Array {
    const nb = nonce8(n);
    const box = seal(
      this.#key!,
      concat(bytes("CurveZMQMESSAGEC"), nb),
      concat(new Uint8Array([more ? 1 : 0]), bytes(body)),
    );
    return rawFrame(0, concat(bytes("\x07MESSAGE"), nb, box));
  }
}

describe("CURVE server against a misbehaving client", () => {
  let server: Router;
  let endpoint: string;
  let fails: Failure[];
  before(async () => {
    server = new Router({ ...IO, curveServer: true, curveSecretKey: SERVER.secretKey, handshakeInterval: 500 });
    await server.bind("tcp://127.0.0.1:*");
    endpoint = server.lastEndpoint!;
    fails = failures(server);
  });
  after(() => server.close());

  // After each bad client, a good one still gets answers.
  async function stillServes(): Promise<void> {
    const keys = curveKeyPair();
    const d = new Dealer({
      ...IO,
      curveServerKey: SERVER.publicKey,
      curvePublicKey: keys.publicKey,
      curveSecretKey: keys.secretKey,
    });
    try {
      d.connect(endpoint);
      await d.send("hi");
      const [id, body] = await server.receive();
      assert.equal(text(body), "hi");
      await server.send([id, "ho"]);
      assert.deepEqual(texts(await d.receive()), ["ho"]);
    } finally {
      d.close();
    }
  }

  async function refusedHello(
    mangle: (hello: Uint8Array) => Uint8Array,
    why: RegExp,
    type: "handshake:error:protocol" | "handshake:error:auth" = "handshake:error:protocol",
  ): Promise<void> {
    const failed = nextEvent(server, type);
    const c = await RawCurveClient.connect(endpoint);
    try {
      c.peer.write(rawFrame(F_COMMAND, mangle(c.hello())));
      assert.match((await failed).error!.message, why);
      assert.ok(await c.peer.closesWithin(2000), "server should close the connection");
    } finally {
      c.peer.destroy();
    }
    await stillServes();
  }

  test("a well-formed raw client completes the handshake and is heard", T, async () => {
    const c = await RawCurveClient.connect(endpoint);
    try {
      const md = await c.handshake();
      assert.match(text(md), /Socket-Type.*ROUTER/s);
      c.peer.write(concat(c.message("a", true), c.message("b")));
      const [, a, b] = await server.receive();
      assert.deepEqual([text(a), text(b)], ["a", "b"]);
    } finally {
      c.peer.destroy();
    }
  });

  test("HELLO with non-zero padding is refused", T, () =>
    refusedHello((h) => {
      h[40] = 1;
      return h;
    }, /padding is not zero/));

  test("HELLO with version 2.0 is refused", T, () =>
    refusedHello((h) => {
      h[6] = 2;
      return h;
    }, /unsupported CURVE version 2\.0/));

  test("HELLO cut short is refused", T, () => refusedHello((h) => h.subarray(0, 150), /150 bytes, not 200/));

  // Indistinguishable from a client holding another server's key, so
  // reported as an authentication failure.
  test("HELLO with a corrupted signature box is refused", T, () =>
    refusedHello(
      (h) => {
        h[199] ^= 1;
        return h;
      },
      /did not decrypt/,
      "handshake:error:auth",
    ));

  test("a forged MESSAGE closes the connection", T, async () => {
    const c = await RawCurveClient.connect(endpoint);
    try {
      await c.handshake();
      const failed = nextEvent(server, "handshake:error:protocol");
      const m = c.message("forged");
      m[m.length - 1] ^= 1;
      c.peer.write(m);
      assert.match((await failed).error!.message, /forged or corrupted/);
      assert.ok(await c.peer.closesWithin(2000));
    } finally {
      c.peer.destroy();
    }
    await stillServes();
  });

  test("a replayed MESSAGE closes the connection after the original got through", T, async () => {
    const c = await RawCurveClient.connect(endpoint);
    try {
      await c.handshake();
      const m = c.message("once");
      c.peer.write(m);
      const [, body] = await server.receive();
      assert.equal(text(body), "once");
      const failed = nextEvent(server, "handshake:error:protocol");
      c.peer.write(m);
      assert.match((await failed).error!.message, /replayed or reordered/);
      assert.ok(await c.peer.closesWithin(2000));
    } finally {
      c.peer.destroy();
    }
    await stillServes();
  });

  test("a plaintext frame after the handshake closes the connection", T, async () => {
    const c = await RawCurveClient.connect(endpoint);
    try {
      await c.handshake();
      const failed = nextEvent(server, "handshake:error:protocol");
      c.peer.write(rawFrame(0, bytes("not boxed")));
      assert.match((await failed).error!.message, /expects MESSAGE/);
      assert.ok(await c.peer.closesWithin(2000));
    } finally {
      c.peer.destroy();
    }
    await stillServes();
  });

  test("a client that hangs up in the middle of HELLO is reported", T, async () => {
    const failed = nextEvent(server, "handshake:error:other");
    const c = await RawCurveClient.connect(endpoint);
    c.peer.write(rawFrame(F_COMMAND, c.hello()).subarray(0, 90));
    await new Promise((r) => setTimeout(r, 50));
    c.peer.destroy();
    assert.match((await failed).error!.message, /during the handshake/);
    await stillServes();
  });

  test("a client that never finishes is dropped after handshakeInterval", T, async () => {
    const failed = nextEvent(server, "handshake:error:protocol");
    const c = await RawCurveClient.connect(endpoint);
    try {
      c.peer.write(rawFrame(F_COMMAND, c.hello()));
      await c.peer.readCommand("WELCOME");
      const e = await failed;
      assert.match(e.error!.message, /timed out/);
      assert.equal((e.error as { code?: string }).code, "ETIMEDOUT");
      assert.ok(await c.peer.closesWithin(2000));
    } finally {
      c.peer.destroy();
    }
    await stillServes();
    assert.ok(fails.length >= 1);
  });
});
