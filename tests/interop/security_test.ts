// Security interop with libzmq 4.3.5 (zeromq.js 6 on Node, CURVE built in,
// in tests/interop/security_peer.mjs): CURVE, PLAIN and ZAP with our socket
// as server and as client, for REQ/REP, PUB/SUB and DEALER/ROUTER; ZAP
// handlers on both sides admitting and refusing; heartbeats and large frames
// inside CURVE MESSAGE boxes.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  createAuthenticator,
  curveKeyPair,
  Dealer,
  type EventOfType,
  Publisher,
  Reply,
  Request,
  Router,
  type SocketBase,
  type SocketEventType,
  type SocketOptions,
  Subscriber,
  z85Encode,
} from "../../mod.ts";
import { nodeBin, Peer, ROOT, sleep, waitFor, withTimeout } from "./_harness.ts";
import { plain } from "../_helpers.ts";

type Keys = { publicKey: string; secretKey: string };
type Counts = Record<string, number>;

const ROW = { timeout: 20_000 };
const IO = { linger: 0, receiveTimeout: 4000, sendTimeout: 4000 };
// PUB has no receive options and SUB no send options (zeromq.js's types).
const { receiveTimeout: _r, ...IO_PUB } = IO;
const { sendTimeout: _s, ...IO_SUB } = IO;
const enc = new TextEncoder();
const dec = new TextDecoder();
const b64 = (f: string | Uint8Array): string => {
  const b = typeof f === "string" ? enc.encode(f) : f;
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
};
const unb64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const texts = (m: Uint8Array[]) => m.map((f) => dec.decode(f));

/** One libzmq socket in the peer process. */
class Theirs {
  constructor(readonly peer: Peer, readonly id: number) {}
  static async make(peer: Peer, type: string, options: Record<string, unknown> = {}): Promise<Theirs> {
    const r = await peer.request("new", { type, options });
    return new Theirs(peer, r.sock as number);
  }
  async bind(): Promise<string> {
    return (await this.peer.request("bind", { sock: this.id, endpoint: "tcp://127.0.0.1:*" })).endpoint as string;
  }
  async connect(endpoint: string): Promise<void> {
    await this.peer.request("connect", { sock: this.id, endpoint });
  }
  async send(msg: (string | Uint8Array)[]): Promise<void> {
    await this.peer.request("send", { sock: this.id, msg: msg.map(b64) });
  }
  async receive(): Promise<Uint8Array[]> {
    return ((await this.peer.request("recv", { sock: this.id })).msg as string[]).map(unb64);
  }
  async subscribe(topic: string): Promise<void> {
    await this.peer.request("subscribe", { sock: this.id, topic: b64(topic) });
  }
  async events(): Promise<{ counts: Counts; errors: string[] }> {
    return await this.peer.request("events", { sock: this.id }) as { counts: Counts; errors: string[] };
  }
  async close(): Promise<void> {
    if (this.peer.alive) await this.peer.request("close", { sock: this.id }).catch(() => {});
  }
}

/** The first `type` event of `sock` from now on. */
function nextEvent<E extends SocketEventType>(sock: SocketBase, type: E, ms = 10000): Promise<EventOfType<E>> {
  let on!: (e: EventOfType<E>) => void;
  const p = new Promise<EventOfType<E>>((resolve) => {
    on = (e) => resolve(e);
    sock.events.on(type, on);
  });
  return withTimeout(ms, `${type} event`, () => p).finally(() => sock.events.off(type, on));
}

/** Publishes every 50 ms until `received` settles (the slow-joiner window). */
async function publishUntil<T>(received: Promise<T>, publish: () => Promise<void>): Promise<T> {
  let done = false;
  const r = received.finally(() => done = true);
  while (!done) {
    await publish();
    await Promise.race([r.catch(() => {}), sleep(50)]);
  }
  return r;
}

