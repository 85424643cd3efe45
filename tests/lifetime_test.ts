// Process lifetime as in zeromq.js (issue 10): sockets that are only bound
// or connected (listeners, connections, reconnect, heartbeat and handshake
// timers) do not keep the process alive; a pending send() or receive(), a
// `for await` over a socket or its events, and a close() that lingers with
// messages queued do, until they are done. Each row runs
// tests/_lifetime_child.mjs in a child process of the runtime under test and
// waits (bounded) for it to exit by itself: code 0, with the lines that say
// it got what it waited for.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { describe, test } from "node:test";
import { Pull, Reply } from "../mod.ts";
import { bindAddress, freeTcpAddress, type TransportName } from "./_helpers.ts";
import { builtNodeLib, ROOT, RUNTIME } from "./interop/_harness.ts";

// A safety net only: a child that does not exit by then is killed and the row fails.
const EXIT_WAIT_MS = 20000;
const CHILD = join(ROOT, "tests", "_lifetime_child.mjs");

function libUrl(): string {
  if (RUNTIME !== "node") return pathToFileURL(join(ROOT, "mod.ts")).href;
  const lib = builtNodeLib();
  if (lib === undefined) throw new Error("The npm build is missing (run scripts/build_npm.ts)");
  return pathToFileURL(lib).href;
}

interface Exit {
  code: number | null;
  timedOut: boolean;
  lines: string[];
  stderr: string;
}

/** Runs the child; `onLine` sees each stdout line as it comes. */
function runChild(args: string[], onLine: (line: string) => void = () => {}): Promise<Exit> {
  const argv = RUNTIME === "deno" ? ["run", "-A", CHILD, libUrl(), ...args] : [CHILD, libUrl(), ...args];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  const lines: string[] = [];
  let buf = "";
  let stderr = "";
  child.stdout!.on("data", (d: Uint8Array) => {
    buf += new TextDecoder().decode(d);
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      onLine(line);
    }
  });
  child.stderr!.on("data", (d: Uint8Array) => {
    stderr = (stderr + new TextDecoder().decode(d)).slice(-4000);
  });
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, EXIT_WAIT_MS);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, lines, stderr });
    });
  });
}

function assertExited(r: Exit, expected: string[]): void {
  const what = `stdout: ${JSON.stringify(r.lines)}, stderr: ${r.stderr}`;
  assert.equal(r.timedOut, false, `the process did not exit by itself; ${what}`);
  assert.equal(r.code, 0, `exit code; ${what}`);
  for (const line of expected) assert.ok(r.lines.includes(line), `no "${line}"; ${what}`);
}

let uniq = 0;
/** An endpoint of `t` that nobody serves now. */
async function unserved(t: TransportName): Promise<string> {
  const n = `${process.pid}-${Date.now().toString(36)}-${++uniq}`;
  if (t === "inproc") return `inproc://lifetime-${n}`;
  if (t === "ipc") return `ipc://${join(tmpdir(), `zmtp-lifetime-${n}.sock`)}`;
  const tcp = await freeTcpAddress();
  return t === "ws" ? `${tcp.replace("tcp://", "ws://")}/zmq` : tcp;
}

const TRANSPORTS: TransportName[] = ["tcp", "ipc", "ws", "inproc"];

// Deno's upgraded server WebSocket (Deno.upgradeWebSocket) has no unref():
// an accepted ws:// connection keeps a Deno process alive. The ws client
// side is checked on Deno by the "only connected" row.
const acceptsWs = RUNTIME !== "deno";
const skipFor = (t: TransportName) =>
  t === "ws" && !acceptsWs ? "an accepted ws:// connection cannot be unreferenced on Deno" : false;

describe("process lifetime", () => {
  for (const t of TRANSPORTS) {
    describe(t, () => {
      test("bound and connected sockets, never closed, let the process exit", { skip: skipFor(t) }, async () => {
        assertExited(await runChild(["idle", bindAddress(t), await unserved(t)]), ["got hello", "returned"]);
      });

      test("a pending receive() keeps the process alive until a message comes", { skip: skipFor(t) }, async () => {
        assertExited(await runChild(["receive", bindAddress(t), await unserved(t)]), ["got late", "returned"]);
      });

      test("a pending for-await keeps the process alive until a message comes", { skip: skipFor(t) }, async () => {
        assertExited(await runChild(["iterate", bindAddress(t), await unserved(t)]), ["got late", "returned"]);
      });

      test("a pending send() keeps the process alive until a peer takes it", { skip: skipFor(t) }, async () => {
        assertExited(await runChild(["send", bindAddress(t)]), ["got late", "returned"]);
      });

      test("close() with linger delivers queued messages to a late peer, then lets the process exit", async () => {
        const peer = await unserved(t);
        const all = Array.from({ length: 20 }, (_, i) => `m${i}`).join(",");
        if (t === "inproc") {
          // The late peer binds in the child (inproc is in-process).
          assertExited(await runChild(["linger", "-1", peer]), ["closed", `got ${all}`]);
          return;
        }
        // The late peer binds here once the child has closed its socket.
        const pull = new Pull({ receiveTimeout: 5000 });
        const got: string[] = [];
        try {
          let bound: Promise<void> | undefined;
          const r = await runChild(["linger", "-1", peer], (line) => {
            if (line === "closed") bound = pull.bind(peer);
          });
          assertExited(r, ["closed", "returned"]);
          await bound;
          // The child exits only after our side took its last byte (half-close): all 20 are here.
          while (got.length < 20) got.push(new TextDecoder().decode((await pull.receive())[0]));
          assert.equal(got.join(","), all);
        } finally {
          pull.close();
        }
      });
    });
  }

  test("udp: a bound Dish and a connected Radio keep nothing alive; a pending receive does", async () => {
    const port = Number(new URL((await freeTcpAddress()).replace("tcp:", "http:")).port);
    assertExited(await runChild(["udp", `udp://127.0.0.1:${port}`]), ["got late", "returned"]);
  });

  test("tcp: a STREAM socket bound and connected lets the process exit", async () => {
    assertExited(await runChild(["stream", bindAddress("tcp")]), ["got connect notification", "returned"]);
  });

  test("tcp: a socket's events are awaited: the process lives until the event", async () => {
    assertExited(await runChild(["observer", bindAddress("tcp")]), ["got accept", "returned"]);
  });

  for (const t of ["tcp", "ws"] as const) {
    test(`${t}: a socket only connected to a peer elsewhere lets the process exit`, async () => {
      const rep = new Reply();
      try {
        await rep.bind(bindAddress(t));
        const child = runChild(["connect", "", rep.lastEndpoint!]);
        const [m] = await rep.receive();
        await rep.send(`${new TextDecoder().decode(m)} back`);
        assertExited(await child, ["got hello back", "returned"]);
      } finally {
        rep.close();
      }
    });
  }

  test("linger > 0 ends: messages for a peer that never comes do not keep the process alive", async () => {
    const peer = await unserved("tcp");
    const r = await runChild(["linger", "300", peer]);
    assertExited(r, ["closed", "returned"]);
  });
});
