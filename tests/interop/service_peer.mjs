// The good libzmq client of tests/hostile_test.ts and tests/fuzz_test.ts:
// zeromq.js 6 (libzmq 4.3.5) on Node, worked like _peer_core.mjs over
// stdin/stdout, one JSON object a line (so it serves Bun too, where zeromq.js
// cannot load). Each op connects one libzmq socket to one of our bound
// sockets and checks that it gets full service.
//
//   node tests/interop/service_peer.mjs
//
// Ops: keypair -> {publicKey, secretKey};
// serve {kind, endpoint, n, options, timeout} -> {count, mismatch, error}:
//   push    PUSH sends bulkMessage(0..n-1) (the other side counts them)
//   dealer  DEALER (routing id "good") sends n, then receives n back
//   req     REQ makes n round trips of bulkMessage(i), each echoed
//   sub     SUB subscribes to everything and receives n
//   xpub    XPUB waits for a subscription, then sends n
// `count` is how many messages (or round trips) went through intact,
// `mismatch` the first index that came back wrong (-1 if none), `error` why
// the run stopped early (a timeout, say); the socket is closed after.
// exit. The process exits when stdin closes or after `idle` ms without a request.

import { createRequire } from "node:module";
import process from "node:process";
import { createInterface } from "node:readline";
import { bulkMessage } from "./_peer_core.mjs";

const zmq = createRequire(import.meta.url)("zeromq");
const say = (obj, then) => process.stdout.write(JSON.stringify(obj) + "\n", then);

function same(a, b) {
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) {
    if (a[j].length !== b[j].length) return false;
    for (let k = 0; k < a[j].length; k++) if (a[j][k] !== b[j][k]) return false;
  }
  return true;
}

const TYPES = { push: "Push", dealer: "Dealer", req: "Request", sub: "Subscriber", xpub: "XPublisher" };

async function serve({ kind, endpoint, n, options = {}, timeout = 10000 }) {
  const Cls = zmq[TYPES[kind]];
  if (Cls === undefined) throw Object.assign(new Error(`unknown kind ${kind}`), { code: "EINVAL" });
  const io = kind === "push" ? { sendTimeout: timeout } : kind === "sub" ? { receiveTimeout: timeout } : {
    sendTimeout: timeout,
    receiveTimeout: timeout,
  };
  const extra = kind === "dealer"
    ? { routingId: "good" }
    : kind === "xpub"
    ? { sendHighWaterMark: 0 }
    : kind === "sub"
    ? { receiveHighWaterMark: 0 }
    : {};
  // A sender lingers: what it queued must still go out after close().
  const linger = kind === "push" || kind === "xpub" ? timeout : 0;
  const sock = new Cls({ linger, ...io, ...extra, ...options });
  let count = 0, mismatch = -1, error = null;
  const check = (got, i) => {
    if (same(got, bulkMessage(i))) count++;
    else if (mismatch < 0) mismatch = i;
  };
  try {
    sock.connect(endpoint);
    if (kind === "sub") sock.subscribe();
    if (kind === "xpub") await sock.receive(); // the subscription: the SUB is attached
    switch (kind) {
      case "push":
      case "xpub":
        for (let i = 0; i < n; i++) {
          await sock.send(bulkMessage(i));
          count++;
        }
        break;
      case "dealer":
        for (let i = 0; i < n; i++) await sock.send(bulkMessage(i));
        for (let i = 0; i < n; i++) check(await sock.receive(), i);
        break;
      case "req":
        for (let i = 0; i < n; i++) {
          await sock.send(bulkMessage(i));
          check(await sock.receive(), i);
        }
        break;
      case "sub":
        for (let i = 0; i < n; i++) check(await sock.receive(), i);
        break;
    }
  } catch (e) {
    error = `${e?.code ?? ""} ${e?.message ?? e}`.trim();
  } finally {
    sock.close();
  }
  return { count, mismatch, error };
}

const ops = {
  keypair: () => zmq.curveKeyPair(),
  serve,
  exit() {
    say({ bye: true }, () => process.exit(0));
    return undefined;
  },
};

let idleTimer = setTimeout(() => process.exit(3), 60000);
const rl = createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  if (line.trim() === "") return;
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => process.exit(3), 60000);
  let req;
  try {
    req = JSON.parse(line);
    const op = ops[req.op];
    if (!op) throw Object.assign(new Error(`unknown op ${req.op}`), { code: "EINVAL" });
    const ok = await op(req);
    if (ok !== undefined) say({ id: req.id, ok });
  } catch (e) {
    say({ id: req?.id, error: { code: e?.code ?? "EUNKNOWN", message: String(e?.message ?? e) } });
  }
});
rl.on("close", () => process.exit(0));
say({ ready: true, peer: `libzmq ${zmq.version}` });
