/**
 * A pure-TypeScript ZeroMQ: the ZMTP 3.1 wire protocol and ZeroMQ's socket
 * patterns, on Deno, Bun and Node, interoperable with libzmq. The API
 * follows zeromq.js v6, so moving over is an import change.
 *
 * @example
 * ```ts
 * import { Pull, Push } from "zmtp-zeromq";
 * const pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:*");
 * const push = new Push();
 * push.connect(pull.lastEndpoint!);
 * await push.send("hello");
 * const [msg] = await pull.receive();
 * console.log(new TextDecoder().decode(msg));
 * push.close();
 * pull.close();
 * ```
 *
 * @module
 */

import "./transports/buffer.ts";
import "./transports/tcp.ts";
import "./transports/udp.ts";

// Everything the browser entry has (sockets, security, inproc, the ws client),
// plus the tcp, ipc and udp transports registered above.
export * from "./browser.ts";

// STREAM talks raw bytes over tcp:// and ipc://, which browsers do not have.
export { Stream, type StreamConnectOptions, type StreamOptions, type StreamOwnOptions } from "./lib/sockets/stream.ts";

// czmq's certificate files (zcert): the text format, and the file IO that
// browsers do not have.
export { type Cert, certFromText, type CertTextOptions, certToText, newCert } from "./lib/cert.ts";
export { loadCert, loadCertDirectory, saveCert } from "./transports/cert_fs.ts";
