/**
 * A context scopes in-process endpoints (`inproc://` names bound in one
 * context are invisible to sockets of another, as in libzmq) and holds
 * zeromq.js's context options.
 *
 * @module
 */

import { InprocRegistry } from "./inproc_registry.ts";
import { ZmqError } from "./errors.ts";
import { CONTEXT_OPTIONS, contextOptions, type ContextValues, setContextOption } from "./options.ts";

/**
 * The options of a {@link Context} (zeromq.js names; libzmq's in the comments).
 * Only `blocky`, `ipv6` and `maxSockets` have an effect here: this library
 * has no I/O threads, and libzmq 4.3.5 does not use ZMQ_MAX_MSGSZ either.
 *
 * @example
 * ```ts
 * import { Context, type ContextOptions } from "zmtp-zeromq";
 * const options: ContextOptions = { blocky: false };
 * console.log(new Context(options).blocky); // false
 * ```
 */
export interface ContextOptions {
  /** ZMQ_BLOCKY: false gives new sockets a linger of 0 instead of -1. Default true. */
  blocky?: boolean;
  /** ZMQ_IO_THREADS: libzmq's I/O thread count; stored only. Default 1. */
  ioThreads?: number;
  /** ZMQ_MAX_MSGSZ: stored only (unused by libzmq 4.3.5 too). Default 2147483647. */
  maxMessageSize?: number;
  /** ZMQ_MAX_SOCKETS: open sockets allowed; a socket beyond it fails with EMFILE. Default 1023. */
  maxSockets?: number;
  /** ZMQ_IPV6: the `ipv6` option of new sockets. Default false. */
  ipv6?: boolean;
  /** ZMQ_THREAD_PRIORITY: stored only. Default -1. */
  threadPriority?: number;
  /** ZMQ_THREAD_SCHED_POLICY: stored only. Default -1. */
  threadSchedulingPolicy?: number;
}

// ZMQ_SOCKET_LIMIT as libzmq reports it with epoll (no poller limit).
const SOCKET_LIMIT = 65535;

/**
 * The context options as properties (from the rows in lib/options.ts).
 *
 * @example
 * ```ts
 * import { Context } from "zmtp-zeromq";
 * const ctx = new Context({ ipv6: true });
 * console.log(ctx.ipv6, ctx.blocky); // true true
 * ```
 */
export interface Context extends Required<ContextOptions> {}
/**
 * A ZeroMQ context. Most programs use the global {@link context} and never
 * create this.
 *
 * @example
 * ```ts
 * import { Context, Pair } from "zmtp-zeromq";
 * const ctx = new Context({ blocky: false });
 * const a = new Pair({ context: ctx });
 * console.log(a.linger); // 0
 * a.close();
 * ```
 */
export class Context {
  /** @internal The inproc names bound in this context. */
  readonly inproc: InprocRegistry = new InprocRegistry();
  #values: ContextValues;
  #open = 0;

  /**
   * Creates a context.
   *
   * @param options Context options.
   * @throws {TypeError} For an unknown option or a value of the wrong type.
   * @throws {RangeError} For a value out of range (`code` "EINVAL").
   */
  constructor(options?: ContextOptions) {
    this.#values = contextOptions(options);
  }

  /** ZMQ_SOCKET_LIMIT: the largest `maxSockets` can usefully be. */
  get maxSocketsLimit(): number {
    return SOCKET_LIMIT;
  }

  /** @internal A socket of this context opens: EMFILE beyond `maxSockets`. */
  socketOpened(): void {
    if (this.#open >= this.#values.maxSockets) throw new ZmqError("EMFILE");
    this.#open++;
  }

  /** @internal A socket of this context closed. */
  socketClosed(): void {
    this.#open--;
  }

  static {
    for (const name of Object.keys(CONTEXT_OPTIONS) as (keyof ContextValues)[]) {
      Object.defineProperty(Context.prototype, name, {
        configurable: true,
        enumerable: false,
        get(this: Context) {
          return this.#values[name];
        },
        set(this: Context, v: unknown) {
          setContextOption(this.#values, name, v);
        },
      });
    }
  }
}

/**
 * The global context that sockets use by default (zeromq.js's `context`).
 *
 * @example
 * ```ts
 * import { context, Dealer } from "zmtp-zeromq";
 * const d = new Dealer();
 * console.log(d.context === context); // true
 * d.close();
 * ```
 */
export const defaultContext: Context = new Context();
// The one context every thread shares, as libzmq has one per process: its
// inproc names are seen by the other threads' default contexts.
defaultContext.inproc.key = "default";
