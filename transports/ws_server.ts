/**
 * The runtime side of `ws://`/`wss://`: what the three servers share (the
 * paths bound on each port, the upgrade decision), and the entry that
 * transports/websocket.ts loads on first need, never part of a browser
 * bundle. Each runtime's server is a file of its own, loaded for the
 * runtime that runs: Deno.serve (ws_deno.ts), Bun.serve (ws_bun.ts), the
 * `ws` package on node:http (ws_node.ts). The client, an RFC 6455 client
 * over node:net/node:tls, is ws_client.ts.
 *
 * Several paths may share one port: a bind to a port this process already
 * serves adds its path there. A request for an unbound path gets 404; one
 * that offers no ZWS 2.0 subprotocol gets 400, without reaching a socket.
 *
 * @module
 */

import { type Endpoint, formatHostPort } from "../lib/endpoint.ts";
import { HandshakeError, systemError, ZmqError } from "../lib/errors.ts";
import type { Connection, Listener } from "../lib/transport.ts";
import { parseProtocols, selectProtocol } from "../lib/zws.ts";
import { type WsTlsOptions, ZwsConnection } from "./websocket.ts";
import type { Decision, Serve, ServerHandle, ServerSide } from "./ws_shared.ts";

export { openWebSocket } from "./ws_client.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const runtime: "deno" | "bun" | "node" = g.Bun !== undefined ? "bun" : g.Deno !== undefined ? "deno" : "node";

/** One bound path: where its connections go, and its accept failures. */
interface Route {
  readonly onConnection: (c: Connection) => void;
  readonly onError?: (e: Error) => void;
}

/** One HTTP server on one host:port, serving one or more paths. */
interface Server {
  readonly key: string;
  readonly scheme: string;
  readonly handle: ServerHandle;
  readonly routes: Map<string, Route>;
}

/** Servers by `scheme://host:port`, for binds that share a port. */
const servers = new Map<string, Server>();

// The upgrade decision, the same on every runtime. The socket gets the
// connection before the upgrade completes: its engine names its mechanism,
// which picks the subprotocol of the answer.
function decide(routes: Map<string, Route>, path: string, protocolHeader: string | null, remote: string): Decision {
  const route = routes.get(path);
  if (route === undefined) return { status: 404, reason: `No ZeroMQ socket is bound at ${path}` };
  const offered = parseProtocols(protocolHeader);
  if (selectProtocol(offered) === undefined) {
    return { status: 400, reason: "Sec-WebSocket-Protocol must offer ZWS2.0 or ZWS2.0/<mechanism>" };
  }
  const conn = new ZwsConnection(remote, offered);
  try {
    route.onConnection(conn);
  } catch (e) {
    // A throwing handler (an event listener, say) loses this connection only.
    conn.abort(e as Error);
    route.onError?.(e as Error);
    return { status: 503, reason: "The socket could not take the connection" };
  }
  if (conn.isClosed) return { status: 503, reason: "The socket is closed" };
  const protocol = conn.protocol;
  if (protocol === null) {
    const reason = `the client offered ${offered.join(", ")}; this socket uses the ${conn.ownMechanism} mechanism`;
    conn.abort(new HandshakeError(reason));
    return { status: 400, reason };
  }
  return { conn, protocol };
}

function serveFor(r: typeof runtime): Promise<Serve> {
  if (r === "deno") return import("./ws_deno.ts").then((m) => m.serveDeno);
  if (r === "bun") return import("./ws_bun.ts").then((m) => m.serveBun);
  return import("./ws_node.ts").then((m) => m.serveNode);
}

/**
 * Binds a ws/wss endpoint.
 *
 * @param ep The endpoint (port 0 picks a free port).
 * @param onConnection Receives each accepted connection.
 * @param tls Certificate and key; required for `wss://`.
 * @param onError Receives failures to accept a connection; the server goes on listening.
 * @returns The listener; its endpoint has the real port.
 */
export async function listenWs(
  ep: Endpoint,
  onConnection: (c: Connection) => void,
  tls?: WsTlsOptions,
  onError?: (e: Error) => void,
): Promise<Listener> {
  if (ep.scheme === "wss" && (tls?.cert === undefined || tls.key === undefined)) {
    throw new TypeError(
      `Binding ${ep.address} needs a certificate: registerTransport("wss", wsTransport({ tls: { cert, key } }))`,
    );
  }
  const path = ep.path || "/";
  let server = ep.port !== 0 ? servers.get(`${ep.scheme}://${ep.host}:${ep.port}`) : undefined;
  if (server !== undefined) {
    if (server.routes.has(path)) {
      throw new ZmqError("EADDRINUSE", `Address already in use: ${ep.address}`, { address: ep.address });
    }
  } else {
    const routes = new Map<string, Route>();
    const side: ServerSide = {
      decide: (p, header, remote) => decide(routes, p, header, remote),
      failed(e) {
        const err = e instanceof Error ? e : new Error(String(e));
        for (const r of routes.values()) r.onError?.(err);
      },
    };
    let handle: ServerHandle;
    try {
      handle = await (await serveFor(runtime))(ep, side, tls);
    } catch (e) {
      throw systemError(e, ep.address);
    }
    server = { key: `${ep.scheme}://${handle.host}:${handle.port}`, scheme: ep.scheme, handle, routes };
    servers.set(server.key, server);
  }
  const s = server;
  s.routes.set(path, { onConnection, onError });
  let open = true;
  return {
    endpoint: formatHostPort(ep.scheme, s.handle.host, s.handle.port) + path,
    close() {
      if (!open) return Promise.resolve();
      open = false;
      s.routes.delete(path);
      if (s.routes.size === 0) {
        servers.delete(s.key);
        return Promise.resolve(s.handle.stop());
      }
      return Promise.resolve();
    },
    // The server is shared by the paths bound on its port, which all unref it.
    unref: () => s.handle.unref?.(),
  };
}
