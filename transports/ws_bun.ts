/**
 * `ws://`/`wss://` servers on Bun: Bun.serve with its websocket handlers.
 * Loaded by ws_server.ts when Bun runs.
 *
 * @module
 */

import type { Endpoint } from "../lib/endpoint.ts";
import { HandshakeError } from "../lib/errors.ts";
import type { WsPort, WsTlsOptions, ZwsConnection } from "./websocket.ts";
import { hostPort, MAX_PAYLOAD, pem, type ServerHandle, type ServerSide, UPGRADE_REQUIRED } from "./ws_shared.ts";

// deno-lint-ignore no-explicit-any
type BunWs = any;
// deno-lint-ignore no-explicit-any
const B = (globalThis as any).Bun;

function bunPort(ws: BunWs): WsPort {
  return {
    send: (data) => ws.send(data),
    bufferedAmount: () => ws.getBufferedAmount?.() ?? 0,
    close: (code, reason) => ws.close(code, reason.slice(0, 60)),
    ping: () => ws.ping(),
    terminate: typeof ws.terminate === "function" ? () => ws.terminate() : undefined,
    // Bun 1.2+ can stop reading a WebSocket: real backpressure to the sender.
    pause: typeof ws.pause === "function" ? () => ws.pause() : undefined,
    resume: typeof ws.resume === "function" ? () => ws.resume() : undefined,
  };
}

/** Serves `ep` with Bun.serve; every upgrade goes through `side.decide`. */
export function serveBun(ep: Endpoint, side: ServerSide, tls?: WsTlsOptions): Promise<ServerHandle> {
  // deno-lint-ignore no-explicit-any
  let bunServer: any;
  try {
    bunServer = B.serve({
      hostname: ep.host,
      port: ep.port,
      reusePort: false,
      ...(ep.scheme === "wss" ? { tls: { cert: pem(tls!.cert), key: pem(tls!.key) } } : {}),
      // deno-lint-ignore no-explicit-any
      fetch(req: Request, srv: any): Response | undefined {
        if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
          return new Response(UPGRADE_REQUIRED, { status: 426 });
        }
        const ip = srv.requestIP(req);
        const remote = ip ? hostPort(ip.address, ip.port) : "unknown";
        const d = side.decide(new URL(req.url).pathname, req.headers.get("sec-websocket-protocol"), remote);
        if ("status" in d) return new Response(d.reason + "\n", { status: d.status });
        const ok = srv.upgrade(req, { data: d.conn, headers: { "Sec-WebSocket-Protocol": d.protocol } });
        if (ok) return undefined;
        d.conn.abort(new HandshakeError("WebSocket upgrade failed"));
        return new Response("Bad WebSocket upgrade\n", { status: 400 });
      },
      websocket: {
        maxPayloadLength: MAX_PAYLOAD,
        perMessageDeflate: false,
        open(ws: BunWs) {
          (ws.data as ZwsConnection).attach(bunPort(ws));
        },
        message(ws: BunWs, m: string | Uint8Array) {
          (ws.data as ZwsConnection).message(
            typeof m === "string" ? m : new Uint8Array(m.buffer, m.byteOffset, m.byteLength),
          );
        },
        close(ws: BunWs, code: number, reason: string) {
          (ws.data as ZwsConnection).closed(code, reason);
        },
        drain(ws: BunWs) {
          (ws.data as ZwsConnection).drained();
        },
        pong(ws: BunWs) {
          (ws.data as ZwsConnection).pong();
        },
      },
    });
  } catch (e) {
    return Promise.reject(e);
  }
  return Promise.resolve({
    host: ep.host,
    port: bunServer.port,
    stop() {
      bunServer.stop(false);
    },
    unref: () => bunServer.unref?.(),
  });
}
