// This library as an interop peer in another process, on Deno, Bun or Node,
// worked by the test over stdin/stdout (the protocol is in _peer_core.mjs).
//
//   deno run -A tests/interop/_our_peer.mjs <file URL of mod.ts>
//   bun tests/interop/_our_peer.mjs <file URL of mod.ts>
//   node tests/interop/_our_peer.mjs <file URL of the built mod.js>
import process from "node:process";
import { runPeer } from "./_peer_core.mjs";

const [lib, idle = "30000"] = process.argv.slice(2);
const zmq = await import(lib);
const g = globalThis;
const runtime = g.Bun
  ? `Bun ${g.Bun.version}`
  : g.Deno
  ? `Deno ${g.Deno.version.deno}`
  : `Node ${process.versions.node}`;
runPeer(zmq, `ours on ${runtime}`, { idle: Number(idle) });
