/**
 * Picks the TCP/IPC adapter for the running runtime: Bun's and Deno's
 * native sockets, node:net elsewhere. Importing this module registers it
 * for `tcp://` and `ipc://`.
 *
 * @module
 */

import type { Transport } from "../lib/transport.ts";
import { registerTransport } from "../lib/driver.ts";
import { setTracer } from "../lib/trace.ts";
import { registerChannelUnref, registerTimerRefs } from "../lib/keepalive.ts";
import { ipcTransport } from "./ipc.ts";
import { useSimd } from "../lib/zmtp/mechanisms/salsa.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** The runtime this module detected: "bun", "deno", "node" or "other". */
export const runtime: "bun" | "deno" | "node" | "other" = g.Bun !== undefined
  ? "bun"
  : g.Deno !== undefined
  ? "deno"
  : g.process?.versions?.node !== undefined
  ? "node"
  : "other";

// An environment variable, or undefined where reading it is not allowed;
// on Deno without asking (a prompt for a debug switch would be a surprise).
function env(name: string): string | undefined {
  try {
    if (g.Deno !== undefined) {
      if (g.Deno.permissions?.querySync?.({ name: "env", variable: name })?.state !== "granted") return undefined;
      return g.Deno.env.get(name);
    }
    return g.process?.env?.[name];
  } catch {
    return undefined;
  }
}

// CURVE's keystream: JavaScriptCore runs the SIMD path of salsa.wat slower
// than the scalar one (Bun 1.4, 1 KiB boxes: 283 k/s against 349 k/s;
// V8 1.6x faster with it), so Bun makes it one block at a time.
if (runtime === "bun") useSimd(false);

let chosen: Promise<Transport> | null = null;

function load(): Promise<Transport> {
  const override = env("ZMTP_TRANSPORT");
  const which = override ?? runtime;
  chosen ??= which === "bun"
    ? import("./bun.ts").then((m) => m.bunTransport)
    : which === "deno"
    ? import("./deno.ts").then((m) => m.denoTransport)
    : import("./node.ts").then((m) => m.nodeTransport);
  return chosen;
}

/** The transport for this runtime, loaded on first use. */
export const autoTransport: Transport = {
  async connect(ep, options) {
    return (await load()).connect(ep, options);
  },
  async listen(ep, onConnection, onError, options) {
    return (await load()).listen(ep, onConnection, onError, options);
  },
};

// Deno's timers are numbers: the library's keep-alive and its unreferenced
// timers (lib/keepalive.ts) go through Deno.refTimer/unrefTimer.
if (runtime === "deno" && typeof g.Deno.unrefTimer === "function") {
  registerTimerRefs({ ref: (t) => g.Deno.refTimer(t), unref: (t) => g.Deno.unrefTimer(t) });
  // Deno's BroadcastChannel has no public unref(); its own node:worker_threads
  // uses a symbol-keyed method of the prototype, which this looks up.
  registerChannelUnref((ch) => {
    const c = ch as unknown as Record<symbol, (on: boolean) => void>;
    const key = Object.getOwnPropertySymbols(Object.getPrototypeOf(ch)).find((s) =>
      s.description === "refBroadcastChannel"
    );
    if (key !== undefined && typeof c[key] === "function") c[key](false);
  });
}

// ZMTP_DEBUG=1 (any value but "" and "0"): every socket traces what it does to stderr (lib/trace.ts).
const debug = env("ZMTP_DEBUG");
if (debug !== undefined && debug !== "" && debug !== "0") setTracer((line) => console.error(`zmtp: ${line}`));

if (runtime !== "other") {
  registerTransport("tcp", autoTransport);
  registerTransport("ipc", ipcTransport(load, () => import("./node.ts").then((m) => m.nodeTransport)));
}
