// The RADIO/DISH peer of tests/interop/radio_dish_interop_test.ts: a process
// owning Radio and Dish sockets of zeromq.js's draft API (libzmq 4.3.5), or
// of this library when given its module URL (same API), worked over
// stdin/stdout with the line protocol of tests/interop/_harness.ts's Peer:
//
//   stdin:  {"id": 1, "op": "new", "type": "Dish", "options": {...}}
//   stdout: {"id": 1, "ok": {...}}  or  {"id": 1, "error": {"code", "message"}}
//
// Ops: new {type, options} -> {sock}; bind {sock, endpoint} -> {endpoint};
// connect {sock, endpoint}; join/leave {sock, group}; send {sock, group, body};
// recv {sock} -> {group, body}; close {sock}; exit. Bodies and groups travel
// base64-encoded. The process exits when stdin closes or after 60 s idle.
//
//   node tests/interop/radio_dish_peer.mjs [module-url]
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import process from "node:process";
import { createInterface } from "node:readline";

const url = (globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2))[0];
const zmq = url ? await import(url) : createRequire(import.meta.url)("zeromq/draft");
const socks = new Map();
let next = 1;

const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const b64 = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
const unb64 = (s) => new Uint8Array(Buffer.from(s, "base64"));
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
    if (type !== "Radio" && type !== "Dish") throw Object.assign(new Error(`no type ${type}`), { code: "EINVAL" });
    const id = next++;
    socks.set(id, new zmq[type]({ linger: 0, ...options }));
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
  join({ sock, group }) {
    get(sock).join(Buffer.from(unb64(group)));
    return {};
  },
  leave({ sock, group }) {
    get(sock).leave(Buffer.from(unb64(group)));
    return {};
  },
  async send({ sock, group, body }) {
    await get(sock).send(Buffer.from(unb64(body)), { group: Buffer.from(unb64(group)) });
    return {};
  },
  async recv({ sock }) {
    const [body, { group }] = await get(sock).receive();
    return { group: b64(group), body: b64(body) };
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
say({ ready: true, peer: url ? `zmtp ${url}` : `libzmq ${createRequire(import.meta.url)("zeromq").version}` });
