/**
 * What this library implements, as zeromq.js reports it for its libzmq:
 * `version` and `capability`.
 *
 * @module
 */

import { getTransport } from "./driver.ts";
import { sharedRings } from "./inproc_threads.ts";

/**
 * The libzmq version whose behaviour this library implements, as zeromq.js's
 * `version` (`"major.minor.patch"`).
 *
 * @example
 * ```ts
 * import { version } from "zmtp-zeromq";
 * console.log(version); // "4.3.5"
 * ```
 */
export const version: string = "4.3.5";

/**
 * The shape of {@link capability}: zeromq.js's keys, each true or false.
 *
 * @example
 * ```ts
 * import { type Capability, capability } from "zmtp-zeromq";
 * const c: Capability = capability;
 * console.log(c.curve, c.draft); // true true
 * ```
 */
export interface Capability {
  /** `ipc://` works: true where the tcp/ipc transports are registered (mod.ts), false in browsers. */
  readonly ipc: boolean;
  /** `pgm://`: false (it needs raw IP sockets; `epgm://`, PGM over UDP, works). */
  readonly pgm: boolean;
  /** `tipc://`: false. */
  readonly tipc: boolean;
  /** `norm://`: false. */
  readonly norm: boolean;
  /** The CURVE mechanism: true. */
  readonly curve: boolean;
  /** The GSSAPI mechanism: false. */
  readonly gssapi: boolean;
  /** Draft socket types: true (RADIO and DISH). */
  readonly draft: boolean;
  /** Not in zeromq.js: `inproc://` reaches sockets in other threads (Workers) of the process: where BroadcastChannel exists. */
  readonly inprocThreads: boolean;
  /**
   * Not in zeromq.js: inproc between threads uses shared-memory rings
   * (SharedArrayBuffer, Atomics.waitAsync, a cross-origin isolated page);
   * false means the slower fallback, a channel per connection.
   */
  readonly inprocSharedMemory: boolean;
}

/**
 * What is available in this runtime, with zeromq.js's keys.
 *
 * @example
 * ```ts
 * import { capability } from "zmtp-zeromq";
 * console.log(capability.curve, capability.ipc); // true true
 * ```
 */
export const capability: Capability = Object.freeze({
  get ipc(): boolean {
    return getTransport("ipc") !== undefined;
  },
  pgm: false,
  tipc: false,
  norm: false,
  curve: true,
  gssapi: false,
  draft: true,
  get inprocThreads(): boolean {
    return typeof BroadcastChannel === "function";
  },
  get inprocSharedMemory(): boolean {
    return typeof BroadcastChannel === "function" && sharedRings();
  },
});
