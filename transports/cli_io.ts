/**
 * The `zmtp` CLI's process (lib/cli/io.ts's CliIo) over `node:` APIs that
 * Deno, Bun and Node all provide: node:process for stdin, stdout, signals
 * and the exit code, node:child_process for `rep --exec`.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { Buffer } from "node:buffer";
import type { CliIo, ExecResult } from "../lib/cli/io.ts";
import { saveCert } from "./cert_fs.ts";

function write(stream: NodeJS.WriteStream, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => err ? reject(err) : resolve());
  });
}

/**
 * The CliIo of this process.
 *
 * @returns The process's arguments (after the script), stdio, SIGINT and a shell for `--exec`.
 */
export function processIo(): CliIo {
  // A closed pipe on stdout (`zmtp sub ... | head -1`) ends the program quietly.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  return {
    args: process.argv.slice(2),
    stdin: () => process.stdin as AsyncIterable<Uint8Array>,
    stdoutIsTty: process.stdout.isTTY === true,
    stdout: (data) => write(process.stdout, data),
    stderr: (data) => write(process.stderr, data),
    onInterrupt(fn) {
      let count = 0;
      const handler = () => {
        // A second Ctrl-C does not wait for the linger.
        if (++count > 1) process.exit(130);
        fn();
      };
      process.on("SIGINT", handler);
      return () => {
        process.off("SIGINT", handler);
      };
    },
    exec: (command, input) =>
      new Promise<ExecResult>((resolve, reject) => {
        const child = spawn(command, { shell: true, stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (d: Buffer) => out.push(d));
        child.stderr.on("data", (d: Buffer) => err.push(d));
        child.on("error", reject);
        // A command that does not read its stdin closes the pipe early: not an error.
        child.stdin.on("error", () => {});
        child.stdin.end(input);
        child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
      }),
    saveCert,
  };
}

/**
 * Ends the program with `code` once stdout is flushed (main() has waited for
 * the sockets' linger). Explicitly: an open stdin would keep it running.
 *
 * @param code The exit code.
 */
export async function finish(code: number): Promise<void> {
  await write(process.stdout, "");
  await write(process.stderr, "");
  process.exit(code);
}
