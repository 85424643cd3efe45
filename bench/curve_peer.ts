// The two ends of a CURVE PUSH -> PULL throughput run in separate
// processes, for bench/ab.mjs with AB_CURVE=1; bench/peers/peer.ts's recv
// and send roles with the CURVE options set. Fixed keys: this measures
// throughput, not secrecy. The library comes from ZMTP_BENCH_LIB as for
// peer.ts (a module URL), or this tree's mod.ts.
//
//   curve_peer.ts recv <bind-endpoint> <size> <count>   prints {"ready"}, then {"results"}
//   curve_peer.ts send <connect-endpoint> <size> <count>

import process from "node:process";
import type * as Zmq from "../mod.ts";

const [role, endpoint, sizeArg, countArg] = process.argv.slice(2);
const size = Number(sizeArg), count = Number(countArg);
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const zmq: typeof Zmq = await import(process.env.ZMTP_BENCH_LIB || new URL(`../mod${ext}`, import.meta.url).href);

const serverSecret = new Uint8Array(32).fill(1), clientSecret = new Uint8Array(32).fill(2);
const server = { curveServer: true, curveSecretKey: serverSecret };
const client = {
  curveServerKey: zmq.curvePublicKey(serverSecret),
  curvePublicKey: zmq.curvePublicKey(clientSecret),
  curveSecretKey: clientSecret,
};
// As peer.ts: a quarter of the count again, untimed, to warm the JIT.
const warmup = Math.floor(count / 4);

if (role === "recv") {
  const pull = new zmq.Pull({ linger: 0, ...server });
  await pull.bind(endpoint);
  console.log(JSON.stringify({ ready: pull.lastEndpoint }));
  let start = 0;
  for (let i = -warmup; i < count; i++) {
    const [m] = await pull.receive();
    if (m.length !== size) throw new Error(`message ${i} has ${m.length} bytes, expected ${size}`);
    if (i === -1) start = performance.now();
  }
  const secs = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ results: [{ size, msgs: count, secs, msgPerSec: count / secs }] }));
  pull.close();
} else if (role === "send") {
  const push = new zmq.Push({ ...client });
  push.connect(endpoint);
  const body = new Uint8Array(size);
  for (let i = 0; i < count + warmup; i++) await push.send(body);
  push.close();
} else {
  console.error("usage: curve_peer.ts recv|send <endpoint> <size> <count>");
  process.exit(2);
}
