// libzmq's side of tests/interop/ws_interop_test.ts: zeromq.js (libzmq 4.3.5,
// whose ws:// transport speaks ZWS 2.0) worked over stdin/stdout, one JSON
// object a line. Runs under `node` only (zeromq.js does not load in Bun).
//
// In:  {"id": 1, "op": "new", "type": "Reply", "options": {...}}
// Out: {"id": 1, "ok": {...}}  or  {"id": 1, "error": "message"}
// First line out: {"ready": true, "version": "4.3.5"}, or {"ready": false, "error": ...}
// when zeromq.js cannot be loaded. Frames travel base64-encoded.
//
// Ops: new {type, options} -> {sock}; bind {sock, endpoint} -> {endpoint};
// connect {sock, endpoint}; send {sock, msg}; recv {sock, timeout} -> {msg};
// subscribe {sock, topic}; close {sock}; zap {} starts a ZAP handler that admits
// PLAIN user "ann" with password "secret" (and any CURVE client). Exits when
// stdin closes, or after 60 s.

"use strict";

const readline = require("node:readline");

const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

let zmq;
try {
  zmq = require("zeromq");
} catch (e) {
  say({ ready: false, error: String(e && e.message) });
  process.exit(0);
}

const socks = new Map();
let next = 1;
let zap = null;

function get(id) {
  const s = socks.get(id);
  if (!s) throw new Error(`no socket ${id}`);
  return s;
}

const b64 = (f) => Buffer.from(f).toString("base64");

const ops = {
  new({ type, options }) {
    const sock = new zmq[type]({ linger: 0, ...options });
    const id = next++;
    socks.set(id, sock);
    return { sock: id };
  },
  async bind({ sock, endpoint }) {
    const s = get(sock);
    await s.bind(endpoint);
    return { endpoint: s.lastEndpoint };
  },
  connect({ sock, endpoint }) {
    get(sock).connect(endpoint);
    return {};
  },
  async send({ sock, msg }) {
    await get(sock).send(msg.map((f) => Buffer.from(f, "base64")));
    return {};
  },
  async recv({ sock, timeout }) {
    const s = get(sock);
    s.receiveTimeout = timeout ?? 3000;
    const msg = await s.receive();
    return { msg: msg.map(b64) };
  },
  subscribe({ sock, topic }) {
    get(sock).subscribe(topic);
    return {};
  },
  async zap() {
    if (zap) return {};
    zap = new zmq.Router({ linger: 0 });
    await zap.bind("inproc://zeromq.zap.01");
    (async () => {
      for await (const [id, empty, version, request, , , , mechanism, ...creds] of zap) {
        const plain = mechanism.toString() === "PLAIN";
        const ok = !plain || (String(creds[0]) === "ann" && String(creds[1]) === "secret");
        await zap.send([id, empty, version, request, ok ? "200" : "400", ok ? "OK" : "Denied", ok ? "ann" : "", ""]);
      }
    })().catch(() => {});
    return {};
  },
  close({ sock }) {
    get(sock).close();
    socks.delete(sock);
    return {};
  },
};

function exit() {
  for (const s of socks.values()) s.close();
  if (zap) zap.close();
  process.exit(0);
}

setTimeout(exit, 60000).unref();
const rl = readline.createInterface({ input: process.stdin });
rl.on("close", exit);
rl.on("line", async (line) => {
  let req;
  try {
    req = JSON.parse(line);
  } catch {
    return;
  }
  try {
    say({ id: req.id, ok: await ops[req.op](req) });
  } catch (e) {
    say({ id: req.id, error: String(e && e.message), code: e && e.code });
  }
});

say({ ready: true, version: zmq.version });
