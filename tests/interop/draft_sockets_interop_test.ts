// Interop of our thread-safe draft sockets with libzmq 4.3.5's (zeromq.js's
// draft API in a Node peer process, tests/interop/draft_peer.mjs, on every
// runtime: zeromq.js cannot load under Bun): CLIENT/SERVER, SCATTER/GATHER
// and CHANNEL over tcp and ipc with either side binding, routing ids both
// ways, and DGRAM over udp:// both ways. zeromq.js cannot give a PEER its
// routing ids, so PEER has no libzmq counterpart here.

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Channel, Client, Datagram, Gather, Scatter, Server } from "../../draft.ts";
import { anyEndpoint, nodeBin, Peer, removeIpcFiles, ROOT, type TransportName, withTimeout } from "./_harness.ts";

const T = { timeout: 20000 };
const IO = 5000;
const enc = new TextEncoder();
const dec = new TextDecoder();
const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

/** A draft socket in the libzmq peer. */
class Remote {
  constructor(readonly peer: Peer, readonly id: number) {}
  static async create(peer: Peer, type: string): Promise<Remote> {
    return new Remote(peer, (await peer.request("new", { type, options: { receiveTimeout: IO } })).sock as number);
  }
  async bind(endpoint: string): Promise<string> {
    return (await this.peer.request("bind", { sock: this.id, endpoint })).endpoint as string;
  }
  async connect(endpoint: string): Promise<void> {
    await this.peer.request("connect", { sock: this.id, endpoint });
  }
  async send(parts: (string | Uint8Array)[], routingId?: number): Promise<void> {
    const p = parts.map((x) => b64(typeof x === "string" ? enc.encode(x) : x));
    await this.peer.request("send", { sock: this.id, parts: p, ...(routingId === undefined ? {} : { routingId }) });
  }
  async receive(): Promise<{ parts: Uint8Array[]; routingId?: number }> {
    const r = await this.peer.request("recv", { sock: this.id });
    return { parts: (r.parts as string[]).map(unb64), routingId: r.routingId as number | undefined };
  }
  async close(): Promise<void> {
    if (this.peer.alive) await this.peer.request("close", { sock: this.id }).catch(() => {});
  }
}

