/**
 * `ws://`/`wss://` servers on Node: the `ws` package's WebSocketServer on
 * node:http/node:https. Loaded by ws_server.ts when Node runs.
 *
 * @module
 */

import type { Endpoint } from "../lib/endpoint.ts";
import { HandshakeError, ZmqError } from "../lib/errors.ts";
import { type WebSocketLike, wireWebSocket, type WsTlsOptions } from "./websocket.ts";
import { hostPort, MAX_PAYLOAD, pem, type ServerHandle, type ServerSide, UPGRADE_REQUIRED } from "./ws_shared.ts";

// A non-literal specifier: only a Node server loads the `ws` package.
const WS_PACKAGE = "ws";

// deno-lint-ignore no-explicit-any
let wsPackage: Promise<any> | null = null;
// deno-lint-ignore no-explicit-any
function loadWs(): Promise<any> {
  wsPackage ??= import(WS_PACKAGE).catch((e) => {
    wsPackage = null;
    throw new ZmqError("ENOTSUP", "ws:// on Node needs the `ws` package (npm install ws)", { cause: e });
  });
  return wsPackage;
}

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 404: "Not Found", 503: "Service Unavailable" };

/** Serves `ep` with the `ws` package; every upgrade goes through `side.decide`. */
export async function serveNode(ep: Endpoint, side: ServerSide, tls?: WsTlsOptions): Promise<ServerHandle> {
  const wsMod = await loadWs();
  const WebSocketServer = wsMod.WebSocketServer ?? wsMod.default?.WebSocketServer;
  const http = await import("node:http");
  const https = await import("node:https");
  const chosen = new WeakMap<object, string>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_PAYLOAD });
  // ws refuses libzmq's "ZWS2.0/NULL" (a "/" is not allowed in an RFC 6455
  // token), so we take the header away from it and answer it ourselves.
  wss.on("headers", (headers: string[], req: object) => {
    const p = chosen.get(req);
    if (p !== undefined) headers.push(`Sec-WebSocket-Protocol: ${p}`);
  });
  const onRequest = (_req: unknown, res: import("node:http").ServerResponse) => {
    res.writeHead(426, { "Content-Type": "text/plain" });
    res.end(UPGRADE_REQUIRED);
  };
  const httpServer = ep.scheme === "wss"
    ? https.createServer({ cert: pem(tls!.cert), key: pem(tls!.key) }, onRequest)
    : http.createServer(onRequest);
  httpServer.on("upgrade", (req, socket, head) => {
    socket.on("error", () => {/* reported through close */});
    // An accepted connection does not keep the process alive (lib/keepalive.ts).
    (socket as import("node:net").Socket).unref();
    const remote = hostPort(req.socket.remoteAddress ?? "unknown", req.socket.remotePort ?? 0);
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const h = req.headers["sec-websocket-protocol"];
    const d = side.decide(path, Array.isArray(h) ? h.join(",") : h ?? null, remote);
    if ("status" in d) {
      socket.end(`HTTP/1.1 ${d.status} ${STATUS_TEXT[d.status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    chosen.set(req, d.protocol);
    delete req.headers["sec-websocket-protocol"];
    let upgraded = false;
    socket.once("close", () => {
      if (!upgraded) d.conn.abort(new HandshakeError("WebSocket upgrade failed"));
    });
    wss.handleUpgrade(req, socket, head, (ws: WebSocketLike) => {
      upgraded = true;
      wireWebSocket(ws, d.conn);
    });
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen({ host: ep.host, port: ep.port, exclusive: true }, () => {
      // After listen, 'error' means one accept failed (EMFILE, ECONNABORTED):
      // the server goes on listening, and an 'error' nobody listens to
      // would be an uncaught exception.
      httpServer.off("error", reject);
      httpServer.on("error", (e) => side.failed(e));
      resolve();
    });
  });
  const a = httpServer.address() as { address: string; port: number };
  return {
    host: a.address,
    port: a.port,
    stop() {
      httpServer.close();
      httpServer.closeIdleConnections?.();
    },
    unref: () => httpServer.unref(),
  };
}
