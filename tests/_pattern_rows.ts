// The rows of the pattern × transport table: each runs one socket pattern
// over a transport, with its sockets made by `make`. tests/patterns_test.ts
// runs every row once per transport in TRANSPORTS with sockets of this
// thread; tests/patterns_threads_test.ts runs them over inproc with some of
// the sockets in a worker thread (each entry of `threads` names which, by
// the order the row makes them in).

import assert from "node:assert/strict";
import {
  Dealer,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  type SocketBase,
  Subscriber,
  XPublisher,
  XSubscriber,
} from "../mod.ts";
import { Buffer } from "node:buffer";
import {
  bindFresh,
  bytes,
  closeAll,
  nextEvents,
  plain,
  receiveData,
  rejectsWithCode,
  sendersGone,
  syncPubSub,
  text,
  texts,
  type TransportName,
  withTimeout,
} from "./_helpers.ts";

// deno-lint-ignore no-explicit-any
type SocketClass = new (options?: any) => SocketBase;

/** Makes the row's next socket: here, or (patterns_threads_test.ts) a stand-in for one in a worker. */
export type Make = <C extends SocketClass>(cls: C, options?: ConstructorParameters<C>[0]) => InstanceType<C>;

/** Sockets of this thread. */
export const here: Make = <C extends SocketClass>(cls: C, options?: ConstructorParameters<C>[0]) =>
  new cls(options) as InstanceType<C>;

/** One row of the table. */
export interface PatternRow {
  /** The test's name, without the transport. */
  name: string;
  /**
   * The ways to run it across threads: a label (which sockets are in the
   * worker) and the indices of those sockets in the order `run` makes them.
   */
  threads: Record<string, number[]>;
  /** Only over these transports (all when absent). */
  transports?: readonly TransportName[];
  run(tr: TransportName, make: Make): Promise<void>;
}

