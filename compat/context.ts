/**
 * zeromq.js 5's `Context`, `proxy()`, `curveKeypair()` and `version`.
 *
 * @module
 */

import { curveKeyPair } from "../mod.ts";
import { limits, type Socket } from "./socket.ts";

/**
 * The libzmq version whose behaviour this library follows. zeromq.js 5
 * reported the linked libzmq's here; applications test it for features
 * (e.g. `>= 4.2`).
 *
 * @example
 * ```ts
 * import { version } from "zmtp-zeromq/v5-compat";
 * console.log(version); // "4.3.5"
 * ```
 */
export const version: string = "4.3.5";

function count(value: unknown, min: number, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new TypeError(`${what} must be an integer of at least ${min}`);
  }
  return value;
}

/**
 * The context options of zeromq.js 5's default context, as static methods;
 * a context cannot be created. This library runs on the event loop, so the
 * I/O thread count is only recorded; the socket limit applies to the
 * sockets of this layer (creating one more throws, code EMFILE).
 *
 * @example
 * ```ts
 * import { Context } from "zmtp-zeromq/v5-compat";
 * Context.setMaxSockets(2048);
 * console.log(Context.getMaxSockets()); // 2048
 * ```
 */
export class Context {
  /**
   * Records ZMQ_IO_THREADS (no effect: there are no I/O threads).
   *
   * @param value 0 or more.
   * @throws {TypeError} For anything else.
   */
  static setMaxThreads(value: number): void {
    limits.maxThreads = count(value, 0, "The number of I/O threads");
  }

  /**
   * ZMQ_IO_THREADS as set; 1 by default, as in libzmq.
   *
   * @returns The value.
   */
  static getMaxThreads(): number {
    return limits.maxThreads;
  }

  /**
   * Sets ZMQ_MAX_SOCKETS: how many sockets may be open at once.
   *
   * @param value 1 or more.
   * @throws {TypeError} For anything else.
   */
  static setMaxSockets(value: number): void {
    limits.maxSockets = count(value, 1, "The socket limit");
  }

  /**
   * ZMQ_MAX_SOCKETS; 1023 by default, as in libzmq.
   *
   * @returns The value.
   */
  static getMaxSockets(): number {
    return limits.maxSockets;
  }

  /**
   * Always throws: zeromq.js 5 code uses the default context only.
   *
   * @throws {Error} Always.
   */
  constructor() {
    throw new Error("A Context cannot be created in the zeromq.js 5 compatibility layer; use its static methods");
  }
}

/**
 * Makes a CURVE key pair, in Z85 (40 characters each), as zeromq.js 5's
 * `zmq.curveKeypair()` did.
 *
 * @returns `public` and `secret`.
 * @example
 * ```ts
 * import { curveKeypair } from "zmtp-zeromq/v5-compat";
 * const { public: pub, secret } = curveKeypair();
 * console.log(pub.length, secret.length); // 40 40
 * ```
 */
export function curveKeypair(): { public: string; secret: string } {
  const { publicKey, secretKey } = curveKeyPair();
  return { public: publicKey, secret: secretKey };
}

/**
 * Forwards messages between two sockets, as zeromq.js 5's `zmq.proxy()`
 * did: frontend/backend pairs pull/push, push/pull, xpub/xsub and
 * router/dealer (xrep/xreq). With a `capture` socket, what comes back from
 * the backend is also sent there (for router/dealer without the first two
 * frames, the envelope), as in zeromq.js 5.
 *
 * @param frontend The socket facing the clients.
 * @param backend The socket facing the services.
 * @param capture Gets a copy of the backend's messages.
 * @throws {TypeError} For any other pair of types.
 * @example
 * ```ts
 * import { proxy, socket } from "zmtp-zeromq/v5-compat";
 * const frontend = socket("router");
 * const backend = socket("dealer");
 * frontend.bindSync("tcp://127.0.0.1:*");
 * backend.bindSync("tcp://127.0.0.1:*");
 * proxy(frontend, backend);
 * frontend.close();
 * backend.close();
 * ```
 */
export function proxy(frontend: Socket, backend: Socket, capture?: Socket): void {
  const pair = `${frontend.type}/${backend.type}`;
  let captured: (frames: Uint8Array[]) => Uint8Array[];
  switch (pair) {
    case "push/pull":
    case "pull/push":
    case "xpub/xsub":
      captured = (frames) => frames;
      break;
    case "router/dealer":
    case "xrep/xreq":
      captured = (frames) => frames.slice(2);
      break;
    default:
      throw new TypeError(
        `Cannot proxy from a ${frontend.type} to a ${backend.type} socket: the frontend/backend pairs are ` +
          "pull/push, push/pull, xpub/xsub and router/dealer",
      );
  }
  frontend.on("message", (...frames: Uint8Array[]) => backend.send(frames));
  backend.on("message", (...frames: Uint8Array[]) => {
    frontend.send(frames);
    capture?.send(captured(frames));
  });
}