describe("draft sockets interop with libzmq", () => {
  let peer: Peer | undefined;
  before(async () => {
    peer = await Peer.start("libzmq draft peer", nodeBin(), [join(ROOT, "tests", "interop", "draft_peer.mjs")]);
  });
  after(async () => {
    await peer?.stop();
    removeIpcFiles();
  });
  const libzmq = () => {
    if (!peer) throw new Error("The libzmq peer did not start");
    return peer;
  };

  /** Binds `ours` or the remote one and connects the other; returns nothing, both are linked after. */
  async function link(
    ours: { bind(a: string): Promise<void>; connect(a: string): void; lastEndpoint: string | null },
    theirs: Remote,
    transport: TransportName,
    oursBinds: boolean,
  ): Promise<void> {
    if (oursBinds) {
      await ours.bind(anyEndpoint(transport));
      await theirs.connect(ours.lastEndpoint!);
    } else {
      ours.connect(await theirs.bind(anyEndpoint(transport)));
    }
  }

  for (const transport of ["tcp", "ipc"] as const) {
    for (const oursBinds of [true, false]) {
      const how = `${transport}, ${oursBinds ? "ours binds" : "libzmq binds"}`;

      test(`our CLIENT ↔ libzmq SERVER (${how})`, T, async () => {
        const client = new Client({ receiveTimeout: IO, linger: 0 });
        const server = await Remote.create(libzmq(), "Server");
        try {
          await withTimeout(IO * 3, "client/server", async () => {
            await link(client, server, transport, oursBinds);
            await client.send("ping");
            const got = await server.receive();
            assert.deepEqual(got.parts.map((p) => dec.decode(p)), ["ping"]);
            assert.equal(typeof got.routingId, "number");
            await server.send(["pong"], got.routingId);
            assert.deepEqual((await client.receive()).map((p) => dec.decode(p)), ["pong"]);
          });
        } finally {
          client.close();
          await server.close();
        }
      });

      test(`libzmq CLIENT ↔ our SERVER (${how})`, T, async () => {
        const server = new Server({ receiveTimeout: IO, linger: 0 });
        const client = await Remote.create(libzmq(), "Client");
        try {
          await withTimeout(IO * 3, "server/client", async () => {
            await link(server, client, transport, oursBinds);
            await client.send([new Uint8Array([0, 1, 255])]);
            const [msg, { routingId }] = await server.receive();
            assert.deepEqual([...msg], [0, 1, 255]);
            await server.send("reply", { routingId });
            assert.deepEqual((await client.receive()).parts.map((p) => dec.decode(p)), ["reply"]);
          });
        } finally {
          server.close();
          await client.close();
        }
      });

      test(`our SCATTER → libzmq GATHER and libzmq SCATTER → our GATHER (${how})`, T, async () => {
        const scatter = new Scatter({ linger: 0 });
        const gather = new Gather({ receiveTimeout: IO, linger: 0 });
        const theirGather = await Remote.create(libzmq(), "Gather");
        const theirScatter = await Remote.create(libzmq(), "Scatter");
        try {
          await withTimeout(IO * 3, "scatter/gather", async () => {
            await link(scatter, theirGather, transport, oursBinds);
            await link(gather, theirScatter, transport, oursBinds);
            await scatter.send("to libzmq");
            assert.deepEqual((await theirGather.receive()).parts.map((p) => dec.decode(p)), ["to libzmq"]);
            await theirScatter.send(["from libzmq"]);
            assert.deepEqual((await gather.receive()).map((p) => dec.decode(p)), ["from libzmq"]);
          });
        } finally {
          scatter.close();
          gather.close();
          await theirGather.close();
          await theirScatter.close();
        }
      });

      test(`our CHANNEL ↔ libzmq CHANNEL (${how})`, T, async () => {
        const channel = new Channel({ receiveTimeout: IO, linger: 0 });
        const theirs = await Remote.create(libzmq(), "Channel");
        try {
          await withTimeout(IO * 3, "channel", async () => {
            await link(channel, theirs, transport, oursBinds);
            await channel.send("ping");
            assert.deepEqual((await theirs.receive()).parts.map((p) => dec.decode(p)), ["ping"]);
            await theirs.send(["pong"]);
            assert.deepEqual((await channel.receive()).map((p) => dec.decode(p)), ["pong"]);
          });
        } finally {
          channel.close();
          await theirs.close();
        }
      });
    }
  }

  // RFC 23 §2.4 and RFC 41: CLIENT pairs only with SERVER. Whichever side
  // reads the other's READY first refuses it; the other may then see only the
  // connection closing mid-handshake (on a loaded machine, on every retry),
  // which is a failed handshake too. Neither of ours ever completes one.
  test("libzmq refuses our CLIENT on its GATHER, and ours refuses its CLIENT on our GATHER", T, async () => {
    const client = new Client({ linger: 0 });
    const gather = new Gather({ linger: 0 });
    const theirGather = await Remote.create(libzmq(), "Gather");
    const theirClient = await Remote.create(libzmq(), "Client");
    const failed = (s: Client | Gather) =>
      new Promise<void>((r) => {
        s.events.on("handshake:error:protocol", () => r());
        s.events.on("handshake:error:other", () => r());
      });
    let completed = 0;
    client.events.on("handshake", () => completed++);
    gather.events.on("handshake", () => completed++);
    try {
      await withTimeout(IO * 2, "refusals", async () => {
        const ep = await theirGather.bind("tcp://127.0.0.1:*");
        const refusedByThem = failed(client);
        client.connect(ep);
        await refusedByThem;
        await gather.bind("tcp://127.0.0.1:*");
        const refusedByUs = failed(gather);
        await theirClient.connect(gather.lastEndpoint!);
        await refusedByUs;
      });
      assert.equal(completed, 0, "a CLIENT and a GATHER completed a handshake");
    } finally {
      client.close();
      gather.close();
      await theirGather.close();
      await theirClient.close();
    }
  });

  test("our DGRAM ↔ libzmq DGRAM over udp://, both ways", T, async () => {
    const ours = new Datagram({ receiveTimeout: IO, linger: 0 });
    const theirs = await Remote.create(libzmq(), "Datagram");
    try {
      await withTimeout(IO * 3, "dgram", async () => {
        await ours.bind("udp://127.0.0.1:*");
        const ourAddress = ours.lastEndpoint!.slice("udp://".length);
        // libzmq's udp bind does not resolve port 0: take one ours found free.
        const probe = new Datagram({ linger: 0 });
        await probe.bind("udp://127.0.0.1:*");
        const theirEndpoint = probe.lastEndpoint!;
        probe.close();
        await theirs.bind(theirEndpoint);
        await theirs.send([ourAddress, "from libzmq"]);
        const [from, body] = await ours.receive();
        assert.equal(dec.decode(body), "from libzmq");
        assert.equal(dec.decode(from), `${theirEndpoint.slice("udp://".length)}\0`);
        await ours.send([from, "reply"]);
        const back = await theirs.receive();
        assert.equal(dec.decode(back.parts[1]), "reply");
        assert.equal(dec.decode(back.parts[0]), `${ourAddress}\0`);
      });
    } finally {
      ours.close();
      await theirs.close();
    }
  });
});