/** The rows. */
export const ROWS: PatternRow[] = [
  {
    name: `PUSH round-robins across two PULLs`,
    threads: { "the PULLs in a worker": [0, 1], "the PUSH in a worker": [2] },
    run: async (tr, make) => {
      const pull1 = make(Pull, { linger: 0 });
      const pull2 = make(Pull, { linger: 0 });
      const push = make(Push, { linger: 0 });
      try {
        push.connect(await bindFresh(pull1, tr));
        push.connect(await bindFresh(pull2, tr));
        for (let i = 0; i < 10; i++) await push.send(String(i));
        const got1: string[] = [], got2: string[] = [];
        for (let i = 0; i < 5; i++) {
          got1.push(text((await withTimeout(pull1.receive(), 3000, "pull1"))[0]));
          got2.push(text((await withTimeout(pull2.receive(), 3000, "pull2"))[0]));
        }
        // Strict alternation: one puller gets the even messages, the other the odd ones.
        const [even, odd] = got1[0] === "0" ? [got1, got2] : [got2, got1];
        assert.deepEqual(even, ["0", "2", "4", "6", "8"]);
        assert.deepEqual(odd, ["1", "3", "5", "7", "9"]);
      } finally {
        closeAll(push, pull1, pull2);
      }
    },
  },
  {
    name: `PULL fair-queues from two PUSHes`,
    threads: { "the PULL in a worker": [0], "the PUSHes in a worker": [1, 2] },
    run: async (tr, make) => {
      const pull = make(Pull, { linger: 0 });
      const a = make(Push, { linger: 0 });
      const b = make(Push, { linger: 0 });
      try {
        const ep = await bindFresh(pull, tr);
        a.connect(ep);
        b.connect(ep);
        for (let i = 0; i < 5; i++) {
          await a.send(["a", String(i)]);
          await b.send(["b", String(i)]);
        }
        await sendersGone(pull, a, b); // both queues are full before reading
        const got: string[][] = [];
        for (let i = 0; i < 10; i++) got.push(texts(await withTimeout(pull.receive(), 3000, "receive")));
        for (let i = 1; i < 10; i++) assert.notEqual(got[i][0], got[i - 1][0], `message ${i} from the other pusher`);
        assert.deepEqual(got.filter((m) => m[0] === "a").map((m) => m[1]), ["0", "1", "2", "3", "4"]);
        assert.deepEqual(got.filter((m) => m[0] === "b").map((m) => m[1]), ["0", "1", "2", "3", "4"]);
      } finally {
        closeAll(pull, a, b);
      }
    },
  },
  {
    name: `REQ/REP exchanges multi-part requests and replies`,
    threads: { "the REP in a worker": [0], "the REQ in a worker": [1] },
    run: async (tr, make) => {
      const rep = make(Reply, { linger: 0 });
      const req = make(Request, { linger: 0 });
      try {
        req.connect(await bindFresh(rep, tr));
        for (let i = 0; i < 3; i++) {
          await req.send(["q", String(i), ""]);
          assert.deepEqual(texts(await withTimeout(rep.receive(), 3000, "rep.receive")), ["q", String(i), ""]);
          await rep.send(["r", String(i)]);
          assert.deepEqual(texts(await withTimeout(req.receive(), 3000, "req.receive")), ["r", String(i)]);
        }
      } finally {
        closeAll(req, rep);
      }
    },
  },
  {
    name: `REQ/REP reject out-of-order calls with EFSM`,
    threads: { "the REP in a worker": [0], "the REQ in a worker": [1] },
    run: async (tr, make) => {
      const rep = make(Reply, { linger: 0 });
      const req = make(Request, { linger: 0 });
      try {
        req.connect(await bindFresh(rep, tr));
        await rejectsWithCode(req.receive(), "EFSM");
        await rejectsWithCode(rep.send("unasked"), "EFSM");
        await req.send("one");
        await rejectsWithCode(req.send("two"), "EFSM");
        assert.deepEqual(texts(await rep.receive()), ["one"]);
        await rejectsWithCode(rep.receive(), "EFSM");
        await rep.send("reply");
        await rejectsWithCode(rep.send("again"), "EFSM");
        assert.deepEqual(texts(await req.receive()), ["reply"]);
        await rejectsWithCode(req.receive(), "EFSM");
        // Still usable afterwards.
        await req.send("three");
        assert.deepEqual(texts(await rep.receive()), ["three"]);
      } finally {
        closeAll(req, rep);
      }
    },
  },
  {
    name: `REQ round-robins requests across two REPs`,
    threads: { "the REPs in a worker": [0, 1], "the REQ in a worker": [2] },
    run: async (tr, make) => {
      const rep1 = make(Reply, { linger: 0 });
      const rep2 = make(Reply, { linger: 0 });
      const req = make(Request, { linger: 0 });
      const serve = async (rep: Reply, name: string) => {
        for await (const [m] of rep) await rep.send(`${name}:${text(m)}`);
      };
      try {
        req.connect(await bindFresh(rep1, tr));
        req.connect(await bindFresh(rep2, tr));
        const s1 = serve(rep1, "one"), s2 = serve(rep2, "two");
        const got: string[] = [];
        for (let i = 0; i < 6; i++) {
          await req.send(String(i));
          got.push(text((await withTimeout(req.receive(), 3000, "reply"))[0]));
        }
        const names = got.map((g) => g.split(":")[0]);
        for (let i = 1; i < 6; i++) assert.notEqual(names[i], names[i - 1]);
        assert.deepEqual(got.map((g) => g.split(":")[1]), ["0", "1", "2", "3", "4", "5"]);
        closeAll(rep1, rep2);
        await Promise.all([s1, s2]);
      } finally {
        closeAll(req, rep1, rep2);
      }
    },
  },
  {
    name: `REP routes each reply back to the REQ that asked`,
    threads: { "the REP in a worker": [0], "the REQs in a worker": [1, 2, 3] },
    run: async (tr, make) => {
      const rep = make(Reply, { linger: 0 });
      const reqs = [make(Request, { linger: 0 }), make(Request, { linger: 0 }), make(Request, { linger: 0 })];
      try {
        const ep = await bindFresh(rep, tr);
        for (const r of reqs) r.connect(ep);
        await Promise.all(reqs.map((r, i) => r.send(`from ${i}`)));
        for (let k = 0; k < reqs.length; k++) {
          const [q] = await withTimeout(rep.receive(), 3000, "request");
          await rep.send(`answer to ${text(q)}`);
        }
        for (let i = 0; i < reqs.length; i++) {
          assert.deepEqual(texts(await withTimeout(reqs[i].receive(), 3000, `reply ${i}`)), [`answer to from ${i}`]);
        }
      } finally {
        closeAll(rep, ...reqs);
      }
    },
  },
  {
    name: `DEALER/ROUTER route by the dealer's routingId`,
    threads: { "the ROUTER in a worker": [0], "the DEALER in a worker": [1] },
    run: async (tr, make) => {
      const router = make(Router, { linger: 0 });
      const dealer = make(Dealer, { linger: 0, routingId: "d1" });
      try {
        dealer.connect(await bindFresh(router, tr));
        await dealer.send(["hi", "there"]);
        assert.deepEqual(texts(await withTimeout(router.receive(), 3000, "router")), ["d1", "hi", "there"]);
        await router.send(["d1", "back"]);
        assert.deepEqual(texts(await withTimeout(dealer.receive(), 3000, "dealer")), ["back"]);
      } finally {
        closeAll(dealer, router);
      }
    },
  },
  {
    name: `ROUTER generates 5-byte ids starting with 0 for anonymous peers`,
    threads: { "the ROUTER in a worker": [0], "the DEALERs in a worker": [1, 2] },
    run: async (tr, make) => {
      const router = make(Router, { linger: 0 });
      const d1 = make(Dealer, { linger: 0 });
      const d2 = make(Dealer, { linger: 0 });
      try {
        const ep = await bindFresh(router, tr);
        d1.connect(ep);
        d2.connect(ep);
        await d1.send("from1");
        await d2.send("from2");
        const ids = new Map<string, Uint8Array>();
        for (let i = 0; i < 2; i++) {
          const [id, body] = await withTimeout(router.receive(), 3000, "router");
          assert.equal(id.length, 5);
          assert.equal(id[0], 0);
          ids.set(text(body), id);
        }
        assert.notDeepEqual(ids.get("from1"), ids.get("from2"));
        await router.send([ids.get("from2")!, "to2"]);
        await router.send([ids.get("from1")!, "to1"]);
        assert.deepEqual(texts(await withTimeout(d1.receive(), 3000, "d1")), ["to1"]);
        assert.deepEqual(texts(await withTimeout(d2.receive(), 3000, "d2")), ["to2"]);
      } finally {
        closeAll(router, d1, d2);
      }
    },
  },
  {
    name: `ROUTER drops messages for unknown ids, or fails with EHOSTUNREACH when mandatory`,
    threads: { "the ROUTER in a worker": [0], "the DEALER in a worker": [1] },
    run: async (tr, make) => {
      const router = make(Router, { linger: 0 });
      const dealer = make(Dealer, { linger: 0, routingId: "known" });
      try {
        dealer.connect(await bindFresh(router, tr));
        await dealer.send("hello");
        await router.receive();
        await router.send(["nobody", "lost"]); // resolves, silently dropped
        await router.send(["known", "found"]);
        assert.deepEqual(texts(await withTimeout(dealer.receive(), 3000, "dealer")), ["found"]);
        router.mandatory = true;
        await rejectsWithCode(router.send(["nobody", "lost"]), "EHOSTUNREACH");
        await router.send(["known", "again"]);
        assert.deepEqual(texts(await withTimeout(dealer.receive(), 3000, "dealer")), ["again"]);
      } finally {
        closeAll(dealer, router);
      }
    },
  },
  {
    name: `DEALER talks to REP with an explicit empty delimiter`,
    threads: { "the REP in a worker": [0], "the DEALER in a worker": [1] },
    run: async (tr, make) => {
      const rep = make(Reply, { linger: 0 });
      const dealer = make(Dealer, { linger: 0 });
      try {
        dealer.connect(await bindFresh(rep, tr));
        await dealer.send(["", "hello"]);
        assert.deepEqual(texts(await withTimeout(rep.receive(), 3000, "rep")), ["hello"]);
        await rep.send("world");
        assert.deepEqual(texts(await withTimeout(dealer.receive(), 3000, "dealer")), ["", "world"]);
        // Extra envelope frames come back untouched.
        await dealer.send(["hop1", "hop2", "", "q"]);
        assert.deepEqual(texts(await withTimeout(rep.receive(), 3000, "rep")), ["q"]);
        await rep.send(["a", "b"]);
        assert.deepEqual(texts(await withTimeout(dealer.receive(), 3000, "dealer")), ["hop1", "hop2", "", "a", "b"]);
      } finally {
        closeAll(dealer, rep);
      }
    },
  },
  {
    name: `REQ talks to ROUTER with the routing id and delimiter envelope`,
    threads: { "the ROUTER in a worker": [0], "the REQ in a worker": [1] },
    run: async (tr, make) => {
      const router = make(Router, { linger: 0 });
      const req = make(Request, { linger: 0, routingId: "client-7" });
      try {
        req.connect(await bindFresh(router, tr));
        await req.send(["do", "it"]);
        assert.deepEqual(texts(await withTimeout(router.receive(), 3000, "router")), ["client-7", "", "do", "it"]);
        await router.send(["client-7", "", "done"]);
        assert.deepEqual(texts(await withTimeout(req.receive(), 3000, "req")), ["done"]);
      } finally {
        closeAll(req, router);
      }
    },
  },
  {
    name: `ROUTER/ROUTER with connect({ routingId })`,
    threads: { "the bound ROUTER in a worker": [0], "the connecting ROUTER in a worker": [1] },
    run: async (tr, make) => {
      const server = make(Router, { linger: 0, routingId: "server" });
      const client = make(Router, { linger: 0, routingId: "client", mandatory: true });
      try {
        const ep = await bindFresh(server, tr);
        const up = nextEvents(client, "handshake");
        client.connect(ep, { routingId: "srv" });
        await withTimeout(up, 3000, "handshake");
        await client.send(["srv", "hello"]);
        assert.deepEqual(texts(await withTimeout(server.receive(), 3000, "server")), ["client", "hello"]);
        await server.send(["client", "back"]);
        assert.deepEqual(texts(await withTimeout(client.receive(), 3000, "client")), ["srv", "back"]);
      } finally {
        closeAll(client, server);
      }
    },
  },
  {
    name: `PUB/SUB filters by prefix`,
    threads: { "the PUB in a worker": [0], "the SUB in a worker": [1] },
    run: async (tr, make) => {
      const pub = make(Publisher, { linger: 0 });
      const sub = make(Subscriber, { linger: 0 });
      try {
        sub.subscribe("sync", "a");
        sub.connect(await bindFresh(pub, tr));
        await syncPubSub(pub, sub);
        await pub.send(["a1", "x"]);
        await pub.send(["b1", "x"]);
        await pub.send(["ab", "y"]);
        await pub.send("a");
        await pub.send(["", "empty topic"]);
        await pub.send(["a-last"]);
        // In order, with b1 and the empty topic filtered out.
        assert.deepEqual(await withTimeout(receiveData(sub), 3000, "a1"), ["a1", "x"]);
        assert.deepEqual(await withTimeout(receiveData(sub), 3000, "ab"), ["ab", "y"]);
        assert.deepEqual(await withTimeout(receiveData(sub), 3000, "a"), ["a"]);
        assert.deepEqual(await withTimeout(receiveData(sub), 3000, "a-last"), ["a-last"]);
      } finally {
        closeAll(sub, pub);
      }
    },
  },
  {
    name: `PUB filters at the publisher: an XSUB gets only what it subscribed to`,
    threads: { "the PUB in a worker": [0], "the XSUB in a worker": [1] },
    run: async (tr, make) => {
      const pub = make(Publisher, { linger: 0 });
      const xsub = make(XSubscriber, { linger: 0 });
      try {
        xsub.connect(await bindFresh(pub, tr));
        await xsub.send(new Uint8Array([1, ...bytes("sync")]));
        await xsub.send(new Uint8Array([1, ...bytes("a")]));
        await syncPubSub(pub, xsub);
        await pub.send("b1");
        await pub.send("a1");
        // XSUB does no local filtering, so "b1" would show up here if PUB sent it.
        assert.deepEqual(await withTimeout(receiveData(xsub), 3000, "a1"), ["a1"]);
      } finally {
        closeAll(xsub, pub);
      }
    },
  },
  {
    name: `SUB stops receiving a topic after unsubscribe()`,
    threads: { "the PUB in a worker": [0], "the SUB in a worker": [1] },
    run: async (tr, make) => {
      const pub = make(Publisher, { linger: 0 });
      const sub = make(Subscriber, { linger: 0 });
      try {
        sub.subscribe("sync", "a", "b");
        sub.connect(await bindFresh(pub, tr));
        await syncPubSub(pub, sub);
        await pub.send("a0");
        assert.deepEqual(await withTimeout(receiveData(sub), 3000, "a0"), ["a0"]);
        // Awaited for a SUB in another thread, so the cancel is in effect
        // there before the publisher goes on (here it returns nothing).
        await sub.unsubscribe("a");
        await pub.send("a1");
        await pub.send("b1");
        assert.deepEqual(await withTimeout(receiveData(sub), 3000, "b1"), ["b1"]);
      } finally {
        closeAll(sub, pub);
      }
    },
  },
  {
    name: `SUB subscribe() with no argument receives everything`,
    threads: { "the PUB in a worker": [0], "the SUB in a worker": [1] },
    run: async (tr, make) => {
      const pub = make(Publisher, { linger: 0 });
      const sub = make(Subscriber, { linger: 0 });
      try {
        sub.subscribe();
        sub.connect(await bindFresh(pub, tr));
        await syncPubSub(pub, sub);
        for (const t of ["x", "", "yy", "\u00e9"]) await pub.send([t, "body"]);
        for (const t of ["x", "", "yy", "\u00e9"]) {
          assert.deepEqual(await withTimeout(receiveData(sub), 3000, t), [t, "body"]);
        }
      } finally {
        closeAll(sub, pub);
      }
    },
  },
  {
    name: `PUB serves several subscribers with different topics`,
    threads: { "the PUB in a worker": [0], "the SUBs in a worker": [1, 2, 3] },
    run: async (tr, make) => {
      const pub = make(Publisher, { linger: 0 });
      const subA = make(Subscriber, { linger: 0 });
      const subB = make(Subscriber, { linger: 0 });
      const subAll = make(Subscriber, { linger: 0 });
      try {
        const ep = await bindFresh(pub, tr);
        subA.subscribe("sync", "A");
        subB.subscribe("sync", "B");
        subAll.subscribe();
        for (const s of [subA, subB, subAll]) {
          s.connect(ep);
          await syncPubSub(pub, s);
        }
        await pub.send("A1");
        await pub.send("B1");
        await pub.send("C1");
        await pub.send("A2");
        assert.deepEqual(await withTimeout(receiveData(subA), 3000, "A1"), ["A1"]);
        assert.deepEqual(await withTimeout(receiveData(subA), 3000, "A2"), ["A2"]);
        assert.deepEqual(await withTimeout(receiveData(subB), 3000, "B1"), ["B1"]);
        for (const t of ["A1", "B1", "C1", "A2"]) {
          assert.deepEqual(await withTimeout(receiveData(subAll), 3000, t), [t]);
        }
      } finally {
        closeAll(subA, subB, subAll, pub);
      }
    },
  },
  {
    name: `XPUB receives each new subscription once by default`,
    threads: { "the XPUB in a worker": [0], "the SUBs in a worker": [1, 2] },
    run: async (tr, make) => {
      const xpub = make(XPublisher, { linger: 0 });
      const sub1 = make(Subscriber, { linger: 0 });
      const sub2 = make(Subscriber, { linger: 0 });
      try {
        const ep = await bindFresh(xpub, tr);
        sub1.connect(ep);
        sub1.subscribe("news");
        assert.deepEqual([...(await withTimeout(xpub.receive(), 3000, "sub"))[0]], [1, ...bytes("news")]);
        sub2.connect(ep);
        sub2.subscribe("news"); // a duplicate: not reported
        sub2.subscribe("other");
        assert.deepEqual([...(await withTimeout(xpub.receive(), 3000, "other"))[0]], [1, ...bytes("other")]);
        // The subscription is live: publishing reaches the subscriber.
        await xpub.send(["news", "flash"]);
        assert.deepEqual(texts(await withTimeout(sub1.receive(), 3000, "news")), ["news", "flash"]);
        // Unsubscribing is reported once the last subscriber is gone.
        sub2.unsubscribe("other");
        assert.deepEqual([...(await withTimeout(xpub.receive(), 3000, "cancel"))[0]], [0, ...bytes("other")]);
      } finally {
        closeAll(sub1, sub2, xpub);
      }
    },
  },
  {
    name: `XPUB with verbosity "allSubs" receives duplicate subscriptions`,
    threads: { "the XPUB in a worker": [0], "the SUBs in a worker": [1, 2] },
    run: async (tr, make) => {
      const xpub = make(XPublisher, { linger: 0, verbosity: "allSubs" });
      const sub1 = make(Subscriber, { linger: 0 });
      const sub2 = make(Subscriber, { linger: 0 });
      try {
        const ep = await bindFresh(xpub, tr);
        sub1.connect(ep);
        sub1.subscribe("news");
        assert.deepEqual([...(await withTimeout(xpub.receive(), 3000, "sub1"))[0]], [1, ...bytes("news")]);
        sub2.connect(ep);
        sub2.subscribe("news");
        sub2.subscribe("other");
        assert.deepEqual([...(await withTimeout(xpub.receive(), 3000, "dup"))[0]], [1, ...bytes("news")]);
        assert.deepEqual([...(await withTimeout(xpub.receive(), 3000, "other"))[0]], [1, ...bytes("other")]);
      } finally {
        closeAll(sub1, sub2, xpub);
      }
    },
  },
  {
    name: `XSUB subscribes by sending [1, ...topic]`,
    threads: { "the XPUB in a worker": [0], "the XSUB in a worker": [1] },
    run: async (tr, make) => {
      const xpub = make(XPublisher, { linger: 0 });
      const xsub = make(XSubscriber, { linger: 0 });
      try {
        xsub.connect(await bindFresh(xpub, tr));
        await xsub.send(new Uint8Array([1, ...bytes("t")]));
        assert.deepEqual([...(await withTimeout(xpub.receive(), 3000, "sub"))[0]], [1, ...bytes("t")]);
        await xpub.send("t1");
        await xpub.send("u1");
        await xpub.send(["t2", "more"]);
        assert.deepEqual(texts(await withTimeout(xsub.receive(), 3000, "t1")), ["t1"]);
        assert.deepEqual(texts(await withTimeout(xsub.receive(), 3000, "t2")), ["t2", "more"]);
        await xsub.send(new Uint8Array([0, ...bytes("t")]));
        assert.deepEqual([...(await withTimeout(xpub.receive(), 3000, "cancel"))[0]], [0, ...bytes("t")]);
      } finally {
        closeAll(xsub, xpub);
      }
    },
  },
  {
    name: `PAIR talks both ways`,
    threads: { "the bound PAIR in a worker": [0], "the connecting PAIR in a worker": [1] },
    run: async (tr, make) => {
      const a = make(Pair, { linger: 0 });
      const b = make(Pair, { linger: 0 });
      try {
        b.connect(await bindFresh(a, tr));
        await b.send(["ping", "1"]);
        assert.deepEqual(texts(await withTimeout(a.receive(), 3000, "a")), ["ping", "1"]);
        await a.send("pong");
        assert.deepEqual(texts(await withTimeout(b.receive(), 3000, "b")), ["pong"]);
      } finally {
        closeAll(a, b);
      }
    },
  },
  {
    name: `multi-part messages arrive whole, never interleaved`,
    threads: { "the PULL in a worker": [0], "the PUSHes in a worker": [1, 2] },
    run: async (tr, make) => {
      const pull = make(Pull, { linger: 0 });
      const p1 = make(Push, { linger: 0 });
      const p2 = make(Push, { linger: 0 });
      // Frame j of message i from sender s: size and content derived from (s, i, j).
      const sizes = [0, 1, 255, 256, 3000, 20000, 70000];
      const frame = (s: number, i: number, j: number) => {
        const n = sizes[(i + j + s) % sizes.length];
        const f = new Uint8Array(n);
        f.fill((s * 100 + i * 7 + j) & 0xff);
        return f;
      };
      const send = async (push: Push, s: number) => {
        for (let i = 0; i < 40; i++) {
          const parts = 1 + (i % 6);
          const msg: Uint8Array[] = [new Uint8Array([s, i, parts])];
          for (let j = 0; j < parts; j++) msg.push(frame(s, i, j));
          await push.send(msg);
        }
      };
      try {
        const ep = await bindFresh(pull, tr);
        p1.connect(ep);
        p2.connect(ep);
        await Promise.all([send(p1, 1), send(p2, 2)]);
        const next = new Map([[1, 0], [2, 0]]);
        for (let k = 0; k < 80; k++) {
          const m = await withTimeout(pull.receive(), 5000, `message ${k}`);
          const [s, i, parts] = m[0];
          assert.equal(i, next.get(s), `in order from sender ${s}`);
          next.set(s, i + 1);
          assert.equal(m.length, parts + 1, "frame count");
          for (let j = 0; j < parts; j++) assert.deepEqual(plain(m[j + 1]), frame(s, i, j), `frame ${j} of ${s}/${i}`);
        }
      } finally {
        closeAll(pull, p1, p2);
      }
    },
  },
  {
    name: `an 8 MiB message arrives intact`,
    threads: { "the receiving PAIR in a worker": [0], "the sending PAIR in a worker": [1] },
    run: async (tr, make) => {
      const pair1 = make(Pair, { linger: 0 });
      const pair2 = make(Pair, { linger: 0 });
      try {
        pair2.connect(await bindFresh(pair1, tr));
        const big = new Uint8Array(8 * 1024 * 1024);
        for (let i = 0; i < big.length; i += 4096) big[i] = (i >> 12) & 0xff;
        big[big.length - 1] = 0xab;
        await pair2.send(["head", big, "tail"]);
        const m = await withTimeout(pair1.receive(), 8000, "big message");
        assert.equal(m.length, 3);
        assert.equal(text(m[0]), "head");
        assert.equal(m[1].length, big.length);
        let diff = -1;
        for (let i = 0; i < big.length; i++) {
          if (m[1][i] !== big[i]) {
            diff = i;
            break;
          }
        }
        assert.equal(diff, -1, "body intact");
        assert.equal(text(m[2]), "tail");
      } finally {
        closeAll(pair1, pair2);
      }
    },
  },
  {
    name: `send() accepts strings, byte arrays, ArrayBuffers, numbers and null`,
    threads: { "the PUSH in a worker": [1] },
    run: async (tr, make) => {
      const pull = make(Pull, { linger: 0 });
      const push = make(Push, { linger: 0 });
      try {
        push.connect(await bindFresh(pull, tr));
        const backing = new Uint16Array([0x0102, 0x0304, 0x0506]);
        const view = new Uint8Array(backing.buffer, 2, 2);
        await push.send([
          "str\u00e9",
          new Uint8Array([1, 2, 3]),
          new Uint8Array([9, 8, 7]).buffer,
          42,
          null,
          view,
          new DataView(new Uint8Array([5, 6, 7, 8]).buffer, 1, 2),
          new Uint16Array(backing.buffer, 4, 1),
        ]);
        const m = await withTimeout(pull.receive(), 3000, "receive");
        assert.equal(m.length, 8);
        // Node Buffers on every runtime and transport, as zeromq.js gives them (lib/frames.ts).
        for (const f of m) assert.equal(Object.getPrototypeOf(f), Buffer.prototype);
        assert.equal(m[0].toString(), "str\u00e9");
        assert.equal(text(m[0]), "str\u00e9");
        assert.deepEqual([...m[1]], [1, 2, 3]);
        assert.deepEqual([...m[2]], [9, 8, 7]);
        assert.equal(text(m[3]), "42");
        assert.equal(m[4].length, 0);
        assert.deepEqual([...m[5]], [...view]);
        assert.deepEqual([...m[6]], [6, 7]);
        assert.deepEqual([...m[7]], [...new Uint8Array(backing.buffer, 4, 2)]);
        // A single part need not be wrapped in an array.
        await push.send(7);
        assert.deepEqual(texts(await pull.receive()), ["7"]);
        await push.send(null);
        assert.deepEqual(texts(await pull.receive()), [""]);
        await push.send(new ArrayBuffer(3));
        assert.deepEqual([...(await pull.receive())[0]], [0, 0, 0]);
        // Not a message.
        await assert.rejects(push.send([] as string[]), TypeError);
        await assert.rejects(push.send({} as unknown as string), TypeError);
        await assert.rejects(push.send([true] as unknown as string[]), TypeError);
      } finally {
        closeAll(push, pull);
      }
    },
  },
  {
    name: `for await over a socket ends when it closes`,
    threads: { "the PULL in a worker": [0], "the PUSH in a worker": [1] },
    run: async (tr, make) => {
      const pull = make(Pull, { linger: 0 });
      const push = make(Push, { linger: 0 });
      try {
        push.connect(await bindFresh(pull, tr));
        const got: string[] = [];
        let three = () => {};
        const gotThree = new Promise<void>((r) => three = r);
        const loop = (async () => {
          for await (const [m] of pull) {
            got.push(text(m));
            if (got.length === 3) three();
          }
        })();
        for (const s of ["a", "b", "c"]) await push.send(s);
        await withTimeout(gotThree, 3000, "three messages");
        pull.close(); // the loop is waiting in receive()
        await withTimeout(loop, 3000, "loop end");
        assert.deepEqual(got, ["a", "b", "c"]);
      } finally {
        closeAll(push, pull);
      }
    },
  },
  {
    name: `PUSH stops at sndhwm + rcvhwm while the PULL does not read`,
    threads: { "the PULL in a worker": [0], "the PUSH in a worker": [1] },
    // Other transports have buffers in between (hwm_test.ts covers them).
    transports: ["inproc"],
    run: async (tr, make) => {
      const pull = make(Pull, { linger: 0, receiveHighWaterMark: 7 });
      // sendTimeout bounds the one send that blocks: nothing is read, so none
      // can succeed once both queues are full, and the count does not depend on it.
      const push = make(Push, { linger: 0, sendHighWaterMark: 5, sendTimeout: 300 });
      try {
        const ep = await bindFresh(pull, tr);
        const up = nextEvents(push, "handshake");
        push.connect(ep);
        await withTimeout(up, 3000, "handshake");
        let sent = 0;
        for (; sent < 100; sent++) {
          try {
            await push.send(String(sent));
          } catch (e) {
            if ((e as { code?: string }).code !== "EAGAIN") throw e;
            break;
          }
        }
        assert.equal(sent, 12);
        // All of them arrive, in order, once read; then there is room again.
        for (let i = 0; i < 12; i++) {
          assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, `message ${i}`)), [String(i)]);
        }
        push.sendTimeout = -1;
        await push.send("after");
        assert.deepEqual(texts(await withTimeout(pull.receive(), 3000, "after")), ["after"]);
      } finally {
        closeAll(push, pull);
      }
    },
  },
];
