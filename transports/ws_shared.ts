/**
 * What the ws:// servers (ws_deno.ts, ws_bun.ts, ws_node.ts), ws_server.ts
 * and the client (ws_client.ts) share.
 *
 * @module
 */

import type { Endpoint } from "../lib/endpoint.ts";
import type { WsTlsOptions, ZwsConnection } from "./websocket.ts";

/** Largest WebSocket message accepted: the `ws` package's default, also given to Bun (whose own is 16 MiB). */
export const MAX_PAYLOAD = 100 * 1024 * 1024;

/** What a runtime's server is given: how to answer an upgrade, and where its failures go. */
export interface ServerSide {
  /** Decides an upgrade request for `path` from `remote`. */
  decide(path: string, protocolHeader: string | null, remote: string): Decision;
  /** A failure of the whole server (an accept that failed), for every path bound on it. */
  failed(e: unknown): void;
}

/** A runtime's server, listening. */
export interface ServerHandle {
  readonly host: string;
  readonly port: number;
  /** Stops listening; resolves once the port is free again. */
  stop(): Promise<void> | void;
  /** Lets the process exit while serving (lib/keepalive.ts). */
  unref?(): void;
}

/** One runtime's server. */
export type Serve = (ep: Endpoint, side: ServerSide, tls?: WsTlsOptions) => Promise<ServerHandle>;

/** The upgrade's outcome: the connection and the subprotocol to answer with, or an HTTP refusal. */
export type Decision = { conn: ZwsConnection; protocol: string } | { status: number; reason: string };

/** PEM text of a certificate or key given as text or bytes. */
export function pem(v: string | Uint8Array | undefined): string | undefined {
  return v === undefined || typeof v === "string" ? v : new TextDecoder().decode(v);
}

/** `host:port`, with an IPv6 host in brackets. */
export const hostPort = (host: string, port: number): string => `${host.includes(":") ? `[${host}]` : host}:${port}`;

/** The answer to a plain HTTP request to a ws:// endpoint. */
export const UPGRADE_REQUIRED = "A ZeroMQ WebSocket endpoint: upgrade required\n";
