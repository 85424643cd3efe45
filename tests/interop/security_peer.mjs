// The libzmq side of the security interop tests: zeromq.js 6 (libzmq 4.3.5
// with CURVE) on Node, worked over stdin/stdout one JSON object a line, like
// _peer_core.mjs, plus a ZAP handler and per-type event logs.
//
//   node tests/interop/security_peer.mjs
//
// Ops: keypair -> {publicKey, secretKey}; zap {policy} starts the ZAP handler
// (a ROUTER on inproc://zeromq.zap.01) or sets its policy; zapLog -> {requests}; new {type,
// options} -> {sock}; bind {sock, endpoint} -> {endpoint}; connect; send {sock,
// msg}; recv {sock} -> {msg}; subscribe {sock, topic}; events {sock} ->
// {counts, errors}; close {sock}; exit. Frames travel base64-encoded.
//
// A ZAP policy: {plain?: {user: password}, curve?: "any" | [z85 keys],
// null?: boolean, userId?: string, status?: "300"|"400"|"500"} - credentials
// that match are admitted ("200", User-Id = username, key or `userId`), others
// get `status` (default "400").

import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import process from "node:process";
import { createInterface } from "node:readline";

const zmq = createRequire(import.meta.url)("zeromq");
const EVENTS = [
  "accept",
  "connect",
  "connect:retry",
  "disconnect",
  "handshake",
  "handshake:error:auth",
  "handshake:error:protocol",
  "handshake:error:other",
];

const socks = new Map();
let nextSock = 1;
let zap = null;
let zapPolicy = {};
const zapLog = [];
const say = (obj, then) => process.stdout.write(JSON.stringify(obj) + "\n", then);
const b64 = (f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString("base64");
const enc = (msg) => msg.map(b64);
const dec = (msg) => msg.map((s) => new Uint8Array(Buffer.from(s, "base64")));

function exit(code = 0) {
  for (const { sock } of socks.values()) sock.close();
  zap?.close();
  say({ bye: true }, () => process.exit(code));
  setTimeout(() => process.exit(code), 500).unref();
}
let idle = setTimeout(() => exit(3), 60000);
setTimeout(() => exit(4), 300000).unref();

async function serveZap(router) {
  for await (const [id, delim, version, reqId, domain, address, _identity, mech, ...creds] of router) {
    const mechanism = mech.toString();
    const policy = zapPolicy;
    const entry = { domain: domain.toString(), address: address.toString(), mechanism, credentials: creds.map(b64) };
    zapLog.push(entry);
    let userId = "";
    let ok = false;
    if (mechanism === "NULL") ok = policy.null === true;
    if (mechanism === "PLAIN") {
      const [u, p] = creds.map((c) => c.toString());
      ok = policy.plain?.[u] === p;
      userId = u;
    }
    if (mechanism === "CURVE") {
      const key = z85(creds[0]);
      ok = policy.curve === "any" || (Array.isArray(policy.curve) && policy.curve.includes(key));
      userId = key;
    }
    const status = ok ? "200" : policy.status ?? "400";
    await router.send([id, delim, version, reqId, status, ok ? "OK" : "Denied", ok ? policy.userId ?? userId : "", ""]);
  }
}

// Z85 (RFC 32), for logging CURVE keys the way the tests name them.
function z85(data) {
  const A = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  let out = "";
  for (let i = 0; i < data.length; i += 4) {
    let v = data.readUInt32BE(i);
    let chunk = "";
    for (let j = 0; j < 5; j++) {
      chunk = A[v % 85] + chunk;
      v = Math.floor(v / 85);
    }
    out += chunk;
  }
  return out;
}

const get = (id) => {
  const s = socks.get(id);
  if (!s) throw Object.assign(new Error(`no socket ${id}`), { code: "ENOENT" });
  return s;
};

const ops = {
  keypair() {
    return zmq.curveKeyPair();
  },
  async zap({ policy }) {
    zapPolicy = policy;
    if (zap === null) {
      zap = new zmq.Router({ linger: 0 });
      await zap.bind("inproc://zeromq.zap.01");
      serveZap(zap).catch(() => {});
    }
    return {};
  },
  zapLog() {
    return { requests: zapLog.splice(0) };
  },
  new({ type, options }) {
    const sock = new zmq[type]({ linger: 0, ...options });
    for (const t of ["receiveTimeout", "sendTimeout"]) if (t in sock) sock[t] = 4000;
    const counts = {};
    const errors = [];
    for (const e of EVENTS) {
      counts[e] = 0;
      sock.events.on(e, (ev) => {
        counts[e]++;
        if (ev.error) errors.push(`${e}: ${ev.error.message}`);
      });
    }
    const id = nextSock++;
    socks.set(id, { sock, counts, errors });
    return { sock: id };
  },
  async bind({ sock, endpoint }) {
    const s = get(sock).sock;
    await s.bind(endpoint);
    return { endpoint: s.lastEndpoint };
  },
  connect({ sock, endpoint }) {
    get(sock).sock.connect(endpoint);
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
  events({ sock }) {
    const s = get(sock);
    return { counts: { ...s.counts }, errors: [...s.errors] };
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

createInterface({ input: process.stdin }).on("line", async (line) => {
  if (line.trim() === "") return;
  clearTimeout(idle);
  idle = setTimeout(() => exit(3), 60000);
  let req;
  try {
    req = JSON.parse(line);
  } catch {
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
}).on("close", () => exit(0));
say({ ready: true, peer: `libzmq ${zmq.version}` });
