// Debug tracing: with ZMTP_DEBUG set in the environment (read by
// transports/tcp.ts, which mod.ts imports; or setTracer() anywhere), every
// socket writes a readable line per connect, bind, greeting, handshake,
// subscription, disconnect and error to the tracer (stderr). Off, the
// library pays one null check where a line could be written, never on the
// per-message path.

/**
 * Receives one trace line.
 *
 * @example
 * ```ts
 * import { setTracer, type Tracer } from "zmtp-zeromq";
 * const lines: string[] = [];
 * const tracer: Tracer = (line) => lines.push(line);
 * setTracer(tracer);
 * setTracer(null);
 * ```
 */
export type Tracer = (line: string) => void;

let tracer: Tracer | null = null;

/**
 * Turns tracing on (a function receiving each line) or off (null), for the sockets made from now on.
 *
 * @param fn Where lines go, or null.
 * @example
 * ```ts
 * import { setTracer } from "zmtp-zeromq";
 * const lines: string[] = [];
 * setTracer((l) => lines.push(l));
 * setTracer(null);
 * ```
 */
export function setTracer(fn: Tracer | null): void {
  tracer = fn;
}

/**
 * The current tracer, or null when tracing is off.
 *
 * @returns The tracer.
 * @example
 * ```ts
 * import { tracing } from "zmtp-zeromq";
 * console.log(tracing() === null); // true, unless ZMTP_DEBUG is set
 * ```
 */
export function tracing(): Tracer | null {
  return tracer;
}

// Bytes as text when printable, else hex (a subscription topic, a routing id).
export function show(b: Uint8Array): string {
  let printable = true;
  for (let i = 0; i < b.length && printable; i++) printable = b[i] >= 0x20 && b[i] < 0x7f;
  if (printable) return JSON.stringify(new TextDecoder().decode(b));
  return "0x" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
