// The draft-socket peer of tests/interop/draft_sockets_interop_test.ts: a
// Node process owning Server, Client, Scatter, Gather, Channel and Datagram
// sockets of zeromq.js's draft API (libzmq 4.3.5), worked over stdin/stdout
// with the line protocol of tests/interop/_harness.ts's Peer:
//
//   stdin:  {"id": 1, "op": "new", "type": "Server", "options": {...}}
//   stdout: {"id": 1, "ok": {...}}  or  {"id": 1, "error": {"code", "message"}}
//
// Ops: new {type, options} -> {sock}; bind {sock, endpoint} -> {endpoint};
// connect {sock, endpoint}; send {sock, parts, routingId?}; recv {sock} ->
// {parts, routingId?}; close {sock}; exit. Parts travel base64-encoded.
// zeromq.js has no Channel class: it is its base Socket made with libzmq's
// ZMQ_CHANNEL (20). The process exits when stdin closes or after 60 s idle.
//
//   node tests/interop/draft_peer.mjs
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import process from "node:process";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);
const zmq = require("zeromq");
const draft = require("zeromq/draft");
const ZMQ_CHANNEL = 20;
class Channel extends zmq.Socket {
  constructor(options) {
    super(ZMQ_CHANNEL, options);
  }
}
const TYPES = { ...draft, Channel };
const socks = new Map();
let next = 1;

const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const b64 = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
const unb64 = (s) => Buffer.from(s, "base64");
const get = (id) => {
  const s = socks.get(id);
  if (!s) throw Object.assign(new Error(`no socket ${id}`), { code: "ENOENT" });
  return s;
};
const exit = () => {
  for (const s of socks.values()) s.close();
  process.stdout.write(JSON.stringify({ bye: true }) + "\n", () => process.exit(0));
};

const ops = {
  new({ type, options }) {
    if (!["Server", "Client", "Scatter", "Gather", "Channel", "Datagram"].includes(type)) {
      throw Object.assign(new Error(`no type ${type}`), { code: "EINVAL" });
    }
    const id = next++;
    const s = new TYPES[type]({ linger: 0 });
    // Options the type has (zeromq.js's Scatter has no receiveTimeout, its bare Socket none of the I/O ones).
    for (const [k, v] of Object.entries(options ?? {})) if (k in s) s[k] = v;
    socks.set(id, s);
    return { sock: id };
  },
  async bind({ sock, endpoint }) {
    await get(sock).bind(endpoint);
    return { endpoint: get(sock).lastEndpoint };
  },
  connect({ sock, endpoint }) {
    get(sock).connect(endpoint);
    return {};
  },
  async send({ sock, parts, routingId }) {
    const msg = parts.length === 1 ? unb64(parts[0]) : parts.map(unb64);
    await (routingId === undefined ? get(sock).send(msg) : get(sock).send(msg, { routingId }));
    return {};
  },
  async recv({ sock }) {
    const r = await get(sock).receive();
    const parts = r.filter((p) => p instanceof Uint8Array).map(b64);
    const meta = r.find((p) => !(p instanceof Uint8Array));
    return meta?.routingId === undefined ? { parts } : { parts, routingId: meta.routingId };
  },
  close({ sock }) {
    get(sock).close();
    socks.delete(sock);
    return {};
  },
  exit() {
    setTimeout(exit, 0);
    return {};
  },
};

let idle = setTimeout(exit, 60000);
createInterface({ input: process.stdin })
  .on("line", async (line) => {
    if (line.trim() === "") return;
    clearTimeout(idle);
    idle = setTimeout(exit, 60000);
    const req = JSON.parse(line);
    try {
      say({ id: req.id, ok: await ops[req.op](req) });
    } catch (e) {
      say({ id: req.id, error: { code: e.code ?? "EUNKNOWN", message: String(e.message ?? e) } });
    }
  })
  .on("close", exit);
say({ ready: true, peer: `libzmq ${zmq.version}` });
