// close() with linger against a libzmq PULL that is paused at its receive
// HWM: our PUSH, in a process of its own on this runtime, queues N messages,
// closes with the default linger and returns from main; the PULL starts
// reading only after that. Everything must arrive and the sender must then
// exit by itself. A sender that closed its end without half-closing first
// (or without waiting for the peer's EOF) made libzmq see the hang-up over
// ipc while paused and discard what it had not read (issue 8).

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { after, before, describe, test } from "node:test";
import {
  anyEndpoint,
  builtNodeLib,
  nodeBin,
  type Peer,
  ROOT,
  RUNTIME,
  RUNTIME_NAME,
  startLibzmqPeer,
  type TransportName,
  withTimeout,
} from "./_harness.ts";

// Enough bytes (about 3 MB) that much of it is still in the kernel, unread
// by the paused PULL, when the sender hands over its last byte.
const N = 2000;
const ROW_TIMEOUT = 30000;

/** Our PUSH in a child process running _close_sender.mjs on this runtime. */
class Sender {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  #lines: Record<string, unknown>[] = [];
  #wake: (() => void) | null = null;
  #stderr = "";

  constructor(how: "connect" | "bind", endpoint: string) {
    const script = join(ROOT, "tests", "interop", "_close_sender.mjs");
    const args = [how, endpoint, String(N)];
    let cmd: string;
    let argv: string[];
    if (RUNTIME === "deno") {
      cmd = join(ROOT, "node_modules", ".bin", "deno");
      argv = ["run", "-A", script, pathToFileURL(join(ROOT, "mod.ts")).href, ...args];
    } else if (RUNTIME === "bun") {
      cmd = join(ROOT, "node_modules", ".bin", "bun");
      argv = [script, pathToFileURL(join(ROOT, "mod.ts")).href, ...args];
    } else {
      const lib = builtNodeLib();
      if (lib === undefined) throw new Error("The npm build is missing (run scripts/build_npm.ts)");
      cmd = nodeBin();
      argv = [script, pathToFileURL(lib).href, ...args];
    }
    this.proc = spawn(cmd, argv, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    this.proc.stderr!.on("data", (d: Uint8Array) => {
      this.#stderr = (this.#stderr + new TextDecoder().decode(d)).slice(-2000);
    });
    createInterface({ input: this.proc.stdout! }).on("line", (line) => {
      try {
        this.#lines.push(JSON.parse(line));
      } catch {
        return; // not ours
      }
      this.#wake?.();
    });
    this.exited = new Promise((resolve) => {
      this.proc.once("exit", (code) => {
        this.#wake?.();
        resolve(code);
      });
    });
  }

  /** The first line carrying `key`. */
  async line(key: string): Promise<Record<string, unknown>> {
    for (;;) {
      const l = this.#lines.find((o) => key in o);
      if (l) return l;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`The sender exited (code ${this.proc.exitCode}) before "${key}"; stderr: ${this.#stderr}`);
      }
      await new Promise<void>((r) => this.#wake = r);
    }
  }

  get stderr(): string {
    return this.#stderr;
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
  }
}

describe("close() with linger: a libzmq PULL paused at its HWM gets everything", () => {
  let peer: Peer | undefined;
  before(async () => {
    peer = await startLibzmqPeer();
  });
  after(async () => {
    await peer?.stop();
  });
  const libzmq = () => {
    if (!peer) throw new Error("The libzmq peer did not start");
    return peer;
  };

  for (const transport of ["ipc", "tcp"] as TransportName[]) {
    for (const how of ["connect", "bind"] as const) {
      const name = `${transport}: our PUSH on ${RUNTIME_NAME[RUNTIME]} (${how}, own process) sends ${N}, ` +
        `close() and returns → libzmq PULL (${how === "bind" ? "connect" : "bind"}, RCVHWM 10) reading afterwards`;
      test(name, async () => {
        const p = libzmq();
        let sender: Sender | undefined;
        // The PULL's receive timeout only ends the count when messages are lost.
        const pull = (await p.request("new", {
          type: "Pull",
          options: { receiveHighWaterMark: 10, receiveTimeout: 3000 },
        })).sock as number;
        try {
          await withTimeout(ROW_TIMEOUT, name, async () => {
            if (how === "connect") {
              const ep = (await p.request("bind", { sock: pull, endpoint: anyEndpoint(transport) })).endpoint as string;
              sender = new Sender("connect", ep);
            } else {
              sender = new Sender("bind", anyEndpoint(transport));
              const ep = (await sender.line("endpoint")).endpoint as string;
              await p.request("connect", { sock: pull, endpoint: ep });
            }
            await sender.line("closed");
            const got = await p.request("recvMany", { sock: pull, n: N, partial: true }, ROW_TIMEOUT);
            assert.equal(got.count, N, `libzmq PULL received ${got.count}/${N}`);
            assert.equal(got.mismatch, -1, "first message libzmq got wrong");
            const code = await sender.exited;
            assert.equal(code, 0, `the sender's exit code; stderr: ${sender.stderr}`);
          });
        } finally {
          sender?.kill();
          await sender?.exited;
          await p.request("close", { sock: pull }).catch(() => {});
        }
      });
    }
  }
});
