/**
 * A context scopes in-process endpoints: `inproc://` names bound in one
 * context are invisible to sockets of another, as in libzmq.
 *
 * @module
 */

import type { Transport } from "./transport.ts";
import { InprocRegistry } from "./inproc.ts";

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
  #transports = new Map<string, Transport>();
  /** @internal The inproc names bound in this context. */
  readonly inproc: InprocRegistry = new InprocRegistry();

  /** @internal A transport scoped to this context (inproc), if any. */
  transport(scheme: string): Transport | undefined {
    return this.#transports.get(scheme);
  }

  /** @internal Installs a context-scoped transport. */
  setTransport(scheme: string, t: Transport): void {
    this.#transports.set(scheme, t);
  }
}

/** The global context that sockets use by default. */
export const defaultContext: Context = new Context();
