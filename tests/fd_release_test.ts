// A connection we give up on is closed at once, whatever the peer does: a
// peer that goes silent without closing must not hold our file descriptors
// (issue 8). Raw peers in a child process (tests/_silent_peers.mjs) do their
// part of the handshake and then stop reading, sending and closing; we count
// this process's open fds (Linux: /proc/self/fd) before they connect and
// after our socket has reported dropping every one of them.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { Pull, type SocketEventType } from "../mod.ts";
import { bindFresh, withTimeout } from "./_helpers.ts";
import { nodeBin, ROOT, waitFor } from "./interop/_harness.ts";

const FD_DIR = "/proc/self/fd";
const fdCount = () => readdirSync(FD_DIR).length;

/** The peers' process: started, told to connect, killed. */
class SilentPeers {
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  #lines: Record<string, unknown>[] = [];
  #wake: (() => void) | null = null;
  #stderr = "";

  constructor(endpoint: string, n: number, mode: string) {
    this.proc = spawn(nodeBin(), [join(ROOT, "tests", "_silent_peers.mjs"), endpoint, String(n), mode], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    this.proc.stderr!.on("data", (d: Uint8Array) => {
      this.#stderr = (this.#stderr + new TextDecoder().decode(d)).slice(-2000);
    });
    createInterface({ input: this.proc.stdout! }).on("line", (line) => {
      try {
        this.#lines.push(JSON.parse(line));
      } catch {
        return;
      }
      this.#wake?.();
    });
    this.exited = new Promise((resolve) => {
      this.proc.once("exit", () => {
        this.#wake?.();
        resolve();
      });
    });
  }

  async line(key: string): Promise<Record<string, unknown>> {
    for (;;) {
      const l = this.#lines.find((o) => key in o || "error" in o);
      if (l && "error" in l) throw new Error(`The silent peers failed: ${l.error}`);
      if (l) return l;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`The silent peers exited before "${key}"; stderr: ${this.#stderr}`);
      }
      await new Promise<void>((r) => this.#wake = r);
    }
  }

  go(): void {
    this.proc.stdin!.write("go\n");
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
    await this.exited;
  }
}

interface Case {
  mode: string;
  what: string;
  n: number;
  /** The event our socket reports once per peer when it drops it. */
  event: SocketEventType;
}

const CASES: Case[] = [
  { mode: "ready", what: "handshake done, then silent: heartbeat times out", n: 200, event: "disconnect" },
  { mode: "mechanism", what: "greeting with an unknown mechanism", n: 50, event: "handshake:error:protocol" },
  { mode: "type", what: "incompatible socket type, refused with an ERROR", n: 50, event: "handshake:error:protocol" },
  { mode: "mute", what: "sends nothing: handshake times out", n: 50, event: "handshake:error:protocol" },
];

describe("fds of peers we dropped are released though the peers never close", {
  skip: existsSync(FD_DIR) ? false : `no ${FD_DIR} here`,
}, () => {
  for (const transport of ["tcp", "ipc"] as const) {
    for (const c of CASES) {
      test(`${transport}: ${c.n} peers, ${c.what}`, async () => {
        // The peers connect all at once: beyond the listen backlog (libzmq's default 100, applied on Node)
        // a busy machine's ipc listener refuses them with EAGAIN, as libzmq's would.
        const pull = new Pull({
          linger: 0,
          heartbeatInterval: 100,
          heartbeatTimeout: 300,
          handshakeInterval: 500,
          backlog: c.n + 100,
        });
        let peers: SilentPeers | undefined;
        try {
          await withTimeout(
            (async () => {
              const ep = await bindFresh(pull, transport);
              peers = new SilentPeers(ep, c.n, c.mode);
              await peers.line("ready");
              const baseline = fdCount();
              let dropped = 0;
              pull.events.on(c.event, () => dropped++);
              peers.go();
              await peers.line("connected");
              await waitFor(`${c.n} ${c.event} events (got ${dropped})`, () => dropped >= c.n, 15000);
              // The fds go back to the baseline, or the test times out saying how many are held.
              await waitFor(`fds to return to ${baseline}`, () => fdCount() <= baseline, 10000).catch(() => {
                assert.fail(`${fdCount() - baseline} of ${c.n} fds still held after ${c.n} ${c.event} events`);
              });
            })(),
            30000,
            `${transport} ${c.mode}`,
          );
        } finally {
          pull.close();
          await peers?.stop();
        }
      });
    }

    // A graceful close waits for each peer's EOF, but no longer than linger.
    test(`${transport}: close() with linger 300 ms: 50 silent peers that never send their EOF`, async () => {
      const n = 50;
      const pull = new Pull({ linger: 300 });
      let peers: SilentPeers | undefined;
      try {
        await withTimeout(
          (async () => {
            const ep = await bindFresh(pull, transport);
            peers = new SilentPeers(ep, n, "ready");
            await peers.line("ready");
            const baseline = fdCount();
            let handshakes = 0;
            pull.events.on("handshake", () => handshakes++);
            peers.go();
            await peers.line("connected");
            await waitFor(`${n} handshakes (got ${handshakes})`, () => handshakes >= n, 15000);
            const ended = new Promise<void>((r) => pull.events.on("end", () => r()));
            pull.close();
            await ended;
            await waitFor(`fds to return to ${baseline}`, () => fdCount() <= baseline, 10000).catch(() => {
              assert.fail(`${fdCount() - baseline} of ${n} fds still held after close() and its linger`);
            });
          })(),
          30000,
          `${transport} linger`,
        );
      } finally {
        if (!pull.closed) pull.linger = 0;
        pull.close();
        await peers?.stop();
      }
    });
  }
});
