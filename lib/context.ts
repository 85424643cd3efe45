/**
 * A context scopes in-process endpoints: `inproc://` names bound in one
 * context are invisible to sockets of another, as in libzmq.
 *
 * @module
 */

import { InprocRegistry } from "./inproc_registry.ts";

/**
 * A ZeroMQ context. Most programs use the global one and never create this.
 *
 * @example
 * ```ts
 * import { Context, Pair } from "./mod.ts";
 * const ctx = new Context();
 * const a = new Pair({ context: ctx });
 * a.close();
 * ```
 */
export class Context {
  /** @internal The inproc names bound in this context. */
  readonly inproc: InprocRegistry = new InprocRegistry();
}

/** The global context that sockets use by default. */
export const defaultContext: Context = new Context();
