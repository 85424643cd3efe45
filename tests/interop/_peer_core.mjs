// The remote-control peer used by the interop tests: a process that owns
// ZeroMQ sockets and works them on request, one JSON object per line.
// libzmq_peer.mjs runs it over zeromq.js (libzmq); _our_peer.mjs over this
// library on Deno, Bun or Node. Both libraries share zeromq.js v6's API, so
// this file drives either one.
//
// stdin, one request a line:  {"id": 1, "op": "new", "type": "Pull", "options": {...}}
// stdout, one answer a line:  {"id": 1, "ok": {...}}  or  {"id": 1, "error": {"code", "message"}}
// First line out: {"ready": true, "peer": "<name>"}. Frames travel base64-encoded.
//
// Ops: new {type, options} -> {sock}; bind {sock, endpoint} -> {endpoint};
// connect {sock, endpoint, routingId?}; send {sock, msg}; recv {sock} -> {msg};
// subscribe/unsubscribe {sock, topic}; events {sock} -> {counts}; close {sock};
// rawOption {sock, option, int | string}: a libzmq option by number (zeromq.js);
// sendMany {sock, n}: sends bulkMessage(0..n-1); recvMany {sock, n, delay?, partial?}:
// waits `delay` ms, receives n messages and checks each against bulkMessage(i)
// -> {count, mismatch} (mismatch: the first wrong index, or -1); with
// `partial`, a receive that times out (EAGAIN) ends it early, count says how far;
// exit. The process exits by itself when stdin closes, after `idle` ms
// without a request, or after `life` ms in all.

import { Buffer } from "node:buffer";
import process from "node:process";
import { createInterface } from "node:readline";

const EVENTS = [
  "accept",
  "connect",
  "disconnect",
  "handshake",
  "connect:retry",
  "handshake:error:protocol",
  "handshake:error:other",
];

/**
 * Message `i` of a bulk run: 1 to 3 parts of 0 to 1499 bytes (short and long
 * frames), contents depending on i. Same as bulkMessage() in _harness.ts.
 */
export function bulkMessage(i) {
  const msg = [];
  for (let j = 0; j <= i % 3; j++) {
    const f = new Uint8Array((i * 7919 + j * 104729) % 1500);
    for (let k = 0; k < f.length; k++) f[k] = (i + j * 31 + k) & 0xff;
    msg.push(f);
  }
  return msg;
}

function sameMsg(a, b) {
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) {
    if (a[j].length !== b[j].length) return false;
    for (let k = 0; k < a[j].length; k++) if (a[j][k] !== b[j][k]) return false;
  }
  return true;
}

/**
 * Serves requests over stdin/stdout until told to exit.
 *
 * @param zmq The library's module: zeromq.js or ours.
 * @param name How the peer introduces itself.
 * @param limits `idle` and `life` timeouts in ms.
 */
export function runPeer(zmq, name, { idle = 30000, life = 120000 } = {}) {
  const socks = new Map();
  let nextSock = 1;
  let exiting = false;

  const say = (obj, then) => process.stdout.write(JSON.stringify(obj) + "\n", then);
  const enc = (msg) => msg.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString("base64"));
  const dec = (msg) => msg.map((s) => new Uint8Array(Buffer.from(s, "base64")));

  const exit = (code = 0) => {
    if (exiting) return;
    exiting = true;
    for (const { sock } of socks.values()) {
      try {
        sock.close();
      } catch { /* already closed */ }
    }
    // Let stdout drain, then go; don't wait for anything else.
    say({ bye: true }, () => process.exit(code));
    setTimeout(() => process.exit(code), 500).unref?.();
  };

  let idleTimer = setTimeout(() => exit(3), idle);
  setTimeout(() => exit(4), life).unref?.();

  const get = (id) => {
    const s = socks.get(id);
    if (!s) throw Object.assign(new Error(`no socket ${id}`), { code: "ENOENT" });
    return s;
  };

  const ops = {
    new({ type, options }) {
      const Cls = zmq[type];
      if (typeof Cls !== "function") throw Object.assign(new Error(`no socket type ${type}`), { code: "EINVAL" });
      const sock = new Cls({ linger: 0, ...options });
      const counts = {};
      for (const e of EVENTS) {
        counts[e] = 0;
        sock.events.on(e, () => counts[e]++);
      }
      const id = nextSock++;
      socks.set(id, { sock, counts });
      return { sock: id };
    },
    async bind({ sock, endpoint }) {
      const { sock: s } = get(sock);
      await s.bind(endpoint);
      return { endpoint: s.lastEndpoint };
    },
    connect({ sock, endpoint, routingId }) {
      const s = get(sock).sock;
      if (routingId === undefined) s.connect(endpoint);
      else s.connect(endpoint, { routingId });
      return {};
    },
    async send({ sock, msg }) {
      await get(sock).sock.send(dec(msg));
      return {};
    },
    async recv({ sock }) {
      return { msg: enc(await get(sock).sock.receive()) };
    },
    subscribe({ sock, topic }) {
      get(sock).sock.subscribe(dec([topic])[0]);
      return {};
    },
    unsubscribe({ sock, topic }) {
      get(sock).sock.unsubscribe(dec([topic])[0]);
      return {};
    },
    async sendMany({ sock, n }) {
      const s = get(sock).sock;
      for (let i = 0; i < n; i++) await s.send(bulkMessage(i));
      return {};
    },
    async recvMany({ sock, n, delay = 0, partial = false }) {
      const s = get(sock).sock;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      let mismatch = -1;
      let count = 0;
      for (; count < n; count++) {
        let m;
        try {
          m = await s.receive();
        } catch (e) {
          if (partial && e?.code === "EAGAIN") break;
          throw e;
        }
        if (mismatch < 0 && !sameMsg(m, bulkMessage(count))) mismatch = count;
      }
      return { count, mismatch };
    },
    events({ sock }) {
      return { counts: { ...get(sock).counts } };
    },
    // libzmq's draft options zeromq.js has no property for, by number (zeromq.js only).
    rawOption({ sock, option, int, string }) {
      const s = get(sock).sock;
      if (int !== undefined) s.setInt32Option(option, int);
      else s.setStringOption(option, string);
      return {};
    },
    close({ sock }) {
      const s = get(sock);
      socks.delete(sock);
      s.sock.close();
      return {};
    },
    exit() {
      exit(0);
      return {};
    },
  };

  const rl = createInterface({ input: process.stdin });
  rl.on("line", async (line) => {
    if (line.trim() === "") return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => exit(3), idle);
    let req;
    try {
      req = JSON.parse(line);
    } catch {
      say({ error: { code: "EPROTO", message: `not JSON: ${line.slice(0, 80)}` } });
      return;
    }
    try {
      const op = ops[req.op];
      if (!op) throw Object.assign(new Error(`unknown op ${req.op}`), { code: "EINVAL" });
      const ok = await op(req);
      if (req.op !== "exit") say({ id: req.id, ok });
    } catch (e) {
      say({ id: req.id, error: { code: e?.code ?? "EUNKNOWN", message: String(e?.message ?? e) } });
    }
  });
  // The test went away: nothing more to do.
  rl.on("close", () => exit(0));
  say({ ready: true, peer: name });
}
