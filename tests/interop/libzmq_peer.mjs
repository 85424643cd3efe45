// The libzmq peer of the interop tests: zeromq.js 6 (libzmq 4.3.5) on Node,
// worked by the test over stdin/stdout (the protocol is in _peer_core.mjs).
//
//   node tests/interop/libzmq_peer.mjs [idleMs]
import { createRequire } from "node:module";
import { runPeer } from "./_peer_core.mjs";

const zmq = createRequire(import.meta.url)("zeromq");
const idle = Number(process.argv[2] ?? 30000);
runPeer(zmq, `libzmq ${zmq.version}`, { idle });
