/**
 * Endpoint parsing: `tcp://host:port`, `tcp://*:*`, `tcp://[::1]:5555`,
 * `ipc:///path`, `inproc://name`, `ws://host:port/path`, `udp://group:port`.
 *
 * @module
 */

import { zmqError } from "./errors.ts";

/**
 * A parsed endpoint.
 *
 * @example
 * ```ts
 * import { type Endpoint, parseEndpoint } from "zmtp-zeromq";
 * const ep: Endpoint = parseEndpoint("tcp://127.0.0.1:5555", false);
 * console.log(ep.scheme, ep.host, ep.port); // tcp 127.0.0.1 5555
 * ```
 */
export interface Endpoint {
  /** The original string. */
  readonly address: string;
  /** `tcp`, `ipc`, `inproc`, `ws`, `wss`, `udp`, `epgm`. */
  readonly scheme: string;
  /** For tcp/ws/udp: the host (`*` or `0.0.0.0` for any; IPv6 without brackets). */
  readonly host: string;
  /** For tcp/ws/udp: the port; 0 means "pick one" (`*` or `0`). */
  readonly port: number;
  /** For ipc and inproc the name or path; for ws the URL path; else "". */
  readonly path: string;
  /** For tcp `source;dest` connects and `iface;group` udp: the part before `;`. */
  readonly source?: string;
}

/** The size of sockaddr_un's sun_path on Linux: an ipc path takes at most one byte less. */
const IPC_PATH_MAX = 108;

const SCHEMES = new Set(["tcp", "ipc", "inproc", "ws", "wss", "udp", "epgm"]);

/**
 * Parses an endpoint string.
 *
 * @param address The endpoint, e.g. `tcp://127.0.0.1:5555`.
 * @param binding True when binding (allows `*` host and port).
 * @returns The parsed endpoint.
 * @throws {TypeError} When the endpoint is malformed or the transport unknown.
 * @throws {ZmqError} ENAMETOOLONG for an ipc path of 108 bytes or more.
 * @example
 * ```ts
 * import { parseEndpoint } from "./endpoint.ts";
 * const ep = parseEndpoint("tcp://127.0.0.1:5555", false);
 * console.log(ep.host, ep.port); // "127.0.0.1" 5555
 * ```
 */
export function parseEndpoint(address: string, binding: boolean): Endpoint {
  if (typeof address !== "string") throw new TypeError("Endpoint must be a string");
  const m = /^([a-z]+):\/\/(.*)$/.exec(address);
  if (!m) throw new TypeError(`Invalid endpoint "${address}": expected scheme://address`);
  const scheme = m[1];
  const rest = m[2];
  if (!SCHEMES.has(scheme)) {
    throw new TypeError(`Unknown transport "${scheme}" in endpoint "${address}"`);
  }
  if (scheme === "inproc" || scheme === "ipc") {
    if (rest.length === 0) throw new TypeError(`Invalid endpoint "${address}": empty name`);
    // libzmq refuses, at bind and connect, an ipc path that does not fit in
    // sockaddr_un's sun_path with its NUL (108 bytes on Linux); a runtime
    // would truncate it (Node) or fail with its own error.
    if (scheme === "ipc" && new TextEncoder().encode(rest).length >= IPC_PATH_MAX) {
      throw zmqError("ENAMETOOLONG", `ipc path is longer than ${IPC_PATH_MAX - 1} bytes`, { address });
    }
    return { address, scheme, host: "", port: 0, path: rest };
  }
  let hostPort = rest;
  let path = "";
  if (scheme === "ws" || scheme === "wss") {
    const slash = rest.indexOf("/", rest.startsWith("[") ? rest.indexOf("]") : 0);
    if (slash >= 0) {
      hostPort = rest.slice(0, slash);
      path = rest.slice(slash);
    } else {
      path = "/";
    }
  }
  let source: string | undefined;
  const semi = hostPort.lastIndexOf(";");
  if (semi >= 0) {
    source = hostPort.slice(0, semi);
    hostPort = hostPort.slice(semi + 1);
  }
  const colon = hostPort.lastIndexOf(":");
  if (colon < 0) throw new TypeError(`Invalid endpoint "${address}": missing port`);
  let host = hostPort.slice(0, colon);
  const portText = hostPort.slice(colon + 1);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host.length === 0) throw new TypeError(`Invalid endpoint "${address}": missing host`);
  let port: number;
  if (portText === "*" || portText === "0") {
    if (!binding) throw new TypeError(`Invalid endpoint "${address}": a wildcard port cannot be connected to`);
    port = 0;
  } else if (/^\d+$/.test(portText) && Number(portText) <= 65535) {
    port = Number(portText);
  } else {
    throw new TypeError(`Invalid endpoint "${address}": bad port "${portText}"`);
  }
  if (host === "*") {
    if (!binding) throw new TypeError(`Invalid endpoint "${address}": a wildcard host cannot be connected to`);
    host = "0.0.0.0";
  }
  return { address, scheme, host, port, path, ...(source !== undefined ? { source } : {}) };
}

/** Formats host and port as libzmq prints them in `lastEndpoint`. */
export function formatHostPort(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