describe("security interop with libzmq", () => {
  let peer: Peer | undefined;
  before(async () => {
    peer = await Peer.start("libzmq security peer", nodeBin(), [join(ROOT, "tests", "interop", "security_peer.mjs")]);
  });
  after(async () => {
    await peer?.stop();
  });
  const libzmq = () => {
    if (!peer) throw new Error("The libzmq peer did not start");
    return peer;
  };

  // A test row with cleanup of both sides' sockets.
  const row = (
    name: string,
    fn: (ctx: {
      ours: <S extends SocketBase>(s: S) => S;
      theirs: (type: string, options?: Record<string, unknown>) => Promise<Theirs>;
    }) => Promise<void>,
  ) =>
    test(name, ROW, async () => {
      const mine: SocketBase[] = [];
      const other: Theirs[] = [];
      try {
        await withTimeout(ROW.timeout - 2000, name, () =>
          fn({
            ours: (s) => (mine.push(s), s),
            theirs: async (type, options) => {
              const t = await Theirs.make(libzmq(), type, options);
              other.push(t);
              return t;
            },
          }));
      } finally {
        for (const s of mine) s.close();
        await Promise.all(other.map((t) => t.close()));
      }
    });

  const serverKeys = (k: Keys) => ({ curveServer: true, curveSecretKey: k.secretKey, curvePublicKey: k.publicKey });
  const clientKeys = (server: Keys, k: Keys) => ({
    curveServerKey: server.publicKey,
    curvePublicKey: k.publicKey,
    curveSecretKey: k.secretKey,
  });
  const keypair = async (): Promise<Keys> => await libzmq().request("keypair") as Keys;

  // -- CURVE -------------------------------------------------------------------

  row("CURVE: our REP (server) ← libzmq REQ (client)", async ({ ours, theirs }) => {
    const server = curveKeyPair();
    const rep = ours(new Reply({ ...IO, ...serverKeys(server) }));
    await rep.bind("tcp://127.0.0.1:*");
    const req = await theirs("Request", clientKeys(server, await keypair()));
    await req.connect(rep.lastEndpoint!);
    await req.send(["hello", "world"]);
    assert.deepEqual(texts(await rep.receive()), ["hello", "world"]);
    await rep.send(["back", ""]);
    assert.deepEqual(texts(await req.receive()), ["back", ""]);
  });

  row("CURVE: libzmq REP (server) ← our REQ (client)", async ({ ours, theirs }) => {
    const server = await keypair();
    const rep = await theirs("Reply", serverKeys(server));
    const req = ours(new Request({ ...IO, ...clientKeys(server, curveKeyPair()) }));
    req.connect(await rep.bind());
    await req.send(["hello", "world"]);
    assert.deepEqual(texts(await rep.receive()), ["hello", "world"]);
    await rep.send(["back"]);
    assert.deepEqual(texts(await req.receive()), ["back"]);
  });

  row("CURVE: our PUB (server) → libzmq SUB (client), libzmq's SUBSCRIBE inside MESSAGE", async ({ ours, theirs }) => {
    const server = curveKeyPair();
    const pub = ours(new Publisher({ ...IO_PUB, ...serverKeys(server) }));
    await pub.bind("tcp://127.0.0.1:*");
    const sub = await theirs("Subscriber", clientKeys(server, await keypair()));
    await sub.subscribe("news");
    await sub.connect(pub.lastEndpoint!);
    const got = await publishUntil(sub.receive(), async () => {
      await pub.send(["weather", "rain"]);
      await pub.send(["news", "ok"]);
    });
    assert.deepEqual(texts(got), ["news", "ok"]);
  });

  row("CURVE: libzmq PUB (server) → our SUB (client), our SUBSCRIBE inside MESSAGE", async ({ ours, theirs }) => {
    const server = await keypair();
    const pub = await theirs("Publisher", serverKeys(server));
    const sub = ours(new Subscriber({ ...IO_SUB, ...clientKeys(server, curveKeyPair()) }));
    sub.subscribe("news");
    sub.connect(await pub.bind());
    const got = await publishUntil(sub.receive(), async () => {
      await pub.send(["weather", "rain"]);
      await pub.send(["news", "ok"]);
    });
    assert.deepEqual(texts(got), ["news", "ok"]);
  });

  row("CURVE: our ROUTER (server) ↔ libzmq DEALER (client), 70 kB frames both ways", async ({ ours, theirs }) => {
    const server = curveKeyPair();
    const router = ours(new Router({ ...IO, ...serverKeys(server) }));
    await router.bind("tcp://127.0.0.1:*");
    const dealer = await theirs("Dealer", { ...clientKeys(server, await keypair()), routingId: "d1" });
    await dealer.connect(router.lastEndpoint!);
    const big = Uint8Array.from({ length: 70_000 }, (_, i) => i * 13);
    await dealer.send(["a", big]);
    const [id, a, got] = await router.receive();
    assert.equal(dec.decode(id), "d1");
    assert.equal(dec.decode(a), "a");
    assert.deepEqual(plain(got), big);
    await router.send(["d1", big, "z"]);
    const [back, z] = await dealer.receive();
    assert.deepEqual(plain(back), big);
    assert.equal(dec.decode(z), "z");
  });

  row("CURVE: libzmq ROUTER (server) ↔ our DEALER (client)", async ({ ours, theirs }) => {
    const server = await keypair();
    const router = await theirs("Router", serverKeys(server));
    const dealer = ours(new Dealer({ ...IO, ...clientKeys(server, curveKeyPair()), routingId: "d2" }));
    dealer.connect(await router.bind());
    await dealer.send(["x", "y"]);
    assert.deepEqual(texts(await router.receive()), ["d2", "x", "y"]);
    for (let i = 0; i < 50; i++) await router.send(["d2", String(i)]);
    for (let i = 0; i < 50; i++) assert.deepEqual(texts(await dealer.receive()), [String(i)]);
  });

  row("CURVE: heartbeats (PING/PONG commands) inside MESSAGE boxes keep both links up", async ({ ours, theirs }) => {
    const server = curveKeyPair();
    const hb = { heartbeatInterval: 100, heartbeatTimeout: 600 };
    const router = ours(new Router({ ...IO, ...serverKeys(server), ...hb }));
    await router.bind("tcp://127.0.0.1:*");
    const dealer = await theirs("Dealer", { ...clientKeys(server, await keypair()), ...hb, routingId: "hb" });
    let drops = 0;
    router.events.on("disconnect", () => drops++);
    await dealer.connect(router.lastEndpoint!);
    await dealer.send(["1"]);
    assert.deepEqual(texts(await router.receive()), ["hb", "1"]);
    await sleep(1200);
    assert.equal(drops, 0, "we dropped libzmq");
    assert.equal((await dealer.events()).counts.disconnect, 0, "libzmq dropped us");
    await router.send(["hb", "2"]);
    assert.deepEqual(texts(await dealer.receive()), ["2"]);
  });

  row("CURVE: a libzmq client with the wrong server key is refused by ours", async ({ ours, theirs }) => {
    const server = curveKeyPair();
    const rep = ours(new Reply({ ...IO, ...serverKeys(server) }));
    await rep.bind("tcp://127.0.0.1:*");
    const refused = nextEvent(rep, "handshake:error:auth");
    const req = await theirs("Request", clientKeys(curveKeyPair(), await keypair()));
    await req.connect(rep.lastEndpoint!);
    assert.match((await refused).error!.message, /wrong server key/);
  });

  row("CURVE: our client with the wrong server key is refused by libzmq", async ({ ours, theirs }) => {
    const rep = await theirs("Reply", serverKeys(await keypair()));
    const req = ours(new Request({ ...IO, ...clientKeys(curveKeyPair(), curveKeyPair()), reconnectInterval: -1 }));
    const dropped = nextEvent(req, "handshake:error:other");
    req.connect(await rep.bind());
    await dropped;
    await waitFor("libzmq to report the failed handshake", async () => {
      return (await rep.events()).counts["handshake:error:protocol"] > 0;
    });
  });

  // -- ZAP with CURVE ------------------------------------------------------------

  row("ZAP: our authenticator admits a listed libzmq client key, refuses another", async ({ ours, theirs }) => {
    const server = curveKeyPair();
    const friend = await keypair();
    const rep = ours(
      new Reply({ ...IO, ...serverKeys(server), authenticator: createAuthenticator({ curve: [friend.publicKey] }) }),
    );
    await rep.bind("tcp://127.0.0.1:*");
    const refused = nextEvent(rep, "handshake:error:auth");
    const stranger = await theirs("Request", clientKeys(server, await keypair()));
    await stranger.connect(rep.lastEndpoint!);
    await refused;
    await waitFor(
      "libzmq to report the refusal",
      async () => (await stranger.events()).counts["handshake:error:auth"] > 0,
    );
    const up = nextEvent(rep, "handshake");
    const req = await theirs("Request", clientKeys(server, friend));
    await req.connect(rep.lastEndpoint!);
    await req.send(["in"]);
    assert.deepEqual(texts(await rep.receive()), ["in"]);
    assert.equal((await up).userId, friend.publicKey);
  });

  row("ZAP: libzmq's ZAP handler refuses our CURVE client, then admits it", async ({ ours, theirs }) => {
    const server = await keypair();
    const mine = curveKeyPair();
    await libzmq().request("zap", { policy: { curve: [] } });
    await libzmq().request("zapLog");
    const rep = await theirs("Reply", { ...serverKeys(server), zapDomain: "sec" });
    const ep = await rep.bind();
    const bad = ours(new Request({ ...IO, ...clientKeys(server, mine), reconnectInterval: -1 }));
    const refused = nextEvent(bad, "handshake:error:auth");
    bad.connect(ep);
    assert.match((await refused).error!.message, /refused authentication \(ZAP status 400\)/);
    const log = (await libzmq().request("zapLog")).requests as {
      mechanism: string;
      domain: string;
      credentials: string[];
    }[];
    assert.equal(log.length, 1);
    assert.equal(log[0].mechanism, "CURVE");
    assert.equal(log[0].domain, "sec");
    assert.equal(z85Encode(unb64(log[0].credentials[0])), mine.publicKey);
    await libzmq().request("zap", { policy: { curve: [mine.publicKey] } });
    const good = ours(new Request({ ...IO, ...clientKeys(server, mine) }));
    good.connect(ep);
    await good.send(["in"]);
    assert.deepEqual(texts(await rep.receive()), ["in"]);
  });

  // -- PLAIN -----------------------------------------------------------------------

  row("PLAIN: our REP (server, authenticator) ← libzmq REQ; a wrong password is refused", async ({ ours, theirs }) => {
    const rep = ours(
      new Reply({ ...IO, plainServer: true, authenticator: createAuthenticator({ plain: { ann: "pw" } }) }),
    );
    await rep.bind("tcp://127.0.0.1:*");
    const refused = nextEvent(rep, "handshake:error:auth");
    const bad = await theirs("Request", { plainUsername: "ann", plainPassword: "nope" });
    await bad.connect(rep.lastEndpoint!);
    await refused;
    // libzmq's PLAIN client only knows its own misspelt "\x5eRROR" command, so
    // our RFC 24 ERROR shows there as a protocol error, not an auth failure.
    await waitFor("libzmq to report the refusal", async () => {
      const c = (await bad.events()).counts;
      return c["handshake:error:protocol"] + c["handshake:error:auth"] > 0 && c.handshake === 0;
    });
    const up = nextEvent(rep, "handshake");
    const req = await theirs("Request", { plainUsername: "ann", plainPassword: "pw" });
    await req.connect(rep.lastEndpoint!);
    await req.send(["hi"]);
    assert.deepEqual(texts(await rep.receive()), ["hi"]);
    await rep.send(["ho"]);
    assert.deepEqual(texts(await req.receive()), ["ho"]);
    assert.equal((await up).userId, "ann");
  });

  row("PLAIN: libzmq REP (server, ZAP handler) ← our REQ; a wrong password is refused", async ({ ours, theirs }) => {
    await libzmq().request("zap", { policy: { plain: { bob: "pw" } } });
    await libzmq().request("zapLog");
    const rep = await theirs("Reply", { plainServer: true });
    const ep = await rep.bind();
    const bad = ours(new Request({ ...IO, plainUsername: "bob", plainPassword: "guess", reconnectInterval: -1 }));
    const refused = nextEvent(bad, "handshake:error:auth");
    bad.connect(ep);
    assert.match((await refused).error!.message, /ZAP status 400/);
    const req = ours(new Request({ ...IO, plainUsername: "bob", plainPassword: "pw" }));
    req.connect(ep);
    await req.send(["hi"]);
    assert.deepEqual(texts(await rep.receive()), ["hi"]);
    await rep.send(["ho"]);
    assert.deepEqual(texts(await req.receive()), ["ho"]);
    const log = (await libzmq().request("zapLog")).requests as { mechanism: string; credentials: string[] }[];
    assert.deepEqual(log.map((r) => [r.mechanism, ...r.credentials.map((c) => dec.decode(unb64(c)))]), [
      ["PLAIN", "bob", "guess"],
      ["PLAIN", "bob", "pw"],
    ]);
  });

  row(
    "PLAIN: our DEALER ↔ libzmq ROUTER (server) and libzmq DEALER ↔ our ROUTER (server)",
    async ({ ours, theirs }) => {
      await libzmq().request("zap", { policy: { plain: { bob: "pw" } } });
      const router = await theirs("Router", { plainServer: true });
      const dealer = ours(new Dealer({ ...IO, plainUsername: "bob", plainPassword: "pw", routingId: "ours" }));
      dealer.connect(await router.bind());
      await dealer.send(["x"]);
      assert.deepEqual(texts(await router.receive()), ["ours", "x"]);
      await router.send(["ours", "y"]);
      assert.deepEqual(texts(await dealer.receive()), ["y"]);

      const ourRouter = ours(
        new Router({ ...IO, plainServer: true, authenticator: createAuthenticator({ plain: { bob: "pw" } }) }),
      );
      await ourRouter.bind("tcp://127.0.0.1:*");
      const theirDealer = await theirs("Dealer", { plainUsername: "bob", plainPassword: "pw", routingId: "theirs" });
      await theirDealer.connect(ourRouter.lastEndpoint!);
      await theirDealer.send(["p"]);
      assert.deepEqual(texts(await ourRouter.receive()), ["theirs", "p"]);
      await ourRouter.send(["theirs", "q"]);
      assert.deepEqual(texts(await theirDealer.receive()), ["q"]);
    },
  );

  // -- ZAP with NULL -------------------------------------------------------------------

  row(
    "ZAP with NULL: our zapDomain server refuses a libzmq client; libzmq's refuses ours",
    async ({ ours, theirs }) => {
      const rep = ours(new Reply({ ...IO, zapDomain: "d", authenticator: () => ({ statusCode: "400" }) }));
      await rep.bind("tcp://127.0.0.1:*");
      const refused = nextEvent(rep, "handshake:error:auth");
      const req = await theirs("Request", {});
      await req.connect(rep.lastEndpoint!);
      await refused;
      await waitFor(
        "libzmq to report the refusal",
        async () => (await req.events()).counts["handshake:error:auth"] > 0,
      );

      await libzmq().request("zap", { policy: { null: false } });
      const theirRep = await theirs("Reply", { zapDomain: "d" });
      const mine = ours(new Request({ ...IO, reconnectInterval: -1 }));
      const mineRefused = nextEvent(mine, "handshake:error:auth");
      mine.connect(await theirRep.bind());
      assert.match((await mineRefused).error!.message, /ERROR: 400/);
    },
  );

  row("ZAP with NULL: admitted both ways with a zapDomain", async ({ ours, theirs }) => {
    const rep = ours(
      new Reply({ ...IO, zapDomain: "d", authenticator: createAuthenticator({ allow: ["127.0.0.1"] }) }),
    );
    await rep.bind("tcp://127.0.0.1:*");
    const req = await theirs("Request", {});
    await req.connect(rep.lastEndpoint!);
    await req.send(["n"]);
    assert.deepEqual(texts(await rep.receive()), ["n"]);

    await libzmq().request("zap", { policy: { null: true } });
    const theirRep = await theirs("Reply", { zapDomain: "d" });
    const mine = ours(new Request(IO as SocketOptions));
    mine.connect(await theirRep.bind());
    await mine.send(["m"]);
    assert.deepEqual(texts(await theirRep.receive()), ["m"]);
  });
});
