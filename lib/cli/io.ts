/**
 * What the `zmtp` CLI needs from its runtime, as an interface: the commands
 * (lib/cli/run.ts) stay runtime-free, transports/cli_io.ts implements it
 * over `node:` APIs that Deno, Bun and Node all have.
 *
 * @module
 */

import type { Cert } from "../cert.ts";

/** The output of a command run by `rep --exec`. */
export interface ExecResult {
  /** Its exit code; null when a signal ended it. */
  code: number | null;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/** The CLI's view of its process. */
export interface CliIo {
  /** The arguments after the program name. */
  readonly args: readonly string[];
  /** Standard input, chunk by chunk (read at most once). */
  stdin(): AsyncIterable<Uint8Array>;
  /** Whether stdout is a terminal (progress lines go there only then). */
  readonly stdoutIsTty: boolean;
  /** Writes to stdout; resolves once the stream took it (backpressure). */
  stdout(data: Uint8Array | string): Promise<void>;
  /** Writes to stderr. */
  stderr(data: string): Promise<void>;
  /** Calls `fn` on SIGINT (Ctrl-C); returns the function that stops that. */
  onInterrupt(fn: () => void): () => void;
  /** Runs `command` in a shell with `input` on its stdin. */
  exec(command: string, input: Uint8Array): Promise<ExecResult>;
  /** Writes czmq certificate files (transports/cert_fs.ts's saveCert). */
  saveCert(cert: Cert, path: string): Promise<void>;
}
