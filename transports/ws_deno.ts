/**
 * `ws://`/`wss://` servers on Deno: Deno.serve with Deno.upgradeWebSocket.
 * Loaded by ws_server.ts when Deno runs.
 *
 * @module
 */

import type { Endpoint } from "../lib/endpoint.ts";
import { type WebSocketLike, wireWebSocket, type WsTlsOptions } from "./websocket.ts";
import { hostPort, pem, type ServerHandle, type ServerSide, UPGRADE_REQUIRED } from "./ws_shared.ts";
import { unrefTimer } from "../lib/keepalive.ts";

// deno-lint-ignore no-explicit-any
const D = (globalThis as any).Deno;

/** Serves `ep` with Deno.serve; every upgrade goes through `side.decide`. */
export function serveDeno(ep: Endpoint, side: ServerSide, tls?: WsTlsOptions): Promise<ServerHandle> {
  const ac = new AbortController();
  // deno-lint-ignore no-explicit-any
  const handler = (req: Request, info: any): Response => {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response(UPGRADE_REQUIRED, { status: 426 });
    }
    const remote = hostPort(info.remoteAddr.hostname, info.remoteAddr.port);
    const d = side.decide(new URL(req.url).pathname, req.headers.get("sec-websocket-protocol"), remote);
    if ("status" in d) return new Response(d.reason + "\n", { status: d.status });
    let up: { socket: WebSocketLike; response: Response };
    try {
      // Not `{ protocol }`: Deno splits the offer on ", " only, and libzmq sends "ZWS2.0/NULL,ZWS2.0".
      up = D.upgradeWebSocket(req);
      up.response.headers.set("Sec-WebSocket-Protocol", d.protocol);
    } catch (e) {
      d.conn.abort(e as Error);
      return new Response("Bad WebSocket upgrade\n", { status: 400 });
    }
    wireWebSocket(up.socket, d.conn);
    return up.response;
  };
  const serve = (port: number) =>
    D.serve({
      hostname: ep.host,
      port,
      signal: ac.signal,
      onListen() {},
      ...(ep.scheme === "wss" ? { cert: pem(tls!.cert), key: pem(tls!.key) } : {}),
      handler,
    });
  // deno-lint-ignore no-explicit-any
  let httpServer: any;
  try {
    httpServer = serve(ep.port);
  } catch (e) {
    return Promise.reject(e);
  }
  const addr = httpServer.addr;
  // Deno.serve stops at the first failed accept (EMFILE, say) and rejects
  // `finished`; the port is served again, as a listener that only close() stops.
  const kept = new KeptServer(httpServer, () => serve(addr.port), (e) => side.failed(e));
  return Promise.resolve({
    host: addr.hostname,
    port: addr.port,
    async stop() {
      ac.abort();
      // Deno frees the port once the server has finished, not at abort().
      await kept.stop();
    },
    unref: () => kept.unref(),
  });
}

// A pause before serving again after a failure, doubling up to a second.
const RESTART_MIN = 10;
const RESTART_MAX = 1000;

/**
 * @internal Keeps a server up: when one ends (its `finished` settles) before
 * `stop()`, the failure goes to `onError` and `restart()` makes a new one,
 * after a pause, again until one starts. Exported for tests.
 */
export class KeptServer {
  #current: { finished: Promise<void> } | null;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #restart: () => { finished: Promise<void> };
  #onError: (e: Error) => void;
  #pause = 0;
  #unref = false;

  constructor(
    first: { finished: Promise<void> },
    restart: () => { finished: Promise<void> },
    onError: (e: Error) => void,
  ) {
    this.#current = first;
    this.#restart = restart;
    this.#onError = onError;
    this.#watch(first);
  }

  /** Stops restarting; resolves once the current server (if any) has finished. */
  /** Lets the process exit while serving, this server and the ones after it. */
  unref(): void {
    this.#unref = true;
    // deno-lint-ignore no-explicit-any
    (this.#current as any)?.unref?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#current?.finished.catch(() => {});
  }

  #watch(srv: { finished: Promise<void> }): void {
    const ended = (e?: unknown) => {
      if (this.#stopped || srv !== this.#current) return;
      this.#current = null;
      this.#onError(e instanceof Error ? e : new Error(e === undefined ? "The server stopped" : String(e)));
      this.#schedule();
    };
    srv.finished.then(() => ended(), ended);
  }

  #schedule(): void {
    this.#pause = Math.min(RESTART_MAX, Math.max(RESTART_MIN, this.#pause * 2));
    this.#timer = unrefTimer(setTimeout(() => {
      if (this.#stopped) return;
      let srv: { finished: Promise<void> };
      try {
        srv = this.#restart();
      } catch (e) {
        // The port may still be held, or descriptors still short: try again.
        this.#onError(e as Error);
        this.#schedule();
        return;
      }
      this.#pause = 0;
      this.#current = srv;
      // deno-lint-ignore no-explicit-any
      if (this.#unref) (srv as any).unref?.();
      this.#watch(srv);
    }, this.#pause));
  }
}
