// Hostile peers for fd_release_test.ts, in a process of their own (so that
// their file descriptors are not counted as the test's): on a "go" line on
// stdin, opens n raw node:net connections to an endpoint, each does its part
// of the ZMTP handshake and then goes silent: it stops reading, never sends
// again and never closes. The process is killed when the test is done.
//
//   node tests/_silent_peers.mjs <tcp://host:port | ipc://path> <n> <mode>
//
// Modes: "ready" (a NULL handshake as a PUSH, then silence), "mechanism"
// (a greeting naming an unknown mechanism), "type" (a NULL handshake as a
// PULL, which a PULL refuses with an ERROR), "mute" (sends nothing at all).
// stdout: {"ready": true} at start, {"connected": n} once all have done
// their part.
import * as net from "node:net";
import process from "node:process";
import { createInterface } from "node:readline";

const [endpoint, count, mode] = process.argv.slice(2);
const n = Number(count);

function greeting(mechanism) {
  const g = new Uint8Array(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 1;
  for (let i = 0; i < mechanism.length; i++) g[12 + i] = mechanism.charCodeAt(i);
  return g;
}

// READY with one property, Socket-Type (RFC 23), as a short command frame.
function ready(socketType) {
  const name = "Socket-Type";
  const body = [5, ..."READY"].map((c) => typeof c === "number" ? c : c.charCodeAt(0));
  body.push(name.length, ...[...name].map((c) => c.charCodeAt(0)));
  body.push(0, 0, 0, socketType.length, ...[...socketType].map((c) => c.charCodeAt(0)));
  return new Uint8Array([0x04, body.length, ...body]);
}

const out = mode === "mute"
  ? []
  : mode === "mechanism"
  ? [greeting("BOGUS")]
  : [greeting("NULL"), ready(mode === "type" ? "PULL" : "PUSH")];

const socks = [];
function open() {
  return new Promise((resolve, reject) => {
    const at = endpoint.lastIndexOf(":");
    const opts = endpoint.startsWith("ipc://")
      ? { path: endpoint.slice(6) }
      : { host: endpoint.slice(6, at), port: Number(endpoint.slice(at + 1)) };
    // Our end's FIN must not make node:net close this one.
    opts.allowHalfOpen = true;
    const s = net.createConnection(opts, () => {
      for (const b of out) s.write(b);
      // Silent from here on: no more reading, writing or closing.
      s.pause();
      resolve();
    });
    s.once("error", reject);
    socks.push(s);
  });
}

const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
createInterface({ input: process.stdin }).on("line", async (line) => {
  if (line.trim() !== "go") return;
  try {
    for (let i = 0; i < n; i++) await open();
    say({ connected: n });
  } catch (e) {
    say({ error: String(e?.message ?? e) });
  }
}).on("close", () => process.exit(0));
say({ ready: true });
