/**
 * The API of zeromq.js 5 (and of the native `zmq` package before it) over
 * this library, for applications that have not moved to the promise-based
 * API yet: `socket(type, options)`, an EventEmitter `Socket` with
 * callbacks, ZMQ_SNDMORE multipart sends, "message" events of Buffers,
 * `setsockopt`/`getsockopt` with the ZMQ_* numbers or option properties,
 * monitor events under their zeromq.js 5 names, `proxy()`,
 * `curveKeypair()`, `Context` and the constants. It follows zeromq.js 6's
 * `zeromq/v5-compat`. Where it differs: binds complete in the background
 * (`bindSync` reports failures as "error" events), `read()` and the options
 * this library has no counterpart for (affinity, rate, sndbuf, backlog,
 * ipv6, TCP keepalive, ...) throw, naming the option, and "stream" sockets
 * are not implemented yet.
 *
 * Runs on Node, Deno and Bun (it uses `node:events` and `node:buffer`).
 *
 * @example
 * ```ts
 * import * as zmq from "zmtp-zeromq/v5-compat";
 * const rep = zmq.socket("rep");
 * const req = zmq.socket("req");
 * rep.on("message", (msg) => rep.send(Number(msg.toString()) * 2));
 * rep.bind("tcp://127.0.0.1:*", (err) => {
 *   if (err) throw err;
 *   req.connect(rep.last_endpoint);
 *   req.on("message", (answer) => {
 *     console.log(answer.toString()); // "42"
 *     req.close();
 *     rep.close();
 *   });
 *   req.send(21);
 * });
 * ```
 *
 * @module
 */

export { type Callback, createSocket, createSocket as socket, type MessagePart, Socket } from "./compat/socket.ts";
export type { SocketOptionProperties } from "./compat/socket.ts";
export { events, options, type SocketType, types } from "./compat/options.ts";
export { Context, curveKeypair, proxy, version } from "./compat/context.ts";
export * from "./compat/constants.ts";
